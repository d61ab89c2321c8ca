#include "reconcilers/preflight.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "reconcilers/selection.h"

namespace pgferry {
namespace {

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string ListSome(const std::vector<std::string>& names, size_t max = 5) {
  std::vector<std::string> head(names.begin(), names.begin() + std::min(max, names.size()));
  std::string out = Join(head, ", ");
  if (names.size() > max) out += " and " + std::to_string(names.size() - max) + " more";
  return out;
}

// The qualified names of the tables for which `pick` is true.
std::vector<std::string> QualifiedWhere(const std::vector<TableInfo>& tables,
                                        const std::function<bool(const TableInfo&)>& pick) {
  std::vector<std::string> out;
  for (const auto& t : tables)
    if (pick(t)) out.push_back(t.Qualified());
  return out;
}

// A database may fail for several reasons at once: all are said.
void AddError(DatabasePlan& plan, const std::string& why) {
  plan.error = plan.error ? *plan.error + "; " + why : why;
}

bool Excluded(const api::MigrationSpec& spec, const std::string& ext) {
  return std::find(spec.extensions.exclude.begin(), spec.extensions.exclude.end(), ext) !=
         spec.extensions.exclude.end();
}

void CheckExtensions(const PreflightInput& in, const DatabaseProbe& db,
                     std::vector<std::string>* errors) {
  const auto& dst = in.destination;
  for (const auto& ext : db.source->extensions) {
    if (ext.name == "plpgsql" || Excluded(*in.spec, ext.name)) continue;
    const InstalledExtension* there = db.destination ? db.destination->FindExtension(ext.name) : nullptr;
    if (there) {
      if (CompareVersions(there->version, ext.version) < 0)
        errors->push_back("Installed extension '" + ext.name + "' in destination database '" +
                          db.name + "' is older than in source, destination version: " +
                          there->version + ", source version: " + ext.version);
      continue;
    }
    const AvailableExtension* avail = dst.FindAvailable(ext.name);
    if (!avail) {
      errors->push_back("Extension '" + ext.name + "' (database '" + db.name +
                        "') is not available for installation on the destination");
      continue;
    }
    if (CompareVersions(avail->default_version, ext.version) < 0) {
      errors->push_back("Extension '" + ext.name + "' version available for installation on the "
                        "destination is too old, source version: " + ext.version +
                        ", destination version: " + avail->default_version);
      continue;
    }
    bool allowlisted = std::find(dst.extension_allowlist.begin(), dst.extension_allowlist.end(),
                                 ext.name) != dst.extension_allowlist.end();
    if (!allowlisted && !avail->trusted && avail->superuser && !dst.is_superuser)
      errors->push_back("Installing extension '" + ext.name + "' (database '" + db.name +
                        "') on the destination requires superuser");
  }
}

// The ordinary tables that hold the rows of each table of `tables`: itself, or for a
// partitioned table the partitions below it at any depth.
std::map<std::string, std::vector<const TableInfo*>> RowHolders(const std::vector<TableInfo>& tables) {
  std::map<std::string, const TableInfo*> by_name;
  for (const auto& t : tables) by_name[t.Qualified()] = &t;
  std::map<std::string, std::vector<const TableInfo*>> out;
  for (const auto& t : tables) {
    if (t.kind != 'r') continue;
    out[t.Qualified()].push_back(&t);
    const TableInfo* cur = &t;
    for (int depth = 0; cur->is_partition && depth < 64; ++depth) {
      auto it = by_name.find(cur->parent_schema + "." + cur->parent_name);
      if (it == by_name.end()) break;
      cur = it->second;
      out[cur->Qualified()].push_back(&t);
    }
  }
  return out;
}

// Foreign keys whose table's rows are copied while rows of the table they reference are left
// out by spec.tables: post-data could not add them (a violation), after the whole copy. Not
// when the destination's own copy of the referenced table holds rows (loaded by the user; the
// key is checked against those) or the left-out rows come from an extension's configuration
// table (CREATE EXTENSION makes them). Empty tables count as holding none.
std::vector<std::string> ForeignKeysToLeftOutRows(const DatabaseProbe& db, const std::vector<TableInfo>& selected) {
  auto source_rows = RowHolders(db.source->tables);
  // Copied: the ordinary tables holding the rows of a selected table (itself, or its partitions).
  std::set<const TableInfo*> copied_leaves;
  for (const auto& t : selected) {
    auto it = source_rows.find(t.Qualified());
    if (it != source_rows.end()) copied_leaves.insert(it->second.begin(), it->second.end());
  }
  auto copied = [&](const TableInfo& leaf) { return copied_leaves.count(&leaf) > 0; };
  auto destination_rows = RowHolders(db.destination ? db.destination->tables : std::vector<TableInfo>{});
  auto any = [](const std::map<std::string, std::vector<const TableInfo*>>& holders, const std::string& table,
                const std::function<bool(const TableInfo&)>& pick) {
    auto it = holders.find(table);
    if (it == holders.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const TableInfo* t) { return pick(*t); });
  };
  std::vector<std::string> out;
  for (const auto& fk : db.source->foreign_keys) {
    const std::string from = fk.schema + "." + fk.table, to = fk.ref_schema + "." + fk.ref_table;
    bool left_out = any(source_rows, to, [&](const TableInfo& t) {
      return t.bytes > 0 && t.extension.empty() && !copied(t);
    });
    if (!left_out) continue;
    if (!any(source_rows, from, [&](const TableInfo& t) { return t.bytes > 0 && copied(t); })) continue;
    if (any(destination_rows, to, [](const TableInfo& t) { return t.bytes > 0; })) continue;
    out.push_back(from + " references " + to + " (" + fk.name + ")");
  }
  return out;
}

}  // namespace

