/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match scanner: the per-message hot path. One worker owns one scanner: a
 * normalizer, a Hyperscan scratch and bounded working arrays, so a scan
 * allocates nothing (the scratch grows once per new ruleset).
 *
 *   text ─▶ vg_norm_run ─▶ [FOLD] ─▶ hs_scan (FOLD database: regexes)
 *                                  ─▶ gates ('@', digits) ─▶ hs_scan (their databases)
 *                                  ─▶ SOM candidates ─▶ hs_scan (their SOM databases)
 *                          ' ' [WORDS] ' ' ─▶ hs_scan (WORDS database: words, anchors)
 *                                                   │ on_match: region, mask,
 *                                                   │ boundaries, run lengths,
 *                                                   │ validator ─▶ raw[]
 *   findings ◀─ sort, cap ◀─ dedupe ◀─ allow-lists ◀─ map to original offsets
 *
 * The match callback confirms what Hyperscan cannot cheaply express:
 * lexicon literals are matched without \b (a whole word is written with a
 * ' ' on each side and the WORDS region is scanned from a copy with a ' '
 * added at each end, so a region edge counts as a boundary; the callback
 * checks the boundaries again, cheaply); a literal's letters must have been
 * repeated as often in the text as in the entry, or at least three times
 * (emphasis: "stronzooo"), so "ano" does not match "anno"; regexes must fall
 * in their region and pass their validator. A phrase's anchor is confirmed
 * after the scan, and only if a word of each of its other elements was
 * reported present; a FOLD regex that needs its start (SOM) is found without
 * SOM first, and only the SOM databases of the candidates seen rescan FOLD.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "match/match_internal.h"
#include "vaglio/log.h"
#include "vaglio/normalize.h"
#include "vaglio/validate.h"

typedef struct raw {
    uint32_t rule;
    uint32_t s; /* buffer offsets, then original offsets after mapping */
    uint32_t e;
} raw_t;

typedef struct range {
    uint32_t s;
    uint32_t e;
} range_t;

/* A phrase anchor found, confirmed after the scan if its words are all there. */
typedef struct pending {
    uint32_t use;
    uint32_t s;
    uint32_t e;
} pending_t;

struct vg_scanner {
    vg_norm_t *norm;
    size_t max_text;
    hs_scratch_t *scratch;
    uint64_t generation; /* the ruleset the scratch was last sized for; 0 = none */
    char *pad;           /* ' ' WORDS ' ': what the WORDS database scans */
    size_t padcap;
    uint64_t *seen; /* presence bits of the ruleset's phrase prefilter */
    size_t nseen;   /* words */
    pending_t pend[VG_MATCH_MAX_RAW];
    raw_t raw[VG_MATCH_MAX_RAW];
    range_t allow[VG_MATCH_MAX_RAW];
};

vg_scanner_t *vg_scanner_new(size_t max_text)
{
    vg_scanner_t *sc = vg_xcalloc(1, sizeof(*sc));
    sc->norm = vg_norm_new(max_text);
    sc->max_text = max_text;
    /* WORDS is never longer than the text it came from (folding and the
     * word reductions only shrink); grown in vg_scan should that change. */
    sc->padcap = max_text + 2;
    sc->pad = vg_xmalloc(sc->padcap);
    return sc;
}

void vg_scanner_free(vg_scanner_t *sc)
{
    if (sc == NULL)
        return;
    if (sc->scratch != NULL)
        hs_free_scratch(sc->scratch);
    vg_norm_free(sc->norm);
    free(sc->pad);
    free(sc->seen);
    free(sc);
}

/* ---- the match callback ------------------------------------------------- */

typedef struct scan_ctx {
    const vg_ruleset_t *rs;
    const uint64_t *off; /* the tenant's switched-off sections, or NULL */
    const vg_norm_t *norm;
    const unsigned char *buf;
    size_t len;
    size_t fold_end;
    size_t words_start;
    const char *text; /* the original, for `exact` */
    size_t base;      /* buffer offset of the bytes being scanned */
    uint64_t *seen;   /* presence bits */
    pending_t *pend;  /* phrase anchors waiting for the end of the scan */
    size_t npend;
    bool need_som;     /* a FOLD regex that needs SOM matched somewhere */
    bool som_all;      /* ... one without a SOM database of its own */
    uint64_t som_mask; /* the slots of the others */
    raw_t *raw;
    size_t nraw;
    size_t dropped;
} scan_ctx_t;

