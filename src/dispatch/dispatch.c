/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch, stream side: the action dispatcher's life cycle and its reading
 * of the action streams (`vg:{tenant:shard}:q`, consumer group "vaglio",
 * consumer = the instance name). Each entry read is handed to entry.c,
 * which performs its actions with the Graph API and acknowledges it.
 *
 *   SETUP    XGROUP CREATE <stream> vaglio 0 MKSTREAM for every stream
 *     |      (BUSYGROUP: it exists, fine); retried until every one answers
 *     v
 *   PENDING  XREADGROUP ... STREAMS <stream> <cursor>: the entries this
 *     |      consumer was given in an earlier run and never acknowledged,
 *     |      one stream at a time; resumed (the record says what is done)
 *     v
 *   LIVE     XREADGROUP ... COUNT <free slots> BLOCK <block_ms> STREAMS k.. > ..
 *            while fewer than `concurrency` entries are in flight, batch_ms
 *            after a read that found entries (so that a busy stream costs one
 *            read and one wake-up per window, not per entry); and every
 *            claim_idle_ms / 2: XCLAIM ... JUSTID our own in-flight entries
 *            (so a long backoff does not make them look abandoned), then
 *            XAUTOCLAIM entries idle past claim_idle_ms from dead consumers.
 *   A NOGROUP reply (the stream was deleted, Redis lost its data) -> SETUP.
 *
 * Two Redis connections: the reader carries only XREADGROUP, so a blocking
 * read never delays a result write on the writer. The block time is at most
 * half the store's command timeout and half its probe period: the store
 * probes each connection with PING, and a PING queued behind a blocking read
 * must still answer before the next probe is due.
 *
 * Lifetime: every store command and HTTP request owes us one callback
 * (d->ops). vg_dispatch_free abandons the entries, frees the stores and the
 * HTTP client (whose callbacks then arrive with errors, from the loop) and
 * the dispatcher itself goes when the last owed callback has come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "dispatch/dispatch_internal.h"
#include "vaglio/log.h"

/* A dispatcher-level command's context: the stream it is about, if any. */
typedef struct dop {
    vg_dispatch_t *d;
    bool live;
    char key[];
} dop_t;

static dop_t *dop_new(vg_dispatch_t *d, const char *key, bool live)
{
    size_t n = key != NULL ? strlen(key) : 0;
    dop_t *op = vg_xmalloc(sizeof(*op) + n + 1);

    op->d = d;
    op->live = live;
    memcpy(op->key, key != NULL ? key : "", n);
    op->key[n] = '\0';
    return op;
}

uint64_t vg_dispatch_rand(vg_dispatch_t *d)
{
    /* xorshift64*: jitter only, never security. */
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * 2685821657736338717ull;
}

void vg_dispatch_cmd(vg_dispatch_t *d, vg_store_t *st, vg_store_reply_cb cb, void *arg,
                     unsigned timeout_ms, int argc, const char **argv, const size_t *lens)
{
    d->ops++;
    /* The callback comes in every case, an error included. */
    vg_store_command(st, cb, arg, timeout_ms, argc, argv, lens);
}

static void destroy(vg_dispatch_t *d)
{
    for (size_t i = 0; i < d->nstreams; i++)
        free(d->streams[i].key);
    free(d->streams);
    free(d->consumer);
    free(d);
}

bool vg_dispatch_op_done(vg_dispatch_t *d)
{
    d->ops--;
    if (d->closing) {
        if (d->ops == 0)
            destroy(d);
        return false;
    }
    return true;
}

static void arm_retry(vg_dispatch_t *d, unsigned ms)
{
    struct timeval tv = vg_ms_timeval(ms);

    if (!event_pending(d->retry_ev, EV_TIMEOUT, NULL))
        evtimer_add(d->retry_ev, &tv);
}

static vg_dispatch_stream_t *stream_find(vg_dispatch_t *d, const char *key, size_t len)
{
    for (size_t i = 0; i < d->nstreams; i++)
        if (d->streams[i].key != NULL && strlen(d->streams[i].key) == len &&
            memcmp(d->streams[i].key, key, len) == 0)
            return &d->streams[i];
    return NULL;
}

bool vg_dispatch_has_entry(const vg_dispatch_t *d, const char *key, const char *id)
{
    vg_dispatch_t *md = (vg_dispatch_t *)d;

    for (vg_dispatch_entry_t *e = vg_dispatch_entry_next(md, NULL); e != NULL;
         e = vg_dispatch_entry_next(md, e))
        if (strcmp(vg_dispatch_entry_id(e), id) == 0 && strcmp(vg_dispatch_entry_key(e), key) == 0)
            return true;
    return false;
}

