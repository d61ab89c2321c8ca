// Session: one PostgreSQL connection, as the rest of pgferry sees it.
//
// This is the only door to PostgreSQL for reconcilers/: the libpq adapter (libpq_session.h)
// implements it for real servers, and unit tests implement it with fakes. A Session is used by
// one thread at a time. Errors come back as Status values whose detail() is the SQLSTATE and whose
// code classifies it (sqlstate.h); messages are the server's primary message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/conn_params.h"

namespace pgferry::pg {

// The rows of one query, as text (NULL is std::nullopt).
class QueryResult {
 public:
  QueryResult() = default;
  QueryResult(std::vector<std::string> columns, std::vector<std::vector<std::optional<std::string>>> rows,
              int64_t affected = 0)
      : columns_(std::move(columns)), rows_(std::move(rows)), affected_(affected) {}

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const std::vector<std::string>& columns() const { return columns_; }
  int64_t affected() const { return affected_; }

  bool IsNull(size_t row, size_t col) const { return !rows_.at(row).at(col).has_value(); }
  // Text value, "" for NULL.
  const std::string& Get(size_t row, size_t col) const;
  int64_t GetInt(size_t row, size_t col) const;  // 0 for NULL
  bool GetBool(size_t row, size_t col) const;    // "t" is true
  const std::optional<std::string>& GetOpt(size_t row, size_t col) const { return rows_.at(row).at(col); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<std::string>>> rows_;
  int64_t affected_ = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  // Runs one statement with text parameters ($1, $2, ...). NULL parameters as std::nullopt.
  virtual Result<QueryResult> Query(const std::string& sql,
                                    const std::vector<std::optional<std::string>>& params = {}) = 0;
  // Runs one or more statements without parameters.
  virtual Status Exec(const std::string& sql) = 0;
  // Runs one statement over the simple query protocol and returns its rows: the only form a
  // replication connection accepts (CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT).
  virtual Result<QueryResult> SimpleQuery(const std::string& sql) = 0;

  // Escaping with the server's rules (libpq's PQescapeIdentifier / PQescapeLiteral).
  virtual std::string QuoteIdent(const std::string& name) = 0;
  virtual std::string QuoteLiteral(const std::string& value) = 0;

  // COPY ... TO STDOUT: `sink` receives each chunk as the server sends it.
  virtual Status CopyOut(const std::string& sql,
                         const std::function<Status(std::string_view)>& sink) = 0;
  // COPY ... FROM STDIN: Begin, then Put any number of chunks, then End (returns rows copied).
  virtual Status BeginCopyIn(const std::string& sql) = 0;
  virtual Status PutCopyData(std::string_view chunk) = 0;
  virtual Result<int64_t> EndCopyIn(const std::optional<std::string>& abort_reason = {}) = 0;

  // Asks the server to cancel the statement this session is running, if any. The one method
  // that may be called from another thread while the session is in use (a stop watcher).
  virtual void Cancel() {}

  // server_version_num, e.g. 150018.
  virtual int ServerVersion() const = 0;
  // The parameters the session was opened with (password inside; print only Describe()).
  virtual const ConnParams& params() const = 0;
};

// Opens sessions. The libpq one honours ConnParams::connect_timeout_seconds as a hard deadline
// for the whole connection set-up.
class Connector {
 public:
  virtual ~Connector() = default;
  virtual Result<std::unique_ptr<Session>> Connect(const ConnParams& params) = 0;
};

// Streams a table from one session to another: COPY TO STDOUT on `from` relayed chunk by chunk
// into COPY FROM STDIN on `to`, with no parsing and no intermediate file. Returns rows copied.
// Between two libpq sessions it runs in libpq's async mode (RelayCopyAsync in libpq_session.h);
// other Session implementations get the chunk-by-chunk path through CopyOut/PutCopyData.
// `on_progress` gets the bytes relayed so far, about every MiB and once at the end. To stop a
// relay early, Cancel() either session from another thread: the relay ends with the error.
Result<int64_t> RelayCopy(Session& from, const std::string& copy_out_sql, Session& to,
                          const std::string& copy_in_sql,
                          const std::function<void(int64_t bytes)>& on_progress = {});

}  // namespace pgferry::pg