static bool word_at(const scan_ctx_t *c, size_t lo, size_t hi, size_t i)
{
    return i >= lo && i < hi && vg_norm_is_word_byte(c->buf[i]);
}

/* Left and right word boundaries of [s, e) inside the region [lo, hi). */
static bool bounded(const scan_ctx_t *c, size_t lo, size_t hi, size_t s, size_t e, unsigned bounds)
{
    if ((bounds & VG_BOUND_LEFT) && s > lo && word_at(c, lo, hi, s - 1))
        return false;
    if ((bounds & VG_BOUND_RIGHT) && word_at(c, lo, hi, e))
        return false;
    return true;
}

/*
 * Run lengths: a letter written once in the entry must appear once in the
 * text (or three times or more, which is emphasis); a double letter must be
 * double (or emphasised). `exact` rules accept no emphasis.
 */
static bool runs_ok(const scan_ctx_t *c, const vg_rule_t *r, size_t s)
{
    for (size_t i = 0; i < r->width; i++) {
        if (!vg_norm_is_word_byte(c->buf[s + i]))
            continue;
        unsigned t = vg_norm_repeat(c->norm, s + i);
        unsigned p = r->runs[i];
        if (t == p || (t >= 3 && !r->exact))
            continue;
        /* At an open end the text's run may go on outside the literal:
         * "*fanculo" in "vaffanculo" starts inside the double f. */
        if (t > p && ((i == 0 && !(r->bounds & VG_BOUND_LEFT)) ||
                      (i + 1 == r->width && !(r->bounds & VG_BOUND_RIGHT))))
            continue;
        return false;
    }
    return true;
}

/*
 * `exact`: the original text of the span has no digits or symbols (no
 * leetspeak), and a single word no separators (no spelled-out letters).
 */
static bool exact_ok(const scan_ctx_t *c, size_t s, size_t e)
{
    size_t os;
    size_t oe;
    bool phrase = memchr(c->buf + s, ' ', e - s) != NULL;
    vg_norm_map(c->norm, s, e, &os, &oe);
    for (size_t i = os; i < oe; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
            continue;
        if (ch >= 0x80)
            continue;
        if (phrase && (ch == ' ' || ch == '\t' || ch == '\'' || ch == '\n'))
            continue;
        return false;
    }
    return true;
}

static bool alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * `isolated`: the span touches no letter or digit. In FOLD, letters are
 * ASCII once folded, and what is left above 0x7f is mostly punctuation and
 * emoji (« », “ ”, 😀), which must not glue; in WORDS, a word byte.
 */
static bool isolated(const scan_ctx_t *c, unsigned view, size_t lo, size_t hi, size_t s, size_t e)
{
    if (view == VG_VIEW_WORDS)
        return bounded(c, lo, hi, s, e, VG_BOUND_BOTH);
    return (s == lo || !alnum(c->buf[s - 1])) && (e == hi || !alnum(c->buf[e]));
}

static bool in_set(const uint64_t *set, unsigned char c)
{
    return (set[c / 64] >> (c % 64)) & 1;
}

/* A lexicon literal in WORDS: boundaries, run lengths, the whole word. */
static bool literal_hit(const scan_ctx_t *c, const vg_rule_t *r, size_t *ps, size_t *pe)
{
    size_t ws = c->words_start;
    size_t e = *pe;
    if (e < ws + r->width)
        return false; /* in the FOLD region: literals are for WORDS */
    size_t s = e - r->width;
    if (!bounded(c, ws, c->len, s, e, r->bounds) || !runs_ok(c, r, s))
        return false;
    if (r->exact && !exact_ok(c, s, e))
        return false;
    /* Show the moderator the whole word, not the stem. */
    if (!(r->bounds & VG_BOUND_LEFT))
        while (s > ws && vg_norm_is_word_byte(c->buf[s - 1]))
            s--;
    if (!(r->bounds & VG_BOUND_RIGHT))
        while (e < c->len && vg_norm_is_word_byte(c->buf[e]))
            e++;
    *ps = s;
    *pe = e;
    return true;
}