static size_t free_slots(const vg_dispatch_t *d)
{
    return d->inflight < d->concurrency ? d->concurrency - d->inflight : 0;
}

/* Acknowledges an entry whose data is gone (deleted while pending): nothing to do. */
static void on_ignored(const char *err, struct redisReply *reply, void *arg)
{
    dop_t *op = arg;
    vg_dispatch_t *d = op->d;
    (void)err;
    (void)reply;

    free(op);
    vg_dispatch_op_done(d);
}

static void ack_deleted(vg_dispatch_t *d, const char *key, const char *id)
{
    const char *argv[] = {"XACK", key, VG_DISPATCH_GROUP, id};
    vg_dispatch_cmd(d, d->writer, on_ignored, dop_new(d, NULL, false), 0, 4, argv, NULL);
}

/* Starts the entries of one stream of an XREADGROUP/XAUTOCLAIM reply; returns how many. */
static size_t take_entries(vg_dispatch_t *d, const char *key, const redisReply *list, bool resumed,
                           char *last_id, size_t last_cap)
{
    size_t n = 0;

    if (list == NULL || list->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *ent = list->element[i];
        const redisReply *id;
        if (ent == NULL || ent->type != REDIS_REPLY_ARRAY || ent->elements < 2)
            continue;
        id = ent->element[0];
        if (id->type != REDIS_REPLY_STRING || id->len == 0 || id->len >= 48)
            continue;
        n++;
        if (last_id != NULL)
            vg_strlcpy(last_id, id->str, last_cap);
        if (ent->element[1]->type != REDIS_REPLY_ARRAY) {
            ack_deleted(d, key, id->str);
            continue;
        }
        if (!vg_dispatch_has_entry(d, key, id->str))
            vg_dispatch_entry_start(d, key, id->str, ent->element[1], resumed);
    }
    return n;
}

/* ---- setup ----------------------------------------------------------------------- */

static void after_setup(vg_dispatch_t *d)
{
    bool all = true;
    bool pending = false;

    for (size_t i = 0; i < d->nstreams; i++) {
        all &= d->streams[i].created;
        pending |= !d->streams[i].pending_done;
    }
    if (!all) {
        arm_retry(d, 250);
        return;
    }
    d->phase = pending ? VG_DISPATCH_PENDING : VG_DISPATCH_LIVE;
    VG_LOG_DEBUG(dispatch, "msg=\"consumer groups ready\" streams=%zu", d->nstreams);
    vg_dispatch_pump(d);
}

static void on_group_created(const char *err, struct redisReply *reply, void *arg)
{
    dop_t *op = arg;
    vg_dispatch_t *d = op->d;
    vg_dispatch_stream_t *s;

    if (!vg_dispatch_op_done(d)) {
        free(op);
        return;
    }
    s = stream_find(d, op->key, strlen(op->key));
    if (err == NULL && s != NULL &&
        (reply->type == REDIS_REPLY_STATUS ||
         (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) == 0)))
        s->created = true;
    else if (err == NULL && reply->type == REDIS_REPLY_ERROR)
        VG_LOG_WARN(dispatch, "msg=\"XGROUP CREATE refused\" stream=%s", op->key);
    free(op);
    if (--d->setup_waiting == 0 && !d->draining)
        after_setup(d);
}

static void setup(vg_dispatch_t *d)
{
    if (vg_store_state(d->writer) != VG_STORE_READY) {
        arm_retry(d, 100);
        return;
    }
    for (size_t i = 0; i < d->nstreams; i++) {
        const char *argv[] = {"XGROUP",          "CREATE", d->streams[i].key,
                              VG_DISPATCH_GROUP, "0",      "MKSTREAM"};
        if (d->streams[i].created)
            continue;
        d->setup_waiting++;
        vg_dispatch_cmd(d, d->writer, on_group_created, dop_new(d, d->streams[i].key, false), 0, 6,
                        argv, NULL);
    }
    if (d->setup_waiting == 0)
        after_setup(d);
}

/* ---- reading ------------------------------------------------------------------------ */

