#!/usr/bin/env bash
# tests/bench/instructions.sh: instructions erralertd spends per event, counted by callgrind.
#
#   tests/bench/instructions.sh [--batches N] [--skip-build]
#
# Throughput on a shared machine swings by ±15 % between runs, too much to see a change of a few
# per cent. An instruction count does not swing: this runs the Release erralertd (build-bench/)
# under valgrind's callgrind, posts N NDJSON batches of 1,000 of the bench's events (load.lua's
# shape) to its HTTP port on 127.0.0.1, stops it, subtracts a run that posts nothing (start-up
# and shutdown), and prints instructions per event and the costliest of erralert's own functions
# per event. The console receiver writes to /dev/null. Bounded: 10 minutes per daemon run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build="$repo/build-bench"
batches=5
skip_build=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --batches) batches="$2"; shift 2 ;;
    --skip-build) skip_build=1; shift ;;
    *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
[[ "$batches" =~ ^[1-9][0-9]*$ ]] || { echo "instructions.sh: --batches takes a positive number" >&2; exit 2; }

command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
command -v curl >/dev/null || "$repo/scripts/install-deps.sh"
if [[ $skip_build -eq 0 ]]; then
  "$repo/scripts/install-deps.sh"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DERRALERT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target erralertd >/dev/null
fi

work=$(mktemp -d)
daemon_pid=""
cleanup() {
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 30000))
cat >"$work/bench.yaml" <<EOF
server:
  http: {listen: "127.0.0.1:$port"}
  unix: {path: "$work/ingest.sock", dgram_path: "$work/ingest.dgram"}
storage:
  dir: "$work/state"
receivers:
  - {name: console, type: console}
routes:
  - {name: everything, receivers: [console]}
EOF

# One batch: 1,000 distinct events shaped like load.lua's.
for i in $(seq 1 1000); do
  printf '{"service":"payment-api","environment":"prod","host":"web-3","severity":"error","code":"FEP-SEC-%05d","status":502,"message":"upstream call failed #%d","detail":"feign.FeignException$BadGateway: [502 Bad Gateway]","request":{"method":"POST","path":"/v1/users/48213/embeddings/v%d","params":{"model":"m","password":"hunter2"},"client_ip":"10.0.0.7"},"exception":{"type":"feign.FeignException$BadGateway"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}\n' "$i" "$i" "$i"
done >"$work/batch.ndjson"

# Runs erralertd under callgrind, posts $1 batches, stops it; prints the total instruction count.
measure() {
  local n="$1" out="$work/callgrind.$1"
  rm -rf "$work/state"
  timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$build/erralertd" run --config "$work/bench.yaml" --log-level warn >/dev/null 2>"$work/daemon.err" &
  daemon_pid=$!
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/daemon.err" >&2; exit 1; }
  for _ in $(seq 1 "$n"); do
    curl -sf -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" \
      "http://127.0.0.1:$port/v1/events" >/dev/null
  done
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" || true
  daemon_pid=""
  grep '^summary:' "$out" | awk '{print $2}'
}

base=$(measure 0)
total=$(measure "$batches")
events=$((batches * 1000))
echo "erralertd $(git -C "$repo" rev-parse --short HEAD): $(( (total - base) / events )) instructions per event" \
  "($events NDJSON events, callgrind, start-up subtracted)"
echo
echo "erralert's costliest functions, instructions per event (inclusive):"
callgrind_annotate --inclusive=yes "$work/callgrind.$batches" 2>/dev/null |
  grep -E '\?\?\?:erralert::(core|app|net|deliver)::' |
  grep -v -E 'Daemon::run|dispatch_loop|HttpServer::session|handle_request|Daemon::ingest' |
  head -15 | sed -E 's/^ *([0-9,]+) +\( *[0-9.]+%\) +/\1 /' | while read -r count rest; do
    name=$(sed -E 's/^\?\?\?://; s/\(anonymous namespace\):://g; s/\[abi:cxx11\]//g; s/\(.*//; s/^erralert:://' <<<"$rest")
    printf '%8d  %s\n' $(( ${count//,/} / events )) "$name"
  done
