#!/usr/bin/env python3
"""Generate src/model/phone_data.h, the numbering plans phone.c checks numbers against.

    git -C libphonenumber show 1b411cef61875cdb35e543514eaa499db5893c95:resources/PhoneNumberMetadata.xml \\
        > PhoneNumberMetadata.xml
    /usr/bin/python3 tools/gen_phone.py PhoneNumberMetadata.xml 9.0.35 > src/model/phone_data.h
    /usr/bin/python3 tools/gen_phone.py --examples PhoneNumberMetadata.xml 9.0.35 \\
        > tests/data/phone_examples.txt

Source and licence. The input is resources/PhoneNumberMetadata.xml of Google's libphonenumber
(https://github.com/google/libphonenumber), release 9.0.35, Copyright (C) 2009 The
Libphonenumber Authors, licensed under the Apache License, Version 2.0 (LICENSES/Apache-2.0.txt).
Only its data is used: this script reads the XML with Python's standard library and writes
tables; no libphonenumber code is copied or translated. The SHA-256 of the XML this was run on
is written into the header, so a regenerated header shows whether its input changed.

What is taken, per territory (region, or "001" for the non-geographic codes such as +800):
  - the country calling code, the territory's English short name (the comment before it);
  - the national number patterns and national possible lengths of the ten number types
    libphonenumber classifies (fixed line, mobile, toll free, premium rate, shared cost,
    personal number, VoIP, pager, UAN, voicemail); noInternationalDialling is left out;
  - the local-only lengths (numbers dialled without their area code);
  - the international prefix (IDD), and the national (trunk) prefix with its parsing rule
    nationalPrefixForParsing / nationalPrefixTransformRule where the rule is simple (below).

How the patterns are compiled. A valid number is one that some type of its calling code
accepts: its length is one of the type's national lengths and the type's pattern matches it
entirely (libphonenumber's "valid number", regardless of which region of a shared code it is
in). The patterns use a small regular language: digits, [..] digit sets, \\d, (?:..) and (..)
groups, alternation and the bounded quantifiers ? and {n,m}; every language is finite. Each
calling code's types are compiled together into one deterministic automaton over the ten
digits (subset construction with the depth in the state, so lengths can be checked), which is
minimised and then flattened into a list of entries, each a leading-digit prefix and the set
of lengths it allows: "9[0-8]:8" reads "numbers of 8 digits that start with 9 and then a
digit from 0 to 8". Within a length the prefixes come from the automaton's paths up to the
first state after which every digit string of the remaining length is accepted, so the list
is exact, not an approximation. An entry in the C strings is

    entry   = prefix ":" lengths       entries are separated by one space
    prefix  = { digit | "x" | "[" set "]" }     x: any digit; set: digits and ranges "a-b"
    lengths = length { "," length }    length: a number, or a range "a-b"

This was chosen over embedding the regular expressions with a matcher in C because the C side
then needs no regular expression engine at all (a dozen lines walk the entries), the same
walk answers the questions the error messages need (which lengths numbers starting with these
digits have; after how many digits no number matches any more), and the data stays readable
next to the XML. It is about 60 KB, the size of the patterns themselves.

The same form holds the prefixes matched at the start of a number: the IDD ("00:2 001:3"),
the trunk prefixes to remove ("0:1"), and the local numbers a region completes with its area
code (libphonenumber's "(P)$" rules, such as Guernsey's 6-digit numbers getting "1481").

Trunk-prefix parsing rules. nationalPrefixForParsing defaults to nationalPrefix. Without a
transform rule the whole match is removed. With one, an alternative "(P)$" whose group is kept
with digits in front (rule "D$1") is a local number completed with D; one kept as it is
(rule "$1", Japan's 000 numbers) needs nothing, since an unchanged number is always tried; a
rule "$N" whose group N ends the alternative removes what comes before the group, but only
when what follows starts with something group N matches (Gabon's 0 before 11, 60, ...;
Brazil's 0 or 90 and a carrier code before 10 or 11 digits; without the optional carrier
code, Brazil's 0 or 90 alone). Any other rule is not parsed and the plain nationalPrefix is
removed instead; such regions are listed in the header (Argentina: a mobile number written
nationally with 15 must be written +54 9 ...).

Regions. Every ISO 3166-1 alpha-2 region (and XK) is a default region. Seven have no territory
in the metadata and use the plan they dial through: AQ and HM Norfolk Island's +672, BV
Norway's +47, GS the Falklands' +500, PN New Zealand's +64, TF Reunion's +262, UM the United
States' +1. AC and TA
are territories of the metadata but not ISO regions: their numbers are valid under +247 and
+290, they are not default regions. A calling code the ITU assigned but the metadata lacks
(+997) is checked for its length only, by phone.c.

Self-check (any failure exits 1 before anything is written): a Python model that reads only
the emitted strings is compared with Python's re module, pattern by pattern, on every
example number of every type of every territory (all must be valid), on each of them with
one digit changed, one dropped and one added, and on 200 random digit strings per calling
code and length; the prefix tables likewise on their own languages. --examples writes the
example numbers and a set of numbers that must be refused (variants the patterns reject),
which tests/check_phone.c runs through the C code.
"""
import collections
import hashlib
import random
import re
import sys
import xml.etree.ElementTree as ET

