# tests/bench/config.sh: the config the bench tools run erralertd on. Sourced by run.sh,
# instructions.sh and scripts/text-order.sh.
#
# bench_config FILE PORT DIR [RECEIVER] [EXTRA] writes FILE: HTTP on 127.0.0.1:PORT, the Unix
# sockets in DIR, the state store in DIR/state-<FILE's name>, one receiver (YAML; a console by
# default) that every event routes to, and EXTRA (top-level YAML) at the end.
bench_config() {
  local file="$1" port="$2" dir="$3" receiver="${4:-}" extra="${5:-}"
  [[ -n "$receiver" ]] || receiver='{name: console, type: console}'
  cat >"$file" <<CONFIG
# erralertd bench config (written by tests/bench/config.sh)
server:
  http: {listen: "127.0.0.1:$port"}
  unix: {path: "$dir/ingest.sock", dgram_path: "$dir/ingest.dgram"}
  shutdown_timeout: 2s
storage:
  dir: "$dir/state-$(basename "$file" .yaml)"
receivers:
  - $receiver
routes:
  - name: everything
    receivers: [$(sed 's/.*name: \([a-z]*\).*/\1/' <<<"$receiver")]
$extra
CONFIG
}
