// Compile-time checks and the evaluator for the CEL subset; see cel.h.
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "tests/fake-apiserver/cel.h"
#include "tests/fake-apiserver/cel_ast.h"
#include "tests/fake-apiserver/cel_functions.h"

namespace pgferry::fakeapi {
namespace {

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

class Evaluator {
 public:
  Evaluator(const Json& self, const Json* old_self) {
    vars_["self"] = CelNormalize(self);
    if (old_self) vars_["oldSelf"] = CelNormalize(*old_self);
  }

  CelValue Eval(const CelNode& n) {
    switch (n.kind) {
      case CelNode::kLiteral: return CelValue::Of(n.value);
      case CelNode::kIdent: {
        auto it = vars_.find(n.name);
        if (it == vars_.end()) return CelValue::Error("no such attribute: " + n.name);
        return CelValue::Of(it->second);
      }
      case CelNode::kSelect: return Select(n);
      case CelNode::kIndex: return Index(n);
      case CelNode::kList: {
        Json out = Json::array();
        for (const auto& a : n.args) {
          CelValue v = Eval(*a);
          if (v.is_error()) return v;
          out.push_back(v.v);
        }
        return CelValue::Of(out);
      }
      case CelNode::kMap: {
        Json out = Json::object();
        for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
          CelValue k = Eval(*n.args[i]);
          CelValue v = Eval(*n.args[i + 1]);
          if (k.is_error()) return k;
          if (v.is_error()) return v;
          out[k.v.is_string() ? k.v.get<std::string>() : k.v.dump()] = v.v;
        }
        return CelValue::Of(out);
      }
      case CelNode::kUnary: {
        CelValue v = Eval(*n.args[0]);
        if (v.is_error()) return v;
        if (n.op == "!") {
          if (!v.v.is_boolean()) return CelNoOverload("_!_", v.v);
          return CelValue::Of(!v.v.get<bool>());
        }
        if (v.v.is_number_integer()) return CelValue::Of(-v.v.get<int64_t>());
        if (v.v.is_number_float()) return CelValue::Of(-v.v.get<double>());
        return CelNoOverload("-_", v.v);
      }
      case CelNode::kBinary: return Binary(n);
      case CelNode::kConditional: {
        CelValue c = Eval(*n.args[0]);
        if (c.is_error()) return c;
        if (!c.v.is_boolean()) return CelNoOverload("_?_:_", c.v);
        return Eval(*n.args[c.v.get<bool>() ? 1 : 2]);
      }
      case CelNode::kHas: {
        const CelNode& sel = *n.args[0];
        CelValue target = Eval(*sel.args[0]);
        if (target.is_error()) return target;
        if (target.v.is_object()) return CelValue::Of(target.v.contains(sel.name));
        return CelValue::Error("invalid type for field selection.");
      }
      case CelNode::kComprehension: return Comprehension(n);
      case CelNode::kCall: return Call(n);
    }
    return CelValue::Error("unsupported expression");
  }

 private:
  CelValue Select(const CelNode& n) {
    CelValue target = Eval(*n.args[0]);
    if (target.is_error()) return target;
    if (target.opt == CelValue::kNone) return target;
    if (!target.v.is_object()) {
      return CelValue::Error(target.v.is_null() ? "no such key: " + n.name
                                           : "invalid type for field selection.");
    }
    bool has = target.v.contains(n.name);
    if (n.optional || target.opt == CelValue::kSome) {
      CelValue r;
      r.opt = has ? CelValue::kSome : CelValue::kNone;
      if (has) r.v = CelNormalize(target.v[n.name]);
      return r;
    }
    if (!has) return CelValue::Error("no such key: " + n.name);
    return CelValue::Of(CelNormalize(target.v[n.name]));
  }

  CelValue Index(const CelNode& n) {
    CelValue target = Eval(*n.args[0]);
    CelValue idx = Eval(*n.args[1]);
    if (target.is_error()) return target;
    if (idx.is_error()) return idx;
    if (target.v.is_array()) {
      if (!idx.v.is_number_integer()) return CelNoOverload("_[_]", idx.v);
      int64_t i = idx.v.get<int64_t>();
      if (i < 0 || i >= static_cast<int64_t>(target.v.size())) {
        return CelValue::Error("index out of bounds: " + std::to_string(i));
      }
      return CelValue::Of(CelNormalize(target.v[i]));
    }
    if (target.v.is_object()) {
      std::string key = idx.v.is_string() ? idx.v.get<std::string>() : idx.v.dump();
      if (!target.v.contains(key)) return CelValue::Error("no such key: " + key);
      return CelValue::Of(CelNormalize(target.v[key]));
    }
    return CelNoOverload("_[_]", target.v);
  }

