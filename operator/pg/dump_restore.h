// Runs `pg_dump ... | pg_restore ...` between two databases, streaming through a pipe (no
// file). Passwords go to each process through its own PGPASSWORD, never on the command line;
// stderr of both is captured (with the passwords masked) for the caller to classify.
// Each call is independent; safe to run several at once from different threads.
// DumpRestoreSkipping goes through a temporary archive instead, to restore only part of it.
// Both run pg_restore with PGOPTIONS="... -c synchronous_commit=off" (the schema's many small
// commits need not each wait for a WAL flush); when the destination (a pooler such as PgBouncer)
// refuses that startup parameter, pg_restore runs again without it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "operator/common/status.h"
#include "operator/pg/conn_params.h"

namespace pgferry::pg {

struct DumpRestoreResult {
  int dump_exit = -1;
  int restore_exit = -1;
  std::string dump_stderr;
  std::string restore_stderr;
};

// Folder with pg_dump/pg_restore: $PGFERRY_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
std::string PgToolsDir();

Result<DumpRestoreResult> DumpRestore(const ConnParams& source, const std::vector<std::string>& dump_args,
                                      const ConnParams& destination,
                                      const std::vector<std::string>& restore_args);

// The catalog id of a `pg_restore -l` line ("3187; 2606 16400 CONSTRAINT ..." -> {2606, 16400}),
// or {0, 0} for comments and entries without one.
std::pair<uint32_t, uint32_t> TocCatalogId(const std::string& line);

// DumpRestore through a temporary custom-format archive, so that entries can be left out:
// pg_dump --file, `pg_restore -l`, every TOC entry whose catalog id (the source's, as
// TocCatalogId reads it) is in `skip` is dropped from the list, then `pg_restore -L`. Entries
// are matched by OID, never by name. The archive is removed afterwards. `dump_args` must ask for
// --format=custom. The exit codes and stderr are those of pg_dump and of the final pg_restore.
Result<DumpRestoreResult> DumpRestoreSkipping(const ConnParams& source,
                                              const std::vector<std::string>& dump_args,
                                              const ConnParams& destination,
                                              const std::vector<std::string>& restore_args,
                                              const std::set<std::pair<uint32_t, uint32_t>>& skip);

}  // namespace pgferry::pg
