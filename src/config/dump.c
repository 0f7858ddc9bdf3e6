/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config dump: `vaglioctl config dump` and the documentation walk. Writes
 * the effective configuration as JSON with `//` comments carrying each
 * key's doc string and default, straight from the key tables, so what an
 * operator reads cannot drift from what the loader does. Secrets are shown
 * only as "(set)" or "(unset)", and a Redis URL loses its password.
 */
#include "config_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- the writer --------------------------------------------------------- */

static void indent(vg_conf_dump_t *d)
{
    for (int i = 0; i < d->depth; i++)
        vg_buf_puts(d->out, "  ");
}

void vg_conf_dump_open(vg_conf_dump_t *d, char c)
{
    vg_buf_putc(d->out, c);
    if (d->depth + 1 < (int)VG_ARRAY_LEN(d->first))
        d->depth++;
    d->first[d->depth] = true;
}

void vg_conf_dump_close(vg_conf_dump_t *d, char c)
{
    bool empty = d->first[d->depth];
    if (d->depth > 0)
        d->depth--;
    if (!empty && d->flat == 0) {
        vg_buf_putc(d->out, '\n');
        indent(d);
    }
    vg_buf_putc(d->out, c);
}

void vg_conf_dump_str(vg_conf_dump_t *d, const char *s)
{
    if (s == NULL)
        vg_buf_puts(d->out, "null");
    else
        vg_buf_json_str(d->out, s, strlen(s));
}

static void default_text(const vg_conf_key_t *k, vg_buf_t *b)
{
    if (k->defdoc != NULL) {
        vg_buf_puts(b, k->defdoc);
        return;
    }
    switch (k->type) {
    case VG_CT_BOOL:
        vg_buf_puts(b, k->def ? "true" : "false");
        break;
    case VG_CT_U16:
    case VG_CT_U32:
    case VG_CT_UINT:
    case VG_CT_INT:
    case VG_CT_SIZE:
        vg_buf_printf(b, "%" PRIu64, k->def);
        break;
    case VG_CT_STRING:
    case VG_CT_PATH:
        if (k->defstr != NULL)
            vg_buf_json_str(b, k->defstr, strlen(k->defstr));
        else
            vg_buf_puts(b, "none");
        break;
    case VG_CT_SECRET:
        vg_buf_puts(b, "none");
        break;
    case VG_CT_ENUM:
        vg_buf_puts(b, k->names[k->def]);
        break;
    default:
        break;
    }
}

/* "// doc [default: x]" or "// doc [required]" on its own line. */
static void doc_comment(vg_conf_dump_t *d, const vg_conf_key_t *k)
{
    size_t mark;

    indent(d);
    vg_buf_printf(d->out, "// %s", k->doc);
    if (k->flags & VG_CF_REQUIRED) {
        vg_buf_puts(d->out, " [required]\n");
        return;
    }
    vg_buf_puts(d->out, " [default: ");
    mark = d->out->len;
    default_text(k, d->out);
    if (d->out->len == mark) {
        /* No default to show (sections): drop the bracket. */
        d->out->len = mark - strlen(" [default: ");
        d->out->data[d->out->len] = '\0';
    } else {
        vg_buf_putc(d->out, ']');
    }
    vg_buf_putc(d->out, '\n');
}

void vg_conf_dump_member(vg_conf_dump_t *d, const char *key, const vg_conf_key_t *k)
{
    bool first = d->first[d->depth];

    if (!first)
        vg_buf_putc(d->out, ',');
    d->first[d->depth] = false;
    if (d->flat > 0) {
        if (!first)
            vg_buf_putc(d->out, ' ');
    } else {
        vg_buf_putc(d->out, '\n');
        if (k != NULL && k->doc != NULL)
            doc_comment(d, k);
        indent(d);
    }
    if (key != NULL) {
        vg_conf_dump_str(d, key);
        vg_buf_puts(d->out, ": ");
    }
}

