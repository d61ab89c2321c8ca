// PlanIndexBuilds: which of a table's source indexes the copy workers build, and the SQL.
#include "reconcilers/index_build.h"

#include <gtest/gtest.h>

namespace pgferry {
namespace {

using Row = std::vector<std::optional<std::string>>;

// One kTableIndexes row: oid, name, quoted name, definition, constraint oid, name, type,
// deferrable, deferred, post_data, eligible.
Row IndexRow(const std::string& oid, const std::string& name, const std::string& quoted, const std::string& def,
             const std::string& con_oid = "", const std::string& con_name = "", const std::string& type = "",
             bool deferrable = false, bool deferred = false, bool post_data = false, bool eligible = true) {
  auto b = [](bool v) { return std::optional<std::string>(v ? "t" : "f"); };
  return {oid, name, quoted, def, con_oid, con_name, type, b(deferrable), b(deferred), b(post_data), b(eligible)};
}

std::string Quote(const std::string& n) { return "\"" + n + "\""; }

std::vector<IndexBuild> Plan(std::vector<Row> rows) {
  pg::QueryResult r(std::vector<std::string>(11, "c"), std::move(rows));
  return PlanIndexBuilds(r, "\"s\".\"t\"", Quote);
}

TEST(PlanIndexBuilds, PrimaryKeyBecomesAUniqueIndexThenAConstraintUsingIt) {
  auto b = Plan({IndexRow("10", "t_pkey", "t_pkey", "CREATE UNIQUE INDEX t_pkey ON s.t USING btree (id)", "20",
                          "t_pkey", "p")});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].create_sql, "CREATE UNIQUE INDEX \"t_pkey\" ON s.t USING btree (id)");
  EXPECT_EQ(b[0].constraint_sql, "ALTER TABLE ONLY \"s\".\"t\" ADD CONSTRAINT \"t_pkey\" PRIMARY KEY USING INDEX \"t_pkey\"");
  EXPECT_EQ(b[0].CatalogId(), "2606:20");
}

TEST(PlanIndexBuilds, DeferrableUniqueKeepsItsTimingAndAConstraintNameDifferentFromTheIndexWins) {
  auto b = Plan({IndexRow("11", "odd idx", "\"odd idx\"", "CREATE UNIQUE INDEX \"odd idx\" ON s.t USING btree (u)",
                          "21", "u\"q", "u", true, true),
                 IndexRow("12", "u2", "u2", "CREATE UNIQUE INDEX u2 ON s.t USING btree (b)", "22", "u2", "u", true)});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].name, "u\"q");
  EXPECT_EQ(b[0].create_sql, "CREATE UNIQUE INDEX \"u\"q\" ON s.t USING btree (u)");
  EXPECT_EQ(b[0].constraint_sql,
            "ALTER TABLE ONLY \"s\".\"t\" ADD CONSTRAINT \"u\"q\" UNIQUE USING INDEX \"u\"q\" DEFERRABLE INITIALLY DEFERRED");
  EXPECT_EQ(b[1].constraint_sql, "ALTER TABLE ONLY \"s\".\"t\" ADD CONSTRAINT \"u2\" UNIQUE USING INDEX \"u2\" DEFERRABLE");
}

TEST(PlanIndexBuilds, PlainIndexesVerbatimExclusionAndExtraClausesLeftToPostData) {
  auto b = Plan({IndexRow("13", "ix", "ix", "CREATE INDEX ix ON s.t USING btree (lower(v)) WHERE (id > 3)"),
                 IndexRow("14", "ex", "ex", "CREATE INDEX ex ON s.t USING gist (r)", "24", "ex", "x"),
                 IndexRow("15", "cl", "cl", "CREATE INDEX cl ON s.t USING btree (v)", "", "", "", false, false, true)});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].create_sql, "CREATE INDEX ix ON s.t USING btree (lower(v)) WHERE (id > 3)");
  EXPECT_EQ(b[0].constraint_sql, "");
  EXPECT_EQ(b[0].CatalogId(), "1259:13");
}

