#include "operator/runtime/lease_record.h"

#include <cstdio>
#include <ctime>

#include "operator/kube/resource.h"

namespace pgferry::runtime {
namespace {

using SysTime = std::chrono::system_clock::time_point;

std::optional<SysTime> TimeField(const nlohmann::json& spec, const char* key) {
  auto it = spec.find(key);
  if (it == spec.end() || !it->is_string()) return std::nullopt;
  return ParseMicroTime(it->get<std::string>());
}

int IntField(const nlohmann::json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

std::string FormatMicroTime(SysTime time) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch());
  auto seconds = std::chrono::floor<std::chrono::seconds>(micros);
  std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%06lldZ", date,
                static_cast<long long>((micros - seconds).count()));
  return out;
}

std::optional<SysTime> ParseMicroTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  long long micros = 0;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    int digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return std::nullopt;
  std::time_t t = timegm(&tm);
  return SysTime(std::chrono::seconds(t)) + std::chrono::microseconds(micros);
}

LeaseRecord LeaseRecordFromLease(const nlohmann::json& lease) {
  LeaseRecord record;
  if (!lease.is_object()) return record;
  auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return record;
  auto holder = spec->find("holderIdentity");
  if (holder != spec->end() && holder->is_string())
    record.holder_identity = holder->get<std::string>();
  record.lease_duration_seconds = IntField(*spec, "leaseDurationSeconds");
  record.lease_transitions = IntField(*spec, "leaseTransitions");
  record.acquire_time = TimeField(*spec, "acquireTime");
  record.renew_time = TimeField(*spec, "renewTime");
  return record;
}

void WriteLeaseRecord(const LeaseRecord& record, nlohmann::json* lease) {
  nlohmann::json& spec = (*lease)["spec"];
  if (!spec.is_object()) spec = nlohmann::json::object();
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  spec["leaseTransitions"] = record.lease_transitions;
  for (auto [key, value] :
       {std::pair{"acquireTime", record.acquire_time}, std::pair{"renewTime", record.renew_time}}) {
    if (value) {
      spec[key] = FormatMicroTime(*value);
    } else {
      spec.erase(key);
    }
  }
}

nlohmann::json MakeLease(const std::string& ns, const std::string& name,
                         const LeaseRecord& record) {
  nlohmann::json lease = {{"apiVersion", kube::LeasesResource().ApiVersion()},
                          {"kind", "Lease"},
                          {"metadata", {{"namespace", ns}, {"name", name}}}};
  WriteLeaseRecord(record, &lease);
  return lease;
}

}  // namespace pgferry::runtime
