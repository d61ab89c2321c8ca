// SQL text of the migration steps (roles, state, copy, replication, cutover, cleanup).
// Identifiers and literals are spliced in only after Session::QuoteIdent/QuoteLiteral; values
// are bound as parameters wherever the statement allows it. Sessions run with an empty
// search_path, so every name is schema-qualified.
#pragma once

#include <string>

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
// kWriteState for one row; kWriteStateRows + "(...), (...)" + kWriteStateUpsert for several.
inline constexpr const char* kWriteStateRows = "INSERT INTO _pgferry.state (migration_id, key, value) VALUES ";
inline constexpr const char* kWriteStateUpsert =
    " ON CONFLICT (migration_id, key) DO UPDATE SET value = EXCLUDED.value";
inline const std::string kWriteState = std::string(kWriteStateRows) + "($1, $2, $3)" + kWriteStateUpsert;
inline constexpr const char* kDeleteTableStates =
    "DELETE FROM _pgferry.state WHERE migration_id = $1 AND (key LIKE 'table:%' OR key LIKE 'indexes:%')";

// The tables named by $1 (schemas) and $2 (names), with their 1-based position in those arrays:
// the queries below read a catalog fact for many tables in one round trip (the copy workers
// made one per table before, 1,000s of round trips for a schema of many small tables). A name
// that does not resolve yields no rows.
inline constexpr const char* kTablesByName = R"sql(
WITH r AS MATERIALIZED (
  SELECT x.ord, c.oid AS relid
    FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]))
           WITH ORDINALITY AS x(nsp, rel, ord)
    JOIN pg_catalog.pg_namespace n ON n.nspname = x.nsp
    JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.rel)
)sql";

// Copyable columns (not dropped, not generated) of the tables: position, name, and whether
// binary COPY is safe for the column's type across two servers: built-in types (same OIDs
// everywhere; arrays of them carry a built-in element OID), enums (sent as their label) and
// domains over a built-in type (sent as the base type). Arrays, composites and ranges of
// user-defined types embed OIDs that differ between servers: such a table goes as text.
inline const std::string kCopyColumns = std::string(kTablesByName) + R"sql(
SELECT r.ord, a.attname,
       t.oid < 16384 OR t.typtype = 'e' OR (t.typtype = 'd' AND t.typbasetype < 16384)
  FROM r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.relid
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
 WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
 ORDER BY r.ord, a.attnum
)sql";

// Every column of the tables (generated ones too), for spec.verify's row text.
inline const std::string kTableColumnNames = std::string(kTablesByName) + R"sql(
SELECT r.ord, a.attname
  FROM r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.relid
 WHERE a.attnum > 0 AND NOT a.attisdropped
 ORDER BY r.ord, a.attnum
)sql";

// The settings that make a row's text form the same on both servers for spec.verify.
inline constexpr const char* kVerifySettings =
    "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET lc_monetary = 'C'; SET row_security = off";

inline constexpr const char* kSequences = R"sql(
SELECT pg_catalog.quote_ident(schemaname) || '.' || pg_catalog.quote_ident(sequencename),
       last_value
  FROM pg_catalog.pg_sequences
 WHERE last_value IS NOT NULL
 ORDER BY 1
)sql";

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
// The publication's kind and, unless it is FOR ALL TABLES, the tables it publishes (the
// partitioned tables above published partitions, with publish_via_partition_root).
inline constexpr const char* kPublicationTables = R"sql(
SELECT p.puballtables, coalesce(pt.schemaname::text, ''), coalesce(pt.tablename::text, '')
  FROM pg_catalog.pg_publication p
  LEFT JOIN pg_catalog.pg_publication_tables pt ON pt.pubname = p.pubname AND NOT p.puballtables
 WHERE p.pubname = $1
)sql";
// The relations the subscription replicates (pg_subscription_rel: what the last CREATE or
// REFRESH took from the publication).
inline constexpr const char* kSubscriptionTables = R"sql(
SELECT n.nspname, c.relname
  FROM pg_catalog.pg_subscription s
  JOIN pg_catalog.pg_subscription_rel r ON r.srsubid = s.oid
  JOIN pg_catalog.pg_class c ON c.oid = r.srrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database
                                        WHERE datname = pg_catalog.current_database())
)sql";
// A signature of each table's columns (names, types, type modifiers, NOT NULL, defaults), the
// same on both sides when they have the same columns: FollowColumns reads the columns themselves
// only of the tables whose signatures differ (10,000 tables' columns cost 20 MiB and half a
// second a run).
#define PGFERRY_COLUMN_SIGNATURE                                                                     \
  "pg_catalog.md5(pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' ' || t.typname || " \
  "'(' || a.atttypmod || ') ' || a.attnotnull || ' ' || coalesce(pg_catalog.pg_get_expr(ad.adbin, "   \
  "ad.adrelid), ''), ',' ORDER BY a.attname))"
