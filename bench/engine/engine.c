/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Engine benchmark: vaglio's matcher (normalizer + Hyperscan + the checks of
 * the match callback) over comment-sized messages, next to PCRE2-JIT and
 * RE2::Set running the same patterns over the same normalized bytes, in
 * one invocation, one core, rounds interleaved.
 *
 *   vg_engine_bench [--patterns DIR] [--gen N] [--rounds R] [--seed S] [FILE.jsonl ...]
 *
 * Corpora: N generated messages (fixed seed, 50-500 bytes, about one in ten
 * with a word of the pattern set, a few with numbers, addresses and links),
 * and the "text" fields of the given JSON Lines files as one more corpus.
 *
 * How the pattern set is given to the peers: the expressions are exactly
 * the ones vaglio gives Hyperscan (one literal per lexicon word, one literal
 * per item of a phrase's anchor, the raw regexes as written), read through
 * the pattern parser. RE2::Set gets each expression as is (Latin-1, i.e.
 * bytes; 1 GiB memory budget). PCRE2 gets one pattern: the literals folded
 * into a trie (a(?:b(?:c|d)|e)...), then the regexes as further
 * alternatives, byte mode, JIT; all non-overlapping leftmost matches are
 * found. The peers only find candidates: the word-boundary, run-length,
 * phrase and validator checks vaglio does in its callback are not done
 * for them (which flatters them). Expressions a peer refuses are counted and
 * left out. Benchmark only: never linked into vagliod.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "re2set.h"
#include "vaglio/normalize.h"

#define MAX_TEXT 65536
#ifdef VG_BENCH_SINGLE_DB
#define NHS(rs) ((rs)->nexprs)
#else
#define NHS(rs) ((rs)->nhs)
#endif
#define PCRE_MAX_BYTES (6u << 20) /* PCRE2 is timed on a prefix of each corpus */

typedef struct corpus {
    const char *name;
    char *data;
    size_t *off;
    uint32_t *len;
    uint32_t *fold_end; /* normalized corpora: where FOLD ends */
    size_t n;
    size_t cap;
    size_t bytes;
    size_t datacap;
} corpus_t;

static void corpus_add(corpus_t *c, const char *s, size_t n)
{
    if (n > MAX_TEXT)
        n = MAX_TEXT;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4096;
        c->off = vg_xrealloc(c->off, c->cap * sizeof(*c->off));
        c->len = vg_xrealloc(c->len, c->cap * sizeof(*c->len));
    }
    while (c->bytes + n > c->datacap) {
        c->datacap = c->datacap ? 2 * c->datacap : (1u << 20);
        c->data = vg_xrealloc(c->data, c->datacap);
    }
    memcpy(c->data + c->bytes, s, n);
    c->off[c->n] = c->bytes;
    c->len[c->n] = (uint32_t)n;
    c->n++;
    c->bytes += n;
}

static void corpus_free(corpus_t *c)
{
    free(c->data);
    free(c->off);
    free(c->len);
    free(c->fold_end);
}

/* ---- the generated corpus ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: fixed seed, same corpus on every machine. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static const char *const vocab[] = {
    "grazie",
    "per",
    "le",
    "informazioni",
    "il",
    "comune",
    "sportello",
    "domani",
    "apre",
    "orario",
    "modulo",
    "domanda",
    "contributo",
    "bando",
    "scadenza",
    "ufficio",
    "anagrafe",
    "servizio",
    "cittadini",
    "quando",
    "perché",
    "però",
    "città",
    "attività",
    "è",
    "già",
    "più",
    "sì",
    "scuola",
    "strada",
    "buche",
    "lavori",
    "parcheggio",
    "autobus",
    "treno",
    "ritardo",
    "evento",
    "piazza",
    "mercato",
    "sabato",
    "domenica",
    "mattina",
    "sera",
    "biblioteca",
    "museo",
    "parco",
    "rifiuti",
    "raccolta",
    "differenziata",
    "bolletta",
    "acqua",
    "luce",
    "tassa",
    "pagamento",
    "online",
    "sito",
    "link",
    "pagina",
    "grazie!",
    "ottimo",
    "lavoro",
    "complimenti",
    "a",
    "tutti",
    "che",
    "non",
    "funziona",
    "ancora",
    "come",
    "sempre",
    "bravi",
    "vergogna",
    "finalmente",
    "thanks",
    "for",
    "the",
    "update",
    "when",
    "does",
    "office",
    "open",
    "tomorrow",
    "great",
    "news",
    "please",
    "fix",
    "road",
    "bus",
    "late",
    "again",
    "council",
    "meeting",
    "tonight",
    "where",
    "can",
    "i",
    "find",
    "form",
    "application",
    "deadline",
    "park",
    "library",
    "event",
    "😀",
    "👍",
    "🙏",
    "«ciao»",
    "“ottimo”",
    "100%",
    "2024",
    "h.18",
    "n.3",
    "via",
    "roma",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static const char *const extras[] = {
    " scrivete a mario.rossi@example.org ",
    " chiamate il 333 123 4567 ",
    " info su https://www.example.org/bando ",
    " tel. 02 12345678 ",
    " IBAN IT60X0542811101000000123456 ",
    " https://bit.ly/abc123 ",
    " codice 1234 5678 9012 3456 ",
    " www.example.com ",
};
#define NEXTRAS (sizeof(extras) / sizeof(extras[0]))

/* Decodes a Hyperscan literal as vg_match_escape writes it. */
static size_t unescape(const char *e, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; e[i] != '\0' && o + 1 < cap; i++) {
        if (e[i] == '\\' && e[i + 1] == 'x' && e[i + 2] != '\0' && e[i + 3] != '\0') {
            char h[3] = {e[i + 2], e[i + 3], 0};
            out[o++] = (char)strtoul(h, NULL, 16);
            i += 3;
        } else {
            out[o++] = e[i];
        }
    }
    out[o] = '\0';
    return o;
}

