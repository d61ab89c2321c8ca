#include "tests/fake-apiserver/selectors.h"

#include <cctype>
#include <cstdlib>

namespace pgferry::fakeapi {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> SplitValues(const std::string& inner) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : inner) {
    if (c == ',') {
      out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(Trim(cur));
  return out;
}

}  // namespace

bool LabelSelector::Parse(const std::string& text, LabelSelector* out, std::string* error) {
  out->reqs_.clear();
  if (Trim(text).empty()) return true;
  for (const std::string& raw : SplitTopLevel(text)) {
    std::string r = Trim(raw);
    if (r.empty()) {
      *error = "found '', expected: identifier";
      return false;
    }
    Requirement req;
    if (r[0] == '!') {
      req.key = Trim(r.substr(1));
      req.op = "!";
    } else if (size_t p = r.find("!="); p != std::string::npos) {
      req.key = Trim(r.substr(0, p));
      req.op = "!=";
      req.values = {Trim(r.substr(p + 2))};
    } else if (size_t p2 = r.find("=="); p2 != std::string::npos) {
      req.key = Trim(r.substr(0, p2));
      req.op = "=";
      req.values = {Trim(r.substr(p2 + 2))};
    } else if (size_t p3 = r.find('='); p3 != std::string::npos) {
      req.key = Trim(r.substr(0, p3));
      req.op = "=";
      req.values = {Trim(r.substr(p3 + 1))};
    } else if (size_t p4 = r.find(" notin "); p4 != std::string::npos) {
      req.key = Trim(r.substr(0, p4));
      req.op = "notin";
      std::string rest = Trim(r.substr(p4 + 7));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
        *error = "unable to parse requirement: found '" + rest + "', expected: '('";
        return false;
      }
      req.values = SplitValues(rest.substr(1, rest.size() - 2));
    } else if (size_t p5 = r.find(" in "); p5 != std::string::npos) {
      req.key = Trim(r.substr(0, p5));
      req.op = "in";
      std::string rest = Trim(r.substr(p5 + 4));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
        *error = "unable to parse requirement: found '" + rest + "', expected: '('";
        return false;
      }
      req.values = SplitValues(rest.substr(1, rest.size() - 2));
    } else if (size_t p6 = r.find('>'); p6 != std::string::npos) {
      req.key = Trim(r.substr(0, p6));
      req.op = "gt";
      req.values = {Trim(r.substr(p6 + 1))};
    } else if (size_t p7 = r.find('<'); p7 != std::string::npos) {
      req.key = Trim(r.substr(0, p7));
      req.op = "lt";
      req.values = {Trim(r.substr(p7 + 1))};
    } else {
      req.key = r;
      req.op = "exists";
    }
    if (req.key.empty() || req.key.find(' ') != std::string::npos) {
      *error = "unable to parse requirement: invalid label key \"" + req.key + "\"";
      return false;
    }
    out->reqs_.push_back(std::move(req));
  }
  return true;
}

bool LabelSelector::Matches(const Json& labels) const {
  for (const auto& req : reqs_) {
    bool has = labels.is_object() && labels.contains(req.key) && labels[req.key].is_string();
    std::string value = has ? labels[req.key].get<std::string>() : "";
    if (req.op == "exists") {
      if (!has) return false;
    } else if (req.op == "!") {
      if (has) return false;
    } else if (req.op == "=" || req.op == "in") {
      if (!has) return false;
      bool found = false;
      for (const auto& v : req.values) found = found || v == value;
      if (!found) return false;
    } else if (req.op == "!=" || req.op == "notin") {
      if (has) {
        for (const auto& v : req.values) {
          if (v == value) return false;
        }
      }
    } else if (req.op == "gt" || req.op == "lt") {
      if (!has) return false;
      char* end = nullptr;
      long long lv = std::strtoll(value.c_str(), &end, 10);
      if (*end != '\0') return false;
      long long rv = std::strtoll(req.values[0].c_str(), nullptr, 10);
      if (req.op == "gt" ? !(lv > rv) : !(lv < rv)) return false;
    }
  }
  return true;
}

bool FieldSelector::Parse(const std::string& text, FieldSelector* out, std::string* error) {
  out->terms_.clear();
  if (Trim(text).empty()) return true;
  // Split on unescaped commas; values may escape ',', '=' and '\' with a backslash.
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      cur += text[i];
      cur += text[++i];
    } else if (text[i] == ',') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += text[i];
    }
  }
  parts.push_back(cur);
  for (const std::string& part : parts) {
    Term t;
    size_t p;
    size_t op_len;
    if ((p = part.find("!=")) != std::string::npos) {
      t.negate = true;
      op_len = 2;
    } else if ((p = part.find("==")) != std::string::npos) {
      op_len = 2;
    } else if ((p = part.find('=')) != std::string::npos) {
      op_len = 1;
    } else {
      *error = "invalid selector: '" + text + "'; can't understand '" + part + "'";
      return false;
    }
    t.field = Trim(part.substr(0, p));
    std::string raw = part.substr(p + op_len);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      t.value += raw[i];
    }
    out->terms_.push_back(std::move(t));
  }
  return true;
}

bool FieldSelector::Matches(
    const Json& obj,
    const std::function<std::optional<std::string>(const Json&, const std::string&)>& lookup)
    const {
  for (const auto& t : terms_) {
    std::string value = lookup(obj, t.field).value_or("");
    if ((value == t.value) == t.negate) return false;
  }
  return true;
}

std::optional<std::string> DottedPathValue(const Json& obj, const std::string& path) {
  const Json* cur = &obj;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return std::nullopt;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return std::nullopt;
  return cur->dump();
}

}  // namespace pgferry::fakeapi
