#!/usr/bin/env python3
"""Workload W1: custos against its raw-LMDB floor, SQLite and SQLCipher, in one run, on the same data.

Engines (bench/README.md says exactly what each does):
  custos       the library, with permissions and the audit log on, CUSTOS_DURABILITY_NORMAL
  lmdb         the floor: raw LMDB holding the same keys and values of the same sizes, no
               crypto, no checks, no audit (the physical limit of the storage engine)
  sqlite       SQLite, WAL, synchronous=NORMAL, index on email
  sqlite-full  the same with synchronous=FULL: every commit synced, as custos' are
  sqlcipher    SQLCipher at its default cipher settings, WAL, synchronous=NORMAL

Each engine runs in its own process (SQLite and SQLCipher export the same symbols), in a
fresh directory, several times; runs are interleaved, each in a rotated engine order, so
drift hits every engine alike. Every figure is the median of the runs with min and max;
every ratio is the median (min to max) of the per-run ratios. Speed ratios are
other/custos (above 1: custos is faster), except against the floor, which is custos/floor
(how many times the floor's time custos takes); size ratios are custos/other.

The targets, on the median ratio:
  get by id, every encrypted field   >= 1.3x SQLite, >= 4x SQLCipher, custos/floor <= 2
  find by email                      >= 1.3x SQLite, >= 4x SQLCipher
  bulk load (10,000 per commit)      >= 1.5x SQLCipher, >= 0.8x SQLite
  update one field, own commit       >= 1x SQLite with synchronous=FULL
  updates from 4 threads             >= 3x custos' own single-thread rate (group commit)
  file size, audit log included      <= 2x SQLCipher
  get by id, read auditing on        <= 1.15x the same with auditing off
A target met by less than 10% is "met, narrowly".

    python3 bench/w1.py [--build build-release] [--count 1000000] [--runs 3] [--markdown]

--profile ENGINE:PHASE runs one engine once (the load, then that phase: load, get, find,
update or update_mt) under `perf record` when perf can sample here, else under callgrind,
and prints the functions that took the most of that phase, by their own time and with
what they call:

    python3 bench/w1.py --build build-release --count 20000 --profile custos:get
"""
import argparse
import collections
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ENGINES = ["custos", "lmdb", "sqlite", "sqlite-full", "sqlcipher"]
NAMES = {"custos": "custos", "lmdb": "raw LMDB", "sqlite": "SQLite", "sqlite-full": "SQLite FULL",
         "sqlcipher": "SQLCipher"}
# What every engine prints, and what only some do.
COMMON = ["load_s", "get_us", "find_us", "update_us", "update_mt_us", "file_bytes", "rss_kb", "anon_kb"]
EXTRA = {"custos": ["get_noaudit_us", "audit_bytes", "record_bytes", "index_entries"],
         "lmdb": ["audit_bytes", "record_bytes", "index_entries"]}
SIZES = ("file_bytes", "audit_bytes", "data_bytes", "rss_kb", "anon_kb")
MIB, MIB_KB = 1 / 1048576, 1 / 1024
# key, label, unit, scale; rows without a ratio to other engines have no ratio columns.
METRICS = [
    ("load_s", "bulk load", "s", 1.0),
    ("get_us", "get by id, every encrypted field", "µs", 1.0),
    ("get_noaudit_us", "the same, read auditing off", "µs", 1.0),
    ("find_us", "find by email", "µs", 1.0),
    ("update_us", "update one field, own commit", "µs", 1.0),
    ("update_mt_us", "updates from {threads} threads, per update", "µs", 1.0),
    ("mt_speedup", "{threads} threads against 1 (update rate)", "×", 1.0),
    ("file_bytes", "file size, audit log included", "MiB", MIB),
    ("audit_bytes", "of which the audit log", "MiB", MIB),
    ("data_bytes", "file size without the audit log", "MiB", MIB),
    ("rss_kb", "peak resident memory", "MiB", MIB_KB),
    ("anon_kb", "resident heap at the end", "MiB", MIB_KB),
]
NO_RATIO = ("get_noaudit_us", "audit_bytes", "mt_speedup")


def versus(metric, other):
    """Per-run ratio of custos to `other` for one metric, in the direction the tables use."""
    if metric in SIZES or other == "lmdb":
        return lambda c, o: c[metric] / o[metric]
    return lambda c, o: o[metric] / c[metric]


def own(num, den):
    """Per-run ratio of two of custos' own figures."""
    return lambda c, o: c[num] / c[den]


