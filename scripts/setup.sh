#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with only the Rust toolchain lacks.
# Quick and silent when everything is already there; `make` calls it first.
set -euo pipefail

packages=()
command -v gcc >/dev/null || packages+=(gcc)
command -v protoc-c >/dev/null || packages+=(protobuf-c-compiler)
[ -f /usr/include/protobuf-c/protobuf-c.h ] || packages+=(libprotobuf-c-dev)
command -v valgrind >/dev/null || packages+=(valgrind)
# msgpack-c: the C tests build Fluent Bit's records with it.
[ -f /usr/include/msgpack.h ] || packages+=(libmsgpack-dev)
command -v go >/dev/null || packages+=(golang-go)
# syslog-ng: the daemon and loggen (tests), headers and native connector
# (the parser module).
command -v syslog-ng >/dev/null || packages+=(syslog-ng-core)
[ -f /usr/lib/syslog-ng/libsyslog-ng-native-connector.a ] || packages+=(syslog-ng-dev)
# clang and wasm-ld build the C guest SDK's modules (sdk-c/).
command -v clang >/dev/null || packages+=(clang)
command -v wasm-ld >/dev/null || packages+=(lld)
# npm: the AssemblyScript guest SDK's compiler (sdk-as/); Node.js comes with
# the machine image.
command -v npm >/dev/null || packages+=(npm)
# pkg-config: the Go package and the installed-copy C test find libeiw with it.
command -v pkg-config >/dev/null || packages+=(pkg-config)
if [ "${#packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The AssemblyScript compiler and prettier, at the versions of the lockfile.
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! "$root/sdk-as/node_modules/.package-lock.json" -nt "$root/sdk-as/package-lock.json" ]; then
  echo "setup: installing the AssemblyScript SDK's npm packages"
  (cd "$root/sdk-as" && npm ci --no-audit --no-fund --loglevel=error)
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# The fuzz targets build with cargo-fuzz on the nightly toolchain (which
# the machine image carries; rustup cannot download it here).
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "setup: the nightly Rust toolchain is missing (needed by cargo fuzz)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    rustup component add "$component"
  fi
done
