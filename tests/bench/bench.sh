#!/usr/bin/env bash
# tests/bench/bench.sh: pgferry against pg_dump | pg_restore, a native subscription and pgcopydb,
# on the same data in the same run (docs/performance-anchors.md §11, scenarios S1 and S3).
#
#   bash tests/bench/bench.sh [options]
#
#   --small             correctness version for CTest: tiny dataset, 1 run, 200-table check
#   --runs N            repetitions of every tool (default 3; medians are reported)
#   --warmup N          untimed copies with the first tool before the timed S1 runs (default 1,
#                       0 with --small): the first copy after building the dataset was slower
#                       for whichever tools came first (pgferry's, by the default order)
#   --scale S           pgbench scale of the mixed dataset (default 50: 5M accounts, the §9
#                       calibration's size, which the targets refer to)
#   --events N          rows of the events table (default 2000000, §9's)
#   --tools "LIST"      subset of: pgferry-dump pgferry-repl pg_dump native pgcopydb ("none"
#                       skips the mixed dataset); also pgferry-dump-verify (not by default: the
#                       dump method with spec.verify: checksums, to measure what it costs)
#   --scaling "N..."    table counts for the many-small-tables check (default "2500 5000 10000";
#                       "none" skips it)
#   --scaling-runs N    repetitions per table count (default 1)
#   --scaling-tools "LIST"  tools for the many-tables check (default "pgferry-repl pgferry-dump pg_dump")
#   --jobs N            parallel jobs given to every tool (default 2)
#   --socket            every tool connects over the servers' Unix-domain sockets instead of TCP
#                       on 127.0.0.1 (the transport of the calibration in performance-anchors.md
#                       §9; TCP, the default, is closer to servers on other hosts)
#   --shared-buffers S  shared_buffers of both servers (default 512MB, 128MB with --small; §9
#                       used 1GB)
#   --results FILE      also write every measurement as TSV to FILE
#   --profile           sample pg_stat_activity on both servers every 0.1 s during each run and
#                       print where the time went (busy backend-seconds and the span of each
#                       kind of statement: COPY out/in, CREATE INDEX, ADD CONSTRAINT, ...;
#                       lr-worker counts the seconds logical replication workers existed)
#   --keep              keep the work directory (logs, manifests) for inspection
#
# Environment: PGFERRY_BIN (default build/release/operator/cli/pgferry); FSYNC=on|off for both
# sections (default: on for the mixed dataset, as §9 measured; off for the many-tables check and
# for --small, see SETTINGS below).
# The first lines name what is measured: the binary's version line (with its commit), the
# checkout's HEAD and the load average; a private copy of the binary is run. Figures and method:
# docs/performance.md.
#
# Every run copies into a freshly started destination server (tests/harness/pgcluster), the
# source gets a CHECKPOINT first and the machine a `sync` (no run starts while the kernel still
# writes back what the dataset build or an earlier run left dirty), and the tool order rotates
# from run to run. After every run the
# destination is compared with the source: row count and an order-independent checksum per table
# (sum of the first 64 bits of md5(row::text)), the number of tables, indexes (valid ones) and
# constraints, and for the one-time copies the sequence values. Replication objects are dropped
# before the next run (pgferry cleanup; DROP SUBSCRIPTION / DROP PUBLICATION).
#
# Timing: wall clock from the start of the tool until the data is there:
#   pgferry-dump   `pgferry migrate` with method: dump, until it exits (database "done")
#   pgferry-dump-verify  the same with spec.verify: checksums (the comparison is timed too)
#   pgferry-repl   `pgferry migrate` with method: auto (replication with superusers), until it
#                  exits with the database "syncing"
#   pg_dump        CREATE DATABASE; pg_dump -Fc | pg_restore (the pipe allows no -j)
#   native         CREATE DATABASE; pg_dump --schema-only -Fc | pg_restore (full schema, indexes
#                  included); CREATE PUBLICATION ... FOR ALL TABLES; CREATE SUBSCRIPTION ...
#                  WITH (copy_data = true), until every pg_subscription_rel row is 'r'
#                  (max_sync_workers_per_subscription = jobs)
#   pgcopydb       CREATE DATABASE; pgcopydb clone --table-jobs J --index-jobs J
# pgferry's peak memory: VmHWM of the pgferry process sampled from /proc every 0.1 s ("own"),
# and GNU time's maximum RSS, which also covers its pg_dump/pg_restore children ("tree").
#
# Exit status: 0 when every check passed, 1 otherwise; the last line is "N passed, N failed".
# No timing assertion: the targets are printed next to the ratios.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGCLUSTER=$ROOT/tests/harness/pgcluster
PGFERRY_BIN=${PGFERRY_BIN:-$ROOT/build/release/operator/cli/pgferry}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PATH=$PGBIN:$PATH
export PGPASSWORD=postgres-pw PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning"
source "$HERE/dataset.sh"

