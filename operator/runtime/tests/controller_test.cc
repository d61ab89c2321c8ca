// Controller: what each ReconcileResult does to the key, with a scripted Reconciler.
#include "operator/runtime/controller.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <deque>
#include <map>
#include <thread>

#include "operator/runtime/metrics_server.h"

namespace pgferry::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Returns the scripted results in order (Done once the script is used up) and records calls.
class ScriptedReconciler : public Reconciler {
 public:
  void Script(std::vector<ReconcileResult> results) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& r : results) script_.push_back(std::move(r));
  }
  void ThrowNext() {
    std::lock_guard<std::mutex> lock(mu_);
    throw_next_ = true;
  }
  ReconcileResult Reconcile(const std::string& key) override {
    std::unique_lock<std::mutex> lock(mu_);
    calls_.push_back(key);
    cv_.notify_all();
    if (throw_next_) {
      throw_next_ = false;
      throw std::runtime_error("boom");
    }
    if (script_.empty()) return ReconcileResult::Done();
    ReconcileResult next = script_.front();
    script_.pop_front();
    return next;
  }
  // Waits (real time, up to 5 s) for the n-th call.
  bool WaitForCalls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(5), [&] { return calls_.size() >= n; });
  }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReconcileResult> script_;
  std::vector<std::string> calls_;
  bool throw_next_ = false;
};

class ControllerTest : public ::testing::Test {
 protected:
  Controller::Options Options() {
    Controller::Options options;
    options.name = "pgmigration";
    options.clock = &clock_;
    options.registry = &registry_;
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.emplace_back(line);
    };
    return options;
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    std::string all;
    for (const auto& line : log_) all += line + "\n";
    return all;
  }
  std::string Metrics() { return RenderMetrics({&registry_}); }
  // Waits until the worker has handed the key back (nothing processing, queue settled).
  void Settle(Controller& controller) {
    for (int i = 0; i < 1000; ++i) {
      if (controller.queue().NumProcessing() == 0 && controller.queue().Len() == 0) return;
      std::this_thread::sleep_for(milliseconds(1));
    }
  }

  FakeClock clock_;
  prometheus::Registry registry_;
  ScriptedReconciler reconciler_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(ControllerTest, DoneReconcilesOnceAndWaitsForTheNextEvent) {
  Controller controller(Options(), &reconciler_);
  controller.Start();
  controller.queue().Add("ns/m1");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  Settle(controller);
  clock_.Advance(seconds(3600));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(reconciler_.calls(), 1u);
  EXPECT_EQ(controller.queue().NumWaiting(), 0u);
  EXPECT_NE(
      Metrics().find(
          R"(controller_runtime_reconcile_total{controller="pgmigration",result="success"} 1)"),
      std::string::npos)
      << Metrics();
}

TEST_F(ControllerTest, RequeueAfterPollsAfterExactlyThatDelay) {
  reconciler_.Script({ReconcileResult::RequeueAfter(seconds(30))});
  Controller controller(Options(), &reconciler_);
  controller.Start();
  controller.queue().Add("ns/m1");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  Settle(controller);
  EXPECT_EQ(controller.queue().NumWaiting(), 1u);

  clock_.Advance(seconds(29));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(reconciler_.calls(), 1u) << "not before 30 s";
  clock_.Advance(seconds(1));
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_EQ(controller.queue().NumRequeues("ns/m1"), 0) << "polling is not a failure";
  EXPECT_NE(Metrics().find(R"(result="requeue_after"} 1)"), std::string::npos) << Metrics();
}

