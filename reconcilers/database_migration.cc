#include "reconcilers/database_migration.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "operator/pg/dump_restore.h"
#include "operator/pg/sqlstate.h"
#include "reconcilers/aiven_extras.h"
#include "reconcilers/cancel_on_stop.h"
#include "reconcilers/engine_sql.h"
#include "reconcilers/index_build.h"
#include "reconcilers/names.h"
#include "reconcilers/server_log.h"

namespace pgferry {
namespace {

std::string TableKey(const TableInfo& t) { return "table:" + t.schema + "." + t.name; }

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Opens the read-only transaction a table copy reads the source in, under `snapshot` when one
// is given. row_security off: a table whose row-level security applies to this user fails its
// COPY ("query would be affected by row-level security policy") instead of yielding only the
// visible rows; the pre-checks refuse such tables already, this covers a policy added since.
Status BeginSourceRead(pg::Session& s, const std::string& snapshot) {
  RETURN_IF_ERROR(s.Exec("SET row_security = off; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  return snapshot.empty() ? Status::Ok() : s.Exec("SET TRANSACTION SNAPSHOT " + s.QuoteLiteral(snapshot));
}

// Runs of whitespace (the indented lines pg_dump writes its statements in) as one space.
std::string CollapseSpaces(const std::string& in) {
  std::string out;
  for (char c : in) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// pg_restore reports each failed statement as "pg_restore: error: could not execute query:
// ERROR:  <message>\nCommand was: <sql>". Ownership, privileges, comments and objects that
// exist already are ignorable; anything else means the schema is incomplete.
struct RestoreErrors {
  std::vector<std::string> fatal, ignorable;
};

RestoreErrors ClassifyRestoreErrors(const std::string& stderr_text) {
  RestoreErrors out;
  const std::string marker = "pg_restore: error: ";
  size_t pos = 0;
  while ((pos = stderr_text.find(marker, pos)) != std::string::npos) {
    size_t next = stderr_text.find(marker, pos + marker.size());
    std::string block = stderr_text.substr(pos + marker.size(),
                                           next == std::string::npos ? std::string::npos : next - pos - marker.size());
    pos = next == std::string::npos ? stderr_text.size() : next;
    std::string message = block, command;
    size_t cmd = block.find("Command was: ");
    if (cmd != std::string::npos) {
      message = block.substr(0, cmd);
      command = block.substr(cmd + 13);
    }
    auto trim = [](std::string s) {
      while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
      return s;
    };
    // The last block runs on into pg_restore's closing "warning: errors ignored on restore".
    size_t tail = command.find("\npg_restore: ");
    if (tail != std::string::npos) command.resize(tail);
    message = trim(message);
    command = CollapseSpaces(command);
    const std::string q = "could not execute query: ";
    if (StartsWith(message, q)) message = message.substr(q.size());
    if (StartsWith(message, "ERROR:  ")) message = message.substr(8);
    size_t nl = message.find('\n');
    std::string first = message.substr(0, nl);
    // The DETAIL line says which row or object (e.g. "Key (p)=(1) is not present in table ...").
    std::string detail;
    size_t d = message.find("\nDETAIL:  ");
    if (d != std::string::npos) detail = message.substr(d + 10, message.find('\n', d + 10) - d - 10);
    bool ignorable = first.find("already exists") != std::string::npos ||
                     command.find(" OWNER TO ") != std::string::npos ||
                     StartsWith(command, "GRANT ") || StartsWith(command, "REVOKE ") ||
                     StartsWith(command, "COMMENT ON ") || StartsWith(command, "SECURITY LABEL ") ||
                     StartsWith(command, "ALTER DEFAULT PRIVILEGES");
    std::string text = first + (detail.empty() ? "" : ": " + detail) +
                       (command.empty() ? "" : " (" + command.substr(0, 120) + (command.size() > 120 ? "...)" : ")"));
    (ignorable ? out.ignorable : out.fatal).push_back(text);
  }
  return out;
}

}  // namespace

DatabaseMigration::DatabaseMigration(MigrationEngine& engine, const DatabasePlan& plan)
    : e_(engine), plan_(plan) {
  name_ = ReplicationObjectName(e_.options_.migration_id, plan.dbname);
  src_params_ = e_.options_.endpoints.source.WithDatabase(plan.dbname);
  dst_params_ = e_.options_.endpoints.destination.WithDatabase(plan.dbname);
  // Largest tables first, so the longest copy starts at once.
  std::stable_sort(plan_.tables.begin(), plan_.tables.end(),
                   [](const TableInfo& a, const TableInfo& b) { return a.bytes > b.bytes; });
}

DatabaseMigration::~DatabaseMigration() { DropSchemaDump(); }

void DatabaseMigration::SetDb(const std::function<void(api::DatabaseStatus&)>& f) {
  {
    std::lock_guard<std::recursive_mutex> lock(e_.mu_);
    f(e_.Db(plan_.dbname));
  }
  e_.Publish();
}

bool DatabaseMigration::replicating() const {
  std::lock_guard<std::recursive_mutex> lock(e_.mu_);
  auto& d = e_.Db(plan_.dbname);
  return d.method == api::kMethodReplication &&
         (d.status == api::kDbRunning || d.status == api::kDbSyncing);
}

void DatabaseMigration::Fail(const Status& st, const std::string& step) {
  std::string msg = step.empty() ? st.message() : step + ": " + st.message();
  SetDb([&](api::DatabaseStatus& d) {
    d.status = api::kDbFailed;
    d.error = msg;
  });
  e_.Event("DatabaseFailed", "database \"" + plan_.dbname + "\": " + msg, true);
}

void DatabaseMigration::SetUp() {
  if (plan_.error) {
    SetDb([&](api::DatabaseStatus& d) {
      d.status = api::kDbFailed;
      d.error = *plan_.error;
    });
    return;
  }
  SetDb([&](api::DatabaseStatus& d) {
    if (d.status == api::kDbPending || d.status == api::kDbFailed) d.status = api::kDbRunning;
    if (d.method.empty() || d.status == api::kDbRunning) d.method = plan_.method;
    if (plan_.reason) d.error = plan_.reason;
    d.tablesTotal = static_cast<int64_t>(plan_.tables.size());
    for (const auto& w : plan_.warnings)
      if (std::find(d.warnings.begin(), d.warnings.end(), w) == d.warnings.end()) d.warnings.push_back(w);
  });
  Status st = Step();
  DropSchemaDump();  // a step that failed before the pre-data restore left it unused
  if (!st.ok()) Fail(st, "");
  // Done or failed: nothing more happens here in this run, so give back its connections (the
  // lock among them) instead of holding two per database until every database is through.
  if (!replicating()) {
    run_lock_.reset();
    dst_.reset();
  }
}

Status DatabaseMigration::EnsureDatabase() {
  auto boot = e_.options_.connector->Connect(e_.options_.endpoints.destination);
  if (!boot.ok()) return boot.status().Prefixed("destination");
  ASSIGN_OR_RETURN(auto exists, (*boot)->Query(sql::kDatabaseExists, {plan_.dbname}));
  if (exists.GetBool(0, 0)) return Status::Ok();
  if (!e_.spec_.createDatabases)
    return NotFound("database does not exist on the destination and spec.createDatabases is false");
  auto src = e_.options_.connector->Connect(e_.options_.endpoints.source);
  if (!src.ok()) return src.status().Prefixed("source");
  ASSIGN_OR_RETURN(auto def, (*src)->Query(sql::kDatabaseDefinition, {plan_.dbname}));
  if (def.empty()) return NotFound("database is gone from the source");
  StartSchemaDump();
  pg::Session& d = **boot;
  std::string base = "CREATE DATABASE " + d.QuoteIdent(plan_.dbname) +
                     " TEMPLATE template0 ENCODING " + d.QuoteLiteral(def.Get(0, 0)) +
                     " LC_COLLATE " + d.QuoteLiteral(def.Get(0, 1)) + " LC_CTYPE " +
                     d.QuoteLiteral(def.Get(0, 2));
  // Keep the source's owner when that role exists here and we may hand it over.
  Status st = d.Exec(base + " OWNER " + d.QuoteIdent(def.Get(0, 3)));
  if (!st.ok() && !pg::HasSqlState(st, pg::kDuplicateDatabase)) st = d.Exec(base);
  if (pg::HasSqlState(st, pg::kDuplicateDatabase)) return Status::Ok();
  RETURN_IF_ERROR(st.Prefixed("create database"));
  e_.Event("DatabaseCreated", "created database \"" + plan_.dbname + "\" on the destination");
  return Status::Ok();
}

Status DatabaseMigration::LoadState(std::unique_ptr<pg::Session> session) {
  if (!session) {
    auto s = e_.options_.connector->Connect(dst_params_);
    if (!s.ok()) return s.status().Prefixed("destination");
    session = std::move(*s);
  }
  dst_ = std::move(session);
  if (stateless_) return Status::Ok();
  Status created = dst_->Exec(sql::kCreateState);
  if (created.code() == StatusCode::kPermissionDenied) {
    stateless_ = true;
    SetDb([&](api::DatabaseStatus& d) {
      d.warnings.push_back("progress not recorded on the destination (" + created.message() +
                           "): a rerun starts this database over");
    });
    return Status::Ok();
  }
  RETURN_IF_ERROR(created.Prefixed("create _pgferry.state"));
  return ReadState();
}

Status DatabaseMigration::ReadState() {
  ASSIGN_OR_RETURN(auto rows, dst_->Query(sql::kReadState, {e_.options_.migration_id}));
  state_.clear();
  // Table marks hold the rows copied: a rerun reports the tables and rows copied so far.
  int64_t rows_recorded = 0, tables_recorded = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    state_[rows.Get(i, 0)] = rows.Get(i, 1);
    if (StartsWith(rows.Get(i, 0), "table:")) {
      rows_recorded += std::strtoll(rows.Get(i, 1).c_str(), nullptr, 10);
      ++tables_recorded;
    }
  }
  SetDb([&](api::DatabaseStatus& d) {
    d.rowsCopied = rows_recorded;
    d.tablesSynced = tables_recorded;
  });
  return Status::Ok();
}

Status DatabaseMigration::SetState(const std::string& key, const std::string& value) {
  if (!stateless_) {
    // Only "done" and "subscribed" (which end a run's work on the database) wait for the WAL
    // flush, which makes everything before them durable, the copy workers' commits
    // (synchronous_commit = off) included. The other marks do not: the first commit that waited
    // after the copy waited for all of its unflushed WAL (40-70 ms at the S1 size on a durable
    // server), which the WAL writer flushes meanwhile. A crash loses at most the marks written
    // since the server's last flush, and a rerun redoes their steps.
    bool durable = key == "done" || key == "subscribed";
    if (!durable) RETURN_IF_ERROR(dst_->Exec("BEGIN; SET LOCAL synchronous_commit = off"));
    Status st = dst_->Query(sql::kWriteState, {e_.options_.migration_id, key, value}).status();
    if (st.ok() && !durable) st = dst_->Exec("COMMIT");
    if (!st.ok()) {
      if (!durable) (void)dst_->Exec("ROLLBACK");
      return st;
    }
  }
  state_[key] = value;
  return Status::Ok();
}

std::vector<std::string> DatabaseMigration::SchemaDumpArgs(bool with_pre_data) const {
  std::vector<std::string> dump_args = {"--section=post-data", "--no-publications", "--no-subscriptions"};
  if (with_pre_data) dump_args.push_back("--section=pre-data");
  if (!e_.spec_.extensions.exclude.empty()) {
    // pg_dump (PG14+) keeps only the extensions named with --extension; name the others.
    for (const auto& probe : e_.probe_.databases) {
      if (probe.name != plan_.dbname || !probe.source) continue;
      bool any = false;
      for (const auto& ext : probe.source->extensions) {
        if (std::find(e_.spec_.extensions.exclude.begin(), e_.spec_.extensions.exclude.end(),
                      ext.name) != e_.spec_.extensions.exclude.end())
          continue;
        dump_args.push_back("--extension=" + ext.name);
        any = true;
      }
      if (!any) dump_args.push_back("--extension=pgferry_no_extension_matches_this");
    }
  }
  return dump_args;
}

void DatabaseMigration::StartSchemaDump() {
  if (schema_dump_.valid()) return;
  drop_schema_dump_ = false;
  schema_dump_ = std::async(std::launch::async, [this, args = SchemaDumpArgs(true)] {
    SchemaDump out;
    out.archive = pg::DumpToArchive(src_params_, args, &out.r,
                                    [this] { return drop_schema_dump_ || e_.StopRequested(); });
    return out;
  });
}

void DatabaseMigration::DropSchemaDump() {
  if (!schema_dump_.valid()) return;
  drop_schema_dump_ = true;
  schema_dump_.get();
}

Status DatabaseMigration::RestoreSection(const std::string& section) {
  if (state_.count(section)) return Status::Ok();
  // Indexes and constraints the copy workers built already are left out of post-data, by the
  // source catalog ids recorded with them.
  std::vector<std::string> built;
  if (section == "post-data")
    for (const auto& [k, v] : state_)
      if (StartsWith(k, "indexes:")) built.push_back(v);
  auto skip = BuiltCatalogIds(built);
  if (section == "post-data") {
    // After an interrupted restore, what exists on the destination already is not restored
    // again (a second PRIMARY KEY would fail the database).
    auto src = e_.options_.connector->Connect(src_params_);
    if (!src.ok()) return src.status().Prefixed("source");
    ASSIGN_OR_RETURN(auto present, PresentOnDestination(**src, *dst_));
    skip.insert(present.begin(), present.end());
  }
  // From an archive, pg_restore can also run the remaining post-data steps (foreign key checks,
  // partitioned tables' indexes) dump.jobs at a time.
  std::vector<std::string> restore_args = {"--section=" + section};
  if (section == "post-data" && e_.spec_.dump.jobs > 1)
    restore_args.push_back("--jobs=" + std::to_string(e_.spec_.dump.jobs));
  pg::DumpRestoreResult r;
  // A stop ends pg_dump / pg_restore (their running statement cancelled) instead of waiting for
  // them: post-data can spend minutes validating foreign keys or building exclusion constraints.
  // A rerun restores the section again, leaving out what exists (see above; pre-data's
  // "already exists" errors are ignorable).
  pg::StopFn stop = [this] { return e_.StopRequested(); };
  const Status stopped(StatusCode::kAborted, "stopped during the schema restore (" + section + ")");
  bool dumped_now = section == "pre-data" || !schema_archive_;
  if (section == "pre-data" && schema_dump_.valid()) {
    // Dumped while the database was created (StartSchemaDump); restored from the archive.
    SchemaDump dumped = schema_dump_.get();
    r = dumped.r;
    if (!dumped.archive.ok()) return dumped.archive.status();
    schema_archive_ = std::move(*dumped.archive);
    if (!r.stopped && r.dump_exit == 0)
      RETURN_IF_ERROR(pg::RestoreFromArchive(*schema_archive_, dst_params_, restore_args, {}, &r, stop));
  } else if (section == "pre-data") {
    // Restored while pg_dump writes, as through a plain pipe; the archive is kept for post-data.
    // Pre-data dumps post-data too (one pg_dump reads the catalogs once; for 10,000 tables that
    // is seconds), for the post-data restore of this run.
    ASSIGN_OR_RETURN(schema_archive_, pg::DumpRestoreKeepingArchive(src_params_, SchemaDumpArgs(true), dst_params_,
                                                                    restore_args, &r, stop));
  } else if (!schema_archive_) {
    ASSIGN_OR_RETURN(schema_archive_, pg::DumpToArchive(src_params_, SchemaDumpArgs(false), &r, stop));
  }
  if (r.stopped) {
    schema_archive_.reset();
    return stopped;
  }
  if (dumped_now && r.dump_exit != 0) {
    schema_archive_.reset();
    return Internal("pg_dump --section=" + section + " failed: " + CollapseSpaces(r.dump_stderr.substr(0, 500)));
  }
  if (section == "post-data") {
    RETURN_IF_ERROR(pg::RestoreFromArchive(*schema_archive_, dst_params_, restore_args, skip, &r, stop));
    schema_archive_.reset();
    if (r.stopped) return stopped;
  }
  RestoreErrors errs = ClassifyRestoreErrors(r.restore_stderr);
  if (!errs.ignorable.empty())
    SetDb([&](api::DatabaseStatus& d) {
      for (const auto& w : errs.ignorable) d.warnings.push_back("schema " + section + ": " + w);
    });
  if (!errs.fatal.empty())
    return Internal("schema restore (" + section + ") failed: " + errs.fatal.front() +
                    (errs.fatal.size() > 1 ? " (and " + std::to_string(errs.fatal.size() - 1) + " more)" : ""));
  if (r.restore_exit != 0 && errs.ignorable.empty())
    return Internal("pg_restore --section=" + section + " failed: " + CollapseSpaces(r.restore_stderr.substr(0, 500)));
  return SetState(section, "restored");
}

void DatabaseMigration::FlushSourceWal(pg::Session& s) {
  if (!s.Exec(sql::kFlushSourceWal).ok()) (void)s.Exec("ROLLBACK");
}

Status DatabaseMigration::AnalyzeAfterPostData() {
  std::vector<const TableInfo*> tables;
  std::vector<std::string> later;
  for (const auto& t : plan_.tables) {
    tables.push_back(&t);
    later.push_back(analyze_after_post_data_.count(TableKey(t)) ? "t" : "f");
  }
  std::string query = sql::kAnalyzeAfterPostData;
  const std::string marker = "%STATS_EXT_EMPTY%";
  query.replace(query.find(marker), marker.size(), dst_->ServerVersion() >= 120000 ? sql::kStatsExtEmpty : "true");
  auto params = NameParams(tables);
  params.push_back(TextArrayLiteral(later));
  ASSIGN_OR_RETURN(auto rows, dst_->Query(query, params));
  std::string list;
  for (size_t i = 0; i < rows.size(); ++i) list += (i ? ", " : "") + rows.Get(i, 0);
  if (list.empty()) return Status::Ok();
  return dst_->Exec("ANALYZE " + list).Prefixed("analyze after post-data");
}

std::vector<const TableInfo*> DatabaseMigration::TablesNotCopiedYet() const {
  std::vector<const TableInfo*> out;
  for (const auto& t : plan_.tables)
    if (!state_.count(TableKey(t)) && t.extension.empty()) out.push_back(&t);
  return out;
}

Status DatabaseMigration::CheckTablesEmpty(const std::vector<const TableInfo*>& check) {
  // Up to 500 tables a statement: a round trip per table cost seconds for 10,000 tables.
  constexpr size_t kChunk = 500;
  for (size_t at = 0; at < check.size(); at += kChunk) {
    std::string q;
    for (size_t i = at; i < std::min(check.size(), at + kChunk); ++i)
      q += (q.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + std::to_string(i) +
           " WHERE EXISTS (SELECT 1 FROM " + Qualified(*dst_, *check[i]) + ")";
    auto r = dst_->Query(q);
    if (!r.ok()) return r.status().Prefixed("destination tables");
    if (!r->empty())
      return FailedPrecondition("destination table " + check[std::stoul(r->Get(0, 0))]->Qualified() +
                                " already holds rows that pgferry did not copy; empty it or "
                                "leave it out with spec.tables.exclude");
  }
  return Status::Ok();
}

// Tables smaller than this (source pg_table_size) are copied without TRUNCATE + FREEZE.
constexpr int64_t kFreezeMinBytes = 4 << 20;
// Small tables go to a worker up to this many (and this many bytes) at a time, one destination
// transaction for all (CopyBatch): per table that leaves the COPY's round trips, where each
// had two transactions and a dozen round trips. Each table in a batch holds its locks until
// the batch commits (a few per table; the server's lock table has 64 per connection).
constexpr size_t kBatchTables = 32;
constexpr int64_t kBatchBytes = 8 << 20;
// Tables whose catalog facts are read in one query (table_catalog.h).
constexpr size_t kCatalogChunk = 500;

struct DatabaseMigration::CopyShared {
  std::mutex mu;
  Status first_error;
  std::map<std::string, std::string> in_memory;  // state rows, when the destination keeps none
  std::set<std::string> analyze_later;            // TableKey of tables with indexes left to post-data
};

Status DatabaseMigration::CopyTables(const std::string& snapshot) {
  // A table is done when its rows and then its indexes are recorded; a rerun finishes either.
  std::vector<const TableInfo*> todo;
  int64_t copied_before = 0;
  for (const auto& t : plan_.tables) {
    if (state_.count(TableKey(t))) ++copied_before;
    if (!state_.count(TableKey(t)) || !state_.count(IndexStateKey(t))) todo.push_back(&t);
  }
  SetDb([&](api::DatabaseStatus& d) { d.tablesSynced = copied_before; });
  if (todo.empty()) return Status::Ok();
  auto batchable = [&](const TableInfo& t) {
    return t.kind == 'r' && t.extension.empty() && t.bytes < kFreezeMinBytes && !state_.count(TableKey(t)) &&
           !state_.count(IndexStateKey(t));
  };
  size_t jobs = std::max<size_t>(1, std::min<size_t>(e_.spec_.dump.jobs, todo.size()));
  // Parallel index builds only when one worker leaves a core free (2-core servers in mind).
  int maintenance_workers = jobs == 1 ? 2 : 1;
  std::vector<std::string> refused_settings;
  CopyShared shared;
  // The columns and indexes of the tables (read under the copy's snapshot) and the names on the
  // destination, kCatalogChunk tables a query, loaded as the workers reach them and dropped
  // once a table is done: a few queries per thousand tables instead of three round trips per
  // table, with memory that does not grow with the number of tables.
  std::vector<TableCopyPlan> plans(todo.size());
  std::vector<ExistingIndexes> existing(todo.size());
  std::mutex claim_mu;
  size_t next = 0, loaded = 0;  // guarded by claim_mu
  auto load_through = [&](size_t end, pg::Session& s, pg::Session& d) -> Status {
    while (loaded < end) {
      size_t to = std::min(todo.size(), std::max(end, loaded + kCatalogChunk));
      std::vector<const TableInfo*> chunk(todo.begin() + loaded, todo.begin() + to);
      auto read = ReadCopyPlans(s, chunk);
      if (!read.ok()) return read.status().Prefixed("source tables");
      auto names = ReadExistingIndexes(d, chunk);
      if (!names.ok()) return names.status().Prefixed("destination tables");
      std::move(read->begin(), read->end(), plans.begin() + loaded);
      std::move(names->begin(), names->end(), existing.begin() + loaded);
      loaded = to;
    }
    return Status::Ok();
  };
  // The next table, or the next run of small tables (largest first, so those come last).
  auto claim = [&](pg::Session& s, pg::Session& d) -> Result<std::vector<size_t>> {
    std::lock_guard<std::mutex> l(claim_mu);
    std::vector<size_t> out;
    {
      std::lock_guard<std::mutex> e(shared.mu);
      if (!shared.first_error.ok()) return out;
    }
    int64_t bytes = 0;
    while (next < todo.size()) {
      const TableInfo& t = *todo[next];
      bool small = batchable(t);
      if (!out.empty() && (!small || out.size() >= kBatchTables || bytes + t.bytes > kBatchBytes)) break;
      out.push_back(next++);
      bytes += t.bytes;
      if (!small) break;
    }
    RETURN_IF_ERROR(load_through(next, s, d));
    return out;
  };
  // A stop cancels what the workers' sessions are running: a COPY (the source's and the
  // destination's, which rolls back) or an index build, either of which can take minutes.
  CancelOnStop cancel([this] { return e_.StopRequested(); });
  auto worker = [&]() {
    // Both connections at once: each is a few round trips and a SCRAM exchange (~10 ms).
    auto dst_connecting = std::async(std::launch::async, [&] { return e_.options_.connector->Connect(dst_params_); });
    auto src = e_.options_.connector->Connect(src_params_);
    auto dst = dst_connecting.get();
    Status st = !src.ok() ? src.status() : !dst.ok() ? dst.status() : Status::Ok();
    if (st.ok()) {
      pg::Session& s = **src;
      pg::Session& d = **dst;
      auto watched = cancel.Watch({&s, &d});
      for (const char* stmt : sql::kNoTimeoutSettings) (void)s.Query(stmt);
      st = BeginSourceRead(s, snapshot);
      auto refused = ApplyBulkLoadSettings(d, maintenance_workers);
      if (!refused.empty()) {
        std::lock_guard<std::mutex> l(shared.mu);
        if (refused_settings.empty()) refused_settings = refused;
      }
      while (st.ok() && !e_.StopRequested()) {
        auto claimed = claim(s, d);
        if (!claimed.ok()) {
          st = claimed.status();
          break;
        }
        const std::vector<size_t>& batch = *claimed;
        if (batch.empty()) break;
        std::vector<CopyItem> items;
        for (size_t i : batch) items.push_back({todo[i], &plans[i], &existing[i]});
        st = items.size() == 1 ? CopyTable(s, d, items[0], shared) : CopyBatch(s, d, items, shared);
        for (size_t i : batch) {  // only this worker touches a claimed table's entries
          plans[i] = TableCopyPlan();
          existing[i] = ExistingIndexes();
        }
      }
    }
    if (!st.ok()) {
      std::lock_guard<std::mutex> l(shared.mu);
      if (shared.first_error.ok()) shared.first_error = st;
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < jobs; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  analyze_after_post_data_.insert(shared.analyze_later.begin(), shared.analyze_later.end());
  if (!refused_settings.empty())
    SetDb([&](api::DatabaseStatus& d) {
      d.warnings.push_back("bulk-load setting refused by the destination: " + refused_settings.front());
    });
  // A stop abandons the COPYs under way (their tables roll back and are copied by the next run).
  if (e_.StopRequested()) return Status(StatusCode::kAborted, "stopped during the data copy");
  RETURN_IF_ERROR(shared.first_error);
  if (stateless_) {
    state_.insert(shared.in_memory.begin(), shared.in_memory.end());
    return Status::Ok();
  }
  // The workers wrote the table marks through their own sessions. dst_ sat idle while they
  // copied: it is read through (a new connection costs ~10 ms) unless it is gone, as after an
  // idle-session timeout or a restart of the server.
  Status read = ReadState();
  return read.ok() ? read : LoadState();
}

Result<int64_t> DatabaseMigration::RelayTable(pg::Session& s, pg::Session& d, const TableInfo& t,
                                              const TableCopyPlan& plan, bool freeze, int64_t* sent) {
  std::string qs = Qualified(s, t);
  std::string list;
  for (const auto& c : plan.columns) list += (list.empty() ? "" : ", ") + s.QuoteIdent(c);
  std::string fmt = plan.binary ? "binary" : "text";
  // A table without columns has no column list ("COPY t () ..." is a syntax error).
  std::string cols = list.empty() ? "" : " (" + list + ")";
  std::string out_sql = t.kind == 'p'
      ? "COPY (SELECT " + list + " FROM " + qs + ") TO STDOUT (FORMAT " + fmt + ")"
      : "COPY " + qs + cols + " TO STDOUT (FORMAT " + fmt + ")";
  std::string in_sql = "COPY " + Qualified(d, t) + cols + " FROM STDIN (FORMAT " + fmt + (freeze ? ", FREEZE" : "") + ")";
  int64_t last_bytes = 0;
  auto rows = pg::RelayCopy(s, out_sql, d, in_sql, [&](int64_t bytes) {
    int64_t delta = bytes - last_bytes;
    last_bytes = bytes;
    SetDb([&](api::DatabaseStatus& db) { db.bytesCopied += delta; });
  });
  if (sent) *sent += last_bytes;
  if (!rows.ok()) return rows.status().Prefixed("copy " + t.Qualified());
  return rows;
}

Status DatabaseMigration::CopyTable(pg::Session& s, pg::Session& d, const CopyItem& item, CopyShared& shared) {
  const TableInfo& t = *item.table;
  if (!state_.count(TableKey(t))) {  // else copied by an earlier run; only its indexes are left
    // TRUNCATE lets COPY FREEZE write frozen rows (no later anti-wraparound vacuum). For a small
    // table it costs more than it saves (a new file, and at commit a scan of shared_buffers
    // for the old one): the table was checked empty and a failed copy rolls back, so small
    // tables are loaded without. An extension's configuration table always starts over.
    bool freeze = t.kind == 'r' && (t.bytes >= kFreezeMinBytes || !t.extension.empty());
    // ONLY: an inheritance parent's TRUNCATE would empty its children, copied on their own.
    bool truncate = freeze || t.kind == 'p';
    RETURN_IF_ERROR(d.Exec(truncate ? std::string("BEGIN; TRUNCATE ") + (t.kind == 'p' ? "" : "ONLY ") +
                                          Qualified(d, t)
                                    : std::string("BEGIN")));
    auto rows = RelayTable(s, d, t, *item.plan, freeze);
    Status st = rows.status();
    if (st.ok() && !stateless_)
      st = d.Query(sql::kWriteState, {e_.options_.migration_id, TableKey(t), std::to_string(*rows)}).status();
    if (st.ok()) st = d.Exec("COMMIT");
    if (!st.ok()) {
      (void)d.Exec("ROLLBACK");
      return st;
    }
    RecordRows({item}, {*rows}, shared);
  }
  auto built = BuildTableIndexes(d, t, item.plan->indexes, *item.existing, stateless_ ? "" : e_.options_.migration_id);
  if (!built.ok()) return built.status().Prefixed("indexes of " + t.Qualified());
  RecordIndexes(t, *built, shared);
  return Status::Ok();
}

void DatabaseMigration::RecordRows(const std::vector<CopyItem>& items, const std::vector<int64_t>& rows,
                                   CopyShared& shared) {
  if (stateless_) {
    std::lock_guard<std::mutex> l(shared.mu);
    for (size_t i = 0; i < items.size(); ++i) shared.in_memory[TableKey(*items[i].table)] = std::to_string(rows[i]);
  }
  int64_t total = 0;
  for (int64_t r : rows) total += r;
  SetDb([&](api::DatabaseStatus& db) {
    db.rowsCopied += total;
    db.tablesSynced += static_cast<int64_t>(items.size());
  });
}

void DatabaseMigration::RecordIndexes(const TableInfo& t, const TableIndexResult& built, CopyShared& shared) {
  std::lock_guard<std::mutex> l(shared.mu);
  if (stateless_) shared.in_memory[IndexStateKey(t)] = built.state_value;
  if (!built.all_built) shared.analyze_later.insert(TableKey(t));
}

Status DatabaseMigration::CopyBatch(pg::Session& s, pg::Session& d, const std::vector<CopyItem>& items,
                                    CopyShared& shared) {
  RETURN_IF_ERROR(d.Exec("BEGIN"));
  std::vector<int64_t> rows;
  int64_t sent = 0;
  for (const auto& item : items) {
    auto r = RelayTable(s, d, *item.table, *item.plan, false, &sent);
    if (!r.ok()) {
      (void)d.Exec("ROLLBACK");
      return r.status();
    }
    rows.push_back(*r);
  }
  auto quote = [&](const std::string& n) { return d.QuoteIdent(n); };
  std::vector<TableIndexResult> built;
  std::string script, analyze, states;
  const std::string id = d.QuoteLiteral(e_.options_.migration_id);
  auto state_row = [&](const std::string& key, const std::string& value) {
    states += std::string(states.empty() ? "(" : ", (") + id + ", " + d.QuoteLiteral(key) + ", " +
              d.QuoteLiteral(value) + ")";
  };
  for (size_t i = 0; i < items.size(); ++i) {
    const TableInfo& t = *items[i].table;
    std::string qd = Qualified(d, t);
    auto work = PlanTableIndexWork(items[i].plan->indexes, *items[i].existing, qd, quote);
    for (const auto& stmt : work.statements) script += stmt.second + ";\n";
    analyze += (analyze.empty() ? "" : ", ") + qd;
    if (!stateless_) {
      state_row(TableKey(t), std::to_string(rows[i]));
      state_row(IndexStateKey(t), work.result.state_value);
    }
    built.push_back(std::move(work.result));
  }
  script += "ANALYZE " + analyze + ";\n";
  if (!stateless_) script += sql::kWriteStateRows + states + sql::kWriteStateUpsert + ";\n";
  Status st = d.Exec(script + "COMMIT");
  if (!st.ok()) {
    (void)d.Exec("ROLLBACK");
    SetDb([&](api::DatabaseStatus& db) { db.bytesCopied -= sent; });  // sent again below
    if (e_.StopRequested()) return st;  // cancelled: no retry table by table
    for (const auto& item : items) RETURN_IF_ERROR(CopyTable(s, d, item, shared));
    return Status::Ok();
  }
  RecordRows(items, rows, shared);
  for (size_t i = 0; i < items.size(); ++i) RecordIndexes(*items[i].table, built[i], shared);
  return Status::Ok();
}

Status DatabaseMigration::CopySequences(pg::Session& src) {
  ASSIGN_OR_RETURN(auto seqs, src.Query(sql::kSequences));
  std::map<std::string, int64_t> done;
  if (!seqs.empty()) {
    // One statement for all of them: a round trip per sequence (and on a durable destination a
    // WAL flush per setval's commit) cost seconds per thousand tables. Sequences that are not
    // part of the restored schema are left out (to_regclass is NULL).
    std::string names, values;
    for (size_t i = 0; i < seqs.size(); ++i) {
      names += (i ? "," : "") + dst_->QuoteLiteral(seqs.Get(i, 0));
      values += (i ? "," : "") + dst_->QuoteLiteral(seqs.Get(i, 1));
    }
    auto set = dst_->Query(
        "SELECT x.seq, pg_catalog.setval(x.seq::pg_catalog.regclass, x.val, true)"
        "  FROM ROWS FROM (pg_catalog.unnest(ARRAY[" + names + "]::text[]),"
        "                  pg_catalog.unnest(ARRAY[" + values + "]::bigint[]))"
        "       AS x(seq, val)"
        " WHERE pg_catalog.to_regclass(x.seq) IS NOT NULL");
    if (!set.ok()) return set.status().Prefixed("sequences");
    for (size_t i = 0; i < set->size(); ++i) done[set->Get(i, 0)] = set->GetInt(i, 1);
  }
  SetDb([&](api::DatabaseStatus& d) { d.sequencesSynced = done; });
  return Status::Ok();
}

Status DatabaseMigration::CopyUnloggedTables(pg::Session& src) {
  std::vector<const TableInfo*> tables;
  for (const auto& t : plan_.tables)
    if (t.unlogged && t.kind == 'r') tables.push_back(&t);
  if (tables.empty()) return Status::Ok();
  RETURN_IF_ERROR(BeginSourceRead(src, ""));
  Status st;
  std::string list;
  for (const TableInfo* t : tables) list += (list.empty() ? "" : ", ") + Qualified(*dst_, *t);
  // Post-data (foreign keys, triggers) is on the destination by now. A superuser loads the rows
  // the way the subscription applied the others: no user triggers, no foreign-key checks.
  std::string begin = "BEGIN; ";
  if (e_.probe_.destination.is_superuser) begin += "SET LOCAL session_replication_role = replica; ";
  auto plans = ReadCopyPlans(src, tables);
  if (!plans.ok()) st = plans.status().Prefixed("unlogged tables");
  if (st.ok()) st = dst_->Exec(begin + "TRUNCATE ONLY " + list);
  int64_t rows = 0;
  for (size_t i = 0; st.ok() && i < tables.size(); ++i) {
    auto r = RelayTable(src, *dst_, *tables[i], (*plans)[i], true);
    if (r.ok()) rows += *r;
    st = r.status();
  }
  if (st.ok()) st = dst_->Exec("COMMIT");
  if (!st.ok()) (void)dst_->Exec("ROLLBACK");
  (void)src.Exec("ROLLBACK");
  RETURN_IF_ERROR(st);
  e_.Event("UnloggedTablesCopied", "database \"" + plan_.dbname + "\": " + std::to_string(tables.size()) +
                                       " unlogged table(s) copied again at cutover, " +
                                       std::to_string(rows) + " rows");
  return Status::Ok();
}

void DatabaseMigration::RefreshMaterializedViews() {
  const std::string marker = " not refreshed at cutover";
  std::vector<std::string> refreshed, warnings;
  auto views = dst_->Query(sql::kPopulatedMaterializedViews);
  if (!views.ok()) {
    warnings.push_back("materialized views were" + marker + ": the destination's list of them could not be read: " +
                       views.status().message());
  } else {
    for (size_t i = 0; i < views->size(); ++i) {
      const std::string name = views->Get(i, 0);
      Status st = dst_->Exec("REFRESH MATERIALIZED VIEW " + name);
      if (st.ok()) {
        refreshed.push_back(name);
        continue;
      }
      warnings.push_back("materialized view " + name + " was" + marker + " (it holds the data of the initial copy): " +
                         st.message() + "; refresh it there once that is mended (REFRESH MATERIALIZED VIEW " + name +
                         ", as its owner)");
    }
  }
  ReplaceWarnings({marker}, warnings);
  if (!refreshed.empty())
    e_.Event("MaterializedViewsRefreshed", "database \"" + plan_.dbname + "\": refreshed " + Joined(refreshed) +
                                               " (logical replication carries no materialized view data)");
  for (const auto& w : warnings) e_.Event("MaterializedViewNotRefreshed", "database \"" + plan_.dbname + "\": " + w, true);
}

Status DatabaseMigration::CopyLargeObjects(pg::Session& src) {
  ASSIGN_OR_RETURN(auto ids, src.Query(sql::kLargeObjectIds));
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSIGN_OR_RETURN(auto data, src.Query(sql::kReadLargeObject, {ids.Get(i, 0)}));
    RETURN_IF_ERROR(dst_->Query(sql::kWriteLargeObject, {ids.Get(i, 0), data.Get(0, 0)})
                        .status().Prefixed("large object " + ids.Get(i, 0)));
  }
  return Status::Ok();
}

Status DatabaseMigration::ResetInterruptedReplicationCopy() {
  // A copy that stopped before the subscription existed cannot be resumed: its snapshot is gone.
  // Drop the slot and the rows pgferry copied, and start that database's copy again.
  auto src = e_.options_.connector->Connect(src_params_);
  if (!src.ok()) return src.status().Prefixed("source");
  auto slot = (*src)->Query(sql::kSlot, {name_, "0"});
  if (slot.ok() && !slot->empty()) RETURN_IF_ERROR((*src)->Query(sql::kDropSlot, {name_}).status());
  for (const auto& t : plan_.tables)
    if (state_.count(TableKey(t)))
      RETURN_IF_ERROR(dst_->Exec(std::string("TRUNCATE ") + (t.kind == 'p' ? "" : "ONLY ") + Qualified(*dst_, t)));
  if (!stateless_)
    RETURN_IF_ERROR(dst_->Query(sql::kDeleteTableStates, {e_.options_.migration_id}).status());
  for (auto it = state_.begin(); it != state_.end();)
    it = StartsWith(it->first, "table:") ? state_.erase(it) : std::next(it);
  return stateless_ ? Status::Ok() : ReadState();
}

Status DatabaseMigration::CreatePublication() {
  auto src = e_.options_.connector->Connect(src_params_);
  if (!src.ok()) return src.status().Prefixed("source");
  pg::Session& s = **src;
  ASSIGN_OR_RETURN(auto exists, s.Query(sql::kPublicationExists, {name_}));
  if (exists.GetBool(0, 0)) return Status::Ok();
  ASSIGN_OR_RETURN(bool extras, aiven_extras::UseAivenExtras(s, false));
  std::vector<aiven_extras::TableRef> tables;
  // An unlogged table cannot be published (FOR ALL TABLES leaves it out by itself).
  for (const auto& t : plan_.tables)
    if (!t.unlogged) tables.push_back({t.schema, t.name});
  bool all = plan_.all_tables && (e_.probe_.source.is_superuser || extras);
  return aiven_extras::CreatePublication(s, extras, name_, all ? nullptr : &tables)
      .Prefixed(extras ? "create publication (aiven_extras)" : "create publication");
}

Result<std::string> DatabaseMigration::CreateSlotAndExportSnapshot(std::unique_ptr<pg::Session>* holder) {
  pg::ConnParams p = src_params_;
  p.replication = "database";
  auto s = e_.options_.connector->Connect(p);
  if (!s.ok()) return s.status().Prefixed("source replication connection");
  ASSIGN_OR_RETURN(auto r, (*s)->SimpleQuery("CREATE_REPLICATION_SLOT " + name_ +
                                             " LOGICAL pgoutput EXPORT_SNAPSHOT"));
  if (r.empty() || r.columns().size() < 3) return Internal("CREATE_REPLICATION_SLOT returned no snapshot");
  *holder = std::move(*s);  // the snapshot lives as long as this connection stays idle
  return r.Get(0, 2);
}

Status DatabaseMigration::CreateSubscription() {
  ASSIGN_OR_RETURN(auto sub, dst_->Query(sql::kSubscription, {name_}));
  if (!sub.empty()) return Status::Ok();
  // The destination server opens the subscription's connection itself, so a CA file that
  // pgferry wrote for its own connections (sslRootCertSecretRef) does not exist there. Leave it
  // out; a verifying sslmode falls back to an encrypted, unverified connection, and the
  // database's status says so.
  pg::ConnParams sub_params = src_params_;
  if (!sub_params.sslrootcert.empty()) {
    sub_params.sslrootcert.clear();
    if (sub_params.sslmode == "verify-ca" || sub_params.sslmode == "verify-full") {
      std::string was = sub_params.sslmode;
      sub_params.sslmode = "require";
      SetDb([&](api::DatabaseStatus& d) {
        d.warnings.push_back("the subscription connects to the source with sslmode=require, not " +
                             was + ": the CA of sslRootCertSecretRef is a file on pgferry's side "
                             "that the destination server cannot read");
      });
    }
  }
  std::string conninfo = sub_params.ConninfoWithPassword();
  aiven_extras::InstallForSubscriptions(*dst_);
  ASSIGN_OR_RETURN(bool extras, aiven_extras::UseAivenExtras(*dst_, true));
  Status st = aiven_extras::CreateSubscription(*dst_, extras, name_, conninfo, name_, name_);
  return Status(st.code(), pg::MaskSecret(st.message(), src_params_.password))
      .WithDetail(st.detail());
}

Status DatabaseMigration::DropReplicationObjects() {
  if (dst_) {
    ASSIGN_OR_RETURN(auto sub, dst_->Query(sql::kSubscription, {name_}));
    if (!sub.empty()) {
      ASSIGN_OR_RETURN(bool extras, aiven_extras::UseAivenExtras(*dst_, true));
      RETURN_IF_ERROR(aiven_extras::DropSubscription(*dst_, extras, name_));
    }
  }
  auto src = e_.options_.connector->Connect(src_params_);
  if (!src.ok()) return src.status().Prefixed("source");
  pg::Session& s = **src;
  for (int attempt = 0; attempt < 100; ++attempt) {
    ASSIGN_OR_RETURN(auto slot, s.Query(sql::kSlot, {name_, "0"}));
    if (slot.empty()) break;
    if (!slot.GetBool(0, 0)) {
      Status st = s.Query(sql::kDropSlot, {name_}).status();
      if (st.ok() || st.code() == StatusCode::kNotFound) break;
      if (attempt >= 99) return st;
    } else if (attempt == 40) {
      (void)s.Query("SELECT pg_catalog.pg_terminate_backend($1::int)", {slot.Get(0, 1)});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return s.Exec("DROP PUBLICATION IF EXISTS " + s.QuoteIdent(name_));
}

Status DatabaseMigration::LockDatabase() {
  if (run_lock_) return Status::Ok();
  auto s = e_.options_.connector->Connect(dst_params_);
  if (!s.ok()) return s.status().Prefixed("destination");
  // It sits idle for the whole run: no idle-session timeout (PostgreSQL 14+) may end it.
  (void)(*s)->Query("SELECT pg_catalog.set_config('idle_session_timeout', '0', false)");
  ASSIGN_OR_RETURN(auto got, (*s)->Query(sql::kTryRunLock));
  if (got.GetBool(0, 0)) {
    run_lock_ = std::move(*s);
    return Status::Ok();
  }
  std::string who;
  auto holder = (*s)->Query(sql::kRunLockHolder);
  if (holder.ok() && !holder->empty()) {
    who = " (destination backend PID " + holder->Get(0, 0);
    if (!holder->Get(0, 1).empty()) who += ", application \"" + holder->Get(0, 1) + "\"";
    if (!holder->Get(0, 2).empty()) who += ", client " + holder->Get(0, 2);
    if (!holder->Get(0, 3).empty()) who += ", connected " + holder->Get(0, 3) + " UTC";
    who += ")";
  }
  return Status(StatusCode::kConflict, "another pgferry run is working on this database" + who +
                                           "; this run changed nothing in it: wait for that run to "
                                           "finish (or stop it) and run again");
}

Status DatabaseMigration::Step() {
  RETURN_IF_ERROR(EnsureDatabase());
  // The state session connects while the run lock is taken; it reads nothing before the lock.
  auto connecting = std::async(std::launch::async, [&] { return e_.options_.connector->Connect(dst_params_); });
  Status locked = LockDatabase();
  auto state_session = connecting.get();
  RETURN_IF_ERROR(locked);
  if (!state_session.ok()) return state_session.status().Prefixed("destination");
  RETURN_IF_ERROR(LoadState(std::move(*state_session)));
  if (state_.count("done")) {
    SetDb([&](api::DatabaseStatus& d) {
      d.status = api::kDbDone;
      d.method = state_["method"];
    });
    return Status::Ok();
  }
  if (state_.count("method")) plan_.method = state_["method"];  // a fallback made earlier sticks
  SetDb([&](api::DatabaseStatus& d) { d.method = plan_.method; });
  RETURN_IF_ERROR(SetState("method", plan_.method));
  RETURN_IF_ERROR(RestoreSection("pre-data"));
  if (e_.StopRequested()) return Status(StatusCode::kAborted, "stopped");

  if (plan_.method == api::kMethodSchemaOnly) {
    RETURN_IF_ERROR(RestoreSection("post-data"));
    RETURN_IF_ERROR(SetState("done", "schema_only"));
    SetDb([&](api::DatabaseStatus& d) { d.status = api::kDbDone; });
    return Status::Ok();
  }

  if (plan_.method == api::kMethodReplication && !state_.count("subscribed")) {
    if (!state_.count("data")) {
      bool interrupted = false;
      for (const auto& [k, v] : state_) interrupted = interrupted || StartsWith(k, "table:");
      auto probe_src = e_.options_.connector->Connect(e_.options_.endpoints.source);
      if (probe_src.ok()) {
        auto slot = (*probe_src)->Query(sql::kSlot, {name_, "0"});
        interrupted = interrupted || (slot.ok() && !slot->empty());
      }
      if (interrupted) RETURN_IF_ERROR(ResetInterruptedReplicationCopy());
      RETURN_IF_ERROR(CheckTablesEmpty(TablesNotCopiedYet()));
      // Names are in the status before anything is created.
      SetDb([&](api::DatabaseStatus& d) {
        d.replicationObjects = {name_, name_, name_};
      });
      Status pub = CreatePublication();
      std::unique_ptr<pg::Session> snapshot_holder;
      Result<std::string> snapshot = pub.ok() ? CreateSlotAndExportSnapshot(&snapshot_holder)
                                              : Result<std::string>(pub);
      if (!snapshot.ok()) {
        Status why = snapshot.status();
        if (e_.spec_.method != "auto") return why.Prefixed("logical replication set-up");
        (void)DropReplicationObjects();
        plan_.method = api::kMethodDump;
        RETURN_IF_ERROR(SetState("method", plan_.method));
        SetDb([&](api::DatabaseStatus& d) {
          d.method = plan_.method;
          d.error = "logical replication set-up failed, copied once instead: " + why.message();
          d.replicationObjects = {};
        });
        e_.Event("FellBackToDump", "database \"" + plan_.dbname + "\": " + why.message(), true);
      } else {
        e_.Event("SlotCreated", "database \"" + plan_.dbname + "\": publication and slot " + name_ +
                                    " created; copying tables under its snapshot");
        RETURN_IF_ERROR(CopyTables(*snapshot));
        RETURN_IF_ERROR(SetState("data", "copied"));
      }
    }
    if (plan_.method == api::kMethodReplication) {
      // The publication and the slot exist (also when a rerun starts here): a failure below
      // leaves them for the next run, so the status must name them.
      SetDb([&](api::DatabaseStatus& d) { d.replicationObjects = {name_, name_, name_}; });
      RETURN_IF_ERROR(RestoreSection("post-data"));
      RETURN_IF_ERROR(AnalyzeAfterPostData());
      Status sub = CreateSubscription();
      if (!sub.ok()) {
        if (e_.spec_.method != "auto" || sub.code() != StatusCode::kPermissionDenied)
          return sub.Prefixed("create subscription");
        // The data is a consistent copy already: finish it as a one-time copy.
        RETURN_IF_ERROR(DropReplicationObjects());
        plan_.method = api::kMethodDump;
        RETURN_IF_ERROR(SetState("method", plan_.method));
        SetDb([&](api::DatabaseStatus& d) {
          d.method = plan_.method;
          d.error = "cannot create the subscription, copied once instead: " + sub.message();
          d.replicationObjects = {};
        });
      } else {
        RETURN_IF_ERROR(SetState("subscribed", name_));
        e_.Event("SubscriptionCreated", "database \"" + plan_.dbname + "\": replication running");
      }
    }
  }

  if (plan_.method == api::kMethodReplication) {
    SetDb([&](api::DatabaseStatus& d) { d.replicationObjects = {name_, name_, name_}; });
    RETURN_IF_ERROR(FollowSource());
    return Status::Ok();  // PollSync / Cutover take it from here
  }

  // pg_dump method: one snapshot for tables, sequences and large objects. A table selected since
  // an earlier run copied the data (spec.tables changed before the database was done) is copied
  // now, as the tables left by an interrupted run are: under this run's snapshot.
  bool copied_now = !state_.count("data") ||
                    std::any_of(plan_.tables.begin(), plan_.tables.end(),
                                [&](const TableInfo& t) { return !state_.count(TableKey(t)); });
  if (copied_now) {
    RETURN_IF_ERROR(CheckTablesEmpty(TablesNotCopiedYet()));
    auto snap_session = e_.options_.connector->Connect(src_params_);
    if (!snap_session.ok()) return snap_session.status().Prefixed("source");
    pg::Session& snap = **snap_session;
    // It stays idle in its transaction while the workers copy: no timeout may end it.
    for (const char* stmt : sql::kNoTimeoutSettings) (void)snap.Query(stmt);
    RETURN_IF_ERROR(snap.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    ASSIGN_OR_RETURN(auto exported, snap.Query("SELECT pg_catalog.pg_export_snapshot()"));
    RETURN_IF_ERROR(CopyTables(exported.Get(0, 0)));
    RETURN_IF_ERROR(CopySequences(snap));
    RETURN_IF_ERROR(CopyLargeObjects(snap));
    // Still under the copy's snapshot, so writes to the source since do not count as differences.
    // Not recorded as copied until it matches: a rerun compares again.
    if (e_.spec_.verify != "none") {
      ASSIGN_OR_RETURN(std::string differ, Verify(exported.Get(0, 0)));
      if (!differ.empty()) return Status(StatusCode::kFailedPrecondition, "verification: " + differ);
    }
    RETURN_IF_ERROR(SetState("data", "copied"));
  }
  RETURN_IF_ERROR(RestoreSection("post-data"));
  // Tables copied in this run were analyzed by the copy workers already.
  RETURN_IF_ERROR(copied_now ? AnalyzeAfterPostData() : dst_->Exec("ANALYZE"));
  RETURN_IF_ERROR(SetState("done", plan_.method));
  SetDb([&](api::DatabaseStatus& d) { d.status = api::kDbDone; });
  e_.Event("DatabaseCopied", "database \"" + plan_.dbname + "\" copied");
  return Status::Ok();
}

void DatabaseMigration::ReplaceWarnings(const std::vector<std::string>& markers,
                                        const std::vector<std::string>& warnings, bool clear_cutover_refusal) {
  SetDb([&](api::DatabaseStatus& d) {
    d.warnings.erase(std::remove_if(d.warnings.begin(), d.warnings.end(),
                                    [&](const std::string& w) {
                                      return std::any_of(markers.begin(), markers.end(), [&](const std::string& m) {
                                        return w.find(m) != std::string::npos;
                                      });
                                    }),
                     d.warnings.end());
    d.warnings.insert(d.warnings.end(), warnings.begin(), warnings.end());
    if (clear_cutover_refusal && d.error && StartsWith(*d.error, "not cut over: ")) d.error.reset();
  });
}

Result<std::vector<size_t>> DatabaseMigration::AbsentOnDestination(const std::vector<Relation>& relations) {
  return AbsentIn(*dst_, relations);
}

Result<std::vector<size_t>> DatabaseMigration::AbsentIn(pg::Session& s, const std::vector<Relation>& relations) {
  std::vector<size_t> out;
  if (relations.empty()) return out;
  std::string values;
  for (size_t i = 0; i < relations.size(); ++i)
    values += (i ? ", (" : "(") + std::to_string(i) + ", " + s.QuoteLiteral(relations[i].first) + ", " +
              s.QuoteLiteral(relations[i].second) + ")";
  ASSIGN_OR_RETURN(auto absent,
                   s.Query("SELECT i FROM (VALUES " + values + ") v(i, s, t) WHERE pg_catalog.to_regclass("
                           "pg_catalog.quote_ident(s) || '.' || pg_catalog.quote_ident(t)) IS NULL ORDER BY i"));
  for (size_t i = 0; i < absent.size(); ++i) out.push_back(std::stoul(absent.Get(i, 0)));
  return out;
}

Status DatabaseMigration::FollowSource() {
  auto src = e_.options_.connector->Connect(src_params_);
  if (!src.ok()) return src.status().Prefixed("source");
  // Every query below names its schemas; format_type and pg_get_expr then name the types' and
  // functions' schemas too, which FollowColumns' statements for the destination need.
  RETURN_IF_ERROR((*src)->Exec("SET search_path = pg_catalog, pg_temp"));
  RETURN_IF_ERROR(FollowDefinitions(**src, true));  // first: new tables and columns may use them
  RETURN_IF_ERROR(FollowTableSelection(**src));
  RETURN_IF_ERROR(NameDestinationOnlyTables(**src));
  RETURN_IF_ERROR(FollowColumns(**src));
  RETURN_IF_ERROR(FollowSequences(**src));
  RETURN_IF_ERROR(FollowIndexes(**src));
  RETURN_IF_ERROR(FollowDefinitions(**src, false));  // views and triggers may use new tables and columns
  return FollowGrants(**src);                         // on all of those
}

Status DatabaseMigration::FollowTableSelection(pg::Session& s) {
  ASSIGN_OR_RETURN(auto pub, s.Query(sql::kPublicationTables, {name_}));
  if (pub.empty()) return Status::Ok();  // gone: the status of the slot and subscription says so
  ASSIGN_OR_RETURN(auto sub, dst_->Query(sql::kSubscriptionTables, {name_}));
  using Name = std::pair<std::string, std::string>;
  const bool all_tables = pub.GetBool(0, 0);
  std::set<Name> published, subscribed, wanted;
  for (size_t i = 0; i < pub.size(); ++i)
    if (!pub.Get(i, 2).empty()) published.insert({pub.Get(i, 1), pub.Get(i, 2)});
  for (size_t i = 0; i < sub.size(); ++i) subscribed.insert({sub.Get(i, 0), sub.Get(i, 1)});
  const std::string kSourceOnly = " is on the source only (created after the schema was copied";
  const std::string kAllTables = " is FOR ALL TABLES (created before spec.tables named any)";
  std::vector<std::string> warnings;
  if (all_tables && !plan_.all_tables)
    warnings.push_back("publication " + name_ + kAllTables + ", so the tables spec.tables now leaves out "
                       "keep replicating until cutover");
  // The tables the subscription does not copy yet: each must exist on the destination (a table
  // created on the source since the schema was copied does not: logical replication carries no
  // DDL) and be empty there (the subscription copies it whole).
  std::vector<const TableInfo*> copy;
  source_only_.clear();
  for (const auto& t : plan_.tables) {
    if (t.unlogged) continue;  // never published (no WAL)
    wanted.insert({t.schema, t.name});
    if (!subscribed.count({t.schema, t.name})) copy.push_back(&t);
  }
  std::set<Name> absent;
  if (!copy.empty()) {
    std::vector<Relation> relations;
    for (const TableInfo* t : copy) relations.push_back({t->schema, t->name});
    ASSIGN_OR_RETURN(auto missing, AbsentOnDestination(relations));
    // Logical replication carries no DDL: pgferry creates them from their source definitions.
    std::vector<Relation> to_create;
    for (size_t i : missing) to_create.push_back(relations[i]);
    ASSIGN_OR_RETURN(auto why_not, CreateOnDestination(to_create, &warnings));
    std::vector<std::string> created;
    for (size_t k = 0; k < missing.size(); ++k) {
      const TableInfo* t = copy[missing[k]];
      const std::string& why = why_not[k];
      if (why.empty()) {
        created.push_back(t->Qualified());
        continue;
      }
      absent.insert({t->schema, t->name});
      source_only_.push_back(t->Qualified());
      warnings.push_back("table " + t->Qualified() + kSourceOnly + "; logical replication carries no "
                         "DDL) and pgferry could not create it on the destination: " + why +
                         "; create it there and run again to replicate it" +
                         std::string(all_tables ? "; until then the subscription stops at its first change "
                                                  "(the publication is FOR ALL TABLES), and the lag grows"
                                                : ""));
    }
    if (!created.empty())
      e_.Event("TablesCreated", "database \"" + plan_.dbname + "\": created " + Joined(created) +
                                    " on the destination from the source's definition (created there after "
                                    "the schema was copied)");
    copy.erase(std::remove_if(copy.begin(), copy.end(),
                              [&](const TableInfo* t) { return absent.count({t->schema, t->name}) > 0; }),
               copy.end());
  }
  // These warnings and the cutover's refusal describe the present: an earlier run's go first
  // (the operator keeps the status across runs; Cutover says its refusal again if it holds).
  ReplaceWarnings({kSourceOnly, kAllTables}, warnings, true);
  RETURN_IF_ERROR(CheckTablesEmpty(copy));
  // FOR TABLE publications list the tables themselves: add the wanted ones, drop the others.
  std::vector<Name> pub_add, pub_drop, unsubscribe;
  if (!all_tables) {
    for (const auto& n : wanted)
      if (!published.count(n) && !absent.count(n)) pub_add.push_back(n);
    for (const auto& n : published)
      if (!wanted.count(n)) pub_drop.push_back(n);
    for (const auto& n : subscribed)
      if (!wanted.count(n)) unsubscribe.push_back(n);
  }
  if (copy.empty() && pub_add.empty() && pub_drop.empty() && unsubscribe.empty()) return Status::Ok();
  auto list = [&](const std::vector<Name>& names) {
    std::string out;
    for (const auto& [schema, name] : names) out += (out.empty() ? "" : ", ") + s.QuoteIdent(schema) + "." + s.QuoteIdent(name);
    return out;
  };
  const std::string q = s.QuoteIdent(name_);
  if (!pub_drop.empty()) RETURN_IF_ERROR(s.Exec("ALTER PUBLICATION " + q + " DROP TABLE " + list(pub_drop)).Prefixed("publication"));
  if (!pub_add.empty()) RETURN_IF_ERROR(s.Exec("ALTER PUBLICATION " + q + " ADD TABLE " + list(pub_add)).Prefixed("publication"));
  ASSIGN_OR_RETURN(bool extras, aiven_extras::UseAivenExtras(*dst_, true));
  RETURN_IF_ERROR(aiven_extras::RefreshSubscription(*dst_, extras, name_).Prefixed("refresh subscription"));
  std::string what, gone;
  for (const TableInfo* t : copy) what += (what.empty() ? "" : ", ") + t->Qualified();
  if (!what.empty()) what = "added " + what + " (the subscription copies them)";
  for (const auto& [schema, name] : unsubscribe) gone += (gone.empty() ? "" : ", ") + schema + "." + name;
  if (!gone.empty()) what += (what.empty() ? "" : "; ") + std::string("removed ") + gone +
                            " (their rows on the destination stay as they are)";
  e_.Event("TableSelectionFollowed", "database \"" + plan_.dbname + "\": " + what);
  return Status::Ok();
}

Status DatabaseMigration::NameDestinationOnlyTables(pg::Session& s) {
  const std::string kDestinationOnly = " is on the destination but not on the source (";
  ASSIGN_OR_RETURN(auto src_sig, s.Query(sql::kUserTables, {"true"}));
  ASSIGN_OR_RETURN(auto dst_sig, dst_->Query(sql::kUserTables, {"true"}));
  std::vector<std::string> warnings;
  if (src_sig.Get(0, 0) != dst_sig.Get(0, 0)) {
    ASSIGN_OR_RETURN(auto on_source, s.Query(sql::kUserTables, {"false"}));
    ASSIGN_OR_RETURN(auto on_destination, dst_->Query(sql::kUserTables, {"false"}));
    std::set<Relation> source_tables;
    for (size_t i = 0; i < on_source.size(); ++i) source_tables.insert({on_source.Get(i, 0), on_source.Get(i, 1)});
    for (size_t i = 0; i < on_destination.size(); ++i) {
      Relation t{on_destination.Get(i, 0), on_destination.Get(i, 1)};
      if (!source_tables.count(t))
        warnings.push_back("table " + t.first + "." + t.second + kDestinationOnly +
                           "dropped or renamed there after the schema was copied, or made on the destination; "
                           "logical replication carries no DDL): pgferry leaves it and its rows as they are; "
                           "drop it there if nothing needs it");
    }
  }
  ReplaceWarnings({kDestinationOnly}, warnings);
  return Status::Ok();
}

Status DatabaseMigration::FollowColumns(pg::Session& s) {
  const std::string kSourceOnly = " is on the source only (added after the schema was copied";
  const std::string kDiffers = " differs: ";
  const std::string kDestinationOnly = " is on the destination only";
  source_only_columns_.clear();
  std::vector<std::string> warnings, added, altered;
  if (s.ServerVersion() >= 120000) {  // pg_partition_root, attgenerated
    // The columns of the tables whose column signatures differ (most runs: none).
    ASSIGN_OR_RETURN(auto sigs, s.Query(sql::kPublishedColumnSignatures, {name_}));
    std::vector<std::string> schemas, names;
    for (size_t i = 0; i < sigs.size(); ++i) {
      schemas.push_back(sigs.Get(i, 0));
      names.push_back(sigs.Get(i, 1));
    }
    ASSIGN_OR_RETURN(auto dst_sigs, dst_->Query(sql::kColumnSignatures,
                                                {TextArrayLiteral(schemas), TextArrayLiteral(names)}));
    std::map<std::pair<std::string, std::string>, std::string> signature;
    for (size_t i = 0; i < dst_sigs.size(); ++i) signature[{dst_sigs.Get(i, 0), dst_sigs.Get(i, 1)}] = dst_sigs.Get(i, 2);
    schemas.clear();
    names.clear();
    for (size_t i = 0; i < sigs.size(); ++i) {
      auto d = signature.find({sigs.Get(i, 0), sigs.Get(i, 1)});
      if (d == signature.end() || d->second == sigs.Get(i, 2)) continue;  // absent, or the same
      schemas.push_back(sigs.Get(i, 0));
      names.push_back(sigs.Get(i, 1));
    }
    const std::optional<std::string> schema_list = TextArrayLiteral(schemas), name_list = TextArrayLiteral(names);
    pg::QueryResult cols, have;
    if (!schemas.empty()) {
      ASSIGN_OR_RETURN(cols, s.Query(sql::kPublishedColumns, {name_, schema_list, name_list}));
      ASSIGN_OR_RETURN(have, dst_->Query(sql::kTableColumns, {schema_list, name_list}));
    }
    // Both hold only tables on both sides (a table the destination has not got is
    // FollowTableSelection's) whose columns differ.
    using Column = std::tuple<std::string, std::string, std::string>;
    std::set<std::pair<std::string, std::string>> published;
    std::map<Column, size_t> columns;  // the destination's, to their row in `have`
    std::set<Column> on_source;
    for (size_t i = 0; i < have.size(); ++i) columns[{have.Get(i, 0), have.Get(i, 1), have.Get(i, 2)}] = i;
    std::set<Column> done, changed;            // by the table added to, changed in
    std::map<std::string, bool> empty_tables;  // destination tables without rows
    for (size_t i = 0; i < cols.size(); ++i) {
      published.insert({cols.Get(i, 0), cols.Get(i, 1)});
      on_source.insert({cols.Get(i, 0), cols.Get(i, 1), cols.Get(i, 2)});
    }
    // A column of the table on the destination only, of type `type`: the source's column may be
    // that one renamed.
    auto renamed_from = [&](const std::string& schema, const std::string& table, const std::string& type) {
      for (auto c = columns.lower_bound({schema, table, ""}); c != columns.end(); ++c) {
        if (std::get<0>(c->first) != schema || std::get<1>(c->first) != table) break;
        if (!on_source.count(c->first) && have.Get(c->second, 3) == type) return std::get<2>(c->first);
      }
      return std::string();
    };
    for (size_t i = 0; i < cols.size(); ++i) {
      const std::string schema = cols.Get(i, 0), table = cols.Get(i, 1), column = cols.Get(i, 2);
      const std::string root_schema = cols.Get(i, 11), root = cols.Get(i, 12);
      auto there = columns.find({schema, table, column});
      if (there != columns.end()) {
        // The subscription sends values as text: another type takes them while they fit it (bigint
        // values into integer until one is too large), and a cutover keeps it. Named, not held
        // back: moving to a wider type is a reason to migrate. The type's schema is left out
        // (an extension's types may live elsewhere on the destination).
        if (have.Get(there->second, 3) != cols.Get(i, 13) && done.insert({root_schema, root, column}).second)
          warnings.push_back("the type of column " + schema + "." + table + "." + column + kDiffers + cols.Get(i, 3) +
                             " on the source, " + have.Get(there->second, 4) + " on the destination (changed on "
                             "one side after the schema was copied, or made so; logical replication carries no "
                             "DDL): the destination takes the source's values only while they fit its type; "
                             "unless that is meant, change it there as it was changed on the source");
        // A default or NOT NULL changed on the source (ALTER COLUMN ... SET/DROP): the
        // applications will insert into the destination after a cutover, and a NULL the source
        // now allows stops the subscription where the destination still refuses it.
        const size_t row = there->second;
        if (cols.GetBool(i, 9) || cols.GetBool(i, 10) || have.GetBool(row, 8)) continue;  // generated, identity
        std::string alter, change;
        const std::string col_sql = "ALTER COLUMN " + dst_->QuoteIdent(column);
        if (cols.Get(i, 6) != have.Get(row, 7)) {
          alter = col_sql + (cols.Get(i, 6).empty() ? " DROP DEFAULT" : " SET DEFAULT " + cols.Get(i, 6));
          change = cols.Get(i, 6).empty() ? "no default" : "DEFAULT " + cols.Get(i, 6);
        }
        if (cols.GetBool(i, 5) != have.GetBool(row, 6)) {
          alter += (alter.empty() ? "" : ", ") + col_sql + (cols.GetBool(i, 5) ? " SET NOT NULL" : " DROP NOT NULL");
          change += (change.empty() ? "" : ", ") + std::string(cols.GetBool(i, 5) ? "NOT NULL" : "NOT NULL dropped");
        }
        if (alter.empty() || !changed.insert({root_schema, root, column}).second) continue;
        const std::string name = schema + "." + table + "." + column;
        Status st = dst_->Exec("BEGIN; SET LOCAL lock_timeout = '30s'; ALTER TABLE " + dst_->QuoteIdent(root_schema) +
                               "." + dst_->QuoteIdent(root) + " " + alter + "; COMMIT");
        if (st.ok()) {
          altered.push_back(name + " (" + change + ")");
        } else {
          (void)dst_->Exec("ROLLBACK");
          warnings.push_back("the default or NOT NULL of column " + name + kDiffers + change + " on the source (changed "
                             "there after the schema was copied; logical replication carries no DDL), and pgferry "
                             "could not change it on the destination: " + st.message() + "; change it there");
        }
        continue;
      }
      if (!done.insert({root_schema, root, column}).second) continue;  // another partition's
      const std::string type = cols.Get(i, 3), collation = cols.Get(i, 4), expr = cols.Get(i, 6);
      const bool not_null = cols.GetBool(i, 5), has_missing = cols.GetBool(i, 7), generated = cols.GetBool(i, 9);
      const std::string where = dst_->QuoteIdent(root_schema) + "." + dst_->QuoteIdent(root);
      const std::string col = dst_->QuoteIdent(column);
      std::string add = "ALTER TABLE " + where + " ADD COLUMN IF NOT EXISTS " + col + " " + type +
                        (collation.empty() ? "" : " COLLATE " + collation);
      std::string sql, why, todo = "add it there";
      // No rows on the destination: none older than the column, or the subscription's table
      // copy brings them with it: the column as it is on the source.
      auto empty = [&]() -> bool {
        auto e = empty_tables.find(where);
        if (e != empty_tables.end()) return e->second;
        auto r = dst_->Query("SELECT NOT EXISTS (SELECT 1 FROM " + where + ")");
        return empty_tables[where] = r.ok() && !r->empty() && r->GetBool(0, 0);
      };
      if (generated) {
        sql = add + " GENERATED ALWAYS AS (" + expr + ") STORED";
      } else if (cols.GetBool(i, 10)) {
        why = "an identity column: the existing rows drew their values on the source";
      } else if (empty()) {
        sql = add + (expr.empty() ? "" : " DEFAULT " + expr) + (not_null ? " NOT NULL" : "");
      } else if (const std::string old = renamed_from(schema, table, cols.Get(i, 13)); !old.empty()) {
        // Adding it would leave the rows copied so far without their values (they are in the
        // old column), and after a cutover the applications would read them empty.
        why = "the destination has column " + old + " of the same type, which the source has not (renamed on the "
              "source?), and adding it would leave the rows already there without their values";
        todo = "if it was renamed, rename it there (ALTER TABLE " + where + " RENAME COLUMN " + dst_->QuoteIdent(old) +
               " TO " + col + "), else add it there,";
      } else if (has_missing && !(type.size() > 2 && type.compare(type.size() - 2, 2, "[]") == 0)) {
        // The rows older than the column read the default it was added with (attmissingval):
        // the destination's rows are those rows, so they get that value; then today's default.
        sql = add + " DEFAULT (" + dst_->QuoteLiteral(cols.Get(i, 8)) + "::" + type + "[])[1]" +
              (not_null ? " NOT NULL" : "") + "; ALTER TABLE " + where + " ALTER COLUMN " + col +
              (expr.empty() ? " DROP DEFAULT" : " SET DEFAULT " + expr);
      } else if (!expr.empty()) {
        why = "its values for the existing rows were computed on the source (DEFAULT " + expr + ")";
      } else if (not_null) {
        why = "it is NOT NULL without a default, so the existing rows got their values on the source";
      } else {
        sql = add;
      }
      const std::string name = schema + "." + table + "." + column;
      if (!sql.empty()) {
        // One transaction; waits for the table's lock at most 30 s (the apply worker's are short).
        Status st = dst_->Exec("BEGIN; SET LOCAL lock_timeout = '30s'; " + sql + "; COMMIT");
        if (st.ok()) {
          added.push_back(name + " (" + type + ")");
          continue;
        }
        (void)dst_->Exec("ROLLBACK");
        why = st.message();
      }
      source_only_columns_.push_back(name);
      warnings.push_back("column " + name + kSourceOnly + "; logical replication carries no DDL) and pgferry did "
                         "not add it on the destination: " + why + "; " + todo + " and run again (the subscription "
                         "stops at the table's next change until then)");
    }
    // Columns the source's tables no longer have: harmless to replication unless a row from the
    // source cannot leave them empty. Named, not dropped (they may hold the only copy of data).
    for (const auto& [c, row] : columns) {
      const auto& [schema, table, column] = c;
      if (!published.count({schema, table}) || on_source.count(c)) continue;
      warnings.push_back("column " + schema + "." + table + "." + column + kDestinationOnly +
                         " (dropped on the source after the schema was copied, or added here): " +
                         (have.GetBool(row, 5) ? "it is NOT NULL without a default, so the subscription fails on "
                                                 "each row the source inserts; drop it or give it a default"
                                               : "rows from the source leave it empty or at its default"));
    }
  }
  ReplaceWarnings({kSourceOnly, kDiffers, kDestinationOnly}, warnings);
  if (!added.empty())
    e_.Event("ColumnsAdded", "database \"" + plan_.dbname + "\": added " + Joined(added) +
                                 " on the destination (added on the source after the schema was copied)");
  if (!altered.empty())
    e_.Event("ColumnsChanged", "database \"" + plan_.dbname + "\": changed " + Joined(altered) +
                                   " on the destination as on the source (changed there after the schema was copied)");
  return Status::Ok();
}

Status DatabaseMigration::FollowSequences(pg::Session& src) {
  const std::string kSourceOnly = " exists on the source only (created after the schema was copied)";
  ASSIGN_OR_RETURN(auto seqs, src.Query(sql::kStandaloneSequences));
  std::vector<Relation> all, missing;
  for (size_t i = 0; i < seqs.size(); ++i) all.push_back({seqs.Get(i, 0), seqs.Get(i, 1)});
  ASSIGN_OR_RETURN(auto absent, AbsentOnDestination(all));
  for (size_t i : absent) missing.push_back(all[i]);
  std::vector<std::string> warnings, created;
  ASSIGN_OR_RETURN(auto why_not, CreateOnDestination(missing, &warnings));
  for (size_t i = 0; i < missing.size(); ++i) {
    const std::string name = missing[i].first + "." + missing[i].second;
    if (why_not[i].empty())
      created.push_back(name);
    else
      warnings.push_back("sequence " + name + kSourceOnly + " and pgferry could not create it on the destination: " +
                         why_not[i] + "; create it there, its value is copied at cutover");
  }
  if (!created.empty())
    e_.Event("SequencesCreated", "database \"" + plan_.dbname + "\": created " + Joined(created) +
                                     " on the destination from the source's definition (its value is copied at "
                                     "cutover)");
  ReplaceWarnings({kSourceOnly}, warnings);
  return Status::Ok();
}

Result<std::vector<std::string>> DatabaseMigration::MakeOnDestination(const pg::QueryResult& rows,
                                                                      const std::vector<size_t>& at, size_t column,
                                                                      const std::string& settings) {
  std::vector<std::string> statements;
  for (size_t i : at) statements.push_back(rows.Get(i, column));
  return MakeOnDestination(statements, settings);
}

Result<std::vector<std::string>> DatabaseMigration::MakeOnDestination(const std::vector<std::string>& statements,
                                                                      const std::string& settings) {
  std::vector<std::string> why(statements.size());
  std::vector<size_t> pending(statements.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    std::vector<size_t> failed;
    for (size_t i : pending) {
      if (e_.StopRequested()) return Status(StatusCode::kAborted, "stopped while following the source's schema");
      Status st = dst_->Exec("BEGIN; " + settings + "; " + statements[i] + "; COMMIT");
      if (st.ok()) {
        why[i].clear();
        progress = true;
      } else {
        (void)dst_->Exec("ROLLBACK");
        why[i] = st.message();
        failed.push_back(i);
      }
    }
    pending = failed;
  }
  return why;
}

Status DatabaseMigration::FollowDefinitions(pg::Session& src, bool before_tables) {
  // One marker per kind: the warnings of this step's kinds are replaced, not the other step's.
  const std::vector<std::string> kinds = before_tables ? std::vector<std::string>{"schema", "extension", "type",
                                                                                  "function"}
                                                       : std::vector<std::string>{"view", "trigger", "policy",
                                                                                  "row-level security"};
  auto marker = [](const std::string& kind) {
    return ": " + kind + (kind == "row-level security" ? " enabled" : " made") + " on the source after the schema was copied";
  };
  const std::string kLabelMarker = " added on the source after the schema was copied";
  std::vector<std::string> markers;
  for (const auto& k : kinds) markers.push_back(marker(k));
  if (before_tables) markers.push_back(kLabelMarker);
  if (src.ServerVersion() < 110000 || dst_->ServerVersion() < 110000) return Status::Ok();  // prokind
  const std::string& query = before_tables ? sql::kDefinitionsBeforeTables : sql::kDefinitionsAfterTables;
  ASSIGN_OR_RETURN(auto defs, src.Query(query, {"false"}));
  // Read as the source's were (search_path pg_catalog; every pgferry session starts with an
  // empty one): a function's key names its argument types, schema-qualified only when their
  // schema is not on the path.
  RETURN_IF_ERROR(dst_->Exec("BEGIN; SET LOCAL search_path = pg_catalog, pg_temp"));
  auto dst_defs = dst_->Query(query, {"false"});
  (void)dst_->Exec(dst_defs.ok() ? "COMMIT" : "ROLLBACK");
  ASSIGN_OR_RETURN(auto theirs, std::move(dst_defs));
  using Key = std::tuple<std::string, std::string, std::string>;  // kind, schema, name
  auto key = [](const pg::QueryResult& r, size_t i) { return Key{r.Get(i, 0), r.Get(i, 1), r.Get(i, 2)}; };
  std::set<Key> on_destination;
  for (size_t i = 0; i < theirs.size(); ++i) on_destination.insert(key(theirs, i));
  auto what = [&](size_t i) {
    const std::string& kind = defs.Get(i, 0);
    return kind + (kind == "row-level security" ? " of " : " ") +
           (kind == "schema" || kind == "extension" ? "" : defs.Get(i, 1) + ".") + defs.Get(i, 2);
  };
  std::vector<std::string> warnings, made;
  // In the query's order; one that needs another made here later (a domain over a domain, a
  // function taking a type) may need a second round, so rounds go on while one makes progress.
  const auto& excluded = e_.spec_.extensions.exclude;  // never made, as by the schema copy
  auto missing_rows = [&] {
    std::vector<size_t> rows;
    for (size_t i = 0; i < defs.size(); ++i)
      if (!on_destination.count(key(defs, i)) &&
          !(defs.Get(i, 0) == "extension" &&
            std::find(excluded.begin(), excluded.end(), defs.Get(i, 2)) != excluded.end()))
        rows.push_back(i);
    return rows;
  };
  std::vector<size_t> missing = missing_rows();
  if (!missing.empty()) {  // again, with the statements that make them
    ASSIGN_OR_RETURN(defs, src.Query(query, {"true"}));
    missing = missing_rows();
  }
  // Function bodies were checked on the source; as pg_dump's scripts do, not again here (a body
  // may name what the path of a session that calls it finds).
  ASSIGN_OR_RETURN(auto why, MakeOnDestination(defs, missing, 4, "SET LOCAL search_path = pg_catalog, pg_temp; "
                                                           "SET LOCAL check_function_bodies = false"));
  for (size_t k = 0; k < missing.size(); ++k) {
    const size_t i = missing[k];
    if (why[k].empty()) {
      made.push_back(what(i));
      on_destination.insert(key(defs, i));
    } else {
      warnings.push_back(what(i) + marker(defs.Get(i, 0)) + " (logical replication carries no DDL) that pgferry "
                         "could not make on the destination: " + why[k] + "; make it there (" +
                         CollapseSpaces(defs.Get(i, 4)) + ")");
    }
  }
  if (before_tables) {
    // Enum labels the source has and the destination's enum has not, in the source's order: a row
    // with one stops the subscription ("invalid input value for enum").
    ASSIGN_OR_RETURN(auto labels, src.Query(sql::kEnumLabels));
    ASSIGN_OR_RETURN(auto their_labels, dst_->Query(sql::kEnumLabels));
    std::set<std::tuple<std::string, std::string, std::string>> have;
    for (size_t i = 0; i < their_labels.size(); ++i)
      have.insert({their_labels.Get(i, 0), their_labels.Get(i, 1), their_labels.Get(i, 2)});
    std::string previous;  // the label before, on the destination (of the same type)
    for (size_t i = 0; i < labels.size(); ++i) {
      const std::string schema = labels.Get(i, 0), type = labels.Get(i, 1), label = labels.Get(i, 2);
      if (i == 0 || labels.Get(i - 1, 0) != schema || labels.Get(i - 1, 1) != type) previous.clear();
      if (have.count({schema, type, label})) {
        previous = label;
        continue;
      }
      // An enum the destination has not got at all is the type's own story above.
      if (!on_destination.count({"type", schema, type})) continue;
      // The first label the destination has after this one, when there is no earlier one.
      std::string next;
      for (size_t k = i + 1; previous.empty() && k < labels.size() && labels.Get(k, 0) == schema &&
                             labels.Get(k, 1) == type && next.empty(); ++k)
        if (have.count({schema, type, labels.Get(k, 2)})) next = labels.Get(k, 2);
      const std::string stmt = "ALTER TYPE " + dst_->QuoteIdent(schema) + "." + dst_->QuoteIdent(type) +
                               " ADD VALUE IF NOT EXISTS " + dst_->QuoteLiteral(label) +
                               (!previous.empty() ? " AFTER " + dst_->QuoteLiteral(previous)
                                : !next.empty()   ? " BEFORE " + dst_->QuoteLiteral(next)
                                                  : "");
      Status st = dst_->Exec(stmt);
      const std::string name = "value '" + label + "' of enum " + schema + "." + type;
      if (st.ok()) {
        made.push_back(name);
        have.insert({schema, type, label});
        previous = label;
      } else {
        warnings.push_back(name + kLabelMarker + " (logical replication carries no DDL) that pgferry could not add "
                           "on the destination: " + st.message() + "; add it there (" + stmt + "); until then the "
                           "subscription stops at the first row that has it");
      }
    }
  }
  ReplaceWarnings(markers, warnings);
  if (!made.empty())
    e_.Event("DefinitionsCreated", "database \"" + plan_.dbname + "\": made " + Joined(made) +
                                       " on the destination (made on the source after the schema was copied)");
  return Status::Ok();
}

Status DatabaseMigration::FollowGrants(pg::Session& src) {
  const std::string kNotGranted = "granted on the source, not on the destination, and pgferry could not grant";
  ASSIGN_OR_RETURN(auto mine, src.Query(sql::kRelationPrivileges));
  ASSIGN_OR_RETURN(auto theirs, dst_->Query(sql::kRelationPrivileges));
  // (schema, relation, grantee, privilege, grantable) on the destination; grantee "" is PUBLIC.
  using Grant = std::tuple<std::string, std::string, std::string, std::string, bool>;
  auto grant = [](const pg::QueryResult& r, size_t i) {
    return Grant{r.Get(i, 0), r.Get(i, 1), r.Get(i, 3), r.Get(i, 4), r.GetBool(i, 5)};
  };
  std::set<Grant> on_destination;
  for (size_t i = 0; i < theirs.size(); ++i) on_destination.insert(grant(theirs, i));
  // A privilege held with the grant option covers the same without it.
  auto covered = [](const std::set<Grant>& held, Grant g) {
    if (held.count(g)) return true;
    if (std::get<4>(g)) return false;
    std::get<4>(g) = true;
    return held.count(g) > 0;
  };
  // What the destination lacks, one statement per relation, grantee and grant option (rows come
  // ordered so).
  struct Missing {
    Relation relation;
    bool sequence;
    std::string grantee;
    bool grantable;
    std::vector<std::string> privileges;
  };
  std::vector<Missing> missing;
  for (size_t i = 0; i < mine.size(); ++i) {
    Grant g = grant(mine, i);
    if (covered(on_destination, g)) continue;
    const std::string& privilege = std::get<3>(g);
    // Privilege names come from the catalog (aclexplode); anything but a keyword is not sent.
    if (privilege.empty() || !std::all_of(privilege.begin(), privilege.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
      continue;
    Relation rel{std::get<0>(g), std::get<1>(g)};
    if (missing.empty() || missing.back().relation != rel || missing.back().grantee != std::get<2>(g) ||
        missing.back().grantable != std::get<4>(g))
      missing.push_back({rel, mine.GetBool(i, 2), std::get<2>(g), std::get<4>(g), {}});
    missing.back().privileges.push_back(privilege);
  }
  std::vector<std::string> warnings, granted;
  if (!missing.empty()) {
    // Only the relations the destination has: one on the source only is FollowTableSelection's
    // (or not selected).
    std::vector<Relation> relations;
    for (const auto& m : missing) relations.push_back(m.relation);
    ASSIGN_OR_RETURN(auto absent, AbsentOnDestination(relations));
    std::set<size_t> gone(absent.begin(), absent.end());
    std::vector<std::string> statements, what;
    std::vector<const Missing*> made;
    for (size_t k = 0; k < missing.size(); ++k) {
      if (gone.count(k)) continue;
      const Missing& m = missing[k];
      made.push_back(&m);
      std::string privileges;
      for (const auto& p : m.privileges) privileges += (privileges.empty() ? "" : ", ") + p;
      const std::string on = dst_->QuoteIdent(m.relation.first) + "." + dst_->QuoteIdent(m.relation.second);
      const std::string to = m.grantee.empty() ? "PUBLIC" : dst_->QuoteIdent(m.grantee);
      statements.push_back("GRANT " + privileges + (m.sequence ? " ON SEQUENCE " : " ON TABLE ") + on + " TO " + to +
                           (m.grantable ? " WITH GRANT OPTION" : ""));
      what.push_back(privileges + " on " + m.relation.first + "." + m.relation.second + " to " +
                     (m.grantee.empty() ? "PUBLIC" : m.grantee) + (m.grantable ? " (with grant option)" : ""));
    }
    ASSIGN_OR_RETURN(auto why, MakeOnDestination(statements, "SET LOCAL lock_timeout = '30s'"));
    // A GRANT by a role that neither owns the relation nor holds the grant option succeeds with
    // only a warning ("no privileges were granted"): what counts is what the destination has now.
    ASSIGN_OR_RETURN(auto now, dst_->Query(sql::kRelationPrivileges));
    std::set<Grant> has;
    for (size_t i = 0; i < now.size(); ++i) has.insert(grant(now, i));
    // Those not given, by reason: a role missing on the destination makes one warning, not one
    // per table.
    std::vector<std::pair<std::string, std::vector<size_t>>> not_given;
    for (size_t k = 0; k < statements.size(); ++k) {
      const Missing& m = *made[k];
      bool all = std::all_of(m.privileges.begin(), m.privileges.end(), [&](const std::string& p) {
        return covered(has, Grant{m.relation.first, m.relation.second, m.grantee, p, m.grantable});
      });
      if (all) {
        granted.push_back(what[k]);
        continue;
      }
      const std::string reason = !why[k].empty() ? why[k]
                                                 : "the destination user neither owns it nor may grant it (GRANT gave "
                                                   "no privilege)";
      auto at = std::find_if(not_given.begin(), not_given.end(), [&](const auto& r) { return r.first == reason; });
      if (at == not_given.end()) at = not_given.insert(not_given.end(), {reason, {}});
      at->second.push_back(k);
    }
    constexpr size_t kNamed = 5;  // privileges named in one warning; the others are counted
    for (const auto& [reason, ks] : not_given) {
      std::string names, stmts;
      for (size_t j = 0; j < ks.size() && j < kNamed; ++j) {
        names += (j ? ", " : "") + what[ks[j]];
        stmts += (j ? "; " : "") + statements[ks[j]];
      }
      if (ks.size() > kNamed) {
        names += " and " + std::to_string(ks.size() - kNamed) + " more";
        stmts += "; ...";
      }
      const bool one = ks.size() == 1;
      warnings.push_back(names + (one ? " is " : " are ") + kNotGranted + (one ? " it: " : " them: ") + reason +
                         (one ? "; grant it there as its owner (" : "; grant them there as their owner (") + stmts + ")");
    }
  }
  ReplaceWarnings({kNotGranted}, warnings);
  if (!granted.empty())
    e_.Event("GrantsFollowed", "database \"" + plan_.dbname + "\": granted " + Joined(granted) +
                                   " as on the source (granted there after the schema was copied)");
  return Status::Ok();
}

Status DatabaseMigration::FollowIndexes(pg::Session& src) {
  // Unlike the tables' and columns', these words hold nothing back (status_summary.cc looks for
  // " on the source only (").
  const std::string kSourceOnly = " was made on the source after the schema was copied";
  const std::string kDestinationOnly = " exists on the destination only (dropped on the source after the schema";
  if (src.ServerVersion() < 110000 || dst_->ServerVersion() < 110000) return Status::Ok();  // conparentid
  ASSIGN_OR_RETURN(auto src_sig, src.Query(sql::kIndexObjectsSignature));
  ASSIGN_OR_RETURN(auto dst_sig, dst_->Query(sql::kIndexObjectsSignature));
  std::vector<std::string> warnings, created;
  if (src_sig.Get(0, 0) == dst_sig.Get(0, 0)) {
    ReplaceWarnings({kSourceOnly, kDestinationOnly}, warnings);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(auto mine, src.Query(sql::kIndexObjects, {"true"}));
  ASSIGN_OR_RETURN(auto theirs, dst_->Query(sql::kIndexObjects, {"false"}));
  // (class, schema, table, name): what is compared
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  auto key = [](const pg::QueryResult& r, size_t i) { return Key{r.Get(i, 0), r.Get(i, 1), r.Get(i, 2), r.Get(i, 3)}; };
  auto keys = [&](const pg::QueryResult& r) {
    std::set<Key> out;
    for (size_t i = 0; i < r.size(); ++i) out.insert(key(r, i));
    return out;
  };
  const std::set<Key> on_source = keys(mine), on_destination = keys(theirs);
  auto what = [](const Key& k) {
    return std::string(std::get<0>(k) == "i" ? "index " : "constraint ") + std::get<3>(k) + " of " + std::get<1>(k) +
           "." + std::get<2>(k);
  };
  // Only the tables both sides have: a table on one side only is FollowTableSelection's (or not
  // selected, or the user's own on the destination).
  auto missing = [&](const pg::QueryResult& r, const std::set<Key>& other) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < r.size(); ++i)
      if (!other.count(key(r, i))) rows.push_back(i);
    return rows;
  };
  auto on_both = [&](pg::Session& other_side, const pg::QueryResult& r,
                     const std::vector<size_t>& rows) -> Result<std::vector<size_t>> {
    std::vector<Relation> tables;
    for (size_t i : rows) tables.push_back({r.Get(i, 1), r.Get(i, 2)});
    ASSIGN_OR_RETURN(auto absent, AbsentIn(other_side, tables));
    std::set<size_t> gone(absent.begin(), absent.end());
    std::vector<size_t> out;
    for (size_t k = 0; k < rows.size(); ++k)
      if (!gone.count(k)) out.push_back(rows[k]);
    return out;
  };
  ASSIGN_OR_RETURN(auto to_make, on_both(*dst_, mine, missing(mine, on_destination)));
  ASSIGN_OR_RETURN(auto left_over, on_both(src, theirs, missing(theirs, on_source)));
  // In kIndexObjects' order (indexes, then keys before the foreign keys that use them); waits
  // for a table's lock at most 30 s (the apply worker's are short).
  ASSIGN_OR_RETURN(auto why, MakeOnDestination(mine, to_make, 5, "SET LOCAL lock_timeout = '30s'; "
                                                           "SET LOCAL statement_timeout = 0"));
  for (size_t k = 0; k < to_make.size(); ++k) {
    const size_t i = to_make[k];
    if (why[k].empty())
      created.push_back(what(key(mine, i)));
    else
      warnings.push_back(what(key(mine, i)) + kSourceOnly + " (logical replication carries no DDL) and pgferry could "
                         "not make it on the destination: " + why[k] + "; make it there (" + mine.Get(i, 5) + ")");
  }
  // Named, not dropped: the destination may be meant to have it. A unique key or a check stops
  // the subscription at a row from the source that breaks it (foreign keys it does not check).
  for (size_t i : left_over) {
    const Key k = key(theirs, i);
    warnings.push_back(what(k) + kDestinationOnly + " was copied, or made here)" +
                       (theirs.GetBool(i, 6) ? ": a row from the source that breaks it stops the subscription" : ""));
  }
  ReplaceWarnings({kSourceOnly, kDestinationOnly}, warnings);
  if (!created.empty())
    e_.Event("IndexesCreated", "database \"" + plan_.dbname + "\": made " + Joined(created) +
                                   " on the destination (made on the source after the schema was copied)");
  return Status::Ok();
}

Result<std::vector<std::string>> DatabaseMigration::CreateOnDestination(const std::vector<Relation>& relations,
                                                                        std::vector<std::string>* warnings) {
  std::vector<std::string> why_not(relations.size());
  if (relations.empty()) return why_not;
  pg::StopFn stop = [this] { return e_.StopRequested(); };
  const Status stopped(StatusCode::kAborted, "stopped while creating tables on the destination");
  // pg_dump's --table takes a pattern: double-quoted parts are literal (dots, capitals, *).
  auto literal = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  // One set of relations (by index): "" when created, else why not.
  auto create = [&](const std::vector<size_t>& set) -> Result<std::string> {
    std::vector<std::string> dump_args = {"--schema-only", "--strict-names", "--no-publications",
                                          "--no-subscriptions"};
    for (size_t i : set)
      dump_args.push_back("--table=" + literal(relations[i].first) + "." + literal(relations[i].second));
    pg::DumpRestoreResult r;
    ASSIGN_OR_RETURN(auto archive, pg::DumpToArchive(src_params_, dump_args, &r, stop));
    if (r.stopped) return stopped;
    if (r.dump_exit != 0) return "pg_dump failed: " + CollapseSpaces(r.dump_stderr.substr(0, 300));
    RETURN_IF_ERROR(pg::RestoreFromArchive(*archive, dst_params_, {"--single-transaction"}, {}, &r, stop));
    if (r.stopped) return stopped;
    if (r.restore_exit == 0) return std::string();
    RestoreErrors errs = ClassifyRestoreErrors(r.restore_stderr);
    if (errs.fatal.empty() && !errs.ignorable.empty()) {
      // Only what the schema restore also lets pass (an owner or grant the destination user
      // cannot give, an object that exists): restore without them, as that does, and say so.
      r = {};
      RETURN_IF_ERROR(pg::RestoreFromArchive(*archive, dst_params_, {}, {}, &r, stop));
      if (r.stopped) return stopped;
      errs = ClassifyRestoreErrors(r.restore_stderr);
      const Relation& first = relations[set.front()];
      for (const auto& w : errs.ignorable) warnings->push_back("creating " + first.first + "." + first.second + ": " + w);
      if (errs.fatal.empty()) return std::string();
    }
    return errs.fatal.empty() ? "pg_restore failed: " + CollapseSpaces(r.restore_stderr.substr(0, 300))
                              : errs.fatal.front();
  };
  std::vector<size_t> all(relations.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  ASSIGN_OR_RETURN(std::string why, create(all));
  if (why.empty()) return why_not;
  if (all.size() == 1) return std::vector<std::string>{why};
  // One relation in the way keeps none from being created: each on its own.
  for (size_t i : all) {
    ASSIGN_OR_RETURN(why_not[i], create({i}));
  }
  return why_not;
}

bool DatabaseMigration::PollSync() {
  if (!replicating()) {
    poll_src_.reset();
    return true;
  }
  if (!poll_src_) {
    auto s = e_.options_.connector->Connect(e_.options_.endpoints.source);
    if (!s.ok()) return false;
    poll_src_ = std::move(*s);
  }
  auto slot = poll_src_->Query(sql::kSlot, {name_, last_current_lsn_.empty() ? "0" : last_current_lsn_});
  if (!slot.ok()) poll_src_.reset();  // connect again at the next poll
  if (!slot.ok() || slot->empty()) return false;
  if (!dst_) {
    auto d = e_.options_.connector->Connect(dst_params_);
    if (!d.ok()) return false;
    dst_ = std::move(*d);
  }
  auto sub = dst_->Query(sql::kSubscription, {name_});
  if (!sub.ok() || sub->empty()) return false;
  int64_t lag = std::max<int64_t>(0, slot->GetInt(0, 2));
  // Caught up when within maxLagBytes, or when the slot has confirmed everything written up
  // to the previous poll (WAL from other databases keeps the raw difference from reaching 0).
  bool caught_up = lag <= e_.spec_.replication.maxLagBytes ||
                   (!last_current_lsn_.empty() && slot->GetBool(0, 5));
  last_current_lsn_ = slot->Get(0, 4);
  // The slot can confirm only what the source has flushed: when that is all it lacks, have the
  // source flush what it holds back, so that the next poll can find the position confirmed.
  if (!caught_up && slot->GetBool(0, 7)) FlushSourceWal(*poll_src_);
  // A worker that fails (a row in the way of an insert, a table missing here) retries every few
  // seconds and the lag only grows: say so, with where the reason is, instead of just waiting.
  bool failing = false;
  if (dst_->ServerVersion() >= 150000) {
    auto errors = dst_->Query(sql::kSubscriptionErrors, {name_});
    if (errors.ok() && !errors->empty()) {
      int64_t n = errors->GetInt(0, 0);
      failing = subscription_errors_ >= 0 && n > subscription_errors_;
      subscription_errors_ = n;
    }
  }
  // What the worker cannot apply may be the source's DDL since this run started (a table or a
  // column made there while the run waits, e.g. for a cutover): follow the source again, as the
  // next run would, instead of waiting for ever. Its own failure is the failing error's story.
  if (failing) (void)FollowSource();
  const std::string failing_prefix = "the subscription fails to apply changes";
  // Why, when the destination's log can be read (a superuser, with the logging collector on):
  // the last error of its apply worker or of a table sync worker; else where to look.
  std::string reason;
  if (failing) {
    auto tail = dst_->Query(sql::kSubscriptionLogTail, {name_});
    if (tail.ok() && !tail->empty()) {
      SubscriptionInLog in_log{tail->Get(0, 0), name_, {}};
      for (const auto& t : plan_.tables) in_log.tables.emplace_back(t.schema, t.name);
      // (a password in it would be the source's, in the subscription's conninfo)
      reason = pg::MaskSecret(SubscriptionError(LogAsStderr(tail->Get(0, 1), tail->Get(0, 2)), in_log),
                              src_params_.password);
    }
  }
  const std::string failing_why =
      failing_prefix + " (its workers have failed " +
      (subscription_errors_ == 1 ? std::string("once") : std::to_string(subscription_errors_) + " times") +
      "; they retry every few seconds): " +
      (reason.empty() ? "the destination server's log says why, e.g. a duplicate key from a row written on the "
                        "destination, or a missing table"
                      : "the destination server's log says: " + reason);
  int64_t total = sub->GetInt(0, 1), ready = sub->GetInt(0, 2), unlogged = 0;
  for (const auto& t : plan_.tables) unlogged += t.unlogged ? 1 : 0;
  // Not while the apply worker is down or has just failed: a change it cannot apply holds
  // everything behind it.
  bool in_sync = caught_up && ready == total && sub->GetBool(0, 0) && sub->GetBool(0, 3) && !failing &&
                 !SourceOnly();
  SetDb([&](api::DatabaseStatus& d) {
    d.lagBytes = caught_up ? 0 : lag;
    d.walRetainedBytes = std::max<int64_t>(0, slot->GetInt(0, 6));
    d.tablesTotal = std::max<int64_t>(total, static_cast<int64_t>(plan_.tables.size()));
    // Unlogged tables are in no subscription: copied once, they are as synced as they get.
    d.tablesSynced = std::min<int64_t>(d.tablesTotal, ready + unlogged);
    if (in_sync && d.status == api::kDbRunning) d.status = api::kDbSyncing;
    if (SourceOnly() && d.status == api::kDbSyncing) d.status = api::kDbRunning;
    if (failing)
      d.error = failing_why;
    else if (in_sync && d.error && StartsWith(*d.error, failing_prefix))
      d.error.reset();
  });
  if (failing && !failing_reported_)
    e_.Event("SubscriptionFailing", "database \"" + plan_.dbname + "\": " + failing_why, true);
  failing_reported_ = !in_sync && (failing_reported_ || failing);
  // A table or column on the source only cannot be waited for: it has to be made on the destination.
  return in_sync || SourceOnly();
}

void DatabaseMigration::Cutover() {
  poll_src_.reset();
  if (!replicating()) return;
  if (SourceOnly()) {
    const std::string what =
        !source_only_.empty()
            ? Joined(source_only_) + " exist on the source only; create them on the destination (the subscription "
                                     "then copies them) or leave them out with spec.tables.exclude"
            : "columns " + Joined(source_only_columns_) + " exist on the source only; add them on the destination";
    SetDb([&](api::DatabaseStatus& d) { d.error = "not cut over: " + what; });
    e_.Event("CutoverWaiting", "database \"" + plan_.dbname + "\": " + what, true);
    return;
  }
  auto src = e_.options_.connector->Connect(src_params_);
  if (!src.ok()) return Fail(src.status(), "cutover");
  if (!dst_) {
    auto d = e_.options_.connector->Connect(dst_params_);
    if (!d.ok()) return Fail(d.status(), "cutover");
    dst_ = std::move(*d);
  }
  // What was made on the source since this run followed it (a cutover run follows it when it
  // starts, then waits until in sync) and holds no rows: the applications will want it.
  // (The session's search_path is empty, as every pgferry session's, so the definitions come
  // schema-qualified; RESET would bring back the server's default.)
  Status followed = FollowDefinitions(**src, true);
  if (followed.ok()) followed = FollowIndexes(**src);
  if (followed.ok()) followed = FollowDefinitions(**src, false);
  if (followed.ok()) followed = FollowGrants(**src);
  if (!followed.ok()) return Fail(followed, "cutover: definitions, indexes and grants");
  if (e_.spec_.replication.syncSequences) {
    Status st = CopySequences(**src);
    if (!st.ok()) return Fail(st, "cutover: sequences");
  }
  Status st = CopyUnloggedTables(**src);
  if (!st.ok()) return Fail(st, "cutover: unlogged tables");
  RefreshMaterializedViews();
  if (e_.spec_.verify != "none") {
    auto differ = VerifyBeforeCutover(**src);
    if (!differ.ok()) return Fail(differ.status(), "cutover: verification");
    if (!differ->empty()) {
      const std::string what = "verification: " + *differ +
                               " (a write on the source during the comparison makes its table differ: stop the "
                               "writes; the next run compares again)";
      SetDb([&](api::DatabaseStatus& d) { d.error = "not cut over: " + what; });
      e_.Event("CutoverWaiting", "database \"" + plan_.dbname + "\": " + what, true);
      return;
    }
  }
  st = DropReplicationObjects();
  if (!st.ok()) return Fail(st, "cutover");
  st = SetState("done", plan_.method);
  if (!st.ok()) return Fail(st, "cutover");
  SetDb([&](api::DatabaseStatus& d) {
    d.status = api::kDbDone;
    d.lagBytes = 0;
    d.walRetainedBytes = 0;
    if (d.error && StartsWith(*d.error, "not cut over")) d.error.reset();
  });
  e_.Event("CutOver", "database \"" + plan_.dbname + "\": sequences synced, replication objects dropped");
}

}  // namespace pgferry
