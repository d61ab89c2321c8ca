// DatabaseMigration: the steps for one database, each observing before it acts:
//   create database -> state table -> pre-data schema -> data copy (one exported snapshot,
//   dump.jobs tables at a time, largest first, binary COPY where types allow; each ordinary
//   table's indexes, primary key and unique constraints built and the table analyzed as soon as
//   its rows commit, index_build.h; tables under 4 MiB several to a transaction with their
//   indexes) -> the rest of post-data (foreign keys, triggers, exclusion
//   constraints, partitioned indexes) -> sequences and large objects (dump) | subscription on
//   the slot whose snapshot the copy used (replication).
// For replication the slot is created with EXPORT_SNAPSHOT before the copy and the subscription
// with copy_data = false after it, so each change is applied exactly once.
#pragma once

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>
#include <string>

#include "operator/pg/dump_restore.h"
#include "reconcilers/index_build.h"
#include "reconcilers/migration_engine.h"
#include "reconcilers/table_catalog.h"

namespace pgferry {

class DatabaseMigration {
 public:
  DatabaseMigration(MigrationEngine& engine, const DatabasePlan& plan);
  ~DatabaseMigration();
  DatabaseMigration(const DatabaseMigration&) = delete;
  DatabaseMigration& operator=(const DatabaseMigration&) = delete;

  // Brings the database to done (dump, schema_only) or to a running subscription
  // (replication). Failures are recorded in the database's status.
  void SetUp();
  // Replication: refreshes tables/lag in the status; true when in sync.
  bool PollSync();
  // Replication: definitions, indexes and grants followed once more, then sequences, unlogged
  // tables and materialized views, then drop subscription, slot and publication; done.
  void Cutover();
  bool replicating() const;

