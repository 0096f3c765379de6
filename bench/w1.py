#!/usr/bin/env python3
"""Workload W1: custos against SQLite and SQLCipher, in one run, on the same data.

Each engine runs in its own process (SQLite and SQLCipher export the same symbols), in a
fresh directory, several times; runs are interleaved so drift hits every engine alike.
Every figure is the median of the runs with min and max; every ratio is the median (min
to max) of the per-run ratios. Speed ratios are other/custos (above 1: custos is faster);
size ratios are custos/other.

    python3 bench/w1.py [--build build-release] [--count 1000000] [--runs 3]
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ENGINES = ["custos", "sqlite", "sqlcipher"]
METRICS = [
    # key, label, unit, scale, lower is better
    ("load_s", "bulk load", "s", 1.0, True),
    ("get_us", "get by id, every encrypted field", "us/op", 1.0, True),
    ("get_noaudit_us", "  the same, read auditing off", "us/op", 1.0, True),
    ("find_us", "find by email", "us/op", 1.0, True),
    ("update_us", "update one field (own commit)", "us/op", 1.0, True),
    ("file_bytes", "file size", "MiB", 1 / 1048576, True),
    ("audit_bytes", "  of which the audit log", "MiB", 1 / 1048576, True),
    ("data_bytes", "  file size without the audit log", "MiB", 1 / 1048576, True),
    ("rss_kb", "peak resident memory", "MiB", 1 / 1024, True),
    ("anon_kb", "resident heap at the end", "MiB", 1 / 1024, True),
]
# DESIGN.md section 10: (metric, other engine, minimum speed-up or maximum size ratio)
TARGETS = [
    ("get_us", "sqlcipher", ">=", 3.0),
    ("get_us", "sqlite", ">=", 1.0),
    ("find_us", "sqlcipher", ">=", 4.0),
    ("load_s", "sqlcipher", ">=", 1.0),
    ("file_bytes", "sqlcipher", "<=", 1.5),
]
# Read auditing on (the default, batched) against off: get by id may cost at most this much more.
AUDIT_BOUND = 1.15


def run_engine(build, engine, args, workdir):
    exe = os.path.join(build, "bench", "w1-" + engine)
    d = tempfile.mkdtemp(prefix="w1-%s-" % engine, dir=workdir)
    try:
        out = subprocess.run([exe, "--dir", os.path.join(d, "store"), "--count", str(args.count),
                              "--lookups", str(args.lookups), "--updates", str(args.updates)],
                             check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)
    r = {k: float(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}
    # The SQL stores keep no audit log: their whole file is data.
    r["data_bytes"] = r["file_bytes"] - r.get("audit_bytes", 0.0)
    return r


def ratio(metric, custos, other):
    if metric in ("file_bytes", "data_bytes", "rss_kb", "anon_kb"):
        return custos / other
    return other / custos


def fmt_stats(values, scale=1.0):
    v = [x * scale for x in values]
    return "%.3g (%.3g-%.3g)" % (statistics.median(v), min(v), max(v))


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(open("/proc/meminfo").readline().split()[1])
        mem = ", %.0f GiB RAM" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d cores%s, %s %s" % (cpu, os.cpu_count() or 0, mem, platform.system(), platform.release())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build-release")
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--lookups", type=int, default=100000)
    ap.add_argument("--updates", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default=None, help="where the stores are made (default: a temporary directory)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    results = {e: [] for e in ENGINES}
    for r in range(args.runs):
        for e in ENGINES:
            if not args.quiet:
                print("run %d/%d: %s ..." % (r + 1, args.runs, e), file=sys.stderr, flush=True)
            results[e].append(run_engine(args.build, e, args, args.workdir))

    print("W1: %d customers (batches of 10,000 per commit), %d lookups, %d updates; %d run(s) per engine"
          % (args.count, args.lookups, args.updates, args.runs))
    print("machine: %s" % machine())
    print("durability: custos CUSTOS_DURABILITY_NORMAL (syncs data at every commit); SQLite and SQLCipher WAL with")
    print("            synchronous=NORMAL (no sync at commit, only at checkpoints)")
    print("memory: peak resident includes custos' memory-mapped data file and Argon2id's 256 MiB at unlock;")
    print("        the heap row is anonymous memory only")
    print("figures: median (min-max)\n")
    print("%-34s %-7s %-24s %-24s %-24s" % ("operation", "unit", "custos", "sqlite", "sqlcipher"))
    for key, label, unit, scale, _ in METRICS:
        print("%-34s %-7s %-24s %-24s %-24s" % (label, unit, *[fmt_stats([x[key] for x in results[e]], scale)
                                                         if key in results[e][0] else "-" for e in ENGINES]))
    print("\nratios (speed: other/custos, above 1 means custos is faster; size: custos/other)")
    print("%-34s %-24s %-24s" % ("", "vs sqlite", "vs sqlcipher"))
    for key, label, *_ in METRICS:
        if key not in results["sqlite"][0]:
            continue
        cells = []
        for other in ("sqlite", "sqlcipher"):
            rs = [ratio(key, c[key], o[key]) for c, o in zip(results["custos"], results[other])]
            cells.append(fmt_stats(rs))
        print("%-34s %-24s %-24s" % (label, *cells))
    print("\ntargets (DESIGN.md section 10), on the median ratio:")
    missed = 0
    for key, other, op, bound in TARGETS:
        rs = [ratio(key, c[key], o[key]) for c, o in zip(results["custos"], results[other])]
        med = statistics.median(rs)
        ok = med >= bound if op == ">=" else med <= bound
        missed += not ok
        label = dict((m[0], m[1]) for m in METRICS)[key]
        print("  %-6s %-34s vs %-10s %s %.1fx: %.2fx" % ("met" if ok else "MISSED", label, other, op, bound, med))
    rs = [c["get_us"] / c["get_noaudit_us"] for c in results["custos"]]
    med = statistics.median(rs)
    print("  %-6s %-34s vs %-10s <= %.2fx: %.2fx (%s)" % ("met" if med <= AUDIT_BOUND else "MISSED",
          "get by id, read auditing on", "off", AUDIT_BOUND, med, fmt_stats(rs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
