// pgferry: migrate PostgreSQL databases between clusters, from the command line or as a
// Kubernetes operator. See DESIGN.md for the commands and exit codes.
#include <cstdio>
#include <string>
#include <vector>

#include "operator/cli/commands.h"
#include "operator/pg/libpq_session.h"
#include "version.h"

namespace pgferry::cli {

int RunVersion(const std::vector<std::string>&) {
  int v = pg::LibpqVersion();
  std::printf("pgferry %s (commit %s, libpq %d.%d)\n", PGFERRY_VERSION, PGFERRY_GIT_COMMIT,
              v / 10000, v % 10000);
  return kExitOk;
}

}  // namespace pgferry::cli

namespace {

const char kUsage[] =
    "usage:\n"
    "  pgferry migrate  -f FILE... [-o text|json] [--report-file PATH] [--show-passwords]\n"
    "  pgferry check    -f FILE... [-o text|json]\n"
    "  pgferry cleanup  -f FILE...\n"
    "  pgferry verify   -f FILE... [--mode counts|checksums] [-o text|json]\n"
    "  pgferry operator [--kubeconfig PATH] [--namespace NS] [--metrics-bind-address HOST:PORT]\n"
    "                   [--health-probe-bind-address HOST:PORT] [--leader-elect]\n"
    "                   [--leader-election-namespace NS] [--max-concurrent-migrations N]\n"
    "                   [--log-level LEVEL] [tuning flags: pgferry operator --help]\n"
    "  pgferry version\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace pgferry::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  // `pgferry migrate --help` and the like print the usage (stdout, exit 0) rather than
  // "unknown flag"; `pgferry operator --help` has its own, longer text.
  if (cmd == "check" || cmd == "migrate" || cmd == "cleanup" || cmd == "verify") {
    for (const auto& a : args) {
      if (a == "--help" || a == "-h") {
        std::fputs(kUsage, stdout);
        return kExitOk;
      }
    }
  }
  if (cmd == "check") return RunCheck(args);
  if (cmd == "migrate") return RunMigrate(args);
  if (cmd == "cleanup") return RunCleanup(args);
  if (cmd == "verify") return RunVerify(args);
  if (cmd == "operator") return RunOperator(args);
  if (cmd == "version" || cmd == "--version") return RunVersion(args);
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "pgferry: unknown command \"%s\"\n%s", cmd.c_str(), kUsage);
  return kExitUsage;
}
