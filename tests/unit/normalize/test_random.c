/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Randomised test of the normalizer (the fuzz target's invariants, run in CI
 * without clang): 200,000 strings from a fixed seed, built from random bytes
 * and from fragments that reach every path (leet symbols, separators,
 * folded and dropped characters, invalid UTF-8, NUL). After every run the
 * invariants hold (vg_norm_check_invariants: region layout, valid UTF-8,
 * WORDS made of word characters and single spaces, every byte mapping to a
 * range inside the text with non-decreasing starts, run lengths >= 1), a
 * text longer than max_input is cut and reported, and FOLD is idempotent.
 * The SSE2 paths give the same result as the scalar code, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "normalize/normalize_internal.h"
#include "vaglio/normalize.h"

#define ITERATIONS    200000
#define MAX_FRAGMENTS 48
#define SMALL_MAX     17

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static const char *const fragments[] = {
    "a",        "e",  "o",  "s",    "z",        "Z",        "Q",    "0",      "1",
    "3",        "4",  "7",  "9",    "@",        "$",        "!",    "|",      " ",
    " ",        ".",  "-",  "_",    "*",        "+",        ",",    "/",      "~",
    "  ",       "\n", "€",  "·",    "•",        "é",        "É",    "ß",      "ﬃ",
    "𝐬",        "ｓ", "ⓢ",  "①",    "а",        "Д",        "ο",    "\u0301", "\u200B",
    "\u202E",   "😀",  "中", "\xC3", "\xE2\x82", "\xF0\x9F", "\x80", "\xFF",   "\xED\xA0\x80",
    "\xC0\xAF",
};

/* Appends @p f to buf[*n, cap); false if it does not fit. */
static bool append(char *buf, size_t *n, size_t cap, const char *f)
{
    size_t l = strlen(f);
    if (*n + l > cap)
        return false;
    memcpy(buf + *n, f, l);
    *n += l;
    return true;
}

/* Fills buf with a random text; returns its length. */
static size_t random_text(char *buf, size_t cap)
{
    size_t n = 0;
    size_t frags = rng() % (MAX_FRAGMENTS + 1);
    for (size_t k = 0; k < frags; k++) {
        uint64_t r = rng();
        if (r % 5 == 0) {
            if (n + 1 > cap)
                break;
            buf[n++] = (char)(r >> 8); /* any byte, NUL included */
            continue;
        }
        if (!append(buf, &n, cap, fragments[(r >> 8) % (sizeof(fragments) / sizeof(fragments[0]))]))
            break;
    }
    return n;
}

static void check(const vg_norm_t *n, const char *text, size_t len)
{
    const char *why = vg_norm_check_invariants(n);
    if (why != NULL) {
        fprintf(stderr, "text (%zu bytes):", len);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", (unsigned char)text[i]);
        fprintf(stderr, "\n");
        fail_msg("invariant broken: %s", why);
    }
}

/* Words and separators of plain text, for the SSE2 paths: short and long
 * words, repeated letters, runs longer than 16 and 64 bytes, the one-letter
 * words that may start a spelled-out run. */
static const char *const plain_fragments[] = {
    "ciao",
    "Grazie",
    "sportello",
    "parcheggio",
    "informazioni",
    "precipitevolissimevolmente",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "zzzzzzzzzzzzzzzzzz",
    "ooook",
    "the",
    "a",
    "i",
    "e",
    "s",
    " ",
    " ",
    " ",
    "  ",
    ", ",
    ". ",
    "-",
    "?",
    "'",
    "\t",
    "!",
    "@",
    "$",
    "|",
    "3",
    "2024",
    "😀",
    "«",
    "·",
    "é",
    "ｓ",
    "\u200B",
};

/* Fills buf with mostly plain text; returns its length. */
static size_t random_plain_text(char *buf, size_t cap)
{
    size_t n = 0;
    size_t frags = rng() % (4 * MAX_FRAGMENTS + 1);
    for (size_t k = 0; k < frags; k++) {
        uint64_t r = rng();
        size_t nf = sizeof(plain_fragments) / sizeof(plain_fragments[0]);
        /* the plain ones (the first 23) four times as often */
        size_t i = (r >> 8) % (r % 5 == 0 ? nf : 23);
        if (!append(buf, &n, cap, plain_fragments[i]))
            break;
    }
    return n;
}

