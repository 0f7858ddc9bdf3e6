/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the real pattern sets in patterns/: they load and compile
 * (rule count, database size and compile time are printed), every category
 * of the netiquette has rules, every file names its sources, and sentences
 * written for this test (never taken from a corpus) get the categories they
 * should, while innocent sentences that contain bad words' letters get none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "match/match_internal.h"
#include "vaglio/category.h"
#include "vaglio/log.h"

#define PATTERNS VG_SOURCE_DIR "/patterns"

static vg_ruleset_t *rs;
static vg_scanner_t *sc;

static int group_setup(void **state)
{
    (void)state;
    vg_err_t err;
    vg_err_clear(&err);
    rs = vg_ruleset_load(PATTERNS, &err);
    if (rs == NULL) {
        fprintf(stderr, "patterns/ does not load: %s\n", err.msg);
        return -1;
    }
    sc = vg_scanner_new(8192);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vg_scanner_free(sc);
    vg_ruleset_unref(rs);
    return 0;
}

static void test_load(void **state)
{
    (void)state;
    size_t db = 0;
    size_t scratch = 0;
    double ms = 0;
    vg_ruleset_stats(rs, &db, &scratch, &ms);
    printf("patterns/: %zu rules, %zu sections, %zu Hyperscan expressions, database %zu bytes, "
           "scratch %zu bytes, loaded in %.1f ms\n",
           vg_ruleset_rule_count(rs), vg_ruleset_section_count(rs), rs->nexprs, db, scratch, ms);
    assert_true(vg_ruleset_rule_count(rs) > 500);
    assert_true(db > 0 && db < (8u << 20));

    /* The uses of one expression lie in a row, in rule order (the callback
     * walks them on every report), and `req` marks the phrases that wait
     * for their other words. */
    size_t chained = 0;
    for (size_t i = 0; i < rs->nexprs; i++) {
        const vg_hsexpr_t *x = &rs->exprs[i];
        if (x->next != UINT32_MAX) {
            assert_int_equal(x->next, i + 1);
            assert_true(rs->exprs[i + 1].rule >= x->rule);
            chained++;
        }
        assert_int_equal(x->req,
                         x->rule != VG_HSEXPR_PRESENCE && rs->req_at[x->rule] != UINT32_MAX);
    }
    assert_true(chained > 1000);

    vg_buf_t report;
    vg_buf_init(&report, 0);
    assert_int_equal(vg_ruleset_check(PATTERNS, &report), 0);
    assert_int_equal(report.len, 0);
    vg_ruleset_list_expensive(rs, &report);
    assert_non_null(strstr(report.data, "pii.card:card"));
    vg_buf_cleanup(&report);
}

/* Every base category of the netiquette has at least one rule. */
static void test_categories_covered(void **state)
{
    (void)state;
    vg_catset_t seen = 0;
    for (uint32_t i = 0; i < vg_ruleset_rule_count(rs); i++) {
        vg_category_t c = vg_ruleset_rule_category(rs, i);
        if (c < VG_CAT_COUNT)
            seen |= VG_CATSET(c);
    }
    for (int c = 0; c < VG_CAT_COUNT; c++)
        if (!(seen & VG_CATSET(c)))
            fail_msg("no rule for category %s", vg_category_name((vg_category_t)c));
}

/* Every pattern file opens with a comment naming its sources. */
static void check_headers(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            check_headers(path);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 4, ".txt") != 0)
            continue;
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char head[4096];
        size_t len = fread(head, 1, sizeof(head) - 1, f);
        fclose(f);
        head[len] = '\0';
        if (head[0] != '#')
            fail_msg("%s does not start with a comment", path);
        char *end = strstr(head, "\n\n");
        if (end != NULL)
            *end = '\0';
        if (strstr(head, "Sources:") == NULL)
            fail_msg("%s: the header comment names no 'Sources:'", path);
    }
    closedir(d);
}

static void test_headers(void **state)
{
    (void)state;
    check_headers(PATTERNS);
}

/* ---- sentences ---------------------------------------------------------- */

#define CAT(c) VG_CATSET(VG_CAT_##c)

