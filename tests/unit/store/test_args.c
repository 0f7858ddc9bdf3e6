/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the decide script's argument vector: key names (hash tag,
 * pseudonym, no raw author id), every positional ARGV per platform and
 * verb, the record's field/value pairs (offsets, never the text) and the
 * refusals of malformed requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_internal.h"
#include "store/store_test_stubs.h"

#define SHA   "0123456789abcdef0123456789abcdef01234567"
#define NOW   1700000000123LL
#define TEXT  "you are a very distinctive insult"
#define RAWID "998877665544"

static char tenant_demo[] = "demo";
static char tenant_empty[] = "";

typedef struct fixture {
    vg_tenant_conf_t tenant;
    vg_event_t ev;
    vg_verdict_t v;
    vg_scan_result_t scan;
    vg_decide_req_t req;
    vg_store_args_t a;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    f->tenant.name = tenant_demo;
    f->tenant.window_days = 90;
    f->tenant.warnings = 1;
    f->tenant.meta.facebook_warning = VG_WARN_PRIVATE;
    f->tenant.meta.instagram_warning = VG_WARN_PUBLIC;
    f->ev.platform = VG_PLATFORM_FACEBOOK;
    f->ev.verb = VG_VERB_ADD;
    f->ev.page_id = "page1";
    f->ev.content_id = "post1_c1";
    f->ev.post_id = "post1";
    f->ev.author_id = RAWID;
    f->ev.text = TEXT;
    f->ev.text_len = strlen(TEXT);
    f->ev.created_time = 1700000000;
    f->v.verdict = VG_VERDICT_ACT;
    f->v.content = VG_CONTENT_HIDE;
    f->v.strike = true;
    f->v.found = VG_CATSET(VG_CAT_INSULT) | VG_CATSET(VG_CAT_POLITICAL);
    f->v.acting = VG_CATSET(VG_CAT_INSULT);
    f->v.tags = VG_CATSET(VG_CAT_POLITICAL);
    f->v.primary = VG_CAT_INSULT;
    f->v.score = 12;
    f->req.tenant = &f->tenant;
    f->req.event = &f->ev;
    f->req.verdict = &f->v;
    f->req.warning = "Il commento viola la netiquette";
    f->req.notice = "Dati personali rimossi";
    f->req.author_key = "k3y";
    f->req.shards = 16;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    vg_store_args_cleanup(&f->a);
    free(f);
    return 0;
}

/* ARGV[i] of the script (1-based), i.e. argv[2 + 8 + i]. */
static const char *argv_n(const fixture_t *f, int i)
{
    const char *s = vg_store_args_get(&f->a, 2 + VG_STORE_DECIDE_KEYS + i, NULL);
    assert_non_null(s);
    return s;
}

static const char *key_n(const fixture_t *f, int i)
{
    const char *s = vg_store_args_get(&f->a, 2 + i, NULL);
    assert_non_null(s);
    return s;
}

static void build(fixture_t *f)
{
    vg_store_args_cleanup(&f->a);
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 604800, 7776000), 0);
}

