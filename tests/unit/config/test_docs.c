/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The documentation check: every key of the config tables must appear in
 * docs/config.md as `its.full.path`, and the defaults the page quotes for
 * the templates must be the ones in the tables, so the reference cannot
 * drift from the loader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_internal.h"

typedef struct {
    char *doc;
    unsigned keys;
    unsigned missing;
} walk_t;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    vg_buf_t b;
    char chunk[4096];
    size_t n;

    if (f == NULL)
        return NULL;
    vg_buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vg_buf_append(&b, chunk, n);
    fclose(f);
    return vg_buf_steal(&b, NULL);
}

static void on_key(const char *path, const vg_conf_key_t *k, void *arg)
{
    walk_t *w = arg;
    char quoted[300];

    w->keys++;
    snprintf(quoted, sizeof(quoted), "`%s`", path);
    if (strstr(w->doc, quoted) == NULL) {
        print_error("docs/config.md does not document %s\n", quoted);
        w->missing++;
    }
    /* Every row documents itself for the dump as well. */
    if (k->doc == NULL || k->doc[0] == '\0') {
        print_error("%s has no doc string\n", path);
        w->missing++;
    }
}

static void test_every_key_documented(void **state)
{
    walk_t w = {0};
    (void)state;

    w.doc = read_all(VG_SOURCE_DIR "/docs/config.md");
    assert_non_null(w.doc);
    vg_conf_walk(on_key, &w);
    free(w.doc);
    /* The walk itself must see the whole tree (a broken walk passes vacuously). */
    assert_true(w.keys >= 60);
    assert_int_equal(w.missing, 0);
}

/* The default templates quoted in the docs (after "> " line joins) are the real ones. */
static void squash(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    if (in == NULL) {
        out[0] = '\0';
        return;
    }
    for (const char *p = in; *p && o + 1 < cap; p++) {
        if (*p == '\n' || *p == ' ' || *p == '>') {
            space = o > 0;
            continue;
        }
        if (space && o + 1 < cap)
            out[o++] = ' ';
        space = false;
        out[o++] = *p;
    }
    out[o] = '\0';
}

static void test_templates_documented(void **state)
{
    vg_tenant_conf_t t;
    char *doc = read_all(VG_SOURCE_DIR "/docs/config.md");
    static char flat_doc[1 << 16], flat_tmpl[4096];
    (void)state;

    assert_non_null(doc);
    squash(doc, flat_doc, sizeof(flat_doc));
    vg_config_tenant_defaults(&t);
    squash(t.warning_template, flat_tmpl, sizeof(flat_tmpl));
    assert_non_null(strstr(flat_doc, flat_tmpl));
    free(doc);
    assert_non_null(strstr(flat_doc, flat_tmpl));
    squash(t.notice_template, flat_tmpl, sizeof(flat_tmpl));
    assert_non_null(strstr(flat_doc, flat_tmpl));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_documented),
        cmocka_unit_test(test_templates_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
