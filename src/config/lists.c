/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config lists and maps: the keys whose values are arrays or objects of
 * their own (listeners, routes, string lists, a tenant's pages and
 * categories, the tenants). Each parses its elements with the generic
 * engine against the element's table, so the elements get the same typed
 * values, defaults and error paths as every other key.
 */
#include "config_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const route_names[] = {"webhooks", "ops", NULL};

/* ---- custom: listeners ------------------------------------------------- */

static void listen_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    vg_config_t *cfg = base;
    size_t n;

    if (!json_is_array(v)) {
        vg_conf_error(c, "expected an array of listener objects");
        return;
    }
    n = json_array_size(v);
    if (n > (size_t)k->max) {
        vg_conf_error(c, "at most %lld listeners", (long long)k->max);
        return;
    }
    cfg->listen = vg_xcalloc(n, sizeof(*cfg->listen));
    for (size_t i = 0; i < n; i++) {
        size_t saved = vg_conf_push_index(c, i);
        vg_conf_defaults(&vg_conf_listen, &cfg->listen[i], true);
        cfg->nlisten = i + 1;
        vg_conf_parse_section(c, json_array_get(v, i), &vg_conf_listen, &cfg->listen[i]);
        vg_conf_pop(c, saved);
    }
}

static void listen_free(void *base, const vg_conf_key_t *k)
{
    vg_config_t *cfg = base;
    (void)k;
    for (size_t i = 0; i < cfg->nlisten; i++)
        vg_conf_free_section(&vg_conf_listen, &cfg->listen[i]);
    free(cfg->listen);
    cfg->listen = NULL;
    cfg->nlisten = 0;
}

static void listen_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    const vg_config_t *cfg = base;
    (void)k;
    vg_conf_dump_open(d, '[');
    for (size_t i = 0; i < cfg->nlisten; i++) {
        vg_conf_dump_member(d, NULL, NULL);
        vg_conf_dump_section(d, &vg_conf_listen, &cfg->listen[i]);
    }
    vg_conf_dump_close(d, ']');
}

const vg_conf_custom_t vg_conf_listen_custom = {listen_parse, NULL, listen_free, listen_dump};

/* ---- custom: routes ---------------------------------------------------- */

static void routes_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    unsigned *mask = (unsigned *)((char *)base + k->offset);
    unsigned m = 0;
    size_t i;
    json_t *e;

    if (!json_is_array(v) || json_array_size(v) == 0) {
        vg_conf_error(c, "expected a non-empty array of \"webhooks\" and \"ops\"");
        return;
    }
    json_array_foreach(v, i, e)
    {
        size_t saved = vg_conf_push_index(c, i);
        const char *s = vg_conf_string(c, e, NULL);
        if (s != NULL && strcmp(s, "webhooks") == 0)
            m |= VG_ROUTE_WEBHOOKS;
        else if (s != NULL && strcmp(s, "ops") == 0)
            m |= VG_ROUTE_OPS;
        else if (s != NULL)
            vg_conf_error(c, "expected \"webhooks\" or \"ops\"");
        vg_conf_pop(c, saved);
    }
    *mask = m;
}

static void routes_init(void *base, const vg_conf_key_t *k, bool own)
{
    (void)own;
    *(unsigned *)((char *)base + k->offset) = VG_ROUTE_ALL;
}

static void routes_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    unsigned m = *(const unsigned *)((const char *)base + k->offset);
    d->flat++;
    vg_conf_dump_open(d, '[');
    for (int i = 0; route_names[i] != NULL; i++) {
        if (m & (1u << i)) {
            vg_conf_dump_member(d, NULL, NULL);
            vg_conf_dump_str(d, route_names[i]);
        }
    }
    vg_conf_dump_close(d, ']');
    d->flat--;
}

const vg_conf_custom_t vg_conf_routes_custom = {routes_parse, routes_init, NULL, routes_dump};

/* ---- custom: lists of strings (allow, disabled_sections) --------------- */

#define STRLIST_ITEM_MAX 256

static void strlist_free(void *base, const vg_conf_key_t *k)
{
    char ***list = (char ***)((char *)base + k->offset);
    size_t *n = (size_t *)((char *)base + k->count_offset);
    for (size_t i = 0; i < *n; i++)
        free((*list)[i]);
    free(*list);
    *list = NULL;
    *n = 0;
}

