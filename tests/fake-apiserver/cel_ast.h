// The syntax tree shared by the CEL parser (cel_parser.cc) and evaluator (cel_eval.cc).
// Immutable once built; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

struct CelNode {
  enum Kind {
    kLiteral,     // value
    kIdent,       // name
    kSelect,      // args[0].name ; optional: args[0].?name
    kIndex,       // args[0][args[1]]
    kCall,        // name(args...) ; receiver-style calls have `receiver` = true, args[0] target
    kList,        // [args...]
    kMap,         // {args[0]: args[1], ...}
    kUnary,       // op args[0]
    kBinary,      // args[0] op args[1]
    kConditional, // args[0] ? args[1] : args[2]
    kHas,         // has(args[0].name)
    kComprehension,  // args[0].name(var, args[1] [, args[2]])
  } kind = kLiteral;
  Json value;
  std::string name;
  std::string op;
  std::string var;
  bool receiver = false;
  bool optional = false;
  std::vector<std::shared_ptr<CelNode>> args;
};

// Parses `expr` into a tree; returns nullptr and sets *error when malformed.
std::shared_ptr<CelNode> ParseCel(const std::string& expr, std::string* error);

}  // namespace pgferry::fakeapi
