/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match parser: the pattern-file language of patterns/ (documented for its
 * authors in patterns/README.md), turned into rules the compiler hands to
 * Hyperscan. It sits at the start of the matcher's life: vg_ruleset_load
 * parses every file, then compiles; nothing here runs per message.
 *
 * A line is a comment, a [section] header, a `key: value` directive, a
 * `@list = a | b*` definition, a `re: /regex/ options` line, or an entry:
 * words with `*` wildcards at their ends, `~N` gaps and `@list` references,
 * optionally prefixed by `!` (allow-list) and followed by options. Lexicon
 * words are reduced with vg_norm_word() into the space of the scan buffer's
 * WORDS region, so the authors write plain words and the normalizer handles
 * case, accents, leetspeak, spacing and repeated letters.
 *
 * Entries without gaps, lists or inner wildcards become plain literals (no
 * CASELESS, no \b: boundaries and run lengths are confirmed in the match
 * callback); the others become phrases (lexicon.c builds their words,
 * phrase.c confirms them around the one literal Hyperscan looks for). Every
 * problem becomes a "path:line: reason" error; parsing goes on to report as
 * many as possible. The directory walk and the set are pset.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "vaglio/category.h"
#include "vaglio/normalize.h"
#include "vaglio/validate.h"

/* ---- per-file state ----------------------------------------------------- */

/* A named word list, file-local: `@groups = immigrat* | rom | zingar*`. */
typedef struct plist {
    char *name;
    vg_pitem_t *items;
    uint16_t nitems;
    unsigned line;
} plist_t;

typedef struct pfile {
    vg_pset_t *ps;
    const char *path;
    unsigned line;
    int section; /* index of the current section, -1 before the first */
    unsigned section_line;
    int score;      /* defaults of the current section, set by directives */
    uint8_t bounds; /* mode: word, prefix, suffix, anywhere */
    bool expensive;
    bool missing_cat_reported;
    bool has_entries; /* non-allow entries seen in this section */
    plist_t *lists;
    size_t nlists;
} pfile_t;

#define PERR(pf, ...) vg_pset_error((pf)->ps, (pf)->path, (pf)->line, __VA_ARGS__)

enum { TOK_WORD, TOK_GAP, TOK_LIST };

typedef struct token {
    char *s; /* NUL-terminated, inside the line copy; words without their stars */
    uint8_t type;
    bool lstar; /* `*word`: anything may precede inside the word */
    bool rstar; /* `word*`: anything may follow inside the word */
    unsigned gap;
    int list;
} token_t;

