/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pattern-file parser: every directive and entry form and
 * what it compiles to, every kind of error with its exact "file:line:
 * reason", directory loading (sorted, duplicate sections across files,
 * Hyperscan refusals mapped back to file:line, the "(and N more)" summary,
 * vg_ruleset_check listing everything) and the literal-factor analysis of
 * regexes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "match/match_internal.h"
#include "vaglio/log.h"
#include "vaglio/validate.h"

#define DATA VG_SOURCE_DIR "/tests/data/match"

static vg_pset_t ps;

static int setup(void **state)
{
    (void)state;
    vg_pset_init(&ps);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_pset_cleanup(&ps);
    return 0;
}

static size_t parse(const char *text)
{
    return vg_pset_parse_text(&ps, "t.txt", text, strlen(text));
}

/* Fails with the whole report unless @p line is one of the error lines. */
static void expect_error(const char *line)
{
    const char *p = ps.errors.data != NULL ? ps.errors.data : "";
    size_t n = strlen(line);
    for (const char *q = p; (q = strstr(q, line)) != NULL; q++) {
        if ((q == p || q[-1] == '\n') && q[n] == '\n')
            return;
    }
    fail_msg("expected error line:\n  %s\ngot:\n%s", line, p);
}

static const vg_rule_t *rule(const char *id)
{
    for (size_t i = 0; i < ps.nrules; i++)
        if (strcmp(ps.rules[i].id, id) == 0)
            return &ps.rules[i];
    fail_msg("no rule '%s'", id);
    abort(); /* not reached: fail_msg jumps out; tells the compiler there is no NULL */
}

/* ---- forms -------------------------------------------------------------- */

