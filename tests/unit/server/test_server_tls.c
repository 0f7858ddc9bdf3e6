/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the server over TLS, in process, with a certificate made at
 * test time: handshake and keep-alive POSTs, responses too big for one
 * SSL_write, clean close_notify on close, refusal of TLS 1.1 and of plain
 * HTTP on the TLS port, asynchronous replies to clients that left, and
 * session resumption.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/vg_test_http.h"
#include "tls/vg_test_cert.h"

static vg_test_cert_t cert;
static SSL_CTX *server_ctx, *client_ctx;
static th_server_t ts;
static th_client_t c1, c2;
static th_resp_t r;

#define REQ(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

static int group_setup(void **state)
{
    vg_err_t err;
    (void)state;
    if (vg_test_cert_make(&cert) != 0)
        return -1;
    server_ctx = vg_tls_server_ctx_new(cert.cert, cert.key, &err);
    client_ctx = vg_tls_client_ctx_new(cert.cert, &err);
    return server_ctx != NULL && client_ctx != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    vg_test_cert_remove(&cert);
    return 0;
}

static int start_with(const vg_http_limits_t *lim)
{
    return th_start(&ts, lim, server_ctx);
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
    th_wait_atomic(&ts.async_pending, 0, 2000);
    th_stop(&ts);
    return 0;
}

static void connect_tls(th_client_t *c, const char *host)
{
    assert_int_equal(th_connect_to(c, "127.0.0.1", ts.port, client_ctx, host), 0);
}

static void expect_response(th_client_t *c, int status, const char *body)
{
    assert_int_equal(th_read_response(c, &r, false), 0);
    assert_int_equal(r.status, status);
    if (body != NULL)
        assert_string_equal(r.body, body);
}

static void test_tls_post_keepalive(void **state)
{
    char v[64];
    (void)state;
    connect_tls(&c1, "127.0.0.1");
    assert_int_equal(SSL_get_verify_result(c1.ssl), X509_V_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\n"
                                       "payload"),
                         0);
        expect_response(&c1, 200, "payload");
        assert_false(r.conn_close);
    }
    assert_string_equal(th_header(&r, "Server", v, sizeof(v)), "vaglio");
    assert_int_equal(th_connections(&ts), 1);
    assert_int_equal(atomic_load(&ts.requests), 3);

    /* by name too (SNI + host check) */
    connect_tls(&c2, "localhost");
    assert_int_equal(th_sends(&c2, REQ("/")), 0);
    expect_response(&c2, 200, "hello");
}

