/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the metrics: sums over per-thread blocks, histogram
 * buckets, the fixed label sets emitted from the start, the gauges' rules,
 * the text format (checked line by line, and by `promtool check metrics`
 * when promtool is installed), and counting from several threads while a
 * scrape runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <pthread.h>

#include <cmocka.h>

#include "vaglio/metrics.h"

/* The value of the sample whose name and labels are exactly @p series, or -1. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    return -1;
}

static void expect_val(const char *text, const char *series, double want, double eps)
{
    double got = sample(text, series);
    if (got < want - eps || got > want + eps)
        fail_msg("%s: got %.9g, want %.9g", series, got, want);
}

static char *render(vg_metrics_registry_t *reg)
{
    vg_buf_t out;
    vg_buf_init(&out, 0);
    vg_metrics_render(reg, &out);
    return vg_buf_steal(&out, NULL);
}

static void test_zero_series(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    char *t;
    char series[256];
    static const char *const plats[] = {"facebook", "instagram", "unknown"};
    static const char *const statuses[] = {"200", "401", "403", "404", "503", "other"};
    (void)state;

    vg_metrics_block_new(reg);
    t = render(reg);
    expect_val(t, "vaglio_build_info{version=\"" VG_VERSION "\"}", 1, 0);
    for (size_t p = 0; p < 3; p++) {
        for (size_t s = 0; s < VG_ARRAY_LEN(statuses); s++) {
            snprintf(series, sizeof(series),
                     "vaglio_webhook_requests_total{platform=\"%s\",status=\"%s\"}", plats[p],
                     statuses[s]);
            expect_val(t, series, 0, 0);
        }
        snprintf(series, sizeof(series),
                 "vaglio_webhook_duration_seconds_bucket{platform=\"%s\",le=\"+Inf\"}", plats[p]);
        expect_val(t, series, 0, 0);
    }
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        snprintf(series, sizeof(series), "vaglio_findings_total{category=\"%s\"}",
                 vg_category_name((vg_category_t)c));
        expect_val(t, series, 0, 0);
    }
    for (int a = 0; a < VG_ACTION_COUNT; a++) {
        for (int r = 0; r < VG_ACTION_RESULT_COUNT; r++) {
            snprintf(series, sizeof(series), "vaglio_actions_total{action=\"%s\",result=\"%s\"}",
                     vg_action_name((vg_action_kind_t)a),
                     vg_action_result_name((vg_action_result_t)r));
            expect_val(t, series, 0, 0);
        }
    }
    expect_val(t, "vaglio_decisions_total{verdict=\"act\",status=\"new\"}", 0, 0);
    expect_val(t, "vaglio_events_total{platform=\"instagram\",verb=\"add\"}", 0, 0);
    expect_val(t, "vaglio_redis_errors_total{kind=\"timeout\"}", 0, 0);
    expect_val(t, "vaglio_redis_up", 0, 0);
    expect_val(t, "vaglio_http_connections", 0, 0);
    expect_val(t, "vaglio_patterns_loaded", 0, 0);
    expect_val(t, "vaglio_pattern_rules", 0, 0);
    expect_val(t, "vaglio_scan_duration_seconds_count", 0, 0);
    free(t);
    vg_metrics_registry_free(reg);
    vg_metrics_registry_free(NULL);
}

static void test_counts(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    vg_metrics_t *a = vg_metrics_block_new(reg);
    vg_metrics_t *b = vg_metrics_block_new(reg);
    char *t;
    (void)state;

    vg_metrics_webhook(a, VG_PLATFORM_FACEBOOK, 200, 300000);  /* 0.3 ms */
    vg_metrics_webhook(b, VG_PLATFORM_FACEBOOK, 200, 3000000); /* 3 ms */
    vg_metrics_webhook(b, VG_PLATFORM_INSTAGRAM, 401, 100000); /* exactly 0.1 ms */
    vg_metrics_webhook(a, -1, 404, 50000);                     /* not routed */
    vg_metrics_webhook(a, 7, 418, 9000000000);                 /* 9 s, odd status */
    vg_metrics_event(a, VG_PLATFORM_FACEBOOK, VG_VERB_ADD);
    vg_metrics_event(b, VG_PLATFORM_FACEBOOK, VG_VERB_ADD);
    vg_metrics_event(b, VG_PLATFORM_INSTAGRAM, VG_VERB_UNHIDE);
    vg_metrics_decision(a, VG_VERDICT_ACT, VG_DECIDE_NEW);
    vg_metrics_decision(b, VG_VERDICT_ALLOW, VG_DECIDE_DUPLICATE);
    vg_metrics_finding(a, VG_CAT_PII_IBAN);
    vg_metrics_finding(b, VG_CAT_PII_IBAN);
    vg_metrics_finding(b, VG_CAT_COUNT); /* out of range: ignored */
    vg_metrics_action(a, VG_ACTION_HIDE, VG_ACTION_RESULT_OK, 120000000);
    vg_metrics_action(b, VG_ACTION_BLOCK, VG_ACTION_RESULT_RETRY, 40000000000);
    vg_metrics_redis_error(a, VG_REDIS_ERR_TIMEOUT);
    vg_metrics_scan(b, 7000);
    vg_metrics_set_connections(a, 3);
    vg_metrics_set_connections(b, 4);
    vg_metrics_set_connections(b, 5); /* a gauge: the last value */
    vg_metrics_set_patterns(reg, 1, 1234);
    /* NULL blocks are no-ops. */
    vg_metrics_webhook(NULL, 0, 200, 1);
    vg_metrics_finding(NULL, VG_CAT_INSULT);

    t = render(reg);
    expect_val(t, "vaglio_webhook_requests_total{platform=\"facebook\",status=\"200\"}", 2, 0);
    expect_val(t, "vaglio_webhook_requests_total{platform=\"instagram\",status=\"401\"}", 1, 0);
    expect_val(t, "vaglio_webhook_requests_total{platform=\"unknown\",status=\"404\"}", 1, 0);
    expect_val(t, "vaglio_webhook_requests_total{platform=\"unknown\",status=\"other\"}", 1, 0);
    /* Buckets are cumulative, le is inclusive, count equals +Inf. */
    const char *h = "vaglio_webhook_duration_seconds_bucket{platform=\"facebook\",le=";
    char series[256];
    snprintf(series, sizeof(series), "%s\"0.00025\"}", h);
    expect_val(t, series, 0, 0);
    snprintf(series, sizeof(series), "%s\"0.0005\"}", h);
    expect_val(t, series, 1, 0);
    snprintf(series, sizeof(series), "%s\"0.005\"}", h);
    expect_val(t, series, 2, 0);
    snprintf(series, sizeof(series), "%s\"+Inf\"}", h);
    expect_val(t, series, 2, 0);
    expect_val(t, "vaglio_webhook_duration_seconds_count{platform=\"facebook\"}", 2, 0);
    expect_val(t, "vaglio_webhook_duration_seconds_sum{platform=\"facebook\"}", 0.0033, 1e-9);
    expect_val(t, "vaglio_webhook_duration_seconds_bucket{platform=\"instagram\",le=\"0.0001\"}", 1,
               0);
    expect_val(t, "vaglio_webhook_duration_seconds_bucket{platform=\"unknown\",le=\"5\"}", 1, 0);
    expect_val(t, "vaglio_webhook_duration_seconds_bucket{platform=\"unknown\",le=\"+Inf\"}", 2, 0);

    expect_val(t, "vaglio_events_total{platform=\"facebook\",verb=\"add\"}", 2, 0);
    expect_val(t, "vaglio_events_total{platform=\"instagram\",verb=\"unhide\"}", 1, 0);
    expect_val(t, "vaglio_decisions_total{verdict=\"act\",status=\"new\"}", 1, 0);
    expect_val(t, "vaglio_decisions_total{verdict=\"allow\",status=\"duplicate\"}", 1, 0);
    expect_val(t, "vaglio_findings_total{category=\"pii.iban\"}", 2, 0);
    expect_val(t, "vaglio_findings_total{category=\"insult\"}", 0, 0);
    expect_val(t, "vaglio_actions_total{action=\"hide\",result=\"ok\"}", 1, 0);
    expect_val(t, "vaglio_actions_total{action=\"block\",result=\"retry\"}", 1, 0);
    expect_val(t, "vaglio_action_duration_seconds_bucket{le=\"0.25\"}", 1, 0);
    expect_val(t, "vaglio_action_duration_seconds_bucket{le=\"30\"}", 1, 0);
    expect_val(t, "vaglio_action_duration_seconds_bucket{le=\"+Inf\"}", 2, 0);
    expect_val(t, "vaglio_action_duration_seconds_sum", 40.12, 1e-9);
    expect_val(t, "vaglio_action_duration_seconds_count", 2, 0);
    expect_val(t, "vaglio_redis_errors_total{kind=\"timeout\"}", 1, 0);
    expect_val(t, "vaglio_scan_duration_seconds_bucket{le=\"0.000005\"}", 0, 0);
    expect_val(t, "vaglio_scan_duration_seconds_bucket{le=\"0.00001\"}", 1, 0);
    expect_val(t, "vaglio_scan_duration_seconds_sum", 0.000007, 1e-12);
    expect_val(t, "vaglio_http_connections", 8, 0);
    expect_val(t, "vaglio_patterns_loaded", 1, 0);
    expect_val(t, "vaglio_pattern_rules", 1234, 0);
    free(t);
    vg_metrics_registry_free(reg);
}

