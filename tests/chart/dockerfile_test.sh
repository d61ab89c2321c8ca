#!/usr/bin/env bash
# Dockerfile tests without a Docker engine: reads the Dockerfile's stages and checks that
#  - both stages are Debian 12, the build stage installs every -dev package scripts/setup.sh
#    installs (test frameworks excepted) and builds the release preset without tests;
#  - the runtime stage runs as UID 65532 with ENTRYPOINT ["pgferry", "operator"] and installs
#    ca-certificates and postgresql-client-15 (pg_dump/pg_restore);
#  - every shared library the built binary loads (`ldd`) belongs (`dpkg -S`) to a package the
#    runtime stage installs, directly or as one of their dependencies, or to libc6, libstdc++6
#    or libgcc-s1, which debian:12 has. This machine is Debian 12 too, so its dpkg database
#    answers for the image.
#
#   bash tests/chart/dockerfile_test.sh build/release/operator/cli/pgferry
#
# Last line: "N passed, N failed"; exit status 1 when anything failed, 2 on bad usage.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${PGFERRY_SOURCE_DIR:-$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))}
dockerfile=${PGFERRY_DOCKERFILE:-"$repo/Dockerfile"}
binary=${1:-}
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "usage: $0 PATH/TO/pgferry   (the built binary, e.g. build/release/operator/cli/pgferry)" >&2
  exit 2
fi

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# Prints "STAGE<TAB>INSTRUCTION<TAB>ARGUMENTS" per instruction, continuation lines joined and
# comments dropped; STAGE counts FROM lines from 1.
instructions() {
  awk '
    /^[[:space:]]*#/ { next }
    { line = (pending == "" ? $0 : pending " " $0) }
    /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); pending = line; next }
    { pending = "" }
    line ~ /^[[:space:]]*$/ { next }
    {
      sub(/^[[:space:]]+/, "", line)
      split(line, w, /[[:space:]]+/)
      instr = toupper(w[1])
      if (instr == "FROM") stage++
      args = substr(line, length(w[1]) + 2)
      gsub(/[[:space:]]+/, " ", args)
      printf "%d\t%s\t%s\n", stage, instr, args
    }' "$dockerfile"
}

# Packages named by `apt-get install` in stage $1 (options dropped).
apt_packages() {
  instructions | awk -F'\t' -v s="$1" '$1 == s && $2 == "RUN" { print $3 }' |
    grep -o 'apt-get install[^&;|]*' | sed 's/^apt-get install//' | tr ' ' '\n' |
    grep -v '^-' | grep -v '^$' | sort -u
}

[ -f "$dockerfile" ] || { fail "Dockerfile exists"; echo "$passed passed, $failed failed"; exit 1; }
stages=$(instructions | awk -F'\t' '$2 == "FROM"' | wc -l)
check "the Dockerfile has two stages" [ "$stages" -eq 2 ]
build_stage=1
runtime_stage=$stages

# Both stages start from Debian 12 (directly or through ARG DEBIAN_IMAGE=debian:12).
debian_image=$(sed -n 's/^ARG DEBIAN_IMAGE=//p' "$dockerfile")
while IFS=$'\t' read -r stage _ args; do
  image=${args%% *}
  [ "$image" = '${DEBIAN_IMAGE}' ] && image=$debian_image
  case $image in
    debian:12 | debian:12-slim | debian:bookworm | debian:bookworm-slim) pass "stage $stage is Debian 12 ($image)" ;;
    *) fail "stage $stage is Debian 12 (got $image)" ;;
  esac
done < <(instructions | awk -F'\t' '$2 == "FROM"')

# --- build stage --------------------------------------------------------------------------------
build_pkgs=$(apt_packages $build_stage)
setup_dev=$(sed -n '/^PACKAGES=(/,/^)/p' "$repo/scripts/setup.sh" | tr ' ' '\n' | grep -- '-dev$' |
  grep -v -e '^libgtest-dev$' -e '^libgmock-dev$' | sort -u)
for p in build-essential cmake ninja-build pkg-config $setup_dev; do
  check "build stage installs $p" grep -qx -- "$p" <<<"$build_pkgs"
done
build_runs=$(instructions | awk -F'\t' -v s=$build_stage '$1 == s && $2 == "RUN" { print $3 }')
check "build stage configures the release preset without tests" \
  grep -q -- 'cmake --preset release -DPGFERRY_BUILD_TESTS=OFF' <<<"$build_runs"
check "build stage builds the release preset" grep -q -- 'cmake --build --preset release' <<<"$build_runs"

# --- runtime stage ------------------------------------------------------------------------------
runtime=$(instructions | awk -F'\t' -v s=$runtime_stage '$1 == s')
runtime_pkgs=$(apt_packages $runtime_stage)
for p in ca-certificates postgresql-client-15; do
  check "runtime stage installs $p" grep -qx -- "$p" <<<"$runtime_pkgs"
