/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match internals, shared by the pattern-file parser (parse.c), the
 * Hyperscan compiler (compile.c), the tenant views (tenant.c) and the
 * scanner (scan.c), and visible to the unit tests.
 *
 * The parser turns pattern files into rules that are already expressions
 * Hyperscan understands plus the metadata the match callback needs to
 * confirm a match (word boundaries, run lengths, region, validator). The
 * compiler builds one block-mode database whose expression ids are rule
 * indexes.
 */
#ifndef VAGLIO_MATCH_INTERNAL_H
#define VAGLIO_MATCH_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "vaglio/match.h"
#include "vaglio/util.h"

/* Limits that keep a hostile or broken pattern directory bounded. */
#define VG_MATCH_MAX_FILE_BYTES (8u << 20) /* one pattern file */
#define VG_MATCH_MAX_LINE       4096       /* one line, bytes */
#define VG_MATCH_MAX_FILES      1024
#define VG_MATCH_MAX_DEPTH      8
#define VG_MATCH_MAX_RULES      200000
#define VG_MATCH_MAX_TOKENS     64 /* words, gaps and lists in one entry */
#define VG_MATCH_MAX_GAP        6  /* ~N: up to this many words */
#define VG_MATCH_MAX_SCORE      100
#define VG_MATCH_MIN_LITERAL    3    /* bytes a rule must contain unless expensive */
#define VG_MATCH_MAX_RAW        1024 /* confirmed raw matches kept per scan */
#define VG_MATCH_ERR_KEEP       200  /* error lines kept in the report */
#define VG_MATCH_DEFAULT_SCORE  10
#define VG_MATCH_MAX_EXTEND     255 /* bytes a regex span may grow by, each side */

/* What a rule is compiled from. */
enum {
    VG_RULE_LITERAL = 0, /* a word or phrase without gaps: one literal on WORDS */
    VG_RULE_PHRASE,      /* words with gaps, lists or inner wildcards: a regex on WORDS */
    VG_RULE_REGEX,       /* a raw regex written by technical staff */
};

/* Word-boundary requirements of a lexicon rule (mode word = both). */
enum {
    VG_BOUND_LEFT = 1,
    VG_BOUND_RIGHT = 2,
    VG_BOUND_BOTH = 3,
};

/* Which region of the scan buffer a rule must match in. */
enum {
    VG_VIEW_FOLD = 0,
    VG_VIEW_WORDS = 1,
};

/*
 * A phrase, confirmed word by word in the match callback. Hyperscan only
 * looks for one literal per item of the anchor element (the most selective
 * one); the callback checks the anchor's word boundaries and then the
 * neighbouring words, gaps and lists against the tokens of the WORDS region.
 * A plain word is a list of one item of one word.
 */
typedef struct vg_pword {
    char *stem; /* normalized, one token (no spaces) */
    uint16_t len;
    bool lstar; /* `*stem`: may end a longer word */
    bool rstar; /* `stem*`: may start a longer word */
} vg_pword_t;

typedef struct vg_pitem {
    vg_pword_t *w; /* consecutive words */
    uint16_t n;
    uint16_t anchor; /* the longest word: this item's Hyperscan literal */
} vg_pitem_t;

typedef struct vg_pelem {
    vg_pitem_t *items; /* alternatives; NULL for a gap */
    uint16_t nitems;
    uint8_t gap; /* a gap of 0..gap words (items == NULL) */
} vg_pelem_t;

typedef struct vg_phrase {
    vg_pelem_t *e;
    uint16_t n;
    uint16_t anchor; /* the element whose items Hyperscan finds */
} vg_phrase_t;

#define VG_MATCH_MAX_GAPS      4    /* gaps in one phrase: bounds the confirmation */
#define VG_MATCH_PHRASE_BUDGET 2048 /* word comparisons per confirmation */

/*
 * One use of a Hyperscan expression: which rule it belongs to (and, for a
 * phrase, which item of the anchor element it is the literal of). Rules
 * that share an expression (the same word in many phrases) share one
 * Hyperscan id, the index of the first use; the others follow it in the
 * array, in rule order, linked by `next` (the last one: UINT32_MAX).
 * A word that must stand alone on a side carries a ' ' on that side (`pad`,
 * VG_BOUND_* bits): the WORDS region is scanned with a ' ' added at each
 * end, so Hyperscan reports only whole words and the callback no longer
 * sees the word inside longer ones.
 */
