#!/usr/bin/env python3
"""Workload W2: the customer timeline on custos, SQLite and SQLCipher, in one run, on the same events.

Engines (bench/README.md says exactly what each does):
  custos       the library through its public API, permissions and the audit log on,
               CUSTOS_DURABILITY_NORMAL; events appended through write batches, which keep
               every metric in the same transaction
  sqlite       SQLite, WAL, synchronous=NORMAL: an events table indexed by (customer, time),
               each event an INSERT and an UPDATE of the customer's metric columns
  sqlite-full  the same with synchronous=FULL: every commit synced, as custos' are
  sqlcipher    the same on SQLCipher at its default cipher settings, WAL, synchronous=NORMAL

Every engine loads the customers (10,000 per commit, as W1 does), appends the same
generated events (bench/w2_common.c: purchases, interactions, feedback and points, in
time order per customer; the first 1% of the customers receive a fifth of them) 1,000 per
commit, lists the 100 most recent events of those heavy customers, every text read, in
one pseudo-random order, then appends events one per durable commit. Engines run in their
own processes, in fresh directories, several times, interleaved in a rotated order; every
figure is the median of the runs with min and max, every ratio the median (min to max) of
the per-run ratios: speed other/custos (above 1: custos is faster), size custos/other.
No figure is printed unless every engine stored and listed the same events and keeps the
same metrics.

The targets, on the median ratio:
  append events with metric updates, 1,000 per commit   >= 2x SQLCipher, >= 0.8x SQLite
  list one customer's 100 most recent events, texts     >= 3x SQLCipher, >= 1x SQLite
  append one event in its own durable commit            >= 1x SQLite with synchronous=FULL
  file size, audit log included                         <= 2x SQLCipher
A target met by less than 10% is "met, narrowly".

    python3 bench/w2.py [--build build-release] [--customers 100000] [--events 2000000] [--runs 3] [--markdown]

--profile ENGINE:PHASE runs one engine once (the loads, then that phase: load_customers,
append_batched, list_recent or append_durable) under `perf record` when perf can sample
here, else under callgrind, and lists the functions that took the most of that phase:

    python3 bench/w2.py --build build-release --profile custos:append_batched
"""
import argparse
import datetime
import os
import sys
import time

import w1
from w1 import MIB, MIB_KB, versus

ENGINES = ["custos", "sqlite", "sqlite-full", "sqlcipher"]
NAMES = {e: w1.NAMES[e] for e in ENGINES}
PHASES = ["load_customers", "append_batched", "list_recent", "append_durable"]
# What every engine prints, and what only custos does.
TIMES = ["load_customers_s", "append_batched_us", "list_recent_us", "append_durable_us"]
# What every engine must print alike: the events stored and listed, customer 1's metrics.
AGREE = ["events_stored", "listed_events", "listed_bytes", "check_orders", "check_points", "check_spend_hkd"]
COMMON = TIMES + AGREE + ["file_bytes", "rss_kb", "anon_kb"]
EXTRA = {"custos": ["audit_bytes", "timeline_bytes"]}
# key, label, unit, scale; rows without a ratio to other engines have no ratio columns.
METRICS = [
    ("load_customers_s", "load the customers, not a target", "s", 1.0),
    ("append_batched_us", "append events, 1,000 per commit", "µs", 1.0),
    ("append_rate", "the same, in events per second", "ev/s", 1.0),
    ("list_recent_us", "list 100 most recent events, texts read", "µs", 1.0),
    ("append_durable_us", "append one event, own commit", "µs", 1.0),
    ("file_bytes", "file size, audit log included", "MiB", MIB),
    ("audit_bytes", "of which the audit log", "MiB", MIB),
    ("timeline_bytes", "of which the timeline and its metrics", "MiB", MIB),
    ("data_bytes", "file size without the audit log", "MiB", MIB),
    ("rss_kb", "peak resident memory", "MiB", MIB_KB),
    ("anon_kb", "resident heap at the end", "MiB", MIB_KB),
]
NO_RATIO = ("append_rate", "audit_bytes", "timeline_bytes")
# (metric row, other engine, "≥" or "≤", bound, as printed, ratio of one run), as W1's.
TARGETS = [
    ("append_batched_us", "sqlcipher", "≥", 2.0, "≥ 2× SQLCipher", versus("append_batched_us", "sqlcipher")),
    ("append_batched_us", "sqlite", "≥", 0.8, "≥ 0.8× SQLite", versus("append_batched_us", "sqlite")),
    ("list_recent_us", "sqlcipher", "≥", 3.0, "≥ 3× SQLCipher", versus("list_recent_us", "sqlcipher")),
    ("list_recent_us", "sqlite", "≥", 1.0, "≥ 1× SQLite", versus("list_recent_us", "sqlite")),
    ("append_durable_us", "sqlite-full", "≥", 1.0, "≥ 1× SQLite FULL", versus("append_durable_us", "sqlite-full")),
    ("file_bytes", "sqlcipher", "≤", 2.0, "≤ 2× SQLCipher", versus("file_bytes", "sqlcipher")),
]
SPAN_DAYS = 730  # the events' two years, as w2_common.c spreads them


def engine_command(args, engine, store, phase=None):
    cmd = [os.path.join(args.build, "bench", "w2-" + engine), "--dir", store, "--customers", str(args.customers),
           "--events", str(args.events), "--listings", str(args.listings), "--durable", str(args.durable),
           "--seed", str(args.seed), "--end", str(args.end)]
    return cmd + (["--phase", phase] if phase else [])