typedef struct opts {
    int score;
    bool has_score;
    char id[72];
    bool has_id;
    bool exact;
    bool expensive;
    bool isolated;
    bool context;
    uint64_t *grow_left;
    uint64_t *grow_right;
    int validator;
    int view;
    bool has_view;
    bool has_validator;
} opts_t;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* `#` starts a comment at the start of a line or after whitespace. */
static void strip_comment(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t i = 0;
    while (i < n) {
        unsigned l = vg_utf8_decode(s + i, n - i, &cp);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

static bool name_valid(const char *s, size_t max, bool dots)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    if (!(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (islower(c) || isdigit(c) || c == '_' || c == '-' || (dots && c == '.'))
            continue;
        return false;
    }
    return true;
}

static bool parse_int(const char *s, long min, long max, int *out)
{
    char *end;
    if (*s == '\0' || !(isdigit((unsigned char)*s) || *s == '-'))
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* ---- tokens and options ------------------------------------------------- */

static size_t split_ws(char *s, char **out, size_t max)
{
    size_t n = 0;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t')
            *s++ = '\0';
        if (*s == '\0')
            break;
        if (n == max)
            return max + 1;
        out[n++] = s;
        while (*s != '\0' && *s != ' ' && *s != '\t')
            s++;
    }
    return n;
}

static bool is_option(const char *t)
{
    return strchr(t, '=') != NULL || strcmp(t, "exact") == 0 || strcmp(t, "expensive") == 0 ||
           strcmp(t, "isolated") == 0 || strcmp(t, "context") == 0;
}

/*
 * A byte class for extend_left= / extend_right=: "[a-z0-9._%+-]", ranges and
 * single bytes, '\' escapes the next byte. Returns a new 256-bit set or NULL.
 */
static uint64_t *parse_class(const char *v)
{
    size_t n = strlen(v);
    if (n < 3 || v[0] != '[' || v[n - 1] != ']')
        return NULL;
    uint64_t *set = vg_xcalloc(4, sizeof(*set));
    bool any = false;
    for (size_t i = 1; i < n - 1; i++) {
        unsigned char lo = (unsigned char)v[i];
        if (lo == '\\' && i + 1 < n - 1)
            lo = (unsigned char)v[++i];
        unsigned char hi = lo;
        if (i + 2 < n - 1 && v[i + 1] == '-') {
            hi = (unsigned char)v[i + 2];
            if (hi == '\\' && i + 3 < n - 1)
                hi = (unsigned char)v[++i + 2];
            i += 2;
        }
        if (hi < lo) {
            free(set);
            return NULL;
        }
        for (unsigned c = lo; c <= hi; c++)
            set[c / 64] |= (uint64_t)1 << (c % 64);
        any = true;
    }
    if (!any) {
        free(set);
        return NULL;
    }
    return set;
}

/* Parses one option token; @p regex allows the regex-only options. */
static bool parse_option(pfile_t *pf, const char *t, opts_t *o, bool regex)
{
    const char *eq = strchr(t, '=');
    if (eq == NULL) {
        if (strcmp(t, "exact") == 0 && !regex) {
            o->exact = true;
            return true;
        }
        if (strcmp(t, "expensive") == 0) {
            o->expensive = true;
            return true;
        }
        if (strcmp(t, "isolated") == 0 && regex) {
            o->isolated = true;
            return true;
        }
        if (strcmp(t, "context") == 0 && regex) {
            o->context = true;
            return true;
        }
        PERR(pf, "option '%s' is not valid here", t);
        return false;
    }
    size_t klen = (size_t)(eq - t);
    const char *v = eq + 1;
    if (vg_streq_n(t, klen, "score")) {
        if (!parse_int(v, 0, VG_MATCH_MAX_SCORE, &o->score)) {
            PERR(pf, "bad score '%s': write a whole number from 0 to %d", v, VG_MATCH_MAX_SCORE);
            return false;
        }
        o->has_score = true;
        return true;
    }
    if (vg_streq_n(t, klen, "id")) {
        if (!name_valid(v, 64, true)) {
            PERR(pf, "bad id '%s': use lower-case letters, digits, '_', '-' and '.'", v);
            return false;
        }
        vg_strlcpy(o->id, v, sizeof(o->id));
        o->has_id = true;
        return true;
    }
    if (regex && vg_streq_n(t, klen, "validate")) {
        int val = strcmp(v, "none") == 0 ? (int)VG_VALIDATOR_NONE : vg_validator_lookup(v);
        if (val < 0) {
            PERR(pf,
                 "unknown validator '%s' (known: none, luhn, iban, fiscal_code, vat_it, "
                 "phone_it, email)",
                 v);
            return false;
        }
        o->validator = val;
        o->has_validator = true;
        return true;
    }
    if (regex && (vg_streq_n(t, klen, "extend_left") || vg_streq_n(t, klen, "extend_right"))) {
        uint64_t **slot = t[7] == 'l' ? &o->grow_left : &o->grow_right;
        uint64_t *set = parse_class(v);
        if (set == NULL) {
            PERR(pf, "bad class '%s' for %.*s: write it like [a-z0-9._-]", v, (int)klen, t);
            return false;
        }
        free(*slot);
        *slot = set;
        return true;
    }
    if (regex && vg_streq_n(t, klen, "view")) {
        if (strcmp(v, "fold") == 0)
            o->view = VG_VIEW_FOLD;
        else if (strcmp(v, "words") == 0)
            o->view = VG_VIEW_WORDS;
        else {
            PERR(pf, "bad view '%s': write view=fold or view=words", v);
            return false;
        }
        o->has_view = true;
        return true;
    }
    PERR(pf, "unknown option '%.*s'", (int)klen, t);
    return false;
}

/* ---- rules -------------------------------------------------------------- */

static vg_rule_t *push_rule(pfile_t *pf)
{
    vg_pset_t *ps = pf->ps;
    if (ps->nrules >= VG_MATCH_MAX_RULES) {
        PERR(pf, "too many rules (limit %d)", VG_MATCH_MAX_RULES);
        return NULL;
    }
    if (ps->nrules == ps->caprules) {
        ps->caprules = ps->caprules ? ps->caprules * 2 : 256;
        ps->rules = vg_xrealloc(ps->rules, ps->caprules * sizeof(*ps->rules));
    }
    vg_rule_t *r = &ps->rules[ps->nrules++];
    memset(r, 0, sizeof(*r));
    r->section = (uint32_t)pf->section;
    r->source = vg_xasprintf("%s:%u", pf->path, pf->line);
    return r;
}

/* A non-allow entry needs its section's category. */
static bool section_ready(pfile_t *pf, bool allow)
{
    if (pf->section < 0) {
        PERR(pf, "entry before any [section]");
        return false;
    }
    if (allow)
        return true;
    pf->has_entries = true;
    if (pf->ps->sections[pf->section].category < 0) {
        if (!pf->missing_cat_reported)
            vg_pset_error(pf->ps, pf->path, pf->section_line,
                          "section [%s] has entries but no 'category:' line",
                          pf->ps->sections[pf->section].name);
        pf->missing_cat_reported = true;
        return false;
    }
    return true;
}

static int find_list(const pfile_t *pf, const char *name)
{
    for (size_t i = 0; i < pf->nlists; i++)
        if (strcmp(pf->lists[i].name, name) == 0)
            return (int)i;
    return -1;
}

/*
 * Classifies the words of an entry or list item. Gaps and lists are
 * refused when @p phrase_parts is false (inside a list item).
 */
static bool classify(pfile_t *pf, char **words, size_t n, token_t *toks, bool phrase_parts)
{
    for (size_t i = 0; i < n; i++) {
        token_t *t = &toks[i];
        char *w = words[i];
        memset(t, 0, sizeof(*t));
        t->list = -1;
        if (w[0] == '~') {
            if (!phrase_parts) {
                PERR(pf, "a gap '%s' cannot be used inside a list", w);
                return false;
            }
            int g;
            if (!parse_int(w + 1, 1, VG_MATCH_MAX_GAP, &g)) {
                PERR(pf, "bad gap '%s': write ~1 to ~%d (up to that many words in between)", w,
                     VG_MATCH_MAX_GAP);
                return false;
            }
            if (i == 0 || i + 1 == n || toks[i - 1].type == TOK_GAP) {
                PERR(pf, "a gap '%s' must sit between two words", w);
                return false;
            }
            t->type = TOK_GAP;
            t->gap = (unsigned)g;
            continue;
        }
        if (w[0] == '@') {
            if (!phrase_parts) {
                PERR(pf, "a list '%s' cannot be used inside another list", w);
                return false;
            }
            t->type = TOK_LIST;
            t->list = find_list(pf, w + 1);
            if (t->list < 0) {
                PERR(pf, "unknown list '%s' (define it above in this file: '%s = a | b')", w, w);
                return false;
            }
            continue;
        }
        t->type = TOK_WORD;
        size_t len = strlen(w);
        if (w[0] == '*') {
            t->lstar = true;
            w++;
            len--;
        }
        if (len > 0 && w[len - 1] == '*') {
            t->rstar = true;
            w[--len] = '\0';
        }
        if (len == 0) {
            PERR(pf, "a '*' needs a word: write 'word*', '*word' or '*word*'");
            return false;
        }
        if (memchr(w, '*', len) != NULL) {
            PERR(pf, "'*' may only start or end a word ('%s')", words[i]);
            return false;
        }
        t->s = w;
    }
    return true;
}

/*
 * Builds a phrase from classified tokens: each word its own element (one
 * item), each list a copy of the list's items, each gap a gap. The anchor is
 * the element whose shortest literal is longest. Returns NULL on error.
 */
static vg_phrase_t *phrase_build(pfile_t *pf, const token_t *toks, size_t n, uint16_t *strength)
{
    vg_phrase_t *ph = vg_xcalloc(1, sizeof(*ph));
    unsigned gaps = 0;

    ph->e = vg_xcalloc(n, sizeof(*ph->e));
    *strength = 0;
    for (size_t i = 0; i < n; i++) {
        const token_t *t = &toks[i];
        vg_pelem_t *e = &ph->e[ph->n++];
        if (t->type == TOK_GAP) {
            e->gap = (uint8_t)t->gap;
            if (++gaps > VG_MATCH_MAX_GAPS) {
                PERR(pf, "too many gaps in one entry (limit %d)", VG_MATCH_MAX_GAPS);
                goto fail;
            }
            continue;
        }
        if (t->type == TOK_LIST) {
            const plist_t *l = &pf->lists[t->list];
            e->items = vg_pitems_dup(l->items, l->nitems);
            e->nitems = l->nitems;
        } else {
            e->items = vg_xcalloc(1, sizeof(*e->items));
            e->nitems = 1;
            if (!vg_pitem_add_word(&e->items[0], t->s, t->lstar, t->rstar)) {
                PERR(pf, "the word '%s' is empty after normalization", t->s);
                goto fail;
            }
        }
        uint16_t st = vg_pelem_strength(e);
        if (st > *strength || (st == *strength && e->nitems < ph->e[ph->anchor].nitems)) {
            *strength = st;
            ph->anchor = (uint16_t)(ph->n - 1);
        }
    }
    return ph;
fail:
    vg_phrase_free(ph);
    return NULL;
}

static void apply_opts(pfile_t *pf, vg_rule_t *r, const opts_t *o, const char *entry)
{
    const char *sec = pf->ps->sections[pf->section].name;
    r->score = o->has_score ? o->score : pf->score;
    r->exact = o->exact;
    if (o->has_id)
        r->id = vg_xasprintf("%s:%s", sec, o->id);
    else if (entry != NULL)
        r->id = vg_xasprintf("%s:%s", sec, entry);
    else
        r->id = vg_xasprintf("%s:%u", sec, pf->line);
}

/* An entry: words, wildcards, gaps and lists, maybe `!`, maybe options. */
static void parse_entry(pfile_t *pf, char *s)
{
    char *words[VG_MATCH_MAX_TOKENS + 1];
    token_t toks[VG_MATCH_MAX_TOKENS];
    opts_t o;
    bool allow = false;
    vg_buf_t text, expr;

    memset(&o, 0, sizeof(o));
    if (*s == '!') {
        allow = true;
        s++;
    }
    if (!section_ready(pf, allow))
        return;
    size_t total = split_ws(s, words, VG_MATCH_MAX_TOKENS);
    if (total > VG_MATCH_MAX_TOKENS) {
        PERR(pf, "entry too long (more than %d words)", VG_MATCH_MAX_TOKENS);
        return;
    }
    size_t n = total;
    while (n > 0 && is_option(words[n - 1]))
        n--;
    for (size_t i = n; i < total; i++)
        if (!parse_option(pf, words[i], &o, false))
            return;
    if (n == 0) {
        PERR(pf, "empty entry");
        return;
    }
    if (allow && (o.has_score || o.exact)) {
        PERR(pf, "allow entries take no score or exact");
        return;
    }

    /* The id keeps the entry as written, with single spaces. */
    vg_buf_init(&text, 0);
    vg_buf_init(&expr, 0);
    if (allow)
        vg_buf_putc(&text, '!');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            vg_buf_putc(&text, ' ');
        vg_buf_puts(&text, words[i]);
    }
    if (!classify(pf, words, n, toks, true))
        goto out;

    /* A literal if every word is exact except the outer ends. */
    bool literal = true;
    bool any_star = false;
    for (size_t i = 0; i < n; i++) {
        if (toks[i].type != TOK_WORD || (toks[i].lstar && i > 0) || (toks[i].rstar && i + 1 < n))
            literal = false;
        if (toks[i].type == TOK_WORD && (toks[i].lstar || toks[i].rstar))
            any_star = true;
    }
    bool expensive = o.expensive || pf->expensive;

    if (literal) {
        vg_buf_t joined;
        vg_buf_init(&joined, 0);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                vg_buf_putc(&joined, ' ');
            vg_buf_puts(&joined, toks[i].s);
        }
        uint8_t *runs = NULL;
        size_t len = 0;
        char *w = vg_match_norm(joined.data, joined.len, &runs, &len);
        vg_buf_cleanup(&joined);
        if (w == NULL) {
            PERR(pf, "entry '%s' is empty after normalization", text.data);
            goto out;
        }
        /* Letters as written: "ass" is the literal "as" with a double s. */
        size_t letters = 0;
        for (size_t i = 0; i < len; i++)
            letters += runs[i] > 0 ? runs[i] : 1;
        if (letters < VG_MATCH_MIN_LITERAL && !expensive) {
            PERR(pf,
                 "'%s' is shorter than %d letters after normalization: it would match "
                 "everywhere; mark it 'expensive' if you really mean it",
                 text.data, VG_MATCH_MIN_LITERAL);
            free(w);
            free(runs);
            goto out;
        }
        vg_match_escape(&expr, w, len);
        vg_rule_t *r = push_rule(pf);
        if (r == NULL) {
            free(w);
            free(runs);
            goto out;
        }
        r->kind = VG_RULE_LITERAL;
        r->view = VG_VIEW_WORDS;
        if (any_star) {
            r->bounds = 0;
            if (!toks[0].lstar)
                r->bounds |= VG_BOUND_LEFT;
            if (!toks[n - 1].rstar)
                r->bounds |= VG_BOUND_RIGHT;
        } else {
            r->bounds = pf->bounds;
        }
        r->width = (uint32_t)len;
        r->runs = runs;
        r->expensive = letters < VG_MATCH_MIN_LITERAL;
        r->allow = allow;
        r->expr = vg_buf_steal(&expr, NULL);
        apply_opts(pf, r, &o, text.data);
        free(w);
        goto out;
    }

    if (o.exact) {
        PERR(pf, "'exact' is only for words and phrases without gaps, lists or inner '*'");
        goto out;
    }
    /* A phrase: Hyperscan finds its most selective word, the callback
     * confirms the rest word by word. */
    uint16_t strength = 0;
    vg_phrase_t *ph = phrase_build(pf, toks, n, &strength);
    if (ph == NULL)
        goto out;
    bool has_lit = strength >= VG_MATCH_MIN_LITERAL;
    if (!has_lit && !expensive) {
        PERR(pf,
             "'%s' has no word to anchor on (%d letters or more, and not as common as 'sono' "
             "or 'the'): it would be slow; mark it 'expensive' if you really mean it",
             text.data, VG_MATCH_MIN_LITERAL);
        vg_phrase_free(ph);
        goto out;
    }
    vg_rule_t *r = push_rule(pf);
    if (r == NULL) {
        vg_phrase_free(ph);
        goto out;
    }
    r->kind = VG_RULE_PHRASE;
    r->view = VG_VIEW_WORDS;
    r->bounds = VG_BOUND_BOTH;
    r->expensive = !has_lit;
    r->allow = allow;
    r->phrase = ph;
    apply_opts(pf, r, &o, text.data);
out:
    vg_buf_cleanup(&text);
    vg_buf_cleanup(&expr);
}

