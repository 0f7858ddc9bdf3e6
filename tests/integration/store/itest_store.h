/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store integration tests: shared helpers. Each test starts its own
 * redis-server (tests/support), runs a libevent loop for the store under
 * test and inspects Redis through a separate synchronous hiredis
 * connection, so assertions never go through the code being tested.
 */
#ifndef VG_ITEST_STORE_H
#define VG_ITEST_STORE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "vaglio/log.h"
#include "store/store_internal.h"
#include "vg_test_redis.h"

#include "../../unit/store/store_test_stubs.h"

typedef struct itest {
    vg_test_redis_t redis;
    struct event_base *base;
    vg_config_t cfg;
    vg_store_t *st;
    redisContext *sync; /* the test's own view of Redis */
} itest_t;

static inline void itest_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline uint64_t itest_ms(void)
{
    return vg_mono_ns() / 1000000u;
}

/* Runs the loop until *flag reaches want or ms pass; returns the elapsed ms. */
static inline uint64_t itest_spin(itest_t *t, const int *flag, int want, unsigned ms)
{
    uint64_t start = itest_ms();
    while (*flag < want && itest_ms() - start < ms) {
        event_base_loop(t->base, EVLOOP_NONBLOCK);
        itest_sleep_ms(1);
    }
    return itest_ms() - start;
}

/* Runs the loop until the store is ready (true) or ms pass (false). */
static inline bool itest_wait_ready(itest_t *t, unsigned ms)
{
    uint64_t start = itest_ms();
    while (!vg_store_ready(t->st) && itest_ms() - start < ms) {
        event_base_loop(t->base, EVLOOP_NONBLOCK);
        itest_sleep_ms(1);
    }
    return vg_store_ready(t->st);
}

static inline void itest_run_ms(itest_t *t, unsigned ms)
{
    uint64_t start = itest_ms();
    while (itest_ms() - start < ms) {
        event_base_loop(t->base, EVLOOP_NONBLOCK);
        itest_sleep_ms(1);
    }
}

static inline void itest_sync_connect(itest_t *t)
{
    if (t->sync != NULL)
        redisFree(t->sync);
    t->sync = redisConnectUnix(t->redis.socket);
    if (t->sync == NULL || t->sync->err)
        fail_msg("sync connect to %s failed", t->redis.socket);
}

/* A command on the test's own connection; the caller frees the reply. */
static inline redisReply *itest_cmd(itest_t *t, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    va_start(ap, fmt);
    r = redisvCommand(t->sync, fmt, ap);
    va_end(ap);
    if (r == NULL)
        fail_msg("sync command failed: %s", t->sync->errstr);
    return r;
}

static inline long long itest_int(itest_t *t, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    long long v;
    va_start(ap, fmt);
    r = redisvCommand(t->sync, fmt, ap);
    va_end(ap);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER)
        fail_msg("expected an integer reply");
    v = r->integer;
    freeReplyObject(r);
    return v;
}

/* Starts Redis and a store on it with short timeouts (unless set before). */
static inline int itest_setup(void **state)
{
    itest_t *t = calloc(1, sizeof(*t));
    /* hiredis writes with write(2): a server gone away must not kill us (vagliod ignores it too).
     */
    signal(SIGPIPE, SIG_IGN);
    vg_log_setup(getenv("VG_TEST_VERBOSE") ? VG_LOG_DEBUG : VG_LOG_ERROR, false);
    if (!vg_test_redis_available()) {
        free(t);
        *state = NULL;
        return 0;
    }
    if (vg_test_redis_start(&t->redis, false) != 0) {
        free(t);
        return -1;
    }
    t->base = event_base_new();
    t->cfg.redis_url = t->redis.url;
    t->cfg.store.timeout_ms = 500;
    t->cfg.store.connect_timeout_ms = 300;
    t->cfg.store.ping_ms = 100;
    t->cfg.store.reconnect_max_ms = 200;
    t->cfg.store.dedupe_ttl_s = 3600;
    t->cfg.store.retention_s = 86400;
    t->cfg.store.shards = 4;
    itest_sync_connect(t);
    *state = t;
    return 0;
}

static inline void itest_start_store(itest_t *t)
{
    vg_err_t err = {0};
    t->st = vg_store_new(t->base, &t->cfg, "itest", &err);
    if (t->st == NULL)
        fail_msg("vg_store_new: %s", err.msg);
    if (!itest_wait_ready(t, 3000))
        fail_msg("store not ready within 3 s");
}

static inline int itest_teardown(void **state)
{
    itest_t *t = *state;
    if (t == NULL)
        return 0;
    vg_store_free(t->st);
    for (int i = 0; i < 10; i++)
        event_base_loop(t->base, EVLOOP_NONBLOCK);
    event_base_free(t->base);
    if (t->sync != NULL)
        redisFree(t->sync);
    vg_test_redis_cleanup(&t->redis);
    free(t);
    return 0;
}

#define ITEST_SKIP_WITHOUT_REDIS(t)                                                                \
    do {                                                                                           \
        if ((t) == NULL) {                                                                         \
            fprintf(stderr, "redis-server not found: skipped\n");                                  \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
