/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests of the dispatcher: entries written into the action
 * streams of a private Redis (exactly as decide.lua writes them) are
 * performed against the fake Graph API; the tests check the calls (method,
 * path, body, token, order) and the decision record's r.* results, the
 * retries, the dead letters and dry_run.
 */
#include "dispatch_fixture.h"

static void test_facebook_hide_then_warn(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    vg_test_graph_call_t c;

    fx_entry(f, 0, "d1", "facebook", "p1", "111_222", "hide,warn", "private", "0", id, sizeof(id),
             "w", WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d1", 5000);

    assert_int_equal(vg_test_graph_calls(f->graph), 2);
    c = fx_call(f, 0);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.path, "/111_222");
    assert_string_equal(c.body, "is_hidden=true");
    assert_string_equal(c.content_type, "application/x-www-form-urlencoded");
    assert_string_equal(c.access_token, TOKEN_DEFAULT);
    c = fx_call(f, 1);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.path, "/p1/messages");
    assert_string_equal(c.content_type, "application/json");
    assert_string_equal(c.body, "{\"recipient\":{\"comment_id\":\"111_222\"},\"message\":{\"text\":"
                                "\"" WARN_TEXT "\"}}");
    assert_string_equal(c.access_token, TOKEN_DEFAULT);

    assert_string_equal(fx_result(f, 0, "d1", "hide", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 0, "d1", "warn", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
    assert_int_equal(fx_int(f, "EXISTS vg:{demo:0}:dead"), 0);
    /* The record keeps its other fields and gets a TTL if it had none. */
    assert_string_equal(fx_hget(f, "vg:{demo:0}:d:d1", "verdict", v, sizeof(v)), "act");
    assert_true(fx_int(f, "TTL vg:{demo:0}:d:d1") > 0);
}

static void test_instagram_warn_before_hide(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    vg_test_graph_call_t c;

    fx_entry(f, 1, "d2", "instagram", "1784", "18000000000000002", "warn,hide", "public", "0", id,
             sizeof(id), "w", WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 1, "d2", 5000);

    assert_int_equal(vg_test_graph_calls(f->graph), 2);
    c = fx_call(f, 0);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.path, "/18000000000000002/replies");
    assert_string_equal(c.body,
                        "message=Avviso%3A%20il%20tuo%20commento%20viola%20la%20netiquette");
    c = fx_call(f, 1);
    assert_string_equal(c.path, "/18000000000000002");
    assert_string_equal(c.body, "hide=true");
    assert_string_equal(fx_result(f, 1, "d2", "warn", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 1, "d2", "hide", v, sizeof(v)), "ok");
    fx_assert_acked(f, 1);
}

