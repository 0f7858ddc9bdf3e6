/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match phrases: confirms a phrase ("odi* ~3 @gruppi") around the one word
 * Hyperscan found for it. Compiling every phrase into a regex with gaps,
 * wildcards and start-of-match tracking made the database tens of
 * megabytes and its compilation tens of seconds; instead Hyperscan looks
 * only for the anchor element's literals (plain literals, its fastest
 * engine) and this file walks the neighbouring tokens of the WORDS region,
 * where words are separated by single spaces and already normalized.
 *
 *   ... [elements before] [anchor item] [elements after] ...
 *        ◀── backward:        ▲ literal      ──▶ forward:
 *        gaps tried longest    │ found by     gaps tried shortest
 *        first (leftmost       │ Hyperscan    first
 *        start)                │
 *
 * The work per confirmation is bounded by a budget of word comparisons, so
 * a text crafted to trigger many anchors cannot make a scan slow.
 */
#include <string.h>

#include "match/match_internal.h"
#include "vaglio/normalize.h"

typedef struct walk {
    const unsigned char *buf;
    size_t lo;
    size_t hi;
    const vg_phrase_t *ph;
    unsigned budget;
} walk_t;

static bool is_word(const walk_t *w, size_t i)
{
    return vg_norm_is_word_byte(w->buf[i]);
}

/* The token before position @p p: [*a, *b). False if none. */
static bool tok_prev(const walk_t *w, size_t p, size_t *a, size_t *b)
{
    while (p > w->lo && !is_word(w, p - 1))
        p--;
    if (p == w->lo)
        return false;
    *b = p;
    while (p > w->lo && is_word(w, p - 1))
        p--;
    *a = p;
    return true;
}

/* The token at or after position @p p: [*a, *b). False if none. */
static bool tok_next(const walk_t *w, size_t p, size_t *a, size_t *b)
{
    while (p < w->hi && !is_word(w, p))
        p++;
    if (p == w->hi)
        return false;
    *a = p;
    while (p < w->hi && is_word(w, p))
        p++;
    *b = p;
    return true;
}

/* Does the token [a, b) match pattern word @p pw? */
static bool word_eq(walk_t *w, const vg_pword_t *pw, size_t a, size_t b)
{
    size_t n = b - a;
    const char *t = (const char *)w->buf + a;

    if (w->budget == 0)
        return false;
    w->budget--;
    if (n < pw->len)
        return false;
    if (!pw->lstar && !pw->rstar)
        return n == pw->len && memcmp(t, pw->stem, n) == 0;
    if (!pw->lstar)
        return memcmp(t, pw->stem, pw->len) == 0;
    if (!pw->rstar)
        return memcmp(t + n - pw->len, pw->stem, pw->len) == 0;
    return memmem(t, n, pw->stem, pw->len) != NULL;
}

/* Words [0, upto) of @p it, ending just before position @p p. */
static bool item_back(walk_t *w, const vg_pitem_t *it, uint16_t upto, size_t p, size_t *start)
{
    for (uint16_t j = upto; j > 0; j--) {
        size_t a;
        size_t b;
        if (!tok_prev(w, p, &a, &b) || !word_eq(w, &it->w[j - 1], a, b))
            return false;
        p = a;
    }
    *start = p;
    return true;
}

/* Words [from, n) of @p it, starting at or after position @p p. */
static bool item_fwd(walk_t *w, const vg_pitem_t *it, uint16_t from, size_t p, size_t *end)
{
    for (uint16_t j = from; j < it->n; j++) {
        size_t a;
        size_t b;
        if (!tok_next(w, p, &a, &b) || !word_eq(w, &it->w[j], a, b))
            return false;
        p = b;
    }
    *end = p;
    return true;
}

/* Elements [0, k) ending just before @p p; the leftmost start wins. */
static bool elems_back(walk_t *w, uint16_t k, size_t p, size_t *start)
{
    if (k == 0) {
        *start = p;
        return true;
    }
    const vg_pelem_t *e = &w->ph->e[k - 1];
    if (e->items == NULL) {
        /* Positions after skipping 0..gap tokens; try the farthest first. */
        size_t pos[VG_MATCH_MAX_GAP + 1];
        unsigned n = 0;
        pos[n++] = p;
        while (n <= e->gap) {
            size_t a;
            size_t b;
            if (!tok_prev(w, pos[n - 1], &a, &b))
                break;
            pos[n++] = a;
        }
        while (n > 0)
            if (elems_back(w, k - 1, pos[--n], start))
                return true;
        return false;
    }
    for (uint16_t i = 0; i < e->nitems; i++) {
        size_t s;
        if (item_back(w, &e->items[i], e->items[i].n, p, &s) && elems_back(w, k - 1, s, start))
            return true;
    }
    return false;
}

/* Elements [k, n) starting at or after @p p; the shortest match wins. */
static bool elems_fwd(walk_t *w, uint16_t k, size_t p, size_t *end)
{
    if (k == w->ph->n) {
        *end = p;
        return true;
    }
    const vg_pelem_t *e = &w->ph->e[k];
    if (e->items == NULL) {
        for (unsigned g = 0; g <= e->gap; g++) {
            if (elems_fwd(w, (uint16_t)(k + 1), p, end))
                return true;
            size_t a;
            if (!tok_next(w, p, &a, &p))
                return false;
        }
        return false;
    }
    for (uint16_t i = 0; i < e->nitems; i++) {
        size_t x;
        if (item_fwd(w, &e->items[i], 0, p, &x) && elems_fwd(w, (uint16_t)(k + 1), x, end))
            return true;
    }
    return false;
}

bool vg_phrase_confirm(const vg_phrase_t *ph, uint32_t item, const unsigned char *buf, size_t lo,
                       size_t hi, size_t s, size_t e, size_t *ms, size_t *me)
{
    walk_t w = {.buf = buf, .lo = lo, .hi = hi, .ph = ph, .budget = VG_MATCH_PHRASE_BUDGET};
    const vg_pelem_t *el = &ph->e[ph->anchor];
    if (item >= el->nitems || s < lo || e > hi || s >= e)
        return false;
    const vg_pitem_t *it = &el->items[item];
    const vg_pword_t *aw = &it->w[it->anchor];

    /* The token around the literal, and the anchor word's boundaries. */
    size_t a = s;
    size_t b = e;
    while (a > lo && is_word(&w, a - 1))
        a--;
    while (b < hi && is_word(&w, b))
        b++;
    if ((!aw->lstar && a != s) || (!aw->rstar && b != e))
        return false;

    size_t is;
    size_t ie;
    if (!item_back(&w, it, it->anchor, a, &is) ||
        !item_fwd(&w, it, (uint16_t)(it->anchor + 1), b, &ie))
        return false;
    return elems_back(&w, ph->anchor, is, ms) && elems_fwd(&w, (uint16_t)(ph->anchor + 1), ie, me);
}
