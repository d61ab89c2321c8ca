#include "tests/fake-apiserver/jsonpath.h"

#include <cctype>

namespace pgferry::fakeapi {
namespace {

struct Step {
  enum Kind { kField, kIndex, kWildcard, kFilter } kind = kField;
  std::string name;
  long index = 0;
  std::vector<std::string> filter_path;  // @.a.b
  std::string filter_op;                 // "==", "!=", "" (exists)
  Json filter_value;
};

Step Wildcard() {
  Step s;
  s.kind = Step::kWildcard;
  return s;
}

bool ParseSteps(std::string path, std::vector<Step>* steps, std::string* error) {
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  size_t i = 0;
  auto read_ident = [&]() {
    std::string s;
    while (i < path.size() && path[i] != '.' && path[i] != '[') s += path[i++];
    return s;
  };
  while (i < path.size()) {
    char c = path[i];
    if (c == '.') {
      ++i;
      if (i < path.size() && path[i] == '*') {
        ++i;
        steps->push_back(Wildcard());
        continue;
      }
      std::string name = read_ident();
      if (name.empty()) {
        if (i >= path.size()) break;  // "." alone
        continue;
      }
      Step s;
      s.name = name;
      steps->push_back(s);
    } else if (c == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) {
        *error = "unterminated array";
        return false;
      }
      std::string inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inner == "*") {
        steps->push_back(Wildcard());
      } else if (!inner.empty() && (inner[0] == '\'' || inner[0] == '"')) {
        Step s;
        s.name = inner.substr(1, inner.size() - 2);
        steps->push_back(s);
      } else if (inner.rfind("?(", 0) == 0 && inner.back() == ')') {
        std::string expr = inner.substr(2, inner.size() - 3);
        Step s;
        s.kind = Step::kFilter;
        size_t op = expr.find("==");
        if (op == std::string::npos) op = expr.find("!=");
        std::string lhs = expr.substr(0, op);
        while (!lhs.empty() && lhs.back() == ' ') lhs.pop_back();
        if (lhs.rfind("@.", 0) != 0) {
          *error = "unsupported filter: " + expr;
          return false;
        }
        std::string rest = lhs.substr(2);
        size_t start = 0;
        while (true) {
          size_t dot = rest.find('.', start);
          s.filter_path.push_back(rest.substr(start, dot == std::string::npos ? dot : dot - start));
          if (dot == std::string::npos) break;
          start = dot + 1;
        }
        if (op != std::string::npos) {
          s.filter_op = expr.substr(op, 2);
          std::string rhs = expr.substr(op + 2);
          while (!rhs.empty() && rhs.front() == ' ') rhs.erase(rhs.begin());
          while (!rhs.empty() && rhs.back() == ' ') rhs.pop_back();
          if (!rhs.empty() && (rhs[0] == '"' || rhs[0] == '\'')) {
            s.filter_value = rhs.substr(1, rhs.size() - 2);
          } else {
            s.filter_value = Json::parse(rhs, nullptr, false);
            if (s.filter_value.is_discarded()) s.filter_value = rhs;
          }
        }
        steps->push_back(s);
      } else {
        bool numeric = !inner.empty();
        for (size_t k = 0; k < inner.size(); ++k) {
          numeric = numeric && (std::isdigit(static_cast<unsigned char>(inner[k])) ||
                                (k == 0 && inner[k] == '-'));
        }
        if (!numeric) {
          *error = "unsupported array selector [" + inner + "]";
          return false;
        }
        Step s;
        s.kind = Step::kIndex;
        s.index = std::stol(inner);
        steps->push_back(s);
      }
    } else {
      std::string name = read_ident();  // a leading identifier without "."
      Step s;
      s.name = name;
      steps->push_back(s);
    }
  }
  return true;
}

}  // namespace

bool EvalJsonPath(const std::string& path, const Json& obj, std::vector<Json>* results,
                  std::string* error) {
  std::vector<Step> steps;
  if (!ParseSteps(path, &steps, error)) return false;
  std::vector<const Json*> cur = {&obj};
  for (const Step& s : steps) {
    std::vector<const Json*> next;
    for (const Json* v : cur) {
      switch (s.kind) {
        case Step::kField:
          if (v->is_object() && v->contains(s.name)) next.push_back(&(*v)[s.name]);
          break;
        case Step::kIndex:
          if (v->is_array()) {
            long idx = s.index < 0 ? static_cast<long>(v->size()) + s.index : s.index;
            if (idx >= 0 && idx < static_cast<long>(v->size())) next.push_back(&(*v)[idx]);
          }
          break;
        case Step::kWildcard:
          if (v->is_array() || v->is_object()) {
            for (const auto& e : *v) next.push_back(&e);
          }
          break;
        case Step::kFilter:
          if (v->is_array()) {
            for (const auto& e : *v) {
              const Json* f = &e;
              for (const auto& k : s.filter_path) {
                f = (f && f->is_object() && f->contains(k)) ? &(*f)[k] : nullptr;
              }
              bool keep = s.filter_op.empty()   ? f != nullptr
                          : s.filter_op == "==" ? (f && *f == s.filter_value)
                                                : !(f && *f == s.filter_value);
              if (keep) next.push_back(&e);
            }
          }
          break;
      }
    }
    cur = std::move(next);
  }
  for (const Json* v : cur) results->push_back(*v);
  return true;
}

bool ValidJsonPath(const std::string& path, std::string* error) {
  std::vector<Step> steps;
  return ParseSteps(path, &steps, error);
}

}  // namespace pgferry::fakeapi
