// JsonReader: reads the fields of one JSON object into C++ values, collecting errors of the form
// `<field path>: <problem>` (e.g. `spec.source.port: must be an integer`).
//
// Used by the PgMigration and Secret decoders. A strict reader reports fields it was never asked
// for as `unknown field` when Finish() is called; a lenient one (for objects written by the API
// server, whose schema may grow) ignores them. A null value counts as absent. The reader refers to
// the JSON and the error list it was given; both must outlive it. Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "operator/common/status.h"

namespace pgferry::api {

class JsonReader {
 public:
  enum Presence { kOptional, kRequired };

  // `path` is the field path of `object` ("spec", "" for a top-level object). When `object` is
  // not a JSON object the error is recorded here and every read finds nothing.
  JsonReader(const nlohmann::json& object, std::string path, std::vector<std::string>* errors,
             bool strict);

  // Each read leaves `*out` unchanged when the field is absent or wrong, and returns whether it
  // stored a value.
  bool String(const char* key, std::string* out, Presence presence = kOptional);
  bool NonEmptyString(const char* key, std::string* out, Presence presence = kOptional);
  bool OptionalString(const char* key, std::optional<std::string>* out);
  bool Bool(const char* key, bool* out);
  bool Int64(const char* key, int64_t* out, int64_t lo = std::numeric_limits<int64_t>::min(),
             int64_t hi = std::numeric_limits<int64_t>::max());
  bool Int(const char* key, int* out, int lo, int hi);
  bool OneOf(const char* key, std::string* out, const std::vector<std::string>& allowed);
  bool StringList(const char* key, std::vector<std::string>* out);
  bool StringMap(const char* key, std::map<std::string, std::string>* out);
  bool Int64Map(const char* key, std::map<std::string, int64_t>* out);

  // A nested object, read with the same strictness unless `strict` says otherwise; nullopt when
  // absent or not an object.
  std::optional<JsonReader> Object(const char* key, Presence presence = kOptional,
                                   std::optional<bool> strict = std::nullopt);
  // The elements of a list (of anything); nullptr when absent or not a list.
  const nlohmann::json* List(const char* key);

  // Reports unknown fields (strict readers only). Call once, after all reads.
  void Finish();

  // Records `<path of key>: <problem>`; an empty key names this object itself.
  void Error(const std::string& key, const std::string& problem);
  std::string FieldPath(const std::string& key) const;
  bool strict() const { return strict_; }
  std::vector<std::string>* errors() const { return errors_; }

 private:
  // The value of `key`, marking it known; nullptr when absent/null (reporting it when required).
  const nlohmann::json* Get(const char* key, Presence presence);

  const nlohmann::json* object_;
  std::string path_;
  std::vector<std::string>* errors_;
  bool strict_;
  std::set<std::string> known_;
};

// Joins collected errors into one kInvalidArgument Status ("a; b"), or OK when there are none.
Status ErrorsToStatus(const std::vector<std::string>& errors);

// Reads a JSON integer (signed or unsigned) that fits int64_t.
std::optional<int64_t> JsonToInt64(const nlohmann::json& value);

}  // namespace pgferry::api
