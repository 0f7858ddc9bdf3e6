/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match compiler: turns the parsed rules of a pattern directory into two
 * Hyperscan block-mode databases, one per region of the scan buffer, and
 * wraps them with the rule metadata into an immutable, reference-counted
 * ruleset that every worker shares. It runs at start-up and on reload, on a
 * helper thread: never on a worker loop.
 *
 *   vg_ruleset_load(dir)
 *     parse every *.txt ──errors──▶ NULL, err = first "path:line: reason"
 *       │
 *     hs_expression_info per regex ──▶ fixed width? start = end - width
 *       │                             : HS_FLAG_SOM_LEFTMOST
 *     expressions: a literal per word rule, a regex per regex rule, a literal
 *       │          per item of each phrase's anchor; identical ones shared
 *       │          (id = first use; the others chained: id -> rule, item)
 *     hs_compile_multi: WORDS (words, anchors, presence words, WORDS regexes)
 *       │               FOLD (the other regexes), or the database of the
 *       │                 first gate a regex needs (an '@', [0-9]{5}, ...)
 *       │               SOM (the FOLD regexes that need it), and each alone
 *       │               FOLD and the gates as one, in rule order (match cap)
 *       │                                ──error──▶ id ─▶ rule ─▶ path:line
 *     measure: database bytes, scratch bytes, milliseconds ──▶ ruleset (refs = 1)
 *
 * Lexicon literals are compiled without SOM, CASELESS or \b: the text is
 * already folded. A side that must be a word boundary is written as a ' '
 * (the WORDS region has exactly one ' ' between words and the scanner adds
 * one at each end), so Hyperscan reports only whole words and thousands of
 * words stay on its literal engines; run lengths are checked in the match
 * callback. Phrases are literals too (their most selective word), confirmed
 * word by word in the callback (phrase.c): only the raw regexes need an
 * automaton, and each database scans only the region meant for it (the
 * split measured 1.6x in an early spike).
 *
 * Most personal-data regexes have no literal: their automata ran over every
 * byte of every message and cost two thirds of the FOLD scan. Those whose
 * every match needs an '@' (e-mail), five digits in a row (postcode, VAT,
 * landline), two letters then two digits (IBAN) or two digits then a letter
 * (fiscal code) sit behind that gate: the scanner's byte pass finds the
 * gates a message passes and only their databases run (vg_regex_gates
 * decides, conservatively, from the regex's top-level atoms). The findings
 * are the same; only the order of the matches changes, which the scanner
 * undoes with one more scan when a message hits the match cap.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "vaglio/log.h"

/*
 * Each ruleset gets a process-wide unique generation so that a scanner knows
 * whether its scratch was sized for this database (a freed ruleset's address
 * can be reused by the next one, so the pointer is not enough). A counter,
 * not shared state: nothing reads it but the constructor.
 */
static atomic_uint_fast64_t next_generation = 1;

/* The retries of `check` mode, each a full compile: bounded. */
#define CHECK_MAX_HS_ERRORS 20

static void rule_error(vg_pset_t *ps, const vg_rule_t *r, const char *what, const char *msg)
{
    /* r->source is "path:line". */
    vg_pset_error(ps, r->source, 0, "%s '%s': %s", what, r->id, msg);
}

/*
 * Asks Hyperscan about every regex and phrase: refuses what it cannot
 * compile (with the rule's file:line, which a multi compile reports only for
 * the first failure), and decides per rule whether its start offset needs
 * SOM or follows from a fixed width.
 */
static void analyse(vg_pset_t *ps, bool *bad)
{
    for (size_t i = 0; i < ps->nrules; i++) {
        vg_rule_t *r = &ps->rules[i];
        if (r->kind != VG_RULE_REGEX)
            continue;
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *cerr = NULL;
        if (hs_expression_info(r->expr, r->hs_flags, &info, &cerr) != HS_SUCCESS) {
            rule_error(ps, r, "Hyperscan refuses", cerr != NULL ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            bad[i] = true;
            continue;
        }
        if (info->min_width == 0) {
            rule_error(ps, r, "refused", "it can match empty text");
            bad[i] = true;
        } else if (info->min_width == info->max_width) {
            r->width = info->min_width;
            r->hs_flags &= ~(unsigned)HS_FLAG_SOM_LEFTMOST;
        } else {
            r->width = 0;
            r->hs_flags |= HS_FLAG_SOM_LEFTMOST;
        }
        free(info);
    }
}

/* The expressions of one database, as hs_compile_multi takes them. */
typedef struct hsset {
    char **strs;
    unsigned *flags;
    unsigned *ids;
    size_t n;
} hsset_t;

static void hsset_free(hsset_t *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->strs[i]);
    free(h->strs);
    free(h->flags);
    free(h->ids);
    memset(h, 0, sizeof(*h));
}

/* Distinct expressions: (view, flags, string) -> first use, by hashing. */
typedef struct dedupe {
    uint32_t *slots; /* use index + 1, 0 = empty */
    size_t cap;      /* a power of two */
    uint32_t *pos;   /* use index -> index of its string in its set */
} dedupe_t;

static uint32_t expr_hash(const char *s, unsigned flags, uint8_t view)
{
    return vg_match_hash(s, strlen(s)) ^ (flags * 2654435761u) ^ view;
}

/*
 * Adds use @p m of expression @p str. Returns @p m if the expression is new
 * (its string then goes to the database of the use's view), else the first
 * use of the same expression, whose chain @p m joins if @p chain.
 */
static size_t add_use(dedupe_t *dd, vg_hsexpr_t *uses, size_t m, hsset_t *sets, char *str,
                      unsigned flags, bool chain)
{
    vg_hsexpr_t *u = &uses[m];
    uint32_t h = expr_hash(str, flags, u->view);
    for (size_t k = h & (dd->cap - 1);; k = (k + 1) & (dd->cap - 1)) {
        uint32_t v = dd->slots[k];
        if (v == 0) {
            dd->slots[k] = (uint32_t)m + 1;
            hsset_t *hs = &sets[u->view];
            hs->strs[hs->n] = str;
            hs->flags[hs->n] = flags;
            hs->ids[hs->n] = (unsigned)m;
            dd->pos[m] = (uint32_t)hs->n;
            hs->n++;
            if (u->view == VG_VIEW_FOLD || u->view >= VG_DB_GATE) {
                /* The whole FOLD stage again, in rule order (db_fold_all). */
                hsset_t *all = &sets[VG_DB_COUNT];
                all->strs[all->n] = vg_xstrdup(str);
                all->flags[all->n] = flags;
                all->ids[all->n] = (unsigned)m;
                all->n++;
            }
            return m;
        }
        vg_hsexpr_t *first = &uses[v - 1];
        hsset_t *fs = &sets[first->view];
        size_t fi = dd->pos[v - 1];
        if (first->view == u->view && fs->flags[fi] == flags && strcmp(fs->strs[fi], str) == 0) {
            /* Joins the chain of the first use, at its end: ids stay in order. */
            while (chain && first->next != UINT32_MAX)
                first = &uses[first->next];
            if (chain)
                first->next = (uint32_t)m;
            free(str);
            return v - 1;
        }
    }
}

/* The phrase prefilter's requirements, built beside the expressions. */
typedef struct reqs {
    uint32_t *at; /* per rule */
    uint32_t *v;
    size_t n;
    size_t cap;
    size_t nbits;
} reqs_t;

static void reqs_push(reqs_t *q, uint32_t x)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 1024;
        q->v = vg_xrealloc(q->v, q->cap * sizeof(*q->v));
    }
    q->v[q->n++] = x;
}