static void generate(corpus_t *c, size_t n, char **words, size_t nwords)
{
    char msg[600];
    for (size_t i = 0; i < n; i++) {
        size_t target = 50 + rndn(451);
        size_t o = 0;
        bool first = true;
        unsigned special = rndn(100);
        size_t spot = rndn(6);
        size_t k = 0;
        while (o < target) {
            const char *w = vocab[rndn(NVOCAB)];
            if (k == spot && special < 12 && nwords > 0)
                w = words[rndn((unsigned)nwords)]; /* a word of the pattern set */
            else if (k == spot && special < 18)
                w = extras[rndn(NEXTRAS)];
            size_t wl = strlen(w);
            if (o + wl + 2 >= sizeof(msg))
                break;
            if (!first)
                msg[o++] = rndn(12) == 0 ? ',' : ' ';
            if (o > 0 && msg[o - 1] == ',')
                msg[o++] = ' ';
            memcpy(msg + o, w, wl);
            if (first && w[0] >= 'a' && w[0] <= 'z')
                msg[o] = (char)(w[0] - 32);
            o += wl;
            first = false;
            k++;
            if (rndn(15) == 0 && o + 2 < sizeof(msg)) {
                msg[o++] = rndn(3) == 0 ? '!' : '.';
                first = true;
            }
        }
        corpus_add(c, msg, o);
    }
}

static int load_jsonl(corpus_t *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "engine: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t jerr;
        json_t *doc = json_loadb(line, (size_t)n, 0, &jerr);
        json_t *t = doc != NULL ? json_object_get(doc, "text") : NULL;
        if (json_is_string(t) && json_string_length(t) > 0)
            corpus_add(c, json_string_value(t), json_string_length(t));
        json_decref(doc);
    }
    free(line);
    fclose(f);
    return 0;
}

/* ---- the expressions, as vaglio gives them to Hyperscan -------------------- */

typedef struct exprs {
    char **re;     /* all expressions */
    bool *literal; /* a plain literal (lexicon word or phrase anchor) */
    size_t n;
    size_t cap;
} exprs_t;

static void exprs_add(exprs_t *x, char *re, bool literal)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 1024;
        x->re = vg_xrealloc(x->re, x->cap * sizeof(*x->re));
        x->literal = vg_xrealloc(x->literal, x->cap * sizeof(*x->literal));
    }
    x->re[x->n] = re;
    x->literal[x->n] = literal;
    x->n++;
}

static int load_exprs(const char *dir, exprs_t *x)
{
    vg_pset_t ps;
    vg_pset_init(&ps);
    vg_pset_parse_dir(&ps, dir);
    if (ps.nerrors > 0) {
        fprintf(stderr, "engine: pattern errors:\n%.*s", (int)ps.errors.len, ps.errors.data);
        vg_pset_cleanup(&ps);
        return -1;
    }
    for (size_t i = 0; i < ps.nrules; i++) {
        const vg_rule_t *r = &ps.rules[i];
        if (r->kind != VG_RULE_PHRASE) {
            exprs_add(x, vg_xstrdup(r->expr), r->kind == VG_RULE_LITERAL);
            continue;
        }
        const vg_pelem_t *e = &r->phrase->e[r->phrase->anchor];
        for (uint16_t k = 0; k < e->nitems; k++) {
            const vg_pword_t *w = &e->items[k].w[e->items[k].anchor];
            vg_buf_t b;
            vg_buf_init(&b, 0);
            vg_match_escape(&b, w->stem, w->len);
            exprs_add(x, vg_buf_steal(&b, NULL), true);
        }
    }
    vg_pset_cleanup(&ps);
    return 0;
}

