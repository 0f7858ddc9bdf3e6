/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Meta adapter: the hub.challenge handshake, the
 * X-Hub-Signature-256 check against signatures computed independently
 * (the .sig files of tests/data/adapter), and the parsing of realistic Facebook and
 * Instagram deliveries, malformed changes and envelopes, and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapter/adapter_internal.h"
#include "vaglio/adapter.h"
#include "vaglio/log.h"

#define DATA   VG_SOURCE_DIR "/tests/data/adapter/"
#define SECRET "test_app_secret"

typedef struct {
    char *body;
    size_t len;
    char sig[128];
} payload_t;

static void load_payload(const char *name, payload_t *p)
{
    char path[512];
    FILE *f;
    vg_buf_t b;
    char chunk[4096];
    size_t n;

    snprintf(path, sizeof(path), DATA "%s.json", name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    vg_buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vg_buf_append(&b, chunk, n);
    fclose(f);
    p->body = vg_buf_steal(&b, &p->len);

    snprintf(path, sizeof(path), DATA "%s.sig", name);
    f = fopen(path, "r");
    if (f == NULL || fgets(p->sig, sizeof(p->sig), f) == NULL)
        fail_msg("cannot read %s", path);
    fclose(f);
    p->sig[strcspn(p->sig, "\r\n")] = '\0';
}

/* Loads, checks the signature, parses; returns the event count. */
typedef struct {
    payload_t p;
    vg_arena_t *arena;
    vg_event_t *ev;
    size_t n;
    size_t skipped;
    vg_err_t err;
    int rc;
} parsed_t;

static void parse_file(const char *name, parsed_t *r)
{
    memset(r, 0, sizeof(*r));
    load_payload(name, &r->p);
    assert_int_equal(vg_meta_verify_signature(SECRET, r->p.sig, r->p.body, r->p.len), 0);
    r->arena = vg_arena_new(4096, 1 << 20);
    r->rc = vg_meta_parse(r->p.body, r->p.len, r->arena, &r->ev, &r->n, 5000, &r->skipped, &r->err);
}

static void parsed_free(parsed_t *r)
{
    vg_arena_free(r->arena);
    free(r->p.body);
}

static int setup(void **state)
{
    (void)state;
    vg_log_setup(VG_LOG_ERROR, false);
    return 0;
}

/* ---- names -------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vg_platform_name(VG_PLATFORM_FACEBOOK), "facebook");
    assert_string_equal(vg_platform_name(VG_PLATFORM_INSTAGRAM), "instagram");
    assert_string_equal(vg_platform_name(VG_PLATFORM_COUNT), "unknown");
    assert_string_equal(vg_verb_name(VG_VERB_ADD), "add");
    assert_string_equal(vg_verb_name(VG_VERB_EDITED), "edited");
    assert_string_equal(vg_verb_name(VG_VERB_REMOVE), "remove");
    assert_string_equal(vg_verb_name(VG_VERB_HIDE), "hide");
    assert_string_equal(vg_verb_name(VG_VERB_UNHIDE), "unhide");
    assert_string_equal(vg_verb_name(VG_VERB_OTHER), "other");

    assert_int_equal(vg_meta_verb("add", 3), VG_VERB_ADD);
    assert_int_equal(vg_meta_verb("edited", 6), VG_VERB_EDITED);
    assert_int_equal(vg_meta_verb("edit", 4), VG_VERB_EDITED);
    assert_int_equal(vg_meta_verb("remove", 6), VG_VERB_REMOVE);
    assert_int_equal(vg_meta_verb("delete", 6), VG_VERB_REMOVE);
    assert_int_equal(vg_meta_verb("hide", 4), VG_VERB_HIDE);
    assert_int_equal(vg_meta_verb("unhide", 6), VG_VERB_UNHIDE);
    assert_int_equal(vg_meta_verb("block", 5), VG_VERB_OTHER);
    assert_int_equal(vg_meta_verb("update", 6), VG_VERB_OTHER);
    assert_int_equal(vg_meta_verb("adds", 3), VG_VERB_ADD); /* length-bounded */
    assert_int_equal(vg_meta_verb("", 0), VG_VERB_OTHER);
}

/* vg_meta_time of the one element of the JSON array @p json. */
static int64_t time_of(const char *json)
{
    vg_json_doc_t *doc = vg_json_parse(json, strlen(json), NULL, NULL);
    assert_non_null(doc);
    int64_t t = vg_meta_time(vg_json_first(vg_json_root(doc)));
    vg_json_free(doc);
    return t;
}