/* `@name = item | item`: a file-local list of words or short phrases. */
static void parse_list(pfile_t *pf, char *s)
{
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        PERR(pf, "a list is written '@name = word | word* | two words'");
        return;
    }
    *eq = '\0';
    char *name = trim(s + 1);
    if (!name_valid(name, 64, false)) {
        PERR(pf, "bad list name '@%s': use lower-case letters, digits, '_' and '-'", name);
        return;
    }
    int prev = find_list(pf, name);
    if (prev >= 0) {
        PERR(pf, "list '@%s' already defined at line %u", name, pf->lists[prev].line);
        return;
    }
    vg_pitem_t *items = NULL;
    uint16_t nitems = 0;
    char *item = eq + 1;
    for (;;) {
        char *bar = strchr(item, '|');
        if (bar != NULL)
            *bar = '\0';
        char *words[VG_MATCH_MAX_TOKENS + 1];
        token_t toks[VG_MATCH_MAX_TOKENS];
        size_t n = split_ws(item, words, VG_MATCH_MAX_TOKENS);
        if (n == 0) {
            PERR(pf, "empty item in list '@%s'", name);
            goto fail;
        }
        if (n > VG_MATCH_MAX_TOKENS || nitems == UINT16_MAX) {
            PERR(pf, "list item too long in '@%s'", name);
            goto fail;
        }
        if (!classify(pf, words, n, toks, false))
            goto fail;
        items = vg_xrealloc(items, (nitems + 1u) * sizeof(*items));
        vg_pitem_t *it = &items[nitems++];
        memset(it, 0, sizeof(*it));
        for (size_t k = 0; k < n; k++) {
            if (!vg_pitem_add_word(it, toks[k].s, toks[k].lstar, toks[k].rstar)) {
                PERR(pf, "the word '%s' is empty after normalization", toks[k].s);
                goto fail;
            }
        }
        if (bar == NULL)
            break;
        item = bar + 1;
    }
    pf->lists = vg_xrealloc(pf->lists, (pf->nlists + 1) * sizeof(*pf->lists));
    pf->lists[pf->nlists].name = vg_xstrdup(name);
    pf->lists[pf->nlists].items = items;
    pf->lists[pf->nlists].nitems = nitems;
    pf->lists[pf->nlists].line = pf->line;
    pf->nlists++;
    return;
