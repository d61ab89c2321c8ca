// RecordRole: a status continued from an earlier run (the operator keeps it across jobs) gets each
// role's new outcome in place of the old one, never a second entry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/role_migration.h"

namespace pgferry {
namespace {

api::RoleStatus Role(const std::string& name, const std::string& status,
                     std::optional<std::string> error = std::nullopt) {
  api::RoleStatus r;
  r.rolname = name;
  r.status = status;
  r.error = std::move(error);
  return r;
}

TEST(RecordRole, ARerunReplacesEntriesInsteadOfAppending) {
  std::vector<api::RoleStatus> roles;
  RecordRole(&roles, Role("app", "created"));
  RecordRole(&roles, Role("admin", "failed", "must be superuser to create superusers"));
  RecordRole(&roles, Role("reader", "exists"));
  // The second run sees app (created by the first) and reader as existing; admin fails again.
  RecordRole(&roles, Role("app", "exists"));
  RecordRole(&roles, Role("admin", "failed", "permission denied to create role"));
  RecordRole(&roles, Role("reader", "exists"));
  RecordRole(&roles, Role("late", "created"));
  ASSERT_EQ(roles.size(), 4u);
  EXPECT_EQ(roles[0], Role("app", "created"));
  EXPECT_EQ(roles[1], Role("admin", "failed", "permission denied to create role"));
  EXPECT_EQ(roles[2], Role("reader", "exists"));
  EXPECT_EQ(roles[3], Role("late", "created"));
}

TEST(RecordRole, AFailedRoleThatExistsNowIsReportedExisting) {
  std::vector<api::RoleStatus> roles = {Role("admin", "failed", "must be superuser")};
  RecordRole(&roles, Role("admin", "exists"));
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0], Role("admin", "exists"));
}

}  // namespace
}  // namespace pgferry
