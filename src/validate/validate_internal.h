/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate internals: ASCII character helpers shared by the validators
 * (locale-independent, unlike <ctype.h>) and the UTF-8 letter test of the
 * e-mail validator. Tests may include this header.
 */
#ifndef VG_VALIDATE_INTERNAL_H
#define VG_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool vg_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool vg_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool vg_is_alnum(unsigned char c)
{
    return vg_is_digit(c) || vg_is_alpha(c);
}

/** ASCII lower case; other bytes unchanged. */
static inline int vg_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/** The length and structure of IBANs of country @p cc (two letters, any
 * case): returns the BBAN format ("4a6n8n": counts of a = letters, n =
 * digits, c = letters or digits) and sets *len to the IBAN length, or
 * returns NULL for a country without IBANs. */
const char *vg_iban_format(const char *cc, size_t *len);

/**
 * If a UTF-8 sequence of a letter of a non-Latin-1-symbol range starts at
 * @p s (n bytes available), returns its length; else 0. Used to accept
 * internationalised e-mail addresses (RFC 6531) without accepting spaces,
 * punctuation, symbols or invalid UTF-8.
 */
size_t vg_utf8_letter(const unsigned char *s, size_t n);

#endif /* VG_VALIDATE_INTERNAL_H */
