/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the scanner against the small sets of tests/data/match/:
 * the offset contract (start inclusive, end exclusive, bytes of the original
 * text) with accents, emoji, leetspeak, spacing and repeated letters before
 * and after the match; word / prefix / suffix / anywhere boundaries; run
 * lengths; phrases with gaps; the global allow-list (covering, never for
 * personal data); validators; tenant masks and allow-lists; limits;
 * reference counting; scratch growth across rulesets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match/match_internal.h"
#include "vaglio/log.h"

#define DATA VG_SOURCE_DIR "/tests/data/match"

static vg_ruleset_t *rs;
static vg_scanner_t *sc;
static vg_scan_result_t res;

static int group_setup(void **state)
{
    (void)state;
    vg_err_t err;
    vg_err_clear(&err);
    rs = vg_ruleset_load(DATA "/basic", &err);
    if (rs == NULL) {
        fprintf(stderr, "load: %s\n", err.msg);
        return -1;
    }
    sc = vg_scanner_new(4096);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vg_scanner_free(sc);
    vg_ruleset_unref(rs);
    return 0;
}

static void scan_t(const vg_match_tenant_t *t, const char *text)
{
    assert_int_equal(vg_scan(sc, rs, t, text, strlen(text), &res), 0);
}

static void scan(const char *text)
{
    scan_t(NULL, text);
}

static void dump(const char *text)
{
    fprintf(stderr, "findings for '%s':\n", text);
    for (size_t i = 0; i < res.n; i++)
        fprintf(stderr, "  %s [%u,%u)\n", vg_ruleset_rule_id(rs, res.findings[i].rule),
                res.findings[i].start, res.findings[i].end);
}

/* Asserts finding @p i: rule @p id at [start, end). */
static void expect_at(const char *text, size_t i, const char *id, size_t start, size_t end)
{
    if (i >= res.n) {
        dump(text);
        fail_msg("expected a finding %zu (%s)", i, id);
    }
    const vg_finding_t *f = &res.findings[i];
    if (strcmp(vg_ruleset_rule_id(rs, f->rule), id) != 0 || f->start != start || f->end != end) {
        dump(text);
        fail_msg("finding %zu: expected %s [%zu,%zu)", i, id, start, end);
    }
}

/* Asserts exactly one finding, rule @p id over the first occurrence of @p what. */
static void expect_one(const char *text, const char *id, const char *what)
{
    scan(text);
    const char *p = strstr(text, what);
    assert_non_null(p);
    if (res.n != 1) {
        dump(text);
        fail_msg("expected exactly one finding (%s)", id);
    }
    expect_at(text, 0, id, (size_t)(p - text), (size_t)(p - text) + strlen(what));
}

static void expect_none(const char *text)
{
    scan(text);
    if (res.n != 0) {
        dump(text);
        fail_msg("expected no finding");
    }
}

/* ---- offsets ------------------------------------------------------------ */

static void test_offsets(void **state)
{
    (void)state;
    expect_one("sei uno stronzo!", "insult.test:stronz*", "stronzo");
    /* Multi-byte characters before and after: offsets stay in bytes. */
    expect_one("Perché 😀 sei uno stronzo, però… è così", "insult.test:stronz*", "stronzo");
    expect_one("😀stronzo😀", "insult.test:stronz*", "stronzo");
    expect_one("Ｐｅｒｃｈé sei uno STRONZA città", "insult.test:stronz*", "STRONZA");
    /* Leetspeak, spelled-out letters, emphasis: the span is what was written. */
    expect_one("àà sei uno str0nz0 èè", "insult.test:stronz*", "str0nz0");
    expect_one("sei uno s t r o n z o !", "insult.test:stronz*", "s t r o n z o");
    expect_one("sei uno s.t.r.o.n.z.o.", "insult.test:stronz*", "s.t.r.o.n.z.o");
    expect_one("sei uno stronzoooooo!!!", "insult.test:stronz*", "stronzoooooo");
    expect_one("che $tr0nzata", "insult.test:stronz*", "$tr0nzata");
    /* Suffix and anywhere rules report the whole word. */
    expect_one("pezzo di supermerda.", "insult.test:*merda", "supermerda");
    expect_one("che incazzatura", "insult.test:*cazz*", "incazzatura");
    expect_one("c@zzo", "insult.test:*cazz*", "c@zzo");
}

