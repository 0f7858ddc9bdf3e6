/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match literal analysis: does every match of a regex contain a run of at
 * least N literal bytes? Hyperscan is fast when it can anchor a pattern on a
 * literal factor and slow when it must run an automaton over every byte (a
 * caseless fiscal-code regex without one cost 40% of all scan time in our
 * measurements), so the parser refuses such regexes unless their author
 * marks them `expensive`. The analysis is a small recursive descent over
 * the PCRE subset Hyperscan accepts; it errs on the side of "no literal".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"

#define MAX_NEST 32

typedef struct lit_parser {
    const char *p;
    const char *end;
    size_t min;
    unsigned depth;
    bool bad; /* nesting too deep or unbalanced: answer "no literal" */
} lit_parser_t;

static bool parse_alt(lit_parser_t *lp);

/* Skips a quantifier if one follows; returns its minimum (1 if none). */
static unsigned quantifier(lit_parser_t *lp, bool *present)
{
    *present = false;
    if (lp->p >= lp->end)
        return 1;
    char c = *lp->p;
    unsigned min = 1;
    if (c == '?' || c == '*') {
        min = 0;
        lp->p++;
    } else if (c == '+') {
        lp->p++;
    } else if (c == '{' && lp->p + 1 < lp->end && isdigit((unsigned char)lp->p[1])) {
        const char *q = lp->p + 1;
        unsigned lo = 0;
        unsigned hi = 0;
        bool comma = false;
        bool has_hi = false;
        while (q < lp->end && isdigit((unsigned char)*q)) {
            if (lo < 100000)
                lo = lo * 10 + (unsigned)(*q - '0');
            q++;
        }
        if (q < lp->end && *q == ',') {
            comma = true;
            q++;
            while (q < lp->end && isdigit((unsigned char)*q)) {
                if (hi < 100000)
                    hi = hi * 10 + (unsigned)(*q - '0');
                has_hi = true;
                q++;
            }
        }
        if (q >= lp->end || *q != '}')
            return 1; /* not a quantifier: a literal '{' */
        lp->p = q + 1;
        min = lo;
        if (lo == 1 && (!comma || (has_hi && hi == 1))) {
            /* {1} and {1,1} repeat nothing. */
            if (lp->p < lp->end && (*lp->p == '?' || *lp->p == '+'))
                lp->p++;
            return 1;
        }
    } else {
        return 1;
    }
    *present = true;
    /* Lazy or possessive suffix. */
    if (lp->p < lp->end && (*lp->p == '?' || *lp->p == '+'))
        lp->p++;
    return min;
}

static void skip_class(lit_parser_t *lp)
{
    lp->p++; /* '[' */
    if (lp->p < lp->end && *lp->p == '^')
        lp->p++;
    if (lp->p < lp->end && *lp->p == ']')
        lp->p++;
    while (lp->p < lp->end && *lp->p != ']') {
        if (*lp->p == '\\' && lp->p + 1 < lp->end)
            lp->p++;
        else if (*lp->p == '[' && lp->p + 1 < lp->end && lp->p[1] == ':') {
            const char *close = strstr(lp->p + 2, ":]");
            if (close != NULL && close < lp->end)
                lp->p = close + 1;
        }
        lp->p++;
    }
    if (lp->p >= lp->end)
        lp->bad = true;
    else
        lp->p++;
}

/*
 * An escape: returns the literal byte it stands for, or -1 for a class,
 * an assertion or anything we do not analyse (\d \w \b \x.. \p{..}).
 */
static int escape(lit_parser_t *lp)
{
    lp->p++; /* '\\' */
    if (lp->p >= lp->end) {
        lp->bad = true;
        return -1;
    }
    unsigned char c = (unsigned char)*lp->p++;
    if (isalnum(c)) {
        if ((c == 'x' || c == 'p' || c == 'P') && lp->p < lp->end && *lp->p == '{') {
            while (lp->p < lp->end && *lp->p != '}')
                lp->p++;
            if (lp->p < lp->end)
                lp->p++;
        } else if (c == 'x') {
            for (int k = 0; k < 2 && lp->p < lp->end && isxdigit((unsigned char)*lp->p); k++)
                lp->p++;
        } else if ((c == 'p' || c == 'P') && lp->p < lp->end) {
            lp->p++;
        }
        return -1;
    }
    return c;
}