static void reqs_free(reqs_t *q)
{
    free(q->at);
    free(q->v);
    memset(q, 0, sizeof(*q));
}

/* A lexicon literal with a ' ' on each side that must be a word boundary. */
static char *padded(const char *lit, size_t n, unsigned pad)
{
    vg_buf_t b;
    vg_buf_init(&b, 0);
    if (pad & VG_BOUND_LEFT)
        vg_buf_puts(&b, "\\x20");
    vg_buf_append(&b, lit, n);
    if (pad & VG_BOUND_RIGHT)
        vg_buf_puts(&b, "\\x20");
    return vg_buf_steal(&b, NULL);
}

/*
 * The Hyperscan expressions: one per literal or regex rule, one per item of
 * a phrase's anchor element, identical ones shared. Words, phrase anchors
 * and WORDS regexes go to the WORDS database, the other regexes to the FOLD
 * one: each region is scanned only by the expressions meant for it. Fills
 * @p out (use -> rule, item) and the two sets.
 */
static char *word_expr(const vg_pword_t *w, uint8_t *pad)
{
    vg_buf_t b;
    vg_buf_init(&b, 0);
    vg_match_escape(&b, w->stem, w->len);
    *pad = (uint8_t)((w->lstar ? 0 : VG_BOUND_LEFT) | (w->rstar ? 0 : VG_BOUND_RIGHT));
    char *str = padded(b.data, b.len, *pad);
    vg_buf_cleanup(&b);
    return str;
}