typedef struct vg_hsexpr {
    uint32_t rule;
    uint32_t item;
    uint32_t next; /* next use of the same expression, UINT32_MAX = none */
    uint8_t pad;   /* VG_BOUND_* bits: a ' ' before / after the literal */
    uint8_t view;  /* VG_VIEW_* or VG_DB_SOM: the database it is compiled into */
    uint8_t som;   /* found without SOM: the SOM database must run; 1 + the slot of its
                      own SOM database, or VG_SOM_ALL: the shared one */
    uint8_t req;   /* a phrase with other elements: confirmed after the scan */
} vg_hsexpr_t;

/* The third database: the FOLD regexes whose start needs SOM, with it;
 * then one FOLD database per gate (VG_DB_GATE + bit index). */
#define VG_DB_SOM   2
#define VG_DB_GATE  3
#define VG_DB_COUNT (VG_DB_GATE + VG_GATES)

/* SOM expressions with a database each (more share the SOM database). */
#define VG_SOM_SLOTS 64
#define VG_SOM_ALL   255

/* Gates (see vg_regex_gates). */
enum {
    VG_GATE_AT = 1,   /* an '@' */
    VG_GATE_LLDD = 2, /* [a-z]{2}[0-9]{2} */
    VG_GATE_D5 = 4,   /* [0-9]{5} */
    VG_GATE_DDL = 8,  /* [0-9]{2}[a-z] */
    VG_GATE_L16 = 16, /* [a-z]{16}: rare in text, a word of sixteen letters */
};
#define VG_GATES 5

/* An expression use that only records that a word occurs (rule field). */
#define VG_HSEXPR_PRESENCE UINT32_MAX

typedef struct vg_rule {
    char *id;            /* "<section>:<entry as written>" or "<section>:<id>" */
    char *source;        /* "path:line" */
    char *expr;          /* literal and regex rules: the Hyperscan expression */
    vg_phrase_t *phrase; /* phrase rules */
    unsigned hs_flags;
    uint32_t section; /* index into the ruleset's sections */
    int score;
    uint32_t width; /* literal length, or fixed match width; 0 = use SOM */
    uint8_t *runs;  /* literal rules: run length per byte of the literal */
    uint8_t kind;   /* VG_RULE_* */
    uint8_t bounds; /* VG_BOUND_* bits checked in the callback */
    uint8_t view;   /* VG_VIEW_* */
    uint8_t validator;
    bool allow;           /* an allow-list entry: cancels findings it covers */
    bool exact;           /* no tolerance for leet, spacing or emphasis */
    bool isolated;        /* regex: must not touch a word byte on either side */
    bool context;         /* regex: leading context words; the data starts at a digit or '+' */
    uint64_t *grow_left;  /* regex: 256-bit set; the span grows left over these bytes */
    uint64_t *grow_right; /* regex: ... and right */
    bool expensive;       /* has no literal factor; accepted because marked so */
} vg_rule_t;

typedef struct vg_section {
    char *name;
    char *category_name; /* as written; NULL for a section of allow entries only */
    int category;        /* base category, -1 if none */
    char *source;        /* "path:line" of the [header] */
} vg_section_t;

/*
 * A pattern set being parsed: rules and sections accumulate over every
 * file; errors accumulate as "path:line: reason" lines.
 */
typedef struct vg_pset {
    vg_rule_t *rules;
    size_t nrules;
    size_t caprules;
    vg_section_t *sections;
    size_t nsections;
    size_t capsections;
    vg_buf_t errors; /* at most VG_MATCH_ERR_KEEP lines */
    size_t nerrors;  /* all errors, kept or not */
} vg_pset_t;

void vg_pset_init(vg_pset_t *ps);
void vg_pset_cleanup(vg_pset_t *ps);

/** Records one error line "path:line: reason" (line 0: "path: reason"). */
void vg_pset_error(vg_pset_t *ps, const char *path, unsigned line, const char *fmt, ...)
    VG_PRINTF(4, 5);

