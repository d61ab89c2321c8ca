// LeaseRecord: the spec of a coordination.k8s.io/v1 Lease, as leader election reads and writes it.
//
// Only the fields leader election uses: holderIdentity, leaseDurationSeconds, acquireTime,
// renewTime (MicroTime: RFC 3339 with exactly six fractional digits, UTC) and leaseTransitions.
// Writing a record into a Lease object replaces those fields and keeps everything else
// (metadata.resourceVersion included, which makes the update conditional). Pure functions on
// plain values; safe from any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pgferry::runtime {

struct LeaseRecord {
  std::string holder_identity;  // "" = nobody holds the lease (released)
  int lease_duration_seconds = 0;
  std::optional<std::chrono::system_clock::time_point> acquire_time;
  std::optional<std::chrono::system_clock::time_point> renew_time;
  int lease_transitions = 0;
};

// The record in lease.spec; missing fields keep their defaults.
LeaseRecord LeaseRecordFromLease(const nlohmann::json& lease);
// Writes `record` into lease["spec"].
void WriteLeaseRecord(const LeaseRecord& record, nlohmann::json* lease);
// A new Lease object {apiVersion, kind, metadata: {namespace, name}, spec: record}.
nlohmann::json MakeLease(const std::string& ns, const std::string& name, const LeaseRecord& record);

// "2025-01-02T03:04:05.123456Z".
std::string FormatMicroTime(std::chrono::system_clock::time_point time);
// Accepts RFC 3339 in UTC ("...Z") with or without fractional seconds; nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> ParseMicroTime(const std::string& text);

}  // namespace pgferry::runtime
