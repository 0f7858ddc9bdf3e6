/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match tenants: one shared database, many netiquettes. A tenant's view of a
 * ruleset is the set of sections it switched off (a bit per section, looked
 * at in the match callback) and its own allow-list entries (towns,
 * surnames), applied after the scan. Built when the configuration is loaded,
 * read-only afterwards, shared by every worker.
 */
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "vaglio/normalize.h"

void vg_match_tenant_free(vg_match_tenant_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nallow; i++)
        free(t->allow[i].text);
    free(t->allow);
    free(t->heads);
    free(t->open);
    free(t->off);
    vg_ruleset_unref(t->rs);
    free(t);
}

/* Reduces one allow entry; `*` at either end relaxes that boundary. */
static int allow_entry(const char *s, vg_tenant_allow_t *out, vg_err_t *err)
{
    size_t n = strlen(s);
    if (n > VG_MATCH_TENANT_MAX_ENTRY)
        return vg_err_set(err, VG_EINVAL, "allow entry too long (limit %d bytes)",
                          VG_MATCH_TENANT_MAX_ENTRY);
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '!')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    out->bounds = VG_BOUND_BOTH;
    if (n > 0 && s[0] == '*') {
        out->bounds &= (uint8_t)~VG_BOUND_LEFT;
        s++;
        n--;
    }
    if (n > 0 && s[n - 1] == '*') {
        out->bounds &= (uint8_t)~VG_BOUND_RIGHT;
        n--;
    }
    size_t cap = n * 4 + 16;
    char *w = vg_xmalloc(cap);
    size_t len = vg_norm_word(s, n, w, NULL, cap);
    size_t a = 0;
    while (a < len && w[a] == ' ')
        a++;
    while (len > a && w[len - 1] == ' ')
        len--;
    if (len == a) {
        free(w);
        return vg_err_set(err, VG_EINVAL, "allow entry '%.*s' is empty after normalization",
                          (int)VG_MIN(n, 64), s);
    }
    memmove(w, w + a, len - a);
    w[len - a] = '\0';
    out->text = w;
    out->len = (uint32_t)(len - a);
    const char *sp = memchr(w, ' ', out->len);
    out->first = sp != NULL ? (uint32_t)(sp - w) : out->len;
    out->next = UINT32_MAX;
    return 0;
}

uint32_t vg_match_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* Chains the entries whose first word is exact; lists the others. */
static void index_allow(vg_match_tenant_t *t)
{
    t->nheads = 16;
    while (t->nheads < t->nallow * 2)
        t->nheads *= 2;
    t->heads = vg_xmalloc(t->nheads * sizeof(*t->heads));
    for (size_t i = 0; i < t->nheads; i++)
        t->heads[i] = UINT32_MAX;
    t->open = vg_xcalloc(t->nallow + 1, sizeof(*t->open));
    for (size_t i = 0; i < t->nallow; i++) {
        vg_tenant_allow_t *a = &t->allow[i];
        bool single = a->first == a->len;
        if (!(a->bounds & VG_BOUND_LEFT) || (single && !(a->bounds & VG_BOUND_RIGHT))) {
            t->open[t->nopen++] = (uint32_t)i;
            continue;
        }
        size_t h = vg_match_hash(a->text, a->first) & (t->nheads - 1);
        a->next = t->heads[h];
        t->heads[h] = (uint32_t)i;
    }
}

vg_match_tenant_t *vg_match_tenant_new(vg_ruleset_t *rs, const char *const *disabled,
                                       size_t ndisabled, const char *const *allow, size_t nallow,
                                       vg_err_t *err)
{
    if (rs == NULL) {
        vg_err_set(err, VG_EINVAL, "no ruleset");
        return NULL;
    }
    if (nallow > VG_MATCH_TENANT_MAX_ALLOW) {
        vg_err_set(err, VG_ELIMIT, "too many allow entries (limit %d)", VG_MATCH_TENANT_MAX_ALLOW);
        return NULL;
    }
    vg_match_tenant_t *t = vg_xcalloc(1, sizeof(*t));
    t->rs = vg_ruleset_ref(rs);
    t->off = vg_xcalloc((rs->nsections + 63) / 64 + 1, sizeof(*t->off));
    for (size_t i = 0; i < ndisabled; i++) {
        int s = vg_ruleset_section_lookup(rs, disabled[i]);
        if (s < 0) {
            vg_err_set(err, VG_ENOENT, "unknown pattern section '%s'", disabled[i]);
            goto fail;
        }
        t->off[s / 64] |= (uint64_t)1 << (s % 64);
    }
    t->allow = vg_xcalloc(nallow + 1, sizeof(*t->allow));
    for (size_t i = 0; i < nallow; i++) {
        if (allow_entry(allow[i], &t->allow[t->nallow], err) != 0)
            goto fail;
        t->nallow++;
    }
    index_allow(t);
    return t;
fail:
    vg_match_tenant_free(t);
    return NULL;
}