/**
 * Parses one pattern file already in memory; @p path names it in errors.
 * Errors are recorded in @p ps; returns the number of new errors.
 */
size_t vg_pset_parse_text(vg_pset_t *ps, const char *path, const char *text, size_t len);

/**
 * Parses every `*.txt` under @p dir, recursively, in sorted path order
 * (hidden entries skipped), then checks for duplicate rule ids. Returns the
 * number of errors recorded.
 */
size_t vg_pset_parse_dir(vg_pset_t *ps, const char *dir);

/** Checks rule ids for duplicates across the set; records errors. */
void vg_pset_check_duplicates(vg_pset_t *ps);

/**
 * True if every match of the regex @p re (@p n bytes) must contain a run of
 * at least @p min literal bytes. Conservative: may say false for a regex
 * that has one (then the author marks it expensive).
 */
bool vg_regex_has_literal(const char *re, size_t n, size_t min);

/*
 * Gates: cheap facts about the FOLD region that a regex needs before it can
 * match. A regex whose every match contains one (an '@', five digits in a
 * row, two letters then two digits, two digits then a letter, sixteen letters
 * in a row) is compiled
 * into the database of that gate, which is scanned only when the scanner's
 * byte pass saw the fact in the message.
 */

/**
 * The gates (VG_GATE_* bits) every match of the regex @p re (@p n bytes)
 * passes, from its top-level sequence of atoms. Conservative: 0 when unsure.
 */
unsigned vg_regex_gates(const char *re, size_t n);

/** The gates among @p want that the FOLD region @p b (@p n bytes) passes. */
unsigned vg_match_fold_gates(const unsigned char *b, size_t n, unsigned want);

/** Fills @p err with the first error of @p ps and "(and N more)". */
void vg_pset_err(const vg_pset_t *ps, vg_err_t *err);

struct vg_ruleset {
    atomic_uint refs;
    uint64_t generation;    /* unique per ruleset: scanners size their scratch per generation */
    hs_database_t *db;      /* WORDS region: words, phrase anchors, WORDS regexes; or NULL */
    hs_database_t *db_fold; /* FOLD region: the other regexes, without SOM; or NULL */
    hs_database_t *db_som;  /* FOLD region: the regexes that need SOM, with it; or NULL */
    hs_database_t *db_gate[VG_GATES]; /* FOLD region: the regexes behind each gate; or NULL */
    hs_database_t *db_som_one[VG_SOM_SLOTS]; /* each SOM expression alone, in slot order */
    size_t nsom_one;                         /* 0: only the shared SOM database */
    hs_database_t *db_fold_all;              /* FOLD and every gate in one, in rule order: the scan
                                                again when a message hits the match cap, so the
                                                matches kept are the ones kept before gates; or NULL */
    vg_hsexpr_t *exprs; /* Hyperscan expression id -> rule (ids unique across both) */
    size_t nexprs;      /* uses of expressions (rules and phrase items) */
    size_t nhs;         /* distinct Hyperscan expressions */
    /*
     * Phrase prefilter: besides its anchor, every element of a phrase must
     * occur in the text for the phrase to match, and confirming a phrase
     * word by word costs far more than finding a word. So the words of the
     * other elements are in the WORDS database too, as expressions of their
     * own (not shared with anchors); a presence use's `item` is the word's index,
     * and lit_el[lit_at[w] .. lit_at[w + 1]) the elements (distinct lists of
     * words, shared between phrases) it makes present. A phrase is confirmed
     * only if each of its elements is present: req[req_at[rule]] = number
     * of elements, then the elements; req_at[rule] = UINT32_MAX: none.
     */
    uint32_t *req_at; /* per rule */
    uint32_t *req;
    uint32_t *lit_at; /* npresence + 1 */
    uint32_t *lit_el;
    size_t npresence; /* words */
    size_t nelems;    /* elements: bits of the scanner's presence set */
    vg_rule_t *rules;
    size_t nrules;
    vg_section_t *sections;
    size_t nsections;
    size_t db_bytes;
    size_t scratch_bytes;
    double compile_ms;
};