static void test_order_and_text_edges(void **state)
{
    (void)state;
    const char *text = "stronzo di merda";
    scan(text);
    assert_int_equal(res.n, 2);
    expect_at(text, 0, "insult.test:stronz*", 0, 7);
    expect_at(text, 1, "insult.test:*merda", 11, 16);
    assert_int_equal(res.dropped, 0);
    assert_false(res.truncated);
    expect_none("");
    expect_none("buongiorno a tutti, grazie per l'informazione");
}

/* ---- boundaries --------------------------------------------------------- */

static void test_boundaries(void **state)
{
    (void)state;
    /* word: "ass" never inside another word. */
    expect_one("you ass!", "insult.en.test:ass", "ass");
    expect_none("a classic class, I assume: assets");
    /* prefix: "stronz*" needs the start of a word. */
    expect_none("unostronzo");
    /* suffix: "*merda" needs the end of a word. */
    expect_none("merdaviglioso");
    /* anywhere: even inside a word. */
    expect_one("scazzottata", "insult.test:*cazz*", "scazzottata");
    /* The FOLD region also holds the words: no double findings. */
    scan("troia");
    assert_int_equal(res.n, 1);
}

static void test_run_lengths(void **state)
{
    (void)state;
    expect_none("buon anno a tutti");
    expect_one("un dolore all'ano", "insult.test:ano", "ano");
    expect_one("aaaanooo", "insult.test:ano", "aaaanooo"); /* emphasis */
    expect_none("le pale eoliche");
    expect_one("che palle", "vulgarity.test:palle", "palle");
    expect_one("che pallllle", "vulgarity.test:palle", "pallllle");
    /* A double letter written single is another word. */
    expect_none("caza");
}

static void test_exact(void **state)
{
    (void)state;
    expect_one("sei un IDIOTA", "insult.test:idiota", "IDIOTA");
    expect_one("idiota!", "insult.test:idiota", "idiota");
    expect_none("sei un id10ta");
    expect_none("sei un idiotaaaa");
    expect_none("sei un i d i o t a");
}

/* ---- phrases ------------------------------------------------------------ */

static void test_phrases(void **state)
{
    (void)state;
    expect_one("ti ammazzo", "insult.test:ti ~2 ammazz*", "ti ammazzo");
    expect_one("giuro che ti ammazzerò!", "insult.test:ti ~2 ammazz*", "ti ammazzerò");
    expect_one("ti giuro che ammazzo", "insult.test:ti ~2 ammazz*", "ti giuro che ammazzo");
    /* ~2: three words in between are too many. */
    expect_none("ti giuro che io ammazzo");
    /* whole words only, at both ends. */
    expect_none("sti ammazzacaffè"); /* "sti" is not "ti" */
    expect_one("TI 4mmazz0", "insult.test:ti ~2 ammazz*", "TI 4mmazz0");
    /* A list inside a phrase. */
    expect_one("io odio tutti gli zingari!", "hate.test:odi* ~3 @gruppi", "odio tutti gli zingari");
    expect_one("zodiaco: odiamo gli immigrati", "hate.test:odi* ~3 @gruppi",
               "odiamo gli immigrati");
    expect_none("odio tutti quelli che fanno gli immigrati"); /* gap 5 */
    /* Overlapping matches of one rule: one finding, the longest. */
    const char *text = "ti ti ammazzo";
    scan(text);
    assert_int_equal(res.n, 1);
    expect_at(text, 0, "insult.test:ti ~2 ammazz*", 0, 13);
}

/* ---- allow-lists -------------------------------------------------------- */

static void test_allow(void **state)
{
    (void)state;
    expect_none("Vivo a Cazzago San Martino");
    expect_none("vivo a CAZZAGO");
    expect_one("che cazzo dici", "insult.test:*cazz*", "cazzo");
    expect_none("abito a Bastardo, in Umbria");
    expect_none("la frazione di bastardo");
    expect_one("sei un bastardo", "insult.test:bastard*", "bastardo");
    expect_none("il cavallo di Troia");
    /* An allow entry cancels what it covers, not a longer finding. */
    const char *text = "figlio di troia";
    scan(text);
    assert_int_equal(res.n, 1);
    expect_at(text, 0, "insult.test:figli* di ~1 troia", 0, 15);
    expect_one("sei una troia", "insult.test:troia", "troia");
    /* Personal data is never cancelled; other categories are. */
    expect_one("abito in via Roma 3", "pii.address.test:via_roma", "via Roma");
    expect_none("abito in via Milano 3");
}

