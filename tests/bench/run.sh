#!/usr/bin/env bash
# tests/bench/run.sh: measures erralertd side by side with a ceiling server and Alertmanager.
#
#   tests/bench/run.sh [--duration S] [--rounds N] [--latency-count N]
#                      [--with-alertmanager | --without-alertmanager] [--skip-build]
#
# Installs what is missing (wrk; prometheus-alertmanager when asked for or installable), builds
# a release erralertd and the bench tools under build-bench/, runs every load for a fixed time
# on 127.0.0.1 only, prints a table (absolute numbers, ratio to the ceiling measured in this
# run, target, PASS/FAIL) and writes it with the machine, date and commit to
# tests/bench/results/latest.md. Every process it starts is stopped by PID when it ends.
# ERRALERT_BENCH_ALERTMANAGER=1 or 0 does what --with/--without-alertmanager do.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
bench_dir="$repo/tests/bench"
build="$repo/build-bench"
tools="$build/tools"

# ---- options -------------------------------------------------------------------------------

duration=10          # seconds per load
rounds=1             # paired rounds per load: the median ratio counts (best run for datagrams)
latency_count=2000   # first occurrences sent by the latency probe, one every 2 ms
with_am="${ERRALERT_BENCH_ALERTMANAGER:-auto}"
skip_build=0

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --latency-count) latency_count="$2"; shift 2 ;;
    --with-alertmanager) with_am=1; shift ;;
    --without-alertmanager) with_am=0; shift ;;
    --skip-build) skip_build=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 1 && "$duration" -le 300 ]] ||
  { echo "run.sh: --duration must be 1..300 seconds" >&2; exit 2; }
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 && "$rounds" -le 15 ]] ||
  { echo "run.sh: --rounds must be 1..15" >&2; exit 2; }
[[ "$latency_count" =~ ^[0-9]+$ && "$latency_count" -ge 10 && "$latency_count" -le 100000 ]] ||
  { echo "run.sh: --latency-count must be 10..100000" >&2; exit 2; }

# ---- processes: every one we start is recorded and stopped by PID ---------------------------

work=$(mktemp -d /tmp/erralert-bench.XXXXXX)
# shellcheck source=tests/bench/config.sh
source "$(dirname "$0")/config.sh"
pids=()

# Stops one process we started: SIGTERM, up to 5 s, then SIGKILL.
stop_pid() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts NAME in the background with output in $work/NAME.out and .err; sets $started_pid.
start_bg() {
  local name="$1"; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  started_pid=$!
  pids+=("$started_pid")
}

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# ---- cores: servers on CPU 0, load generators on CPU 1 --------------------------------------

server_cpu=()
load_cpu=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
  server_cpu=(taskset -c 0)
  load_cpu=(taskset -c 1)
fi

# ---- install --------------------------------------------------------------------------------

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    timeout 300 $sudo apt-get update -q >/dev/null || true
    apt_updated=1
  fi
  timeout 600 env DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
    --no-install-recommends "$@" >"$work/apt.log" 2>&1
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

"$repo/scripts/install-deps.sh"
installed wrk || { log "installing wrk"; apt_install wrk; }

am_bin=/usr/bin/prometheus-alertmanager
am_note=""
case "$with_am" in
  0|no|false) am_note="not run (--without-alertmanager)" ;;
  *)
    if [[ ! -x "$am_bin" ]]; then
      # Installed when asked for, or by default when the package manager offers it.
      # (Read into a variable first: `grep -q` closing the pipe early fails it under pipefail.)
      am_policy=$(apt-cache policy prometheus-alertmanager 2>/dev/null || true)
      if [[ "$with_am" != auto ]] || grep -q 'Candidate: [0-9]' <<<"$am_policy"; then
        log "installing prometheus-alertmanager"
        apt_install prometheus-alertmanager || true
      fi
    fi
    [[ -x "$am_bin" ]] || am_note="not run (prometheus-alertmanager is not installable here)"
    ;;
esac

# ---- build ----------------------------------------------------------------------------------

if [[ $skip_build -eq 0 ]]; then
  log "building release erralertd and the bench tools under build-bench/"
  timeout 1800 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DERRALERT_BUILD_TESTS=OFF >"$work/cmake.log"
  timeout 1800 cmake --build "$build" --target erralertd >>"$work/cmake.log"
  timeout 900 cmake -S "$bench_dir" -B "$tools" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$work/cmake.log"
  timeout 900 cmake --build "$tools" >>"$work/cmake.log"
