// ProbeServer and MetricsServer over real HTTP on 127.0.0.1:0.
// gtest before cpprestsdk, whose macro U breaks gtest's templates.
#include <gtest/gtest.h>
//
#include <cpprest/http_client.h>
#include <prometheus/registry.h>

#include <atomic>

#include "operator/runtime/controller.h"
#include "operator/runtime/metrics_server.h"
#include "operator/runtime/probe_server.h"

namespace pgferry::runtime {
namespace {

struct Answer {
  int code = 0;
  std::string content_type;
  std::string body;
};

Answer HttpGet(int port, const std::string& path) {
  web::http::client::http_client client("http://127.0.0.1:" + std::to_string(port));
  web::http::http_response response = client.request(web::http::methods::GET, path).get();
  return {response.status_code(), response.headers().content_type(),
          response.extract_string(true).get()};
}

TEST(ProbeServerTest, HealthzAnswersOkWhileTheProcessRuns) {
  ProbeServer probes;
  ASSERT_TRUE(probes.Start("127.0.0.1:0").ok());
  ASSERT_GT(probes.port(), 0);
  Answer healthz = HttpGet(probes.port(), "/healthz");
  EXPECT_EQ(healthz.code, 200);
  EXPECT_EQ(healthz.body, "ok");
  EXPECT_EQ(HttpGet(probes.port(), "/nothing").code, 404);
}

TEST(ProbeServerTest, ReadyzFailsUntilTheCachesHaveSynced) {
  std::atomic<bool> synced{false};
  ProbeServer probes;
  probes.AddReadyCheck("informer-pgmigrations", [&] {
    return synced ? Status::Ok() : Unavailable("the cache of pgmigrations has not synced yet");
  });
  ASSERT_TRUE(probes.Start("127.0.0.1:0").ok());

  Answer before = HttpGet(probes.port(), "/readyz");
  EXPECT_EQ(before.code, 500);
  EXPECT_NE(before.body.find("[+]ping ok"), std::string::npos) << before.body;
  EXPECT_NE(before.body.find("[-]informer-pgmigrations failed: the cache of pgmigrations has not"),
            std::string::npos)
      << before.body;
  EXPECT_EQ(HttpGet(probes.port(), "/healthz").code, 200) << "liveness is not readiness";

  synced = true;
  Answer after = HttpGet(probes.port(), "/readyz");
  EXPECT_EQ(after.code, 200);
  EXPECT_EQ(after.body, "ok");
  Answer verbose = HttpGet(probes.port(), "/readyz?verbose");
  EXPECT_EQ(verbose.code, 200);
  EXPECT_NE(verbose.body.find("[+]informer-pgmigrations ok"), std::string::npos);
  EXPECT_NE(verbose.body.find("readyz check passed"), std::string::npos);
}

TEST(ProbeServerTest, OneCheckCanBeAskedForByName) {
  ProbeServer probes;
  probes.AddReadyCheck("broken", [] { return Unavailable("no"); });
  EXPECT_EQ(probes.Handle("/readyz/ping", "").code, 200);
  EXPECT_EQ(probes.Handle("/readyz/broken", "").code, 500);
  EXPECT_EQ(probes.Handle("/readyz/unknown", "").code, 404);
  EXPECT_EQ(probes.Handle("/healthz/broken", "").code, 404) << "readiness checks only";
}

TEST(ProbeServerTest, ZeroDisablesAndABadAddressIsAnError) {
  ProbeServer off;
  EXPECT_TRUE(off.Start("0").ok());
  EXPECT_EQ(off.port(), 0);
  ProbeServer bad;
  EXPECT_EQ(bad.Start("nonsense").code(), StatusCode::kInvalidArgument);
}

TEST(ProbeServerTest, APortInUseIsReported) {
  ProbeServer first;
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  ProbeServer second;
  Status st = second.Start("127.0.0.1:" + std::to_string(first.port()));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
}

class NoopReconciler : public Reconciler {
 public:
  ReconcileResult Reconcile(const std::string&) override { return ReconcileResult::Done(); }
};

TEST(MetricsServerTest, ServesControllerRuntimeMetricNamesInTextFormat) {
  prometheus::Registry registry;
  NoopReconciler reconciler;
  Controller::Options options;
  options.name = "pgmigration";
  options.registry = &registry;
  options.log = [](std::string_view) {};
  Controller controller(options, &reconciler);
  controller.Start();
  controller.queue().Add("ns/m1");
  for (int i = 0;
       i < 5000 && RenderMetrics({&registry}).find(R"(result="success"} 1)") == std::string::npos;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  controller.Stop();

  MetricsServer server({&registry});
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  Answer metrics = HttpGet(server.port(), "/metrics");
  EXPECT_EQ(metrics.code, 200);
  EXPECT_NE(metrics.content_type.find("text/plain; version=0.0.4"), std::string::npos);
  for (
      const char* line : {
          "# TYPE controller_runtime_reconcile_total counter",
          R"(controller_runtime_reconcile_total{controller="pgmigration",result="success"} 1)",
          R"(controller_runtime_reconcile_total{controller="pgmigration",result="error"} 0)",
          R"(controller_runtime_reconcile_total{controller="pgmigration",result="requeue_after"} 0)",
          R"(controller_runtime_reconcile_errors_total{controller="pgmigration"} 0)",
          "# TYPE controller_runtime_reconcile_time_seconds histogram",
          R"(controller_runtime_reconcile_time_seconds_count{controller="pgmigration"} 1)",
          R"(controller_runtime_max_concurrent_reconciles{controller="pgmigration"} 1)",
          R"(workqueue_depth{name="pgmigration"} 0)",
          R"(workqueue_adds_total{name="pgmigration"} 1)",
          R"(workqueue_queue_duration_seconds_count{name="pgmigration"} 1)",
          R"(workqueue_work_duration_seconds_count{name="pgmigration"} 1)",
          R"(workqueue_retries_total{name="pgmigration"} 0)",
          "# TYPE workqueue_unfinished_work_seconds gauge",
          "# TYPE workqueue_longest_running_processor_seconds gauge",
      }) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  }
  EXPECT_EQ(HttpGet(server.port(), "/").code, 404);
}

TEST(MetricsServerTest, TwoControllersShareOneRegistry) {
  prometheus::Registry registry;
  NoopReconciler reconciler;
  Controller::Options options;
  options.registry = &registry;
  options.log = [](std::string_view) {};
  options.name = "pgmigration";
  Controller first(options, &reconciler);
  options.name = "secret";
  Controller second(options, &reconciler);
  std::string text = RenderMetrics({&registry});
  size_t first_type = text.find("# TYPE workqueue_depth gauge");
  ASSERT_NE(first_type, std::string::npos);
  EXPECT_EQ(text.find("# TYPE workqueue_depth gauge", first_type + 1), std::string::npos)
      << "one family, two series";
  EXPECT_NE(text.find(R"(workqueue_depth{name="pgmigration"} 0)"), std::string::npos);
  EXPECT_NE(text.find(R"(workqueue_depth{name="secret"} 0)"), std::string::npos);
}

}  // namespace
}  // namespace pgferry::runtime
