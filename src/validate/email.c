/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate, e-mail addresses: local@domain.tld as people write them in a
 * comment, RFC 5321/5322 "dot-atom" form.
 *
 *   local   1-64 bytes of letters, digits and ! # $ % & ' * + - / = ? ^ _ `
 *           { | } ~ and dots (not first, not last, not two in a row)
 *   domain  at least two labels of 1-63 letters, digits and '-' (not first
 *           or last), at most 253 bytes
 *   tld     the last label: 2-24 ASCII letters, or an IDN "xn--" label
 *   total   at most 254 bytes
 *
 * Letters of other scripts (UTF-8, RFC 6531 / IDNA) are accepted in the
 * local part and the labels; spaces, symbols, punctuation, fullwidth forms
 * and invalid UTF-8 are not. Quoted local parts ("john smith"@example.com)
 * are not supported: nobody writes them in a comment.
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

static bool local_ok(const unsigned char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
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

static bool domain_ok(const unsigned char *s, size_t n)
{
    size_t labels = 0;
    size_t start = 0;

    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        /* label [start, i) */
        size_t l = i - start;
        const unsigned char *lab = s + start;
        if (l == 0 || l > 63 || lab[0] == '-' || lab[l - 1] == '-')
            return false;
        for (size_t k = 0; k < l;) {
            if (vg_is_alnum(lab[k]) || lab[k] == '-') {
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

    if (n < 6 || n > 254) /* a@b.cd */
        return false;
    const unsigned char *at = memchr(u, '@', n);
    if (at == NULL || memchr(at + 1, '@', n - (size_t)(at - u) - 1) != NULL)
        return false;
    size_t ln = (size_t)(at - u);
    return local_ok(u, ln) && domain_ok(at + 1, n - ln - 1);
}
