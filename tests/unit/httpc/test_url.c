/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the httpc URL parser: schemes, default and explicit ports,
 * IPv6 literals, request targets, and the inputs it must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "httpc/httpc_internal.h"

static void test_http_default_port(void **state)
{
    vg_httpc_url_t u;
    (void)state;

    assert_int_equal(vg_httpc_url_parse("http://Example.COM/a/b?x=1&y=2#frag", &u), 0);
    assert_false(u.tls);
    assert_string_equal(u.host, "example.com");
    assert_int_equal(u.port, 80);
    assert_true(u.default_port);
    assert_false(u.ipv6);
    assert_string_equal(u.target, "/a/b?x=1&y=2");
    vg_httpc_url_cleanup(&u);
}

static void test_https_explicit_port(void **state)
{
    vg_httpc_url_t u;
    (void)state;

    assert_int_equal(vg_httpc_url_parse("https://graph.facebook.com:8443/v21.0/123", &u), 0);
    assert_true(u.tls);
    assert_int_equal(u.port, 8443);
    assert_false(u.default_port);
    assert_string_equal(u.target, "/v21.0/123");
    vg_httpc_url_cleanup(&u);

    assert_int_equal(vg_httpc_url_parse("https://h:443", &u), 0);
    assert_true(u.default_port);
    assert_string_equal(u.target, "/");
    vg_httpc_url_cleanup(&u);
}

static void test_ipv6_and_query_only(void **state)
{
    vg_httpc_url_t u;
    (void)state;

    assert_int_equal(vg_httpc_url_parse("http://[::1]:8080?q=1", &u), 0);
    assert_true(u.ipv6);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 8080);
    assert_string_equal(u.target, "/?q=1");
    vg_httpc_url_cleanup(&u);

    assert_int_equal(vg_httpc_url_parse("HTTPS://[2001:db8::5]/x", &u), 0);
    assert_true(u.tls);
    assert_int_equal(u.port, 443);
    assert_string_equal(u.host, "2001:db8::5");
    vg_httpc_url_cleanup(&u);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "ftp://example.com/", "example.com/x",     "http://",
        "http:///path",       "http://user@host/", "http://host:0/",
        "http://host:65536/", "http://host:12a/",  "http://host:/",
        "http://ho st/",      "http://host/a b",   "http://host/a\r\nX: y",
        "http://[::1/",       "http://[]/",        "http://[::1]x/",
        "http://[zz::1]/",    "http://ho%73t/",
    };
    (void)state;

    for (size_t i = 0; i < VG_ARRAY_LEN(bad); i++) {
        vg_httpc_url_t u;
        int rc = vg_httpc_url_parse(bad[i], &u);
        if (rc != -VG_EINVAL)
            fail_msg("accepted %s", bad[i]);
        vg_httpc_url_cleanup(&u);
    }
    assert_int_equal(vg_httpc_url_parse(NULL, &(vg_httpc_url_t){0}), -VG_EINVAL);
}

static void test_too_long(void **state)
{
    char url[VG_HTTPC_MAX_URL + 32];
    vg_httpc_url_t u;
    (void)state;

    memcpy(url, "http://h/", 9);
    memset(url + 9, 'a', sizeof(url) - 10);
    url[sizeof(url) - 1] = '\0';
    assert_int_equal(vg_httpc_url_parse(url, &u), -VG_EINVAL);
    vg_httpc_url_cleanup(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_default_port),
        cmocka_unit_test(test_https_explicit_port),
        cmocka_unit_test(test_ipv6_and_query_only),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