TYPES = ["fixedLine", "mobile", "tollFree", "premiumRate", "sharedCost", "personalNumber", "voip",
         "pager", "uan", "voicemail"]
MAX_LEN = 17          # the longest national number the metadata allows
SOURCE_COMMIT = "1b411cef61875cdb35e543514eaa499db5893c95"
ALIASES = {           # ISO regions without a territory: (the territory whose plan they use, name)
    "AQ": ("NF", "Antarctica"),
    "BV": ("NO", "Bouvet Island"),
    "GS": ("FK", "South Georgia & South Sandwich Islands"),
    "HM": ("NF", "Heard & McDonald Islands"),
    "PN": ("NZ", "Pitcairn Islands"),
    "TF": ("RE", "French Southern Territories"),
    "UM": ("US", "U.S. Outlying Islands"),
}
NOT_DEFAULT = {"AC", "TA"}   # territories that are not ISO 3166-1 regions
SEED = 20261123


def fail(msg):
    sys.stderr.write("gen_phone.py: self-check failed: %s\n" % msg)
    sys.exit(1)


# ---- the pattern language ----

class Parser:
    """Parses the subset of regular expressions the metadata uses into a tree:
    ("set", mask) | ("seq", [..]) | ("alt", [..]) | ("rep", node, lo, hi) |
    ("group", node, capture number or 0) | ("end",)"""

    def __init__(self, text):
        self.t = re.sub(r"\s", "", text)
        self.i = 0
        self.groups = 0

    def parse(self):
        node = self.alt()
        if self.i != len(self.t):
            raise ValueError("unexpected %r in %s" % (self.t[self.i], self.t))
        return node

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want=None):
        c = self.peek()
        if c is None or (want is not None and c != want):
            raise ValueError("expected %r at %d in %s" % (want, self.i, self.t))
        self.i += 1
        return c

    def alt(self):
        alts = [self.seq()]
        while self.peek() == "|":
            self.take()
            alts.append(self.seq())
        return ("alt", alts) if len(alts) > 1 else alts[0]

    def seq(self):
        items = []
        while self.peek() not in (None, "|", ")"):
            items.append(self.quantified())
        return ("seq", items)

    def quantified(self):
        node = self.atom()
        while True:
            if self.peek() == "?":
                self.take()
                node = ("rep", node, 0, 1)
            elif self.peek() == "{":
                m = re.match(r"\{(\d+)(?:,(\d+))?\}", self.t[self.i:])
                if not m:
                    raise ValueError("bad quantifier in " + self.t)
                self.i += m.end()
                lo = int(m.group(1))
                node = ("rep", node, lo, int(m.group(2)) if m.group(2) else lo)
            else:
                return node

    def atom(self):
        c = self.take()
        if c == "(":
            cap = 0
            if self.t.startswith("?:", self.i):
                self.i += 2
            else:
                self.groups += 1
                cap = self.groups
            node = self.alt()
            self.take(")")
            return ("group", node, cap)
        if c == "[":
            mask = 0
            while self.peek() != "]":
                a = int(self.take())
                if self.peek() == "-":
                    self.take()
                    b = int(self.take())
                    for d in range(a, b + 1):
                        mask |= 1 << d
                else:
                    mask |= 1 << a
            self.take("]")
            return ("set", mask)
        if c == "\\":
            self.take("d")
            return ("set", 0x3FF)
        if c.isdigit():
            return ("set", 1 << int(c))
        if c == "$":
            return ("end",)
        raise ValueError("unsupported %r in %s" % (c, self.t))