static const struct {
    const char *text;
    vg_catset_t cats; /* exactly the categories expected */
} sentences[] = {
    /* insults and vulgarity, with the normalizer's help */
    {"Sei proprio uno stronzo, vergognati", CAT(INSULT)},
    {"sei uno STR0NZ0!!!", CAT(INSULT)},
    {"ma che s t r o n z a t a", CAT(INSULT)},
    {"che c@zzo dite, coglioni", CAT(INSULT) | CAT(VULGARITY)},
    {"vaffanculo a tutto l'ufficio", CAT(VULGARITY)},
    {"figlio di troia", CAT(INSULT)},
    {"porco dio che coda allo sportello", CAT(VULGARITY)},
    {"you are a fucking moron", CAT(INSULT) | CAT(VULGARITY)},
    {"what an asshole", CAT(INSULT)},
    /* threats */
    {"Ti ammazzo se ti rivedo", CAT(THREAT)},
    {"vengo ad ammazzarti domani", CAT(THREAT)},
    {"so dove abiti, stai attento", CAT(THREAT)},
    {"ti auguro un cancro", CAT(THREAT)},
    {"I will kill you all", CAT(THREAT)},
    {"we know where you live", CAT(THREAT)},
    /* hate, by ground */
    {"gli immigrati sono parassiti", CAT(HATE_ETHNICITY)},
    {"bisognerebbe cacciare tutti gli zingari", CAT(HATE_ETHNICITY)},
    {"i gay sono malati", CAT(HATE_SEXUAL_ORIENTATION)},
    {"le donne devono stare zitte", CAT(HATE_GENDER)},
    {"i vecchi sono parassiti", CAT(HATE_AGE)},
    {"odio tutti i musulmani", CAT(HATE_RELIGION)},
    {"i vegani sono feccia", CAT(HATE_BELIEF)},
    {"i comunisti vanno eliminati", CAT(HATE_POLITICAL)},
    {"sei un ritardato", CAT(HATE_DISABILITY)},
    {"Immigrants are vermin", CAT(HATE_ETHNICITY)},
    {"we are going to hurt those immigrants", CAT(THREAT)},
    {"ucciderò tutti gli zingari", CAT(THREAT) | CAT(HATE_ETHNICITY)},
    {"I detest disabled people", CAT(HATE_DISABILITY)},
    {"Muslims are scum", CAT(HATE_RELIGION)},
    {"gypsies should all be deported", CAT(HATE_ETHNICITY)},
    {"I want to kill all those gay people", CAT(THREAT)},
    {"you are nothing but a hoe", CAT(INSULT)},
    /* spam and links */
    {"guadagna comodamente da casa con il nostro metodo", CAT(SPAM)},
    {"investimento garantito, rendimento del 20%", CAT(SPAM)},
    {"regalo per te: https://bit.ly/abc123", CAT(SPAM_LINK)},
    {"make money from home with this trick", CAT(SPAM)},
    {"unisciti al gruppo t.me/offertespeciali", CAT(SPAM_LINK)},
    /* illegal, political, ip, off-topic */
    {"vendo cocaina purissima", CAT(ILLEGAL)},
    {"vendo documenti falsi", CAT(ILLEGAL)},
    {"votate la nostra lista", CAT(POLITICAL)},
    {"abbonamento iptv a 10 euro", CAT(IP)},
    {"condividi se sei d'accordo", CAT(OFFTOPIC)},
    /* personal data */
    {"scrivetemi a mario.rossi@example.com", CAT(PII_EMAIL)},
    {"il mio cellulare è 333 1234567", CAT(PII_PHONE)},
    {"IBAN IT60X0542811101000000123456", CAT(PII_IBAN)},
    {"carta 4111 1111 1111 1111 scad 12/27", CAT(PII_CARD)},
    {"codice fiscale RSSMRA85T10A562S", CAT(PII_FISCAL_CODE)},
    /* omocodia down to the year: sixteen letters (the sixteen-letter gate) */
    {"il codice fiscale è BNZVCNPNSMLERTPX", CAT(PII_FISCAL_CODE)},
    {"la mia p.iva è 12345670587 grazie", CAT(PII_VAT)},
    {"abito in via Garibaldi 12, 20121 Milano", CAT(PII_ADDRESS)},
    {"numero del passaporto YA1234567", CAT(PII_ID_DOCUMENT)},
};

