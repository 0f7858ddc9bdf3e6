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