static void test_time(void **state)
{
    (void)state;

    assert_int_equal(time_of("[1767225603]"), 1767225603);
    assert_int_equal(time_of("[\"1767225603\"]"), 1767225603);
    assert_int_equal(time_of("[\"2026-01-01T00:00:03+0000\"]"), 1767225603);
    assert_int_equal(time_of("[\"2026-01-01T01:00:03+0100\"]"), 1767225603);
    assert_int_equal(time_of("[\"yesterday\"]"), 0);
    assert_int_equal(time_of("[-5]"), 0);
    assert_int_equal(time_of("[1767225603.5]"), 0);
    assert_int_equal(vg_meta_time(NULL), 0);
}

/* ---- handshake ---------------------------------------------------------- */

static int handshake(const char *q, char *challenge)
{
    return vg_meta_handshake(q, strlen(q), "my-verify-token", challenge);
}

static void test_handshake(void **state)
{
    char ch[VG_META_CHALLENGE_MAX + 1];
    char q[1024];
    (void)state;

    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-verify-token",
                  ch),
        0);
    assert_string_equal(ch, "1158201444");
    /* Any order, percent-encoding decoded. */
    assert_int_equal(
        handshake("hub.verify_token=my%2Dverify%2dtoken&hub.challenge=abc_XYZ-9&hub.mode=subscribe",
                  ch),
        0);
    assert_string_equal(ch, "abc_XYZ-9");

    /* Wrong, missing, longer and shorter tokens. */
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-verify-tokeN", ch),
        -VG_EAUTH);
    assert_string_equal(ch, "");
    assert_int_equal(handshake("hub.mode=subscribe&hub.challenge=1", ch), -VG_EAUTH);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-verify-token2", ch),
        -VG_EAUTH);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=my-verify-toke", ch),
        -VG_EAUTH);
    assert_int_equal(handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=", ch),
                     -VG_EAUTH);
    /* An empty configured token never matches. */
    assert_int_equal(
        vg_meta_handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=", 51, "", ch),
        -VG_EAUTH);
    assert_int_equal(
        vg_meta_handshake("hub.mode=subscribe&hub.challenge=1&hub.verify_token=x", 52, NULL, ch),
        -VG_EAUTH);
    /* A token longer than any we accept. */
    snprintf(q, sizeof(q), "hub.mode=subscribe&hub.challenge=1&hub.verify_token=%0600d", 0);
    assert_int_equal(handshake(q, ch), -VG_EAUTH);

    /* Mode. */
    assert_int_equal(
        handshake("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=my-verify-token", ch),
        -VG_EINVAL);
    assert_int_equal(handshake("hub.challenge=1&hub.verify_token=my-verify-token", ch), -VG_EINVAL);
    assert_int_equal(vg_meta_handshake(NULL, 0, "my-verify-token", ch), -VG_EINVAL);

    /* Challenge: missing, empty, oversize, not printable. */
    assert_int_equal(handshake("hub.mode=subscribe&hub.verify_token=my-verify-token", ch),
                     -VG_EINVAL);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=&hub.verify_token=my-verify-token", ch),
        -VG_EINVAL);
    snprintf(q, sizeof(q), "hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=%0*d",
             VG_META_CHALLENGE_MAX + 1, 7);
    assert_int_equal(handshake(q, ch), -VG_EINVAL);
    assert_string_equal(ch, "");
    snprintf(q, sizeof(q), "hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=%0*d",
             VG_META_CHALLENGE_MAX, 7);
    assert_int_equal(handshake(q, ch), 0);
    assert_int_equal(strlen(ch), VG_META_CHALLENGE_MAX);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=%3Cscript%3E%0A&hub.verify_token=my-verify-"
                  "token",
                  ch),
        -VG_EINVAL);
    assert_string_equal(ch, "");
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=a+b&hub.verify_token=my-verify-token", ch),
        -VG_EINVAL);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=%C3%A8&hub.verify_token=my-verify-token", ch),
        -VG_EINVAL);
    assert_int_equal(
        handshake("hub.mode=subscribe&hub.challenge=%zz&hub.verify_token=my-verify-token", ch),
        -VG_EINVAL);
}

/* ---- signature ---------------------------------------------------------- */

