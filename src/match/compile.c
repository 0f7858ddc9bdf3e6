/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match compiler: turns the parsed rules of a pattern directory into one
 * Hyperscan block-mode database (expression id = rule index) and wraps it
 * with the rule metadata into an immutable, reference-counted ruleset that
 * every worker shares. It runs at start-up and on reload, on a helper
 * thread: never on a worker loop.
 *
 *   vg_ruleset_load(dir)
 *     parse every *.txt ──errors──▶ NULL, err = first "path:line: reason"
 *       │
 *     hs_expression_info per regex ──▶ fixed width? start = end - width
 *       │                             : HS_FLAG_SOM_LEFTMOST
 *     expressions: a literal per word rule, a regex per regex rule, a literal
 *       │          per item of each phrase's anchor (id -> rule, item)
 *     hs_compile_multi (one database) ──error──▶ expression id ─▶ rule ─▶ path:line
 *       │
 *     measure: database bytes, scratch bytes, milliseconds ──▶ ruleset (refs = 1)
 *
 * Lexicon literals are compiled without SOM, CASELESS or \b: the text is
 * already folded, and boundaries and run lengths are checked in the match
 * callback, which keeps thousands of words on Hyperscan's literal engines.
 * Phrases are literals too (their most selective word), confirmed word by
 * word in the callback (phrase.c): only the raw regexes need an automaton.
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

/*
 * The Hyperscan expressions: one per literal or regex rule, one per item of
 * a phrase's anchor element. Fills @p out (id -> rule, item) and returns the
 * expression strings (the literals of phrases are built here).
 */
static size_t expressions(const vg_pset_t *ps, const bool *bad, vg_hsexpr_t **out, char ***strs,
                          unsigned **flags)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->nrules; i++) {
        const vg_rule_t *r = &ps->rules[i];
        if (bad[i])
            continue;
        n += r->kind == VG_RULE_PHRASE ? r->phrase->e[r->phrase->anchor].nitems : 1;
    }
    *out = vg_xcalloc(n + 1, sizeof(**out));
    *strs = vg_xcalloc(n + 1, sizeof(**strs));
    *flags = vg_xcalloc(n + 1, sizeof(**flags));
    size_t m = 0;
    for (size_t i = 0; i < ps->nrules; i++) {
        const vg_rule_t *r = &ps->rules[i];
        if (bad[i])
            continue;
        if (r->kind != VG_RULE_PHRASE) {
            (*out)[m] = (vg_hsexpr_t){.rule = (uint32_t)i, .item = 0};
            (*strs)[m] = vg_xstrdup(r->expr);
            (*flags)[m] = r->hs_flags;
            m++;
            continue;
        }
        const vg_pelem_t *e = &r->phrase->e[r->phrase->anchor];
        for (uint16_t k = 0; k < e->nitems; k++) {
            const vg_pword_t *w = &e->items[k].w[e->items[k].anchor];
            vg_buf_t b;
            vg_buf_init(&b, 0);
            vg_match_escape(&b, w->stem, w->len);
            (*out)[m] = (vg_hsexpr_t){.rule = (uint32_t)i, .item = k};
            (*strs)[m] = vg_buf_steal(&b, NULL);
            (*flags)[m] = 0;
            m++;
        }
    }
    return m;
}

static void free_strs(char **strs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(strs[i]);
    free(strs);
}

static hs_database_t *compile_all(vg_pset_t *ps, bool *bad, bool check, vg_hsexpr_t **exprs_out,
                                  size_t *nexprs_out)
{
    hs_database_t *db = NULL;
    vg_hsexpr_t *exprs = NULL;
    char **strs = NULL;
    unsigned *flags = NULL;
    size_t m = 0;

    for (int attempt = 0; attempt <= CHECK_MAX_HS_ERRORS; attempt++) {
        free(exprs);
        free(flags);
        free_strs(strs, m);
        m = expressions(ps, bad, &exprs, &strs, &flags);
        if (m == 0 || m > UINT_MAX)
            break;
        unsigned *ids = vg_xcalloc(m, sizeof(*ids));
        for (size_t i = 0; i < m; i++)
            ids[i] = (unsigned)i;
        hs_compile_error_t *cerr = NULL;
        hs_error_t rc = hs_compile_multi((const char *const *)strs, flags, ids, (unsigned)m,
                                         HS_MODE_BLOCK, NULL, &db, &cerr);
        free(ids);
        if (rc == HS_SUCCESS) {
            hs_free_compile_error(cerr);
            break;
        }
        db = NULL;
        const char *msg = cerr != NULL ? cerr->message : "unknown error";
        if (cerr != NULL && cerr->expression >= 0 && (size_t)cerr->expression < m) {
            uint32_t r = exprs[cerr->expression].rule;
            rule_error(ps, &ps->rules[r], "Hyperscan refuses", msg);
            bad[r] = true;
        } else {
            vg_pset_error(ps, "(pattern set)", 0, "Hyperscan cannot compile the set: %s", msg);
            hs_free_compile_error(cerr);
            break;
        }
        hs_free_compile_error(cerr);
        if (!check)
            break;
    }
    free(flags);
    free_strs(strs, m);
    if (db == NULL) {
        free(exprs);
        return NULL;
    }
    *exprs_out = exprs;
    *nexprs_out = m;
    return db;
}

vg_ruleset_t *vg_ruleset_build(vg_pset_t *ps, bool check)
{
    vg_ruleset_t *rs = NULL;
    hs_database_t *db = NULL;
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
    vg_hsexpr_t *exprs = NULL;
    size_t nexprs = 0;
    db = compile_all(ps, bad, check, &exprs, &nexprs);
    if (db == NULL || ps->nerrors > before) {
        free(exprs);
        goto fail;
    }

    rs = vg_xcalloc(1, sizeof(*rs));
    atomic_init(&rs->refs, 1);
    rs->generation = atomic_fetch_add(&next_generation, 1);
    rs->db = db;
    rs->exprs = exprs;
    rs->nexprs = nexprs;
    db = NULL;
    if (hs_database_size(rs->db, &rs->db_bytes) != HS_SUCCESS)
        rs->db_bytes = 0;
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(rs->db, &scratch) != HS_SUCCESS) {
        vg_pset_error(ps, "(pattern set)", 0, "Hyperscan cannot allocate scratch space");
        hs_free_database(rs->db);
        free(rs->exprs);
        free(rs);
        rs = NULL;
        goto fail;
    }
    if (hs_scratch_size(scratch, &rs->scratch_bytes) != HS_SUCCESS)
        rs->scratch_bytes = 0;
    hs_free_scratch(scratch);

    /* The ruleset takes the rules and sections. */
    rs->rules = ps->rules;
    rs->nrules = ps->nrules;
    rs->sections = ps->sections;
    rs->nsections = ps->nsections;
    ps->rules = NULL;
    ps->nrules = ps->caprules = 0;
    ps->sections = NULL;
    ps->nsections = ps->capsections = 0;
fail:
    if (db != NULL)
        hs_free_database(db);
    free(bad);
    return rs;
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
    hs_free_database(rs->db);
    free(rs->exprs);
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