SCALING_TOOLS="pgferry-repl pgferry-dump pg_dump"
SMALL=0 RUNS="" SCALE="" EVENTS="" SCALING="" SCALING_RUNS=1 JOBS=2 RESULTS="" KEEP=0 PROFILE=0
SOCKET=0 SHARED_BUFFERS_OPT="" WARMUP=""
TOOLS="pgferry-dump pgferry-repl pg_dump native pgcopydb"
while [ $# -gt 0 ]; do
  case $1 in
    --small) SMALL=1; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --scale) SCALE=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --scaling) SCALING=$2; shift 2 ;;
    --scaling-runs) SCALING_RUNS=$2; shift 2 ;;
    --scaling-tools) SCALING_TOOLS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --socket) SOCKET=1; shift ;;
    --shared-buffers) SHARED_BUFFERS_OPT=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --profile) PROFILE=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $SMALL = 1 ]; then
  RUNS=${RUNS:-1} SCALE=${SCALE:-1} EVENTS=${EVENTS:-20000} SCALING=${SCALING:-200} WARMUP=${WARMUP:-0}
  SHARED_BUFFERS=128MB
else
  RUNS=${RUNS:-3} SCALE=${SCALE:-50} EVENTS=${EVENTS:-2000000} SCALING=${SCALING:-"2500 5000 10000"} WARMUP=${WARMUP:-1}
  SHARED_BUFFERS=512MB
fi
SHARED_BUFFERS=${SHARED_BUFFERS_OPT:-$SHARED_BUFFERS}
[ "$SCALING" = none ] && SCALING=""
[ "$TOOLS" = none ] && TOOLS=""

# Both servers: the §9 calibration settings, no autovacuum, and enough lock slots for pg_dump to
# lock 10,000 tables in one transaction. fsync: on for the mixed dataset (S1), as §9 measured it;
# off for the many-tables check (S3) and --small, where the disk is shared and an 8 kB fsync took
# 5 ms under other engineers' load instead of the 0.28 ms of §9, which turned every per-table
# commit into noise. FSYNC=on or FSYNC=off in the environment sets both sections.
if [ $SMALL = 1 ]; then S1_FSYNC=${FSYNC:-off}; else S1_FSYNC=${FSYNC:-on}; fi
S3_FSYNC=${FSYNC:-off}
CUR_FSYNC=$S1_FSYNC   # what start_cluster gives a new server; set_fsync changes it
SETTINGS=(
  --set shared_buffers=$SHARED_BUFFERS --set max_wal_size=8GB --set checkpoint_timeout=30min
  --set maintenance_work_mem=512MB --set autovacuum=off --set synchronous_commit=on
  --set full_page_writes=on --set max_locks_per_transaction=256
  --set max_sync_workers_per_subscription=$JOBS --set max_logical_replication_workers=8
)

for c in psql pg_dump pg_restore pgbench python3; do
  command -v $c >/dev/null || { echo "bench: $c not found" >&2; exit 2; }
done
[ -x "$PGFERRY_BIN" ] || { echo "bench: no pgferry binary at $PGFERRY_BIN (set PGFERRY_BIN)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time; scripts/setup.sh)" >&2; exit 2; }
case " $TOOLS " in *" pgcopydb "*) command -v pgcopydb >/dev/null ||
  { echo "bench: pgcopydb not found (apt-get install pgcopydb)" >&2; exit 2; } ;; esac

