/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Integration tests of the httpc client against in-process servers on
 * 127.0.0.1 port 0, all on the test's event loop: libevent's evhttp (plain
 * and HTTPS with a certificate generated at test time) and a raw server that
 * misbehaves on purpose (closes a kept-alive connection on the next request).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "vaglio/httpc.h"

/* ---- an evhttp server --------------------------------------------------------- */

typedef struct srv {
    struct event_base *base;
    struct evhttp *http;
    SSL_CTX *ssl;
    int port;
    int accepted;
    int requests;
} srv_t;

static struct bufferevent *on_bev(struct event_base *base, void *arg)
{
    srv_t *s = arg;
    s->accepted++;
    if (s->ssl != NULL)
        return bufferevent_openssl_socket_new(base, -1, SSL_new(s->ssl), BUFFEREVENT_SSL_ACCEPTING,
                                              BEV_OPT_CLOSE_ON_FREE);
    return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_PUT:
        return "PUT";
    default:
        return "OTHER";
    }
}

static void on_delayed(evutil_socket_t fd, short what, void *arg)
{
    struct evhttp_request *req = arg;
    struct evbuffer *out = evbuffer_new();
    (void)fd;
    (void)what;
    evbuffer_add_printf(out, "delayed");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    srv_t *s = arg;
    const char *uri = evhttp_request_get_uri(req);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    struct evbuffer *out = evbuffer_new();
    const char *ct = evhttp_find_header(in, "Content-Type");
    const char *cl = evhttp_find_header(in, "Content-Length");
    const char *x = evhttp_find_header(in, "X-Test");

    s->requests++;
    if (strncmp(uri, "/status/", 8) == 0) {
        int code = atoi(uri + 8);
        if (code == 429)
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "7");
        evbuffer_add_printf(out, "{\"code\":%d}", code);
        evhttp_send_reply(req, code, "Status", out);
    } else if (strcmp(uri, "/chunked") == 0) {
        evhttp_send_reply_start(req, 200, "OK");
        evbuffer_add_printf(out, "part1");
        evhttp_send_reply_chunk(req, out);
        evbuffer_add_printf(out, "part2");
        evhttp_send_reply_chunk(req, out);
        evhttp_send_reply_end(req);
    } else if (strcmp(uri, "/big") == 0) {
        char *big = malloc(2u << 20);
        memset(big, 'b', 2u << 20);
        evbuffer_add(out, big, 2u << 20);
        free(big);
        evhttp_send_reply(req, 200, "OK", out);
    } else if (strcmp(uri, "/slow") == 0) {
        /* never answered: the client's deadline must fire */
    } else if (strncmp(uri, "/delay/", 7) == 0) {
        int ms = atoi(uri + 7);
        struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
        event_base_once(s->base, -1, EV_TIMEOUT, on_delayed, req, &tv);
    } else {
        size_t n = evbuffer_get_length(body);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                          "application/json");
        evbuffer_add_printf(out, "m=%s uri=%s ua=%s host=%s ct=%s cl=%s x=%s body=",
                            method_name(evhttp_request_get_command(req)), uri,
                            evhttp_find_header(in, "User-Agent"), evhttp_find_header(in, "Host"),
                            ct ? ct : "-", cl ? cl : "-", x ? x : "-");
        evbuffer_add(out, evbuffer_pullup(body, -1), n);
        evhttp_send_reply(req, 200, "OK", out);
    }
    evbuffer_free(out);
}

static int bound_port(evutil_socket_t fd)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    getsockname(fd, (struct sockaddr *)&sin, &len);
    return ntohs(sin.sin_port);
}

static void srv_start(srv_t *s, struct event_base *base, SSL_CTX *ssl)
{
    struct evhttp_bound_socket *h;

    memset(s, 0, sizeof(*s));
    s->base = base;
    s->ssl = ssl;
    s->http = evhttp_new(base);
    evhttp_set_bevcb(s->http, on_bev, s);
    evhttp_set_gencb(s->http, on_request, s);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD);
    h = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
    assert_non_null(h);
    s->port = bound_port(evhttp_bound_socket_get_fd(h));
}

