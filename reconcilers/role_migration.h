// RoleMigration: creates the source's roles that the destination lacks, with their attributes,
// connection limit, valid-until, role-wide settings and memberships. Login roles get a random
// placeholder password (real ones cannot be read without superuser), returned to the caller and
// never written to status or logs. Roles present already are reported `exists` and left alone.
#pragma once

#include "reconcilers/migration_engine.h"

namespace pgferry {

class RoleMigration {
 public:
  explicit RoleMigration(MigrationEngine& engine) : e_(engine) {}
  // Failures of single roles are recorded per role; only a failure to read the role lists
  // is returned.
  Status Run(pg::Session& source, pg::Session& destination);

 private:
  MigrationEngine& e_;
};

// Puts one role's outcome into the status list: replaces the entry a previous run left for that
// role (a status continued from an earlier run holds every role already), except that a role
// reported "created" stays "created" when a rerun finds it existing. Appends new roles.
void RecordRole(std::vector<api::RoleStatus>* roles, const api::RoleStatus& outcome);

// "key=value" from rolconfig as the right-hand side of ALTER ROLE ... SET key = ..., with list
// settings (search_path and friends) split into separately quoted elements.
std::string RoleSettingValue(pg::Session& s, const std::string& key, const std::string& value);

}  // namespace pgferry
