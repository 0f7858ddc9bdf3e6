/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store connection: one asynchronous hiredis connection on a libevent loop,
 * with what hiredis 0.14 lacks built on libevent timers: an explicit state,
 * per-command deadlines, a PING probe and reconnection with capped,
 * jittered exponential backoff. Every module that talks to Redis goes
 * through here (the decide script in decide.c, the dispatcher, the API).
 *
 *                 vg_store_new
 *                      |
 *                      v
 *   +-----------> DISCONNECTED ---- reconnect timer (50 ms .. reconnect_max_ms, jitter)
 *   |                  ^                 |
 *   |                  |                 v
 *   |     connect error, connect    CONNECTING ---- AUTH? SELECT? SCRIPT LOAD ---+
 *   |     timeout, handshake error       |                                     |
 *   |                  +-----------------+                                     v
 *   +--- disconnect, a command past its deadline, vg_store_free ---------- READY
 *                                                       (PING every ping_ms)
 *
 * Ownership of a command: once hiredis accepted it, hiredis calls on_reply
 * exactly once for it, with the reply or with NULL when the context goes
 * away (hiredis runs the NULL callbacks of every pending command before it
 * frees a context). A reply is delivered at once; a failure is queued on
 * `failq` and delivered from `ev_defer`, a manually activated event, so no
 * callback ever fires from within vg_store_command or vg_store_free, and no
 * user code runs while hiredis is half-way through freeing a context.
 *
 * Writing: hiredis would switch the socket's write interest on for every
 * command and off once written, two epoll_ctl calls per loop pass, and
 * write on the next pass. Instead the first command of a pass activates
 * `ev_flush`, which runs after the other callbacks of the same pass and
 * writes every command they queued in one write(2); the interest switched on
 * and off within one pass cancels out in libevent's changelist (the worker
 * loops use EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST), so a busy worker
 * pipelines its EVALSHAs with one write per pass and no epoll_ctl.
 *
 * Reading: hiredis's own libevent adapter uses one-shot events, so libevent
 * takes the read interest off when a reply arrives and hiredis puts it back,
 * an epoll_ctl per reply. attach() below gives hiredis persistent events
 * instead: the read interest stays on for the life of the connection.
 *
 * redisAsyncFree is only ever called from our own timer or deferred event,
 * never from a hiredis callback: inside a connect or disconnect callback it
 * would free the context under hiredis's feet. Teardowns needed from inside
 * a hiredis callback (a failed AUTH) are requested and done from ev_defer.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/evp.h>

#include "vaglio/log.h"
#include "store/store_internal.h"

const char vg_store_err_unavailable[] = "redis unavailable";
const char vg_store_err_timeout[] = "redis timeout";
const char vg_store_err_reply[] = "redis error reply";
const char vg_store_err_closed[] = "store closed";
const char vg_store_err_invalid[] = "invalid store request";

#define BACKOFF_MIN_MS 50
#define COMMANDV_MAX   64

static void start_connect(vg_store_t *st);

/* ---- small helpers ---------------------------------------------------------- */

static void list_push(vg_store_cmd_list_t *l, vg_store_cmd_t *c)
{
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    l->n++;
}

static void list_remove(vg_store_cmd_list_t *l, vg_store_cmd_t *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    l->n--;
}

static vg_store_cmd_t *list_pop(vg_store_cmd_list_t *l)
{
    vg_store_cmd_t *c = l->head;

    if (c == NULL)
        return NULL;
    l->head = c->next;
    if (l->head != NULL)
        l->head->prev = NULL;
    else
        l->tail = NULL;
    c->prev = c->next = NULL;
    l->n--;
    return c;
}

static void timer_arm(struct event *ev, uint64_t ms)
{
    struct timeval tv = vg_ms_timeval(ms);
    event_add(ev, &tv);
}

int64_t vg_store_now(const vg_store_t *st)
{
    return st->now_override_ms != 0 ? st->now_override_ms : vg_now_ms();
}

void vg_store_set_now_ms(vg_store_t *st, int64_t now_ms)
{
    st->now_override_ms = now_ms;
}