static void test_forms(void **state)
{
    (void)state;
    const char *text = "# Sources: written for the tests\n"    /* 1 */
                       "[insult.t]   # a section\n"            /* 2 */
                       "category: insult\n"                    /* 3 */
                       "score: 7\n"                            /* 4 */
                       "mode: prefix\n"                        /* 5 */
                       "locale: it\n"                          /* 6 */
                       "stronz\n"                              /* 7 */
                       "mode: word\n"                          /* 8 */
                       "merda score=9 id=m\n"                  /* 9 */
                       "stronz*\n"                             /* 10 */
                       "*merda\n"                              /* 11 */
                       "*merd*     # anywhere\n"               /* 12 */
                       "figlio di puttana\n"                   /* 13 */
                       "figlio di puttan*\n"                   /* 14 */
                       "@gruppi = immigrat* | rom | zingar*\n" /* 15 */
                       "odi* ~3 @gruppi\n"                     /* 16 */
                       "!cazzago\n"                            /* 17 */
                       "idiota exact\n"                        /* 18 */
                       "re: /https?:\\/\\/bit\\.ly\\/[a-z0-9#]+/ validate=none view=fold "
                       "id=short score=4 isolated # comment\n"     /* 19 */
                       "re: /[0-9]{16}/ expensive\n"               /* 20 */
                       "\n"                                        /* 21 */
                       "[vulgarity.t]\n"                           /* 22 */
                       "category: vulgarity.strong\n"              /* 23 */
                       "expensive: yes\n"                          /* 24 */
                       "re: /[0-9]{4}/ validate=luhn view=words\n" /* 25 */
                       "  culo  \n"                                /* 26 */
                       "@all = cul* | tette\n"                     /* 27 */
                       "@all\n"                                    /* 28 */
                       "l'odio ~1 cul*\n"                          /* 29 */
                       "[allow.t]\n"                               /* 30 */
                       "!a bastardo\n";                            /* 31 */
    assert_int_equal(parse(text), 0);
    assert_int_equal(ps.nsections, 3);
    assert_string_equal(ps.sections[0].name, "insult.t");
    assert_string_equal(ps.sections[0].source, "t.txt:2");
    assert_int_equal(ps.sections[0].category, VG_CAT_INSULT);
    assert_string_equal(ps.sections[1].category_name, "vulgarity.strong");
    assert_int_equal(ps.sections[1].category, VG_CAT_VULGARITY);
    assert_null(ps.sections[2].category_name);
    assert_int_equal(ps.sections[2].category, -1);
    assert_int_equal(ps.nrules, 17);

    const vg_rule_t *r = rule("insult.t:stronz");
    assert_int_equal(r->kind, VG_RULE_LITERAL);
    assert_int_equal(r->bounds, VG_BOUND_LEFT); /* mode: prefix */
    assert_int_equal(r->score, 7);
    assert_string_equal(r->expr, "stronz");
    assert_int_equal(r->width, 6);
    assert_string_equal(r->source, "t.txt:7");
    assert_int_equal(r->hs_flags, 0);

    r = rule("insult.t:m");
    assert_int_equal(r->bounds, VG_BOUND_BOTH);
    assert_int_equal(r->score, 9);
    assert_string_equal(r->source, "t.txt:9");

    r = rule("insult.t:stronz*");
    assert_int_equal(r->bounds, VG_BOUND_LEFT);
    assert_int_equal(r->score, 7);
    r = rule("insult.t:*merda");
    assert_int_equal(r->bounds, VG_BOUND_RIGHT);
    assert_string_equal(r->expr, "merda");
    r = rule("insult.t:*merd*");
    assert_int_equal(r->bounds, 0);
    assert_string_equal(r->expr, "merd");

    r = rule("insult.t:figlio di puttana");
    assert_int_equal(r->kind, VG_RULE_LITERAL);
    assert_int_equal(r->bounds, VG_BOUND_BOTH);
    assert_non_null(strstr(r->expr, "figlio\\x20di\\x20"));
    r = rule("insult.t:figlio di puttan*");
    assert_int_equal(r->kind, VG_RULE_LITERAL);
    assert_int_equal(r->bounds, VG_BOUND_LEFT);

    r = rule("insult.t:odi* ~3 @gruppi");
    assert_int_equal(r->kind, VG_RULE_PHRASE);
    assert_int_equal(r->bounds, VG_BOUND_BOTH);
    assert_null(r->expr);
    const vg_phrase_t *ph = r->phrase;
    assert_int_equal(ph->n, 3);
    assert_int_equal(ph->e[0].nitems, 1);
    assert_string_equal(ph->e[0].items[0].w[0].stem, "odi");
    assert_true(ph->e[0].items[0].w[0].rstar);
    assert_null(ph->e[1].items);
    assert_int_equal(ph->e[1].gap, 3);
    assert_int_equal(ph->e[2].nitems, 3);
    assert_string_equal(ph->e[2].items[0].w[0].stem, "imigrat");
    assert_true(ph->e[2].items[0].w[0].rstar);
    assert_string_equal(ph->e[2].items[1].w[0].stem, "rom");
    assert_false(ph->e[2].items[1].w[0].rstar);
    /* "odi" and the list's shortest literal, "rom", are as long: the word,
     * one literal, anchors rather than the list's three. */
    assert_int_equal(ph->anchor, 0);
    assert_false(r->expensive);

    r = rule("insult.t:!cazzago");
    assert_true(r->allow);
    assert_int_equal(r->kind, VG_RULE_LITERAL);
    r = rule("insult.t:idiota");
    assert_true(r->exact);

    r = rule("insult.t:short");
    assert_int_equal(r->kind, VG_RULE_REGEX);
    assert_string_equal(r->expr, "https?:\\/\\/bit\\.ly\\/[a-z0-9#]+");
    assert_int_equal(r->score, 4);
    assert_true(r->isolated);
    assert_int_equal(r->view, VG_VIEW_FOLD);
    assert_int_equal(r->validator, VG_VALIDATOR_NONE);
    assert_false(r->expensive);

    r = rule("insult.t:20");
    assert_true(r->expensive);
    assert_string_equal(r->source, "t.txt:20");

    r = rule("vulgarity.t:25");
    assert_int_equal(r->view, VG_VIEW_WORDS);
    assert_int_equal(r->validator, VG_VALIDATOR_LUHN);
    assert_true(r->expensive);
    assert_int_equal(r->score, 10); /* the default */
    r = rule("vulgarity.t:culo");
    assert_string_equal(r->source, "t.txt:26");
    r = rule("vulgarity.t:@all");
    assert_int_equal(r->kind, VG_RULE_PHRASE);
    assert_int_equal(r->phrase->n, 1);
    assert_int_equal(r->phrase->e[0].nitems, 2);
    assert_string_equal(r->phrase->e[0].items[1].w[0].stem, "tete");

    /* A word that normalizes to two ("l'odio") is two words of the phrase. */
    r = rule("vulgarity.t:l'odio ~1 cul*");
    assert_int_equal(r->phrase->e[0].items[0].n, 2);
    assert_string_equal(r->phrase->e[0].items[0].w[0].stem, "l");
    assert_string_equal(r->phrase->e[0].items[0].w[1].stem, "odio");
    assert_int_equal(r->phrase->e[0].items[0].anchor, 1);

    r = rule("allow.t:!a bastardo");
    assert_true(r->allow);
    assert_int_equal(r->section, 2);
}

