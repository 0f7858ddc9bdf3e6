/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate, e-mail addresses: local@domain.tld as people write them in a
 * comment, RFC 5321/5322 "dot-atom" form.
 *
 *   local   1-128 bytes of letters, digits and ! # $ % & ' * + - / = ? ^ _ `
 *           { | } ~ and dots (not first, not last, not two in a row); or a
 *           quoted local part ("john smith"@example.com), of which the
 *           matcher may hand over only the end (it does not grow a span over
 *           spaces): anything that ends with '"' and holds no control byte
 *   domain  at least two labels of 1-63 letters, digits, '-' and '_' (not
 *           first or last), at most 253 bytes; or an IPv4 literal, bare or in
 *           brackets (mario@[192.0.2.1])
 *   tld     the last label: 2-24 ASCII letters, or an IDN "xn--" label
 *   total   at most 384 bytes
 *
 * The local part may be longer than RFC 5321's 64 bytes: an over-long
 * address in a comment is still someone's address, and deleting personal
 * data errs on the side of the person. Letters of other
 * scripts (UTF-8, RFC 6531 / IDNA) are accepted in the local part and the
 * labels; spaces, symbols, punctuation, fullwidth forms and invalid UTF-8
 * are not.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vaglio/validate.h"
#include "validate/validate_internal.h"

size_t vg_utf8_letter(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (n >= 2 && s[0] >= 0xC2 && s[0] <= 0xDF && (s[1] & 0xC0) == 0x80) {
        cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        len = 2;
    } else if (n >= 3 && s[0] >= 0xE0 && s[0] <= 0xEF && (s[1] & 0xC0) == 0x80 &&
               (s[2] & 0xC0) == 0x80) {
        cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        len = 3;
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    } else {
        return 0; /* 4-byte characters are emoji and historic scripts */
    }
    /* Latin letters (not the Latin-1 symbols, x and /), then Greek to
     * Ethiopic and Latin Extended Additional, then CJK, kana and Hangul */
    if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)
        return len;
    if (cp >= 0x370 && cp <= 0x1FFF)
        return len;
    if ((cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
        (cp >= 0xF900 && cp <= 0xFAFF))
        return len;
    return 0;
}

static bool is_atext(unsigned char c)
{
    return vg_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A quoted local part, or its end: a closing quote, no other quote unless
 * it opens the part or is escaped, no control byte. */
static bool quoted_local_ok(const unsigned char *s, size_t n)
{
    if (n == 0 || n > 130 || s[n - 1] != '"')
        return false;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < 0x20 || s[i] == 0x7F)
            return false;
        if (s[i] == '"' && i > 0 && s[i - 1] != '\\')
            return false;
    }
    return true;
}

static bool local_ok(const unsigned char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '"')
        return quoted_local_ok(s, n);
    if (n == 0 || n > 128 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n;) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
            i++;
        } else if (is_atext(s[i])) {
            i++;
        } else {
            size_t l = vg_utf8_letter(s + i, n - i);
            if (l == 0)
                return false;
            i += l;
        }
    }
    return true;
}

static bool tld_ok(const unsigned char *s, size_t n)
{
    if (n >= 5 && vg_lower(s[0]) == 'x' && vg_lower(s[1]) == 'n' && s[2] == '-' && s[3] == '-')
        return true; /* an IDN label, checked as a label */
    if (n < 2 || n > 24)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!vg_is_alpha(s[i]))
            return false;
    return true;
}

/* Four decimal numbers 0-255 separated by dots. */
static bool ipv4_ok(const unsigned char *s, size_t n)
{
    size_t parts = 0;
    size_t i = 0;

    while (i < n && parts < 4) {
        unsigned v = 0;
        size_t d = 0;
        while (i < n && vg_is_digit(s[i]) && d < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
            d++;
        }
        if (d == 0 || v > 255)
            return false;
        parts++;
        if (parts < 4) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    return parts == 4 && i == n;
}

static bool domain_ok(const unsigned char *s, size_t n)
{
    size_t labels = 0;
    size_t start = 0;

    if (n >= 9 && s[0] == '[' && s[n - 1] == ']')
        return ipv4_ok(s + 1, n - 2);
    if (n >= 7 && vg_is_digit(s[n - 1]))
        return ipv4_ok(s, n);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        /* label [start, i) */
        size_t l = i - start;
        const unsigned char *lab = s + start;
        if (l == 0 || l > 63 || lab[0] == '-' || lab[l - 1] == '-' || lab[0] == '_' ||
            lab[l - 1] == '_')
            return false;
        for (size_t k = 0; k < l;) {
            if (vg_is_alnum(lab[k]) || lab[k] == '-' || lab[k] == '_') {
                k++;
                continue;
            }
            size_t u = vg_utf8_letter(lab + k, l - k);
            if (u == 0)
                return false;
            k += u;
        }
        if (i == n && !tld_ok(lab, l))
            return false;
        labels++;
        start = i + 1;
    }
    return labels >= 2;
}

bool vg_validate_email(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    if (n < 6 || n > 384) /* a@b.cd */
        return false;
    /* the last '@': a quoted local part may hold one ("a\@b"@example.com),
     * a dot-atom one may not (local_ok refuses it) */
    size_t ln = n;
    while (ln > 0 && u[ln - 1] != '@')
        ln--;
    if (ln == 0)
        return false;
    ln--;
    return local_ok(u, ln) && domain_ok(u + ln + 1, n - ln - 1);
}