/* A phrase's anchor literal: the rest is confirmed word by word. */
static bool phrase_hit(const scan_ctx_t *c, const vg_rule_t *r, uint32_t item, size_t *ps,
                       size_t *pe)
{
    const vg_pitem_t *it = &r->phrase->e[r->phrase->anchor].items[item];
    size_t len = it->w[it->anchor].len;
    if (*pe < c->words_start + len)
        return false;
    return vg_phrase_confirm(r->phrase, item, c->buf, c->words_start, c->len, *pe - len, *pe, ps,
                             pe);
}

/* A raw regex: region, growth, isolation, context, validator. */
static bool regex_hit(const scan_ctx_t *c, const vg_rule_t *r, size_t from, size_t *ps, size_t *pe)
{
    size_t e = *pe;
    size_t s = r->width != 0 ? (e >= r->width ? e - r->width : 0) : from;
    size_t lo = 0;
    size_t hi = c->fold_end;
    if (r->view == VG_VIEW_WORDS) {
        lo = c->words_start;
        hi = c->len;
    }
    if (s < lo || e > hi || s >= e)
        return false;
    /* The regex matched a fast core ("x@domain.it"); the span grows over
     * the bytes the author named ("mario.rossi@domain.it"). */
    if (r->grow_left != NULL)
        for (unsigned k = 0;
             k < VG_MATCH_MAX_EXTEND && s > lo && in_set(r->grow_left, c->buf[s - 1]); k++)
            s--;
    if (r->grow_right != NULL)
        for (unsigned k = 0; k < VG_MATCH_MAX_EXTEND && e < hi && in_set(r->grow_right, c->buf[e]);
             k++)
            e++;
    if (r->isolated && !isolated(c, r->view, lo, hi, s, e))
        return false;
    if (r->context) {
        /* "p.iva: 01234567890": the words before the number only anchor the
         * regex; the data, its validation and the span a moderator sees
         * start at the number. */
        while (s < e && !(c->buf[s] >= '0' && c->buf[s] <= '9') && c->buf[s] != '+')
            s++;
        if (s == e)
            return false;
    }
    if (r->validator != VG_VALIDATOR_NONE &&
        !vg_validate((vg_validator_t)r->validator, (const char *)c->buf + s, e - s))
        return false;
    *ps = s;
    *pe = e;
    return true;
}

/* Confirms one use of an expression matched at [from, to) of the buffer.
 * Returns true if the scan must stop (too many matches). */
static bool confirm(scan_ctx_t *c, const vg_hsexpr_t *x, size_t from, size_t to)
{
    const vg_rule_t *r = &c->rs->rules[x->rule];
    size_t s = 0;
    size_t e = to;
    bool hit;

    if (c->off != NULL && (c->off[r->section / 64] >> (r->section % 64)) & 1)
        return false;
    if (r->kind == VG_RULE_LITERAL)
        hit = literal_hit(c, r, &s, &e);
    else if (r->kind == VG_RULE_PHRASE)
        hit = phrase_hit(c, r, x->item, &s, &e);
    else
        hit = regex_hit(c, r, from, &s, &e);
    if (!hit)
        return false;
    if (c->nraw == VG_MATCH_MAX_RAW) {
        /* Bounded work per message: a text built to match everything stops
         * the scan here; what was found is still reported. */
        c->dropped++;
        return true;
    }
    c->raw[c->nraw++] = (raw_t){.rule = x->rule, .s = (uint32_t)s, .e = (uint32_t)e};
    return false;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    scan_ctx_t *c = ctx;
    const vg_hsexpr_t *x = &c->rs->exprs[id];
    /* Buffer offsets; a padding ' ' is not part of the word. */
    size_t s = c->base + (size_t)from + ((x->pad & VG_BOUND_LEFT) ? 1 : 0);
    size_t e = c->base + (size_t)to - ((x->pad & VG_BOUND_RIGHT) ? 1 : 0);

    (void)flags;
    if (x->som) {
        c->need_som = true;
        if (x->som == VG_SOM_ALL || c->rs->nsom_one == 0)
            c->som_all = true;
        else
            c->som_mask |= (uint64_t)1 << (x->som - 1);
        return 0;
    }
    if (x->rule == VG_HSEXPR_PRESENCE) {
        const vg_ruleset_t *rs = c->rs;
        for (uint32_t k = rs->lit_at[x->item]; k < rs->lit_at[x->item + 1]; k++)
            c->seen[rs->lit_el[k] / 64] |= (uint64_t)1 << (rs->lit_el[k] % 64);
        return 0;
    }
    for (;;) {
        if (x->req && c->npend < VG_MATCH_MAX_RAW)
            c->pend[c->npend++] = (pending_t){
                .use = (uint32_t)(x - c->rs->exprs), .s = (uint32_t)s, .e = (uint32_t)e};
        else if (confirm(c, x, s, e))
            return 1;
        if (x->next == UINT32_MAX)
            return 0;
        x = &c->rs->exprs[x->next];
    }
}