static void test_utf8_and_crlf(void **state)
{
    (void)state;
    /* A BOM, CRLF line ends and UTF-8 words are fine. */
    assert_int_equal(parse("\xef\xbb\xbf[a]\r\ncategory: insult\r\nperché\r\n"), 0);
    assert_int_equal(ps.nrules, 1);
    assert_string_equal(ps.rules[0].source, "t.txt:3");
}

/* ---- errors ------------------------------------------------------------- */

static void test_err_directives(void **state)
{
    (void)state;
    parse("score: 5\n"           /* 1 */
          "word\n"               /* 2 */
          "[a]\n"                /* 3 */
          "category: insult\n"   /* 4 */
          "colour: red\n"        /* 5 */
          "score: ten\n"         /* 6 */
          "mode: fuzzy\n"        /* 7 */
          "category: threat\n"   /* 8 */
          "expensive: maybe\n"   /* 9 */
          "locale: Italiano\n"   /* 10 */
          "score:\n"             /* 11 */
          "[b]\n"                /* 12 */
          "category: rudeness\n" /* 13 */
          "[c]\n"                /* 14 */
          "idiota\n"             /* 15 */
          "cretino\n"            /* 16 */
          "[Bad]\n"              /* 17 */
          "ignored under a bad header\n"
          "[d] extra\n" /* 19 */
          "[a]\n");     /* 20 */
    expect_error("t.txt:1: 'score:' before any [section]");
    expect_error("t.txt:2: entry before any [section]");
    expect_error("t.txt:5: unknown directive 'colour:' (known: category, score, mode, locale, "
                 "expensive)");
    expect_error("t.txt:6: bad score 'ten': write a whole number from 0 to 100");
    expect_error("t.txt:7: bad mode 'fuzzy': write word, prefix, suffix or anywhere");
    expect_error("t.txt:8: section [a] already has a category");
    expect_error("t.txt:9: bad value 'maybe' for expensive: write yes or no");
    expect_error("t.txt:10: bad locale 'Italiano'");
    expect_error("t.txt:11: 'score:' needs a value");
    expect_error("t.txt:13: unknown category 'rudeness'");
    /* Reported once, at the header, however many entries follow. */
    expect_error("t.txt:14: section [c] has entries but no 'category:' line");
    expect_error("t.txt:17: bad section name 'Bad': use lower-case letters, digits, '.', '_' and "
                 "'-'");
    expect_error("t.txt:19: unexpected text after the section header");
    expect_error("t.txt:20: section [a] already defined at t.txt:3");
    assert_int_equal(ps.nerrors, 14);
}

