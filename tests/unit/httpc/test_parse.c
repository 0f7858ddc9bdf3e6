/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the httpc response parser: framing by length, chunks and
 * close; interim responses; the headers it reports; keep-alive; the 1 MiB
 * limit; malformed input. Each response is also fed one byte at a time, so
 * the incremental paths are exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "httpc/httpc_internal.h"

/* Feeds @p s whole (or byte by byte) and returns the last feed result. */
static int feed(vg_httpc_parser_t *p, const char *s, size_t n, bool bytewise, size_t *left)
{
    struct evbuffer *in = evbuffer_new();
    int rc = 0;

    if (!bytewise) {
        evbuffer_add(in, s, n);
        rc = vg_httpc_parser_feed(p, in);
    } else {
        for (size_t i = 0; i < n && rc == 0; i++) {
            evbuffer_add(in, s + i, 1);
            rc = vg_httpc_parser_feed(p, in);
        }
    }
    if (left != NULL)
        *left = evbuffer_get_length(in);
    evbuffer_free(in);
    return rc;
}

static void test_content_length(void **state)
{
    static const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n"
                            "Content-Length: 16\r\nRetry-After: 3\r\n\r\n{\"success\":true}";
    (void)state;

    for (int bw = 0; bw < 2; bw++) {
        vg_httpc_parser_t p;
        size_t left;
        vg_httpc_parser_init(&p, false);
        assert_int_equal(feed(&p, r, strlen(r), bw, &left), 1);
        assert_int_equal(left, 0);
        assert_int_equal(p.status, 200);
        assert_true(p.keep_alive);
        assert_string_equal(p.body.data, "{\"success\":true}");
        assert_int_equal(p.body.len, 16);
        assert_true(p.has_content_type);
        assert_string_equal(p.content_type, "application/json; charset=UTF-8");
        assert_true(p.has_retry_after);
        assert_string_equal(p.retry_after, "3");
        vg_httpc_parser_cleanup(&p);
    }
}

static void test_chunked_with_trailers_and_leftover(void **state)
{
    static const char r[] = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
    (void)state;

    for (int bw = 0; bw < 2; bw++) {
        vg_httpc_parser_t p;
        size_t left;
        vg_httpc_parser_init(&p, false);
        assert_int_equal(feed(&p, r, strlen(r), bw, &left), 1);
        assert_int_equal(p.status, 503);
        assert_string_equal(p.body.data, "hello, world");
        assert_int_equal(left, bw ? 0 : 4); /* bytewise stops feeding at completion */
        assert_false(p.has_retry_after);
        vg_httpc_parser_cleanup(&p);
    }
}

static void test_until_close(void **state)
{
    static const char r[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc";
    vg_httpc_parser_t p;
    (void)state;

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, r, strlen(r), false, NULL), 0);
    assert_false(p.keep_alive);
    assert_int_equal(vg_httpc_parser_eof(&p), 1);
    assert_string_equal(p.body.data, "abc");
    vg_httpc_parser_cleanup(&p);
}

static void test_interim_and_no_body(void **state)
{
    static const char r[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n"
                            "Connection: close\r\n\r\n";
    static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    vg_httpc_parser_t p;
    (void)state;

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, r, strlen(r), true, NULL), 1);
    assert_int_equal(p.status, 204);
    assert_false(p.keep_alive);
    assert_int_equal(p.body.len, 0);
    vg_httpc_parser_cleanup(&p);

    /* A HEAD response announces a length it does not send. */
    vg_httpc_parser_init(&p, true);
    assert_int_equal(feed(&p, h, strlen(h), false, NULL), 1);
    assert_int_equal(p.status, 200);
    vg_httpc_parser_cleanup(&p);
}

static void test_keep_alive_rules(void **state)
{
    static const char a[] =
        "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
    static const char b[] =
        "HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 0\r\n\r\n";
    vg_httpc_parser_t p;
    (void)state;

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, a, strlen(a), false, NULL), 1);
    assert_true(p.keep_alive);
    vg_httpc_parser_cleanup(&p);
    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, b, strlen(b), false, NULL), 1);
    assert_false(p.keep_alive);
    vg_httpc_parser_cleanup(&p);
}

static void test_too_large(void **state)
{
    static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n";
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n";
    vg_httpc_parser_t p;
    char *big;
    size_t hl;
    (void)state;

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, cl, strlen(cl), false, NULL), -1);
    assert_ptr_equal(p.err, vg_httpc_err_too_large);
    vg_httpc_parser_cleanup(&p);

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, ch, strlen(ch), false, NULL), -1);
    assert_ptr_equal(p.err, vg_httpc_err_too_large);
    vg_httpc_parser_cleanup(&p);

    /* Exactly 1 MiB is fine; one byte more through a close-delimited body is not. */
    hl = strlen("HTTP/1.1 200 OK\r\n\r\n");
    big = malloc(hl + VG_HTTPC_MAX_BODY + 1);
    memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", hl);
    memset(big + hl, 'x', VG_HTTPC_MAX_BODY + 1);
    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, big, hl + VG_HTTPC_MAX_BODY, false, NULL), 0);
    assert_int_equal(vg_httpc_parser_eof(&p), 1);
    assert_int_equal(p.body.len, VG_HTTPC_MAX_BODY);
    vg_httpc_parser_cleanup(&p);
    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, big, hl + VG_HTTPC_MAX_BODY + 1, false, NULL), -1);
    assert_ptr_equal(p.err, vg_httpc_err_too_large);
    vg_httpc_parser_cleanup(&p);
    free(big);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n",
    };
    (void)state;

    for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
        vg_httpc_parser_t p;
        vg_httpc_parser_init(&p, false);
        if (feed(&p, bad[i], strlen(bad[i]), false, NULL) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_ptr_equal(p.err, vg_httpc_err_bad_response);
        vg_httpc_parser_cleanup(&p);
    }
}

static void test_overlong_line_and_truncation(void **state)
{
    char *line = malloc(VG_HTTPC_MAX_LINE + 64);
    vg_httpc_parser_t p;
    static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    (void)state;

    snprintf(line, VG_HTTPC_MAX_LINE + 64, "HTTP/1.1 200 OK\r\nX: ");
    memset(line + strlen(line), 'a', VG_HTTPC_MAX_LINE + 10);
    line[VG_HTTPC_MAX_LINE + 30] = '\0';
    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, line, strlen(line), false, NULL), -1);
    vg_httpc_parser_cleanup(&p);
    free(line);

    vg_httpc_parser_init(&p, false);
    assert_int_equal(feed(&p, part, strlen(part), false, NULL), 0);
    assert_int_equal(vg_httpc_parser_eof(&p), -1);
    assert_ptr_equal(p.err, vg_httpc_err_closed);
    vg_httpc_parser_cleanup(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked_with_trailers_and_leftover),
        cmocka_unit_test(test_until_close),
        cmocka_unit_test(test_interim_and_no_body),
        cmocka_unit_test(test_keep_alive_rules),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_overlong_line_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
