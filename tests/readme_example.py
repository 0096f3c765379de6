#!/usr/bin/env python3
"""The C example in README.md must compile against the public headers and run.

Extracts the first ```c block, builds it with the C compiler against libcustos, and runs it
in a temporary directory (it creates a store in ./crm there).
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    readme, include, build_include, libdir, cc = sys.argv[1:6]
    text = open(readme).read()
    m = re.search(r"```c\n(.*?)```", text, re.S)
    if not m:
        print("README.md has no C example")
        return 1
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "example.c")
        exe = os.path.join(d, "example")
        open(src, "w").write(m.group(1))
        subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", include, "-I", build_include, src,
                        "-L", libdir, "-Wl,-rpath," + libdir, "-lcustos", "-o", exe], check=True)
        out = subprocess.run([exe], cwd=d, check=True, capture_output=True, text=True).stdout
    print(out, end="")
    if out.strip() != "1 tm.chan@example.com":
        print("unexpected output")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
