/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize: the step between the adapter and the matcher. It turns a
 * message into one scan buffer with two regions, in a single pass, with
 * bounded memory and no allocation per character:
 *
 *   [ FOLD region ] '\n' [ WORDS region ]
 *
 * FOLD: the text with Unicode compatibility folding (fullwidth forms,
 * mathematical alphanumerics, enclosed/circled letters, ligatures),
 * confusable letters of other scripts folded to Latin (UTS #39 data), case
 * folded, accents removed, zero-width and bidi controls dropped, every kind
 * of Unicode space turned into ' ', invalid UTF-8 turned into ' '. Digits and
 * punctuation are kept, so personal data (emails, phone numbers, IBANs,
 * fiscal codes) and links are matched here.
 *
 * WORDS: FOLD further reduced for words: leetspeak inside words mapped to
 * letters (`str0nz0`, `c@zzo`, `$tronzo`), letters spelled out with
 * separators joined (`s.t.r.o.n.z.o`, `s t r o n z o`), every run of a
 * repeated letter collapsed to one letter (`stronzooooo` -> `stronzo`,
 * `cazzo` -> `cazo`) with the run length kept per byte, and every run of
 * non-word characters turned into a single ' '. Lexicon patterns are
 * collapsed the same way at compile time and the matcher checks run lengths
 * (a pattern's single letter must not match a text's double one: `ano` is not
 * `anno`).
 *
 * Every byte of the buffer maps back to the byte range of the original text
 * it came from, so findings are reported as byte offsets of the original
 * message: start inclusive, end exclusive.
 *
 * A vg_norm_t is reused for every message of a worker; it is not
 * thread-safe (one per worker).
 */
#ifndef VAGLIO_NORMALIZE_H
#define VAGLIO_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vg_norm vg_norm_t;

/**
 * Returns a new normalizer for texts of up to @p max_input bytes (caller
 * frees). All its buffers are allocated here, sized for the worst case.
 */
vg_norm_t *vg_norm_new(size_t max_input);

/** Frees a normalizer. NULL is a no-op. */
void vg_norm_free(vg_norm_t *n);

/**
 * Normalizes @p text. A text longer than max_input is cut at the last UTF-8
 * character boundary within max_input bytes and 1 is returned; otherwise 0.
 * Never fails; any byte sequence is accepted.
 */
int vg_norm_run(vg_norm_t *n, const char *text, size_t len);

/** The scan buffer of the last run (borrowed, valid until the next run). */
const char *vg_norm_buffer(const vg_norm_t *n, size_t *len);

/**
 * The regions of the buffer: FOLD is [0, *fold_end), WORDS is
 * [*words_start, len). buffer[fold_end] is '\n'.
 */
void vg_norm_regions(const vg_norm_t *n, size_t *fold_end, size_t *words_start);

/**
 * Maps the buffer range [@p s, @p e) (s < e, both in one region) to the byte
 * range [*os, *oe) of the original text: from the start of the character
 * that produced byte s to the end of the character that produced byte e-1.
 */
void vg_norm_map(const vg_norm_t *n, size_t s, size_t e, size_t *os, size_t *oe);

/**
 * How many times the letter at buffer position @p pos was repeated in the
 * text before the WORDS collapse (1..255, saturating). 1 in the FOLD region.
 */
unsigned vg_norm_repeat(const vg_norm_t *n, size_t pos);

/** True if @p c is a word byte of the WORDS region: [a-z0-9] or any byte >= 0x80. */
static inline bool vg_norm_is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/**
 * Folds one string the way the FOLD region does, then the way the WORDS
 * region does, into @p out (NUL-terminated, truncated to @p cap - 1). The
 * pattern compiler uses it so that a lexicon entry and a message are reduced
 * alike; @p runs (may be NULL, @p cap entries) receives the run lengths.
 * Returns the length written.
 */
size_t vg_norm_word(const char *s, size_t len, char *out, uint8_t *runs, size_t cap);

#endif /* VAGLIO_NORMALIZE_H */
