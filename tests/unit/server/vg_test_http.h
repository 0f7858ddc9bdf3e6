/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the server tests: runs a vg_http_server on its own
 * event_base in a helper thread (port 0 on 127.0.0.1, plain or TLS), with a
 * handler whose behaviour is chosen by the request path, and gives the test
 * thread a blocking client (plain socket or OpenSSL) that speaks raw bytes
 * and reads responses framed by Content-Length. cmocka asserts stay on the
 * test thread; the loop thread only runs the server and the handler.
 *
 * Handler paths:
 *   /echo            200, body = request body, X-Method and X-Body-Len headers
 *   /async?ms=N      replies 200 "async" from a timer N ms later
 *   /status?code=N   replies with status N and body "s"
 *   /hdr             200, body = value of the X-Test request header or "none"
 *   /len             200, body = the request body's length in decimal
 *   anything else    200 "hello"
 */
#ifndef VG_TEST_HTTP_H
#define VG_TEST_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "vaglio/log.h"
#include "vaglio/server.h"
#include "vaglio/tls.h"

typedef struct th_server {
    struct event_base *base;
    vg_http_server_t *srv;
    pthread_t thread;
    int port;
    atomic_int requests; /* handler calls */
    atomic_int replies;  /* vg_http_reply calls */
    atomic_int async_pending;
    atomic_int drained; /* drain done callbacks */
    atomic_uint last_routes;
    char last_id[32]; /* id of the last request (loop thread writes, read after sync) */
    char last_peer[64];
} th_server_t;

typedef struct th_async {
    th_server_t *ts;
    vg_http_req_t *req;
    struct event *ev;
} th_async_t;

static inline void th_async_fire(evutil_socket_t fd, short what, void *arg)
{
    th_async_t *a = arg;
    (void)fd;
    (void)what;
    vg_http_reply(a->req, 200, "text/plain", "async", 5);
    atomic_fetch_add(&a->ts->replies, 1);
    atomic_fetch_sub(&a->ts->async_pending, 1);
    event_free(a->ev);
    free(a);
}

static inline int th_query_int(const vg_http_req_t *req, const char *key, int dflt)
{
    size_t qlen;
    const char *q = vg_http_req_query(req, &qlen);
    char out[32];
    if (vg_query_get(q, qlen, key, out, sizeof(out)) < 0)
        return dflt;
    return atoi(out);
}

static inline void th_handler(vg_http_req_t *req, void *arg)
{
    th_server_t *ts = arg;
    const char *path = vg_http_req_path(req);

    atomic_fetch_add(&ts->requests, 1);
    atomic_store(&ts->last_routes, vg_http_req_routes(req));
    vg_strlcpy(ts->last_id, vg_http_req_id(req), sizeof(ts->last_id));
    vg_strlcpy(ts->last_peer, vg_http_req_peer(req), sizeof(ts->last_peer));
    if (strcmp(path, "/echo") == 0) {
        size_t len;
        const unsigned char *b = vg_http_req_body(req, &len);
        char n[32];
        snprintf(n, sizeof(n), "%zu", len);
        vg_http_reply_header(req, "X-Body-Len", n);
        snprintf(n, sizeof(n), "%d", (int)vg_http_req_method(req));
        vg_http_reply_header(req, "X-Method", n);
        vg_http_reply(req, 200, "application/octet-stream", b, len);
    } else if (strcmp(path, "/async") == 0) {
        th_async_t *a = calloc(1, sizeof(*a));
        int ms = th_query_int(req, "ms", 20);
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        a->ts = ts;
        a->req = req;
        a->ev = evtimer_new(ts->base, th_async_fire, a);
        atomic_fetch_add(&ts->async_pending, 1);
        evtimer_add(a->ev, &tv);
        return;
    } else if (strcmp(path, "/status") == 0) {
        vg_http_reply(req, th_query_int(req, "code", 200), "text/plain", "s", 1);
    } else if (strcmp(path, "/len") == 0) {
        size_t len;
        char n[32];
        vg_http_req_body(req, &len);
        snprintf(n, sizeof(n), "%zu", len);
        vg_http_reply(req, 200, "text/plain", n, strlen(n));
    } else if (strcmp(path, "/hdr") == 0) {
        const char *v = vg_http_req_header(req, "x-test");
        if (v == NULL)
            v = "none";
        vg_http_reply(req, 200, "text/plain", v, strlen(v));
    } else {
        vg_http_reply(req, 200, "text/plain", "hello", 5);
    }
    atomic_fetch_add(&ts->replies, 1);
}

