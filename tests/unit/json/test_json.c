/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json reader: what it accepts and refuses (with the reason and offset), the
 * values it reads, its limits, and a differential run against jansson, the
 * reader the adapter used before: 100,000 random documents, most of them
 * mutated (truncated, bytes flipped, inserted or removed), must be accepted
 * or refused by both, and read to the same values when accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "vaglio/json.h"
#include "vaglio/util.h"
#include "json/json_same.h"

static vg_json_doc_t *parse(const char *s, vg_json_error_t *why, size_t *pos)
{
    return vg_json_parse(s, strlen(s), why, pos);
}

static void refused(const char *s, vg_json_error_t want, size_t want_pos)
{
    vg_json_error_t why;
    size_t pos;
    vg_json_doc_t *doc = parse(s, &why, &pos);
    if (doc != NULL || why != want || pos != want_pos)
        fail_msg("%s: got %s at %zu, want %s at %zu", s, doc ? "accepted" : vg_json_strerror(why),
                 pos, vg_json_strerror(want), want_pos);
}

static void accepted(const char *s)
{
    vg_json_error_t why;
    size_t pos;
    vg_json_doc_t *doc = parse(s, &why, &pos);
    if (doc == NULL)
        fail_msg("%s: refused, %s at %zu", s, vg_json_strerror(why), pos);
    vg_json_free(doc);
}

static void test_syntax(void **state)
{
    (void)state;
    accepted("{}");
    accepted(" [ ] ");
    accepted("\t\r\n{\"a\" : [1, -0, 2.5e-3, true, false, null, \"x\"]}\n");
    refused("", VG_JSON_ESYNTAX, 0);
    refused("   ", VG_JSON_ESYNTAX, 3);
    refused("\"top\"", VG_JSON_ESYNTAX, 0); /* an object or an array at the top */
    refused("1", VG_JSON_ESYNTAX, 0);
    refused("{\"a\":1,}", VG_JSON_ESYNTAX, 7);
    refused("[1,]", VG_JSON_ESYNTAX, 3);
    refused("[01]", VG_JSON_ESYNTAX, 2);
    refused("[1.]", VG_JSON_ESYNTAX, 3);
    refused("[.5]", VG_JSON_ESYNTAX, 1);
    refused("[-]", VG_JSON_ESYNTAX, 2);
    refused("[1e]", VG_JSON_ESYNTAX, 3);
    refused("[+1]", VG_JSON_ESYNTAX, 1);
    refused("[tru]", VG_JSON_ESYNTAX, 1);
    refused("[nul", VG_JSON_ETRUNCATED, 4);
    refused("[truex]", VG_JSON_ESYNTAX, 5);
    refused("{a:1}", VG_JSON_ESYNTAX, 1);
    refused("{\"a\" 1}", VG_JSON_ESYNTAX, 5);
    refused("['a']", VG_JSON_ESYNTAX, 1);
    refused("[\"a\tb\"]", VG_JSON_ESYNTAX, 3); /* a raw control character */
    refused("[\"\\x\"]", VG_JSON_ESYNTAX, 4);
    refused("[\"\\u12g4\"]", VG_JSON_ESYNTAX, 4);
    refused("[1] [2]", VG_JSON_ETRAILING, 4);
    refused("{} x", VG_JSON_ETRAILING, 3);
    refused("{\"a\":[1,2", VG_JSON_ETRUNCATED, 9);
    refused("{\"a\":\"bc", VG_JSON_ETRUNCATED, 8);
    refused("{\"a\"", VG_JSON_ETRUNCATED, 4);
    refused("[\"\\u00", VG_JSON_ETRUNCATED, 4);
    refused("[\"\\", VG_JSON_ETRUNCATED, 3);
    refused("[-", VG_JSON_ETRUNCATED, 2);
    /* A NUL byte of the input is not JSON anywhere. */
    vg_json_error_t why;
    size_t pos;
    assert_null(vg_json_parse("[\"a\0\"]", 6, &why, &pos));
    assert_int_equal(why, VG_JSON_ESYNTAX);
    assert_null(vg_json_parse("[1,\0]", 5, &why, &pos));
    assert_int_equal(why, VG_JSON_ESYNTAX);
}