static void test_keys(void **state)
{
    fixture_t *f = *state;
    char author[VG_AUTHOR_HASH_LEN + 1], id[VG_DECISION_ID_LEN + 1], tag[80], want[200];

    build(f);
    vg_store_author_hash("k3y", "demo", VG_PLATFORM_FACEBOOK, RAWID, author);
    vg_store_decision_id("k3y", "demo", VG_PLATFORM_FACEBOOK, "post1_c1", VG_VERB_ADD, TEXT,
                         strlen(TEXT), id);
    vg_store_tag("demo", author, 16, tag, sizeof(tag));
    assert_string_equal(vg_store_args_get(&f->a, 0, NULL), "EVALSHA");
    assert_string_equal(vg_store_args_get(&f->a, 1, NULL), SHA);
    assert_string_equal(vg_store_args_get(&f->a, 2, NULL), "8");
    snprintf(want, sizeof(want), "vg:%s:dd:%s", tag, id);
    assert_string_equal(key_n(f, 1), want);
    snprintf(want, sizeof(want), "vg:%s:d:%s", tag, id);
    assert_string_equal(key_n(f, 2), want);
    snprintf(want, sizeof(want), "vg:%s:c:facebook:post1_c1", tag);
    assert_string_equal(key_n(f, 3), want);
    snprintf(want, sizeof(want), "vg:%s:a:%s", tag, author);
    assert_string_equal(key_n(f, 4), want);
    snprintf(want, sizeof(want), "vg:%s:a:%s:s", tag, author);
    assert_string_equal(key_n(f, 5), want);
    snprintf(want, sizeof(want), "vg:%s:a:%s:d", tag, author);
    assert_string_equal(key_n(f, 6), want);
    snprintf(want, sizeof(want), "vg:%s:q", tag);
    assert_string_equal(key_n(f, 7), want);
    snprintf(want, sizeof(want), "vg:%s:r", tag);
    assert_string_equal(key_n(f, 8), want);
    for (int i = 1; i <= VG_STORE_DECIDE_KEYS; i++) {
        /* Every key in one slot; no raw author id and no text in a name. */
        assert_true(strncmp(key_n(f, i), "vg:{demo:", 9) == 0);
        assert_null(strstr(key_n(f, i), RAWID));
        assert_null(strstr(key_n(f, i), "insult"));
    }
    assert_string_equal(argv_n(f, 2), id);
}

static void test_argv_facebook(void **state)
{
    fixture_t *f = *state;

    build(f);
    assert_string_equal(argv_n(f, 1), "1700000000123");
    assert_string_equal(argv_n(f, 3), "add");
    assert_string_equal(argv_n(f, 4), "1");
    assert_string_equal(argv_n(f, 5), "hide");
    assert_string_equal(argv_n(f, 6), "1");
    assert_string_equal(argv_n(f, 7), "0");
    assert_string_equal(argv_n(f, 8), "0");
    assert_string_equal(argv_n(f, 9), "0");
    assert_string_equal(argv_n(f, 10), "0");
    assert_string_equal(argv_n(f, 11), "private");
    assert_string_equal(argv_n(f, 12), "0");
    assert_string_equal(argv_n(f, 13), "1");
    assert_string_equal(argv_n(f, 14), "0");
    assert_string_equal(argv_n(f, 15), "1");
    assert_string_equal(argv_n(f, 16), "7776000000");
    assert_string_equal(argv_n(f, 17), "604800");
    assert_string_equal(argv_n(f, 18), "7776000");
    assert_string_equal(argv_n(f, 19), "0");
    assert_string_equal(argv_n(f, 20), "demo");
    assert_string_equal(argv_n(f, 21), "facebook");
    assert_string_equal(argv_n(f, 22), "page1");
    assert_string_equal(argv_n(f, 23), "post1_c1");
    assert_string_equal(argv_n(f, 24), RAWID);
    assert_string_equal(argv_n(f, 25), "Il commento viola la netiquette");
    assert_string_equal(argv_n(f, 26), "Dati personali rimossi");
}

static void test_argv_flags(void **state)
{
    fixture_t *f = *state;

    f->v.content = VG_CONTENT_DELETE;
    f->v.strike = false;
    f->v.block = true;
    f->v.review = true;
    f->v.notice = true;
    f->req.dry_run = true;
    f->tenant.warnings = 2;
    f->tenant.window_days = 1;
    f->tenant.meta.facebook_warning = VG_WARN_NONE;
    build(f);
    assert_string_equal(argv_n(f, 5), "delete");
    assert_string_equal(argv_n(f, 6), "0");
    assert_string_equal(argv_n(f, 7), "1");
    assert_string_equal(argv_n(f, 8), "1");
    assert_string_equal(argv_n(f, 9), "1");
    assert_string_equal(argv_n(f, 11), "none");
    assert_string_equal(argv_n(f, 15), "2");
    assert_string_equal(argv_n(f, 16), "86400000");
    assert_string_equal(argv_n(f, 19), "1");
    /* Shadow: from the verdict, or the whole tenant. */
    f->v.shadow = true;
    build(f);
    assert_string_equal(argv_n(f, 10), "1");
    f->v.shadow = false;
    f->tenant.shadow = true;
    build(f);
    assert_string_equal(argv_n(f, 10), "1");
    /* The tenant's dry_run too. */
    f->req.dry_run = false;
    f->tenant.dry_run = true;
    build(f);
    assert_string_equal(argv_n(f, 19), "1");
}

