// SQL text of the migration steps (roles, state, copy, replication, cutover, cleanup).
// Identifiers and literals are spliced in only after Session::QuoteIdent/QuoteLiteral; values
// are bound as parameters wherever the statement allows it. Sessions run with an empty
// search_path, so every name is schema-qualified.
#pragma once

namespace pgferry::sql {

inline constexpr const char* kSourceRoles = R"sql(
SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
       r.rolreplication, r.rolbypassrls, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL THEN NULL
            WHEN pg_catalog.isfinite(r.rolvaliduntil)
              THEN pg_catalog.to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'
            ELSE r.rolvaliduntil::text END,
       coalesce(pg_catalog.array_to_json(r.rolconfig)::text, '[]')
  FROM pg_catalog.pg_roles r
 WHERE r.oid >= 16384 AND r.rolname !~ '^pg_'
 ORDER BY 1
)sql";

inline constexpr const char* kRoleNames = "SELECT rolname FROM pg_catalog.pg_roles";

inline constexpr const char* kSourceMemberships = R"sql(
SELECT r.rolname, m.rolname, a.admin_option
  FROM pg_catalog.pg_auth_members a
  JOIN pg_catalog.pg_roles r ON r.oid = a.roleid
  JOIN pg_catalog.pg_roles m ON m.oid = a.member
 WHERE m.oid >= 16384 AND m.rolname !~ '^pg_'
 ORDER BY 2, 1
)sql";

inline constexpr const char* kIsMember = R"sql(
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members a
                 JOIN pg_catalog.pg_roles r ON r.oid = a.roleid
                 JOIN pg_catalog.pg_roles m ON m.oid = a.member
                WHERE r.rolname = $1 AND m.rolname = $2)
)sql";

inline constexpr const char* kDatabaseDefinition = R"sql(
SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       pg_catalog.pg_get_userbyid(d.datdba)
  FROM pg_catalog.pg_database d WHERE d.datname = $1
)sql";

inline constexpr const char* kDatabaseExists =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1)";

// Progress pgferry keeps in each destination database, committed together with the work it
// records (a table's rows and its "copied" mark commit in one transaction).
inline constexpr const char* kCreateState = R"sql(
CREATE SCHEMA IF NOT EXISTS _pgferry;
CREATE TABLE IF NOT EXISTS _pgferry.state (
  migration_id text NOT NULL, key text NOT NULL, value text NOT NULL,
  PRIMARY KEY (migration_id, key))
)sql";
inline constexpr const char* kReadState =
    "SELECT key, value FROM _pgferry.state WHERE migration_id = $1";
inline constexpr const char* kStateExists =
    "SELECT pg_catalog.to_regclass('_pgferry.state') IS NOT NULL";
inline constexpr const char* kWriteState = R"sql(
INSERT INTO _pgferry.state (migration_id, key, value) VALUES ($1, $2, $3)
ON CONFLICT (migration_id, key) DO UPDATE SET value = EXCLUDED.value
)sql";
inline constexpr const char* kDeleteTableStates =
    "DELETE FROM _pgferry.state WHERE migration_id = $1 AND key LIKE 'table:%'";

// Copyable columns of a table: not dropped, not generated; whether all are built-in types
// (binary COPY carries type OIDs for arrays and composites, so user types go as text).
inline constexpr const char* kCopyColumns = R"sql(
SELECT a.attname, a.atttypid < 16384
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
 ORDER BY a.attnum
)sql";

inline constexpr const char* kSequences = R"sql(
SELECT pg_catalog.quote_ident(schemaname) || '.' || pg_catalog.quote_ident(sequencename),
       last_value
  FROM pg_catalog.pg_sequences
 WHERE last_value IS NOT NULL
 ORDER BY 1
)sql";
inline constexpr const char* kSetSequence = "SELECT pg_catalog.setval($1::regclass, $2::bigint, true)";

inline constexpr const char* kLargeObjectIds =
    "SELECT oid FROM pg_catalog.pg_largeobject_metadata ORDER BY oid";
inline constexpr const char* kReadLargeObject = "SELECT pg_catalog.lo_get($1::oid)";
inline constexpr const char* kWriteLargeObject = R"sql(
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata WHERE oid = $1::oid)
            THEN pg_catalog.lo_put($1::oid, 0, $2::bytea)::text
            ELSE pg_catalog.lo_from_bytea($1::oid, $2::bytea)::text END
)sql";

inline constexpr const char* kPublicationExists =
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1)";
inline constexpr const char* kSlot = R"sql(
SELECT active, active_pid,
       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,
       confirmed_flush_lsn::text, pg_catalog.pg_current_wal_lsn()::text,
       pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, $2::pg_lsn) >= 0
  FROM pg_catalog.pg_replication_slots WHERE slot_name = $1
)sql";
inline constexpr const char* kSlotsWithPrefix = R"sql(
SELECT slot_name, database FROM pg_catalog.pg_replication_slots
 WHERE slot_name LIKE $1 || '%'
)sql";
inline constexpr const char* kDropSlot = "SELECT pg_catalog.pg_drop_replication_slot($1)";
inline constexpr const char* kPublicationsWithPrefix =
    "SELECT pubname FROM pg_catalog.pg_publication WHERE pubname LIKE $1 || '%'";

inline constexpr const char* kSubscription = R"sql(
SELECT s.subenabled,
       (SELECT count(*) FROM pg_catalog.pg_subscription_rel r WHERE r.srsubid = s.oid),
       (SELECT count(*) FROM pg_catalog.pg_subscription_rel r
         WHERE r.srsubid = s.oid AND r.srsubstate IN ('r', 's'))
  FROM pg_catalog.pg_subscription s
 WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database
                                        WHERE datname = pg_catalog.current_database())
)sql";
inline constexpr const char* kSubscriptionsWithPrefix = R"sql(
SELECT s.subname FROM pg_catalog.pg_subscription s
 WHERE s.subname LIKE $1 || '%' AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database
                                                  WHERE datname = pg_catalog.current_database())
)sql";

}  // namespace pgferry::sql