/* A sequence up to '|' or ')': true if it contains a guaranteed literal. */
static bool parse_seq(lit_parser_t *lp)
{
    size_t run = 0;
    bool has = false;

    while (lp->p < lp->end && *lp->p != '|' && *lp->p != ')' && !lp->bad) {
        unsigned char c = (unsigned char)*lp->p;
        size_t atom_len = 0; /* bytes of a literal atom, 0 if not literal */
        bool group_has = false;
        bool is_group = false;

        if (c == '\\') {
            atom_len = escape(lp) >= 0 ? 1 : 0;
        } else if (c == '[') {
            skip_class(lp);
        } else if (c == '(') {
            lp->p++;
            bool lookaround = false;
            if (lp->p < lp->end && *lp->p == '?') {
                /* (?: (?i: (?i) (?= (?! (?<= (?<! (?# */
                const char *q = lp->p + 1;
                if (q < lp->end && *q == '#') {
                    while (q < lp->end && *q != ')')
                        q++; /* (?# comment ) */
                    lp->p = q < lp->end ? q + 1 : q;
                    continue;
                }
                if (q < lp->end && (*q == '=' || *q == '!' || *q == '<')) {
                    lookaround = true;
                    if (*q == '<')
                        q++;
                    lp->p = q < lp->end ? q + 1 : q;
                } else {
                    while (q < lp->end && *q != ':' && *q != ')')
                        q++;
                    if (q < lp->end && *q == ')') {
                        lp->p = q + 1; /* (?i): a flag setting, no group */
                        continue;
                    }
                    lp->p = q < lp->end ? q + 1 : q;
                }
            }
            if (++lp->depth > MAX_NEST) {
                lp->bad = true;
                return false;
            }
            group_has = parse_alt(lp);
            lp->depth--;
            if (lp->p >= lp->end || *lp->p != ')') {
                lp->bad = true;
                return false;
            }
            lp->p++;
            is_group = !lookaround;
            if (lookaround)
                group_has = false;
        } else if (c == '.' || c == '^' || c == '$') {
            lp->p++;
        } else if (c == '*' || c == '+' || c == '?') {
            lp->p++; /* a stray quantifier: Hyperscan will judge it */
        } else if (c >= 0x80) {
            /* One UTF-8 character is one atom for the quantifier after it. */
            atom_len = 1;
            lp->p++;
            while (lp->p < lp->end && ((unsigned char)*lp->p & 0xc0) == 0x80) {
                atom_len++;
                lp->p++;
            }
        } else {
            atom_len = 1;
            lp->p++;
        }

        bool quant;
        unsigned min = quantifier(lp, &quant);
        if (atom_len > 0) {
            if (min == 0) {
                run = 0;
            } else {
                run += atom_len;
                if (run >= lp->min)
                    has = true;
                if (quant)
                    run = 0; /* repeated: what follows is not adjacent for sure */
            }
        } else {
            run = 0;
            if (is_group && group_has && min >= 1)
                has = true;
        }
    }
    return has;
}

static bool parse_alt(lit_parser_t *lp)
{
    bool all = true;
    for (;;) {
        if (!parse_seq(lp))
            all = false;
        if (lp->bad)
            return false;
        if (lp->p < lp->end && *lp->p == '|') {
            lp->p++;
            continue;
        }
        return all;
    }
}

bool vg_regex_has_literal(const char *re, size_t n, size_t min)
{
    lit_parser_t lp = {.p = re, .end = re + n, .min = min, .depth = 0, .bad = false};
    bool has = parse_alt(&lp);
    /* A ')' without its '(' stops parse_alt early: Hyperscan will refuse the
     * regex anyway, but do not claim a literal for it. */
    if (lp.bad || lp.p != lp.end)
        return false;
    return has;
}

/* ---- gates: cheap necessary conditions --------------------------------- */

/*
 * The bytes one atom of the top-level sequence can match, as a 256-bit set;
 * all bits for what is not analysed (groups, '.', \d, multi-byte
 * characters), which never proves anything.
 */
typedef struct bset {
    uint64_t w[4];
} bset_t;

static void bset_all(bset_t *s)
{
    memset(s->w, 0xff, sizeof(s->w));
}

static void bset_add(bset_t *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi && c < 256; c++)
        s->w[c / 64] |= (uint64_t)1 << (c % 64);
}

/* True if @p s is not empty and holds only bytes in [lo, hi]. */
static bool bset_within(const bset_t *s, unsigned lo, unsigned hi)
{
    bool any = false;
    for (unsigned c = 0; c < 256; c++) {
        if (!((s->w[c / 64] >> (c % 64)) & 1))
            continue;
        if (c < lo || c > hi)
            return false;
        any = true;
    }
    return any;
}

/* One byte of a class or an escape: \xHH and escaped punctuation; -1 else. */
static int class_byte(lit_parser_t *lp)
{
    if (*lp->p != '\\') {
        unsigned char c = (unsigned char)*lp->p++;
        return c >= 0x80 ? -1 : c;
    }
    if (lp->p + 1 >= lp->end) {
        lp->bad = true;
        return -1;
    }
    unsigned char c = (unsigned char)lp->p[1];
    if (c == 'x' && lp->p + 3 < lp->end && isxdigit((unsigned char)lp->p[2]) &&
        isxdigit((unsigned char)lp->p[3])) {
        char h[3] = {lp->p[2], lp->p[3], '\0'};
        lp->p += 4;
        return (int)strtoul(h, NULL, 16);
    }
    if (!isalnum(c) && c < 0x80) {
        lp->p += 2;
        return c;
    }
    return -1;
}

