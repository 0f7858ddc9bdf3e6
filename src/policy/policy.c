/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: from findings to a verdict under a tenant's policy table. Sits
 * between the matcher and the store: the matcher says what was found and
 * where, this module says what the netiquette makes of it (act, review or
 * allow; hide or delete; strike or block at once), and the store applies the
 * author's ladder atomically in Redis.
 *
 * Scores add up per base category, so two weak signals of one kind can act
 * together while one weak signal only asks for a human (review), and a
 * generic link alone does nothing.
 */
#include "vaglio/policy.h"

#include <string.h>

/* Which enforcement drives the content action and the warning when several
 * categories act at once: a threat outranks an insult, an insult outranks
 * personal data (the author is warned about the insult; the personal data is
 * still deleted because delete outranks hide). */
static int enforce_rank(vg_enforce_t e)
{
    switch (e) {
    case VG_ENFORCE_SEVERE:
        return 3;
    case VG_ENFORCE_LADDER:
        return 2;
    case VG_ENFORCE_REMOVE:
        return 1;
    default:
        return 0;
    }
}

static bool enforces_on_platform(vg_enforce_t e)
{
    return e == VG_ENFORCE_LADDER || e == VG_ENFORCE_SEVERE || e == VG_ENFORCE_REMOVE;
}

/* Folds one acting category into the verdict. */
static void apply_acting(vg_verdict_t *v, const vg_category_conf_t *conf)
{
    if (conf->content > v->content)
        v->content = conf->content;
    switch (conf->enforce) {
    case VG_ENFORCE_SEVERE:
        v->block = true;
        v->strike = true;
        break;
    case VG_ENFORCE_LADDER:
        v->strike = true;
        break;
    case VG_ENFORCE_REMOVE:
        v->notice = v->notice || conf->notice;
        break;
    default:
        break;
    }
    if (conf->review)
        v->review = true;
}

static vg_category_t pick_primary(const vg_tenant_conf_t *t, vg_catset_t set, const int *sum)
{
    vg_category_t best = VG_CAT_COUNT;
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        if (!(set & VG_CATSET(c)))
            continue;
        if (best == VG_CAT_COUNT) {
            best = (vg_category_t)c;
            continue;
        }
        int rc = enforce_rank(t->categories[c].enforce);
        int rb = enforce_rank(t->categories[best].enforce);
        if (rc > rb || (rc == rb && sum[c] > sum[best]))
            best = (vg_category_t)c;
    }
    return best;
}

void vg_policy_evaluate(const vg_tenant_conf_t *t, const vg_ruleset_t *rs,
                        const vg_scan_result_t *r, vg_verdict_t *out)
{
    int sum[VG_CAT_COUNT] = {0};

    memset(out, 0, sizeof(*out));
    out->primary = VG_CAT_COUNT;
    for (size_t i = 0; i < r->n; i++) {
        vg_category_t c = vg_ruleset_rule_category(rs, r->findings[i].rule);
        sum[c] += vg_ruleset_rule_score(rs, r->findings[i].rule);
        out->found |= VG_CATSET(c);
    }

    for (int c = 0; c < VG_CAT_COUNT; c++) {
        const vg_category_conf_t *conf = &t->categories[c];
        if (sum[c] <= 0 || sum[c] < t->review_score)
            continue;
        if (conf->enforce == VG_ENFORCE_IGNORE)
            continue;
        if (conf->enforce == VG_ENFORCE_TAG) {
            out->tags |= VG_CATSET(c);
            continue;
        }
        if (sum[c] < t->act_score || conf->enforce == VG_ENFORCE_REVIEW) {
            /* Not sure enough to act, or a kind a human must judge
             * (copyright, off-topic): a review item, nothing else. */
            out->review = true;
            out->reviewed |= VG_CATSET(c);
            continue;
        }
        if (enforces_on_platform(conf->enforce)) {
            if (conf->shadow)
                out->shadowed |= VG_CATSET(c);
            else
                out->acting |= VG_CATSET(c);
        }
    }

    vg_catset_t drive = out->acting;
    if (t->shadow || (drive == 0 && out->shadowed != 0)) {
        /* Shadow mode: compute what would happen, so the record shows it,
         * but the store only records. */
        drive |= out->shadowed;
        out->shadow = drive != 0 || t->shadow;
    }
    for (int c = 0; c < VG_CAT_COUNT; c++)
        if (drive & VG_CATSET(c))
            apply_acting(out, &t->categories[c]);

    out->primary = pick_primary(t, drive, sum);
    if (out->primary == VG_CAT_COUNT) {
        /* Nothing acts: name the strongest finding, for review and logs. */
        vg_catset_t any = out->found;
        for (int c = 0; c < VG_CAT_COUNT; c++)
            if ((any & VG_CATSET(c)) &&
                (out->primary == VG_CAT_COUNT || sum[c] > sum[out->primary]))
                out->primary = (vg_category_t)c;
    }
    out->score = out->primary < VG_CAT_COUNT ? sum[out->primary] : 0;
    if (drive != 0)
        out->verdict = VG_VERDICT_ACT;
    else if (out->review)
        out->verdict = VG_VERDICT_REVIEW;
    else
        out->verdict = VG_VERDICT_ALLOW;
}

