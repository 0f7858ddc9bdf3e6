/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize internals: the normalizer's state, the per-code-point folding
 * lookup (a generated table, confusables_table.h) and the two passes, FOLD
 * (fold.c) and WORDS (words.c), that normalize.c runs one after the other.
 * Tests may include this header.
 */
#ifndef VG_NORMALIZE_INTERNAL_H
#define VG_NORMALIZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/util.h"

#include "vaglio/normalize.h"

/* What FOLD does with a code point >= 0x80 (the kinds of the generated table). */
enum {
    VG_FOLD_SEP = 0,      /* copy; a separator for WORDS */
    VG_FOLD_WORD = 1,     /* copy; a word character for WORDS */
    VG_FOLD_DROP = 2,     /* drop (zero-width, bidi, default-ignorable) */
    VG_FOLD_MARK = 3,     /* drop a combining mark; its bytes join the previous character */
    VG_FOLD_SPACE = 4,    /* write ' ' */
    VG_FOLD_MAP_SEP = 5,  /* write the replacement; a separator for WORDS */
    VG_FOLD_MAP_WORD = 6, /* write the replacement; a word character for WORDS */
};

/* One entry of the generated table: the range starting at key >> 8 runs up
 * to the next entry's start. */
struct fold_entry {
    uint32_t key; /* start code point << 8 | kind << 4 | replacement length */
    unsigned char out[4];
};

/*
 * Character classes of the FOLD bytes, as the WORDS pass sees them. ASCII
 * bytes are classified by a table; a non-ASCII character's class is stored
 * by the FOLD pass at its lead byte (cls[] below).
 */
enum {
    VG_WC_SEP = 0,  /* separator, not joinable */
    VG_WC_SEPJ,     /* separator that may sit between spelled-out letters */
    VG_WC_LETTER,   /* a-z */
    VG_WC_DIGIT,    /* 0-9 */
    VG_WC_WORD,     /* non-ASCII word character */
    VG_WC_AT,       /* '@' */
    VG_WC_DOLLAR,   /* '$' */
    VG_WC_EURO,     /* U+20AC */
    VG_WC_BANG,     /* '!' */
    VG_WC_PIPE,     /* '|' (also a joinable separator) */
    VG_WC_CONT = 15 /* continuation byte of a non-ASCII character */
};

/*
 * Extra entries past the end of buf, os, oe, rep and cls: the WORDS pass
 * reads and writes eight or sixteen bytes (or entries) at a time and may
 * run up to fifteen past the last one it needs.
 */
#define VG_NORM_SLACK 16

/*
 * The passes handle plain ASCII sixteen bytes at a time with SSE2 where the
 * compiler targets it (every x86-64); the scalar code beside them gives the
 * same result, byte for byte, and is what other targets run.
 */
#if defined(__SSE2__) && defined(__GNUC__)
#define VG_NORM_SSE2 1
#endif

struct vg_norm {
    size_t max_input;
    size_t cap;      /* bytes of buf and entries of os/oe: 2 * max_input + 2 (+ slack) */
    char *buf;       /* FOLD '\n' WORDS '\0' */
    uint32_t *os;    /* per buffer byte: start of its source in the text */
    uint32_t *oe;    /* per buffer byte: end of its source in the text */
    uint8_t *rep;    /* per WORDS byte (index pos - words_start): run length */
    uint8_t *cls;    /* per FOLD byte: VG_WC_* class of non-ASCII characters */
    size_t len;      /* bytes in buf (without the final NUL) */
    size_t fold_end; /* buf[fold_end] == '\n' */
    size_t text_len; /* bytes of the text normalized (after any cut) */
    uint64_t *plain; /* WORDS, SSE2: letter, separator, repeat masks of FOLD (words.c) */
    bool scalar;     /* tests: run the scalar code only, the reference for the SIMD */
};

/**
 * Looks up code point @p cp (>= 0x80) in the generated table. Returns the
 * VG_FOLD_* kind; for the MAP kinds sets *out / *outlen to the replacement.
 */
int vg_fold_lookup(uint32_t cp, const unsigned char **out, unsigned *outlen);

/** The FOLD pass: fills buf[0..), os, oe, cls from @p text; returns the length. */
size_t vg_norm_fold_pass(vg_norm_t *n, const unsigned char *text, size_t len);

/** The WORDS pass over FOLD [0, fold_len): writes from buf[dst); returns the end. */
size_t vg_norm_words_pass(vg_norm_t *n, size_t fold_len, size_t dst);

/**
 * Checks the invariants of the last run (for tests and fuzzers): regions
 * laid out as documented, FOLD valid UTF-8 without '\n', WORDS made of word
 * characters and single spaces only, every byte mapping to a non-empty range
 * inside the text with starts non-decreasing in each region, run lengths
 * >= 1. Returns NULL if all hold, else a static description of the first
 * broken one.
 */
const char *vg_norm_check_invariants(const vg_norm_t *n);

#endif /* VG_NORMALIZE_INTERNAL_H */
