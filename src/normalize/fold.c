/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize, FOLD pass: the first of the normalizer's two linear passes. It
 * decodes the message's UTF-8 and writes the FOLD region: ASCII through one
 * table (lower case, controls to ' '), every other code point through the
 * generated folding table (confusables_table.h: compatibility folding,
 * confusables, case folding, accents, dropped and space characters). For
 * every byte it writes it records the byte range of the source character,
 * which is how findings are reported in offsets of the original text.
 */
#include "normalize/normalize_internal.h"

#include <stdbool.h>
#include <string.h>
#ifdef VG_NORM_SSE2
#include <emmintrin.h>
#endif

#include "normalize/confusables_table.h"

/* ASCII folding: upper case to lower case, C0 controls and DEL to ' '. */
static const unsigned char ascii_fold[128] = {
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
    0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x20,
};

int vg_fold_lookup(uint32_t cp, const unsigned char **out, unsigned *outlen)
{
    size_t lo;
    size_t hi;

    /* The page index narrows the search to the few entries of one 128
     * code point page; beyond the pages, search the tail of the table. */
    if ((cp >> VG_FOLD_PAGE_BITS) < VG_FOLD_PAGES) {
        lo = fold_page[cp >> VG_FOLD_PAGE_BITS];
        hi = fold_page[(cp >> VG_FOLD_PAGE_BITS) + 1];
    } else {
        lo = fold_page[VG_FOLD_PAGES];
        hi = VG_FOLD_ENTRIES - 1;
    }
    /* the last entry starting at or before cp */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if ((fold_table[mid].key >> 8) <= cp)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = fold_table[lo].out;
    *outlen = fold_table[lo].key & 0x0Fu;
    return (int)((fold_table[lo].key >> 4) & 0x0Fu);
}

/* The WORDS class of a non-ASCII character FOLD copies or writes. */
static uint8_t nonascii_class(uint32_t cp, bool word)
{
    if (cp == 0x20AC)
        return VG_WC_EURO;
    if (cp == 0x00B7 || cp == 0x2022) /* middle dot, bullet */
        return VG_WC_SEPJ;
    return word ? VG_WC_WORD : VG_WC_SEP;
}

/*
 * A combining mark is dropped, but it belongs to the character before it:
 * widen that character's source range so that a finding ending there covers
 * the whole grapheme ("perche" + U+0301 maps back with its accent).
 */
static void extend_previous(vg_norm_t *n, size_t o, uint32_t end)
{
    if (o == 0)
        return;
    uint32_t start = n->os[o - 1];
    for (size_t k = o; k > 0 && n->os[k - 1] == start; k--)
        n->oe[k - 1] = end;
}

#ifdef VG_NORM_SSE2
/*
 * Folds ASCII sixteen bytes at a time from t[i] to out[o] (o <= i), with the
 * source map of each byte (os = its offset, oe = one past it), for as long
 * as whole blocks of ASCII last. A block holding a byte >= 0x80 is folded
 * and stored whole too, but only its ASCII prefix is kept: the bytes after
 * it are overwritten by what follows (all stores stay below len, as o <= i).
 * Sets *pi and *po past what was kept.
 */
static void fold_ascii_blocks(vg_norm_t *n, const unsigned char *t, size_t len, size_t *pi,
                              size_t *po)
{
    size_t i = *pi;
    size_t o = *po;
    const __m128i upper_lo = _mm_set1_epi8('A' - 1);
    const __m128i upper_hi = _mm_set1_epi8('Z' + 1);
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i del = _mm_set1_epi8(0x7F);
    const __m128i step = _mm_set1_epi32(4);
    const __m128i one = _mm_set1_epi32(1);

    while (i + 16 <= len) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        unsigned high = (unsigned)_mm_movemask_epi8(x);
        /* bytes >= 0x80 compare as negative: neither upper case nor control */
        __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, upper_lo), _mm_cmplt_epi8(x, upper_hi));
        __m128i ctl =
            _mm_andnot_si128(_mm_cmplt_epi8(x, _mm_setzero_si128()), _mm_cmplt_epi8(x, case_bit));
        ctl = _mm_or_si128(ctl, _mm_cmpeq_epi8(x, del));
        x = _mm_or_si128(x, _mm_and_si128(upper, case_bit));
        x = _mm_or_si128(_mm_andnot_si128(ctl, x), _mm_and_si128(ctl, case_bit));
        _mm_storeu_si128((__m128i *)(void *)(n->buf + o), x);
        __m128i s = _mm_add_epi32(_mm_set1_epi32((int)(uint32_t)i), _mm_setr_epi32(0, 1, 2, 3));
        for (unsigned k = 0; k < 4; k++) {
            _mm_storeu_si128((__m128i *)(void *)(n->os + o + 4 * k), s);
            _mm_storeu_si128((__m128i *)(void *)(n->oe + o + 4 * k), _mm_add_epi32(s, one));
            s = _mm_add_epi32(s, step);
        }
        if (high != 0) {
            unsigned k = (unsigned)__builtin_ctz(high);
            i += k;
            o += k;
            break;
        }
        i += 16;
        o += 16;
    }
    *pi = i;
    *po = o;
}
#endif