inline constexpr const char* kPublishedColumnSignatures =
    "SELECT p.schemaname::text, p.tablename::text, " PGFERRY_COLUMN_SIGNATURE R"sql(
  FROM pg_catalog.pg_publication_tables p
  JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE p.pubname = $1
 GROUP BY 1, 2
)sql";
// The columns (a), types (t) and defaults (ad) of the tables named by $1 (schemas) and $2 (names).
inline constexpr const char* kNamedTablesColumns = R"sql(
  FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS x(nsp, rel)
  JOIN pg_catalog.pg_namespace n ON n.nspname = x.nsp
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.rel
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
)sql";
// The same signatures for those tables, on the destination.
inline const std::string kColumnSignatures =
    "SELECT x.nsp, x.rel, " PGFERRY_COLUMN_SIGNATURE + std::string(kNamedTablesColumns) + " GROUP BY 1, 2";
#undef PGFERRY_COLUMN_SIGNATURE
// The columns of the tables a publication publishes (source, PostgreSQL 12+), in order, with
// what adding one elsewhere takes: type, collation when not the type's, NOT NULL, default or
// generation expression, the value rows older than the column read (atthasmissing), identity;
// and the table a column is added to (a partition's root). Read with search_path pg_catalog,
// so types and expressions come schema-qualified.
inline constexpr const char* kPublishedColumns = R"sql(
SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attcollation <> t.typcollation AND co.oid IS NOT NULL
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.atthasmissing,
       CASE WHEN a.atthasmissing THEN a.attmissingval::text END,
       a.attgenerated <> '', a.attidentity <> '', rn.nspname, rc.relname,
       t.typname || '(' || a.atttypmod || ')'
  FROM pg_catalog.pg_publication_tables p
  JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
  JOIN pg_catalog.pg_class rc ON rc.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid)
  JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
  LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
 WHERE p.pubname = $1
   AND (n.nspname, c.relname) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])))
 ORDER BY 1, 2, a.attnum
)sql";
// Sequences no table owns (OWNED BY, identity) and no extension made: a table's own come with
// the table.
inline constexpr const char* kStandaloneSequences = R"sql(
SELECT n.nspname, c.relname
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                      AND d.deptype IN ('a', 'i', 'e'))
 ORDER BY 1, 2
)sql";
// The columns of the destination's tables named by $1 (schemas) and $2 (names): type (as
// kPublishedColumns names it, and for people), NOT NULL without a default, NOT NULL, default
// (as kPublishedColumns gives it), generated or identity.
inline const std::string kTableColumns = R"sql(
SELECT n.nspname, c.relname, a.attname, t.typname || '(' || a.atttypmod || ')',
       pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull AND NOT a.atthasdef,
       a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attgenerated <> '' OR a.attidentity <> ''
)sql" + std::string(kNamedTablesColumns);
// A condition for the queries that follow the source's schema: the object (`oid` in `catalog`)
// lies in a user's schema (its pg_namespace row is `n`; not pg_*, information_schema or
// pgferry's _pgferry) and belongs to no extension (CREATE EXTENSION makes those).
inline std::string UserObject(const std::string& catalog, const std::string& oid) {
  return "n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', '_pgferry')"
         " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '" + catalog +
         "'::pg_catalog.regclass AND d.objid = " + oid + " AND d.deptype = 'e')";
}
// The indexes and constraints of the user's tables, as FollowIndexes compares them (PostgreSQL
// 11+, both sides): class ('i' an index no constraint owns, 'c' a constraint: PRIMARY KEY,
// UNIQUE, EXCLUDE, CHECK, FOREIGN KEY), schema, table, name, the order to make them in (indexes,
// then constraints in the order p u x c f, so a foreign key finds its unique index), and the
// statement that makes one: a partitioned table's index without pg_get_indexdef's ONLY (its
// partitions get theirs with it). Left out: what a partition or inheritance child has from its
// parent (made with the parent's), invalid indexes (a CREATE INDEX CONCURRENTLY under way or
// failed), extensions' tables, pgferry's _pgferry. Read with search_path pg_catalog, so
// functions and types come schema-qualified.
inline const std::string kIndexObjectsCte = R"sql(
WITH o AS (
SELECT 'i'::text AS class, n.nspname AS nsp, t.relname AS rel, i.relname AS name, 0 AS rank, i.oid AS id,
       x.indisunique AS uniq
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
 WHERE x.indisvalid
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.oid)
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))
   AND )sql" + UserObject("pg_catalog.pg_class", "t.oid") + R"sql(
UNION ALL
SELECT 'c', n.nspname, t.relname, c.conname, pg_catalog.strpos('puxcf', c.contype::text), c.oid, false
  FROM pg_catalog.pg_constraint c
  JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
 WHERE c.contype IN ('p', 'u', 'x', 'c', 'f') AND c.conparentid = 0 AND c.coninhcount = 0
   AND )sql" + UserObject("pg_catalog.pg_class", "t.oid") + R"sql()
)sql";
// The user's tables (ordinary and partitioned, not an extension's, not _pgferry's), for
// NameDestinationOnlyTables: with $1 the md5 over their names only (one row), else the names.
inline const std::string kUserTables = R"sql(
WITH u AS (SELECT n.nspname, c.relname
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
              AND )sql" + UserObject("pg_catalog.pg_class", "c.oid") + R"sql()
SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(pg_catalog.quote_ident(nspname) || '.' ||
                                                     pg_catalog.quote_ident(relname), ',' ORDER BY
                                                     (pg_catalog.quote_ident(nspname) || '.' ||
                                                      pg_catalog.quote_ident(relname)) COLLATE "C"), '')),
       NULL::text
  FROM u WHERE $1
UNION ALL
SELECT nspname::text, relname::text FROM u WHERE NOT $1
)sql";
// One md5 over all their names: equal on both sides, nothing to compare (most runs).
inline const std::string kIndexObjectsSignature = std::string(kIndexObjectsCte) + R"sql(
SELECT pg_catalog.md5(coalesce(pg_catalog.string_agg(k, ',' ORDER BY k), ''))
  FROM (SELECT (class || ' ' || pg_catalog.quote_ident(nsp) || '.' || pg_catalog.quote_ident(rel) || ' '
                || pg_catalog.quote_ident(name)) COLLATE "C" AS k FROM o) s
)sql";
// The rows themselves, with the statement only when $1 (the destination's are not needed), and
// whether the subscription checks a row against it (a unique index, a key, an exclusion or a
// check; not a foreign key).
inline const std::string kIndexObjects = std::string(kIndexObjectsCte) + R"sql(
SELECT class, nsp::text, rel::text, name::text, rank,
       CASE WHEN NOT $1::bool THEN NULL
            WHEN class = 'c'
            THEN 'ALTER TABLE ' || pg_catalog.quote_ident(nsp) || '.' || pg_catalog.quote_ident(rel)
                 || ' ADD CONSTRAINT ' || pg_catalog.quote_ident(name) || ' ' || pg_catalog.pg_get_constraintdef(id)
            ELSE (SELECT CASE WHEN pg_catalog.left(d.def, pg_catalog.length(d.prefix)) = d.prefix
                              THEN 'CREATE ' || CASE WHEN uniq THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                                   || pg_catalog.quote_ident(name) || ' ON '
                                   || pg_catalog.substr(d.def, pg_catalog.length(d.prefix) + 1)
                              ELSE d.def END
                    FROM (SELECT pg_catalog.pg_get_indexdef(id) AS def,
                                 'CREATE ' || CASE WHEN uniq THEN 'UNIQUE ' ELSE '' END || 'INDEX '
                                 || pg_catalog.quote_ident(name) || ' ON ONLY ' AS prefix) d)
       END,
       CASE WHEN class = 'i' THEN uniq ELSE rank <> 5 END
  FROM o ORDER BY rank, 2, 3, 4
)sql";
// What FollowDefinitions makes on the destination when the source has it and the destination has
// not (made on the source after the schema was copied), one row each: kind, schema, name, the
// order to make them in, and, when $1, the statement that makes one (building those costs the
// most: read only when something is missing). Read with search_path pg_catalog, so
// the types and functions they use come schema-qualified. Nothing of an extension's, nothing in
// pg_* schemas, information_schema or pgferry's _pgferry.
// Before the tables (a new table or column may use them): schemas; extensions (compared by name
// alone, wherever they are: schema ''; made in the source's schema, so after it); enum, domain
// and composite types (not a table's row type); functions and procedures (not aggregates; a
// body is not checked until it runs, but a signature needs its types). Owned by the
// destination user.
inline const std::string kDefinitionsBeforeTables = R"sql(
SELECT 'schema', n.nspname::text, n.nspname::text, 0,
       CASE WHEN $1::bool THEN 'CREATE SCHEMA ' || pg_catalog.quote_ident(n.nspname) END
  FROM pg_catalog.pg_namespace n
 WHERE )sql" + UserObject("pg_catalog.pg_namespace", "n.oid") + R"sql(
UNION ALL
SELECT 'extension', '', x.extname::text, 1,
       CASE WHEN $1::bool THEN 'CREATE EXTENSION IF NOT EXISTS ' || pg_catalog.quote_ident(x.extname)
                               || ' WITH SCHEMA ' || pg_catalog.quote_ident(n.nspname) END
  FROM pg_catalog.pg_extension x
  JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', '_pgferry')
UNION ALL
SELECT 'type', n.nspname::text, t.typname::text,
       CASE t.typtype WHEN 'e' THEN 1 WHEN 'd' THEN 2 ELSE 3 END,
       CASE WHEN NOT $1::bool THEN NULL ELSE CASE t.typtype
         WHEN 'e' THEN 'CREATE TYPE ' || q.name || ' AS ENUM ('
                       || coalesce((SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', '
                                                                 ORDER BY e.enumsortorder)
                                      FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
         WHEN 'd' THEN 'CREATE DOMAIN ' || q.name || ' AS ' || pg_catalog.format_type(t.typbasetype, t.typtypmod)
                       || CASE WHEN t.typcollation <> b.typcollation AND co.oid IS NOT NULL
                               THEN ' COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.'
                                    || pg_catalog.quote_ident(co.collname) ELSE '' END
                       || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), '')
                       || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                       || coalesce((SELECT pg_catalog.string_agg(' CONSTRAINT ' || pg_catalog.quote_ident(c.conname)
                                                                 || ' ' || pg_catalog.pg_get_constraintdef(c.oid), ''
                                                                 ORDER BY c.conname)
                                      FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '')
         ELSE 'CREATE TYPE ' || q.name || ' AS ('
              || coalesce((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' '
                                                        || pg_catalog.format_type(a.atttypid, a.atttypmod)
                                                        || CASE WHEN a.attcollation <> at.typcollation AND ac.oid IS NOT NULL
                                                                THEN ' COLLATE ' || pg_catalog.quote_ident(acn.nspname)
                                                                     || '.' || pg_catalog.quote_ident(ac.collname)
                                                                ELSE '' END, ', ' ORDER BY a.attnum)
                             FROM pg_catalog.pg_attribute a
                             JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                             LEFT JOIN pg_catalog.pg_collation ac ON ac.oid = a.attcollation
                             LEFT JOIN pg_catalog.pg_namespace acn ON acn.oid = ac.collnamespace
                            WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
       END END
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(t.typname) AS name) q
  LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
  LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
  LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
  LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
 WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND r.relkind = 'c'))
   AND )sql" + UserObject("pg_catalog.pg_type", "t.oid") + R"sql(
UNION ALL
SELECT 'function', n.nspname::text,
       p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', 4,
       CASE WHEN $1::bool THEN pg_catalog.pg_get_functiondef(p.oid) END
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prokind IN ('f', 'p')
   AND )sql" + UserObject("pg_catalog.pg_proc", "p.oid") + R"sql(
 ORDER BY 4, 2, 3
)sql";
// After the tables, their columns and indexes: views (not materialized ones: their rows would
// be the destination's, half copied), triggers (not a partition's clone of its table's), row
// security policies (CREATE POLICY from pg_policy: PUBLIC is role 0), then a table's row-level
// security, ENABLE and FORCE each its own key (name "t", "t (forced)"), after its policies.
inline const std::string kDefinitionsAfterTables = R"sql(
SELECT 'view', n.nspname::text, c.relname::text, 10,
       CASE WHEN $1::bool
            THEN 'CREATE VIEW ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
                 || coalesce(' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')', '')
                 || ' AS ' || pg_catalog.rtrim(pg_catalog.pg_get_viewdef(c.oid), ';') END
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v'
   AND )sql" + UserObject("pg_catalog.pg_class", "c.oid") + R"sql(
UNION ALL
SELECT 'trigger', n.nspname::text, c.relname || '.' || t.tgname, 11,
       CASE WHEN $1::bool THEN pg_catalog.pg_get_triggerdef(t.oid) END
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal AND NOT c.relispartition
   AND )sql" + UserObject("pg_catalog.pg_class", "c.oid") + R"sql(
UNION ALL
SELECT 'policy', n.nspname::text, c.relname || '.' || p.polname, 12,
       CASE WHEN $1::bool
            THEN 'CREATE POLICY ' || pg_catalog.quote_ident(p.polname) || ' ON '
                 || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
                 || CASE WHEN p.polpermissive THEN '' ELSE ' AS RESTRICTIVE' END
                 || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                             WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
                 || ' TO ' || (SELECT pg_catalog.string_agg(CASE WHEN r.oid = 0 THEN 'PUBLIC'
                                                                 ELSE pg_catalog.quote_ident(a.rolname) END, ', ')
                                 FROM pg_catalog.unnest(p.polroles) AS r(oid)
                                 LEFT JOIN pg_catalog.pg_roles a ON a.oid = r.oid)
                 || coalesce(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '')
                 || coalesce(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', '') END
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE )sql" + UserObject("pg_catalog.pg_class", "c.oid") + R"sql(
UNION ALL
SELECT 'row-level security', n.nspname::text, c.relname || x.suffix, 13,
       CASE WHEN $1::bool
            THEN 'ALTER TABLE ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
                 || x.statement END
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (VALUES ('', ' ENABLE ROW LEVEL SECURITY', c.relrowsecurity),
                             (' (forced)', ' FORCE ROW LEVEL SECURITY', c.relforcerowsecurity)) AS x(suffix, statement, set)
 WHERE c.relkind IN ('r', 'p') AND x.set
   AND )sql" + UserObject("pg_catalog.pg_class", "c.oid") + R"sql(
 ORDER BY 4, 2, 3
)sql";
// The labels of the user's enums, in their order: schema, type, label.
inline constexpr const char* kEnumLabels = R"sql(
SELECT n.nspname::text, t.typname::text, e.enumlabel::text
  FROM pg_catalog.pg_enum e
  JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', '_pgferry')
 ORDER BY 1, 2, e.enumsortorder
)sql";
// Errors of the subscription's apply and table sync workers so far (PostgreSQL 15+).
inline constexpr const char* kSubscriptionErrors =
    "SELECT apply_error_count + sync_error_count FROM pg_catalog.pg_stat_subscription_stats WHERE subname = $1";
