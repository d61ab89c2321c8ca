#!/usr/bin/env bash
# The operator's footprint with many idle PgMigrations: starts fake-apiserver and
# `pgferry operator`, applies COUNT (default 200) PgMigrations at once, waits until the operator
# has reconciled every one (status.observedGeneration == metadata.generation), then samples the
# operator's memory (VmRSS, VmHWM from /proc/PID/status) and the CPU it uses while idle.
#
# "Idle" here: each PgMigration has `spec.suspend: true` and its own credentials Secret. The
# operator watches and caches all of them (PgMigrations and Secrets), adds the cleanup finalizer,
# writes a status (Reconciling=False reason Suspended) and an Event, and then has nothing to do
# until something changes. No PostgreSQL server is needed: a suspended migration never connects.
#
#   tests/bench/operator_footprint.sh [BUILD_DIR]     (default build/release)
#   COUNT=200 RSS_LIMIT_MIB=50 IDLE_SECONDS=10 WAIT_SECONDS=300
#
# Prints one "name: value" line per figure. Exit status: 0 all reconciled and VmHWM within
# RSS_LIMIT_MIB; 1 some PgMigrations were not reconciled within WAIT_SECONDS (or a process
# failed); 3 reconciled but over the memory limit; 2 bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build/release}
count=${COUNT:-200}
limit_mib=${RSS_LIMIT_MIB:-50}
idle_seconds=${IDLE_SECONDS:-10}
wait_seconds=${WAIT_SECONDS:-300}
pgferry=${PGFERRY_BIN:-$build/operator/cli/pgferry}
fake=$build/tests/fake-apiserver/fake-apiserver
kubectl=${KUBECTL:-/usr/bin/kubectl}
for f in "$pgferry" "$fake" "$kubectl"; do
  if [ ! -x "$f" ]; then
    echo "operator_footprint: $f not found (build first: cmake --build $build)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d)
fake_pid=""
op_pid=""
cleanup() {
  [ -n "$op_pid" ] && kill "$op_pid" 2>/dev/null && wait "$op_pid" 2>/dev/null || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$fake" --port 0 --kubeconfig-out "$tmp/kubeconfig" >"$tmp/fake.out" 2>"$tmp/fake.err" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$tmp/fake.out" ] && break; sleep 0.1; done
if [ ! -s "$tmp/fake.out" ]; then
  echo "operator_footprint: fake-apiserver did not start: $(cat "$tmp/fake.err")" >&2
  exit 1
fi
k() { "$kubectl" --kubeconfig "$tmp/kubeconfig" --cache-dir "$tmp/kube-cache" "$@"; }
k apply -f "$repo/crds/" >/dev/null
k wait --for=condition=Established crd/pgmigrations.pgferry.io --timeout=60s >/dev/null

"$pgferry" operator --kubeconfig "$tmp/kubeconfig" --metrics-bind-address 127.0.0.1:0 \
  --health-probe-bind-address 127.0.0.1:0 >"$tmp/operator.log" 2>&1 &
op_pid=$!
for _ in $(seq 300); do grep -q "Starting controller" "$tmp/operator.log" && break; sleep 0.1; done
if ! grep -q "Starting controller" "$tmp/operator.log"; then
  echo "operator_footprint: the operator did not start:" >&2
  cat "$tmp/operator.log" >&2
  exit 1
fi
status_kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$op_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$op_pid/stat"; }
rss_start=$(status_kib VmRSS)

for i in $(seq -f '%03g' 1 "$count"); do
  cat <<EOF
---
apiVersion: v1
kind: Secret
metadata: {name: idle-$i-pg}
stringData: {username: app, password: not-a-real-password}
---
apiVersion: pgferry.io/v1alpha1
kind: PgMigration
metadata: {name: idle-$i}
spec:
  source: {host: source-$i.example.com, credentialsSecretRef: {name: idle-$i-pg}}
  destination: {host: destination-$i.example.com, credentialsSecretRef: {name: idle-$i-pg}}
  suspend: true
EOF
done >"$tmp/idle.yaml"

start=$(date +%s.%N)
k apply -f "$tmp/idle.yaml" >/dev/null
applied=$(date +%s.%N)
# Reconciled: observedGeneration equals generation on every object.
reconciled=0
deadline=$(($(date +%s) + wait_seconds))
while :; do
  reconciled=$(k get pgm -o jsonpath='{range .items[*]}{.metadata.generation}={.status.observedGeneration}{"\n"}{end}' |
    awk -F= '$1 != "" && $1 == $2' | wc -l)
  [ "$reconciled" -ge "$count" ] && break
  if ! kill -0 "$op_pid" 2>/dev/null; then
    echo "operator_footprint: the operator exited:" >&2
    tail -n 20 "$tmp/operator.log" >&2
    exit 1
  fi
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 0.5
done
done_at=$(date +%s.%N)
rss_busy=$(status_kib VmRSS)

# Idle: nothing changes; how much memory and CPU does holding them take?
ticks0=$(cpu_ticks)
sleep "$idle_seconds"
ticks1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
finalizers=$(k get pgm -o jsonpath='{range .items[*]}{.metadata.finalizers[0]}{"\n"}{end}' | grep -c 'pgferry.io/cleanup' || true)
errors=$(grep -c "Reconciler error" "$tmp/operator.log" || true)

echo "pgmigrations: $count (spec.suspend: true, one Secret each)"
echo "reconciled (observedGeneration == generation): $reconciled"
echo "with the cleanup finalizer: $finalizers"
echo "reconciler errors in the log: $errors"
awk -v a="$start" -v b="$applied" -v c="$done_at" \
  'BEGIN {printf "kubectl apply took: %.1f s\nall reconciled after: %.1f s from the start of the apply\n", b - a, c - a}'
echo "VmRSS before the apply: $((rss_start / 1024)) MiB ($rss_start kB)"
echo "VmRSS when all were reconciled: $((rss_busy / 1024)) MiB ($rss_busy kB)"
echo "VmRSS after ${idle_seconds} s idle: $(($(status_kib VmRSS) / 1024)) MiB ($(status_kib VmRSS) kB)"
hwm=$(status_kib VmHWM)
echo "VmHWM (peak RSS): $((hwm / 1024)) MiB ($hwm kB)"
echo "threads: $(status_kib Threads)"
awk -v t=$((ticks1 - ticks0)) -v hz="$hz" -v s="$idle_seconds" \
  'BEGIN {printf "CPU while idle: %.2f s in %d s (%.1f%% of one core)\n", t / hz, s, 100 * t / hz / s}'

if [ "$reconciled" -lt "$count" ]; then
  echo "FAIL: only $reconciled of $count PgMigrations reconciled within ${wait_seconds} s" >&2
  exit 1
fi
if [ "$hwm" -gt $((limit_mib * 1024)) ]; then
  echo "FAIL: VmHWM $((hwm / 1024)) MiB is over ${limit_mib} MiB" >&2
  exit 3
fi
echo "OK: every PgMigration reconciled; peak RSS under ${limit_mib} MiB"