bool PreflightReport::ok() const {
  if (!errors.empty()) return false;
  for (const auto& d : databases)
    if (d.error) return false;
  return true;
}

std::vector<std::string> ReplicationBlockers(const PreflightInput& in, const DatabaseProbe& db,
                                             const std::vector<TableInfo>& tables, bool all_tables,
                                             int slot_index) {
  std::vector<std::string> why;
  const auto& src = in.source;
  const auto& dst = in.destination;
  if (src.version_num < 100000)
    why.push_back("source PostgreSQL " + src.version + " is older than 10");
  if (src.wal_level != "logical")
    why.push_back("wal_level is '" + src.wal_level + "' on the source; logical replication needs "
                  "wal_level=logical");
  int free_slots = src.max_replication_slots - src.used_replication_slots;
  if (slot_index >= free_slots)
    why.push_back("no free replication slot on the source (max_replication_slots=" +
                  std::to_string(src.max_replication_slots) + ", " +
                  std::to_string(src.used_replication_slots) +
                  " in use, one needed per replicated database)");
  int free_senders = src.max_wal_senders - src.used_wal_senders;
  if (slot_index >= free_senders)
    why.push_back("no free WAL sender on the source (max_wal_senders=" +
                  std::to_string(src.max_wal_senders) + ", " + std::to_string(src.used_wal_senders) +
                  " in use)");
  int free_workers = dst.max_logical_replication_workers - dst.used_logical_replication_workers;
  if (slot_index >= free_workers)
    why.push_back("no free logical replication worker on the destination "
                  "(max_logical_replication_workers=" +
                  std::to_string(dst.max_logical_replication_workers) + ")");
  const bool extras = db.source && db.source->has_aiven_extras;
  // aiven_extras creates publications and subscriptions, not slots: REPLICATION is needed anyway.
  if (!src.can_replicate)
    why.push_back("source user \"" + src.user + "\" has neither REPLICATION nor superuser, "
                  "needed for the replication slot (also with aiven_extras)");
  if (!src.is_superuser && !extras) {
    // Unlogged tables are never published (no WAL), so ownership of them does not matter.
    std::vector<std::string> not_owned =
        QualifiedWhere(tables, [](const TableInfo& t) { return !t.owned_by_user && !t.unlogged; });
    if (db.source && !db.source->can_create)
      why.push_back("source user \"" + src.user + "\" lacks CREATE on the database, needed to "
                    "create a publication");
    else if (!not_owned.empty())
      why.push_back("source user \"" + src.user + "\" is not superuser and does not own " +
                    ListSome(not_owned) + ", so it cannot publish them (aiven_extras is not "
                    "installed either)");
  }
  (void)all_tables;
  // aiven_extras in the destination database, or installable there by this user (pgferry then
  // installs it before subscribing, as aiven-db-migrate does).
  const AvailableExtension* extras_available = dst.FindAvailable("aiven_extras");
  const bool dst_extras =
      (db.destination && db.destination->has_aiven_extras) ||
      (extras_available && (!extras_available->superuser || extras_available->trusted ||
                            std::find(dst.extension_allowlist.begin(), dst.extension_allowlist.end(),
                                      "aiven_extras") != dst.extension_allowlist.end()));
  if (!dst.can_create_subscription && !dst_extras && !extras)
    why.push_back("destination user \"" + dst.user + "\" cannot create subscriptions (needs "
                  "superuser" + std::string(dst.version_num >= 160000 ? " or pg_create_subscription" : "") +
                  ", or aiven_extras)");
  std::vector<std::string> keyless =
      QualifiedWhere(tables, [](const TableInfo& t) { return !t.has_replica_identity && !t.unlogged; });
  if (!keyless.empty())
    why.push_back("tables without primary key or replica identity: " + ListSome(keyless) +
                  " (UPDATE and DELETE on them would fail on the source once published)");
  if (db.source && db.source->large_objects > 0)
    why.push_back(std::to_string(db.source->large_objects) +
                  " large objects, which logical replication does not carry");
  return why;
}

