#!/usr/bin/env python3
"""Workload W3: the lifecycle on custos — maintenance, erasure and subject export against their targets.

bench/w3_custos.c loads the W1 customers (10,000 per commit) and gives each two purchases
through write batches (every hundredth customer's are 200 days old, the others' at most
30), then measures:
  maintain   custos_maintain() over every customer with one policy (active -> dormant
             after 180 days without a purchase or contact), so 1% change state: its wall
             and CPU time, and the longest of its write transactions;
  erase      customers with 20 events each erased one per durable commit, against
             creating them (the customer alone, one durable commit) and their 20 events
             (one write batch);
  export     custos_subject_export() of customers with 100 events each.
It runs several times in fresh directories; every figure is the median (min-max) of the
runs. Durability is CUSTOS_DURABILITY_NORMAL, as in W1.

The targets:
  custos_maintain() over 1,000,000 customers, 1% changing state   <= 10 s on one core
  ... in write transactions that hold the writer                  <= 100 ms each
  erasing a customer with 20 events                               <= 2x creating it
  exporting a customer with 100 events                            <= 1 ms
A target met by less than 10% is "met, narrowly".

    python3 bench/w3.py [--build build-release] [--customers 1000000] [--runs 3] [--markdown]
"""
import argparse
import datetime
import statistics
import sys

import w1

KEYS = ["load_customers_s", "load_purchases_s", "maintain_s", "maintain_cpu_s", "maintain_examined",
        "maintain_moved", "maintain_batches", "maintain_longest_batch_ms", "create_us", "create_events_us",
        "erase_us", "export_us", "export_bytes", "rss_kb", "anon_kb"]
# key, label, unit, target (op, bound, text) or None
ROWS = [
    ("load_customers_s", "load the customers, not a target", "s", None),
    ("load_purchases_s", "append two purchases each, 1,000 per commit, not a target", "s", None),
    ("maintain_s", "custos_maintain(), wall time", "s", ("≤", 10.0, "≤ 10 s")),
    ("maintain_cpu_s", "custos_maintain(), CPU time of the process", "s", None),
    ("maintain_moved", "customers it moved", "", None),
    ("maintain_batches", "its write transactions", "", None),
    ("maintain_longest_batch_ms", "the longest of them", "ms", ("≤", 100.0, "≤ 100 ms")),
    ("create_us", "create a customer, own durable commit", "µs", None),
    ("create_events_us", "append its 20 events, one write batch", "µs", None),
    ("erase_us", "erase a customer with 20 events, own durable commit", "µs", None),
    ("erase_ratio", "erase / create", "×", ("≤", 2.0, "≤ 2× creating it")),
    ("erase_ratio_all", "erase / (create + its events)", "×", None),
    ("export_us", "subject export, 100 events", "µs", ("≤", 1000.0, "≤ 1 ms")),
    ("export_bytes", "its JSON", "bytes", None),
    ("rss_kb", "peak resident memory", "MiB", None),
]


class Workload:
    prefix = "w3"

    def __init__(self, args):
        self.args = args

    def command(self, args, engine, store):
        exe = "%s/bench/w3-custos" % args.build
        return [exe, "--dir", store, "--customers", str(args.customers), "--erase", str(args.erase),
                "--exports", str(args.exports)]

    def required(self, engine):
        return KEYS

    def derive(self, r):
        r["erase_ratio"] = r["erase_us"] / r["create_us"]
        r["erase_ratio_all"] = r["erase_us"] / (r["create_us"] + r["create_events_us"])
        r["rss_kb"] = r["rss_kb"] * w1.MIB_KB


def verdict(values, target, markdown):
    op, bound, text = target
    med = statistics.median(values)
    margin = bound / med - 1 if op == "≤" else med / bound - 1
    status = "MISSED" if margin < 0 else "met, narrowly" if margin < w1.NARROW else "met"
    if markdown:
        return "%s: %s (%s)" % (text, "**MISSED**" if status == "MISSED" else status,
                                ("%+.0f%%" % (margin * 100)).replace("-", "−"))
    return "%s: %s (%+.0f%%)" % (text, status, margin * 100)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build-release")
    ap.add_argument("--customers", type=int, default=1000000)
    ap.add_argument("--erase", type=int, default=200, help="customers erased (default 200)")
    ap.add_argument("--exports", type=int, default=1000, help="subject exports (default 1,000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default=None, help="where the stores are made (default: a temporary directory)")
    ap.add_argument("--markdown", action="store_true", help="print the README's table")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    if args.customers < 100 or args.customers % 100:
        ap.error("--customers must be a multiple of 100 (1% of them change state)")
    wl = Workload(args)
    runs, versions = [], {}
    for i in range(args.runs):
        if not args.quiet:
            print("run %d/%d: custos ..." % (i + 1, args.runs), file=sys.stderr, flush=True)
        r, v = w1.run_engine(args.build, "custos", args, wl)
        runs.append(r)
        versions.update(v)
    for r in runs:
        if r["maintain_moved"] != args.customers // 100 or r["maintain_examined"] < args.customers:
            sys.exit("w3: maintenance moved %d of %d customers: not the 1%% the workload sets up"
                     % (r["maintain_moved"], r["maintain_examined"]))
    sep = "–" if args.markdown else "-"
    head = ["W3: %s customers with two purchases each (1%% of them 200 days old), %s erasures, %s exports; "
            "%d run(s); %s" % (format(args.customers, ","), format(args.erase, ","), format(args.exports, ","), args.runs,
                               datetime.date.today().isoformat()),
            "machine: %s" % w1.machine(args.workdir),
            "libraries: %s" % w1.library_versions(versions),
            "durability: LMDB with MDB_NOMETASYNC (CUSTOS_DURABILITY_NORMAL: data synced at every commit, the "
            "meta page at the next one)"]
    lines = w1.header_form(head, args.markdown)
    if args.markdown:
        lines += ["", "| operation | custos | target |", "|---|---|---|"]
    for key, label, unit, target in ROWS:
        vals = [r[key] for r in runs]
        cell = w1.stats(vals, sep=sep) if unit not in ("", "bytes") else format(int(statistics.median(vals)), ",")
        name = "%s (%s)" % (label, unit) if unit and unit != "bytes" else label
        check = verdict(vals, target, args.markdown) if target else ""
        if args.markdown:
            lines.append("| %s | %s | %s |" % (name, cell, check))
        else:
            lines.append("%-62s %-28s %s" % (name, cell, check))
    if args.markdown:
        lines += ["", "Figures are medians (min–max) over the runs. A target met by less than 10% is met, narrowly."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
