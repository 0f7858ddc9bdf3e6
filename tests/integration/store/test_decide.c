/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store integration tests, the decide script, each against its own
 * redis-server: the Facebook and Instagram ladders, severe categories,
 * personal data, redeliveries, edits, human overrides, shadow mode, the
 * strike window, NOSCRIPT recovery, concurrency, Redis going away, and a
 * sweep of everything stored for raw author ids and texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_store.h"

#define KEY      "test-author-key"
#define WARNING  "Il tuo commento viola la netiquette della pagina"
#define NOTICE   "Abbiamo rimosso dati personali dal tuo commento"
#define TEXT_BAD "testo offensivo numero"
#define DAY_MS   86400000LL

static char tenant_name[] = "demo";
static vg_tenant_conf_t tenant;

typedef struct result {
    int n;
    const char *err;
    bool have;
    vg_decide_res_t res;
} result_t;

static void reset_tenant(void)
{
    memset(&tenant, 0, sizeof(tenant));
    tenant.name = tenant_name;
    tenant.window_days = 90;
    tenant.warnings = 1;
    tenant.meta.facebook_warning = VG_WARN_PRIVATE;
    tenant.meta.instagram_warning = VG_WARN_PUBLIC;
}

static int setup(void **state)
{
    reset_tenant();
    return itest_setup(state);
}

static vg_verdict_t ladder(void)
{
    vg_verdict_t v = {.verdict = VG_VERDICT_ACT, .content = VG_CONTENT_HIDE, .strike = true};
    v.found = v.acting = VG_CATSET(VG_CAT_INSULT);
    v.primary = VG_CAT_INSULT;
    v.score = 10;
    return v;
}

static vg_verdict_t threat(void)
{
    vg_verdict_t v = {
        .verdict = VG_VERDICT_ACT, .content = VG_CONTENT_HIDE, .block = true, .review = true};
    v.found = v.acting = VG_CATSET(VG_CAT_THREAT);
    v.primary = VG_CAT_THREAT;
    v.score = 20;
    return v;
}

static vg_verdict_t pii(bool notice)
{
    vg_verdict_t v = {.verdict = VG_VERDICT_ACT, .content = VG_CONTENT_DELETE, .notice = notice};
    v.found = v.acting = VG_CATSET(VG_CAT_PII_PHONE);
    v.primary = VG_CAT_PII_PHONE;
    v.score = 10;
    return v;
}

static vg_verdict_t clean(void)
{
    vg_verdict_t v = {.verdict = VG_VERDICT_ALLOW};
    return v;
}

static void on_decide(const char *err, const vg_decide_res_t *res, void *arg)
{
    result_t *r = arg;
    r->n++;
    r->err = err;
    r->have = res != NULL;
    if (res != NULL)
        r->res = *res;
}

typedef struct event_spec {
    vg_platform_t platform;
    vg_verb_t verb;
    const char *content;
    const char *author;
    const char *text;
    bool dry_run;
} event_spec_t;

static void fill_req(vg_decide_req_t *req, vg_event_t *ev, const event_spec_t *e,
                     const vg_verdict_t *v)
{
    memset(ev, 0, sizeof(*ev));
    memset(req, 0, sizeof(*req));
    ev->platform = e->platform;
    ev->verb = e->verb;
    ev->page_id = "page-1";
    ev->content_id = e->content;
    ev->post_id = "post-1";
    ev->author_id = e->author;
    ev->text = e->text != NULL ? e->text : TEXT_BAD;
    ev->text_len = strlen(ev->text);
    ev->created_time = 1700000000;
    req->tenant = &tenant;
    req->event = ev;
    req->verdict = v;
    req->warning = WARNING;
    req->notice = NOTICE;
    req->author_key = KEY;
    req->shards = 4;
    req->dry_run = e->dry_run;
}

/* Runs one decision to completion. */
static vg_decide_res_t decide_ex(itest_t *t, const event_spec_t *e, const vg_verdict_t *v)
{
    vg_decide_req_t req;
    vg_event_t ev;
    result_t r = {0};

    fill_req(&req, &ev, e, v);
    vg_store_decide(t->st, &req, on_decide, &r);
    assert_int_equal(r.n, 0);
    itest_spin(t, &r.n, 1, 3000);
    assert_int_equal(r.n, 1);
    if (r.err != NULL)
        fail_msg("decide failed: %s", r.err);
    assert_true(r.have);
    return r.res;
}