TEST(PlanIndexBuilds, NothingForTablesThatAreNotEligible) {
  EXPECT_TRUE(Plan({IndexRow("16", "p", "p", "CREATE UNIQUE INDEX p ON s.t USING btree (id)", "26", "p", "p", false,
                             false, false, false)})
                  .empty());
}

TEST(PlanIndexBuilds, ADefinitionThatDoesNotStartAsExpectedIsLeftToPostData) {
  EXPECT_TRUE(Plan({IndexRow("17", "k", "k", "CREATE UNIQUE INDEX other ON s.t USING btree (id)", "27", "k", "p")}).empty());
}

TEST(BuiltCatalogIds, ReadsEveryRecordedId) {
  auto ids = BuiltCatalogIds({"2606:20,1259:13", "", "1259:99"});
  EXPECT_EQ(ids, (std::set<std::pair<uint32_t, uint32_t>>{{2606, 20}, {1259, 13}, {1259, 99}}));
}

TEST(PlanTableIndexWork, NamesPresentOnTheDestinationAreNotBuiltAgainButStillRecorded) {
  pg::QueryResult r(std::vector<std::string>(11, "c"),
                    {IndexRow("10", "t_pkey", "t_pkey", "CREATE UNIQUE INDEX t_pkey ON s.t USING btree (id)", "20",
                              "t_pkey", "p"),
                     IndexRow("11", "t_v", "t_v", "CREATE INDEX t_v ON s.t USING btree (v)")});
  auto fresh = PlanTableIndexWork(r, {}, "\"s\".\"t\"", Quote);
  ASSERT_EQ(fresh.statements.size(), 3u);
  EXPECT_EQ(fresh.statements[0].first, "index t_pkey");
  EXPECT_EQ(fresh.statements[1].first, "constraint t_pkey");
  EXPECT_EQ(fresh.statements[2].first, "index t_v");
  EXPECT_EQ(fresh.result.state_value, "2606:20,1259:11");
  EXPECT_TRUE(fresh.result.all_built);

  ExistingIndexes present;
  present.indexes = {"t_pkey", "t_v"};
  auto half = PlanTableIndexWork(r, present, "\"s\".\"t\"", Quote);
  ASSERT_EQ(half.statements.size(), 1u);
  EXPECT_EQ(half.statements[0].second, "ALTER TABLE ONLY \"s\".\"t\" ADD CONSTRAINT \"t_pkey\" PRIMARY KEY USING INDEX \"t_pkey\"");
  EXPECT_EQ(half.result.state_value, fresh.result.state_value);
}

TEST(TextArrayLiteral, QuotesEveryElementAndEscapesQuotesAndBackslashes) {
  EXPECT_EQ(TextArrayLiteral({}), "{}");
  EXPECT_EQ(TextArrayLiteral({"a", ""}), "{\"a\",\"\"}");
  EXPECT_EQ(TextArrayLiteral({"Tab \"q\" é", "back\\slash", "NULL", "a,b{c}"}),
            "{\"Tab \\\"q\\\" é\",\"back\\\\slash\",\"NULL\",\"a,b{c}\"}");
}

TEST(SplitByPosition, RowsGoToTheirTableWithoutThePositionColumn) {
  pg::QueryResult r({"ord", "x", "y"}, {{"2", "a", "b"}, {"2", "c", std::nullopt}, {"1", "d", "e"}, {"9", "z", "z"}});
  auto parts = SplitByPosition(r, 3);
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_EQ(parts[0].size(), 1u);
  EXPECT_EQ(parts[0].Get(0, 0), "d");
  ASSERT_EQ(parts[1].size(), 2u);
  EXPECT_EQ(parts[1].columns(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(parts[1].Get(1, 0), "c");
  EXPECT_TRUE(parts[1].IsNull(1, 1));
  EXPECT_TRUE(parts[2].empty());
}

}  // namespace
}  // namespace pgferry