def parse(text):
    return Parser(text).parse()


def python_regex(node):
    """The tree back as a Python pattern (captures dropped), for the self-check."""
    k = node[0]
    if k == "set":
        ds = [str(d) for d in range(10) if node[1] >> d & 1]
        return ds[0] if len(ds) == 1 else "[" + "".join(ds) + "]"
    if k == "seq":
        return "".join(python_regex(x) for x in node[1])
    if k == "alt":
        return "(?:" + "|".join(python_regex(x) for x in node[1]) + ")"
    if k == "rep":
        return "(?:%s){%d,%d}" % (python_regex(node[1]), node[2], node[3])
    if k == "group":
        return "(?:" + python_regex(node[1]) + ")"
    raise ValueError("no Python form for " + k)


class NFA:
    def __init__(self):
        self.eps, self.edges = [], []

    def state(self):
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def add(self, node, a, b):
        k = node[0]
        if k == "set":
            self.edges[a].append((node[1], b))
        elif k == "seq":
            cur = a
            for x in node[1]:
                nxt = self.state()
                self.add(x, cur, nxt)
                cur = nxt
            self.eps[cur].append(b)
        elif k == "alt":
            for x in node[1]:
                self.add(x, a, b)
        elif k == "group":
            self.add(node[1], a, b)
        elif k == "rep":
            _, x, lo, hi = node
            cur = a
            for i in range(hi):
                if i >= lo:
                    self.eps[cur].append(b)
                nxt = self.state()
                self.add(x, cur, nxt)
                cur = nxt
            self.eps[cur].append(b)
        else:
            raise ValueError("'%s' cannot be compiled here" % k)

    def closure(self, states):
        todo, seen = list(states), set(states)
        while todo:
            for y in self.eps[todo.pop()]:
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        return frozenset(seen)


class Automaton:
    """A minimal deterministic automaton over digits for the union of (tree, lengths)
    languages; lengths None means any length. next[s][d] is a state or None."""

    def __init__(self, parts):
        nfa = NFA()
        start = nfa.state()
        accepts = []
        for tree, lengths in parts:
            acc = nfa.state()
            nfa.add(tree, start, acc)
            accepts.append((acc, lengths))
        first = (nfa.closure([start]), 0)
        index, order, rows = {first: 0}, [first], []
        while len(rows) < len(order):
            subset, depth = order[len(rows)]
            row = []
            for d in range(10):
                nxt = {y for x in subset for mask, y in nfa.edges[x] if mask >> d & 1}
                if not nxt or depth == MAX_LEN:
                    row.append(None)
                    continue
                key = (nfa.closure(nxt), depth + 1)
                if key not in index:
                    index[key] = len(order)
                    order.append(key)
                row.append(index[key])
            rows.append(row)
        final = [any(a in s and (ls is None or depth in ls) for a, ls in accepts) for s, depth in order]
        self._minimise(rows, final)

    def _minimise(self, rows, final):
        # The automaton is acyclic: two states are equivalent when they agree on acceptance
        # and lead to equivalent states, which canonicalising bottom-up finds.
        canon, memo = {}, {}
        self.next, self.final = [], []

        def visit(x):
            if x is None:
                return None
            if x not in memo:
                key = (final[x], tuple(visit(y) for y in rows[x]))
                if key not in canon:
                    canon[key] = len(self.next)
                    self.next.append(key[1])
                    self.final.append(key[0])
                memo[x] = canon[key]
            return memo[x]

        self.start = visit(0)
        self.lens = [0] * len(self.next)
        for s in range(len(self.next)):   # children are numbered before their parents
            m = 1 if self.final[s] else 0
            for y in self.next[s]:
                if y is not None:
                    m |= self.lens[y] << 1
            self.lens[s] = m

    def accepts(self, digits):
        s = self.start
        for c in digits:
            s = self.next[s][int(c)]
            if s is None:
                return False
        return self.final[s]

    def complete(self, s, r, memo):
        """Does state s accept every digit string of length r (and its continuations matter not)?"""
        key = (s, r)
        if key not in memo:
            if r == 0:
                memo[key] = self.final[s]
            else:
                memo[key] = all(y is not None and self.complete(y, r - 1, memo) for y in self.next[s])
        return memo[key]

    def entries(self):
        """[(prefix masks, lengths bitmask)]: the flattened form described above."""
        out = collections.OrderedDict()
        memo = {}
        for length in range(0, MAX_LEN + 1):
            if not self.lens[self.start] >> length & 1:
                continue
            stack = [(self.start, ())]
            while stack:
                s, prefix = stack.pop()
                rest = length - len(prefix)
                if self.complete(s, rest, memo):
                    out[prefix] = out.get(prefix, 0) | 1 << length
                    continue
                groups = collections.OrderedDict()
                for d, y in enumerate(self.next[s]):
                    if y is not None and self.lens[y] >> (rest - 1) & 1:
                        groups[y] = groups.get(y, 0) | 1 << d
                for y, mask in reversed(list(groups.items())):
                    stack.append((y, prefix + (mask,)))
        return sorted(out.items(), key=lambda e: (min(bits(e[1])), [first_digit(m) for m in e[0]]))