/* ---- PCRE2: one trie-shaped alternation ------------------------------------ */

typedef struct tnode {
    unsigned char c;
    bool end;
    struct tnode *kids; /* first child */
    struct tnode *next; /* sibling */
} tnode_t;

static void trie_add(tnode_t *root, const unsigned char *s, size_t n)
{
    tnode_t *t = root;
    for (size_t i = 0; i < n; i++) {
        tnode_t *k = t->kids;
        while (k != NULL && k->c != s[i])
            k = k->next;
        if (k == NULL) {
            k = vg_xcalloc(1, sizeof(*k));
            k->c = s[i];
            k->next = t->kids;
            t->kids = k;
        }
        t = k;
    }
    t->end = true;
}

static void trie_emit(const tnode_t *t, vg_buf_t *b)
{
    size_t nk = 0;
    for (const tnode_t *k = t->kids; k != NULL; k = k->next)
        nk++;
    if (nk == 0)
        return;
    bool group = nk > 1 || t->end;
    if (group)
        vg_buf_puts(b, "(?:");
    bool firstk = true;
    for (const tnode_t *k = t->kids; k != NULL; k = k->next) {
        if (!firstk)
            vg_buf_putc(b, '|');
        firstk = false;
        if ((k->c >= 'a' && k->c <= 'z') || (k->c >= '0' && k->c <= '9'))
            vg_buf_putc(b, (char)k->c);
        else
            vg_buf_printf(b, "\\x%02x", k->c);
        trie_emit(k, b);
    }
    if (group)
        vg_buf_puts(b, t->end ? ")?" : ")");
}

static void trie_free(tnode_t *t)
{
    tnode_t *k = t->kids;
    while (k != NULL) {
        tnode_t *n = k->next;
        trie_free(k);
        free(k);
        k = n;
    }
}

typedef struct pcre_engine {
    pcre2_code *code;
    pcre2_match_data *md;
    size_t refused;
    size_t size;
    size_t jit_size;
    double compile_ms;
} pcre_engine_t;

static int pcre_build(const exprs_t *x, pcre_engine_t *pe)
{
    uint64_t t0 = vg_mono_ns();
    tnode_t root = {0};
    vg_buf_t b;
    vg_buf_init(&b, 0);
    for (size_t i = 0; i < x->n; i++) {
        if (!x->literal[i])
            continue;
        char lit[512];
        size_t n = unescape(x->re[i], lit, sizeof(lit));
        trie_add(&root, (const unsigned char *)lit, n);
    }
    vg_buf_puts(&b, "(?:");
    trie_emit(&root, &b);
    trie_free(&root);
    for (size_t i = 0; i < x->n; i++) {
        if (x->literal[i])
            continue;
        /* Each regex is tried on its own first: one PCRE2 refuses is left out. */
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *one =
            pcre2_compile((PCRE2_SPTR)x->re[i], PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
        if (one == NULL) {
            pe->refused++;
            continue;
        }
        pcre2_code_free(one);
        vg_buf_puts(&b, "|(?:");
        vg_buf_puts(&b, x->re[i]);
        vg_buf_putc(&b, ')');
    }
    vg_buf_putc(&b, ')');
    int ec;
    PCRE2_SIZE eo;
    pe->code = pcre2_compile((PCRE2_SPTR)b.data, b.len, 0, &ec, &eo, NULL);
    vg_buf_cleanup(&b);
    if (pe->code == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        fprintf(stderr, "engine: PCRE2 refuses the alternation at %zu: %s\n", (size_t)eo, msg);
        return -1;
    }
    if (pcre2_jit_compile(pe->code, PCRE2_JIT_COMPLETE) != 0)
        fprintf(stderr, "engine: PCRE2 JIT unavailable, timing the interpreter\n");
    pe->md = pcre2_match_data_create_from_pattern(pe->code, NULL);
    pcre2_pattern_info(pe->code, PCRE2_INFO_SIZE, &pe->size);
    pcre2_pattern_info(pe->code, PCRE2_INFO_JITSIZE, &pe->jit_size);
    pe->compile_ms = (double)(vg_mono_ns() - t0) / 1e6;
    return 0;
}

static size_t pcre_scan(const pcre_engine_t *pe, const char *buf, size_t len)
{
    size_t hits = 0;
    PCRE2_SIZE at = 0;
    while (at < len) {
        int rc = pcre2_jit_match(pe->code, (PCRE2_SPTR)buf, len, at, 0, pe->md, NULL);
        if (rc < 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pe->md);
        hits++;
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    return hits;
}

/* ---- timing ------------------------------------------------------------------ */

enum { E_NORM, E_HSRAW, E_VAGLIO, E_RE2, E_PCRE, E_COUNT };
static const char *const ename[E_COUNT] = {"normalizer alone", "Hyperscan database alone",
                                           "vaglio (normalize+scan+checks)", "RE2::Set (1 GiB)",
                                           "PCRE2-JIT trie alternation"};

typedef struct bench {
    vg_ruleset_t *rs;
    vg_scanner_t *sc;
    vg_norm_t *norm;
    hs_scratch_t *scratch;
    bench_re2set_t *re2;
    pcre_engine_t pcre;
    corpus_t normed; /* the normalized buffers of the current corpus */
    char pad[MAX_TEXT + 2];
    size_t sink;
} bench_t;

static int count_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(size_t *)ctx)++;
    return 0;
}