static void test_utf8(void **state)
{
    (void)state;
    accepted("[\"caff\xC3\xA8 \xE2\x82\xAC \xF0\x9F\x98\x80\"]");
    refused("[\"\xC3\"]", VG_JSON_EUTF8, 2);             /* lead without continuation */
    refused("[\"\xC0\xAF\"]", VG_JSON_EUTF8, 2);         /* overlong '/' */
    refused("[\"\xE0\x80\xAF\"]", VG_JSON_EUTF8, 2);     /* overlong */
    refused("[\"\xED\xA0\x80\"]", VG_JSON_EUTF8, 2);     /* a surrogate, encoded */
    refused("[\"\xF4\x90\x80\x80\"]", VG_JSON_EUTF8, 2); /* past U+10FFFF */
    refused("[\"\x80\"]", VG_JSON_EUTF8, 2);             /* a stray continuation */
    refused("[\"\xFF\"]", VG_JSON_EUTF8, 2);
    refused("[\"\xE2\x82", VG_JSON_ETRUNCATED, 4);
    refused("[\"\\ud83d\"]", VG_JSON_EUTF8, 8);         /* a high surrogate alone */
    refused("[\"\\ud83d\\u0041\"]", VG_JSON_EUTF8, 14); /* ... followed by no low one */
    refused("[\"\\ude00\"]", VG_JSON_EUTF8, 8);         /* a low surrogate alone */
    refused("[\"\\ud83d", VG_JSON_ETRUNCATED, 8);
    refused("\xEF\xBB\xBF[]", VG_JSON_ESYNTAX, 0); /* a byte order mark */
}

static void test_strings(void **state)
{
    (void)state;
    const char *in = "{\"k\\u00e8y\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e8\\u20ac\\ud83d\\ude00"
                     "\\u0000z\",\"long\":\"0123456789abcdef0123456789abcdef\\n0123456789\"}";
    vg_json_doc_t *doc = parse(in, NULL, NULL);
    assert_non_null(doc);
    const vg_json_t *root = vg_json_root(doc);
    size_t n;
    const char *s = vg_json_string(vg_json_get(root, "k\xC3\xA8y"), &n);
    static const char want[] = "a\"b\\c/d\b\f\n\r\t\xC3\xA8\xE2\x82\xAC\xF0\x9F\x98\x80\0z";
    assert_non_null(s);
    assert_int_equal(n, sizeof(want) - 1);
    assert_memory_equal(s, want, n);
    assert_int_equal(s[n], '\0');
    s = vg_json_string(vg_json_get(root, "long"), &n);
    assert_string_equal(s, "0123456789abcdef0123456789abcdef\n0123456789");
    assert_null(vg_json_get(root, "key"));
    assert_false(vg_json_string_is(vg_json_get(root, "long"), "0123456789abcdef"));
    vg_json_free(doc);
    /* A NUL in a key is refused (a value may hold one). */
    refused("{\"a\\u0000b\":1}", VG_JSON_ESYNTAX, 11);
}