size_t vg_norm_fold_pass(vg_norm_t *n, const unsigned char *t, size_t len)
{
    char *out = n->buf;
    uint32_t *os = n->os;
    uint32_t *oe = n->oe;
    uint8_t *cls = n->cls;
    size_t i = 0;
    size_t o = 0;

    while (i < len) {
#ifdef VG_NORM_SSE2
        if (!n->scalar) {
            fold_ascii_blocks(n, t, len, &i, &o);
            if (i >= len)
                break;
        }
#endif
        /* ASCII fast path: find the run (8 bytes at a time), then one table
         * load and three stores per byte in a loop without exits, which the
         * compiler can unroll and vectorise */
        size_t j = i;
        while (j + 8 <= len) {
            uint64_t w8;
            memcpy(&w8, t + j, 8);
            if (w8 & UINT64_C(0x8080808080808080))
                break;
            j += 8;
        }
        while (j < len && t[j] < 0x80)
            j++;
        for (size_t k = i; k < j; k++) {
            out[o + (k - i)] = (char)ascii_fold[t[k]];
            os[o + (k - i)] = (uint32_t)k;
            oe[o + (k - i)] = (uint32_t)k + 1;
        }
        o += j - i;
        i = j;
        if (i >= len)
            break;

        uint32_t cp;
        unsigned l = vg_utf8_decode(t + i, len - i, &cp);
        if (l == 0) {
            /* invalid UTF-8: one ' ' for this byte, resynchronise on the next */
            out[o] = ' ';
            os[o] = (uint32_t)i;
            oe[o] = (uint32_t)i + 1;
            o++;
            i++;
            continue;
        }
        uint32_t s = (uint32_t)i;
        uint32_t e = (uint32_t)(i + l);
        const unsigned char *rep;
        unsigned rl;
        int kind = vg_fold_lookup(cp, &rep, &rl);
        switch (kind) {
        case VG_FOLD_DROP:
            break;
        case VG_FOLD_MARK:
            extend_previous(n, o, e);
            break;
        case VG_FOLD_SPACE:
            out[o] = ' ';
            os[o] = s;
            oe[o] = e;
            o++;
            break;
        case VG_FOLD_MAP_SEP:
        case VG_FOLD_MAP_WORD:
            /* the generator guarantees rl <= l: FOLD never outgrows the text;
             * an ASCII replacement is classified later by its bytes */
            for (unsigned k = 0; k < rl; k++) {
                out[o] = (char)rep[k];
                os[o] = s;
                oe[o] = e;
                if (rep[k] >= 0x80)
                    cls[o] = (rep[k] >= 0xC0) ? (kind == VG_FOLD_MAP_WORD ? VG_WC_WORD : VG_WC_SEP)
                                              : VG_WC_CONT;
                o++;
            }
            break;
        default: /* VG_FOLD_WORD, VG_FOLD_SEP: copy the character */
            cls[o] = nonascii_class(cp, kind == VG_FOLD_WORD);
            for (unsigned k = 0; k < l; k++) {
                out[o] = (char)t[i + k];
                os[o] = s;
                oe[o] = e;
                if (k > 0)
                    cls[o] = VG_WC_CONT;
                o++;
            }
            break;
        }
        i += l;
    }
    return o;
}