PreflightReport RunPreflight(const PreflightInput& in) {
  PreflightReport report;
  const auto& spec = *in.spec;
  const auto& src = in.source;
  const auto& dst = in.destination;
  report.warnings = in.notes;

  if (in.source_endpoint == in.destination_endpoint || (!src.identity.empty() && src.identity == dst.identity))
    report.errors.push_back("Migrating to the same server is not supported");
  if (src.major() > dst.major())
    report.errors.push_back("Migrating to older major PostgreSQL server version is not supported "
                            "(source " + src.major_name() + ", destination " + dst.major_name() + ")");
  std::vector<std::string> missing_langs;
  for (const auto& l : src.languages)
    if (std::find(dst.languages.begin(), dst.languages.end(), l) == dst.languages.end())
      missing_langs.push_back(l);
  std::sort(missing_langs.begin(), missing_langs.end());
  if (!missing_langs.empty())
    report.errors.push_back("Languages not installed in destination: " + Join(missing_langs, ", "));

  int replication_index = 0;
  bool need_createdb = false;
  for (const auto& db : in.databases) {
    DatabasePlan plan;
    plan.dbname = db.name;
    plan.exists_on_destination = db.exists_on_destination;
    if (!db.source) {
      plan.error = "Access to source database \"" + db.name + "\" failed: " + db.source_error.message();
      report.databases.push_back(std::move(plan));
      continue;
    }
    if (!db.exists_on_destination) {
      if (!spec.createDatabases)
        report.errors.push_back("Database \"" + db.name + "\" does not exist on the destination "
                                "(spec.createDatabases is false)");
      else
        need_createdb = true;
    } else if (!db.destination) {
      plan.error = "Access to destination database \"" + db.name + "\" failed: " +
                   db.destination_error.message();
      report.databases.push_back(std::move(plan));
      continue;
    }
    CheckExtensions(in, db, &report.errors);
    plan.tables = SelectTables(spec, db.name, db.source->tables);
    plan.all_tables = SelectsAllTables(spec);
    if (db.source->large_objects > 0)
      plan.warnings.push_back("Large objects detected (" + std::to_string(db.source->large_objects) +
                              "): large objects are not compatible with logical replication");

    if (spec.method == "dump") {
      plan.method = api::kMethodDump;
    } else if (spec.method == "schema_only") {
      plan.method = api::kMethodSchemaOnly;
    } else {
      auto blockers = ReplicationBlockers(in, db, plan.tables, plan.all_tables, replication_index);
      if (blockers.empty()) {
        plan.method = api::kMethodReplication;
        ++replication_index;
        auto unlogged = QualifiedWhere(plan.tables, [](const TableInfo& t) { return t.unlogged; });
        if (!unlogged.empty())
          plan.warnings.push_back("unlogged tables " + ListSome(unlogged) + " write no WAL, so "
                                  "replication cannot carry their changes: they are copied at the "
                                  "start and again at cutover");
      } else if (spec.method == "replication") {
        plan.method = api::kMethodReplication;
        plan.error = "logical replication is not possible: " + Join(blockers, "; ");
      } else {
        plan.method = api::kMethodDump;
        plan.reason = "logical replication not used: " + Join(blockers, "; ");
      }
    }
    // pg_dump locks every table whose definition it dumps (LOCK TABLE ... IN ACCESS SHARE MODE
    // needs SELECT), excluded ones and schema_only too; the copy then reads the selected ones.
    auto unreadable = QualifiedWhere(db.source->tables, [](const TableInfo& t) { return !t.readable; });
    if (!unreadable.empty())
      AddError(plan, "source user \"" + src.user + "\" has no SELECT on " + ListSome(unreadable) +
                         ", which pg_dump needs to lock each table for its definition (also for "
                         "excluded tables): GRANT SELECT on them, or the pg_read_all_data role");
    // Every data-copying method reads the tables with COPY as the source user; where row-level
    // security applies to that user the copy would hold only the rows its policies show (none
    // when RLS is on without a policy) and look complete. pg_dump refuses such a dump too.
    // (A partitioned root is copied through the root, so its own policies are the ones.)
    auto filtered = QualifiedWhere(plan.tables, [](const TableInfo& t) { return t.row_security_applies; });
    if (plan.method != api::kMethodSchemaOnly && !filtered.empty())
      AddError(plan, "row-level security applies to source user \"" + src.user + "\" on " +
                         ListSome(filtered) + ": its copy would hold only the rows the policies "
                         "show it; grant it BYPASSRLS (ALTER ROLE ... BYPASSRLS) or migrate as a "
                         "superuser");
    // Found here, before anything is written, rather than by post-data after the whole copy.
    if (plan.method != api::kMethodSchemaOnly) {
      auto dangling = ForeignKeysToLeftOutRows(db, plan.tables);
      if (!dangling.empty())
        AddError(plan, "spec.tables leaves out rows that foreign keys need: " + ListSome(dangling) +
                           " (adding the keys after the copy would fail); leave the referencing "
                           "tables out too, or copy the referenced ones");
    }
    report.databases.push_back(std::move(plan));
  }
  if (need_createdb && !dst.can_create_db)
    report.errors.push_back("destination user \"" + dst.user + "\" cannot create databases "
                            "(needs CREATEDB), and spec.createDatabases is true");
  if (in.databases.empty()) report.warnings.push_back("no database selected on the source");
  return report;
}

}  // namespace pgferry