static void srv_stop(srv_t *s)
{
    evhttp_free(s->http);
}

/* ---- results and the loop ------------------------------------------------------- */

typedef struct result {
    bool done;
    int status;
    char err[160];
    char body[512];
    size_t body_len;
    char retry_after[32];
    uint64_t at_ns;
} result_t;

typedef struct ctx {
    int done;
    bool in_request; /* set around vg_httpc_request: a callback now is synchronous */
    bool sync_cb;
} ctx_t;

static ctx_t g_ctx;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_done(const char *err, const vg_httpc_response_t *resp, void *arg)
{
    result_t *r = arg;

    if (g_ctx.in_request)
        g_ctx.sync_cb = true;
    assert_false(r->done); /* exactly once */
    r->done = true;
    r->at_ns = now_ns();
    if (err != NULL) {
        snprintf(r->err, sizeof(r->err), "%s", err);
        assert_null(resp);
    } else {
        assert_non_null(resp);
        r->status = resp->status;
        r->body_len = resp->body_len;
        snprintf(r->body, sizeof(r->body), "%s", resp->body);
        if (resp->retry_after != NULL)
            snprintf(r->retry_after, sizeof(r->retry_after), "%s", resp->retry_after);
    }
    g_ctx.done++;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* Runs @p base until @p n callbacks arrived in total or @p ms passed. */
static void run_until(struct event_base *base, int n, unsigned ms)
{
    struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {0, 10000};
    uint64_t end = now_ns() + (uint64_t)ms * 1000000u;

    event_add(tick, &tv);
    while (g_ctx.done < n && now_ns() < end)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(tick);
}

static int request(vg_httpc_t *c, const char *method, const char *url, const char *const *hdrs,
                   const char *ct, const char *body, unsigned timeout_ms, result_t *r)
{
    int rc;
    g_ctx.in_request = true;
    rc = vg_httpc_request(c, method, url, hdrs, ct, body, body ? strlen(body) : 0, timeout_ms,
                          on_done, r);
    g_ctx.in_request = false;
    return rc;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_ctx, 0, sizeof(g_ctx));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_false(g_ctx.sync_cb);
    return 0;
}

/* ---- plain HTTP -------------------------------------------------------------------- */

