#include "operator/pg/libpq_session.h"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <cstdlib>

#include "operator/pg/sqlstate.h"

namespace pgferry::pg {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// libpq reports connection failures as text only; classify the ones users meet.
Status ConnectionError(const std::string& raw, const ConnParams& p) {
  std::string msg = MaskSecret(Trim(raw), p.password);
  if (msg.find("password authentication failed") != std::string::npos ||
      msg.find("no password supplied") != std::string::npos)
    return Status(StatusCode::kUnauthenticated, msg).WithDetail(kInvalidPassword);
  if (msg.find("pg_hba.conf") != std::string::npos)
    return Status(StatusCode::kPermissionDenied, msg).WithDetail(kInvalidAuthorization);
  if (msg.find("database \"") != std::string::npos && msg.find("does not exist") != std::string::npos)
    return Status(StatusCode::kNotFound, msg).WithDetail(kInvalidCatalogName);
  return Unavailable(msg);
}

void IgnoreNotice(void*, const char*) {}

class LibpqSession : public Session {
 public:
  LibpqSession(ConnPtr conn, ConnParams params) : conn_(std::move(conn)), params_(std::move(params)) {
    PQsetNoticeProcessor(conn_.get(), IgnoreNotice, nullptr);
  }

  Result<QueryResult> Query(const std::string& sql,
                            const std::vector<std::optional<std::string>>& params) override {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    ResultPtr res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
    Status st = Check(res.get(), {PGRES_TUPLES_OK, PGRES_COMMAND_OK});
    if (!st.ok()) return st;
    return ToQueryResult(res.get());
  }

  Status Exec(const std::string& sql) override {
    // PQexec returns only the last result of a multi-statement string; errors stop the string.
    ResultPtr res(PQexec(conn_.get(), sql.c_str()));
    return Check(res.get(), {PGRES_TUPLES_OK, PGRES_COMMAND_OK});
  }

  Result<QueryResult> SimpleQuery(const std::string& sql) override {
    ResultPtr res(PQexec(conn_.get(), sql.c_str()));
    Status st = Check(res.get(), {PGRES_TUPLES_OK, PGRES_COMMAND_OK});
    if (!st.ok()) return st;
    return ToQueryResult(res.get());
  }

  std::string QuoteIdent(const std::string& name) override {
    char* q = PQescapeIdentifier(conn_.get(), name.data(), name.size());
    if (!q) return "\"\"";  // only on invalid encoding; the statement will then fail visibly
    std::string out(q);
    PQfreemem(q);
    return out;
  }

  std::string QuoteLiteral(const std::string& value) override {
    char* q = PQescapeLiteral(conn_.get(), value.data(), value.size());
    if (!q) return "''";
    std::string out(q);
    PQfreemem(q);
    return out;
  }

  Status CopyOut(const std::string& sql,
                 const std::function<Status(std::string_view)>& sink) override {
    ResultPtr res(PQexec(conn_.get(), sql.c_str()));
    RETURN_IF_ERROR(Check(res.get(), {PGRES_COPY_OUT}));
    Status sink_status;
    for (;;) {
      char* buf = nullptr;
      int n = PQgetCopyData(conn_.get(), &buf, 0);
      if (n > 0) {
        if (sink_status.ok()) sink_status = sink(std::string_view(buf, n));
        PQfreemem(buf);
        continue;
      }
      if (n == -1) break;
      return ConnectionLost();
    }
    ResultPtr end(PQgetResult(conn_.get()));
    Status st = Check(end.get(), {PGRES_COMMAND_OK});
    DrainResults();
    RETURN_IF_ERROR(st);
    return sink_status;
  }

  Status BeginCopyIn(const std::string& sql) override {
    ResultPtr res(PQexec(conn_.get(), sql.c_str()));
    return Check(res.get(), {PGRES_COPY_IN});
  }

  Status PutCopyData(std::string_view chunk) override {
    if (PQputCopyData(conn_.get(), chunk.data(), static_cast<int>(chunk.size())) != 1)
      return ConnectionLost();
    return Status::Ok();
  }

