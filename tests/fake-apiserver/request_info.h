// RequestInfo: what kube-apiserver's RequestInfoFactory derives from a URL (API group, version,
// namespace, resource, name, subresource and the RBAC verb), plus the decoded query string.
//
// Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pgferry::fakeapi {

using Query = std::map<std::string, std::string>;

struct RequestInfo {
  bool is_resource_request = false;
  std::string path;  // decoded path without the query
  Query query;
  std::string verb;  // get|list|watch|create|update|patch|delete|deletecollection, or the
                     // lower-case HTTP method for non-resource requests
  std::string api_prefix;  // "api" or "apis"
  std::string api_group;   // "" for the core group
  std::string api_version;
  std::string namespace_;
  std::string resource;
  std::string name;
  std::string subresource;
  std::vector<std::string> parts;  // the path split on "/"
};

std::string PercentDecode(const std::string& s, bool plus_is_space);
Query ParseQuery(const std::string& raw);
RequestInfo ParseRequestInfo(const std::string& method, const std::string& target);

// "true", "1" and friends as Go's strconv.ParseBool reads them.
bool QueryBool(const Query& q, const std::string& key);
std::string QueryValue(const Query& q, const std::string& key);
// A non-negative integer parameter; false when present but not a number.
bool QueryUint(const Query& q, const std::string& key, uint64_t* out);

}  // namespace pgferry::fakeapi