/* ---- delivery ----------------------------------------------------------------- */

/* Runs the callback once (user code may re-enter the store: depth says so) and frees. */
static void deliver(vg_store_t *st, vg_store_cmd_t *c, const char *err, redisReply *reply)
{
    if (!c->done && c->cb != NULL) {
        c->done = true;
        st->depth++;
        c->cb(err, reply, c->arg);
        st->depth--;
    }
    free(c);
}

/* Queues @p c to fail with @p err from the deferred event. */
static void fail_later(vg_store_t *st, vg_store_cmd_t *c, const char *err)
{
    if (c->err == NULL)
        c->err = err;
    list_push(&st->failq, c);
    event_active(st->ev_defer, EV_TIMEOUT, 0);
}

void vg_store_fail_later(vg_store_t *st, vg_store_reply_cb cb, void *arg, const char *err)
{
    vg_store_cmd_t *c = vg_xcalloc(1, sizeof(*c));
    c->st = st;
    c->cb = cb;
    c->arg = arg;
    fail_later(st, c, err);
}

/* Delivers the failures queued so far; ones queued meanwhile wait for the next round. */
static void drain(vg_store_t *st)
{
    vg_store_cmd_list_t l = st->failq;
    vg_store_cmd_t *c;

    memset(&st->failq, 0, sizeof(st->failq));
    while ((c = list_pop(&l)) != NULL)
        deliver(st, c, st->closing ? vg_store_err_closed : c->err, NULL);
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    vg_store_cmd_t *c = privdata;
    vg_store_t *st = c->st;
    redisReply *reply = r;

    (void)ac;
    list_remove(&st->pending, c);
    if (st->closing) {
        fail_later(st, c, vg_store_err_closed);
        return;
    }
    if (reply == NULL || c->err != NULL) {
        fail_later(st, c, vg_store_err_unavailable);
        return;
    }
    deliver(st, c, NULL, reply);
}

/* ---- state -------------------------------------------------------------------- */

static void schedule_reconnect(vg_store_t *st)
{
    uint32_t rnd = 0;
    uint64_t d = st->backoff_ms;

    if (st->closing)
        return;
    /* Jitter in [d/2, d]: workers that lost Redis together do not return together. */
    if (vg_random_bytes(&rnd, sizeof(rnd)) < 0)
        rnd = (uint32_t)vg_mono_ns();
    d = d / 2 + rnd % (d / 2 + 1);
    timer_arm(st->ev_reconnect, d);
    st->backoff_ms = VG_MIN(st->backoff_ms * 2, st->reconnect_max_ms);
    if (st->backoff_ms < BACKOFF_MIN_MS)
        st->backoff_ms = BACKOFF_MIN_MS;
}

/* The context is gone or going: forget it and stop everything tied to it. */
static void detach(vg_store_t *st)
{
    st->ac = NULL;
    st->state = VG_STORE_DISCONNECTED;
    st->probe_ok = false;
    st->ping_outstanding = false;
    event_del(st->ev_ping);
    event_del(st->ev_connect);
    event_del(st->ev_deadline);
}

/*
 * Tears the connection down from outside any hiredis callback: every pending
 * command is handed back by hiredis (NULL replies) and queued to fail.
 */
