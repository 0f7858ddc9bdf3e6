/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: turns a message's findings into a verdict under a tenant's policy
 * (the netiquette table of the design, configurable per category): which
 * categories act, what happens to the content (hide or delete), whether the
 * author earns a strike on the warn-then-block ladder or is blocked at once,
 * whether a human should review it, and whether it is only recorded
 * (shadow). The ladder itself needs the author's history, so it is applied
 * atomically in Redis by the store; this module is pure and synchronous.
 *
 * It also renders the per-tenant Italian message templates.
 */
#ifndef VAGLIO_POLICY_H
#define VAGLIO_POLICY_H

#include <stdbool.h>

#include "vaglio/category.h"
#include "vaglio/config.h"
#include "vaglio/match.h"
#include "vaglio/util.h"

typedef enum {
    VG_VERDICT_ALLOW = 0,
    VG_VERDICT_REVIEW,
    VG_VERDICT_ACT,
    VG_VERDICT_COUNT
} vg_verdict_kind_t;

/** "allow", "review", "act". Static string. */
const char *vg_verdict_name(vg_verdict_kind_t v);

/** The platform actions vaglio can take, in the metrics and the action stream. */
typedef enum {
    VG_ACTION_HIDE = 0,
    VG_ACTION_DELETE,
    VG_ACTION_WARN,   /**< the warning message (private or public reply) */
    VG_ACTION_NOTICE, /**< the personal data notice */
    VG_ACTION_BLOCK,
    VG_ACTION_COUNT
} vg_action_kind_t;

/** "hide", "delete", "warn", "notice", "block". Static string. */
const char *vg_action_name(vg_action_kind_t a);
/** Parses an action name; returns the kind or -1. */
int vg_action_lookup(const char *name, size_t len);

typedef struct vg_verdict {
    vg_verdict_kind_t verdict;
    vg_content_action_t content; /**< strongest content action of the acting categories */
    bool strike;                 /**< a ladder category acts: a strike, warning or block */
    bool block;                  /**< a severe category acts: block at once */
    bool review;                 /**< open a review item */
    bool notice;                 /**< tell the author about removed personal data */
    bool shadow;           /**< record only: the tenant, or every acting category, is in shadow */
    vg_catset_t found;     /**< every category with a finding */
    vg_catset_t acting;    /**< categories whose score reached act_score and are enforced */
    vg_catset_t shadowed;  /**< categories that would act but are in shadow mode */
    vg_catset_t reviewed;  /**< categories sent to review (low score, or review-only kinds) */
    vg_catset_t tags;      /**< tagged categories (political) */
    vg_category_t primary; /**< the category that drives the enforcement and the warning */
    int score;             /**< total score of the primary category */
} vg_verdict_t;

/**
 * Evaluates the findings @p r (rules of @p rs) under tenant @p t: sums the
 * scores per base category; a category whose sum reaches t->act_score acts
 * according to its vg_category_conf_t, one reaching t->review_score goes to
 * review. The strongest enforcement wins the content action (delete over
 * hide); a severe category blocks at once; personal data is deleted with no
 * strike. Pure; never fails.
 */
void vg_policy_evaluate(const vg_tenant_conf_t *t, const vg_ruleset_t *rs,
                        const vg_scan_result_t *r, vg_verdict_t *out);

/**
 * Renders @p tmpl for category @p c of tenant @p t into @p out. Placeholders:
 * {rule} the Italian wording of the broken rule, {category} the category name,
 * {netiquette} the tenant's netiquette URL. Unknown placeholders are kept
 * verbatim. Returns 0 or -VG_ELIMIT.
 */
int vg_policy_render(const char *tmpl, const vg_tenant_conf_t *t, vg_category_t c, vg_buf_t *out);

/**
 * Writes the verdict and findings as one JSON object in the schema of
 * `vaglioctl scan --jsonl`: {"verdict", "categories", "findings": [{"rule",
 * "category", "start", "end"}]}.
 */
void vg_policy_verdict_json(const vg_verdict_t *v, const vg_ruleset_t *rs,
                            const vg_scan_result_t *r, vg_buf_t *out);

#endif /* VAGLIO_POLICY_H */
