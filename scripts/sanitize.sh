#!/usr/bin/env bash
# Builds erralert with sanitizers and runs every test against that build (the daemon the
# integration tests start is the sanitized one too).
#
#   scripts/sanitize.sh                 # AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   scripts/sanitize.sh thread          # ThreadSanitizer (build-tsan/): the edge and integration
#                                       # tests, where the test support's threads (fake platforms,
#                                       # output readers) meet the daemon's; unit tests are single-threaded
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-address,undefined}"
case "$kind" in
  address,undefined) dir=build-asan targets=(all) labels=(unit edge) ;;
  thread) dir=build-tsan targets=(edge_tests) labels=(edge) ;;
  *) echo "usage: $0 [address,undefined|thread]" >&2; exit 2 ;;
esac

scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DERRALERT_SANITIZE="$kind" >/dev/null
cmake --build "$dir" --target "${targets[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
label_regex=$(IFS='|'; echo "^(${labels[*]})$")
ctest --test-dir "$dir" --output-on-failure --timeout 600 -j2 -L "$label_regex"