fi
erralertd="$build/erralertd"
for f in "$erralertd" "$tools/ceiling_server" "$tools/dgram_blast" "$tools/latency_probe"; do
  [[ -x "$f" ]] || { echo "run.sh: $f is missing; run without --skip-build" >&2; exit 1; }
done

# ---- small helpers --------------------------------------------------------------------------

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  echo "run.sh: no free port found" >&2
  return 1
}

# Waits until URL answers 2xx while PID lives; fails after SECONDS.
wait_http() {
  local url="$1" pid="$2" seconds="$3"
  for _ in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Waits until FILE holds a line "port N"; prints N.
wait_port_line() {
  local file="$1"
  for _ in $(seq 100); do
    if grep -q '^port ' "$file" 2>/dev/null; then
      awk '/^port /{print $2; exit}' "$file"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
# utime + stime of PID, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# Ticks of CPU that PID uses over SECONDS while nothing is sent to it.
idle_ticks() {
  local before after
  before=$(cpu_ticks "$1"); sleep "$2"; after=$(cpu_ticks "$1")
  echo $((after - before))
}
now_s() { date +%s.%N; }

# Runs wrk for $duration s against URL with MODE of load.lua; prints "ok_per_s non2xx errors"
# where ok_per_s counts only 2xx answers. 32 connections for one event per request; 4 for
# NDJSON batches (32 batches of 1,000 in flight would be more than erralertd's default queue
# of 10,000 events holds, and it would rightly answer 503).
run_wrk() {
  local url="$1" mode="$2" out="$work/wrk-$2-$RANDOM.txt" conns=32
  [[ "$mode" == ndjson ]] && conns=4
  "${load_cpu[@]}" timeout $((duration + 30)) wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s \
    -s "$bench_dir/load.lua" "$url" -- "$mode" >"$out" 2>&1 || true
  awk '
    / requests in / { n = $1; t = $4; sub(/s,?$/, "", t)
                      if (t ~ /ms$/) { sub(/ms$/, "", t); t /= 1000 } else if (t ~ /m$/) { sub(/m$/, "", t); t *= 60 } }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    END { if (t > 0) printf "%.0f %d %d\n", (n - bad) / t, bad, err; else print "0 0 0" }' "$out"
}

max_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? a : b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MB", k / 1024 }'; }
# 1234567 -> 1,234,567
group() { printf '%.0f' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
pass_if() { awk -v c="$1" 'BEGIN { exit !(c) }' && echo PASS || echo FAIL; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a != "-" && a + 0 >= b + 0) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a != "-" && a + 0 <= b + 0) }'; }

# Reads erralertd's events_received_total for TRANSPORT from /metrics.
received_total() {
  curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" |
    awk -v t="$2" '$1 == "erralert_events_received_total{transport=\"" t "\"}" { print $2; f = 1 }
                   END { if (!f) print 0 }'
}

# Asks the datagram ceiling for its count (it prints one on SIGUSR1).
ceiling_dgrams() {
  local before
  before=$(grep -c '^datagrams ' "$work/ceiling-dgram.out" || true)
  kill -USR1 "$1"
  for _ in $(seq 50); do
    [[ $(grep -c '^datagrams ' "$work/ceiling-dgram.out" || true) -gt $before ]] && break
    sleep 0.02
  done
  awk '/^datagrams /{n = $2} END {print n + 0}' "$work/ceiling-dgram.out"
}

# Starts erralertd on CONFIG pinned to the server CPU; sets $started_pid; fails if it does
# not answer /healthz within 10 s.
start_erralertd() {
  local name="$1" config="$2" port="$3"
  "${server_cpu[@]}" "$erralertd" run --config "$config" --log-level warn \
    >/dev/null 2>"$work/$name.err" &
  started_pid=$!
  pids+=("$started_pid")
  wait_http "http://127.0.0.1:$port/healthz" "$started_pid" 10
}

# ---- results --------------------------------------------------------------------------------

declare -A r   # every measured number, by key
rows=()        # the table, one markdown line each
# Group commits the daemon on port $1 has made so far.
store_commits() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^erralert_store_commit_seconds_count / { print $2 + 0 }'; }
add_row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }

# ---- 1-4: HTTP and datagram throughput, RSS and idle CPU ------------------------------------