/* The databases of the gates FOLD passes, as vg_scan runs them. */
static void scan_gates(const vg_ruleset_t *rs, const char *fold, size_t n, hs_scratch_t *s,
                       match_event_handler cb, void *ctx)
{
    unsigned want = 0;
    for (int k = 0; k < VG_GATES; k++)
        if (rs->db_gate[k] != NULL)
            want |= 1u << k;
    if (want == 0 || n == 0)
        return;
    unsigned g = vg_match_fold_gates((const unsigned char *)fold, n, want);
    for (int k = 0; k < VG_GATES; k++)
        if (g & (1u << k))
            hs_scan(rs->db_gate[k], fold, (unsigned)n, 0, s, cb, ctx);
}

/* Runs engine @p e over corpus @p c; returns seconds, and the bytes (of the
 * original texts) and messages covered. */
static double run(bench_t *b, int e, const corpus_t *c, size_t *bytes, size_t *msgs)
{
    uint64_t t0 = vg_mono_ns();
    size_t nb = 0;
    size_t i = 0;
    vg_scan_result_t res;
    for (; i < c->n; i++) {
        const char *t = c->data + c->off[i];
        size_t n = c->len[i];
        const char *nt = b->normed.data + b->normed.off[i];
        size_t nn = b->normed.len[i];
        switch (e) {
        case E_NORM:
            vg_norm_run(b->norm, t, n);
            b->sink += n;
            break;
        case E_HSRAW: {
#ifdef VG_BENCH_SINGLE_DB
            /* Before the split (for before/after runs): one database, whole buffer. */
            if (nn > 0)
                hs_scan(b->rs->db, nt, (unsigned)nn, 0, b->scratch, count_cb, &b->sink);
#else
            /* What vg_scan asks of Hyperscan: FOLD, then ' ' WORDS ' '. */
            size_t fe = b->normed.fold_end[i];
            if (b->rs->db_fold != NULL && fe > 0)
                hs_scan(b->rs->db_fold, nt, (unsigned)fe, 0, b->scratch, count_cb, &b->sink);
            scan_gates(b->rs, nt, fe, b->scratch, count_cb, &b->sink);
            if (b->rs->db != NULL && nn > fe + 1) {
                size_t wl = nn - fe - 1;
                b->pad[0] = ' ';
                memcpy(b->pad + 1, nt + fe + 1, wl);
                b->pad[wl + 1] = ' ';
                hs_scan(b->rs->db, b->pad, (unsigned)(wl + 2), 0, b->scratch, count_cb, &b->sink);
            }
#endif
            break;
        }
        case E_VAGLIO:
            vg_scan(b->sc, b->rs, NULL, t, n, &res);
            b->sink += res.n;
            break;
        case E_RE2:
            b->sink += (size_t)bench_re2set_match(b->re2, nt, nn);
            break;
        case E_PCRE:
            b->sink += pcre_scan(&b->pcre, nt, nn);
            break;
        }
        nb += n;
        if (e == E_PCRE && nb >= PCRE_MAX_BYTES) {
            i++;
            break;
        }
    }
    *bytes = nb;
    *msgs = i;
    return (double)(vg_mono_ns() - t0) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* b->normed: each message of @p c normalized, with the end of its FOLD region. */
static void normalize_corpus(bench_t *b, const corpus_t *c)
{
    memset(&b->normed, 0, sizeof(b->normed));
    for (size_t i = 0; i < c->n; i++) {
        size_t n;
        vg_norm_run(b->norm, c->data + c->off[i], c->len[i]);
        const char *buf = vg_norm_buffer(b->norm, &n);
        size_t fe;
        size_t ws;
        vg_norm_regions(b->norm, &fe, &ws);
        corpus_add(&b->normed, buf, n);
        b->normed.fold_end = vg_xrealloc(b->normed.fold_end, b->normed.cap * sizeof(uint32_t));
        b->normed.fold_end[b->normed.n - 1] = (uint32_t)fe;
    }
}

static int only = -1; /* VG_BENCH_ONLY=N: time engine N alone (for profiling) */

static void bench_corpus(bench_t *b, const corpus_t *c, int rounds)
{
    /* The peers scan what vaglio's database scans: the normalized buffer. */
    normalize_corpus(b, c);
    double mbps[E_COUNT][16];
    double mps[E_COUNT][16];
    if (rounds > 16)
        rounds = 16;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < E_COUNT; k++) {
            int e = (k + r) % E_COUNT; /* rotate the order: speed drifts */
            if (only >= 0 && e != only) {
                mbps[e][r] = mps[e][r] = 1;
                continue;
            }
            size_t bytes;
            size_t msgs;
            double s = run(b, e, c, &bytes, &msgs);
            mbps[e][r] = (double)bytes / s / 1e6;
            mps[e][r] = (double)msgs / s;
        }
    }
    double med[E_COUNT];
    double medm[E_COUNT];
    for (int e = 0; e < E_COUNT; e++) {
        qsort(mbps[e], (size_t)rounds, sizeof(double), cmp_double);
        qsort(mps[e], (size_t)rounds, sizeof(double), cmp_double);
        med[e] = mbps[e][rounds / 2];
        medm[e] = mps[e][rounds / 2];
    }
    /* Peers with the normalizer in front, as vaglio has it. */
    double re2_full = 1.0 / (1.0 / med[E_NORM] + 1.0 / med[E_RE2]);
    double pcre_full = 1.0 / (1.0 / med[E_NORM] + 1.0 / med[E_PCRE]);
    printf("\n### %s: %zu messages, %.1f MB, mean %.0f bytes (median of %d rounds, one core)\n\n",
           c->name, c->n, (double)c->bytes / 1e6, (double)c->bytes / (double)c->n, rounds);
    printf("| engine | MB/s | messages/s | vaglio / it |\n|---|---:|---:|---:|\n");
    for (int e = 0; e < E_COUNT; e++)
        printf("| %s | %.1f | %.0f | %.2f |\n", ename[e], med[e], medm[e], med[E_VAGLIO] / med[e]);
    printf("| RE2::Set with the normalizer in front | %.1f | %.0f | %.2f |\n", re2_full,
           re2_full * 1e6 * (double)c->n / (double)c->bytes, med[E_VAGLIO] / re2_full);
    printf("| PCRE2-JIT with the normalizer in front | %.1f | %.0f | %.2f |\n", pcre_full,
           pcre_full * 1e6 * (double)c->n / (double)c->bytes, med[E_VAGLIO] / pcre_full);
    printf("\nRATIO %s vaglio_mbps=%.1f hs_only_vs_re2=%.2f vaglio_vs_re2_norm=%.2f "
           "vaglio_vs_pcre_norm=%.2f hs_only_vs_pcre=%.2f\n",
           c->name, med[E_VAGLIO], med[E_HSRAW] / med[E_RE2], med[E_VAGLIO] / re2_full,
           med[E_VAGLIO] / pcre_full, med[E_HSRAW] / med[E_PCRE]);
    corpus_free(&b->normed);
}

