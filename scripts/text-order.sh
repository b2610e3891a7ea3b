#!/usr/bin/env bash
# scripts/text-order.sh: writes daemon/text-order.txt, the order in which lld lays out
# erralertd's functions (CMakeLists.txt, ERRALERT_TEXT_ORDER).
#
#   scripts/text-order.sh [--skip-build]
#
# Why: the kernel maps a program's code 64 KB around each page it first runs. Left in link
# order, the 600-odd functions that start-up runs are spread over most of the 3.2 MB of code,
# so an idle daemon held 2.3 MB of it; packed together they take 0.8 MB (docs/BENCHMARKS.md,
# row 6). The functions that serve requests follow them, so the hot path shares few pages too.
#
# How: the Release erralertd (build-bench/, as tests/bench/run.sh builds it) runs under
# valgrind's callgrind on a bench config (127.0.0.1, a console receiver to /dev/null): start-up
# and two idle seconds, then a few seconds of each bench load (one event per request, 10,000
# distinct events, NDJSON batches). The functions of erralertd that ran are written start-up
# first, then the request path, each sorted by name. Names that a later change renames are
# skipped by the linker; run this again when row 6 of the bench grows. Bounded: each wrk load
# runs 3 s, and the daemon is stopped by its PID.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
out="$root/daemon/text-order.txt"
[[ "${1:-}" == "--skip-build" ]] || {
  "$root/scripts/install-deps.sh" --all
  command -v valgrind >/dev/null || { echo "text-order.sh needs valgrind (apt-get install valgrind)" >&2; exit 1; }
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DERRALERT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target erralertd
}

work="$(mktemp -d)"
daemon_pid=""
cleanup() {
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# shellcheck source=tests/bench/config.sh
source "$root/tests/bench/config.sh"
bench_config "$work/config.yaml" "$port" "$work"

# One callgrind dump per phase: start-up and idle, then the loads.
valgrind --tool=callgrind --demangle=no --compress-strings=no --dump-instr=no \
  --callgrind-out-file="$work/cg.%p" \
  "$build/erralertd" run --config "$work/config.yaml" --log-level warn >/dev/null 2>"$work/valgrind.log" &
daemon_pid=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/valgrind.log" >&2; exit 1; }
  sleep 0.2
done
sleep 2
callgrind_control --dump=startup "$daemon_pid" >/dev/null 2>&1
for mode in one distinct ndjson; do
  wrk -t1 -c4 -d3s -s "$root/tests/bench/load.lua" "http://127.0.0.1:$port" -- "$mode" >/dev/null
done
kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""

# erralertd's own functions in one dump, without callgrind's recursion marks ("f'2").
functions() {
  awk -v exe="$build/erralertd" '
    /^ob=/ { ob = substr($0, 4) }
    /^fn=/ && ob == exe { name = substr($0, 4); sub(/'"'"'[0-9]+$/, "", name); print name }
  ' "$1" | grep -v -e '^0x' -e '^(' | LC_ALL=C sort -u
}
startup_dump="$(ls "$work"/cg.*.1)"
request_dump="$(ls "$work"/cg.* | grep -v '\.1$' | head -1)"
functions "$startup_dump" >"$work/startup"
functions "$request_dump" | LC_ALL=C comm -23 - "$work/startup" >"$work/requests"
{
  echo "# erralertd's functions in the order lld lays them out: written by scripts/text-order.sh."
  echo "# Start-up and idle first ($(wc -l <"$work/startup") functions), then the request path ($(wc -l <"$work/requests"))."
  cat "$work/startup" "$work/requests"
} >"$out"
echo "wrote $out: $(($(wc -l <"$out") - 2)) functions"
