/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the HTTP/1.1 parser: a table of malformed and hostile heads
 * with the status each must earn, the fields of well-formed ones, the
 * chunked decoder fed whole and byte by byte, its limits, and the reason
 * phrase table and limits-from-config copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server_internal.h"
#include "vaglio/config.h"

/*
 * Parses @p text (copied: the parser writes NULs into its input). Without
 * @p keep the copy lives until the next call, so @p h stays readable.
 */
static char *last_copy;

static int parse(const char *text, size_t len, vg_http_head_t *h, char **keep)
{
    free(last_copy);
    last_copy = NULL;
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = vg_http_parse_head(copy, len, h);
    if (keep != NULL)
        *keep = copy;
    else
        last_copy = copy;
    return rc;
}

struct bad_case {
    const char *name;
    const char *text;
    size_t len;
    int status;
};

/* sizeof, not strlen: some cases carry a NUL byte */
#define BAD(name, text, status)                                                                    \
    {                                                                                              \
        name, text, sizeof(text) - 1, status                                                       \
    }

#define H "Host: a\r\n"

static const struct bad_case bad_cases[] = {
    BAD("empty", "\r\n\r\n", 400),
    BAD("no final blank line", "GET / HTTP/1.1\r\n" H, 400),
    BAD("http/0.9", "GET /\r\n\r\n", 400),
    BAD("no version", "GET / \r\n\r\n", 400),
    BAD("double space", "GET  / HTTP/1.1\r\n" H "\r\n", 400),
    BAD("double space 2", "GET /  HTTP/1.1\r\n" H "\r\n", 400),
    BAD("leading space", " GET / HTTP/1.1\r\n" H "\r\n", 400),
    BAD("tab separator", "GET\t/ HTTP/1.1\r\n" H "\r\n", 400),
    BAD("bad method char", "G@T / HTTP/1.1\r\n" H "\r\n", 400),
    BAD("method too long", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n" H "\r\n", 400),
    BAD("lowercase version", "GET / http/1.1\r\n" H "\r\n", 400),
    BAD("short version", "GET / HTTP/1\r\n" H "\r\n", 400),
    BAD("version letters", "GET / HTTP/a.b\r\n" H "\r\n", 400),
    BAD("version trailing", "GET / HTTP/1.10\r\n" H "\r\n", 400),
    BAD("http/2", "GET / HTTP/2.0\r\n" H "\r\n", 505),
    BAD("http/1.2", "GET / HTTP/1.2\r\n" H "\r\n", 505),
    BAD("http/0.9 with version", "GET / HTTP/0.9\r\n" H "\r\n", 505),
    BAD("relative target", "GET a/b HTTP/1.1\r\n" H "\r\n", 400),
    BAD("control in target", "GET /a\x01z HTTP/1.1\r\n" H "\r\n", 400),
    BAD("del in target", "GET /a\x7fz HTTP/1.1\r\n" H "\r\n", 400),
    BAD("high byte in target", "GET /\xc3\xa8 HTTP/1.1\r\n" H "\r\n", 400),
    BAD("asterisk not options", "GET * HTTP/1.1\r\n" H "\r\n", 400),
    BAD("authority form", "CONNECT a:443 HTTP/1.1\r\n" H "\r\n", 400),
    BAD("bare lf request line", "GET / HTTP/1.1\n" H "\r\n", 400),
    BAD("bare cr request line", "GET /\r HTTP/1.1\r\n" H "\r\n", 400),
    BAD("nul in request line", "GET /\0 HTTP/1.1\r\n" H "\r\n", 400),
    BAD("no host 1.1", "GET / HTTP/1.1\r\n\r\n", 400),
    BAD("two hosts", "GET / HTTP/1.1\r\n" H "Host: b\r\n\r\n", 400),
    BAD("two hosts 1.0", "GET / HTTP/1.0\r\n" H H "\r\n", 400),
    BAD("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    BAD("empty name", "GET / HTTP/1.1\r\n" H ": v\r\n\r\n", 400),
    BAD("no colon", "GET / HTTP/1.1\r\n" H "Novalue\r\n\r\n", 400),
    BAD("bad name char", "GET / HTTP/1.1\r\n" H "X(y): v\r\n\r\n", 400),
    BAD("obs-fold space", "GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n", 400),
    BAD("obs-fold tab", "GET / HTTP/1.1\r\n" H "X: a\r\n\tb\r\n\r\n", 400),
    BAD("nul in value", "GET / HTTP/1.1\r\n" H "X: a\0b\r\n\r\n", 400),
    BAD("bare lf in value", "GET / HTTP/1.1\r\n" H "X: a\nb\r\n\r\n", 400),
    BAD("bare cr in value", "GET / HTTP/1.1\r\n" H "X: a\rb\r\n\r\n", 400),
    BAD("control in value", "GET / HTTP/1.1\r\n" H "X: a\x1b[2Jb\r\n\r\n", 400),
    BAD("bare lf line end", "GET / HTTP/1.1\r\n" H "X: a\n\r\n", 400),
    BAD("cl conflict", "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
        400),
    BAD("cl list conflict", "POST / HTTP/1.1\r\n" H "Content-Length: 5, 6\r\n\r\n", 400),
    BAD("cl negative", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400),
    BAD("cl plus", "POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n", 400),
    BAD("cl hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n", 400),
    BAD("cl trailing junk", "POST / HTTP/1.1\r\n" H "Content-Length: 5a\r\n\r\n", 400),
    BAD("cl inner space", "POST / HTTP/1.1\r\n" H "Content-Length: 5 5\r\n\r\n", 400),
    BAD("cl empty", "POST / HTTP/1.1\r\n" H "Content-Length: \r\n\r\n", 400),
    BAD("cl comma only", "POST / HTTP/1.1\r\n" H "Content-Length: ,\r\n\r\n", 400),
    BAD("cl and te",
        "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    BAD("te and cl",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
    BAD("te gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 501),
    BAD("te gzip chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
    BAD("te chunked gzip", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n\r\n", 501),
    BAD("te identity", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: identity\r\n\r\n", 501),
    BAD("te twice",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        400),
    BAD("te empty", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: \r\n\r\n", 400),
    BAD("te with params", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked;q=1\r\n\r\n", 501),
    BAD("te on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    BAD("post no length", "POST / HTTP/1.1\r\n" H "\r\n", 411),
    BAD("put no length", "PUT / HTTP/1.1\r\n" H "\r\n", 411),
    BAD("expect other", "POST / HTTP/1.1\r\n" H "Content-Length: 1\r\nExpect: 200-ok\r\n\r\n", 417),
    BAD("junk after blank", "GET / HTTP/1.1\r\n" H "\r\n\r\nX", 400),
};

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < VG_ARRAY_LEN(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        vg_http_head_t h;
        int rc = parse(bc->text, bc->len, &h, NULL);
        if (rc != bc->status)
            fail_msg("case \"%s\": got %d, want %d", bc->name, rc, bc->status);
    }
}

static void test_parse_too_many_headers(void **state)
{
    vg_buf_t b;
    vg_http_head_t h;
    (void)state;

    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < VG_HTTP_MAX_HEADERS; i++)
        vg_buf_printf(&b, "X-%d: %d\r\n", i, i);
    vg_buf_puts(&b, "\r\n");
    assert_int_equal(parse(b.data, b.len, &h, NULL), 0);
    assert_int_equal(h.nheaders, VG_HTTP_MAX_HEADERS);

    b.len -= 2;
    vg_buf_puts(&b, "X-last: 1\r\n\r\n");
    assert_int_equal(parse(b.data, b.len, &h, NULL), 431);
    vg_buf_cleanup(&b);
}

static void test_parse_good(void **state)
{
    vg_http_head_t h;
    char *buf;
    (void)state;

    static const char req[] = "POST /webhooks/meta/demo?hub.mode=subscribe&x=1 HTTP/1.1\r\n"
                              "Host: vaglio.example\r\n"
                              "Content-Type:application/json\r\n"
                              "X-Hub-Signature-256:   sha256=abc  \t\r\n"
                              "Empty:\r\n"
                              "Content-Length: 42\r\n"
                              "Expect: 100-Continue\r\n"
                              "\r\n";
    assert_int_equal(parse(req, sizeof(req) - 1, &h, &buf), 0);
    assert_int_equal(h.method, VG_HTTP_POST);
    assert_int_equal(h.minor, 1);
    assert_string_equal(h.path, "/webhooks/meta/demo");
    assert_int_equal(h.path_len, 19);
    assert_string_equal(h.query, "hub.mode=subscribe&x=1");
    assert_int_equal(h.query_len, 22);
    assert_int_equal(h.nheaders, 6);
    assert_true(h.has_length);
    assert_int_equal(h.content_length, 42);
    assert_false(h.chunked);
    assert_true(h.keep_alive);
    assert_true(h.expect_continue);
    const vg_http_header_t *hd = vg_http_head_find(&h, "x-hub-signature-256", 19);
    assert_non_null(hd);
    assert_string_equal(hd->value, "sha256=abc");
    assert_int_equal(hd->value_len, 10);
    hd = vg_http_head_find(&h, "CONTENT-TYPE", 12);
    assert_non_null(hd);
    assert_string_equal(hd->value, "application/json");
    hd = vg_http_head_find(&h, "empty", 5);
    assert_non_null(hd);
    assert_string_equal(hd->value, "");
    assert_null(vg_http_head_find(&h, "missing", 7));
    free(buf);
}

static void test_parse_versions_and_connection(void **state)
{
    vg_http_head_t h;
    (void)state;

#define P(s) parse(s, strlen(s), &h, NULL)
    assert_int_equal(P("GET / HTTP/1.0\r\n\r\n"), 0);
    assert_int_equal(h.minor, 0);
    assert_false(h.keep_alive);
    assert_int_equal(P("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
    assert_true(h.keep_alive);
    assert_int_equal(P("GET / HTTP/1.1\r\n" H "Connection: keep-alive, close\r\n\r\n"), 0);
    assert_false(h.keep_alive);
    assert_int_equal(P("GET / HTTP/1.1\r\n" H "Connection: Upgrade\r\n\r\n"), 0);
    assert_true(h.keep_alive);
    assert_int_equal(P("GET / HTTP/1.1\r\n" H "Connection: CLOSE\r\n\r\n"), 0);
    assert_false(h.keep_alive);
    /* Expect is ignored on 1.0 */
    assert_int_equal(P("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"), 0);
    assert_false(h.expect_continue);
    /* one empty line before the request line is tolerated */
    assert_int_equal(P("\r\nGET /x HTTP/1.1\r\n" H "\r\n"), 0);
    assert_string_equal(h.path, "/x");
    /* methods */
    assert_int_equal(P("HEAD / HTTP/1.1\r\n" H "\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_HEAD);
    assert_int_equal(P("DELETE / HTTP/1.1\r\n" H "\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_DELETE);
    assert_int_equal(P("PATCH / HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_PATCH);
    assert_int_equal(P("BREW / HTTP/1.1\r\n" H "\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_OTHER);
    assert_int_equal(P("get / HTTP/1.1\r\n" H "\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_OTHER); /* methods are case-sensitive */
    assert_int_equal(P("OPTIONS * HTTP/1.1\r\n" H "\r\n"), 0);
    assert_int_equal(h.method, VG_HTTP_OPTIONS);
    assert_string_equal(h.path, "*");
    /* absolute-form */
    assert_int_equal(P("GET http://example.org/a/b?c=d HTTP/1.1\r\n" H "\r\n"), 0);
    assert_string_equal(h.path, "/a/b");
    assert_string_equal(h.query, "c=d");
    assert_int_equal(P("GET HTTPS://example.org HTTP/1.1\r\n" H "\r\n"), 0);
    assert_string_equal(h.path, "/");
    assert_string_equal(h.query, "");
    assert_int_equal(P("GET http://example.org?z HTTP/1.1\r\n" H "\r\n"), 0);
    assert_string_equal(h.path, "/");
    assert_string_equal(h.query, "z");
    /* an empty query */
    assert_int_equal(P("GET /p? HTTP/1.1\r\n" H "\r\n"), 0);
    assert_string_equal(h.path, "/p");
    assert_int_equal(h.query_len, 0);
#undef P
}

static void test_parse_lengths(void **state)
{
    vg_http_head_t h;
    (void)state;

#define P(s) parse(s, strlen(s), &h, NULL)
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"),
                     0);
    assert_int_equal(h.content_length, 5);
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Content-Length: 7, 7 ,7\r\n\r\n"), 0);
    assert_int_equal(h.content_length, 7);
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n"), 0);
    assert_true(h.has_length);
    assert_int_equal(h.content_length, 0);
    /* too big to represent: a 413 for the caller, not a 400 */
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999999\r\n\r\n"),
                     0);
    assert_int_equal(h.content_length, UINT64_MAX);
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Transfer-Encoding: Chunked\r\n\r\n"), 0);
    assert_true(h.chunked);
    assert_false(h.has_length);
    assert_int_equal(P("POST / HTTP/1.1\r\n" H "Transfer-Encoding: , chunked ,\r\n\r\n"), 0);
    assert_true(h.chunked);
    assert_int_equal(P("GET / HTTP/1.1\r\n" H "\r\n"), 0);
    assert_false(h.has_length);
    assert_false(h.chunked);
#undef P
}

/* ---- chunked ------------------------------------------------------------------ */

/* Decodes @p in in pieces of @p step bytes; returns consumed total or a negative status. */
static long dechunk(const char *in, size_t len, size_t step, vg_http_body_t *out, size_t max_body)
{
    vg_http_chunked_t c;
    size_t off = 0;
    vg_http_chunked_init(&c);
    while (off < len && !vg_http_chunked_done(&c)) {
        size_t n = VG_MIN(step, len - off);
        long r = vg_http_chunked_feed(&c, in + off, n, out, max_body, 1024);
        if (r < 0)
            return r;
        assert_true((size_t)r <= n);
        off += (size_t)r;
        if ((size_t)r < n && !vg_http_chunked_done(&c))
            fail_msg("decoder stopped early without being done");
    }
    return vg_http_chunked_done(&c) ? (long)off : 0;
}

static void test_chunked_good(void **state)
{
    static const struct {
        const char *in;
        const char *body;
        size_t tail; /* bytes left after the body */
    } cases[] = {
        {"5\r\nhello\r\n0\r\n\r\n", "hello", 0},
        {"5;ext=1;x\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", 0},
        {"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij", 0},
        {"0005\r\nhello\r\n000\r\n\r\n", "hello", 0},
        {"5 ; ext\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", "hello", 0},
        {"0\r\n\r\n", "", 0},
        {"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "abc", 16},
    };
    (void)state;
    for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
        for (size_t step = 1; step <= 64; step = step * 2 + 1) {
            vg_http_body_t out = {0};
            size_t len = strlen(cases[i].in);
            long r = dechunk(cases[i].in, len, step, &out, 1024);
            if (r != (long)(len - cases[i].tail))
                fail_msg("case %zu step %zu: consumed %ld", i, step, r);
            assert_int_equal(out.len, strlen(cases[i].body));
            if (out.len > 0) {
                assert_memory_equal(out.data, cases[i].body, out.len);
                assert_int_equal(out.data[out.len], '\0');
            }
            vg_http_body_cleanup(&out);
        }
    }
}

static void test_chunked_bad(void **state)
{
    static const struct {
        const char *in;
        long want;
    } cases[] = {
        {"\r\n", -400},
        {"g\r\n", -400},
        {"-5\r\nhello\r\n", -400},
        {"5\nhello\r\n0\r\n\r\n", -400},
        {"5\r\nhelloX\r\n0\r\n\r\n", -400},
        {"5\r\nhello\n0\r\n\r\n", -400},
        {"5\r\nhello\r\n0\r\n\r", -0},
        {"5\r\nhello\r\n0\r\n\rX", -400},
        {"5\r\nhello\r\n0\r\nX: a\nb\r\n\r\n", -400},
        {"5;a\x01\r\nhello\r\n", -400},
        {"5\r\r\n", -400},
        {"401\r\n", -413},
        {"FFFFFFFFFFFFFFFFFFFF\r\n", -413},
        {"200\r\n", 0},
    };
    (void)state;
    for (size_t i = 0; i < VG_ARRAY_LEN(cases); i++) {
        vg_http_body_t out = {0};
        long r = dechunk(cases[i].in, strlen(cases[i].in), 1000, &out, 1024);
        if (r != cases[i].want)
            fail_msg("case %zu (%s): got %ld want %ld", i, cases[i].in, r, cases[i].want);
        vg_http_body_cleanup(&out);
    }
}

static void test_chunked_limits(void **state)
{
    vg_buf_t b;
    vg_http_body_t out = {0};
    (void)state;

    /* the sum of chunks counts against max_body */
    vg_buf_init(&b, 0);
    for (int i = 0; i < 5; i++) {
        vg_buf_puts(&b, "100\r\n");
        for (int j = 0; j < 256; j++)
            vg_buf_putc(&b, 'x');
        vg_buf_puts(&b, "\r\n");
    }
    vg_buf_puts(&b, "0\r\n\r\n");
    assert_int_equal(dechunk(b.data, b.len, 7, &out, 1024), -413);
    vg_http_body_cleanup(&out);
    assert_int_equal(dechunk(b.data, b.len, 7, &out, 1280), (long)b.len);
    assert_int_equal(out.len, 1280);
    vg_http_body_cleanup(&out);

    /* trailers are bounded (1024 in dechunk) */
    vg_buf_reset(&b);
    vg_buf_puts(&b, "0\r\n");
    for (int i = 0; i < 100; i++)
        vg_buf_puts(&b, "X-Trailer-Field: 0123456789\r\n");
    vg_buf_puts(&b, "\r\n");
    assert_int_equal(dechunk(b.data, b.len, 13, &out, 1024), -431);
    vg_http_body_cleanup(&out);

    /* chunk extensions and leading zeros are bounded */
    vg_buf_reset(&b);
    vg_buf_puts(&b, "1;");
    for (int i = 0; i < VG_HTTP_MAX_CHUNK_LINE; i++)
        vg_buf_putc(&b, 'e');
    vg_buf_puts(&b, "\r\nx\r\n0\r\n\r\n");
    assert_int_equal(dechunk(b.data, b.len, 100, &out, 1024), -400);
    vg_http_body_cleanup(&out);
    vg_buf_reset(&b);
    for (int i = 0; i < VG_HTTP_MAX_CHUNK_LINE + 1; i++)
        vg_buf_putc(&b, '0');
    vg_buf_puts(&b, "1\r\nx\r\n0\r\n\r\n");
    assert_int_equal(dechunk(b.data, b.len, 100, &out, 1024), -400);
    vg_http_body_cleanup(&out);
    vg_buf_cleanup(&b);
}

/* ---- small things ------------------------------------------------------------------ */

static void test_reason(void **state)
{
    (void)state;
    assert_string_equal(vg_http_reason(200), "OK");
    assert_string_equal(vg_http_reason(404), "Not Found");
    assert_string_equal(vg_http_reason(405), "Method Not Allowed");
    assert_string_equal(vg_http_reason(413), "Content Too Large");
    assert_string_equal(vg_http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(vg_http_reason(503), "Service Unavailable");
    assert_string_equal(vg_http_reason(505), "HTTP Version Not Supported");
    assert_string_equal(vg_http_reason(799), "Unknown");
}

static void test_limits_from_config(void **state)
{
    vg_config_t cfg;
    vg_http_limits_t l;
    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.http.max_body = 4194304;
    cfg.http.max_header_bytes = 16384;
    cfg.http.header_timeout_ms = 10000;
    cfg.http.body_timeout_ms = 30000;
    cfg.http.idle_timeout_ms = 60000;
    cfg.http.write_timeout_ms = 31000;
    cfg.http.max_connections = 10000;
    vg_http_limits_from_config(&l, &cfg);
    assert_int_equal(l.max_body, 4194304);
    assert_int_equal(l.max_header_bytes, 16384);
    assert_int_equal(l.header_timeout_ms, 10000);
    assert_int_equal(l.body_timeout_ms, 30000);
    assert_int_equal(l.idle_timeout_ms, 60000);
    assert_int_equal(l.write_timeout_ms, 31000);
    assert_int_equal(l.max_connections, 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_bad),     cmocka_unit_test(test_parse_too_many_headers),
        cmocka_unit_test(test_parse_good),    cmocka_unit_test(test_parse_versions_and_connection),
        cmocka_unit_test(test_parse_lengths), cmocka_unit_test(test_chunked_good),
        cmocka_unit_test(test_chunked_bad),   cmocka_unit_test(test_chunked_limits),
        cmocka_unit_test(test_reason),        cmocka_unit_test(test_limits_from_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(last_copy);
    return rc;
}