static vg_decide_res_t fb(itest_t *t, const char *content, const char *author, vg_verdict_t v)
{
    event_spec_t e = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, content, author, NULL, false};
    return decide_ex(t, &e, &v);
}

static vg_decide_res_t ig(itest_t *t, const char *content, const char *author, vg_verdict_t v)
{
    event_spec_t e = {VG_PLATFORM_INSTAGRAM, VG_VERB_ADD, content, author, NULL, false};
    return decide_ex(t, &e, &v);
}

static void tag_of(vg_platform_t p, const char *author, char *tag, char *pseudo)
{
    char h[VG_AUTHOR_HASH_LEN + 1];
    vg_store_author_hash(KEY, "demo", p, author, h);
    vg_store_tag("demo", h, 4, tag, 80);
    if (pseudo != NULL)
        memcpy(pseudo, h, sizeof(h));
}

static long long total_xlen(itest_t *t)
{
    redisReply *keys = itest_cmd(t, "KEYS vg:*:q");
    long long n = 0;
    for (size_t i = 0; i < keys->elements; i++)
        n += itest_int(t, "XLEN %s", keys->element[i]->str);
    freeReplyObject(keys);
    return n;
}

/* Copies field @p f of the newest entry of stream @p key into @p out ("" if absent). */
static bool last_entry_field(itest_t *t, const char *key, const char *f, char *out, size_t cap)
{
    redisReply *r = itest_cmd(t, "XREVRANGE %s + - COUNT 1", key);
    bool found = false;
    out[0] = '\0';
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
        redisReply *fields = r->element[0]->element[1];
        for (size_t i = 0; i + 1 < fields->elements; i += 2) {
            if (strcmp(fields->element[i]->str, f) == 0) {
                snprintf(out, cap, "%s", fields->element[i + 1]->str);
                found = true;
            }
        }
    }
    freeReplyObject(r);
    return found;
}