static void test_redis_up(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    vg_metrics_t *a = vg_metrics_block_new(reg);
    vg_metrics_t *b = vg_metrics_block_new(reg);
    vg_metrics_t *dispatcher = vg_metrics_block_new(reg); /* never reports: ignored */
    char *t;
    (void)state;
    (void)dispatcher;

    t = render(reg);
    expect_val(t, "vaglio_redis_up", 0, 0);
    free(t);
    vg_metrics_set_redis_up(a, 1);
    t = render(reg);
    expect_val(t, "vaglio_redis_up", 1, 0);
    free(t);
    vg_metrics_set_redis_up(b, 0);
    t = render(reg);
    expect_val(t, "vaglio_redis_up", 0, 0);
    free(t);
    vg_metrics_set_redis_up(b, 1);
    t = render(reg);
    expect_val(t, "vaglio_redis_up", 1, 0);
    free(t);
    vg_metrics_registry_free(reg);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_OK), "ok");
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_DRY_RUN), "dry_run");
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_RETRY), "retry");
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_FAILED), "failed");
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_SKIPPED), "skipped");
    assert_string_equal(vg_action_result_name(VG_ACTION_RESULT_COUNT), "unknown");
}

/* Every sample follows its family's HELP and TYPE; counters end in _total. */
static void test_format(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    vg_metrics_t *m = vg_metrics_block_new(reg);
    char *t, *save = NULL;
    char family[128] = "", type[32] = "";
    unsigned families = 0, samples = 0;
    (void)state;

    vg_metrics_webhook(m, 0, 200, 1000);
    t = render(reg);
    assert_int_equal(t[strlen(t) - 1], '\n');
    for (char *line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# HELP ", 7) == 0) {
            char name[128];
            assert_int_equal(sscanf(line + 7, "%127s", name), 1);
            assert_true(strlen(line) > 7 + strlen(name) + 1); /* a help text */
            memcpy(family, name, sizeof(name));
            type[0] = '\0';
            families++;
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            char name[128];
            assert_int_equal(sscanf(line + 7, "%127s %31s", name, type), 2);
            assert_string_equal(name, family);
            assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
                        strcmp(type, "histogram") == 0);
            if (strcmp(type, "counter") == 0)
                assert_non_null(strstr(name, "_total"));
            else
                assert_null(strstr(name, "_total"));
            continue;
        }
        assert_int_not_equal(line[0], '#');
        assert_true(type[0] != '\0');
        /* name[{labels}] value, the name from this family */
        size_t fl = strlen(family);
        assert_int_equal(strncmp(line, family, fl), 0);
        const char *rest = line + fl;
        if (strcmp(type, "histogram") == 0) {
            assert_true(strncmp(rest, "_bucket{", 8) == 0 || strncmp(rest, "_sum", 4) == 0 ||
                        strncmp(rest, "_count", 6) == 0);
        } else {
            assert_true(*rest == ' ' || *rest == '{');
        }
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        strtod(sp + 1, &end);
        assert_int_equal(*end, '\0');
        samples++;
    }
    assert_int_equal(families, 14);
    assert_true(samples > 200);
    free(t);
    vg_metrics_registry_free(reg);
}