// The subscription's oid (its replication origin is "pg_<oid>"), the last 256 kB of the
// destination server's log file and its format: the stderr file when the server writes one,
// else the csvlog one, else the jsonlog one (PostgreSQL 15+, as pg_stat_subscription_stats,
// which is why this is read). The file is NULL when there is none (no logging collector) or
// when this user may not read it (superuser, or EXECUTE granted on these functions; checked
// first, so that a refusal does not add an error to that same log at every poll).
inline constexpr const char* kSubscriptionLogTail = R"sql(
WITH f AS MATERIALIZED (
  SELECT x.o, x.format, pg_catalog.pg_current_logfile(x.format) AS path
    FROM (VALUES (1, 'stderr'), (2, 'csvlog'), (3, 'jsonlog')) AS x(o, format)
   WHERE pg_catalog.has_function_privilege('pg_catalog.pg_current_logfile(text)', 'EXECUTE')
     AND pg_catalog.has_function_privilege('pg_catalog.pg_stat_file(text, boolean)', 'EXECUTE')
     AND pg_catalog.has_function_privilege('pg_catalog.pg_read_file(text, bigint, bigint, boolean)', 'EXECUTE')),
p AS MATERIALIZED (SELECT f.format, f.path FROM f WHERE f.path IS NOT NULL ORDER BY f.o LIMIT 1)
SELECT s.oid::text,
       (SELECT pg_catalog.pg_read_file(p.path, greatest((pg_catalog.pg_stat_file(p.path, true)).size - 262144, 0),
                                       262144, true) FROM p),
       coalesce((SELECT p.format FROM p), '')
  FROM pg_catalog.pg_subscription s
 WHERE s.subname = $1
)sql";
// The source's position is the WAL *insert* position: pg_current_wal_lsn() is the write
// position, which with synchronous_commit = off lags commits already made (up to
// wal_writer_delay, longer under load), so a slot that confirmed it could still miss them; a
// cutover then dropped them (and a change the destination could not apply looked in sync).
// Positions are bytes (numeric). Right after a page boundary the insert position points past
// the new page's header, where no record ends: confirming the last record reaches the boundary
// only, and an idle source would never look caught up; so the header is taken off. Columns:
// active, active_pid, lag bytes, confirmed_flush_lsn, the position, confirmed >= $2 (a
// position an earlier poll returned), WAL the slot retains, and whether the slot has confirmed
// all the source has flushed while more is inserted (then only a flush lets it go further:
// kFlushSourceWal).
inline constexpr const char* kSlot = R"sql(
WITH w AS (SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), '0/0') AS b,
                  pg_catalog.pg_size_bytes(pg_catalog.current_setting('wal_segment_size')) AS seg,
                  pg_catalog.current_setting('wal_block_size')::int AS blk),
     p AS (SELECT b - CASE WHEN b % seg = 40 THEN 40 WHEN b % blk = 24 THEN 24 ELSE 0 END AS pos FROM w)
