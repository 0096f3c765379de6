#!/usr/bin/env python3
"""The exported symbols of libcustos must be exactly the documented API.

Three lists must agree: functions declared with CUSTOS_EXTERN in the installed headers,
the names in the linker version script, and the dynamic symbols the shared library
defines. A mismatch names each extra or missing symbol.
"""
import pathlib
import re
import subprocess
import sys


def declared(include_dir):
    names = set()
    for h in pathlib.Path(include_dir).rglob("*.h"):
        text = h.read_text()
        names.update(re.findall(r"CUSTOS_EXTERN\([^)]*\)\s*(custos_\w+)\s*\(", text))
    return names


def mapped(mapfile):
    text = pathlib.Path(mapfile).read_text()
    body = text.split("global:", 1)[1].split("local:", 1)[0]
    return set(re.findall(r"(custos_\w+)\s*;", body))


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRW":
            names.add(parts[2].split("@")[0])
    return {n for n in names if not n.startswith("_") and n not in ("CUSTOS_0.1",)}


def compare(a_name, a, b_name, b):
    ok = True
    for n in sorted(a - b):
        print(f"{n}: in {a_name} but not in {b_name}")
        ok = False
    for n in sorted(b - a):
        print(f"{n}: in {b_name} but not in {a_name}")
        ok = False
    return ok


def main():
    include_dir, mapfile, lib = sys.argv[1:4]
    d, m, e = declared(include_dir), mapped(mapfile), exported(lib)
    ok = compare("the headers", d, "the version script", m) and compare("the headers", d, "the library", e)
    print(f"{len(d)} declared, {len(m)} in the version script, {len(e)} exported")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
