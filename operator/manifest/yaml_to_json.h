// YAML streams (several `---` documents) to nlohmann::json, the way kubectl reads manifests.
//
// Scalars resolve by YAML 1.2 core schema rules: quoted and block scalars are strings; plain
// scalars are null (`~`, `null`, empty), booleans (`true`/`false` in any of the three casings),
// integers (decimal, 0x, 0o), floats, or else strings; explicit `!!str`/`!!int`/`!!bool`/
// `!!float`/`!!null` tags are honoured. Duplicate mapping keys are an error. Internal to the
// manifest loader (it exposes yaml-cpp types). Pure functions: thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace pgferry::manifest {

struct YamlDocument {
  nlohmann::json value;
  YAML::Node node;  // kept to find the line of a field named in an error
  int line = 0;     // 1-based line where the document's content starts
};

// The non-empty documents of `text`. Errors (kInvalidArgument) read `ORIGIN:line 7: problem`.
Result<std::vector<YamlDocument>> ParseYamlDocuments(const std::string& text,
                                                     const std::string& origin);

// The 1-based line of the field `path` ("spec.tables.exclude[2]") in `doc`, or of its deepest
// ancestor present in the document; doc.line when nothing on the path is found.
int LineOfField(const YamlDocument& doc, const std::string& path);

}  // namespace pgferry::manifest