static void test_argv_instagram(void **state)
{
    fixture_t *f = *state;

    f->ev.platform = VG_PLATFORM_INSTAGRAM;
    build(f);
    assert_string_equal(argv_n(f, 11), "public");
    assert_string_equal(argv_n(f, 12), "1"); /* reply before the hide */
    assert_string_equal(argv_n(f, 13), "0"); /* no block API */
    assert_string_equal(argv_n(f, 14), "1");
    assert_string_equal(argv_n(f, 21), "instagram");
    assert_non_null(strstr(key_n(f, 3), ":c:instagram:post1_c1"));
    f->tenant.meta.instagram_warning = VG_WARN_PRIVATE;
    build(f);
    assert_string_equal(argv_n(f, 11), "private");
    assert_string_equal(argv_n(f, 12), "0");
}

static void test_unscanned_verbs_have_no_actions(void **state)
{
    fixture_t *f = *state;
    static const vg_verb_t verbs[] = {VG_VERB_REMOVE, VG_VERB_HIDE, VG_VERB_UNHIDE, VG_VERB_OTHER};
    static const char *const names[] = {"remove", "hide", "unhide", "other"};

    f->v.block = true;
    f->v.review = true;
    f->v.notice = true;
    for (size_t i = 0; i < 4; i++) {
        f->ev.verb = verbs[i];
        build(f);
        assert_string_equal(argv_n(f, 3), names[i]);
        assert_string_equal(argv_n(f, 5), "");
        for (int k = 6; k <= 10; k++)
            assert_string_equal(argv_n(f, k), "0");
        assert_null(vg_store_args_field(&f->a, "verdict"));
        assert_string_equal(vg_store_args_field(&f->a, "verb"), names[i]);
    }
}

static void test_no_author(void **state)
{
    fixture_t *f = *state;
    char tag[80], want[120];

    f->ev.author_id = NULL;
    build(f);
    vg_store_tag("demo", "post1_c1", 16, tag, sizeof(tag));
    snprintf(want, sizeof(want), "vg:%s:a:-", tag);
    assert_string_equal(key_n(f, 4), want);
    snprintf(want, sizeof(want), "vg:%s:a:-:s", tag);
    assert_string_equal(key_n(f, 5), want);
    assert_string_equal(argv_n(f, 4), "0");
    assert_string_equal(argv_n(f, 24), "");
    assert_null(vg_store_args_field(&f->a, "author"));
    f->ev.author_id = "";
    build(f);
    assert_string_equal(argv_n(f, 4), "0");
}

