/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate, IBAN: ISO 13616 account numbers. The table below holds, for
 * every country of the SWIFT IBAN registry (and the countries whose IBANs
 * are in use before their registration, as published by banks and libraries
 * that validate them), the BBAN structure in the registry's notation: a
 * count and a type, n = digits, a = upper-case letters, c = letters or
 * digits. The IBAN length is 4 + the sum of the counts.
 *
 * An IBAN is accepted when its country is known, its length and structure
 * match, the check digits are 02-98, the ISO 7064 MOD 97-10 remainder of the
 * rearranged number is 1 (computed digit by digit: no big integers), and,
 * for Italy and Spain, the national check characters inside the BBAN are
 * right (the Italian CIN and the Spanish "dígitos de control").
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vaglio/validate.h"
#include "validate/validate_internal.h"

#define IBAN_MAX 34

static const struct {
    char cc[3];
    const char *bban;
} iban_countries[] = {
    /* the SWIFT IBAN registry */
    {"AD", "4n4n12c"},
    {"AE", "3n16n"},
    {"AL", "8n16c"},
    {"AT", "5n11n"},
    {"AZ", "4a20c"},
    {"BA", "3n3n8n2n"},
    {"BE", "3n7n2n"},
    {"BG", "4a4n2n8c"},
    {"BH", "4a14c"},
    {"BI", "5n5n11n2n"},
    {"BR", "8n5n10n1a1c"},
    {"BY", "4c4n16c"},
    {"CH", "5n12c"},
    {"CR", "4n14n"},
    {"CY", "3n5n16c"},
    {"CZ", "4n6n10n"},
    {"DE", "8n10n"},
    {"DJ", "5n5n11n2n"},
    {"DK", "4n9n1n"},
    {"DO", "4c20n"},
    {"EE", "2n2n11n1n"},
    {"EG", "4n4n17n"},
    {"ES", "4n4n1n1n10n"},
    {"FI", "3n11n"},
    {"FK", "2a12n"},
    {"FO", "4n9n1n"},
    {"FR", "5n5n11c2n"},
    {"GB", "4a6n8n"},
    {"GE", "2a16n"},
    {"GI", "4a15c"},
    {"GL", "4n9n1n"},
    {"GR", "3n4n16c"},
    {"GT", "4c20c"},
    {"HN", "4a20n"},
    {"HR", "7n10n"},
    {"HU", "3n4n1n15n1n"},
    {"IE", "4a6n8n"},
    {"IL", "3n3n13n"},
    {"IQ", "4a3n12n"},
    {"IS", "4n2n6n10n"},
    {"IT", "1a5n5n12c"},
    {"JO", "4a4n18c"},
    {"KW", "4a22c"},
    {"KZ", "3n13c"},
    {"LB", "4n20c"},
    {"LC", "4a24c"},
    {"LI", "5n12c"},
    {"LT", "5n11n"},
    {"LU", "3n13c"},
    {"LV", "4a13c"},
    {"LY", "3n3n15n"},
    {"MC", "5n5n11c2n"},
    {"MD", "2c18c"},
    {"ME", "3n13n2n"},
    {"MK", "3n10c2n"},
    {"MN", "4n12n"},
    {"MR", "5n5n11n2n"},
    {"MT", "4a5n18c"},
    {"MU", "4a2n2n12n3n3a"},
    {"NI", "4a20n"},
    {"NL", "4a10n"},
    {"NO", "4n6n1n"},
    {"OM", "3n16c"},
    {"PK", "4a16c"},
    {"PL", "8n16n"},
    {"PS", "4a21c"},
    {"PT", "4n4n11n2n"},
    {"QA", "4a21c"},
    {"RO", "4a16c"},
    {"RS", "3n13n2n"},
    {"RU", "9n5n15c"},
    {"SA", "2n18c"},
    {"SC", "4a2n2n16n3a"},
    {"SD", "2n12n"},
    {"SE", "3n16n1n"},
    {"SI", "5n8n2n"},
    {"SK", "4n6n10n"},
    {"SM", "1a5n5n12c"},
    {"SO", "4n3n12n"},
    {"ST", "4n4n11n2n"},
    {"SV", "4a20n"},
    {"TL", "3n14n2n"},
    {"TN", "2n3n13n2n"},
    {"TR", "5n1n16c"},
    {"UA", "6n19c"},
    {"VA", "3n15n"},
    {"VG", "4a16n"},
    {"XK", "4n10n2n"},
    {"YE", "4a4n18c"},
    /* in use, not (yet) in the registry */
    {"AO", "21n"},
    {"BF", "2c22n"},
    {"BJ", "2c22n"},
    {"CF", "23n"},
    {"CG", "23n"},
    {"CI", "2c22n"},
    {"CM", "23n"},
    {"CV", "21n"},
    {"DZ", "22n"},
    {"GA", "23n"},
    {"GQ", "23n"},
    {"GW", "2c19n"},
    {"IR", "22n"},
    {"KM", "23n"},
    {"MA", "24n"},
    {"MG", "23n"},
    {"ML", "2c22n"},
    {"MZ", "21n"},
    {"NE", "2a22n"},
    {"SN", "2a22n"},
    {"TD", "23n"},
    {"TG", "2a22n"},
};

