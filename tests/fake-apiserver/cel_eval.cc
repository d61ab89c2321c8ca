// Compile-time checks and the evaluator for the CEL subset; see cel.h.
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "tests/fake-apiserver/cel.h"
#include "tests/fake-apiserver/cel_ast.h"

namespace pgferry::fakeapi {
namespace {

// A CEL value: a JSON value, an error, or an optional (present or absent).
struct Val {
  Json v;
  std::string err;  // non-empty: this value is an error
  enum Opt { kPlain, kNone, kSome } opt = kPlain;

  static Val Error(std::string e) {
    Val r;
    r.err = std::move(e);
    return r;
  }
  static Val Of(Json j) {
    Val r;
    r.v = std::move(j);
    return r;
  }
  bool is_error() const { return !err.empty(); }
};

const std::set<std::string>& GlobalFunctions() {
  static const std::set<std::string> f = {"size", "int", "uint", "double", "string", "bool",
                                          "dyn", "matches"};
  return f;
}

const std::set<std::string>& ReceiverFunctions() {
  static const std::set<std::string> f = {
      "size",      "startsWith", "endsWith", "contains",  "matches", "lowerAscii", "upperAscii",
      "trim",      "split",      "indexOf",  "lastIndexOf", "substring", "replace", "charAt",
      "join",      "isSorted",   "sum",      "min",       "max",     "orValue",    "hasValue",
      "value",     "of",         "none"};
  return f;
}

bool Check(const CelNode& n, std::set<std::string>* scope, bool* uses_old, std::string* error) {
  switch (n.kind) {
    case CelNode::kIdent:
      if (n.name == "oldSelf") *uses_old = true;
      if (n.name == "self" || n.name == "oldSelf" || scope->count(n.name)) return true;
      *error = "undeclared reference to '" + n.name + "'";
      return false;
    case CelNode::kCall:
      if (n.receiver) {
        if (!ReceiverFunctions().count(n.name)) {
          *error = "undeclared reference to '" + n.name + "'";
          return false;
        }
        if (n.args[0]->kind == CelNode::kIdent && n.args[0]->name == "optional") {
          for (size_t i = 1; i < n.args.size(); ++i) {
            if (!Check(*n.args[i], scope, uses_old, error)) return false;
          }
          return n.name == "of" || n.name == "none" ||
                 (*error = "undeclared reference to 'optional." + n.name + "'", false);
        }
      } else if (!GlobalFunctions().count(n.name)) {
        *error = "undeclared reference to '" + n.name + "'";
        return false;
      }
      break;
    case CelNode::kComprehension: {
      if (!Check(*n.args[0], scope, uses_old, error)) return false;
      bool added = scope->insert(n.var).second;
      for (size_t i = 1; i < n.args.size(); ++i) {
        if (!Check(*n.args[i], scope, uses_old, error)) return false;
      }
      if (added) scope->erase(n.var);
      return true;
    }
    default:
      break;
  }
  for (const auto& a : n.args) {
    if (a && !Check(*a, scope, uses_old, error)) return false;
  }
  return true;
}

Json Normalize(const Json& j) {
  if (j.is_number_unsigned() && j.get<uint64_t>() <= static_cast<uint64_t>(LLONG_MAX)) {
    return Json(static_cast<int64_t>(j.get<uint64_t>()));
  }
  return j;
}

std::string TypeOf(const Json& j) {
  if (j.is_null()) return "null_type";
  if (j.is_boolean()) return "bool";
  if (j.is_number_integer()) return "int";
  if (j.is_number_float()) return "double";
  if (j.is_string()) return "string";
  if (j.is_array()) return "list";
  return "map";
}

Val NoOverload(const std::string& fn, const Json& a) {
  return Val::Error("no such overload: " + fn + "(" + TypeOf(a) + ")");
}

size_t Runes(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class Evaluator {
 public:
  Evaluator(const Json& self, const Json* old_self) {
    vars_["self"] = Normalize(self);
    if (old_self) vars_["oldSelf"] = Normalize(*old_self);
  }

  Val Eval(const CelNode& n) {
    switch (n.kind) {
      case CelNode::kLiteral: return Val::Of(n.value);
      case CelNode::kIdent: {
        auto it = vars_.find(n.name);
        if (it == vars_.end()) return Val::Error("no such attribute: " + n.name);
        return Val::Of(it->second);
      }
      case CelNode::kSelect: return Select(n);
      case CelNode::kIndex: return Index(n);
      case CelNode::kList: {
        Json out = Json::array();
        for (const auto& a : n.args) {
          Val v = Eval(*a);
          if (v.is_error()) return v;
          out.push_back(v.v);
        }
        return Val::Of(out);
      }
      case CelNode::kMap: {
        Json out = Json::object();
        for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
          Val k = Eval(*n.args[i]);
          Val v = Eval(*n.args[i + 1]);
          if (k.is_error()) return k;
          if (v.is_error()) return v;
          out[k.v.is_string() ? k.v.get<std::string>() : k.v.dump()] = v.v;
        }
        return Val::Of(out);
      }
      case CelNode::kUnary: {
        Val v = Eval(*n.args[0]);
        if (v.is_error()) return v;
        if (n.op == "!") {
          if (!v.v.is_boolean()) return NoOverload("_!_", v.v);
          return Val::Of(!v.v.get<bool>());
        }
        if (v.v.is_number_integer()) return Val::Of(-v.v.get<int64_t>());
        if (v.v.is_number_float()) return Val::Of(-v.v.get<double>());
        return NoOverload("-_", v.v);
      }
      case CelNode::kBinary: return Binary(n);
      case CelNode::kConditional: {
        Val c = Eval(*n.args[0]);
        if (c.is_error()) return c;
        if (!c.v.is_boolean()) return NoOverload("_?_:_", c.v);
        return Eval(*n.args[c.v.get<bool>() ? 1 : 2]);
      }
      case CelNode::kHas: {
        const CelNode& sel = *n.args[0];
        Val target = Eval(*sel.args[0]);
        if (target.is_error()) return target;
        if (target.v.is_object()) return Val::Of(target.v.contains(sel.name));
        return Val::Error("invalid type for field selection.");
      }
      case CelNode::kComprehension: return Comprehension(n);
      case CelNode::kCall: return Call(n);
    }
    return Val::Error("unsupported expression");
  }

 private:
  Val Select(const CelNode& n) {
    Val target = Eval(*n.args[0]);
    if (target.is_error()) return target;
    if (target.opt == Val::kNone) return target;
    if (!target.v.is_object()) {
      return Val::Error(target.v.is_null() ? "no such key: " + n.name
                                           : "invalid type for field selection.");
    }
    bool has = target.v.contains(n.name);
    if (n.optional || target.opt == Val::kSome) {
      Val r;
      r.opt = has ? Val::kSome : Val::kNone;
      if (has) r.v = Normalize(target.v[n.name]);
      return r;
    }
    if (!has) return Val::Error("no such key: " + n.name);
    return Val::Of(Normalize(target.v[n.name]));
  }

  Val Index(const CelNode& n) {
    Val target = Eval(*n.args[0]);
    Val idx = Eval(*n.args[1]);
    if (target.is_error()) return target;
    if (idx.is_error()) return idx;
    if (target.v.is_array()) {
      if (!idx.v.is_number_integer()) return NoOverload("_[_]", idx.v);
      int64_t i = idx.v.get<int64_t>();
      if (i < 0 || i >= static_cast<int64_t>(target.v.size())) {
        return Val::Error("index out of bounds: " + std::to_string(i));
      }
      return Val::Of(Normalize(target.v[i]));
    }
    if (target.v.is_object()) {
      std::string key = idx.v.is_string() ? idx.v.get<std::string>() : idx.v.dump();
      if (!target.v.contains(key)) return Val::Error("no such key: " + key);
      return Val::Of(Normalize(target.v[key]));
    }
    return NoOverload("_[_]", target.v);
  }

  Val Binary(const CelNode& n) {
    if (n.op == "&&" || n.op == "||") {
      bool is_and = n.op == "&&";
      Val l = Eval(*n.args[0]);
      if (!l.is_error() && l.v.is_boolean() && l.v.get<bool>() != is_and) return l;
      Val r = Eval(*n.args[1]);
      if (!r.is_error() && r.v.is_boolean() && r.v.get<bool>() != is_and) return r;
      if (l.is_error()) return l;
      if (r.is_error()) return r;
      if (!l.v.is_boolean() || !r.v.is_boolean()) return NoOverload(n.op, l.v);
      return Val::Of(is_and);
    }
    Val l = Eval(*n.args[0]);
    if (l.is_error()) return l;
    Val r = Eval(*n.args[1]);
    if (r.is_error()) return r;
    const Json& a = l.v;
    const Json& b = r.v;
    if (n.op == "==") return Val::Of(a == b);
    if (n.op == "!=") return Val::Of(a != b);
    if (n.op == "in") {
      if (b.is_array()) return Val::Of(std::find(b.begin(), b.end(), a) != b.end());
      if (b.is_object()) return Val::Of(a.is_string() && b.contains(a.get<std::string>()));
      return NoOverload("@in", b);
    }
    if (n.op == "<" || n.op == "<=" || n.op == ">" || n.op == ">=") {
      int cmp;
      if (a.is_number() && b.is_number()) {
        double x = a.get<double>(), y = b.get<double>();
        if (a.is_number_integer() && b.is_number_integer()) {
          int64_t xi = a.get<int64_t>(), yi = b.get<int64_t>();
          cmp = xi < yi ? -1 : (xi > yi ? 1 : 0);
        } else {
          cmp = x < y ? -1 : (x > y ? 1 : 0);
        }
      } else if (a.is_string() && b.is_string()) {
        cmp = a.get<std::string>().compare(b.get<std::string>());
      } else if (a.is_boolean() && b.is_boolean()) {
        cmp = static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
      } else {
        return NoOverload(n.op, a);
      }
      bool res = n.op == "<" ? cmp < 0 : n.op == "<=" ? cmp <= 0 : n.op == ">" ? cmp > 0 : cmp >= 0;
      return Val::Of(res);
    }
    if (n.op == "+") {
      if (a.is_string() && b.is_string()) return Val::Of(a.get<std::string>() + b.get<std::string>());
      if (a.is_array() && b.is_array()) {
        Json out = a;
        for (const auto& e : b) out.push_back(e);
        return Val::Of(out);
      }
    }
    if (a.is_number_integer() && b.is_number_integer()) {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>(), out = 0;
      if (n.op == "+" && !__builtin_add_overflow(x, y, &out)) return Val::Of(out);
      if (n.op == "-" && !__builtin_sub_overflow(x, y, &out)) return Val::Of(out);
      if (n.op == "*" && !__builtin_mul_overflow(x, y, &out)) return Val::Of(out);
      if (n.op == "/" || n.op == "%") {
        if (y == 0) return Val::Error(n.op == "/" ? "division by zero" : "modulus by zero");
        return Val::Of(n.op == "/" ? x / y : x % y);
      }
      return Val::Error("return error for overflow");
    }
    if (a.is_number_float() && b.is_number_float()) {
      double x = a.get<double>(), y = b.get<double>();
      if (n.op == "+") return Val::Of(x + y);
      if (n.op == "-") return Val::Of(x - y);
      if (n.op == "*") return Val::Of(x * y);
      if (n.op == "/") return Val::Of(x / y);
    }
    return Val::Error("no such overload: " + TypeOf(a) + " " + n.op + " " + TypeOf(b));
  }

  Val Comprehension(const CelNode& n) {
    Val range = Eval(*n.args[0]);
    if (range.is_error()) return range;
    std::vector<Json> items;
    if (range.v.is_array()) {
      for (const auto& e : range.v) items.push_back(Normalize(e));
    } else if (range.v.is_object()) {
      for (auto it = range.v.begin(); it != range.v.end(); ++it) items.push_back(it.key());
    } else {
      return NoOverload(n.name, range.v);
    }
    Json saved;
    bool had = vars_.count(n.var);
    if (had) saved = vars_[n.var];
    Val result;
    if (n.name == "all" || n.name == "exists") {
      bool is_all = n.name == "all";
      Val first_error;
      bool decided = false;
      for (const auto& item : items) {
        vars_[n.var] = item;
        Val p = Eval(*n.args[1]);
        if (p.is_error()) {
          if (!first_error.is_error()) first_error = p;
          continue;
        }
        if (!p.v.is_boolean()) {
          first_error = NoOverload(n.name, p.v);
          continue;
        }
        if (p.v.get<bool>() != is_all) {
          decided = true;
          break;
        }
      }
      result = decided ? Val::Of(!is_all) : (first_error.is_error() ? first_error : Val::Of(is_all));
    } else if (n.name == "exists_one") {
      int count = 0;
      for (const auto& item : items) {
        vars_[n.var] = item;
        Val p = Eval(*n.args[1]);
        if (p.is_error()) {
          result = p;
          break;
        }
        count += p.v.is_boolean() && p.v.get<bool>();
      }
      if (!result.is_error()) result = Val::Of(count == 1);
    } else {  // map / filter
      Json out = Json::array();
      for (const auto& item : items) {
        vars_[n.var] = item;
        bool keep = true;
        if (n.name == "filter" || n.args.size() == 3) {
          Val p = Eval(*n.args[1]);
          if (p.is_error()) {
            result = p;
            break;
          }
          keep = p.v.is_boolean() && p.v.get<bool>();
        }
        if (!keep) continue;
        if (n.name == "filter") {
          out.push_back(item);
        } else {
          Val m = Eval(*n.args[n.args.size() - 1]);
          if (m.is_error()) {
            result = m;
            break;
          }
          out.push_back(m.v);
        }
      }
      if (!result.is_error()) result = Val::Of(out);
    }
    if (had) vars_[n.var] = saved;
    else vars_.erase(n.var);
    return result;
  }

  Val Call(const CelNode& n) {
    if (n.receiver && n.args[0]->kind == CelNode::kIdent && n.args[0]->name == "optional") {
      Val r;
      if (n.name == "none") {
        r.opt = Val::kNone;
        return r;
      }
      Val v = Eval(*n.args[1]);
      if (v.is_error()) return v;
      v.opt = Val::kSome;
      return v;
    }
    std::vector<Val> args;
    for (const auto& a : n.args) {
      args.push_back(Eval(*a));
      if (args.back().is_error()) return args.back();
    }
    if (n.receiver) return Method(n.name, args);
    return Global(n.name, args);
  }

  Val Global(const std::string& fn, const std::vector<Val>& args) {
    if (args.size() != 1 && fn != "matches") return Val::Error("no matching overload for " + fn);
    const Json& a = args[0].v;
    if (fn == "size") return Size(a);
    if (fn == "dyn") return args[0];
    if (fn == "matches") return args.size() == 2 ? Matches(a, args[1].v) : Val::Error("matches");
    if (fn == "int") {
      if (a.is_number_integer()) return Val::Of(a);
      if (a.is_number_float()) return Val::Of(static_cast<int64_t>(std::trunc(a.get<double>())));
      if (a.is_string()) {
        try {
          size_t used;
          int64_t v = std::stoll(a.get<std::string>(), &used);
          if (used == a.get<std::string>().size()) return Val::Of(v);
        } catch (const std::exception&) {
        }
        return Val::Error("cannot convert string to int");
      }
      return NoOverload("int", a);
    }
    if (fn == "uint") {
      if (a.is_number_integer() && a.get<int64_t>() >= 0) return Val::Of(a);
      return NoOverload("uint", a);
    }
    if (fn == "double") {
      if (a.is_number()) return Val::Of(a.get<double>());
      if (a.is_string()) {
        try {
          return Val::Of(std::stod(a.get<std::string>()));
        } catch (const std::exception&) {
          return Val::Error("cannot convert string to double");
        }
      }
      return NoOverload("double", a);
    }
    if (fn == "string") {
      if (a.is_string()) return Val::Of(a);
      if (a.is_boolean()) return Val::Of(a.get<bool>() ? "true" : "false");
      if (a.is_number()) return Val::Of(GoValueString(a));
      return NoOverload("string", a);
    }
    if (fn == "bool") {
      if (a.is_boolean()) return Val::Of(a);
      if (a.is_string()) {
        std::string s = a.get<std::string>();
        if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "1") return Val::Of(true);
        if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "0") return Val::Of(false);
      }
      return NoOverload("bool", a);
    }
    return Val::Error("unknown function " + fn);
  }