 private:
  Status Step();
  Status EnsureDatabase();
  // Takes the destination database's run lock (engine_sql.h kTryRunLock), or says who has it.
  Status LockDatabase();
  // Connects dst_ (or takes `session`, already connected to the database), creates the state
  // table if missing and reads state_.
  Status LoadState(std::unique_ptr<pg::Session> session = nullptr);
  // Reads state_ again through dst_ (rows and tables copied into the status with it).
  Status ReadState();
  Status SetState(const std::string& key, const std::string& value);
  Status RestoreSection(const std::string& section);
  // pg_dump's arguments for the schema: post-data, and pre-data too when `with_pre_data`.
  std::vector<std::string> SchemaDumpArgs(bool with_pre_data) const;
  // Starts pg_dump of both schema sections into an archive on a thread of its own (EnsureDatabase,
  // for a database it is about to create: pre-data is restored next, so the dump runs while
  // CREATE DATABASE, the run lock and the state table do). RestoreSection("pre-data") takes it.
  void StartSchemaDump();
  // Stops an unused schema dump (pg_dump gets SIGTERM) and waits for its thread.
  void DropSchemaDump();
  // After post-data: ANALYZE what it brought that the copy workers' ANALYZE could not see
  // (engine_sql.h kAnalyzeAfterPostData), in one statement; nothing when there is none.
  Status AnalyzeAfterPostData();
  // engine_sql.h kFlushSourceWal on `s` (a source session; its setting lasts for its own
  // transaction only, even through a pooler); best effort: a failure leaves the flush to the
  // server.
  static void FlushSourceWal(pg::Session& s);
  // The tables of the plan without a copy mark, but extension configuration tables (CREATE
  // EXTENSION fills them, the copy replaces those rows).
  std::vector<const TableInfo*> TablesNotCopiedYet() const;
  // None of `tables` holds rows on the destination.
  Status CheckTablesEmpty(const std::vector<const TableInfo*>& tables);
  // Replication that runs already follows spec.tables as it is now (FOR TABLE publications):
  // newly selected tables are added to the publication and copied by the subscription
  // (REFRESH PUBLICATION, copy_data = true), tables no longer selected are dropped from both.
  Status FollowTableSelection(pg::Session& src);
  // FollowDefinitions (before), FollowTableSelection, NameDestinationOnlyTables, FollowColumns,
  // FollowSequences, FollowIndexes, FollowDefinitions (after) over one source session: each run, and again while a run waits and the subscription fails (the
  // source's DDL may be why).
  Status FollowSource();
  // Tables or columns on the source only hold the database back: not in sync, no cutover.
  bool SourceOnly() const { return !source_only_.empty() || !source_only_columns_.empty(); }
  // Creates relations (schema, name) that exist on the source only (created there after the
  // schema was copied: tables, sequences) on the destination from their source definitions:
  // `pg_dump --schema-only --table` (a table with its owned sequences, indexes, constraints,
  // triggers) restored in one transaction, so each is created whole or not at all. Tried for
  // all at once, then one by one; returns for each relation why it could not be created ("":
  // it was).
  // Ignorable restore errors (an owner the destination user cannot set, ...) go to `warnings`.
  // kAborted when a stop was asked.
  using Relation = std::pair<std::string, std::string>;
  Result<std::vector<std::string>> CreateOnDestination(const std::vector<Relation>& relations,
                                                       std::vector<std::string>* warnings);
  // Which of `relations` (schema, name) the destination (AbsentIn: `s`) has not got (their positions).
  Result<std::vector<size_t>> AbsentOnDestination(const std::vector<Relation>& relations);
  static Result<std::vector<size_t>> AbsentIn(pg::Session& s, const std::vector<Relation>& relations);
  // The database's warnings containing any of `markers` (an earlier run's) replaced by
  // `warnings`; with clear_cutover_refusal also an earlier "not cut over" error. One update.
  void ReplaceWarnings(const std::vector<std::string>& markers, const std::vector<std::string>& warnings,
                       bool clear_cutover_refusal = false);
  // Sequences not owned by a table that exist on the source only: created on the destination
  // (their values come at cutover, as all sequences'); those that cannot be are named.
  Status FollowSequences(pg::Session& src);
  // Columns a replicated table has on the source only (ALTER TABLE ... ADD COLUMN there after the
  // schema was copied: the apply worker stops at the table's next change, and a cutover would
  // leave the column behind). Added on the destination where that gives its rows the source's
  // values: any column of a table without rows there, a nullable column without default, one
  // whose default filled the existing rows without a rewrite (added with that value, then the
  // source's current default), a generated column; not one that may be a destination-only
  // column of the same type renamed on the source. Others are named (source_only_columns_), as
  // source-only tables are (a cutover waits). Columns whose type differs, and columns on the
  // destination only, are named in warnings (a difference may be meant: int to bigint).
  Status FollowColumns(pg::Session& src);
  // Definitions on the source only (made there after the schema was copied), made on the
  // destination from the source's catalog (engine_sql.h kDefinitionsBeforeTables/AfterTables):
  // before_tables, schemas, extensions (not spec.extensions.exclude), enum/domain/composite
  // types and functions (a new table or column may use them), and enum values the destination's enum lacks, in the source's order (a row
  // with one stops the subscription: "invalid input value for enum"); after, views, triggers,
  // row security policies and tables' row-level security (ENABLE, FORCE; never disabled).
  // Compared by name; those it cannot make are named. Event DefinitionsCreated.
  Status FollowDefinitions(pg::Session& src, bool before_tables);
  // Runs the statements in `column` of rows[at[k]] on the destination, each in its own
  // transaction after `settings` (SET LOCAL ...), in rounds while one succeeds (one may need
  // another made later in the list); returns for each k why it failed ("" when it ran).
  // kAborted when a stop was asked.
  Result<std::vector<std::string>> MakeOnDestination(const pg::QueryResult& rows, const std::vector<size_t>& at,
                                                     size_t column, const std::string& settings);
  Result<std::vector<std::string>> MakeOnDestination(const std::vector<std::string>& statements,
                                                     const std::string& settings);
  // Privileges on tables, views, materialized views, sequences and foreign tables that the
  // source grants and the destination does not (GRANT is DDL, which logical replication does
  // not carry: one made on the source after the schema was copied), granted on the destination
  // too, each run and at cutover; not the owner's own. Only added: a privilege the destination
  // has and the source has not (revoked on the source, or the destination's own grant) is left
  // as it is. One that cannot be given (its role is not on the destination, the destination
  // user may not grant it) is a warning. Schemas', functions' and columns' privileges and
  // default privileges are not followed. Event GrantsFollowed.
  Status FollowGrants(pg::Session& src);
  // Indexes and constraints (primary keys, unique, exclusion, check, foreign keys) of tables on
  // both sides that the source has and the destination has not (made on the source after the
  // schema was copied): made on the destination from the source's definitions, keys before the
  // foreign keys that use them. Those it cannot make, and those on the destination only (dropped
  // on the source), are named in warnings; neither holds a cutover back (no row is lost). Each
  // run, when a waiting run re-follows, and at cutover. Compares one signature per side first.
  Status FollowIndexes(pg::Session& src);
  // Tables on the destination that the source has not (dropped or renamed there after the
  // schema was copied: a renamed table is created and copied under its new name, the old one
  // stays; or made on the destination): named in warnings, never dropped, no effect on a
  // cutover. Compares one md5 of the names per side first.
  Status NameDestinationOnlyTables(pg::Session& src);
  Status ResetInterruptedReplicationCopy();
  Status CreatePublication();
  Result<std::string> CreateSlotAndExportSnapshot(std::unique_ptr<pg::Session>* holder);
  Status CopyTables(const std::string& snapshot);
  // What the copy workers share (database_migration.cc).
  struct CopyShared;
  // A table a worker claimed, with its catalog facts (table_catalog.h).
  struct CopyItem {
    const TableInfo* table;
    const TableCopyPlan* plan;
    const ExistingIndexes* existing;
  };
  // One table: its rows in one transaction (TRUNCATE + COPY FREEZE when large), then its
  // indexes and ANALYZE in a second (index_build.h). Either part is skipped when recorded done.
  Status CopyTable(pg::Session& source_in_snapshot, pg::Session& destination, const CopyItem& item,
                   CopyShared& shared);
  // Several small tables in one destination transaction: their COPYs, then one script with
  // every index build, one ANALYZE and all their state rows. On an error there, the batch is
  // rolled back and copied again table by table, so the error names its table and statement.
  Status CopyBatch(pg::Session& source_in_snapshot, pg::Session& destination, const std::vector<CopyItem>& items,
                   CopyShared& shared);
  // COPY TO on the source relayed into COPY FROM on the destination; the rows copied. Adds the
  // bytes relayed to `sent` when given (also when the copy fails).
  Result<int64_t> RelayTable(pg::Session& source_in_snapshot, pg::Session& destination, const TableInfo& t,
                             const TableCopyPlan& plan, bool freeze, int64_t* sent = nullptr);
  // Records committed rows (items[i] has rows[i]) and index builds, in memory and in the status.
  void RecordRows(const std::vector<CopyItem>& items, const std::vector<int64_t>& rows, CopyShared& shared);
  void RecordIndexes(const TableInfo& t, const TableIndexResult& built, CopyShared& shared);
  Status CopySequences(pg::Session& source_in_snapshot);
  Status CopyLargeObjects(pg::Session& source_in_snapshot);
  // Cutover: the unlogged tables again (TRUNCATE + COPY in one destination transaction, under
  // one source snapshot), since replication carried none of their changes.
  Status CopyUnloggedTables(pg::Session& source);
  // Cutover: REFRESH MATERIALIZED VIEW for each populated one on the destination, whose data is
  // the initial copy's (post-data's REFRESH; logical replication carries none since). One that cannot be refreshed
  // (its owner is another role, its query fails) is a warning, not a refusal to cut over.
  void RefreshMaterializedViews();
  // spec.verify (verification.h) over the selected tables, the source read under
  // `source_snapshot`: records the result in the status (and an event) and returns the
  // differences in one line, "" when every table matched.
  Result<std::string> Verify(const std::string& source_snapshot);
  // Cutover's verification on its source session `src` (left outside a transaction): a source
  // snapshot, the subscription's confirmation of the source's position at that snapshot, then
  // Verify. "" when every table matched.
  Result<std::string> VerifyBeforeCutover(pg::Session& src);
  Status CreateSubscription();
  Status DropReplicationObjects();
  void Fail(const Status& st, const std::string& step);
  void SetDb(const std::function<void(api::DatabaseStatus&)>& f);

