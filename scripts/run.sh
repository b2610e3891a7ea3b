#!/usr/bin/env bash
# Installs what is missing, builds erralertd and runs it on config/erralert.yaml (console receiver).
# Extra arguments go to erralertd, e.g. scripts/run.sh --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target erralertd
exec build/erralertd run --config config/erralert.yaml "$@"