  CelValue Binary(const CelNode& n) {
    if (n.op == "&&" || n.op == "||") {
      bool is_and = n.op == "&&";
      CelValue l = Eval(*n.args[0]);
      if (!l.is_error() && l.v.is_boolean() && l.v.get<bool>() != is_and) return l;
      CelValue r = Eval(*n.args[1]);
      if (!r.is_error() && r.v.is_boolean() && r.v.get<bool>() != is_and) return r;
      if (l.is_error()) return l;
      if (r.is_error()) return r;
      if (!l.v.is_boolean() || !r.v.is_boolean()) return CelNoOverload(n.op, l.v);
      return CelValue::Of(is_and);
    }
    CelValue l = Eval(*n.args[0]);
    if (l.is_error()) return l;
    CelValue r = Eval(*n.args[1]);
    if (r.is_error()) return r;
    const Json& a = l.v;
    const Json& b = r.v;
    if (n.op == "==") return CelValue::Of(a == b);
    if (n.op == "!=") return CelValue::Of(a != b);
    if (n.op == "in") {
      if (b.is_array()) return CelValue::Of(std::find(b.begin(), b.end(), a) != b.end());
      if (b.is_object()) return CelValue::Of(a.is_string() && b.contains(a.get<std::string>()));
      return CelNoOverload("@in", b);
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
        return CelNoOverload(n.op, a);
      }
      bool res = n.op == "<" ? cmp < 0 : n.op == "<=" ? cmp <= 0 : n.op == ">" ? cmp > 0 : cmp >= 0;
      return CelValue::Of(res);
    }
    if (n.op == "+") {
      if (a.is_string() && b.is_string()) return CelValue::Of(a.get<std::string>() + b.get<std::string>());
      if (a.is_array() && b.is_array()) {
        Json out = a;
        for (const auto& e : b) out.push_back(e);
        return CelValue::Of(out);
      }
    }
    if (a.is_number_integer() && b.is_number_integer()) {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>(), out = 0;
      if (n.op == "+" && !__builtin_add_overflow(x, y, &out)) return CelValue::Of(out);
      if (n.op == "-" && !__builtin_sub_overflow(x, y, &out)) return CelValue::Of(out);
      if (n.op == "*" && !__builtin_mul_overflow(x, y, &out)) return CelValue::Of(out);
      if (n.op == "/" || n.op == "%") {
        if (y == 0) return CelValue::Error(n.op == "/" ? "division by zero" : "modulus by zero");
        return CelValue::Of(n.op == "/" ? x / y : x % y);
      }
      return CelValue::Error("return error for overflow");
    }
    if (a.is_number_float() && b.is_number_float()) {
      double x = a.get<double>(), y = b.get<double>();
      if (n.op == "+") return CelValue::Of(x + y);
      if (n.op == "-") return CelValue::Of(x - y);
      if (n.op == "*") return CelValue::Of(x * y);
      if (n.op == "/") return CelValue::Of(x / y);
    }
    return CelValue::Error("no such overload: " + CelTypeOf(a) + " " + n.op + " " + CelTypeOf(b));
  }

  CelValue Comprehension(const CelNode& n) {
    CelValue range = Eval(*n.args[0]);
    if (range.is_error()) return range;
    std::vector<Json> items;
    if (range.v.is_array()) {
      for (const auto& e : range.v) items.push_back(CelNormalize(e));
    } else if (range.v.is_object()) {
      for (auto it = range.v.begin(); it != range.v.end(); ++it) items.push_back(it.key());
    } else {
      return CelNoOverload(n.name, range.v);
    }
    Json saved;
    bool had = vars_.count(n.var);
    if (had) saved = vars_[n.var];
    CelValue result;
    if (n.name == "all" || n.name == "exists") {
      bool is_all = n.name == "all";
      CelValue first_error;
      bool decided = false;
      for (const auto& item : items) {
        vars_[n.var] = item;
        CelValue p = Eval(*n.args[1]);
        if (p.is_error()) {
          if (!first_error.is_error()) first_error = p;
          continue;
        }
        if (!p.v.is_boolean()) {
          first_error = CelNoOverload(n.name, p.v);
          continue;
        }
        if (p.v.get<bool>() != is_all) {
          decided = true;
          break;
        }
      }
      result = decided ? CelValue::Of(!is_all) : (first_error.is_error() ? first_error : CelValue::Of(is_all));
    } else if (n.name == "exists_one") {
      int count = 0;
      for (const auto& item : items) {
        vars_[n.var] = item;
        CelValue p = Eval(*n.args[1]);
        if (p.is_error()) {
          result = p;
          break;
        }
        count += p.v.is_boolean() && p.v.get<bool>();
      }
      if (!result.is_error()) result = CelValue::Of(count == 1);
    } else {  // map / filter
      Json out = Json::array();
      for (const auto& item : items) {
        vars_[n.var] = item;
        bool keep = true;
        if (n.name == "filter" || n.args.size() == 3) {
          CelValue p = Eval(*n.args[1]);
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
          CelValue m = Eval(*n.args[n.args.size() - 1]);
          if (m.is_error()) {
            result = m;
            break;
          }
          out.push_back(m.v);
        }
      }
      if (!result.is_error()) result = CelValue::Of(out);
    }
    if (had) vars_[n.var] = saved;
    else vars_.erase(n.var);
    return result;
  }

  CelValue Call(const CelNode& n) {
    if (n.receiver && n.args[0]->kind == CelNode::kIdent && n.args[0]->name == "optional") {
      CelValue r;
      if (n.name == "none") {
        r.opt = CelValue::kNone;
        return r;
      }
      CelValue v = Eval(*n.args[1]);
      if (v.is_error()) return v;
      v.opt = CelValue::kSome;
      return v;
    }
    std::vector<CelValue> args;
    for (const auto& a : n.args) {
      args.push_back(Eval(*a));
      if (args.back().is_error()) return args.back();
    }
    if (n.receiver) return CallMethod(n.name, args);
    return CallGlobal(n.name, args);
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
  CelValue v = ev.Eval(*root_);
  if (v.is_error()) {
    *error = v.err;
    return false;
  }
  *result = v.v;
  return true;
}

}  // namespace pgferry::fakeapi
