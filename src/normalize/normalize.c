/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize: the step between the adapter and the matcher. It owns the scan
 * buffer and the offset map of one worker and runs the two passes over a
 * message: FOLD (fold.c) over the text, then WORDS (words.c) over FOLD:
 *
 *   text ──FOLD pass──▶ [ FOLD region ] '\n' ──WORDS pass──▶ [ WORDS region ]
 *
 * Everything is allocated by vg_norm_new for the largest text: no pass ever
 * writes more bytes than it reads (the folding table never replaces a
 * character by more bytes than it had, WORDS never outgrows FOLD), so the
 * buffer needs 2 * max_input + 2 bytes (FOLD, '\n', WORDS, a final NUL) and
 * vg_norm_run allocates nothing.
 */
#include "normalize/normalize_internal.h"

#include <stdlib.h>
#include <string.h>

#include "vaglio/util.h"

vg_norm_t *vg_norm_new(size_t max_input)
{
    if (max_input > VG_NORM_INPUT_LIMIT)
        return NULL;
    vg_norm_t *n = vg_xcalloc(1, sizeof(*n));
    n->max_input = max_input;
    n->cap = 2 * max_input + 2;
    /* zeroed, so that the WORDS pass's eight-byte reads past the text never
     * see uninitialised memory */
    n->buf = vg_xcalloc(n->cap + VG_NORM_SLACK, 1);
    n->os = vg_xcalloc(n->cap + VG_NORM_SLACK, sizeof(*n->os));
    n->oe = vg_xcalloc(n->cap + VG_NORM_SLACK, sizeof(*n->oe));
    n->rep = vg_xcalloc(max_input + 1 + VG_NORM_SLACK, 1);
    n->cls = vg_xcalloc(max_input + 1 + VG_NORM_SLACK, 1);
    /* three masks per 64 bytes of FOLD, and the zeros that end the last run */
    n->plain = vg_xcalloc(3 * (max_input / 64 + 2), sizeof(*n->plain));
    /* an empty result until the first run */
    n->buf[0] = '\n';
    n->buf[1] = '\0';
    n->os[0] = 0;
    n->oe[0] = 0;
    n->len = 1;
    return n;
}

void vg_norm_free(vg_norm_t *n)
{
    if (n == NULL)
        return;
    free(n->buf);
    free(n->os);
    free(n->oe);
    free(n->rep);
    free(n->cls);
    free(n->plain);
    free(n);
}

/*
 * Where to cut a text longer than max: at max, unless that splits a UTF-8
 * character, then before it. Backs up over at most 3 continuation bytes: a
 * longer run of them is invalid UTF-8 and is cut anywhere.
 */
static size_t cut_point(const unsigned char *t, size_t max)
{
    size_t c = max;
    for (unsigned back = 0; back < 3 && c > 0 && (t[c] & 0xC0) == 0x80; back++)
        c--;
    if ((t[c] & 0xC0) == 0x80)
        return max;
    return c;
}

int vg_norm_run(vg_norm_t *n, const char *text, size_t len)
{
    const unsigned char *t = (const unsigned char *)text;
    int rc = 0;

    if (t == NULL)
        len = 0;
    if (len > n->max_input) {
        len = cut_point(t, n->max_input);
        rc = 1;
    }
    n->text_len = len;

    size_t f = vg_norm_fold_pass(n, t, len);
    n->buf[f] = '\n';
    n->os[f] = (uint32_t)len;
    n->oe[f] = (uint32_t)len;
    n->fold_end = f;
    n->len = vg_norm_words_pass(n, f, f + 1);
    n->buf[n->len] = '\0';
    return rc;
}

const char *vg_norm_buffer(const vg_norm_t *n, size_t *len)
{
    *len = n->len;
    return n->buf;
}

void vg_norm_regions(const vg_norm_t *n, size_t *fold_end, size_t *words_start)
{
    *fold_end = n->fold_end;
    *words_start = n->fold_end + 1;
}

void vg_norm_map(const vg_norm_t *n, size_t s, size_t e, size_t *os, size_t *oe)
{
    /* out-of-contract ranges are clamped rather than read out of bounds */
    if (s >= n->len) {
        *os = n->text_len;
        *oe = n->text_len;
        return;
    }
    if (e > n->len)
        e = n->len;
    if (e <= s)
        e = s + 1;
    *os = n->os[s];
    *oe = n->oe[e - 1];
    if (*oe < *os)
        *oe = *os;
}

unsigned vg_norm_repeat(const vg_norm_t *n, size_t pos)
{
    if (pos <= n->fold_end || pos >= n->len)
        return 1;
    return n->rep[pos - n->fold_end - 1];
}

size_t vg_norm_word(const char *s, size_t len, char *out, uint8_t *runs, size_t cap)
{
    if (cap == 0)
        return 0;
    if (s == NULL)
        len = 0;
    vg_norm_t *n = vg_norm_new(len);
    if (n == NULL) {
        out[0] = '\0';
        return 0;
    }
    vg_norm_run(n, s, len);

    /* the WORDS region without its leading and trailing separator */
    size_t b = n->fold_end + 1;
    size_t e = n->len;
    while (b < e && n->buf[b] == ' ')
        b++;
    while (e > b && n->buf[e - 1] == ' ')
        e--;
    size_t w = e - b;
    if (w > cap - 1) {
        w = cap - 1;
        /* never cut a UTF-8 character in two */
        while (w > 0 && ((unsigned char)n->buf[b + w] & 0xC0) == 0x80)
            w--;
    }
    memcpy(out, n->buf + b, w);
    out[w] = '\0';
    if (runs != NULL)
        for (size_t k = 0; k < w; k++)
            runs[k] = n->rep[b + k - n->fold_end - 1];
    vg_norm_free(n);
    return w;
}
