// LeaseRecord: MicroTime text and the Lease spec fields leader election reads and writes.
#include "operator/runtime/lease_record.h"

#include <gtest/gtest.h>

namespace pgferry::runtime {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;
using SysTime = std::chrono::system_clock::time_point;

TEST(MicroTimeTest, FormatsUtcWithSixFractionalDigits) {
  SysTime t = SysTime(seconds(1735787045)) + microseconds(42);
  EXPECT_EQ(FormatMicroTime(t), "2025-01-02T03:04:05.000042Z");
  EXPECT_EQ(FormatMicroTime(SysTime(seconds(1735787045))), "2025-01-02T03:04:05.000000Z");
}

TEST(MicroTimeTest, ParsesWhatItFormatsAndPlainRfc3339) {
  SysTime t = SysTime(seconds(1735787045)) + microseconds(123456);
  EXPECT_EQ(ParseMicroTime(FormatMicroTime(t)), t);
  EXPECT_EQ(ParseMicroTime("2025-01-02T03:04:05Z"), SysTime(seconds(1735787045)));
  EXPECT_EQ(ParseMicroTime("2025-01-02T03:04:05.5Z"),
            SysTime(seconds(1735787045)) + microseconds(500000));
  EXPECT_EQ(ParseMicroTime("2025-01-02 03:04:05Z"), std::nullopt);
  EXPECT_EQ(ParseMicroTime("2025-01-02T03:04:05+01:00"), std::nullopt);
  EXPECT_EQ(ParseMicroTime("2025-01-02T03:04:05."), std::nullopt);
}

TEST(LeaseRecordTest, RoundTripsThroughALeaseObject) {
  LeaseRecord record;
  record.holder_identity = "pod-1_abc";
  record.lease_duration_seconds = 15;
  record.acquire_time = SysTime(seconds(1735787045));
  record.renew_time = SysTime(seconds(1735787047));
  record.lease_transitions = 3;
  nlohmann::json lease = MakeLease("pgferry-system", "pgferry-leader", record);
  EXPECT_EQ(lease["apiVersion"], "coordination.k8s.io/v1");
  EXPECT_EQ(lease["kind"], "Lease");
  EXPECT_EQ(lease["metadata"]["namespace"], "pgferry-system");
  EXPECT_EQ(lease["spec"]["renewTime"], "2025-01-02T03:04:07.000000Z");

  LeaseRecord back = LeaseRecordFromLease(lease);
  EXPECT_EQ(back.holder_identity, "pod-1_abc");
  EXPECT_EQ(back.lease_duration_seconds, 15);
  EXPECT_EQ(back.acquire_time, record.acquire_time);
  EXPECT_EQ(back.renew_time, record.renew_time);
  EXPECT_EQ(back.lease_transitions, 3);
}

TEST(LeaseRecordTest, WritingKeepsMetadataAndOtherSpecFields) {
  nlohmann::json lease = {{"metadata", {{"name", "l"}, {"resourceVersion", "7"}}},
                          {"spec", {{"preferredHolder", "x"}, {"renewTime", "old"}}}};
  LeaseRecord record;
  record.holder_identity = "";
  record.lease_duration_seconds = 1;
  WriteLeaseRecord(record, &lease);
  EXPECT_EQ(lease["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(lease["spec"]["preferredHolder"], "x");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");
  EXPECT_FALSE(lease["spec"].contains("renewTime"));
}

TEST(LeaseRecordTest, ReadsAnEmptyOrMalformedSpecAsDefaults) {
  LeaseRecord record = LeaseRecordFromLease({{"spec", {{"holderIdentity", 5}}}});
  EXPECT_EQ(record.holder_identity, "");
  EXPECT_EQ(record.lease_duration_seconds, 0);
  EXPECT_FALSE(record.renew_time);
  EXPECT_EQ(LeaseRecordFromLease(nullptr).holder_identity, "");
}

}  // namespace
}  // namespace pgferry::runtime
