/* SPDX-License-Identifier: Apache-2.0 */
/*
 * snapshot: the immutable pair of configuration and compiled ruleset, with
 * each tenant's view of the rules (switched-off sections, own allow-list).
 * Built on the main thread at start and on reload, shared read-only by the
 * workers and the dispatcher, freed when the last reference goes.
 */
#include "service_internal.h"

#include <stdlib.h>

#include "vaglio/log.h"

vg_snapshot_t *vg_snapshot_new(vg_config_t *cfg, vg_ruleset_t *rs, uint64_t generation,
                               vg_err_t *err)
{
    vg_snapshot_t *s = vg_xcalloc(1, sizeof(*s));

    atomic_init(&s->refs, 1);
    s->generation = generation;
    s->cfg = cfg;
    s->rs = rs;
    s->views = vg_xcalloc(cfg->ntenants ? cfg->ntenants : 1, sizeof(*s->views));
    for (size_t i = 0; i < cfg->ntenants; i++) {
        const vg_tenant_conf_t *t = &cfg->tenants[i];
        s->views[i] =
            vg_match_tenant_new(rs, (const char *const *)t->disabled_sections, t->ndisabled,
                                (const char *const *)t->allow, t->nallow, err);
        if (s->views[i] == NULL) {
            vg_err_prefix(err, "tenants.%s", t->name);
            vg_snapshot_unref(s);
            return NULL;
        }
    }
    return s;
}

vg_snapshot_t *vg_snapshot_ref(vg_snapshot_t *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void vg_snapshot_unref(vg_snapshot_t *s)
{
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < s->cfg->ntenants; i++)
        vg_match_tenant_free(s->views[i]);
    free(s->views);
    vg_ruleset_unref(s->rs);
    vg_config_free(s->cfg);
    free(s);
}

size_t vg_snapshot_tenant_index(const vg_snapshot_t *s, const vg_tenant_conf_t *t)
{
    return (size_t)(t - s->cfg->tenants);
}