/*
 * Presence words are kept apart from the same word used as an anchor (the
 * use says which): a bit of the dedupe key only, never given to Hyperscan.
 * They were HS_FLAG_SINGLEMATCH, but reporting a word each time it occurs
 * measured 10% faster on the WORDS database than Hyperscan's bookkeeping
 * of single matches, and setting a presence bit twice changes nothing.
 */
#define PRESENCE_KEY 0x80000000u

/*
 * The presence uses of phrase @p r (rule @p i): the anchor word of every
 * item of every other element, once per scan; and the rule's requirement.
 */
static size_t presence(dedupe_t *dd, vg_hsexpr_t *uses, size_t m, hsset_t *sets, reqs_t *q,
                       const vg_rule_t *r, size_t i)
{
    const vg_phrase_t *ph = r->phrase;
    uint32_t nel = 0;
    for (uint16_t j = 0; j < ph->n; j++)
        nel += j != ph->anchor && ph->e[j].items != NULL;
    if (nel == 0)
        return m;
    q->at[i] = (uint32_t)q->n;
    reqs_push(q, nel);
    for (uint16_t j = 0; j < ph->n; j++) {
        const vg_pelem_t *e = &ph->e[j];
        if (j == ph->anchor || e->items == NULL)
            continue;
        reqs_push(q, e->nitems);
        for (uint16_t k = 0; k < e->nitems; k++) {
            vg_hsexpr_t *u = &uses[m];
            *u = (vg_hsexpr_t){
                .rule = VG_HSEXPR_PRESENCE, .next = UINT32_MAX, .view = VG_VIEW_WORDS};
            char *str = word_expr(&e->items[k].w[e->items[k].anchor], &u->pad);
            size_t first = add_use(dd, uses, m, sets, str, PRESENCE_KEY, false);
            if (first == m)
                u->item = (uint32_t)q->nbits++;
            reqs_push(q, uses[first].item);
            m++;
        }
    }
    return m;
}

/* The database of a FOLD regex: the first gate it passes, or FOLD itself. */
static uint8_t fold_db(const char *re)
{
    unsigned g = vg_regex_gates(re, strlen(re));
    for (int k = 0; k < VG_GATES; k++)
        if (g & (1u << k))
            return (uint8_t)(VG_DB_GATE + k);
    return VG_VIEW_FOLD;
}

/*
 * Renumbers the uses so that each chain lies in a row (the first use, then
 * the others in rule order), and the Hyperscan ids with them. A common word
 * is the anchor of hundreds of phrase items: the callback walks its chain
 * on every report, and a walk that jumped across the array missed the cache
 * at each step (the largest cost of the callback in the profile). A use no
 * chain reaches (a presence word's duplicate) is a row of one.
 */
static void chains_in_a_row(vg_hsexpr_t *uses, size_t m, hsset_t sets[VG_DB_COUNT + 1])
{
    uint32_t *to = vg_xmalloc((m + 1) * sizeof(*to));
    bool *reached = vg_xcalloc(m + 1, sizeof(*reached));
    vg_hsexpr_t *row = vg_xmalloc((m + 1) * sizeof(*row));
    uint32_t k = 0;

    for (size_t i = 0; i < m; i++)
        if (uses[i].next != UINT32_MAX)
            reached[uses[i].next] = true;
    for (size_t i = 0; i < m; i++) {
        if (reached[i])
            continue;
        for (uint32_t j = (uint32_t)i;; j = uses[j].next) {
            row[k] = uses[j];
            row[k].next = uses[j].next == UINT32_MAX ? UINT32_MAX : k + 1;
            to[j] = k++;
            if (uses[j].next == UINT32_MAX)
                break;
        }
    }
    memcpy(uses, row, m * sizeof(*uses));
    for (int v = 0; v <= VG_DB_COUNT; v++)
        for (size_t j = 0; j < sets[v].n; j++)
            sets[v].ids[j] = to[sets[v].ids[j]];
    free(row);
    free(reached);
    free(to);
}