static void on_read(const char *err, struct redisReply *reply, void *arg)
{
    dop_t *op = arg;
    vg_dispatch_t *d = op->d;
    bool live = op->live;
    vg_dispatch_stream_t *ps = NULL;
    size_t taken = 0;  /* live: entries this read brought */
    bool full = false; /* some stream gave all the read asked of it */

    if (!vg_dispatch_op_done(d)) {
        free(op);
        return;
    }
    d->reading = false;
    if (!live)
        ps = stream_find(d, op->key, strlen(op->key));
    free(op);
    if (err != NULL) {
        VG_LOG_DEBUG(dispatch, "msg=\"stream read failed\" error=\"%s\"", err);
        arm_retry(d, 250);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: the group is gone; UNBLOCKED: the stream was deleted under a
         * blocked read. Either way Redis lost the stream: create the groups again. */
        if (strncmp(reply->str, "NOGROUP", 7) == 0 || strncmp(reply->str, "UNBLOCKED", 9) == 0) {
            VG_LOG_WARN(dispatch, "msg=\"consumer group missing, creating it again\"");
            for (size_t i = 0; i < d->nstreams; i++)
                d->streams[i].created = false;
            d->phase = VG_DISPATCH_SETUP;
            arm_retry(d, 50);
        } else {
            char q[160];
            VG_LOG_WARN(dispatch, "msg=\"XREADGROUP refused\" error=%s",
                        vg_log_quote(reply->str, q, sizeof(q)));
            arm_retry(d, 1000);
        }
        return;
    }
    /* While draining, what was just delivered stays pending: the next start resumes it. */
    if (d->draining)
        return;
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements; i++) {
            const redisReply *st = reply->element[i];
            char last[48] = "";
            size_t n;
            if (st->type != REDIS_REPLY_ARRAY || st->elements < 2 ||
                st->element[0]->type != REDIS_REPLY_STRING)
                continue;
            n = take_entries(d, st->element[0]->str, st->element[1], !live, last, sizeof(last));
            taken += n;
            full |= n >= d->read_count;
            if (ps != NULL && n > 0)
                vg_strlcpy(ps->pending_at, last, sizeof(ps->pending_at));
            if (ps != NULL && n == 0)
                ps->pending_done = true;
        }
    }
    if (ps != NULL && reply->type != REDIS_REPLY_ARRAY)
        ps->pending_done = true;
    /* A read that emptied the streams: let the next entries gather. One that
     * got all it asked of a stream has a backlog behind it: read on at once. */
    if (live && taken > 0 && !full && d->batch_ms > 0) {
        struct timeval tv = vg_ms_timeval(d->batch_ms);
        evtimer_add(d->batch_ev, &tv);
    }
    if (!live) {
        bool done = true;
        for (size_t i = 0; i < d->nstreams; i++)
            done &= d->streams[i].pending_done;
        if (done) {
            d->phase = VG_DISPATCH_LIVE;
            VG_LOG_INFO(dispatch,
                        "msg=\"pending entries resumed, reading new ones\" "
                        "in_flight=%zu",
                        d->inflight);
        }
    }
    vg_dispatch_pump(d);
}

/* Our own entries left pending by an earlier run: one stream at a time. */
static void read_pending(vg_dispatch_t *d, size_t slots)
{
    vg_dispatch_stream_t *s = NULL;
    char count[24];

    for (size_t i = 0; i < d->nstreams && s == NULL; i++)
        if (!d->streams[i].pending_done)
            s = &d->streams[i];
    if (s == NULL) {
        d->phase = VG_DISPATCH_LIVE;
        vg_dispatch_pump(d);
        return;
    }
    snprintf(count, sizeof(count), "%zu", slots);
    const char *argv[] = {"XREADGROUP", "GROUP", VG_DISPATCH_GROUP, d->consumer, "COUNT", count,
                          "STREAMS",    s->key,  s->pending_at};
    d->reading = true;
    vg_dispatch_cmd(d, d->reader, on_read, dop_new(d, s->key, false), 0, 9, argv, NULL);
}

/* New entries. COUNT applies per stream, so it is the free slots spread over the
 * streams: at most concurrency + number of streams are read; those beyond
 * concurrency wait in memory (entry.c) and start as slots free up. */
static void read_live(vg_dispatch_t *d, size_t slots)
{
    size_t n = d->nstreams;
    int argc = 0;
    const char **argv = vg_xcalloc(9 + 2 * n, sizeof(*argv));
    char count[24];
    char block[24];

    d->read_count = (slots + n - 1) / n;
    snprintf(count, sizeof(count), "%zu", d->read_count);
    snprintf(block, sizeof(block), "%u", d->block_ms);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = VG_DISPATCH_GROUP;
    argv[argc++] = d->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count;
    argv[argc++] = "BLOCK";
    argv[argc++] = block;
    argv[argc++] = "STREAMS";
    for (size_t i = 0; i < n; i++)
        argv[argc++] = d->streams[i].key;
    for (size_t i = 0; i < n; i++)
        argv[argc++] = ">";
    d->reading = true;
    vg_dispatch_cmd(d, d->reader, on_read, dop_new(d, NULL, true), d->read_timeout_ms, argc, argv,
                    NULL);
    free(argv);
}