fail:
    vg_pitems_free(items, nitems);
}

/*
 * Regexes see the FOLD region, which is lower case: an upper-case letter
 * outside an escape can never match and is almost surely a mistake.
 */
static int regex_upper(const char *re, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = re[i];
        if (c == '\\' && i + 1 < n) {
            char e = re[++i];
            if ((e == 'x' || e == 'p' || e == 'P') && i + 1 < n && re[i + 1] == '{') {
                while (i < n && re[i] != '}')
                    i++;
            } else if (e == 'x') {
                for (int k = 0; k < 2 && i + 1 < n && isxdigit((unsigned char)re[i + 1]); k++)
                    i++;
            } else if ((e == 'p' || e == 'P') && i + 1 < n) {
                i++;
            }
            continue;
        }
        if (c >= 'A' && c <= 'Z')
            return (int)i;
    }
    return -1;
}

/* `re: /regex/ options`: a raw Hyperscan regex for technical staff. */
static void parse_regex(pfile_t *pf, char *s)
{
    opts_t o;
    char *words[VG_MATCH_MAX_TOKENS + 1];

    memset(&o, 0, sizeof(o));
    if (!section_ready(pf, false))
        return;
    s = trim(s);
    if (*s != '/') {
        PERR(pf, "a regex is written 're: /regex/ options'");
        return;
    }
    size_t i = 1;
    bool in_class = false;
    for (; s[i] != '\0'; i++) {
        if (s[i] == '\\' && s[i + 1] != '\0') {
            i++;
        } else if (in_class) {
            if (s[i] == ']')
                in_class = false;
        } else if (s[i] == '[') {
            in_class = true;
            /* A ']' first in a class is a literal ']'. */
            if (s[i + 1] == '^')
                i++;
            if (s[i + 1] == ']')
                i++;
        } else if (s[i] == '/') {
            break;
        }
    }
    if (s[i] != '/') {
        PERR(pf, "the regex has no closing '/' (write '\\/' for a slash inside it)");
        return;
    }
    char *re = s + 1;
    size_t relen = i - 1;
    char *rest = s + i + 1;
    if (relen == 0) {
        PERR(pf, "empty regex");
        return;
    }
    if (*rest != '\0' && *rest != ' ' && *rest != '\t') {
        PERR(pf,
             "unexpected '%c' after the closing '/': regex flags are not supported (the "
             "text is already lower-case); write options after a space",
             *rest);
        return;
    }
    re[relen] = '\0';
    strip_comment(rest + (*rest != '\0'));
    size_t n = split_ws(rest + (*rest != '\0'), words, VG_MATCH_MAX_TOKENS);
    if (n > VG_MATCH_MAX_TOKENS) {
        PERR(pf, "too many options");
        return;
    }
    for (size_t k = 0; k < n; k++)
        if (!parse_option(pf, words[k], &o, true))
            goto out;
    int up = regex_upper(re, relen);
    if (up >= 0) {
        PERR(pf, "the regex has the upper-case letter '%c': regexes see lower-case text", re[up]);
        goto out;
    }
    bool expensive = o.expensive || pf->expensive;
    bool has_lit = vg_regex_has_literal(re, relen, VG_MATCH_MIN_LITERAL);
    if (!has_lit && !expensive) {
        PERR(pf,
             "the regex has no literal of %d bytes that every match contains: it would be "
             "slow; give it one, or mark it 'expensive' and confirm it with a validator",
             VG_MATCH_MIN_LITERAL);
        goto out;
    }
    vg_rule_t *r = push_rule(pf);
    if (r == NULL)
        goto out;
    r->kind = VG_RULE_REGEX;
    r->view = o.has_view ? (uint8_t)o.view : VG_VIEW_FOLD;
    r->validator = (uint8_t)o.validator;
    r->isolated = o.isolated;
    r->context = o.context;
    r->grow_left = o.grow_left;
    r->grow_right = o.grow_right;
    o.grow_left = o.grow_right = NULL;
    r->expensive = !has_lit;
    r->expr = vg_xstrndup(re, relen);
    for (size_t k = 0; k < relen; k++) {
        if ((unsigned char)re[k] >= 0x80) {
            r->hs_flags |= HS_FLAG_UTF8;
            break;
        }
    }
    apply_opts(pf, r, &o, NULL);
out:
    free(o.grow_left);
    free(o.grow_right);
}