static inline void *th_loop(void *arg)
{
    th_server_t *ts = arg;
    event_base_loop(ts->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static inline vg_http_limits_t th_default_limits(void)
{
    vg_http_limits_t l = {
        .max_body = 1024 * 1024,
        .max_header_bytes = 8192,
        .header_timeout_ms = 5000,
        .body_timeout_ms = 5000,
        .idle_timeout_ms = 5000,
        .write_timeout_ms = 5000,
        .max_connections = 100,
    };
    return l;
}

/* One-time process setup: threads for libevent, no SIGPIPE, quiet debug logs. */
static inline void th_global_setup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    evthread_use_pthreads();
    signal(SIGPIPE, SIG_IGN);
    /* Debug level exercises every log line's formatting; VG_TEST_LOG=1 shows them. */
    vg_log_setup(VG_LOG_DEBUG, false);
    if (getenv("VG_TEST_LOG") == NULL) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            vg_log_set_fd(fd);
    }
}

static inline void th_sync(th_server_t *ts);

/* Starts a server listening on @p address port 0; TLS when @p tls is set. */
static inline int th_start_at(th_server_t *ts, const vg_http_limits_t *lim, SSL_CTX *tls,
                              const char *address)
{
    vg_err_t err;
    char addr[64];

    th_global_setup();
    memset(ts, 0, sizeof(*ts));
    ts->base = event_base_new();
    if (ts->base == NULL)
        return -1;
    ts->srv = vg_http_server_new(ts->base, lim, th_handler, ts);
    vg_strlcpy(addr, address, sizeof(addr));
    vg_listen_conf_t lc = {.address = addr, .port = 0, .tls = tls != NULL, .routes = 0};
    ts->port = vg_http_server_listen(ts->srv, &lc, tls, false, &err);
    if (ts->port <= 0) {
        fprintf(stderr, "listen: %s\n", err.msg);
        return -1;
    }
    if (pthread_create(&ts->thread, NULL, th_loop, ts) != 0)
        return -1;
    /* event_base_loop clears a break that came before it started: wait until it runs */
    th_sync(ts);
    return 0;
}

static inline int th_start(th_server_t *ts, const vg_http_limits_t *lim, SSL_CTX *tls)
{
    return th_start_at(ts, lim, tls, "127.0.0.1");
}

/* Runs @p fn(arg) on the loop thread and waits for it. */
typedef struct th_call {
    void (*fn)(th_server_t *, void *);
    th_server_t *ts;
    void *arg;
    sem_t done;
} th_call_t;

static inline void th_call_cb(evutil_socket_t fd, short what, void *arg)
{
    th_call_t *c = arg;
    (void)fd;
    (void)what;
    c->fn(c->ts, c->arg);
    sem_post(&c->done);
}

static inline void th_call(th_server_t *ts, void (*fn)(th_server_t *, void *), void *arg)
{
    th_call_t c = {.fn = fn, .ts = ts, .arg = arg};
    struct timeval zero = {0, 0};
    sem_init(&c.done, 0, 0);
    event_base_once(ts->base, -1, EV_TIMEOUT, th_call_cb, &c, &zero);
    while (sem_wait(&c.done) != 0 && errno == EINTR) {
    }
    sem_destroy(&c.done);
}

static inline void th_nothing(th_server_t *ts, void *arg)
{
    (void)ts;
    (void)arg;
}

/* Returns once the loop thread has run an event: it is looping. */
static inline void th_sync(th_server_t *ts)
{
    th_call(ts, th_nothing, NULL);
}