static void test_numbers(void **state)
{
    (void)state;
    vg_json_doc_t *doc =
        parse("[9223372036854775807,-9223372036854775808,-0,0,12,1.5,1e2,-1E-2,1e-400,"
              "100000000000000000000.0]",
              NULL, NULL);
    assert_non_null(doc);
    const vg_json_t *root = vg_json_root(doc);
    const vg_json_t *e = vg_json_first(root);
    int64_t x;
    assert_true(vg_json_integer(e, &x));
    assert_true(x == INT64_MAX);
    e = vg_json_next(root, e);
    assert_true(vg_json_integer(e, &x));
    assert_true(x == INT64_MIN);
    e = vg_json_next(root, e);
    assert_true(vg_json_integer(e, &x) && x == 0);
    e = vg_json_next(root, e);
    assert_true(vg_json_integer(e, &x) && x == 0);
    e = vg_json_next(root, e);
    assert_true(vg_json_integer(e, &x) && x == 12);
    for (int k = 0; k < 5; k++) {
        e = vg_json_next(root, e);
        assert_int_equal(vg_json_type(e), VG_JSON_REAL);
        assert_false(vg_json_integer(e, &x));
    }
    assert_null(vg_json_next(root, e));
    vg_json_free(doc);
    refused("[9223372036854775808]", VG_JSON_ERANGE, 20);
    refused("[-9223372036854775809]", VG_JSON_ERANGE, 21);
    refused("[99999999999999999999999]", VG_JSON_ERANGE, 24);
    refused("[1e309]", VG_JSON_ERANGE, 6);
    refused("[-2e308]", VG_JSON_ERANGE, 7);
    /* Long reals too. */
    char big[512];
    snprintf(big, sizeof(big), "[1%0198d.5e200]", 0); /* 1e198 * 1e200 */
    refused(big, VG_JSON_ERANGE, 206);
    snprintf(big, sizeof(big), "[0.%0197d5e200]", 0); /* 5e-198 * 1e200 */
    accepted(big);
    snprintf(big, sizeof(big), "[9%0198d.5e100]", 0); /* 9e198 * 1e100 */
    accepted(big);
    /* 200 digits either side of the largest double, 1.7976931348623157e308 */
    snprintf(big, sizeof(big), "[1797693134862316%0184d.5e109]", 0);
    refused(big, VG_JSON_ERANGE, 207);
    snprintf(big, sizeof(big), "[1797693134862315%0184d.5e109]", 0);
    accepted(big);
}

static void test_duplicates(void **state)
{
    (void)state;
    refused("{\"object\":\"page\",\"object\":\"page\",\"entry\":[]}", VG_JSON_EDUPKEY, 25);
    refused("{\"a\":1,\"\\u0061\":2}", VG_JSON_EDUPKEY, 15); /* equal once decoded */
    accepted("{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}");
    /* Large objects: keys sorted once at the end; the first repeat in reading order. */
    char buf[2048];
    size_t o = 0;
    buf[o++] = '{';
    for (int k = 0; k < 40; k++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s\"k%02d\":%d", k ? "," : "", k, k);
    memcpy(buf + o, "}", 2);
    accepted(buf);
    vg_json_doc_t *doc = parse(buf, NULL, NULL);
    int64_t x;
    assert_true(vg_json_integer(vg_json_get(vg_json_root(doc), "k39"), &x) && x == 39);
    assert_int_equal(vg_json_size(vg_json_root(doc)), 40);
    vg_json_free(doc);
    memcpy(buf + o, ",\"k33\":0,\"k05\":1}", 18); /* k33 ends at o + 6 */
    refused(buf, VG_JSON_EDUPKEY, o + 6);
}

static void test_limits(void **state)
{
    (void)state;
    char deep[2 * VG_JSON_MAX_DEPTH + 8];
    /* VG_JSON_MAX_DEPTH containers nest; one more does not. */
    memset(deep, '[', VG_JSON_MAX_DEPTH);
    memset(deep + VG_JSON_MAX_DEPTH, ']', VG_JSON_MAX_DEPTH);
    deep[2 * VG_JSON_MAX_DEPTH] = '\0';
    accepted(deep);
    memset(deep, '[', VG_JSON_MAX_DEPTH + 1);
    memset(deep + VG_JSON_MAX_DEPTH + 1, ']', VG_JSON_MAX_DEPTH + 1);
    deep[2 * VG_JSON_MAX_DEPTH + 2] = '\0';
    refused(deep, VG_JSON_EDEPTH, VG_JSON_MAX_DEPTH);

    /* The root and VG_JSON_MAX_VALUES - 1 elements fit; one more does not. */
    size_t n = (size_t)VG_JSON_MAX_VALUES;
    char *big = vg_xmalloc(2 * n + 2);
    big[0] = '[';
    for (size_t k = 0; k < n - 1; k++) {
        big[1 + 2 * k] = '0';
        big[2 + 2 * k] = ',';
    }
    big[2 * (n - 1)] = ']';
    vg_json_error_t why;
    size_t pos;
    vg_json_doc_t *doc = vg_json_parse(big, 2 * (n - 1) + 1, &why, &pos);
    assert_non_null(doc);
    assert_int_equal(vg_json_size(vg_json_root(doc)), n - 1);
    vg_json_free(doc);
    big[2 * (n - 1)] = ',';
    big[2 * n - 1] = '0';
    big[2 * n] = ']';
    assert_null(vg_json_parse(big, 2 * n + 1, &why, &pos));
    assert_int_equal(why, VG_JSON_ELIMIT);
    free(big);
}

