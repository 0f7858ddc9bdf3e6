/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize: the step between the adapter and the matcher. It turns a
 * message into one scan buffer with two regions, in one linear pass per
 * region (FOLD over the text, WORDS over FOLD), with bounded memory and no
 * allocation per message:
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
 *   - One ' ' per byte of invalid UTF-8 (bad lead, truncated, overlong,
 *     surrogate, above U+10FFFF); C0/C1 controls are ' ' too, so FOLD never
 *     holds '\n' and is always valid UTF-8.
 *   - Combining accents (U+0300-036F and the other combining-mark blocks for
 *     Latin) are dropped and their bytes join the source range of the letter
 *     they sit on; default-ignorable characters (zero-width, bidi controls,
 *     soft hyphen, variation selectors, tags) are dropped.
 *   - Confusables are folded only for the scripts whose Latin lookalikes
 *     are spoofing rather than someone's language (Cyrillic, Greek,
 *     Armenian, Cherokee, IPA, Latin extensions, letterlike and enclosed
 *     forms...): not Arabic, Hebrew, the Indic scripts or CJK. A letter
 *     folds only to letters, never to a digit. The lookup is done on the
 *     code point as written, then on its lower case (Cyrillic "М" is "m").
 *   - Folding never makes the text longer (a character is replaced by at
 *     most as many bytes as it had: "ß" -> "ss", "ﬃ" -> "ffi") and is
 *     idempotent: FOLD of FOLD is FOLD.
 *   - Other characters (letters of other scripts, emoji, symbols) are
 *     copied, lower-cased where Unicode has a lower case.
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
 *   - Leetspeak applies inside a token (a run of [a-z0-9], non-ASCII word
 *     characters and @ $ U+20AC ! |) with at least 2 ASCII letters: a lone
 *     digit (not next to another digit) 0->o 1->i 3->e 4->a 5->s 7->t, so
 *     `anni90` and `c0gl10ne` keep their two-digit runs; `$`->s and U+20AC
 *     ->e next to a letter; `@`->a next to a letter but not at the start of
 *     a token (`@brand` is a mention); `!` and `|`->i before a letter and
 *     not after another `!`/`|` (`stronzo!` keeps its `!` as punctuation).
 *   - Spelled-out letters are joined when at least 3 single letters (4 if
 *     the separators are plain spaces, or 3 with two consonants, `g a y`,
 *     or a consonant and two vowels not ending in `a`/`i`, `d i e`; so
 *     that `e a i`, `A e B`, `r u a`, `C e i` stay lists), at least 2 of them real letters and not
 *     all vowels, are separated by one and the same separator string of 1-3
 *     characters out of  space . - _ * + , / | ~ U+00B7 U+2022. A joined
 *     letter maps back to its own source letter.
 *   - In a run spaced with plain spaces, a one-letter word at an edge is
 *     kept apart when the rest spells a word by itself: a leading `a` or
 *     `i` before a consonant that can start a word (`a c a n c e r` ->
 *     `a cancer`, `I h a t e` -> `i hate`, but `a s s h o l e`,
 *     `i m m i g r a t i` stay whole); a trailing `i`, `a`, `e` after an
 *     `o` and before a word (`O d i o i gay` -> `odio i gay`).
 *   - Only ASCII letters are collapsed; digits and other scripts are not.
 *   - Non-ASCII characters that are not letters, marks or digits (symbols,
 *     emoji, punctuation) are separators and never appear in WORDS.
 *   - Leading and trailing separator runs are kept: WORDS may begin or end
 *     with one ' '.
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

/** Largest max_input vg_norm_new accepts: offsets are kept in 32 bits. */
#define VG_NORM_INPUT_LIMIT ((size_t)1 << 30)

/**
 * Returns a new normalizer for texts of up to @p max_input bytes (caller
 * frees), or NULL if max_input exceeds VG_NORM_INPUT_LIMIT. All its buffers
 * are allocated here, sized for the worst case (about 20 bytes per byte of
 * max_input); vg_norm_run allocates nothing.
 */
vg_norm_t *vg_norm_new(size_t max_input);

/** Frees a normalizer. NULL is a no-op. */
void vg_norm_free(vg_norm_t *n);

/**
 * Normalizes @p text. A text longer than max_input is cut at the last UTF-8
 * character boundary within max_input bytes and 1 is returned; otherwise 0.
 * Never fails; any byte sequence is accepted (NUL bytes included; a NULL
 * @p text is the empty text). Linear time: two passes, FOLD then WORDS.
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
 * that produced byte s to the end of the character that produced byte e-1
 * (a collapsed letter was produced by its whole run, a WORDS ' ' by its
 * whole separator run). Ranges outside the contract are clamped, never read
 * out of bounds.
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
 * region does, into @p out (NUL-terminated, truncated to @p cap - 1, never
 * inside a UTF-8 character). The pattern compiler uses it so that a lexicon
 * entry and a message are reduced alike; @p runs (may be NULL, @p cap
 * entries) receives the run lengths. The leading and trailing ' ' of the
 * WORDS form are trimmed. Returns the length written (0 if @p cap is 0).
 * Allocates a temporary normalizer: for compile time, not the hot path.
 * Thread-safe.
 */
size_t vg_norm_word(const char *s, size_t len, char *out, uint8_t *runs, size_t cap);

#endif /* VAGLIO_NORMALIZE_H */