static void test_record_fields(void **state)
{
    fixture_t *f = *state;
    char author[VG_AUTHOR_HASH_LEN + 1];
    size_t len;

    f->scan.n = 2;
    f->scan.findings[0] = (vg_finding_t){.rule = 3, .start = 9, .end = 13};
    f->scan.findings[1] = (vg_finding_t){.rule = 7, .start = 25, .end = 32};
    f->req.scan = &f->scan; /* rs stays NULL: no rule ids */
    build(f);
    vg_store_author_hash("k3y", "demo", VG_PLATFORM_FACEBOOK, RAWID, author);
    assert_string_equal(vg_store_args_field(&f->a, "verdict"), "act");
    assert_string_equal(vg_store_args_field(&f->a, "found"), "insult,political");
    assert_string_equal(vg_store_args_field(&f->a, "acting"), "insult");
    assert_string_equal(vg_store_args_field(&f->a, "tags"), "political");
    assert_null(vg_store_args_field(&f->a, "shadowed"));
    assert_string_equal(vg_store_args_field(&f->a, "primary"), "insult");
    assert_string_equal(vg_store_args_field(&f->a, "score"), "12");
    assert_string_equal(vg_store_args_field(&f->a, "spans"), "9-13,25-32");
    assert_null(vg_store_args_field(&f->a, "rules"));
    assert_string_equal(vg_store_args_field(&f->a, "verb"), "add");
    assert_string_equal(vg_store_args_field(&f->a, "page"), "page1");
    assert_string_equal(vg_store_args_field(&f->a, "content"), "post1_c1");
    assert_string_equal(vg_store_args_field(&f->a, "post"), "post1");
    assert_null(vg_store_args_field(&f->a, "parent"));
    assert_string_equal(vg_store_args_field(&f->a, "author"), author);
    assert_string_equal(vg_store_args_field(&f->a, "platform"), "facebook");
    assert_string_equal(vg_store_args_field(&f->a, "tenant"), "demo");
    assert_string_equal(vg_store_args_field(&f->a, "created"), "1700000000");
    /* Pairs complete; neither the text nor the raw id in the record. */
    assert_int_equal((f->a.n - 3 - VG_STORE_DECIDE_KEYS - VG_STORE_DECIDE_ARGV) % 2, 0);
    for (int i = 3 + VG_STORE_DECIDE_KEYS + VG_STORE_DECIDE_ARGV; i < f->a.n; i++) {
        const char *s = vg_store_args_get(&f->a, i, &len);
        assert_int_equal(strlen(s), len);
        assert_null(strstr(s, "distinctive"));
        assert_null(strstr(s, RAWID));
    }
    /* The text is nowhere in the call at all. */
    for (int i = 0; i < f->a.n; i++)
        assert_null(strstr(vg_store_args_get(&f->a, i, NULL), "distinctive"));
}

static void test_allow_without_findings(void **state)
{
    fixture_t *f = *state;

    memset(&f->v, 0, sizeof(f->v));
    build(f);
    assert_string_equal(vg_store_args_field(&f->a, "verdict"), "allow");
    assert_null(vg_store_args_field(&f->a, "found"));
    assert_null(vg_store_args_field(&f->a, "primary"));
    assert_null(vg_store_args_field(&f->a, "spans"));
    assert_string_equal(argv_n(f, 5), "");
    /* No verdict at all on an added comment: no actions. */
    f->req.verdict = NULL;
    build(f);
    assert_string_equal(argv_n(f, 5), "");
    assert_string_equal(argv_n(f, 6), "0");
    assert_null(vg_store_args_field(&f->a, "verdict"));
}

static void test_refusals(void **state)
{
    fixture_t *f = *state;
    char longid[VG_STORE_ID_MAX + 2];
    char *huge;

    f->ev.content_id = NULL;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    assert_int_equal(f->a.n, 0);
    f->ev.content_id = "";
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    memset(longid, '7', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    f->ev.content_id = longid;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    f->ev.content_id = "c";
    f->ev.author_id = longid;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    f->ev.author_id = RAWID;
    f->tenant.name = tenant_empty;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    f->tenant.name = tenant_demo;
    f->ev.platform = VG_PLATFORM_COUNT;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    f->ev.platform = VG_PLATFORM_FACEBOOK;
    f->req.tenant = NULL;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_EINVAL);
    f->req.tenant = &f->tenant;
    assert_int_equal(vg_store_args_build(&f->a, NULL, SHA, NOW, 1, 1), -VG_EINVAL);
    /* A warning text beyond the bound: refused, nothing left allocated. */
    huge = malloc(VG_STORE_ARGS_LIMIT + 10);
    memset(huge, 'w', VG_STORE_ARGS_LIMIT + 9);
    huge[VG_STORE_ARGS_LIMIT + 9] = '\0';
    f->req.warning = huge;
    assert_int_equal(vg_store_args_build(&f->a, &f->req, SHA, NOW, 1, 1), -VG_ELIMIT);
    assert_int_equal(f->a.n, 0);
    assert_null(f->a.buf.data);
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argv_facebook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argv_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argv_instagram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unscanned_verbs_have_no_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_author, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_without_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