static void test_signature_vector(void **state)
{
    static const char body[] = "{\"object\":\"whatsapp_business_account\",\"entry\":[]}";
    static const char sig[] =
        "sha256=dec6a680679a968e7e0319355b23599cbfc54502c0784668e9618baa0c633756";
    static const char upper[] =
        "sha256=DEC6A680679A968E7E0319355B23599CBFC54502C0784668E9618BAA0C633756";
    char bad[sizeof(sig)];
    size_t len = strlen(body);
    (void)state;

    assert_int_equal(vg_meta_verify_signature(SECRET, sig, body, len), 0);
    assert_int_equal(vg_meta_verify_signature(SECRET, upper, body, len), 0);
    assert_int_equal(vg_meta_verify_signature("test_app_secreT", sig, body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(SECRET, sig, body, len - 1), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(SECRET, NULL, body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(NULL, sig, body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature("", sig, body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(SECRET, "", body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(SECRET, "sha256=", body, len), -VG_EAUTH);
    assert_int_equal(vg_meta_verify_signature(SECRET, sig + 7, body, len), -VG_EAUTH);
    /* sha1= of the legacy header is not accepted, nor any other prefix. */
    memcpy(bad, sig, sizeof(sig));
    memcpy(bad, "sha1=x", 6);
    assert_int_equal(vg_meta_verify_signature(SECRET, bad, body, len), -VG_EAUTH);
    /* One flipped digit, a non-hex digit, a truncated and an extended digest. */
    memcpy(bad, sig, sizeof(sig));
    bad[sizeof(sig) - 2] = bad[sizeof(sig) - 2] == '6' ? '7' : '6';
    assert_int_equal(vg_meta_verify_signature(SECRET, bad, body, len), -VG_EAUTH);
    memcpy(bad, sig, sizeof(sig));
    bad[10] = 'g';
    assert_int_equal(vg_meta_verify_signature(SECRET, bad, body, len), -VG_EAUTH);
    memcpy(bad, sig, sizeof(sig));
    bad[sizeof(sig) - 2] = '\0';
    assert_int_equal(vg_meta_verify_signature(SECRET, bad, body, len), -VG_EAUTH);
    char longer[sizeof(sig) + 2];
    snprintf(longer, sizeof(longer), "%s00", sig);
    assert_int_equal(vg_meta_verify_signature(SECRET, longer, body, len), -VG_EAUTH);
}

static void test_signature_files(void **state)
{
    static const char *const names[] = {
        "fb_comment_add", "fb_reply",  "fb_edited", "fb_remove",  "fb_hide",
        "fb_unhide",      "fb_batch",  "fb_own",    "fb_unicode", "fb_no_from",
        "fb_numeric_ids", "fb_mixed",  "fb_nul",    "ig_comment", "ig_reply",
        "ig_login",       "ig_pretty", "messenger", "malformed",  "wrong_object",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        payload_t p;
        load_payload(names[i], &p);
        if (vg_meta_verify_signature(SECRET, p.sig, p.body, p.len) != 0)
            fail_msg("%s: signature does not verify", names[i]);
        /* The exact bytes: one byte more, less or changed fails. */
        assert_int_equal(vg_meta_verify_signature(SECRET, p.sig, p.body, p.len - 1), -VG_EAUTH);
        p.body[p.len / 2] ^= 0x20;
        assert_int_equal(vg_meta_verify_signature(SECRET, p.sig, p.body, p.len), -VG_EAUTH);
        free(p.body);
    }
}

/* ---- Facebook ----------------------------------------------------------- */

static void test_fb_add(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("fb_comment_add", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.skipped, 0);
    const vg_event_t *e = &r.ev[0];
    assert_int_equal(e->platform, VG_PLATFORM_FACEBOOK);
    assert_int_equal(e->verb, VG_VERB_ADD);
    assert_string_equal(e->page_id, "104000000000001");
    assert_string_equal(e->content_id, "122100000000000001_900000000000001");
    assert_string_equal(e->post_id, "104000000000001_122100000000000001");
    assert_string_equal(e->parent_id, "104000000000001_122100000000000001");
    assert_string_equal(e->author_id, "7000000000000001");
    assert_string_equal(e->text, "Ma che bella iniziativa, complimenti!");
    assert_int_equal(e->text_len, strlen("Ma che bella iniziativa, complimenti!"));
    assert_int_equal(e->created_time, 1767225603);
    assert_false(e->own);
    /* Everything lives in the arena, not in the (freed) JSON tree. */
    assert_true(vg_arena_used(r.arena) > 0);
    parsed_free(&r);
}

static void test_fb_reply(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("fb_reply", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].parent_id, "122100000000000001_900000000000001");
    assert_string_equal(r.ev[0].content_id, "122100000000000001_900000000000002");
    assert_string_equal(r.ev[0].author_id, "7000000000000002");
    parsed_free(&r);
}

static void test_fb_verbs(void **state)
{
    static const struct {
        const char *name;
        vg_verb_t verb;
        const char *text;
        int64_t time;
    } cases[] = {
        {"fb_edited", VG_VERB_EDITED, "Ma che bella iniziativa, complimenti a tutti!", 1767225690},
        {"fb_remove", VG_VERB_REMOVE, "", 1767225799},
        {"fb_hide", VG_VERB_HIDE, "Ma che bella iniziativa, complimenti a tutti!", 1767225899},
        {"fb_unhide", VG_VERB_UNHIDE, "Ma che bella iniziativa, complimenti a tutti!", 1767225999},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parsed_t r;
        parse_file(cases[i].name, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.n, 1);
        assert_int_equal(r.ev[0].verb, cases[i].verb);
        assert_string_equal(r.ev[0].text, cases[i].text);
        assert_int_equal(r.ev[0].text_len, strlen(cases[i].text));
        assert_int_equal(r.ev[0].created_time, cases[i].time);
        assert_string_equal(r.ev[0].content_id, "122100000000000001_900000000000001");
        parsed_free(&r);
    }
}

static void test_fb_batch(void **state)
{
    parsed_t r;
    static const char *const texts[] = {"primo", "secondo", "terzo", "quarto"};
    (void)state;

    parse_file("fb_batch", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.skipped, 0);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(r.ev[i].text, texts[i]);
    assert_string_equal(r.ev[0].page_id, "104000000000001");
    assert_string_equal(r.ev[1].page_id, "104000000000001");
    assert_string_equal(r.ev[2].page_id, "104000000000002");
    assert_string_equal(r.ev[3].page_id, "104000000000002");
    assert_int_equal(r.ev[3].verb, VG_VERB_EDITED);
    assert_string_equal(r.ev[2].author_id, "7000000000000013");
    parsed_free(&r);
}

static void test_fb_own_and_no_from(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("fb_own", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_true(r.ev[0].own);
    assert_string_equal(r.ev[0].author_id, "104000000000001");
    parsed_free(&r);

    parse_file("fb_no_from", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_null(r.ev[0].author_id);
    assert_false(r.ev[0].own);
    assert_string_equal(r.ev[0].text, "anonimo");
    parsed_free(&r);
}

static void test_fb_unicode(void **state)
{
    parsed_t r;
    /* "Perch\u00e8 no? \ud83d\ude00 citt\u00e0" decoded to UTF-8. */
    static const char want[] = "Perch\xc3\xa8 no? \xf0\x9f\x98\x80 citt\xc3\xa0";
    (void)state;

    parse_file("fb_unicode", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].text_len, strlen(want));
    assert_memory_equal(r.ev[0].text, want, strlen(want) + 1);
    parsed_free(&r);
}

static void test_fb_nul(void **state)
{
    parsed_t r;
    (void)state;

    /* "ciao\u0000nascosto": nothing after the NUL may be lost. */
    parse_file("fb_nul", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ev[0].text_len, 13);
    assert_memory_equal(r.ev[0].text, "ciao\0nascosto", 14);
    parsed_free(&r);
}

static void test_fb_numeric_ids(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("fb_numeric_ids", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].page_id, "104000000000001");
    assert_string_equal(r.ev[0].author_id, "7000000000000001");
    assert_int_equal(r.ev[0].created_time, 1767225603);
    parsed_free(&r);
}

static void test_fb_mixed(void **state)
{
    parsed_t r;
    (void)state;

    /* A reaction, a comment without comment_id, a valid comment, a comment
     * whose message is a number, a mention: one event, four skipped. */
    parse_file("fb_mixed", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.skipped, 4);
    assert_string_equal(r.ev[0].content_id, "122100000000000001_900000000000007");
    assert_string_equal(r.ev[0].text, "valido");
    parsed_free(&r);
}

static void test_malformed_logged_without_content(void **state)
{
    parsed_t r;
    char line[2048];
    FILE *f = tmpfile();
    size_t n;
    (void)state;

    assert_non_null(f);
    vg_log_set_fd(fileno(f));
    vg_log_setup(VG_LOG_DEBUG, false);
    parse_file("fb_mixed", &r);
    vg_log_setup(VG_LOG_ERROR, false);
    vg_log_set_fd(2);
    assert_int_equal(r.rc, 0);
    parsed_free(&r);

    rewind(f);
    n = fread(line, 1, sizeof(line) - 1, f);
    line[n] = '\0';
    fclose(f);
    assert_non_null(strstr(line, "msg=\"malformed changes skipped\" platform=facebook count=2 "
                                 "first=\"entry[0].changes[1].value.comment_id: missing\""));
    assert_non_null(strstr(line, "path=entry[0].changes[3].value"));
    /* Neither the texts nor the author ids of the delivery. */
    assert_null(strstr(line, "senza id"));
    assert_null(strstr(line, "valido"));
    assert_null(strstr(line, "7000000000000001"));
    assert_null(strstr(line, "Jane"));
}

static void test_messenger_skipped(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("messenger", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 0);
    assert_null(r.ev);
    assert_int_equal(r.skipped, 1);
    parsed_free(&r);
}

/* ---- Instagram ---------------------------------------------------------- */

static void test_ig(void **state)
{
    parsed_t r;
    (void)state;

    parse_file("ig_comment", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    const vg_event_t *e = &r.ev[0];
    assert_int_equal(e->platform, VG_PLATFORM_INSTAGRAM);
    assert_int_equal(e->verb, VG_VERB_ADD);
    assert_string_equal(e->page_id, "17841400000000001");
    assert_string_equal(e->content_id, "18000000000000001");
    assert_string_equal(e->post_id, "17900000000000001");
    assert_null(e->parent_id);
    assert_string_equal(e->author_id, "1300000000000001");
    assert_string_equal(e->text, "@brand scam link here");
    assert_int_equal(e->created_time, 0);
    assert_false(e->own);
    parsed_free(&r);

    parse_file("ig_reply", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].parent_id, "18000000000000001");
    assert_string_equal(r.ev[0].content_id, "18000000000000002");
    parsed_free(&r);

    parse_file("ig_login", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].content_id, "18000000000000003");
    assert_string_equal(r.ev[0].text, "forma Instagram Login");
    assert_string_equal(r.ev[0].post_id, "17900000000000002");
    parsed_free(&r);

    parse_file("ig_pretty", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ev[0].content_id, "18000000000000004");
    assert_string_equal(r.ev[0].text, "con gli spazi \xc3\xa8 diverso");
    assert_string_equal(r.ev[0].author_id, "1300000000000004");
    parsed_free(&r);
}

/* ---- envelopes, limits -------------------------------------------------- */

static int parse_str(const char *json, vg_err_t *err, size_t *n, size_t *skipped)
{
    vg_arena_t *a = vg_arena_new(1024, 1 << 20);
    vg_event_t *ev = (vg_event_t *)(uintptr_t)1; /* must be reset */
    int rc;

    vg_err_clear(err);
    rc = vg_meta_parse(json, strlen(json), a, &ev, n, 100, skipped, err);
    if (rc != 0) {
        assert_null(ev);
        assert_int_equal(*n, 0);
    }
    vg_arena_free(a);
    return rc;
}

static void test_envelopes(void **state)
{
    vg_err_t err;
    size_t n, skipped;
    parsed_t r;
    (void)state;

    parse_file("malformed", &r);
    assert_int_equal(r.rc, -VG_EINVAL);
    assert_string_equal(r.err.msg, "not JSON: truncated at byte 103");
    assert_null(r.ev);
    parsed_free(&r);

    parse_file("wrong_object", &r);
    assert_int_equal(r.rc, -VG_EINVAL);
    assert_string_equal(r.err.msg, "object: not \"page\" or \"instagram\"");
    parsed_free(&r);

    assert_int_equal(parse_str("[]", &err, &n, &skipped), -VG_EINVAL);
    assert_string_equal(err.msg, "not a JSON object");
    assert_int_equal(parse_str("{\"entry\":[]}", &err, &n, &skipped), -VG_EINVAL);
    assert_string_equal(err.msg, "object: missing or not a string");
    assert_int_equal(parse_str("{\"object\":\"user\",\"entry\":[]}", &err, &n, &skipped),
                     -VG_EINVAL);
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":{}}", &err, &n, &skipped),
                     -VG_EINVAL);
    assert_string_equal(err.msg, "entry: missing or not an array");
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":[{\"id\":\"1\"},{\"time\":1}]}",
                               &err, &n, &skipped),
                     -VG_EINVAL);
    assert_string_equal(err.msg, "entry[1].id: missing");
    assert_int_equal(
        parse_str("{\"object\":\"page\",\"entry\":[{\"id\":\"../x\"}]}", &err, &n, &skipped),
        -VG_EINVAL);
    assert_string_equal(err.msg, "entry[0].id: not an id");
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":[7]}", &err, &n, &skipped),
                     -VG_EINVAL);
    assert_string_equal(err.msg, "entry[0]: not an object");
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"changes\":{}}]}",
                               &err, &n, &skipped),
                     -VG_EINVAL);
    assert_string_equal(err.msg, "entry[0].changes: not an array");
    /* Duplicate keys are refused: which message would a moderator see? */
    assert_int_equal(
        parse_str("{\"object\":\"page\",\"object\":\"page\",\"entry\":[]}", &err, &n, &skipped),
        -VG_EINVAL);
    assert_string_equal(err.msg, "not JSON: duplicate key at byte 25");
    /* The message never quotes the input. */
    assert_int_equal(
        parse_str("{\"object\":\"page\",\"entry\":[secret-text-here]}", &err, &n, &skipped),
        -VG_EINVAL);
    assert_null(strstr(err.msg, "secret"));

    /* Valid envelopes with nothing to do. */
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":[]}", &err, &n, &skipped), 0);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 0);
    assert_int_equal(
        parse_str("{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"changes\":[1,{\"field\":"
                  "\"feed\"},{\"field\":\"feed\",\"value\":{\"item\":\"comment\"}},{\"field\":"
                  "\"feed\",\"value\":{\"item\":\"comment\",\"verb\":\"add\",\"comment_id\":"
                  "\"a/b\"}}]}]}",
                  &err, &n, &skipped),
        0);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 4);
    /* Instagram changes in a page delivery are not comments of a Page. */
    assert_int_equal(parse_str("{\"object\":\"page\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
                               "\"field\":\"comments\",\"value\":{\"id\":\"5\"}}]}]}",
                               &err, &n, &skipped),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 1);
}