static size_t expressions(const vg_pset_t *ps, const bool *bad, vg_hsexpr_t **out,
                          hsset_t sets[VG_DB_COUNT + 1], reqs_t *q)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->nrules; i++) {
        const vg_rule_t *r = &ps->rules[i];
        if (bad[i])
            continue;
        if (r->kind != VG_RULE_PHRASE) {
            n += 2; /* a FOLD regex with SOM has two uses */
            continue;
        }
        for (uint16_t j = 0; j < r->phrase->n; j++)
            n += r->phrase->e[j].nitems;
    }
    q->at = vg_xmalloc((ps->nrules + 1) * sizeof(*q->at));
    for (size_t i = 0; i < ps->nrules; i++)
        q->at[i] = UINT32_MAX;
    *out = vg_xcalloc(n + 1, sizeof(**out));
    for (int v = 0; v <= VG_DB_COUNT; v++) {
        sets[v].strs = vg_xcalloc(n + 1, sizeof(*sets[v].strs));
        sets[v].flags = vg_xcalloc(n + 1, sizeof(*sets[v].flags));
        sets[v].ids = vg_xcalloc(n + 1, sizeof(*sets[v].ids));
        sets[v].n = 0;
    }
    dedupe_t dd = {.cap = 64};
    while (dd.cap < 2 * n)
        dd.cap *= 2;
    dd.slots = vg_xcalloc(dd.cap, sizeof(*dd.slots));
    dd.pos = vg_xcalloc(n + 1, sizeof(*dd.pos));
    size_t m = 0;
    for (size_t i = 0; i < ps->nrules; i++) {
        const vg_rule_t *r = &ps->rules[i];
        if (bad[i])
            continue;
        if (r->kind != VG_RULE_PHRASE) {
            vg_hsexpr_t *u = &(*out)[m];
            *u = (vg_hsexpr_t){.rule = (uint32_t)i, .next = UINT32_MAX, .view = VG_VIEW_WORDS};
            char *str;
            if (r->kind == VG_RULE_LITERAL) {
                u->pad = r->bounds & VG_BOUND_BOTH;
                str = padded(r->expr, strlen(r->expr), u->pad);
            } else {
                u->view = r->view == VG_VIEW_FOLD ? fold_db(r->expr) : r->view;
                str = vg_xstrdup(r->expr);
            }
            unsigned flags = r->hs_flags;
            bool som = r->kind == VG_RULE_REGEX && r->view == VG_VIEW_FOLD &&
                       (flags & HS_FLAG_SOM_LEFTMOST);
            if (som) {
                /* Found without SOM; its start comes from a second scan of
                 * the SOM database, run only when such a candidate was seen. */
                flags &= ~(unsigned)HS_FLAG_SOM_LEFTMOST;
            }
            add_use(&dd, *out, m, sets, str, flags, true);
            m++;
            if (som) {
                vg_hsexpr_t *x = &(*out)[m];
                *x = (vg_hsexpr_t){.rule = (uint32_t)i, .next = UINT32_MAX, .view = VG_DB_SOM};
                size_t f = add_use(&dd, *out, m, sets, vg_xstrdup(r->expr), r->hs_flags, true);
                /* Its own SOM database: the slot of its SOM expression. */
                if (dd.pos[f] < VG_SOM_SLOTS)
                    u->som = (uint8_t)(dd.pos[f] + 1);
                else
                    u->som = VG_SOM_ALL;
                m++;
            }
            continue;
        }
        const vg_pelem_t *e = &r->phrase->e[r->phrase->anchor];
        for (uint16_t k = 0; k < e->nitems; k++) {
            vg_hsexpr_t *u = &(*out)[m];
            *u = (vg_hsexpr_t){
                .rule = (uint32_t)i, .item = k, .next = UINT32_MAX, .view = VG_VIEW_WORDS};
            char *str = word_expr(&e->items[k].w[e->items[k].anchor], &u->pad);
            add_use(&dd, *out, m, sets, str, 0, true);
            m++;
        }
        m = presence(&dd, *out, m, sets, q, r, i);
    }
    free(dd.slots);
    free(dd.pos);
    chains_in_a_row(*out, m, sets);
    return m;
}

/* Compiles one set; on a refusal marks the rule bad and returns the error. */
static hs_error_t compile_set(vg_pset_t *ps, bool *bad, const vg_hsexpr_t *exprs, const hsset_t *h,
                              hs_database_t **db, bool *fatal)
{
    *db = NULL;
    if (h->n == 0)
        return HS_SUCCESS;
    hs_compile_error_t *cerr = NULL;
    unsigned *flags = vg_xmalloc(h->n * sizeof(*flags));
    for (size_t k = 0; k < h->n; k++)
        flags[k] = h->flags[k] & ~PRESENCE_KEY;
    hs_error_t rc = hs_compile_multi((const char *const *)h->strs, flags, h->ids, (unsigned)h->n,
                                     HS_MODE_BLOCK, NULL, db, &cerr);
    free(flags);
    if (rc == HS_SUCCESS) {
        hs_free_compile_error(cerr);
        return rc;
    }
    *db = NULL;
    const char *msg = cerr != NULL ? cerr->message : "unknown error";
    if (cerr != NULL && cerr->expression >= 0 && (size_t)cerr->expression < h->n &&
        exprs[h->ids[cerr->expression]].rule != VG_HSEXPR_PRESENCE) {
        uint32_t r = exprs[h->ids[cerr->expression]].rule;
        rule_error(ps, &ps->rules[r], "Hyperscan refuses", msg);
        bad[r] = true;
    } else {
        vg_pset_error(ps, "(pattern set)", 0, "Hyperscan cannot compile the set: %s", msg);
        *fatal = true;
    }
    hs_free_compile_error(cerr);
    return rc;
}

