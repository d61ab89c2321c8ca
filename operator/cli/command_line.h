// Command-line parsing for the `pgferry` subcommands: flags of the form `--name value`,
// `--name=value`, `-f FILE...` (several files after one -f, or -f repeated), and switches.
// Unknown flags are errors (exit 2). Plain value type.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace pgferry::cli {

struct CommandLine {
  std::string command;
  std::vector<std::string> files;            // -f / --filename
  std::map<std::string, std::string> flags;  // --output json, -o json => "output"
  std::set<std::string> switches;            // --show-passwords, --leader-elect

  std::string Flag(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

// `value_flags` take a value, `switch_flags` do not; "-o" is an alias of "output".
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                     const std::set<std::string>& value_flags,
                                     const std::set<std::string>& switch_flags, bool takes_files);

}  // namespace pgferry::cli
