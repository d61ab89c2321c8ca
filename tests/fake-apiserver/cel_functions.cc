#include "tests/fake-apiserver/cel_functions.h"

#include <climits>
#include <cmath>
#include <regex>

namespace pgferry::fakeapi {
namespace {

size_t Runes(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

CelValue CelSize(const Json& a);
CelValue CelMatches(const Json& s, const Json& re);

}  // namespace

Json CelNormalize(const Json& j) {
  if (j.is_number_unsigned() && j.get<uint64_t>() <= static_cast<uint64_t>(LLONG_MAX)) {
    return Json(static_cast<int64_t>(j.get<uint64_t>()));
  }
  return j;
}

std::string CelTypeOf(const Json& j) {
  if (j.is_null()) return "null_type";
  if (j.is_boolean()) return "bool";
  if (j.is_number_integer()) return "int";
  if (j.is_number_float()) return "double";
  if (j.is_string()) return "string";
  if (j.is_array()) return "list";
  return "map";
}

CelValue CelNoOverload(const std::string& fn, const Json& a) {
  return CelValue::Error("no such overload: " + fn + "(" + CelTypeOf(a) + ")");
}

namespace {

CelValue CelSize(const Json& a) {
  if (a.is_string()) return CelValue::Of(static_cast<int64_t>(Runes(a.get<std::string>())));
  if (a.is_array() || a.is_object()) return CelValue::Of(static_cast<int64_t>(a.size()));
  return CelNoOverload("size", a);
}

CelValue CelMatches(const Json& s, const Json& re) {
  if (!s.is_string() || !re.is_string()) return CelNoOverload("matches", s);
  try {
    return CelValue::Of(std::regex_search(s.get<std::string>(), std::regex(re.get<std::string>())));
  } catch (const std::regex_error& e) {
    return CelValue::Error(std::string("invalid regular expression: ") + e.what());
  }
}

}  // namespace

CelValue CallGlobal(const std::string& fn, const std::vector<CelValue>& args) {
  if (args.size() != 1 && fn != "matches") return CelValue::Error("no matching overload for " + fn);
  const Json& a = args[0].v;
  if (fn == "size") return CelSize(a);
  if (fn == "dyn") return args[0];
  if (fn == "matches") return args.size() == 2 ? CelMatches(a, args[1].v) : CelValue::Error("matches");
  if (fn == "int") {
    if (a.is_number_integer()) return CelValue::Of(a);
    if (a.is_number_float()) return CelValue::Of(static_cast<int64_t>(std::trunc(a.get<double>())));
    if (a.is_string()) {
      try {
        size_t used;
        int64_t v = std::stoll(a.get<std::string>(), &used);
        if (used == a.get<std::string>().size()) return CelValue::Of(v);
      } catch (const std::exception&) {
      }
      return CelValue::Error("cannot convert string to int");
    }
    return CelNoOverload("int", a);
  }
  if (fn == "uint") {
    if (a.is_number_integer() && a.get<int64_t>() >= 0) return CelValue::Of(a);
    return CelNoOverload("uint", a);
  }
  if (fn == "double") {
    if (a.is_number()) return CelValue::Of(a.get<double>());
    if (a.is_string()) {
      try {
        return CelValue::Of(std::stod(a.get<std::string>()));
      } catch (const std::exception&) {
        return CelValue::Error("cannot convert string to double");
      }
    }
    return CelNoOverload("double", a);
  }
  if (fn == "string") {
    if (a.is_string()) return CelValue::Of(a);
    if (a.is_boolean()) return CelValue::Of(a.get<bool>() ? "true" : "false");
    if (a.is_number()) return CelValue::Of(GoValueString(a));
    return CelNoOverload("string", a);
  }
  if (fn == "bool") {
    if (a.is_boolean()) return CelValue::Of(a);
    if (a.is_string()) {
      std::string s = a.get<std::string>();
      if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "1") return CelValue::Of(true);
      if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "0") return CelValue::Of(false);
    }
    return CelNoOverload("bool", a);
  }
  return CelValue::Error("unknown function " + fn);
}