static void test_methods_and_headers(void **state)
{
    struct event_base *base = event_base_new();
    vg_httpc_t *c = vg_httpc_new(base, NULL, NULL);
    srv_t s;
    result_t r[3];
    char url[128];
    char want[256];
    const char *hdrs[] = {"X-Test: yes", NULL};
    (void)state;

    memset(r, 0, sizeof(r));
    srv_start(&s, base, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?a=1&b=%%20", s.port);
    assert_int_equal(request(c, "GET", url, hdrs, NULL, NULL, 2000, &r[0]), 0);
    assert_int_equal(request(c, "POST", url, NULL, "application/x-www-form-urlencoded",
                             "is_hidden=true", 2000, &r[1]),
                     0);
    assert_int_equal(request(c, "DELETE", url, NULL, NULL, NULL, 2000, &r[2]), 0);
    assert_int_equal(vg_httpc_pending(c), 3);
    assert_int_equal(g_ctx.done, 0);
    run_until(base, 3, 5000);
    assert_int_equal(g_ctx.done, 3);
    assert_int_equal(vg_httpc_pending(c), 0);

    snprintf(want, sizeof(want),
             "m=GET uri=/echo?a=1&b=%%20 ua=vaglio/%s host=127.0.0.1:%d ct=- cl=- x=yes body=",
             VG_VERSION, s.port);
    assert_string_equal(r[0].err, "");
    assert_int_equal(r[0].status, 200);
    assert_string_equal(r[0].body, want);
    snprintf(want, sizeof(want),
             "m=POST uri=/echo?a=1&b=%%20 ua=vaglio/%s host=127.0.0.1:%d "
             "ct=application/x-www-form-urlencoded cl=14 x=- body=is_hidden=true",
             VG_VERSION, s.port);
    assert_string_equal(r[1].body, want);
    assert_int_equal(r[2].status, 200);
    assert_non_null(strstr(r[2].body, "m=DELETE "));

    vg_httpc_free(c);
    srv_stop(&s);
    event_base_free(base);
}

static void test_status_codes_and_chunked(void **state)
{
    struct event_base *base = event_base_new();
    vg_httpc_t *c = vg_httpc_new(base, NULL, NULL);
    srv_t s;
    result_t r[4];
    char url[128];
    (void)state;

    memset(r, 0, sizeof(r));
    srv_start(&s, base, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/404", s.port);
    request(c, "GET", url, NULL, NULL, NULL, 2000, &r[0]);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/429", s.port);
    request(c, "POST", url, NULL, NULL, NULL, 2000, &r[1]);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/503", s.port);
    request(c, "GET", url, NULL, NULL, NULL, 2000, &r[2]);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/chunked", s.port);
    request(c, "GET", url, NULL, NULL, NULL, 2000, &r[3]);
    run_until(base, 4, 5000);
    assert_int_equal(g_ctx.done, 4);
    assert_int_equal(r[0].status, 404);
    assert_string_equal(r[0].body, "{\"code\":404}");
    assert_int_equal(r[1].status, 429);
    assert_string_equal(r[1].retry_after, "7");
    assert_int_equal(r[2].status, 503);
    assert_string_equal(r[2].retry_after, "");
    assert_string_equal(r[3].err, "");
    assert_int_equal(r[3].status, 200);
    assert_string_equal(r[3].body, "part1part2");
    assert_int_equal(r[3].body_len, 10);

    vg_httpc_free(c);
    srv_stop(&s);
    event_base_free(base);
}

/* Each request is sent from the previous one's callback: one connection serves all. */
typedef struct chain {
    vg_httpc_t *c;
    char url[128];
    result_t r[3];
    int next;
} chain_t;

static void on_chain(const char *err, const vg_httpc_response_t *resp, void *arg)
{
    chain_t *ch = arg;
    on_done(err, resp, &ch->r[ch->next]);
    if (++ch->next < 3)
        assert_int_equal(
            vg_httpc_request(ch->c, "GET", ch->url, NULL, NULL, NULL, 0, 2000, on_chain, ch), 0);
}

static void test_keep_alive_reuse(void **state)
{
    struct event_base *base = event_base_new();
    chain_t ch;
    srv_t s;
    (void)state;

    memset(&ch, 0, sizeof(ch));
    ch.c = vg_httpc_new(base, NULL, NULL);
    srv_start(&s, base, NULL);
    snprintf(ch.url, sizeof(ch.url), "http://127.0.0.1:%d/echo", s.port);
    assert_int_equal(
        vg_httpc_request(ch.c, "GET", ch.url, NULL, NULL, NULL, 0, 2000, on_chain, &ch), 0);
    run_until(base, 3, 5000);
    assert_int_equal(g_ctx.done, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ch.r[i].status, 200);
    assert_int_equal(s.requests, 3);
    assert_int_equal(s.accepted, 1);

    vg_httpc_free(ch.c);
    srv_stop(&s);
    event_base_free(base);
}

static void test_queue_over_max_per_origin(void **state)
{
    struct event_base *base = event_base_new();
    vg_httpc_opts_t o = {.max_per_origin = 2};
    vg_httpc_t *c = vg_httpc_new(base, &o, NULL);
    srv_t s;
    result_t r[6];
    char url[128];
    uint64_t t0 = now_ns();
    (void)state;

    memset(r, 0, sizeof(r));
    srv_start(&s, base, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/delay/150", s.port);
    for (int i = 0; i < 6; i++)
        assert_int_equal(request(c, "GET", url, NULL, NULL, NULL, 5000, &r[i]), 0);
    run_until(base, 6, 8000);
    assert_int_equal(g_ctx.done, 6);
    for (int i = 0; i < 6; i++) {
        assert_string_equal(r[i].err, "");
        assert_string_equal(r[i].body, "delayed");
    }
    /* Two connections, three rounds of 150 ms. */
    assert_int_equal(s.accepted, 2);
    assert_true(now_ns() - t0 >= 400000000u);

    vg_httpc_free(c);
    srv_stop(&s);
    event_base_free(base);
}

static void test_timeout_refused_bad_url_too_large(void **state)
{
    struct event_base *base = event_base_new();
    vg_httpc_t *c = vg_httpc_new(base, NULL, NULL);
    srv_t s;
    result_t r[3];
    char url[128];
    uint64_t t0;
    int fd;
    int closed_port;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    (void)state;

    memset(r, 0, sizeof(r));
    srv_start(&s, base, NULL);
    /* A port that was just free: connecting is refused. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sin, sizeof(sin));
    closed_port = bound_port(fd);
    close(fd);

    t0 = now_ns();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", s.port);
    assert_int_equal(request(c, "GET", url, NULL, NULL, NULL, 300, &r[0]), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", closed_port);
    assert_int_equal(request(c, "GET", url, NULL, NULL, NULL, 2000, &r[1]), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", s.port);
    assert_int_equal(request(c, "GET", url, NULL, NULL, NULL, 5000, &r[2]), 0);
    assert_int_equal(request(c, "GET", "ftp://127.0.0.1/", NULL, NULL, NULL, 2000, &r[0]),
                     -VG_EINVAL);
    assert_int_equal(
        request(c, "GET", url, (const char *[]){"Bad\r\nHeader: x", NULL}, NULL, NULL, 2000, &r[0]),
        -VG_EINVAL);
    assert_int_equal(request(c, "get", url, NULL, NULL, NULL, 2000, &r[0]), -VG_EINVAL);
    run_until(base, 3, 5000);
    assert_int_equal(g_ctx.done, 3);
    assert_string_equal(r[0].err, vg_httpc_err_timeout);
    assert_true(r[0].at_ns - t0 >= 280000000u && r[0].at_ns - t0 < 2000000000u);
    assert_string_equal(r[1].err, vg_httpc_err_connect);
    assert_string_equal(r[2].err, vg_httpc_err_too_large);

    vg_httpc_free(c);
    srv_stop(&s);
    event_base_free(base);
}

static void test_free_with_requests_in_flight(void **state)
{
    struct event_base *base = event_base_new();
    vg_httpc_t *c = vg_httpc_new(base, NULL, NULL);
    srv_t s;
    result_t r[2];
    char url[128];
    (void)state;

    memset(r, 0, sizeof(r));
    srv_start(&s, base, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", s.port);
    request(c, "GET", url, NULL, NULL, NULL, 5000, &r[0]);
    request(c, "POST", url, NULL, NULL, "x", 5000, &r[1]);
    event_base_loop(base, EVLOOP_NONBLOCK); /* connections open, requests sent */
    vg_httpc_free(c);
    assert_int_equal(g_ctx.done, 0); /* not from within free */
    run_until(base, 2, 2000);
    assert_int_equal(g_ctx.done, 2);
    assert_string_equal(r[0].err, vg_httpc_err_client_closed);
    assert_string_equal(r[1].err, vg_httpc_err_client_closed);
    vg_httpc_free(NULL);

    srv_stop(&s);
    event_base_free(base);
}

/* ---- a raw server that drops a kept-alive connection on its second request ---------- */

typedef struct raw {
    struct evconnlistener *l;
    int port;
    int accepted;
    struct bufferevent *bevs[16];
    int nreq[16];
} raw_t;

static void raw_close(raw_t *rs, int i)
{
    if (rs->bevs[i] != NULL)
        bufferevent_free(rs->bevs[i]);
    rs->bevs[i] = NULL;
}

static void on_raw_read(struct bufferevent *bev, void *arg)
{
    raw_t *rs = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer_ptr end;
    int i = 0;

    while (i < 16 && rs->bevs[i] != bev)
        i++;
    assert_true(i < 16);
    end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0)
        return;
    /* Headers and the small bodies of this test arrive in one segment. */
    evbuffer_drain(in, evbuffer_get_length(in));
    if (++rs->nreq[i] == 1) {
        bufferevent_write(bev, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 40);
        return;
    }
    raw_close(rs, i); /* the request was read; the answer never comes */
}

static void on_raw_event(struct bufferevent *bev, short what, void *arg)
{
    raw_t *rs = arg;
    (void)what;
    for (int i = 0; i < 16; i++)
        if (rs->bevs[i] == bev)
            raw_close(rs, i);
}

static void on_raw_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                          int len, void *arg)
{
    raw_t *rs = arg;
    struct bufferevent *bev =
        bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    (void)sa;
    (void)len;
    assert_true(rs->accepted < 16);
    rs->bevs[rs->accepted++] = bev;
    bufferevent_setcb(bev, on_raw_read, NULL, on_raw_event, rs);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void raw_start(raw_t *rs, struct event_base *base)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    memset(rs, 0, sizeof(*rs));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rs->l = evconnlistener_new_bind(base, on_raw_accept, rs, LEV_OPT_CLOSE_ON_FREE, -1,
                                    (struct sockaddr *)&sin, sizeof(sin));
    assert_non_null(rs->l);
    rs->port = bound_port(evconnlistener_get_fd(rs->l));
}

static void raw_stop(raw_t *rs)
{
    for (int i = 0; i < 16; i++)
        raw_close(rs, i);
    evconnlistener_free(rs->l);
}

static void stale_case(const char *method, const char *body, result_t *second, int *accepted)
{
    struct event_base *base = event_base_new();
    vg_httpc_t *c = vg_httpc_new(base, NULL, NULL);
    raw_t rs;
    result_t first;
    char url[128];

    memset(&first, 0, sizeof(first));
    memset(second, 0, sizeof(*second));
    g_ctx.done = 0;
    raw_start(&rs, base);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", rs.port);
    request(c, method, url, NULL, NULL, body, 2000, &first);
    run_until(base, 1, 3000);
    assert_string_equal(first.err, "");
    assert_string_equal(first.body, "ok");
    request(c, method, url, NULL, NULL, body, 2000, second);
    run_until(base, 2, 3000);
    assert_int_equal(g_ctx.done, 2);
    *accepted = rs.accepted;
    vg_httpc_free(c);
    raw_stop(&rs);
    event_base_free(base);
}

static void test_stale_connection_retry(void **state)
{
    result_t r;
    int accepted;
    (void)state;

    /* GET is idempotent: retried once on a fresh connection, transparently. */
    stale_case("GET", NULL, &r, &accepted);
    assert_string_equal(r.err, "");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    assert_int_equal(accepted, 2);

    /* POST reached the server before the close: not repeated behind the caller's back. */
    stale_case("POST", "a=1", &r, &accepted);
    assert_string_equal(r.err, vg_httpc_err_closed);
    assert_int_equal(accepted, 1);
}

/* ---- HTTPS ---------------------------------------------------------------------------- */

typedef struct pki {
    EVP_PKEY *key;
    X509 *cert;
    char dir[64];
    char ca_file[128];
} pki_t;

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

static void pki_make(pki_t *p)
{
    X509_NAME *name;
    FILE *f;

    memset(p, 0, sizeof(*p));
    p->key = EVP_EC_gen("P-256");
    assert_non_null(p->key);
    p->cert = X509_new();
    X509_set_version(p->cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(p->cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(p->cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(p->cert), 3600);
    X509_set_pubkey(p->cert, p->key);
    name = X509_get_subject_name(p->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(p->cert, name);
    add_ext(p->cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(p->cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    assert_true(X509_sign(p->cert, p->key, EVP_sha256()) > 0);

    snprintf(p->dir, sizeof(p->dir), "/tmp/vg-httpc-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->ca_file, sizeof(p->ca_file), "%s/cert.pem", p->dir);
    f = fopen(p->ca_file, "w");
    assert_non_null(f);
    PEM_write_X509(f, p->cert);
    fclose(f);
}

static void pki_free(pki_t *p)
{
    unlink(p->ca_file);
    rmdir(p->dir);
    X509_free(p->cert);
    EVP_PKEY_free(p->key);
}

static SSL_CTX *server_ctx(const pki_t *p)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_int_equal(SSL_CTX_use_certificate(ctx, p->cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, p->key), 1);
    return ctx;
}

static void https_case(const pki_t *p, const vg_httpc_opts_t *o, const char *host, result_t *r,
                       int *accepted)
{
    struct event_base *base = event_base_new();
    SSL_CTX *sctx = server_ctx(p);
    vg_err_t err;
    vg_httpc_t *c = vg_httpc_new(base, o, &err);
    srv_t s;
    char url[128];

    if (c == NULL)
        fail_msg("vg_httpc_new: %s", err.msg);
    memset(r, 0, 2 * sizeof(*r));
    g_ctx.done = 0;
    srv_start(&s, base, sctx);
    snprintf(url, sizeof(url), "https://%s:%d/echo", host, s.port);
    request(c, "POST", url, NULL, "text/plain", "over tls", 3000, &r[0]);
    run_until(base, 1, 5000);
    request(c, "GET", url, NULL, NULL, NULL, 3000, &r[1]);
    run_until(base, 2, 5000);
    assert_int_equal(g_ctx.done, 2);
    *accepted = s.accepted;
    vg_httpc_free(c);
    srv_stop(&s);
    SSL_CTX_free(sctx);
    event_base_free(base);
}

static void test_https(void **state)
{
    pki_t p;
    result_t r[2];
    int accepted;
    vg_httpc_opts_t with_ca = {0};
    vg_httpc_opts_t system_store = {0};
    vg_httpc_opts_t insecure = {.insecure = true};
    (void)state;

    pki_make(&p);
    with_ca.ca_file = p.ca_file;

    /* Verified against the generated CA, by name: works, and the connection is reused. */
    https_case(&p, &with_ca, "localhost", r, &accepted);
    assert_string_equal(r[0].err, "");
    assert_int_equal(r[0].status, 200);
    assert_non_null(strstr(r[0].body, "m=POST "));
    assert_non_null(strstr(r[0].body, "body=over tls"));
    assert_int_equal(r[1].status, 200);
    assert_int_equal(accepted, 1);

    /* The system store does not know our certificate: a TLS error, no response. */
    https_case(&p, &system_store, "localhost", r, &accepted);
    if (strncmp(r[0].err, "tls: ", 5) != 0)
        fail_msg("expected a tls error, got \"%s\"", r[0].err);
    assert_non_null(strstr(r[0].err, "verify"));
    assert_int_equal(r[0].status, 0);

    /* --insecure: no verification at all. */
    https_case(&p, &insecure, "localhost", r, &accepted);
    assert_string_equal(r[0].err, "");
    assert_int_equal(r[0].status, 200);

    /* A CA file that does not exist is a setup error. */
    {
        struct event_base *base = event_base_new();
        vg_httpc_opts_t bad = {.ca_file = "/nonexistent/ca.pem"};
        vg_err_t err;
        assert_null(vg_httpc_new(base, &bad, &err));
        assert_true(err.msg[0] != '\0');
        event_base_free(base);
    }
    pki_free(&p);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as vagliod: a closed peer is an error, not a signal */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_methods_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_codes_and_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_over_max_per_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_refused_bad_url_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_requests_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_connection_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_https, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
