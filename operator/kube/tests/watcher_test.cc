// Watcher against a scripted KubeClient: list, watch, re-watch, relist on 410, backoff, stop.
#include "operator/kube/watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>

#include "operator/kube/api_error.h"

namespace pgferry::kube {
namespace {

// Answers List and Watch from scripts; once the watch script is used up, Watch blocks until
// stopped, like a quiet stream.
class ScriptedClient : public KubeClient {
 public:
  struct WatchScript {
    std::vector<WatchEvent> events;
    Status end;
  };

  void AddList(Result<Json> list) { lists_.push_back(std::move(list)); }
  void AddWatch(WatchScript script) { watches_.push_back(std::move(script)); }

  // Waits until a Watch call is blocked with nothing left to play.
  bool WaitUntilIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return idle_; });
  }
  std::vector<ListOptions> list_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return list_calls_;
  }
  std::vector<WatchOptions> watch_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return watch_calls_;
  }

  Result<Json> List(const Resource&, const std::string&, const ListOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    list_calls_.push_back(options);
    if (lists_.empty()) return Unavailable("no list scripted");
    Result<Json> next = std::move(lists_.front());
    lists_.pop_front();
    return next;
  }

  Status Watch(const Resource&, const std::string&, const WatchOptions& options,
               std::stop_token stop, const WatchHandler& handler) override {
    WatchScript script;
    {
      std::unique_lock<std::mutex> lock(mu_);
      watch_calls_.push_back(options);
      if (watches_.empty()) {
        idle_ = true;
        cv_.notify_all();
        std::condition_variable_any quiet;
        quiet.wait(lock, stop, [] { return false; });
        return Status(StatusCode::kAborted, "stopped");
      }
      script = std::move(watches_.front());
      watches_.pop_front();
    }
    for (const auto& event : script.events) {
      if (!handler(event)) return Status::Ok();
    }
    return script.end;
  }

  Result<Json> Get(const Resource&, const std::string&, const std::string&) override {
    return Internal("not scripted");
  }
  Result<Json> Create(const Resource&, const Json&) override { return Internal("not scripted"); }
  Result<Json> Update(const Resource&, const Json&) override { return Internal("not scripted"); }
  Result<Json> UpdateStatus(const Resource&, const Json&) override {
    return Internal("not scripted");
  }
  Result<Json> Patch(const Resource&, const std::string&, const std::string&, PatchType,
                     const Json&) override {
    return Internal("not scripted");
  }
  Result<Json> PatchStatus(const Resource&, const std::string&, const std::string&, PatchType,
                           const Json&) override {
    return Internal("not scripted");
  }
  Result<Json> Delete(const Resource&, const std::string&, const std::string&,
                      const DeleteOptions&) override {
    return Internal("not scripted");
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool idle_ = false;
  std::deque<Result<Json>> lists_;
  std::deque<WatchScript> watches_;
  std::vector<ListOptions> list_calls_;
  std::vector<WatchOptions> watch_calls_;
};

Json Item(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"name", name}, {"namespace", "apps"}, {"resourceVersion", rv}}}};
}

Json SecretList(const std::string& rv, std::vector<Json> items) {
  return {{"kind", "SecretList"},
          {"apiVersion", "v1"},
          {"metadata", {{"resourceVersion", rv}}},
          {"items", items}};
}

WatchEvent Event(WatchEventType type, const std::string& name, const std::string& rv) {
  WatchEvent event;
  event.type = type;
  event.object = Item(name, rv);
  event.object["kind"] = "Secret";
  event.object["apiVersion"] = "v1";
  if (type == WatchEventType::kBookmark) event.object["metadata"].erase("name");
  return event;
}

// Collects what the Watcher delivers as "TYPE name@rv" lines.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> lines;
  std::vector<Status> errors;

  Watcher::Callbacks Callbacks() {
    return {[this](const WatchEvent& event) {
              std::lock_guard<std::mutex> lock(mu);
              lines.push_back(std::string(WatchEventTypeName(event.type)) + " " +
                              event.object["metadata"].value("name", "") + "@" +
                              event.ResourceVersion());
            },
            [this](const std::string& rv) {
              std::lock_guard<std::mutex> lock(mu);
              lines.push_back("SYNCED @" + rv);
            },
            [this](const Status& st) {
              std::lock_guard<std::mutex> lock(mu);
              errors.push_back(st);
            }};
  }
};

Watcher::Options SecretsIn(const std::string& ns) {
  Watcher::Options options;
  options.resource = SecretsResource();
  options.ns = ns;
  options.label_selector = "app=pgferry";
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  return options;
}

