// The PgMigration API (group pgferry.io, version v1alpha1) as C++ values.
//
// These types mirror DESIGN.md and crds/pgferry.io_pgmigrations.yaml field for field; the CRD is
// the source of truth and tests/unit/api_agreement_test keeps the three in agreement. Defaults
// are the member initialisers below. Plain values: copy freely, no thread-safety concerns.
//
// JSON conversion (status as printed by `pgferry migrate -o json` and written to the Kubernetes
// status subresource) lives in migration_json.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgferry::api {

inline constexpr const char* kGroup = "pgferry.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "pgferry.io/v1alpha1";
inline constexpr const char* kKind = "PgMigration";
inline constexpr const char* kFinalizer = "pgferry.io/cleanup";

struct SecretKeyRef {
  std::string name;
  std::string key;

  bool operator==(const SecretKeyRef&) const = default;
};

struct CredentialsSecretRef {
  std::string name;
  std::string usernameKey = "username";
  std::string passwordKey = "password";

  bool operator==(const CredentialsSecretRef&) const = default;
};

// One end of the migration: how to reach a PostgreSQL server.
struct ServerSpec {
  std::string host;
  int port = 5432;
  std::string dbname = "postgres";  // bootstrap database used to list databases
  std::string sslMode = "prefer";   // disable|allow|prefer|require|verify-ca|verify-full
  std::optional<SecretKeyRef> sslRootCertSecretRef;
  CredentialsSecretRef credentialsSecretRef;
  int connectTimeoutSeconds = 10;

  bool operator==(const ServerSpec&) const = default;
};

struct NameFilter {
  std::vector<std::string> include;  // empty = all
  std::vector<std::string> exclude;

  bool operator==(const NameFilter&) const = default;
};

struct RolesSpec {
  bool migrate = true;
  std::vector<std::string> exclude;

  bool operator==(const RolesSpec&) const = default;
};

struct ExtensionsSpec {
  std::vector<std::string> exclude;

  bool operator==(const ExtensionsSpec&) const = default;
};

struct ReplicationSpec {
  int64_t maxLagBytes = 0;
  bool cutover = false;
  bool syncSequences = true;

  bool operator==(const ReplicationSpec&) const = default;
};

struct DumpSpec {
  int jobs = 2;

  bool operator==(const DumpSpec&) const = default;
};

struct MigrationSpec {
  ServerSpec source;
  ServerSpec destination;
  std::string method = "auto";  // auto|replication|dump|schema_only
  NameFilter databases;
  NameFilter tables;  // "table", "schema.table" or "db.schema.table"; include XOR exclude
  bool replicateExtensionTables = true;
  RolesSpec roles;
  ExtensionsSpec extensions;
  bool createDatabases = true;
  ReplicationSpec replication;
  DumpSpec dump;
  std::string cleanupPolicy = "Delete";  // Delete|Retain
  bool suspend = false;
  // none|counts|checksums: compare every table on both sides before a database is done (after
  // the one-time copy, under its snapshot; before a cutover drops the replication objects).
  std::string verify = "none";

  bool operator==(const MigrationSpec&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::string uid;
  int64_t generation = 0;
  std::string resourceVersion;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;  // e.g. kFinalizer while cleanup is pending
  std::string creationTimestamp;        // RFC 3339, set by the API server
  std::string deletionTimestamp;        // non-empty once deletion was requested

  bool operator==(const ObjectMeta&) const = default;
};

// ---- status ----

struct ReplicationObjects {
  std::string publication;
  std::string slot;
  std::string subscription;
  bool empty() const { return publication.empty() && slot.empty() && subscription.empty(); }