static void conn_drop(vg_store_t *st, const char *reason)
{
    redisAsyncContext *ac = st->ac;

    /* A lost READY connection is news; a failed attempt was logged by its caller. */
    if (ac != NULL && !st->closing && st->state == VG_STORE_READY)
        VG_LOG_WARN(store, "msg=\"redis connection dropped\" conn=%s addr=%s reason=\"%s\"",
                    st->name, st->addr, reason);
    st->down_logged = true;
    detach(st);
    if (ac != NULL) {
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    schedule_reconnect(st);
}

static void request_reset(vg_store_t *st)
{
    st->reset_pending = true;
    st->reset_gen = st->gen;
    event_active(st->ev_defer, EV_TIMEOUT, 0);
}

static void set_ready(vg_store_t *st)
{
    st->state = VG_STORE_READY;
    st->probe_ok = true;
    st->ping_outstanding = false;
    st->backoff_ms = BACKOFF_MIN_MS;
    st->down_logged = false;
    event_del(st->ev_connect);
    timer_arm(st->ev_ping, st->ping_ms);
    VG_LOG_INFO(store, "msg=\"redis ready\" conn=%s addr=%s db=%d", st->name, st->addr, st->url.db);
}

/* ---- sending ------------------------------------------------------------------ */

static void deadline_arm(vg_store_t *st, uint64_t deadline_ns)
{
    uint64_t now = vg_mono_ns();

    /* One timer for all: armed at the earliest deadline it knows of. */
    if (event_pending(st->ev_deadline, EV_TIMEOUT, NULL) && deadline_ns >= st->deadline_armed_ns)
        return;
    st->deadline_armed_ns = deadline_ns;
    timer_arm(st->ev_deadline, deadline_ns > now ? (deadline_ns - now + 999999) / 1000000 : 0);
}

/* The end of a loop pass: the commands it queued go out in one write. */
static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    vg_store_t *st = arg;

    (void)fd;
    (void)what;
    st->flush_scheduled = false;
    /* Only on an established connection: a connect still in progress is
     * left to hiredis's own write event. */
    if (st->ac != NULL && st->state == VG_STORE_READY)
        redisAsyncHandleWrite(st->ac);
}

/* Writes ":<n>\r\n"-style headers: @p tag, the decimal @p n, CRLF. */
static int resp_head(vg_buf_t *b, char tag, size_t n)
{
    char tmp[24], *p = tmp + sizeof(tmp);

    *--p = '\n';
    *--p = '\r';
    do
        *--p = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    *--p = tag;
    return vg_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * The command in RESP, into the reused st->wire. hiredis's own formatting
 * (redisFormatSdsCommandArgv) grows an sds through sdscatfmt argument by
 * argument: 11% of a worker's instructions for the decide call's ~60
 * arguments. Its plainer redisFormatCommandArgv still mallocs the command
 * and sprintf()s each length: 3.2 µs for such a call on this machine,
 * against 0.8 µs for these copies into a buffer that keeps its capacity.
 */
static int resp_format(vg_buf_t *b, int argc, const char **argv, const size_t *argvlen)
{
    vg_buf_reset(b);
    if (resp_head(b, '*', (size_t)argc) < 0)
        return -1;
    for (int i = 0; i < argc; i++) {
        size_t n = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
        if (resp_head(b, '$', n) < 0 || vg_buf_append(b, argv[i], n) < 0 ||
            vg_buf_append(b, "\r\n", 2) < 0)
            return -1;
    }
    return 0;
}

static int send_cmd(vg_store_t *st, bool handshake, vg_store_reply_cb cb, void *arg,
                    unsigned timeout_ms, int argc, const char **argv, const size_t *argvlen)
{
    vg_store_cmd_t *c = vg_xcalloc(1, sizeof(*c));

    c->st = st;
    c->cb = cb;
    c->arg = arg;
    c->timeout_ms = timeout_ms != 0 ? timeout_ms : st->timeout_ms;
    if (st->closing) {
        fail_later(st, c, vg_store_err_closed);
        return -VG_EREDIS;
    }
    if (argc <= 0 || argv == NULL) {
        fail_later(st, c, vg_store_err_invalid);
        return -VG_EINVAL;
    }
    if (st->ac == NULL || (st->state != VG_STORE_READY && !handshake)) {
        fail_later(st, c, vg_store_err_unavailable);
        return -VG_EREDIS;
    }
    if (resp_format(&st->wire, argc, argv, argvlen) < 0 ||
        redisAsyncFormattedCommand(st->ac, on_reply, c, st->wire.data, st->wire.len) != REDIS_OK) {
        fail_later(st, c, vg_store_err_unavailable);
        return -VG_EREDIS;
    }
    c->deadline_ns = vg_mono_ns() + (uint64_t)c->timeout_ms * 1000000u;
    list_push(&st->pending, c);
    deadline_arm(st, c->deadline_ns);
    if (!handshake && !st->flush_scheduled) {
        st->flush_scheduled = true;
        event_active(st->ev_flush, EV_TIMEOUT, 0);
    }
    return 0;
}

int vg_store_command(vg_store_t *st, vg_store_reply_cb cb, void *arg, unsigned timeout_ms, int argc,
                     const char **argv, const size_t *argvlen)
{
    return send_cmd(st, false, cb, arg, timeout_ms, argc, argv, argvlen);
}

int vg_store_commandv(vg_store_t *st, vg_store_reply_cb cb, void *arg, const char *first, ...)
{
    const char *argv[COMMANDV_MAX];
    int argc = 0;
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s != NULL; s = va_arg(ap, const char *)) {
        if (argc == COMMANDV_MAX) {
            va_end(ap);
            return send_cmd(st, false, cb, arg, 0, 0, NULL, NULL);
        }
        argv[argc++] = s;
    }
    va_end(ap);
    return send_cmd(st, false, cb, arg, 0, argc, argv, NULL);
}