static void parse_section(pfile_t *pf, char *s)
{
    char *close = strchr(s, ']');
    if (close == NULL) {
        PERR(pf, "a section header is written '[name]'");
        return;
    }
    *close = '\0';
    if (*trim(close + 1) != '\0') {
        PERR(pf, "unexpected text after the section header");
        return;
    }
    char *name = trim(s + 1);
    /* Whatever happens, entries below belong to no valid section until a
     * good header: avoids a cascade of errors charged to the previous one. */
    pf->section = -1;
    if (!name_valid(name, 64, true)) {
        PERR(pf, "bad section name '%s': use lower-case letters, digits, '.', '_' and '-'", name);
        pf->section = -2;
        return;
    }
    vg_pset_t *ps = pf->ps;
    for (size_t i = 0; i < ps->nsections; i++) {
        if (strcmp(ps->sections[i].name, name) == 0) {
            PERR(pf, "section [%s] already defined at %s", name, ps->sections[i].source);
            pf->section = -2;
            return;
        }
    }
    if (ps->nsections == ps->capsections) {
        ps->capsections = ps->capsections ? ps->capsections * 2 : 32;
        ps->sections = vg_xrealloc(ps->sections, ps->capsections * sizeof(*ps->sections));
    }
    vg_section_t *sec = &ps->sections[ps->nsections];
    sec->name = vg_xstrdup(name);
    sec->category_name = NULL;
    sec->category = -1;
    sec->source = vg_xasprintf("%s:%u", pf->path, pf->line);
    pf->section = (int)ps->nsections++;
    pf->section_line = pf->line;
    pf->score = VG_MATCH_DEFAULT_SCORE;
    pf->bounds = VG_BOUND_BOTH;
    pf->expensive = false;
    pf->missing_cat_reported = false;
    pf->has_entries = false;
}

