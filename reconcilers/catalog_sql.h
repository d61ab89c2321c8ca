// SQL text that reads catalogs (inventory.cc). Every name is schema-qualified: sessions run with
// an empty search_path. Nothing here writes.
#pragma once

namespace pgferry::sql {

inline constexpr const char* kServerSettings = R"sql(
SELECT pg_catalog.current_setting('server_version_num')::int,
       pg_catalog.current_setting('server_version'),
       pg_catalog.current_setting('wal_level'),
       pg_catalog.current_setting('max_replication_slots')::int,
       (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int,
       pg_catalog.current_setting('max_wal_senders')::int,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'walsender')::int,
       pg_catalog.current_setting('max_logical_replication_workers')::int,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity
         WHERE backend_type IN ('logical replication worker', 'logical replication launcher'))::int,
       r.rolname, r.rolsuper, r.rolreplication OR r.rolsuper, r.rolcreatedb OR r.rolsuper,
       r.rolcreaterole OR r.rolsuper,
       r.rolsuper OR (pg_catalog.current_setting('server_version_num')::int >= 160000 AND
         pg_catalog.pg_has_role(r.oid, 'pg_create_subscription', 'USAGE')),
       coalesce(pg_catalog.current_setting('extwlist.extensions', true), ''),
       pg_catalog.pg_postmaster_start_time()::text || '/' ||
         coalesce(pg_catalog.inet_server_port()::text, '')
  FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
)sql";

// pg_has_role(..., 'pg_create_subscription') errors on PG15 where that role does not exist, so
// the query above is only sent as-is to PG16+; inventory.cc substitutes `false` before that.
inline constexpr const char* kCreateSubscriptionPg16 =
    "pg_catalog.pg_has_role(r.oid, 'pg_create_subscription', 'USAGE')";

inline constexpr const char* kLanguages =
    "SELECT lanname FROM pg_catalog.pg_language ORDER BY 1";

inline constexpr const char* kDatabases =
    "SELECT datname, datallowconn, datistemplate FROM pg_catalog.pg_database ORDER BY datname";

inline constexpr const char* kAvailableExtensions = R"sql(
SELECT a.name, coalesce(a.default_version, ''),
       coalesce(v.superuser, true), coalesce(v.trusted, false)
  FROM pg_catalog.pg_available_extensions a
  LEFT JOIN pg_catalog.pg_available_extension_versions v
    ON v.name = a.name AND v.version = a.default_version
 ORDER BY 1
)sql";

inline constexpr const char* kInstalledExtensions = R"sql(
SELECT e.extname, e.extversion, n.nspname
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 ORDER BY 1
)sql";

// User tables (ordinary and partitioned), with whether UPDATE/DELETE could be published:
// a primary key, REPLICA IDENTITY FULL, or REPLICA IDENTITY USING INDEX; and whether
// row-level security applies to the connected role (the server's own rule: not superuser, no
// BYPASSRLS, not the owner or FORCE ROW LEVEL SECURITY), so its COPY would see only the rows
// the policies show it; whether it is UNLOGGED (no WAL, so no logical replication); and
// whether the connected role may read it (pg_dump locks every table, COPY reads it).
inline constexpr const char* kTables = R"sql(
SELECT n.nspname, c.relname, c.relkind::text, c.relispartition,
       c.relreplident IN ('f', 'i') OR
         (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                            WHERE i.indrelid = c.oid AND i.indisprimary)),
       coalesce((SELECT e.extname FROM pg_catalog.pg_extension e
                  WHERE c.oid = ANY (e.extconfig)), ''),
       CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END,
       greatest(c.reltuples, 0)::bigint,
       pg_catalog.pg_has_role(c.relowner, 'USAGE'),
       coalesce((SELECT pn.nspname FROM pg_catalog.pg_inherits i
                   JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                   JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                  WHERE i.inhrelid = c.oid AND c.relispartition), ''),
       coalesce((SELECT p.relname::text FROM pg_catalog.pg_inherits i
                   JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                  WHERE i.inhrelid = c.oid AND c.relispartition), ''),
       c.relrowsecurity AND pg_catalog.row_security_active(c.oid),
       c.relpersistence = 'u',
       pg_catalog.has_table_privilege(c.oid, 'SELECT')
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
   AND n.nspname <> '_pgferry'
   -- Tables an extension created and does not list as configuration: CREATE EXTENSION makes
   -- them on the destination, and pg_dump leaves their rows out too.
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e
                     ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                    AND d.refobjid = e.oid
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND d.objid = c.oid AND d.deptype = 'e'
                      AND NOT coalesce(c.oid = ANY (e.extconfig), false))
 ORDER BY 1, 2
)sql";

// Foreign keys where they were declared: partitions' clones of a partitioned table's key, and
// the rows the server adds for each partition of a referenced partitioned table, have
// coninhcount > 0.
inline constexpr const char* kForeignKeys = R"sql(
SELECT cn.nspname, c.relname, con.conname, fn.nspname, f.relname
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
  JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_catalog.pg_class f ON f.oid = con.confrelid
  JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
 WHERE con.contype = 'f' AND con.coninhcount = 0
 ORDER BY 1, 2, 3
)sql";

inline constexpr const char* kLargeObjects =
    "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata";

}  // namespace pgferry::sql

namespace pgferry::sql {

// Whether the connected role may create a publication here: CREATE on the database, and
// ownership of the given tables (or superuser) for FOR TABLE publications.
inline constexpr const char* kDatabasePrivileges = R"sql(
SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMP')
)sql";

}  // namespace pgferry::sql