static void test_err_entries(void **state)
{
    (void)state;
    parse("[a]\n"                 /* 1 */
          "category: insult\n"    /* 2 */
          "word score=200\n"      /* 3 */
          "word2 colour=red\n"    /* 4 */
          "word3 validate=luhn\n" /* 5 */
          "odio ~2 @nowhere\n"    /* 6 */
          "di\n"                  /* 7 */
          "~2 parola\n"           /* 8 */
          "parola ~2\n"           /* 9 */
          "ti ~0 ammazzo\n"       /* 10 */
          "ti ~9 ammazzo\n"       /* 11 */
          "ti ~2 ~2 ammazzo\n"    /* 12 */
          "st*ronzo\n"            /* 13 */
          "*\n"                   /* 14 */
          "ti ~2 ammazz* exact\n" /* 15 */
          "!cazzago score=3\n"    /* 16 */
          "word id=Bad\n"         /* 17 */
          "a ~2 b\n"              /* 18 */
          "word isolated\n"       /* 19 */
          "sono ~2 the\n");       /* 20 */
    expect_error("t.txt:3: bad score '200': write a whole number from 0 to 100");
    expect_error("t.txt:4: unknown option 'colour'");
    expect_error("t.txt:5: unknown option 'validate'");
    expect_error("t.txt:6: unknown list '@nowhere' (define it above in this file: '@nowhere = a "
                 "| b')");
    expect_error("t.txt:7: 'di' is shorter than 3 letters after normalization: it would match "
                 "everywhere; mark it 'expensive' if you really mean it");
    expect_error("t.txt:8: a gap '~2' must sit between two words");
    expect_error("t.txt:9: a gap '~2' must sit between two words");
    expect_error("t.txt:10: bad gap '~0': write ~1 to ~6 (up to that many words in between)");
    expect_error("t.txt:11: bad gap '~9': write ~1 to ~6 (up to that many words in between)");
    expect_error("t.txt:12: a gap '~2' must sit between two words");
    expect_error("t.txt:13: '*' may only start or end a word ('st*ronzo')");
    expect_error("t.txt:14: a '*' needs a word: write 'word*', '*word' or '*word*'");
    expect_error("t.txt:15: 'exact' is only for words and phrases without gaps, lists or inner "
                 "'*'");
    expect_error("t.txt:16: allow entries take no score or exact");
    expect_error("t.txt:17: bad id 'Bad': use lower-case letters, digits, '_', '-' and '.'");
    expect_error("t.txt:18: 'a ~2 b' has no word to anchor on (3 letters or more, and not as "
                 "common as 'sono' or 'the'): it would be slow; mark it 'expensive' if you really "
                 "mean it");
    expect_error("t.txt:20: 'sono ~2 the' has no word to anchor on (3 letters or more, and not as "
                 "common as 'sono' or 'the'): it would be slow; mark it 'expensive' if you really "
                 "mean it");
    expect_error("t.txt:19: option 'isolated' is not valid here");
    assert_int_equal(ps.nerrors, 18);
    assert_int_equal(ps.nrules, 0);
}

static void test_err_lists(void **state)
{
    (void)state;
    parse("[a]\n"                 /* 1 */
          "category: insult\n"    /* 2 */
          "odio ~2 @late\n"       /* 3: used before its definition */
          "@late = rom | sinti\n" /* 4 */
          "@late = other\n"       /* 5 */
          "@Bad = x\n"            /* 6 */
          "@g = abc || def\n"     /* 7 */
          "@h = abc ~2 def\n"     /* 8 */
          "@i = @late\n"          /* 9 */
          "@j abc\n"              /* 10 */
          "@late\n");             /* 11: fine: a list alone is an entry */
    expect_error("t.txt:3: unknown list '@late' (define it above in this file: '@late = a | b')");
    expect_error("t.txt:5: list '@late' already defined at line 4");
    expect_error("t.txt:6: bad list name '@Bad': use lower-case letters, digits, '_' and '-'");
    expect_error("t.txt:7: empty item in list '@g'");
    expect_error("t.txt:8: a gap '~2' cannot be used inside a list");
    expect_error("t.txt:9: a list '@late' cannot be used inside another list");
    expect_error("t.txt:10: unknown list '@j' (define it above in this file: '@j = a | b')");
    assert_int_equal(ps.nerrors, 7);
    assert_int_equal(ps.nrules, 1);
}