static bool is_directive(const char *s)
{
    size_t i = 0;
    while (islower((unsigned char)s[i]) || s[i] == '_')
        i++;
    return i > 0 && s[i] == ':' && (s[i + 1] == '\0' || s[i + 1] == ' ' || s[i + 1] == '\t');
}

static void parse_directive(pfile_t *pf, char *s)
{
    char *colon = strchr(s, ':');
    *colon = '\0';
    const char *key = s;
    char *val = trim(colon + 1);

    if (strcmp(key, "category") && strcmp(key, "score") && strcmp(key, "mode") &&
        strcmp(key, "locale") && strcmp(key, "expensive")) {
        PERR(pf, "unknown directive '%s:' (known: category, score, mode, locale, expensive)", key);
        return;
    }
    if (pf->section == -1) {
        PERR(pf, "'%s:' before any [section]", key);
        return;
    }
    if (pf->section < 0)
        return; /* the bad header was reported */
    if (*val == '\0') {
        PERR(pf, "'%s:' needs a value", key);
        return;
    }
    vg_section_t *sec = &pf->ps->sections[pf->section];
    if (strcmp(key, "category") == 0) {
        if (sec->category_name != NULL) {
            PERR(pf, "section [%s] already has a category", sec->name);
            return;
        }
        if (pf->has_entries)
            return; /* the missing category was reported at the header */
        int c = vg_category_lookup(val, strlen(val));
        if (c < 0 || !name_valid(val, 64, true)) {
            PERR(pf, "unknown category '%s'", val);
            return;
        }
        sec->category_name = vg_xstrdup(val);
        sec->category = c;
    } else if (strcmp(key, "score") == 0) {
        if (!parse_int(val, 0, VG_MATCH_MAX_SCORE, &pf->score))
            PERR(pf, "bad score '%s': write a whole number from 0 to %d", val, VG_MATCH_MAX_SCORE);
    } else if (strcmp(key, "mode") == 0) {
        if (strcmp(val, "word") == 0)
            pf->bounds = VG_BOUND_BOTH;
        else if (strcmp(val, "prefix") == 0)
            pf->bounds = VG_BOUND_LEFT;
        else if (strcmp(val, "suffix") == 0)
            pf->bounds = VG_BOUND_RIGHT;
        else if (strcmp(val, "anywhere") == 0)
            pf->bounds = 0;
        else
            PERR(pf, "bad mode '%s': write word, prefix, suffix or anywhere", val);
    } else if (strcmp(key, "expensive") == 0) {
        if (strcmp(val, "yes") == 0)
            pf->expensive = true;
        else if (strcmp(val, "no") == 0)
            pf->expensive = false;
        else
            PERR(pf, "bad value '%s' for expensive: write yes or no", val);
    } else {
        /* locale: informational; it documents the file, nothing depends on it. */
        if (!name_valid(val, 16, false))
            PERR(pf, "bad locale '%s'", val);
    }
}

