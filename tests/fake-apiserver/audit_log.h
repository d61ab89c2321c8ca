// AuditLog: one record per request (RBAC verb, API group, resource, subresource, namespace, name,
// path, response code, user agent), kept in memory for tests and optionally appended to a file as
// JSON lines, so a test can list exactly which API calls an operator made (e.g. to check that a
// Helm chart's RBAC rules cover them).
//
// Thread-safe.
#pragma once

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct AuditRecord {
  bool resource_request = false;
  std::string verb;  // get|list|watch|create|update|patch|delete|deletecollection (HTTP verb
                     // in lower case for non-resource requests)
  std::string api_group;
  std::string api_version;
  std::string resource;
  std::string subresource;
  std::string namespace_;
  std::string name;
  std::string path;
  std::string user_agent;
  int code = 0;

  Json ToJson() const;
};

class AuditLog {
 public:
  // `path` empty: memory only. Returns false from Open() when the file cannot be written.
  bool Open(const std::string& path);
  void Add(const AuditRecord& record);
  std::vector<AuditRecord> Records() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<AuditRecord> records_;
  std::ofstream file_;
};

}  // namespace pgferry::fakeapi
