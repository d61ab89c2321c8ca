#include "tests/fake-apiserver/request_info.h"

#include <cctype>

namespace pgferry::fakeapi {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(const std::string& s, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

Query ParseQuery(const std::string& raw) {
  Query q;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t amp = raw.find('&', start);
    std::string pair = raw.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      if (!q.count(key)) q[key] = value;  // Go's Query().Get returns the first value
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return q;
}

bool QueryBool(const Query& q, const std::string& key) {
  auto it = q.find(key);
  if (it == q.end()) return false;
  const std::string& v = it->second;
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

std::string QueryValue(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

bool QueryUint(const Query& q, const std::string& key, uint64_t* out) {
  *out = 0;
  std::string v = QueryValue(q, key);
  if (v.empty()) return true;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  try {
    *out = std::stoull(v);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

RequestInfo ParseRequestInfo(const std::string& method, const std::string& target) {
  RequestInfo info;
  size_t qpos = target.find('?');
  info.path = PercentDecode(target.substr(0, qpos), false);
  if (qpos != std::string::npos) info.query = ParseQuery(target.substr(qpos + 1));
  info.parts = SplitPath(info.path);
  std::string lower;
  for (char c : method) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  info.verb = lower;

  std::vector<std::string> p = info.parts;
  if (p.empty() || (p[0] != "api" && p[0] != "apis")) return info;
  info.api_prefix = p[0];
  p.erase(p.begin());
  if (info.api_prefix == "apis") {
    if (p.empty()) return info;
    info.api_group = p[0];
    p.erase(p.begin());
  }
  if (p.empty()) return info;
  info.api_version = p[0];
  p.erase(p.begin());
  if (p.empty()) return info;  // discovery of a group version

  info.is_resource_request = true;
  bool legacy_watch = false;
  if (p[0] == "watch") {  // deprecated /watch/ paths
    legacy_watch = true;
    p.erase(p.begin());
    if (p.empty()) return info;
  }
  if (p[0] == "namespaces" && p.size() > 1) {
    info.namespace_ = p[1];
    if (p.size() > 2 && p[2] != "status" && p[2] != "finalize") {
      p.erase(p.begin(), p.begin() + 2);
    }
  }
  info.resource = p[0];
  if (p.size() > 1) info.name = p[1];
  if (p.size() > 2) info.subresource = p[2];

  if (legacy_watch) {
    info.verb = "watch";
  } else if (lower == "get" || lower == "head") {
    if (!info.name.empty()) {
      info.verb = "get";
    } else {
      info.verb = QueryBool(info.query, "watch") ? "watch" : "list";
    }
  } else if (lower == "post") {
    info.verb = "create";
  } else if (lower == "put") {
    info.verb = "update";
  } else if (lower == "patch") {
    info.verb = "patch";
  } else if (lower == "delete") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  }
  // A watch on a single named object ("?watch=1" on an item URL) is a watch of that name.
  if (info.verb == "get" && QueryBool(info.query, "watch")) info.verb = "watch";
  return info;
}

}  // namespace pgferry::fakeapi