# (metric row, other engine or None for custos' own, "≥" or "≤", bound, as printed, ratio of one run)
TARGETS = [
    ("get_us", "sqlite", "≥", 1.3, "≥ 1.3× SQLite", versus("get_us", "sqlite")),
    ("get_us", "sqlcipher", "≥", 4.0, "≥ 4× SQLCipher", versus("get_us", "sqlcipher")),
    ("get_us", "lmdb", "≤", 2.0, "custos/floor ≤ 2", versus("get_us", "lmdb")),
    ("get_noaudit_us", None, "≤", 1.15, "auditing on/off ≤ 1.15×", own("get_us", "get_noaudit_us")),
    ("find_us", "sqlite", "≥", 1.3, "≥ 1.3× SQLite", versus("find_us", "sqlite")),
    ("find_us", "sqlcipher", "≥", 4.0, "≥ 4× SQLCipher", versus("find_us", "sqlcipher")),
    ("load_s", "sqlcipher", "≥", 1.5, "≥ 1.5× SQLCipher", versus("load_s", "sqlcipher")),
    ("load_s", "sqlite", "≥", 0.8, "≥ 0.8× SQLite", versus("load_s", "sqlite")),
    ("update_us", "sqlite-full", "≥", 1.0, "≥ 1× SQLite FULL", versus("update_us", "sqlite-full")),
    ("mt_speedup", None, "≥", 3.0, "≥ 3× custos' 1-thread rate", own("update_us", "update_mt_us")),
    ("file_bytes", "sqlcipher", "≤", 2.0, "≤ 2× SQLCipher", versus("file_bytes", "sqlcipher")),
]
NARROW = 0.10


