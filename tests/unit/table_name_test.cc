#include "reconcilers/api/table_name.h"

#include <gtest/gtest.h>

namespace pgferry::api {
namespace {

TableName Parse(const std::string& text) {
  auto parsed = ParseTableName(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  return parsed.ok() ? parsed.value() : TableName{};
}

std::string ParseError(const std::string& text) {
  auto parsed = ParseTableName(text);
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(TableName, UnquotedNamesAreFoldedToLowerCase) {
  EXPECT_EQ(Parse("Audit_Log"), (TableName{std::nullopt, std::nullopt, "audit_log"}));
  EXPECT_EQ(Parse("Public.Orders"), (TableName{std::nullopt, "public", "orders"}));
  EXPECT_EQ(Parse("App.public.T$1"), (TableName{"app", "public", "t$1"}));
}

TEST(TableName, QuotedPartKeepsDotsSpacesAndQuotes) {
  EXPECT_EQ(Parse("\"ta. 'ble0\""), (TableName{std::nullopt, std::nullopt, "ta. 'ble0"}));
  EXPECT_EQ(Parse("Db.\"My Schema\".\"x\"\"y\""), (TableName{"db", "My Schema", "x\"y"}));
}

TEST(TableName, UnicodeIsKeptAsIsQuotedOrNot) {
  EXPECT_EQ(Parse("public.\"Zürich Ümlaut\""),
            (TableName{std::nullopt, "public", "Zürich Ümlaut"}));
  // Only ASCII letters are folded, like PostgreSQL with a multi-byte encoding.
  EXPECT_EQ(Parse("Ünïcødé_Tab"), (TableName{std::nullopt, std::nullopt, "Ünïcødé_tab"}));
  EXPECT_EQ(Parse("\"表\".\"🐘\""), (TableName{std::nullopt, "表", "🐘"}));
}

TEST(TableName, WhitespaceAroundPartsIsIgnored) {
  EXPECT_EQ(Parse(" public . orders "), (TableName{std::nullopt, "public", "orders"}));
}

TEST(TableName, RejectsMoreThanThreeParts) {
  EXPECT_EQ(ParseError("a.b.c.d"), "more than two dots in \"a.b.c.d\"");
}

TEST(TableName, RejectsEmptyParts) {
  EXPECT_EQ(ParseError(""), "empty table name");
  EXPECT_EQ(ParseError("   "), "empty table name");
  EXPECT_EQ(ParseError("a..b"), "empty name part in \"a..b\"");
  EXPECT_EQ(ParseError(".a"), "empty name part in \".a\"");
  EXPECT_EQ(ParseError("a."), "empty name part in \"a.\"");
  EXPECT_EQ(ParseError("a.\"\""), "empty quoted name in \"a.\"\"\"");
}

TEST(TableName, RejectsSpacesAndQuotesInUnquotedParts) {
  EXPECT_EQ(ParseError("my table"),
            "space inside a name in \"my table\" (write the part in double quotes)");
  EXPECT_EQ(ParseError("ab\"c\""),
            "invalid character '\"' in \"ab\"c\"\" (write the part in double quotes)");
  EXPECT_EQ(ParseError("2024_logs"),
            "invalid character '2' in \"2024_logs\" (write the part in double quotes)");
}

TEST(TableName, RejectsUnclosedQuote) {
  EXPECT_EQ(ParseError("public.\"abc"), "unclosed double quote in \"public.\"abc\"");
}

TEST(TableName, ToStringQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(Parse("Public.Orders").ToString(), "public.orders");
  EXPECT_EQ(Parse("Db.\"My Schema\".\"x\"\"y\"").ToString(), "db.\"My Schema\".\"x\"\"y\"");
  EXPECT_EQ(Parse("\"2024_logs\"").ToString(), "\"2024_logs\"");
  for (const char* text : {"\"ta. 'ble0\"", "a.\"B\".c", "\"表\".\"🐘\"", "x.\"\"\"\""}) {
    TableName name = Parse(text);
    EXPECT_EQ(Parse(name.ToString()), name) << text;
  }
}

TEST(TableName, MatchesComparesOnlyTheGivenParts) {
  EXPECT_TRUE(Matches(Parse("audit_log"), "app", "public", "audit_log"));
  EXPECT_TRUE(Matches(Parse("audit_log"), "other", "sales", "audit_log"));
  EXPECT_TRUE(Matches(Parse("public.audit_log"), "app", "public", "audit_log"));
  EXPECT_FALSE(Matches(Parse("sales.audit_log"), "app", "public", "audit_log"));
  EXPECT_TRUE(Matches(Parse("app.public.audit_log"), "app", "public", "audit_log"));
  EXPECT_FALSE(Matches(Parse("other.public.audit_log"), "app", "public", "audit_log"));
  EXPECT_FALSE(Matches(Parse("Audit_Log"), "app", "public", "Audit_Log"));
  EXPECT_TRUE(Matches(Parse("\"Audit_Log\""), "app", "public", "Audit_Log"));
}

}  // namespace
}  // namespace pgferry::api