  MigrationEngine& e_;
  DatabasePlan plan_;
  std::string name_;  // replication object name
  pg::ConnParams src_params_, dst_params_;
  std::unique_ptr<pg::Session> dst_;
  // PollSync's session to the source's bootstrap database, kept while the database replicates
  // (a run waiting for sync or for a cutover polls every poll_interval, which used to open a
  // source connection each time); dropped when a query on it fails, and once it is not needed.
  std::unique_ptr<pg::Session> poll_src_;
  // Holds kTryRunLock from the start of SetUp while this object works on the database: until
  // SetUp ends for a database done or failed, until the end of the run for a replicating one.
  std::unique_ptr<pg::Session> run_lock_;
  std::map<std::string, std::string> state_;
  // True when the destination user may not create _pgferry here: progress is then kept in
  // memory only (a rerun relies on the "table already holds rows" check instead).
  bool stateless_ = false;
  // The schema's pre-data and post-data sections, dumped once (one pg_dump, one catalog
  // snapshot) when pre-data is restored; post-data is restored from it later in the same run.
  // Empty on a rerun that restored pre-data earlier: post-data is then dumped on its own.
  std::unique_ptr<pg::Archive> schema_archive_;
  struct SchemaDump {
    Result<std::unique_ptr<pg::Archive>> archive = Status(StatusCode::kInternal, "not dumped");
    pg::DumpRestoreResult r;
  };
  std::future<SchemaDump> schema_dump_;  // StartSchemaDump's, until RestoreSection takes it
  std::atomic<bool> drop_schema_dump_{false};
  // TableKey of the tables with indexes left to post-data: analyzed again once it is restored
  // when one of those has expressions (AnalyzeAfterPostData).
  std::set<std::string> analyze_after_post_data_;
  // The source's WAL insert position (bytes, as kSlot gives it) at the previous PollSync; empty
  // before the first one. Caught up means the slot confirmed everything up to it, so a first
  // poll can never count as caught up just because it has nothing to compare with (a cutover
  // there would drop unapplied changes).
  std::string last_current_lsn_;
  // Selected tables that exist on the source only (created there after the schema was copied),
  // found by FollowTableSelection: until they exist on the destination the database cannot be
  // in sync (PollSync stops waiting for it) nor cut over.
  std::vector<std::string> source_only_;
  // Columns on the source only that FollowColumns could not add ("public.t.c"): the same.
  std::vector<std::string> source_only_columns_;
  // The subscription's worker errors at the previous PollSync (-1 before the first): a rise
  // means it fails to apply changes, which the status then says until it is in sync again.
  int64_t subscription_errors_ = -1;
  bool failing_reported_ = false;
};

}  // namespace pgferry
