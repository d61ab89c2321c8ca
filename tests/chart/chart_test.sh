#!/usr/bin/env bash
# Chart tests: renders charts/pgferry offline with chart-render (no helm binary on these machines)
# with the default values and with every toggle flipped, and asserts the rendered objects:
# operator arguments, restricted pod security, probes and ports, RBAC granting exactly the calls
# the operator made in the end-to-end run (tests/chart/observed-api-calls.txt, written by
# tests/e2e/e2e_operator_migration_test.cc) plus tests/chart/implied-api-calls.txt (Role vs
# ClusterRole, leases only with leader election),
# Service/ServiceMonitor, the CRD copy; validates values.schema.json both ways, the manifests in
# examples/ against the CRD (and pgferry's own loader with $PGFERRY_BIN), and runs the Argo CD
# health check of docs/ under Lua when an interpreter is installed. Assertions: chart_checks.py.
#
#   bash tests/chart/chart_test.sh
#   CHART_RENDER=/path/to/chart-render   (default: <repo>/../shared/tools/chart-render/chart-render)
#   PGFERRY_AUDIT_LOG=audit.jsonl        also check that the chart grants every call the operator
#                                        made in a fake-apiserver audit log (user agent pgferry*)
#
# Last line: "N passed, N failed"; exit status 1 when anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${PGFERRY_SOURCE_DIR:-$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))}
chart="$repo/charts/pgferry"
render=${CHART_RENDER:-"$repo/../shared/tools/chart-render/chart-render"}
checks="$here/chart_checks.py"
calls=(--expected-calls "$here/observed-api-calls.txt" --expected-calls "$here/implied-api-calls.txt")
ns=pgferry-system

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# Python 3 with PyYAML: $PYTHON, else the first python3 on PATH that has it, else Debian's.
python=${PYTHON:-}
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then python=$p; break; fi
  done
fi
if [ -z "$python" ]; then
  fail "python3 with PyYAML found (apt-get install python3-yaml)"
  finish
fi
if [ ! -x "$render" ]; then
  fail "chart-render found at $render (set CHART_RENDER)"
  finish
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs chart_checks.py and counts its PASS/FAIL lines, prefixed with a scenario label.
run_checks() {
  local label=$1
  shift
  local out
  out=$("$python" "$checks" "$@" 2>&1)
  local rc=$?
  while IFS= read -r line; do
    case $line in
      PASS:*) pass "[$label] ${line#PASS: }" ;;
      FAIL:*) fail "[$label] ${line#FAIL: }" ;;
      *) [ -n "$line" ] && echo "       $line" ;;
    esac
  done <<<"$out"
  [ $rc -eq 0 ] || fail "[$label] chart_checks.py $1 exited with $rc"
}

# render LABEL VALUES_FILE [chart-render args...]: renders into $tmp/LABEL.yaml with --check.
render() {
  local label=$1 values=$2
  shift 2
  local args=(--check --name pgferry --namespace "$ns")
  [ -n "$values" ] && args+=(-f "$values")
  if "$render" "${args[@]}" "$@" "$chart" >"$tmp/$label.yaml" 2>"$tmp/$label.err"; then
    pass "[$label] chart-render --check renders the chart"
  else
    fail "[$label] chart-render --check renders the chart: $(cat "$tmp/$label.err")"
    return 1
  fi
  if grep -q '{{\|}}' "$tmp/$label.yaml"; then
    fail "[$label] no template delimiters left in the output"
  else
    pass "[$label] no template delimiters left in the output"
  fi
}