/**
 * Compiles the rules of @p ps (which must have no errors) into a ruleset,
 * taking its rules and sections. If @p check is true, every rule Hyperscan
 * rejects is recorded (compiling again without it); otherwise the first
 * rejection ends the build. Returns the ruleset or NULL with errors in @p ps.
 */
vg_ruleset_t *vg_ruleset_build(vg_pset_t *ps, bool check);

/** The rule at @p i (tests). */
const vg_rule_t *vg_ruleset_rule(const vg_ruleset_t *rs, uint32_t i);

/** Index of the rule with id @p id, or -1 (tests, tools). */
int vg_ruleset_rule_lookup(const vg_ruleset_t *rs, const char *id);

/* One allow-list entry of a tenant, reduced like a lexicon entry. */
typedef struct vg_tenant_allow {
    char *text; /* normalized: words separated by single spaces */
    uint32_t len;
    uint32_t first; /* bytes of its first word */
    uint32_t next;  /* next entry in the same hash chain, UINT32_MAX = none */
    uint8_t bounds; /* VG_BOUND_* from the entry's wildcards */
} vg_tenant_allow_t;

/* As many as the configuration accepts (tenants.<name>.allow). */
#define VG_MATCH_TENANT_MAX_ALLOW 100000
#define VG_MATCH_TENANT_MAX_ENTRY 256

/*
 * A tenant's view: switched-off sections and allow entries. Entries whose
 * first word is exact are found through a hash of that word (one lookup per
 * word of the message, however many entries); the few whose first word is
 * open (`*rossi`, `rossi*`) are searched one by one.
 */
struct vg_match_tenant {
    vg_ruleset_t *rs; /* a reference: section indexes belong to this ruleset */
    uint64_t *off;    /* bit per section: switched off */
    vg_tenant_allow_t *allow;
    size_t nallow;
    uint32_t *heads; /* hash of the first word -> first entry, UINT32_MAX = none */
    size_t nheads;   /* a power of two */
    uint32_t *open;  /* entries searched one by one */
    size_t nopen;
};

/** FNV-1a of @p n bytes: the tenant allow-list hash. */
uint32_t vg_match_hash(const char *s, size_t n);

/** Appends bytes as a Hyperscan literal: [a-z0-9] as they are, others as \xHH. */
void vg_match_escape(vg_buf_t *b, const char *s, size_t n);

/**
 * Reduces @p s like the WORDS region (vg_norm_word), without separators at
 * the ends. Returns a new string (caller frees), and its run lengths in
 * *@p runs if not NULL (caller frees), or NULL if nothing is left.
 */
char *vg_match_norm(const char *s, size_t n, uint8_t **runs, size_t *outlen);

/**
 * Appends to @p it the words one written word reduces to (usually one;
 * "l'odio" gives "l" and "odio"); the stars stay at the outer ends. False if
 * nothing is left.
 */
bool vg_pitem_add_word(vg_pitem_t *it, const char *word, bool lstar, bool rstar);

/**
 * Chooses each item's literal (its most selective word) and returns the
 * element's strength: the length of its weakest item's literal, 0 if one is
 * a very common word.
 */
uint16_t vg_pelem_strength(vg_pelem_t *e);

/** Deep copy of @p n items (caller frees with vg_pitems_free). */
vg_pitem_t *vg_pitems_dup(const vg_pitem_t *src, uint16_t n);
void vg_pitems_free(vg_pitem_t *items, uint16_t n);

/**
 * Confirms phrase @p ph around a Hyperscan match [@p s, @p e) of the
 * literal of item @p item of its anchor element, against the tokens of the
 * region [@p lo, @p hi) of @p buf. On success sets [*ms, *me) to the phrase's
 * span (the leftmost start found) and returns true. Bounded work
 * (VG_MATCH_PHRASE_BUDGET word comparisons).
 */
bool vg_phrase_confirm(const vg_phrase_t *ph, uint32_t item, const unsigned char *buf, size_t lo,
                       size_t hi, size_t s, size_t e, size_t *ms, size_t *me);

/** Frees a phrase. NULL is a no-op. */
void vg_phrase_free(vg_phrase_t *ph);

/** Frees the members of one rule (not the rule itself). */
void vg_rule_cleanup(vg_rule_t *r);

#endif /* VAGLIO_MATCH_INTERNAL_H */
