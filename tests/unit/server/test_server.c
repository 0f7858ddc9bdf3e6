/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the plain-HTTP server, in process: a server on port 0 runs
 * on its own event_base in a helper thread and the test thread talks to it
 * over real sockets with hand-written bytes. Covers framing (Content-Length,
 * chunked, HEAD, 204), keep-alive and pipelining, 100-continue, every limit
 * and refusal, timeouts, asynchronous replies (also to clients that left),
 * draining and the max_connections pause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/vg_test_http.h"

static th_server_t ts;
static th_client_t c1, c2, c3;
static th_resp_t r;

#define REQ(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

static int start_with(const vg_http_limits_t *lim)
{
    if (th_start(&ts, lim, NULL) != 0)
        return -1;
    return 0;
}

static int setup(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    return start_with(&lim);
}

static int teardown(void **state)
{
    (void)state;
    th_close(&c1);
    th_close(&c2);
    th_close(&c3);
    /* nothing may be left with the handler, or its timer would leak */
    th_wait_atomic(&ts.async_pending, 0, 2000);
    th_stop(&ts);
    return 0;
}

static void connect1(th_client_t *c)
{
    assert_int_equal(th_connect(c, ts.port, NULL), 0);
}

static void expect_response(th_client_t *c, int status, const char *body)
{
    assert_int_equal(th_read_response(c, &r, false), 0);
    assert_int_equal(r.status, status);
    if (body != NULL)
        assert_string_equal(r.body, body);
}

static void test_get_simple(void **state)
{
    char v[128];
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "GET /?a=b HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    expect_response(&c1, 200, "hello");
    assert_string_equal(th_header(&r, "Server", v, sizeof(v)), "vaglio");
    assert_string_equal(th_header(&r, "Content-Length", v, sizeof(v)), "5");
    assert_string_equal(th_header(&r, "Content-Type", v, sizeof(v)), "text/plain");
    assert_non_null(th_header(&r, "Date", v, sizeof(v)));
    assert_int_equal(strlen(v), 29); /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    assert_non_null(strstr(v, " GMT"));
    assert_null(th_header(&r, "Connection", v, sizeof(v)));
    assert_false(r.conn_close);
    /* request id "w<server>-<hex>", peer "127.0.0.1:<port>", all routes by default */
    assert_int_equal(ts.last_id[0], 'w');
    assert_non_null(strchr(ts.last_id, '-'));
    assert_int_equal(strncmp(ts.last_peer, "127.0.0.1:", 10), 0);
    assert_int_equal(atomic_load(&ts.last_routes), VG_ROUTE_ALL);
    assert_int_equal(th_connections(&ts), 1);
}

static void test_post_content_length(void **state)
{
    char v[64];
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n"
                                   "hello world"),
                     0);
    expect_response(&c1, 200, "hello world");
    assert_string_equal(th_header(&r, "X-Body-Len", v, sizeof(v)), "11");
    assert_int_equal(atoi(th_header(&r, "X-Method", v, sizeof(v))), VG_HTTP_POST);
    assert_string_equal(th_header(&r, "Content-Type", v, sizeof(v)), "application/octet-stream");

    /* headers and body in separate writes, the body itself split */
    assert_int_equal(th_sends(&c1, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\n"),
                     0);
    th_sleep_ms(20);
    assert_int_equal(th_sends(&c1, "abc"), 0);
    th_sleep_ms(20);
    assert_int_equal(th_sends(&c1, "def"), 0);
    expect_response(&c1, 200, "abcdef");
    assert_int_equal(atoi(th_header(&r, "X-Method", v, sizeof(v))), VG_HTTP_PUT);

    /* an empty body */
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"),
                     0);
    expect_response(&c1, 200, "");
    assert_string_equal(th_header(&r, "Content-Length", v, sizeof(v)), "0");
}

static void test_post_chunked(void **state)
{
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n5\r\nhel"),
                     0);
    th_sleep_ms(20);
    assert_int_equal(th_sends(&c1, "lo\r\n6;ext=1\r\n world\r\n"), 0);
    th_sleep_ms(20);
    assert_int_equal(th_sends(&c1, "0\r\nTrailer: x\r\n\r\n"), 0);
    expect_response(&c1, 200, "hello world");
    /* the connection is still good */
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
}

static void test_keepalive_three(void **state)
{
    (void)state;
    connect1(&c1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(th_sends(&c1, "GET /hdr HTTP/1.1\r\nHost: t\r\nX-Test: again\r\n\r\n"), 0);
        expect_response(&c1, 200, "again");
        assert_false(r.conn_close);
    }
    assert_int_equal(atomic_load(&ts.requests), 3);
    assert_int_equal(th_connections(&ts), 1);
}