/* ---- handshake and probe --------------------------------------------------------- */

static void handshake_fail(vg_store_t *st, const char *what, const redisReply *reply)
{
    char q[160];

    VG_LOG_ERR(store, "msg=\"redis handshake failed\" conn=%s addr=%s step=%s error=%s", st->name,
               st->addr, what,
               vg_log_quote(reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply", q,
                            sizeof(q)));
    st->handshake_failed = true;
    request_reset(st);
}

static void on_auth(const char *err, redisReply *reply, void *arg)
{
    vg_store_t *st = arg;

    if (err == NULL && !st->closing && reply->type == REDIS_REPLY_ERROR)
        handshake_fail(st, "AUTH", reply);
}

static void on_select(const char *err, redisReply *reply, void *arg)
{
    vg_store_t *st = arg;

    if (err == NULL && !st->closing && reply->type == REDIS_REPLY_ERROR)
        handshake_fail(st, "SELECT", reply);
}

static void on_script_load(const char *err, redisReply *reply, void *arg)
{
    vg_store_t *st = arg;

    if (err != NULL || st->closing)
        return;
    if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        handshake_fail(st, "SCRIPT LOAD", reply);
        return;
    }
    if (!vg_strcaseeq_n(reply->str, st->script_sha, 40)) {
        /* Cannot happen unless Redis hashes differently: use what it says. */
        VG_LOG_ERR(store, "msg=\"decide.lua sha differs from redis\" conn=%s local=%s", st->name,
                   st->script_sha);
        memcpy(st->script_sha, reply->str, 40);
    }
    if (!st->handshake_failed)
        set_ready(st);
}

static void on_ping(const char *err, redisReply *reply, void *arg)
{
    vg_store_t *st = arg;

    if (err != NULL || st->closing)
        return;
    st->ping_outstanding = false;
    if (reply->type == REDIS_REPLY_ERROR) {
        /* -LOADING and the like: connected, but not serving. */
        if (st->probe_ok)
            VG_LOG_WARN(store, "msg=\"redis probe refused\" conn=%s", st->name);
        st->probe_ok = false;
        return;
    }
    if (!st->probe_ok)
        VG_LOG_INFO(store, "msg=\"redis probe answered again\" conn=%s", st->name);
    st->probe_ok = true;
}

