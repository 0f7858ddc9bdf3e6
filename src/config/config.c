/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config: the public face of the loader. Reads the JSON file (duplicate keys
 * rejected), builds a vg_config_t from the tables of tables.c through the
 * engine of engine.c, runs the checks across keys and reports every error
 * with the file name and the key path. Loaded at start and on SIGHUP; the
 * result is immutable and shared by every thread.
 */
#include "config_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set_instance_default(vg_config_t *cfg)
{
    char host[256];

    if (cfg->instance != NULL)
        return;
    if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
        vg_strlcpy(host, "vaglio", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    cfg->instance = vg_xstrdup(host);
}

vg_config_t *vg_config_new_default(void)
{
    vg_config_t *cfg = vg_xcalloc(1, sizeof(*cfg));
    vg_conf_defaults(&vg_conf_root, cfg, true);
    set_instance_default(cfg);
    return cfg;
}

void vg_config_free(vg_config_t *cfg)
{
    if (cfg == NULL)
        return;
    vg_conf_free_section(&vg_conf_root, cfg);
    free(cfg->path);
    free(cfg);
}

void vg_config_tenant_defaults(vg_tenant_conf_t *t)
{
    memset(t, 0, sizeof(*t));
    vg_conf_defaults(&vg_conf_tenant, t, false);
    t->block_template = (char *)"";
}

/* Joins the kept errors for a vg_err_t: "name: e1; e2 (and 3 more errors)". */
static void errors_to_err(const vg_conf_ctx_t *c, vg_err_t *err)
{
    vg_buf_t b;
    unsigned kept = VG_MIN(c->nerrors, (unsigned)VG_CONF_MAX_ERRORS);
    unsigned shown = 0;

    if (err == NULL)
        return;
    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "%s: ", c->name);
    for (unsigned i = 0; i < kept; i++) {
        size_t before = b.len;
        vg_buf_printf(&b, "%s%s", i ? "; " : "", c->errors[i]);
        /* Keep room for the tail; a cut error is worse than a counted one. */
        if (b.len > VG_ERR_MSG_MAX - 40 && shown > 0) {
            b.len = before;
            b.data[before] = '\0';
            break;
        }
        shown++;
    }
    if (c->nerrors > shown)
        vg_buf_printf(&b, " (and %u more error%s)", c->nerrors - shown,
                      c->nerrors - shown == 1 ? "" : "s");
    vg_err_set(err, VG_ECONFIG, "%s", b.data);
    vg_buf_cleanup(&b);
}

static vg_config_t *build(vg_conf_ctx_t *c, json_t *root, const char *path, bool require_listen)
{
    vg_config_t *cfg = vg_config_new_default();

    cfg->path = path != NULL ? vg_xstrdup(path) : NULL;
    c->cfg = cfg;
    if (!json_is_object(root)) {
        vg_conf_error(c, "the top level must be a JSON object");
    } else {
        vg_conf_parse_section(c, root, &vg_conf_root, cfg);
        vg_conf_finish(c, cfg, require_listen);
    }
    if (c->nerrors > 0) {
        vg_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/*
 * jansson's message quotes the text near a syntax error, which may be a
 * secret written in the file: say what and where, not the text itself.
 */
static void json_error(vg_conf_ctx_t *c, const json_error_t *je)
{
    const char *what;

    switch (json_error_code(je)) {
    case json_error_cannot_open_file:
        vg_conf_error(c, "%s", je->text); /* "unable to open <path>: <strerror>" */
        return;
    case json_error_duplicate_key:
        what = "duplicate key";
        break;
    case json_error_invalid_utf8:
        what = "invalid UTF-8";
        break;
    case json_error_premature_end_of_input:
        what = "unexpected end of file";
        break;
    case json_error_end_of_input_expected:
        what = "text after the top-level value";
        break;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        what = "NUL character";
        break;
    case json_error_numeric_overflow:
        what = "number out of range";
        break;
    default:
        what = "invalid JSON syntax";
        break;
    }
    vg_conf_error(c, "line %d, column %d: %s", je->line, je->column, what);
}

/* The directory of @p path, absolute when it can be: paths resolved against
 * it stay valid whatever the working directory is on a later reload. */
static char *base_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    char *real;

    if (slash == NULL)
        dir = vg_xstrdup(".");
    else if (slash == path)
        dir = vg_xstrdup("/");
    else
        dir = vg_xstrndup(path, (size_t)(slash - path));
    real = realpath(dir, NULL);
    if (real != NULL) {
        free(dir);
        dir = vg_xstrdup(real);
        free(real);
    }
    return dir;
}

/* Loads @p path into a config, or NULL with every error in @p c. */
static vg_config_t *load_file(vg_conf_ctx_t *c, const char *path, bool require_listen)
{
    json_error_t je;
    json_t *root;
    vg_config_t *cfg = NULL;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        json_error(c, &je);
        return NULL;
    }
    cfg = build(c, root, path, require_listen);
    json_decref(root);
    return cfg;
}