SELECT s.active, s.active_pid,
       (p.pos - pg_catalog.pg_wal_lsn_diff(s.confirmed_flush_lsn, '0/0'))::bigint,
       s.confirmed_flush_lsn::text, p.pos::text,
       pg_catalog.pg_wal_lsn_diff(s.confirmed_flush_lsn, '0/0') >= $2::numeric,
       COALESCE(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), s.restart_lsn), 0)::bigint,
       s.confirmed_flush_lsn >= pg_catalog.pg_current_wal_flush_lsn()
         AND pg_catalog.pg_current_wal_insert_lsn() > pg_catalog.pg_current_wal_flush_lsn()
  FROM pg_catalog.pg_replication_slots s, p WHERE s.slot_name = $1
)sql";
// Makes the source flush WAL that is only in its buffers (insert position past the flush
// position): the statement takes a transaction id, so its commit, with synchronous_commit = on
// for this transaction only, writes a commit record and flushes everything before it. Nothing
// when all is flushed. Why: a walsender decodes flushed WAL only, and a record no transaction
// commits (a non-transactional logical message, the background writer's standby snapshot) waits
// in a partly filled WAL page until the page fills or a checkpoint, so a slot could not confirm
// the insert position (kSlot) of an idle source for 20 s and more. Sent when kSlot's last column
// says so; one round trip.
inline constexpr const char* kFlushSourceWal =
    "BEGIN; SET LOCAL synchronous_commit = on; "
    "SELECT CASE WHEN pg_catalog.pg_current_wal_insert_lsn() > pg_catalog.pg_current_wal_flush_lsn() "
    "THEN pg_catalog.txid_current() END; COMMIT";
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
         WHERE r.srsubid = s.oid AND r.srsubstate IN ('r', 's')),
       -- its apply worker runs (after an error it is gone for a few seconds before a retry)
       EXISTS (SELECT 1 FROM pg_catalog.pg_stat_subscription st
                WHERE st.subid = s.oid AND st.relid IS NULL AND st.pid IS NOT NULL)
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

