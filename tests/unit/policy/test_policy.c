/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for policy: from real scan findings (a small pattern set in
 * tests/data/policy) to verdicts under the default tenant policy and its
 * variants, the warning templates and the JSON of `vaglioctl scan`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vaglio/config.h"
#include "vaglio/match.h"
#include "vaglio/policy.h"

static vg_ruleset_t *rs;
static vg_scanner_t *sc;
static vg_tenant_conf_t tenant;
static vg_scan_result_t res;

static int setup(void **state)
{
    vg_err_t err;
    (void)state;
    vg_err_clear(&err);
    rs = vg_ruleset_load(VG_SOURCE_DIR "/tests/data/policy", &err);
    if (rs == NULL) {
        print_error("%s\n", err.msg);
        return -1;
    }
    sc = vg_scanner_new(4096);
    return sc == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_scanner_free(sc);
    vg_ruleset_unref(rs);
    return 0;
}

static int fresh_tenant(void **state)
{
    (void)state;
    vg_config_tenant_defaults(&tenant);
    return 0;
}

static void judge(const char *text, vg_verdict_t *v)
{
    assert_int_equal(vg_scan(sc, rs, NULL, text, strlen(text), &res), 0);
    vg_policy_evaluate(&tenant, rs, &res, v);
}

static void test_clean_is_allowed(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("Grazie per le informazioni", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ALLOW);
    assert_int_equal(v.content, VG_CONTENT_NONE);
    assert_false(v.strike);
    assert_false(v.block);
    assert_int_equal(v.found, 0);
    assert_int_equal(v.primary, VG_CAT_COUNT);
}