TEST(Watcher, ListsThenWatchesFromTheListsVersion) {
  ScriptedClient client;
  client.AddList(SecretList("10", {Item("a", "5"), Item("b", "6")}));
  client.AddWatch(
      {{Event(WatchEventType::kModified, "a", "11"), Event(WatchEventType::kBookmark, "", "15")},
       Status::Ok()});  // the server ends the stream (timeoutSeconds)
  Recorder recorder;
  std::vector<Json> objects;
  Watcher::Callbacks callbacks = recorder.Callbacks();
  auto record = callbacks.on_event;
  callbacks.on_event = [&](const WatchEvent& event) {
    objects.push_back(event.object);
    record(event);
  };
  Watcher watcher(&client, SecretsIn("apps"), callbacks);
  watcher.Start();
  ASSERT_TRUE(client.WaitUntilIdle());
  watcher.Stop();

  EXPECT_EQ(recorder.lines,
            (std::vector<std::string>{"ADDED a@5", "ADDED b@6", "SYNCED @10", "MODIFIED a@11"}));
  EXPECT_EQ(objects[0]["kind"], "Secret");  // list items get the list's kind and apiVersion
  EXPECT_EQ(objects[0]["apiVersion"], "v1");
  ASSERT_EQ(client.list_calls().size(), 1u);  // the closed stream was re-opened, not relisted
  EXPECT_EQ(client.list_calls()[0].label_selector, "app=pgferry");
  auto watches = client.watch_calls();
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[0].resource_version, "10");
  EXPECT_TRUE(watches[0].allow_bookmarks);
  EXPECT_EQ(watches[0].label_selector, "app=pgferry");
  EXPECT_EQ(watches[1].resource_version, "15");  // moved on by the bookmark
  EXPECT_TRUE(recorder.errors.empty());
}

TEST(Watcher, GoneRelistsAndDeliversOnlyTheDifference) {
  ScriptedClient client;
  client.AddList(
      SecretList("10", {Item("a", "5"), Item("b", "6"), Item("c", "7"), Item("e", "9")}));
  client.AddWatch({{Event(WatchEventType::kDeleted, "c", "12")},
                   ApiError(410,
                            R"J({"kind":"Status","code":410,"reason":"Expired",
                                 "message":"too old resource version: 12 (30)"})J",
                            "GET watch")});
  client.AddList(SecretList("40", {Item("a", "5"), Item("b", "18"), Item("d", "19")}));
  Recorder recorder;
  Watcher watcher(&client, SecretsIn("apps"), recorder.Callbacks());
  watcher.Start();
  ASSERT_TRUE(client.WaitUntilIdle());
  watcher.Stop();

  EXPECT_EQ(recorder.lines,
            (std::vector<std::string>{"ADDED a@5", "ADDED b@6", "ADDED c@7", "ADDED e@9",
                                      "SYNCED @10", "DELETED c@12",
                                      // after the relist: a unchanged, c already deleted
                                      "MODIFIED b@18", "ADDED d@19", "DELETED e@9", "SYNCED @40"}));
  EXPECT_EQ(client.list_calls().size(), 2u);
  EXPECT_EQ(client.watch_calls().back().resource_version, "40");
  EXPECT_TRUE(recorder.errors.empty());  // 410 is routine, not an error
}

TEST(Watcher, FailuresAreReportedAndRetried) {
  ScriptedClient client;
  client.AddList(Unavailable("connection refused"));
  client.AddList(SecretList("10", {}));
  client.AddWatch({{Event(WatchEventType::kAdded, "a", "11")}, Unavailable("stream broken")});
  Recorder recorder;
  Watcher watcher(&client, SecretsIn(""), recorder.Callbacks());
  watcher.Start();
  ASSERT_TRUE(client.WaitUntilIdle());
  watcher.Stop();

  ASSERT_EQ(recorder.errors.size(), 2u);
  EXPECT_EQ(recorder.errors[0].message(), "connection refused");
  EXPECT_EQ(recorder.errors[1].message(), "stream broken");
  EXPECT_EQ(client.list_calls().size(), 2u);
  auto watches = client.watch_calls();
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[1].resource_version, "11");  // a broken stream resumes; no relist
  EXPECT_EQ(recorder.lines, (std::vector<std::string>{"SYNCED @10", "ADDED a@11"}));
}

TEST(Watcher, StopEndsAQuietWatchPromptly) {
  ScriptedClient client;
  client.AddList(SecretList("10", {}));
  Recorder recorder;
  Watcher watcher(&client, SecretsIn("apps"), recorder.Callbacks());
  watcher.Start();
  ASSERT_TRUE(client.WaitUntilIdle());
  auto started = std::chrono::steady_clock::now();
  watcher.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  watcher.Stop();  // idempotent
}

}  // namespace
}  // namespace pgferry::kube