/* BBAN length of a format string, or 0 if malformed. */
static size_t format_len(const char *f)
{
    size_t total = 0;
    while (*f != '\0') {
        size_t count = 0;
        while (vg_is_digit((unsigned char)*f))
            count = count * 10 + (size_t)(*f++ - '0');
        if (count == 0 || (*f != 'n' && *f != 'a' && *f != 'c'))
            return 0;
        total += count;
        f++;
    }
    return total;
}

const char *vg_iban_format(const char *cc, size_t *len)
{
    char up[2] = {(char)(vg_lower((unsigned char)cc[0]) - 32),
                  (char)(vg_lower((unsigned char)cc[1]) - 32)};
    for (size_t i = 0; i < sizeof(iban_countries) / sizeof(iban_countries[0]); i++) {
        if (iban_countries[i].cc[0] == up[0] && iban_countries[i].cc[1] == up[1]) {
            *len = 4 + format_len(iban_countries[i].bban);
            return iban_countries[i].bban;
        }
    }
    return NULL;
}

/* Whether the BBAN (upper case) has the structure of format f. */
static bool bban_matches(const char *b, const char *f)
{
    while (*f != '\0') {
        size_t count = 0;
        while (vg_is_digit((unsigned char)*f))
            count = count * 10 + (size_t)(*f++ - '0');
        char type = *f++;
        for (size_t k = 0; k < count; k++, b++) {
            unsigned char c = (unsigned char)*b;
            if (type == 'n' && !vg_is_digit(c))
                return false;
            if (type == 'a' && !vg_is_alpha(c))
                return false;
            if (type == 'c' && !vg_is_alnum(c))
                return false;
        }
    }
    return true;
}

/* ISO 7064 MOD 97-10 of the IBAN moved to BBAN + country + check digits,
 * letters counting as two digits (A = 10 ... Z = 35). */
static unsigned mod97(const char *iban, size_t len)
{
    unsigned r = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)iban[(k + 4) % len];
        if (vg_is_digit(c))
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        else
            r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    return r;
}

/* Italian CIN: the letter before ABI, CAB and account, computed like the
 * fiscal code's control letter over those 22 characters. */
static bool it_cin_ok(const char *bban)
{
    static const uint8_t odd[26] = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                    20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
    unsigned sum = 0;
    for (size_t i = 0; i < 22; i++) {
        unsigned char c = (unsigned char)bban[1 + i];
        unsigned idx = vg_is_digit(c) ? (unsigned)(c - '0') : (unsigned)(c - 'A');
        sum += (i % 2 == 0) ? odd[idx] : idx;
    }
    return bban[0] == (char)('A' + sum % 26);
}

/* One Spanish check digit: weights 1 2 4 8 5 10 9 7 3 6, modulus 11. */
static unsigned es_dc(const char *d)
{
    static const unsigned w[10] = {1, 2, 4, 8, 5, 10, 9, 7, 3, 6};
    unsigned sum = 0;
    for (size_t i = 0; i < 10; i++)
        sum += (unsigned)(d[i] - '0') * w[i];
    unsigned r = 11 - sum % 11;
    return r == 11 ? 0 : r == 10 ? 1 : r;
}

/* Spanish BBAN: entity(4) office(4) check(2) account(10); the first check
 * digit covers "00" + entity + office, the second the account. */
static bool es_dc_ok(const char *bban)
{
    char first[10] = {'0', '0'};
    memcpy(first + 2, bban, 8);
    return es_dc(first) == (unsigned)(bban[8] - '0') &&
           es_dc(bban + 10) == (unsigned)(bban[9] - '0');
}

bool vg_validate_iban(const char *s, size_t n)
{
    char iban[IBAN_MAX];
    size_t len = 0;

    /* compact, upper case; a single space may separate groups */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (vg_is_alnum(c)) {
            if (len == IBAN_MAX)
                return false;
            iban[len++] = (char)(vg_is_alpha(c) ? vg_lower(c) - 32 : c);
        } else if (c == ' ' && i > 0 && i + 1 < n && vg_is_alnum((unsigned char)s[i - 1]) &&
                   vg_is_alnum((unsigned char)s[i + 1])) {
            continue;
        } else {
            return false;
        }
    }
    if (len < 15 || !vg_is_alpha((unsigned char)iban[0]) || !vg_is_alpha((unsigned char)iban[1]) ||
        !vg_is_digit((unsigned char)iban[2]) || !vg_is_digit((unsigned char)iban[3]))
        return false;

    size_t want;
    const char *format = vg_iban_format(iban, &want);
    if (format == NULL || len != want || !bban_matches(iban + 4, format))
        return false;
    unsigned check = (unsigned)(iban[2] - '0') * 10 + (unsigned)(iban[3] - '0');
    if (check < 2 || check > 98)
        return false;
    if (mod97(iban, len) != 1)
        return false;
    if (iban[0] == 'I' && iban[1] == 'T')
        return it_cin_ok(iban + 4);
    if (iban[0] == 'E' && iban[1] == 'S')
        return es_dc_ok(iban + 4);
    return true;
}
