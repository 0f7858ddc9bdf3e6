/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the dispatcher's Graph side: the requests each action sends
 * per platform, the classification of responses (done, skipped, retry,
 * failed) and the backoff with full jitter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch/dispatch_internal.h"

#define GRAPH "http://127.0.0.1:9/v21.0"

static vg_dispatch_class_t classify(vg_action_kind_t a, int status, const char *body,
                                    const char *retry_after)
{
    vg_dispatch_class_t c;
    vg_dispatch_classify(a, NULL, status, body, body != NULL ? strlen(body) : 0, retry_after, 60000,
                         &c);
    return c;
}

static void test_success_and_network(void **state)
{
    vg_dispatch_class_t c;
    (void)state;

    c = classify(VG_ACTION_HIDE, 200, "{\"success\":true}", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_OK);
    assert_string_equal(c.result, "ok");
    c = classify(VG_ACTION_WARN, 201, "", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_OK);

    vg_dispatch_classify(VG_ACTION_DELETE, "timeout", 0, NULL, 0, NULL, 60000, &c);
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    assert_int_equal(c.retry_after_ms, 0);
    assert_string_equal(c.result, "retry:network");
}

static void test_transient(void **state)
{
    static const int codes[] = {1, 2, 4, 17, 32, 341, 613};
    char body[256];
    vg_dispatch_class_t c;
    (void)state;

    for (size_t i = 0; i < VG_ARRAY_LEN(codes); i++) {
        snprintf(body, sizeof(body), "{\"error\":{\"message\":\"x\",\"code\":%d}}", codes[i]);
        c = classify(VG_ACTION_HIDE, 400, body, NULL);
        assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
        assert_int_equal(c.code, codes[i]);
        assert_true(vg_dispatch_code_transient(codes[i]));
    }
    assert_false(vg_dispatch_code_transient(100));
    assert_false(vg_dispatch_code_transient(190));

    /* is_transient wins over an otherwise permanent code. */
    c = classify(VG_ACTION_HIDE, 400,
                 "{\"error\":{\"message\":\"x\",\"code\":190,\"is_transient\":true}}", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    assert_string_equal(c.result, "retry:190");

    c = classify(VG_ACTION_HIDE, 503, "<html>down</html>", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    assert_string_equal(c.result, "retry:http503");
    c = classify(VG_ACTION_HIDE, 500, NULL, NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    c = classify(VG_ACTION_HIDE, 408, NULL, NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
}

static void test_retry_after(void **state)
{
    vg_dispatch_class_t c;
    (void)state;

    c = classify(VG_ACTION_BLOCK, 429, "{}", "7");
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    assert_int_equal(c.retry_after_ms, 7000);
    /* Capped at backoff_max. */
    c = classify(VG_ACTION_BLOCK, 429, "{}", "3600");
    assert_int_equal(c.retry_after_ms, 60000);
    /* An HTTP date is not understood: the normal backoff applies. */
    c = classify(VG_ACTION_BLOCK, 429, "{}", "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_int_equal(c.outcome, VG_DISPATCH_RETRY);
    assert_int_equal(c.retry_after_ms, 0);
    c = classify(VG_ACTION_BLOCK, 503, NULL, "2");
    assert_int_equal(c.retry_after_ms, 2000);
}

static void test_permanent(void **state)
{
    vg_dispatch_class_t c;
    (void)state;

    c = classify(VG_ACTION_HIDE, 400,
                 "{\"error\":{\"message\":\"(#100) Invalid parameter\",\"type\":"
                 "\"OAuthException\",\"code\":100}}",
                 NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_FAIL);
    assert_int_equal(c.code, 100);
    assert_string_equal(c.result, "failed:100:(#100) Invalid parameter");

    /* Odd bytes of a message never reach the record. */
    c = classify(VG_ACTION_BLOCK, 403,
                 "{\"error\":{\"message\":\"Bad\\n\\\"quote\\\"=x;y\",\"code\":200}}", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_FAIL);
    assert_string_equal(c.result, "failed:200:Bad quote x y");

    c = classify(VG_ACTION_DELETE, 404, "not json", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_FAIL);
    assert_string_equal(c.result, "failed:http404:unexpected response");

    c = classify(VG_ACTION_DELETE, 400, "{\"error\":{\"code\":190}}", NULL);
    assert_string_equal(c.result, "failed:190:graph error");
}

static void test_special_cases(void **state)
{
    vg_dispatch_class_t c;
    const char *gone = "{\"error\":{\"message\":\"Unsupported post request.\",\"type\":"
                       "\"GraphMethodException\",\"code\":100,\"error_subcode\":33}}";
    (void)state;

    c = classify(VG_ACTION_HIDE, 400, gone, NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_SKIP);
    assert_true(c.gone);
    assert_string_equal(c.result, "skipped:gone");
    assert_int_equal(c.subcode, 33);
    c = classify(VG_ACTION_DELETE, 400, gone, NULL);
    assert_string_equal(c.result, "skipped:gone");
    /* A block is about the author, not the comment: 100/33 there is a failure. */
    c = classify(VG_ACTION_BLOCK, 400, gone, NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_FAIL);

    c = classify(VG_ACTION_WARN, 400,
                 "{\"error\":{\"message\":\"(#10900) Activity already replied to\","
                 "\"code\":10900}}",
                 NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_SKIP);
    assert_string_equal(c.result, "skipped:already");
    c = classify(VG_ACTION_NOTICE, 400,
                 "{\"error\":{\"message\":\"This comment was Already Replied to\",\"code\":"
                 "10903}}",
                 NULL);
    assert_string_equal(c.result, "skipped:already");
    /* Only messages can have been "already replied". */
    c = classify(VG_ACTION_HIDE, 400, "{\"error\":{\"message\":\"x\",\"code\":10900}}", NULL);
    assert_int_equal(c.outcome, VG_DISPATCH_FAIL);
}

static void test_backoff(void **state)
{
    (void)state;

    /* The first retry happens within a second whatever the base. */
    for (uint64_t r = 0; r < 5000; r += 7) {
        assert_true(vg_dispatch_backoff_ms(0, 250, 60000, r) <= 250);
        assert_true(vg_dispatch_backoff_ms(0, 5000, 60000, r) <= 1000);
    }
    assert_int_equal(vg_dispatch_backoff_ms(0, 250, 60000, 0), 0);
    assert_int_equal(vg_dispatch_backoff_ms(0, 250, 60000, 250), 250);
    assert_int_equal(vg_dispatch_backoff_ms(0, 250, 60000, 251), 0);
    /* The cap doubles: retry 3 draws from [0, 2000]. */
    assert_int_equal(vg_dispatch_backoff_ms(3, 250, 60000, 2000), 2000);
    assert_int_equal(vg_dispatch_backoff_ms(3, 250, 60000, 2001), 0);
    /* Never past the maximum, even for huge retry numbers. */
    assert_int_equal(vg_dispatch_backoff_ms(40, 250, 60000, 60000), 60000);
    assert_int_equal(vg_dispatch_backoff_ms(1000, 250, 60000, 60001), 0);
    assert_true(vg_dispatch_backoff_ms(1000, 250, 60000, UINT64_MAX) <= 60000);
    assert_true(vg_dispatch_backoff_ms(2, 100, 150, UINT64_MAX) <= 150);
}

static void build(vg_dispatch_req_t *r, vg_action_kind_t a, vg_platform_t p, vg_warn_channel_t ch,
                  int want)
{
    vg_dispatch_target_t t = {.platform = p,
                              .page = "104000000000001",
                              .content = "122100000000000001_900000000000002",
                              .author = "7000000000000001",
                              .text = "Il tuo commento \"viola\" la netiquette & altro",
                              .channel = ch};
    assert_int_equal(vg_dispatch_req_build(r, a, &t, GRAPH "/", "tok/en+1="), want);
}

static void test_requests_facebook(void **state)
{
    vg_dispatch_req_t r;
    (void)state;

    build(&r, VG_ACTION_HIDE, VG_PLATFORM_FACEBOOK, VG_WARN_PRIVATE, 0);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.url,
                        GRAPH "/122100000000000001_900000000000002?access_token=tok%2Fen%2B1%3D");
    assert_string_equal(r.content_type, "application/x-www-form-urlencoded");
    assert_string_equal(r.body, "is_hidden=true");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_DELETE, VG_PLATFORM_FACEBOOK, VG_WARN_PRIVATE, 0);
    assert_string_equal(r.method, "DELETE");
    assert_null(r.body);
    assert_null(r.content_type);
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_WARN, VG_PLATFORM_FACEBOOK, VG_WARN_PRIVATE, 0);
    assert_string_equal(r.url, GRAPH "/104000000000001/messages?access_token=tok%2Fen%2B1%3D");
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"recipient\":{\"comment_id\":"
                                "\"122100000000000001_900000000000002\"},\"message\":{\"text\":"
                                "\"Il tuo commento \\\"viola\\\" la netiquette & altro\"}}");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_NOTICE, VG_PLATFORM_FACEBOOK, VG_WARN_PUBLIC, 0);
    assert_string_equal(
        r.url, GRAPH "/122100000000000001_900000000000002/comments?access_token=tok%2Fen%2B1%3D");
    assert_string_equal(
        r.body, "message=Il%20tuo%20commento%20%22viola%22%20la%20netiquette%20%26%20altro");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_BLOCK, VG_PLATFORM_FACEBOOK, VG_WARN_PRIVATE, 0);
    assert_string_equal(r.url, GRAPH "/104000000000001/blocked?access_token=tok%2Fen%2B1%3D");
    assert_string_equal(r.body, "user=7000000000000001");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_WARN, VG_PLATFORM_FACEBOOK, VG_WARN_NONE, -VG_EINVAL);
    vg_dispatch_req_cleanup(&r);
}