static void on_ping_tick(evutil_socket_t fd, short what, void *arg)
{
    vg_store_t *st = arg;
    const char *argv[] = {"PING"};

    (void)fd;
    (void)what;
    if (st->state != VG_STORE_READY)
        return;
    if (st->ping_outstanding) {
        /* Not ready as soon as a probe is late; the command deadline drops the link. */
        if (st->probe_ok)
            VG_LOG_WARN(store, "msg=\"redis probe late\" conn=%s ping_ms=%u", st->name,
                        st->ping_ms);
        st->probe_ok = false;
        return;
    }
    if (send_cmd(st, false, on_ping, st, 0, 1, argv, NULL) == 0)
        st->ping_outstanding = true;
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    redisAsyncContext *ac = (redisAsyncContext *)cac;
    vg_store_t *st = ac->data;
    const char *argv[4];
    size_t lens[4];
    char db[16];
    int n = 0;

    if (st == NULL)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context when this returns. */
        if (!st->down_logged)
            VG_LOG_WARN(store, "msg=\"redis connect failed\" conn=%s addr=%s error=\"%s\"",
                        st->name, st->addr, ac->errstr);
        st->down_logged = true;
        ac->data = NULL;
        detach(st);
        schedule_reconnect(st);
        return;
    }
    if (st->url.password[0] != '\0') {
        argv[n] = "AUTH";
        lens[n++] = 4;
        if (st->url.user[0] != '\0') {
            argv[n] = st->url.user;
            lens[n] = strlen(st->url.user);
            n++;
        }
        argv[n] = st->url.password;
        lens[n] = strlen(st->url.password);
        n++;
        send_cmd(st, true, on_auth, st, st->connect_timeout_ms, n, argv, lens);
    }
    if (st->url.db != 0) {
        snprintf(db, sizeof(db), "%d", st->url.db);
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = db;
        lens[1] = strlen(db);
        send_cmd(st, true, on_select, st, st->connect_timeout_ms, 2, argv, lens);
    }
    argv[0] = "SCRIPT";
    lens[0] = 6;
    argv[1] = "LOAD";
    lens[1] = 4;
    argv[2] = vg_embed_decide_lua;
    lens[2] = vg_embed_decide_lua_len;
    send_cmd(st, true, on_script_load, st, st->connect_timeout_ms, 3, argv, lens);
}

static void on_disconnect(const redisAsyncContext *cac, int status)
{
    vg_store_t *st = cac->data;

    (void)status;
    if (st == NULL)
        return; /* we dropped it ourselves */
    VG_LOG_WARN(store, "msg=\"redis disconnected\" conn=%s addr=%s error=\"%s\"", st->name,
                st->addr, cac->errstr != NULL && cac->err != 0 ? cac->errstr : "none");
    st->down_logged = true;
    detach(st);
    schedule_reconnect(st);
}

/* ---- timers ---------------------------------------------------------------------- */

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    vg_store_t *st = arg;
    uint64_t now = vg_mono_ns(), next = UINT64_MAX;
    unsigned expired = 0, timeout_ms = 0;

    (void)fd;
    (void)what;
    for (vg_store_cmd_t *c = st->pending.head; c != NULL; c = c->next) {
        if (c->deadline_ns <= now) {
            c->err = vg_store_err_timeout;
            timeout_ms = c->timeout_ms;
            expired++;
        } else if (c->deadline_ns < next) {
            next = c->deadline_ns;
        }
    }
    if (expired > 0) {
        /*
         * A late reply would be taken for the next command's: the only safe
         * way on is a new connection. The others fail as unavailable.
         */
        VG_LOG_WARN(store,
                    "msg=\"redis command timed out\" conn=%s timeout_ms=%u expired=%u "
                    "pending=%zu",
                    st->name, timeout_ms, expired, st->pending.n);
        conn_drop(st, "command timeout");
        return;
    }
    if (next != UINT64_MAX)
        deadline_arm(st, next);
}

static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    vg_store_t *st = arg;

    (void)fd;
    (void)what;
    if (st->state == VG_STORE_CONNECTING) {
        if (!st->down_logged)
            VG_LOG_WARN(store, "msg=\"redis connect timed out\" conn=%s addr=%s timeout_ms=%u",
                        st->name, st->addr, st->connect_timeout_ms);
        st->down_logged = true;
        conn_drop(st, "connect timeout");
    }
}

static void on_reconnect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_connect(arg);
}

static void destroy(vg_store_t *st)
{
    redisAsyncContext *ac = st->ac;

    detach(st);
    event_del(st->ev_reconnect);
    if (ac != NULL) {
        ac->data = NULL;
        redisAsyncFree(ac);
    }
    /* Callbacks may issue commands on the closing store: those fail too. */
    while (st->failq.head != NULL)
        drain(st);
    event_free(st->ev_deadline);
    event_free(st->ev_ping);
    event_free(st->ev_connect);
    event_free(st->ev_reconnect);
    event_free(st->ev_defer);
    event_free(st->ev_flush);
    VG_LOG_INFO(store, "msg=\"store closed\" conn=%s", st->name);
    vg_store_url_wipe(&st->url);
    vg_buf_cleanup(&st->wire);
    free(st->name);
    free(st);
}