void vg_dispatch_pump(vg_dispatch_t *d)
{
    size_t slots;

    if (d->closing || d->draining || d->nstreams == 0)
        return;
    if (d->phase == VG_DISPATCH_SETUP) {
        if (d->setup_waiting == 0)
            setup(d);
        return;
    }
    if (d->reading || (slots = free_slots(d)) == 0 || evtimer_pending(d->batch_ev, NULL))
        return;
    if (vg_store_state(d->reader) != VG_STORE_READY) {
        arm_retry(d, 100);
        return;
    }
    if (d->phase == VG_DISPATCH_PENDING)
        read_pending(d, slots);
    else
        read_live(d, slots);
}

/* The retry timer and the batch window's end. */
static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    vg_dispatch_pump(arg);
}

/* ---- claiming ---------------------------------------------------------------------- */

static void claim_next(vg_dispatch_t *d);

static void on_claimed(const char *err, struct redisReply *reply, void *arg)
{
    dop_t *op = arg;
    vg_dispatch_t *d = op->d;
    vg_dispatch_stream_t *s;

    if (!vg_dispatch_op_done(d)) {
        free(op);
        return;
    }
    d->claiming = false;
    s = stream_find(d, op->key, strlen(op->key));
    if (err == NULL && reply->type == REDIS_REPLY_ERROR) {
        if (strstr(reply->str, "unknown command") != NULL) {
            VG_LOG_WARN(dispatch, "msg=\"XAUTOCLAIM unsupported (Redis < 6.2): entries of dead "
                                  "consumers are not taken over\"");
            d->claim_unsupported = true;
        }
    } else if (err == NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
               !d->draining) {
        size_t n;
        if (s != NULL && reply->element[0]->type == REDIS_REPLY_STRING)
            vg_strlcpy(s->claim_at, reply->element[0]->str, sizeof(s->claim_at));
        n = take_entries(d, op->key, reply->element[1], true, NULL, 0);
        if (n > 0)
            VG_LOG_INFO(dispatch, "msg=\"claimed idle entries\" count=%zu", n);
    }
    free(op);
    d->claim_idx++;
    claim_next(d);
}

static void claim_next(vg_dispatch_t *d)
{
    size_t slots = free_slots(d);
    vg_dispatch_stream_t *s;
    char idle[24];
    char count[24];

    if (d->claim_unsupported || d->draining || d->closing || slots == 0 ||
        d->claim_idx >= d->nstreams || vg_store_state(d->writer) != VG_STORE_READY)
        return;
    s = &d->streams[d->claim_idx];
    snprintf(idle, sizeof(idle), "%u", d->claim_idle_ms);
    snprintf(count, sizeof(count), "%zu", slots);
    const char *argv[] = {"XAUTOCLAIM", s->key,      VG_DISPATCH_GROUP, d->consumer,
                          idle,         s->claim_at, "COUNT",           count};
    d->claiming = true;
    vg_dispatch_cmd(d, d->writer, on_claimed, dop_new(d, s->key, false), 0, 8, argv, NULL);
}

static void on_claim_tick(evutil_socket_t fd, short what, void *arg)
{
    vg_dispatch_t *d = arg;
    (void)fd;
    (void)what;

    if (d->draining || d->phase != VG_DISPATCH_LIVE || vg_store_state(d->writer) != VG_STORE_READY)
        return;
    /* A heartbeat: our entries waiting on a backoff must not look abandoned. */
    for (vg_dispatch_entry_t *e = vg_dispatch_entry_next(d, NULL); e != NULL;
         e = vg_dispatch_entry_next(d, e)) {
        const char *argv[] = {"XCLAIM", vg_dispatch_entry_key(e), VG_DISPATCH_GROUP, d->consumer,
                              "0",      vg_dispatch_entry_id(e),  "JUSTID"};
        vg_dispatch_cmd(d, d->writer, on_ignored, dop_new(d, NULL, false), 0, 7, argv, NULL);
    }
    if (!d->claiming) {
        d->claim_idx = 0;
        claim_next(d);
    }
}

