#!/usr/bin/env bash
# Builds erralert with sanitizers and runs every test against that build (the daemon the
# integration tests start is the sanitized one too).
#
#   scripts/sanitize.sh                 # AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   scripts/sanitize.sh thread          # ThreadSanitizer (build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-address,undefined}"
case "$kind" in
  address,undefined) dir=build-asan ;;
  thread) dir=build-tsan ;;
  *) echo "usage: $0 [address,undefined|thread]" >&2; exit 2 ;;
esac

scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DERRALERT_SANITIZE="$kind" >/dev/null
cmake --build "$dir"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
ctest --test-dir "$dir" --output-on-failure --timeout 600 -j2
