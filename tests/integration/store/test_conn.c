/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store integration tests, connection side, each against its own
 * redis-server: ready state, a command round trip, AUTH and SELECT from
 * the URL (and a wrong password that never reaches the logs), Redis going
 * away and coming back, a command past its deadline while Redis is busy,
 * the PING probe noticing a hung server, and freeing the store from inside
 * its own callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "itest_store.h"

/* Busy-waits inside Redis for ARGV[1] ms: DEBUG SLEEP is disabled in Redis 7. */
#define BUSY_LUA                                                                                   \
    "local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "                                \
    "while true do local n = redis.call('TIME') "                                                  \
    "if n[1] * 1000000 + n[2] - s > tonumber(ARGV[1]) * 1000 then break end end return 1"

typedef struct calls {
    int n;
    const char *err;
    int type;
    long long integer;
    char str[64];
    vg_store_t *free_me;
} calls_t;

static void on_reply(const char *err, struct redisReply *reply, void *arg)
{
    calls_t *c = arg;
    c->n++;
    c->err = err;
    c->type = reply != NULL ? reply->type : -1;
    if (reply != NULL) {
        c->integer = reply->integer;
        if (reply->str != NULL)
            snprintf(c->str, sizeof(c->str), "%s", reply->str);
    }
    if (c->free_me != NULL) {
        vg_store_t *st = c->free_me;
        c->free_me = NULL;
        vg_store_free(st);
    }
}

static void test_ready_and_round_trip(void **state)
{
    itest_t *t = *state;
    calls_t c = {0}, e = {0}, big = {0};
    const char *argv[] = {"SET", "bin", "a\0b"};
    const size_t lens[] = {3, 3, 3};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    assert_int_equal(vg_store_state(t->st), VG_STORE_READY);
    assert_int_equal(vg_store_command(t->st, on_reply, &c, 0, 3, argv, lens), 0);
    assert_int_equal(c.n, 0);
    itest_spin(t, &c.n, 1, 2000);
    assert_int_equal(c.n, 1);
    assert_null(c.err);
    assert_int_equal(c.type, REDIS_REPLY_STATUS);
    assert_string_equal(c.str, "OK");
    assert_int_equal(itest_int(t, "STRLEN bin"), 3);
    /* An error reply is a reply: the caller inspects it. */
    assert_int_equal(vg_store_commandv(t->st, on_reply, &e, "INCR", "bin", NULL), 0);
    itest_spin(t, &e.n, 1, 2000);
    assert_int_equal(e.n, 1);
    assert_null(e.err);
    assert_int_equal(e.type, REDIS_REPLY_ERROR);
    /* Many commands in flight come back in order, each once. */
    for (int i = 0; i < 500; i++)
        vg_store_commandv(t->st, on_reply, &big, "INCR", "counter", NULL);
    itest_spin(t, &big.n, 500, 5000);
    assert_int_equal(big.n, 500);
    assert_null(big.err);
    assert_int_equal(big.integer, 500);
    /* The probe keeps it ready while idle. */
    itest_run_ms(t, 350);
    assert_true(vg_store_ready(t->st));
}

static void test_auth_and_select(void **state)
{
    itest_t *t = *state;
    calls_t c = {0};
    char url[400];
    redisReply *r;

    ITEST_SKIP_WITHOUT_REDIS(t);
    r = itest_cmd(t, "CONFIG SET requirepass s3cr3t-pw");
    freeReplyObject(r);
    snprintf(url, sizeof(url), "unix://%s?db=3&password=s3cr3t-pw", t->redis.socket);
    t->cfg.redis_url = url;
    itest_start_store(t);
    vg_store_commandv(t->st, on_reply, &c, "SET", "where", "db3", NULL);
    itest_spin(t, &c.n, 1, 2000);
    assert_null(c.err);
    itest_sync_connect(t);
    freeReplyObject(itest_cmd(t, "AUTH s3cr3t-pw"));
    freeReplyObject(itest_cmd(t, "SELECT 3"));
    r = itest_cmd(t, "GET where");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "db3");
    freeReplyObject(r);
    freeReplyObject(itest_cmd(t, "CONFIG SET requirepass \"\""));
    t->cfg.redis_url = t->redis.url;
}

