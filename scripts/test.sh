#!/usr/bin/env bash
# Install what is missing, build custos twice and run the whole test suite in both:
#   build/           the normal build: unit, example, header, symbol, docs and Python tests;
#   build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer, through the 'sanitize'
#                    test setup.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

if [ ! -f build/build.ninja ]; then
  meson setup build >/dev/null
fi
ninja -C build
meson test -C build --print-errorlogs --num-processes 2

if [ ! -f build-sanitize/build.ninja ]; then
  meson setup build-sanitize -Db_sanitize=address,undefined -Dbuildtype=debug -Ddocs=disabled >/dev/null
fi
ninja -C build-sanitize
meson test -C build-sanitize --setup=sanitize --print-errorlogs --num-processes 2

echo "All tests passed (normal build and ASan+UBSan build)."