static void test_delete_block_notice(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    vg_test_graph_call_t c;

    fx_entry(f, 0, "d3", "facebook", "p1", "111_333", "notice,delete,block", "public", "0", id,
             sizeof(id), "a", AUTHOR_ID, "n", NOTICE_TEXT, NULL);
    fx_entry(f, 1, "d4", "instagram", "1784", "18000000000000004", "hide,block", "public", "0", id,
             sizeof(id), "a", AUTHOR_ID, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d3", 5000);
    fx_wait_done(f, 1, "d4", 5000);

    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/111_333/comments"), 1);
    assert_int_equal(vg_test_graph_count(f->graph, "DELETE", "/111_333"), 1);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/p1/blocked"), 1);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/18000000000000004"), 1);
    assert_int_equal(vg_test_graph_calls(f->graph), 4);
    for (size_t i = 0; i < 4; i++) {
        c = fx_call(f, i);
        if (strcmp(c.path, "/p1/blocked") == 0)
            assert_string_equal(c.body, "user=" AUTHOR_ID);
        if (strcmp(c.path, "/111_333/comments") == 0)
            assert_string_equal(c.body, "message=Abbiamo%20rimosso%20dati%20personali");
        if (strcmp(c.method, "DELETE") == 0)
            assert_int_equal(c.body_len, 0);
    }
    assert_string_equal(fx_result(f, 0, "d3", "notice", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 0, "d3", "delete", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 0, "d3", "block", v, sizeof(v)), "ok");
    /* Instagram has no block API. */
    assert_string_equal(fx_result(f, 1, "d4", "block", v, sizeof(v)), "skipped:unsupported");
    assert_string_equal(fx_result(f, 1, "d4", "hide", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
    fx_assert_acked(f, 1);
}

static void test_dry_run(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    fx_entry(f, 0, "d5", "facebook", "p1", "111_555", "hide,warn,block", "private", "1", id,
             sizeof(id), "a", AUTHOR_ID, "w", WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d5", 5000);
    assert_string_equal(fx_result(f, 0, "d5", "hide", v, sizeof(v)), "dry_run");
    assert_string_equal(fx_result(f, 0, "d5", "warn", v, sizeof(v)), "dry_run");
    assert_string_equal(fx_result(f, 0, "d5", "block", v, sizeof(v)), "dry_run");
    fx_assert_acked(f, 0);
    assert_int_equal(fx_metric(f, "vaglio_actions_total{action=\"warn\",result=\"dry_run\"}"), 1);

    /* The tenant's dry_run, read when the entry runs (a reload applies at once). */
    f->cfg->tenants[0].dry_run = true;
    fx_entry(f, 1, "d6", "facebook", "p1", "111_666", "delete", "private", "0", id, sizeof(id),
             NULL);
    fx_wait_done(f, 1, "d6", 5000);
    assert_string_equal(fx_result(f, 1, "d6", "delete", v, sizeof(v)), "dry_run");
    assert_int_equal(vg_test_graph_calls(f->graph), 0);
}

static void test_retry_503_then_ok(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    vg_test_graph_call_t c0, c1, c2;

    vg_test_graph_fail(f->graph, "POST", "/111_777", 2, 503, VG_TEST_GRAPH_ERR_UNAVAILABLE, NULL);
    fx_entry(f, 0, "d7", "facebook", "p1", "111_777", "hide", "private", "0", id, sizeof(id), NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d7", 8000);

    assert_int_equal(vg_test_graph_calls(f->graph), 3);
    c0 = fx_call(f, 0);
    c1 = fx_call(f, 1);
    c2 = fx_call(f, 2);
    assert_int_equal(c0.status, 503);
    assert_int_equal(c1.status, 503);
    assert_int_equal(c2.status, 200);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/111_777"), 3);
    /* The first retry comes within a second. */
    assert_true(c1.at_ms - c0.at_ms < 1000);
    assert_string_equal(fx_result(f, 0, "d7", "hide", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
    /* Every attempt's outcome is counted. */
    assert_int_equal(fx_metric(f, "vaglio_actions_total{action=\"hide\",result=\"retry\"}"), 2);
    assert_int_equal(fx_metric(f, "vaglio_actions_total{action=\"hide\",result=\"ok\"}"), 1);
    assert_int_equal(fx_int(f, "EXISTS vg:{demo:0}:dead"), 0);
}

static void test_throttled_613_lands_once(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    vg_test_graph_fail(f->graph, NULL, "/p1/messages", 2, 400, VG_TEST_GRAPH_ERR_RATE_LIMIT, NULL);
    fx_entry(f, 0, "d8", "facebook", "p1", "111_888", "warn", "private", "0", id, sizeof(id), "w",
             WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d8", 8000);
    assert_int_equal(vg_test_graph_calls(f->graph), 3);
    assert_int_equal(fx_call(f, 0).status, 400);
    assert_int_equal(fx_call(f, 1).status, 400);
    assert_int_equal(fx_call(f, 2).status, 200);
    assert_string_equal(fx_result(f, 0, "d8", "warn", v, sizeof(v)), "ok");
    /* Nothing more afterwards. */
    fx_run(f, 400, NULL, NULL);
    assert_int_equal(vg_test_graph_calls(f->graph), 3);
}

static void test_429_retry_after(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    vg_test_graph_call_t c0, c1;

    vg_test_graph_fail(f->graph, "POST", "/p1/blocked", 1, 429, VG_TEST_GRAPH_ERR_TOO_MANY, "1");
    fx_entry(f, 0, "d9", "facebook", "p1", "111_999", "block", "private", "0", id, sizeof(id), "a",
             AUTHOR_ID, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "d9", 8000);
    assert_int_equal(vg_test_graph_calls(f->graph), 2);
    c0 = fx_call(f, 0);
    c1 = fx_call(f, 1);
    assert_int_equal(c0.status, 429);
    assert_int_equal(c1.status, 200);
    /* Retry-After: 1 is honoured (the plain backoff here would be <= 100 ms). */
    assert_true(c1.at_ms - c0.at_ms >= 950);
    assert_string_equal(fx_result(f, 0, "d9", "block", v, sizeof(v)), "ok");
}

static void test_permanent_failure_dead_letter(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[256];
    redisReply *r;
    bool found_d = false, found_a = false, found_results = false;

    vg_test_graph_fail(f->graph, "POST", "/111_aaa", 1, 400, VG_TEST_GRAPH_ERR_INVALID_PARAM, NULL);
    fx_entry(f, 0, "da", "facebook", "p1", "111_aaa", "hide,block", "private", "0", id, sizeof(id),
             "a", AUTHOR_ID, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "da", 5000);
    /* The failed hide is not retried; the block still runs. */
    fx_run(f, 500, NULL, NULL);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/111_aaa"), 1);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/p1/blocked"), 1);
    assert_string_equal(fx_result(f, 0, "da", "hide", v, sizeof(v)),
                        "failed:100:(#100) Invalid parameter");
    assert_string_equal(fx_result(f, 0, "da", "block", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);

    assert_int_equal(fx_int(f, "XLEN vg:{demo:0}:dead"), 1);
    r = fx_cmd(f, "XRANGE vg:{demo:0}:dead - +");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 1);
    {
        redisReply *fv = r->element[0]->element[1];
        for (size_t i = 0; i + 1 < fv->elements; i += 2) {
            const char *k = fv->element[i]->str;
            const char *val = fv->element[i + 1]->str;
            if (strcmp(k, "d") == 0 && strcmp(val, "da") == 0)
                found_d = true;
            if (strcmp(k, "a") == 0 && strcmp(val, AUTHOR_ID) == 0)
                found_a = true;
            if (strcmp(k, "dead_results") == 0 &&
                strcmp(val, "hide=failed:100:(#100) Invalid parameter,block=ok") == 0)
                found_results = true;
        }
    }
    freeReplyObject(r);
    assert_true(found_d);
    assert_true(found_a);
    assert_true(found_results);
}

static void test_exhausted(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    f->cfg->dispatch.max_attempts = 3;
    vg_test_graph_fail(f->graph, "DELETE", "/111_bbb", 100, 500, NULL, NULL);
    fx_entry(f, 0, "db", "facebook", "p1", "111_bbb", "delete", "private", "0", id, sizeof(id),
             NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "db", 8000);
    assert_int_equal(vg_test_graph_calls(f->graph), 3);
    assert_string_equal(fx_result(f, 0, "db", "delete", v, sizeof(v)), "failed:exhausted");
    assert_int_equal(fx_metric(f, "vaglio_actions_total{action=\"delete\",result=\"retry\"}"), 2);
    assert_int_equal(fx_metric(f, "vaglio_actions_total{action=\"delete\",result=\"failed\"}"), 1);
    assert_int_equal(fx_int(f, "XLEN vg:{demo:0}:dead"), 1);
}

static void test_gone_and_already(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    vg_test_graph_fail(f->graph, "POST", "/111_ccc", 1, 400, VG_TEST_GRAPH_ERR_GONE, NULL);
    fx_entry(f, 0, "dc", "facebook", "p1", "111_ccc", "hide,warn,block", "private", "0", id,
             sizeof(id), "a", AUTHOR_ID, "w", WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "dc", 5000);
    assert_string_equal(fx_result(f, 0, "dc", "hide", v, sizeof(v)), "skipped:gone");
    /* The warning needs the comment; the block does not. */
    assert_string_equal(fx_result(f, 0, "dc", "warn", v, sizeof(v)), "skipped:gone");
    assert_string_equal(fx_result(f, 0, "dc", "block", v, sizeof(v)), "ok");
    assert_int_equal(vg_test_graph_calls(f->graph), 2);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/p1/messages"), 0);
    assert_int_equal(fx_int(f, "EXISTS vg:{demo:0}:dead"), 0);

    /* A private reply already sent for this comment: done, not retried. */
    vg_test_graph_reset(f->graph);
    vg_test_graph_fail(f->graph, "POST", "/p1/messages", 1, 400, VG_TEST_GRAPH_ERR_ALREADY_REPLIED,
                       NULL);
    fx_entry(f, 1, "dd", "facebook", "p1", "111_ddd", "warn", "private", "0", id, sizeof(id), "w",
             WARN_TEXT, NULL);
    fx_wait_done(f, 1, "dd", 5000);
    assert_string_equal(fx_result(f, 1, "dd", "warn", v, sizeof(v)), "skipped:already");
    assert_int_equal(vg_test_graph_calls(f->graph), 1);
}

static void test_page_token_routing(void **state)
{
    fx_t *f = *state;
    char id[64];
    vg_test_graph_call_t c;

    fx_entry(f, 0, "de", "facebook", "p2", "222_1", "hide", "private", "0", id, sizeof(id), NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "de", 5000);
    fx_entry(f, 0, "df", "facebook", "p3", "333_1", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 0, "df", 5000);
    fx_entry(f, 1, "dg", "facebook", "p9", "999_1", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 1, "dg", 5000);
    assert_int_equal(vg_test_graph_calls(f->graph), 3);
    c = fx_call(f, 0);
    assert_string_equal(c.path, "/222_1");
    assert_string_equal(c.access_token, TOKEN_P2);
    c = fx_call(f, 1);
    assert_string_equal(c.path, "/333_1");
    assert_string_equal(c.access_token, TOKEN_DEFAULT);
    c = fx_call(f, 2);
    assert_string_equal(c.access_token, TOKEN_DEFAULT);
    /* The fake's blocking wait, for tests that run the code under test elsewhere. */
    assert_true(vg_test_graph_wait_for_calls(f->graph, 3, 10));
    assert_false(vg_test_graph_wait_for_calls(f->graph, 4, 50));
}

static void test_config_and_malformed(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    redisReply *r;

    /* No token for the page at all: failed:config, dead-lettered, no call. */
    free(f->cfg->tenants[0].meta.page_token);
    f->cfg->tenants[0].meta.page_token = NULL;
    fx_entry(f, 0, "dh", "facebook", "p1", "111_hhh", "hide", "private", "0", id, sizeof(id), NULL);
    fx_start_dispatch(f);
    fx_wait_done(f, 0, "dh", 5000);
    assert_string_equal(fx_result(f, 0, "dh", "hide", v, sizeof(v)), "failed:config");
    assert_int_equal(fx_int(f, "XLEN vg:{demo:0}:dead"), 1);

    /* An entry nobody can act on: acknowledged and dead-lettered, never retried. */
    r = fx_cmd(f, "XADD vg:{demo:1}:q * d di tn demo p myspace pg p1 c 1 acts hide wc private");
    freeReplyObject(r);
    r = fx_cmd(f, "XADD vg:{demo:1}:q * d dj tn demo p facebook pg p1 c 1 acts hide,explode");
    freeReplyObject(r);
    fx_wait_done(f, 1, "dj", 5000);
    assert_string_equal(fx_result(f, 1, "di", "hide", v, sizeof(v)), "failed:malformed");
    fx_assert_acked(f, 1);
    assert_int_equal(fx_int(f, "XLEN vg:{demo:1}:dead"), 2);
    assert_int_equal(vg_test_graph_calls(f->graph), 0);
}

/* concurrency 1 over two streams: a read brings one entry per stream, the
 * second waits; entries never overlap (each one's calls are consecutive). */
static void test_concurrency_limit(void **state)
{
    fx_t *f = *state;
    char id[64];
    char did[16];
    char content[16];
    char v[128];

    f->cfg->dispatch.concurrency = 1;
    for (int i = 0; i < 6; i++) {
        snprintf(did, sizeof(did), "c%d", i);
        snprintf(content, sizeof(content), "100_%d", i);
        fx_entry(f, (unsigned)i % 2, did, "facebook", "p1", content, "hide,warn", "private", "0",
                 id, sizeof(id), "w", WARN_TEXT, NULL);
    }
    fx_start_dispatch(f);
    for (int i = 0; i < 6; i++) {
        snprintf(did, sizeof(did), "c%d", i);
        fx_wait_done(f, (unsigned)i % 2, did, 8000);
        assert_string_equal(fx_result(f, (unsigned)i % 2, did, "warn", v, sizeof(v)), "ok");
    }
    assert_int_equal(vg_test_graph_calls(f->graph), 12);
    for (size_t i = 0; i < 12; i += 2) {
        vg_test_graph_call_t hide = fx_call(f, i);
        vg_test_graph_call_t warn = fx_call(f, i + 1);
        assert_string_equal(warn.path, "/p1/messages");
        assert_non_null(strstr(warn.body, hide.path + 1));
    }
    fx_assert_acked(f, 0);
    fx_assert_acked(f, 1);
}

/* Calls of XREADGROUP Redis has served so far (INFO commandstats). */
static long long xreadgroup_calls(fx_t *f)
{
    redisReply *r = fx_cmd(f, "INFO commandstats");
    const char *p =
        r->type == REDIS_REPLY_STRING ? strstr(r->str, "cmdstat_xreadgroup:calls=") : NULL;
    long long n = p != NULL ? strtoll(p + strlen("cmdstat_xreadgroup:calls="), NULL, 10) : 0;

    freeReplyObject(r);
    return n;
}

/* batch_ms: after a live read that found entries the next read waits for the
 * window's end, and the entries added meanwhile all come in that one read. */
static void test_batch_window(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    uint64_t t0;
    long long reads;

    f->cfg->dispatch.batch_ms = 1000;
    fx_start_dispatch(f);
    t0 = fx_now_ms();
    fx_entry(f, 0, "b1", "facebook", "p1", "111_901", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 0, "b1", 5000);
    /* b1's read opened the window: nothing is read until it ends. */
    reads = xreadgroup_calls(f);
    fx_entry(f, 0, "b2", "facebook", "p1", "111_902", "hide", "private", "0", id, sizeof(id), NULL);
    fx_entry(f, 1, "b3", "facebook", "p1", "111_903", "hide", "private", "0", id, sizeof(id), NULL);
    fx_entry(f, 0, "b4", "facebook", "p1", "111_904", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 0, "b2", 5000);
    fx_wait_done(f, 1, "b3", 5000);
    fx_wait_done(f, 0, "b4", 5000);
    assert_true(fx_now_ms() - t0 >= 1000);
    assert_int_equal(xreadgroup_calls(f) - reads, 1);
    assert_string_equal(fx_result(f, 1, "b3", "hide", v, sizeof(v)), "ok");
    assert_int_equal(vg_test_graph_calls(f->graph), 4);
    fx_assert_acked(f, 0);
    fx_assert_acked(f, 1);
}

/* A read that got all it asked of a stream has a backlog behind it: no
 * window, the next read follows as soon as a slot is free. */
static void test_batch_window_backlog(void **state)
{
    fx_t *f = *state;
    char id[64];
    char did[16];
    char content[16];
    uint64_t t0;

    f->cfg->dispatch.batch_ms = 1000;
    f->cfg->dispatch.concurrency = 2; /* one entry per stream and read */
    for (int i = 0; i < 8; i++) {
        snprintf(did, sizeof(did), "k%d", i);
        snprintf(content, sizeof(content), "200_%d", i);
        fx_entry(f, 0, did, "facebook", "p1", content, "hide", "private", "0", id, sizeof(id),
                 NULL);
    }
    t0 = fx_now_ms();
    fx_start_dispatch(f);
    /* With a window after each of these reads, the 8th would come after 7 s. */
    fx_wait_done(f, 0, "k7", 4000);
    assert_true(fx_now_ms() - t0 < 4000);
    assert_int_equal(vg_test_graph_calls(f->graph), 8);
    fx_assert_acked(f, 0);
}

static void test_new_errors(void **state)
{
    fx_t *f = *state;
    vg_err_t err;
    char *url = f->cfg->redis_url;

    f->cfg->redis_url = (char[]){"bogus://nowhere"};
    memset(&err, 0, sizeof(err));
    assert_null(vg_dispatch_new(f->base, f->cfg, NULL, &err));
    assert_true(err.msg[0] != '\0');
    f->cfg->redis_url = url;

    f->cfg->dispatch.ca_file = (char[]){"/nonexistent/ca.pem"};
    memset(&err, 0, sizeof(err));
    assert_null(vg_dispatch_new(f->base, f->cfg, NULL, &err));
    assert_true(err.msg[0] != '\0');
    f->cfg->dispatch.ca_file = NULL;
    assert_null(vg_dispatch_new(NULL, f->cfg, NULL, &err));
    vg_dispatch_free(NULL);
    fx_run(f, 50, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_facebook_hide_then_warn, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_instagram_warn_before_hide, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_delete_block_notice, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retry_503_then_ok, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_throttled_613_lands_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_429_retry_after, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_permanent_failure_dead_letter, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_exhausted, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_gone_and_already, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_page_token_routing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_config_and_malformed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_concurrency_limit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_window, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_batch_window_backlog, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_new_errors, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
