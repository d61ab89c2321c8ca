#include "operator/runtime/log.h"

#include <unistd.h>

namespace pgferry::runtime {

void StderrLog(std::string_view line) {
  std::string out(line);
  out += '\n';
  // One write per line so lines of different threads do not interleave.
  ssize_t ignored = write(STDERR_FILENO, out.data(), out.size());
  (void)ignored;
}

std::string LogValue(std::string_view value) {
  if (!value.empty() && value.find_first_of(" \"=\t\n") == std::string_view::npos)
    return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace pgferry::runtime
