#!/usr/bin/env bash
# Installs the Debian 12 packages erralert builds and tests with, skipping what is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  lld  # links erralertd in the order of daemon/text-order.txt (CMakeLists.txt)
  libboost1.81-dev libboost-url1.81-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev
  libcli11-dev libssl-dev libre2-dev libsqlite3-dev libgtest-dev libgmock-dev
  zlib1g-dev libbrotli-dev  # Sentry SDKs' gzip, deflate and brotli bodies (daemon/ingest/)
  curl openssl socat  # socat: the README's datagram example
  systemd  # systemd-analyze, which checks the units in systemd/
  # The client handler tests (tests/clients/): DRF under Django, Spring's handler under javac 17
  # with Jackson and the servlet API, Nest under Node.js 20 (its packages come from npm there).
  python3-django python3-djangorestframework
  openjdk-17-jdk-headless libjackson2-databind-java libjakarta-servlet-api-java
  nodejs
  python3-sentry-sdk  # Debian's sentry-python 1.9.10 against /api/{project}/store/ (tests/clients/sentry/)
  prometheus  # promtool, which lints GET /metrics (tests/integration/metrics_test.cpp)
  # Fleet mode (cluster.redis): hiredis frames and parses RESP; the tests start a real redis-server.
  libhiredis-dev redis-server
)
# npm comes with Node.js from NodeSource (Debian's npm package would conflict with it).
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Extra tools for the sanitizer, fuzzing and benchmark stages: scripts/install-deps.sh --all
if [[ "${1:-}" == "--all" ]]; then
  packages+=(clang libclang-rt-14-dev wrk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