static void test_limits(void **state)
{
    payload_t p;
    vg_arena_t *a;
    vg_event_t *ev;
    size_t n, skipped;
    vg_err_t err;
    (void)state;

    load_payload("fb_batch", &p);
    a = vg_arena_new(1024, 1 << 20);
    assert_int_equal(vg_meta_parse(p.body, p.len, a, &ev, &n, 3, &skipped, &err), -VG_ELIMIT);
    assert_string_equal(err.msg, "more than 3 events in one delivery");
    assert_null(ev);
    assert_int_equal(n, 0);
    vg_arena_reset(a);
    assert_int_equal(vg_meta_parse(p.body, p.len, a, &ev, &n, 4, &skipped, &err), 0);
    assert_int_equal(n, 4);
    vg_arena_free(a);

    /* An arena too small for the strings. */
    a = vg_arena_new(256, 512);
    assert_int_equal(vg_meta_parse(p.body, p.len, a, &ev, &n, 100, &skipped, &err), -VG_ELIMIT);
    assert_null(ev);
    vg_arena_free(a);

    /* Every prefix of a valid delivery fails cleanly (no crash, no leak). */
    a = vg_arena_new(1024, 1 << 20);
    for (size_t len = 0; len < p.len; len++) {
        vg_arena_reset(a);
        assert_int_equal(vg_meta_parse(p.body, len, a, &ev, &n, 100, NULL, NULL), -VG_EINVAL);
    }
    vg_arena_free(a);
    free(p.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_signature_files),
        cmocka_unit_test(test_fb_add),
        cmocka_unit_test(test_fb_reply),
        cmocka_unit_test(test_fb_verbs),
        cmocka_unit_test(test_fb_batch),
        cmocka_unit_test(test_fb_own_and_no_from),
        cmocka_unit_test(test_fb_unicode),
        cmocka_unit_test(test_fb_nul),
        cmocka_unit_test(test_fb_numeric_ids),
        cmocka_unit_test(test_fb_mixed),
        cmocka_unit_test(test_malformed_logged_without_content),
        cmocka_unit_test(test_messenger_skipped),
        cmocka_unit_test(test_ig),
        cmocka_unit_test(test_envelopes),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