/* "redis://:secret@host" -> "redis://:(set)@host"; the user name stays. */
static void dump_url(vg_conf_dump_t *d, const char *url)
{
    const char *auth = url != NULL ? strstr(url, "://") : NULL;
    const char *end, *at, *colon;
    vg_buf_t b;

    if (auth == NULL) {
        vg_conf_dump_str(d, url);
        return;
    }
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL) {
        vg_conf_dump_str(d, url);
        return;
    }
    vg_buf_init(&b, 0);
    colon = memchr(auth, ':', (size_t)(at - auth));
    vg_buf_append(&b, url, (size_t)(auth - url));
    if (colon != NULL)
        vg_buf_append(&b, auth, (size_t)(colon - auth) + 1);
    vg_buf_puts(&b, "(set)");
    vg_buf_puts(&b, at);
    vg_conf_dump_str(d, b.data);
    vg_buf_cleanup(&b);
}

static void dump_value(vg_conf_dump_t *d, const vg_conf_key_t *k, const void *base)
{
    const void *field = (const char *)base + k->offset;

    switch (k->type) {
    case VG_CT_BOOL:
        vg_buf_puts(d->out, *(const bool *)field ? "true" : "false");
        break;
    case VG_CT_U16:
        vg_buf_printf(d->out, "%u", (unsigned)*(const uint16_t *)field);
        break;
    case VG_CT_U32:
        vg_buf_printf(d->out, "%" PRIu32, *(const uint32_t *)field);
        break;
    case VG_CT_UINT:
        vg_buf_printf(d->out, "%u", *(const unsigned *)field);
        break;
    case VG_CT_INT:
        vg_buf_printf(d->out, "%d", *(const int *)field);
        break;
    case VG_CT_SIZE:
        vg_buf_printf(d->out, "%zu", *(const size_t *)field);
        break;
    case VG_CT_STRING:
    case VG_CT_PATH:
        if (k->flags & VG_CF_URL_AUTH)
            dump_url(d, *(char *const *)field);
        else
            vg_conf_dump_str(d, *(char *const *)field);
        break;
    case VG_CT_SECRET:
        vg_conf_dump_str(d, *(char *const *)field != NULL ? "(set)" : "(unset)");
        break;
    case VG_CT_ENUM: {
        int v = *(const int *)field;
        int n = 0;
        while (k->names[n] != NULL)
            n++;
        vg_conf_dump_str(d, v >= 0 && v < n ? k->names[v] : "(invalid)");
        break;
    }
    case VG_CT_SECTION:
        if ((k->flags & VG_CF_PRESENCE) && !*(const bool *)field)
            vg_buf_puts(d->out, "null");
        else
            vg_conf_dump_section(d, k->sub, base);
        break;
    case VG_CT_CUSTOM:
        k->custom->dump(d, base, k);
        break;
    }
}

void vg_conf_dump_section(vg_conf_dump_t *d, const vg_conf_section_t *s, const void *base)
{
    vg_conf_dump_open(d, '{');
    for (size_t i = 0; i < s->nkeys; i++) {
        vg_conf_dump_member(d, s->keys[i].key, &s->keys[i]);
        dump_value(d, &s->keys[i], base);
    }
    vg_conf_dump_close(d, '}');
}

void vg_config_dump(const vg_config_t *cfg, vg_buf_t *out)
{
    vg_conf_dump_t d;

    memset(&d, 0, sizeof(d));
    d.out = out;
    vg_buf_puts(out, "// vaglio configuration: the effective values, each with its doc and "
                     "default.\n// Secrets show as \"(set)\" or \"(unset)\".\n");
    vg_buf_printf(out, "// Loaded from: %s\n", cfg->path != NULL ? cfg->path : "(defaults)");
    vg_conf_dump_section(&d, &vg_conf_root, cfg);
    vg_buf_putc(out, '\n');
}

/* ---- the documentation walk -------------------------------------------- */

static void walk(const vg_conf_section_t *s,
                 void (*fn)(const char *path, const vg_conf_key_t *k, void *arg), void *arg)
{
    char path[256];

    for (size_t i = 0; i < s->nkeys; i++) {
        const vg_conf_key_t *k = &s->keys[i];
        snprintf(path, sizeof(path), "%s%s%s", s->path, s->path[0] ? "." : "", k->key);
        fn(path, k, arg);
        if (k->sub != NULL)
            walk(k->sub, fn, arg);
    }
}

void vg_conf_walk(void (*fn)(const char *path, const vg_conf_key_t *k, void *arg), void *arg)
{
    walk(&vg_conf_root, fn, arg);
}
