// Runs `pg_dump ... | pg_restore ...` between two databases, streaming through a pipe (no
// file). Passwords go to each process through its own PGPASSWORD, never on the command line;
// stderr of both is captured (with the passwords masked) for the caller to classify.
// Each call is independent; safe to run several at once from different threads.
#pragma once

#include <string>
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

}  // namespace pgferry::pg