int vg_policy_render(const char *tmpl, const vg_tenant_conf_t *t, vg_category_t c, vg_buf_t *out)
{
    const char *p = tmpl;

    while (*p != '\0') {
        const char *open = strchr(p, '{');
        if (open == NULL) {
            vg_buf_puts(out, p);
            break;
        }
        vg_buf_append(out, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        if (close == NULL) {
            vg_buf_puts(out, open);
            break;
        }
        size_t n = (size_t)(close - open - 1);
        if (vg_streq_n(open + 1, n, "rule")) {
            vg_buf_puts(out, vg_category_rule_it(c));
        } else if (vg_streq_n(open + 1, n, "category")) {
            vg_buf_puts(out, vg_category_name(c));
        } else if (vg_streq_n(open + 1, n, "netiquette")) {
            if (t->netiquette_url != NULL && t->netiquette_url[0] != '\0')
                vg_buf_printf(out, " Netiquette: %s", t->netiquette_url);
        } else {
            vg_buf_append(out, open, n + 2);
        }
        p = close + 1;
    }
    return out->overflow ? -VG_ELIMIT : 0;
}

void vg_policy_verdict_json(const vg_verdict_t *v, const vg_ruleset_t *rs,
                            const vg_scan_result_t *r, vg_buf_t *out)
{
    /* "categories" lists what the message is flagged with: every category
     * that reached the review score (acting, shadowed, reviewed or tagged),
     * not every weak signal; "findings" lists every match. */
    vg_catset_t flagged = v->acting | v->shadowed | v->tags | v->reviewed;
    bool first = true;

    vg_buf_printf(out, "{\"verdict\":\"%s\",\"categories\":[", vg_verdict_name(v->verdict));
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        if (!(flagged & VG_CATSET(c)))
            continue;
        vg_buf_printf(out, "%s\"%s\"", first ? "" : ",", vg_category_name((vg_category_t)c));
        first = false;
    }
    vg_buf_puts(out, "],\"findings\":[");
    for (size_t i = 0; i < r->n; i++) {
        const vg_finding_t *f = &r->findings[i];
        const char *id = vg_ruleset_rule_id(rs, f->rule);
        const char *cat = vg_ruleset_rule_category_name(rs, f->rule);
        if (i > 0)
            vg_buf_putc(out, ',');
        vg_buf_puts(out, "{\"rule\":");
        vg_buf_json_str(out, id, strlen(id));
        vg_buf_puts(out, ",\"category\":");
        vg_buf_json_str(out, cat, strlen(cat));
        vg_buf_printf(out, ",\"start\":%u,\"end\":%u}", f->start, f->end);
    }
    vg_buf_puts(out, "]}");
}
