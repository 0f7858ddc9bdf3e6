/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate: checksum and structure validators that confirm the personal-data
 * candidates the matcher finds in the FOLD region, so that a number shaped
 * like a card or an IBAN but without a valid checksum is not removed. Each
 * validator is a pure function over a byte range: no allocation, no state,
 * thread-safe. Letters are accepted in either case (FOLD is lower case, but
 * callers may pass original text too).
 *
 *   luhn         payment card: 13-19 digits, single ' ' or '-' between
 *                groups, Luhn, not one repeated digit, a known issuer range
 *                with its lengths
 *   iban         ISO 13616: single spaces between groups, the country's
 *                length and BBAN structure (iban.c), check digits 02-98,
 *                mod-97 == 1, and the national check of IT (CIN) and ES
 *   fiscal_code  Italian codice fiscale: 16 characters, omocodia, month
 *                letter, day (women +40) valid for the month, control letter
 *   vat_it       Italian partita IVA: optional "IT", 11 digits, office code,
 *                check digit
 *   phone_it     Italian numbering plan (phone.c)
 *   email        local@domain.tld (email.c)
 */
#include "vaglio/validate.h"

#include <stdint.h>
#include <string.h>

#include "validate/validate_internal.h"

static const char *const names[VG_VALIDATOR_COUNT] = {
    [VG_VALIDATOR_NONE] = "none",     [VG_VALIDATOR_LUHN] = "luhn",
    [VG_VALIDATOR_IBAN] = "iban",     [VG_VALIDATOR_FISCAL_CODE] = "fiscal_code",
    [VG_VALIDATOR_VAT_IT] = "vat_it", [VG_VALIDATOR_PHONE_IT] = "phone_it",
    [VG_VALIDATOR_EMAIL] = "email",
};

const char *vg_validator_name(vg_validator_t v)
{
    if ((unsigned)v >= VG_VALIDATOR_COUNT)
        return "unknown";
    return names[v];
}

int vg_validator_lookup(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = VG_VALIDATOR_NONE + 1; i < VG_VALIDATOR_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

bool vg_validate(vg_validator_t v, const char *s, size_t n)
{
    switch (v) {
    case VG_VALIDATOR_NONE:
        return true;
    case VG_VALIDATOR_LUHN:
        return vg_validate_luhn(s, n);
    case VG_VALIDATOR_IBAN:
        return vg_validate_iban(s, n);
    case VG_VALIDATOR_FISCAL_CODE:
        return vg_validate_fiscal_code(s, n);
    case VG_VALIDATOR_VAT_IT:
        return vg_validate_vat_it(s, n);
    case VG_VALIDATOR_PHONE_IT:
        return vg_validate_phone_it(s, n);
    case VG_VALIDATOR_EMAIL:
        return vg_validate_email(s, n);
    default:
        return false;
    }
}

/* ---- payment cards ---------------------------------------------------------- */

/* Issuer ranges (IIN prefixes) and the lengths each issues. */
static bool card_iin_ok(const uint8_t *d, size_t nd)
{
    unsigned p2 = d[0] * 10u + d[1];
    unsigned p3 = p2 * 10u + d[2];
    unsigned p4 = p3 * 10u + d[3];
    bool len16_19 = nd >= 16 && nd <= 19;

    if (d[0] == 4) /* Visa */
        return nd == 13 || nd == 16 || nd == 19;
    if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) /* Mastercard */
        return nd == 16;
    if (p2 == 34 || p2 == 37) /* American Express */
        return nd == 15;
    if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) /* Discover */
        return len16_19;
    if (p4 >= 3528 && p4 <= 3589) /* JCB */
        return len16_19;
    if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) /* Diners Club */
        return nd >= 14 && nd <= 19;
    if (p2 == 62 || (p4 >= 8100 && p4 <= 8171)) /* UnionPay */
        return len16_19;
    if (p4 >= 2200 && p4 <= 2204) /* Mir */
        return len16_19;
    if (p2 == 50 || (p2 >= 56 && p2 <= 69)) /* Maestro */
        return nd >= 13 && nd <= 19;
    return false;
}