static void on_defer(evutil_socket_t fd, short what, void *arg)
{
    vg_store_t *st = arg;

    (void)fd;
    (void)what;
    if (st->reset_pending) {
        st->reset_pending = false;
        if (st->ac != NULL && st->gen == st->reset_gen && !st->closing)
            conn_drop(st, "handshake failed");
    }
    if (!st->closing)
        drain(st);
    if (st->closing)
        destroy(st);
}

/* ---- hiredis on libevent ------------------------------------------------------------ */

struct hev {
    redisAsyncContext *ac;
    struct event *rev, *wev; /* EV_PERSIST: added once, not after every event */
};

static void hev_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    redisAsyncHandleRead(((struct hev *)arg)->ac);
}

static void hev_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    redisAsyncHandleWrite(((struct hev *)arg)->ac);
}

/* hiredis asks for reads after every reply: a no-op while one is pending. */
static void hev_add(struct event *ev)
{
    if (!event_pending(ev, EV_READ | EV_WRITE, NULL))
        event_add(ev, NULL);
}

static void hev_add_read(void *p)
{
    hev_add(((struct hev *)p)->rev);
}
static void hev_del_read(void *p)
{
    event_del(((struct hev *)p)->rev);
}
static void hev_add_write(void *p)
{
    hev_add(((struct hev *)p)->wev);
}
static void hev_del_write(void *p)
{
    event_del(((struct hev *)p)->wev);
}

static void hev_cleanup(void *p)
{
    struct hev *h = p;

    event_free(h->rev);
    event_free(h->wev);
    free(h);
}

static void attach(redisAsyncContext *ac, struct event_base *base)
{
    struct hev *h = vg_xcalloc(1, sizeof(*h));

    h->ac = ac;
    h->rev = event_new(base, ac->c.fd, EV_READ | EV_PERSIST, hev_read, h);
    h->wev = event_new(base, ac->c.fd, EV_WRITE | EV_PERSIST, hev_write, h);
    if (h->rev == NULL || h->wev == NULL) /* as for the store's other events */
        vg_oom(sizeof(struct event *));
    ac->ev.data = h;
    ac->ev.addRead = hev_add_read;
    ac->ev.delRead = hev_del_read;
    ac->ev.addWrite = hev_add_write;
    ac->ev.delWrite = hev_del_write;
    ac->ev.cleanup = hev_cleanup;
    /* as hiredis's adapter does: the connect completes on writability */
    event_add(h->rev, NULL);
    event_add(h->wev, NULL);
}

/* ---- lifecycle ------------------------------------------------------------------- */

static void start_connect(vg_store_t *st)
{
    redisAsyncContext *ac;

    if (st->closing || st->ac != NULL)
        return;
    st->gen++;
    st->handshake_failed = false;
    st->reset_pending = false;
    ac = st->url.is_unix ? redisAsyncConnectUnix(st->url.path)
                         : redisAsyncConnect(st->url.host, st->url.port);
    if (ac == NULL || ac->err != 0) {
        if (!st->down_logged)
            VG_LOG_WARN(store, "msg=\"redis connect failed\" conn=%s addr=%s error=\"%s\"",
                        st->name, st->addr, ac != NULL ? ac->errstr : "out of memory");
        st->down_logged = true;
        if (ac != NULL)
            redisAsyncFree(ac);
        schedule_reconnect(st);
        return;
    }
    ac->data = st;
    attach(ac, st->base);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    st->ac = ac;
    st->state = VG_STORE_CONNECTING;
    timer_arm(st->ev_connect, st->connect_timeout_ms);
}