def bits(mask):
    return [i for i in range(32) if mask >> i & 1]


def first_digit(mask):
    return min(bits(mask))


def mask_text(mask):
    if mask == 0x3FF:
        return "x"
    ds = bits(mask)
    if len(ds) == 1:
        return str(ds[0])
    return "[" + runs(ds, "", "-") + "]"


def runs(values, sep, dash):
    """1,2,3,5 -> '1-35' (sep '') or '1-3,5' (sep ','): runs of three or more as ranges."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            out.append("%d%s%d" % (values[i], dash, values[j]))
        else:
            out.extend(str(v) for v in values[i:j + 1])
        i = j + 1
    return sep.join(out)


def entries_text(entries):
    return " ".join("".join(mask_text(m) for m in prefix) + ":" + runs(bits(lens), ",", "-")
                    for prefix, lens in entries)


# ---- a Python copy of the C walk, reading only the emitted strings ----

def parse_entries(text):
    out = []
    for e in text.split(" ") if text else []:
        prefix, lens = e.split(":")
        masks, i = [], 0
        while i < len(prefix):
            c = prefix[i]
            if c == "x":
                masks.append(0x3FF)
                i += 1
            elif c == "[":
                j = prefix.index("]", i)
                m, k, body = 0, 0, prefix[i + 1:j]
                while k < len(body):
                    if k + 2 < len(body) and body[k + 1] == "-":
                        for d in range(int(body[k]), int(body[k + 2]) + 1):
                            m |= 1 << d
                        k += 3
                    else:
                        m |= 1 << int(body[k])
                        k += 1
                masks.append(m)
                i = j + 1
            else:
                masks.append(1 << int(c))
                i += 1
        lm = 0
        for part in lens.split(","):
            a, _, b = part.partition("-")
            for n in range(int(a), int(b or a) + 1):
                lm |= 1 << n
        out.append((masks, lm))
    return out


def model_lengths(entries, digits):
    """Lengths >= len(digits) of the numbers that start with digits (the C plan_lengths)."""
    k, m = len(digits), 0
    for masks, lens in entries:
        if all(masks[i] >> int(digits[i]) & 1 for i in range(min(k, len(masks)))):
            m |= lens
    return m & ~((1 << k) - 1)


def model_valid(entries, digits):
    return bool(model_lengths(entries, digits) >> len(digits) & 1)


def model_prefixes(entries, digits):
    """Lengths L such that digits[:L] is in the language (the C prefix_lengths)."""
    m = 0
    for masks, lens in entries:
        if len(masks) <= len(digits) and all(masks[i] >> int(digits[i]) & 1 for i in range(len(masks))):
            m |= lens & ((2 << len(digits)) - 1)
    return m


# ---- reading the metadata ----

def lengths_of(text):
    out = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"\[(\d+)-(\d+)\]", part)
        if m:
            out |= set(range(int(m.group(1)), int(m.group(2)) + 1))
        else:
            out.add(int(part))
    return out


def territory_names(xml_text):
    names = {}
    for m in re.finditer(r'<!--\s*([^<>]*?)\s*-->\s*(?:<!--[^<>]*?-->\s*)*<territory\s+id="(\w+)"', xml_text):
        names.setdefault(m.group(2), re.sub(r"\s*\([A-Z]{2}\)$", "", m.group(1)))
    return names


def read_metadata(path):
    with open(path, "rb") as f:
        raw = f.read()
    names = territory_names(raw.decode("utf-8"))
    root = ET.fromstring(raw)
    terrs = []
    for te in root.find("territories"):
        a = te.attrib
        t = {"id": a["id"], "cc": int(a["countryCode"]), "name": names.get(a["id"], ""),
             "main": a.get("mainCountryForCode") == "true", "idd": a.get("internationalPrefix"),
             "np": a.get("nationalPrefix"), "npp": a.get("nationalPrefixForParsing"),
             "rule": a.get("nationalPrefixTransformRule"), "types": [], "local_only": set()}
        for ty in TYPES:
            e = te.find(ty)
            if e is None or e.find("nationalNumberPattern") is None:
                continue
            pl = e.find("possibleLengths")
            lens = lengths_of(pl.get("national")) if pl is not None else set()
            if pl is not None:
                t["local_only"] |= lengths_of(pl.get("localOnly"))
            if not lens:
                fail("%s %s has no national lengths" % (t["id"], ty))
            pat = e.find("nationalNumberPattern").text
            t["types"].append({"type": ty, "tree": parse(pat), "lengths": lens,
                               "regex": re.compile(re.sub(r"\s", "", pat)),
                               "example": (e.findtext("exampleNumber") or "").strip()})
        terrs.append(t)
    return hashlib.sha256(raw).hexdigest(), terrs


# ---- trunk-prefix rules ----

def alternatives(node):
    return node[1] if node[0] == "alt" else [node]


def has_capture(node):
    k = node[0]
    if k == "group":
        return node[2] != 0 or has_capture(node[1])
    if k in ("seq", "alt"):
        return any(has_capture(x) for x in node[1])
    if k == "rep":
        return has_capture(node[1])
    return False


def has_end(node):
    k = node[0]
    if k == "end":
        return True
    if k in ("seq", "alt"):
        return any(has_end(x) for x in node[1])
    if k in ("rep", "group"):
        return has_end(node[1])
    return False


def final_group(node, n):
    """When capture group n is what node ends with: [(what comes before it, the group's
    tree, or None where an optional part holding the group is left out)]; else None."""
    k = node[0]
    if k == "group" and node[2] == n:
        return [(("seq", []), node[1])]
    if k == "group":
        return final_group(node[1], n)
    if k == "seq" and node[1]:
        last = final_group(node[1][-1], n)
        return last and [(("seq", node[1][:-1] + [before]), guard) for before, guard in last]
    if k == "rep" and node[2] == 0 and node[3] == 1:
        inner = final_group(node[1], n)
        return inner and [(("seq", []), None)] + inner
    return None


def trunk_rules(t):
    """{"strip": prefixes removed, "guarded": prefixes removed only when what follows starts
    with "guard" (trees or None), "local": (tree, digits) or None, "parsed": False when the
    rule is not understood and the plain national prefix is removed instead}."""
    out = {"strip": None, "guarded": None, "guard": None, "local": None, "parsed": True}
    npp = t["npp"] if t["npp"] is not None else t["np"]
    if not npp:
        return out
    tree, rule = parse(npp), t["rule"]
    if rule is None:
        if has_end(tree):
            fail("%s: '$' in a prefix without a transform rule" % t["id"])
        out["strip"] = tree
        return out
    m = re.fullmatch(r"(\d*)\$(\d)", rule)
    strip, guarded, guards = [], [], set()
    for alt in alternatives(tree):
        items = alt[1] if alt[0] == "seq" else [alt]
        if m and len(items) == 2 and items[0][0] == "group" and items[0][2] and items[1] == ("end",):
            if int(m.group(2)) != items[0][2]:
                break
            if m.group(1):
                out["local"] = (items[0][1], m.group(1))
            continue                        # "$1" alone keeps the number: tried anyway
        if not has_capture(alt):
            strip.append(alt)
            continue
        parts = final_group(alt, int(m.group(2))) if m and not m.group(1) else None
        if parts is None or any(has_end(before) or guard is not None and has_end(guard) for before, guard in parts):
            break
        for before, guard in parts:
            if guard is None:
                strip.append(before)
            else:
                guarded.append(before)
                guards.add(python_regex(guard))
                out["guard"] = guard
    else:
        if len(guards) > 1:
            fail("%s: more than one guard" % t["id"])
        out["strip"] = ("alt", strip) if strip else None
        out["guarded"] = ("alt", guarded) if guarded else None
        return out
    out.update(strip=parse(t["np"]) if t["np"] else None, local=None, parsed=False)
    return out


def prefix_entries(tree, drop_empty=False):
    if tree is None:
        return []
    entries = Automaton([(tree, None)]).entries()
    return [(p, l & ~1) for p, l in entries if l & ~1] if drop_empty else entries


# ---- building ----

def build(terrs):
    by_cc = collections.OrderedDict()
    for t in sorted(terrs, key=lambda t: t["cc"]):
        by_cc.setdefault(t["cc"], []).append(t)
    plans = []
    for cc, ts in by_cc.items():
        parts = [(ty["tree"], ty["lengths"]) for t in ts for ty in t["types"]]
        auto = Automaton(parts)
        geo = [t for t in ts if t["id"] != "001"]
        name = geo[0]["name"] if len(geo) == 1 else ""
        main = [t for t in geo if t["main"] or len(geo) == 1]
        if len(geo) > 1 and len(main) != 1:
            fail("+%d has %d main regions" % (cc, len(main)))
        if main and main[0]["id"] in NOT_DEFAULT and trunk_rules(main[0])["strip"]:
            fail("+%d: its main region %s has a trunk prefix but is no default region" % (cc, main[0]["id"]))
        plans.append({"cc": cc, "entries": auto.entries(), "auto": auto, "name": name, "territories": ts,
                      "main": main[0]["id"] if main and main[0]["id"] not in NOT_DEFAULT else ""})
    regions, approximated = [], []
    by_id = {t["id"]: t for t in terrs if t["id"] != "001"}
    for rid in sorted(set(by_id) - NOT_DEFAULT | set(ALIASES)):
        src, name = (ALIASES[rid][0], ALIASES[rid][1]) if rid in ALIASES else (rid, by_id[rid]["name"])
        t = by_id[src]
        rules = trunk_rules(t)
        if not rules["parsed"]:
            approximated.append(rid)
        local = rules["local"]
        regions.append({
            "id": rid, "cc": t["cc"], "name": name, "local_only": t["local_only"], "alias": src if src != rid else "",
            "idd": prefix_entries(parse(t["idd"]) if t["idd"] else None),
            "trunk": prefix_entries(rules["strip"], True), "guarded": prefix_entries(rules["guarded"], True),
            "guard": prefix_entries(rules["guard"]), "local": prefix_entries(local[0] if local else None),
            "local_digits": local[1] if local else "", "t": t, "rules": rules})
    return plans, regions, approximated


# ---- self-check ----

def plan_reference(plan):
    types = [ty for t in plan["territories"] for ty in t["types"]]
    return lambda s: any(len(s) in ty["lengths"] and ty["regex"].fullmatch(s) for ty in types)


def variants(s, rng):
    """s with one digit changed, dropped or added: every position, two digits each."""
    out = set()
    for i in range(len(s) + 1):
        for d in rng.sample("0123456789", 2):
            out.add(s[:i] + d + s[i:])
            if i < len(s):
                out.add(s[:i] + d + s[i + 1:])
        out.add(s[:i] + s[i + 1:])
    out.discard("")
    return out


def by_first_digit(entries):
    """The entries each first digit can start (the C walk reads them all; this only saves time)."""
    return [[e for e in entries if not e[0] or e[0][0] >> d & 1] for d in range(10)]


def self_check(plans, regions):
    rng = random.Random(SEED)
    for plan in plans:
        entries = by_first_digit(parse_entries(entries_text(plan["entries"])))
        ref = plan_reference(plan)
        auto = plan["auto"]
        samples = set()
        for t in plan["territories"]:
            for ty in t["types"]:
                ex = ty["example"]
                if not ex:
                    continue
                if not model_valid(entries[int(ex[0])], ex):
                    fail("+%d: the %s example of %s is refused" % (plan["cc"], ty["type"], t["id"]))
                samples |= variants(ex, rng)
        for length in range(1, MAX_LEN + 1):
            for _ in range(200):
                samples.add("".join(rng.choice("0123456789") for _ in range(length)))
            for masks, lens in plan["entries"]:
                if lens >> length & 1 and len(masks) <= length:
                    samples.add("".join(str(rng.choice(bits(m))) for m in masks) +
                                "".join(rng.choice("0123456789") for _ in range(length - len(masks))))
        for s in samples:
            want = bool(ref(s))
            if model_valid(entries[int(s[0])], s) != want or auto.accepts(s) != want:
                fail("+%d: %s is %s by the patterns but not by the table" % (plan["cc"], s,
                     "accepted" if want else "refused"))
        for s in {s[:3] for s in samples}:
            if model_lengths(entries[int(s[0])], s) != auto_lengths(auto, s):
                fail("+%d: lengths after %s" % (plan["cc"], s))
    for r in regions:
        rules = r["rules"]
        for key, tree in (("idd", parse(r["t"]["idd"]) if r["t"]["idd"] else None), ("trunk", rules["strip"]),
                          ("guarded", rules["guarded"]), ("guard", rules["guard"]),
                          ("local", rules["local"][0] if rules["local"] else None)):
            if tree is None:
                continue
            entries = parse_entries(entries_text(r[key]))
            pattern = re.compile(python_regex(tree))
            for _ in range(3000):
                s = "".join(rng.choice("0123456789" if rng.random() < 0.5 else "0019") for _ in range(rng.randint(1, 14)))
                want = {n for n in range(0 if key not in ("trunk", "guarded") else 1, len(s) + 1)
                        if pattern.fullmatch(s[:n])}
                if key == "local":
                    got = model_valid(entries, s)
                    if got != (len(s) in want):
                        fail("%s: local number %s" % (r["id"], s))
                elif set(bits(model_prefixes(entries, s))) != want:
                    fail("%s: %s prefixes of %s: %s, want %s" % (r["id"], key, s, bits(model_prefixes(entries, s)), want))


def auto_lengths(auto, digits):
    s = auto.start
    for c in digits:
        s = auto.next[s][int(c)]
        if s is None:
            return 0
    return auto.lens[s] << len(digits)


# ---- output ----

def c_string(text, indent="\t\t"):
    """A long string as adjacent literals of at most 96 characters, broken at spaces."""
    if not text:
        return '""'
    lines, cur = [], ""
    for word in text.split(" "):
        piece = (" " if cur else "") + word
        if len(cur) + len(piece) > 96 and cur:
            lines.append(cur + " ")
            cur = word
        else:
            cur += piece
    lines.append(cur)
    return ("\n" + indent).join('"%s"' % line for line in lines)


def chunks(text, most=4000):
    """text split at spaces into pieces of at most `most` characters: C99 compilers need
    support string literals only up to 4095."""
    out, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) > most:
            out.append(cur)
            cur = word
        else:
            cur = cur + " " + word if cur else word
    return out + [cur]


def c_name(name):
    return name.replace("\\", "\\\\").replace('"', '\\"')


def emit(version, digest, plans, regions, approximated):
    w = sys.stdout.write
    w("/* Generated by tools/gen_phone.py from libphonenumber %s (PhoneNumberMetadata.xml of commit\n"
      " * %s, SHA-256 %s);\n"
      " * do not edit. The data is Copyright (C) 2009 The Libphonenumber Authors, licensed under the\n"
      " * Apache License, Version 2.0 (LICENSES/Apache-2.0.txt); tools/gen_phone.py explains what is\n"
      " * taken and the form of the strings below.\n"
      " * Regions whose trunk-prefix parsing rule is not parsed (their plain national prefix is\n"
      " * removed instead): %s. */\n" % (version, SOURCE_COMMIT, digest, ", ".join(approximated) or "none"))
    w("#ifndef CU_MODEL_PHONE_DATA_H\n#define CU_MODEL_PHONE_DATA_H\n\n")
    w('#define CU_PHONE_METADATA_VERSION "%s"\n\n' % version)
    w("/* A calling code and its valid national numbers (every type of every territory of the\n"
      " * code): entries \"prefix:lengths\". name: the one region of the code, \"\" when several\n"
      " * regions or none share it; main: the region whose trunk prefixes are removed after the\n"
      " * code (\"+44 (0)20\"), \"\" for none. Sorted by code. */\n")
    pieces = [chunks(entries_text(p["entries"])) for p in plans]
    most = max(len(x) for x in pieces)
    w("/* numbers is split in pieces of at most 4000 characters (a C99 limit); NULL ends it early. */\n")
    w("#define CU_PHONE_PIECES %d\n" % most)
    w("struct cu_phone_plan { unsigned short cc; const char *name; const char *main;\n"
      "\tconst char *numbers[CU_PHONE_PIECES]; };\n")
    w("static const struct cu_phone_plan cu_phone_plans[] = {\n")
    for p, piece in zip(plans, pieces):
        w("\t{ %d, \"%s\", \"%s\",\n\t\t{ %s } },\n" % (p["cc"], c_name(p["name"]), p["main"],
          ",\n\t\t".join(c_string(x) for x in piece) + (", NULL" if len(piece) < most else "")))
    w("};\n\n")
    w("/* A default region: ISO 3166-1 alpha-2 (and XK), sorted. idd: international prefixes;\n"
      " * trunk: national prefixes to remove; guarded: more, removed only when what follows starts\n"
      " * with one of guard; local, local_digits: numbers dialled without their area code and the\n"
      " * digits that complete them; local_only: bit n set when n-digit numbers without their\n"
      " * area code exist. Entries are \"prefix:lengths\", lengths of the prefix itself. */\n")
    w("struct cu_phone_region { char id[3]; unsigned short cc; const char *name; const char *idd;\n"
      "\tconst char *trunk; const char *guarded; const char *guard; const char *local; const char *local_digits;\n"
      "\tunsigned long local_only; };\n")
    w("static const struct cu_phone_region cu_phone_regions[] = {\n")
    for r in regions:
        lo = sum(1 << n for n in r["local_only"])
        w("\t{ \"%s\", %d, \"%s\", %s, %s,\n\t\t%s, %s,\n\t\t%s, \"%s\", 0x%XUL },%s\n" % (
            r["id"], r["cc"], c_name(r["name"]), c_string(entries_text(r["idd"])),
            c_string(entries_text(r["trunk"])), c_string(entries_text(r["guarded"])),
            c_string(entries_text(r["guard"])), c_string(entries_text(r["local"])), r["local_digits"], lo,
            "  /* the plan of %s */" % r["alias"] if r["alias"] else ""))
    w("};\n\n#endif\n")


def emit_examples(version, plans):
    w = sys.stdout.write
    w("# Generated by tools/gen_phone.py --examples from libphonenumber %s.\n"
      "# calling code, national number, region or 001, type or \"invalid\": every example number of\n"
      "# the metadata (all valid), then for each calling code up to 12 variants of its examples\n"
      "# (one digit changed, dropped or added) that the patterns refuse.\n" % version)
    rng = random.Random(SEED + 1)
    for p in plans:
        for t in p["territories"]:
            for ty in t["types"]:
                if ty["example"]:
                    w("%d %s %s %s\n" % (p["cc"], ty["example"], t["id"], ty["type"]))
    for p in plans:
        ref = plan_reference(p)
        bad = sorted({v for t in p["territories"] for ty in t["types"] if ty["example"]
                      for v in variants(ty["example"], rng) if not ref(v)})
        for v in sorted(rng.sample(bad, min(12, len(bad)))):
            w("%d %s %s invalid\n" % (p["cc"], v, p["territories"][0]["id"]))


def main():
    args = sys.argv[1:]
    examples = args[:1] == ["--examples"]
    if examples:
        args = args[1:]
    if len(args) != 2:
        sys.stderr.write("usage: gen_phone.py [--examples] PhoneNumberMetadata.xml VERSION\n")
        sys.exit(2)
    digest, terrs = read_metadata(args[0])
    plans, regions, approximated = build(terrs)
    self_check(plans, regions)
    if examples:
        emit_examples(args[1], plans)
    else:
        emit(args[1], digest, plans, regions, approximated)


if __name__ == "__main__":
    main()