static void test_insult_hides_with_a_strike(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("sei uno scemo", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_int_equal(v.content, VG_CONTENT_HIDE);
    assert_true(v.strike);
    assert_false(v.block);
    assert_false(v.shadow);
    assert_int_equal(v.primary, VG_CAT_INSULT);
    assert_int_equal(v.acting, VG_CATSET(VG_CAT_INSULT));
}

static void test_threat_blocks_at_once(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("ti ammazzo", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_true(v.block);
    assert_true(v.strike);
    assert_true(v.review);
    assert_int_equal(v.primary, VG_CAT_THREAT);
}

static void test_personal_data_deleted_without_strike(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("scrivimi al telefonino", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_int_equal(v.content, VG_CONTENT_DELETE);
    assert_false(v.strike);
    assert_false(v.block);
    assert_int_equal(v.primary, VG_CAT_PII_PHONE);
}

static void test_insult_with_personal_data(void **state)
{
    vg_verdict_t v;
    (void)state;
    /* The author is warned about the insult; the comment is still deleted. */
    judge("scemo, ecco il telefonino", &v);
    assert_int_equal(v.content, VG_CONTENT_DELETE);
    assert_true(v.strike);
    assert_int_equal(v.primary, VG_CAT_INSULT);
    assert_int_equal(v.acting, VG_CATSET(VG_CAT_INSULT) | VG_CATSET(VG_CAT_PII_PHONE));
}

static void test_scores_add_up(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("un po' tonto", &v); /* 5: review only */
    assert_int_equal(v.verdict, VG_VERDICT_REVIEW);
    assert_int_equal(v.reviewed, VG_CATSET(VG_CAT_INSULT));
    assert_int_equal(v.acting, 0);
    assert_false(v.strike);
    judge("tonto e ancora tonto", &v); /* 5 + 5: acts */
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_int_equal(v.score, 10);
    judge("guarda questo linketto", &v); /* 3: below the review score */
    assert_int_equal(v.verdict, VG_VERDICT_ALLOW);
    assert_int_equal(v.found, VG_CATSET(VG_CAT_SPAM_LINK));
    assert_int_equal(v.primary, VG_CAT_SPAM_LINK);
}

static void test_political_is_only_tagged(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("il nostro programma per la citta", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ALLOW);
    assert_int_equal(v.tags, VG_CATSET(VG_CAT_POLITICAL));
    assert_int_equal(v.content, VG_CONTENT_NONE);
    /* ... and does not shield an insult next to it. */
    judge("il programma di uno scemo", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_int_equal(v.tags, VG_CATSET(VG_CAT_POLITICAL));
    assert_int_equal(v.primary, VG_CAT_INSULT);
}

static void test_offtopic_goes_to_review(void **state)
{
    vg_verdict_t v;
    (void)state;
    judge("parliamo di calcio", &v);
    assert_int_equal(v.verdict, VG_VERDICT_REVIEW);
    assert_true(v.review);
    assert_int_equal(v.content, VG_CONTENT_NONE);
    assert_false(v.strike);
}

static void test_category_configuration(void **state)
{
    vg_verdict_t v;
    (void)state;
    tenant.categories[VG_CAT_INSULT].content = VG_CONTENT_DELETE;
    judge("sei uno scemo", &v);
    assert_int_equal(v.content, VG_CONTENT_DELETE);
    tenant.categories[VG_CAT_INSULT].enforce = VG_ENFORCE_IGNORE;
    judge("sei uno scemo", &v);
    assert_int_equal(v.verdict, VG_VERDICT_ALLOW);
    assert_int_equal(v.found, VG_CATSET(VG_CAT_INSULT));
}

static void test_shadow_category(void **state)
{
    vg_verdict_t v;
    (void)state;
    tenant.categories[VG_CAT_INSULT].shadow = true;
    judge("sei uno scemo", &v);
    /* What would happen is computed and recorded, nothing acts. */
    assert_int_equal(v.verdict, VG_VERDICT_ACT);
    assert_true(v.shadow);
    assert_int_equal(v.acting, 0);
    assert_int_equal(v.shadowed, VG_CATSET(VG_CAT_INSULT));
    assert_true(v.strike);
    /* An enforced category next to a shadowed one acts for real. */
    judge("scemo, ti ammazzo", &v);
    assert_false(v.shadow);
    assert_int_equal(v.acting, VG_CATSET(VG_CAT_THREAT));
}

static void test_shadow_tenant(void **state)
{
    vg_verdict_t v;
    (void)state;
    tenant.shadow = true;
    judge("ti ammazzo", &v);
    assert_true(v.shadow);
    assert_true(v.block);
    judge("buongiorno", &v);
    assert_true(v.shadow);
    assert_int_equal(v.verdict, VG_VERDICT_ALLOW);
}

static void test_render(void **state)
{
    vg_buf_t b;
    (void)state;
    vg_buf_init(&b, 0);
    tenant.netiquette_url = (char *)"https://example.org/n";
    assert_int_equal(
        vg_policy_render("[{category}] {x} {rule}.{netiquette}", &tenant, VG_CAT_INSULT, &b), 0);
    assert_non_null(strstr(b.data, "[insult] {x} "));
    assert_non_null(strstr(b.data, ". Netiquette: https://example.org/n"));
    assert_int_not_equal(strlen(vg_category_rule_it(VG_CAT_INSULT)), 0);
    assert_non_null(strstr(b.data, vg_category_rule_it(VG_CAT_INSULT)));
    vg_buf_reset(&b);
    tenant.netiquette_url = (char *)"";
    assert_int_equal(vg_policy_render("a {netiquette}b {unclosed", &tenant, VG_CAT_SPAM, &b), 0);
    assert_string_equal(b.data, "a b {unclosed");
    vg_buf_cleanup(&b);
}

static void test_verdict_json(void **state)
{
    vg_verdict_t v;
    vg_buf_t b;
    (void)state;
    vg_buf_init(&b, 0);
    judge("ciao scemo", &v);
    vg_policy_verdict_json(&v, rs, &res, &b);
    assert_string_equal(b.data, "{\"verdict\":\"act\",\"categories\":[\"insult\"],\"findings\":"
                                "[{\"rule\":\"insult.p:scemo\",\"category\":\"insult\","
                                "\"start\":5,\"end\":10}]}");
    vg_buf_reset(&b);
    judge("nulla", &v);
    vg_policy_verdict_json(&v, rs, &res, &b);
    assert_string_equal(b.data, "{\"verdict\":\"allow\",\"categories\":[],\"findings\":[]}");
    vg_buf_cleanup(&b);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vg_verdict_name(VG_VERDICT_REVIEW), "review");
    assert_string_equal(vg_action_name(VG_ACTION_BLOCK), "block");
    assert_int_equal(vg_action_lookup("notice", 6), VG_ACTION_NOTICE);
    assert_int_equal(vg_action_lookup("nope", 4), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_clean_is_allowed, fresh_tenant),
        cmocka_unit_test_setup(test_insult_hides_with_a_strike, fresh_tenant),
        cmocka_unit_test_setup(test_threat_blocks_at_once, fresh_tenant),
        cmocka_unit_test_setup(test_personal_data_deleted_without_strike, fresh_tenant),
        cmocka_unit_test_setup(test_insult_with_personal_data, fresh_tenant),
        cmocka_unit_test_setup(test_scores_add_up, fresh_tenant),
        cmocka_unit_test_setup(test_political_is_only_tagged, fresh_tenant),
        cmocka_unit_test_setup(test_offtopic_goes_to_review, fresh_tenant),
        cmocka_unit_test_setup(test_category_configuration, fresh_tenant),
        cmocka_unit_test_setup(test_shadow_category, fresh_tenant),
        cmocka_unit_test_setup(test_shadow_tenant, fresh_tenant),
        cmocka_unit_test_setup(test_render, fresh_tenant),
        cmocka_unit_test_setup(test_verdict_json, fresh_tenant),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