/*
 * Turns the per-rule lists of words of each element (q: nel, then per
 * element nwords and the words) into distinct elements: the rule's
 * requirement becomes a few element ids, and each word the elements it
 * makes present.
 */
static void build_elements(const reqs_t *q, size_t nrules, vg_ruleset_t *out)
{
    size_t cap = 64;
    while (cap < 2 * q->n + 2)
        cap *= 2;
    uint32_t *slots = vg_xcalloc(cap, sizeof(*slots));  /* element + 1 */
    uint32_t *def = vg_xcalloc(q->n + 1, sizeof(*def)); /* element -> offset in q->v */
    size_t nel = 0;
    reqs_t r = {0};

    r.at = vg_xmalloc((nrules + 1) * sizeof(*r.at));
    for (size_t i = 0; i < nrules; i++) {
        r.at[i] = UINT32_MAX;
        if (q->at == NULL || q->at[i] == UINT32_MAX)
            continue;
        const uint32_t *p = &q->v[q->at[i]];
        uint32_t n = *p++;
        r.at[i] = (uint32_t)r.n;
        reqs_push(&r, n);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t nb = p[0];
            uint32_t h = vg_match_hash((const char *)p, (nb + 1) * sizeof(*p));
            size_t j = h & (cap - 1);
            for (;; j = (j + 1) & (cap - 1)) {
                if (slots[j] == 0) {
                    def[nel] = (uint32_t)(p - q->v);
                    slots[j] = (uint32_t)++nel;
                    break;
                }
                const uint32_t *d = &q->v[def[slots[j] - 1]];
                if (d[0] == nb && memcmp(d + 1, p + 1, nb * sizeof(*p)) == 0)
                    break;
            }
            reqs_push(&r, slots[j] - 1);
            p += nb + 1;
        }
    }
    /* Word -> elements, counted then filled. */
    out->lit_at = vg_xcalloc(q->nbits + 2, sizeof(*out->lit_at));
    for (size_t e = 0; e < nel; e++) {
        const uint32_t *d = &q->v[def[e]];
        for (uint32_t k = 0; k < d[0]; k++)
            out->lit_at[d[1 + k] + 1]++;
    }
    for (size_t w = 0; w < q->nbits; w++)
        out->lit_at[w + 1] += out->lit_at[w];
    out->lit_el = vg_xcalloc(out->lit_at[q->nbits] + 1, sizeof(*out->lit_el));
    uint32_t *fill = vg_xcalloc(q->nbits + 1, sizeof(*fill));
    for (size_t e = 0; e < nel; e++) {
        const uint32_t *d = &q->v[def[e]];
        for (uint32_t k = 0; k < d[0]; k++) {
            uint32_t w = d[1 + k];
            out->lit_el[out->lit_at[w] + fill[w]++] = (uint32_t)e;
        }
    }
    free(fill);
    free(slots);
    free(def);
    out->req_at = r.at;
    out->req = r.v;
    out->npresence = q->nbits;
    out->nelems = nel;
}