WORK=$(mktemp -d /tmp/pgfbench.XXXXXX)
chmod 755 "$WORK"
CLUSTERS=() BGPID="" SAMPLERS=()
cleanup() {
  local rc=$?
  [ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null && wait "$BGPID" 2>/dev/null
  stop_samplers
  local d
  for d in "${CLUSTERS[@]+"${CLUSTERS[@]}"}"; do "$PGCLUSTER" stop "$d" >/dev/null 2>&1 || true; done
  if [ $KEEP = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Measure a private copy of the binary: a rebuild during a long run (other work on the same
# checkout) must neither break the run nor mix two builds in one table.
cp "$PGFERRY_BIN" "$WORK/pgferry"
PGFERRY_BIN=$WORK/pgferry

mkfifo "$WORK/sleep.fifo"
exec {SLEEP_FD}<>"$WORK/sleep.fifo"
snooze() { read -rt "$1" -u "$SLEEP_FD" _ || true; }   # sleep without forking

PASS=0 FAIL=0
CLK_TCK=$(getconf CLK_TCK)
pass() { PASS=$((PASS + 1)); printf '  ok    %s\n' "$1"; }
fail() { FAIL=$((FAIL + 1)); printf '  FAIL  %s\n' "$1"; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# start_cluster NAME -> sets PORT and HOST (127.0.0.1, or with --socket the server's socket
# directory, which pgcluster makes the cluster's own folder); stop_cluster NAME
start_cluster() {
  local dir=$WORK/$1 out
  out=$("$PGCLUSTER" start "$dir" --owner-pid $$ "${SETTINGS[@]}" --set fsync=$CUR_FSYNC)
  CLUSTERS+=("$dir")
  PORT=$(sed -n 's/^PGC_PORT=//p' <<<"$out")
  if [ $SOCKET = 1 ]; then HOST=$dir; else HOST=127.0.0.1; fi
  HOSTS[$PORT]=$HOST
}
declare -A HOSTS  # port -> host, for pq
stop_cluster() {
  local dir=$WORK/$1 keep=() d
  "$PGCLUSTER" stop "$dir" >/dev/null 2>&1 || true
  for d in "${CLUSTERS[@]}"; do [ "$d" = "$dir" ] || keep+=("$d"); done
  CLUSTERS=("${keep[@]+"${keep[@]}"}")
}

pq() { local port=$1 db=$2; shift 2; psql -X -q -h "${HOSTS[$port]}" -p "$port" -U postgres -d "$db" "$@"; }
src_psql() { pq "$SRC_PORT" "$@"; }
dst_psql() { pq "$DST_PORT" "$@"; }
pqv() { pq "$@" -At -v ON_ERROR_STOP=1; }   # one value

# set_fsync on|off: for the destinations started from now on and for the running source (fsync
# takes effect on a reload).
set_fsync() {
  [ "$1" = "$CUR_FSYNC" ] && return 0
  CUR_FSYNC=$1
  pqv "$SRC_PORT" postgres -c "ALTER SYSTEM SET fsync = $1" -c "SELECT pg_reload_conf()" >/dev/null
  log "fsync=$1 from here on"
}

record() {  # record SECTION TOOL RUN SECONDS [key=value...]
  [ -n "$RESULTS" ] && printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$RESULTS"
  return 0
}

# ---------------------------------------------------------------------------------------------
# Verification

USER_NS="n.nspname NOT IN ('pg_catalog', 'information_schema', '_pgferry', 'pgcopydb') AND n.nspname NOT LIKE 'pg\_%'"

# Writes WORK/DB.check.sql (one checksum query per source table) and WORK/DB.src (its result).
prepare_checks() {
  local db=$1
  pqv "$SRC_PORT" "$db" >"$WORK/$db.check.sql" <<SQL
SELECT format('SELECT %L, count(*), coalesce(sum((''x'' || left(md5(t::text), 16))::bit(64)::bigint), 0) FROM ONLY %I.%I t;',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND $USER_NS
 ORDER BY n.nspname, c.relname;
SELECT \$q\$SELECT 'objects', (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND $USER_NS) || ' tables, ' ||
  (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.indisvalid AND $USER_NS) || ' valid indexes, ' ||
  (SELECT count(*) FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
    WHERE co.convalidated AND $USER_NS) || ' validated constraints', '';\$q\$;
SQL
  pq "$SRC_PORT" "$db" -At -F'|' -f "$WORK/$db.check.sql" >"$WORK/$db.src" 2>"$WORK/$db.src.err" ||
    { cat "$WORK/$db.src.err" >&2; return 1; }
  [ ! -s "$WORK/$db.src.err" ] || { cat "$WORK/$db.src.err" >&2; return 1; }
  pqv "$SRC_PORT" "$db" -F'|' >"$WORK/$db.src.seq" <<SQL
SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences n
 WHERE last_value IS NOT NULL AND n.schemaname NOT IN ('_pgferry', 'pgcopydb') ORDER BY 1;
SQL
  SRC_ROWS=$(awk -F'|' '$1 != "objects" { s += $2 } END { print s + 0 }' "$WORK/$db.src")
  SRC_TABLES=$(grep -vc '^objects|' "$WORK/$db.src" || true)
}

# verify LABEL DB [seq]: compare the destination (DST_PORT) with the source.
verify() {
  local label=$1 db=$2 seq=${3:-} out=$WORK/$db.dst
  pq "$DST_PORT" "$db" -At -F'|' -f "$WORK/$db.check.sql" >"$out" 2>"$out.err" || true
  if ! diff -q "$WORK/$db.src" "$out" >/dev/null; then
    fail "$label: destination differs from the source (row counts / checksums / objects):"
    diff "$WORK/$db.src" "$out" | head -n 12 | sed 's/^/          /'
    head -n 3 "$out.err" | sed 's/^/          /'
    return 1
  fi
  if [ -n "$seq" ]; then
    pqv "$DST_PORT" "$db" -F'|' >"$out.seq" <<SQL
SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences n
 WHERE last_value IS NOT NULL AND n.schemaname NOT IN ('_pgferry', 'pgcopydb') ORDER BY 1;
SQL
    if ! diff -q "$WORK/$db.src.seq" "$out.seq" >/dev/null; then
      fail "$label: sequence values differ"
      diff "$WORK/$db.src.seq" "$out.seq" | head -n 6 | sed 's/^/          /'
      return 1
    fi
  fi
  pass "$label: $SRC_TABLES tables, $SRC_ROWS rows, checksums$( [ -n "$seq" ] && echo ", sequences"), $(grep '^objects|' "$out" | cut -d'|' -f2)"
}

# Nothing of a run may stay on the source.
check_source_clean() {
  local label=$1 left
  left=$(pqv "$SRC_PORT" postgres <<'SQL'
SELECT (SELECT count(*) FROM pg_replication_slots) || ' slots, ' ||
       (SELECT count(*) FROM pg_stat_replication) || ' walsenders'
SQL
)
  if [ "$left" != "0 slots, 0 walsenders" ]; then
    fail "$label: left on the source after cleanup: $left"
    pqv "$SRC_PORT" postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active" >/dev/null || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Profile: one backend per server raises a NOTICE every 0.1 s listing the active statements of
# the other backends (psql prints notices on stderr as they come).

start_sampler() {  # start_sampler PORT OUTFILE
  # psql itself in the background (not through a function), so that $! is psql's pid.
  psql -X -q -h "${HOSTS[$1]}" -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null 2>"$2" <<'SQL' &
SET application_name = 'bench_sampler';
SET client_min_messages = notice;
SET client_connection_check_interval = '200ms';  -- end the loop once psql is gone
DO $$
BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    RAISE NOTICE 'S % %', extract(epoch FROM clock_timestamp()),
      (SELECT coalesce(string_agg(k || '|' || left(regexp_replace(q, '\s+', ' ', 'g'), 70), ' ;; '), '')
         FROM (SELECT coalesce(query, '') AS q,
                      CASE
                        WHEN backend_type = 'walsender' AND query ~* '^\s*COPY' THEN 'copy-out(walsender)'
                        WHEN backend_type = 'walsender' THEN 'walsender:' || split_part(ltrim(query), ' ', 1)
                        WHEN backend_type = 'logical replication worker' THEN 'lr-worker'
                        WHEN query ~* '^\s*COPY .* TO STDOUT' THEN 'copy-out'
                        WHEN query ~* '^\s*COPY .* FROM STDIN' THEN 'copy-in'
                        WHEN query ~* '^\s*CREATE (UNIQUE )?INDEX' THEN 'create-index'
                        WHEN query ~* '^\s*ALTER TABLE .* ADD CONSTRAINT .* FOREIGN KEY' THEN 'add-fk'
                        WHEN query ~* '^\s*ALTER TABLE .* ADD CONSTRAINT' THEN 'add-constraint'
                        WHEN query ~* '^\s*(VACUUM|ANALYZE)' THEN 'vacuum/analyze'
                        WHEN query ~* '^\s*(BEGIN; )?TRUNCATE' THEN 'truncate'
                        WHEN query ~* '^\s*(COMMIT|END)' THEN 'commit'
                        WHEN query ~* '^\s*(CREATE|ALTER|COMMENT|GRANT|REVOKE|DROP)' THEN 'ddl'
                        WHEN query ~* '^\s*(SELECT|WITH)' THEN 'select'
                        WHEN query ~* '^\s*(INSERT|UPDATE|DELETE)' THEN 'dml'
                        ELSE 'other'
                      END AS k
                 FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND application_name <> 'bench_sampler'
                  AND ((state = 'active' AND backend_type IN ('client backend', 'walsender'))
                       OR backend_type = 'logical replication worker')) a);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SQL
  SAMPLERS+=($!)
}

stop_samplers() {
  local p
  for p in "${SAMPLERS[@]+"${SAMPLERS[@]}"}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ ${#SAMPLERS[@]} -gt 0 ] && [ -n "${SRC_PORT:-}" ]; then
    pq "$SRC_PORT" postgres -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bench_sampler'" >/dev/null 2>&1 || true
  fi
  SAMPLERS=()
}

# profile_summary FILE T0 LABEL: busy seconds (samples x 0.1 s, summed over backends) and the
# span (first-last sample, seconds after T0) of each kind of statement.
profile_summary() {
  awk -v t0="$2" -v label="$3" '
    /NOTICE:  S / {
      sub(/.*NOTICE:  S /, ""); t = $1 - t0; sub(/^[^ ]+ ?/, "")
      n = split($0, e, / ;; /)
      for (i = 1; i <= n; i++) {
        if (e[i] == "") continue
        k = e[i]; sub(/\|.*/, "", k); busy[k] += 0.1
        if (!(k in first)) first[k] = t; last[k] = t
      }
    }
    END {
      line = ""
      for (k in busy) line = line sprintf("%s %.1fs [%.1f-%.1f]; ", k, busy[k], first[k], last[k])
      printf "    %s %s\n", label, (line == "" ? "(idle)" : line)
    }' "$1"
}

# ---------------------------------------------------------------------------------------------
# Tools. Each sets ELAPSED (seconds) and returns non-zero on failure; logs go to WORK/LOG.

write_manifest() {  # write_manifest FILE DB METHOD
  cat >"$1" <<YAML
apiVersion: v1
kind: Secret
metadata: {name: bench-src}
type: Opaque
stringData: {username: postgres, password: postgres-pw}
---
apiVersion: v1
kind: Secret
metadata: {name: bench-dst}
type: Opaque
stringData: {username: postgres, password: postgres-pw}
---
apiVersion: pgferry.io/v1alpha1
kind: PgMigration
metadata: {name: bench-$2}
spec:
  source:
    host: $SRC_HOST
    port: $SRC_PORT
    dbname: postgres
    sslMode: disable
    credentialsSecretRef: {name: bench-src}
  destination:
    host: $DST_HOST
    port: $DST_PORT
    dbname: postgres
    sslMode: disable
    credentialsSecretRef: {name: bench-dst}
  method: $3
  databases:
    include: [$2]
  dump:
    jobs: $JOBS
  verify: ${VERIFY:-none}
YAML
}

# run_pgferry DB METHOD EXPECT_STATUS: sets ELAPSED, RSS_OWN, RSS_TREE (KiB), CPU (s).
run_pgferry() {
  local db=$1 method=$2 expect=$3 m=$WORK/$LOG.yaml tf=$WORK/$LOG.time
  write_manifest "$m" "$db" "$method"
  local t0 pid="" hwm=0 k v st=() stat=()
  t0=$(now)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "$PGFERRY_BIN" migrate -f "$m" -o json \
    >"$WORK/$LOG.json" 2>"$WORK/$LOG.log" &
  BGPID=$!
  while kill -0 "$BGPID" 2>/dev/null; do
    [ -n "$pid" ] || read -r pid _ 2>/dev/null <"/proc/$BGPID/task/$BGPID/children" || true
    if [ -n "$pid" ]; then
      while read -r k v _; do
        if [ "$k" = VmHWM: ]; then [ "$v" -gt "$hwm" ] && hwm=$v; break; fi
      done 2>/dev/null <"/proc/$pid/status" || true
      read -r -a st 2>/dev/null <"/proc/$pid/stat" && stat=("${st[@]}") || true
    fi
    snooze 0.1
  done
  local rc=0
  wait "$BGPID" || rc=$?
  BGPID=""
  ELAPSED=$(secs "$t0" "$(now)")
  RSS_OWN=$hwm
  read -r _ u s RSS_TREE <"$tf" 2>/dev/null || { u=0 s=0 RSS_TREE=0; }
  CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')
  # pgferry's own CPU (utime + stime of the process and its threads, last sample before exit).
  CPU_OWN=$(awk -v u="${stat[13]:-0}" -v s="${stat[14]:-0}" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", (u + s) / hz }')
  local got
  got=$(python3 - "$WORK/$LOG.json" "$db" <<'PY' 2>/dev/null || echo "no report"
import json, sys
s = json.load(open(sys.argv[1]))
d = [x for x in s.get("databases", []) if x.get("dbname") == sys.argv[2]]
print(f'{d[0].get("status")} {d[0].get("method")}' if d else "database missing")
PY
)
  if [ $rc -ne 0 ] || [ "$got" != "$expect" ]; then
    echo "pgferry migrate exited $rc, database: $got (want $expect); $WORK/$LOG.log:" >&2
    tail -n 15 "$WORK/$LOG.log" >&2
    head -c 2000 "$WORK/$LOG.json" >&2
    return 1
  fi
}

pgferry_cleanup() {
  "$PGFERRY_BIN" cleanup -f "$WORK/$LOG.yaml" >>"$WORK/$LOG.log" 2>&1
}

run_pgdump() {
  local db=$1 t0
  t0=$(now)
  dst_psql postgres -c "CREATE DATABASE $db" &&
    pg_dump -Fc -h "$SRC_HOST" -p "$SRC_PORT" -U postgres -d "$db" |
    pg_restore -h "$DST_HOST" -p "$DST_PORT" -U postgres -d "$db" 2>"$WORK/$LOG.log"
  local rc=$?
  ELAPSED=$(secs "$t0" "$(now)")
  [ $rc -eq 0 ] || { tail -n 15 "$WORK/$LOG.log" >&2; return 1; }
}

run_native() {
  local db=$1 t0 t1
  t0=$(now)
  {
    dst_psql postgres -c "CREATE DATABASE $db" &&
      pg_dump -Fc --schema-only -h "$SRC_HOST" -p "$SRC_PORT" -U postgres -d "$db" |
      pg_restore -h "$DST_HOST" -p "$DST_PORT" -U postgres -d "$db"
  } 2>"$WORK/$LOG.log" || { tail -n 15 "$WORK/$LOG.log" >&2; return 1; }
  t1=$(now)
  SCHEMA_SECS=$(secs "$t0" "$t1")
  src_psql "$db" -v ON_ERROR_STOP=1 -c "CREATE PUBLICATION bench_pub FOR ALL TABLES" 2>>"$WORK/$LOG.log" &&
    dst_psql "$db" -v ON_ERROR_STOP=1 -c "CREATE SUBSCRIPTION bench_sub CONNECTION 'host=$SRC_HOST port=$SRC_PORT dbname=$db user=postgres password=postgres-pw' PUBLICATION bench_pub WITH (copy_data = true)" 2>>"$WORK/$LOG.log" &&
    dst_psql "$db" -v ON_ERROR_STOP=1 2>>"$WORK/$LOG.log" <<'SQL'
SET application_name = 'bench_sampler';  -- the profile leaves this wait loop out
DO $$
DECLARE t0 timestamptz := clock_timestamp(); pending bigint; total bigint;
BEGIN
  LOOP
    SELECT count(*) FILTER (WHERE srsubstate <> 'r'), count(*) INTO pending, total FROM pg_subscription_rel;
    EXIT WHEN total > 0 AND pending = 0;
    IF clock_timestamp() - t0 > interval '30 minutes' THEN
      RAISE EXCEPTION 'subscription not ready after 30 minutes: % of % tables pending', pending, total;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SQL
  local rc=$?
  ELAPSED=$(secs "$t0" "$(now)")
  SYNC_SECS=$(secs "$t1" "$(now)")
  [ $rc -eq 0 ] || { tail -n 15 "$WORK/$LOG.log" >&2; return 1; }
}

native_cleanup() {
  local db=$1
  dst_psql "$db" -c "DROP SUBSCRIPTION IF EXISTS bench_sub" 2>>"$WORK/$LOG.log" || true
  src_psql "$db" -c "DROP PUBLICATION IF EXISTS bench_pub" 2>>"$WORK/$LOG.log" || true
}

run_pgcopydb() {
  local db=$1 t0
  t0=$(now)
  dst_psql postgres -c "CREATE DATABASE $db" &&
    pgcopydb clone --source "host=$SRC_HOST port=$SRC_PORT user=postgres dbname=$db" \
      --target "host=$DST_HOST port=$DST_PORT user=postgres dbname=$db" \
      --table-jobs "$JOBS" --index-jobs "$JOBS" --dir "$WORK/$LOG.pgcopydb" >"$WORK/$LOG.log" 2>&1
  local rc=$?
  ELAPSED=$(secs "$t0" "$(now)")
  rm -rf "$WORK/$LOG.pgcopydb"
  [ $rc -eq 0 ] || { grep -E 'ERROR|FATAL' "$WORK/$LOG.log" | head -n 10 >&2; tail -n 5 "$WORK/$LOG.log" >&2; return 1; }
}

# The machine's counters around a run: CPU ticks busy (user, nice, system, irq, softirq; the
# kernel's part: system, irq, softirq), in iowait and stolen by the hypervisor, from /proc/stat,
# and file pages (4 KiB) read back after the kernel had dropped them (workingset_refault_file,
# /proc/vmstat; the VM these figures come from runs DAMON, which pages out memory left untouched
# for a minute). A run slower than its neighbours shows here whether the machine was
# short of CPU, waited for the disk or re-read evicted files.
machine_counters() {
  awk '/^cpu / { printf "%d %d %d %d ", $2 + $3 + $4 + $7 + $8, $6, $9, $4 + $7 + $8 }' /proc/stat
  awk '/^workingset_refault_file / { r = $2 } END { print r + 0 }' /proc/vmstat
}
machine_delta() {  # machine_delta "BEFORE" "AFTER" -> "busy B core-s (kernel K), iowait I, steal S, refaulted R MiB"
  awk -v a="$1" -v b="$2" -v hz="$CLK_TCK" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "busy %.1f core-s (kernel %.1f), iowait %.1f, steal %.1f, refaulted %d MiB", (y[1] - x[1]) / hz,
      (y[4] - x[4]) / hz, (y[2] - x[2]) / hz, (y[3] - x[3]) / hz, (y[5] - x[5]) * 4 / 1024 }'
}

# run_tool SECTION TOOL DB RUN: fresh destination, run, verify, clean up, record.
declare -A TIMES RSSO RSST CPUS
run_tool() {
  local section=$1 tool=$2 db=$3 run=$4 extra="" seq=""
  LOG="$section-$tool-$db-$run"
  start_cluster dst; DST_PORT=$PORT DST_HOST=$HOST
  src_psql postgres -c CHECKPOINT
  sync
  local ok=1 t_start t_verify=0
  RSS_OWN="" RSS_TREE="" CPU="" CPU_OWN=""
  if [ $PROFILE = 1 ]; then
    start_sampler "$SRC_PORT" "$WORK/$LOG.prof-src"; start_sampler "$DST_PORT" "$WORK/$LOG.prof-dst"
    snooze 0.3
  fi
  local counters_before counters
  counters_before=$(machine_counters)
  t_start=$(now)
  case $tool in
    pgferry-dump) run_pgferry "$db" dump "done pg_dump" || ok=0; seq=1 ;;
    pgferry-dump-verify) VERIFY=checksums run_pgferry "$db" dump "done pg_dump" || ok=0; seq=1 ;;
    pgferry-repl) run_pgferry "$db" auto "syncing replication" || ok=0 ;;
    pg_dump) run_pgdump "$db" || ok=0; seq=1 ;;
    native) run_native "$db" || ok=0 ;;
    pgcopydb) run_pgcopydb "$db" || ok=0; seq=1 ;;
  esac
  counters=$(machine_delta "$counters_before" "$(machine_counters)")
  if [ $ok = 1 ]; then
    case $tool in
      pgferry*) extra="  peak RSS $((RSS_OWN / 1024)) MiB own / $((RSS_TREE / 1024)) MiB with children, CPU ${CPU_OWN}s own / ${CPU}s with children" ;;
      native) extra="  (schema $SCHEMA_SECS s + sync $SYNC_SECS s)" ;;
    esac
    log "$section run $run: $tool ${ELAPSED}s$extra  (load $(cut -d' ' -f1 /proc/loadavg); machine: $counters)"
    if [ $PROFILE = 1 ]; then
      stop_samplers
      profile_summary "$WORK/$LOG.prof-src" "$t_start" "source:     "
      profile_summary "$WORK/$LOG.prof-dst" "$t_start" "destination:"
    fi
    t_verify=$(now)
    if verify "$section run $run $tool" "$db" $seq; then
      TIMES[$section/$tool]+="$ELAPSED "
      [ -n "$RSS_OWN" ] && { RSSO[$section/$tool]+="$RSS_OWN "; RSST[$section/$tool]+="$RSS_TREE "; CPUS[$section/$tool]+="$CPU_OWN/$CPU "; }
      record "$section" "$tool" "$run" "$ELAPSED" "rss_own_kib=${RSS_OWN:-}" "rss_tree_kib=${RSS_TREE:-}" "cpu_own_s=${CPU_OWN:-}" "cpu_tree_s=${CPU:-}" \
        "schema_s=$( [ $tool = native ] && echo "$SCHEMA_SECS")" "machine=$counters"
    fi
  else
    fail "$section run $run $tool: the tool failed (log $WORK/$LOG.log)"
  fi
  stop_samplers
  local t_clean; t_clean=$(now)
  case $tool in
    pgferry-repl) pgferry_cleanup || fail "$section run $run $tool: pgferry cleanup failed" ;;
    native) native_cleanup "$db" ;;
  esac
  stop_cluster dst
  check_source_clean "$section run $run $tool"
  [ $ok = 0 ] || log "  (not timed: verification $(secs "$t_verify" "$t_clean")s, clean-up and server stop $(secs "$t_clean" "$(now)")s)"
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s-%s", lo, hi }'; }
maxof() { tr ' ' '\n' | sed '/^$/d' | sort -g | tail -n 1; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' || echo "n/a"; }

# ---------------------------------------------------------------------------------------------
PGFERRY_VERSION=$("$PGFERRY_BIN" version 2>/dev/null | head -n 1 || true)
# The commit that produced the numbers: the checkout's HEAD (with "+dirty" when reconcilers/,
# operator/ or the build files have uncommitted changes) and the commit the binary says it was
# built from; they should agree.
GIT_HEAD=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- reconcilers operator CMakeLists.txt 2>/dev/null || GIT_HEAD="$GIT_HEAD+dirty"
log "pgferry: $PGFERRY_BIN ($PGFERRY_VERSION); checkout HEAD $GIT_HEAD"
case $PGFERRY_VERSION in *"commit ${GIT_HEAD%%+*}"*) ;; *)
  log "note: the binary was not built from HEAD ${GIT_HEAD}: rebuild (cmake --build build/release --target pgferry) to measure HEAD" ;; esac