/* Has each element of phrase @p rule, besides its anchor, a word in the text? */
static bool required_present(const scan_ctx_t *c, uint32_t rule)
{
    const uint32_t *q = &c->rs->req[c->rs->req_at[rule]];
    uint32_t nel = *q++;
    for (uint32_t k = 0; k < nel; k++)
        if (!((c->seen[q[k] / 64] >> (q[k] % 64)) & 1))
            return false;
    return true;
}

/* The phrase anchors of the scan whose other words all occur: confirmed now. */
static void confirm_pending(scan_ctx_t *c)
{
    for (size_t i = 0; i < c->npend; i++) {
        const vg_hsexpr_t *x = &c->rs->exprs[c->pend[i].use];
        if (required_present(c, x->rule) && confirm(c, x, c->pend[i].s, c->pend[i].e))
            return;
    }
}

/* ---- gates -------------------------------------------------------------- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

/* The first digit or '@' of b[i, n), or n. */
static size_t next_digit_or_at(const unsigned char *b, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i zero = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    const __m128i at = _mm_set1_epi8('@');
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i d = _mm_sub_epi8(x, zero);
        __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, _mm_cmpeq_epi8(x, at)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    for (; i < n; i++)
        if (is_digit(b[i]) || b[i] == '@')
            return i;
    return n;
}

/*
 * A run of sixteen letters a-z in b[0, n). Runs inside one 16-byte block
 * are shorter, so only the letters a block starts and ends with count:
 * the run carried over grows by a whole block or ends at its first
 * non-letter.
 */
static bool letter_run16(const unsigned char *b, size_t n)
{
    size_t run = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i off = _mm_set1_epi8((char)(0x80 - 'a'));
    const __m128i lim = _mm_set1_epi8((char)(-128 + 26));
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        /* x - 'a' + 0x80 below -128 + 26 (signed) exactly for 'a'..'z' */
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(x, off), lim));
        if (m == 0xFFFF || run + (unsigned)__builtin_ctz(~m) >= 16)
            return true;
        /* the letters the block ends with */
        run = (size_t)__builtin_clz(~m << 16);
    }
#endif
    for (; i < n; i++) {
        run = is_lower(b[i]) ? run + 1 : 0;
        if (run >= 16)
            return true;
    }
    return false;
}

/* One pass that skips sixteen bytes at a time to the next digit or '@'. */
unsigned vg_match_fold_gates(const unsigned char *b, size_t n, unsigned want)
{
    unsigned g = 0;
    size_t i = 0;
    if ((want & VG_GATE_L16) && letter_run16(b, n))
        g |= VG_GATE_L16;
    while (i < n && (g & want) != want) {
        size_t k = next_digit_or_at(b, i, n);
        if (k == n)
            break;
        if (b[k] == '@') {
            g |= VG_GATE_AT;
            i = k + 1;
            continue;
        }
        size_t j = k;
        while (j < n && is_digit(b[j]))
            j++;
        if (j - k >= 5)
            g |= VG_GATE_D5;
        if (j - k >= 2 && k >= 2 && is_lower(b[k - 1]) && is_lower(b[k - 2]))
            g |= VG_GATE_LLDD;
        if (j - k >= 2 && j < n && is_lower(b[j]))
            g |= VG_GATE_DDL;
        i = j;
    }
    return g & want;
}

