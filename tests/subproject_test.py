#!/usr/bin/env python3
"""custos as a Meson subproject builds its library and dependency only.

Makes a tiny parent project in a temporary directory with custos under subprojects/ (a
symbolic link to this source tree), builds it, runs the parent's program, and checks that
the parent's test list holds only its own test and that installing the parent installs no
custos program (the demo, tests and benchmark are not part of a parent's build).
"""
import json
import os
import subprocess
import sys
import tempfile

PARENT = """project('parent', 'c', default_options: ['c_std=c11'])
custos = dependency('custos', fallback: ['custos', 'custos_dep'])
exe = executable('parent', 'main.c', dependencies: custos)
test('parent', exe)
"""

MAIN = r"""#include <stdio.h>
#include <custos.h>

int main(void)
{
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *s;
	custos_db *db;
	static const unsigned char key[32] = { 1 };

	opts.flags = CUSTOS_OPEN_CREATE;
	if (custos_secret_key(&s, key, sizeof key) || custos_db_open(&db, "memory:", s, &opts))
		return fprintf(stderr, "%s\n", custos_error_last()), 1;
	custos_secret_free(s);
	printf("custos %s on %s\n", custos_version(NULL, NULL, NULL), custos_db_backend_name(db));
	custos_db_close(db);
	return 0;
}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def main():
    source = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "subprojects"))
        os.symlink(source, os.path.join(d, "subprojects", "custos"))
        open(os.path.join(d, "meson.build"), "w").write(PARENT)
        open(os.path.join(d, "main.c"), "w").write(MAIN)
        build = os.path.join(d, "build")
        run(["meson", "setup", build, d, "--wrap-mode=default"])
        run(["ninja", "-C", build])
        out = run([os.path.join(build, "parent")])
        if not out.startswith("custos ") or not out.rstrip().endswith("on memory"):
            print("the parent program printed:", out)
            return 1
        tests = [t["name"] for t in json.loads(run(["meson", "introspect", "--tests", build]))]
        if tests != ["parent"]:
            print("the parent's tests are not its own only:", tests)
            return 1
        installed = json.loads(run(["meson", "introspect", "--installed", build]))
        programs = [dst for dst in installed.values() if "/bin/" in dst]
        if programs:
            print("building custos as a subproject installs programs:", programs)
            return 1
        targets = [t["name"] for t in json.loads(run(["meson", "introspect", "--targets", build]))]
        extra = [t for t in targets if t not in ("parent", "custos", "custos_internal")]
        if extra:
            print("the subproject builds more than its library:", extra)
            return 1
    print("as a subproject: the library only; the parent's one test; no programs installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
