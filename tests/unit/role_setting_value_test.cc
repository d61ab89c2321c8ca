// Unit tests for RoleSettingValue (reconcilers/role_migration.h): how a role's stored setting
// is written back on the destination. A recording fake Session supplies QuoteLiteral.
#include <gtest/gtest.h>

#include "reconcilers/role_migration.h"
#include "tests/unit/recording_session.h"

namespace pgferry {
namespace {

class RoleSettingValueTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(session_.log.empty()); }  // it runs no statement
  std::string Value(const std::string& key, const std::string& value) {
    return RoleSettingValue(session_, key, value);
  }
  testing::RecordingSession session_;
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
