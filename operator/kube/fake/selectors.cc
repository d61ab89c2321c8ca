#include "operator/kube/fake/selectors.h"

#include "operator/kube/file_util.h"

namespace pgferry::kube {
namespace {

// Splits on commas outside parentheses.
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(TrimSpace(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!TrimSpace(current).empty() || !out.empty()) out.push_back(TrimSpace(current));
  return out;
}

}  // namespace

Result<std::vector<Selector::Requirement>> Selector::ParseTerms(std::string_view text,
                                                                bool fields) {
  std::vector<Requirement> out;
  if (TrimSpace(text).empty()) return out;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty())
      return InvalidArgument("empty term in selector \"" + std::string(text) + "\"");
    Requirement r;
    size_t pos;
    if ((pos = term.find("!=")) != std::string::npos) {
      r = {TrimSpace(term.substr(0, pos)), Op::kNotEquals, {TrimSpace(term.substr(pos + 2))}};
    } else if ((pos = term.find("==")) != std::string::npos) {
      r = {TrimSpace(term.substr(0, pos)), Op::kEquals, {TrimSpace(term.substr(pos + 2))}};
    } else if ((pos = term.find('=')) != std::string::npos) {
      r = {TrimSpace(term.substr(0, pos)), Op::kEquals, {TrimSpace(term.substr(pos + 1))}};
    } else if (!fields && (term.find(" notin ") != std::string::npos ||
                           term.find(" in ") != std::string::npos)) {
      bool notin = term.find(" notin ") != std::string::npos;
      pos = term.find(notin ? " notin " : " in ");
      size_t open = term.find('(', pos);
      size_t close = term.rfind(')');
      if (open == std::string::npos || close == std::string::npos || close < open)
        return InvalidArgument("bad set in selector term \"" + term + "\"");
      r = {TrimSpace(term.substr(0, pos)), notin ? Op::kNotIn : Op::kIn, {}};
      for (const auto& v : SplitTerms(term.substr(open + 1, close - open - 1))) r.values.insert(v);
    } else if (!fields && term[0] == '!') {
      r = {TrimSpace(term.substr(1)), Op::kNotExists, {}};
    } else if (!fields) {
      r = {term, Op::kExists, {}};
    } else {
      return InvalidArgument("bad field selector term \"" + term + "\"");
    }
    if (r.key.empty()) return InvalidArgument("selector term without a key: \"" + term + "\"");
    if (fields && r.key != "metadata.name" && r.key != "metadata.namespace")
      return InvalidArgument("field label not supported: " + r.key);
    out.push_back(std::move(r));
  }
  return out;
}

Result<Selector> Selector::Parse(std::string_view labels, std::string_view fields) {
  Selector s;
  ASSIGN_OR_RETURN(s.labels_, ParseTerms(labels, false));
  ASSIGN_OR_RETURN(s.fields_, ParseTerms(fields, true));
  return s;
}

bool Selector::Holds(const Requirement& r, const std::string* value) {
  switch (r.op) {
    case Op::kExists:
      return value != nullptr;
    case Op::kNotExists:
      return value == nullptr;
    case Op::kEquals:
    case Op::kIn:
      return value != nullptr && r.values.count(*value) > 0;
    case Op::kNotEquals:
    case Op::kNotIn:
      return value == nullptr || r.values.count(*value) == 0;
  }
  return false;
}

bool Selector::Matches(const Json& object) const {
  const Json empty = Json::object();
  auto meta_it = object.find("metadata");
  const Json& metadata = meta_it != object.end() && meta_it->is_object() ? *meta_it : empty;
  auto labels_it = metadata.find("labels");
  const Json& labels = labels_it != metadata.end() && labels_it->is_object() ? *labels_it : empty;
  for (const auto& r : labels_) {
    auto it = labels.find(r.key);
    std::string value = it != labels.end() && it->is_string() ? it->get<std::string>() : "";
    if (!Holds(r, it != labels.end() ? &value : nullptr)) return false;
  }
  for (const auto& r : fields_) {
    std::string value = metadata.value(r.key == "metadata.name" ? "name" : "namespace", "");
    if (!Holds(r, &value)) return false;
  }
  return true;
}

}  // namespace pgferry::kube
