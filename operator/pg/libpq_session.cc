#include "operator/pg/libpq_session.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
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
    // Made now, on the session's own thread: PQcancel on it is safe from any thread later.
    cancel_.reset(PQgetCancel(conn_.get()));
  }

  void Cancel() override {
    char errbuf[256];
    if (cancel_) (void)PQcancel(cancel_.get(), errbuf, sizeof errbuf);
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

  Result<int64_t> RelayTo(const std::string& copy_out_sql, LibpqSession& to,
                          const std::string& copy_in_sql,
                          const std::function<void(int64_t)>& on_progress);

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
  struct CancelDeleter {
    void operator()(PGcancel* c) const { PQfreeCancel(c); }
  };
  std::unique_ptr<PGcancel, CancelDeleter> cancel_;
  ConnParams params_;
};

// The relay keeps at most this many bytes queued in the destination's libpq output buffer
// (plus one row): beyond it, reading from the source waits until the destination drains.
constexpr int64_t kMaxUnflushed = 1 << 20;
constexpr size_t kBatch = 64 * 1024;

Result<int64_t> LibpqSession::RelayTo(const std::string& copy_out_sql, LibpqSession& to,
                                      const std::string& copy_in_sql,
                                      const std::function<void(int64_t)>& on_progress) {
  PGconn* src = conn_.get();
  PGconn* dst = to.conn_.get();
  {
    ResultPtr res(PQexec(dst, copy_in_sql.c_str()));
    RETURN_IF_ERROR(to.Check(res.get(), {PGRES_COPY_IN}));
  }
  {
    ResultPtr res(PQexec(src, copy_out_sql.c_str()));
    Status st = Check(res.get(), {PGRES_COPY_OUT});
    if (!st.ok()) {
      (void)to.EndCopyIn(st.message());
      return st;
    }
  }
  // The destination result that explains a failed put (the server's error), else "lost".
  auto dst_error = [&]() -> Status {
    ResultPtr res(PQgetResult(dst));
    Status st = res ? to.Check(res.get(), {}) : to.ConnectionLost();
    if (st.ok() || PQstatus(dst) == CONNECTION_BAD) st = to.ConnectionLost();
    to.DrainResults();
    return st;
  };
  // Stops the source's COPY after a destination failure: cancel, then read what is left.
  auto abandon_source = [&]() {
    if (PGcancel* c = PQgetCancel(src)) {
      char errbuf[256];
      (void)PQcancel(c, errbuf, sizeof errbuf);
      PQfreeCancel(c);
    }
    char* buf = nullptr;
    while (PQgetCopyData(src, &buf, 0) > 0) PQfreemem(buf);
    DrainResults();
  };

  if (PQsetnonblocking(dst, 1) != 0) {
    abandon_source();
    (void)to.EndCopyIn(std::string("cannot switch to non-blocking mode"));
    return to.ConnectionLost();
  }
  // Rows are gathered into one CopyData message of up to kBatch bytes (one row may be longer):
  // fewer, larger messages for the destination server to take apart.
  std::string batch;
  batch.reserve(kBatch + 8192);
  bool batch_refused = false;  // the last put found no room: wait until the socket drains
  bool src_done = false;
  int64_t bytes = 0, unflushed = 0, last_progress = 0;
  Status failure;
  bool dst_failed = false;
  while (failure.ok()) {
    // Move rows until one side would block.
    for (bool moved = true; moved && failure.ok();) {
      moved = false;
      bool src_waits = src_done || unflushed >= kMaxUnflushed;
      if (!src_waits && batch.size() < kBatch) {
        char* row = nullptr;
        int n = PQgetCopyData(src, &row, 1);
        if (n > 0) {
          batch.append(row, n);
          PQfreemem(row);
          moved = true;
        } else if (n == -1) {
          src_done = true;
        } else if (n == -2) {
          failure = ConnectionLost();
        }
        src_waits = n <= 0;  // n == 0: no whole row buffered yet
      }
      if (!failure.ok()) break;
      if (!batch.empty() && !batch_refused && (batch.size() >= kBatch || src_waits)) {
        int r = PQputCopyData(dst, batch.data(), static_cast<int>(batch.size()));
        if (r == 1) {
          bytes += static_cast<int64_t>(batch.size());
          unflushed += static_cast<int64_t>(batch.size());
          batch.clear();
          moved = true;
          if (on_progress && bytes - last_progress >= (1 << 20)) {
            on_progress(bytes);
            last_progress = bytes;
          }
        } else if (r < 0) {
          failure = dst_error();
          dst_failed = true;
        } else {
          batch_refused = true;  // r == 0: no room
        }
      }
    }
    if (!failure.ok()) break;
    if (unflushed > 0 || batch_refused) {
      int f = PQflush(dst);
      if (f == 0) {
        unflushed = 0;
        batch_refused = false;
      } else if (f < 0) {
        failure = dst_error();
        dst_failed = true;
        break;
      }
    }
    if (src_done && batch.empty() && unflushed == 0) break;
    if (!batch_refused && !batch.empty() && (src_done || unflushed == 0)) continue;  // put it now
    bool want_src = !src_done && unflushed < kMaxUnflushed && batch.size() < kBatch;
    bool want_dst_write = batch_refused || unflushed > 0;
    // The destination is also watched for input: an error it sends mid-COPY ends the relay at
    // the next put instead of after the whole table.
    pollfd fds[2] = {{PQsocket(src), static_cast<short>(want_src ? POLLIN : 0), 0},
                     {PQsocket(dst), static_cast<short>(POLLIN | (want_dst_write ? POLLOUT : 0)), 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      failure = Unavailable("poll failed during COPY");
      break;
    }
    if (fds[0].revents && PQconsumeInput(src) == 0) failure = ConnectionLost();
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && PQconsumeInput(dst) == 0) {
      failure = to.ConnectionLost();
      dst_failed = true;
    }
  }
  (void)PQsetnonblocking(dst, 0);  // flushes whatever is left, blocking
  if (!failure.ok()) {
    if (dst_failed) {
      abandon_source();
    } else {
      ResultPtr res(PQgetResult(src));
      if (res) {
        Status why = Check(res.get(), {});
        if (!why.ok() && PQstatus(src) != CONNECTION_BAD) failure = why;
      }
      DrainResults();
      (void)to.EndCopyIn(failure.message());
    }
    return failure;
  }
  ResultPtr end(PQgetResult(src));
  Status src_st = Check(end.get(), {PGRES_COMMAND_OK});
  DrainResults();
  if (!src_st.ok()) {
    (void)to.EndCopyIn(src_st.message());
    return src_st;
  }
  if (on_progress) on_progress(bytes);
  return to.EndCopyIn(std::nullopt);
}

}  // namespace

std::optional<Result<int64_t>> RelayCopyAsync(Session& from, const std::string& copy_out_sql,
                                              Session& to, const std::string& copy_in_sql,
                                              const std::function<void(int64_t)>& on_progress) {
  auto* a = dynamic_cast<LibpqSession*>(&from);
  auto* b = dynamic_cast<LibpqSession*>(&to);
  if (!a || !b || a == b) return std::nullopt;
  return a->RelayTo(copy_out_sql, *b, copy_in_sql, on_progress);
}

Result<std::unique_ptr<Session>> LibpqConnector::Connect(const ConnParams& params) {
  auto kw = params.Keywords();
  // Every pgferry session talks UTF-8, whatever the database's encoding: the names and messages
  // it puts in the status (JSON) must be UTF-8, and a COPY relayed between databases of
  // different encodings (LATIN1 to UTF8) must be converted by both servers, not passed on as
  // the source's bytes. (pg_dump/pg_restore choose their own encoding: their conninfo has none.)
  kw.emplace_back("client_encoding", "UTF8");
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