static void test_pipelined(void **state)
{
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n"
                                   "one" REQ("/hdr") "GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
                     0);
    expect_response(&c1, 200, "one");
    expect_response(&c1, 200, "none");
    expect_response(&c1, 200, "hello");
    assert_int_equal(atomic_load(&ts.requests), 3);
}

static void test_pipelined_behind_async(void **state)
{
    (void)state;
    connect1(&c1);
    /* the second request waits in the buffer while the first is with the handler */
    assert_int_equal(th_sends(&c1, REQ("/async?ms=40") REQ("/hdr")), 0);
    expect_response(&c1, 200, "async");
    expect_response(&c1, 200, "none");
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
}

static void test_expect_continue(void **state)
{
    char body[2000];
    (void)state;
    memset(body, 'b', sizeof(body));
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n"
                                   "Expect: 100-continue\r\n\r\n"),
                     0);
    /* the interim answer arrives before we send a byte of the body */
    expect_response(&c1, 100, NULL);
    assert_int_equal(strncmp(r.head, "HTTP/1.1 100 Continue\r\n\r\n", 25), 0);
    assert_int_equal(th_send(&c1, body, sizeof(body)), 0);
    expect_response(&c1, 200, "2000");

    /* body sent right away with the headers: no 100 needed, none sent */
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                                   "Expect: 100-continue\r\n\r\nok"),
                     0);
    expect_response(&c1, 200, "ok");
}

static void test_413(void **state)
{
    (void)state;
    connect1(&c1);
    /* decided from Content-Length: no 100 Continue, 413, closed */
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n"
                                   "Expect: 100-continue\r\n\r\n"),
                     0);
    expect_response(&c1, 413, "413 Content Too Large\n");
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));

    /* the client sends part of the body anyway: it still reads the 413 (lingering close) */
    connect1(&c2);
    char chunk[16384];
    memset(chunk, 'z', sizeof(chunk));
    assert_int_equal(
        th_sends(&c2, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n"), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(th_send(&c2, chunk, sizeof(chunk)), 0);
    expect_response(&c2, 413, NULL);
    assert_true(r.conn_close);
    shutdown(c2.fd, SHUT_WR);
    assert_true(th_wait_eof(&c2, 3000));
    assert_int_equal(atomic_load(&ts.requests), 0);
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_413_chunked(void **state)
{
    char chunk[9000];
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"),
                     0);
    memset(chunk, 'q', sizeof(chunk));
    /* 0x80000 = 512 KiB per chunk: the third pushes past 1 MiB */
    for (int i = 0; i < 3; i++) {
        char line[32];
        snprintf(line, sizeof(line), "80000\r\n");
        if (th_sends(&c1, line) != 0)
            break;
        for (int j = 0; j < 0x80000 / (int)sizeof(chunk) + 1; j++) {
            size_t n = VG_MIN(sizeof(chunk), (size_t)0x80000 - (size_t)j * sizeof(chunk));
            if (th_send(&c1, chunk, n) != 0)
                break;
        }
        if (th_sends(&c1, "\r\n") != 0)
            break;
    }
    expect_response(&c1, 413, NULL);
    assert_true(r.conn_close);
}

static void test_431(void **state)
{
    char big[9000];
    (void)state;
    connect1(&c1);
    memset(big, 'h', sizeof(big));
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(th_sends(&c1, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: "), 0);
    assert_int_equal(th_sends(&c1, big), 0);
    expect_response(&c1, 431, NULL);
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));

    /* too many header lines */
    connect1(&c2);
    assert_int_equal(th_sends(&c2, "GET / HTTP/1.1\r\nHost: t\r\n"), 0);
    for (int i = 0; i < 70; i++)
        assert_int_equal(th_sends(&c2, "X: 1\r\n"), 0);
    assert_int_equal(th_sends(&c2, "\r\n"), 0);
    expect_response(&c2, 431, NULL);
    assert_true(th_wait_eof(&c2, 3000));
    assert_int_equal(atomic_load(&ts.requests), 0);
}

/* Sends @p req on a fresh connection and expects @p status, then the close. */
static void refused(const char *req, int status)
{
    th_close(&c1);
    connect1(&c1);
    assert_int_equal(th_sends(&c1, req), 0);
    expect_response(&c1, status, NULL);
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));
}

