// Unit tests for reconcilers/aiven_extras.h: which statements create and drop the publication
// and subscription, through aiven_extras or in plain SQL. A fake Session records them.
#include "reconcilers/aiven_extras.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "operator/pg/sqlstate.h"
#include "tests/unit/recording_session.h"

namespace pgferry::aiven_extras {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using pgferry::testing::RecordingSession;

TEST(AivenExtras, PublicationForAllTablesThroughTheExtension) {
  RecordingSession s;
  ASSERT_TRUE(CreatePublication(s, true, "pgferry_1", nullptr).ok());
  EXPECT_THAT(s.log, ElementsAre(
      "SELECT aiven_extras.pg_create_publication_for_all_tables($1, $2) "
      "[pgferry_1|insert,update,delete,truncate]",
      "ALTER PUBLICATION \"pgferry_1\" SET (publish_via_partition_root = true)"));
}

TEST(AivenExtras, PublicationForListedTablesPassesQuotedNames) {
  RecordingSession s;
  std::vector<TableRef> tables = {{"public", "orders"}, {"My Schema", "it's \"odd\""}};
  ASSERT_TRUE(CreatePublication(s, true, "pgferry_1", &tables).ok());
  ASSERT_EQ(s.log.size(), 2u);
  EXPECT_EQ(s.log[0],
            "SELECT aiven_extras.pg_create_publication('pgferry_1', 'insert,update,delete,truncate', "
            "VARIADIC ARRAY['\"public\".\"orders\"', '\"My Schema\".\"it''s \"\"odd\"\"\"']::text[])");
}

TEST(AivenExtras, PlainPublication) {
  RecordingSession s;
  ASSERT_TRUE(CreatePublication(s, false, "p", nullptr).ok());
  std::vector<TableRef> tables = {{"public", "t"}};
  ASSERT_TRUE(CreatePublication(s, false, "p", &tables).ok());
  std::vector<TableRef> none;
  ASSERT_TRUE(CreatePublication(s, false, "p", &none).ok());
  EXPECT_THAT(s.log, ElementsAre(
      "CREATE PUBLICATION \"p\" FOR ALL TABLES WITH (publish_via_partition_root = true)",
      "CREATE PUBLICATION \"p\" FOR TABLE \"public\".\"t\" WITH (publish_via_partition_root = true)",
      "CREATE PUBLICATION \"p\" WITH (publish_via_partition_root = true)"));
}

TEST(AivenExtras, SubscriptionOnTheExistingSlotWithoutACopy) {
  RecordingSession s;
  ASSERT_TRUE(CreateSubscription(s, true, "sub", "host=src", "pub", "slot").ok());
  ASSERT_TRUE(CreateSubscription(s, false, "sub", "host=src", "pub", "slot").ok());
  EXPECT_THAT(s.log, ElementsAre(
      "SELECT aiven_extras.pg_create_subscription($1, $2, $3, $4, false, false) "
      "[sub|host=src|pub|slot]",
      "CREATE SUBSCRIPTION \"sub\" CONNECTION 'host=src' PUBLICATION \"pub\" WITH (create_slot = "
      "false, slot_name = 'slot', copy_data = false, enabled = true)"));
}

TEST(AivenExtras, DropDisablesFirst) {
  RecordingSession extras, plain;
  ASSERT_TRUE(DropSubscription(extras, true, "sub").ok());
  EXPECT_THAT(extras.log, ElementsAre("SELECT aiven_extras.pg_alter_subscription_disable($1) [sub]",
                                      "SELECT aiven_extras.pg_drop_subscription($1) [sub]"));
  ASSERT_TRUE(DropSubscription(plain, false, "sub").ok());
  EXPECT_THAT(plain.log, ElementsAre("ALTER SUBSCRIPTION \"sub\" DISABLE",
                                     "ALTER SUBSCRIPTION \"sub\" SET (slot_name = NONE)",
                                     "DROP SUBSCRIPTION \"sub\""));
}

// pg_drop_subscription fails with `sqlstate` the first `failures` times; the subscription stays.
class FailingDropSession : public RecordingSession {
 public:
  FailingDropSession(const char* sqlstate, int failures) : sqlstate_(sqlstate), failures_(failures) {}
  Result<pg::QueryResult> Query(const std::string& sql,
                                const std::vector<std::optional<std::string>>& params) override {
    auto r = RecordingSession::Query(sql, params);
    if (sql.find("pg_drop_subscription") != std::string::npos && failures_-- > 0)
      return pg::ServerError(sqlstate_, "failed");
    if (sql.find("pg_subscription") != std::string::npos)  // still there
      return pg::QueryResult({"subenabled"}, {{std::string("f")}});
    return r;
  }

 private:
  const char* sqlstate_;
  int failures_;
};

TEST(AivenExtras, DropRetriesWhileTheSlotIsInUseOnly) {
  FailingDropSession busy(pg::kObjectInUse, 2);
  EXPECT_TRUE(DropSubscription(busy, true, "sub").ok());
  int drops = 0;
  for (const auto& l : busy.log) drops += l.find("pg_drop_subscription") != std::string::npos;
  EXPECT_EQ(drops, 3);

  FailingDropSession unreachable("08001", 100);  // dblink cannot reach the source
  Status st = DropSubscription(unreachable, true, "sub");
  EXPECT_TRUE(pg::HasSqlState(st, "08001"));
  drops = 0;
  for (const auto& l : unreachable.log) drops += l.find("pg_drop_subscription") != std::string::npos;
  EXPECT_EQ(drops, 1);
}

TEST(AivenExtras, ListingGoesThroughTheExtension) {
  RecordingSession extras;
  ASSERT_TRUE(ListSubscriptions(extras, true, "pgferry_1_").ok());
  ASSERT_EQ(extras.log.size(), 1u);
  EXPECT_THAT(extras.log[0], StartsWith("SELECT s.subname FROM aiven_extras.pg_list_all_subscriptions() s"));
  EXPECT_THAT(extras.log[0], HasSubstr("[pgferry_1_]"));
}

TEST(AivenExtras, NoExtensionNoInstallAttemptWhenTheCheckSaysNo) {
  RecordingSession s;  // the check returns no rows
  InstallForSubscriptions(s);
  ASSERT_EQ(s.log.size(), 1u);
  EXPECT_THAT(s.log[0], HasSubstr("pg_available_extensions"));
}

}  // namespace
}  // namespace pgferry::aiven_extras