static bool hget(itest_t *t, const char *key, const char *f, char *out, size_t cap)
{
    redisReply *r = itest_cmd(t, "HGET %s %s", key, f);
    bool ok = r->type == REDIS_REPLY_STRING;
    out[0] = '\0';
    if (ok)
        snprintf(out, cap, "%s", r->str);
    freeReplyObject(r);
    return ok;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_facebook_ladder(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r1, r2, r3;
    char tag[80], pseudo[40], key[200], v[256];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000001", tag, pseudo);
    snprintf(key, sizeof(key), "vg:%s:q", tag);

    r1 = fb(t, "c1", "100000000000001", ladder());
    assert_int_equal(r1.status, VG_DECIDE_NEW);
    assert_string_equal(r1.actions, "hide,warn");
    assert_int_equal(r1.strikes, 1);
    assert_int_equal(strlen(r1.decision_id), VG_DECISION_ID_LEN);
    assert_int_equal(itest_int(t, "XLEN %s", key), 1);
    assert_true(last_entry_field(t, key, "acts", v, sizeof(v)));
    assert_string_equal(v, "hide,warn");
    assert_true(last_entry_field(t, key, "d", v, sizeof(v)));
    assert_string_equal(v, r1.decision_id);
    assert_true(last_entry_field(t, key, "tn", v, sizeof(v)));
    assert_string_equal(v, "demo");
    assert_true(last_entry_field(t, key, "p", v, sizeof(v)));
    assert_string_equal(v, "facebook");
    assert_true(last_entry_field(t, key, "pg", v, sizeof(v)));
    assert_string_equal(v, "page-1");
    assert_true(last_entry_field(t, key, "c", v, sizeof(v)));
    assert_string_equal(v, "c1");
    assert_true(last_entry_field(t, key, "wc", v, sizeof(v)));
    assert_string_equal(v, "private");
    assert_true(last_entry_field(t, key, "w", v, sizeof(v)));
    assert_string_equal(v, WARNING);
    assert_true(last_entry_field(t, key, "dry", v, sizeof(v)));
    assert_string_equal(v, "0");
    assert_false(last_entry_field(t, key, "a", v, sizeof(v))); /* no block: no raw id */
    assert_false(last_entry_field(t, key, "n", v, sizeof(v)));

    /* The record. */
    snprintf(key, sizeof(key), "vg:%s:d:%s", tag, r1.decision_id);
    assert_true(hget(t, key, "status", v, sizeof(v)));
    assert_string_equal(v, "new");
    assert_true(hget(t, key, "actions", v, sizeof(v)));
    assert_string_equal(v, "hide,warn");
    assert_true(hget(t, key, "strikes", v, sizeof(v)));
    assert_string_equal(v, "1");
    assert_true(hget(t, key, "verdict", v, sizeof(v)));
    assert_string_equal(v, "act");
    assert_true(hget(t, key, "acting", v, sizeof(v)));
    assert_string_equal(v, "insult");
    assert_true(hget(t, key, "author", v, sizeof(v)));
    assert_string_equal(v, pseudo);
    assert_true(hget(t, key, "content", v, sizeof(v)));
    assert_string_equal(v, "c1");
    assert_true(hget(t, key, "dry_run", v, sizeof(v)));
    assert_string_equal(v, "0");
    /* TTLs: record retention, dedupe marker, strikes for the window. */
    assert_in_range(itest_int(t, "TTL %s", key), 86390, 86400);
    snprintf(key, sizeof(key), "vg:%s:dd:%s", tag, r1.decision_id);
    assert_in_range(itest_int(t, "TTL %s", key), 3590, 3600);
    snprintf(key, sizeof(key), "vg:%s:a:%s:s", tag, pseudo);
    assert_in_range(itest_int(t, "PTTL %s", key), 90 * DAY_MS - 10000, 90 * DAY_MS);
    snprintf(key, sizeof(key), "vg:%s:c:facebook:c1", tag);
    assert_in_range(itest_int(t, "TTL %s", key), 86390, 86400);

    /* Second violation, another comment: block. */
    r2 = fb(t, "c2", "100000000000001", ladder());
    assert_int_equal(r2.status, VG_DECIDE_NEW);
    assert_string_equal(r2.actions, "hide,block");
    assert_int_equal(r2.strikes, 2);
    snprintf(key, sizeof(key), "vg:%s:q", tag);
    assert_int_equal(itest_int(t, "XLEN %s", key), 2);
    assert_true(last_entry_field(t, key, "a", v, sizeof(v)));
    assert_string_equal(v, "100000000000001");
    assert_false(last_entry_field(t, key, "w", v, sizeof(v)));
    snprintf(key, sizeof(key), "vg:%s:a:%s", tag, pseudo);
    assert_true(hget(t, key, "block_decision", v, sizeof(v)));
    assert_string_equal(v, r2.decision_id);

    /* Third: already blocked, no second block, no warning. */
    r3 = fb(t, "c3", "100000000000001", ladder());
    assert_string_equal(r3.actions, "hide");
    assert_int_equal(r3.strikes, 3);
    assert_int_equal(total_xlen(t), 3);
    snprintf(key, sizeof(key), "vg:%s:a:%s:d", tag, pseudo);
    assert_int_equal(itest_int(t, "ZCARD %s", key), 3);
}

static void test_two_warnings_before_block(void **state)
{
    itest_t *t = *state;

    ITEST_SKIP_WITHOUT_REDIS(t);
    tenant.warnings = 2;
    itest_start_store(t);
    assert_string_equal(fb(t, "w1", "200", ladder()).actions, "hide,warn");
    assert_string_equal(fb(t, "w2", "200", ladder()).actions, "hide,warn");
    assert_string_equal(fb(t, "w3", "200", ladder()).actions, "hide,block");
}

static void test_threat_blocks_at_once(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    char tag[80], key[200];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    r = fb(t, "t1", "100000000000002", threat());
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "hide,block");
    assert_int_equal(r.strikes, 1);
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000002", tag, NULL);
    snprintf(key, sizeof(key), "vg:%s:r", tag);
    assert_int_equal(itest_int(t, "ZCARD %s", key), 1);
    redisReply *s = itest_cmd(t, "ZSCORE %s %s", key, r.decision_id);
    assert_int_equal(s->type, REDIS_REPLY_STRING);
    freeReplyObject(s);
    /* A threat without an author id: nobody to block, no warning after a threat. */
    event_spec_t e = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, "t2", NULL, NULL, false};
    vg_verdict_t v = threat();
    r = decide_ex(t, &e, &v);
    assert_string_equal(r.actions, "hide");
    assert_int_equal(r.strikes, 0);
}

