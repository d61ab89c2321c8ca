// pg_dump into a custom-format archive (a temporary file: the schema sections are small), and
// pg_restore from it: the engine dumps pre-data and post-data once, under one catalog
// snapshot, restores pre-data while pg_dump writes, and the rest of post-data after the copy.
// Passwords go to each process through its own PGPASSWORD, never on the command line; stderr
// of both is captured (with the passwords masked) for the caller to classify. Each call is
// independent; safe to run several at once from different threads.
// pg_restore runs with PGOPTIONS="... -c synchronous_commit=off" (the schema's many small
// commits need not each wait for a WAL flush); when the destination (a pooler such as PgBouncer)
// refuses that startup parameter, pg_restore runs again without it.
// Each call takes an optional `stop`, asked every 100 ms while the tools run: once it says yes,
// pg_dump and pg_restore get SIGTERM, on which they cancel their running statement on the
// server (as on Ctrl-C; pg_restore --jobs also stops its workers) and exit; the call then
// returns with DumpRestoreResult::stopped set. What pg_restore committed before stays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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
  bool stopped = false;  // `stop` said yes and the tools were sent SIGTERM: exits are not theirs
};

// Asked while the tools run (see above); empty: never stop.
using StopFn = std::function<bool()>;

// Folder with pg_dump/pg_restore: $PGFERRY_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
std::string PgToolsDir();

// An archive file in a temporary folder of its own ($TMPDIR, else /tmp); both are removed with
// the object.
class Archive {
 public:
  Archive(std::string dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

// `pg_dump dump_args --format=custom | pg_restore restore_args` into `destination`, with pgferry
// in the middle keeping every byte of the archive in a file too, for a later
// RestoreFromArchive (of another section): one pg_dump serves both, and the restore still starts
// as soon as pg_dump writes. Sets all of `r` (the archive is incomplete unless dump_exit is 0).
Result<std::unique_ptr<Archive>> DumpRestoreKeepingArchive(const ConnParams& source,
                                                           const std::vector<std::string>& dump_args,
                                                           const ConnParams& destination,
                                                           const std::vector<std::string>& restore_args,
                                                           DumpRestoreResult* r, const StopFn& stop = {});

// `pg_dump dump_args --format=custom --file=...` from `source`; sets r->dump_exit and
// r->dump_stderr (the archive is incomplete unless dump_exit is 0).
Result<std::unique_ptr<Archive>> DumpToArchive(const ConnParams& source,
                                               const std::vector<std::string>& dump_args,
                                               DumpRestoreResult* r, const StopFn& stop = {});

// `pg_restore restore_args` from the archive into `destination` (restore_args may name a
// --section); sets r->restore_exit and r->restore_stderr. Entries whose catalog id (the
// source's, as TocCatalogId reads it) is in `skip` are left out, through `pg_restore -l` and a
// filtered `--use-list`: matched by OID, never by name. An error only when it cannot run.
Status RestoreFromArchive(const Archive& archive, const ConnParams& destination,
                          const std::vector<std::string>& restore_args,
                          const std::set<std::pair<uint32_t, uint32_t>>& skip, DumpRestoreResult* r,
                          const StopFn& stop = {});

// The catalog id of a `pg_restore -l` line ("3187; 2606 16400 CONSTRAINT ..." -> {2606, 16400}),
// or {0, 0} for comments and entries without one.
std::pair<uint32_t, uint32_t> TocCatalogId(const std::string& line);

}  // namespace pgferry::pg