bool vg_validate_luhn(const char *s, size_t n)
{
    uint8_t d[19];
    size_t nd = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (vg_is_digit(c)) {
            if (nd == sizeof(d))
                return false;
            d[nd++] = (uint8_t)(c - '0');
        } else if ((c == ' ' || c == '-') && i > 0 && i + 1 < n &&
                   vg_is_digit((unsigned char)s[i - 1]) && vg_is_digit((unsigned char)s[i + 1])) {
            continue; /* one separator between two groups */
        } else {
            return false;
        }
    }
    if (nd < 13)
        return false;

    bool same = true;
    for (size_t i = 1; i < nd; i++)
        same = same && d[i] == d[0];
    if (same)
        return false;

    /* Luhn: double every second digit from the right */
    unsigned sum = 0;
    for (size_t i = 0; i < nd; i++) {
        unsigned v = d[nd - 1 - i];
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    if (sum % 10 != 0)
        return false;
    return card_iin_ok(d, nd);
}

/* ---- codice fiscale ----------------------------------------------------------- */

/* Values of the characters in odd positions (1-based) for the control
 * letter, indexed by digit value or letter index (the two coincide). */
static const uint8_t cf_odd[26] = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                   20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};

/* Digit value of a position that may carry omocodia (L M N P Q R S T U V
 * standing for 0-9 when the code was changed to tell two people apart). */
static int cf_digit(unsigned char c)
{
    static const char omo[] = "lmnpqrstuv";
    if (vg_is_digit(c))
        return c - '0';
    const char *p = (c != 0) ? strchr(omo, vg_lower(c)) : NULL;
    return p != NULL ? (int)(p - omo) : -1;
}

bool vg_validate_fiscal_code(const char *s, size_t n)
{
    static const size_t digit_pos[] = {6, 7, 9, 10, 12, 13, 14};
    static const char months[] = "abcdehlmprst";
    static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int v[16];

    if (n != 16)
        return false;
    for (size_t i = 0; i < 16; i++)
        if (!vg_is_alnum((unsigned char)s[i]))
            return false;
    for (size_t i = 0; i < 6; i++)
        if (!vg_is_alpha((unsigned char)s[i]))
            return false;
    if (!vg_is_alpha((unsigned char)s[8]) || !vg_is_alpha((unsigned char)s[11]) ||
        !vg_is_alpha((unsigned char)s[15]))
        return false;
    for (size_t k = 0; k < sizeof(digit_pos) / sizeof(digit_pos[0]); k++)
        if ((v[digit_pos[k]] = cf_digit((unsigned char)s[digit_pos[k]])) < 0)
            return false;

    const char *m = strchr(months, vg_lower((unsigned char)s[8]));
    if (m == NULL)
        return false;
    int year = v[6] * 10 + v[7];
    int day = v[9] * 10 + v[10];
    if (day > 40) /* women: day + 40, so 41-71 */
        day -= 40;
    int maxday = mdays[m - months];
    if (m - months == 1 && year % 4 != 0) /* February; 00 is 2000, a leap year */
        maxday = 28;
    if (day < 1 || day > maxday)
        return false;

    unsigned sum = 0;
    for (size_t i = 0; i < 15; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned idx = vg_is_digit(c) ? (unsigned)(c - '0') : (unsigned)(vg_lower(c) - 'a');
        sum += (i % 2 == 0) ? cf_odd[idx] : idx;
    }
    return vg_lower((unsigned char)s[15]) == 'a' + (int)(sum % 26);
}

/* ---- partita IVA ---------------------------------------------------------------- */

bool vg_validate_vat_it(const char *s, size_t n)
{
    size_t i = 0;

    if (n >= 2 && vg_lower((unsigned char)s[0]) == 'i' && vg_lower((unsigned char)s[1]) == 't') {
        i = 2;
        if (i < n && s[i] == ' ')
            i++;
    }
    if (n - i != 11)
        return false;
    const char *d = s + i;
    for (size_t k = 0; k < 11; k++)
        if (!vg_is_digit((unsigned char)d[k]))
            return false;

    /* the taxpayer number (7 digits) is never zero; the office code
     * (3 digits) is a province 001-100 or one of 120, 121, 888, 999 */
    if (memcmp(d, "0000000", 7) == 0)
        return false;
    int office = (d[7] - '0') * 100 + (d[8] - '0') * 10 + (d[9] - '0');
    if (!((office >= 1 && office <= 100) || office == 120 || office == 121 || office == 888 ||
          office == 999))
        return false;

    /* check digit: odd positions as they are, even ones doubled (minus 9) */
    unsigned sum = 0;
    for (size_t k = 0; k < 10; k++) {
        unsigned v = (unsigned)(d[k] - '0');
        if (k % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (unsigned)(d[10] - '0') == (10 - sum % 10) % 10;
}
