#!/usr/bin/env python3
"""Every libsodium call of the library goes through src/crypto/ (docs/architecture.md).

No other folder of src/ (api, access, model above it; store, backends, util below it) may
call libsodium itself: crypto/ checks lengths first, because libsodium aborts the host on
misuse, and keeps each construction in one place. A call found elsewhere is named with its
file and line.
"""
import pathlib
import re
import sys

LAYERS = ("api", "access", "model", "store", "backends", "util")
CALL = re.compile(r"\b(?:crypto_\w+|sodium_\w+|randombytes_\w+)\s*\(")


def main(src):
    found = []
    for layer in LAYERS:
        for path in sorted((pathlib.Path(src) / layer).rglob("*.[ch]")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if CALL.search(line):
                    found.append(f"{path.relative_to(src)}:{number}: {line.strip()}")
    for f in found:
        print(f"libsodium called outside src/crypto/: {f}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