def required(engine):
    return COMMON + EXTRA.get(engine, [])


def derive(r):
    r["append_rate"] = 1e6 / r["append_batched_us"]
    r["data_bytes"] = r["file_bytes"] - r.get("audit_bytes", 0.0)


def check_agreement(args, results):
    """Figures mean something only when every engine stored and listed the same events and
    keeps the same metrics: refuse them otherwise."""
    first = results["custos"][0]
    for key in AGREE:
        seen = {(e, i): r[key] for e, runs in results.items() for i, r in enumerate(runs)}
        if len(set(seen.values())) > 1:
            sys.exit("w2: the engines disagree on %s: %s" % (key, ", ".join(
                "%s (run %d) %d" % (e, i + 1, v) for (e, i), v in sorted(seen.items()))))
    if first["events_stored"] != args.events + args.durable:
        sys.exit("w2: the engines stored %d events of %d" % (first["events_stored"], args.events + args.durable))
    if first["listed_events"] > 100 * args.listings or first["listed_events"] == 0:
        sys.exit("w2: the engines listed %d events in %d listings of at most 100"
                 % (first["listed_events"], args.listings))


def header_lines(args, versions, markdown, results=None):
    date = datetime.date.today().isoformat()
    heavy = max(args.customers // 100, 1)
    end = datetime.datetime.fromtimestamp(args.end, datetime.timezone.utc).date()
    c = results["custos"][0] if results else None
    lines = [
        "W2: %s customers (10,000 per commit), then %s events appended 1,000 per commit with every metric kept "
        "current (the first %s customers receive a fifth of them), %s listings of the 100 most recent events of "
        "one of those, %s events appended each in its own commit; events from %s to %s; %d run(s) per engine; %s"
        % (format(args.customers, ","), format(args.events, ","), format(heavy, ","), format(args.listings, ","),
           format(args.durable, ","), end - datetime.timedelta(days=SPAN_DAYS), end, args.runs, date),
        "machine: %s" % w1.machine(args.workdir),
        "libraries: %s" % w1.library_versions(versions),
        "durability: custos: LMDB with MDB_NOMETASYNC (CUSTOS_DURABILITY_NORMAL: data synced at every commit, "
        "the meta page at the next one); SQLite FULL: WAL synced at every commit; SQLite and SQLCipher: WAL, "
        "synchronous=NORMAL (synced at checkpoints only)",
        "memory: custos' peak includes its memory-mapped file and Argon2id's 256 MiB at unlock; the heap row "
        "is anonymous memory only",
    ]
    if c:
        lines.append("checked alike in every engine and run: %s events stored; %s listed, %s bytes of text; "
                     "customer 1: %d orders, %d points, %.2f HKD spent"
                     % (format(int(c["events_stored"]), ","), format(int(c["listed_events"]), ","),
                        format(int(c["listed_bytes"]), ","), c["check_orders"], c["check_points"],
                        c["check_spend_hkd"] / 100))
    return w1.header_form(lines, markdown)


def describe_profile(args, engine, phase):
    return "profile of %s, phase %s: %s customers, %s events, %s listings, %s durable appends" % (
        engine, phase, format(args.customers, ","), format(args.events, ","), format(args.listings, ","),
        format(args.durable, ","))


def workload(results=None):
    return w1.Workload(
        prefix="w2", engines=ENGINES, names=NAMES, metrics=METRICS, no_ratio=NO_RATIO, targets=TARGETS,
        command=engine_command, required=required, derive=derive,
        header=lambda args, versions, markdown: header_lines(args, versions, markdown, results),
        ratio_note="speed other/custos (above 1: custos is faster); size custos/other",
        footnote="Figures are medians; ratios median (min–max) over the runs. Speed ratios are other/custos "
                 "(above 1: custos is faster); size ratios are custos/other. A target met by less than 10% is "
                 "met, narrowly.",
        phases=PHASES, profile_keys=TIMES + ["file_bytes"], describe=describe_profile)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build-release")
    ap.add_argument("--customers", type=int, default=None,
                    help="customers (default 100,000; 20,000 with --profile)")
    ap.add_argument("--events", type=int, default=None,
                    help="events appended 1,000 per commit (default 2,000,000; 200,000 with --profile)")
    ap.add_argument("--listings", type=int, default=5000, help="listings of 100 events (default 5,000)")
    ap.add_argument("--durable", type=int, default=1000, help="events appended one per commit (default 1,000)")
    ap.add_argument("--seed", type=int, default=1, help="of the event generator (default 1)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated engines to run; custos always runs (default: all)")
    ap.add_argument("--workdir", default=None, help="where the stores are made (default: a temporary directory)")
    ap.add_argument("--markdown", action="store_true", help="print the README's table")
    ap.add_argument("--quiet", action="store_true")
    w1.add_profile_options(ap, PHASES)
    args = ap.parse_args()
    if args.customers is None:
        args.customers = 20000 if args.profile else 100000
    if args.events is None:
        args.events = 200000 if args.profile else 2000000
    # One end for every engine and run, so that a run over midnight still compares the same events.
    args.end = int(time.time()) // 86400 * 86400
    if args.profile:
        return w1.profile(args, workload())
    chosen = w1.choose_engines(ap, args, ENGINES)
    results, versions = w1.run_interleaved(args, chosen, workload())
    check_agreement(args, results)
    wl = workload(results)
    if args.markdown:
        w1.print_markdown(args, results, versions, wl)
    else:
        w1.print_text(args, results, versions, wl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