/* ---- --profile: where the Hyperscan time goes ---------------------------- */

/* Which rules a profiled ruleset keeps. */
enum { P_ALL, P_WORDS_ONLY, P_REGEX_ONLY, P_ONE_REGEX };

static vg_ruleset_t *profile_subset(const char *dir, int mode, size_t which, char *name,
                                    size_t namecap)
{
    vg_pset_t ps;
    vg_pset_init(&ps);
    vg_pset_parse_dir(&ps, dir);
    size_t o = 0;
    size_t nre = 0;
    name[0] = '\0';
    for (size_t i = 0; i < ps.nrules; i++) {
        vg_rule_t *r = &ps.rules[i];
        bool re = r->kind == VG_RULE_REGEX;
        bool keep = mode == P_ALL || (mode == P_WORDS_ONLY && !re) ||
                    (mode == P_REGEX_ONLY && re) || (mode == P_ONE_REGEX && re && nre == which);
        if (mode == P_ONE_REGEX && re && nre == which)
            snprintf(name, namecap, "%s", r->id);
        nre += re;
        if (keep)
            ps.rules[o++] = *r;
        else
            vg_rule_cleanup(r);
    }
    ps.nrules = o;
    vg_ruleset_t *rs = o > 0 ? vg_ruleset_build(&ps, false) : NULL;
    vg_pset_cleanup(&ps);
    return rs;
}

