#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate src/normalize/confusables_table.h, the folding table of the normalizer.

The normalizer (src/normalize) looks every non-ASCII code point up in one
sorted table of ranges. Each range says what to do with its code points:

    SEP      copy through, a separator in the WORDS region (symbols, emoji...)
    WORD     copy through, a word character (letters and marks of other scripts)
    DROP     drop (zero-width, bidi and other default-ignorable characters)
    MARK     drop, and extend the previous character's source range over it
             (combining accents: "e" + U+0301 folds to "e")
    SPACE    write one ' ' (every Unicode space, C1 controls)
    MAP      write a replacement of at most as many bytes as the source (so
             the FOLD region is never longer than the text); MAP ranges are
             single code points and carry whether the replacement is a word

The replacements come from two sources, applied in this order:
  1. UTS #39 confusables (confusables.txt, Unicode 17.0.0): a letter of
     another script that looks like a Latin letter folds to that letter
     (Cyrillic "а" -> "a", Greek "ο" -> "o", Cherokee "Ꭺ" -> "a"...). Only
     for the scripts listed in CONFUSABLE_BLOCKS (where a Latin lookalike is
     spoofing, not someone's language), only to ASCII letters/digits (a letter
     never folds to a digit or to punctuation), looked up on the code point
     as written and then on its lower case.
  2. Python's unicodedata (NFKD compatibility decomposition, combining marks
     stripped, full case folding) plus a small hand table for letters that
     have no decomposition (ß, æ, ø, ł, þ, small capitals...).

Usage:
    python3 tools/gen_confusables.py [CONFUSABLES_TXT] > src/normalize/confusables_table.h

