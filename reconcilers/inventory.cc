#include "reconcilers/inventory.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "reconcilers/catalog_sql.h"

namespace pgferry {

const AvailableExtension* ServerInventory::FindAvailable(const std::string& name) const {
  for (const auto& e : available_extensions)
    if (e.name == name) return &e;
  return nullptr;
}

bool ServerInventory::HasDatabase(const std::string& name) const {
  for (const auto& d : databases)
    if (d.name == name) return true;
  return false;
}

const InstalledExtension* DatabaseInventory::FindExtension(const std::string& name) const {
  for (const auto& e : extensions)
    if (e.name == name) return &e;
  return nullptr;
}

namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace

std::string Qualified(pg::Session& s, const TableInfo& t) {
  return s.QuoteIdent(t.schema) + "." + s.QuoteIdent(t.name);
}

Result<ServerInventory> InspectServer(pg::Session& s) {
  ServerInventory inv;
  std::string settings_sql = sql::kServerSettings;
  if (s.ServerVersion() < 160000) {
    size_t pos = settings_sql.find(sql::kCreateSubscriptionPg16);
    settings_sql.replace(pos, std::string(sql::kCreateSubscriptionPg16).size(), "false");
  }
  ASSIGN_OR_RETURN(auto r, s.Query(settings_sql));
  if (r.empty()) return NotFound("the connected role is not in pg_roles");
  int c = 0;
  inv.version_num = static_cast<int>(r.GetInt(0, c++));
  inv.version = r.Get(0, c++);
  inv.wal_level = r.Get(0, c++);
  inv.max_replication_slots = static_cast<int>(r.GetInt(0, c++));
  inv.used_replication_slots = static_cast<int>(r.GetInt(0, c++));
  inv.max_wal_senders = static_cast<int>(r.GetInt(0, c++));
  inv.used_wal_senders = static_cast<int>(r.GetInt(0, c++));
  inv.max_logical_replication_workers = static_cast<int>(r.GetInt(0, c++));
  inv.used_logical_replication_workers = static_cast<int>(r.GetInt(0, c++));
  inv.user = r.Get(0, c++);
  inv.is_superuser = r.GetBool(0, c++);
  inv.can_replicate = r.GetBool(0, c++);
  inv.can_create_db = r.GetBool(0, c++);
  inv.can_create_role = r.GetBool(0, c++);
  inv.can_create_subscription = r.GetBool(0, c++);
  inv.extension_allowlist = SplitList(r.Get(0, c++));
  inv.identity = r.Get(0, c++);

  ASSIGN_OR_RETURN(auto langs, s.Query(sql::kLanguages));
  for (size_t i = 0; i < langs.size(); ++i) inv.languages.push_back(langs.Get(i, 0));
  ASSIGN_OR_RETURN(auto dbs, s.Query(sql::kDatabases));
  for (size_t i = 0; i < dbs.size(); ++i)
    inv.databases.push_back({dbs.Get(i, 0), dbs.GetBool(i, 1), dbs.GetBool(i, 2)});
  ASSIGN_OR_RETURN(auto exts, s.Query(sql::kAvailableExtensions));
  for (size_t i = 0; i < exts.size(); ++i)
    inv.available_extensions.push_back(
        {exts.Get(i, 0), exts.Get(i, 1), exts.GetBool(i, 2), exts.GetBool(i, 3)});
  return inv;
}

Result<DatabaseInventory> InspectDatabase(pg::Session& s) {
  DatabaseInventory inv;
  inv.name = s.params().dbname;
  ASSIGN_OR_RETURN(auto exts, s.Query(sql::kInstalledExtensions));
  for (size_t i = 0; i < exts.size(); ++i) {
    inv.extensions.push_back({exts.Get(i, 0), exts.Get(i, 1), exts.Get(i, 2)});
    if (exts.Get(i, 0) == "aiven_extras") inv.has_aiven_extras = true;
  }
  ASSIGN_OR_RETURN(auto tables, s.Query(sql::kTables));
  for (size_t i = 0; i < tables.size(); ++i) {
    TableInfo t;
    t.schema = tables.Get(i, 0);
    t.name = tables.Get(i, 1);
    t.kind = tables.Get(i, 2).empty() ? 'r' : tables.Get(i, 2)[0];
    t.is_partition = tables.GetBool(i, 3);
    t.has_replica_identity = tables.GetBool(i, 4);
    t.extension = tables.Get(i, 5);
    t.bytes = tables.GetInt(i, 6);
    t.estimated_rows = tables.GetInt(i, 7);
    t.owned_by_user = tables.GetBool(i, 8);
    t.parent_schema = tables.Get(i, 9);
    t.parent_name = tables.Get(i, 10);
    t.row_security_applies = tables.GetBool(i, 11);
    t.unlogged = tables.GetBool(i, 12);
    t.readable = tables.GetBool(i, 13);
    inv.tables.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(auto fks, s.Query(sql::kForeignKeys));
  for (size_t i = 0; i < fks.size(); ++i)
    inv.foreign_keys.push_back({fks.Get(i, 0), fks.Get(i, 1), fks.Get(i, 2), fks.Get(i, 3), fks.Get(i, 4)});
  ASSIGN_OR_RETURN(auto priv, s.Query(sql::kDatabasePrivileges));
  inv.can_create = priv.GetBool(0, 0);
  ASSIGN_OR_RETURN(auto lo, s.Query(sql::kLargeObjects));
  inv.large_objects = lo.GetInt(0, 0);
  return inv;
}

int CompareVersions(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    std::string pa, pb;
    while (i < a.size() && a[i] != '.') pa += a[i++];
    while (j < b.size() && b[j] != '.') pb += b[j++];
    if (i < a.size()) ++i;
    if (j < b.size()) ++j;
    auto digits = [](const std::string& x) {
      return !x.empty() && std::all_of(x.begin(), x.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
    };
    int cmp;
    if (digits(pa) && digits(pb)) {
      // Numerically, without overflow: drop leading zeros, then longer is larger.
      pa.erase(0, std::min(pa.find_first_not_of('0'), pa.size()));
      pb.erase(0, std::min(pb.find_first_not_of('0'), pb.size()));
      cmp = pa.size() != pb.size() ? (pa.size() < pb.size() ? -1 : 1) : pa.compare(pb);
    } else {
      cmp = pa.compare(pb);
    }
    cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
    if (cmp != 0) return cmp;
  }
  return 0;
}

}  // namespace pgferry
