#include "reconcilers/names.h"

#include <cstdint>
#include <cstdio>

namespace pgferry {
namespace {

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf).substr(16 - digits);
}

}  // namespace

std::string MigrationShortId(const std::string& seed) { return Hex(Fnv1a(seed), 8); }

std::string ReplicationObjectPrefix(const std::string& short_id) {
  return "pgferry_" + short_id + "_";
}

std::string ReplicationObjectName(const std::string& short_id, const std::string& dbname) {
  return ReplicationObjectPrefix(short_id) + Hex(Fnv1a(dbname), 12);
}

}  // namespace pgferry