TEST_F(ControllerTest, RetryBacksOffExponentiallyAndSuccessForgets) {
  reconciler_.Script({ReconcileResult::Retry(Unavailable("source unreachable")),
                      ReconcileResult::Retry(Unavailable("source unreachable")),
                      ReconcileResult::Retry(Unavailable("source unreachable"))});
  Controller controller(Options(), &reconciler_);
  controller.Start();
  controller.queue().Add("ns/m1");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  Settle(controller);
  EXPECT_EQ(controller.queue().NumRequeues("ns/m1"), 1);

  clock_.Advance(milliseconds(5));  // first retry after 5 ms
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  Settle(controller);
  clock_.Advance(milliseconds(9));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(reconciler_.calls(), 2u) << "the second retry waits 10 ms";
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(reconciler_.WaitForCalls(3));
  Settle(controller);
  clock_.Advance(milliseconds(20));
  ASSERT_TRUE(reconciler_.WaitForCalls(4));  // Done this time
  Settle(controller);
  EXPECT_EQ(controller.queue().NumRequeues("ns/m1"), 0);

  std::string metrics = Metrics();
  EXPECT_NE(metrics.find(
                R"(controller_runtime_reconcile_total{controller="pgmigration",result="error"} 3)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(R"(controller_runtime_reconcile_errors_total{controller="pgmigration"} 3)"),
      std::string::npos);
  EXPECT_NE(metrics.find(R"(workqueue_retries_total{name="pgmigration"} 3)"), std::string::npos);
  EXPECT_NE(Log().find("Reconciler error controller=pgmigration key=ns/m1"), std::string::npos)
      << Log();
  EXPECT_NE(Log().find("source unreachable"), std::string::npos);
}

TEST_F(ControllerTest, TerminalErrorIsCountedAndNeverRetried) {
  reconciler_.Script(
      {ReconcileResult::Terminal(InvalidArgument("spec.source.port: must be 1..65535"))});
  Controller controller(Options(), &reconciler_);
  controller.Start();
  controller.queue().Add("ns/m1");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  Settle(controller);
  clock_.Advance(seconds(2000));
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(reconciler_.calls(), 1u);
  EXPECT_EQ(controller.queue().NumWaiting(), 0u);
  EXPECT_EQ(controller.queue().NumRequeues("ns/m1"), 0);
  std::string metrics = Metrics();
  EXPECT_NE(
      metrics.find(
          R"(controller_runtime_terminal_reconcile_errors_total{controller="pgmigration"} 1)"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(result="error"} 1)"), std::string::npos);
  EXPECT_NE(Log().find("terminal"), std::string::npos);

  controller.queue().Add("ns/m1");  // the user fixed the spec: the next event reconciles again
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
}

TEST_F(ControllerTest, AThrowingReconcileIsCountedAsAPanicAndRetried) {
  reconciler_.ThrowNext();
  Controller controller(Options(), &reconciler_);
  controller.Start();
  controller.queue().Add("ns/m1");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  Settle(controller);
  clock_.Advance(milliseconds(5));
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_NE(
      Metrics().find(R"(controller_runtime_reconcile_panics_total{controller="pgmigration"} 1)"),
      std::string::npos);
  EXPECT_NE(Log().find("boom"), std::string::npos);
}

// Blocks inside Reconcile until released, to observe shutdown with work in flight.
class BlockingReconciler : public Reconciler {
 public:
  ReconcileResult Reconcile(const std::string& key) override {
    std::unique_lock<std::mutex> lock(mu_);
    started_.push_back(key);
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    finished_.push_back(key);
    return ReconcileResult::Done();
  }
  void WaitStarted(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, seconds(5), [&] { return started_.size() >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<std::string> started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  std::vector<std::string> finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<std::string> started_, finished_;
};

TEST_F(ControllerTest, StopTakesNoNewWorkAndWaitsForRunningReconciles) {
  BlockingReconciler blocking;
  Controller::Options options = Options();
  options.max_concurrent_reconciles = 2;
  Controller controller(options, &blocking);
  std::stop_source stop;
  std::thread runner([&] { controller.Run(stop.get_token()); });
  controller.queue().Add("ns/a");
  controller.queue().Add("ns/b");
  blocking.WaitStarted(2);
  controller.queue().Add("ns/c");  // queued behind the two running reconciles

  stop.request_stop();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_TRUE(blocking.finished().empty()) << "Run must wait for the reconciles in flight";
  blocking.Release();
  runner.join();
  EXPECT_EQ(blocking.finished().size(), 2u);
  EXPECT_EQ(blocking.started().size(), 2u) << "ns/c must not be started after the stop";
}

TEST_F(ControllerTest, ParallelWorkersReconcileDifferentKeysAtOnce) {
  BlockingReconciler blocking;
  Controller::Options options = Options();
  options.max_concurrent_reconciles = 3;
  Controller controller(options, &blocking);
  controller.Start();
  for (const char* key : {"ns/a", "ns/b", "ns/c"}) controller.queue().Add(key);
  blocking.WaitStarted(3);
  EXPECT_EQ(blocking.started().size(), 3u);
  EXPECT_NE(Metrics().find(R"(controller_runtime_active_workers{controller="pgmigration"} 3)"),
            std::string::npos)
      << Metrics();
  blocking.Release();
  controller.Stop();
}

}  // namespace
}  // namespace pgferry::runtime
