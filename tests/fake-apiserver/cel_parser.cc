// Lexer and recursive-descent parser for the CEL subset (grammar from the CEL language spec).
#include <cctype>
#include <set>

#include "tests/fake-apiserver/cel_ast.h"

namespace pgferry::fakeapi {
namespace {

struct Token {
  enum Type { kIdent, kInt, kUint, kDouble, kString, kOp, kEnd } type = kEnd;
  std::string text;
  Json value;
};

void AppendUtf8(std::string* out, unsigned cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}

  bool Tokenize(std::vector<Token>* out, std::string* error) {
    while (true) {
      SkipSpace();
      if (i_ >= s_.size()) {
        out->push_back(Token{Token::kEnd, "", nullptr});
        return true;
      }
      char c = s_[i_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        // raw / bytes string prefixes
        if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && i_ + 1 < s_.size() &&
            (s_[i_ + 1] == '"' || s_[i_ + 1] == '\'')) {
          bool raw = c == 'r' || c == 'R';
          ++i_;
          Token t;
          if (!ReadString(raw, &t, error)) return false;
          out->push_back(t);
          continue;
        }
        std::string id;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) {
          id += s_[i_++];
        }
        out->push_back(Token{Token::kIdent, id, nullptr});
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
        Token t;
        if (!ReadNumber(&t, error)) return false;
        out->push_back(t);
      } else if (c == '"' || c == '\'') {
        Token t;
        if (!ReadString(false, &t, error)) return false;
        out->push_back(t);
      } else {
        static const char* two[] = {"==", "!=", "<=", ">=", "&&", "||"};
        std::string op(1, c);
        for (const char* t : two) {
          if (s_.compare(i_, 2, t) == 0) op = t;
        }
        if (op == "." && i_ + 1 < s_.size() && s_[i_ + 1] == '?') op = ".?";
        if (std::string("=&|").find(op) != std::string::npos && op.size() == 1) {
          *error = "Syntax error: token recognition error at: '" + op + "'";
          return false;
        }
        if (op.size() == 1 && std::string("<>+-*/%!?:.,()[]{}").find(c) == std::string::npos) {
          *error = std::string("Syntax error: token recognition error at: '") + c + "'";
          return false;
        }
        i_ += op.size();
        out->push_back(Token{Token::kOp, op, nullptr});
      }
    }
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[i_]))) {
        ++i_;
      } else if (s_.compare(i_, 2, "//") == 0) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  bool ReadNumber(Token* t, std::string* error) {
    size_t start = i_;
    if (s_.compare(i_, 2, "0x") == 0 || s_.compare(i_, 2, "0X") == 0) {
      i_ += 2;
      while (i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      long long v = std::stoll(s_.substr(start + 2, i_ - start - 2), nullptr, 16);
      if (i_ < s_.size() && (s_[i_] == 'u' || s_[i_] == 'U')) {
        ++i_;
        *t = Token{Token::kUint, s_.substr(start, i_ - start), Json(static_cast<uint64_t>(v))};
      } else {
        *t = Token{Token::kInt, s_.substr(start, i_ - start), Json(static_cast<int64_t>(v))};
      }
      return true;
    }
    bool is_double = false;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ < s_.size() && s_[i_] == '.' && i_ + 1 < s_.size() &&
        std::isdigit(static_cast<unsigned char>(s_[i_ + 1]))) {
      is_double = true;
      ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      is_double = true;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    std::string text = s_.substr(start, i_ - start);
    try {
      if (is_double) {
        *t = Token{Token::kDouble, text, Json(std::stod(text))};
      } else if (i_ < s_.size() && (s_[i_] == 'u' || s_[i_] == 'U')) {
        ++i_;
        *t = Token{Token::kUint, text, Json(static_cast<uint64_t>(std::stoull(text)))};
      } else {
        *t = Token{Token::kInt, text, Json(static_cast<int64_t>(std::stoll(text)))};
      }
    } catch (const std::exception&) {
      *error = "invalid number literal: " + text;
      return false;
    }
    return true;
  }

  bool ReadString(bool raw, Token* t, std::string* error) {
    char q = s_[i_];
    bool triple = s_.compare(i_, 3, std::string(3, q)) == 0;
    i_ += triple ? 3 : 1;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) {
        *error = "Syntax error: unterminated string literal";
        return false;
      }
      if (triple ? s_.compare(i_, 3, std::string(3, q)) == 0 : s_[i_] == q) {
        i_ += triple ? 3 : 1;
        break;
      }
      char c = s_[i_++];
      if (c != '\\' || raw) {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'x': case 'X': case 'u': case 'U': {
          size_t n = (e == 'x' || e == 'X') ? 2 : (e == 'u' ? 4 : 8);
          unsigned cp = std::stoul(s_.substr(i_, n), nullptr, 16);
          i_ += n;
          if (n == 2) out += static_cast<char>(cp);
          else AppendUtf8(&out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            unsigned cp = std::stoul(s_.substr(i_ - 1, 3), nullptr, 8);
            i_ += 2;
            out += static_cast<char>(cp);
          } else {
            out += e;  // \\ \" \' \? \`
          }
      }
    }
    *t = Token{Token::kString, out, Json(out)};
    return true;
  }

  const std::string& s_;
  size_t i_ = 0;
};

