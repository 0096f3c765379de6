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


def run_engine(build, engine, args, wl=None):
    """Run one engine of workload wl once in a fresh directory; its figures and the library versions it printed."""
    wl = wl or W1
    exe = os.path.join(build, "bench", "%s-%s" % (wl.prefix, engine))
    d = tempfile.mkdtemp(prefix="%s-%s-" % (wl.prefix, engine), dir=args.workdir)
    try:
        proc = subprocess.run(wl.command(args, engine, os.path.join(d, "store")), capture_output=True, text=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit("%s: %s failed (exit %d):\n%s" % (wl.prefix, exe, proc.returncode, proc.stderr))
    r, versions = {}, {}
    for line in proc.stdout.splitlines():
        words = line.split(None, 2)
        if len(words) == 3 and words[0] == "version":
            versions[words[1]] = words[2]
        elif len(words) == 2:
            r[words[0]] = float(words[1])
    missing = [m for m in wl.required(engine) if m not in r]
    if missing:
        sys.exit("%s: %s printed no %s" % (wl.prefix, exe, ", ".join(missing)))
    wl.derive(r)
    return r, versions


def w1_required(engine):
    return COMMON + EXTRA.get(engine, [])


def w1_derive(r):
    r["data_bytes"] = r["file_bytes"] - r.get("audit_bytes", 0.0)
    r["mt_speedup"] = r["update_us"] / r["update_mt_us"]


def run_interleaved(args, chosen, wl=None):
    """Every chosen engine args.runs times, each run in a rotated engine order, so that drift on a
    shared machine hits every engine alike: {engine: [figures of each run]} and the versions seen."""
    results = {e: [] for e in chosen}
    versions = {}
    for r in range(args.runs):
        for e in chosen[r % len(chosen):] + chosen[:r % len(chosen)]:
            if not args.quiet:
                print("run %d/%d: %s ..." % (r + 1, args.runs, e), file=sys.stderr, flush=True)
            figures, v = run_engine(args.build, e, args, wl)
            results[e].append(figures)
            versions.update(v)
    return results, versions


def choose_engines(ap, args, engines):
    """The engines --engines names, in the table's order; custos always runs."""
    unknown = set(args.engines.split(",")) - set(engines)
    if unknown:
        ap.error("unknown engine(s): %s" % ", ".join(sorted(unknown)))
    return [e for e in engines if e == "custos" or e in args.engines.split(",")]


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


def ratio_cells(results, key, sep, wl=None):
    wl = wl or W1
    cells = []
    for other in wl.engines[1:]:
        if key in wl.no_ratio or other not in results or key not in results[other][0]:
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
    return header_form(lines, markdown)


def header_form(lines, markdown):
    """A workload's header lines as a list in markdown, else followed by how figures read."""
    if markdown:
        return ["- " + line for line in lines]
    return lines + ["figures: median (min-max)"]


def label_of(label, args):
    return label.format(**vars(args))


def own_figure(results, key, engine, sep="-"):
    return stats([r[key] for r in results[engine]], sep=sep)


def print_text(args, results, versions, wl=None):
    wl = wl or W1
    engines = [e for e in wl.engines if e in results]
    print("\n".join(wl.header(args, versions, False)) + "\n")
    print("%-42s %-4s" % ("operation", "unit") + "".join(" %-20s" % wl.names[e] for e in engines))
    for key, label, unit, scale in wl.metrics:
        cells = [stats([x[key] for x in results[e]], scale) if key in results[e][0] else "-" for e in engines]
        print("%-42s %-4s" % (label_of(label, args), unit) + "".join(" %-20s" % c for c in cells))
    print("\nratios: " + wl.ratio_note)
    print("%-42s" % "" + "".join(" %-20s" % ("custos/floor" if e == "lmdb" else "vs " + wl.names[e])
                                 for e in wl.engines[1:]))
    for key, label, _, _ in wl.metrics:
        if key in wl.no_ratio:
            continue
        print("%-42s" % label_of(label, args) + "".join(" %-20s" % c for c in ratio_cells(results, key, "-", wl)))
    print("\ntargets, on the median ratio (min-max over the runs), margin in percent:")
    labels = dict((m[0], m[1]) for m in wl.metrics)
    for t in wl.targets:
        ev = evaluate(results, t)
        if ev:
            print("  %-42s %s" % (label_of(labels[t[0]], args), target_text(t, ev, False)))
    for key, engine in wl.own_rows:
        if engine in results:
            print("  %-42s %s: %s" % (label_of(labels[key], args), wl.names[engine], own_figure(results, key, engine)))


def print_markdown(args, results, versions, wl=None):
    wl = wl or W1
    engines = [e for e in wl.engines if e in results]
    print("\n".join(wl.header(args, versions, True)) + "\n")
    cols = ["operation"] + [wl.names[e] for e in engines] + \
        ["custos/floor" if e == "lmdb" else "vs " + wl.names[e] for e in wl.engines[1:]] + ["target"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for key, label, unit, scale in wl.metrics:
        figures = [num(statistics.median([x[key] * scale for x in results[e]])) if key in results[e][0] else ""
                   for e in engines]
        targets = [target_text(t, ev, True) for t in wl.targets if t[0] == key
                   for ev in [evaluate(results, t)] if ev]
        targets += ["%s's own: %s" % (wl.names[engine], own_figure(results, key, engine, "–"))
                    for k, engine in wl.own_rows if k == key and engine in results]
        row = ["%s (%s)" % (label_of(label, args), unit)] + figures + ratio_cells(results, key, "–", wl) + \
            ["; ".join(targets)]
        print("| " + " | ".join(row) + " |")
    print("\n" + wl.footnote)


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


def perf_top(data, marker, top):
    """Self and inclusive shares of the samples taken inside the function `marker`, from perf script."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True)
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


def profile_perf(cmd, marker, event, d, top):
    data = os.path.join(d, "perf.data")
    cmd = ["perf", "record", "-e", event, "-F", "4000", "--call-graph", "dwarf", "-o", data, "--"] + cmd
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), run.stderr))
    total, own, inclusive = perf_top(data, marker, top)
    print("perf record -e %s --call-graph dwarf: %d samples inside %s (functions of stripped "
          "libraries show as [library])\n" % (event, total, marker))
    for title, rows in (("own time", own), ("with what it calls", inclusive)):
        print("%-9s %s" % ("samples", "function, " + title))
        for sym, n in rows:
            print("%5.1f%%    %s" % (100.0 * n / max(total, 1), sym))
        print()
    return run.stdout


def profile_callgrind(cmd, marker, d, top):
    out = os.path.join(d, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--toggle-collect=" + marker] + cmd
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(cmd), run.stderr))
    print("valgrind --tool=callgrind, instructions inside %s\n" % marker)
    for inclusive in ("no", "yes"):
        ann = subprocess.run(["callgrind_annotate", "--inclusive=" + inclusive, out],
                             capture_output=True, text=True).stdout.splitlines()
        rows = [line for line in ann if "(" in line and "%)" in line and "PROGRAM TOTALS" not in line]
        # Listed with what they call, the phase's callers come first: start at the phase.
        first = [i for i, line in enumerate(rows) if line.endswith(marker) or ":%s " % marker in line]
        rows = rows[first[0]:] if first and inclusive == "yes" else rows
        print("instructions, %s" % ("own" if inclusive == "no" else "with what each function calls"))
        print("\n".join(rows[:top]) + "\n")
    return run.stdout


def profile(args, wl=None):
    """Run one phase of one engine under perf (or callgrind) and list where it spends its time."""
    wl = wl or W1
    engine, _, phase = args.profile.partition(":")
    if engine not in wl.engines or phase not in wl.phases:
        sys.exit("%s: --profile takes ENGINE:PHASE, ENGINE one of %s, PHASE one of %s"
                 % (wl.prefix, ", ".join(wl.engines), ", ".join(wl.phases)))
    tool = args.profiler
    event = perf_event() if tool in ("auto", "perf") else None
    if tool == "perf" and not event:
        sys.exit("%s: perf cannot record here (is linux-perf installed, perf_event_paranoid low enough?)" % wl.prefix)
    if tool == "callgrind" or (tool == "auto" and not event):
        if not shutil.which("valgrind"):
            sys.exit("%s: neither perf nor valgrind can profile here: install linux-perf or valgrind" % wl.prefix)
        event = None
    print(wl.describe(args, engine, phase) + "\n")
    marker = "%s_phase_%s" % (wl.prefix, phase)
    with tempfile.TemporaryDirectory(prefix="%s-profile-" % wl.prefix, dir=args.workdir) as d:
        cmd = wl.command(args, engine, os.path.join(d, "store"), phase)
        out = profile_perf(cmd, marker, event, d, args.top) if event else profile_callgrind(cmd, marker, d, args.top)
    print("the engine's figures under the profiler (slower than without it):")
    print("\n".join("  " + line for line in out.splitlines() if line.split()[0] in wl.profile_keys))
    return 0


def add_profile_options(ap, phases):
    ap.add_argument("--profile", metavar="ENGINE:PHASE",
                    help="profile one phase of one engine instead of comparing (phases: %s)" % ", ".join(phases))
    ap.add_argument("--profiler", choices=["auto", "perf", "callgrind"], default="auto",
                    help="perf when it can sample here, else callgrind (default: auto)")
    ap.add_argument("--top", type=int, default=25, help="functions listed by --profile (default 25)")


class Workload:
    """What the shared code needs to know of a workload: its programs (bench/<prefix>-<engine>, each
    phase a function <prefix>_phase_<phase>), the rows of its tables, its targets and its notes."""

    def __init__(self, **kw):
        self.prefix = kw.pop("prefix")              # "w1": programs w1-custos, ...; phases w1_phase_*
        self.engines = kw.pop("engines")            # custos first, then the others in the tables' order
        self.names = kw.pop("names")                # engine -> name in the tables
        self.metrics = kw.pop("metrics")            # (key, label, unit, scale) per row
        self.no_ratio = kw.pop("no_ratio")          # rows without ratio columns
        self.targets = kw.pop("targets")            # as TARGETS
        self.own_rows = kw.pop("own_rows", ())      # (key, engine): that engine's own figure beside the targets
        self.command = kw.pop("command")            # (args, engine, store, phase=None) -> argv
        self.required = kw.pop("required")          # engine -> the keys it must print
        self.derive = kw.pop("derive")              # adds the computed keys to one run's figures
        self.header = kw.pop("header")              # (args, versions, markdown) -> lines
        self.ratio_note = kw.pop("ratio_note")      # how the text table's ratios read
        self.footnote = kw.pop("footnote")          # the markdown table's last paragraph
        self.phases = kw.pop("phases")
        self.profile_keys = kw.pop("profile_keys")  # the lines --profile echoes
        self.describe = kw.pop("describe")          # (args, engine, phase) -> the profile's first line
        if kw:
            raise TypeError("unknown workload keys: %s" % ", ".join(sorted(kw)))


def describe_profile(args, engine, phase):
    return "profile of %s, phase %s: %s customers, %s lookups, %s updates, %d threads" % (
        engine, phase, format(args.count, ","), format(args.lookups, ","), format(args.updates, ","), args.threads)


W1 = Workload(
    prefix="w1", engines=ENGINES, names=NAMES, metrics=METRICS, no_ratio=NO_RATIO, targets=TARGETS,
    own_rows=[("mt_speedup", "sqlite-full")], command=engine_command, required=w1_required, derive=w1_derive,
    header=header_lines,
    ratio_note="speed other/custos (above 1: custos is faster) and custos/floor (custos' time over the floor's); "
               "size custos/other",
    footnote="Figures are medians; ratios median (min–max) over the runs. Speed ratios are other/custos "
             "(above 1: custos is faster); custos/floor is custos' time over the raw-LMDB floor's; size "
             "ratios are custos/other. A target met by less than 10% is met, narrowly.",
    phases=PHASES, profile_keys=COMMON + ["get_noaudit_us"], describe=describe_profile)


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
    add_profile_options(ap, PHASES)
    args = ap.parse_args()
    if args.count is None:
        args.count = 20000 if args.profile else 1000000
    if args.profile:
        return profile(args)
    chosen = choose_engines(ap, args, ENGINES)
    results, versions = run_interleaved(args, chosen)
    if "lmdb" in results:
        check_floor(results)
    if args.markdown:
        print_markdown(args, results, versions)
    else:
        print_text(args, results, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