static bool compile_all(vg_pset_t *ps, bool *bad, bool check, vg_ruleset_t *out)
{
    vg_hsexpr_t *exprs = NULL;
    hsset_t sets[VG_DB_COUNT + 1];
    hs_database_t *db[VG_DB_COUNT + 1];
    reqs_t q = {0};
    size_t m = 0;
    bool ok = false;

    hs_database_t *som_one[VG_SOM_SLOTS];
    size_t nsom = 0;

    memset(sets, 0, sizeof(sets));
    memset(db, 0, sizeof(db));
    memset(som_one, 0, sizeof(som_one));
    for (int attempt = 0; attempt <= CHECK_MAX_HS_ERRORS; attempt++) {
        free(exprs);
        for (int v = 0; v <= VG_DB_COUNT; v++)
            hsset_free(&sets[v]);
        reqs_free(&q);
        m = expressions(ps, bad, &exprs, sets, &q);
        if (m == 0 || m >= UINT32_MAX)
            break;
        bool fatal = false;
        hs_error_t rc = HS_SUCCESS;
        /* The FOLD stage in one database only matters if gates split it. */
        bool gated = false;
        for (int v = VG_DB_GATE; v < VG_DB_COUNT; v++)
            gated |= sets[v].n > 0;
        for (int v = 0; v <= VG_DB_COUNT && rc == HS_SUCCESS; v++)
            if (v < VG_DB_COUNT || gated)
                rc = compile_set(ps, bad, exprs, &sets[v], &db[v], &fatal);
        /* Each SOM expression alone too: a candidate rescans only its own. */
        hsset_t *so = &sets[VG_DB_SOM];
        if (rc == HS_SUCCESS && so->n >= 2 && so->n <= VG_SOM_SLOTS) {
            for (size_t k = 0; k < so->n && rc == HS_SUCCESS; k++) {
                hsset_t one = {
                    .strs = &so->strs[k], .flags = &so->flags[k], .ids = &so->ids[k], .n = 1};
                rc = compile_set(ps, bad, exprs, &one, &som_one[k], &fatal);
            }
            nsom = so->n;
        }
        if (rc == HS_SUCCESS) {
            ok = true;
            break;
        }
        for (size_t k = 0; k < VG_SOM_SLOTS; k++) {
            if (som_one[k] != NULL)
                hs_free_database(som_one[k]);
            som_one[k] = NULL;
        }
        nsom = 0;
        for (int v = 0; v <= VG_DB_COUNT; v++) {
            if (db[v] != NULL)
                hs_free_database(db[v]);
            db[v] = NULL;
        }
        if (fatal || !check)
            break;
    }
    if (!ok) {
        free(exprs);
        for (int v = 0; v <= VG_DB_COUNT; v++)
            hsset_free(&sets[v]);
        reqs_free(&q);
        return false;
    }
    build_elements(&q, ps->nrules, out);
    reqs_free(&q);
    for (size_t k = 0; k < m; k++)
        exprs[k].req =
            exprs[k].rule != VG_HSEXPR_PRESENCE && out->req_at[exprs[k].rule] != UINT32_MAX;
    out->db = db[VG_VIEW_WORDS];
    out->db_fold = db[VG_VIEW_FOLD];
    out->db_som = db[VG_DB_SOM];
    for (int k = 0; k < VG_GATES; k++)
        out->db_gate[k] = db[VG_DB_GATE + k];
    out->db_fold_all = db[VG_DB_COUNT];
    memcpy(out->db_som_one, som_one, sizeof(som_one));
    out->nsom_one = nsom;
    out->exprs = exprs;
    out->nexprs = m;
    out->nhs = 0;
    for (int v = 0; v < VG_DB_COUNT; v++)
        out->nhs += sets[v].n;
    for (int v = 0; v <= VG_DB_COUNT; v++)
        hsset_free(&sets[v]);
    return true;
}

/* Database bytes and the scratch one scanner needs for both databases. */
static bool measure(vg_ruleset_t *rs)
{
    hs_scratch_t *scratch = NULL;
    rs->db_bytes = 0;
    hs_database_t *dbs[VG_DB_COUNT + 1] = {rs->db, rs->db_fold, rs->db_som};
    for (int k = 0; k < VG_GATES; k++)
        dbs[VG_DB_GATE + k] = rs->db_gate[k];
    dbs[VG_DB_COUNT] = rs->db_fold_all;
    for (size_t k = 0; k < rs->nsom_one; k++) {
        size_t n = 0;
        if (hs_database_size(rs->db_som_one[k], &n) == HS_SUCCESS)
            rs->db_bytes += n;
        if (hs_alloc_scratch(rs->db_som_one[k], &scratch) != HS_SUCCESS) {
            hs_free_scratch(scratch);
            return false;
        }
    }
    for (int v = 0; v <= VG_DB_COUNT; v++) {
        size_t n = 0;
        if (dbs[v] == NULL)
            continue;
        if (hs_database_size(dbs[v], &n) == HS_SUCCESS)
            rs->db_bytes += n;
        if (hs_alloc_scratch(dbs[v], &scratch) != HS_SUCCESS) {
            hs_free_scratch(scratch);
            return false;
        }
    }
    if (scratch == NULL || hs_scratch_size(scratch, &rs->scratch_bytes) != HS_SUCCESS)
        rs->scratch_bytes = 0;
    hs_free_scratch(scratch);
    return true;
}