  Result<int64_t> EndCopyIn(const std::optional<std::string>& abort_reason) override {
    if (PQputCopyEnd(conn_.get(), abort_reason ? abort_reason->c_str() : nullptr) != 1)
      return ConnectionLost();
    ResultPtr res(PQgetResult(conn_.get()));
    Status st = Check(res.get(), {PGRES_COMMAND_OK});
    int64_t rows = st.ok() ? std::atoll(PQcmdTuples(res.get())) : 0;
    DrainResults();
    if (!st.ok()) return st;
    return rows;
  }

  int ServerVersion() const override { return PQserverVersion(conn_.get()); }
  const ConnParams& params() const override { return params_; }

 private:
  Status ConnectionLost() {
    return Unavailable("connection to " + params_.Endpoint() + " lost: " +
                       MaskSecret(Trim(PQerrorMessage(conn_.get())), params_.password));
  }

  void DrainResults() {
    while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
  }

  Status Check(PGresult* res, std::initializer_list<ExecStatusType> ok) {
    if (!res) return ConnectionLost();
    ExecStatusType st = PQresultStatus(res);
    for (auto o : ok)
      if (st == o) return Status::Ok();
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return ConnectionLost();
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    std::string message = primary ? primary : Trim(PQresultErrorMessage(res));
    if (message.empty()) message = std::string("unexpected result ") + PQresStatus(st);
    return ServerError(state ? state : "XX000", MaskSecret(message, params_.password));
  }

  static QueryResult ToQueryResult(PGresult* res) {
    int nf = PQnfields(res), nt = PQntuples(res);
    std::vector<std::string> cols;
    cols.reserve(nf);
    for (int j = 0; j < nf; ++j) cols.emplace_back(PQfname(res, j));
    std::vector<std::vector<std::optional<std::string>>> rows(nt);
    for (int i = 0; i < nt; ++i) {
      rows[i].reserve(nf);
      for (int j = 0; j < nf; ++j) {
        if (PQgetisnull(res, i, j))
          rows[i].emplace_back(std::nullopt);
        else
          rows[i].emplace_back(std::string(PQgetvalue(res, i, j), PQgetlength(res, i, j)));
      }
    }
    const char* affected = PQcmdTuples(res);
    return QueryResult(std::move(cols), std::move(rows), affected && *affected ? std::atoll(affected) : 0);
  }

  ConnPtr conn_;
  ConnParams params_;
};

}  // namespace

Result<std::unique_ptr<Session>> LibpqConnector::Connect(const ConnParams& params) {
  auto kw = params.Keywords();
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : kw) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  ConnPtr conn(PQconnectStartParams(keys.data(), vals.data(), 0));
  if (!conn) return Internal("libpq: out of memory");
  if (PQstatus(conn.get()) == CONNECTION_BAD)
    return ConnectionError(PQerrorMessage(conn.get()), params);

  // libpq's own connect_timeout rounds 1 up to 2 seconds and counts per address; we keep one
  // deadline for the whole set-up.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(params.connect_timeout_seconds);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) return ConnectionError(PQerrorMessage(conn.get()), params);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return Status(StatusCode::kTimeout,
                    "connection to server at \"" + params.host + "\", port " +
                        std::to_string(params.port) + " failed: timeout expired after " +
                        std::to_string(params.connect_timeout_seconds) + "s");
    pollfd pfd{PQsocket(conn.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return Unavailable("poll failed while connecting");
    if (r == 0) continue;  // deadline check above
    st = PQconnectPoll(conn.get());
  }
  auto session = std::make_unique<LibpqSession>(std::move(conn), params);
  if (params.replication.empty())
    RETURN_IF_ERROR(session->Exec("SELECT pg_catalog.set_config('search_path', '', false)")
                        .Prefixed("connection set-up"));
  return std::unique_ptr<Session>(std::move(session));
}

int LibpqVersion() { return PQlibVersion(); }

}  // namespace pgferry::pg
