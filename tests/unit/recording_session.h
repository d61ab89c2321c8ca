// A fake pg::Session for unit tests: every statement succeeds with no rows and is recorded in
// `log` (parameters appended as " [p1|p2]", whitespace squeezed); quoting follows PostgreSQL's
// rules for text without backslashes; COPY is refused. Subclass it to inject failures.
#pragma once

#include <string>
#include <vector>

#include "operator/pg/session.h"

namespace pgferry::testing {

class RecordingSession : public pg::Session {
 public:
  Result<pg::QueryResult> Query(const std::string& sql,
                                const std::vector<std::optional<std::string>>& params) override {
    std::string p;
    for (const auto& v : params) p += (p.empty() ? "" : "|") + v.value_or("NULL");
    log.push_back(Squeeze(sql) + (params.empty() ? "" : " [" + p + "]"));
    return pg::QueryResult();
  }
  Status Exec(const std::string& sql) override {
    log.push_back(Squeeze(sql));
    return Status::Ok();
  }
  Result<pg::QueryResult> SimpleQuery(const std::string& sql) override { return Query(sql, {}); }
  std::string QuoteIdent(const std::string& name) override {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  std::string QuoteLiteral(const std::string& value) override {
    std::string out = "'";
    for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  Status CopyOut(const std::string&, const std::function<Status(std::string_view)>&) override {
    return Internal("no COPY here");
  }
  Status BeginCopyIn(const std::string&) override { return Internal("no COPY here"); }
  Status PutCopyData(std::string_view) override { return Internal("no COPY here"); }
  Result<int64_t> EndCopyIn(const std::optional<std::string>&) override {
    return Internal("no COPY here");
  }
  int ServerVersion() const override { return 150018; }
  const pg::ConnParams& params() const override { return params_; }

  std::vector<std::string> log;

 private:
  static std::string Squeeze(const std::string& sql) {
    std::string out;
    for (char c : sql) {
      if (c == '\n') c = ' ';
      if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
      out += c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }
  pg::ConnParams params_;
};

}  // namespace pgferry::testing
