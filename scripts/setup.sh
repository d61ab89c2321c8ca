#!/usr/bin/env bash
# Installs everything pgferry needs to build, test and run the demo on Debian 12 (as root).
# Idempotent: does nothing when every package is present already.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libpq-dev libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libssl-dev
  libgtest-dev libgmock-dev googletest
  postgresql-15 postgresql-client-15 postgresql-contrib
  python3 python3-yaml lua5.1 time openssl util-linux procps iproute2 pgcopydb
  pgbouncer
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's postgresql-common creates a default "main" cluster on install; we never use it.
  mkdir -p /etc/postgresql-common
  if [ ! -f /etc/postgresql-common/createcluster.conf ] ||
     ! grep -q '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf; then
    echo "create_main_cluster = false" >>/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
id postgres >/dev/null 2>&1 || { echo "setup: no postgres OS user after install" >&2; exit 1; }
[ -x /usr/lib/postgresql/15/bin/postgres ] || { echo "setup: PostgreSQL 15 server missing" >&2; exit 1; }
# The integration tests' stand-in extensions (tests/harness/extensions); the tests copy them too.
ext_dir="$(pg_config --sharedir)/extension"
if [ -w "$ext_dir" ]; then
  install -m 644 "$(dirname "$0")"/../tests/harness/extensions/*.control \
    "$(dirname "$0")"/../tests/harness/extensions/*.sql "$ext_dir"/
fi