CelValue CallMethod(const std::string& fn, const std::vector<CelValue>& args) {
  const CelValue& recv = args[0];
  const Json& t = recv.v;
  auto arg = [&](size_t i) -> const Json& { return args[i].v; };
  if (fn == "orValue") return recv.opt == CelValue::kSome ? CelValue::Of(t) : args[1];
  if (fn == "hasValue") return CelValue::Of(recv.opt == CelValue::kSome);
  if (fn == "value") {
    if (recv.opt == CelValue::kNone) return CelValue::Error("optional.none() dereference");
    return CelValue::Of(t);
  }
  if (fn == "size") return CelSize(t);
  if (fn == "matches") return args.size() == 2 ? CelMatches(t, arg(1)) : CelNoOverload(fn, t);
  if (t.is_string()) {
    std::string s = t.get<std::string>();
    if ((fn == "startsWith" || fn == "endsWith" || fn == "contains") && args.size() == 2 &&
        arg(1).is_string()) {
      std::string p = arg(1).get<std::string>();
      if (fn == "startsWith") return CelValue::Of(s.rfind(p, 0) == 0);
      if (fn == "endsWith") {
        return CelValue::Of(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
      }
      return CelValue::Of(s.find(p) != std::string::npos);
    }
    if (fn == "lowerAscii" || fn == "upperAscii") {
      for (char& c : s) c = fn == "lowerAscii" ? std::tolower(c) : std::toupper(c);
      return CelValue::Of(s);
    }
    if (fn == "trim") {
      size_t b = s.find_first_not_of(" \t\n\r\f\v");
      size_t e = s.find_last_not_of(" \t\n\r\f\v");
      return CelValue::Of(b == std::string::npos ? "" : s.substr(b, e - b + 1));
    }
    if (fn == "split" && args.size() >= 2 && arg(1).is_string()) {
      std::string sep = arg(1).get<std::string>();
      Json out = Json::array();
      if (sep.empty()) {
        for (char c : s) out.push_back(std::string(1, c));
        return CelValue::Of(out);
      }
      size_t start = 0;
      while (true) {
        size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
        if (p == std::string::npos) break;
        start = p + sep.size();
      }
      return CelValue::Of(out);
    }
    if ((fn == "indexOf" || fn == "lastIndexOf") && args.size() >= 2 && arg(1).is_string()) {
      size_t p = fn == "indexOf" ? s.find(arg(1).get<std::string>())
                                 : s.rfind(arg(1).get<std::string>());
      return CelValue::Of(p == std::string::npos ? int64_t{-1} : static_cast<int64_t>(p));
    }
    if (fn == "substring" && args.size() >= 2 && arg(1).is_number_integer()) {
      int64_t b = arg(1).get<int64_t>();
      int64_t e = args.size() > 2 ? arg(2).get<int64_t>() : static_cast<int64_t>(s.size());
      if (b < 0 || e > static_cast<int64_t>(s.size()) || b > e) {
        return CelValue::Error("index out of range");
      }
      return CelValue::Of(s.substr(b, e - b));
    }
    if (fn == "charAt" && args.size() == 2 && arg(1).is_number_integer()) {
      int64_t i = arg(1).get<int64_t>();
      if (i < 0 || i > static_cast<int64_t>(s.size())) return CelValue::Error("index out of range");
      return CelValue::Of(i == static_cast<int64_t>(s.size()) ? "" : s.substr(i, 1));
    }
    if (fn == "replace" && args.size() >= 3 && arg(1).is_string() && arg(2).is_string()) {
      std::string from = arg(1).get<std::string>(), to = arg(2).get<std::string>(), out;
      if (from.empty()) return CelValue::Of(s);
      size_t start = 0;
      while (true) {
        size_t p = s.find(from, start);
        if (p == std::string::npos) break;
        out += s.substr(start, p - start) + to;
        start = p + from.size();
      }
      return CelValue::Of(out + s.substr(start));
    }
  }
  if (t.is_array()) {
    if (fn == "join") {
      std::string sep = args.size() > 1 && arg(1).is_string() ? arg(1).get<std::string>() : "";
      std::string out;
      for (size_t i = 0; i < t.size(); ++i) {
        if (!t[i].is_string()) return CelNoOverload("join", t[i]);
        if (i) out += sep;
        out += t[i].get<std::string>();
      }
      return CelValue::Of(out);
    }
    if (fn == "isSorted") {
      for (size_t i = 1; i < t.size(); ++i) {
        if (t[i] < t[i - 1]) return CelValue::Of(false);
      }
      return CelValue::Of(true);
    }
    if (fn == "sum") {
      Json total = int64_t{0};
      for (const auto& e : t) {
        if (!e.is_number()) return CelNoOverload("sum", e);
        if (total.is_number_integer() && e.is_number_integer()) {
          total = total.get<int64_t>() + e.get<int64_t>();
        } else {
          total = total.get<double>() + e.get<double>();
        }
      }
      return CelValue::Of(total);
    }
    if ((fn == "min" || fn == "max") && !t.empty()) {
      Json best = t[0];
      for (const auto& e : t) {
        if (fn == "min" ? e < best : best < e) best = e;
      }
      return CelValue::Of(CelNormalize(best));
    }
    if ((fn == "indexOf" || fn == "lastIndexOf") && args.size() == 2) {
      int64_t found = -1;
      for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == arg(1)) {
          found = static_cast<int64_t>(i);
          if (fn == "indexOf") break;
        }
      }
      return CelValue::Of(found);
    }
  }
  return CelValue::Error("no such overload: " + CelTypeOf(t) + "." + fn);
}

}  // namespace pgferry::fakeapi
