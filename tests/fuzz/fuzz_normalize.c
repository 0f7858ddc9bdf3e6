/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the normalizer: any byte string goes through vg_norm_run
 * (with a large and a small max_input, so truncation is exercised too) and
 * vg_norm_word, and the run's invariants must hold: regions laid out as
 * documented, valid UTF-8, WORDS made of word characters and single spaces,
 * every byte mapping to a range inside the text with non-decreasing starts,
 * run lengths >= 1. A broken invariant aborts, which libFuzzer reports.
 * Seeds: tests/data/normalize/seeds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "normalize/normalize_internal.h"
#include "vaglio/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const vg_norm_t *n)
{
    const char *why = vg_norm_check_invariants(n);
    if (why != NULL) {
        fprintf(stderr, "normalize invariant broken: %s\n", why);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_norm_t *big;
    static vg_norm_t *small;
    static char word[256];
    static uint8_t runs[256];

    if (big == NULL) {
        big = vg_norm_new(64 * 1024);
        small = vg_norm_new(31);
    }
    if (size > 64 * 1024)
        return 0;
    const char *text = (const char *)data;

    if (vg_norm_run(big, text, size) != 0)
        abort();
    check(big);

    size_t len, fe, ws, os, oe;
    vg_norm_buffer(big, &len);
    vg_norm_regions(big, &fe, &ws);
    if (fe > 0) {
        vg_norm_map(big, 0, fe, &os, &oe);
        if (os > oe || oe > size)
            abort();
    }
    if (len > ws) {
        vg_norm_map(big, ws, len, &os, &oe);
        if (os > oe || oe > size)
            abort();
    }

    if (vg_norm_run(small, text, size) != (size > 31 ? 1 : 0))
        abort();
    check(small);

    size_t wl = vg_norm_word(text, size, word, runs, sizeof(word));
    if (wl >= sizeof(word) || word[wl] != '\0')
        abort();
    for (size_t k = 0; k < wl; k++)
        if (runs[k] == 0)
            abort();
    return 0;
}
