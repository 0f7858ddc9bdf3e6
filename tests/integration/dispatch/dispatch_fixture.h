/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture shared by the dispatcher's integration tests: a private Redis, the
 * fake Graph API (its own thread), a hand-built config (so these tests do
 * not depend on the config loader), a synchronous hiredis connection for
 * setting up entries and checking records, and helpers that run the test's
 * event loop until a condition holds. Static functions only: each test file
 * is its own executable.
 */
#ifndef VG_DISPATCH_FIXTURE_H
#define VG_DISPATCH_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "vaglio/dispatch.h"
#include "vaglio/log.h"
#include "vaglio/metrics.h"
#include "vaglio/util.h"
#include "vg_test_graph.h"
#include "vg_test_redis.h"

#define TOKEN_DEFAULT "tok-default-SECRET"
#define TOKEN_P2      "tok-p2-SECRET"
#define AUTHOR_ID     "7000000000000001"
#define WARN_TEXT     "Avviso: il tuo commento viola la netiquette"
#define NOTICE_TEXT   "Abbiamo rimosso dati personali"

typedef struct fx {
    vg_test_redis_t redis;
    vg_test_graph_t *graph;
    struct event_base *base;
    vg_config_t *cfg;
    vg_dispatch_t *d;
    vg_metrics_registry_t *reg;
    vg_metrics_t *m;
    redisContext *rc;
    char logpath[320];
    int logfd;
} fx_t;

static uint64_t fx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The config a test starts from; tests adjust fields before fx_start_dispatch. */
static vg_config_t *fx_config(const char *redis_url, const char *graph_url)
{
    vg_config_t *c = vg_xcalloc(1, sizeof(*c));
    vg_tenant_conf_t *t;

    c->redis_url = vg_xstrdup(redis_url);
    c->instance = vg_xstrdup("test-instance");
    c->store.timeout_ms = 1000;
    c->store.connect_timeout_ms = 500;
    c->store.ping_ms = 200;
    c->store.reconnect_max_ms = 200;
    c->store.shards = 2;
    c->store.retention_s = 3600;
    c->dispatch.concurrency = 8;
    c->dispatch.timeout_ms = 2000;
    c->dispatch.max_attempts = 5;
    c->dispatch.backoff_base_ms = 100;
    c->dispatch.backoff_max_ms = 2000;
    c->dispatch.claim_idle_ms = 60000;
    c->ntenants = 1;
    c->tenants = t = vg_xcalloc(1, sizeof(*t));
    t->name = vg_xstrdup("demo");
    t->meta.enabled = true;
    t->meta.graph_url = vg_xstrdup(graph_url);
    t->meta.page_token = vg_xstrdup(TOKEN_DEFAULT);
    t->meta.npages = 2;
    t->meta.pages = vg_xcalloc(2, sizeof(vg_meta_page_conf_t));
    t->meta.pages[0].id = vg_xstrdup("p2");
    t->meta.pages[0].page_token = vg_xstrdup(TOKEN_P2);
    t->meta.pages[1].id = vg_xstrdup("p3"); /* listed, no own token: the default */
    return c;
}

static void fx_config_free(vg_config_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ntenants; i++) {
        vg_tenant_conf_t *t = &c->tenants[i];
        free(t->name);
        free(t->meta.graph_url);
        free(t->meta.page_token);
        for (size_t j = 0; j < t->meta.npages; j++) {
            free(t->meta.pages[j].id);
            free(t->meta.pages[j].page_token);
        }
        free(t->meta.pages);
    }
    free(c->tenants);
    free(c->redis_url);
    free(c->instance);
    free(c);
}

