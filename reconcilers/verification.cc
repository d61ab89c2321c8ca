#include "reconcilers/verification.h"

#include <algorithm>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "reconcilers/cancel_on_stop.h"
#include "reconcilers/engine_sql.h"
#include "reconcilers/table_catalog.h"

namespace pgferry {
namespace {

// Tables under this size (pg_table_size) go several to a query, up to kGroupTables of them.
constexpr int64_t kGroupMaxBytes = 4 << 20;
constexpr size_t kGroupTables = 50;
constexpr size_t kColumnChunk = 500;

enum class RowHash { kNone, kHashText, kMd5 };

// One query over `tables` (with `columns[i]`, the column names of tables[i]) whose rows are
// (position from 1, row count, checksum as text or NULL for kNone). Quoted by `s`.
std::string TallyQuery(pg::Session& s, const std::vector<const TableInfo*>& tables,
                       const std::vector<std::vector<std::string>>& columns, RowHash hash) {
  std::string q;
  for (size_t i = 0; i < tables.size(); ++i) {
    std::string row;
    for (const auto& c : columns[i]) row += (row.empty() ? "x." : ", x.") + s.QuoteIdent(c);
    row = "ROW(" + row + ")::text";
    q += i ? "\nUNION ALL SELECT " : "SELECT ";
    q += std::to_string(i + 1) + ", pg_catalog.count(*), ";
    if (hash == RowHash::kHashText)
      q += "pg_catalog.sum(pg_catalog.hashtextextended(" + row + ", 0))::text";
    else if (hash == RowHash::kMd5)
      q += "pg_catalog.sum(('x' || pg_catalog.substr(pg_catalog.md5(pg_catalog.convert_to(" + row +
           ", 'UTF8')), 1, 16))::bit(64)::bigint)::text";
    else
      q += "NULL::text";
    // A partitioned table is copied and compared as one, its partitions' rows together.
    q += std::string(tables[i]->kind == 'p' ? " FROM " : " FROM ONLY ") + Qualified(s, *tables[i]) + " x";
  }
  return q;
}

// One table's tally on one server, or why it could not be read.
struct Tally {
  std::optional<std::string> error;
  int64_t rows = 0;
  std::string checksum;  // "" for counts only, or an empty table
};

// A connection lost or a stop asked is the comparison's failure, not a table's difference.
bool Fatal(const Status& st) { return st.code() == StatusCode::kUnavailable || st.code() == StatusCode::kAborted; }

// A session at rest for reading: no timeouts, the verify settings.
Status PrepareReader(pg::Session& s) {
  for (const char* stmt : sql::kNoTimeoutSettings) RETURN_IF_ERROR(s.Query(stmt).status());
  return s.Exec(sql::kVerifySettings);
}

// Begins a REPEATABLE READ transaction on `s` that reads under `snapshot` (an exported one).
Status BeginOn(pg::Session& s, const std::string& snapshot) {
  return s.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " + s.QuoteLiteral(snapshot));
}

// Begins a REPEATABLE READ transaction on `s` that stays open, and returns its exported snapshot.
Result<std::string> ExportSnapshot(pg::Session& s) {
  RETURN_IF_ERROR(s.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  ASSIGN_OR_RETURN(auto exported, s.Query("SELECT pg_catalog.pg_export_snapshot()"));
  return exported.Get(0, 0);
}

// The tallies of `tables`, read in a transaction of their own on `snapshot` (so that a session
// holds the locks of one query's tables at a time, not of every table it compared: 10,000
// tables in one transaction would need a large max_locks_per_transaction); when a query over
// several tables fails, each alone, so the error names its table.
Result<std::vector<Tally>> Tallies(pg::Session& s, const std::string& snapshot, const std::vector<const TableInfo*>& tables,
                                   const std::vector<std::vector<std::string>>& columns, RowHash hash) {
  std::vector<Tally> out(tables.size());
  auto run = [&](const std::vector<const TableInfo*>& ts,
                 const std::vector<std::vector<std::string>>& cs) -> Result<pg::QueryResult> {
    RETURN_IF_ERROR(BeginOn(s, snapshot));
    auto rows = s.Query(TallyQuery(s, ts, cs, hash));
    if (!Fatal(rows.status())) RETURN_IF_ERROR(s.Exec(rows.ok() ? "COMMIT" : "ROLLBACK"));
    return rows;
  };
  auto all = run(tables, columns);
  if (all.ok()) {
    for (size_t r = 0; r < all->size(); ++r) {
      size_t at = static_cast<size_t>(all->GetInt(r, 0));
      if (at < 1 || at > out.size()) continue;
      out[at - 1].rows = all->GetInt(r, 1);
      out[at - 1].checksum = all->Get(r, 2);
    }
    return out;
  }
  if (Fatal(all.status())) return all.status();
  if (tables.size() == 1) {
    out[0].error = all.status().message();
    return out;
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    ASSIGN_OR_RETURN(auto one, Tallies(s, snapshot, {tables[i]}, {columns[i]}, hash));
    out[i] = std::move(one[0]);
  }
  return out;
}

// The faster row hash when both servers compute the same one: hashtextextended (PostgreSQL 11+,
// kept stable across versions because hash partitions depend on it) hashes the server-encoded
// bytes in a byte order that depends on the machine, so it is checked on a non-ASCII probe
// string on both servers; md5 of the UTF-8 bytes otherwise (about 3.5 times the CPU per row).
RowHash ChooseRowHash(pg::Session& source, pg::Session& destination) {
  auto hashed = [](pg::Session& s) -> std::optional<std::string> {
    auto r = s.Query("SELECT pg_catalog.hashtextextended('pgferry \u00fc\u6f22 probe', 0)::text");
    if (!r.ok() || r->empty()) return std::nullopt;
    return r->Get(0, 0);
  };
  auto a = hashed(source), b = hashed(destination);
  return a && b && *a == *b ? RowHash::kHashText : RowHash::kMd5;
}

}  // namespace

Result<VerifyOutcome> VerifyTables(const VerifyOptions& o, const std::vector<const TableInfo*>& tables) {
  VerifyOutcome out;
  if (tables.empty()) return out;
  // The destination's snapshot, held open until every worker has read under it; the source's,
  // the caller's, else one taken and held here by the session that reads the source's column
  // names (which both sides' row texts are built from). The row hash is chosen first, outside
  // any transaction (a server without hashtextextended must not abort one).
  ASSIGN_OR_RETURN(auto holder, o.connector->Connect(o.destination));
  RETURN_IF_ERROR(PrepareReader(*holder).Prefixed("destination"));
  ASSIGN_OR_RETURN(auto source, o.connector->Connect(o.source));
  RETURN_IF_ERROR(PrepareReader(*source).Prefixed("source"));
  const RowHash hash = !o.checksums ? RowHash::kNone : ChooseRowHash(*source, *holder);
  auto exported = ExportSnapshot(*holder);
  if (!exported.ok()) return exported.status().Prefixed("destination");
  const std::string dst_snapshot = *exported;
  std::string src_snapshot = o.source_snapshot;
  if (src_snapshot.empty()) {
    exported = ExportSnapshot(*source);
    if (!exported.ok()) return exported.status().Prefixed("source");
    src_snapshot = *exported;
  } else {
    RETURN_IF_ERROR(BeginOn(*source, src_snapshot).Prefixed("source"));
  }
  std::vector<std::vector<std::string>> columns(tables.size());
  {
    pg::Session* s = source.get();
    for (size_t from = 0; from < tables.size(); from += kColumnChunk) {
      std::vector<const TableInfo*> chunk(tables.begin() + from,
                                          tables.begin() + std::min(tables.size(), from + kColumnChunk));
      ASSIGN_OR_RETURN(auto rows, s->Query(sql::kTableColumnNames, NameParams(chunk)));
      auto by_table = SplitByPosition(rows, chunk.size());
      for (size_t i = 0; i < chunk.size(); ++i)
        for (size_t r = 0; r < by_table[i].size(); ++r) columns[from + i].push_back(by_table[i].Get(r, 0));
    }
  }

  // Groups of positions: a large table alone, small ones several together.
  std::vector<std::vector<size_t>> groups;
  int64_t group_bytes = 0;
  for (size_t i = 0; i < tables.size(); ++i) {
    bool small = tables[i]->bytes < kGroupMaxBytes;
    if (groups.empty() || !small || groups.back().size() >= kGroupTables ||
        tables[groups.back().front()]->bytes >= kGroupMaxBytes || group_bytes + tables[i]->bytes > kGroupMaxBytes) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(i);
    group_bytes += tables[i]->bytes;
  }

  std::vector<Tally> src(tables.size()), dst(tables.size());
  std::mutex mu;
  size_t next = 0;       // guarded by mu
  Status first_error;    // guarded by mu
  auto stopped = [&] { return o.stop_requested && o.stop_requested(); };
  CancelOnStop cancel(stopped);
  auto worker = [&] {
    auto sc = o.connector->Connect(o.source);
    auto dc = o.connector->Connect(o.destination);
    Status st = !sc.ok() ? sc.status().Prefixed("source") : !dc.ok() ? dc.status().Prefixed("destination") : Status::Ok();
    if (st.ok()) st = PrepareReader(**sc).Prefixed("source");
    if (st.ok()) st = PrepareReader(**dc).Prefixed("destination");
    if (!st.ok()) {
      std::lock_guard<std::mutex> l(mu);
      if (first_error.ok()) first_error = st;
      return;
    }
    auto watched = cancel.Watch({sc->get(), dc->get()});
    while (st.ok() && !stopped()) {
      std::vector<size_t> group;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!first_error.ok() || next == groups.size()) break;
        group = groups[next++];
      }
      std::vector<const TableInfo*> ts;
      std::vector<std::vector<std::string>> cs;
      for (size_t i : group) {
        ts.push_back(tables[i]);
        cs.push_back(columns[i]);
      }
      // Both servers at once: the source's read in its own thread.
      auto on_source = std::async(std::launch::async, [&] { return Tallies(**sc, src_snapshot, ts, cs, hash); });
      auto on_destination = Tallies(**dc, dst_snapshot, ts, cs, hash);
      auto source_tallies = on_source.get();
      if (!source_tallies.ok()) st = source_tallies.status().Prefixed("source");
      else if (!on_destination.ok()) st = on_destination.status().Prefixed("destination");
      else
        for (size_t k = 0; k < group.size(); ++k) {
          src[group[k]] = std::move((*source_tallies)[k]);
          dst[group[k]] = std::move((*on_destination)[k]);
        }
    }
    std::lock_guard<std::mutex> l(mu);
    if (!st.ok() && first_error.ok()) first_error = st;
  };
  std::vector<std::thread> threads;
  size_t jobs = std::max<size_t>(1, std::min(o.jobs, groups.size()));
  for (size_t i = 1; i < jobs; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (stopped()) return Status(StatusCode::kAborted, "stopped during the verification");
  RETURN_IF_ERROR(first_error);

  for (size_t i = 0; i < tables.size(); ++i) {
    const std::string name = tables[i]->Qualified();
    ++out.tables;
    out.rows += src[i].rows;
    if (src[i].error) {
      out.mismatches.push_back(name + ": cannot be read on the source: " + *src[i].error);
    } else if (dst[i].error) {
      out.mismatches.push_back(name + ": cannot be read on the destination: " + *dst[i].error);
    } else if (src[i].rows != dst[i].rows) {
      out.mismatches.push_back(name + ": " + std::to_string(src[i].rows) + " rows on the source, " +
                               std::to_string(dst[i].rows) + " on the destination");
    } else if (src[i].checksum != dst[i].checksum) {
      out.mismatches.push_back(name + ": " + std::to_string(src[i].rows) +
                               " rows on both servers, but their contents differ (checksums)");
    }
  }
  out.row_hash = hash == RowHash::kHashText ? "hashtextextended" : hash == RowHash::kMd5 ? "md5" : "";
  return out;
}

}  // namespace pgferry
