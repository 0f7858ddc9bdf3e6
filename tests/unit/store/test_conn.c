/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's connection contract that need no Redis: a
 * store whose server is missing starts, is not ready, and fails commands
 * and decisions asynchronously (never from within the call) and exactly
 * once; vg_store_free, also from inside a callback, owes every pending
 * callback a "store closed" and leaks nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <event2/event.h>

#include "vaglio/log.h"
#include "store/store_internal.h"
#include "store/store_test_stubs.h"

static char url_missing[] = "unix:///nonexistent-vaglio-dir/redis.sock";
static char url_bad[] = "redis://:hunter2@";
static char tenant_demo[] = "demo";

typedef struct fixture {
    struct event_base *base;
    vg_config_t cfg;
    vg_store_t *st;
} fixture_t;

typedef struct calls {
    int n;
    const char *err;
    bool had_reply;
    vg_store_t *free_me; /* free the store from inside the callback */
} calls_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    vg_log_setup(VG_LOG_ERROR, false);
    f->base = event_base_new();
    f->cfg.redis_url = url_missing;
    f->cfg.store.timeout_ms = 200;
    f->cfg.store.connect_timeout_ms = 200;
    f->cfg.store.ping_ms = 100;
    f->cfg.store.reconnect_max_ms = 100;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    vg_store_free(f->st);
    for (int i = 0; i < 5; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    free(f);
    return 0;
}

static void spin(struct event_base *base, int *flag, int want)
{
    for (int i = 0; i < 200 && *flag < want; i++) {
        struct timespec ts = {0, 1000000};
        event_base_loop(base, EVLOOP_NONBLOCK);
        nanosleep(&ts, NULL);
    }
}

static void on_reply(const char *err, struct redisReply *reply, void *arg)
{
    calls_t *c = arg;
    c->n++;
    c->err = err;
    c->had_reply = reply != NULL;
    if (c->free_me != NULL) {
        vg_store_t *st = c->free_me;
        c->free_me = NULL;
        vg_store_free(st);
    }
}

static void on_decide(const char *err, const vg_decide_res_t *res, void *arg)
{
    calls_t *c = arg;
    c->n++;
    c->err = err;
    c->had_reply = res != NULL;
}

static void test_bad_url(void **state)
{
    fixture_t *f = *state;
    vg_err_t err = {0};
    f->cfg.redis_url = url_bad;
    assert_null(vg_store_new(f->base, &f->cfg, "t", &err));
    assert_int_equal(err.code, VG_EINVAL);
    assert_null(strstr(err.msg, "hunter2"));
    vg_store_free(NULL);
}

static void test_unavailable_async(void **state)
{
    fixture_t *f = *state;
    calls_t c = {0};
    vg_err_t err = {0};

    f->st = vg_store_new(f->base, &f->cfg, "t", &err);
    assert_non_null(f->st);
    assert_false(vg_store_ready(f->st));
    assert_int_not_equal(vg_store_state(f->st), VG_STORE_READY);
    assert_int_equal(vg_store_commandv(f->st, on_reply, &c, "PING", NULL), -VG_EREDIS);
    assert_int_equal(c.n, 0); /* not from within the call */
    spin(f->base, &c.n, 1);
    assert_int_equal(c.n, 1);
    assert_ptr_equal(c.err, vg_store_err_unavailable);
    assert_false(c.had_reply);
    /* Exactly once: more loop turns change nothing. */
    for (int i = 0; i < 20; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_int_equal(c.n, 1);
    /* Fire and forget is fine too. */
    assert_int_equal(vg_store_commandv(f->st, NULL, NULL, "PING", NULL), -VG_EREDIS);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static void test_decide_unavailable_and_invalid(void **state)
{
    fixture_t *f = *state;
    calls_t c = {0}, bad = {0};
    vg_tenant_conf_t t = {.name = tenant_demo, .window_days = 90, .warnings = 1};
    vg_event_t ev = {.content_id = "c1", .text = "x", .text_len = 1, .author_id = "a"};
    vg_decide_req_t req = {.tenant = &t, .event = &ev, .author_key = "k", .shards = 4};
    vg_err_t err = {0};

    f->st = vg_store_new(f->base, &f->cfg, "t", &err);
    assert_non_null(f->st);
    assert_true(vg_store_decide(f->st, &req, on_decide, &c) < 0);
    ev.content_id = NULL;
    assert_int_equal(vg_store_decide(f->st, &req, on_decide, &bad), -VG_EINVAL);
    assert_int_equal(c.n + bad.n, 0);
    spin(f->base, &c.n, 1);
    spin(f->base, &bad.n, 1);
    assert_int_equal(c.n, 1);
    assert_ptr_equal(c.err, vg_store_err_unavailable);
    assert_false(c.had_reply);
    assert_int_equal(bad.n, 1);
    assert_ptr_equal(bad.err, vg_store_err_invalid);
}

static void test_free_owes_closed(void **state)
{
    fixture_t *f = *state;
    calls_t a = {0}, b = {0};
    vg_err_t err = {0};

    f->st = vg_store_new(f->base, &f->cfg, "t", &err);
    vg_store_commandv(f->st, on_reply, &a, "PING", NULL);
    vg_store_commandv(f->st, on_reply, &b, "PING", NULL);
    vg_store_free(f->st);
    f->st = NULL;
    assert_int_equal(a.n + b.n, 0); /* not from within vg_store_free */
    spin(f->base, &b.n, 1);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_ptr_equal(a.err, vg_store_err_closed);
    assert_ptr_equal(b.err, vg_store_err_closed);
}

static void test_free_from_callback(void **state)
{
    fixture_t *f = *state;
    calls_t a = {0}, b = {0};
    vg_err_t err = {0};

    f->st = vg_store_new(f->base, &f->cfg, "t", &err);
    a.free_me = f->st;
    vg_store_commandv(f->st, on_reply, &a, "PING", NULL);
    vg_store_commandv(f->st, on_reply, &b, "PING", NULL);
    f->st = NULL;
    spin(f->base, &b.n, 1);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_ptr_equal(a.err, vg_store_err_unavailable);
    assert_ptr_equal(b.err, vg_store_err_closed);
}

static void test_free_idle_is_immediate(void **state)
{
    fixture_t *f = *state;
    vg_err_t err = {0};
    vg_store_t *st = vg_store_new(f->base, &f->cfg, "t", &err);

    /* Nothing pending: freed inside the call (ASan would flag a leak). */
    assert_non_null(st);
    vg_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unavailable_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decide_unavailable_and_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_owes_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_idle_is_immediate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