namespace pgferry::sql {

// The valid indexes of the tables (position first), with the PRIMARY KEY / UNIQUE / EXCLUDE constraint each
// backs; the last column says whether pgferry builds them itself (an ordinary table that is
// neither a partition nor part of an inheritance tree). The column before it marks indexes
// whose pg_dump entry carries more than the definition (tablespace, CLUSTER ON, REPLICA
// IDENTITY, per-column statistics, extension dependency): those stay with pg_restore.
inline const std::string kTableIndexes = std::string(kTablesByName) + R"sql(
SELECT r.ord, i.indexrelid::text, ic.relname::text, pg_catalog.quote_ident(ic.relname),
       pg_catalog.pg_get_indexdef(i.indexrelid),
       coalesce(c.oid::text, ''), coalesce(c.conname::text, ''), coalesce(c.contype::text, ''),
       coalesce(c.condeferrable, false), coalesce(c.condeferred, false),
       ic.reltablespace <> 0 OR i.indisclustered OR i.indisreplident
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget, -1) >= 0)
         OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND d.objid = i.indexrelid AND d.deptype = 'x'),
       t.relkind = 'r' AND NOT t.relispartition
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h
                          WHERE h.inhrelid = t.oid OR h.inhparent = t.oid)
  FROM r JOIN pg_catalog.pg_index i ON i.indrelid = r.relid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  LEFT JOIN pg_catalog.pg_constraint c
    ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
 WHERE i.indisvalid AND i.indisready AND i.indislive
 ORDER BY r.ord, coalesce(c.contype = 'p', false) DESC, ic.relname
)sql";

// Privileges granted on the database's tables, views, materialized views, sequences and foreign
// tables, one a row: schema, relation, whether a sequence, grantee ("" for PUBLIC), privilege
// (SELECT, INSERT, ...), grantable. Not the owner's own, not to a role that no longer exists,
// not on an extension's members; ordered by relation, grantee and grant option.
inline constexpr const char* kRelationPrivileges = R"sql(
SELECT n.nspname, c.relname, c.relkind = 'S', coalesce(r.rolname, ''), a.privilege_type, a.is_grantable
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relacl IS NOT NULL
   AND a.grantee <> c.relowner AND (a.grantee = 0 OR r.oid IS NOT NULL)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_pgferry')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY 1, 2, 4, 6, 5
)sql";
// The destination's populated materialized views, for a refresh at cutover (logical replication
// carries no materialized view data: each still holds what post-data's REFRESH found after the
// initial copy). In creation order, which in a restored database is dependency order (pg_restore
// makes a view after what it reads), so a view over another view is refreshed after it. Not
// an extension's own. One quoted name a row.
inline constexpr const char* kPopulatedMaterializedViews = R"sql(
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm' AND c.relispopulated
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_pgferry')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
 ORDER BY c.oid
)sql";
// What needs an ANALYZE once post-data is restored, on the destination: the copy workers analyzed
// every table right after its indexes, so only what post-data brings that ANALYZE reads is left.
// $1 schemas, $2 names of the database's tables, $3 whether the workers left indexes of that
// table to post-data. Those tables when one of their indexes has expressions (ANALYZE gathers
// statistics on index expressions; plain-column indexes change nothing), tables and populated
// materialized views with a statistics object (CREATE STATISTICS is post-data) that has no data
// yet, and populated materialized views (REFRESH is post-data) never analyzed. One quoted name a
// row. %STATS_EXT_EMPTY% is the "has no data yet" test, by server version.
inline constexpr const char* kAnalyzeAfterPostData = R"sql(
WITH r AS MATERIALIZED (
  SELECT c.oid AS relid, x.later
    FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]),
                    pg_catalog.unnest($3::bool[])) AS x(nsp, rel, later)
    JOIN pg_catalog.pg_namespace n ON n.nspname = x.nsp
    JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.rel),
