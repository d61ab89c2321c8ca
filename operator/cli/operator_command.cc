// `pgferry operator`: the Kubernetes operator. Parses the flags, loads the Kubernetes
// configuration (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config), and runs
// controller::OperatorManager until SIGTERM/SIGINT. Exit codes: 0 after a graceful stop, 1 when
// the API server cannot be used (unreachable, bad credentials, CRD missing) or leadership was
// lost, 2 for a bad command line.
//
// PGFERRY_SERVICE_ACCOUNT_DIR (tests): a folder holding token, ca.crt and namespace used
// instead of /var/run/secrets/kubernetes.io/serviceaccount for the in-cluster configuration.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>

#include "operator/cli/command_line.h"
#include "operator/cli/commands.h"
#include "operator/controller/operator_manager.h"
#include "operator/controller/server_endpoints.h"
#include "operator/kube/http_kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/pg/libpq_session.h"
#include "operator/runtime/bind_address.h"
#include "operator/runtime/rest_client_metrics.h"

namespace pgferry::cli {
namespace {

enum class Level { kDebug, kInfo, kWarn, kError };

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

// The runtime's lines carry no level; failures start with one of these words.
Level LevelOf(std::string_view line) {
  for (const char* p : {"Reconciler error", "Observed a panic", "Failed", "Watch failed"})
    if (line.rfind(p, 0) == 0) return Level::kError;
  for (const char* p : {"Leader election lost", "Cleanup failed", "Cleanup given up"})
    if (line.rfind(p, 0) == 0) return Level::kWarn;
  return Level::kInfo;
}

void Write(Level level, std::string_view line) {
  static std::mutex mu;
  char ts[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string out = std::string(ts) + " " + LevelName(level) + " " + std::string(line) + "\n";
  std::lock_guard<std::mutex> lock(mu);
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& flag, const std::string& text) {
  // "15s", "500ms", "2m", or plain seconds.
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (...) {
    pos = 0;
  }
  std::string unit = text.substr(pos);
  double ms = unit == "ms" ? 1 : unit == "s" || unit.empty() ? 1000 : unit == "m" ? 60000 : -1;
  if (pos == 0 || ms < 0 || value < 0)
    return InvalidArgument("--" + flag + ": \"" + text + "\" is not a duration (e.g. 15s, 500ms)");
  return std::chrono::milliseconds(static_cast<int64_t>(value * ms));
}

Result<int> ParsePositive(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > 1000)
    return InvalidArgument("--" + flag + ": must be a whole number from 1 to 1000 (got \"" + text +
                           "\")");
  return static_cast<int>(v);
}

bool ValidNamespace(const std::string& ns) {
  if (ns.empty() || ns.size() > 63 || ns.front() == '-' || ns.back() == '-') return false;
  for (char c : ns)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// Every flag `pgferry operator` accepts, in the order --help prints them. The parser takes its
// flag names from this table, so the help text cannot miss one.
struct FlagHelp {
  const char* name;
  const char* value;  // placeholder; nullptr for a switch
  const char* help;
};
constexpr FlagHelp kOperatorFlags[] = {
    {"kubeconfig", "PATH", "default: $KUBECONFIG, in-cluster, ~/.kube/config"},
    {"namespace", "NS[,NS2...]", "watch only these namespaces (default: all)"},
    {"metrics-bind-address", "HOST:PORT", "Prometheus /metrics (default :8080; 0 = off)"},
    {"health-probe-bind-address", "HOST:PORT", "/healthz and /readyz (default :8081)"},
    {"leader-elect", nullptr, "act only while holding a coordination.k8s.io Lease"},
    {"leader-election-namespace", "NS", "the Lease's namespace ($POD_NAMESPACE, else default)"},
    {"max-concurrent-migrations", "N", "migrations running long steps at once (default 2)"},
    {"log-level", "LEVEL", "debug, info, warn or error (default info)"},
    {"leader-election-lease-duration", "D", "how long a Lease is valid (default 15s)"},
    {"leader-election-renew-deadline", "D", "leader steps down if not renewed within D (10s)"},
    {"leader-election-retry-period", "D", "between tries to take or renew the Lease (2s)"},
    {"replication-refresh-interval", "D", "re-read lag of a replicating migration (15s)"},
    {"failed-retry-interval", "D", "retry a Failed migration after D (default 60s)"},
    {"cleanup-max-attempts", "N", "cleanup tries on deletion before giving up (5)"},
    {"cleanup-timeout", "D", "give up cleanup on deletion after D (5m)"},
};

std::string OperatorUsage() {
  std::string out =
      "usage: pgferry operator [FLAGS]\n"
      "Runs the PgMigration operator until SIGTERM/SIGINT. D is a duration (500ms, 15s, 5m).\n"
      "flags:\n";
  for (const auto& f : kOperatorFlags) {
    std::string left = std::string("  --") + f.name + (f.value ? std::string(" ") + f.value : "");
    if (left.size() < 38) left.resize(38, ' ');
    out += left + " " + f.help + "\n";
  }
  out += std::string("  -h, --help").append(26, ' ') + " print this help\n";
  return out;
}

struct Parsed {
  controller::OperatorOptions options;
  std::string kubeconfig;
  Level level = Level::kInfo;
};

Status Parse(const std::vector<std::string>& raw, Parsed* out) {
  std::vector<std::string> args;
  for (const auto& a : raw) {
    if (a == "--leader-elect=true") {
      args.push_back("--leader-elect");
    } else if (a != "--leader-elect=false") {
      args.push_back(a);
    }
  }
  std::set<std::string> value_flags, switch_flags;
  for (const auto& f : kOperatorFlags) (f.value ? value_flags : switch_flags).insert(f.name);
  ASSIGN_OR_RETURN(CommandLine cl, ParseCommandLine(args, value_flags, switch_flags, false));
  auto& o = out->options;
  out->kubeconfig = cl.Flag("kubeconfig");
  std::stringstream nss(cl.Flag("namespace"));
  for (std::string ns; std::getline(nss, ns, ',');) {
    if (!ValidNamespace(ns))
      return InvalidArgument("--namespace: \"" + ns + "\" is not a namespace name");
    o.namespaces.push_back(ns);
  }
  o.metrics_bind_address = cl.Flag("metrics-bind-address", ":8080");
  o.health_probe_bind_address = cl.Flag("health-probe-bind-address", ":8081");
  RETURN_IF_ERROR(
      runtime::ParseBindAddress(o.metrics_bind_address, "--metrics-bind-address").status());
  RETURN_IF_ERROR(
      runtime::ParseBindAddress(o.health_probe_bind_address, "--health-probe-bind-address")
          .status());
  o.leader_elect = cl.Has("leader-elect");
  const char* pod_ns = std::getenv("POD_NAMESPACE");
  o.leader_election_namespace =
      cl.Flag("leader-election-namespace", pod_ns && *pod_ns ? pod_ns : "default");
  if (!ValidNamespace(o.leader_election_namespace))
    return InvalidArgument("--leader-election-namespace: \"" + o.leader_election_namespace +
                           "\" is not a namespace name");
  if (cl.flags.count("max-concurrent-migrations")) {
    ASSIGN_OR_RETURN(
        o.max_concurrent_migrations,
        ParsePositive("max-concurrent-migrations", cl.Flag("max-concurrent-migrations")));
  }
  std::string level = cl.Flag("log-level", "info");
  if (level == "debug") {
    out->level = Level::kDebug;
  } else if (level == "info") {
    out->level = Level::kInfo;
  } else if (level == "warn") {
    out->level = Level::kWarn;
  } else if (level == "error") {
    out->level = Level::kError;
  } else {
    return InvalidArgument("--log-level: must be debug, info, warn or error (got \"" + level +
                           "\")");
  }
  auto duration = [&](const char* flag, auto* field) -> Status {
    if (!cl.flags.count(flag)) return Status::Ok();
    ASSIGN_OR_RETURN(auto d, ParseDuration(flag, cl.Flag(flag)));
    *field = std::chrono::duration_cast<std::remove_reference_t<decltype(*field)>>(d);
    return Status::Ok();
  };
  RETURN_IF_ERROR(duration("leader-election-lease-duration", &o.lease_duration));
  RETURN_IF_ERROR(duration("leader-election-renew-deadline", &o.renew_deadline));
  RETURN_IF_ERROR(duration("leader-election-retry-period", &o.retry_period));
  RETURN_IF_ERROR(duration("replication-refresh-interval", &o.reconciler.rerun.refresh_interval));
  RETURN_IF_ERROR(duration("failed-retry-interval", &o.reconciler.rerun.failed_retry));
  RETURN_IF_ERROR(duration("cleanup-timeout", &o.reconciler.cleanup_max_duration));
  if (cl.flags.count("cleanup-max-attempts")) {
    ASSIGN_OR_RETURN(o.reconciler.cleanup_max_attempts,
                     ParsePositive("cleanup-max-attempts", cl.Flag("cleanup-max-attempts")));
  }
  if (o.lease_duration.count() < 1 || o.renew_deadline >= o.lease_duration ||
      o.retry_period >= o.renew_deadline || o.retry_period.count() <= 0)
    return InvalidArgument(
        "leader election timings must satisfy 0 < retry period < renew deadline < lease duration");
  return Status::Ok();
}

}  // namespace

int RunOperator(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << OperatorUsage();
      return kExitOk;
    }
  }
  Parsed p;
  Status parsed = Parse(args, &p);
  if (!parsed.ok()) {
    std::cerr << "pgferry operator: " << parsed.message() << "\n" << OperatorUsage();
    return kExitUsage;
  }
  const Level min = p.level;
  auto& o = p.options;
  o.log = [min](std::string_view line) {
    Level l = LevelOf(line);
    if (l >= min) Write(l, line);
  };
  if (min == Level::kDebug) o.debug = [](std::string_view line) { Write(Level::kDebug, line); };

