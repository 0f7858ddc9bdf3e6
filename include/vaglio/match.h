/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match: compiles the pattern sets of patterns/ (format: patterns/README.md)
 * into Hyperscan block-mode databases (one per region of the normalized
 * buffer, and a small one for the regexes whose start needs SOM), and scans
 * a normalized message against them in one call, producing findings with
 * byte offsets of the original text.
 *
 * A vg_ruleset_t is the compiled, immutable result of loading a pattern
 * directory: the databases, the per-rule metadata (id, section, category,
 * score, mode, validator) and the global allow-list. It is reference-counted
 * with atomics and shared read-only by every worker; a reload builds a new
 * one beside the old one and the old one is freed when its last user drops
 * it. A pattern set is never loaded half-way: any error leaves no ruleset.
 *
 * A vg_scanner_t belongs to one worker: its Hyperscan scratch, normalizer and
 * working arrays. vg_scan() allocates nothing (the scratch is grown once per
 * new ruleset).
 *
 * Tenants share the one database: a vg_match_tenant_t holds a tenant's
 * switched-off sections (a rule mask) and its own allow-list entries,
 * applied after the scan.
 */
#ifndef VAGLIO_MATCH_H
#define VAGLIO_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/category.h"
#include "vaglio/util.h"

typedef struct vg_ruleset vg_ruleset_t;
typedef struct vg_scanner vg_scanner_t;
typedef struct vg_match_tenant vg_match_tenant_t;

/** One finding: a rule matched the original text at [start, end) (bytes). */
typedef struct vg_finding {
    uint32_t rule;  /**< index of the rule in its ruleset */
    uint32_t start; /**< inclusive byte offset in the original text */
    uint32_t end;   /**< exclusive byte offset in the original text */
} vg_finding_t;

#define VG_MATCH_MAX_FINDINGS 64

/** What a scan found. Findings are sorted by start offset, then rule. */
typedef struct vg_scan_result {
    vg_finding_t findings[VG_MATCH_MAX_FINDINGS];
    size_t n;
    size_t dropped; /**< findings beyond VG_MATCH_MAX_FINDINGS (+1 per scan stopped early
                         because a text matched more than 1024 times) */
    bool truncated; /**< the text was longer than the scanner's max_text */
} vg_scan_result_t;

/* ---- ruleset ------------------------------------------------------------ */

/**
 * Parses every pattern file under @p dir (recursively, `*.txt`, in sorted
 * path order) and compiles the database. Returns a new ruleset with one
 * reference (caller unrefs) or NULL with @p err naming `file:line` and the
 * reason: a syntax error, an unknown category, a rule Hyperscan rejects, or a
 * rule without a literal of at least 3 bytes that is not marked `expensive`.
 * Checks hs_valid_platform() first. Takes seconds on large sets: never call
 * it on a worker loop.
 */
vg_ruleset_t *vg_ruleset_load(const char *dir, vg_err_t *err);

/**
 * Parses and compiles @p dir like vg_ruleset_load, but reports every error,
 * one "path:line: reason" per line, appended to @p report (Hyperscan's
 * refusals included: each refused rule is set aside and the set compiled
 * again, up to 20 times). Returns 0 if the set is valid, -VG_EPATTERN
 * otherwise (-VG_EHS if the CPU cannot run Hyperscan). For `vaglioctl
 * check`; as slow as a load.
 */
int vg_ruleset_check(const char *dir, vg_buf_t *report);

/** Takes a reference (atomic). Returns @p rs. */
vg_ruleset_t *vg_ruleset_ref(vg_ruleset_t *rs);
/** Drops a reference (atomic); frees on the last one. NULL is a no-op. */
void vg_ruleset_unref(vg_ruleset_t *rs);

size_t vg_ruleset_rule_count(const vg_ruleset_t *rs);
/** Stable, human-readable rule id, e.g. "insult.it:coglione" (borrowed). */
const char *vg_ruleset_rule_id(const vg_ruleset_t *rs, uint32_t rule);
/** Base category of a rule; VG_CAT_COUNT for allow-list rules (never in findings). */
vg_category_t vg_ruleset_rule_category(const vg_ruleset_t *rs, uint32_t rule);
/**
 * Full category name as written, possibly finer ("spam.link.shortener"); "allow" for
 * allow-list rules. Borrowed.
 */
const char *vg_ruleset_rule_category_name(const vg_ruleset_t *rs, uint32_t rule);
int vg_ruleset_rule_score(const vg_ruleset_t *rs, uint32_t rule);
/** "path:line" where the rule was written (borrowed). */
const char *vg_ruleset_rule_source(const vg_ruleset_t *rs, uint32_t rule);

size_t vg_ruleset_section_count(const vg_ruleset_t *rs);
/** Index of the section named @p name, or -1. */
int vg_ruleset_section_lookup(const vg_ruleset_t *rs, const char *name);

/** Sizes for reports: database bytes, scratch bytes, compile milliseconds. */
void vg_ruleset_stats(const vg_ruleset_t *rs, size_t *db_bytes, size_t *scratch_bytes,
                      double *compile_ms);

/**
 * Human-readable list of the rules marked `expensive`, one per line with
 * file:line, written to @p out (for `vaglioctl check`).
 */
void vg_ruleset_list_expensive(const vg_ruleset_t *rs, vg_buf_t *out);

/* ---- tenants ------------------------------------------------------------ */

/**
 * Builds a tenant's view of @p rs: sections switched off by name and the
 * tenant's own allow-list entries (words or phrases, normalized like
 * lexicon entries). Returns a new object (caller frees) or NULL with @p err
 * naming an unknown section. Keeps a reference on @p rs.
 */
vg_match_tenant_t *vg_match_tenant_new(vg_ruleset_t *rs, const char *const *disabled,
                                       size_t ndisabled, const char *const *allow, size_t nallow,
                                       vg_err_t *err);
void vg_match_tenant_free(vg_match_tenant_t *t);

/* ---- scanning ----------------------------------------------------------- */

/** Returns a new scanner for texts of up to @p max_text bytes (caller frees). */
vg_scanner_t *vg_scanner_new(size_t max_text);
void vg_scanner_free(vg_scanner_t *sc);

/**
 * Normalizes @p text and scans it against @p rs with one Hyperscan
 * block-mode scan per region (plus a SOM scan of FOLD when a regex needing
 * its start matched), then applies word-boundary and run-length checks,
 * phrase confirmation, validators, the global allow-list and, if @p tenant
 * is not NULL, the tenant's mask and allow-list. An allow-list match cancels
 * the findings it covers entirely (never personal data); one finding is kept
 * per rule and overlapping span (the longest). Fills @p out. Returns 0, or
 * -VG_EHS if Hyperscan failed (scratch allocation), with @p out empty;
 * -VG_EINVAL if @p rs is NULL. A tenant built for another ruleset keeps its
 * allow-list but not its section mask. Not thread-safe per scanner; @p rs
 * and @p tenant may be shared.
 */
int vg_scan(vg_scanner_t *sc, const vg_ruleset_t *rs, const vg_match_tenant_t *tenant,
            const char *text, size_t len, vg_scan_result_t *out);

#endif /* VAGLIO_MATCH_H */
