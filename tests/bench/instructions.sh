#!/usr/bin/env bash
# tests/bench/instructions.sh: instructions erralertd spends per event, counted by callgrind.
#
#   tests/bench/instructions.sh [--batches N] [--seconds S] [--skip-build]
#
# Throughput on a shared machine swings by ±15 % between runs, too much to see a change of a few
# per cent. An instruction count does not swing. This runs the Release erralertd (build-bench/)
# under valgrind's callgrind, on 127.0.0.1 only, and subtracts a run that serves nothing
# (start-up and shutdown) from each measurement:
#   1. N NDJSON batches of 1,000 of the bench's events (load.lua's shape), posted with curl:
#      instructions per event, and the costliest of erralert's own functions per event;
#   2. S seconds of wrk with one event per request (load.lua's "one", 32 keep-alive
#      connections), against erralertd and against the bench's ceiling server: instructions per
#      request for each, and their ratio — row 1 of run.sh counted in user-space work rather than
#      time (the kernel's share, the same for both, is not counted).
# The console receiver writes to /dev/null. Bounded: 10 minutes per server run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build="$repo/build-bench"
tools="$build/tools"
batches=5
seconds=5
skip_build=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --batches) batches="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --skip-build) skip_build=1; shift ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
[[ "$batches" =~ ^[1-9][0-9]*$ ]] || { echo "instructions.sh: --batches takes a positive number" >&2; exit 2; }
[[ "$seconds" =~ ^[1-9][0-9]*$ && "$seconds" -le 60 ]] ||
  { echo "instructions.sh: --seconds takes 1..60" >&2; exit 2; }

command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
command -v curl >/dev/null && command -v wrk >/dev/null || "$repo/scripts/install-deps.sh"
command -v wrk >/dev/null || { echo "instructions.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
if [[ $skip_build -eq 0 ]]; then
  "$repo/scripts/install-deps.sh"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DERRALERT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" --target erralertd >/dev/null
  cmake -S "$repo/tests/bench" -B "$tools" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$tools" --target ceiling_server >/dev/null
fi
for f in "$build/erralertd" "$tools/ceiling_server"; do
  [[ -x "$f" ]] || { echo "instructions.sh: $f is missing; run without --skip-build" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 30000))
# shellcheck source=tests/bench/config.sh
source "$repo/tests/bench/config.sh"
bench_config "$work/bench.yaml" "$port" "$work"

# One batch: 1,000 distinct events shaped like load.lua's.
for i in $(seq 1 1000); do
  printf '{"service":"payment-api","environment":"prod","host":"web-3","severity":"error","code":"FEP-SEC-%05d","status":502,"message":"upstream call failed #%d","detail":"feign.FeignException$BadGateway: [502 Bad Gateway]","request":{"method":"POST","path":"/v1/users/48213/embeddings/v%d","params":{"model":"m","password":"hunter2"},"client_ip":"10.0.0.7"},"exception":{"type":"feign.FeignException$BadGateway"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}\n' "$i" "$i" "$i"
done >"$work/batch.ndjson"

# Starts SERVER (erralertd or ceiling) under callgrind writing to OUT; sets $server_pid and
# $server_port once it answers.
start_server() {
  local server="$1" out="$2"
  rm -rf "$work/state-bench"  # bench.yaml's store (tests/bench/config.sh): every run starts empty
  if [[ "$server" == erralertd ]]; then
    timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
      "$build/erralertd" run --config "$work/bench.yaml" --log-level warn >/dev/null 2>"$work/server.err" &
    server_pid=$!
    server_port=$port
    for _ in $(seq 150); do
      curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
      sleep 0.2
    done
  else
    timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
      "$tools/ceiling_server" http 0 >"$work/ceiling.out" 2>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 150); do
      server_port=$(awk '/^port / { print $2 }' "$work/ceiling.out")
      [[ -n "$server_port" ]] && return 0
      sleep 0.2
    done
  fi
  cat "$work/server.err" >&2
  exit 1
}

# Stops the server; callgrind has written its count when this returns.
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

# Prints the instructions of SERVER serving LOAD ("ndjson N", "one" or "idle"), start-up not
# subtracted, and the requests served ("one": those wrk saw answered; else 0).
measure() {
  local server="$1" load="$2" n="${3:-0}" out="$work/callgrind.$1.$2.${3:-0}" served=0
  start_server "$server" "$out"
  if [[ "$load" == ndjson ]]; then
    for _ in $(seq 1 "$n"); do
      curl -sf -H 'Content-Type: application/x-ndjson' --data-binary @"$work/batch.ndjson" \
        "http://127.0.0.1:$server_port/v1/events" >/dev/null
    done
  elif [[ "$load" == one ]]; then
    served=$(timeout $((seconds + 30)) wrk -t1 -c32 -d"${seconds}s" -s "$repo/tests/bench/load.lua" \
               "http://127.0.0.1:$server_port" -- one | awk '/ requests in / { print $1 }')
  fi
  stop_server
  echo "$(awk '/^summary:/ { print $2 }' "$out") ${served:-0}"
}

commit=$(git -C "$repo" rev-parse --short HEAD)
[[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]] && commit="$commit (with local changes)"
read -r base _ < <(measure erralertd idle)
read -r total _ < <(measure erralertd ndjson "$batches")
events=$((batches * 1000))
echo "erralertd $commit: $(( (total - base) / events )) instructions per event" \
  "($events NDJSON events, callgrind, start-up subtracted)"
echo
echo "erralert's costliest functions, instructions per event (inclusive):"
callgrind_annotate --inclusive=yes "$work/callgrind.erralertd.ndjson.$batches" >"$work/annotate.txt" 2>/dev/null
grep -E '\?\?\?:erralert::(core|app|net|deliver)::' "$work/annotate.txt" |
  grep -v -E 'Daemon::run|dispatch_loop|HttpServer::session|handle_request|Daemon::ingest' |
  head -15 | sed -E 's/^ *([0-9,]+) +\( *[0-9.]+%\) +/\1 /' | while read -r count rest; do
    name=$(sed -E 's/^\?\?\?://; s/\(anonymous namespace\):://g; s/\[abi:cxx11\]//g; s/\(.*//; s/^erralert:://' <<<"$rest")
    printf '%8d  %s\n' $(( ${count//,/} / events )) "$name"
  done

echo
read -r total ea_served < <(measure erralertd one)
ea_per=$(( (total - base) / ea_served ))
read -r ceiling_base _ < <(measure ceiling idle)
read -r total ceiling_served < <(measure ceiling one)
ceiling_per=$(( (total - ceiling_base) / ceiling_served ))
echo "one event per request (wrk -c32 for ${seconds} s under callgrind): erralertd $ea_per instructions" \
  "per request ($ea_served requests), ceiling $ceiling_per ($ceiling_served requests):" \
  "ceiling/erralertd $(awk -v a="$ceiling_per" -v b="$ea_per" 'BEGIN { printf "%.2f", a / b }')"