static void test_access(void **state)
{
    (void)state;
    vg_json_doc_t *doc = parse("{\"s\":\"x\",\"o\":{\"i\":7},\"a\":[],\"n\":null}", NULL, NULL);
    const vg_json_t *r = vg_json_root(doc);
    /* Every accessor takes NULL (an absent member). */
    assert_null(vg_json_get(vg_json_get(r, "missing"), "i"));
    assert_true(vg_json_is_null(NULL));
    assert_true(vg_json_is_null(vg_json_get(r, "n")));
    assert_false(vg_json_is_null(vg_json_get(r, "s")));
    assert_null(vg_json_string(NULL, NULL));
    assert_null(vg_json_string(vg_json_get(r, "o"), NULL));
    assert_int_equal(vg_json_size(vg_json_get(r, "s")), 0);
    assert_null(vg_json_first(vg_json_get(r, "a")));
    assert_null(vg_json_first(vg_json_get(r, "s")));
    int64_t x;
    assert_true(vg_json_integer(vg_json_get(vg_json_get(r, "o"), "i"), &x) && x == 7);
    assert_false(vg_json_integer(vg_json_get(r, "s"), &x));
    /* Object iteration goes key by key. */
    const char *keys[4];
    int k = 0;
    for (const vg_json_t *e = vg_json_first(r); e != NULL; e = vg_json_next(r, e))
        keys[k++] = vg_json_string(e, NULL);
    assert_int_equal(k, 4);
    assert_string_equal(keys[0], "s");
    assert_string_equal(keys[3], "n");
    vg_json_free(doc);
}

/* ---- differential: jansson ------------------------------------------------ */

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

typedef struct out {
    char *b;
    size_t n;
    size_t cap;
} out_t;

static void put(out_t *o, const char *s)
{
    size_t n = strlen(s);
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->b = vg_xrealloc(o->b, o->cap);
    }
    memcpy(o->b + o->n, s, n + 1);
    o->n += n;
}

static void ws(out_t *o)
{
    static const char *const w[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
    put(o, w[rng() % VG_ARRAY_LEN(w)]);
}

static void gen_string(out_t *o, bool key)
{
    static const char *const frag[] = {"a",
                                       "obj",
                                       "ct",
                                       "\\\"",
                                       "\\\\",
                                       "\\/",
                                       "\\b",
                                       "\\n",
                                       "\\t",
                                       "\\u00e8",
                                       "\\ud83d\\ude00",
                                       "\\u20AC",
                                       "\xC3\xA8",
                                       "\xF0\x9F\x98\x80",
                                       "\\u0000",
                                       "0123456789abcdef0123",
                                       " ",
                                       "\xE2\x82\xAC"};
    put(o, "\"");
    size_t nf = rng() % (key ? 3 : 6);
    for (size_t k = 0; k < nf; k++)
        put(o, frag[rng() % VG_ARRAY_LEN(frag)]);
    put(o, "\"");
}

static void gen_value(out_t *o, int depth)
{
    char num[64];
    unsigned r = (unsigned)(rng() % (depth >= 6 ? 6 : 9));
    switch (r) {
    case 0:
    case 1:
        gen_string(o, false);
        break;
    case 2: {
        static const char *const edge[] = {"9223372036854775807", "-9223372036854775808", "-0",
                                           "0"};
        if (rng() % 4 == 0)
            put(o, edge[rng() % VG_ARRAY_LEN(edge)]);
        else {
            snprintf(num, sizeof(num), "%lld", (long long)(int64_t)rng() >> (rng() % 63));
            put(o, num);
        }
        break;
    }
    case 3: {
        static const char *const reals[] = {"1.5", "-0.25", "2e10", "1E-5", "6.02e+23", "0.0"};
        put(o, reals[rng() % VG_ARRAY_LEN(reals)]);
        break;
    }
    case 4:
        put(o, (const char *[]){"true", "false", "null"}[rng() % 3]);
        break;
    case 5:
        gen_string(o, false);
        break;
    case 6:
    case 7: {
        put(o, "[");
        size_t n = rng() % 5;
        for (size_t k = 0; k < n; k++) {
            ws(o);
            gen_value(o, depth + 1);
            ws(o);
            if (k + 1 < n)
                put(o, ",");
        }
        put(o, "]");
        break;
    }
    default: {
        put(o, "{");
        size_t n = rng() % 8 == 0 ? 17 + rng() % 10 : rng() % 5;
        for (size_t k = 0; k < n; k++) {
            ws(o);
            gen_string(o, true);
            ws(o);
            put(o, ":");
            ws(o);
            gen_value(o, depth + 1);
            if (k + 1 < n)
                put(o, ",");
        }
        put(o, "}");
        break;
    }
    }
}

static void mutate(out_t *o)
{
    static const char ins[] = "{}[]\",:\\0123456789-+.eEtrufalsn \x80\xC3\xED\x00";
    size_t at = o->n > 0 ? (size_t)(rng() % o->n) : 0;
    switch (rng() % 4) {
    case 0: /* truncate */
        o->n = at;
        break;
    case 1: /* replace one byte */
        if (o->n > 0)
            o->b[at] = ins[rng() % (sizeof(ins) - 1)];
        break;
    case 2: /* insert one byte */
        put(o, " ");
        memmove(o->b + at + 1, o->b + at, o->n - at - 1);
        o->b[at] = ins[rng() % (sizeof(ins) - 1)];
        break;
    default: /* remove one byte */
        if (o->n > 0) {
            memmove(o->b + at, o->b + at + 1, o->n - at - 1);
            o->n--;
        }
        break;
    }
}

/* The document, printable: bytes outside ASCII's printable range as \xHH. */
static const char *shown(const out_t *o, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < o->n && k + 5 < cap; i++) {
        unsigned char c = (unsigned char)o->b[i];
        if (c >= 0x20 && c < 0x7f)
            buf[k++] = (char)c;
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02X", c);
    }
    buf[k] = '\0';
    return buf;
}

