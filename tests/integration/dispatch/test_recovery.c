/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests of the dispatcher's recovery paths: entries left pending
 * by an earlier run (resumed, actions already final skipped), drain with a
 * grace period, entries of a dead consumer claimed, Redis restarted in the
 * middle of a dispatch, and a config reload that adds a tenant.
 */
#include "dispatch_fixture.h"

/* An entry read by this instance in an earlier run, hide already done. */
static void test_resume_pending(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    redisReply *r;
    vg_test_graph_call_t c;

    fx_entry(f, 0, "r1", "facebook", "p1", "111_r1", "hide,warn", "private", "0", id, sizeof(id),
             "w", WARN_TEXT, NULL);
    freeReplyObject(fx_cmd(f, "XGROUP CREATE vg:{demo:0}:q vaglio 0 MKSTREAM"));
    r = fx_cmd(f, "XREADGROUP GROUP vaglio test-instance COUNT 10 STREAMS vg:{demo:0}:q >");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    freeReplyObject(fx_cmd(f, "HSET vg:{demo:0}:d:r1 r.hide ok"));

    fx_start_dispatch(f);
    fx_wait_done(f, 0, "r1", 5000);
    assert_int_equal(vg_test_graph_calls(f->graph), 1);
    c = fx_call(f, 0);
    assert_string_equal(c.path, "/p1/messages");
    assert_string_equal(fx_result(f, 0, "r1", "hide", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 0, "r1", "warn", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
}

typedef struct drained {
    int calls;
    uint64_t at_ms;
} drained_t;

static void on_drained(void *arg)
{
    drained_t *dr = arg;
    dr->calls++;
    dr->at_ms = fx_now_ms();
}

static bool pred_drained(fx_t *f, const void *arg)
{
    (void)f;
    return ((const drained_t *)arg)->calls > 0;
}

/* Drain gives up on a stuck request after the grace; the next run finishes it. */
static void test_drain_then_resume(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];
    drained_t dr = {0, 0};
    uint64_t t0;
    redisReply *r;

    f->cfg->dispatch.timeout_ms = 10000;
    vg_test_graph_fail(f->graph, "POST", "/111_r2", 1, 0, NULL, NULL); /* never answers */
    fx_entry(f, 1, "r2", "facebook", "p1", "111_r2", "hide,warn", "private", "0", id, sizeof(id),
             "w", WARN_TEXT, NULL);
    fx_start_dispatch(f);
    fx_run(f, 3000, fx_pred_calls, &(size_t){1});
    assert_int_equal(vg_test_graph_calls(f->graph), 1);

    t0 = fx_now_ms();
    vg_dispatch_drain(f->d, 300, on_drained, &dr);
    assert_int_equal(dr.calls, 0); /* never from within the call */
    assert_true(fx_run(f, 3000, pred_drained, &dr));
    assert_true(dr.at_ms - t0 >= 250 && dr.at_ms - t0 < 2000);
    fx_run(f, 100, NULL, NULL);
    assert_int_equal(dr.calls, 1);
    fx_stop_dispatch(f);

    /* Still pending for this consumer, nothing recorded as done. */
    r = fx_cmd(f, "XPENDING vg:{demo:1}:q vaglio");
    assert_int_equal(r->element[0]->integer, 1);
    freeReplyObject(r);
    assert_string_equal(fx_result(f, 1, "r2", "hide", v, sizeof(v)), "");

    fx_start_dispatch(f);
    fx_wait_done(f, 1, "r2", 5000);
    assert_string_equal(fx_result(f, 1, "r2", "hide", v, sizeof(v)), "ok");
    assert_string_equal(fx_result(f, 1, "r2", "warn", v, sizeof(v)), "ok");
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/111_r2"), 2);
    assert_int_equal(vg_test_graph_count(f->graph, "POST", "/p1/messages"), 1);
    fx_assert_acked(f, 1);

    /* Draining an idle dispatcher answers from the loop, at once. */
    dr.calls = 0;
    vg_dispatch_drain(f->d, 5000, on_drained, &dr);
    assert_int_equal(dr.calls, 0);
    assert_true(fx_run(f, 500, pred_drained, &dr));
}

/* Another consumer read an entry and died: it is claimed after claim_idle_ms. */
static void test_claim_from_dead_consumer(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    f->cfg->dispatch.claim_idle_ms = 300;
    fx_entry(f, 0, "r3", "facebook", "p1", "111_r3", "delete", "private", "0", id, sizeof(id),
             NULL);
    freeReplyObject(fx_cmd(f, "XGROUP CREATE vg:{demo:0}:q vaglio 0 MKSTREAM"));
    freeReplyObject(
        fx_cmd(f, "XREADGROUP GROUP vaglio dead-instance COUNT 10 STREAMS vg:{demo:0}:q >"));

    fx_start_dispatch(f);
    fx_wait_done(f, 0, "r3", 5000);
    assert_string_equal(fx_result(f, 0, "r3", "delete", v, sizeof(v)), "ok");
    assert_int_equal(vg_test_graph_calls(f->graph), 1);
    fx_assert_acked(f, 0);
}

/* Redis goes away after the request was sent: the result waits and lands after. */
static void test_redis_restart_during_dispatch(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    f->cfg->dispatch.timeout_ms = 800;
    vg_test_graph_fail(f->graph, "POST", "/111_r4", 1, 0, NULL, NULL); /* times out once */
    fx_entry(f, 0, "r4", "facebook", "p1", "111_r4", "hide", "private", "0", id, sizeof(id), NULL);
    fx_start_dispatch(f);
    fx_run(f, 3000, fx_pred_calls, &(size_t){1});
    assert_int_equal(vg_test_graph_calls(f->graph), 1);

    vg_test_redis_stop(&f->redis);
    /* The retry succeeds while Redis is down: nothing can be recorded yet. */
    fx_run(f, 4000, fx_pred_calls, &(size_t){2});
    assert_int_equal(vg_test_graph_calls(f->graph), 2);
    fx_run(f, 600, NULL, NULL);

    assert_int_equal(vg_test_redis_restart(&f->redis), 0);
    fx_wait_done(f, 0, "r4", 10000);
    assert_string_equal(fx_result(f, 0, "r4", "hide", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
    /* Done once: no second successful call. */
    assert_int_equal(vg_test_graph_calls(f->graph), 2);
}

/* Redis lost everything (no persistence): the groups are created again. */
static void test_group_lost(void **state)
{
    fx_t *f = *state;
    char id[64];
    char v[128];

    fx_start_dispatch(f);
    fx_entry(f, 0, "g1", "facebook", "p1", "111_g1", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 0, "g1", 5000);
    freeReplyObject(fx_cmd(f, "FLUSHALL"));
    fx_entry(f, 0, "g2", "facebook", "p1", "111_g2", "hide", "private", "0", id, sizeof(id), NULL);
    fx_wait_done(f, 0, "g2", 8000);
    assert_string_equal(fx_result(f, 0, "g2", "hide", v, sizeof(v)), "ok");
    fx_assert_acked(f, 0);
    assert_int_equal(vg_test_graph_calls(f->graph), 2);
}

/* A reload that adds a tenant: its streams are created and read. */
static void test_reload_adds_tenant(void **state)
{
    fx_t *f = *state;
    vg_config_t *old = f->cfg;
    vg_config_t *cfg = fx_config(f->redis.url, vg_test_graph_url(f->graph));
    vg_tenant_conf_t *t;
    char v[128];
    vg_test_graph_call_t c;

    fx_start_dispatch(f);
    fx_run(f, 200, NULL, NULL);
    cfg->tenants = vg_xrealloc(cfg->tenants, 2 * sizeof(*cfg->tenants));
    cfg->ntenants = 2;
    t = &cfg->tenants[1];
    memset(t, 0, sizeof(*t));
    t->name = vg_xstrdup("other");
    t->meta.enabled = true;
    t->meta.graph_url = vg_xstrdup(vg_test_graph_url(f->graph));
    t->meta.page_token = vg_xstrdup("tok-other-SECRET");
    vg_dispatch_set_config(f->d, cfg);
    f->cfg = cfg;

    freeReplyObject(fx_cmd(f, "XADD vg:{other:1}:q * d o1 tn other p facebook pg po c 555_1 "
                              "acts hide wc private dry 0 ts 1"));
    if (!fx_run(f, 5000, fx_pred_calls, &(size_t){1}))
        fail_msg("the new tenant's stream was not read");
    c = fx_call(f, 0);
    assert_string_equal(c.path, "/555_1");
    assert_string_equal(c.access_token, "tok-other-SECRET");
    fx_run(f, 300, NULL, NULL);
    assert_string_equal(fx_hget(f, "vg:{other:1}:d:o1", "r.hide", v, sizeof(v)), "ok");
    fx_stop_dispatch(f);
    fx_config_free(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resume_pending, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_drain_then_resume, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_claim_from_dead_consumer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_redis_restart_during_dispatch, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_lost, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reload_adds_tenant, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