static void test_tls_wrong_name_refused_by_client(void **state)
{
    (void)state;
    assert_int_not_equal(th_connect_to(&c1, "127.0.0.1", ts.port, client_ctx, "example.com"), 0);
    th_close(&c1);
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_tls_pipelined_and_continue(void **state)
{
    char body[3000];
    (void)state;
    memset(body, 'x', sizeof(body));
    connect_tls(&c1, NULL);
    assert_int_equal(th_sends(&c1, REQ("/async?ms=30") REQ("/hdr") REQ("/")), 0);
    expect_response(&c1, 200, "async");
    expect_response(&c1, 200, "none");
    expect_response(&c1, 200, "hello");

    assert_int_equal(th_sends(&c1, "POST /len HTTP/1.1\r\nHost: t\r\nContent-Length: 3000\r\n"
                                   "Expect: 100-continue\r\n\r\n"),
                     0);
    expect_response(&c1, 100, NULL);
    assert_int_equal(th_send(&c1, body, sizeof(body)), 0);
    expect_response(&c1, 200, "3000");

    assert_int_equal(th_sends(&c1, "POST /echo HTTP/1.1\r\nHost: t\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
                     0);
    expect_response(&c1, 200, "abc");
}

static void test_tls_large_response(void **state)
{
    size_t n = 6 * 1024 * 1024;
    char *body = malloc(n);
    char hdr[128];
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.max_body = 8 * 1024 * 1024;
    assert_int_equal(start_with(&lim), 0);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)(i * 7 + i / 4096);
    /* a small window: the server's SSL_write cannot finish at once, libevent takes over */
    c1.rcvbuf = 16384;
    connect_tls(&c1, NULL);
    snprintf(hdr, sizeof(hdr), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", n);
    assert_int_equal(th_sends(&c1, hdr), 0);
    assert_int_equal(th_send(&c1, body, n), 0);
    th_sleep_ms(50);
    expect_response(&c1, 200, NULL);
    assert_int_equal(r.body_len, n);
    assert_int_equal(r.sum, th_sum(0, body, n));
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    free(body);
}

/* Reads until the server closes; true if it ended with close_notify. */
static bool clean_close(th_client_t *c)
{
    if (!th_wait_eof(c, 3000))
        return false;
    return (SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN) != 0;
}

static void test_tls_close_notify(void **state)
{
    (void)state;
    connect_tls(&c1, NULL);
    assert_int_equal(th_sends(&c1, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"), 0);
    expect_response(&c1, 200, "hello");
    assert_true(r.conn_close);
    assert_true(clean_close(&c1));

    /* refused requests close the same way, after lingering */
    connect_tls(&c2, NULL);
    assert_int_equal(th_sends(&c2, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n"
                                   "Expect: 100-continue\r\n\r\n"),
                     0);
    expect_response(&c2, 413, NULL);
    assert_true(r.conn_close);
    assert_true(clean_close(&c2));
    assert_int_equal(atomic_load(&ts.requests), 1);
}

static void test_tls_11_refused(void **state)
{
    (void)state;
    SSL_CTX *old = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(old, 0);
    SSL_CTX_set_min_proto_version(old, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(old, "ALL:@SECLEVEL=0");
    ERR_clear_error();
    assert_int_not_equal(th_connect(&c1, ts.port, old), 0);
    /* the server said so: a protocol_version alert, not a local failure */
    assert_int_equal(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    th_close(&c1);
    SSL_CTX_free(old);
    assert_true(th_wait_connections(&ts, 0, 3000));
    /* and it still serves good clients */
    connect_tls(&c2, NULL);
    assert_int_equal(th_sends(&c2, REQ("/")), 0);
    expect_response(&c2, 200, "hello");
}

static void test_tls_plain_http_refused(void **state)
{
    (void)state;
    assert_int_equal(th_connect(&c1, ts.port, NULL), 0);
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    /* whatever comes back (an alert at most), the connection ends without a response */
    struct timeval tv = {.tv_sec = 3};
    setsockopt(c1.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[512];
    ssize_t n, total = 0;
    while ((n = recv(c1.fd, buf, sizeof(buf), 0)) > 0)
        total += n;
    assert_true(n == 0 || errno == ECONNRESET);
    assert_true(total < 64);
    assert_true(th_wait_connections(&ts, 0, 3000));
    assert_int_equal(atomic_load(&ts.requests), 0);
}

static void test_tls_client_gone_before_async_reply(void **state)
{
    (void)state;
    connect_tls(&c1, NULL);
    assert_int_equal(th_sends(&c1, REQ("/async?ms=80")), 0);
    assert_true(th_wait_atomic(&ts.requests, 1, 2000));
    th_close(&c1); /* no close_notify: a cut */
    assert_true(th_wait_atomic(&ts.replies, 1, 3000));
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_tls_idle_timeout(void **state)
{
    vg_http_limits_t lim = th_default_limits();
    (void)state;
    th_stop(&ts);
    lim.idle_timeout_ms = 150;
    lim.header_timeout_ms = 300;
    assert_int_equal(start_with(&lim), 0);
    connect_tls(&c1, NULL);
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello");
    assert_true(th_wait_eof(&c1, 2000));
    /* a client that connects and never starts the handshake */
    assert_int_equal(th_connect(&c2, ts.port, NULL), 0);
    assert_true(th_wait_eof(&c2, 2000));
    assert_true(th_wait_connections(&ts, 0, 3000));
}

static void test_tls_session_resumption(void **state)
{
    (void)state;
    connect_tls(&c1, NULL);
    assert_int_equal(th_sends(&c1, REQ("/")), 0);
    expect_response(&c1, 200, "hello"); /* TLS 1.3 tickets arrive after the handshake */
    SSL_SESSION *sess = SSL_get1_session(c1.ssl);
    assert_non_null(sess);
    /* freed without a shutdown, OpenSSL would mark the session not resumable */
    SSL_shutdown(c1.ssl);
    th_close(&c1);

    memset(&c2, 0, sizeof(c2));
    c2.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ts.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(c2.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    c2.ssl = SSL_new(client_ctx);
    SSL_set_fd(c2.ssl, c2.fd);
    SSL_set_session(c2.ssl, sess);
    assert_int_equal(SSL_connect(c2.ssl), 1);
    assert_int_equal(SSL_session_reused(c2.ssl), 1);
    SSL_SESSION_free(sess);
    assert_int_equal(th_sends(&c2, REQ("/")), 0);
    expect_response(&c2, 200, "hello");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tls_post_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_wrong_name_refused_by_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_pipelined_and_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_large_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_close_notify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_11_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_plain_http_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_client_gone_before_async_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_session_resumption, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