static void strlist_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    char ***list = (char ***)((char *)base + k->offset);
    size_t *n = (size_t *)((char *)base + k->count_offset);
    size_t i;
    json_t *e;

    if (!json_is_array(v)) {
        vg_conf_error(c, "expected an array of strings");
        return;
    }
    if (json_array_size(v) > (size_t)k->max) {
        vg_conf_error(c, "at most %lld entries", (long long)k->max);
        return;
    }
    strlist_free(base, k);
    *list = vg_xcalloc(json_array_size(v), sizeof(char *));
    json_array_foreach(v, i, e)
    {
        size_t saved = vg_conf_push_index(c, i);
        size_t len;
        const char *s = vg_conf_string(c, e, &len);
        if (s != NULL && (len == 0 || len > STRLIST_ITEM_MAX || memchr(s, '\0', len) != NULL))
            vg_conf_error(c, "expected 1 to %d bytes", STRLIST_ITEM_MAX);
        else if (s != NULL)
            (*list)[(*n)++] = vg_xstrndup(s, len);
        vg_conf_pop(c, saved);
    }
}

static void strlist_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    char *const *list = *(char *const *const *)((const char *)base + k->offset);
    size_t n = *(const size_t *)((const char *)base + k->count_offset);
    d->flat++;
    vg_conf_dump_open(d, '[');
    for (size_t i = 0; i < n; i++) {
        vg_conf_dump_member(d, NULL, NULL);
        vg_conf_dump_str(d, list[i]);
    }
    vg_conf_dump_close(d, ']');
    d->flat--;
}

const vg_conf_custom_t vg_conf_strlist_custom = {strlist_parse, NULL, strlist_free, strlist_dump};

/* ---- custom: the pages of a tenant ------------------------------------- */

static void pages_free(void *base, const vg_conf_key_t *k)
{
    vg_meta_conf_t *m = &((vg_tenant_conf_t *)base)->meta;
    (void)k;
    for (size_t i = 0; i < m->npages; i++) {
        vg_conf_free_section(&vg_conf_page, &m->pages[i]);
        free(m->pages[i].id);
    }
    free(m->pages);
    m->pages = NULL;
    m->npages = 0;
}

static void pages_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    vg_meta_conf_t *m = &((vg_tenant_conf_t *)base)->meta;
    const char *id;
    json_t *pv;

    if (!json_is_object(v)) {
        vg_conf_error(c, "expected an object {\"<page or account id>\": {...}}");
        return;
    }
    if (json_object_size(v) > (size_t)k->max) {
        vg_conf_error(c, "at most %lld pages", (long long)k->max);
        return;
    }
    pages_free(base, k);
    m->pages = vg_xcalloc(json_object_size(v), sizeof(*m->pages));
    json_object_foreach(v, id, pv)
    {
        size_t saved = vg_conf_push_key(c, id);
        size_t len = strlen(id);
        if (len == 0 || len > 64 || !vg_conf_name_ok(id, "_-.")) {
            vg_conf_error(c, "invalid page id: 1 to 64 of A-Z a-z 0-9 _ - .");
        } else {
            vg_meta_page_conf_t *p = &m->pages[m->npages++];
            vg_conf_defaults(&vg_conf_page, p, true);
            p->id = vg_xstrdup(id);
            vg_conf_parse_section(c, pv, &vg_conf_page, p);
        }
        vg_conf_pop(c, saved);
    }
}

static void pages_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    const vg_meta_conf_t *m = &((const vg_tenant_conf_t *)base)->meta;
    (void)k;
    vg_conf_dump_open(d, '{');
    for (size_t i = 0; i < m->npages; i++) {
        vg_conf_dump_member(d, m->pages[i].id, NULL);
        d->flat++;
        vg_conf_dump_section(d, &vg_conf_page, &m->pages[i]);
        d->flat--;
    }
    vg_conf_dump_close(d, '}');
}

const vg_conf_custom_t vg_conf_pages_custom = {pages_parse, NULL, pages_free, pages_dump};

/* ---- custom: the categories of a tenant -------------------------------- */

static void categories_init(void *base, const vg_conf_key_t *k, bool own)
{
    (void)own;
    vg_conf_policy_defaults((vg_category_conf_t *)((char *)base + k->offset));
}