log "starting the ceiling and erralertd (duration ${duration}s, rounds $rounds, wrk -t1 -c32)"
start_bg ceiling-http "${server_cpu[@]}" "$tools/ceiling_server" http 0
ceiling_pid=$started_pid
ceiling_port=$(wait_port_line "$work/ceiling-http.out") || { echo "run.sh: ceiling did not start" >&2; exit 1; }

ea_port=$(free_port)
bench_config "$work/bench.yaml" "$ea_port" "$work" "{name: console, type: console}"
start_erralertd erralertd "$work/bench.yaml" "$ea_port" ||
  { echo "run.sh: erralertd did not start:" >&2; cat "$work/erralertd.err" >&2; exit 1; }
ea_pid=$started_pid

sleep 1
r[ea_idle_rss]=$(rss_kb "$ea_pid")
log "erralertd idle: RSS $(mb "${r[ea_idle_rss]}"); measuring idle CPU over 5 s"
r[ea_idle_ticks]=$(idle_ticks "$ea_pid" 5)

# CPU share (%) PID used since TICKS0 over SECONDS of wall time.
cpu_pct() { awk -v a="$2" -v b="$(cpu_ticks "$1")" -v s="$3" -v hz="$clk_tck" \
  'BEGIN { printf "%.0f", (b - a) * 100 / hz / s }'; }
clk_tck=$(getconf CLK_TCK)

# One HTTP row: every round measures the ceiling and erralertd back to back, alternating which
# goes first so that drift in the machine's load falls on both alike. The round whose ratio is
# the median is the one reported (its two numbers and its ratio); every round's ratio goes in
# the notes. Also keeps the share of a core each server used, to tell a CPU-bound server from
# one waiting on I/O. Optional PORT, PID and ROUNDS name another erralertd than the bench's and
# another number of rounds than --rounds.
http_row() {
  local key="$1" mode="$2" port="${3:-$ea_port}" pid="${4:-$ea_pid}" n="${5:-$rounds}"
  local c e bad err t0 round server pick
  local -a cs=() es=()
  r[${key}_e_bad]=0
  for round in $(seq "$n"); do
    for server in $( ((round % 2)) && echo "ceiling erralertd" || echo "erralertd ceiling"); do
      log "$mode: $server (round $round)"
      if [[ $server == ceiling ]]; then
        t0=$(cpu_ticks "$ceiling_pid")
        read -r c _ _ < <(run_wrk "http://127.0.0.1:$ceiling_port" "$mode")
        r[${key}_c_cpu]=$(cpu_pct "$ceiling_pid" "$t0" "$duration")
      else
        t0=$(cpu_ticks "$pid")
        read -r e bad err < <(run_wrk "http://127.0.0.1:$port" "$mode")
        r[${key}_e_cpu]=$(cpu_pct "$pid" "$t0" "$duration")
      fi
    done
    cs+=("$c"); es+=("$e")
    r[${key}_e_bad]=$((r[${key}_e_bad] + bad + err))
    log "$mode: ceiling $(group "$c")/s (CPU ${r[${key}_c_cpu]}%)," \
        "erralertd $(group "$e")/s (CPU ${r[${key}_e_cpu]}%, non-2xx $bad, socket errors $err)," \
        "ratio $(ratio "$e" "$c")"
  done
  pick=$(for i in "${!cs[@]}"; do
           awk -v i="$i" -v a="${es[i]}" -v b="${cs[i]}" 'BEGIN { printf "%d %.6f\n", i, (b > 0 ? a / b : 0) }'
         done | sort -k2 -g | awk '{ round[NR] = $1 } END { print round[int((NR + 1) / 2)] }')
  r[${key}_c]=${cs[pick]}
  r[${key}_e]=${es[pick]}
  r[${key}_rounds]=$(for i in "${!cs[@]}"; do echo "$(ratio "${es[i]}" "${cs[i]}")"; done | paste -sd' ')
}

http_row one one
http_row distinct distinct
r[ea_distinct_rss]=$(rss_kb "$ea_pid")
http_row ndjson ndjson