vg_config_t *vg_config_load(const char *path, vg_err_t *err)
{
    vg_conf_ctx_t c;
    char *dir = base_dir(path);
    vg_config_t *cfg;

    vg_conf_ctx_init(&c, path, dir);
    cfg = load_file(&c, path, true);
    if (cfg == NULL)
        errors_to_err(&c, err);
    vg_conf_ctx_cleanup(&c);
    free(dir);
    return cfg;
}

vg_config_t *vg_config_load_string(const char *json, const char *name, const char *basedir,
                                   vg_err_t *err)
{
    vg_conf_ctx_t c;
    json_error_t je;
    json_t *root;
    vg_config_t *cfg = NULL;

    vg_conf_ctx_init(&c, name, basedir);
    root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        json_error(&c, &je);
    else
        cfg = build(&c, root, NULL, false);
    json_decref(root);
    if (cfg == NULL)
        errors_to_err(&c, err);
    vg_conf_ctx_cleanup(&c);
    return cfg;
}

int vg_config_check(const char *path, vg_buf_t *errors)
{
    vg_conf_ctx_t c;
    char *dir = base_dir(path);
    vg_config_t *cfg;
    int n;

    vg_conf_ctx_init(&c, path, dir);
    cfg = load_file(&c, path, true);
    vg_config_free(cfg);
    for (unsigned i = 0; errors != NULL && i < VG_MIN(c.nerrors, (unsigned)VG_CONF_MAX_ERRORS); i++)
        vg_buf_printf(errors, "%s: %s\n", path, c.errors[i]);
    if (errors != NULL && c.nerrors > VG_CONF_MAX_ERRORS)
        vg_buf_printf(errors, "%s: %u more errors not shown\n", path,
                      c.nerrors - VG_CONF_MAX_ERRORS);
    n = (int)VG_MIN(c.nerrors, (unsigned)INT_MAX);
    vg_conf_ctx_cleanup(&c);
    free(dir);
    return n;
}

const vg_tenant_conf_t *vg_config_tenant(const vg_config_t *cfg, const char *name, size_t n)
{
    size_t lo = 0, hi = cfg->ntenants;

    /* Tenants are sorted by name (strcmp order) at load. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *t = cfg->tenants[mid].name;
        size_t tl = strlen(t);
        int r = memcmp(t, name, VG_MIN(tl, n));
        if (r == 0)
            r = tl < n ? -1 : tl > n ? 1 : 0;
        if (r == 0)
            return &cfg->tenants[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *vg_config_page_token(const vg_tenant_conf_t *t, const char *page_id)
{
    if (page_id != NULL) {
        for (size_t i = 0; i < t->meta.npages; i++)
            if (strcmp(t->meta.pages[i].id, page_id) == 0 && t->meta.pages[i].page_token != NULL)
                return t->meta.pages[i].page_token;
    }
    return t->meta.page_token;
}