static void test_lists_are_file_local(void **state)
{
    (void)state;
    static const char one[] = "[a]\ncategory: insult\n@g = rom\nodio ~1 @g\n";
    static const char two[] = "[b]\ncategory: insult\nodio ~1 @g\n";
    assert_int_equal(vg_pset_parse_text(&ps, "one.txt", one, sizeof(one) - 1), 0);
    vg_pset_parse_text(&ps, "two.txt", two, sizeof(two) - 1);
    expect_error("two.txt:3: unknown list '@g' (define it above in this file: '@g = a | b')");
}

static void test_err_regex(void **state)
{
    (void)state;
    parse("[a]\n"                          /* 1 */
          "category: pii.card\n"           /* 2 */
          "re: /[0-9]{16}/\n"              /* 3 */
          "re: /abc[0-9]+/ validate=crc\n" /* 4 */
          "re: /abc[0-9]+\n"               /* 5 */
          "re: /Mario[0-9]+/\n"            /* 6 */
          "re: /abc[0-9]+/i\n"             /* 7 */
          "re: abc\n"                      /* 8 */
          "re: //\n"                       /* 9 */
          "re: /abc/ view=html\n"          /* 10 */
          "re: /abc/ exact\n"              /* 11 */
          "re: /\\d{3}\\x41abc/ id=ok\n"); /* 12: \x41 and \d are not upper-case */
    expect_error("t.txt:3: the regex has no literal of 3 bytes that every match contains: it "
                 "would be slow; give it one, or mark it 'expensive' and confirm it with a "
                 "validator");
    expect_error("t.txt:4: unknown validator 'crc' (known: none, luhn, iban, fiscal_code, "
                 "vat_it, phone_it, email)");
    expect_error("t.txt:5: the regex has no closing '/' (write '\\/' for a slash inside it)");
    expect_error("t.txt:6: the regex has the upper-case letter 'M': regexes see lower-case text");
    expect_error("t.txt:7: unexpected 'i' after the closing '/': regex flags are not supported "
                 "(the text is already lower-case); write options after a space");
    expect_error("t.txt:8: a regex is written 're: /regex/ options'");
    expect_error("t.txt:9: empty regex");
    expect_error("t.txt:10: bad view 'html': write view=fold or view=words");
    expect_error("t.txt:11: option 'exact' is not valid here");
    assert_int_equal(ps.nerrors, 9);
    assert_int_equal(ps.nrules, 1);
    assert_string_equal(ps.rules[0].id, "a:ok");
}

static void test_err_lines(void **state)
{
    (void)state;
    char *big = malloc(VG_MATCH_MAX_LINE + 100);
    memset(big, 'a', VG_MATCH_MAX_LINE + 30);
    memcpy(big, "[a]\ncategory: insult\n", 21);
    strcpy(big + VG_MATCH_MAX_LINE + 30, "\nokay\n");
    parse(big);
    free(big);
    expect_error("t.txt:3: line too long (more than 4096 bytes)");
    static const char u[] = "[b]\ncategory: insult\nbad\xff\xfeword\nca\xc3\n";
    static const char v[] = "[c]\ncategory: insult\nnul\0byte\n";
    vg_pset_parse_text(&ps, "u.txt", u, sizeof(u) - 1);
    expect_error("u.txt:3: invalid UTF-8 (pattern files are UTF-8)");
    expect_error("u.txt:4: invalid UTF-8 (pattern files are UTF-8)");
    vg_pset_parse_text(&ps, "v.txt", v, sizeof(v) - 1);
    expect_error("v.txt:3: NUL byte in line");
}

static void test_err_duplicate_rule(void **state)
{
    (void)state;
    parse("[a]\ncategory: insult\nstronz*\nidiota\nstronz*\nalpha id=same\nbeta id=same\n");
    vg_pset_check_duplicates(&ps);
    expect_error("t.txt:5: duplicate rule 'a:stronz*' (first at t.txt:3)");
    expect_error("t.txt:7: duplicate rule 'a:same' (first at t.txt:6)");
    assert_int_equal(ps.nerrors, 2);
}