static inline void th_get_conns(th_server_t *ts, void *arg)
{
    *(size_t *)arg = vg_http_server_connections(ts->srv);
}

static inline size_t th_connections(th_server_t *ts)
{
    size_t n = 0;
    th_call(ts, th_get_conns, &n);
    return n;
}

static inline void th_drain_done(void *arg)
{
    th_server_t *ts = arg;
    atomic_fetch_add(&ts->drained, 1);
}

/* For th_call: starts draining; ts->drained counts the done callbacks. */
static inline void th_drain(th_server_t *ts, void *arg)
{
    (void)arg;
    vg_http_server_drain(ts->srv, th_drain_done, ts);
}

static inline void th_sleep_ms(int ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static inline uint64_t th_now_ms(void)
{
    return vg_mono_ns() / 1000000u;
}

/* Polls until the server holds @p n connections (true) or @p ms pass (false). */
static inline bool th_wait_connections(th_server_t *ts, size_t n, int ms)
{
    uint64_t end = th_now_ms() + (uint64_t)ms;
    while (th_now_ms() < end) {
        if (th_connections(ts) == n)
            return true;
        th_sleep_ms(5);
    }
    return th_connections(ts) == n;
}

static inline bool th_wait_atomic(atomic_int *v, int want, int ms)
{
    uint64_t end = th_now_ms() + (uint64_t)ms;
    while (th_now_ms() < end) {
        if (atomic_load(v) == want)
            return true;
        th_sleep_ms(2);
    }
    return atomic_load(v) == want;
}

static inline void th_stop(th_server_t *ts)
{
    event_base_loopbreak(ts->base);
    pthread_join(ts->thread, NULL);
    vg_http_server_free(ts->srv);
    event_base_free(ts->base);
}

/* ---- client ----------------------------------------------------------------- */

typedef struct th_client {
    int rcvbuf; /* set before connecting to shrink SO_RCVBUF (0: default) */
    int fd;
    SSL *ssl;
    char buf[1 << 17];
    size_t len;
} th_client_t;

typedef struct th_resp {
    int status;
    char head[8192];
    char body[1 << 16]; /* the first 64 KiB of the body, NUL-terminated */
    size_t body_len;    /* the whole body */
    uint32_t sum;       /* th_sum of the whole body */
    bool conn_close;
} th_resp_t;

/* A cheap order-sensitive checksum for bodies too big to keep. */
static inline uint32_t th_sum(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = h * 31u + b[i];
    return h;
}

/*
 * Connects to ip:port; with @p ctx also completes a TLS handshake, checking
 * @p host when not NULL (through vg_tls_client_ssl_new). Returns 0 or -1.
 */
static inline int th_connect_to(th_client_t *c, const char *ip, int port, SSL_CTX *ctx,
                                const char *host)
{
    struct sockaddr_storage ss;
    socklen_t len;
    struct timeval tv = {.tv_sec = 5};
    int one = 1;

    int rcvbuf = c->rcvbuf;
    memset(c, 0, sizeof(*c));
    memset(&ss, 0, sizeof(ss));
    if (strchr(ip, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, ip, &s6->sin6_addr);
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, ip, &s4->sin_addr);
        len = sizeof(*s4);
    }
    c->fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&ss, len) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    if (ctx != NULL) {
        c->ssl = host != NULL ? vg_tls_client_ssl_new(ctx, host, NULL) : SSL_new(ctx);
        if (c->ssl == NULL)
            return -1;
        SSL_set_fd(c->ssl, c->fd);
        if (SSL_connect(c->ssl) != 1)
            return -1;
    }
    return 0;
}

static inline int th_connect(th_client_t *c, int port, SSL_CTX *ctx)
{
    return th_connect_to(c, "127.0.0.1", port, ctx, NULL);
}

static inline void th_close(th_client_t *c)
{
    if (c->ssl != NULL)
        SSL_free(c->ssl);
    c->ssl = NULL;
    /* > 0: a zero-initialised client never owned descriptor 0 */
    if (c->fd > 0)
        close(c->fd);
    c->fd = -1;
    c->len = 0;
    ERR_clear_error();
}