  Val Size(const Json& a) {
    if (a.is_string()) return Val::Of(static_cast<int64_t>(Runes(a.get<std::string>())));
    if (a.is_array() || a.is_object()) return Val::Of(static_cast<int64_t>(a.size()));
    return NoOverload("size", a);
  }

  Val Matches(const Json& s, const Json& re) {
    if (!s.is_string() || !re.is_string()) return NoOverload("matches", s);
    try {
      return Val::Of(std::regex_search(s.get<std::string>(), std::regex(re.get<std::string>())));
    } catch (const std::regex_error& e) {
      return Val::Error(std::string("invalid regular expression: ") + e.what());
    }
  }

  Val Method(const std::string& fn, const std::vector<Val>& args) {
    const Val& recv = args[0];
    const Json& t = recv.v;
    auto arg = [&](size_t i) -> const Json& { return args[i].v; };
    if (fn == "orValue") return recv.opt == Val::kSome ? Val::Of(t) : args[1];
    if (fn == "hasValue") return Val::Of(recv.opt == Val::kSome);
    if (fn == "value") {
      if (recv.opt == Val::kNone) return Val::Error("optional.none() dereference");
      return Val::Of(t);
    }
    if (fn == "size") return Size(t);
    if (fn == "matches") return args.size() == 2 ? Matches(t, arg(1)) : NoOverload(fn, t);
    if (t.is_string()) {
      std::string s = t.get<std::string>();
      if ((fn == "startsWith" || fn == "endsWith" || fn == "contains") && args.size() == 2 &&
          arg(1).is_string()) {
        std::string p = arg(1).get<std::string>();
        if (fn == "startsWith") return Val::Of(s.rfind(p, 0) == 0);
        if (fn == "endsWith") {
          return Val::Of(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
        }
        return Val::Of(s.find(p) != std::string::npos);
      }
      if (fn == "lowerAscii" || fn == "upperAscii") {
        for (char& c : s) c = fn == "lowerAscii" ? std::tolower(c) : std::toupper(c);
        return Val::Of(s);
      }
      if (fn == "trim") {
        size_t b = s.find_first_not_of(" \t\n\r\f\v");
        size_t e = s.find_last_not_of(" \t\n\r\f\v");
        return Val::Of(b == std::string::npos ? "" : s.substr(b, e - b + 1));
      }
      if (fn == "split" && args.size() >= 2 && arg(1).is_string()) {
        std::string sep = arg(1).get<std::string>();
        Json out = Json::array();
        if (sep.empty()) {
          for (char c : s) out.push_back(std::string(1, c));
          return Val::Of(out);
        }
        size_t start = 0;
        while (true) {
          size_t p = s.find(sep, start);
          out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
          if (p == std::string::npos) break;
          start = p + sep.size();
        }
        return Val::Of(out);
      }
      if ((fn == "indexOf" || fn == "lastIndexOf") && args.size() >= 2 && arg(1).is_string()) {
        size_t p = fn == "indexOf" ? s.find(arg(1).get<std::string>())
                                   : s.rfind(arg(1).get<std::string>());
        return Val::Of(p == std::string::npos ? int64_t{-1} : static_cast<int64_t>(p));
      }
      if (fn == "substring" && args.size() >= 2 && arg(1).is_number_integer()) {
        int64_t b = arg(1).get<int64_t>();
        int64_t e = args.size() > 2 ? arg(2).get<int64_t>() : static_cast<int64_t>(s.size());
        if (b < 0 || e > static_cast<int64_t>(s.size()) || b > e) {
          return Val::Error("index out of range");
        }
        return Val::Of(s.substr(b, e - b));
      }
      if (fn == "charAt" && args.size() == 2 && arg(1).is_number_integer()) {
        int64_t i = arg(1).get<int64_t>();
        if (i < 0 || i > static_cast<int64_t>(s.size())) return Val::Error("index out of range");
        return Val::Of(i == static_cast<int64_t>(s.size()) ? "" : s.substr(i, 1));
      }
      if (fn == "replace" && args.size() >= 3 && arg(1).is_string() && arg(2).is_string()) {
        std::string from = arg(1).get<std::string>(), to = arg(2).get<std::string>(), out;
        if (from.empty()) return Val::Of(s);
        size_t start = 0;
        while (true) {
          size_t p = s.find(from, start);
          if (p == std::string::npos) break;
          out += s.substr(start, p - start) + to;
          start = p + from.size();
        }
        return Val::Of(out + s.substr(start));
      }
    }
    if (t.is_array()) {
      if (fn == "join") {
        std::string sep = args.size() > 1 && arg(1).is_string() ? arg(1).get<std::string>() : "";
        std::string out;
        for (size_t i = 0; i < t.size(); ++i) {
          if (!t[i].is_string()) return NoOverload("join", t[i]);
          if (i) out += sep;
          out += t[i].get<std::string>();
        }
        return Val::Of(out);
      }
      if (fn == "isSorted") {
        for (size_t i = 1; i < t.size(); ++i) {
          if (t[i] < t[i - 1]) return Val::Of(false);
        }
        return Val::Of(true);
      }
      if (fn == "sum") {
        Json total = int64_t{0};
        for (const auto& e : t) {
          if (!e.is_number()) return NoOverload("sum", e);
          if (total.is_number_integer() && e.is_number_integer()) {
            total = total.get<int64_t>() + e.get<int64_t>();
          } else {
            total = total.get<double>() + e.get<double>();
          }
        }
        return Val::Of(total);
      }
      if ((fn == "min" || fn == "max") && !t.empty()) {
        Json best = t[0];
        for (const auto& e : t) {
          if (fn == "min" ? e < best : best < e) best = e;
        }
        return Val::Of(Normalize(best));
      }
      if ((fn == "indexOf" || fn == "lastIndexOf") && args.size() == 2) {
        int64_t found = -1;
        for (size_t i = 0; i < t.size(); ++i) {
          if (t[i] == arg(1)) {
            found = static_cast<int64_t>(i);
            if (fn == "indexOf") break;
          }
        }
        return Val::Of(found);
      }
    }
    return Val::Error("no such overload: " + TypeOf(t) + "." + fn);
  }

  std::map<std::string, Json> vars_;
};

}  // namespace

std::shared_ptr<const CelProgram> CelProgram::Compile(const std::string& expr, std::string* error) {
  auto root = ParseCel(expr, error);
  if (!root) return nullptr;
  std::set<std::string> scope;
  bool uses_old = false;
  if (!Check(*root, &scope, &uses_old, error)) return nullptr;
  auto p = std::shared_ptr<CelProgram>(new CelProgram());
  p->root_ = root;
  p->uses_old_self_ = uses_old;
  return p;
}

bool CelProgram::Eval(const Json& self, const Json* old_self, Json* result,
                      std::string* error) const {
  Evaluator ev(self, old_self);
  Val v = ev.Eval(*root_);
  if (v.is_error()) {
    *error = v.err;
    return false;
  }
  *result = v.v;
  return true;
}

}  // namespace pgferry::fakeapi
