#include "operator/manifest/manifest.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>

#include "operator/manifest/secret.h"
#include "operator/manifest/yaml_to_json.h"
#include "reconcilers/api/migration_json.h"

namespace pgferry::manifest {
namespace {

using nlohmann::json;

struct Source {
  std::string origin;
  std::string text;
};

// Where a document (or a field in it) is: "FILE:line N".
std::string Where(const std::string& origin, int line) {
  return origin + ":line " + std::to_string(line);
}

// The field path an error message starts with ("spec.source.port" in
// "spec.source.port: must be 1..65535"), or "" when it starts otherwise.
std::string LeadingFieldPath(const std::string& message) {
  size_t colon = message.find(": ");
  if (colon == std::string::npos) return "";
  std::string path = message.substr(0, colon);
  for (char c : path) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '[' &&
        c != ']' && c != '-') {
      return "";
    }
  }
  return path;
}

// Turns a decoding error for `doc` into `FILE:line N: message`, N being the line of the first
// field the message names.
Status Located(const Status& error, const std::string& origin, const YamlDocument& doc) {
  int line = LineOfField(doc, LeadingFieldPath(error.message()));
  return error.Prefixed(Where(origin, line));
}

class ManifestBuilder {
 public:
  Status Add(const Source& source) {
    origins_.push_back(source.origin);
    ASSIGN_OR_RETURN(std::vector<YamlDocument> docs,
                     ParseYamlDocuments(source.text, source.origin));
    for (const YamlDocument& doc : docs) RETURN_IF_ERROR(AddDocument(doc, source.origin));
    return Status::Ok();
  }

  Result<Manifest> Build() && {
    if (!migration_) {
      std::string files;
      for (const auto& o : origins_) files += (files.empty() ? "" : ", ") + o;
      return InvalidArgument("no PgMigration in " + files);
    }
    Manifest m;
    m.migration = std::move(*migration_);
    for (auto& found : secrets_) {
      if (!found.explicit_namespace) found.secret.namespace_ = m.migration.metadata.namespace_;
      if (found.secret.namespace_ != m.migration.metadata.namespace_) {
        return InvalidArgument(found.where + ": Secret \"" + found.secret.name +
                               "\" is in namespace \"" + found.secret.namespace_ +
                               "\" but PgMigration \"" + m.migration.metadata.name + "\" is in \"" +
                               m.migration.metadata.namespace_ +
                               "\"; a PgMigration can only use Secrets of its own namespace");
      }
      for (const auto& other : m.secrets) {
        if (other.name == found.secret.name) {
          return InvalidArgument(found.where + ": Secret \"" + found.secret.name +
                                 "\" is defined more than once");
        }
      }
      m.secrets.push_back(std::move(found.secret));
    }
    return m;
  }

 private:
  struct FoundSecret {
    api::Secret secret;
    bool explicit_namespace;
    std::string where;
  };

  static bool HasNamespace(const json& object) {
    auto metadata = object.find("metadata");
    return metadata != object.end() && metadata->is_object() && metadata->contains("namespace") &&
           !(*metadata)["namespace"].is_null();
  }

  Status AddDocument(const YamlDocument& doc, const std::string& origin) {
    const std::string where = Where(origin, doc.line);
    if (!doc.value.is_object()) {
      return InvalidArgument(where + ": a document must be a mapping with apiVersion and kind");
    }
    const json kind = doc.value.value("kind", json());
    const json api_version = doc.value.value("apiVersion", json());
    if (kind == api::kKind) {
      auto migration = api::PgMigrationFromJson(doc.value);
      if (!migration.ok()) return Located(migration.status(), origin, doc);
      if (migration_) {
        return InvalidArgument(where + ": a second PgMigration \"" + migration->metadata.name +
                               "\" (the first, \"" + migration_->metadata.name + "\", is at " +
                               migration_where_ + "); give pgferry exactly one");
      }
      migration_ = std::move(migration).value();
      migration_where_ = where;
      return Status::Ok();
    }
    if (kind == "Secret" && api_version == "v1") {
      auto secret = SecretFromJson(doc.value);
      if (!secret.ok()) {
        // Locate by the field named after the `Secret "NAME": ` prefix.
        const std::string& message = secret.status().message();
        size_t after_name = message.find(": ");
        std::string field =
            after_name == std::string::npos ? "" : LeadingFieldPath(message.substr(after_name + 2));
        return secret.status().Prefixed(Where(origin, LineOfField(doc, field)));
      }
      secrets_.push_back({std::move(secret).value(), HasNamespace(doc.value), where});
      return Status::Ok();
    }
    if (!kind.is_string()) return InvalidArgument(where + ": kind: required");
    return InvalidArgument(where + ": unsupported kind \"" + kind.get<std::string>() +
                           "\" (apiVersion " + api_version.dump() +
                           "); expected pgferry.io/v1alpha1 PgMigration or v1 Secret");
  }

  std::vector<std::string> origins_;
  std::optional<api::PgMigration> migration_;
  std::string migration_where_;
  std::vector<FoundSecret> secrets_;
};

Result<Source> ReadSource(const std::string& path) {
  if (path == "-") {
    return Source{"<stdin>", std::string(std::istreambuf_iterator<char>(std::cin), {})};
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return InvalidArgument(path + ": " + std::strerror(errno));
  Source source{path, ""};
  char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) source.text.append(buffer, n);
  const int read_errno = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_errno != 0) return InvalidArgument(path + ": " + std::strerror(read_errno));
  return source;
}

}  // namespace

Result<Manifest> LoadFiles(const std::vector<std::string>& paths) {
  if (paths.empty()) return InvalidArgument("no manifest file given");
  ManifestBuilder builder;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(Source source, ReadSource(path));
    RETURN_IF_ERROR(builder.Add(source));
  }
  return std::move(builder).Build();
}

Result<Manifest> LoadString(const std::string& yaml, const std::string& origin) {
  ManifestBuilder builder;
  RETURN_IF_ERROR(builder.Add(Source{origin, yaml}));
  return std::move(builder).Build();
}

}  // namespace pgferry::manifest