static void test_refusals(void **state)
{
    (void)state;
    refused("GET /a b HTTP/1.1\r\nHost: t\r\n\r\n", 400);
    refused("HELLO\r\n\r\n", 400);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            400);
    refused("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n", 400);
    refused("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\n\r\n", 411);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: tea\r\n\r\n", 417);
    refused("GET / HTTP/1.1\nHost: t\n\n", 400);
    refused("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400);
    assert_int_equal(atomic_load(&ts.requests), 0);
}

static void test_head_and_no_content(void **state)
{
    char v[64];
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    assert_int_equal(th_read_response(&c1, &r, true), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_header(&r, "Content-Length", v, sizeof(v)), "5");
    /* no body bytes followed: the next response starts right away */
    assert_int_equal(th_sends(&c1, REQ("/status?code=204")), 0);
    expect_response(&c1, 204, "");
    assert_null(th_header(&r, "Content-Length", v, sizeof(v)));
    assert_int_equal(th_sends(&c1, REQ("/status?code=404")), 0);
    expect_response(&c1, 404, "s");
    /* a handler status out of range becomes a 500 */
    assert_int_equal(th_sends(&c1, REQ("/status?code=99")), 0);
    expect_response(&c1, 500, "");
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
}

static void test_http10(void **state)
{
    char v[64];
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
    expect_response(&c1, 200, "hello");
    assert_string_equal(th_header(&r, "Connection", v, sizeof(v)), "keep-alive");
    assert_int_equal(th_sends(&c1, "GET / HTTP/1.0\r\n\r\n"), 0);
    expect_response(&c1, 200, "hello");
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));

    connect1(&c2);
    assert_int_equal(th_sends(&c2, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 0);
    expect_response(&c2, 200, "hello");
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c2, 3000));
}

static void test_slow_bytes(void **state)
{
    static const char req[] =
        "POST /echo HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nContent-Length: 4\r\n\r\n"
        "slow";
    (void)state;
    connect1(&c1);
    for (size_t i = 0; i < sizeof(req) - 1; i++) {
        assert_int_equal(th_send(&c1, req + i, 1), 0);
        if (i % 8 == 0)
            th_sleep_ms(1);
    }
    expect_response(&c1, 200, "slow");
}

static void test_large_body_and_response(void **state)
{
    /* more than a loopback send buffer grows to (tcp_wmem max, 4 MiB) */
    size_t n = 6 * 1024 * 1024;
    char *body = malloc(n);
    char hdr[128];
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.max_body = 8 * 1024 * 1024;
    assert_int_equal(start_with(&lim), 0);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    /* a small receive window, so the response cannot all go out in one send */
    c1.rcvbuf = 16384;
    connect1(&c1);
    snprintf(hdr, sizeof(hdr), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", n);
    assert_int_equal(th_sends(&c1, hdr), 0);
    assert_int_equal(th_send(&c1, body, n), 0);
    /* let the server hit a full socket buffer before we read: the rest goes via libevent */
    th_sleep_ms(50);
    expect_response(&c1, 200, NULL);
    assert_int_equal(r.body_len, n);
    assert_int_equal(r.sum, th_sum(0, body, n));
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    free(body);
}

static void test_async_reply(void **state)
{
    (void)state;
    connect1(&c1);
    uint64_t t0 = th_now_ms();
    assert_int_equal(th_sends(&c1, REQ("/async?ms=20")), 0);
    expect_response(&c1, 200, "async");
    assert_true(th_now_ms() - t0 >= 19);
    assert_int_equal(th_sends(&c1, REQ("/async?ms=1")), 0);
    expect_response(&c1, 200, "async");
}

static void test_client_gone_before_async_reply(void **state)
{
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, REQ("/async?ms=100")), 0);
    assert_true(th_wait_atomic(&ts.requests, 1, 2000));
    th_close(&c1);
    /* the reply happens later, is dropped, and the connection is freed */
    assert_true(th_wait_atomic(&ts.replies, 1, 3000));
    assert_true(th_wait_connections(&ts, 0, 3000));

    /* a reset rather than a FIN */
    connect1(&c2);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c2.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    assert_int_equal(th_sends(&c2, REQ("/async?ms=50")), 0);
    assert_true(th_wait_atomic(&ts.requests, 2, 2000));
    th_close(&c2);
    assert_true(th_wait_atomic(&ts.replies, 2, 3000));
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_half_close_gets_reply(void **state)
{
    (void)state;
    connect1(&c1);
    assert_int_equal(th_sends(&c1, REQ("/async?ms=30")), 0);
    shutdown(c1.fd, SHUT_WR);
    expect_response(&c1, 200, "async");
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));
}

