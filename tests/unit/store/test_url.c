/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's redis_url parser: every accepted shape, the
 * defaults, percent-decoding of credentials, and refusals whose message
 * names the accepted shapes but never repeats a password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_internal.h"
#include "store/store_test_stubs.h"

static void parse_ok(const char *url, vg_store_url_t *u)
{
    vg_err_t err = {0};
    int r = vg_store_url_parse(url, u, &err);
    if (r != 0)
        fail_msg("%s: %s", url, err.msg);
}

static void test_tcp_defaults(void **state)
{
    vg_store_url_t u;
    (void)state;
    parse_ok("redis://localhost", &u);
    assert_false(u.is_unix);
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_string_equal(u.password, "");
    assert_string_equal(u.user, "");
    parse_ok("redis://127.0.0.1:6380/", &u);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 0);
}

static void test_tcp_password_db(void **state)
{
    vg_store_url_t u;
    (void)state;
    parse_ok("redis://:s3cret@10.0.0.1:6390/2", &u);
    assert_string_equal(u.host, "10.0.0.1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 2);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "s3cret");
    vg_store_url_wipe(&u);
    assert_string_equal(u.password, "");
}

static void test_tcp_user_and_escapes(void **state)
{
    vg_store_url_t u;
    (void)state;
    parse_ok("redis://vaglio:p%40ss%3Aw@redis.internal/3", &u);
    assert_string_equal(u.user, "vaglio");
    assert_string_equal(u.password, "p@ss:w");
    assert_string_equal(u.host, "redis.internal");
    assert_int_equal(u.db, 3);
    /* An unescaped '@' in the password: the host follows the last one. */
    parse_ok("redis://:a@b@host:7000", &u);
    assert_string_equal(u.password, "a@b");
    assert_string_equal(u.host, "host");
    assert_int_equal(u.port, 7000);
}

static void test_tcp_ipv6(void **state)
{
    vg_store_url_t u;
    (void)state;
    parse_ok("redis://[::1]:7001/1", &u);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7001);
    assert_int_equal(u.db, 1);
    parse_ok("redis://[fe80::2]", &u);
    assert_string_equal(u.host, "fe80::2");
    assert_int_equal(u.port, 6379);
}

static void test_unix(void **state)
{
    vg_store_url_t u;
    (void)state;
    parse_ok("unix:///run/redis/redis.sock", &u);
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 0);
    assert_string_equal(u.password, "");
    parse_ok("unix:///tmp/r.sock?db=5&password=x%20y", &u);
    assert_string_equal(u.path, "/tmp/r.sock");
    assert_int_equal(u.db, 5);
    assert_string_equal(u.password, "x y");
    parse_ok("unix:///tmp/r.sock?password=pw&user=app", &u);
    assert_string_equal(u.user, "app");
    assert_string_equal(u.password, "pw");
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "http://localhost",
        "redis://",
        "redis://:pw@",
        "redis://host:0",
        "redis://host:65536",
        "redis://host:12a",
        "redis://host:",
        "redis://host/abc",
        "redis://host/1/2",
        "redis://host?db=1",
        "redis://user@host",
        "redis://user:@host",
        "redis://[::1",
        "redis://[::1]x",
        "redis://ho st",
        "redis://:p%zz@host",
        "unix://relative.sock",
        "unix://",
        "unix:///tmp/r.sock?db=x",
        "unix:///tmp/r.sock?user=app",
        "unix:///tmp/r.sock?password=%zz",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_store_url_t u;
        vg_err_t err = {0};
        if (vg_store_url_parse(bad[i], &u, &err) != -VG_EINVAL)
            fail_msg("accepted: '%s'", bad[i]);
        assert_int_equal(err.code, VG_EINVAL);
        assert_non_null(strstr(err.msg, "redis://"));
        assert_non_null(strstr(err.msg, "unix://"));
    }
}

static void test_long_socket_path(void **state)
{
    char url[300] = "unix:///";
    vg_store_url_t u;
    vg_err_t err = {0};
    (void)state;
    memset(url + 8, 'a', 200);
    url[208] = '\0';
    assert_int_equal(vg_store_url_parse(url, &u, &err), -VG_EINVAL);
}

static void test_tls_refused(void **state)
{
    vg_store_url_t u;
    vg_err_t err = {0};
    (void)state;
    assert_int_equal(vg_store_url_parse("rediss://:pw@host", &u, &err), -VG_EINVAL);
    assert_non_null(strstr(err.msg, "rediss://"));
}

static void test_error_never_shows_password(void **state)
{
    static const char *const bad[] = {
        "redis://:topsecret@host:notaport",
        "redis://admin:topsecret@host/x",
        "rediss://:topsecret@host",
        "unix:///tmp/s?password=topsecret&db=no",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_store_url_t u;
        vg_err_t err = {0};
        assert_true(vg_store_url_parse(bad[i], &u, &err) < 0);
        assert_null(strstr(err.msg, "topsecret"));
        assert_null(strstr(err.msg, "admin"));
        /* Nor does a half-parsed record keep it. */
        assert_null(strstr(u.password, "topsecret"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_defaults),
        cmocka_unit_test(test_tcp_password_db),
        cmocka_unit_test(test_tcp_user_and_escapes),
        cmocka_unit_test(test_tcp_ipv6),
        cmocka_unit_test(test_unix),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_long_socket_path),
        cmocka_unit_test(test_tls_refused),
        cmocka_unit_test(test_error_never_shows_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
