#!/usr/bin/env python3
"""Generate the Unicode tables of src/util/unicode.c, or the NFC test vectors.

    /usr/bin/python3 tools/gen_unicode.py > src/util/unicode_data.h
    /usr/bin/python3 tools/gen_unicode.py --vectors > tests/data/nfc_vectors.txt

Everything comes from the unicodedata module of the Python that runs this script (Python 3.11
has Unicode 14.0.0); the Unicode version is written into both outputs. The header holds:

  - canonical combining classes, as ranges of equal class;
  - full (recursive) canonical decompositions, each flagged when the code point is a full
    composition exclusion (NFC_Quick_Check=No);
  - primary composites: the canonical pairs that NFC recomposes;
  - the code points that can be the second of a pair (NFC_Quick_Check=Maybe);
  - simple lowercase mappings, as ranges with a common delta.

Hangul syllables are composed and decomposed arithmetically in C and are not in the tables.

Composition exclusions are derived rather than read from CompositionExclusions.txt (UAX #15):
a code point with a canonical decomposition is excluded when that decomposition is a
singleton, or starts with a non-starter (or the code point is one), or NFC does not keep the
code point (this last test covers the script-specific and post-composition-version lists).
Before anything is written, a self-check normalises every code point and a set of random
strings with a Python copy of the C algorithm that reads only the emitted tables, and
compares the results (and the quick check) with unicodedata. Any difference exits 1.
"""
import random
import sys
import unicodedata as ud

MAX_CP = 0x110000
S_BASE, L_BASE, V_BASE, T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
L_COUNT, V_COUNT, T_COUNT = 19, 21, 28
N_COUNT = V_COUNT * T_COUNT
S_COUNT = L_COUNT * N_COUNT
VECTOR_SEED = 20261123
RANDOM_VECTORS = 2000


def scalars():
    return (cp for cp in range(MAX_CP) if not 0xD800 <= cp <= 0xDFFF)


def is_syllable(cp):
    return S_BASE <= cp < S_BASE + S_COUNT


def ccc_of(cp):
    return ud.combining(chr(cp))


def canonical_step(cp):
    """The one-step canonical decomposition, or None (none, compatibility, or Hangul)."""
    d = ud.decomposition(chr(cp))
    if not d or d.startswith("<"):
        return None
    return [int(x, 16) for x in d.split()]


def full_decomposition(cp):
    step = canonical_step(cp)
    if step is None:
        return [cp]
    return [c for s in step for c in full_decomposition(s)]


def is_excluded(cp, step):
    singleton = len(step) == 1
    non_starter = ccc_of(cp) != 0 or ccc_of(step[0]) != 0
    not_kept = ud.normalize("NFC", chr(cp)) != chr(cp)
    return singleton or non_starter or not_kept


def simple_lower(cp):
    low = chr(cp).lower()
    if len(low) == 1:
        return ord(low)
    if cp == 0x130:
        return 0x69
    return cp


def ccc_ranges():
    out = []
    for cp in scalars():
        c = ccc_of(cp)
        if not c:
            continue
        if out and out[-1][1] == cp - 1 and out[-1][2] == c:
            out[-1][1] = cp
        else:
            out.append([cp, cp, c])
    return out


def lower_ranges(mappings):
    """Runs (first, last, stride, delta) of mappings with one delta and a stride of 1 or 2."""
    runs = []
    for cp, low in mappings:
        delta = low - cp
        if runs:
            r = runs[-1]
            step = cp - r[1]
            if r[3] == delta and ((r[0] == r[1] and step in (1, 2)) or step == r[2]):
                r[1], r[2] = cp, step
                continue
        runs.append([cp, cp, 1, delta])
    return runs


def build():
    t = {"ccc": ccc_ranges(), "decomp": [], "compose": [], "lower": []}
    multi = []
    for cp in scalars():
        step = canonical_step(cp)
        if step is not None:
            excl = is_excluded(cp, step)
            t["decomp"].append((cp, full_decomposition(cp), excl))
            if len(step) == 2 and not excl:
                t["compose"].append((step[0], step[1], cp))
        if len(chr(cp).lower()) > 1:
            multi.append(cp)
        low = simple_lower(cp)
        if low != cp:
            t["lower"].append((cp, low))
    if multi != [0x130]:
        fail("unexpected multi-code-point lowercase mappings: %s" % multi)
    t["compose"].sort()
    t["second"] = sorted({b for _, b, _ in t["compose"]})
    t["lower_runs"] = lower_ranges(t["lower"])
    t["decomp_max"] = max(len(d) for _, d, _ in t["decomp"])
    return t


# ---- a Python copy of the C algorithm, reading only the emitted tables ----