static void script_sha1(char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    /* Redis names scripts by SHA-1: the same digest EVALSHA needs. */
    if (EVP_Digest(vg_embed_decide_lua, vg_embed_decide_lua_len, md, &mdlen, EVP_sha1(), NULL) !=
            1 ||
        mdlen != 20) {
        vg_log_openssl(VG_LOG_ERROR, "store", "SHA-1 of decide.lua");
        memset(md, 0, sizeof(md));
    }
    vg_hex_encode(md, 20, out);
}

vg_store_t *vg_store_new(struct event_base *base, const vg_config_t *cfg, const char *name,
                         vg_err_t *err)
{
    vg_store_t *st;
    vg_store_url_t url;

    if (base == NULL || cfg == NULL) {
        vg_err_set(err, VG_EINVAL, "store: no event base or config");
        return NULL;
    }
    if (vg_store_url_parse(cfg->redis_url, &url, err) < 0)
        return NULL;
    st = vg_xcalloc(1, sizeof(*st));
    st->base = base;
    st->name = vg_xstrdup(name != NULL ? name : "store");
    st->url = url;
    vg_store_url_wipe(&url);
    if (st->url.is_unix)
        snprintf(st->addr, sizeof(st->addr), "%s", st->url.path);
    else if (strchr(st->url.host, ':') != NULL)
        snprintf(st->addr, sizeof(st->addr), "[%s]:%d", st->url.host, st->url.port);
    else
        snprintf(st->addr, sizeof(st->addr), "%s:%d", st->url.host, st->url.port);
    st->timeout_ms = cfg->store.timeout_ms ? cfg->store.timeout_ms : 1000;
    st->connect_timeout_ms = cfg->store.connect_timeout_ms ? cfg->store.connect_timeout_ms : 1000;
    st->ping_ms = cfg->store.ping_ms ? cfg->store.ping_ms : 500;
    st->reconnect_max_ms = cfg->store.reconnect_max_ms ? cfg->store.reconnect_max_ms : 2000;
    st->reconnect_max_ms = VG_MAX(st->reconnect_max_ms, BACKOFF_MIN_MS);
    st->dedupe_ttl_s = cfg->store.dedupe_ttl_s ? cfg->store.dedupe_ttl_s : 7u * 86400u;
    st->retention_s = cfg->store.retention_s ? cfg->store.retention_s : 90u * 86400u;
    st->backoff_ms = BACKOFF_MIN_MS;
    script_sha1(st->script_sha);
    vg_buf_init(&st->wire, 0);

    st->ev_deadline = evtimer_new(base, on_deadline, st);
    st->ev_ping = event_new(base, -1, EV_PERSIST, on_ping_tick, st);
    st->ev_connect = evtimer_new(base, on_connect_timeout, st);
    st->ev_reconnect = evtimer_new(base, on_reconnect, st);
    st->ev_defer = event_new(base, -1, 0, on_defer, st);
    st->ev_flush = event_new(base, -1, 0, on_flush, st);
    if (st->ev_deadline == NULL || st->ev_ping == NULL || st->ev_connect == NULL ||
        st->ev_reconnect == NULL || st->ev_defer == NULL || st->ev_flush == NULL)
        vg_oom(sizeof(struct event *));
    start_connect(st);
    return st;
}

void vg_store_free(vg_store_t *st)
{
    if (st == NULL || st->closing)
        return;
    st->closing = true;
    event_del(st->ev_ping);
    event_del(st->ev_connect);
    event_del(st->ev_reconnect);
    event_del(st->ev_deadline);
    /*
     * Nothing waiting and not inside one of our callbacks: free now. Otherwise
     * callbacks are owed (asynchronously) or hiredis is on the stack: defer.
     */
    if (st->depth == 0 && st->pending.head == NULL && st->failq.head == NULL &&
        !st->reset_pending) {
        destroy(st);
        return;
    }
    event_active(st->ev_defer, EV_TIMEOUT, 0);
}

vg_store_state_t vg_store_state(const vg_store_t *st)
{
    return st->state;
}

bool vg_store_ready(const vg_store_t *st)
{
    return st->state == VG_STORE_READY && st->probe_ok;
}
