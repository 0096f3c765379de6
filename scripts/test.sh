#!/usr/bin/env bash
# Install what is missing, build custos twice and run the whole test suite in both:
#   build/           the normal build: unit, example, header, symbol, docs and Python tests;
#   build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer, through the 'sanitize'
#                    test setup.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh test

# Warnings are errors here (as in CI), not for people building the library for use.
setup() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" -Dwerror=true "$@" >/dev/null
  else
    meson setup "$dir" -Dwerror=true "$@" >/dev/null
  fi
}

setup build -Dtests=enabled -Ddocs=enabled -Dbench=enabled -Dpython_tests=enabled
ninja -C build
meson test -C build --print-errorlogs --num-processes 2

setup build-sanitize -Db_sanitize=address,undefined -Dbuildtype=debug -Dtests=enabled -Ddocs=disabled
ninja -C build-sanitize
meson test -C build-sanitize --setup=sanitize --print-errorlogs --num-processes 2

echo "All tests passed (normal build and ASan+UBSan build)."