record meta commit "$GIT_HEAD" "binary=$PGFERRY_VERSION" "date=$(date -u +%FT%TZ)" "load=$(cut -d' ' -f1-3 /proc/loadavg)"
log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
log "settings (both servers): $(printf '%s ' "${SETTINGS[@]}" | sed 's/--set //g')fsync=$S1_FSYNC for S1, $S3_FSYNC for S3"
start_cluster src; SRC_PORT=$PORT SRC_HOST=$HOST
log "connections: $( [ $SOCKET = 1 ] && echo "Unix-domain sockets (--socket)" || echo "TCP on 127.0.0.1")"

# --- S1: mixed dataset ------------------------------------------------------------------------
if [ -n "$TOOLS" ]; then
t0=$(now)
build_mixed bench "$SCALE" "$EVENTS"
SIZE=$(pqv "$SRC_PORT" bench -c "SELECT pg_size_pretty(pg_database_size('bench'))")
prepare_checks bench
src_psql postgres -c CHECKPOINT
log "dataset: pgbench scale $SCALE + $EVENTS events + small awkward tables: $SIZE, $SRC_TABLES tables, $SRC_ROWS rows (built in $(secs "$t0" "$(now)")s)"

read -r -a tools <<<"$TOOLS"
# Untimed, left out of the medians (section S1-warmup), but verified like any run.
for run in $(seq 1 "$WARMUP"); do run_tool S1-warmup "${tools[0]}" bench "$run"; done
for run in $(seq 1 "$RUNS"); do
  n=${#tools[@]} shift_by=$(( (run - 1) % ${#tools[@]} ))
  order=("${tools[@]:shift_by}" "${tools[@]:0:shift_by}")
  for tool in "${order[@]}"; do run_tool S1 "$tool" bench "$run"; done
done

echo
echo "S1 mixed dataset ($SIZE, $SRC_ROWS rows), $RUNS run(s), $JOBS jobs, pgferry $GIT_HEAD, $(date -u +%F), seconds:"
printf '  %-20s %8s %14s  %s\n' tool median range runs
for tool in "${tools[@]}"; do
  ts=${TIMES[S1/$tool]:-}
  printf '  %-20s %8s %14s  %s\n' "$tool" "$(median <<<"$ts")" "$(minmax <<<"$ts")" "${ts:-failed}"
done
M_FD=$(median <<<"${TIMES[S1/pgferry-dump]:-}") M_FR=$(median <<<"${TIMES[S1/pgferry-repl]:-}")
M_PD=$(median <<<"${TIMES[S1/pg_dump]:-}") M_NA=$(median <<<"${TIMES[S1/native]:-}")
M_PC=$(median <<<"${TIMES[S1/pgcopydb]:-}")
echo "ratios (baseline median / pgferry median; higher is better for pgferry):"
echo "  pgferry dump vs pg_dump -Fc | pg_restore   $(ratio "$M_PD" "$M_FD")   (target >= 2.0x)"
echo "  pgferry dump vs pgcopydb clone             $(ratio "$M_PC" "$M_FD")   (target > 1.0x)"
echo "  pgferry replication vs native subscription $(ratio "$M_NA" "$M_FR")   (target >= 1.75x)"
echo "  pgferry replication vs pg_dump | pg_restore $(ratio "$M_PD" "$M_FR")"
if [ -n "${TIMES[S1/pgferry-dump-verify]:-}" ]; then
  M_FV=$(median <<<"${TIMES[S1/pgferry-dump-verify]}")
  echo "  pgferry dump + verify: checksums vs pg_dump | pg_restore $(ratio "$M_PD" "$M_FV"); vs pgferry dump alone $(ratio "$M_FD" "$M_FV")"
fi
for tool in pgferry-dump pgferry-repl; do
  [ -n "${RSSO[S1/$tool]:-}" ] || continue
  echo "  $tool peak RSS: $(( $(maxof <<<"${RSSO[S1/$tool]}") / 1024 )) MiB own, $(( $(maxof <<<"${RSST[S1/$tool]}") / 1024 )) MiB with pg_dump/pg_restore children (target < 64 MiB); CPU s per run (own/with children): ${CPUS[S1/$tool]}"
done
record S1-summary dataset "$SIZE" "$SRC_ROWS" "pgferry-dump=$M_FD" "pgferry-repl=$M_FR" "pg_dump=$M_PD" "native=$M_NA" "pgcopydb=$M_PC"
fi

# --- S3: many small tables ----------------------------------------------------------------------
if [ -n "$SCALING" ]; then
  set_fsync "$S3_FSYNC"
  read -r -a scale_tools <<<"$SCALING_TOOLS"
  for n in $SCALING; do
    db=many_$n
    echo
    t0=$(now)
    build_many "$db" "$n"
    prepare_checks "$db"
    src_psql postgres -c CHECKPOINT
    log "S3: $n tables with 3 rows, a bigserial and a primary key each (built in $(secs "$t0" "$(now)")s)"
    for run in $(seq 1 "$SCALING_RUNS"); do
      for tool in "${scale_tools[@]}"; do run_tool "S3-$n" "$tool" "$db" "$run"; done
    done
    src_psql postgres -c "DROP DATABASE $db"
  done
  echo
  echo "S3 many small tables, pgferry $GIT_HEAD, median seconds (ms per table) g=growth: time per table relative to the first count (1.00 = linear):"
  printf '  %-8s' tables; for tool in "${scale_tools[@]}"; do printf ' %24s' "$tool"; done; echo
  first=""
  for n in $SCALING; do
    printf '  %-8s' "$n"
    for tool in "${scale_tools[@]}"; do
      m=$(median <<<"${TIMES[S3-$n/$tool]:-}")
      if [ -z "$m" ]; then printf ' %24s' failed; continue; fi
      f=$(median <<<"${TIMES[S3-${SCALING%% *}/$tool]:-}")
      n0=${SCALING%% *}
      printf ' %24s' "$(awk -v m="$m" -v n="$n" -v f="$f" -v n0="$n0" 'BEGIN { g = (f > 0) ? (m / f) / (n / n0) : 0; printf "%.1f (%.2f) g=%.2f", m, 1000 * m / n, g }')"
    done
    echo
  done
  n0=${SCALING%% *} nl=${SCALING##* }
  if [ "$n0" != "$nl" ]; then
    for tool in "${scale_tools[@]}"; do
      f=$(median <<<"${TIMES[S3-$n0/$tool]:-}") m=$(median <<<"${TIMES[S3-$nl/$tool]:-}")
      [ -n "$f" ] && [ -n "$m" ] || continue
      echo "  $tool: time per table at $nl tables = $(awk -v m="$m" -v n="$nl" -v f="$f" -v n0="$n0" 'BEGIN { printf "%.2f", (m / n) / (f / n0) }') x time per table at $n0 (1.00 = linear; no faster than linear means <= 1.2-1.5)"
    done
  fi
  for n in $SCALING; do
    for tool in pgferry-repl pgferry-dump; do
      [ -n "${RSSO[S3-$n/$tool]:-}" ] || continue
      echo "  $n tables $tool peak RSS: $(( $(maxof <<<"${RSSO[S3-$n/$tool]}") / 1024 )) MiB own, $(( $(maxof <<<"${RSST[S3-$n/$tool]}") / 1024 )) MiB with children"
    done
  done
fi

echo
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