/*
 * The SSE2 paths and the scalar code must give the same result, byte for
 * byte: the buffer, its regions, every source map entry and run length,
 * and the classes FOLD stored for its non-ASCII characters.
 */
static void same_as_scalar(vg_norm_t *fast, vg_norm_t *ref, const char *text, size_t len)
{
    int rf = vg_norm_run(fast, text, len);
    int rr = vg_norm_run(ref, text, len);
    assert_int_equal(rf, rr);
    assert_int_equal(fast->len, ref->len);
    assert_int_equal(fast->fold_end, ref->fold_end);
    assert_int_equal(fast->text_len, ref->text_len);
    assert_memory_equal(fast->buf, ref->buf, ref->len + 1);
    assert_memory_equal(fast->os, ref->os, ref->len * sizeof(*ref->os));
    assert_memory_equal(fast->oe, ref->oe, ref->len * sizeof(*ref->oe));
    assert_memory_equal(fast->rep, ref->rep, ref->len - ref->fold_end - 1);
    for (size_t p = 0; p < ref->fold_end; p++)
        if ((unsigned char)ref->buf[p] >= 0x80)
            assert_int_equal(fast->cls[p], ref->cls[p]);
}

static void test_simd_matches_scalar(void **state)
{
    (void)state;
    vg_norm_t *fast = vg_norm_new(2048);
    vg_norm_t *ref = vg_norm_new(2048);
    vg_norm_t *fast_small = vg_norm_new(SMALL_MAX);
    vg_norm_t *ref_small = vg_norm_new(SMALL_MAX);
    char text[2048];

    ref->scalar = true;
    ref_small->scalar = true;
    for (unsigned it = 0; it < ITERATIONS / 4; it++) {
        size_t len =
            it % 2 == 0 ? random_plain_text(text, sizeof(text)) : random_text(text, sizeof(text));
        same_as_scalar(fast, ref, text, len);
        same_as_scalar(fast_small, ref_small, text, len);
    }
    vg_norm_free(ref_small);
    vg_norm_free(fast_small);
    vg_norm_free(ref);
    vg_norm_free(fast);
}

static void test_random_invariants(void **state)
{
    (void)state;
    vg_norm_t *big = vg_norm_new(1024);
    vg_norm_t *small = vg_norm_new(SMALL_MAX);
    vg_norm_t *again = vg_norm_new(1024);
    char text[1024];
    char fold[1024];
    char word[1024];
    uint8_t runs[1024];

    for (unsigned it = 0; it < ITERATIONS; it++) {
        size_t len = random_text(text, sizeof(text));

        assert_int_equal(vg_norm_run(big, text, len), 0);
        check(big, text, len);

        /* whole-region maps stay inside the text */
        size_t blen, fe, ws, os, oe;
        const char *b = vg_norm_buffer(big, &blen);
        vg_norm_regions(big, &fe, &ws);
        if (fe > 0) {
            vg_norm_map(big, 0, fe, &os, &oe);
            assert_true(os <= oe && oe <= len);
        }
        if (blen > ws) {
            vg_norm_map(big, ws, blen, &os, &oe);
            assert_true(os <= oe && oe <= len);
            assert_true(vg_norm_repeat(big, blen - 1) >= 1);
        }

        /* a text longer than max_input is cut, and says so */
        int rc = vg_norm_run(small, text, len);
        assert_int_equal(rc, len > SMALL_MAX ? 1 : 0);
        check(small, text, len < SMALL_MAX ? len : SMALL_MAX);

        if (it % 8 == 0) {
            /* FOLD is idempotent: folding FOLD changes nothing */
            memcpy(fold, b, fe);
            assert_int_equal(vg_norm_run(again, fold, fe), 0);
            size_t alen, afe, aws;
            const char *a = vg_norm_buffer(again, &alen);
            vg_norm_regions(again, &afe, &aws);
            assert_int_equal(afe, fe);
            assert_memory_equal(a, fold, fe);
            /* and WORDS of FOLD is WORDS of the text */
            assert_int_equal(alen - aws, blen - ws);
            assert_memory_equal(a + aws, b + ws, blen - ws);

            size_t wl = vg_norm_word(text, len, word, runs, sizeof(word));
            assert_true(wl < sizeof(word));
            assert_int_equal(word[wl], '\0');
            for (size_t k = 0; k < wl; k++)
                assert_true(runs[k] >= 1);
        }
    }
    vg_norm_free(again);
    vg_norm_free(small);
    vg_norm_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_simd_matches_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