CONFUSABLES_TXT defaults to $VG_CORPUS_DIR/unicode/confusables.txt, or
/work/shared/corpus/unicode/confusables.txt. Python 3 standard library only.
The generated header is committed: the build never needs the corpus.
"""

import os
import sys
import unicodedata

DEFAULT_CONFUSABLES = os.path.join(
    os.environ.get("VG_CORPUS_DIR", "/work/shared/corpus"), "unicode", "confusables.txt")

K_SEP, K_WORD, K_DROP, K_MARK, K_SPACE, K_MAP_SEP, K_MAP_WORD = range(7)
KIND_NAMES = ["SEP", "WORD", "DROP", "MARK", "SPACE", "MAP_SEP", "MAP_WORD"]
MAX_CP = 0x10FFFF

# Default-ignorable code points (DerivedCoreProperties) and the bidi
# controls: dropped, so that "s\u200btronzo" reads "stronzo".
DROP_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]
# Combining marks of the Latin-Greek-Cyrillic world: dropped (accents go),
# their bytes join the source range of the letter they sit on.
MARK_RANGES = [
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
]
SPACE_RANGES = [
    (0x0080, 0x009F),  # C1 controls
    (0x00A0, 0x00A0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
    (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
]

# Scripts whose Latin lookalikes are folded. Living scripts people in Italy
# actually write in (Arabic, Hebrew, the Indic scripts, CJK...) are left
# alone: folding their letters would garble their text, not unmask a spoof.
CONFUSABLE_BLOCKS = [
    (0x0080, 0x02FF),    # Latin-1, Latin Extended-A/B, IPA, spacing modifiers
    (0x0370, 0x03FF),    # Greek and Coptic
    (0x0400, 0x052F),    # Cyrillic, Cyrillic Supplement
    (0x0530, 0x058F),    # Armenian
    (0x13A0, 0x13FF),    # Cherokee
    (0x1400, 0x167F),    # Unified Canadian Aboriginal Syllabics
    (0x16A0, 0x16FF),    # Runic
    (0x1C80, 0x1C8F),    # Cyrillic Extended-C
    (0x1D00, 0x1DBF),    # Phonetic Extensions (+ Supplement)
    (0x1E00, 0x1FFF),    # Latin Extended Additional, Greek Extended
    (0x2100, 0x218F),    # Letterlike Symbols, Number Forms
    (0x2460, 0x24FF),    # Enclosed Alphanumerics
    (0x2C60, 0x2CFF),    # Latin Extended-C, Coptic
    (0x2D30, 0x2D7F),    # Tifinagh
    (0xA4D0, 0xA4FF),    # Lisu
    (0xA640, 0xA69F),    # Cyrillic Extended-B
    (0xA720, 0xA7FF),    # Latin Extended-D
    (0xAB30, 0xABBF),    # Latin Extended-E, Cherokee Supplement
    (0xFB00, 0xFB06),    # Latin ligatures
    (0xFF00, 0xFFEF),    # Halfwidth and Fullwidth Forms
    (0x10280, 0x102DF),  # Lycian, Carian
    (0x10300, 0x1034F),  # Old Italic, Gothic
    (0x10400, 0x104FF),  # Deseret, Osage
    (0x118A0, 0x118FF),  # Warang Citi
    (0x16F00, 0x16F9F),  # Miao
    (0x1D400, 0x1D7FF),  # Mathematical Alphanumeric Symbols
    (0x1F100, 0x1F1FF),  # Enclosed Alphanumeric Supplement
]

# Letters without a compatibility decomposition, folded by hand.
HAND = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
    "þ": "th", "ı": "i", "ĸ": "k", "ħ": "h", "ŧ": "t", "ſ": "s", "ŋ": "n",
    "ƀ": "b", "ƈ": "c", "ɗ": "d", "ƒ": "f", "ɠ": "g", "ɨ": "i", "ƚ": "l",
    "ɲ": "n", "ɵ": "o", "ƥ": "p", "ʠ": "q", "ɽ": "r", "ʂ": "s", "ƭ": "t",
    "ʈ": "t", "ʋ": "v", "ƴ": "y", "ƶ": "z", "ȥ": "z", "ȿ": "s", "ɀ": "z",
    "ɇ": "e", "ɉ": "j", "ɋ": "q", "ɍ": "r", "ɏ": "y", "ȼ": "c",
    # small capitals
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g",
    "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
    "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # Cyrillic lower case that reads as a Latin small capital
    "в": "b", "н": "h", "т": "t", "м": "m", "к": "k",
}
HAND.update({k.upper(): v for k, v in list(HAND.items())
             if len(k.upper()) == 1 and not k.upper().isascii() and k.upper() not in HAND})


def hand_ranges():
    """Enclosed letters without a decomposition: negative circled/squared
    letters and regional indicators fold to the letter."""
    out = {}
    for base in (0x1F150, 0x1F170, 0x1F1E6):
        for i in range(26):
            out[base + i] = chr(ord("a") + i)
    return out


HAND_CP = hand_ranges()

ENCLOSED_NUMERIC = [(0x2460, 0x24FF), (0x2776, 0x2793), (0x3251, 0x325F),
                    (0x32B1, 0x32BF), (0x1F100, 0x1F10C)]


def in_ranges(cp, ranges):
    return any(lo <= cp <= hi for lo, hi in ranges)


def load_confusables(path):
    conf = {}
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            src = int(fields[0], 16)
            proto = "".join(chr(int(x, 16)) for x in fields[1].split())
            conf[src] = proto
    return conf


def strip_marks(s):
    return "".join(c for c in s if not unicodedata.category(c).startswith("M"))


def is_ascii_alnum(s):
    return s != "" and all(c.isascii() and c.isalnum() for c in s)


def compat_eligible(cp, cat):
    """Whether the NFKD compatibility mapping of cp is a folding we want:
    letters and numbers (math alphanumerics, ligatures, super/subscripts,
    fullwidth...), enclosed alphanumerics and fullwidth ASCII punctuation;
    not symbols such as (TM) or No. that merely contain letters."""
    if cat[0] in "LN":
        return True
    return in_ranges(cp, ENCLOSED_NUMERIC) or 0x1F100 <= cp <= 0x1F1FF or \
        0x249C <= cp <= 0x24E9 or 0xFF01 <= cp <= 0xFF5E


def confusable(c, conf, depth):
    """The ASCII letters/digits c looks like, or None."""
    cat = unicodedata.category(c)
    if cat[0] not in "LN" or not in_ranges(ord(c), CONFUSABLE_BLOCKS):
        return None
    for cand in (c, c.lower()):
        if len(cand) != 1 or ord(cand) not in conf:
            continue
        proto = strip_marks(conf[ord(cand)])
        if proto == "l" and (c.lower() != c or "CAPITAL" in unicodedata.name(c, "")):
            # the skeleton of a capital I lookalike is "l" (I and l are
            # confusable in ASCII); folded to lower case it reads "i"
            proto = "i"
        r = "".join(fold_char(x, conf, depth + 1) for x in proto)
        if not is_ascii_alnum(r):
            continue
        if cat[0] == "L" and not r.isalpha():
            continue  # a letter never becomes a digit ("б" stays)
        if cat == "Nd" and not r.isdigit():
            continue
        return r.lower()
    return None


def fold_char(c, conf, depth=0):
    """The folded form of one character (a string, possibly c itself)."""
    cp = ord(c)
    if cp < 0x80:
        return c.lower()
    if depth > 4:
        return c
    if c in HAND:
        return HAND[c]
    if cp in HAND_CP:
        return HAND_CP[cp]
    cat = unicodedata.category(c)
    if cat == "Nd":
        return str(unicodedata.decimal(c))
    # 1. compatibility decomposition (math bold, ligatures, circled, accents)
    d = unicodedata.normalize("NFKD", c)
    if in_ranges(cp, ENCLOSED_NUMERIC) or 0x249C <= cp <= 0x24B5 or 0x1F110 <= cp <= 0x1F12F:
        d = d.strip("().")
        if d == c and cat == "No":
            v = unicodedata.numeric(c, None)
            if v is not None and v == int(v) and 0 <= v <= 99:
                return str(int(v))
    if d != c and compat_eligible(cp, cat):
        if 0xFF01 <= cp <= 0xFF5E:
            return d.lower()  # fullwidth ASCII, punctuation included
        d = strip_marks(d)
        if d and "\u2044" not in d:
            r = "".join(fold_char(x, conf, depth + 1) for x in d)
            if is_ascii_alnum(r) or cat[0] in "LN":
                return r
    # 2. a lookalike of a Latin letter in another script
    r = confusable(c, conf, depth)
    if r is not None:
        return r
    # 3. plain lower case (Cyrillic, Greek, Armenian... letters of their own)
    lc = c.casefold()
    if lc != c:
        lc = strip_marks(unicodedata.normalize("NFKD", lc))
        if lc and lc != c:
            return "".join(fold_char(x, conf, depth + 1) for x in lc)
    return c


def word_class(c):
    cat = unicodedata.category(c)
    return cat[0] in "LM" or cat in ("Nd", "Nl")


def classify(cp, conf):
    """(kind, replacement bytes) of one code point >= 0x80."""
    if in_ranges(cp, SPACE_RANGES):
        return (K_SPACE, b"")
    if in_ranges(cp, DROP_RANGES):
        return (K_DROP, b"")
    if in_ranges(cp, MARK_RANGES):
        return (K_MARK, b"")
    if 0xD800 <= cp <= 0xDFFF:
        return (K_SEP, b"")
    c = chr(cp)
    r = fold_char(c, conf)
    for _ in range(5):
        # iterate to a fixpoint, so that folding is idempotent: FOLD(FOLD(x))
        # == FOLD(x), and a lexicon entry folds like the text it must match
        r2 = "".join(fold_char(x, conf) for x in r)
        if r2 == r:
            break
        r = r2
    if r != c:
        rb = r.encode("utf-8")
        src_len = len(c.encode("utf-8"))
        ok = 0 < len(rb) <= src_len and not any(
            ord(x) < 0x20 or in_ranges(ord(x), SPACE_RANGES + DROP_RANGES + MARK_RANGES)
            for x in r)
        if ok:
            # class of the replacement: ASCII is classified by the C byte
            # table; a non-ASCII one (a lower-cased letter) by its category
            first = r[0]
            word = first.isascii() and first.isalnum() or (not first.isascii() and word_class(first))
            return (K_MAP_WORD if word else K_MAP_SEP, rb)
    return (K_WORD if word_class(c) else K_SEP, b"")


def build(conf):
    entries = []  # (start, kind, bytes)
    prev = None
    for cp in range(0x80, MAX_CP + 1):
        kind, rb = classify(cp, conf)
        if kind in (K_MAP_SEP, K_MAP_WORD):
            entries.append((cp, kind, rb))
            prev = None
            continue
        if prev == kind:
            continue
        entries.append((cp, kind, b""))
        prev = kind
    return entries


def c_bytes(b):
    def one(x):
        ch = chr(x)
        return "'%s'" % ch if ch.isascii() and (ch.isalnum() or ch in "!#$%&()*+,-./:;<=>?@[]^_`{|}~") \
            else "0x%02x" % x
    return "{" + ", ".join(one(x) for x in b) + "}" if b else "{0}"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CONFUSABLES
    if not os.path.exists(path):
        sys.exit("gen_confusables: %s not found (UTS #39 confusables.txt, "
                 "https://www.unicode.org/Public/security/latest/confusables.txt)" % path)
    conf = load_confusables(path)
    entries = build(conf)
    n = len(entries)
    page_bits = 7
    npages = 0x20000 >> page_bits
    # page[p] = index of the entry whose range holds code point p << page_bits
    pages = []
    j = 0
    for p in range(npages + 1):
        cp = max(p << page_bits, 0x80)
        while j + 1 < n and entries[j + 1][0] <= cp:
            j += 1
        pages.append(j)
    assert n < 65536
    out = sys.stdout
    w = out.write
    w("/* SPDX-License-Identifier: Apache-2.0 AND Unicode-3.0 */\n")
    w("/*\n")
    w(" * GENERATED by tools/gen_confusables.py: do not edit. Regenerate with\n")
    w(" *   python3 tools/gen_confusables.py /path/to/confusables.txt \\\n")
    w(" *       > src/normalize/confusables_table.h\n")
    w(" *\n")
    w(" * The folding table of the normalizer: sorted ranges of code points >= 0x80\n")
    w(" * with what FOLD does to them (see the generator for the kinds). Sources:\n")
    w(" * Unicode UTS #39 confusables.txt (Unicode 17.0.0, (c) Unicode, Inc.,\n")
    w(" * used under the Unicode License v3, https://www.unicode.org/license.txt)\n")
    w(" * and the Unicode Character Database %s as shipped with Python %d.%d\n"
      % (unicodedata.unidata_version, sys.version_info[0], sys.version_info[1]))
    w(" * (compatibility decompositions, case folding, general categories).\n")
    w(" */\n")
    w("#ifndef VG_NORMALIZE_CONFUSABLES_TABLE_H\n#define VG_NORMALIZE_CONFUSABLES_TABLE_H\n\n")
    w("/* clang-format off */\n")
    w("/* entry key: start code point << 8 | kind << 4 | replacement length */\n")
    w("#define VG_FOLD_ENTRIES %d\n" % n)
    w("#define VG_FOLD_PAGE_BITS %d\n" % page_bits)
    w("#define VG_FOLD_PAGES %d\n\n" % npages)
    w("static const struct fold_entry fold_table[VG_FOLD_ENTRIES] = {\n")
    for cp, kind, rb in entries:
        key = (cp << 8) | (kind << 4) | len(rb)
        w("    {0x%08xu, %s},\n" % (key, c_bytes(rb)))
    w("};\n\n")
    w("/* fold_page[p]: index of the entry holding code point p << VG_FOLD_PAGE_BITS */\n")
    w("static const uint16_t fold_page[VG_FOLD_PAGES + 1] = {\n")
    for i in range(0, len(pages), 12):
        w("    " + ", ".join(str(x) for x in pages[i:i + 12]) + ",\n")
    w("};\n/* clang-format on */\n\n#endif /* VG_NORMALIZE_CONFUSABLES_TABLE_H */\n")
    stats = {}
    for _, kind, _ in entries:
        stats[KIND_NAMES[kind]] = stats.get(KIND_NAMES[kind], 0) + 1
    print("entries=%d %s" % (n, stats), file=sys.stderr)


if __name__ == "__main__":
    main()
