#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test with CTest
# (unit, integration against real PostgreSQL 15 servers, end-to-end with the real kubectl).
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only one label (unit|integration|e2e|bench), any ctest option works
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
cd build/release
ctest --output-on-failure -j "${TEST_JOBS:-2}" --timeout 600 "$@"
