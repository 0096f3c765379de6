#!/usr/bin/env python3
"""Installing gives a library that pkg-config, the dynamic loader and Python find.

Installs the build into a staging directory (meson install --destdir), then:
- the installed custos.pc gives the flags that build examples/minimal.c, which runs;
- its libdir, for the /usr/local prefix, is a directory the dynamic loader searches
  (ld.so.conf) and its pkgconfig directory one pkg-config searches by default, so a real
  `meson install` needs no LD_LIBRARY_PATH or PKG_CONFIG_PATH;
- the Python binding finds the installed library by name, as ctypes does;
- nothing but the library, its headers and custos.pc is installed (no demo, no tests).
"""
import glob
import os
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def loader_dirs():
    dirs = []
    for conf in ["/etc/ld.so.conf"] + sorted(glob.glob("/etc/ld.so.conf.d/*.conf")):
        try:
            for line in open(conf):
                line = line.strip()
                if line and not line.startswith(("#", "include")):
                    dirs.append(os.path.normpath(line))
        except OSError:
            pass
    return dirs


def main():
    build, source, cc = sys.argv[1:4]
    prefix = run(["meson", "introspect", "--buildoptions", build])
    import json
    opts = {o["name"]: o["value"] for o in json.loads(prefix)}
    if opts["prefix"] != "/usr/local":
        print("SKIP: the build's prefix is %s, not the default /usr/local" % opts["prefix"])
        return 77
    libdir = os.path.join(opts["prefix"], opts["libdir"])
    with tempfile.TemporaryDirectory() as stage:
        run(["meson", "install", "-C", build, "--destdir", stage, "--no-rebuild", "--quiet"],
            env=dict(os.environ, DESTDIR=stage))
        installed = sorted(os.path.relpath(os.path.join(d, f), stage)
                           for d, _, fs in os.walk(stage) for f in fs)
        unexpected = [f for f in installed if not (f.startswith(libdir.lstrip("/") + "/libcustos.so")
                      or f.startswith("usr/local/include/")
                      or f == os.path.join(libdir.lstrip("/"), "pkgconfig", "custos.pc"))]
        if unexpected:
            print("installed more than the library, its headers and custos.pc:", unexpected)
            return 1
        pcdir = os.path.join(libdir, "pkgconfig")
        if libdir not in loader_dirs():
            print("the library goes to %s, which the dynamic loader does not search" % libdir)
            return 1
        default_pc = run(["pkg-config", "--variable", "pc_path", "pkg-config"]).strip().split(":")
        if pcdir not in default_pc:
            print("custos.pc goes to %s, which pkg-config does not search by default (%s)" % (pcdir, default_pc))
            return 1
        env = dict(os.environ, PKG_CONFIG_PATH=stage + pcdir, PKG_CONFIG_SYSROOT_DIR=stage)
        flags = run(["pkg-config", "--cflags", "--libs", "custos"], env=env).split()
        exe = os.path.join(stage, "minimal")
        run([cc, "-std=c99", "-Wall", "-Werror", os.path.join(source, "examples", "minimal.c"), "-o", exe] + flags)
        out = run([exe, "memory:"], env=dict(os.environ, LD_LIBRARY_PATH=stage + libdir))
        if "tm.chan@example.com" not in out:
            print("the example built against the installed library printed:", out)
            return 1
        # The binding finds the library by name with ctypes.util.find_library, which reads the
        # loader's cache (refreshed by the install script when installing as root) and falls
        # back to the loader's own path, standing in for the cache here.
        env = {k: v for k, v in os.environ.items() if k != "CUSTOS_LIBRARY"}
        env.update(LD_LIBRARY_PATH=stage + libdir, PYTHONPATH=os.path.join(source, "bindings", "python"))
        got = run([sys.executable, "-c", "import custos; "
                   "s = custos.Store('memory:', key=bytes(range(1, 33)), create=True); "
                   "print([l.split()[-1] for l in open('/proc/self/maps') if 'libcustos' in l][0]); "
                   "print(s.backend)"], env=env)
        if not got.startswith(stage) or not got.rstrip().endswith("memory"):
            print("the Python binding did not load the installed library:", got)
            return 1
    print("installed to %s: library, headers and custos.pc; found by pkg-config and the loader" % libdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