static inline int th_send(th_client_t *c, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = c->ssl != NULL ? SSL_write(c->ssl, s, (int)n) : send(c->fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static inline int th_sends(th_client_t *c, const char *s)
{
    return th_send(c, s, strlen(s));
}

/* Reads more bytes into the buffer: >0 read, 0 EOF, -1 error or timeout. */
static inline ssize_t th_fill(th_client_t *c)
{
    if (c->len == sizeof(c->buf))
        return -1;
    ssize_t r;
    if (c->ssl != NULL) {
        r = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - c->len));
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, (int)r);
            ERR_clear_error();
            return e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && r == 0) ||
                           e == SSL_ERROR_SSL
                       ? 0
                       : -1;
        }
    } else {
        r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (r < 0)
            return -1;
    }
    c->len += (size_t)r;
    return r;
}

static inline void th_consume(th_client_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* A header value from a raw response head (case-insensitive), or NULL. */
static inline const char *th_header(const th_resp_t *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p != NULL && p[2] != '\r' && p[2] != '\0') {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t n = e != NULL ? (size_t)(e - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

/*
 * Reads one response. @p no_body: a HEAD answer (Content-Length says what a
 * GET would carry). Returns 0, or -1 on EOF/timeout/garbage.
 */
static inline int th_read_response(th_client_t *c, th_resp_t *r, bool no_body)
{
    char *end;
    memset(r, 0, offsetof(th_resp_t, body));
    r->body[0] = '\0';
    r->body_len = 0;
    r->sum = 0;
    r->conn_close = false;
    for (;;) {
        end = c->len >= 4 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
        if (end != NULL)
            break;
        if (th_fill(c) <= 0)
            return -1;
    }
    size_t hlen = (size_t)(end - c->buf) + 4;
    if (hlen >= sizeof(r->head))
        return -1;
    memcpy(r->head, c->buf, hlen);
    r->head[hlen] = '\0';
    th_consume(c, hlen);
    if (sscanf(r->head, "HTTP/1.1 %d ", &r->status) != 1)
        return -1;
    char v[64];
    size_t cl = 0;
    if (th_header(r, "Content-Length", v, sizeof(v)) != NULL)
        cl = (size_t)strtoul(v, NULL, 10);
    if (th_header(r, "Connection", v, sizeof(v)) != NULL && strcasecmp(v, "close") == 0)
        r->conn_close = true;
    if (no_body || r->status < 200 || r->status == 204 || r->status == 304)
        cl = 0;
    /* stream the body: keep the first 64 KiB, checksum all of it */
    while (r->body_len < cl) {
        if (c->len == 0 && th_fill(c) <= 0)
            return -1;
        size_t take = VG_MIN(c->len, cl - r->body_len);
        if (r->body_len < sizeof(r->body) - 1)
            memcpy(r->body + r->body_len, c->buf, VG_MIN(take, sizeof(r->body) - 1 - r->body_len));
        r->sum = th_sum(r->sum, c->buf, take);
        r->body_len += take;
        th_consume(c, take);
    }
    r->body[VG_MIN(cl, sizeof(r->body) - 1)] = '\0';
    return 0;
}

/* True if the server closes the connection (EOF or reset) within @p ms, with nothing more sent. */
static inline bool th_wait_eof(th_client_t *c, int ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    uint64_t end = th_now_ms() + (uint64_t)ms;
    while (th_now_ms() < end) {
        if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
            return false;
        int n = poll(&p, 1, 20);
        if (n <= 0)
            continue;
        size_t before = c->len;
        ssize_t r = th_fill(c);
        if (r == 0)
            return c->len == before;
        if (r < 0)
            return errno == ECONNRESET;
    }
    return false;
}

/* True if nothing arrives within @p ms (and the connection stays open). */
static inline bool th_quiet(th_client_t *c, int ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, ms) == 0;
}

#endif /* VG_TEST_HTTP_H */