static void test_personal_data(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    char tag[80], key[200], v[256];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    r = fb(t, "p1", "100000000000003", pii(false));
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "delete");
    assert_int_equal(r.strikes, 0);
    r = fb(t, "p2", "100000000000003", pii(true));
    assert_string_equal(r.actions, "notice,delete");
    assert_int_equal(r.strikes, 0);
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000003", tag, NULL);
    snprintf(key, sizeof(key), "vg:%s:q", tag);
    assert_true(last_entry_field(t, key, "n", v, sizeof(v)));
    assert_string_equal(v, NOTICE);
    assert_false(last_entry_field(t, key, "w", v, sizeof(v)));
    assert_false(last_entry_field(t, key, "a", v, sizeof(v)));
    /* Personal data is no strike: a first insult after it is still a warning. */
    assert_string_equal(fb(t, "p3", "100000000000003", ladder()).actions, "hide,warn");
}

static void test_duplicate(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r1, r2;

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    r1 = fb(t, "d1", "100000000000004", ladder());
    assert_string_equal(r1.actions, "hide,warn");
    r2 = fb(t, "d1", "100000000000004", ladder());
    assert_int_equal(r2.status, VG_DECIDE_DUPLICATE);
    assert_string_equal(r2.decision_id, r1.decision_id);
    assert_string_equal(r2.actions, "hide,warn");
    assert_int_equal(r2.strikes, 1);
    assert_int_equal(total_xlen(t), 1);
}

static void test_edit_of_struck_content(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    vg_verdict_t v = ladder();
    event_spec_t e = {VG_PLATFORM_FACEBOOK,       VG_VERB_EDITED, "e1", "100000000000005",
                      "un altro testo offensivo", false};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    assert_string_equal(fb(t, "e1", "100000000000005", ladder()).actions, "hide,warn");
    r = decide_ex(t, &e, &v);
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "hide");
    assert_int_equal(r.strikes, 1);
    assert_int_equal(total_xlen(t), 2);
    /* The same edit delivered twice. */
    r = decide_ex(t, &e, &v);
    assert_int_equal(r.status, VG_DECIDE_DUPLICATE);
    assert_int_equal(total_xlen(t), 2);
}

static void test_unhide_pins(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    vg_verdict_t v = ladder();
    event_spec_t unhide = {
        VG_PLATFORM_FACEBOOK, VG_VERB_UNHIDE, "u1", "100000000000006", "", false};
    event_spec_t edit = {VG_PLATFORM_FACEBOOK, VG_VERB_EDITED,     "u1",
                         "100000000000006",    "ancora offensivo", false};
    event_spec_t remove = {
        VG_PLATFORM_FACEBOOK, VG_VERB_REMOVE, "u2", "100000000000006", "", false};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    assert_string_equal(fb(t, "u1", "100000000000006", ladder()).actions, "hide,warn");
    r = decide_ex(t, &unhide, NULL);
    assert_int_equal(r.status, VG_DECIDE_PINNED);
    assert_string_equal(r.actions, "");
    assert_int_equal(r.strikes, 1);
    r = decide_ex(t, &edit, &v);
    assert_int_equal(r.status, VG_DECIDE_PINNED);
    assert_string_equal(r.actions, "");
    assert_int_equal(r.strikes, 1);
    assert_int_equal(total_xlen(t), 1);
    /* Removed content is recorded, never acted on. */
    r = decide_ex(t, &remove, NULL);
    assert_int_equal(r.status, VG_DECIDE_RECORDED);
    r = fb(t, "u2", "100000000000006", ladder());
    assert_int_equal(r.status, VG_DECIDE_RECORDED);
    assert_string_equal(r.actions, "");
    assert_int_equal(total_xlen(t), 1);
}