/* Frees what compile_all put in @p rs (not @p rs); NULL is a no-op. */
static void free_dbs(vg_ruleset_t *rs)
{
    if (rs == NULL)
        return;
    if (rs->db != NULL)
        hs_free_database(rs->db);
    if (rs->db_fold != NULL)
        hs_free_database(rs->db_fold);
    if (rs->db_som != NULL)
        hs_free_database(rs->db_som);
    for (int k = 0; k < VG_GATES; k++) {
        if (rs->db_gate[k] != NULL)
            hs_free_database(rs->db_gate[k]);
        rs->db_gate[k] = NULL;
    }
    if (rs->db_fold_all != NULL)
        hs_free_database(rs->db_fold_all);
    rs->db_fold_all = NULL;
    for (size_t k = 0; k < rs->nsom_one; k++)
        hs_free_database(rs->db_som_one[k]);
    rs->nsom_one = 0;
    free(rs->exprs);
    free(rs->req_at);
    free(rs->req);
    free(rs->lit_at);
    free(rs->lit_el);
    rs->db = rs->db_fold = rs->db_som = NULL;
    rs->exprs = NULL;
    rs->req_at = rs->req = rs->lit_at = rs->lit_el = NULL;
}

vg_ruleset_t *vg_ruleset_build(vg_pset_t *ps, bool check)
{
    vg_ruleset_t *rs = NULL;
    bool *bad = NULL;

    if (hs_valid_platform() != HS_SUCCESS) {
        vg_pset_error(ps, "(pattern set)", 0,
                      "this CPU cannot run Hyperscan (it needs at least SSSE3); vaglio has no "
                      "other engine");
        return NULL;
    }
    if (ps->nrules == 0) {
        vg_pset_error(ps, "(pattern set)", 0, "no rules");
        return NULL;
    }
    size_t before = ps->nerrors;
    bad = vg_xcalloc(ps->nrules, sizeof(*bad));
    analyse(ps, bad);
    if (ps->nerrors > before && !check)
        goto fail;
    rs = vg_xcalloc(1, sizeof(*rs));
    if (!compile_all(ps, bad, check, rs) || ps->nerrors > before) {
        free_dbs(rs);
        goto fail;
    }
    atomic_init(&rs->refs, 1);
    rs->generation = atomic_fetch_add(&next_generation, 1);
    if (!measure(rs)) {
        vg_pset_error(ps, "(pattern set)", 0, "Hyperscan cannot allocate scratch space");
        free_dbs(rs);
        goto fail;
    }

    /* The ruleset takes the rules and sections. */
    rs->rules = ps->rules;
    rs->nrules = ps->nrules;
    rs->sections = ps->sections;
    rs->nsections = ps->nsections;
    ps->rules = NULL;
    ps->nrules = ps->caprules = 0;
    ps->sections = NULL;
    ps->nsections = ps->capsections = 0;
    free(bad);
    return rs;
fail:
    free(rs);
    free(bad);
    return NULL;
}

vg_ruleset_t *vg_ruleset_load(const char *dir, vg_err_t *err)
{
    uint64_t t0 = vg_mono_ns();
    vg_pset_t ps;
    vg_ruleset_t *rs = NULL;

    vg_pset_init(&ps);
    if (hs_valid_platform() != HS_SUCCESS) {
        vg_err_set(err, VG_EHS,
                   "this CPU cannot run Hyperscan (it needs at least SSSE3); vaglio has no other "
                   "engine");
        goto out;
    }
    vg_pset_parse_dir(&ps, dir);
    if (ps.nerrors == 0)
        rs = vg_ruleset_build(&ps, false);
    if (rs == NULL) {
        vg_pset_err(&ps, err);
        goto out;
    }
    rs->compile_ms = (double)(vg_mono_ns() - t0) / 1e6;
    VG_LOG_DEBUG(match,
                 "msg=\"patterns loaded\" rules=%zu sections=%zu db_bytes=%zu scratch_bytes=%zu "
                 "compile_ms=%.1f",
                 rs->nrules, rs->nsections, rs->db_bytes, rs->scratch_bytes, rs->compile_ms);
out:
    vg_pset_cleanup(&ps);
    return rs;
}

