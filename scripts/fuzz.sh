#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each one for a bounded time on its
# seed corpus (tests/fuzz/corpus/<name>/, copied so the tree stays clean).
#
#   scripts/fuzz.sh                       # 20 s per target: the CI step
#   scripts/fuzz.sh --seconds 600         # longer
#   scripts/fuzz.sh --runs 10000000       # the long run docs/RELIABILITY.md records
#   scripts/fuzz.sh --runs 10000000 config render   # only these targets (names without fuzz_)
#   scripts/fuzz.sh --resume --runs 5000000 config  # go on from the corpus the last run grew
# A crash leaves its input in build-fuzz/findings/<name>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time=20)
only=()
resume=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    --resume) resume=true; shift ;;
    -*) echo "usage: $0 [--seconds N | --runs N] [--resume] [target...]" >&2; exit 2 ;;
    *) only+=("fuzz_$1"); shift ;;
  esac
done

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
  work=build-fuzz/work/$name findings=build-fuzz/findings/$name
  # The work corpus starts from the seeds; --resume keeps what earlier runs added to it, so a
  # long run can be spread over several sittings.
  $resume || rm -rf "$work"
  mkdir -p "$work" "$findings"
  [[ -d tests/fuzz/corpus/$name ]] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  echo "== fuzz_$name (${limit[*]})"
  if ! "$target" "$work" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$findings/" -print_final_stats=1 2>&1 | tail -n 12; then
    echo "fuzz_$name FAILED: inputs in $findings" >&2
    status=1
  fi
done
exit $status