/*
 * The FOLD stage: the FOLD database, then the database of each gate the
 * message passes. Hyperscan reports a database's matches in order; split
 * over several databases they come in another order, which only matters
 * when the match cap drops some: then the stage runs again as one database.
 */
static hs_error_t scan_fold(const vg_ruleset_t *rs, hs_scratch_t *scratch, scan_ctx_t *c)
{
    const char *buf = (const char *)c->buf;
    unsigned len = (unsigned)c->fold_end;
    hs_error_t rc = HS_SUCCESS;
    if (rs->db_fold != NULL)
        rc = hs_scan(rs->db_fold, buf, len, 0, scratch, on_match, c);
    if (rs->db_fold_all == NULL)
        return rc;
    unsigned want = 0;
    for (int k = 0; k < VG_GATES; k++)
        if (rs->db_gate[k] != NULL)
            want |= 1u << k;
    unsigned g = rc == HS_SUCCESS ? vg_match_fold_gates(c->buf, c->fold_end, want) : 0;
    for (int k = 0; k < VG_GATES && rc == HS_SUCCESS; k++)
        if (g & (1u << k))
            rc = hs_scan(rs->db_gate[k], buf, len, 0, scratch, on_match, c);
    if (rc != HS_SCAN_TERMINATED && c->dropped == 0)
        return rc;
    c->nraw = 0;
    c->dropped = 0;
    c->need_som = false;
    c->som_all = false;
    c->som_mask = 0;
    return hs_scan(rs->db_fold_all, buf, len, 0, scratch, on_match, c);
}

/*
 * The SOM stage: the SOM database of each candidate seen, or the shared one.
 * As for the FOLD stage, a scan that hits the match cap runs again as one.
 */
static hs_error_t scan_som(const vg_ruleset_t *rs, hs_scratch_t *scratch, scan_ctx_t *c)
{
    const char *buf = (const char *)c->buf;
    unsigned len = (unsigned)c->fold_end;
    hs_error_t rc = HS_SUCCESS;
    if (c->som_all || rs->nsom_one == 0)
        return hs_scan(rs->db_som, buf, len, 0, scratch, on_match, c);
    size_t before = c->nraw;
    for (uint64_t m = c->som_mask; m != 0 && rc == HS_SUCCESS; m &= m - 1)
        rc = hs_scan(rs->db_som_one[__builtin_ctzll(m)], buf, len, 0, scratch, on_match, c);
    if (rc != HS_SCAN_TERMINATED && c->dropped == 0)
        return rc;
    c->nraw = before;
    c->dropped = 0;
    return hs_scan(rs->db_som, buf, len, 0, scratch, on_match, c);
}

/* ---- after the scan ----------------------------------------------------- */

/* Adds the range of allow entry @p a found at [s, e) if its boundaries hold. */
static size_t allow_at(const scan_ctx_t *c, const vg_tenant_allow_t *a, size_t s, range_t *out,
                       size_t n)
{
    size_t e = s + a->len;
    if (!bounded(c, c->words_start, c->len, s, e, a->bounds))
        return n;
    if (!(a->bounds & VG_BOUND_LEFT))
        while (s > c->words_start && vg_norm_is_word_byte(c->buf[s - 1]))
            s--;
    if (!(a->bounds & VG_BOUND_RIGHT))
        while (e < c->len && vg_norm_is_word_byte(c->buf[e]))
            e++;
    size_t os;
    size_t oe;
    vg_norm_map(c->norm, s, e, &os, &oe);
    out[n++] = (range_t){.s = (uint32_t)os, .e = (uint32_t)oe};
    return n;
}

/*
 * A tenant's allow entries in the WORDS region: for each word of the
 * message, the entries whose first word it is (one hash lookup); then the
 * few entries with an open first word, by memmem.
 */
