#!/usr/bin/env python3
"""Generate the Unicode tables of src/util/unicode.c, or the NFC and folding test vectors.

    /usr/bin/python3 tools/gen_unicode.py > src/util/unicode_data.h
    /usr/bin/python3 tools/gen_unicode.py --vectors > tests/data/nfc_vectors.txt
    /usr/bin/python3 tools/gen_unicode.py --fold-vectors > tests/data/fold_vectors.txt

Everything comes from the unicodedata module of the Python that runs this script (Python 3.11
has Unicode 14.0.0); the Unicode version is written into every output. The header holds:

  - canonical combining classes, as ranges of equal class;
  - full (recursive) canonical decompositions, each flagged when the code point is a full
    composition exclusion (NFC_Quick_Check=No);
  - full compatibility decompositions (NFKD) of the code points where they differ from the
    canonical one, for NFKC;
  - primary composites: the canonical pairs that NFC recomposes;
  - the code points that can be the second of a pair (NFC_Quick_Check=Maybe);
  - simple lowercase mappings, as ranges with a common delta;
  - full case folding (str.casefold(), CaseFolding.txt statuses C and F);
  - White_Space, as ranges (str.isspace() less U+001C..U+001F, checked against the
    property's list in PropList.txt);
  - separators for identifiers: White_Space, punctuation (general category P*), separators
    (Z*) and format characters (Cf), as ranges.

Hangul syllables are composed and decomposed arithmetically in C and are not in the tables.

Composition exclusions are derived rather than read from CompositionExclusions.txt (UAX #15):
a code point with a canonical decomposition is excluded when that decomposition is a
singleton, or starts with a non-starter (or the code point is one), or NFC does not keep the
code point (this last test covers the script-specific and post-composition-version lists).
Before anything is written, a self-check normalises every code point and a set of random
strings with a Python copy of the C algorithm that reads only the emitted tables, and
compares the results (and the quick check) with unicodedata: NFC and NFKC with
unicodedata.normalize, the case-folded forms with the canonical caseless match of Unicode's
definition D145, NFC(casefold(NFD(s))), and NFKC(casefold(NFKD(s))), the identifier form
with NFKC(casefold(NFKD(s) without separators)). Any difference exits 1.
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


# White_Space in PropList.txt (Unicode 14.0.0), to check the derivation from isspace().
WHITE_SPACE = [(0x9, 0xD), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
               (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)]
FOLD_COMPAT, FOLD_CASE, FOLD_SEPARATORS = 1, 2, 4


def is_white_space(cp):
    return chr(cp).isspace() and not 0x1C <= cp <= 0x1F


def is_separator(cp):
    cat = ud.category(chr(cp))
    return cat[0] in "PZ" or cat == "Cf" or is_white_space(cp)


def span_ranges(cps):
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def build():
    t = {"ccc": ccc_ranges(), "decomp": [], "compose": [], "lower": [], "kdecomp": [], "fold": []}
    multi = []
    for cp in scalars():
        c = chr(cp)
        nfkd = ud.normalize("NFKD", c)
        if nfkd != ud.normalize("NFD", c):
            t["kdecomp"].append((cp, [ord(x) for x in nfkd]))
        if c.casefold() != c:
            t["fold"].append((cp, [ord(x) for x in c.casefold()]))
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
    t["kdecomp_max"] = max(len(d) for _, d in t["kdecomp"])
    t["fold_max"] = max(len(f) for _, f in t["fold"])
    t["space"] = span_ranges(cp for cp in scalars() if is_white_space(cp))
    t["separator"] = span_ranges(cp for cp in scalars() if is_separator(cp))
    if [tuple(r) for r in t["space"]] != WHITE_SPACE:
        fail("White_Space derived from isspace() differs from PropList.txt")
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
        self.kdecomp = dict(t["kdecomp"])
        self.fold_map = dict(t["fold"])
        self.separators = {cp for a, b in t["separator"] for cp in range(a, b + 1)}

    def decompose(self, cps, compat=False):
        out = []
        for cp in cps:
            if compat and cp in self.kdecomp:
                out += self.kdecomp[cp]
            elif is_syllable(cp):
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

    def fold(self, s, flags):
        """cu_utf8_fold(): decompose, drop separators, case fold and decompose again, compose."""
        compat = bool(flags & FOLD_COMPAT)
        cps = self.reorder(self.decompose([ord(ch) for ch in s], compat))
        if flags & FOLD_SEPARATORS:
            cps = [c for c in cps if c not in self.separators]
        if flags & FOLD_CASE:
            cps = self.reorder(self.decompose([f for c in cps for f in self.fold_map.get(c, [c])], compat))
        return "".join(chr(c) for c in self.recompose(cps))

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


def reference_fold(s, flags):
    """What cu_utf8_fold() must give, from unicodedata alone."""
    if flags == FOLD_COMPAT:
        return ud.normalize("NFKC", s)
    form = "NFK" if flags & FOLD_COMPAT else "NF"
    d = ud.normalize(form + "D", s)
    if flags & FOLD_SEPARATORS:
        d = "".join(ch for ch in d if not is_separator(ord(ch)))
    return ud.normalize(form + "C", d.casefold())


FOLDS = [FOLD_COMPAT, FOLD_CASE, FOLD_COMPAT | FOLD_CASE, FOLD_COMPAT | FOLD_CASE | FOLD_SEPARATORS]


def self_check(t):
    m = Model(t)
    if t["decomp_max"] > 4:
        fail("a decomposition is longer than 4 code points")
    if len([c for _, d in t["kdecomp"] for c in d]) > 0xFFFF or len([c for _, f in t["fold"] for c in f]) > 0xFFFF:
        fail("a sequence table outgrows its 16-bit offsets")
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
        for flags in FOLDS:
            if m.fold(c, flags) != reference_fold(c, flags):
                fail("fold %d of U+%04X" % (flags, cp))
    for s in random_strings(random.Random(VECTOR_SEED + 1), 20000):
        if m.nfc(s) != ud.normalize("NFC", s):
            fail("NFC of %s" % hexs(s))
        if m.is_nfc(s) != ud.is_normalized("NFC", s):
            fail("quick check of %s" % hexs(s))
    for s in fold_strings(random.Random(VECTOR_SEED + 2), 20000):
        for flags in FOLDS:
            if m.fold(s, flags) != reference_fold(s, flags):
                fail("fold %d of %s" % (flags, hexs(s)))


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

    emit_sequences(w, "cu_kdecomp", t["kdecomp"],
                   "Full compatibility decompositions (NFKD) where they differ from the canonical\n"
                   " * ones: { code point, offset in cu_kdecomp_seq, length }, sorted.")
    w("/* Longest of them, in code points. */\n#define CU_KDECOMP_MAX %d\n\n" % t["kdecomp_max"])
    emit_sequences(w, "cu_fold", t["fold"],
                   "Full case folding (CaseFolding.txt, statuses C and F): { code point, offset in\n"
                   " * cu_fold_seq, length }, sorted.")
    w("/* Longest of them, in code points. */\n#define CU_FOLD_MAX %d\n\n" % t["fold_max"])
    w("/* White_Space, as ranges. */\n")
    w("static const struct cu_span cu_space_ranges[] = {\n")
    emit_rows(w, ["{0x%X,0x%X}," % tuple(r) for r in t["space"]], 6)
    w("};\n\n")
    w("/* Separators in identifiers: White_Space, punctuation (P*), separators (Z*) and format\n"
      " * characters (Cf), as ranges. */\n")
    w("static const struct cu_span cu_separator_ranges[] = {\n")
    emit_rows(w, ["{0x%X,0x%X}," % tuple(r) for r in t["separator"]], 6)
    w("};\n\n")

    w("/* Simple lowercase: every stride-th code point of [first, last] maps to itself + delta:\n"
      " * { { first, last }, delta, stride }. */\n")
    w("struct cu_lower_range { struct cu_span span; int32_t delta; uint8_t stride; };\n")
    w("static const struct cu_lower_range cu_lower_ranges[] = {\n")
    emit_rows(w, ["{{0x%X,0x%X},%d,%d}," % (a, b, d, s) for a, b, s, d in t["lower_runs"]], 4)
    w("};\n\n#endif\n")


def emit_sequences(w, name, table, comment):
    seq, rows = [], []
    for cp, d in table:
        rows.append("{0x%X,%d,%d}," % (cp, len(seq), len(d)))
        seq.extend(d)
    w("/* %s */\n" % comment)
    w("struct %s { uint32_t cp; uint16_t off; uint8_t len; };\n" % name)
    w("static const struct %s %s[] = {\n" % (name, name))
    emit_rows(w, rows, 6)
    w("};\n\nstatic const uint32_t %s_seq[] = {\n" % name)
    emit_rows(w, ["0x%X," % c for c in seq], 10)
    w("};\n\n")


def fold_strings(rng, count):
    """Strings mixing letters of several cases and scripts, compatibility characters,
    separators, marks and Hangul."""
    pool = [0x41, 0x5A, 0x61, 0xDF, 0xC5, 0x130, 0x131, 0x149, 0x17F, 0x1C4, 0x1E9E, 0x1F80, 0x1F88, 0x345,
            0x3A3, 0x3C2, 0x390, 0x301, 0x308, 0x323, 0x20, 0x2D, 0x2E, 0x28, 0x29, 0x5F, 0xA0, 0xAD, 0x3000,
            0x2010, 0x2014, 0x200B, 0x30FB, 0xFF10, 0xFF19, 0xFF21, 0xFF41, 0xFF0D, 0xFF08, 0xFF20, 0xFE6B,
            0x2460, 0x2474, 0x2116, 0x2126, 0x212B, 0x2160, 0x24B6, 0x3200, 0x320E, 0x3300, 0xFB01, 0xFDFA,
            0xAC00, 0x1100, 0x1161, 0x11A8, 0x6C38, 0xF900, 0x2F800, 0x1D400, 0x1D7CE, 0x10400, 0x1E900]
    for _ in range(count):
        yield "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 8)))


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


def emit_fold_vectors():
    w = sys.stdout.write
    w("# Generated by tools/gen_unicode.py --fold-vectors from Unicode %s (Python unicodedata).\n"
      "# input;NFKC;case folded (NFC(casefold(NFD)));identifier (NFKC(casefold(NFKD without\n"
      "# separators))), as hex code points (an empty field is the empty string): every code\n"
      "# point one of them changes, then %d random strings.\n" % (ud.unidata_version, RANDOM_VECTORS))
    forms = [FOLD_COMPAT, FOLD_CASE, FOLD_COMPAT | FOLD_CASE | FOLD_SEPARATORS]
    for cp in scalars():
        c = chr(cp)
        outs = [reference_fold(c, f) for f in forms]
        if any(o != c for o in outs):
            w("%s;%s\n" % (hexs(c), ";".join(hexs(o) for o in outs)))
    for s in fold_strings(random.Random(VECTOR_SEED + 3), RANDOM_VECTORS):
        w("%s;%s\n" % (hexs(s), ";".join(hexs(reference_fold(s, f)) for f in forms)))


def main():
    if sys.argv[1:] == ["--fold-vectors"]:
        emit_fold_vectors()
    elif sys.argv[1:] == ["--vectors"]:
        emit_vectors()
    elif sys.argv[1:] == []:
        t = build()
        self_check(t)
        emit_header(t)
    else:
        sys.stderr.write("usage: gen_unicode.py [--vectors | --fold-vectors]\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
