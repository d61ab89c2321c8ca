// Unit tests of fake-apiserver's pure pieces (CEL, schema validation texts, patches, selectors,
// JSONPath, durations), which kubectl-level tests exercise only through their happy paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fake-apiserver/cel.h"
#include "tests/fake-apiserver/json_patch.h"
#include "tests/fake-apiserver/jsonpath.h"
#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/selectors.h"
#include "tests/fake-apiserver/structural_schema.h"

namespace pgferry::fakeapi {
namespace {

Json Eval(const std::string& expr, const Json& self, const Json* old = nullptr) {
  std::string error;
  auto program = CelProgram::Compile(expr, &error);
  EXPECT_TRUE(program) << expr << ": " << error;
  if (!program) return nullptr;
  Json out;
  if (!program->Eval(self, old, &out, &error)) return "error: " + error;
  return out;
}

TEST(Cel, EvaluatesTheRulesCrdsUse) {
  Json tables = {{"include", {"a"}}, {"exclude", Json::array()}};
  EXPECT_EQ(Eval("!(has(self.include) && size(self.include) > 0 && has(self.exclude) && "
                 "size(self.exclude) > 0)",
                 tables),
            true);
  tables["exclude"] = {"b"};
  EXPECT_EQ(Eval("!(has(self.include) && size(self.include) > 0 && has(self.exclude) && "
                 "size(self.exclude) > 0)",
                 tables),
            false);
  Json obj = {{"items", {1, 2, 3}}, {"name", "pgferry_ab12"}, {"port", 5432}};
  EXPECT_EQ(Eval("self.items.all(i, i > 0) && self.items.exists(i, i == 2)", obj), true);
  EXPECT_EQ(Eval("self.items.exists_one(i, i > 2)", obj), true);
  EXPECT_EQ(Eval("self.items.map(i, i * 2)", obj), Json({2, 4, 6}));
  EXPECT_EQ(Eval("self.items.filter(i, i % 2 == 1).size()", obj), 2);
  EXPECT_EQ(Eval("self.name.startsWith('pgferry_') && self.name.matches('^[a-z0-9_]+$')", obj), true);
  EXPECT_EQ(Eval("self.port >= 1 && self.port <= 65535 ? 'ok' : 'bad'", obj), "ok");
  EXPECT_EQ(Eval("self.?missing.orValue('none')", obj), "none");
  EXPECT_EQ(Eval("'b' in ['a', 'b'] && 'port' in self", obj), true);
  EXPECT_EQ(Eval("self.port == oldSelf.port", obj, &obj), true);
  EXPECT_EQ(Eval("self.missing == 1 || true", obj), true);  // errors absorbed by ||
  EXPECT_EQ(Eval("self.missing == 1", obj), "error: no such key: missing");
}

TEST(Cel, RefusesWhatItCannotEvaluate) {
  std::string error;
  EXPECT_FALSE(CelProgram::Compile("quantity(self.size).isGreaterThan(quantity('1Gi'))", &error));
  EXPECT_THAT(error, ::testing::HasSubstr("undeclared reference to"));
  EXPECT_FALSE(CelProgram::Compile("self.x ==", &error));
  EXPECT_FALSE(CelProgram::Compile("other.x == 1", &error));
}

TEST(StructuralSchema, ReportsErrorsWithKubeOpenApiWording) {
  Json schema = Json::parse(R"({"type":"object","required":["host"],"properties":{
      "host":{"type":"string","minLength":1},
      "port":{"type":"integer","minimum":1,"maximum":65535,"default":5432},
      "mode":{"type":"string","enum":["a","b"]},
      "when":{"type":"string","format":"date-time"},
      "tags":{"type":"array","items":{"type":"string"},"maxItems":1}}})");
  Json obj = {{"port", 0}, {"mode", "c"}, {"when", "yesterday"}, {"tags", {"x", "y"}}};
  FieldErrors errors;
  ValidateAgainstSchema(obj, nullptr, schema, "spec", &errors);
  std::vector<std::string> texts;
  for (const auto& e : errors) texts.push_back(e.ToString());
  EXPECT_THAT(texts, ::testing::UnorderedElementsAre(
                         "spec.host: Required value",
                         "spec.port: Invalid value: 0: spec.port in body should be greater than or equal to 1",
                         "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
                         "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"",
                         "spec.tags: Too many: 2: must have at most 1 items"));

