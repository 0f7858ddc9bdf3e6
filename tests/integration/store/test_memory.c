/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store integration test: Redis memory per decided event, measured with
 * INFO memory (used_memory before and after) and MEMORY USAGE of sample
 * keys, for clean comments, violations and a realistic mix. The figures
 * are printed (docs/redis.md quotes them) and bounded, so a change that
 * bloats the records fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "itest_store.h"

#define EVENTS  2000
#define AUTHORS 400
#define BATCH   100

static char tenant_name[] = "demo";

typedef struct pending {
    int n;
    const char *err;
} pending_t;

static void on_decide(const char *err, const vg_decide_res_t *res, void *arg)
{
    pending_t *p = arg;
    (void)res;
    p->n++;
    if (err != NULL)
        p->err = err;
}

static long long used_memory(itest_t *t)
{
    redisReply *r = itest_cmd(t, "INFO memory");
    const char *p = strstr(r->str, "used_memory:");
    long long v = p != NULL ? atoll(p + 12) : -1;
    freeReplyObject(r);
    return v;
}

/* Decides EVENTS events, every @p violation_every-th a violation (0: none). */
static double run(itest_t *t, int violation_every, const char *label)
{
    vg_tenant_conf_t tenant = {.name = tenant_name, .window_days = 90, .warnings = 1};
    vg_verdict_t bad = {.verdict = VG_VERDICT_ACT, .content = VG_CONTENT_HIDE, .strike = true};
    vg_verdict_t ok = {.verdict = VG_VERDICT_ALLOW};
    vg_scan_result_t scan = {.n = 1};
    long long before, after;
    pending_t p = {0};

    bad.found = bad.acting = VG_CATSET(VG_CAT_INSULT);
    bad.score = 10;
    scan.findings[0] = (vg_finding_t){.rule = 0, .start = 12, .end = 19};
    before = used_memory(t);
    for (int base = 0; base < EVENTS; base += BATCH) {
        vg_event_t ev[BATCH];
        vg_decide_req_t req[BATCH];
        char content[BATCH][32], author[BATCH][32];
        int want = p.n + BATCH;
        for (int i = 0; i < BATCH; i++) {
            int k = base + i;
            bool violation = violation_every > 0 && k % violation_every == 0;
            snprintf(content[i], sizeof(content[i]), "1234567890123_%010d", k);
            snprintf(author[i], sizeof(author[i]), "10000000000%05d", k % AUTHORS);
            ev[i] = (vg_event_t){.platform = VG_PLATFORM_FACEBOOK,
                                 .verb = VG_VERB_ADD,
                                 .page_id = "104857600000001",
                                 .content_id = content[i],
                                 .post_id = "104857600000001_987654321098765",
                                 .author_id = author[i],
                                 .text = "un commento di esempio",
                                 .text_len = 22,
                                 .created_time = 1700000000};
            req[i] = (vg_decide_req_t){.tenant = &tenant,
                                       .event = &ev[i],
                                       .verdict = violation ? &bad : &ok,
                                       .scan = violation ? &scan : NULL,
                                       .warning = "Il tuo commento viola la netiquette: insulti",
                                       .author_key = "k",
                                       .shards = 16};
            vg_store_decide(t->st, &req[i], on_decide, &p);
        }
        itest_spin(t, &p.n, want, 10000);
        assert_int_equal(p.n, want);
        assert_null(p.err);
    }
    after = used_memory(t);
    double per = (double)(after - before) / EVENTS;
    print_message("memory: %s: %.0f bytes per event (%d events, %d authors)\n", label, per, EVENTS,
                  AUTHORS);
    return per;
}

static long long usage_of_first(itest_t *t, const char *pattern)
{
    redisReply *k = itest_cmd(t, "KEYS %s", pattern);
    long long v = -1;
    if (k->elements > 0)
        v = itest_int(t, "MEMORY USAGE %s", k->element[0]->str);
    freeReplyObject(k);
    return v;
}

static void test_clean(void **state)
{
    itest_t *t = *state;
    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    double per = run(t, 0, "clean comments");
    print_message("memory: MEMORY USAGE decision record %lld, dedupe marker %lld, "
                  "author's decisions zset (5 entries) %lld\n",
                  usage_of_first(t, "vg:*:d:*"), usage_of_first(t, "vg:*:dd:*"),
                  usage_of_first(t, "vg:*:a:*:d"));
    assert_true(per > 100 && per < 1200);
}

static void test_violations(void **state)
{
    itest_t *t = *state;
    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    double per = run(t, 1, "violations");
    print_message("memory: MEMORY USAGE content state %lld, action stream (of 16) %lld, "
                  "author state %lld\n",
                  usage_of_first(t, "vg:*:c:*"), usage_of_first(t, "vg:*:q"),
                  usage_of_first(t, "vg:*:a:????????????????????????????????"));
    assert_true(per > 100 && per < 2500);
}

static void test_mix(void **state)
{
    itest_t *t = *state;
    ITEST_SKIP_WITHOUT_REDIS(t);
    itest_start_store(t);
    double per = run(t, 10, "mix, 10% violations");
    assert_true(per > 100 && per < 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_violations, itest_setup, itest_teardown),
        cmocka_unit_test_setup_teardown(test_mix, itest_setup, itest_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