# --- Chart.yaml ---------------------------------------------------------------------------------
project_version=$(sed -n 's/^project(pgferry VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
if grep -qx 'apiVersion: v2' "$chart/Chart.yaml"; then pass "Chart.yaml apiVersion v2"; else fail "Chart.yaml apiVersion v2"; fi
if grep -qx "appVersion: \"$project_version\"" "$chart/Chart.yaml"; then
  pass "Chart.yaml appVersion is \"$project_version\" (CMakeLists.txt project version)"
else
  fail "Chart.yaml appVersion is \"$project_version\" (CMakeLists.txt project version)"
fi

# --- the CRD copy -------------------------------------------------------------------------------
run_checks crd "crd-copy" "$repo"

# --- defaults -----------------------------------------------------------------------------------
if render default ""; then
  run_checks default render "$tmp/default.yaml" --release-namespace "$ns" "${calls[@]}" \
    --repo "$repo" --leader yes --crd yes --service-monitor no --replicas 1 \
    --image "ghcr.io/pgferry/pgferry:$project_version"
fi
run_checks default schema "$chart/values.schema.json" "$chart/values.yaml"

# --- every toggle flipped: one watched namespace, no leader election, ServiceMonitor on, no CRD --
cat >"$tmp/flipped-values.yaml" <<'EOF'
watchNamespaces: [team-a]
leaderElection: {enabled: false}
serviceMonitor: {enabled: true, labels: {release: prometheus}}
crds: {install: false}
logLevel: debug
maxConcurrentMigrations: 5
image: {tag: 0.2.0-rc1, pullPolicy: Always}
podAnnotations: {example.com/team: data}
imagePullSecrets: [{name: registry}]
extraArgs: [--cleanup-timeout=10m]
EOF
if render flipped "$tmp/flipped-values.yaml"; then
  run_checks flipped render "$tmp/flipped.yaml" --release-namespace "$ns" "${calls[@]}" \
    --repo "$repo" --watch team-a --leader no --crd no --service-monitor yes --replicas 1 \
    --log-level debug --max-concurrent 5 --image ghcr.io/pgferry/pgferry:0.2.0-rc1 \
    --extra-args=--cleanup-timeout=10m
fi
for want in 'example.com/team: data' '- name: registry' 'imagePullPolicy: Always' '- "--cleanup-timeout=10m"'; do
  if grep -qF -- "$want" "$tmp/flipped.yaml"; then
    pass "[flipped] the Deployment has $want"
  else
    fail "[flipped] the Deployment has $want"
  fi
done
run_checks flipped schema "$chart/values.schema.json" "$chart/values.yaml" "$tmp/flipped-values.yaml"

# --- two watched namespaces, one of them the operator's own --------------------------------------
cat >"$tmp/two-namespaces-values.yaml" <<EOF
watchNamespaces: [team-b, $ns]
EOF
if render two-namespaces "$tmp/two-namespaces-values.yaml"; then
  run_checks two-namespaces render "$tmp/two-namespaces.yaml" --release-namespace "$ns" \
    "${calls[@]}" --repo "$repo" --watch "team-b,$ns" --leader yes --crd yes
fi
run_checks two-namespaces schema "$chart/values.schema.json" "$chart/values.yaml" "$tmp/two-namespaces-values.yaml"

# --- two replicas force leader election even when it is switched off -----------------------------
cat >"$tmp/replicas-values.yaml" <<'EOF'
replicaCount: 2
leaderElection: {enabled: false}
EOF
if render replicas "$tmp/replicas-values.yaml"; then
  run_checks replicas render "$tmp/replicas.yaml" --release-namespace "$ns" "${calls[@]}" \
    --repo "$repo" --leader yes --replicas 2
fi
run_checks replicas schema "$chart/values.schema.json" "$chart/values.yaml" "$tmp/replicas-values.yaml"

# --- values the schema must reject ---------------------------------------------------------------
bad=0
while IFS= read -r doc; do
  [ -z "$doc" ] && continue
  bad=$((bad + 1))
  printf '%s\n' "$doc" >"$tmp/bad-$bad.yaml"
  run_checks "invalid values: $doc" schema "$chart/values.schema.json" "$chart/values.yaml" \
    "$tmp/bad-$bad.yaml" --expect invalid
done <<'EOF'
replicaCount: two
replicaCount: -1
logLevel: verbose
maxConcurrentMigrations: 0
watchNamespaces: [Team_A]
watchNamespaces: [team-a, team-a]
image: {pullPolicy: Sometimes}
crds: {install: "yes"}
leaderElection: {enabled: 1}
serviceMonitor: {interval: soon}
replicas: 2
resources: {limit: {cpu: 1}}
extraArgs: [cleanup-timeout=10m]
EOF

# --- the checks themselves catch a widened RBAC rule ----------------------------------------------
cp -r "$chart" "$tmp/widened"
sed -i 's/verbs: \[get, list, watch\]/verbs: [get, list, watch, delete]/' "$tmp/widened/templates/_helpers.tpl"
"$render" --name pgferry --namespace "$ns" "$tmp/widened" >"$tmp/widened.yaml" 2>/dev/null &&
  "$python" "$checks" render "$tmp/widened.yaml" --release-namespace "$ns" "${calls[@]}" \
    --repo "$repo" >"$tmp/widened.out" 2>&1
if grep -q '^FAIL: .*extra delete core secrets' "$tmp/widened.out"; then
  pass "[self-test] a chart granting delete on secrets fails the RBAC checks"
else
  fail "[self-test] a chart granting delete on secrets fails the RBAC checks"
fi

# ... and a narrowed one: an observed call (patch core events) no longer granted.
cp -r "$chart" "$tmp/narrowed"
sed -i 's/verbs: \[create, patch\]/verbs: [create]/' "$tmp/narrowed/templates/_helpers.tpl"
"$render" --name pgferry --namespace "$ns" "$tmp/narrowed" >"$tmp/narrowed.yaml" 2>/dev/null &&
  "$python" "$checks" render "$tmp/narrowed.yaml" --release-namespace "$ns" "${calls[@]}" \
    --repo "$repo" >"$tmp/narrowed.out" 2>&1
if grep -q '^FAIL: .*missing patch core events' "$tmp/narrowed.out"; then
  pass "[self-test] a chart not granting an observed call (patch events) fails the RBAC checks"
else
  fail "[self-test] a chart not granting an observed call (patch events) fails the RBAC checks"
fi

# --- examples/ against the CRD -------------------------------------------------------------------
run_checks examples examples "$repo"

# With the built binary ($PGFERRY_BIN, as CTest passes it), pgferry's own manifest loader must
# accept each example: `pgferry check` exits 2 for a bad manifest and 3 when it cannot connect.
# The placeholder hosts become closed local ports so that nothing waits for DNS or the network.
if [ -n "${PGFERRY_BIN:-}" ] && [ -x "$PGFERRY_BIN" ]; then
  for f in "$repo"/examples/*.yaml; do
    awk '/^    host: /{n++; sub(/host: .*/, "host: 127.0.0." n); print; print "    port: 1"; next}
         /^    port: /{next} {print}' "$f" >"$tmp/example.yaml"
    timeout 60 "$PGFERRY_BIN" check -f "$tmp/example.yaml" >"$tmp/example.out" 2>&1
    rc=$?
    if [ $rc -eq 3 ]; then
      pass "[examples] pgferry check accepts the manifest in examples/$(basename "$f")"
    else
      fail "[examples] pgferry check accepts the manifest in examples/$(basename "$f") (exit $rc: $(head -n1 "$tmp/example.out"))"
    fi
  done