static void test_requests_instagram(void **state)
{
    vg_dispatch_req_t r;
    vg_dispatch_target_t t = {.platform = VG_PLATFORM_INSTAGRAM, .page = "1784", .content = "18"};
    (void)state;

    build(&r, VG_ACTION_HIDE, VG_PLATFORM_INSTAGRAM, VG_WARN_PUBLIC, 0);
    assert_string_equal(r.body, "hide=true");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_WARN, VG_PLATFORM_INSTAGRAM, VG_WARN_PUBLIC, 0);
    assert_string_equal(r.url, GRAPH
                        "/122100000000000001_900000000000002/replies?access_token=tok%2Fen%2B1%3D");
    assert_true(strncmp(r.body, "message=Il%20tuo", 16) == 0);
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_WARN, VG_PLATFORM_INSTAGRAM, VG_WARN_PRIVATE, 0);
    assert_string_equal(r.url, GRAPH "/104000000000001/messages?access_token=tok%2Fen%2B1%3D");
    vg_dispatch_req_cleanup(&r);

    build(&r, VG_ACTION_BLOCK, VG_PLATFORM_INSTAGRAM, VG_WARN_PUBLIC, -VG_EUNSUP);
    vg_dispatch_req_cleanup(&r);

    /* Missing pieces. */
    assert_int_equal(vg_dispatch_req_build(&r, VG_ACTION_WARN, &t, GRAPH, "t"), -VG_EINVAL);
    t.platform = VG_PLATFORM_FACEBOOK;
    assert_int_equal(vg_dispatch_req_build(&r, VG_ACTION_BLOCK, &t, GRAPH, "t"), -VG_EINVAL);
    t.content = NULL;
    assert_int_equal(vg_dispatch_req_build(&r, VG_ACTION_HIDE, &t, GRAPH, "t"), -VG_EINVAL);
    /* An id cannot escape its path segment. */
    t.content = "../me/feed?x=1";
    assert_int_equal(vg_dispatch_req_build(&r, VG_ACTION_DELETE, &t, GRAPH, "t"), 0);
    assert_string_equal(r.url, GRAPH "/..%2Fme%2Ffeed%3Fx%3D1?access_token=t");
    vg_dispatch_req_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_and_network), cmocka_unit_test(test_transient),
        cmocka_unit_test(test_retry_after),         cmocka_unit_test(test_permanent),
        cmocka_unit_test(test_special_cases),       cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_requests_facebook),   cmocka_unit_test(test_requests_instagram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