static void test_instagram(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    char tag[80], pseudo[40], key[200], v[256];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    tag_of(VG_PLATFORM_INSTAGRAM, "178414000000001", tag, pseudo);
    snprintf(key, sizeof(key), "vg:%s:q", tag);
    r = ig(t, "i1", "178414000000001", ladder());
    assert_string_equal(r.actions, "warn,hide");
    assert_int_equal(r.strikes, 1);
    assert_true(last_entry_field(t, key, "wc", v, sizeof(v)));
    assert_string_equal(v, "public");
    assert_true(last_entry_field(t, key, "p", v, sizeof(v)));
    assert_string_equal(v, "instagram");
    /* Second: the author is marked blocked, but Instagram has no block action. */
    r = ig(t, "i2", "178414000000001", ladder());
    assert_string_equal(r.actions, "hide");
    assert_int_equal(r.strikes, 2);
    assert_false(last_entry_field(t, key, "a", v, sizeof(v)));
    snprintf(key, sizeof(key), "vg:%s:a:%s", tag, pseudo);
    assert_true(hget(t, key, "blocked", v, sizeof(v)));
    /* A clean comment of a blocked Instagram author is hidden. */
    r = ig(t, "i3", "178414000000001", clean());
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "hide");
    assert_int_equal(r.strikes, 2);
    /* Another author's clean comment is not. */
    r = ig(t, "i4", "178414000000002", clean());
    assert_string_equal(r.actions, "");
    assert_int_equal(total_xlen(t), 3);
}

static void test_shadow(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    vg_verdict_t v = ladder();
    char tag[80], pseudo[40], key[200], val[256];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    v.shadow = true;
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000007", tag, pseudo);
    r = fb(t, "s1", "100000000000007", v);
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "");
    assert_int_equal(r.strikes, 0);
    assert_int_equal(total_xlen(t), 0);
    snprintf(key, sizeof(key), "vg:%s:d:%s", tag, r.decision_id);
    assert_true(hget(t, key, "status", val, sizeof(val)));
    assert_string_equal(val, "shadow");
    assert_true(hget(t, key, "planned", val, sizeof(val)));
    assert_string_equal(val, "hide,warn");
    snprintf(key, sizeof(key), "vg:%s:a:%s:s", tag, pseudo);
    assert_int_equal(itest_int(t, "EXISTS %s", key), 0);
    snprintf(key, sizeof(key), "vg:%s:c:facebook:s1", tag);
    assert_int_equal(itest_int(t, "EXISTS %s", key), 0);
    /* The ladder did not move: the next real violation is a first one. */
    assert_string_equal(fb(t, "s2", "100000000000007", ladder()).actions, "hide,warn");
}

static void test_strike_window(void **state)
{
    itest_t *t = *state;
    int64_t now = vg_now_ms();
    vg_decide_res_t r;
    char tag[80], pseudo[40], key[200];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    vg_store_set_now_ms(t->st, now);
    assert_string_equal(fb(t, "x1", "100000000000008", ladder()).actions, "hide,warn");
    assert_string_equal(fb(t, "y1", "100000000000009", ladder()).actions, "hide,warn");
    /* 89 days later the first strike still counts... */
    vg_store_set_now_ms(t->st, now + 89 * DAY_MS);
    r = fb(t, "y2", "100000000000009", ladder());
    assert_string_equal(r.actions, "hide,block");
    assert_int_equal(r.strikes, 2);
    /* ...91 days later it has left the window: a warning again. */
    vg_store_set_now_ms(t->st, now + 91 * DAY_MS);
    r = fb(t, "x2", "100000000000008", ladder());
    assert_string_equal(r.actions, "hide,warn");
    assert_int_equal(r.strikes, 1);
    /* The author's decision list drops entries past the retention (1 day here). */
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000008", tag, pseudo);
    snprintf(key, sizeof(key), "vg:%s:a:%s:d", tag, pseudo);
    assert_int_equal(itest_int(t, "ZCARD %s", key), 1);
    vg_store_set_now_ms(t->st, 0);
}