class Model:
    def __init__(self, t):
        self.ccc = {}
        for a, b, c in t["ccc"]:
            for cp in range(a, b + 1):
                self.ccc[cp] = c
        self.decomp = {cp: (d, excl) for cp, d, excl in t["decomp"]}
        self.compose = {(a, b): c for a, b, c in t["compose"]}
        self.second = set(t["second"])
        self.lower = {}
        for first, last, stride, delta in t["lower_runs"]:
            for cp in range(first, last + 1, stride):
                self.lower[cp] = cp + delta

    def decompose(self, cps):
        out = []
        for cp in cps:
            if is_syllable(cp):
                s = cp - S_BASE
                out += [L_BASE + s // N_COUNT, V_BASE + (s % N_COUNT) // T_COUNT]
                out += [T_BASE + s % T_COUNT] if s % T_COUNT else []
            else:
                out += self.decomp.get(cp, ([cp], False))[0]
        return out

    def reorder(self, cps):
        i = 0
        while i < len(cps):
            j = i
            while j < len(cps) and self.ccc.get(cps[j], 0):
                j += 1
            cps[i:j] = sorted(cps[i:j], key=lambda c: self.ccc.get(c, 0))
            i = j + 1
        return cps

    def pair(self, a, b):
        if L_BASE <= a < L_BASE + L_COUNT and V_BASE <= b < V_BASE + V_COUNT:
            return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT
        if is_syllable(a) and (a - S_BASE) % T_COUNT == 0 and T_BASE < b < T_BASE + T_COUNT:
            return a + (b - T_BASE)
        return self.compose.get((a, b))

    def recompose(self, cps):
        out, starter, last = [], None, 0
        for cp in cps:
            c = self.ccc.get(cp, 0)
            if starter is not None:
                adjacent = len(out) == starter + 1
                if adjacent or (last != 0 and last < c):
                    p = self.pair(out[starter], cp)
                    if p is not None:
                        out[starter] = p
                        continue
            if c == 0:
                starter = len(out)
            last = c
            out.append(cp)
        return out

    def nfc(self, s):
        cps = self.recompose(self.reorder(self.decompose([ord(ch) for ch in s])))
        return "".join(chr(c) for c in cps)

    def quick_check(self, s):
        """'yes', 'no' or 'maybe' (UAX #15, section 9)."""
        last, result = 0, "yes"
        for ch in s:
            cp = ord(ch)
            c = self.ccc.get(cp, 0)
            if c and last > c:
                return "no"
            if cp in self.decomp and self.decomp[cp][1]:
                return "no"
            if cp in self.second or V_BASE <= cp < V_BASE + V_COUNT or T_BASE < cp < T_BASE + T_COUNT:
                result = "maybe"
            last = c
        return result

    def is_nfc(self, s):
        q = self.quick_check(s)
        return q == "yes" or (q == "maybe" and self.nfc(s) == s)


def fail(msg):
    sys.stderr.write("gen_unicode.py: self-check failed: %s\n" % msg)
    sys.exit(1)


def self_check(t):
    m = Model(t)
    if t["decomp_max"] > 4:
        fail("a decomposition is longer than 4 code points")
    for cp in scalars():
        c = chr(cp)
        if m.nfc(c) != ud.normalize("NFC", c):
            fail("NFC of U+%04X" % cp)
        if m.is_nfc(c) != ud.is_normalized("NFC", c):
            fail("quick check of U+%04X" % cp)
        if m.lower.get(cp, cp) != simple_lower(cp):
            fail("lowercase of U+%04X" % cp)
        step = canonical_step(cp)
        if step is not None and is_excluded(cp, step) != (ud.normalize("NFC", c) != c):
            fail("exclusion derivation disagrees with NFC for U+%04X" % cp)
    for s in random_strings(random.Random(VECTOR_SEED + 1), 20000):
        if m.nfc(s) != ud.normalize("NFC", s):
            fail("NFC of %s" % hexs(s))
        if m.is_nfc(s) != ud.is_normalized("NFC", s):
            fail("quick check of %s" % hexs(s))


# ---- output ----

def emit_rows(w, rows, per_line):
    for i in range(0, len(rows), per_line):
        w("\t" + " ".join(rows[i:i + per_line]) + "\n")


def emit_header(t):
    w = sys.stdout.write
    w("/* Generated by tools/gen_unicode.py from Unicode %s (Python %d.%d unicodedata); do not edit.\n"
      " * Regenerate: /usr/bin/python3 tools/gen_unicode.py > src/util/unicode_data.h */\n"
      % (ud.unidata_version, sys.version_info[0], sys.version_info[1]))
    w("#ifndef CU_UTIL_UNICODE_DATA_H\n#define CU_UTIL_UNICODE_DATA_H\n\n#include <stdint.h>\n\n")
    w("#define CU_UNICODE_VERSION \"%s\"\n" % ud.unidata_version)
    w("/* Longest full canonical decomposition, in code points. */\n")
    w("#define CU_DECOMP_MAX %d\n\n" % t["decomp_max"])

    w("/* The first member of both range tables, so that one comparator serves both. */\n")
    w("struct cu_span { uint32_t first, last; };\n\n")
    w("/* Canonical combining classes other than 0: { { first, last }, class }. */\n")
    w("struct cu_ccc_range { struct cu_span span; uint8_t ccc; };\n")
    w("static const struct cu_ccc_range cu_ccc_ranges[] = {\n")
    emit_rows(w, ["{{0x%X,0x%X},%d}," % tuple(r) for r in t["ccc"]], 5)
    w("};\n\n")

    seq, rows = [], []
    for cp, d, excl in t["decomp"]:
        rows.append("{0x%X,%d,%d,%d}," % (cp, len(seq), len(d), int(excl)))
        seq.extend(d)
    w("/* Full canonical decompositions: { code point, offset in cu_decomp_seq, length, excluded }.\n"
      " * excluded: a full composition exclusion, never in NFC (NFC_Quick_Check=No). */\n")
    w("struct cu_decomp { uint32_t cp; uint16_t off; uint8_t len, excluded; };\n")
    w("static const struct cu_decomp cu_decomp[] = {\n")
    emit_rows(w, rows, 5)
    w("};\n\nstatic const uint32_t cu_decomp_seq[] = {\n")
    emit_rows(w, ["0x%X," % c for c in seq], 10)
    w("};\n\n")

    w("/* Primary composites, sorted: { first, second, composite }. */\n")
    w("struct cu_compose { uint32_t first, second, composite; };\n")
    w("static const struct cu_compose cu_compose[] = {\n")
    emit_rows(w, ["{0x%X,0x%X,0x%X}," % r for r in t["compose"]], 4)
    w("};\n\n")

    w("/* Code points that can be the second of a primary composite (NFC_Quick_Check=Maybe),\n"
      " * Hangul jamo apart. */\n")
    w("static const uint32_t cu_comp_second[] = {\n")
    emit_rows(w, ["0x%X," % c for c in t["second"]], 10)
    w("};\n\n")

    w("/* Simple lowercase: every stride-th code point of [first, last] maps to itself + delta:\n"
      " * { { first, last }, delta, stride }. */\n")
    w("struct cu_lower_range { struct cu_span span; int32_t delta; uint8_t stride; };\n")
    w("static const struct cu_lower_range cu_lower_ranges[] = {\n")
    emit_rows(w, ["{{0x%X,0x%X},%d,%d}," % (a, b, d, s) for a, b, s, d in t["lower_runs"]], 4)
    w("};\n\n#endif\n")


def hexs(s):
    return " ".join("%04X" % ord(c) for c in s)


def random_strings(rng, count):
    """Strings mixing bases, marks of many classes, composites, exclusions and Hangul."""
    marks = sorted({cp for cp in range(0x300, 0x370)} |
                   {0x0323, 0x0327, 0x0345, 0x05B0, 0x05BC, 0x0651, 0x093C, 0x0951, 0x0F71,
                    0x0F72, 0x0F74, 0x0F80, 0x1AB0, 0x1DCE, 0x20D0, 0x302A, 0x3099, 0x309A})
    starters = [0x41, 0x43, 0x45, 0x49, 0x4F, 0x55, 0x61, 0x65, 0x6F, 0x79, 0xC5, 0xE9, 0x391,
                0x3B1, 0x3C9, 0x415, 0x433, 0x915, 0x9C7, 0x9BE, 0xB47, 0xB3E, 0xDD9, 0xDCF,
                0x1100, 0x1112, 0x1161, 0x1175, 0x11A8, 0x11C2, 0xAC00, 0xAC01, 0xD7A3,
                0x304B, 0x30CF, 0x212B, 0x2126, 0x1E0A, 0x0958, 0x1F80, 0x0344, 0x0F73, 0x2ADC]
    pool = marks + starters
    for _ in range(count):
        yield "".join(chr(rng.choice(pool)) for _ in range(rng.randint(2, 8)))


def emit_vectors():
    w = sys.stdout.write
    w("# Generated by tools/gen_unicode.py --vectors from Unicode %s (Python unicodedata).\n"
      "# input;NFC of the input, as hex code points: every code point that NFC changes, the NFD\n"
      "# of every code point with a canonical decomposition and of every 97th Hangul syllable,\n"
      "# then %d random strings.\n"
      % (ud.unidata_version, RANDOM_VECTORS))
    for cp in scalars():
        c = chr(cp)
        if ud.normalize("NFC", c) != c:
            w("%s;%s\n" % (hexs(c), hexs(ud.normalize("NFC", c))))
    for cp in scalars():
        sampled_syllable = is_syllable(cp) and (cp - S_BASE) % 97 == 0
        if canonical_step(cp) is not None or sampled_syllable:
            d = ud.normalize("NFD", chr(cp))
            w("%s;%s\n" % (hexs(d), hexs(ud.normalize("NFC", d))))
    for s in random_strings(random.Random(VECTOR_SEED), RANDOM_VECTORS):
        w("%s;%s\n" % (hexs(s), hexs(ud.normalize("NFC", s))))


def main():
    if sys.argv[1:] == ["--vectors"]:
        emit_vectors()
    elif sys.argv[1:] == []:
        t = build()
        self_check(t)
        emit_header(t)
    else:
        sys.stderr.write("usage: gen_unicode.py [--vectors]\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