static void test_validators(void **state)
{
    (void)state;
    const char *iban = "IT60 X054 2811 1010 0000 0123 456";
    char text[128];
    snprintf(text, sizeof(text), "bonifico su %s, grazie", iban);
    expect_one(text, "pii.test:iban", iban);
    expect_one("IT60X0542811101000000123456", "pii.test:iban", "IT60X0542811101000000123456");
    /* One digit changed: the mod-97 check fails. */
    expect_none("bonifico su IT61 X054 2811 1010 0000 0123 456, grazie");
    /* isolated: not glued to a longer code. */
    expect_none("codiceIT60X0542811101000000123456");
}

static void test_regex_options(void **state)
{
    (void)state;
    /* extend_left: the regex starts one character before the '@'; the
     * finding grows over the whole local part. */
    expect_one("Scrivete a Mario.Rossi@Example.com.", "pii.email.test:email",
               "Mario.Rossi@Example.com");
    expect_one("«mario@example.it»", "pii.email.test:email", "mario@example.it");
    expect_none("mario@example"); /* the validator wants a domain */
    /* context: "p.iva" anchors the regex; the finding and the check start
     * at the number. */
    expect_one("la nostra P.IVA: 12345670587.", "pii.vat.test:vat", "12345670587");
    expect_one("partita iva IT12345670587", "pii.vat.test:vat", "12345670587");
    expect_none("p.iva 12345670588"); /* check digit */
    expect_none("12345670587");       /* no context */
}

/* ---- tenants ------------------------------------------------------------ */

static void test_tenant(void **state)
{
    (void)state;
    vg_err_t err;
    const char *off[] = {"insult.test"};
    const char *allow[] = {"Bastardo", "*merda"};
    vg_match_tenant_t *t = vg_match_tenant_new(rs, off, 1, allow, 2, &err);
    assert_non_null(t);
    scan_t(t, "sei uno stronzo");
    assert_int_equal(res.n, 0);
    scan_t(t, "che palle");
    assert_int_equal(res.n, 1);
    vg_match_tenant_free(t);

    t = vg_match_tenant_new(rs, NULL, 0, allow, 2, &err);
    assert_non_null(t);
    scan_t(t, "sei un bastardo");
    assert_int_equal(res.n, 0);
    scan_t(t, "sei uno stronzo");
    assert_int_equal(res.n, 1);
    scan_t(t, "pezzo di supermerda");
    assert_int_equal(res.n, 0);
    /* A tenant's allow-list never hides personal data either. */
    vg_match_tenant_free(t);
    const char *allow_pii[] = {"via roma"};
    t = vg_match_tenant_new(rs, NULL, 0, allow_pii, 1, &err);
    scan_t(t, "via roma 3");
    assert_int_equal(res.n, 1);
    vg_match_tenant_free(t);

    /* As many entries as the configuration accepts: one hash lookup per
     * word, so a long list costs nothing per message. */
    size_t nmany = VG_MATCH_TENANT_MAX_ALLOW;
    char **many = calloc(nmany + 1, sizeof(*many));
    for (size_t i = 0; i < nmany; i++) {
        many[i] = malloc(16);
        snprintf(many[i], 16, "zz%c%c%c%c nome", (char)('a' + i % 26), (char)('a' + i / 26 % 26),
                 (char)('a' + i / 676 % 26), (char)('a' + i / 17576 % 26));
    }
    free(many[nmany - 1]);
    many[nmany - 1] = strdup("un bastardo");
    t = vg_match_tenant_new(rs, NULL, 0, (const char *const *)many, nmany, &err);
    assert_non_null(t);
    scan_t(t, "sei un bastardo");
    assert_int_equal(res.n, 0);
    scan_t(t, "bastardo");
    assert_int_equal(res.n, 1);
    vg_match_tenant_free(t);
    many[nmany] = strdup("one too many");
    assert_null(vg_match_tenant_new(rs, NULL, 0, (const char *const *)many, nmany + 1, &err));
    assert_string_equal(err.msg, "too many allow entries (limit 100000)");
    for (size_t i = 0; i <= nmany; i++)
        free(many[i]);
    free(many);

    const char *bad[] = {"nope"};
    assert_null(vg_match_tenant_new(rs, bad, 1, NULL, 0, &err));
    assert_string_equal(err.msg, "unknown pattern section 'nope'");
    const char *empty[] = {"..."};
    assert_null(vg_match_tenant_new(rs, NULL, 0, empty, 1, &err));
    assert_string_equal(err.msg, "allow entry '...' is empty after normalization");
    int sec = vg_ruleset_section_lookup(rs, "insult.test");
    assert_true(sec >= 0);
    assert_string_equal(rs->sections[sec].name, "insult.test");
    assert_int_equal(vg_ruleset_section_lookup(rs, "nope"), -1);
}

/* ---- limits ------------------------------------------------------------- */

