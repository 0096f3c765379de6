#!/usr/bin/env bash
# Install, on Debian 12, what one use of the project needs, skipping what is already there:
#   deps.sh demo    building the library and running the demo (the default)
#   deps.sh test    also the test suite: Check, Doxygen, valgrind, pytest, and SQLite and
#                   SQLCipher for the benchmark's smoke test
# Run as root (or with sudo available). apt stays quiet unless it fails.
set -euo pipefail

demo=(gcc pkg-config meson ninja-build liblmdb-dev libsodium-dev libjansson-dev)
test=("${demo[@]}" g++ check doxygen valgrind python3 python3-pytest libsqlite3-dev libsqlcipher-dev)

case "${1:-demo}" in
  demo) packages=("${demo[@]}") ;;
  test) packages=("${test[@]}") ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
((${#missing[@]})) || exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "Installing: ${missing[*]}"
if ! { "${sudo_cmd[@]}" apt-get update -qq &&
       DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
         "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "Installing ${missing[*]} failed (apt's output is above)." >&2
  exit 1
fi
