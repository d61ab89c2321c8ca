#include "tests/e2e/operator_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

namespace pgferry::e2e {
namespace {

std::vector<std::string> OperatorArgv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {OperatorBinary(), "operator"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

int PortAfter(const std::string& log, const std::string& prefix) {
  std::smatch m;
  std::regex re(prefix + "[^\\n]* port=([0-9]+)");
  if (std::regex_search(log, m, re)) return std::stoi(m[1]);
  return 0;
}

}  // namespace

OperatorProcess::OperatorProcess(const std::vector<std::string>& args,
                                 const std::string& scratch_dir)
    : cmd_(OperatorArgv(args), scratch_dir) {}

bool OperatorProcess::WaitForLog(const std::string& needle,
                                 std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return log().find(needle) != std::string::npos;
}

int OperatorProcess::MetricsPort() const { return PortAfter(log(), "Serving metrics"); }
int OperatorProcess::ProbePort() const { return PortAfter(log(), "Serving health probes"); }

std::string OperatorProcess::Identity() const {
  std::smatch m;
  std::string l = log();
  std::regex re("Attempting to acquire leader lease [^\\n]*identity=(\\S+)");
  return std::regex_search(l, m, re) ? std::string(m[1]) : "";
}

void OperatorProcess::Kill() {
  kill(cmd_.pid(), SIGKILL);
  cmd_.Wait(std::chrono::seconds(5));
}

int HttpGet(int port, const std::string& path, std::string* body) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 0;
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return 0;
  }
  std::string resp;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) resp.append(buf, n);
  close(fd);
  int code = 0;
  if (resp.rfind("HTTP/1.", 0) == 0 && resp.size() > 12) code = std::atoi(resp.c_str() + 9);
  auto sep = resp.find("\r\n\r\n");
  if (body) *body = sep == std::string::npos ? "" : resp.substr(sep + 4);
  // cpprestsdk may answer with chunked encoding; tests only search the body, so a chunk-size
  // line in it does no harm.
  return code;
}

std::string OperatorBinary() {
  const char* env = getenv("PGFERRY_BIN");
  return env && *env ? env : PGFERRY_BUILT_BIN;
}

void OperatorTest::SetUp() {
  ASSERT_EQ(access(OperatorBinary().c_str(), X_OK), 0)
      << "no pgferry binary at " << OperatorBinary() << " (build it, or set PGFERRY_BIN)";
  KubeTest::SetUp();
  audit_path_ = Scratch("audit.jsonl");
  fakeapi::FakeApiServerOptions options = ServerOptions();
  options.audit_log_path = audit_path_;
  StartServer(options);
  InstallCrd();
}

void OperatorTest::TearDown() {
  src_.reset();
  dst_.reset();
  KubeTest::TearDown();
}

void OperatorTest::StartPostgres() {
  src_ = testing::PgCluster::Start();
  dst_ = testing::PgCluster::Start();
}

std::unique_ptr<OperatorProcess> OperatorTest::StartOperator(
    const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--kubeconfig",
                                   kubeconfig_,
                                   "--metrics-bind-address",
                                   "127.0.0.1:0",
                                   "--health-probe-bind-address",
                                   "127.0.0.1:0",
                                   "--log-level",
                                   "debug"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<OperatorProcess>(args, dir_);
}

std::string OperatorTest::Manifest(const std::string& name, const std::string& extra_spec) const {
  testing::ManifestOptions o;
  o.name = name;
  o.source = testing::ServerRef::Of(*src_, true);
  o.destination = testing::ServerRef::Of(*dst_, true);
  o.extra_spec = extra_spec;
  return testing::BuildManifest(o);
}

std::vector<std::string> OperatorTest::ObservedApiCalls() const {
  std::set<std::string> calls;
  std::string text = ReadFile(audit_path_);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto r = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
    start = end + 1;
    if (!r.is_object() || !r.contains("resource") || r.value("nonResourceURL", false)) continue;
    if (r.value("userAgent", "").rfind("pgferry", 0) != 0) continue;
    std::string group = r.value("apiGroup", "");
    std::string res = r.value("resource", "");
    if (res.empty()) continue;
    std::string sub = r.value("subresource", "");
    calls.insert(r.value("verb", "") + " " + (group.empty() ? "core" : group) + " " + res +
                 (sub.empty() ? "" : "/" + sub));
  }
  return {calls.begin(), calls.end()};
}

std::string OperatorTest::ChartRbacMisses(const std::string& calls_file,
                                          const std::string& values_yaml) {
  const char* env = getenv("CHART_RENDER");
  std::string render =
      env && *env ? env : SourceDir() + "/../shared/tools/chart-render/chart-render";
  if (access(render.c_str(), X_OK) != 0) return "no chart-render at " + render;
  std::vector<std::string> argv = {render,    "--check",     "--name",
                                   "pgferry", "--namespace", "pgferry-system"};
  if (!values_yaml.empty()) {
    WriteFile(Scratch("chart-values.yaml"), values_yaml);
    argv.insert(argv.end(), {"-f", Scratch("chart-values.yaml")});
  }
  argv.push_back(SourceDir() + "/charts/pgferry");
  CommandResult r = RunCommand(argv, dir_);
  if (r.exit_code != 0) return "chart-render failed: " + r.all();
  WriteFile(Scratch("chart.yaml"), r.out);
  r = RunCommand({"python3", SourceDir() + "/tests/chart/chart_checks.py", "covers",
                  Scratch("chart.yaml"), calls_file},
                 dir_);
  if (r.exit_code != 0 || r.out.rfind("PASS:", 0) != 0) return r.all();
  return "";
}

}  // namespace pgferry::e2e
