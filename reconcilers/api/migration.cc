#include "reconcilers/api/migration.h"

namespace pgferry::api {

DatabaseStatus* MigrationStatus::FindDatabase(const std::string& dbname) {
  for (auto& d : databases)
    if (d.dbname == dbname) return &d;
  return nullptr;
}

const DatabaseStatus* MigrationStatus::FindDatabase(const std::string& dbname) const {
  for (const auto& d : databases)
    if (d.dbname == dbname) return &d;
  return nullptr;
}

}  // namespace pgferry::api
