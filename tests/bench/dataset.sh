# Dataset builders for tests/bench/bench.sh (sourced, not run).
#
# build_mixed DB SCALE EVENTS   the S1 "mixed OLTP" dataset of docs/performance-anchors.md §9/§11,
#                               scaled down: pgbench at scale SCALE (100,000 accounts per unit,
#                               primary keys, no foreign keys), an "events" table of EVENTS rows
#                               (bigint PK, timestamptz, int, enum, numeric, jsonb, 64-char text,
#                               plus a (user_id, ts) index), and a few small tables with awkward
#                               types (uuid, arrays, bytea with TOASTed values, tsvector, interval,
#                               a range-partitioned table, a foreign key) that check correctness
#                               rather than speed.
# build_many DB N               N small tables t1..tN (bigserial PK, text, int; 3 rows each).
#
# Both expect the functions src_psql (psql on the source as superuser) and the
# variables SRC_PORT, PGPASSWORD from bench.sh.

build_mixed() {
  local db=$1 scale=$2 events=$3
  src_psql postgres -c "CREATE DATABASE $db" >/dev/null
  # Server-side generation (G): no client round trip; v = VACUUM, p = primary keys.
  pgbench -h "${SRC_HOST:-127.0.0.1}" -p "$SRC_PORT" -U postgres -i -I dtGvp -s "$scale" -q "$db" >/dev/null 2>&1 ||
    { echo "bench: pgbench -i failed" >&2; return 1; }
  src_psql "$db" -v ON_ERROR_STOP=1 -v events="$events" >/dev/null <<'SQL'
-- pgbench_history has no primary key: without a replica identity, logical replication would
-- not be allowed (pgferry's method auto falls back to a one-time copy).
ALTER TABLE pgbench_history REPLICA IDENTITY FULL;
CREATE TYPE event_kind AS ENUM ('click', 'view', 'buy', 'refund');
CREATE TABLE events (
  id      bigserial PRIMARY KEY,
  ts      timestamptz NOT NULL,
  user_id int NOT NULL,
  kind    event_kind NOT NULL,
  amount  numeric(12,2),
  payload jsonb,
  note    text
);
INSERT INTO events (ts, user_id, kind, amount, payload, note)
SELECT timestamptz '2024-01-01 00:00:00+00' + i * interval '1.7 seconds',
       ((i::bigint * 7919) % 100000)::int,
       (enum_range(NULL::event_kind))[1 + i % 4],
       ((i::bigint * 31) % 1000000) / 100.0,
       jsonb_build_object('i', i, 'tag', 't' || (i % 50), 'ok', i % 3 = 0,
                          'items', jsonb_build_array(i % 7, i % 11)),
       md5(i::text) || md5((i + 1)::text)
  FROM generate_series(1, :events) AS i;
CREATE INDEX events_user_ts ON events (user_id, ts);

-- Awkward types: binary COPY must fall back to text where it is not safe, TOAST must survive.
CREATE TABLE misc (
  id        int PRIMARY KEY,
  uid       uuid NOT NULL,
  tags      text[],
  nums      int[],
  blob      bytea,
  doc       tsvector,
  span      interval,
  born      date,
  ratio     double precision,
  big       numeric,
  flag      boolean,
  loc       point
);
INSERT INTO misc
SELECT i,
       md5(i::text)::uuid,
       ARRAY['a' || i, 'b' || (i % 13)],
       ARRAY[i, i * 2, i % 5],
       CASE WHEN i % 10 = 0 THEN decode(repeat(md5(i::text), 64 + i % 192), 'hex')  -- 1-8 kB, TOASTed
            ELSE decode(md5(i::text), 'hex') END,
       to_tsvector('english', 'row ' || i || ' the quick brown fox ' || (i % 17)),
       (i % 1000) * interval '37 minutes',
       date '2000-01-01' + i % 9000,
       i / 7.0,
       (i::numeric ^ 3) / 11,
       i % 2 = 0,
       point(i % 360, i % 180)
  FROM generate_series(1, 5000) AS i;
CREATE INDEX misc_doc ON misc USING gin (doc);
CREATE UNIQUE INDEX misc_uid ON misc (uid);

CREATE TABLE misc_child (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  misc_id int NOT NULL REFERENCES misc (id),
  label   text
);
INSERT INTO misc_child (misc_id, label)
SELECT 1 + i % 5000, 'child ' || i FROM generate_series(1, 20000) AS i;

CREATE TABLE measurements (
  id    bigint NOT NULL,
  taken date NOT NULL,
  value numeric(10,3),
  PRIMARY KEY (id, taken)
) PARTITION BY RANGE (taken);
CREATE TABLE measurements_2024q1 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE measurements_2024q2 PARTITION OF measurements FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
CREATE TABLE measurements_2024q3 PARTITION OF measurements FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
CREATE TABLE measurements_2024q4 PARTITION OF measurements FOR VALUES FROM ('2024-10-01') TO ('2025-01-01');
INSERT INTO measurements
SELECT i, date '2024-01-01' + i % 366, (i % 100000) / 7.0 FROM generate_series(1, 40000) AS i;

VACUUM ANALYZE;
SQL
}

build_many() {
  local db=$1 n=$2
  src_psql postgres -c "CREATE DATABASE $db" >/dev/null
  # Commit every 250 tables: one transaction for all of them would need tens of thousands of locks.
  src_psql "$db" -v ON_ERROR_STOP=1 -v n="$n" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT set_config('bench.n', :'n', false);
DO $$
DECLARE n int := current_setting('bench.n')::int;
BEGIN
  FOR i IN 1..n LOOP
    EXECUTE format('CREATE TABLE t%s (id bigserial PRIMARY KEY, v text NOT NULL, n int)', i);
    EXECUTE format('INSERT INTO t%s (v, n) VALUES (%L, 1), (%L, 2), (%L, 3)', i, 'a' || i, 'b' || i, 'c' || i);
    IF i % 250 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
VACUUM ANALYZE;
SQL
}
