// Commands whose implementation has not landed yet. They fail loudly rather than pretend.
#include <cstdio>

#include "operator/cli/commands.h"

namespace pgferry::cli {

int RunOperator(const std::vector<std::string>&) {
  std::fputs("pgferry operator: not implemented yet\n", stderr);
  return kExitUsage;
}

}  // namespace pgferry::cli
