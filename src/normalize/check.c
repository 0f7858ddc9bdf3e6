/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize, invariant checker: what the unit tests and the fuzz target
 * assert after every run. Not used on the hot path.
 */
#include "normalize/normalize_internal.h"

#include <stdbool.h>

/* Offsets of one region: non-empty, inside the text, starts non-decreasing. */
static const char *check_offsets(const vg_norm_t *n, size_t b, size_t e)
{
    for (size_t p = b; p < e; p++) {
        if (n->os[p] >= n->oe[p])
            return "a byte maps to an empty source range";
        if (n->oe[p] > n->text_len)
            return "a byte maps beyond the text";
        if (p > b && n->os[p] < n->os[p - 1])
            return "source starts decrease";
    }
    return NULL;
}

static const char *check_fold(const vg_norm_t *n)
{
    const unsigned char *f = (const unsigned char *)n->buf;
    for (size_t p = 0; p < n->fold_end;) {
        uint32_t cp;
        if (f[p] == '\n')
            return "FOLD holds a newline";
        unsigned l = vg_utf8_decode(f + p, n->fold_end - p, &cp);
        if (l == 0)
            return "FOLD is not valid UTF-8";
        p += l;
    }
    return NULL;
}

static const char *check_words(const vg_norm_t *n)
{
    const unsigned char *w = (const unsigned char *)n->buf;
    size_t b = n->fold_end + 1;
    for (size_t p = b; p < n->len;) {
        if (w[p] == ' ') {
            if (p > b && w[p - 1] == ' ')
                return "WORDS holds two spaces in a row";
            p++;
            continue;
        }
        if (w[p] < 0x80) {
            if (!vg_norm_is_word_byte(w[p]))
                return "WORDS holds an ASCII non-word byte";
            if (n->rep[p - b] == 0)
                return "a run length is 0";
            if (n->rep[p - b] > 1 && !(w[p] >= 'a' && w[p] <= 'z'))
                return "a non-letter was collapsed";
            p++;
            continue;
        }
        uint32_t cp;
        const unsigned char *rep;
        unsigned rl;
        unsigned l = vg_utf8_decode(w + p, n->len - p, &cp);
        if (l == 0)
            return "WORDS is not valid UTF-8";
        int kind = vg_fold_lookup(cp, &rep, &rl);
        if (kind != VG_FOLD_WORD && kind != VG_FOLD_MAP_WORD)
            return "WORDS holds a non-ASCII separator";
        for (unsigned k = 0; k < l; k++)
            if (n->rep[p + k - b] != 1)
                return "a non-ASCII byte has a run length";
        p += l;
    }
    return NULL;
}

const char *vg_norm_check_invariants(const vg_norm_t *n)
{
    const char *why;

    if (n->len < n->fold_end + 1 || n->buf[n->fold_end] != '\n' || n->buf[n->len] != '\0')
        return "regions are not FOLD '\\n' WORDS";
    if (n->fold_end > n->text_len)
        return "FOLD is longer than the text";
    if (n->len - n->fold_end - 1 > n->fold_end)
        return "WORDS is longer than FOLD";
    if ((why = check_offsets(n, 0, n->fold_end)) != NULL)
        return why;
    if ((why = check_offsets(n, n->fold_end + 1, n->len)) != NULL)
        return why;
    if ((why = check_fold(n)) != NULL)
        return why;
    return check_words(n);
}
