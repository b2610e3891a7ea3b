#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each one for a bounded time on its
# seed corpus (tests/fuzz/corpus/<name>/, copied so the tree stays clean).
#
#   scripts/fuzz.sh                       # 20 s per target: the CI step
#   scripts/fuzz.sh --seconds 600         # longer
#   scripts/fuzz.sh --runs 10000000       # the long run docs/RELIABILITY.md records
#   scripts/fuzz.sh --runs 10000000 config render   # only these targets (names without fuzz_)
#   scripts/fuzz.sh --resume --runs 5000000 config  # go on from the corpus the last run grew
#   scripts/fuzz.sh --jobs 2 --runs 10000000 render # two processes share one corpus and the runs
# A crash leaves its input in build-fuzz/findings/<name>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--seconds N | --runs N] [--resume] [--jobs N] [target...]" >&2; exit 2; }
seconds=20
runs=
jobs=1
only=()
resume=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=$2; runs=; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --resume) resume=true; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) usage ;;
    *) only+=("fuzz_$1"); shift ;;
  esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
# --runs counts executions of the target, whatever the number of processes sharing them.
if [[ -n $runs ]]; then
  limit=(-runs=$(( (runs + jobs - 1) / jobs )))
  # Long runs skip ASan's allocation stacks (recorded at every malloc and free), which makes
  # them about 1.6 times faster; every bad access is still caught and reported with its own
  # stack. Rerun the target on a finding's input for the allocation and free stacks too.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}
else
  limit=(-max_total_time="$seconds")
fi

targets=()
for source in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$source" .cpp)"); done
for name in "${only[@]}"; do
  [[ -f tests/fuzz/$name.cpp ]] || { echo "no fuzz target ${name#fuzz_} (tests/fuzz/$name.cpp)" >&2; exit 2; }
done
[[ ${#only[@]} -gt 0 ]] && targets=("${only[@]}")

scripts/install-deps.sh --all
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DERRALERT_FUZZ=ON -DERRALERT_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz --target "${targets[@]}"

status=0
for target_name in "${targets[@]}"; do
  target=build-fuzz/tests/fuzz/$target_name
  name=${target_name#fuzz_}
  work=build-fuzz/work/$name findings=build-fuzz/findings/$name logs=build-fuzz/logs/$name
  # The work corpus starts from the seeds; --resume keeps what earlier runs added to it, so a
  # long run can be spread over several sittings.
  $resume || rm -rf "$work"
  rm -rf "$logs"
  mkdir -p "$work" "$findings" "$logs"
  [[ -d tests/fuzz/corpus/$name ]] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  # A dictionary (tests/fuzz/<name>.dict: keys and edge values) lets mutations splice in whole tokens.
  dict=()
  [[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
  echo "== fuzz_$name (${limit[*]}, $jobs process(es))"
  # Processes on one corpus pick up each other's finds (libFuzzer reloads it every second).
  pids=()
  for ((job = 1; job <= jobs; job++)); do
    "$target" "$work" "${limit[@]}" "${dict[@]}" -rss_limit_mb=2048 -timeout=10 -reload=1 \
      -artifact_prefix="$findings/" -print_final_stats=1 >"$logs/$job.log" 2>&1 &
    pids+=($!)
  done
  # The first process to fail (a crash) ends the others: its input is what matters now.
  failed=false
  while [[ ${#pids[@]} -gt 0 ]]; do
    wait -n -p ended "${pids[@]}" || { failed=true; kill "${pids[@]}" 2>/dev/null || true; }
    running=()
    for pid in "${pids[@]}"; do [[ $pid == "$ended" ]] || running+=("$pid"); done
    pids=("${running[@]}")
  done
  for ((job = 1; job <= jobs; job++)); do
    [[ $jobs -gt 1 ]] && echo "-- process $job"
    tail -n 12 "$logs/$job.log"
  done
  awk -v name="fuzz_$name" '/^stat::number_of_executed_units:/ { total += $2 }
    END { printf "%s: %d executions in all\n", name, total }' "$logs"/*.log
  if $failed; then
    echo "fuzz_$name FAILED: inputs in $findings, output in $logs" >&2
    status=1
  fi
done
exit $status