done
check "runtime stage installs no -dev package" bash -c '! grep -q -- "-dev$" <<<"$1"' _ "$runtime_pkgs"
check "runtime stage copies the binary from the build stage" \
  grep -qE $'^[0-9]+\tCOPY\t--from=build [^ ]*pgferry /usr/local/bin/pgferry$' <<<"$runtime"
check "runtime stage runs as UID 65532" grep -qE $'\tUSER\t65532(:65532)?$' <<<"$runtime"
check 'ENTRYPOINT ["pgferry", "operator"]' \
  grep -qE $'\tENTRYPOINT\t\\[ ?"pgferry", ?"operator" ?\\]$' <<<"$runtime"
last_user=$(awk -F'\t' '$2 == "USER" { u = $3 } END { print u }' <<<"$runtime")
check "no later USER switches back to root" [ "${last_user%%:*}" = 65532 ]

# --- the libraries of the binary ----------------------------------------------------------------
# Packages the runtime stage ends up with: what it names plus their Depends/Pre-Depends, as
# installed on this machine (alternatives: every installed one).
closure=$(python3 - $runtime_pkgs <<'EOF'
import re, subprocess, sys
def deps(pkg):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", pkg],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None
    names = []
    for alt in out.stdout.split(","):
        for name in alt.split("|"):
            name = re.sub(r"\(.*?\)", "", name).strip().split(":")[0]
            if name:
                names.append(name)
    return names
seen, todo = set(), list(sys.argv[1:])
while todo:
    p = todo.pop()
    if p in seen:
        continue
    d = deps(p)
    if d is None:      # not installed here (or a virtual package): keep the name, no deps
        seen.add(p)
        continue
    seen.add(p)
    todo.extend(d)
print("\n".join(sorted(seen)))
EOF
)
for p in $runtime_pkgs; do
  check "runtime package $p is a Debian 12 package (installed here, so its dependencies are known)" \
    bash -c 'dpkg-query -W -f="\${Status}" "$1" 2>/dev/null | grep -q "install ok installed"' _ "$p"
done

owner_of() {  # the package shipping a library path (tries the merged-/usr twin and the target)
  local path=$1 alt
  case $path in
    /usr/*) alt=${path#/usr} ;;
    *) alt=/usr$path ;;
  esac
  for f in "$path" "$alt" "$(readlink -f "$path")" "/usr$(readlink -f "$path")"; do
    dpkg -S "$f" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
  done
  return 1
}

used=""
ldd_out=$(ldd "$binary" 2>&1)
check "ldd reads $binary" [ $? -eq 0 ]
while read -r lib arrow path _; do
  case $lib in linux-vdso.so.*) continue ;; esac
  if [ "$arrow" != "=>" ]; then path=$lib; fi   # the dynamic loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
  if [ "$path" = "not" ]; then
    fail "$lib is found by ldd (not found)"
    continue
  fi
  pkg=$(owner_of "$path")
  if [ -z "$pkg" ]; then
    fail "$path belongs to a Debian package (dpkg -S found none)"
    continue
  fi
  used="$used $pkg"
  case $pkg in
    libasan* | libubsan* | liblsan* | libtsan*)
      echo "note: $(basename "$path") ($pkg) is a sanitizer runtime: this is a dev build; the image builds the release preset without it"
      ;;
    libc6 | libstdc++6 | libgcc-s1) pass "$(basename "$path") comes from $pkg (in debian:12)" ;;
    *)
      if grep -qx -- "$pkg" <<<"$closure"; then
        pass "$(basename "$path") comes from $pkg, which the runtime stage installs (or pulls in)"
      else
        fail "$(basename "$path") comes from $pkg, which the runtime stage neither installs nor pulls in: add it to the runtime apt-get install"
      fi
      ;;
  esac
done <<<"$ldd_out"

# Packages named in the runtime stage that this binary does not load yet (the operator's
# cpprestsdk and prometheus-cpp, before they are linked): reported, not failed.
for p in $runtime_pkgs; do
  case $p in ca-certificates | postgresql-client-*) continue ;; esac
  grep -qw -- "$p" <<<"$used" || echo "note: runtime package $p is not loaded by $binary (yet)"
done

# pg_dump and pg_restore come from postgresql-client-15 at the path pgferry looks in.
for tool in pg_dump pg_restore; do
  check "postgresql-client-15 ships /usr/lib/postgresql/15/bin/$tool" \
    bash -c "dpkg -L postgresql-client-15 2>/dev/null | grep -qx /usr/lib/postgresql/15/bin/$tool"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