  bool operator==(const ReplicationObjects&) const = default;
};

// Per-database status words, the seed's migration_detail vocabulary.
inline constexpr const char* kDbPending = "pending";
inline constexpr const char* kDbRunning = "running";
inline constexpr const char* kDbSyncing = "syncing";
inline constexpr const char* kDbDone = "done";
inline constexpr const char* kDbFailed = "failed";

// Per-database method words.
inline constexpr const char* kMethodReplication = "replication";
inline constexpr const char* kMethodDump = "pg_dump";
inline constexpr const char* kMethodSchemaOnly = "schema_only";

// What spec.verify found for a database (reconcilers/verification.h).
inline constexpr const char* kVerifyPassed = "passed";
inline constexpr const char* kVerifyFailed = "failed";

struct Verification {
  std::string mode;    // counts|checksums
  std::string result;  // passed|failed
  int64_t tables = 0;  // tables compared
  int64_t rows = 0;    // rows on the source, over those tables
  int64_t differing = 0;  // tables that differ (all of them; mismatches names the first 20)
  std::vector<std::string> mismatches;  // the tables that differ and how (the first 20)
  std::string time;    // RFC 3339, when the comparison ended

  bool operator==(const Verification&) const = default;
};

struct DatabaseStatus {
  std::string dbname;
  std::string method;                // replication|pg_dump|schema_only, "" before decided
  std::string status = kDbPending;   // pending|running|syncing|done|failed
  std::optional<std::string> error;  // fallback reason or the server's message
  int64_t tablesTotal = 0;
  int64_t tablesSynced = 0;
  int64_t lagBytes = 0;
  int64_t walRetainedBytes = 0;  // WAL the slot keeps on the source (current LSN - restart_lsn)
  int64_t rowsCopied = 0;
  int64_t bytesCopied = 0;
  ReplicationObjects replicationObjects;
  std::vector<std::string> warnings;  // ignorable restore errors and the like
  // Sequence values copied at cutover (name -> value), reported to the user.
  std::map<std::string, int64_t> sequencesSynced;
  std::optional<Verification> verification;  // spec.verify's last result

  bool operator==(const DatabaseStatus&) const = default;
};

struct RoleStatus {
  std::string rolname;
  std::string status;  // created|exists|failed
  std::optional<std::string> error;

  bool operator==(const RoleStatus&) const = default;
};

struct Condition {
  std::string type;
  std::string status;  // "True"|"False"|"Unknown"
  std::string reason;
  std::string message;
  std::string lastTransitionTime;
  int64_t observedGeneration = 0;

  bool operator==(const Condition&) const = default;
};

// Phases of the whole migration.
inline constexpr const char* kPhasePending = "Pending";
inline constexpr const char* kPhaseValidating = "Validating";
inline constexpr const char* kPhaseRunning = "Running";
inline constexpr const char* kPhaseSyncing = "Syncing";
inline constexpr const char* kPhaseCuttingOver = "CuttingOver";
inline constexpr const char* kPhaseDone = "Done";
inline constexpr const char* kPhaseFailed = "Failed";
inline constexpr const char* kPhaseDeleting = "Deleting";

struct MigrationStatus {
  int64_t observedGeneration = 0;
  std::string phase = kPhasePending;
  std::string method;  // "" when databases used different methods
  std::optional<std::string> error;
  std::string progress;  // "done-or-syncing/selected"
  int64_t lagBytes = 0;
  std::string startTime;
  std::string completionTime;
  std::string migrationId;  // the short id used in replication object names
  std::vector<DatabaseStatus> databases;
  std::vector<RoleStatus> roles;
  std::vector<Condition> conditions;

  DatabaseStatus* FindDatabase(const std::string& dbname);
  const DatabaseStatus* FindDatabase(const std::string& dbname) const;

  bool operator==(const MigrationStatus&) const = default;
};

struct PgMigration {
  ObjectMeta metadata;
  MigrationSpec spec;
  MigrationStatus status;

  bool operator==(const PgMigration&) const = default;
};

// A Kubernetes Secret's data, already decoded (`data` is base64, `stringData` plain).
struct Secret {
  std::string name;
  std::string namespace_ = "default";
  std::map<std::string, std::string> data;

  bool operator==(const Secret&) const = default;
};

}  // namespace pgferry::api
