/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config engine: walks the key tables of tables.c. It applies defaults,
 * parses one JSON object against one table (typed values, bounds, "env:NAME"
 * indirection, unknown keys with a did-you-mean), and frees what it built.
 * Errors are collected with their key path rather than stopping at the
 * first, so an operator fixing a config file sees every problem in one run
 * of `vagliod -t`.
 */
#include "config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- context, errors, key paths ----------------------------------------- */

void vg_conf_ctx_init(vg_conf_ctx_t *c, const char *name, const char *basedir)
{
    memset(c, 0, sizeof(*c));
    c->name = name != NULL ? name : "config";
    c->basedir = basedir;
}

void vg_conf_ctx_cleanup(vg_conf_ctx_t *c)
{
    unsigned kept = VG_MIN(c->nerrors, (unsigned)VG_CONF_MAX_ERRORS);
    for (unsigned i = 0; i < kept; i++) {
        free(c->errors[i]);
        c->errors[i] = NULL;
    }
    c->nerrors = 0;
}

void vg_conf_error(vg_conf_ctx_t *c, const char *fmt, ...)
{
    vg_buf_t b;
    va_list ap;

    c->nerrors++;
    if (c->nerrors > VG_CONF_MAX_ERRORS)
        return;
    vg_buf_init(&b, 1024);
    if (c->plen > 0)
        vg_buf_printf(&b, "%s: ", c->path);
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    c->errors[c->nerrors - 1] = vg_buf_steal(&b, NULL);
}

/*
 * Keys come from the file, so they are shown sanitised and bounded: a key
 * full of control bytes must not garble a terminal or a log line.
 */