/* A bracket class; any construct not understood makes it "all bytes". */
static void class_set(lit_parser_t *lp, bset_t *s)
{
    const char *start = lp->p;
    bool neg = false;
    bool unknown = false;
    memset(s, 0, sizeof(*s));
    lp->p++; /* '[' */
    if (lp->p < lp->end && *lp->p == '^') {
        neg = true;
        lp->p++;
    }
    bool first = true;
    while (lp->p < lp->end && (*lp->p != ']' || first) && !lp->bad && !unknown) {
        first = false;
        if (*lp->p == '[') {
            unknown = true; /* [:alpha:] and the like */
            break;
        }
        int lo = class_byte(lp);
        if (lo < 0) {
            unknown = true;
            break;
        }
        int hi = lo;
        if (lp->p + 1 < lp->end && *lp->p == '-' && lp->p[1] != ']') {
            lp->p++;
            hi = class_byte(lp);
            if (hi < lo) {
                unknown = true;
                break;
            }
        }
        bset_add(s, (unsigned)lo, (unsigned)hi);
    }
    /* Whatever stopped us, resume after the class as the literal analysis does. */
    lp->p = start;
    skip_class(lp);
    if (unknown) {
        bset_all(s);
        return;
    }
    if (neg)
        for (int k = 0; k < 4; k++)
            s->w[k] = ~s->w[k];
}

/* Skips a parenthesised group, whatever it holds. */
static void skip_group(lit_parser_t *lp)
{
    unsigned depth = 0;
    while (lp->p < lp->end && !lp->bad) {
        char c = *lp->p;
        if (c == '\\') {
            lp->p += lp->p + 1 < lp->end ? 2 : 1;
        } else if (c == '[') {
            skip_class(lp);
        } else {
            lp->p++;
            if (c == '(')
                depth++;
            else if (c == ')' && --depth == 0)
                return;
        }
    }
    lp->bad = true;
}

unsigned vg_regex_gates(const char *re, size_t n)
{
    lit_parser_t lp = {.p = re, .end = re + n};
    unsigned gates = 0;
    /* Flag settings ((?i), (?x)) and quoting change what the atoms mean. */
    for (size_t k = 0; k + 1 < n; k++) {
        if (re[k] == '\\') {
            if (re[k + 1] == 'Q')
                return 0;
            k++;
        } else if (re[k] == '(' && re[k + 1] == '?' && (k + 2 >= n || re[k + 2] != ':')) {
            return 0;
        }
    }
    unsigned letters = 0;      /* letters just before here, for sure */
    unsigned digits = 0;       /* digits just before here, for sure */
    unsigned before = 0;       /* letters just before the current run of digits */
    bool prev_digits = false;  /* the previous atom was digits only */
    bool after_digits = false; /* ... and this atom is the first after them */

    while (lp.p < lp.end && !lp.bad) {
        unsigned char c = (unsigned char)*lp.p;
        bset_t s;
        if (c == '|' || c == ')')
            return 0; /* an alternative at the top: nothing is certain */
        if (c == '[') {
            class_set(&lp, &s);
        } else if (c == '(') {
            skip_group(&lp);
            bset_all(&s);
        } else if (c == '\\' || (c < 0x80 && c != '.' && c != '^' && c != '$' && c != '*' &&
                                 c != '+' && c != '?')) {
            int b = class_byte(&lp);
            if (b < 0) {
                if (c == '\\') {
                    lit_parser_t skip = lp; /* \d, \b, \x{...}: past it */
                    (void)escape(&skip);
                    lp.p = skip.p;
                } else {
                    lp.p++;
                }
                bset_all(&s);
            } else {
                memset(&s, 0, sizeof(s));
                bset_add(&s, (unsigned)b, (unsigned)b);
            }
        } else {
            /* '.', anchors, a stray quantifier, a multi-byte character. */
            lp.p++;
            while (c >= 0x80 && lp.p < lp.end && ((unsigned char)*lp.p & 0xc0) == 0x80)
                lp.p++;
            bset_all(&s);
        }
        if (lp.bad)
            return 0;
        bool quant;
        unsigned min = quantifier(&lp, &quant);
        bool is_digits = bset_within(&s, '0', '9');
        bool is_letters = bset_within(&s, 'a', 'z');
        after_digits = prev_digits && !is_digits;
        if (is_digits) {
            if (!prev_digits) {
                before = letters;
                digits = 0;
            }
            digits += min;
            letters = 0;
        } else if (is_letters) {
            if (after_digits && digits >= 2 && min >= 1)
                gates |= VG_GATE_DDL;
            letters += min;
            digits = 0;
        } else {
            letters = 0;
            digits = 0;
        }
        prev_digits = is_digits;
        if (bset_within(&s, '@', '@') && min >= 1)
            gates |= VG_GATE_AT;
        if (digits >= 5)
            gates |= VG_GATE_D5;
        if (is_digits && before >= 2 && digits >= 2)
            gates |= VG_GATE_LLDD;
        if (letters >= 16)
            gates |= VG_GATE_L16;
    }
    return lp.bad ? 0 : gates;
}