  kube::KubeConfigSelection selection;
  selection.kubeconfig_flag = p.kubeconfig;
  if (const char* dir = std::getenv("PGFERRY_SERVICE_ACCOUNT_DIR"); dir && *dir) {
    selection.in_cluster.token = std::string(dir) + "/token";
    selection.in_cluster.ca_cert = std::string(dir) + "/ca.crt";
    selection.in_cluster.namespace_file = std::string(dir) + "/namespace";
  }
  auto config = kube::LoadKubeConfig(selection);
  if (!config.ok()) {
    std::cerr << "pgferry operator: " << config.status().message() << "\n";
    return kExitFailed;
  }
  prometheus::Registry client_metrics_registry;
  runtime::RestClientMetrics rest_metrics(client_metrics_registry,
                                          runtime::HostOfUrl(config->server));
  kube::HttpClientOptions client_options;
  client_options.on_response = [&rest_metrics](const std::string& method, int code) {
    rest_metrics.Observe(method, code);
  };
  o.extra_metrics.push_back(&client_metrics_registry);
  auto client = kube::HttpKubeClient::FromConfig(*config, client_options);
  if (!client.ok()) {
    std::cerr << "pgferry operator: " << config->source << ": " << client.status().message()
              << "\n";
    return kExitFailed;
  }
  o.server_description = config->server + " (" + config->source + ")";
  Write(Level::kInfo, "Starting pgferry operator server=" + runtime::LogValue(config->server) +
                          " config=" + runtime::LogValue(config->source) + " namespaces=" +
                          runtime::LogValue(o.namespaces.empty() ? "(all)" : [&] {
                            std::string s;
                            for (const auto& n : o.namespaces) s += (s.empty() ? "" : ",") + n;
                            return s;
                          }()) +
                          " leader_elect=" + (o.leader_elect ? "true" : "false"));

  runtime::Shutdown shutdown;
  Status installed = shutdown.InstallSignalHandlers();
  if (!installed.ok()) {
    std::cerr << "pgferry operator: " << installed.message() << "\n";
    return kExitFailed;
  }
  pg::LibpqConnector connector;
  controller::OperatorManager manager(o, client->get(), &connector);
  int code = manager.Run(shutdown);
  controller::RemoveCaFolder();  // the CA files of sslRootCertSecretRef (server_endpoints.h)
  if (code != 0 && !shutdown.requested())
    std::cerr << "pgferry operator: stopped with an error (see the log above)\n";
  return code;
}

}  // namespace pgferry::cli
