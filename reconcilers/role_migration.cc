#include "reconcilers/role_migration.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "reconcilers/engine_sql.h"

namespace pgferry {
namespace {

std::string Placeholder() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<int> d(0, 25);
  std::string p = "placeholder_";
  for (int i = 0; i < 16; ++i) p += static_cast<char>('a' + d(rng));
  return p;
}

bool IsListSetting(const std::string& key) {
  static const std::set<std::string> kList = {"search_path", "temp_tablespaces",
                                              "session_preload_libraries",
                                              "local_preload_libraries", "shared_preload_libraries"};
  return kList.count(key) > 0;
}

}  // namespace

std::string RoleSettingValue(pg::Session& s, const std::string& key, const std::string& value) {
  if (!IsListSetting(key)) return s.QuoteLiteral(value);
  // Split "a, \"B c\"" into elements; double quotes keep commas and case.
  std::vector<std::string> items;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '"') {
      if (quoted && i + 1 < value.size() && value[i + 1] == '"') {
        cur += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
      any = true;
    } else if (c == ',' && !quoted) {
      items.push_back(cur);
      cur.clear();
      any = false;
    } else if (c == ' ' && !quoted) {
      continue;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any || !cur.empty()) items.push_back(cur);
  std::string out;
  for (const auto& it : items) out += (out.empty() ? "" : ", ") + s.QuoteLiteral(it);
  return out.empty() ? "''" : out;
}

void RecordRole(std::vector<api::RoleStatus>* roles, const api::RoleStatus& outcome) {
  for (auto& r : *roles) {
    if (r.rolname != outcome.rolname) continue;
    // A role this migration created earlier is found on the destination now: still "created".
    if (!(r.status == "created" && outcome.status == "exists")) r = outcome;
    return;
  }
  roles->push_back(outcome);
}

Status RoleMigration::Run(pg::Session& src, pg::Session& dst) {
  ASSIGN_OR_RETURN(auto roles, src.Query(sql::kSourceRoles));
  ASSIGN_OR_RETURN(auto existing_rows, dst.Query(sql::kRoleNames));
  std::set<std::string> existing;
  for (size_t i = 0; i < existing_rows.size(); ++i) existing.insert(existing_rows.Get(i, 0));
  const auto& exclude = e_.spec_.roles.exclude;
  std::set<std::string> migrated;

  for (size_t i = 0; i < roles.size(); ++i) {
    const std::string name = roles.Get(i, 0);
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    migrated.insert(name);
    api::RoleStatus rs;
    rs.rolname = name;
    if (existing.count(name)) {
      rs.status = "exists";
    } else {
      auto flag = [&](int col, const char* yes, const char* no) {
        return std::string(" ") + (roles.GetBool(i, col) ? yes : no);
      };
      std::string q = dst.QuoteIdent(name);
      std::string stmt = "CREATE ROLE " + q + " WITH" + flag(1, "SUPERUSER", "NOSUPERUSER") +
                         flag(2, "INHERIT", "NOINHERIT") + flag(3, "CREATEROLE", "NOCREATEROLE") +
                         flag(4, "CREATEDB", "NOCREATEDB") + flag(5, "LOGIN", "NOLOGIN") +
                         flag(6, "REPLICATION", "NOREPLICATION") + flag(7, "BYPASSRLS", "NOBYPASSRLS");
      if (roles.GetInt(i, 8) != -1) stmt += " CONNECTION LIMIT " + std::to_string(roles.GetInt(i, 8));
      std::string password;
      if (roles.GetBool(i, 5)) {
        password = Placeholder();
        stmt += " PASSWORD " + dst.QuoteLiteral(password);
      }
      if (!roles.IsNull(i, 9)) stmt += " VALID UNTIL " + dst.QuoteLiteral(roles.Get(i, 9));
      Status st = dst.Exec(stmt);
      if (!st.ok()) {
        rs.status = "failed";
        rs.error = st.message();
      } else {
        rs.status = "created";
        if (!password.empty()) e_.passwords_.push_back({name, password});
        auto config = nlohmann::json::parse(roles.Get(i, 10), nullptr, false);
        if (config.is_array()) {
          for (const auto& kv : config) {
            std::string entry = kv.get<std::string>();
            auto eq = entry.find('=');
            if (eq == std::string::npos) continue;
            std::string key = entry.substr(0, eq);
            Status cs = dst.Exec("ALTER ROLE " + q + " SET " + dst.QuoteIdent(key) + " = " +
                                 RoleSettingValue(dst, key, entry.substr(eq + 1)));
            if (!cs.ok()) rs.error = "setting " + key + ": " + cs.message();
          }
        }
      }
    }
    std::lock_guard<std::recursive_mutex> lock(e_.mu_);
    RecordRole(&e_.status_->roles, rs);
  }

  // Memberships (aiven-db-migrate leaves these out): granted when both ends exist now.
  ASSIGN_OR_RETURN(auto members, src.Query(sql::kSourceMemberships));
  ASSIGN_OR_RETURN(auto now_rows, dst.Query(sql::kRoleNames));
  std::set<std::string> now;
  for (size_t i = 0; i < now_rows.size(); ++i) now.insert(now_rows.Get(i, 0));
  for (size_t i = 0; i < members.size(); ++i) {
    std::string role = members.Get(i, 0), member = members.Get(i, 1);
    if (!migrated.count(member) || !now.count(role) || !now.count(member)) continue;
    auto is = dst.Query(sql::kIsMember, {role, member});
    if (is.ok() && is->GetBool(0, 0)) continue;
    Status st = dst.Exec("GRANT " + dst.QuoteIdent(role) + " TO " + dst.QuoteIdent(member) +
                         (members.GetBool(i, 2) ? " WITH ADMIN OPTION" : ""));
    if (!st.ok()) {
      std::lock_guard<std::recursive_mutex> lock(e_.mu_);
      for (auto& rs : e_.status_->roles)
        if (rs.rolname == member && !rs.error)
          rs.error = "membership in " + role + ": " + st.message();
    }
  }
  e_.Publish();
  return Status::Ok();
}

}  // namespace pgferry
