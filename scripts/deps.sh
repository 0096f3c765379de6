#!/usr/bin/env bash
# Install what building, testing and benchmarking custos needs on Debian 12, skipping what
# is already there. Run as root (or with sudo available).
set -euo pipefail

packages=(
  gcc g++ pkg-config meson ninja-build
  liblmdb-dev libsodium-dev check doxygen
  python3 python3-pytest
  libsqlite3-dev libsqlcipher-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "Installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
