/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate, Italian phone numbers: the national numbering plan, optionally
 * with the country code. Accepted:
 *
 *   prefix   none, +39, 0039, (+39), (0039), then an optional separator
 *   mobile   3 then a digit 1-9, 9 or 10 digits in all (3xx xxxxxxx)
 *   landline 0 then a digit 1-9, 6 to 11 digits in all (the 0 stays after
 *            +39: +39 06 1234567)
 *   freephone 80x, 6 to 10 digits in all (800 123456, 803 123)
 *
 * Digits may be grouped with single separators ' ', '-', '.', '/'. Any
 * other country code (+44..., 0044...) is rejected: this validator answers
 * "is this an Italian number"; a generic international rule may still match
 * such numbers elsewhere.
 */
#include <stdbool.h>
#include <string.h>

#include "vaglio/validate.h"
#include "validate/validate_internal.h"

static bool is_phone_sep(unsigned char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '/';
}

/* Skips the country code at s[*i]; false if there is one and it is not 39. */
static bool skip_prefix(const char *s, size_t n, size_t *i)
{
    static const char *const prefixes[] = {"(+39)", "(0039)", "+39", "0039"};

    for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
        size_t l = strlen(prefixes[k]);
        if (n >= l && memcmp(s, prefixes[k], l) == 0) {
            *i = l;
            if (*i < n && is_phone_sep((unsigned char)s[*i]))
                (*i)++;
            return true;
        }
    }
    /* another international prefix: "+", "(+", or "00" (Italian numbers
     * never start with 00: area codes are 0 and a non-zero digit) */
    if (n >= 1 && (s[0] == '+' || s[0] == '('))
        return false;
    if (n >= 2 && s[0] == '0' && s[1] == '0')
        return false;
    *i = 0;
    return true;
}

bool vg_validate_phone_it(const char *s, size_t n)
{
    char d[16];
    size_t nd = 0;
    size_t i;

    if (!skip_prefix(s, n, &i))
        return false;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (vg_is_digit(c)) {
            if (nd == sizeof(d))
                return false;
            d[nd++] = (char)c;
        } else if (is_phone_sep(c) && nd > 0 && i + 1 < n && vg_is_digit((unsigned char)s[i + 1]) &&
                   vg_is_digit((unsigned char)s[i - 1])) {
            continue; /* one separator between two groups */
        } else {
            return false;
        }
    }
    if (nd < 6)
        return false;
    if (d[0] == '3')
        return d[1] != '0' && (nd == 9 || nd == 10);
    if (d[0] == '0')
        return d[1] != '0' && nd <= 11;
    if (d[0] == '8' && d[1] == '0')
        return nd <= 10;
    return false;
}