/* ---- configuration ------------------------------------------------------------------ */

static unsigned or_default(unsigned v, unsigned def)
{
    return v != 0 ? v : def;
}

static void apply_settings(vg_dispatch_t *d, const vg_config_t *cfg)
{
    unsigned store_to = or_default(cfg->store.timeout_ms, 1000);
    unsigned ping = or_default(cfg->store.ping_ms, 500);

    d->concurrency = or_default(cfg->dispatch.concurrency, 32);
    d->timeout_ms = or_default(cfg->dispatch.timeout_ms, 10000);
    d->max_attempts = or_default(cfg->dispatch.max_attempts, 10);
    d->backoff_base_ms = or_default(cfg->dispatch.backoff_base_ms, 250);
    d->backoff_max_ms = or_default(cfg->dispatch.backoff_max_ms, 60000);
    d->claim_idle_ms = or_default(cfg->dispatch.claim_idle_ms, 60000);
    d->retention_s = or_default(cfg->store.retention_s, 90u * 86400u);
    /* The store PINGs the reader too; a PING queued behind a blocking read
     * must come back before the next probe (and the command deadline). */
    d->block_ms = VG_MAX(50u, VG_MIN(VG_MIN(1000u, store_to / 2), ping / 2));
    d->read_timeout_ms = d->block_ms + store_to;
    d->batch_ms = cfg->dispatch.batch_ms; /* 0 is a setting: no window */
}

/* The streams of @p cfg, keeping what we know of those we already had. */
static void build_streams(vg_dispatch_t *d, const vg_config_t *cfg)
{
    unsigned shards = or_default(cfg->store.shards, 16);
    size_t n = cfg->ntenants * shards;
    vg_dispatch_stream_t *ns = vg_xcalloc(n > 0 ? n : 1, sizeof(*ns));
    size_t k = 0;

    for (size_t t = 0; t < cfg->ntenants; t++) {
        for (unsigned s = 0; s < shards; s++) {
            char *key = vg_xasprintf("vg:{%s:%u}:q", cfg->tenants[t].name, s);
            vg_dispatch_stream_t *old = stream_find(d, key, strlen(key));
            if (old != NULL) {
                ns[k] = *old;
                old->key = NULL;
                free(key);
            } else {
                ns[k].key = key;
                vg_strlcpy(ns[k].pending_at, "0", sizeof(ns[k].pending_at));
                vg_strlcpy(ns[k].claim_at, "0-0", sizeof(ns[k].claim_at));
            }
            k++;
        }
    }
    for (size_t i = 0; i < d->nstreams; i++)
        free(d->streams[i].key);
    free(d->streams);
    d->streams = ns;
    d->nstreams = k;
}

static bool all_created(const vg_dispatch_t *d)
{
    for (size_t i = 0; i < d->nstreams; i++)
        if (!d->streams[i].created)
            return false;
    return true;
}

void vg_dispatch_set_config(vg_dispatch_t *d, const vg_config_t *cfg)
{
    if (d == NULL || cfg == NULL || d->closing)
        return;
    d->cfg = cfg;
    apply_settings(d, cfg);
    build_streams(d, cfg);
    if (!all_created(d) && d->phase != VG_DISPATCH_SETUP) {
        /* New tenants or shards: their groups first, then their pending entries. */
        d->phase = VG_DISPATCH_SETUP;
    }
    vg_dispatch_pump(d);
}

/* ---- life cycle ----------------------------------------------------------------- */

static void on_drain_event(evutil_socket_t fd, short what, void *arg)
{
    vg_dispatch_t *d = arg;
    (void)fd;
    (void)what;

    if (d->drain_fired)
        return;
    if (d->inflight > 0)
        VG_LOG_WARN(dispatch,
                    "msg=\"drain grace over: entries stay pending for the next start\" "
                    "in_flight=%zu",
                    d->inflight);
    while (vg_dispatch_entry_next(d, NULL) != NULL)
        vg_dispatch_entry_abandon(vg_dispatch_entry_next(d, NULL));
    d->drain_fired = true;
    if (d->drain_cb != NULL)
        d->drain_cb(d->drain_arg);
}

void vg_dispatch_entry_finished(vg_dispatch_t *d)
{
    vg_dispatch_entry_start_waiting(d);
    if (d->draining) {
        if (d->inflight == 0 && !d->drain_fired) {
            event_del(d->drain_ev);
            event_active(d->drain_ev, EV_TIMEOUT, 1);
        }
        return;
    }
    vg_dispatch_pump(d);
}