static int fx_setup(void **state)
{
    fx_t *f;

    if (!vg_test_redis_available()) {
        fprintf(stderr, "redis-server not found: skipping\n");
        skip();
    }
    /* A peer that went away must be an error, not a signal (vagliod does the same). */
    signal(SIGPIPE, SIG_IGN);
    f = vg_xcalloc(1, sizeof(*f));
    assert_int_equal(vg_test_redis_start(&f->redis, true), 0);
    f->graph = vg_test_graph_start();
    assert_non_null(f->graph);
    f->base = event_base_new();
    f->reg = vg_metrics_registry_new();
    f->m = vg_metrics_block_new(f->reg);
    f->cfg = fx_config(f->redis.url, vg_test_graph_url(f->graph));
    f->rc = redisConnectUnix(f->redis.socket);
    assert_non_null(f->rc);
    assert_int_equal(f->rc->err, 0);
    /* Capture the log: tests check that no secret or text reaches it. */
    snprintf(f->logpath, sizeof(f->logpath), "%s/vaglio.log", f->redis.dir);
    f->logfd = open(f->logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(f->logfd >= 0);
    vg_log_set_fd(f->logfd);
    *state = f;
    return 0;
}

static void fx_on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* Runs the loop for @p ms (or until @p pred(@p arg) holds, checked every ~10 ms). */
VG_UNUSED static bool fx_run(fx_t *f, unsigned ms, bool (*pred)(fx_t *, const void *),
                             const void *arg)
{
    struct event *tick = event_new(f->base, -1, EV_PERSIST, fx_on_tick, NULL);
    struct timeval tv = {0, 10000};
    uint64_t end = fx_now_ms() + ms;
    bool ok = false;

    event_add(tick, &tv);
    while (fx_now_ms() < end) {
        event_base_loop(f->base, EVLOOP_ONCE);
        if (pred != NULL && pred(f, arg)) {
            ok = true;
            break;
        }
    }
    event_free(tick);
    return ok;
}

/* Frees the dispatcher and lets its owed callbacks arrive. */
VG_UNUSED static void fx_stop_dispatch(fx_t *f)
{
    vg_dispatch_free(f->d);
    f->d = NULL;
    fx_run(f, 100, NULL, NULL);
}

VG_UNUSED static void fx_start_dispatch(fx_t *f)
{
    vg_err_t err;
    f->d = vg_dispatch_new(f->base, f->cfg, f->m, &err);
    if (f->d == NULL)
        fail_msg("vg_dispatch_new: %s", err.msg);
}

VG_UNUSED static bool fx_log_contains(fx_t *f, const char *needle)
{
    char buf[65536];
    FILE *fp = fopen(f->logpath, "r");
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static int fx_teardown(void **state)
{
    fx_t *f = *state;

    if (f == NULL)
        return 0;
    if (f->d != NULL)
        fx_stop_dispatch(f);
    /* Nothing secret, no texts and no raw author id in the log. */
    assert_false(fx_log_contains(f, "SECRET"));
    assert_false(fx_log_contains(f, WARN_TEXT));
    assert_false(fx_log_contains(f, NOTICE_TEXT));
    assert_false(fx_log_contains(f, AUTHOR_ID));
    vg_log_set_fd(2);
    close(f->logfd);
    if (getenv("VG_TEST_SHOW_LOG") != NULL) {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "cat '%s' >&2", f->logpath);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot show %s\n", f->logpath);
    }
    redisFree(f->rc);
    event_base_free(f->base);
    vg_metrics_registry_free(f->reg);
    fx_config_free(f->cfg);
    vg_test_graph_stop(f->graph);
    vg_test_redis_cleanup(&f->redis);
    free(f);
    return 0;
}

/* The value of the metric line starting with @p series (0 if absent). */
VG_UNUSED static unsigned long long fx_metric(fx_t *f, const char *series)
{
    vg_buf_t b;
    const char *p;
    unsigned long long v = 0;

    vg_buf_init(&b, 0);
    vg_metrics_render(f->reg, &b);
    p = b.data != NULL ? strstr(b.data, series) : NULL;
    if (p != NULL && p[strlen(series)] == ' ')
        v = strtoull(p + strlen(series) + 1, NULL, 10);
    vg_buf_cleanup(&b);
    return v;
}

/* ---- Redis helpers -------------------------------------------------------------- */

static redisReply *fx_cmd(fx_t *f, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    va_start(ap, fmt);
    r = redisvCommand(f->rc, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        /* Redis may have been restarted by the test: reconnect once. */
        redisFree(f->rc);
        f->rc = redisConnectUnix(f->redis.socket);
        assert_non_null(f->rc);
        va_start(ap, fmt);
        r = redisvCommand(f->rc, fmt, ap);
        va_end(ap);
    }
    assert_non_null(r);
    return r;
}

VG_UNUSED static long long fx_int(fx_t *f, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    long long v;

    va_start(ap, fmt);
    r = redisvCommand(f->rc, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    v = r->integer;
    freeReplyObject(r);
    return v;
}

/* HGET into @p out ("" when absent). */
static const char *fx_hget(fx_t *f, const char *key, const char *field, char *out, size_t cap)
{
    redisReply *r = fx_cmd(f, "HGET %s %s", key, field);
    snprintf(out, cap, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return out;
}

/*
 * Writes one action stream entry into vg:{demo:<shard>}:q, as decide.lua
 * does, with the decision record it belongs to. @p extra: NULL-terminated
 * field/value pairs appended (a, w, n). Returns the entry id in @p id.
 */
VG_UNUSED static void fx_entry(fx_t *f, unsigned shard, const char *did, const char *platform,
                               const char *page, const char *content, const char *acts,
                               const char *wc, const char *dry, char *id, size_t idcap, ...)
{
    const char *argv[40];
    char key[64];
    char rec[96];
    int argc = 0;
    va_list ap;
    redisReply *r;
    const char *s;

    snprintf(key, sizeof(key), "vg:{demo:%u}:q", shard);
    snprintf(rec, sizeof(rec), "vg:{demo:%u}:d:%s", shard, did);
    freeReplyObject(fx_cmd(f, "HSET %s verdict act platform %s", rec, platform));
    argv[argc++] = "XADD";
    argv[argc++] = key;
    argv[argc++] = "*";
    argv[argc++] = "d";
    argv[argc++] = did;
    argv[argc++] = "tn";
    argv[argc++] = "demo";
    argv[argc++] = "p";
    argv[argc++] = platform;
    argv[argc++] = "pg";
    argv[argc++] = page;
    argv[argc++] = "c";
    argv[argc++] = content;
    va_start(ap, idcap);
    while ((s = va_arg(ap, const char *)) != NULL && argc < 34)
        argv[argc++] = s;
    va_end(ap);
    argv[argc++] = "acts";
    argv[argc++] = acts;
    argv[argc++] = "wc";
    argv[argc++] = wc;
    argv[argc++] = "dry";
    argv[argc++] = dry;
    argv[argc++] = "ts";
    argv[argc++] = "1767225603000";
    r = redisCommandArgv(f->rc, argc, argv, NULL);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    snprintf(id, idcap, "%s", r->str);
    freeReplyObject(r);
}

typedef struct rec_ref {
    unsigned shard;
    const char *did;
} rec_ref_t;

VG_UNUSED static bool fx_pred_done(fx_t *f, const void *arg)
{
    const rec_ref_t *rr = arg;
    char rec[96];
    char v[64];

    snprintf(rec, sizeof(rec), "vg:{demo:%u}:d:%s", rr->shard, rr->did);
    return fx_hget(f, rec, "done", v, sizeof(v))[0] != '\0';
}

/* Runs the loop until the record of @p did has `done` (or fails the test). */
VG_UNUSED static void fx_wait_done(fx_t *f, unsigned shard, const char *did, unsigned ms)
{
    rec_ref_t rr = {shard, did};
    if (!fx_run(f, ms, fx_pred_done, &rr))
        fail_msg("decision %s not done within %u ms", did, ms);
}

static const char *fx_result(fx_t *f, unsigned shard, const char *did, const char *action,
                             char *out, size_t cap)
{
    char rec[96];
    char field[32];
    snprintf(rec, sizeof(rec), "vg:{demo:%u}:d:%s", shard, did);
    snprintf(field, sizeof(field), "r.%s", action);
    return fx_hget(f, rec, field, out, cap);
}

VG_UNUSED static bool fx_pred_calls(fx_t *f, const void *arg)
{
    return vg_test_graph_calls(f->graph) >= *(const size_t *)arg;
}

VG_UNUSED static void fx_wait_calls(fx_t *f, size_t n, unsigned ms)
{
    if (!fx_run(f, ms, fx_pred_calls, &n))
        fail_msg("%zu graph calls expected within %u ms, got %zu", n, ms,
                 vg_test_graph_calls(f->graph));
}

VG_UNUSED static vg_test_graph_call_t fx_call(fx_t *f, size_t i)
{
    vg_test_graph_call_t c;
    if (!vg_test_graph_call(f->graph, i, &c))
        fail_msg("no graph call %zu", i);
    return c;
}

/* The entry is acknowledged and deleted from its stream. */
VG_UNUSED static void fx_assert_acked(fx_t *f, unsigned shard)
{
    redisReply *r = fx_cmd(f, "XPENDING vg:{demo:%u}:q vaglio", shard);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->element[0]->integer, 0);
    freeReplyObject(r);
    assert_int_equal(fx_int(f, "XLEN vg:{demo:%u}:q", shard), 0);
}

#endif