static void test_limits(void **state)
{
    (void)state;
    vg_buf_t b;
    vg_buf_init(&b, 0);
    for (int i = 0; i < 1500; i++)
        vg_buf_puts(&b, "stronzo ");
    vg_scanner_t *big = vg_scanner_new(b.len);
    assert_int_equal(vg_scan(big, rs, NULL, b.data, b.len, &res), 0);
    assert_int_equal(res.n, VG_MATCH_MAX_FINDINGS);
    assert_int_equal(res.dropped, VG_MATCH_MAX_RAW - VG_MATCH_MAX_FINDINGS + 1);
    assert_int_equal(res.findings[0].start, 0);
    assert_int_equal(res.findings[63].start, 63 * 8);
    vg_scanner_free(big);
    vg_buf_cleanup(&b);

    vg_scanner_t *small = vg_scanner_new(16);
    const char *text = "ciao a tutti, sei uno stronzo";
    assert_int_equal(vg_scan(small, rs, NULL, text, strlen(text), &res), 0);
    assert_true(res.truncated);
    assert_int_equal(res.n, 0);
    vg_scanner_free(small);
}

/*
 * Gates: a regex behind a gate (an '@', five digits) finds what the same
 * regex finds in the FOLD database (written inside a group, it has no gate),
 * the same matches kept when a message hits the match cap, and the same
 * starts from the SOM databases of the candidates.
 */
static vg_ruleset_t *build_text(const char *text)
{
    vg_pset_t ps;
    vg_pset_init(&ps);
    assert_int_equal(vg_pset_parse_text(&ps, "g.txt", text, strlen(text)), 0);
    vg_ruleset_t *r = vg_ruleset_build(&ps, false);
    vg_pset_cleanup(&ps);
    assert_non_null(r);
    return r;
}

static void test_gates_same_findings(void **state)
{
    (void)state;
    static const char gated[] = "[pii.t]\ncategory: pii.email\nexpensive: yes\n"
                                "re: /[a-z]@[a-z]+\\.it/ extend_left=[a-z] id=mail\n"
                                "re: /[a-z]{2}[0-9]{2}(?: ?[a-z0-9]{4}){2,3}/ id=code\n"
                                "re: /0[0-9]{1,3} ?[0-9]{5,8}/ id=phone\n"
                                "re: /via [a-z ]{1,20}[0-9]{1,3}/ id=street\n"
                                "[insult.t]\ncategory: insult\nstronzo\n";
    static const char plain[] = "[pii.t]\ncategory: pii.email\nexpensive: yes\n"
                                "re: /(?:[a-z]@[a-z]+\\.it)/ extend_left=[a-z] id=mail\n"
                                "re: /(?:[a-z]{2}[0-9]{2}(?: ?[a-z0-9]{4}){2,3})/ id=code\n"
                                "re: /(?:0[0-9]{1,3} ?[0-9]{5,8})/ id=phone\n"
                                "re: /via [a-z ]{1,20}[0-9]{1,3}/ id=street\n"
                                "[insult.t]\ncategory: insult\nstronzo\n";
    vg_ruleset_t *g = build_text(gated);
    vg_ruleset_t *p = build_text(plain);
    assert_non_null(g->db_gate[0]); /* '@' */
    assert_null(p->db_gate[0]);
    vg_buf_t big;
    vg_buf_init(&big, 0);
    for (int i = 0; i < 700; i++)
        vg_buf_printf(&big, "mario%d@posta.it stronzo 02 1234567 ab12 cd34 ef56 ", i);
    const char *texts[] = {
        "scrivi a mario@posta.it o chiama 02 1234567",
        "codice ab12 cd34 ef56, abito in via dei mille 12",
        "nessun dato qui, solo uno stronzo",
        big.data,
    };
    vg_scanner_t *s = vg_scanner_new(big.len + 1);
    for (size_t t = 0; t < VG_ARRAY_LEN(texts); t++) {
        vg_scan_result_t a;
        vg_scan_result_t b;
        assert_int_equal(vg_scan(s, g, NULL, texts[t], strlen(texts[t]), &a), 0);
        assert_int_equal(vg_scan(s, p, NULL, texts[t], strlen(texts[t]), &b), 0);
        assert_int_equal(a.n, b.n);
        assert_int_equal(a.dropped, b.dropped);
        for (size_t i = 0; i < a.n; i++) {
            assert_string_equal(vg_ruleset_rule_id(g, a.findings[i].rule),
                                vg_ruleset_rule_id(p, b.findings[i].rule));
            assert_int_equal(a.findings[i].start, b.findings[i].start);
            assert_int_equal(a.findings[i].end, b.findings[i].end);
        }
        assert_true(t == 2 || a.n > 0);
    }
    vg_scanner_free(s);
    vg_buf_cleanup(&big);
    vg_ruleset_unref(g);
    vg_ruleset_unref(p);
}

