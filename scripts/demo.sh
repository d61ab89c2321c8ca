#!/usr/bin/env bash
# The demo: installs what is missing, builds pgferry, starts two PostgreSQL 15 servers on
# 127.0.0.1, creates a sample source database, and runs pgferry against them. The servers are
# stopped and removed when the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
PGFERRY=$PWD/build/release/operator/cli/pgferry
PGCLUSTER=$PWD/tests/harness/pgcluster

work=$(mktemp -d /tmp/pgferry-demo.XXXXXX)
chmod 755 "$work"
cleanup() { "$PGCLUSTER" stop "$work/src" || true; "$PGCLUSTER" stop "$work/dst" || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== starting two PostgreSQL 15 servers on 127.0.0.1"
eval "$("$PGCLUSTER" start "$work/src" | sed 's/^PGC_/SRC_/')"
eval "$("$PGCLUSTER" start "$work/dst" | sed 's/^PGC_/DST_/')"
echo "source      127.0.0.1:$SRC_PORT"
echo "destination 127.0.0.1:$DST_PORT"

echo "== creating the sample database \"shop\" on the source"
"$PGCLUSTER" psql "$work/src" -q -d postgres -c "CREATE DATABASE shop OWNER migrator"
"$PGCLUSTER" psql "$work/src" -q -d shop -v ON_ERROR_STOP=1 <<'SQL'
SET ROLE migrator;
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES customers,
                     total numeric(10,2), created_at timestamptz DEFAULT now());
INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 1000) g;
INSERT INTO orders (customer_id, total) SELECT 1 + g % 1000, g / 100.0 FROM generate_series(1, 20000) g;
SQL

cat >"$work/migration.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata: {name: shop-source}
stringData: {username: postgres, password: $SRC_SUPERPW}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-destination}
stringData: {username: postgres, password: $DST_SUPERPW}
---
apiVersion: pgferry.io/v1alpha1
kind: PgMigration
metadata: {name: shop}
spec:
  source:
    host: 127.0.0.1
    port: $SRC_PORT
    sslMode: disable
    credentialsSecretRef: {name: shop-source}
  destination:
    host: 127.0.0.1
    port: $DST_PORT
    sslMode: disable
    credentialsSecretRef: {name: shop-destination}
  databases: {include: [shop]}
YAML
echo "== the manifest (passwords are in the Secrets):"
sed -n '/kind: PgMigration/,$p' "$work/migration.yaml"

echo "== pgferry check -f migration.yaml"
"$PGFERRY" check -f "$work/migration.yaml"

echo
echo "== pgferry migrate -f migration.yaml   (copies roles, schema and data; replication keeps running)"
"$PGFERRY" migrate -f "$work/migration.yaml"

echo
echo "== a row inserted on the source arrives on the destination"
"$PGCLUSTER" psql "$work/src" -q -d shop -c "INSERT INTO customers (name) VALUES ('inserted after the copy')"
for _ in $(seq 1 50); do
  got=$("$PGCLUSTER" psql "$work/dst" -At -d shop -c "SELECT count(*) FROM customers WHERE name = 'inserted after the copy'")
  [ "$got" = 1 ] && break
  sleep 0.2
done
echo "destination: $("$PGCLUSTER" psql "$work/dst" -At -d shop -c "SELECT id, name FROM customers WHERE name = 'inserted after the copy'")"

echo
echo "== cutover: set spec.replication.cutover: true and run migrate again"
printf '  replication: {cutover: true}\n' >>"$work/migration.yaml"
"$PGFERRY" migrate -f "$work/migration.yaml"

echo
echo "== left on the servers (all 0 after cutover)"
echo "source slots:         $("$PGCLUSTER" psql "$work/src" -At -d postgres -c "SELECT count(*) FROM pg_replication_slots")"
echo "source publications:  $("$PGCLUSTER" psql "$work/src" -At -d shop -c "SELECT count(*) FROM pg_publication")"
echo "destination subs:     $("$PGCLUSTER" psql "$work/dst" -At -d postgres -c "SELECT count(*) FROM pg_subscription")"
echo "rows on destination:  customers $("$PGCLUSTER" psql "$work/dst" -At -d shop -c "SELECT count(*) FROM customers"), orders $("$PGCLUSTER" psql "$work/dst" -At -d shop -c "SELECT count(*) FROM orders")"
"$PGFERRY" cleanup -f "$work/migration.yaml" >/dev/null