static void test_noscript_recovery(void **state)
{
    itest_t *t = *state;
    vg_decide_res_t r;
    redisReply *x;

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    x = itest_cmd(t, "SCRIPT FLUSH");
    freeReplyObject(x);
    r = fb(t, "n1", "100000000000010", ladder());
    assert_int_equal(r.status, VG_DECIDE_NEW);
    assert_string_equal(r.actions, "hide,warn");
    x = itest_cmd(t, "SCRIPT EXISTS %s", t->st->script_sha);
    assert_int_equal(x->type, REDIS_REPLY_ARRAY);
    assert_int_equal(x->element[0]->integer, 1);
    freeReplyObject(x);
    r = fb(t, "n2", "100000000000010", ladder());
    assert_string_equal(r.actions, "hide,block");
}

static void test_dry_run(void **state)
{
    itest_t *t = *state;
    vg_verdict_t v = ladder();
    event_spec_t e = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, "dr1", "100000000000011", NULL, true};
    vg_decide_res_t r;
    char tag[80], key[200], val[64];

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    r = decide_ex(t, &e, &v);
    assert_string_equal(r.actions, "hide,warn");
    tag_of(VG_PLATFORM_FACEBOOK, "100000000000011", tag, NULL);
    snprintf(key, sizeof(key), "vg:%s:q", tag);
    assert_true(last_entry_field(t, key, "dry", val, sizeof(val)));
    assert_string_equal(val, "1");
    snprintf(key, sizeof(key), "vg:%s:d:%s", tag, r.decision_id);
    assert_true(hget(t, key, "dry_run", val, sizeof(val)));
    assert_string_equal(val, "1");
}

static void test_concurrent_same_author(void **state)
{
    itest_t *t = *state;
    enum { N = 20 };
    result_t res[N];
    vg_decide_req_t req[N];
    vg_event_t ev[N];
    char content[N][16];
    vg_verdict_t v = ladder();
    int warns = 0, blocks = 0, done = 0;

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    memset(res, 0, sizeof(res));
    for (int i = 0; i < N; i++) {
        event_spec_t e = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, content[i],
                          "100000000000012",    NULL,        false};
        snprintf(content[i], sizeof(content[i]), "cc%d", i);
        fill_req(&req[i], &ev[i], &e, &v);
        vg_store_decide(t->st, &req[i], on_decide, &res[i]);
    }
    for (int i = 0; i < N; i++) {
        itest_spin(t, &res[i].n, 1, 3000);
        assert_null(res[i].err);
        done += res[i].n;
        warns += strstr(res[i].res.actions, "warn") != NULL;
        blocks += strstr(res[i].res.actions, "block") != NULL;
    }
    assert_int_equal(done, N);
    assert_int_equal(warns, 1);
    assert_int_equal(blocks, 1);
}

static void test_redis_down(void **state)
{
    itest_t *t = *state;
    vg_decide_req_t req;
    vg_event_t ev;
    vg_verdict_t v = ladder();
    event_spec_t e = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, "r1", "100000000000013", NULL, false};
    result_t r = {0};
    uint64_t took;

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    redisFree(t->sync);
    t->sync = NULL;
    vg_test_redis_stop(&t->redis);
    fill_req(&req, &ev, &e, &v);
    vg_store_decide(t->st, &req, on_decide, &r);
    took = itest_spin(t, &r.n, 1, 3000);
    assert_int_equal(r.n, 1);
    assert_ptr_equal(r.err, vg_store_err_unavailable);
    assert_false(r.have);
    assert_true(took < 1000);
    assert_false(vg_store_ready(t->st));
    assert_int_equal(vg_test_redis_restart(&t->redis), 0);
    assert_true(itest_wait_ready(t, 3000));
    itest_sync_connect(t);
    /* A fresh Redis has an empty script cache: loaded again on connect. */
    assert_string_equal(fb(t, "r1", "100000000000013", ladder()).actions, "hide,warn");
}

