// Unit tests for RoleSettingValue (reconcilers/role_migration.h): how a role's stored setting
// is written back on the destination. A fake Session supplies QuoteLiteral.
#include <gtest/gtest.h>

#include "operator/pg/session.h"
#include "reconcilers/role_migration.h"

namespace pgferry {
namespace {

// Only the escaping is real (PQescapeLiteral for text without backslashes: single quotes
// doubled); every statement fails, since RoleSettingValue must not run any.
class QuotingOnlySession : public pg::Session {
 public:
  Result<pg::QueryResult> Query(const std::string&,
                                const std::vector<std::optional<std::string>>&) override {
    ++statements_;
    return Internal("no server in this test");
  }
  Status Exec(const std::string&) override {
    ++statements_;
    return Internal("no server in this test");
  }
  Result<pg::QueryResult> SimpleQuery(const std::string&) override {
    ++statements_;
    return Internal("no server in this test");
  }
  std::string QuoteIdent(const std::string& name) override {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  std::string QuoteLiteral(const std::string& value) override {
    std::string out = "'";
    for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  Status CopyOut(const std::string&, const std::function<Status(std::string_view)>&) override {
    return Internal("no server in this test");
  }
  Status BeginCopyIn(const std::string&) override { return Internal("no server in this test"); }
  Status PutCopyData(std::string_view) override { return Internal("no server in this test"); }
  Result<int64_t> EndCopyIn(const std::optional<std::string>&) override {
    return Internal("no server in this test");
  }
  int ServerVersion() const override { return 150018; }
  const pg::ConnParams& params() const override { return params_; }

  int statements() const { return statements_; }

 private:
  pg::ConnParams params_;
  int statements_ = 0;
};

class RoleSettingValueTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(session_.statements(), 0); }
  std::string Value(const std::string& key, const std::string& value) {
    return RoleSettingValue(session_, key, value);
  }
  QuotingOnlySession session_;
};

TEST_F(RoleSettingValueTest, PlainSettingIsOneLiteral) {
  EXPECT_EQ(Value("work_mem", "64MB"), "'64MB'");
  EXPECT_EQ(Value("statement_timeout", "0"), "'0'");
  EXPECT_EQ(Value("application_name", "it's mine"), "'it''s mine'");
}

TEST_F(RoleSettingValueTest, PlainSettingKeepsCommasAndSpaces) {
  // DateStyle is a list too, but one literal is how PostgreSQL takes it back.
  EXPECT_EQ(Value("DateStyle", "ISO, MDY"), "'ISO, MDY'");
  EXPECT_EQ(Value("default_text_search_config", "pg_catalog.english"), "'pg_catalog.english'");
}

TEST_F(RoleSettingValueTest, SearchPathElementsAreQuotedSeparately) {
  EXPECT_EQ(Value("search_path", "app, public"), "'app', 'public'");
  EXPECT_EQ(Value("search_path", "\"$user\", public"), "'$user', 'public'");
  EXPECT_EQ(Value("search_path", "app"), "'app'");
}

TEST_F(RoleSettingValueTest, QuotedElementsKeepCaseSpacesAndCommas) {
  EXPECT_EQ(Value("search_path", "\"My Schema\", public"), "'My Schema', 'public'");
  EXPECT_EQ(Value("search_path", "\"a,b\",c"), "'a,b', 'c'");
  EXPECT_EQ(Value("search_path", "\"Sales\""), "'Sales'");
}

TEST_F(RoleSettingValueTest, DoubledQuoteInsideAQuotedElement) {
  EXPECT_EQ(Value("search_path", "\"we\"\"ird\", public"), "'we\"ird', 'public'");
}

TEST_F(RoleSettingValueTest, SingleQuoteInsideAnElementIsEscaped) {
  EXPECT_EQ(Value("search_path", "\"o'brien\", public"), "'o''brien', 'public'");
}

TEST_F(RoleSettingValueTest, EmptyListIsAnEmptyLiteral) {
  EXPECT_EQ(Value("search_path", ""), "''");
  EXPECT_EQ(Value("search_path", "\"\""), "''");
}

TEST_F(RoleSettingValueTest, OtherListSettings) {
  EXPECT_EQ(Value("temp_tablespaces", "fast, \"Slow Disk\""), "'fast', 'Slow Disk'");
  EXPECT_EQ(Value("session_preload_libraries", "auto_explain,pg_stat_statements"),
            "'auto_explain', 'pg_stat_statements'");
  EXPECT_EQ(Value("local_preload_libraries", "\"$libdir/plugins/x\""), "'$libdir/plugins/x'");
}

}  // namespace
}  // namespace pgferry