static void test_err_empty_after_normalization(void **state)
{
    (void)state;
    parse("[a]\ncategory: insult\n... ,,,\nodio ~1 ---\n");
    expect_error("t.txt:3: entry '... ,,,' is empty after normalization");
    expect_error("t.txt:4: the word '---' is empty after normalization");
}

/* ---- directories -------------------------------------------------------- */

static void test_dir_duplicate_section(void **state)
{
    (void)state;
    char line[512];
    assert_int_equal(vg_pset_parse_dir(&ps, DATA "/dup/"), 1);
    snprintf(line, sizeof(line), "%s/dup/b.txt:1: section [same] already defined at %s/dup/a.txt:1",
             DATA, DATA);
    expect_error(line);
}

static void test_dir_hyperscan_refusal(void **state)
{
    (void)state;
    vg_buf_t report;
    char line[512];
    vg_buf_init(&report, 0);
    assert_int_equal(vg_ruleset_check(DATA "/hsbad", &report), -VG_EPATTERN);
    vg_pset_cleanup(&ps);
    vg_pset_init(&ps);
    vg_buf_append(&ps.errors, report.data, report.len);
    snprintf(line, sizeof(line), "%s/hsbad/x.txt:4: Hyperscan refuses 'pii.bad:backref': ", DATA);
    assert_non_null(strstr(report.data, line));
    snprintf(line, sizeof(line),
             "%s/hsbad/x.txt:5: Hyperscan refuses 'pii.bad:lookbehind': ", DATA);
    assert_non_null(strstr(report.data, line));
    assert_null(strstr(report.data, "x.txt:6"));

    /* Load says the first and how many more. */
    vg_err_t err;
    vg_err_clear(&err);
    assert_null(vg_ruleset_load(DATA "/hsbad", &err));
    assert_int_equal(err.code, VG_EPATTERN);
    snprintf(line, sizeof(line), "%s/hsbad/x.txt:4: Hyperscan refuses", DATA);
    assert_memory_equal(err.msg, line, strlen(line));
    assert_non_null(strstr(err.msg, " (and 1 more)"));
    vg_buf_cleanup(&report);
}

static void test_dir_check_lists_all(void **state)
{
    (void)state;
    vg_buf_t report;
    char line[512];
    vg_buf_init(&report, 0);
    assert_int_equal(vg_ruleset_check(DATA "/errors", &report), -VG_EPATTERN);
    vg_buf_append(&ps.errors, report.data, report.len);
    snprintf(line, sizeof(line), "%s/errors/one.txt:4: unknown directive 'colour:'", DATA);
    assert_non_null(strstr(report.data, line));
    snprintf(line, sizeof(line), "%s/errors/one.txt:5: bad score '1000'", DATA);
    assert_non_null(strstr(report.data, line));
    snprintf(line, sizeof(line), "%s/errors/one.txt:6: unknown list '@nowhere'", DATA);
    assert_non_null(strstr(report.data, line));
    snprintf(line, sizeof(line), "%s/errors/one.txt:7: the regex has no literal", DATA);
    assert_non_null(strstr(report.data, line));
    snprintf(line, sizeof(line),
             "%s/errors/two.txt:1: section [broken] already defined at %s/errors/one.txt:2", DATA,
             DATA);
    assert_non_null(strstr(report.data, line));
    /* One line per error, in file order. */
    size_t lines = 0;
    for (const char *p = report.data; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 5);

    vg_err_t err;
    assert_null(vg_ruleset_load(DATA "/errors", &err));
    snprintf(line, sizeof(line),
             "%s/errors/one.txt:4: unknown directive 'colour:' (known: category, score, mode, "
             "locale, expensive) (and 4 more)",
             DATA);
    assert_string_equal(err.msg, line);
    vg_buf_cleanup(&report);
}

