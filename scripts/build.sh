#!/usr/bin/env bash
# Configures and builds pgferry with a CMake preset (default: release). Two parallel jobs: the
# machines have two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "${JOBS:-2}"