/* ---- lifetimes ---------------------------------------------------------- */

static void test_refcount_and_generations(void **state)
{
    (void)state;
    vg_err_t err;
    vg_ruleset_t *a = vg_ruleset_load(DATA "/basic", &err);
    assert_non_null(a);
    assert_ptr_equal(vg_ruleset_ref(a), a);
    vg_ruleset_unref(a);
    vg_match_tenant_t *t = vg_match_tenant_new(a, NULL, 0, NULL, 0, &err);
    assert_non_null(t);
    vg_ruleset_unref(a); /* the tenant still holds one */
    assert_int_equal(atomic_load(&t->rs->refs), 1);
    vg_ruleset_t *b = vg_ruleset_load(DATA "/basic", &err); /* another one */
    assert_non_null(b);
    assert_true(b->generation != t->rs->generation);

    /* One scanner alternating between rulesets grows its scratch as needed. */
    const char *text = "sei uno stronzo";
    for (int i = 0; i < 3; i++) {
        assert_int_equal(vg_scan(sc, t->rs, t, text, strlen(text), &res), 0);
        assert_int_equal(res.n, 1);
        assert_int_equal(vg_scan(sc, b, NULL, text, strlen(text), &res), 0);
    }
    /* A tenant built for another ruleset: its mask is ignored, not misapplied. */
    const char *off[] = {"insult.test"};
    vg_match_tenant_t *t2 = vg_match_tenant_new(t->rs, off, 1, NULL, 0, &err);
    vg_ruleset_t *c = vg_ruleset_load(DATA "/basic", &err);
    assert_int_equal(vg_scan(sc, c, t2, text, strlen(text), &res), 0);
    assert_int_equal(res.n, 1);
    vg_ruleset_unref(c);
    vg_match_tenant_free(t2);
    vg_ruleset_unref(b);
    vg_match_tenant_free(t);
    vg_ruleset_unref(NULL);
    vg_match_tenant_free(NULL);
    vg_scanner_free(NULL);
}

static void test_accessors(void **state)
{
    (void)state;
    int i = vg_ruleset_rule_lookup(rs, "insult.test:stronz*");
    assert_true(i >= 0);
    assert_int_equal(vg_ruleset_rule_category(rs, (uint32_t)i), VG_CAT_INSULT);
    assert_string_equal(vg_ruleset_rule_category_name(rs, (uint32_t)i), "insult");
    assert_int_equal(vg_ruleset_rule_score(rs, (uint32_t)i), 10);
    assert_string_equal(vg_ruleset_rule_source(rs, (uint32_t)i), DATA "/basic/it.txt:6");
    i = vg_ruleset_rule_lookup(rs, "vulgarity.test:palle");
    assert_int_equal(vg_ruleset_rule_score(rs, (uint32_t)i), 5);
    i = vg_ruleset_rule_lookup(rs, "allow.test:!cazzago");
    assert_int_equal(vg_ruleset_rule_category(rs, (uint32_t)i), VG_CAT_COUNT);
    assert_string_equal(vg_ruleset_rule_category_name(rs, (uint32_t)i), "allow");
    assert_true(vg_ruleset_section_count(rs) >= 11);

    size_t db = 0;
    size_t scratch = 0;
    double ms = -1;
    vg_ruleset_stats(rs, &db, &scratch, &ms);
    assert_true(db > 0);
    assert_true(scratch > 0);
    assert_true(ms >= 0);

    vg_buf_t out;
    vg_buf_init(&out, 0);
    vg_ruleset_list_expensive(rs, &out);
    assert_non_null(strstr(out.data, "/basic/pii.txt:5: pii.test:iban (no literal"));
    assert_null(strstr(out.data, "via_roma"));
    vg_buf_cleanup(&out);
}

int main(void)
{
    vg_log_setup(VG_LOG_WARN, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),       cmocka_unit_test(test_order_and_text_edges),
        cmocka_unit_test(test_boundaries),    cmocka_unit_test(test_run_lengths),
        cmocka_unit_test(test_exact),         cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_allow),         cmocka_unit_test(test_validators),
        cmocka_unit_test(test_regex_options), cmocka_unit_test(test_tenant),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_refcount_and_generations),
        cmocka_unit_test(test_accessors),     cmocka_unit_test(test_gates_same_findings),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