using NodePtr = std::shared_ptr<CelNode>;

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  NodePtr ParseAll(std::string* error) {
    NodePtr n = Expr();
    if (n && Peek().type != Token::kEnd) Fail("unexpected token '" + Peek().text + "'");
    if (!error_.empty()) {
      *error = error_;
      return nullptr;
    }
    return n;
  }

 private:
  const Token& Peek() const { return t_[pos_]; }
  bool IsOp(const char* op) const { return Peek().type == Token::kOp && Peek().text == op; }
  bool Accept(const char* op) {
    if (IsOp(op)) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Expect(const char* op) {
    if (!Accept(op)) Fail(std::string("expected '") + op + "' but found '" + Peek().text + "'");
  }
  void Fail(const std::string& msg) {
    if (error_.empty()) error_ = "Syntax error: " + msg;
  }
  NodePtr Make(CelNode::Kind k, std::vector<NodePtr> args = {}, std::string op = "") {
    auto n = std::make_shared<CelNode>();
    n->kind = k;
    n->args = std::move(args);
    n->op = std::move(op);
    return n;
  }

  NodePtr Expr() {
    NodePtr cond = Or();
    if (!cond || !error_.empty()) return cond;
    if (Accept("?")) {
      NodePtr a = Or();
      Expect(":");
      NodePtr b = Expr();
      return Make(CelNode::kConditional, {cond, a, b});
    }
    return cond;
  }
  NodePtr Or() {
    NodePtr l = And();
    while (error_.empty() && IsOp("||")) {
      ++pos_;
      l = Make(CelNode::kBinary, {l, And()}, "||");
    }
    return l;
  }
  NodePtr And() {
    NodePtr l = Rel();
    while (error_.empty() && IsOp("&&")) {
      ++pos_;
      l = Make(CelNode::kBinary, {l, Rel()}, "&&");
    }
    return l;
  }
  NodePtr Rel() {
    NodePtr l = Add();
    while (error_.empty()) {
      std::string op;
      for (const char* o : {"==", "!=", "<=", ">=", "<", ">"}) {
        if (IsOp(o)) op = o;
      }
      if (op.empty() && Peek().type == Token::kIdent && Peek().text == "in") op = "in";
      if (op.empty()) break;
      ++pos_;
      l = Make(CelNode::kBinary, {l, Add()}, op);
    }
    return l;
  }
  NodePtr Add() {
    NodePtr l = Mul();
    while (error_.empty() && (IsOp("+") || IsOp("-"))) {
      std::string op = Peek().text;
      ++pos_;
      l = Make(CelNode::kBinary, {l, Mul()}, op);
    }
    return l;
  }
  NodePtr Mul() {
    NodePtr l = Unary();
    while (error_.empty() && (IsOp("*") || IsOp("/") || IsOp("%"))) {
      std::string op = Peek().text;
      ++pos_;
      l = Make(CelNode::kBinary, {l, Unary()}, op);
    }
    return l;
  }
  NodePtr Unary() {
    if (IsOp("!") || IsOp("-")) {
      std::string op = Peek().text;
      ++pos_;
      NodePtr operand = Unary();
      if (op == "-" && operand && operand->kind == CelNode::kLiteral && operand->value.is_number()) {
        if (operand->value.is_number_integer()) {
          operand->value = -operand->value.get<int64_t>();
        } else if (operand->value.is_number_float()) {
          operand->value = -operand->value.get<double>();
        }
        return operand;
      }
      return Make(CelNode::kUnary, {operand}, op);
    }
    return Member();
  }
  std::vector<NodePtr> Args(const char* close) {
    std::vector<NodePtr> args;
    if (Accept(close)) return args;
    while (error_.empty()) {
      args.push_back(Expr());
      if (Accept(close)) break;
      Expect(",");
      if (Accept(close)) break;  // trailing comma
    }
    return args;
  }
  NodePtr Member() {
    NodePtr n = Primary();
    while (n && error_.empty()) {
      if (IsOp(".") || IsOp(".?")) {
        bool optional = Peek().text == ".?";
        ++pos_;
        if (Peek().type != Token::kIdent) {
          Fail("expected identifier after '.'");
          return n;
        }
        std::string name = Peek().text;
        ++pos_;
        if (!optional && Accept("(")) {
          std::vector<NodePtr> args = Args(")");
          static const std::set<std::string> macros = {"all", "exists", "exists_one", "map",
                                                       "filter"};
          if (macros.count(name)) {
            if (args.size() < 2 || args[0]->kind != CelNode::kIdent) {
              Fail("invalid " + name + " macro");
              return n;
            }
            auto c = Make(CelNode::kComprehension, {n});
            c->name = name;
            c->var = args[0]->name;
            for (size_t i = 1; i < args.size(); ++i) c->args.push_back(args[i]);
            n = c;
          } else {
            auto c = Make(CelNode::kCall, {n});
            c->name = name;
            c->receiver = true;
            for (auto& a : args) c->args.push_back(a);
            n = c;
          }
        } else {
          auto s = Make(CelNode::kSelect, {n});
          s->name = name;
          s->optional = optional;
          n = s;
        }
      } else if (IsOp("[")) {
        ++pos_;
        NodePtr idx = Expr();
        Expect("]");
        n = Make(CelNode::kIndex, {n, idx});
      } else {
        break;
      }
    }
    return n;
  }
  NodePtr Primary() {
    const Token tok = Peek();
    if (tok.type == Token::kInt || tok.type == Token::kUint || tok.type == Token::kDouble ||
        tok.type == Token::kString) {
      ++pos_;
      auto n = Make(CelNode::kLiteral);
      n->value = tok.value;
      return n;
    }
    if (tok.type == Token::kIdent) {
      ++pos_;
      if (tok.text == "true" || tok.text == "false" || tok.text == "null") {
        auto n = Make(CelNode::kLiteral);
        n->value = tok.text == "null" ? Json() : Json(tok.text == "true");
        return n;
      }
      if (Accept("(")) {
        std::vector<NodePtr> args = Args(")");
        if (tok.text == "has") {
          if (args.size() != 1 || args[0]->kind != CelNode::kSelect) {
            Fail("invalid argument to has() macro");
            return nullptr;
          }
          return Make(CelNode::kHas, {args[0]});
        }
        auto c = Make(CelNode::kCall, std::move(args));
        c->name = tok.text;
        return c;
      }
      auto n = Make(CelNode::kIdent);
      n->name = tok.text;
      return n;
    }
    if (Accept("(")) {
      NodePtr e = Expr();
      Expect(")");
      return e;
    }
    if (Accept("[")) return Make(CelNode::kList, Args("]"));
    if (Accept("{")) {
      std::vector<NodePtr> kv;
      if (!Accept("}")) {
        while (error_.empty()) {
          kv.push_back(Expr());
          Expect(":");
          kv.push_back(Expr());
          if (Accept("}")) break;
          Expect(",");
          if (Accept("}")) break;
        }
      }
      return Make(CelNode::kMap, kv);
    }
    Fail("mismatched input '" + tok.text + "'");
    return nullptr;
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

std::shared_ptr<CelNode> ParseCel(const std::string& expr, std::string* error) {
  std::vector<Token> toks;
  Lexer lexer(expr);
  if (!lexer.Tokenize(&toks, error)) return nullptr;
  Parser parser(std::move(toks));
  return parser.ParseAll(error);
}

}  // namespace pgferry::fakeapi
