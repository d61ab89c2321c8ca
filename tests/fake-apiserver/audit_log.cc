#include "tests/fake-apiserver/audit_log.h"

namespace pgferry::fakeapi {

Json AuditRecord::ToJson() const {
  Json j = {{"verb", verb}, {"path", path}, {"code", code}};
  if (resource_request) {
    j["apiGroup"] = api_group;
    j["apiVersion"] = api_version;
    j["resource"] = resource;
    j["subresource"] = subresource;
    j["namespace"] = namespace_;
    j["name"] = name;
  } else {
    j["nonResourceURL"] = true;
  }
  if (!user_agent.empty()) j["userAgent"] = user_agent;
  return j;
}

bool AuditLog::Open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (path.empty()) return true;
  file_.open(path, std::ios::app);
  return file_.good();
}

void AuditLog::Add(const AuditRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.push_back(record);
  if (file_.is_open()) {
    file_ << record.ToJson().dump() << "\n";
    file_.flush();
  }
}

std::vector<AuditRecord> AuditLog::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

void AuditLog::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  records_.clear();
}

}  // namespace pgferry::fakeapi