m AS MATERIALIZED (
  SELECT c.oid AS relid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'm' AND c.relispopulated
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_pgferry')
     AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%')
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE (c.oid IN (SELECT relid FROM r WHERE later)
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                     WHERE i.indrelid = c.oid AND i.indexprs IS NOT NULL))
    OR (c.oid IN (SELECT relid FROM r UNION ALL SELECT relid FROM m)
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_statistic_ext s
                     WHERE s.stxrelid = c.oid AND %STATS_EXT_EMPTY%))
    OR (c.oid IN (SELECT relid FROM m)
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats st
                         WHERE st.schemaname = n.nspname AND st.tablename = c.relname))
 ORDER BY 1
)sql";
// PostgreSQL 12+: pg_stats_ext has a row for a statistics object once ANALYZE gave it data.
inline constexpr const char* kStatsExtEmpty =
    "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats_ext e JOIN pg_catalog.pg_namespace sn "
    "ON sn.nspname = e.statistics_schemaname WHERE sn.oid = s.stxnamespace AND e.statistics_name = s.stxname)";

// Index and constraint names the destination tables have already (position, 'i' index or 'c'
// constraint, name).
inline const std::string kExistingIndexNames = std::string(kTablesByName) + R"sql(
SELECT r.ord, 'i', ic.relname::text FROM r JOIN pg_catalog.pg_index i ON i.indrelid = r.relid
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
UNION ALL
SELECT r.ord, 'c', c.conname::text FROM r JOIN pg_catalog.pg_constraint c ON c.conrelid = r.relid
)sql";

// Bulk-load settings for the copy workers' destination sessions, one per statement so that a
// server refusing one (a managed service, a role-level limit) keeps the others.
inline constexpr const char* kBulkLoadSettings[] = {
    "SELECT pg_catalog.set_config('synchronous_commit', 'off', false)",
};
// A long copy must not trip a role's or database's timeouts (source and destination sessions).
inline constexpr const char* kNoTimeoutSettings[] = {
    "SELECT pg_catalog.set_config('statement_timeout', '0', false)",
    "SELECT pg_catalog.set_config('lock_timeout', '0', false)",
    "SELECT pg_catalog.set_config('idle_in_transaction_session_timeout', '0', false)",
};
// Raises maintenance_work_mem to $1 only when the session has less.
inline constexpr const char* kRaiseMaintenanceWorkMem = R"sql(
SELECT CASE WHEN pg_catalog.pg_size_bytes(pg_catalog.current_setting('maintenance_work_mem'))
                 < pg_catalog.pg_size_bytes($1)
            THEN pg_catalog.set_config('maintenance_work_mem', $1, false) END
)sql";
inline constexpr const char* kSetParallelMaintenanceWorkers =
    "SELECT pg_catalog.set_config('max_parallel_maintenance_workers', $1, false)";

}  // namespace pgferry::sql

namespace pgferry::sql {

// Indexes (not backing a constraint) and PRIMARY KEY / UNIQUE / EXCLUDE / FOREIGN KEY
// constraints of user tables, as (catalog id, schema, table, name, kind): run on both sides, the
// source's entries whose object exists on the destination already are left out of post-data, so
// that a rerun after an interrupted restore does not fail on "multiple primary keys".
inline constexpr const char* kPostDataObjects = R"sql(
SELECT '1259', i.oid::text, n.nspname::text, t.relname::text, i.relname::text, 'i'
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
                      AND c.contype IN ('p', 'u', 'x'))
UNION ALL
SELECT '2606', c.oid::text, n.nspname::text, t.relname::text, c.conname::text, c.contype::text
  FROM pg_catalog.pg_constraint c
  JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
 WHERE c.contype IN ('p', 'u', 'x', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
)sql";

