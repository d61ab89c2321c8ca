// The libpq adapter: Session and Connector for real PostgreSQL servers.
//
// Owns its PGconn (closed in the destructor) and frees every PGresult exactly once. A session
// sets search_path to '' right after connecting, so a hostile server's objects can never shadow
// the catalog functions pgferry's SQL calls (every name we use is schema-qualified or built-in).
// One thread at a time per session; separate sessions may be used from separate threads.
#pragma once

#include <memory>

#include "operator/pg/session.h"

namespace pgferry::pg {

class LibpqConnector : public Connector {
 public:
  Result<std::unique_ptr<Session>> Connect(const ConnParams& params) override;
};

// libpq's version number, e.g. 150018.
int LibpqVersion();

}  // namespace pgferry::pg