typedef struct pcount {
    const vg_ruleset_t *rs;
    size_t n;
    bool som;
    bool som_all;
    uint64_t som_mask;
} pcount_t;

static size_t *prof_ids; /* VG_BENCH_TOP: reports per expression id */

static int profile_cb(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void *ctx)
{
    pcount_t *p = ctx;
    (void)from;
    (void)to;
    (void)flags;
    p->n++;
    if (prof_ids != NULL)
        prof_ids[id]++;
    uint8_t som = p->rs->exprs[id].som;
    if (som != 0) {
        p->som = true;
        if (som == VG_SOM_ALL || p->rs->nsom_one == 0)
            p->som_all = true;
        else
            p->som_mask |= (uint64_t)1 << (som - 1);
    }
    return 0;
}

/* Times the FOLD, SOM (where needed) and WORDS scans of @p rs over the
 * normalized corpus; seconds of the fastest of @p rounds, reports counted. */
static void profile_one(bench_t *b, const vg_ruleset_t *rs, const char *what, int rounds,
                        size_t nbytes)
{
    hs_scratch_t *s = NULL;
    bool ok = (rs->db == NULL || hs_alloc_scratch(rs->db, &s) == HS_SUCCESS) &&
              (rs->db_fold == NULL || hs_alloc_scratch(rs->db_fold, &s) == HS_SUCCESS) &&
              (rs->db_som == NULL || hs_alloc_scratch(rs->db_som, &s) == HS_SUCCESS);
    for (int k = 0; k < VG_GATES && ok; k++)
        ok = rs->db_gate[k] == NULL || hs_alloc_scratch(rs->db_gate[k], &s) == HS_SUCCESS;
    for (size_t k = 0; k < rs->nsom_one && ok; k++)
        ok = hs_alloc_scratch(rs->db_som_one[k], &s) == HS_SUCCESS;
    if (!ok) {
        hs_free_scratch(s);
        return;
    }
    double best[3] = {1e9, 1e9, 1e9};
    size_t reps[3] = {0, 0, 0};
    size_t nsom = 0;
    const corpus_t *c = &b->normed;
    for (int r = 0; r < rounds; r++) {
        double t[3] = {0, 0, 0};
        size_t n[3] = {0, 0, 0};
        nsom = 0;
        for (size_t i = 0; i < c->n; i++) {
            const char *nt = c->data + c->off[i];
            size_t nn = c->len[i];
            size_t fe = c->fold_end[i];
            pcount_t p = {.rs = rs};
            uint64_t t0 = vg_mono_ns();
            if (rs->db_fold != NULL && fe > 0)
                hs_scan(rs->db_fold, nt, (unsigned)fe, 0, s, profile_cb, &p);
            scan_gates(rs, nt, fe, s, profile_cb, &p);
            uint64_t t1 = vg_mono_ns();
            n[0] += p.n;
            p.n = 0;
            if (p.som && rs->db_som != NULL) {
                /* As vg_scan: the SOM databases of the candidates seen. */
                nsom++;
                if (p.som_all || rs->nsom_one == 0)
                    hs_scan(rs->db_som, nt, (unsigned)fe, 0, s, profile_cb, &p);
                for (uint64_t m = p.som_all ? 0 : p.som_mask; m != 0; m &= m - 1)
                    hs_scan(rs->db_som_one[__builtin_ctzll(m)], nt, (unsigned)fe, 0, s, profile_cb,
                            &p);
            }
            uint64_t t2 = vg_mono_ns();
            n[1] += p.n;
            p.n = 0;
            if (rs->db != NULL && nn > fe + 1) {
                size_t wl = nn - fe - 1;
                b->pad[0] = ' ';
                memcpy(b->pad + 1, nt + fe + 1, wl);
                b->pad[wl + 1] = ' ';
                hs_scan(rs->db, b->pad, (unsigned)(wl + 2), 0, s, profile_cb, &p);
            }
            uint64_t t3 = vg_mono_ns();
            n[2] += p.n;
            t[0] += (double)(t1 - t0);
            t[1] += (double)(t2 - t1);
            t[2] += (double)(t3 - t2);
        }
        for (int k = 0; k < 3; k++) {
            if (t[k] < best[k])
                best[k] = t[k];
            reps[k] = n[k];
        }
    }
    if (prof_ids != NULL) {
        /* The expressions reported most often, over all rounds. */
        for (int top = 0; top < 25; top++) {
            size_t bi = 0;
            for (size_t i = 0; i < rs->nexprs; i++)
                if (prof_ids[i] > prof_ids[bi])
                    bi = i;
            if (prof_ids[bi] == 0)
                break;
            const vg_hsexpr_t *x = &rs->exprs[bi];
            const char *id = x->rule == VG_HSEXPR_PRESENCE ? "(presence)" : rs->rules[x->rule].id;
            printf("top %zu reports: expr %zu %s item %u\n", prof_ids[bi] / (size_t)rounds, bi, id,
                   x->item);
            prof_ids[bi] = 0;
        }
        memset(prof_ids, 0, rs->nexprs * sizeof(*prof_ids));
    }
    double tot = best[0] + best[1] + best[2];
    printf("| %s | %.0f | %.0f | %.0f | %.0f | %.1f | %zu | %zu | %zu | %zu |\n", what,
           best[0] / 1e6, best[1] / 1e6, best[2] / 1e6, tot / 1e6, (double)nbytes / (tot / 1e3),
           reps[0], reps[1], nsom, reps[2]);
    hs_free_scratch(s);
}

