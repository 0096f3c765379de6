#!/usr/bin/env bash
# Install what is missing, build custos, and run the demo: an LMDB store in ./custos-demo-store
# loaded with 60,000 synthetic customers. Extra arguments go to the demo (e.g. --count 10000).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh demo
if [ ! -f build-demo/build.ninja ]; then
  meson setup build-demo --buildtype=release -Dtests=disabled -Ddocs=disabled -Dbench=disabled \
    -Dpython_tests=disabled >/dev/null
fi
ninja -C build-demo examples/custos-demo >/dev/null
exec ./build-demo/examples/custos-demo --dir custos-demo-store --fresh "$@"
