// The libpq adapter: Session and Connector for real PostgreSQL servers.
//
// Owns its PGconn (closed in the destructor) and frees every PGresult exactly once. A session
// sets search_path to '' right after connecting, so a hostile server's objects can never shadow
// the catalog functions pgferry's SQL calls (every name we use is schema-qualified or built-in).
// One thread at a time per session; separate sessions may be used from separate threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "operator/pg/session.h"

namespace pgferry::pg {

class LibpqConnector : public Connector {
 public:
  Result<std::unique_ptr<Session>> Connect(const ConnParams& params) override;
};

// libpq's version number, e.g. 150018.
int LibpqVersion();

// RelayCopy between two libpq sessions in libpq's asynchronous mode: rows are read from the
// source with PQgetCopyData(async) while the destination, non-blocking, sends earlier ones, with
// poll() on both sockets, so reading and writing overlap. Rows go out gathered into CopyData
// messages of up to 64 KiB; at most about 1 MiB more than that (plus one row) waits in the
// destination's output buffer, past which the source is not read until it drains. A
// destination error mid-COPY cancels the source's COPY. std::nullopt when either session is not a
// libpq session (RelayCopy then uses the generic chunk-by-chunk path).
std::optional<Result<int64_t>> RelayCopyAsync(Session& from, const std::string& copy_out_sql,
                                              Session& to, const std::string& copy_in_sql,
                                              const std::function<void(int64_t)>& on_progress);

}  // namespace pgferry::pg