// One pgferry run at a time per destination database: a session-level advisory lock held
// for the whole run (two runs copying at once duplicated the rows of tables loaded without
// TRUNCATE). Advisory locks are per database; the key is "pgfr" "erry". Released when the
// session ends, so a crashed run leaves nothing behind.
inline constexpr const char* kTryRunLock = "SELECT pg_catalog.pg_try_advisory_lock(1885824626, 1701999225)";
inline constexpr const char* kRunLockHolder = R"sql(
SELECT a.pid, coalesce(a.application_name, ''), coalesce(pg_catalog.host(a.client_addr), ''),
       coalesce(pg_catalog.to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')
  FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1885824626 AND l.objid = 1701999225
   AND l.objsubid = 2
   AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
)sql";

// LockWaitWatch (lock_wait_watch.h): the sessions of this run waiting for a lock for at least
// $2 seconds: those of user $1 run by pgferry or its pg_dump and pg_restore (application pgferry,
// pgferry/pg_dump, pgferry/pg_restore) in one of the databases $3 (text[]; empty: any), and the
// apply workers of the subscriptions $4 (text[]: the run's; found in pg_stat_subscription, as
// they show no application name, under whichever user owns the subscription). One row per
// process holding the lock: waiter pid, database, application (for an apply worker its
// subscription's name), seconds waited, lock type, relation oid ('' for none), mode; holder pid,
// user, application, state, seconds its transaction has been open ('' when not visible to this
// user); what kind of subscription worker the waiter is ('apply', 'sync' for a table's initial
// copy, '' for none). The holder's query is left out on purpose. The
// wait is counted from pg_locks.waitstart where the server has it (PostgreSQL 14+), else from
// the statement's start. An ungranted lock is the wait: pg_stat_activity's wait columns are
// hidden from a user for other users' sessions (an apply worker's), pg_locks is not. Use
// LockWaitsSql, which fills in what the server's version has.
inline constexpr const char* kLockWaits = R"sql(
SELECT w.pid, coalesce(w.datname::text, ''), coalesce(SUBNAME, w.application_name, ''),
       floor(extract(epoch FROM pg_catalog.now() - WAIT_START))::bigint,
       l.locktype, coalesce(l.relation::text, ''), l.mode,
       bp.pid, coalesce(b.usename::text, ''), coalesce(b.application_name, ''), coalesce(b.state, ''),
       coalesce(floor(extract(epoch FROM pg_catalog.now() - b.xact_start))::bigint::text, ''),
       WORKER
  FROM pg_catalog.pg_stat_activity w
  JOIN pg_catalog.pg_locks l ON l.pid = w.pid AND NOT l.granted
  CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.pg_blocking_pids(w.pid)) AS bp(pid)
  LEFT JOIN pg_catalog.pg_stat_activity b ON b.pid = bp.pid
  SUBSCRIPTIONS
 WHERE ((w.usename = $1 AND (w.application_name = 'pgferry' OR w.application_name LIKE 'pgferry/%')
         AND (pg_catalog.cardinality($3::text[]) = 0 OR w.datname = ANY ($3::text[])))
        OR SUBNAME = ANY ($4::text[]))
   AND w.pid <> pg_catalog.pg_backend_pid()
   AND WAIT_START <= pg_catalog.now() - pg_catalog.make_interval(secs => $2::float8)
 ORDER BY 1, 8
)sql";

// kLockWaits for a server of version `server_version` (PQserverVersion): waitstart since 14,
// pg_stat_subscription since 10.
inline std::string LockWaitsSql(int server_version) {
  std::string q = kLockWaits;
  auto fill = [&q](const std::string& token, const std::string& with) {
    for (size_t at; (at = q.find(token)) != std::string::npos;) q.replace(at, token.size(), with);
  };
  fill("WAIT_START", server_version >= 140000 ? "coalesce(l.waitstart, w.query_start)" : "w.query_start");
  fill("SUBSCRIPTIONS", server_version >= 100000
                            ? "LEFT JOIN pg_catalog.pg_stat_subscription ss ON ss.pid = w.pid"
                            : "");
  fill("WORKER", server_version >= 100000
                     ? "CASE WHEN ss.pid IS NULL THEN '' WHEN ss.relid IS NULL THEN 'apply' ELSE 'sync' END"
                     : "''");
  fill("SUBNAME", server_version >= 100000 ? "ss.subname::text" : "NULL::text");
  return q;
}

// The relation a lock is on, by oid: qualified, quoted name and what kind of relation it is.
inline constexpr const char* kRelationForLock = R"sql(
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'i' THEN 'index'
                      WHEN 'I' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
                      ELSE 'relation' END
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = $1::pg_catalog.oid
)sql";

}  // namespace pgferry::sql