def run_engine(build, engine, args):
    exe = os.path.join(build, "bench", "w1-" + engine)
    d = tempfile.mkdtemp(prefix="w1-%s-" % engine, dir=args.workdir)
    try:
        proc = subprocess.run(engine_command(args, engine, os.path.join(d, "store")), capture_output=True, text=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit("w1: %s failed (exit %d):\n%s" % (exe, proc.returncode, proc.stderr))
    r, versions = {}, {}
    for line in proc.stdout.splitlines():
        words = line.split(None, 2)
        if len(words) == 3 and words[0] == "version":
            versions[words[1]] = words[2]
        elif len(words) == 2:
            r[words[0]] = float(words[1])
    missing = [m for m in COMMON + EXTRA.get(engine, []) if m not in r]
    if missing:
        sys.exit("w1: %s printed no %s" % (exe, ", ".join(missing)))
    r["data_bytes"] = r["file_bytes"] - r.get("audit_bytes", 0.0)
    r["mt_speedup"] = r["update_us"] / r["update_mt_us"]
    return r, versions


def check_floor(results):
    """The floor is a floor only if it stores what custos stores: refuse figures where it does not."""
    for c, f in zip(results["custos"], results["lmdb"]):
        for key, what in (("record_bytes", "customer values"), ("index_entries", "index entries")):
            if c[key] != f[key]:
                sys.exit("w1: the raw-LMDB floor holds %d bytes of %s where custos holds %d: bring "
                         "bench/w1_lmdb.c up to custos' record and index layout" % (f[key], what, c[key]))


def num(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.3g" % v


def stats(values, scale=1.0, sep="-"):
    v = [x * scale for x in values]
    return "%s (%s%s%s)" % (num(statistics.median(v)), num(min(v)), sep, num(max(v)))


def machine(workdir):
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
    return "%s, %d cores%s, %s %s, %s" % (cpu, os.cpu_count() or 0, mem, platform.system(),
                                          platform.release(), disk(workdir))


def disk(path):
    """The file system the stores are made on and the block device under it, as far as /proc and /sys tell."""
    path = os.path.realpath(path or tempfile.gettempdir())
    best = None
    try:
        for line in open("/proc/self/mountinfo"):
            pre, post = line.split(" - ", 1)
            point, fstype, source = pre.split()[4], post.split()[0], post.split()[1]
            if (path == point or path.startswith(point.rstrip("/") + "/")) and \
                    (best is None or len(point) > len(best[0])):
                best = (point, fstype, source)
    except (OSError, ValueError, IndexError):
        return "disk unknown"
    if best is None:
        return "disk unknown"
    _, fstype, source = best
    desc = "%s on %s" % (fstype, source)
    dev = os.path.basename(source)
    sysdir = "/sys/class/block/" + dev
    if os.path.isdir(sysdir):
        parent = os.path.realpath(sysdir)
        if os.path.exists(os.path.join(parent, "partition")):
            parent = os.path.dirname(parent)
        details = []
        try:
            details.append(open(os.path.join(parent, "device", "model")).read().strip())
        except OSError:
            pass
        driver = os.path.join(parent, "device", "driver")
        if os.path.islink(driver):
            details.append(os.path.basename(os.readlink(driver)))
        try:
            rot = open(os.path.join(parent, "queue", "rotational")).read().strip()
            details.append("rotational" if rot == "1" else "non-rotational")
        except OSError:
            pass
        if details:
            desc += " (%s)" % ", ".join(d for d in details if d)
    return desc


def library_versions(versions):
    order = ["custos", "LMDB", "libsodium", "SQLite", "SQLCipher"]
    return ", ".join("%s %s" % (k, versions[k]) for k in order if k in versions)


def evaluate(results, target):
    """The per-run ratios, their median, the margin (positive when met) and the verdict; None
    when the engine compared with did not run."""
    _, other, op, bound, _, fn = target
    if other is not None and other not in results:
        return None
    others = results[other] if other else results["custos"]
    rs = [fn(c, o) for c, o in zip(results["custos"], others)]
    med = statistics.median(rs)
    margin = med / bound - 1 if op == "≥" else bound / med - 1
    status = "MISSED" if margin < 0 else "met, narrowly" if margin < NARROW else "met"
    return rs, med, margin, status


def target_text(target, ev, markdown):
    head = target[4]
    rs, _, margin, status = ev
    pct = "%+.0f%%" % (margin * 100)
    if markdown:
        return "%s: %s, %s (%s)" % (head, stats(rs, sep="–"), "**MISSED**" if status == "MISSED" else status,
                                    pct.replace("-", "−"))
    return "%s: %s, %s (%s)" % (head, stats(rs), status, pct)


def ratio_cells(results, key, sep):
    cells = []
    for other in ENGINES[1:]:
        if key in NO_RATIO or other not in results or key not in results[other][0]:
            cells.append("")
            continue
        fn = versus(key, other)
        cells.append(stats([fn(c, o) for c, o in zip(results["custos"], results[other])], sep=sep))
    return cells


def header_lines(args, versions, markdown):
    date = datetime.date.today().isoformat()
    lines = [
        "W1: %s customers (batches of 10,000 per commit), %s lookups, %s updates from 1 thread and %s "
        "from %d threads; %d run(s) per engine; %s" % (format(args.count, ","), format(args.lookups, ","),
                                                       format(args.updates, ","), format(args.updates, ","),
                                                       args.threads, args.runs, date),
        "machine: %s" % machine(args.workdir),
        "libraries: %s" % library_versions(versions),
        "durability: custos and the floor: LMDB with MDB_NOMETASYNC (CUSTOS_DURABILITY_NORMAL: data synced at "
        "every commit, the meta page at the next one); SQLite FULL: WAL synced at every commit; SQLite and "
        "SQLCipher: WAL, synchronous=NORMAL (synced at checkpoints only)",
        "memory: custos' peak includes its memory-mapped file and Argon2id's 256 MiB at unlock; the heap row "
        "is anonymous memory only",
    ]
    if markdown:
        return ["- " + line for line in lines]
    return lines + ["figures: median (min-max)"]


def label_of(label, args):
    return label.format(threads=args.threads)


def print_text(args, results, versions):
    engines = [e for e in ENGINES if e in results]
    print("\n".join(header_lines(args, versions, False)) + "\n")
    print("%-42s %-4s" % ("operation", "unit") + "".join(" %-20s" % NAMES[e] for e in engines))
    for key, label, unit, scale in METRICS:
        cells = [stats([x[key] for x in results[e]], scale) if key in results[e][0] else "-" for e in engines]
        print("%-42s %-4s" % (label_of(label, args), unit) + "".join(" %-20s" % c for c in cells))
    print("\nratios: speed other/custos (above 1: custos is faster) and custos/floor (custos' time over the "
          "floor's); size custos/other")
    print("%-42s" % "" + "".join(" %-20s" % ("custos/floor" if e == "lmdb" else "vs " + NAMES[e])
                                 for e in ENGINES[1:]))
    for key, label, _, _ in METRICS:
        if key in NO_RATIO:
            continue
        print("%-42s" % label_of(label, args) + "".join(" %-20s" % c for c in ratio_cells(results, key, "-")))
    print("\ntargets, on the median ratio (min-max over the runs), margin in percent:")
    labels = dict((m[0], m[1]) for m in METRICS)
    for t in TARGETS:
        ev = evaluate(results, t)
        if ev:
            print("  %-42s %s" % (label_of(labels[t[0]], args), target_text(t, ev, False)))
    if "sqlite-full" in results:
        print("  %-42s SQLite FULL: %s" % (label_of(labels["mt_speedup"], args),
                                           stats([r["mt_speedup"] for r in results["sqlite-full"]])))


def print_markdown(args, results, versions):
    engines = [e for e in ENGINES if e in results]
    print("\n".join(header_lines(args, versions, True)) + "\n")
    cols = ["operation"] + [NAMES[e] for e in engines] + \
        ["custos/floor" if e == "lmdb" else "vs " + NAMES[e] for e in ENGINES[1:]] + ["target"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for key, label, unit, scale in METRICS:
        figures = [num(statistics.median([x[key] * scale for x in results[e]])) if key in results[e][0] else ""
                   for e in engines]
        targets = [target_text(t, ev, True) for t in TARGETS if t[0] == key
                   for ev in [evaluate(results, t)] if ev]
        if key == "mt_speedup" and "sqlite-full" in results:
            targets.append("SQLite FULL's own: %s" % stats([r["mt_speedup"] for r in results["sqlite-full"]],
                                                          sep="–"))
        row = ["%s (%s)" % (label_of(label, args), unit)] + figures + ratio_cells(results, key, "–") + \
            ["; ".join(targets)]
        print("| " + " | ".join(row) + " |")
    print("\nFigures are medians; ratios median (min–max) over the runs. Speed ratios are other/custos "
          "(above 1: custos is faster); custos/floor is custos' time over the raw-LMDB floor's; size "
          "ratios are custos/other. A target met by less than 10% is met, narrowly.")


PHASES = ["load", "get", "find", "update", "update_mt"]


def engine_command(args, engine, store, phase=None):
    cmd = [os.path.join(args.build, "bench", "w1-" + engine), "--dir", store, "--count", str(args.count),
           "--lookups", str(args.lookups), "--updates", str(args.updates), "--threads", str(args.threads)]
    return cmd + (["--phase", phase] if phase else [])


def perf_event():
    """The event perf samples here: cycles where the CPU counts them, else the kernel's cpu-clock
    (virtual machines often expose no hardware counters); None when perf cannot sample at all."""
    if not shutil.which("perf"):
        return None
    stat = subprocess.run(["perf", "stat", "-e", "cycles", "true"], capture_output=True, text=True)
    event = "cycles" if stat.returncode == 0 and "not supported" not in stat.stderr else "cpu-clock"
    with tempfile.TemporaryDirectory(prefix="w1-perf-") as d:
        probe = subprocess.run(["perf", "record", "-e", event, "-o", os.path.join(d, "probe"), "--", "true"],
                               capture_output=True, text=True)
    return event if probe.returncode == 0 else None


def perf_top(data, phase, top):
    """Self and inclusive shares of the samples taken inside w1_phase_<phase>, from perf script."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True)
    marker = "w1_phase_" + phase
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for sample in script.stdout.split("\n\n"):
        frames = []
        for line in sample.strip().splitlines():
            parts = line.split(None, 1)
            if len(parts) < 2:
                continue
            sym, _, dso = parts[1].rpartition(" (")
            sym = sym.split("+0x")[0].strip()
            if sym in ("", "[unknown]"):
                sym = "[%s]" % os.path.basename(dso.rstrip(")"))
            frames.append(sym)
        if marker not in frames:
            continue
        frames = frames[:frames.index(marker) + 1]
        total += 1
        own[frames[0]] += 1
        for sym in set(frames):
            inclusive[sym] += 1
    return total, own.most_common(top), inclusive.most_common(top)


def profile_perf(args, engine, phase, event, d):
    data = os.path.join(d, "perf.data")
    cmd = ["perf", "record", "-e", event, "-F", "4000", "--call-graph", "dwarf", "-o", data, "--"] + \
        engine_command(args, engine, os.path.join(d, "store"), phase)
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("w1: %s failed:\n%s" % (" ".join(cmd), run.stderr))
    total, own, inclusive = perf_top(data, phase, args.top)
    print("perf record -e %s --call-graph dwarf: %d samples inside w1_phase_%s (functions of stripped "
          "libraries show as [library])\n" % (event, total, phase))
    for title, rows in (("own time", own), ("with what it calls", inclusive)):
        print("%-9s %s" % ("samples", "function, " + title))
        for sym, n in rows:
            print("%5.1f%%    %s" % (100.0 * n / max(total, 1), sym))
        print()
    return run.stdout


def profile_callgrind(args, engine, phase, d):
    out = os.path.join(d, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--toggle-collect=w1_phase_" + phase] + \
        engine_command(args, engine, os.path.join(d, "store"), phase)
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("w1: %s failed:\n%s" % (" ".join(cmd), run.stderr))
    print("valgrind --tool=callgrind, instructions inside w1_phase_%s\n" % phase)
    for inclusive in ("no", "yes"):
        ann = subprocess.run(["callgrind_annotate", "--inclusive=" + inclusive, out],
                             capture_output=True, text=True).stdout.splitlines()
        rows = [line for line in ann if "(" in line and "%)" in line and "PROGRAM TOTALS" not in line]
        # Listed with what they call, the phase's callers come first: start at the phase.
        first = [i for i, line in enumerate(rows) if line.endswith("w1_phase_" + phase) or
                 ":w1_phase_%s " % phase in line]
        rows = rows[first[0]:] if first and inclusive == "yes" else rows
        print("instructions, %s" % ("own" if inclusive == "no" else "with what each function calls"))
        print("\n".join(rows[:args.top]) + "\n")
    return run.stdout


def profile(args):
    engine, _, phase = args.profile.partition(":")
    if engine not in ENGINES or phase not in PHASES:
        sys.exit("w1: --profile takes ENGINE:PHASE, ENGINE one of %s, PHASE one of %s"
                 % (", ".join(ENGINES), ", ".join(PHASES)))
    tool = args.profiler
    event = perf_event() if tool in ("auto", "perf") else None
    if tool == "perf" and not event:
        sys.exit("w1: perf cannot record here (is linux-perf installed, perf_event_paranoid low enough?)")
    if tool == "callgrind" or (tool == "auto" and not event):
        if not shutil.which("valgrind"):
            sys.exit("w1: neither perf nor valgrind can profile here: install linux-perf or valgrind")
        event = None
    print("profile of %s, phase %s: %s customers, %s lookups, %s updates, %d threads\n"
          % (engine, phase, format(args.count, ","), format(args.lookups, ","), format(args.updates, ","),
             args.threads))
    with tempfile.TemporaryDirectory(prefix="w1-profile-", dir=args.workdir) as d:
        out = profile_perf(args, engine, phase, event, d) if event else profile_callgrind(args, engine, phase, d)
    print("the engine's figures under the profiler (slower than without it):")
    print("\n".join("  " + line for line in out.splitlines() if line.split()[0] in COMMON + ["get_noaudit_us"]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build-release")
    ap.add_argument("--count", type=int, default=None, help="customers (default 1,000,000; 20,000 with --profile)")
    ap.add_argument("--lookups", type=int, default=100000)
    ap.add_argument("--updates", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=4, help="threads of the concurrent updates (default 4)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated engines to run; custos always runs (default: all)")
    ap.add_argument("--workdir", default=None, help="where the stores are made (default: a temporary directory)")
    ap.add_argument("--markdown", action="store_true", help="print the README's table")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--profile", metavar="ENGINE:PHASE",
                    help="profile one phase of one engine instead of comparing (phases: %s)" % ", ".join(PHASES))
    ap.add_argument("--profiler", choices=["auto", "perf", "callgrind"], default="auto",
                    help="perf when it can sample here, else callgrind (default: auto)")
    ap.add_argument("--top", type=int, default=25, help="functions listed by --profile (default 25)")
    args = ap.parse_args()
    if args.count is None:
        args.count = 20000 if args.profile else 1000000
    if args.profile:
        return profile(args)
    chosen = [e for e in ENGINES if e == "custos" or e in args.engines.split(",")]
    unknown = set(args.engines.split(",")) - set(ENGINES)
    if unknown:
        ap.error("unknown engine(s): %s" % ", ".join(sorted(unknown)))

    results = {e: [] for e in chosen}
    versions = {}
    for r in range(args.runs):
        for e in chosen[r % len(chosen):] + chosen[:r % len(chosen)]:
            if not args.quiet:
                print("run %d/%d: %s ..." % (r + 1, args.runs, e), file=sys.stderr, flush=True)
            figures, v = run_engine(args.build, e, args)
            results[e].append(figures)
            versions.update(v)
    if "lmdb" in results:
        check_floor(results)
    if args.markdown:
        print_markdown(args, results, versions)
    else:
        print_text(args, results, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