static size_t tenant_allow(const scan_ctx_t *c, const vg_match_tenant_t *t, range_t *out, size_t n,
                           size_t cap)
{
    const char *base = (const char *)c->buf;
    size_t p = c->words_start;
    while (n < cap) {
        while (p < c->len && !vg_norm_is_word_byte(c->buf[p]))
            p++;
        if (p == c->len)
            break;
        size_t q = p;
        while (q < c->len && vg_norm_is_word_byte(c->buf[q]))
            q++;
        uint32_t i = t->heads[vg_match_hash(base + p, q - p) & (t->nheads - 1)];
        for (; i != UINT32_MAX && n < cap; i = t->allow[i].next) {
            const vg_tenant_allow_t *a = &t->allow[i];
            if (a->first == q - p && p + a->len <= c->len && memcmp(base + p, a->text, a->len) == 0)
                n = allow_at(c, a, p, out, n);
        }
        p = q;
    }
    for (size_t k = 0; k < t->nopen && n < cap; k++) {
        const vg_tenant_allow_t *a = &t->allow[t->open[k]];
        size_t pos = c->words_start;
        while (pos + a->len <= c->len && n < cap) {
            const char *hit = memmem(base + pos, c->len - pos, a->text, a->len);
            if (hit == NULL)
                break;
            size_t s = (size_t)(hit - base);
            n = allow_at(c, a, s, out, n);
            pos = s + 1;
        }
    }
    return n;
}

static int cmp_rule_span(const void *a, const void *b)
{
    const raw_t *x = a;
    const raw_t *y = b;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->e != y->e)
        return x->e > y->e ? -1 : 1; /* longest first */
    return 0;
}

static int cmp_start_rule(const void *a, const void *b)
{
    const raw_t *x = a;
    const raw_t *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

static bool covered(const range_t *allow, size_t nallow, uint32_t s, uint32_t e)
{
    for (size_t i = 0; i < nallow; i++)
        if (allow[i].s <= s && e <= allow[i].e)
            return true;
    return false;
}

static void finish(vg_scanner_t *sc, scan_ctx_t *c, const vg_match_tenant_t *tenant,
                   vg_scan_result_t *out)
{
    const vg_ruleset_t *rs = c->rs;
    size_t nallow = 0;
    size_t n = 0;

    /* Original offsets; allow matches become ranges, the rest findings. */
    for (size_t i = 0; i < c->nraw; i++) {
        raw_t r = c->raw[i];
        size_t os;
        size_t oe;
        vg_norm_map(c->norm, r.s, r.e, &os, &oe);
        if (rs->rules[r.rule].allow) {
            sc->allow[nallow++] = (range_t){.s = (uint32_t)os, .e = (uint32_t)oe};
        } else {
            c->raw[n++] = (raw_t){.rule = r.rule, .s = (uint32_t)os, .e = (uint32_t)oe};
        }
    }
    if (tenant != NULL)
        nallow = tenant_allow(c, tenant, sc->allow, nallow, VG_MATCH_MAX_RAW);

    /*
     * An allow match cancels the findings it covers entirely: "!di troia"
     * cancels "troia" in "il cavallo di Troia" but not the longer finding
     * "figlio di troia". Personal data is never cancelled.
     */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        raw_t r = c->raw[i];
        vg_category_t cat = vg_ruleset_rule_category(rs, r.rule);
        if (cat < VG_CAT_COUNT && !vg_category_is_pii(cat) && covered(sc->allow, nallow, r.s, r.e))
            continue;
        c->raw[k++] = r;
    }
    n = k;

    /* One finding per rule and overlapping spans: the longest. */
    qsort(c->raw, n, sizeof(*c->raw), cmp_rule_span);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        raw_t r = c->raw[i];
        if (k > 0 && c->raw[k - 1].rule == r.rule && r.s < c->raw[k - 1].e) {
            raw_t *prev = &c->raw[k - 1];
            if (r.e - r.s > prev->e - prev->s)
                *prev = r;
            continue;
        }
        c->raw[k++] = r;
    }
    n = k;
    qsort(c->raw, n, sizeof(*c->raw), cmp_start_rule);

    out->n = VG_MIN(n, (size_t)VG_MATCH_MAX_FINDINGS);
    out->dropped = n - out->n + c->dropped;
    for (size_t i = 0; i < out->n; i++)
        out->findings[i] =
            (vg_finding_t){.rule = c->raw[i].rule, .start = c->raw[i].s, .end = c->raw[i].e};
}