/* Innocent sentences: Scunthorpe, towns, idioms, negations. */
static const char *const innocent[] = {
    "Buongiorno, a che ora apre l'ufficio anagrafe domani?",
    "Vivo a Cazzago San Martino da vent'anni",
    "Abito a Bastardo, frazione di Giano dell'Umbria",
    "Il cavallo di Troia è una storia bellissima",
    "Spaghetti alla puttanesca per tutti!",
    "Buon anno a tutti dal sindaco",
    "Le pale eoliche sulla collina",
    "Il caldo ti ammazza in questi giorni",
    "ammazza che freddo stamattina",
    "non so dove abiti, mandami l'indirizzo in privato",
    "il muratore ha dimenticato la cazzuola",
    "what a classic assumption in this class",
    "Dick Van Dyke was great in Mary Poppins",
    "I'll shoot you an email tomorrow",
    "Scunthorpe United won again",
    "laureata summa cum laude a Bologna",
    "lo spaccio di droga in piazza va fermato",
    "l'anagrafe è chiusa il sabato",
    "grazie per l'informazione, molto utile",
    "gli immigrati non sono parassiti",
    "immigrants are not vermin",
    "the heat can kill old people, check on your neighbours",
    "Saying that women are inferior shows how small-minded you are",
    "No refugee deserves to die at sea",
    "hate crimes against jews are rising",
    "I'm a proud dyke and I love my wife",
    "Bisognerebbe eliminare le barriere architettoniche per i disabili",
    "Che schifo la spazzatura abbandonata in piazza, chi pulisce?",
    "I ragazzi disabili della scuola hanno vinto il torneo, complimenti!",
    "Odio quando piove e i bus sono pieni",
    "Gli immigrati che lavorano nei campi meritano un contratto regolare",
    "Gay pride parade is this weekend, the streets will be closed",
    "This bug is killing me, the app crashes every time",
    "Kill the lights when you leave the room please",
};

static vg_catset_t scan_cats(const char *text, vg_scan_result_t *res)
{
    assert_int_equal(vg_scan(sc, rs, NULL, text, strlen(text), res), 0);
    vg_catset_t cats = 0;
    for (size_t i = 0; i < res->n; i++)
        cats |= VG_CATSET(vg_ruleset_rule_category(rs, res->findings[i].rule));
    return cats;
}

static void dump(const char *text, const vg_scan_result_t *res)
{
    fprintf(stderr, "'%s':\n", text);
    for (size_t i = 0; i < res->n; i++)
        fprintf(stderr, "  %s (%s) [%u,%u)\n", vg_ruleset_rule_id(rs, res->findings[i].rule),
                vg_ruleset_rule_category_name(rs, res->findings[i].rule), res->findings[i].start,
                res->findings[i].end);
}

static void test_sentences(void **state)
{
    (void)state;
    vg_scan_result_t res;
    int bad = 0;
    for (size_t i = 0; i < VG_ARRAY_LEN(sentences); i++) {
        vg_catset_t got = scan_cats(sentences[i].text, &res);
        if (got != sentences[i].cats) {
            dump(sentences[i].text, &res);
            bad++;
        }
    }
    for (size_t i = 0; i < VG_ARRAY_LEN(innocent); i++) {
        if (scan_cats(innocent[i], &res) != 0) {
            dump(innocent[i], &res);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The personal data of a comment is reported where it is, in bytes. */
static void test_pii_offsets(void **state)
{
    (void)state;
    vg_scan_result_t res;
    const char *text = "Perché non mi rispondete? 😡 Scrivete a mario.rossi@example.com";
    scan_cats(text, &res);
    assert_int_equal(res.n, 1);
    const char *p = strstr(text, "mario.rossi@example.com");
    assert_int_equal(res.findings[0].start, p - text);
    assert_int_equal(res.findings[0].end, p - text + 23);
}

int main(void)
{
    vg_log_setup(VG_LOG_WARN, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),        cmocka_unit_test(test_categories_covered),
        cmocka_unit_test(test_headers),     cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_pii_offsets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