static void test_wrong_password_never_logged(void **state)
{
    itest_t *t = *state;
    char url[400], logpath[300], buf[8192];
    vg_err_t err = {0};
    FILE *fp;
    size_t n;
    int fd;

    ITEST_SKIP_WITHOUT_REDIS(t);
    freeReplyObject(itest_cmd(t, "CONFIG SET requirepass right-one"));
    snprintf(url, sizeof(url), "unix://%s?password=Wr0ngPassw0rd", t->redis.socket);
    snprintf(logpath, sizeof(logpath), "%s/store.log", t->redis.dir);
    fp = fopen(logpath, "w+");
    assert_non_null(fp);
    fd = fileno(fp);
    vg_log_setup(VG_LOG_DEBUG, false);
    vg_log_set_fd(fd);
    t->cfg.redis_url = url;
    t->st = vg_store_new(t->base, &t->cfg, "itest", &err);
    assert_non_null(t->st);
    assert_false(itest_wait_ready(t, 600));
    vg_store_free(t->st);
    t->st = NULL;
    itest_run_ms(t, 20);
    vg_log_set_fd(2);
    vg_log_setup(VG_LOG_ERROR, false);
    rewind(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    assert_non_null(strstr(buf, "handshake failed"));
    assert_null(strstr(buf, "Wr0ngPassw0rd"));
    itest_sync_connect(t);
    freeReplyObject(itest_cmd(t, "AUTH right-one"));
    freeReplyObject(itest_cmd(t, "CONFIG SET requirepass \"\""));
    t->cfg.redis_url = t->redis.url;
}

static void test_redis_down_and_back(void **state)
{
    itest_t *t = *state;
    calls_t c = {0}, d = {0};
    uint64_t start, took;

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    redisFree(t->sync);
    t->sync = NULL;
    vg_test_redis_stop(&t->redis);
    /* Not ready within a second. */
    start = itest_ms();
    while (vg_store_ready(t->st) && itest_ms() - start < 1000) {
        event_base_loop(t->base, EVLOOP_NONBLOCK);
        itest_sleep_ms(1);
    }
    assert_false(vg_store_ready(t->st));
    /* Commands fail fast, asynchronously, with "unavailable". */
    start = itest_ms();
    assert_int_equal(vg_store_commandv(t->st, on_reply, &c, "PING", NULL), -VG_EREDIS);
    assert_int_equal(c.n, 0);
    took = itest_spin(t, &c.n, 1, 2000);
    assert_int_equal(c.n, 1);
    assert_ptr_equal(c.err, vg_store_err_unavailable);
    assert_true(took < 1000);
    (void)start;
    /* It keeps trying; back when Redis is. */
    itest_run_ms(t, 300);
    assert_int_equal(vg_test_redis_restart(&t->redis), 0);
    assert_true(itest_wait_ready(t, 3000));
    vg_store_commandv(t->st, on_reply, &d, "PING", NULL);
    itest_spin(t, &d.n, 1, 2000);
    assert_null(d.err);
    assert_string_equal(d.str, "PONG");
    itest_sync_connect(t);
}

static void test_command_timeout_and_recovery(void **state)
{
    itest_t *t = *state;
    calls_t busy = {0}, late = {0}, after = {0};
    const char *argv[] = {"EVAL", BUSY_LUA, "0", "1500"};
    uint64_t start, took;

    ITEST_SKIP_WITHOUT_REDIS(t);
    t->cfg.store.timeout_ms = 300;
    itest_start_store(t);
    /* Redis is busy for 1.5 s; the first command is allowed 3 s, the next 300 ms. */
    assert_int_equal(vg_store_command(t->st, on_reply, &busy, 3000, 4, argv, NULL), 0);
    start = itest_ms();
    assert_int_equal(vg_store_commandv(t->st, on_reply, &late, "PING", NULL), 0);
    took = itest_spin(t, &late.n, 1, 3000);
    assert_int_equal(late.n, 1);
    assert_ptr_equal(late.err, vg_store_err_timeout);
    assert_true(took >= 250 && took < 1000);
    (void)start;
    /* The connection was torn down: the other one fails, once, as unavailable. */
    itest_spin(t, &busy.n, 1, 1000);
    assert_int_equal(busy.n, 1);
    assert_ptr_equal(busy.err, vg_store_err_unavailable);
    assert_false(vg_store_ready(t->st));
    /* And the store comes back once Redis answers again. */
    assert_true(itest_wait_ready(t, 5000));
    vg_store_commandv(t->st, on_reply, &after, "PING", NULL);
    itest_spin(t, &after.n, 1, 2000);
    assert_null(after.err);
    assert_string_equal(after.str, "PONG");
    assert_int_equal(busy.n, 1);
    assert_int_equal(late.n, 1);
}

static void test_probe_notices_hung_server(void **state)
{
    itest_t *t = *state;
    redisContext *other;
    redisReply *r;
    uint64_t start;

    ITEST_SKIP_WITHOUT_REDIS(t);
    t->cfg.store.timeout_ms = 2000;
    itest_start_store(t);
    /* Another client keeps Redis busy for 1.2 s, without reading its reply yet. */
    other = redisConnectUnix(t->redis.socket);
    assert_non_null(other);
    redisAppendCommand(other, "EVAL %s 0 %s", BUSY_LUA, "1200");
    {
        int done = 0;
        while (!done)
            assert_int_equal(redisBufferWrite(other, &done), REDIS_OK);
    }
    start = itest_ms();
    while (vg_store_ready(t->st) && itest_ms() - start < 1000) {
        event_base_loop(t->base, EVLOOP_NONBLOCK);
        itest_sleep_ms(1);
    }
    assert_false(vg_store_ready(t->st));
    assert_true(itest_ms() - start < 1000);
    assert_int_equal(redisGetReply(other, (void **)&r), REDIS_OK);
    freeReplyObject(r);
    redisFree(other);
    assert_true(itest_wait_ready(t, 5000));
}

static void test_free_inside_callback(void **state)
{
    itest_t *t = *state;
    calls_t a = {0}, b = {0}, c = {0};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    a.free_me = t->st;
    vg_store_commandv(t->st, on_reply, &a, "PING", NULL);
    vg_store_commandv(t->st, on_reply, &b, "PING", NULL);
    vg_store_commandv(t->st, on_reply, &c, "PING", NULL);
    t->st = NULL;
    itest_spin(t, &c.n, 1, 2000);
    assert_int_equal(a.n, 1);
    assert_null(a.err);
    assert_int_equal(b.n, 1);
    assert_ptr_equal(b.err, vg_store_err_closed);
    assert_int_equal(c.n, 1);
    assert_ptr_equal(c.err, vg_store_err_closed);
}

static void test_free_with_commands_in_flight(void **state)
{
    itest_t *t = *state;
    calls_t a = {0};

    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    for (int i = 0; i < 50; i++)
        vg_store_commandv(t->st, on_reply, &a, "PING", NULL);
    vg_store_free(t->st);
    t->st = NULL;
    assert_int_equal(a.n, 0);
    itest_spin(t, &a.n, 50, 2000);
    assert_int_equal(a.n, 50);
    assert_ptr_equal(a.err, vg_store_err_closed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ready_and_round_trip, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_auth_and_select, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_never_logged, itest_setup,
                                        itest_teardown),
        cmocka_unit_test_setup_teardown(test_redis_down_and_back, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_command_timeout_and_recovery, itest_setup,
                                        itest_teardown),
        cmocka_unit_test_setup_teardown(test_probe_notices_hung_server, itest_setup,
                                        itest_teardown),
        cmocka_unit_test_setup_teardown(test_free_inside_callback, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_free_with_commands_in_flight, itest_setup,
                                        itest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