  Json with_null = {{"host", "h"}, {"port", nullptr}};
  ApplyDefaults(&with_null, schema);
  EXPECT_EQ(with_null["port"], 5432);  // null in a non-nullable field is defaulted

  Json unknown = {{"host", "h"}, {"hots", "typo"}};
  std::vector<std::string> pruned;
  PruneUnknownFields(&unknown, schema, false, &pruned);
  EXPECT_THAT(pruned, ::testing::ElementsAre("hots"));
  EXPECT_FALSE(unknown.contains("hots"));

  // Ratcheting: an unchanged invalid value does not fail an update.
  FieldErrors ratcheted;
  ValidateAgainstSchema(obj, &obj, schema, "spec", &ratcheted);
  EXPECT_TRUE(ratcheted.empty());
}

TEST(Patches, MergeJsonAndStrategic) {
  Json doc = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"l", {1, 2}}};
  EXPECT_EQ(MergePatch(doc, {{"b", {{"c", nullptr}}}, {"l", {3}}}),
            Json({{"a", 1}, {"b", {{"d", 3}}}, {"l", {3}}}));
  std::string error;
  Json copy = doc;
  ASSERT_TRUE(ApplyJsonPatch(&copy, Json::parse(R"([{"op":"add","path":"/l/-","value":9},
      {"op":"remove","path":"/b/c"},{"op":"test","path":"/a","value":1}])"), &error)) << error;
  EXPECT_EQ(copy["l"], Json({1, 2, 9}));
  EXPECT_FALSE(ApplyJsonPatch(&copy, Json::parse(R"([{"op":"test","path":"/a","value":2}])"), &error));
  EXPECT_FALSE(ApplyJsonPatch(&copy, Json::parse(R"([{"op":"replace","path":"/zz","value":2}])"), &error));

  Json meta = {{"metadata", {{"finalizers", {"x"}}, {"labels", {{"a", "1"}}}}}};
  auto strategy = [](const std::string& path) {
    return path == "metadata.finalizers" ? ListStrategy{ListStrategy::kSet, ""} : ListStrategy{};
  };
  ASSERT_TRUE(StrategicMergePatch(
      &meta, Json::parse(R"({"metadata":{"finalizers":["y"],"$deleteFromPrimitiveList/finalizers":["x"],
          "labels":{"$patch":"replace","b":"2"}}})"),
      strategy, &error))
      << error;
  EXPECT_EQ(meta["metadata"]["finalizers"], Json({"y"}));
  EXPECT_EQ(meta["metadata"]["labels"], Json({{"b", "2"}}));
}

TEST(Selectors, LabelsAndFields) {
  LabelSelector s;
  std::string error;
  ASSERT_TRUE(LabelSelector::Parse("app=db,tier in (gold,silver),!legacy,env!=prod", &s, &error));
  EXPECT_TRUE(s.Matches({{"app", "db"}, {"tier", "gold"}, {"env", "dev"}}));
  EXPECT_FALSE(s.Matches({{"app", "db"}, {"tier", "gold"}, {"legacy", "1"}}));
  EXPECT_FALSE(s.Matches({{"app", "db"}, {"tier", "bronze"}}));
  FieldSelector f;
  ASSERT_TRUE(FieldSelector::Parse("involvedObject.name=orders,involvedObject.kind!=Pod", &f, &error));
  Json event = {{"involvedObject", {{"name", "orders"}, {"kind", "PgMigration"}}}};
  EXPECT_TRUE(f.Matches(event, [](const Json& o, const std::string& p) { return DottedPathValue(o, p); }));
}

TEST(JsonPathAndDurations, AsPrinterColumnsUseThem) {
  Json obj = Json::parse(R"({"status":{"conditions":[{"type":"Synced","status":"False"},
      {"type":"Ready","status":"True"}]}})");
  std::vector<Json> out;
  std::string error;
  ASSERT_TRUE(EvalJsonPath(".status.conditions[?(@.type==\"Ready\")].status", obj, &out, &error));
  EXPECT_EQ(out, std::vector<Json>({"True"}));
  EXPECT_EQ(HumanDuration(std::chrono::seconds(6)), "6s");
  EXPECT_EQ(HumanDuration(std::chrono::seconds(310)), "5m10s");
  EXPECT_EQ(HumanDuration(std::chrono::seconds(3 * 3600 + 600)), "3h10m");
  EXPECT_EQ(HumanDuration(std::chrono::seconds(3 * 86400)), "3d");
}

}  // namespace
}  // namespace pgferry::fakeapi
