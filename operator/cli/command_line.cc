#include "operator/cli/command_line.h"

namespace pgferry::cli {

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                     const std::set<std::string>& value_flags,
                                     const std::set<std::string>& switch_flags, bool takes_files) {
  CommandLine cl;
  bool in_files = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-f" || a == "--filename") {
      if (!takes_files) return InvalidArgument("unknown flag " + a);
      if (i + 1 >= args.size()) return InvalidArgument(a + " needs a file");
      cl.files.push_back(args[++i]);
      in_files = true;
      continue;
    }
    if (a.rfind("--filename=", 0) == 0 && takes_files) {
      cl.files.push_back(a.substr(11));
      continue;
    }
    if (a.empty() || a[0] != '-') {
      if (in_files) {
        cl.files.push_back(a);
        continue;
      }
      return InvalidArgument("unexpected argument \"" + a + "\"");
    }
    in_files = false;
    std::string name, value;
    bool has_value = false;
    if (a == "-o") {
      name = "output";
    } else if (a.rfind("--", 0) == 0) {
      name = a.substr(2);
      auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else {
      return InvalidArgument("unknown flag " + a);
    }
    if (switch_flags.count(name)) {
      if (has_value) return InvalidArgument("--" + name + " takes no value");
      cl.switches.insert(name);
    } else if (value_flags.count(name)) {
      if (!has_value) {
        if (i + 1 >= args.size()) return InvalidArgument("--" + name + " needs a value");
        value = args[++i];
      }
      cl.flags[name] = value;
    } else {
      return InvalidArgument("unknown flag " + a);
    }
  }
  if (takes_files && cl.files.empty()) return InvalidArgument("-f FILE is required");
  if (cl.flags.count("output") && cl.flags["output"] != "text" && cl.flags["output"] != "json")
    return InvalidArgument("-o must be text or json, not \"" + cl.flags["output"] + "\"");
  return cl;
}

}  // namespace pgferry::cli