static void test_drain_in_flight(void **state)
{
    (void)state;
    connect1(&c1);
    connect1(&c2); /* idle: closed by the drain */
    assert_true(th_wait_connections(&ts, 2, 2000));
    assert_int_equal(th_sends(&c1, REQ("/async?ms=100")), 0);
    assert_true(th_wait_atomic(&ts.requests, 1, 2000));
    th_call(&ts, th_drain, NULL);
    assert_true(th_wait_eof(&c2, 2000));
    assert_int_equal(atomic_load(&ts.drained), 0);
    expect_response(&c1, 200, "async");
    assert_true(r.conn_close);
    assert_true(th_wait_eof(&c1, 3000));
    assert_true(th_wait_atomic(&ts.drained, 1, 3000));
    assert_int_equal(th_connections(&ts), 0);
    /* the listener is gone */
    assert_int_not_equal(th_connect(&c3, ts.port, NULL), 0);
}

static void test_drain_idle(void **state)
{
    (void)state;
    th_call(&ts, th_drain, NULL);
    /* no connection: done at once */
    assert_int_equal(atomic_load(&ts.drained), 1);
}

static void test_max_connections(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.max_connections = 2;
    assert_int_equal(start_with(&lim), 0);

    connect1(&c1);
    connect1(&c2);
    assert_true(th_wait_connections(&ts, 2, 2000));
    /* the kernel completes the third handshake, but the server does not accept it */
    connect1(&c3);
    assert_int_equal(th_sends(&c3, REQ("/")), 0);
    assert_true(th_quiet(&c3, 300));
    assert_int_equal(th_connections(&ts), 2);
    /* the others still work */
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    /* one leaves: accepting resumes and the third is served */
    th_close(&c2);
    expect_response(&c3, 200, "hello");
    assert_int_equal(th_connections(&ts), 2);
}

static void test_idle_timeout(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.idle_timeout_ms = 150;
    lim.header_timeout_ms = 300;
    assert_int_equal(start_with(&lim), 0);

    connect1(&c1);
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    uint64_t t0 = th_now_ms();
    assert_true(th_wait_eof(&c1, 2000));
    uint64_t waited = th_now_ms() - t0;
    assert_true(waited >= 120);
    assert_true(waited < 1500);

    /* a connection that never sends a byte: the header timeout, no response */
    connect1(&c2);
    t0 = th_now_ms();
    assert_true(th_wait_eof(&c2, 2000));
    assert_true(th_now_ms() - t0 >= 250);

    /* a request that stops halfway: 408, then closed */
    connect1(&c3);
    assert_int_equal(th_sends(&c3, "GET / HTTP/1.1\r\nHost"), 0);
    expect_response(&c3, 408, NULL);
    assert_true(r.conn_close);
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_body_timeout(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.body_timeout_ms = 150;
    assert_int_equal(start_with(&lim), 0);
    connect1(&c1);
    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"
                                   "12345"),
                     0);
    expect_response(&c1, 408, NULL);
    assert_true(r.conn_close);
    assert_int_equal(atomic_load(&ts.requests), 0);
}

static void test_ipv6(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    if (th_start_at(&ts, &lim, NULL, "::1") != 0) {
        /* keep the fixture consistent for teardown, then skip */
        assert_int_equal(start_with(&lim), 0);
        skip();
    }
    assert_int_equal(th_connect_to(&c1, "::1", ts.port, NULL, NULL), 0);
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    assert_int_equal(strncmp(ts.last_peer, "[::1]:", 6), 0);
}

static void test_listen_errors(void **state)
{
    vg_err_t err;
    char bad[] = "not-an-ip";
    char any[] = "127.0.0.1";
    (void)state;
    vg_listen_conf_t lc = {.address = bad, .port = 0};
    assert_true(vg_http_server_listen(ts.srv, &lc, NULL, false, &err) < 0);
    assert_int_equal(err.code, VG_EINVAL);
    assert_non_null(strstr(err.msg, "not-an-ip"));
    /* TLS without a context */
    lc.address = any;
    lc.tls = true;
    assert_true(vg_http_server_listen(ts.srv, &lc, NULL, false, &err) < 0);
    /* the port in use */
    lc.tls = false;
    lc.port = (uint16_t)ts.port;
    assert_true(vg_http_server_listen(ts.srv, &lc, NULL, false, &err) < 0);
    assert_int_equal(err.code, VG_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_simple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_content_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_behind_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_413_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_431, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_and_no_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http10, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_body_and_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_gone_before_async_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_close_gets_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