else
  echo "note: PGFERRY_BIN not set; examples not loaded by pgferry itself"
fi

# --- the operator's flags: --help, the user guide and the chart agree ----------------------------
if [ -n "${PGFERRY_BIN:-}" ] && [ -x "$PGFERRY_BIN" ]; then
  if "$PGFERRY_BIN" operator --help >"$tmp/operator-help.txt" 2>&1; then
    pass "[flags] pgferry operator --help exits 0"
  else
    fail "[flags] pgferry operator --help exits 0 ($(head -n1 "$tmp/operator-help.txt"))"
  fi
  grep -o -- '--[a-z][a-z-]*' "$tmp/operator-help.txt" | grep -vx -- '--help' | sort -u >"$tmp/help-flags.txt"
  sed -n '/^### Operator flags/,/^##/p' "$repo/docs/user-guide.md" |
    grep -o -- '^| `--[a-z][a-z-]*' | sed 's/^| `//' | sort -u >"$tmp/doc-flags.txt"
  missing=$(comm -23 "$tmp/help-flags.txt" "$tmp/doc-flags.txt" | tr '\n' ' ')
  extra=$(comm -13 "$tmp/help-flags.txt" "$tmp/doc-flags.txt" | tr '\n' ' ')
  if [ "$(wc -l <"$tmp/help-flags.txt")" -ge 10 ] && [ -z "$missing$extra" ]; then
    pass "[flags] docs/user-guide.md lists exactly the $(wc -l <"$tmp/help-flags.txt") flags of pgferry operator --help"
  else
    fail "[flags] docs/user-guide.md lists exactly the flags of pgferry operator --help (not documented: $missing; not in --help: $extra)"
  fi
  for label in default flipped; do
    [ -f "$tmp/$label.yaml" ] || continue
    unknown=$(grep -o -- '^ *- "\?--[a-z][a-z-]*' "$tmp/$label.yaml" | sed 's/.*--/--/' | sort -u |
      comm -23 - "$tmp/help-flags.txt" | tr '\n' ' ')
    if [ -z "$unknown" ]; then
      pass "[flags] every flag in the $label Deployment's args is in pgferry operator --help"
    else
      fail "[flags] every flag in the $label Deployment's args is in pgferry operator --help: $unknown"
    fi
  done
else
  echo "note: PGFERRY_BIN not set; operator flags not checked against --help"
fi

# --- docs/ ----------------------------------------------------------------------------------------
run_checks docs user-guide "$repo"
run_checks argocd argocd-doc "$repo"
lua=""
for l in lua5.1 lua5.4 lua5.3 lua; do
  if command -v "$l" >/dev/null; then lua=$l; break; fi
done
if [ -n "$lua" ]; then
  run_lua() { "$lua" "$here/argocd_health_test.lua" "$repo/docs/argocd-health.lua"; }
  while IFS= read -r line; do
    case $line in
      PASS:*) pass "[argocd/$lua] ${line#PASS: }" ;;
      FAIL:*) fail "[argocd/$lua] ${line#FAIL: }" ;;
      *) [ -n "$line" ] && fail "[argocd/$lua] $line" ;;
    esac
  done < <(run_lua 2>&1)
else
  echo "note: no Lua interpreter (apt-get install lua5.1); docs/argocd-health.lua not run"
fi

# --- optional: the calls a real end-to-end run made ----------------------------------------------
if [ -n "${PGFERRY_AUDIT_LOG:-}" ]; then
  "$python" "$checks" audit-calls "$PGFERRY_AUDIT_LOG" --user-agent-prefix pgferry >"$tmp/audit-calls.txt"
  echo "       calls in $PGFERRY_AUDIT_LOG:"
  sed 's/^/         /' "$tmp/audit-calls.txt"
  [ -f "$tmp/default.yaml" ] && run_checks audit covers "$tmp/default.yaml" "$tmp/audit-calls.txt"
fi

finish