static void parse_line(pfile_t *pf, char *s)
{
    s = trim(s);
    if (*s == '\0' || *s == '#')
        return;
    if (strncmp(s, "re:", 3) == 0) {
        if (pf->section == -2)
            return;
        parse_regex(pf, s + 3);
        return;
    }
    strip_comment(s);
    s = trim(s);
    if (*s == '[') {
        parse_section(pf, s);
    } else if (*s == '@' && strchr(s, '=') != NULL) {
        parse_list(pf, s);
    } else if (is_directive(s)) {
        parse_directive(pf, s);
    } else if (pf->section == -2) {
        return; /* under a refused header: reported once there */
    } else {
        parse_entry(pf, s);
    }
}

size_t vg_pset_parse_text(vg_pset_t *ps, const char *path, const char *text, size_t len)
{
    size_t before = ps->nerrors;
    pfile_t pf;
    char *line = vg_xmalloc(VG_MATCH_MAX_LINE + 1);

    memset(&pf, 0, sizeof(pf));
    pf.ps = ps;
    pf.path = path;
    pf.section = -1;
    pf.score = VG_MATCH_DEFAULT_SCORE;
    pf.bounds = VG_BOUND_BOTH;

    const char *p = text;
    const char *end = text + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        size_t n = (size_t)(le - p);
        pf.line++;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > VG_MATCH_MAX_LINE) {
            PERR(&pf, "line too long (more than %d bytes)", VG_MATCH_MAX_LINE);
        } else if (memchr(p, '\0', n) != NULL) {
            PERR(&pf, "NUL byte in line");
        } else if (!utf8_valid((const unsigned char *)p, n)) {
            PERR(&pf, "invalid UTF-8 (pattern files are UTF-8)");
        } else {
            memcpy(line, p, n);
            line[n] = '\0';
            parse_line(&pf, line);
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    for (size_t i = 0; i < pf.nlists; i++) {
        free(pf.lists[i].name);
        vg_pitems_free(pf.lists[i].items, pf.lists[i].nitems);
    }
    free(pf.lists);
    free(line);
    return ps->nerrors - before;
}