static void profile(bench_t *b, const char *dir, const corpus_t *c, int rounds)
{
    normalize_corpus(b, c);
    printf("\n### Hyperscan profile: %s, %zu messages (fastest of %d rounds)\n\n", c->name, c->n,
           rounds);
    printf("| rules | FOLD ms | SOM ms | WORDS ms | total ms | MB/s | FOLD reports | SOM reports "
           "| SOM scans | WORDS reports |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    char name[256];
    static const char *const mname[] = {"all", "words, phrases (no regex)", "regexes only"};
    for (int m = P_ALL; m <= P_REGEX_ONLY; m++) {
        vg_ruleset_t *rs = profile_subset(dir, m, 0, name, sizeof(name));
        if (rs != NULL && m == P_ALL && getenv("VG_BENCH_TOP") != NULL)
            prof_ids = vg_xcalloc(rs->nexprs + 1, sizeof(*prof_ids));
        if (rs != NULL)
            profile_one(b, rs, mname[m], rounds, c->bytes);
        free(prof_ids);
        prof_ids = NULL;
        vg_ruleset_unref(rs);
    }
    for (size_t k = 0;; k++) {
        vg_ruleset_t *rs = profile_subset(dir, P_ONE_REGEX, k, name, sizeof(name));
        if (rs == NULL)
            break;
        profile_one(b, rs, name, rounds, c->bytes);
        vg_ruleset_unref(rs);
    }
    corpus_free(&b->normed);
}

int main(int argc, char **argv)
{
    const char *dir = "patterns";
    size_t ngen = 100000;
    int rounds = 3;
    rng_state = 20261204;
    int argi = 1;
    bool prof = false;
    for (; argi < argc; argi++) {
        if (strcmp(argv[argi], "--profile") == 0) {
            prof = true;
            continue;
        }
        if (strcmp(argv[argi], "--patterns") == 0 && argi + 1 < argc)
            dir = argv[++argi];
        else if (strcmp(argv[argi], "--gen") == 0 && argi + 1 < argc)
            ngen = strtoull(argv[++argi], NULL, 10);
        else if (strcmp(argv[argi], "--rounds") == 0 && argi + 1 < argc)
            rounds = atoi(argv[++argi]);
        else if (strcmp(argv[argi], "--seed") == 0 && argi + 1 < argc)
            rng_state = strtoull(argv[++argi], NULL, 10) | 1;
        else
            break;
    }
    if (rounds < 1)
        rounds = 1;
    if (getenv("VG_BENCH_ONLY") != NULL)
        only = atoi(getenv("VG_BENCH_ONLY"));

    static bench_t b;
    vg_err_t err;
    vg_err_clear(&err);
    b.rs = vg_ruleset_load(dir, &err);
    if (b.rs == NULL) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 2;
    }
    size_t db_bytes;
    size_t scratch_bytes;
    double compile_ms;
    vg_ruleset_stats(b.rs, &db_bytes, &scratch_bytes, &compile_ms);
    b.sc = vg_scanner_new(MAX_TEXT);
    b.norm = vg_norm_new(MAX_TEXT);
#ifdef VG_BENCH_SINGLE_DB
    if (hs_alloc_scratch(b.rs->db, &b.scratch) != HS_SUCCESS)
        return 2;
#else
    if ((b.rs->db != NULL && hs_alloc_scratch(b.rs->db, &b.scratch) != HS_SUCCESS) ||
        (b.rs->db_fold != NULL && hs_alloc_scratch(b.rs->db_fold, &b.scratch) != HS_SUCCESS))
        return 2;
    for (int k = 0; k < VG_GATES; k++)
        if (b.rs->db_gate[k] != NULL &&
            hs_alloc_scratch(b.rs->db_gate[k], &b.scratch) != HS_SUCCESS)
            return 2;
#endif

    exprs_t x = {0};
    if (load_exprs(dir, &x) < 0)
        return 2;
    uint64_t t0 = vg_mono_ns();
    b.re2 = bench_re2set_new(1ll << 30);
    size_t re2_refused = 0;
    for (size_t i = 0; i < x.n; i++)
        if (bench_re2set_add(b.re2, x.re[i]) < 0)
            re2_refused++;
    if (bench_re2set_compile(b.re2) < 0) {
        fprintf(stderr, "engine: RE2::Set does not compile\n");
        return 2;
    }
    double re2_ms = (double)(vg_mono_ns() - t0) / 1e6;
    if (pcre_build(&x, &b.pcre) < 0)
        return 2;

    size_t nlit = 0;
    for (size_t i = 0; i < x.n; i++)
        nlit += x.literal[i];
    printf("## Engine\n\n");
    printf("Pattern set `%s`: %zu rules, %zu expressions (%zu literals, %zu regexes); vaglio "
           "gives Hyperscan %zu distinct ones.\n\n",
           dir, vg_ruleset_rule_count(b.rs), x.n, nlit, x.n - nlit, NHS(b.rs));
    printf("| engine | compile ms | database | scratch / match state | refused |\n");
    printf("|---|---:|---:|---:|---:|\n");
    printf("| vaglio (Hyperscan %s) | %.0f (parse+compile) | %zu KiB | %zu KiB | 0 |\n",
           hs_version(), compile_ms, db_bytes / 1024, scratch_bytes / 1024);
    printf("| RE2::Set, 1 GiB budget | %.0f | n/a | n/a (lazy DFA, grows) | %zu |\n", re2_ms,
           re2_refused);
    printf("| PCRE2-JIT, one alternation | %.0f | %zu KiB (+%zu KiB JIT) | %zu bytes match data | "
           "%zu |\n",
           b.pcre.compile_ms, b.pcre.size / 1024, b.pcre.jit_size / 1024,
           (size_t)pcre2_get_match_data_size(b.pcre.md), b.pcre.refused);

    /* The generated corpus uses the pattern set's own words (decoded literals). */
    char **words = vg_xcalloc(x.n + 1, sizeof(*words));
    size_t nwords = 0;
    for (size_t i = 0; i < x.n; i++) {
        if (!x.literal[i])
            continue;
        char w[512];
        unescape(x.re[i], w, sizeof(w));
        words[nwords++] = vg_xstrdup(w);
    }
    corpus_t gen = {.name = "generated"};
    generate(&gen, ngen, words, nwords);
    if (prof)
        profile(&b, dir, &gen, rounds);
    else
        bench_corpus(&b, &gen, rounds);
    corpus_free(&gen);
    if (argi < argc) {
        corpus_t ext = {.name = "shared corpus texts"};
        for (int i = argi; i < argc; i++)
            if (load_jsonl(&ext, argv[i]) < 0)
                return 2;
        if (ext.n > 0 && prof)
            profile(&b, dir, &ext, rounds);
        else if (ext.n > 0)
            bench_corpus(&b, &ext, rounds);
        corpus_free(&ext);
    }
    fprintf(stderr, "(sink %zu)\n", b.sink);

    for (size_t i = 0; i < nwords; i++)
        free(words[i]);
    free(words);
    for (size_t i = 0; i < x.n; i++)
        free(x.re[i]);
    free(x.re);
    free(x.literal);
    pcre2_match_data_free(b.pcre.md);
    pcre2_code_free(b.pcre.code);
    bench_re2set_free(b.re2);
    hs_free_scratch(b.scratch);
    vg_norm_free(b.norm);
    vg_scanner_free(b.sc);
    vg_ruleset_unref(b.rs);
    return 0;
}