/* Every string Redis holds, keys and values, for the personal data sweep. */
static void collect(itest_t *t, vg_buf_t *all, vg_buf_t *names)
{
    redisReply *keys = itest_cmd(t, "KEYS *");
    for (size_t i = 0; i < keys->elements; i++) {
        const char *k = keys->element[i]->str;
        redisReply *type = itest_cmd(t, "TYPE %s", k), *r = NULL;
        vg_buf_printf(names, "%s\n", k);
        if (strcmp(type->str, "hash") == 0)
            r = itest_cmd(t, "HGETALL %s", k);
        else if (strcmp(type->str, "zset") == 0)
            r = itest_cmd(t, "ZRANGE %s 0 -1", k);
        else if (strcmp(type->str, "string") == 0)
            r = itest_cmd(t, "GET %s", k);
        else if (strcmp(type->str, "stream") == 0)
            r = itest_cmd(t, "XRANGE %s - +", k);
        if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
            for (size_t j = 0; j < r->elements; j++) {
                redisReply *e = r->element[j];
                if (e->type == REDIS_REPLY_STRING) {
                    vg_buf_printf(all, "%s\n", e->str);
                } else if (e->type == REDIS_REPLY_ARRAY && e->elements == 2) {
                    /* A stream entry: the raw author id only beside a block. */
                    redisReply *f = e->element[1];
                    bool has_a = false, has_block = false;
                    for (size_t x = 0; x + 1 < f->elements; x += 2) {
                        has_a |= strcmp(f->element[x]->str, "a") == 0;
                        has_block |= strcmp(f->element[x]->str, "acts") == 0 &&
                                     strstr(f->element[x + 1]->str, "block") != NULL;
                        if (strcmp(f->element[x]->str, "a") != 0)
                            vg_buf_printf(all, "%s\n", f->element[x + 1]->str);
                    }
                    assert_true(has_a == has_block);
                }
            }
        } else if (r != NULL && r->type == REDIS_REPLY_STRING) {
            vg_buf_printf(all, "%s\n", r->str);
        }
        if (r != NULL)
            freeReplyObject(r);
        freeReplyObject(type);
    }
    freeReplyObject(keys);
}

static void test_no_personal_data_stored(void **state)
{
    itest_t *t = *state;
    vg_buf_t all, names;
    vg_verdict_t v = ladder();
    static const char *const authors[] = {"555000111", "555000222", "555000333"};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    for (int i = 0; i < 3; i++) {
        char c[16];
        snprintf(c, sizeof(c), "fb%d", i);
        fb(t, c, authors[0], ladder());
        snprintf(c, sizeof(c), "ig%d", i);
        ig(t, c, authors[1], ladder());
    }
    fb(t, "pii1", authors[2], pii(true));
    fb(t, "th1", authors[2], threat());
    event_spec_t anon = {VG_PLATFORM_FACEBOOK, VG_VERB_ADD, "anon1", NULL, NULL, false};
    /* Without an author id: a warning by reply to the comment, no strike to count. */
    vg_decide_res_t ra = decide_ex(t, &anon, &v);
    assert_string_equal(ra.actions, "hide,warn");
    assert_int_equal(ra.strikes, 0);
    vg_buf_init(&all, 0);
    vg_buf_init(&names, 0);
    collect(t, &all, &names);
    assert_true(names.len > 0);
    for (int i = 0; i < 3; i++) {
        assert_null(strstr(names.data, authors[i]));
        assert_null(strstr(all.data, authors[i]));
    }
    assert_null(strstr(all.data, TEXT_BAD));
    assert_null(strstr(names.data, TEXT_BAD));
    /* The one block of the Facebook author did carry its id, in the "a" field only. */
    assert_int_equal(total_xlen(t), 9);
    vg_buf_cleanup(&all);
    vg_buf_cleanup(&names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_facebook_ladder, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_two_warnings_before_block, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_threat_blocks_at_once, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_personal_data, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_edit_of_struck_content, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_unhide_pins, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_instagram, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_shadow, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_strike_window, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_noscript_recovery, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_same_author, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_redis_down, setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_no_personal_data_stored, setup, itest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