static void test_promtool(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    vg_metrics_t *m = vg_metrics_block_new(reg);
    char *t;
    FILE *p;
    int status;
    (void)state;

    if (system("command -v promtool >/dev/null 2>&1") != 0) {
        print_message("promtool not found: skipping the promtool check\n");
        vg_metrics_registry_free(reg);
        skip();
    }
    vg_metrics_webhook(m, 1, 503, 2000000);
    vg_metrics_action(m, VG_ACTION_DELETE, VG_ACTION_RESULT_FAILED, 5);
    vg_metrics_set_redis_up(m, 1);
    t = render(reg);
    p = popen("promtool check metrics", "w");
    assert_non_null(p);
    fputs(t, p);
    status = pclose(p);
    free(t);
    vg_metrics_registry_free(reg);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Writers on their own blocks while a scraper renders: the totals are exact. */
#define THREADS 4
#define ROUNDS  50000

static void *writer(void *arg)
{
    vg_metrics_t *m = arg;
    for (int i = 0; i < ROUNDS; i++) {
        vg_metrics_webhook(m, VG_PLATFORM_FACEBOOK, 200, (uint64_t)i);
        vg_metrics_finding(m, VG_CAT_SPAM);
    }
    return NULL;
}

static void test_threads(void **state)
{
    vg_metrics_registry_t *reg = vg_metrics_registry_new();
    vg_metrics_t *blocks[THREADS];
    pthread_t th[THREADS];
    char *t;
    (void)state;

    for (int i = 0; i < THREADS; i++)
        blocks[i] = vg_metrics_block_new(reg);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, blocks[i]), 0);
    for (int i = 0; i < 20; i++) {
        t = render(reg);
        double v = sample(t, "vaglio_findings_total{category=\"spam\"}");
        assert_true(v >= 0 && v <= THREADS * ROUNDS);
        free(t);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    t = render(reg);
    expect_val(t, "vaglio_findings_total{category=\"spam\"}", THREADS * ROUNDS, 0);
    expect_val(t, "vaglio_webhook_requests_total{platform=\"facebook\",status=\"200\"}",
               THREADS * ROUNDS, 0);
    expect_val(t, "vaglio_webhook_duration_seconds_count{platform=\"facebook\"}", THREADS * ROUNDS,
               0);
    free(t);
    vg_metrics_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_series), cmocka_unit_test(test_counts),
        cmocka_unit_test(test_redis_up),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_format),      cmocka_unit_test(test_promtool),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