int vg_scan(vg_scanner_t *sc, const vg_ruleset_t *rs, const vg_match_tenant_t *tenant,
            const char *text, size_t len, vg_scan_result_t *out)
{
    out->n = 0;
    out->dropped = 0;
    out->truncated = false;
    if (rs == NULL)
        return -VG_EINVAL;
    if (sc->generation != rs->generation) {
        /* A new ruleset: grow the scratch (Hyperscan keeps it valid for the
         * databases it was sized for before). The only allocation here. */
        bool ok =
            (rs->db == NULL || hs_alloc_scratch(rs->db, &sc->scratch) == HS_SUCCESS) &&
            (rs->db_fold == NULL || hs_alloc_scratch(rs->db_fold, &sc->scratch) == HS_SUCCESS) &&
            (rs->db_som == NULL || hs_alloc_scratch(rs->db_som, &sc->scratch) == HS_SUCCESS) &&
            (rs->db_fold_all == NULL ||
             hs_alloc_scratch(rs->db_fold_all, &sc->scratch) == HS_SUCCESS);
        for (size_t k = 0; k < rs->nsom_one && ok; k++)
            ok = hs_alloc_scratch(rs->db_som_one[k], &sc->scratch) == HS_SUCCESS;
        for (int k = 0; k < VG_GATES && ok; k++)
            ok = rs->db_gate[k] == NULL ||
                 hs_alloc_scratch(rs->db_gate[k], &sc->scratch) == HS_SUCCESS;
        if (!ok) {
            VG_LOG_ERR(match, "msg=\"cannot allocate Hyperscan scratch\"");
            return -VG_EHS;
        }
        size_t words = (rs->nelems + 63) / 64 + 1;
        if (words > sc->nseen) {
            free(sc->seen);
            sc->seen = vg_xcalloc(words, sizeof(*sc->seen));
            sc->nseen = words;
        }
        sc->generation = rs->generation;
    }
    out->truncated = vg_norm_run(sc->norm, text, len) != 0;

    scan_ctx_t c;
    memset(&c, 0, sizeof(c));
    c.rs = rs;
    c.norm = sc->norm;
    c.text = text;
    c.raw = sc->raw;
    c.seen = sc->seen;
    c.pend = sc->pend;
    memset(sc->seen, 0, ((rs->nelems + 63) / 64) * sizeof(*sc->seen));
    /* A tenant built for another ruleset: its section indexes mean nothing
     * here, so only its allow-list applies. */
    if (tenant != NULL && tenant->rs == rs)
        c.off = tenant->off;
    size_t blen;
    c.buf = (const unsigned char *)vg_norm_buffer(sc->norm, &blen);
    c.len = blen;
    vg_norm_regions(sc->norm, &c.fold_end, &c.words_start);
    if (blen == 0)
        return 0;

    hs_error_t rc = HS_SUCCESS;
    if (c.fold_end > 0)
        rc = scan_fold(rs, sc->scratch, &c);
    /* SOM costs a third of the scan: only texts with a candidate pay it. */
    if (rc == HS_SUCCESS && c.need_som && rs->db_som != NULL)
        rc = scan_som(rs, sc->scratch, &c);
    size_t wl = blen - c.words_start;
    if (rs->db != NULL && wl > 0 && rc == HS_SUCCESS) {
        if (wl + 2 > sc->padcap) {
            sc->padcap = wl + 2;
            sc->pad = vg_xrealloc(sc->pad, sc->padcap);
        }
        sc->pad[0] = ' ';
        memcpy(sc->pad + 1, c.buf + c.words_start, wl);
        sc->pad[wl + 1] = ' ';
        c.base = c.words_start - 1; /* the byte before WORDS is FOLD's '\n' */
        rc = hs_scan(rs->db, sc->pad, (unsigned)(wl + 2), 0, sc->scratch, on_match, &c);
        if (rc == HS_SUCCESS)
            confirm_pending(&c);
    }
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
        VG_LOG_ERR(match, "msg=\"hyperscan scan failed\" rc=%d", (int)rc);
        return -VG_EHS;
    }
    finish(sc, &c, tenant, out);
    return 0;
}