static void test_differential(void **state)
{
    (void)state;
    out_t o = {0};
    size_t both_ok = 0, both_bad = 0, nul_quirk = 0;
    for (int it = 0; it < 100000; it++) {
        o.n = 0;
        put(&o, "");
        ws(&o);
        bool obj = rng() % 2;
        put(&o, obj ? "{\"entry\":" : "[");
        gen_value(&o, 0);
        put(&o, obj ? "}" : "]");
        ws(&o);
        size_t muts = rng() % 3;
        for (size_t m = 0; m < muts; m++)
            mutate(&o);

        json_error_t je;
        json_t *j = json_loadb(o.b, o.n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
        vg_json_error_t why;
        size_t pos;
        vg_json_doc_t *doc = vg_json_parse(o.b, o.n, &why, &pos);
        char show[4096];
        /* jansson lets a raw NUL byte follow a token ("[4\0]", "[true\0]");
         * RFC 8259 does not, and neither does vaglio. */
        if (j != NULL && doc == NULL && memchr(o.b, '\0', o.n) != NULL) {
            json_decref(j);
            j = NULL;
            nul_quirk++;
        }
        if ((j != NULL) != (doc != NULL))
            fail_msg("iteration %d: jansson %s (%s), vaglio %s (%s at %zu): %s", it,
                     j ? "accepts" : "refuses", j ? "" : je.text, doc ? "accepts" : "refuses",
                     doc ? "" : vg_json_strerror(why), pos, shown(&o, show, sizeof(show)));
        if (doc != NULL) {
            if (!json_same(vg_json_root(doc), j))
                fail_msg("iteration %d: values differ: %s", it, shown(&o, show, sizeof(show)));
            both_ok++;
        } else {
            both_bad++;
        }
        json_decref(j);
        vg_json_free(doc);
    }
    free(o.b);
    print_message("differential: %zu accepted and %zu refused by both (%zu with a raw NUL "
                  "after a token, which only jansson accepts)\n",
                  both_ok, both_bad, nul_quirk);
    assert_true(both_ok > 10000 && both_bad > 10000); /* both sides exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax),     cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_strings),    cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_duplicates), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_access),     cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