# Datagrams: the ceiling's counter and erralertd's /metrics, sampled around each blast.
start_bg ceiling-dgram "${server_cpu[@]}" "$tools/ceiling_server" dgram "$work/ceiling.dgram"
ceiling_dgram_pid=$started_pid
for _ in $(seq 50); do [[ -S "$work/ceiling.dgram" ]] && break; sleep 0.1; done
r[dgram_c]=0; r[dgram_e]=0; r[dgram_e_eagain]=0; r[dgram_c_eagain]=0
for round in $(seq "$rounds"); do
  log "datagrams: ceiling (round $round)"
  c0=$(ceiling_dgrams "$ceiling_dgram_pid"); t0=$(now_s); k0=$(cpu_ticks "$ceiling_dgram_pid")
  "${load_cpu[@]}" timeout $((duration + 10)) "$tools/dgram_blast" "$work/ceiling.dgram" "$duration" \
    >"$work/blast-c.txt"
  c1=$(ceiling_dgrams "$ceiling_dgram_pid"); t1=$(now_s)
  r[dgram_c_cpu]=$(cpu_pct "$ceiling_dgram_pid" "$k0" "$duration")
  c=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')

  log "datagrams: erralertd (round $round)"
  e0=$(received_total "$ea_port" unix_dgram); t0=$(now_s); k0=$(cpu_ticks "$ea_pid")
  "${load_cpu[@]}" timeout $((duration + 10)) "$tools/dgram_blast" "$work/ingest.dgram" "$duration" \
    >"$work/blast-e.txt"
  e1=$(received_total "$ea_port" unix_dgram); t1=$(now_s)
  r[dgram_e_cpu]=$(cpu_pct "$ea_pid" "$k0" "$duration")
  e=$(awk -v a="$e0" -v b="$e1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')

  r[dgram_c]=$(max_of "${r[dgram_c]}" "$c")
  r[dgram_e]=$(max_of "${r[dgram_e]}" "$e")
  r[dgram_c_eagain]=$(awk '{print $4}' "$work/blast-c.txt")
  r[dgram_e_eagain]=$(awk '{print $4}' "$work/blast-e.txt")
  r[dgram_e_sent]=$(awk '{print $8}' "$work/blast-e.txt")
  log "datagrams: ceiling $(group "$c")/s (CPU ${r[dgram_c_cpu]}%), erralertd $(group "$e")/s" \
      "(CPU ${r[dgram_e_cpu]}%; sender: $(cat "$work/blast-e.txt"))"
done
r[ea_final_rss]=$(rss_kb "$ea_pid")
stop_pid "$ceiling_dgram_pid"
stop_pid "$ea_pid"

# ---- 8, 9: grouping under load --------------------------------------------------------------
# Row 8: row 1's load while the receiver is down (a webhook on 127.0.0.1:9, as Alertmanager's
# is in every row): the group counts, one notification waits. Row 9: row 2's 10,000 distinct
# errors (each repeated) into a Discord receiver at its default pace (5 per 2 s, 30 per minute),
# answered by the ceiling server: firsts, then digests. Both: ingest against the ceiling, RSS,
# notifications in the state store (bounded by distinct groups, never by events), its size and
# commits, and messages sent.
grouping_row() {
  local key="$1" mode="$2" receiver="$3" port
  port=$(free_port)
  bench_config "$work/$key.yaml" "$port" "$work" "$receiver"
  local t0
  t0=$(now_s)
  if start_erralertd "erralertd-$key" "$work/$key.yaml" "$port"; then
    local pid=$started_pid
    r[${key}_rss0]=$(rss_kb "$pid")
    http_row "$key" "$mode" "$port" "$pid" "$rounds"
    r[${key}_rss]=$(rss_kb "$pid")
    local metrics_text
    # Wait (up to 10 s) until the store holds what was accepted: two more commits than when wrk
    # stopped (the second began after the load ended), or one and then none for 0.6 s (three
    # commit intervals: the commit loop sleeps, its last look having found nothing recorded).
    local commits0 commits last quiet=0 i
    commits0=$(store_commits "$port")
    last=${commits0:-0}
    for i in $(seq 100); do
      sleep 0.1
      commits=$(store_commits "$port")
      (( ${commits:-0} >= ${commits0:-0} + 2 )) && break
      if (( ${commits:-0} != last )); then
        last=${commits:-0}
        quiet=0
      elif (( last > ${commits0:-0} )); then
        (( ++quiet >= 6 )) && break
      fi
    done
    metrics_text=$(curl -s "http://127.0.0.1:$port/metrics")
    r[${key}_secs]=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN { printf "%d", b - a + 1 }')
    r[${key}_files]=$(awk '/^erralert_spool_notifications / { print $2 + 0 }' <<<"$metrics_text")
    r[${key}_sent]=$(awk '/^erralert_notifications_sent_total/ { n += $2 } END { print n + 0 }' <<<"$metrics_text")
    r[${key}_groups]=$(awk '/^erralert_groups_open / { print $2 + 0 }' <<<"$metrics_text")
    r[${key}_store]=$(awk '/^erralert_store_bytes / { printf "%.1f MB", $2 / 1048576 }' <<<"$metrics_text")
    # The average, and the histogram's bucket that holds the slowest (a fold of the group log).
    r[${key}_commits]=$(awk '/^erralert_store_commit_seconds_count / { n = $2 } /^erralert_store_commit_seconds_sum / { s = $2 }
      /^erralert_store_commit_seconds_bucket/ { le = $1; sub(/.*le="/, "", le); sub(/".*/, "", le); c[++k] = $2; b[k] = le }
      END { if (n == 0) { print "no commits"; exit }
            for (i = 1; i <= k && c[i] < n; i++) {}
            printf "%d commits of %.1f ms on average, the slowest <= %s s", n, s * 1000 / n, b[i] }' <<<"$metrics_text")
    stop_pid "$pid"
  else
    r[${key}_note]="erralertd did not start: $(grep -v '^$' "$work/erralertd-$key.err" | tail -1)"
  fi
}
grouping_row down one '{name: down, type: webhook, url: "http://127.0.0.1:9/hook"}'
grouping_row paced distinct "{name: paced, type: discord, url: \"http://127.0.0.1:$ceiling_port/api/webhooks/1/bench\"}"

# ---- 10, 11: fleet mode ---------------------------------------------------------------------
# Rows 1 and 2's loads on an erralertd in fleet mode, its Redis (redis-server, no persistence)
# on 127.0.0.1 beside the load: the ratio to the ceiling, and Redis commands per event.
fleet_row() {
  local key="$1" mode="$2" rport port pid i
  rport=$(free_port)
  start_bg "redis-$key" "${load_cpu[@]}" redis-server --port "$rport" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "$work" --daemonize no
  local redis_pid=$started_pid
  for i in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  port=$(free_port)
  bench_config "$work/$key.yaml" "$port" "$work" "{name: console, type: console}" \
    "cluster: {redis: \"redis://127.0.0.1:$rport/0\", instance: bench}"
  if start_erralertd "erralertd-$key" "$work/$key.yaml" "$port"; then
    pid=$started_pid
    for i in $(seq 50); do
      curl -s "http://127.0.0.1:$port/metrics" | grep -q '^erralert_cluster_mode{mode="shared"} 1' && break
      sleep 0.1
    done
    http_row "$key" "$mode" "$port" "$pid" "$rounds"
    local metrics_text
    metrics_text=$(curl -s "http://127.0.0.1:$port/metrics")
    r[${key}_cmds]=$(awk '/^erralert_cluster_commands_total / { c = $2 } /^erralert_events_received_total/ { e += $2 }
      END { printf "%.4f Redis commands per event (%d commands, %d events)", (e > 0 ? c / e : 0), c, e }' <<<"$metrics_text")
    r[${key}_mode]=$(awk '/^erralert_cluster_mode\{mode="shared"\}/ { print ($2 == 1 ? "shared" : "alone") }' <<<"$metrics_text")
    stop_pid "$pid"
  else
    r[${key}_note]="erralertd did not start: $(grep -v '^$' "$work/erralertd-$key.err" | tail -1)"
  fi
  stop_pid "$redis_pid"
}
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
  fleet_row fleet_one one
  fleet_row fleet_distinct distinct
else
  r[fleet_one_note]="redis-server is not installed (scripts/install-deps.sh installs it)"
  r[fleet_distinct_note]=${r[fleet_one_note]}
fi

# ---- 5: first occurrence to webhook ---------------------------------------------------------

log "latency: $latency_count first occurrences, one every 2 ms, webhook to a local receiver"
lat_port=$(free_port)
start_bg probe "${load_cpu[@]}" timeout $((latency_count / 100 + 60)) "$tools/latency_probe" \
  --target "127.0.0.1:$lat_port" --count "$latency_count" --interval-ms 2 --ready-s 15 --settle-s 5
probe_pid=$started_pid
r[lat]=""
r[lat_note]=""
if hook_port=$(wait_port_line "$work/probe.out"); then
  bench_config "$work/latency.yaml" "$lat_port" "$work" \
    "{name: bench, type: webhook, url: \"http://127.0.0.1:$hook_port/hook\", rate_limit: []}"
  if ! "$erralertd" check-config --config "$work/latency.yaml" >"$work/check.txt" 2>&1; then
    r[lat_note]="webhook receiver not available in this build (check-config: $(head -1 "$work/check.txt"))"
  elif ! start_erralertd erralertd-latency "$work/latency.yaml" "$lat_port"; then
    r[lat_note]="webhook receiver not available in this build (erralertd: $(grep -v '^$' "$work/erralertd-latency.err" | tail -1))"
  else
    wait "$probe_pid" 2>/dev/null || true
    r[lat]=$(grep '^sent ' "$work/probe.out" || true)
    [[ -n "${r[lat]}" ]] || r[lat_note]="latency probe failed: $(tail -1 "$work/probe.err")"
  fi
else
  r[lat_note]="latency probe did not start"
fi
for pid in "${pids[@]}"; do stop_pid "$pid"; done
[[ -n "${r[lat_note]}" ]] && log "${r[lat_note]}"
[[ -n "${r[lat]}" ]] && log "latency: ${r[lat]}"

# ---- 7: Alertmanager ------------------------------------------------------------------------

if [[ -z "$am_note" ]]; then
  am_version=$("$am_bin" --version 2>&1 | head -1 | awk '{print $3}')
  log "Alertmanager $am_version: the same loads as POST /api/v2/alerts, one alert per request"
  am_port=$(free_port)
  mkdir -p "$work/am"
  cat >"$work/am/alertmanager.yml" <<EOF
# Alertmanager bench config: every alert to a webhook on a closed local port.
route:
  receiver: hook
  group_by: [alertname, service, code, route]
receivers:
  - name: hook
    webhook_configs:
      - url: "http://127.0.0.1:9/hook"
        send_resolved: false
EOF
  start_bg alertmanager "${server_cpu[@]}" "$am_bin" --config.file="$work/am/alertmanager.yml" \
    --storage.path="$work/am/data" --cluster.listen-address= \
    --web.listen-address="127.0.0.1:$am_port" --log.level=warn
  am_pid=$started_pid
  if wait_http "http://127.0.0.1:$am_port/-/ready" "$am_pid" 20; then
    sleep 1
    r[am_idle_rss]=$(rss_kb "$am_pid")
    r[am_idle_ticks]=$(idle_ticks "$am_pid" 5)
    for mode in one distinct; do
      r[${mode}_a]=0
      for round in $(seq "$rounds"); do
        read -r a bad err < <(run_wrk "http://127.0.0.1:$am_port" "am-$mode")
        r[${mode}_a]=$(max_of "${r[${mode}_a]}" "$a")
        log "am-$mode: Alertmanager $(group "$a")/s (non-2xx $bad, socket errors $err)"
      done
      [[ $mode == distinct ]] && r[am_distinct_rss]=$(rss_kb "$am_pid")
    done
  else
    am_note="not run (Alertmanager did not become ready: $(tail -1 "$work/alertmanager.err"))"
  fi
  stop_pid "$am_pid"
fi

# ---- the table ------------------------------------------------------------------------------

am_cell() { [[ -n "$am_note" ]] && echo "-" || echo "$1"; }

rpct() { ratio "$1" "$2"; }
one_ratio=$(rpct "${r[one_e]}" "${r[one_c]}")
distinct_ratio=$(rpct "${r[distinct_e]}" "${r[distinct_c]}")
distinct_rss_mb=$(awk -v k="${r[ea_distinct_rss]}" 'BEGIN { printf "%.1f", k / 1024 }')
idle_rss_mb=$(awk -v k="${r[ea_idle_rss]}" 'BEGIN { printf "%.1f", k / 1024 }')

add_row "1. one event per request, one repeated error (req/s)" \
  "$(group "${r[one_c]}")" "$(group "${r[one_e]}") (**$one_ratio**)" \
  "$(am_cell "$(group "${r[one_a]:-0}") ($(rpct "${r[one_a]:-0}" "${r[one_c]}"))")" \
  "ratio ≥ 0.85" "$(pass_if "$(ge "$one_ratio" 0.85)")" \
  "ratio by round: ${r[one_rounds]}; server CPU: ceiling ${r[one_c_cpu]}%, erralertd ${r[one_e_cpu]}%; non-2xx + socket errors: ${r[one_e_bad]}"
add_row "2. one event per request, 10,000 distinct errors (req/s)" \
  "$(group "${r[distinct_c]}")" "$(group "${r[distinct_e]}") (**$distinct_ratio**)" \
  "$(am_cell "$(group "${r[distinct_a]:-0}") ($(rpct "${r[distinct_a]:-0}" "${r[distinct_c]}"))")" \
  "ratio ≥ 0.80" "$(pass_if "$(ge "$distinct_ratio" 0.80)")" \
  "ratio by round: ${r[distinct_rounds]}; server CPU: ceiling ${r[distinct_c_cpu]}%, erralertd ${r[distinct_e_cpu]}%; non-2xx + socket errors: ${r[distinct_e_bad]}"
add_row "2. RSS after the 10,000-distinct run" "-" "$(mb "${r[ea_distinct_rss]}")" \
  "$(am_cell "$(mb "${r[am_distinct_rss]:-}")")" "≤ 40 MB" \
  "$(pass_if "$(le "$distinct_rss_mb" 40)")" ""
ndjson_c=$((r[ndjson_c] * 1000)); ndjson_e=$((r[ndjson_e] * 1000))
add_row "3. NDJSON, 1,000 events per request (events/s)" \
  "$(group "$ndjson_c")" "$(group "$ndjson_e") ($(rpct "$ndjson_e" "$ndjson_c"))" "-" \
  "≥ 100,000/s" "$(pass_if "$(ge "$ndjson_e" 100000)")" \
  "ratio by round: ${r[ndjson_rounds]}; server CPU: ceiling ${r[ndjson_c_cpu]}%, erralertd ${r[ndjson_e_cpu]}%; non-2xx + socket errors: ${r[ndjson_e_bad]}"
add_row "4. Unix datagrams, one event each (events/s)" \
  "$(group "${r[dgram_c]}")" "$(group "${r[dgram_e]}") ($(rpct "${r[dgram_e]}" "${r[dgram_c]}"))" "-" \
  "≥ 100,000/s" "$(pass_if "$(ge "${r[dgram_e]}" 100000)")" \
  "server CPU: ceiling ${r[dgram_c_cpu]}%, erralertd ${r[dgram_e_cpu]}%; sender EAGAIN: ceiling ${r[dgram_c_eagain]}, erralertd ${r[dgram_e_eagain]}"
if [[ -n "${r[lat]}" ]]; then
  read -r _ lat_sent _ lat_recv _ p50 _ p99 _ pmax <<<"${r[lat]}"
  add_row "5. first occurrence → webhook at a local receiver" "-" \
    "p50 $p50 ms, p99 **$p99 ms**, max $pmax ms" "-" "p99 ≤ 5 ms" \
    "$( [[ "$lat_recv" == "$lat_sent" ]] && pass_if "$(le "$p99" 5)" || echo FAIL)" \
    "$lat_recv of $lat_sent webhooks seen"
else
  add_row "5. first occurrence → webhook at a local receiver" "-" "n/a" "-" "p99 ≤ 5 ms" "n/a" \
    "${r[lat_note]}"
fi
add_row "6. RSS idle, after start" "-" "$(mb "${r[ea_idle_rss]}")" \
  "$(am_cell "$(mb "${r[am_idle_rss]:-}")")" "≤ 10 MB" "$(pass_if "$(le "$idle_rss_mb" 10)")" \
  "RSS after every load: $(mb "${r[ea_final_rss]}")"
add_row "6. CPU while idle (ticks of 10 ms over 5 s)" "-" "${r[ea_idle_ticks]}" \
  "$(am_cell "${r[am_idle_ticks]:-}")" "0" "$(pass_if "$(le "${r[ea_idle_ticks]}" 0)")" ""
# What Discord's pace lets row 9 send over the receiver's life (from its start to the last
# metrics read, every round): a burst of 5, then 30 a minute.
paced_cap=$(awk -v d="${r[paced_secs]:-0}" 'BEGIN { printf "%d", 5 + 30 * (int(d / 60) + 1) }')
grouping_cells() {
  local key="$1" title="$2" extra="$3"
  if [[ -n "${r[${key}_note]:-}" ]]; then
    add_row "$title" "-" "n/a" "-" "≥ 0.80, RSS ≤ 40 MB" "n/a" "${r[${key}_note]}"
    return
  fi
  local rss_mb ok
  rss_mb=$(awk -v k="${r[${key}_rss]}" 'BEGIN { print k / 1024 }')
  ok=$(awk -v a="$(ratio "${r[${key}_e]}" "${r[${key}_c]}")" -v m="$rss_mb" -v x="$4" 'BEGIN { print (a >= 0.80 && m <= 40 && x) }')
  add_row "$title" "$(group "${r[${key}_c]}")" "$(group "${r[${key}_e]}") ($(rpct "${r[${key}_e]}" "${r[${key}_c]}"))" \
    "$(am_cell "as row ${5}")" "≥ 0.80, RSS ≤ 40 MB" "$(pass_if "$ok")" \
    "ratio by round: ${r[${key}_rounds]}; RSS $(mb "${r[${key}_rss0]}") → $(mb "${r[${key}_rss]}"); stored notifications $(group "${r[${key}_files]}"); store ${r[${key}_store]:-?}, ${r[${key}_commits]:-?}; groups open ${r[${key}_groups]:-?}; notifications sent ${r[${key}_sent]}$extra; non-2xx + socket errors: ${r[${key}_e_bad]}"
}
grouping_cells down "8. row 1 with the receiver down: a webhook on a closed port (req/s)" "" \
  "$(le "${r[down_files]:-99}" 2)" 1
grouping_cells paced "9. row 2 into a Discord receiver at Discord's pace (req/s)" " (Discord's pace allows $paced_cap)" \
  "$(awk -v f="${r[paced_files]:-99999}" -v s="${r[paced_sent]:-99999}" -v c="$paced_cap" 'BEGIN { print (f <= 10001 && s <= c) }')" 2

fleet_cells() {
  local key="$1" title="$2"
  if [[ -n "${r[${key}_note]:-}" ]]; then
    add_row "$title" "-" "n/a" "-" "ratio ≥ 0.80" "n/a" "${r[${key}_note]}"
    return
  fi
  local q ok=0
  q=$(ratio "${r[${key}_e]}" "${r[${key}_c]}")
  [[ "${r[${key}_mode]:-}" == shared ]] && ok=$(ge "$q" 0.80)
  add_row "$title" "$(group "${r[${key}_c]}")" "$(group "${r[${key}_e]}") (**$q**)" "-" "ratio ≥ 0.80" \
    "$(pass_if "$ok")" \
    "ratio by round: ${r[${key}_rounds]}; mode at the end: ${r[${key}_mode]:-?}; ${r[${key}_cmds]}; server CPU: erralertd ${r[${key}_e_cpu]}%; non-2xx + socket errors: ${r[${key}_e_bad]}"
}
fleet_cells fleet_one "10. row 1 in fleet mode, Redis on 127.0.0.1 (req/s)"
fleet_cells fleet_distinct "11. row 2 in fleet mode, Redis on 127.0.0.1 (req/s)"

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]] && commit="$commit (with local changes)"
cpu_model=$(lscpu | awk -F: '/^Model name/ { sub(/^ +/, "", $2); print $2; exit }')
am_col="Alertmanager${am_version:+ $am_version} (ratio)"

{
  echo "### erralertd benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $cpu_model, $(nproc) cores, Linux $(uname -r)"
  echo "- commit: $commit"
  echo "- settings: ${duration}s per load, $rounds paired rounds (HTTP rows: the round with the median ratio; datagrams: the best round); wrk -t1 -c32 keep-alive (-c4 for NDJSON);" \
       "${server_cpu[*]:+servers on CPU 0, load on CPU 1 (taskset); }erralertd --log-level warn," \
       "console receiver to /dev/null (row 8: a webhook receiver on a closed port, as Alertmanager's in every row; row 9: a Discord receiver at its default pace)"
  [[ -n "$am_note" ]] && echo "- Alertmanager: $am_note"
  echo
  echo "| measure | ceiling | erralertd (ratio) | $am_col | target | result | notes |"
  echo "|---|---:|---:|---:|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$work/table.md"

mkdir -p "$bench_dir/results"
cp "$work/table.md" "$bench_dir/results/latest.md"
echo
cat "$work/table.md"
echo
echo "Written to tests/bench/results/latest.md — paste it into docs/BENCHMARKS.md under \"Results\"."
