// The `pgferry` subcommands. Each returns the process exit code (DESIGN.md): 0 success,
// 1 a database failed, 2 bad command line or manifest, 3 validation failed.
#pragma once

#include <string>
#include <vector>

namespace pgferry::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitValidation = 3;

int RunCheck(const std::vector<std::string>& args);
int RunMigrate(const std::vector<std::string>& args);
int RunCleanup(const std::vector<std::string>& args);
int RunVerify(const std::vector<std::string>& args);
int RunOperator(const std::vector<std::string>& args);
int RunVersion(const std::vector<std::string>& args);

}  // namespace pgferry::cli