int vg_ruleset_check(const char *dir, vg_buf_t *report)
{
    vg_pset_t ps;
    int rc = 0;

    if (hs_valid_platform() != HS_SUCCESS) {
        vg_buf_puts(report, "this CPU cannot run Hyperscan (it needs at least SSSE3); vaglio has "
                            "no other engine\n");
        return -VG_EHS;
    }
    vg_pset_init(&ps);
    vg_pset_parse_dir(&ps, dir);
    /* Compile even with parse errors: Hyperscan's complaints about the
     * rules that did parse are worth listing in the same run. */
    if (ps.nrules > 0) {
        vg_ruleset_t *rs = vg_ruleset_build(&ps, true);
        vg_ruleset_unref(rs);
    }
    if (ps.nerrors > 0) {
        rc = -VG_EPATTERN;
        vg_buf_append(report, ps.errors.data, ps.errors.len);
        if (ps.nerrors > VG_MATCH_ERR_KEEP)
            vg_buf_printf(report, "(and %zu more errors)\n", ps.nerrors - VG_MATCH_ERR_KEEP);
    }
    vg_pset_cleanup(&ps);
    return rc;
}

vg_ruleset_t *vg_ruleset_ref(vg_ruleset_t *rs)
{
    if (rs != NULL)
        atomic_fetch_add_explicit(&rs->refs, 1, memory_order_relaxed);
    return rs;
}

void vg_ruleset_unref(vg_ruleset_t *rs)
{
    if (rs == NULL)
        return;
    /* Release on the way down, acquire before freeing: whatever the other
     * holders did with it happens before the free. */
    if (atomic_fetch_sub_explicit(&rs->refs, 1, memory_order_acq_rel) != 1)
        return;
    free_dbs(rs);
    for (size_t i = 0; i < rs->nrules; i++)
        vg_rule_cleanup(&rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->nsections; i++) {
        free(rs->sections[i].name);
        free(rs->sections[i].category_name);
        free(rs->sections[i].source);
    }
    free(rs->sections);
    free(rs);
}

size_t vg_ruleset_rule_count(const vg_ruleset_t *rs)
{
    return rs->nrules;
}

const vg_rule_t *vg_ruleset_rule(const vg_ruleset_t *rs, uint32_t i)
{
    return i < rs->nrules ? &rs->rules[i] : NULL;
}

const char *vg_ruleset_rule_id(const vg_ruleset_t *rs, uint32_t rule)
{
    return rule < rs->nrules ? rs->rules[rule].id : "unknown";
}

vg_category_t vg_ruleset_rule_category(const vg_ruleset_t *rs, uint32_t rule)
{
    if (rule >= rs->nrules)
        return VG_CAT_COUNT;
    int c = rs->sections[rs->rules[rule].section].category;
    return c < 0 ? VG_CAT_COUNT : (vg_category_t)c;
}

const char *vg_ruleset_rule_category_name(const vg_ruleset_t *rs, uint32_t rule)
{
    if (rule >= rs->nrules)
        return "unknown";
    const char *name = rs->sections[rs->rules[rule].section].category_name;
    return name != NULL ? name : "allow";
}

int vg_ruleset_rule_score(const vg_ruleset_t *rs, uint32_t rule)
{
    return rule < rs->nrules ? rs->rules[rule].score : 0;
}

const char *vg_ruleset_rule_source(const vg_ruleset_t *rs, uint32_t rule)
{
    return rule < rs->nrules ? rs->rules[rule].source : "unknown";
}

int vg_ruleset_rule_lookup(const vg_ruleset_t *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (int)i;
    return -1;
}

size_t vg_ruleset_section_count(const vg_ruleset_t *rs)
{
    return rs->nsections;
}

int vg_ruleset_section_lookup(const vg_ruleset_t *rs, const char *name)
{
    for (size_t i = 0; i < rs->nsections; i++)
        if (strcmp(rs->sections[i].name, name) == 0)
            return (int)i;
    return -1;
}

void vg_ruleset_stats(const vg_ruleset_t *rs, size_t *db_bytes, size_t *scratch_bytes,
                      double *compile_ms)
{
    if (db_bytes != NULL)
        *db_bytes = rs->db_bytes;
    if (scratch_bytes != NULL)
        *scratch_bytes = rs->scratch_bytes;
    if (compile_ms != NULL)
        *compile_ms = rs->compile_ms;
}

void vg_ruleset_list_expensive(const vg_ruleset_t *rs, vg_buf_t *out)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        const vg_rule_t *r = &rs->rules[i];
        if (r->expensive)
            vg_buf_printf(out, "%s: %s (no literal of %d bytes to anchor on)\n", r->source, r->id,
                          VG_MATCH_MIN_LITERAL);
    }
}