void vg_dispatch_drain(vg_dispatch_t *d, unsigned grace_ms, void (*done)(void *arg), void *arg)
{
    struct timeval tv = vg_ms_timeval(grace_ms);

    if (d == NULL || d->draining)
        return;
    d->draining = true;
    d->drain_cb = done;
    d->drain_arg = arg;
    event_del(d->retry_ev);
    event_del(d->claim_ev);
    event_del(d->batch_ev);
    /* Entries read but not started stay pending: the next start resumes them. */
    vg_dispatch_entry_abandon_waiting(d);
    VG_LOG_INFO(dispatch, "msg=\"draining\" in_flight=%zu grace_ms=%u", d->inflight, grace_ms);
    if (d->inflight == 0)
        event_active(d->drain_ev, EV_TIMEOUT, 1);
    else
        evtimer_add(d->drain_ev, &tv);
}

vg_dispatch_t *vg_dispatch_new(struct event_base *base, const vg_config_t *cfg, vg_metrics_t *m,
                               vg_err_t *err)
{
    vg_dispatch_t *d;
    vg_httpc_opts_t ho;
    char host[256];
    struct timeval tick;

    if (base == NULL || cfg == NULL) {
        vg_err_set(err, VG_EINVAL, "dispatch: no event base or config");
        return NULL;
    }
    d = vg_xcalloc(1, sizeof(*d));
    d->base = base;
    d->cfg = cfg;
    d->m = m;
    apply_settings(d, cfg);
    memset(host, 0, sizeof(host));
    if (cfg->instance != NULL && cfg->instance[0] != '\0')
        d->consumer = vg_xstrdup(cfg->instance);
    else if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0')
        d->consumer = vg_xstrdup(host);
    else
        d->consumer = vg_xstrdup("vaglio");
    if (vg_random_bytes(&d->rng, sizeof(d->rng)) < 0 || d->rng == 0)
        d->rng = vg_mono_ns() | 1;
    build_streams(d, cfg);

    d->writer = vg_store_new(base, cfg, "dispatch", err);
    if (d->writer == NULL)
        goto fail;
    d->reader = vg_store_new(base, cfg, "dispatch-read", err);
    if (d->reader == NULL)
        goto fail;
    memset(&ho, 0, sizeof(ho));
    ho.ca_file = cfg->dispatch.ca_file;
    ho.max_per_origin = d->concurrency;
    d->http = vg_httpc_new(base, &ho, err);
    if (d->http == NULL)
        goto fail;
    d->retry_ev = evtimer_new(base, on_retry, d);
    d->claim_ev = event_new(base, -1, EV_PERSIST, on_claim_tick, d);
    d->drain_ev = evtimer_new(base, on_drain_event, d);
    d->batch_ev = evtimer_new(base, on_retry, d);
    if (d->retry_ev == NULL || d->claim_ev == NULL || d->drain_ev == NULL || d->batch_ev == NULL) {
        vg_err_set(err, VG_EIO, "dispatch: cannot create events");
        goto fail;
    }
    tick = vg_ms_timeval(VG_MAX(d->claim_idle_ms / 2, 100u));
    evtimer_add(d->claim_ev, &tick);
    /* The stores are still connecting: the first setup attempt waits a little. */
    arm_retry(d, 20);
    VG_LOG_INFO(dispatch, "msg=\"dispatcher started\" streams=%zu concurrency=%u", d->nstreams,
                d->concurrency);
    return d;
fail:
    vg_dispatch_free(d);
    return NULL;
}

void vg_dispatch_free(vg_dispatch_t *d)
{
    if (d == NULL || d->closing)
        return;
    d->closing = true;
    while (vg_dispatch_entry_next(d, NULL) != NULL)
        vg_dispatch_entry_abandon(vg_dispatch_entry_next(d, NULL));
    if (d->retry_ev != NULL)
        event_free(d->retry_ev);
    if (d->claim_ev != NULL)
        event_free(d->claim_ev);
    if (d->drain_ev != NULL)
        event_free(d->drain_ev);
    if (d->batch_ev != NULL)
        event_free(d->batch_ev);
    d->retry_ev = d->claim_ev = d->drain_ev = d->batch_ev = NULL;
    /* Their owed callbacks arrive from the loop, with errors; the last one frees d. */
    vg_httpc_free(d->http);
    vg_store_free(d->reader);
    vg_store_free(d->writer);
    d->http = NULL;
    d->reader = d->writer = NULL;
    if (d->ops == 0)
        destroy(d);
}