static void test_dir_missing_and_empty(void **state)
{
    (void)state;
    vg_err_t err;
    assert_null(vg_ruleset_load(DATA "/no-such-dir", &err));
    assert_non_null(strstr(err.msg, "/no-such-dir: cannot open directory: "));
    /* A directory without pattern files: basic's parent has only folders
     * with files, so use an empty temporary directory. */
    char tmpl[] = "/tmp/vg-match-empty-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    assert_null(vg_ruleset_load(tmpl, &err));
    char line[256];
    snprintf(line, sizeof(line), "%s: no rules found (pattern files are *.txt)", tmpl);
    assert_string_equal(err.msg, line);
    rmdir(tmpl);
}

/* ---- literal analysis --------------------------------------------------- */

static void test_regex_literal(void **state)
{
    (void)state;
    static const struct {
        const char *re;
        bool has;
    } cases[] = {
        {"abc", true},
        {"ab", false},
        {"a.bc", false},
        {"[0-9]{16}", false},
        {"https?:", true}, /* "http" */
        {"ht?tp", false},
        {"(?:https?:\\/\\/)?(?:bit\\.ly|tinyurl\\.com)\\/\\w+", true},
        {"(?:bit\\.ly|t\\.co)\\/", true}, /* every branch has one */
        {"(?:bit\\.ly|t\\.)\\/", false},  /* "t." has two bytes */
        {"(?:abc)?def", true},
        {"(?:abc)?de", false},
        {"(?:abc)+", true},
        {"(?:abc){0,2}", false},
        {"ab(?:c)", false}, /* conservative: no run across groups */
        {"\\+39", true},
        {"\\+3\\d", false},
        {"a{3}", false}, /* repeated: conservative */
        {"abc{1}", true},
        {"abc{0,1}", false},
        {"(?i)abc", true},
        {"(?=abc)x", false},
        {"(?<!abc)x", false},
        {"(?#comment)abc", true},
        {"abc|de", false},
        {"abc|def", true},
        {"città", true},
        {"ci[tà]", false},
        {"[abc]def", true},
        {"[]abc]", false},
        {"abc)", false},
        {"(abc", false},
        {"x\\Babc", true},
        {"p\\.iva", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool has = vg_regex_has_literal(cases[i].re, strlen(cases[i].re), 3);
        if (has != cases[i].has)
            fail_msg("regex '%s': expected %s", cases[i].re, cases[i].has ? "literal" : "none");
    }
}

/* The gates a regex needs: only what every match must contain. */
static void test_regex_gates(void **state)
{
    (void)state;
    static const struct {
        const char *re;
        unsigned gates;
    } cases[] = {
        {"[a-z0-9._%+-]@[a-z0-9-]+\\.[a-z]{2,}", VG_GATE_AT},
        {"[a-z]{2}[0-9]{2}(?: ?[a-z0-9]{4}){2,7}", VG_GATE_LLDD},
        {"[0-9]{2}[abc][0-9]{2}", VG_GATE_DDL},
        {"0[0-9]{1,3}[ .-]?[0-9]{5,8}", VG_GATE_D5},
        {"[0-9]{2}[0-9]?[0-9]{3}", VG_GATE_D5},
        {"[0-9]{1,3}(?:\\/?[a-z])?[ ,-]{1,3}[0-9]{5}", VG_GATE_D5},
        {"[a-z][a-z]?[0-9]{2}", 0},       /* one letter for sure */
        {"[a-z]{2} ?[0-9]{2}", 0},        /* the space may come between */
        {"[0-9]{4} ?[0-9]", 0},           /* four digits in a row at most */
        {"[0-9]{2}[a-z]?", 0},            /* the letter is optional */
        {"(?:[0-9]{5}|abc)", 0},          /* inside a group: not analysed */
        {"[0-9]{5}|abc", 0},              /* an alternative at the top */
        {"\\d{5}", 0},                    /* \d is not analysed */
        {"(?i)[a-z]{2}[0-9]{2}", 0},      /* flags change the atoms */
        {"[^a-z]{5}", 0},                 /* not digits only */
        {"[\\x30-\\x39]{5}", VG_GATE_D5}, /* digits written as bytes */
        {"x@?y", 0},
        {"a\\@b", VG_GATE_AT},
        {"[0-9]{2}[a-z][0-9]{3}@", VG_GATE_AT | VG_GATE_DDL},
        {"[a-z]{6}[lmnpqrstuv]{2}[abcdehlmprst][a-z]{7}", VG_GATE_L16},
        {"[a-z]{10}[a-z]?[a-z]{6}", VG_GATE_L16}, /* adjacent whether or not it is there */
        {"[a-z]{15}", 0},
        {"[a-z]{8} ?[a-z]{8}", 0},
        {"[a-z]{8}[a-z0-9][a-z]{8}", 0}, /* not letters only */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned g = vg_regex_gates(cases[i].re, strlen(cases[i].re));
        if (g != cases[i].gates)
            fail_msg("regex '%s': gates %u, expected %u", cases[i].re, g, cases[i].gates);
    }
}

/* The scanner's byte pass finds the same gates in text. */
static void test_fold_gates(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned gates;
    } cases[] = {
        {"nessun numero qui, niente chiocciola neanche in un testo lungo", 0},
        {"scrivi a mario@example.org", VG_GATE_AT},
        {"cap 20100 milano", VG_GATE_D5},
        {"2024 e 1234", 0},
        {"it60x0542811101000000123456", VG_GATE_LLDD | VG_GATE_D5 | VG_GATE_DDL},
        {"codice rssmra85t10a562s", VG_GATE_LLDD | VG_GATE_DDL},
        {"a 12b", VG_GATE_DDL},
        {"x1 y2 z3 ab1 12", 0},
        {"................................................ab12", VG_GATE_LLDD},
        {"................................................12345", VG_GATE_D5},
        {"precipitevolissimevolmente", VG_GATE_L16},
        {"quindicilettere e ancora quindicilettere", 0},
        {"codice bnzvcnpnsmlertpx", VG_GATE_L16},
        {"abcdefghijklmno\xc3\xa0"
         "pqrstuvwxyzabcd",
         0}, /* an accented letter is not a-z */
    };
    unsigned all = VG_GATE_AT | VG_GATE_LLDD | VG_GATE_D5 | VG_GATE_DDL | VG_GATE_L16;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const unsigned char *t = (const unsigned char *)cases[i].text;
        unsigned g = vg_match_fold_gates(t, strlen(cases[i].text), all);
        if (g != cases[i].gates)
            fail_msg("text '%s': gates %u, expected %u", cases[i].text, g, cases[i].gates);
        assert_int_equal(vg_match_fold_gates(t, strlen(cases[i].text), VG_GATE_AT),
                         cases[i].gates & VG_GATE_AT);
    }
    /* A run of 15, 16 or 17 letters at every offset across the 16-byte
     * blocks of the byte pass, with a digit or a space around it. */
    char buf[96];
    for (size_t run = 15; run <= 17; run++) {
        for (size_t at = 0; at < 48; at++) {
            for (size_t tail = 0; tail < 20; tail += 7) {
                memset(buf, ' ', sizeof(buf));
                for (size_t k = 0; k < at; k++)
                    buf[k] = k % 2 ? '.' : '9';
                memset(buf + at, 'q', run);
                size_t n = at + run + tail;
                unsigned g = vg_match_fold_gates((const unsigned char *)buf, n, VG_GATE_L16);
                if (g != (run >= 16 ? VG_GATE_L16 : 0u))
                    fail_msg("%zu letters at %zu of %zu bytes: gates %u", run, at, n, g);
            }
        }
    }
}

int main(void)
{
    vg_log_setup(VG_LOG_WARN, false);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_and_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_directives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_are_file_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_regex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_duplicate_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_empty_after_normalization, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_duplicate_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_hyperscan_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_check_lists_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_missing_and_empty, setup, teardown),
        cmocka_unit_test(test_regex_literal),
        cmocka_unit_test(test_regex_gates),
        cmocka_unit_test(test_fold_gates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