static void path_append(vg_conf_ctx_t *c, const char *s, size_t n, bool sanitise)
{
    for (size_t i = 0; i < n && c->plen + 1 < sizeof(c->path); i++) {
        unsigned char ch = (unsigned char)s[i];
        if (sanitise && (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\'))
            ch = '?';
        c->path[c->plen++] = (char)ch;
    }
    c->path[c->plen] = '\0';
}

size_t vg_conf_push_key(vg_conf_ctx_t *c, const char *key)
{
    size_t old = c->plen;
    size_t n = strlen(key);

    if (c->plen > 0)
        path_append(c, ".", 1, false);
    path_append(c, key, VG_MIN(n, (size_t)64), true);
    if (n > 64)
        path_append(c, "...", 3, false);
    return old;
}

size_t vg_conf_push_index(vg_conf_ctx_t *c, size_t i)
{
    char num[32];
    size_t old = c->plen;
    int n = snprintf(num, sizeof(num), "[%zu]", i);
    path_append(c, num, (size_t)n, false);
    return old;
}

void vg_conf_pop(vg_conf_ctx_t *c, size_t len)
{
    c->plen = len;
    c->path[len] = '\0';
}

/* ---- did you mean ------------------------------------------------------- */

size_t vg_conf_edit_distance(const char *a, const char *b)
{
    size_t row[65];
    size_t la = VG_MIN(strlen(a), (size_t)64);
    size_t lb = VG_MIN(strlen(b), (size_t)64);

    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            best = VG_MIN(best, up + 1);
            best = VG_MIN(best, row[j - 1] + 1);
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

const char *vg_conf_suggest(const char *s, const char *const *names, size_t n)
{
    /* Close enough to be a typo: at most a third of the word, and 3 edits. */
    size_t limit = VG_MIN(VG_MAX(strlen(s) / 3, (size_t)1), (size_t)3);
    const char *best = NULL;
    size_t best_d = limit + 1;

    for (size_t i = 0; i < n && names[i] != NULL; i++) {
        size_t d = vg_conf_edit_distance(s, names[i]);
        if (d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

/* ---- typed values ------------------------------------------------------- */

static bool env_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

const char *vg_conf_string(vg_conf_ctx_t *c, json_t *v, size_t *len)
{
    const char *s;
    size_t n;

    if (!json_is_string(v)) {
        vg_conf_error(c, "expected a string");
        return NULL;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (n >= 4 && memcmp(s, "env:", 4) == 0) {
        const char *name = s + 4;
        if (!env_name_valid(name, n - 4)) {
            vg_conf_error(c, "invalid environment variable name after \"env:\"");
            return NULL;
        }
        s = getenv(name);
        if (s == NULL) {
            vg_conf_error(c, "environment variable %s is not set", name);
            return NULL;
        }
        n = strlen(s);
    }
    if (len != NULL)
        *len = n;
    return s;
}

static bool is_env_ref(json_t *v)
{
    return json_is_string(v) && strncmp(json_string_value(v), "env:", 4) == 0;
}

/* An integer, or "env:NAME" whose value is one (ports and sizes in containers). */
static bool get_integer(vg_conf_ctx_t *c, json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (is_env_ref(v)) {
        const char *s = vg_conf_string(c, v, NULL);
        char *end;
        long long x;
        if (s == NULL)
            return false;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0') {
            vg_conf_error(c, "environment variable %s: expected an integer",
                          json_string_value(v) + 4);
            return false;
        }
        *out = x;
        return true;
    }
    vg_conf_error(c, "expected an integer");
    return false;
}

static bool get_bool(vg_conf_ctx_t *c, json_t *v, bool *out)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    if (is_env_ref(v)) {
        const char *s = vg_conf_string(c, v, NULL);
        if (s == NULL)
            return false;
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
            *out = false;
            return true;
        }
        vg_conf_error(c, "environment variable %s: expected true or false",
                      json_string_value(v) + 4);
        return false;
    }
    vg_conf_error(c, "expected true or false");
    return false;
}

static void store_num(void *field, vg_conf_type_t t, int64_t v)
{
    switch (t) {
    case VG_CT_BOOL:
        *(bool *)field = v != 0;
        break;
    case VG_CT_U16:
        *(uint16_t *)field = (uint16_t)v;
        break;
    case VG_CT_U32:
        *(uint32_t *)field = (uint32_t)v;
        break;
    case VG_CT_UINT:
        *(unsigned *)field = (unsigned)v;
        break;
    case VG_CT_INT:
    case VG_CT_ENUM:
        /* Enums of config.h have no negative values: int-sized (checked in tables.c). */
        *(int *)field = (int)v;
        break;
    case VG_CT_SIZE:
        *(size_t *)field = (size_t)v;
        break;
    default:
        break;
    }
}

static void free_string(char **p, bool secret)
{
    if (*p != NULL && secret)
        OPENSSL_cleanse(*p, strlen(*p));
    free(*p);
    *p = NULL;
}

static bool parse_string(vg_conf_ctx_t *c, const vg_conf_key_t *k, json_t *v, char **field)
{
    const char *s;
    size_t n;
    size_t max = k->max > 0 ? (size_t)k->max : VG_CONF_STRING_MAX;

    if (json_is_null(v) && (k->flags & VG_CF_NULLABLE)) {
        free_string(field, k->type == VG_CT_SECRET);
        return true;
    }
    s = vg_conf_string(c, v, &n);
    if (s == NULL)
        return false;
    if (memchr(s, '\0', n) != NULL) {
        vg_conf_error(c, "must not contain NUL bytes");
        return false;
    }
    if (n < (size_t)k->min) {
        vg_conf_error(c, n == 0 ? "must not be empty" : "must be at least %lld bytes",
                      (long long)k->min);
        return false;
    }
    if (n > max) {
        vg_conf_error(c, "must be at most %zu bytes", max);
        return false;
    }
    free_string(field, k->type == VG_CT_SECRET);
    *field = vg_xstrndup(s, n);
    return true;
}

static bool parse_enum(vg_conf_ctx_t *c, const vg_conf_key_t *k, json_t *v, void *field)
{
    const char *s = vg_conf_string(c, v, NULL);
    vg_buf_t all;
    const char *hint;

    if (s == NULL)
        return false;
    for (int i = 0; k->names[i] != NULL; i++) {
        if (strcmp(s, k->names[i]) == 0) {
            store_num(field, VG_CT_ENUM, i);
            return true;
        }
    }
    vg_buf_init(&all, 256);
    for (int i = 0; k->names[i] != NULL; i++)
        vg_buf_printf(&all, "%s%s", i ? ", " : "", k->names[i]);
    hint = vg_conf_suggest(s, k->names, SIZE_MAX);
    if (hint != NULL)
        vg_conf_error(c, "expected one of %s (did you mean %s?)", all.data, hint);
    else
        vg_conf_error(c, "expected one of %s", all.data);
    vg_buf_cleanup(&all);
    return false;
}

static bool parse_number(vg_conf_ctx_t *c, const vg_conf_key_t *k, json_t *v, void *field)
{
    int64_t x;

    if (k->type == VG_CT_BOOL) {
        bool b;
        if (!get_bool(c, v, &b))
            return false;
        store_num(field, VG_CT_BOOL, b);
        return true;
    }
    if (!get_integer(c, v, &x))
        return false;
    if (x < k->min || x > k->max) {
        vg_conf_error(c, "must be between %lld and %lld", (long long)k->min, (long long)k->max);
        return false;
    }
    store_num(field, k->type, x);
    return true;
}

static bool parse_value(vg_conf_ctx_t *c, const vg_conf_key_t *k, json_t *v, void *base)
{
    void *field = (char *)base + k->offset;
    unsigned before = c->nerrors;

    switch (k->type) {
    case VG_CT_BOOL:
    case VG_CT_U16:
    case VG_CT_U32:
    case VG_CT_UINT:
    case VG_CT_INT:
    case VG_CT_SIZE:
        return parse_number(c, k, v, field);
    case VG_CT_STRING:
    case VG_CT_SECRET:
    case VG_CT_PATH:
        return parse_string(c, k, v, field);
    case VG_CT_ENUM:
        return parse_enum(c, k, v, field);
    case VG_CT_SECTION:
        if (!json_is_object(v)) {
            vg_conf_error(c, "expected an object");
            return false;
        }
        if (k->flags & VG_CF_PRESENCE)
            *(bool *)field = true;
        vg_conf_parse_section(c, v, k->sub, base);
        return c->nerrors == before;
    case VG_CT_CUSTOM:
        k->custom->parse(c, v, base, k);
        return c->nerrors == before;
    }
    return false;
}

/* ---- sections ----------------------------------------------------------- */

static const vg_conf_key_t *find_key(const vg_conf_section_t *s, const char *key)
{
    for (size_t i = 0; i < s->nkeys; i++)
        if (strcmp(s->keys[i].key, key) == 0)
            return &s->keys[i];
    return NULL;
}

static void unknown_key(vg_conf_ctx_t *c, const vg_conf_section_t *s, const char *key)
{
    const char *names[64];
    size_t n = VG_MIN(s->nkeys, VG_ARRAY_LEN(names));
    const char *hint;

    for (size_t i = 0; i < n; i++)
        names[i] = s->keys[i].key;
    hint = vg_conf_suggest(key, names, n);
    if (hint != NULL)
        vg_conf_error(c, "unknown key (did you mean %s?)", hint);
    else
        vg_conf_error(c, "unknown key");
}

void vg_conf_parse_section(vg_conf_ctx_t *c, json_t *obj, const vg_conf_section_t *s, void *base)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj)) {
        vg_conf_error(c, "expected an object");
        return;
    }
    /* Unknown keys first: a typo must never fall back to a default silently. */
    json_object_foreach(obj, key, v)
    {
        if (find_key(s, key) == NULL) {
            size_t saved = vg_conf_push_key(c, key);
            unknown_key(c, s, key);
            vg_conf_pop(c, saved);
        }
    }
    /* Then the table's keys in table order, so that later keys may rely on
     * earlier ones (a tenant's dry_run inherits the top-level one). */
    for (size_t i = 0; i < s->nkeys; i++) {
        const vg_conf_key_t *k = &s->keys[i];
        size_t saved = vg_conf_push_key(c, k->key);
        v = json_object_get(obj, k->key);
        if (v == NULL) {
            if (k->flags & VG_CF_REQUIRED)
                vg_conf_error(c, "required key missing");
        } else if (parse_value(c, k, v, base) && k->validate != NULL) {
            k->validate(c, base, k);
        }
        vg_conf_pop(c, saved);
    }
}

void vg_conf_defaults(const vg_conf_section_t *s, void *base, bool own)
{
    for (size_t i = 0; i < s->nkeys; i++) {
        const vg_conf_key_t *k = &s->keys[i];
        void *field = (char *)base + k->offset;
        switch (k->type) {
        case VG_CT_STRING:
        case VG_CT_SECRET:
        case VG_CT_PATH:
            if (k->defstr == NULL)
                *(char **)field = NULL;
            else
                *(char **)field = own ? vg_xstrdup(k->defstr) : (char *)k->defstr;
            break;
        case VG_CT_SECTION:
            if (k->flags & VG_CF_PRESENCE)
                *(bool *)field = false;
            vg_conf_defaults(k->sub, base, own);
            break;
        case VG_CT_CUSTOM:
            if (k->custom->init != NULL)
                k->custom->init(base, k, own);
            break;
        default:
            store_num(field, k->type, (int64_t)k->def);
            break;
        }
    }
}

void vg_conf_free_section(const vg_conf_section_t *s, void *base)
{
    for (size_t i = 0; i < s->nkeys; i++) {
        const vg_conf_key_t *k = &s->keys[i];
        void *field = (char *)base + k->offset;
        switch (k->type) {
        case VG_CT_STRING:
        case VG_CT_SECRET:
        case VG_CT_PATH:
            free_string((char **)field, k->type == VG_CT_SECRET);
            break;
        case VG_CT_SECTION:
            vg_conf_free_section(k->sub, base);
            break;
        case VG_CT_CUSTOM:
            if (k->custom->free != NULL)
                k->custom->free(base, k);
            break;
        default:
            break;
        }
    }
}