static void categories_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    vg_category_conf_t *cc = (vg_category_conf_t *)((char *)base + k->offset);
    const char *name;
    json_t *cv;

    if (!json_is_object(v)) {
        vg_conf_error(c, "expected an object {\"<category>\": {...}}");
        return;
    }
    json_object_foreach(v, name, cv)
    {
        size_t saved = vg_conf_push_key(c, name);
        int cat = vg_category_lookup(name, strlen(name));
        /* Only base names: a finer name would silently configure its parent. */
        if (cat < 0 || strcmp(vg_category_name((vg_category_t)cat), name) != 0) {
            const char *names[VG_CAT_COUNT];
            for (int i = 0; i < VG_CAT_COUNT; i++)
                names[i] = vg_category_name((vg_category_t)i);
            const char *hint = vg_conf_suggest(name, names, VG_CAT_COUNT);
            if (hint != NULL)
                vg_conf_error(c, "unknown category (did you mean %s?)", hint);
            else
                vg_conf_error(c, "unknown category (the base names are listed in "
                                 "docs/config.md)");
        } else {
            vg_conf_parse_section(c, cv, &vg_conf_category, &cc[cat]);
        }
        vg_conf_pop(c, saved);
    }
}

static void categories_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    const vg_category_conf_t *cc = (const vg_category_conf_t *)((const char *)base + k->offset);
    vg_conf_dump_open(d, '{');
    for (int i = 0; i < VG_CAT_COUNT; i++) {
        vg_conf_dump_member(d, vg_category_name((vg_category_t)i), NULL);
        d->flat++;
        vg_conf_dump_section(d, &vg_conf_category, &cc[i]);
        d->flat--;
    }
    vg_conf_dump_close(d, '}');
}

const vg_conf_custom_t vg_conf_categories_custom = {categories_parse, categories_init, NULL,
                                                    categories_dump};

/* ---- custom: tenants --------------------------------------------------- */

static void tenant_free(vg_tenant_conf_t *t)
{
    vg_conf_free_section(&vg_conf_tenant, t);
    free(t->name);
    free(t->block_template);
}

static void tenants_free(void *base, const vg_conf_key_t *k)
{
    vg_config_t *cfg = base;
    (void)k;
    for (size_t i = 0; i < cfg->ntenants; i++)
        tenant_free(&cfg->tenants[i]);
    free(cfg->tenants);
    cfg->tenants = NULL;
    cfg->ntenants = 0;
}

static bool tenant_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 && vg_conf_name_ok(s, "_-");
}

static int tenant_cmp(const void *a, const void *b)
{
    return strcmp(((const vg_tenant_conf_t *)a)->name, ((const vg_tenant_conf_t *)b)->name);
}

static void tenants_parse(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k)
{
    vg_config_t *cfg = base;
    const char *name;
    json_t *tv;

    if (!json_is_object(v)) {
        vg_conf_error(c, "expected an object {\"<tenant>\": {...}}");
        return;
    }
    if (json_object_size(v) > (size_t)k->max) {
        vg_conf_error(c, "at most %lld tenants", (long long)k->max);
        return;
    }
    cfg->tenants = vg_xcalloc(json_object_size(v), sizeof(*cfg->tenants));
    json_object_foreach(v, name, tv)
    {
        size_t saved = vg_conf_push_key(c, name);
        if (!tenant_name_ok(name)) {
            vg_conf_error(c, "invalid tenant name: 1 to 64 of A-Z a-z 0-9 _ -");
        } else {
            vg_tenant_conf_t *t = &cfg->tenants[cfg->ntenants++];
            vg_conf_defaults(&vg_conf_tenant, t, true);
            t->name = vg_xstrdup(name);
            t->block_template = vg_xstrdup("");
            t->dry_run = cfg->dry_run; /* parsed before tenants (table order) */
            vg_conf_parse_section(c, tv, &vg_conf_tenant, t);
        }
        vg_conf_pop(c, saved);
    }
    /* Sorted: lookups bisect, and "the first tenant" is well defined. */
    if (cfg->ntenants > 1)
        qsort(cfg->tenants, cfg->ntenants, sizeof(*cfg->tenants), tenant_cmp);
}

static void tenants_dump(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k)
{
    const vg_config_t *cfg = base;
    (void)k;
    vg_conf_dump_open(d, '{');
    for (size_t i = 0; i < cfg->ntenants; i++) {
        vg_conf_dump_member(d, cfg->tenants[i].name, NULL);
        vg_conf_dump_section(d, &vg_conf_tenant, &cfg->tenants[i]);
    }
    vg_conf_dump_close(d, '}');
}

const vg_conf_custom_t vg_conf_tenants_custom = {tenants_parse, NULL, tenants_free, tenants_dump};
