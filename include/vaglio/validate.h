/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate: checksum and structure validators that confirm personal-data
 * candidates found by the matcher, so that lookalikes without a valid
 * checksum are not removed. Pure functions over a byte range (as found in the
 * FOLD region: lower case, digits intact); separators the format allows
 * (spaces, dashes, dots where usual) are tolerated inside the range.
 * Thread-safe, no allocation.
 */
#ifndef VAGLIO_VALIDATE_H
#define VAGLIO_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    VG_VALIDATOR_NONE = 0,
    VG_VALIDATOR_LUHN,        /**< payment card: 13-19 digits, Luhn, known IIN ranges */
    VG_VALIDATOR_IBAN,        /**< ISO 13616: country length table, mod-97 == 1 */
    VG_VALIDATOR_FISCAL_CODE, /**< Italian codice fiscale, control char, omocodia */
    VG_VALIDATOR_VAT_IT,      /**< Italian partita IVA: 11 digits, check digit, optional IT */
    VG_VALIDATOR_PHONE_IT,    /**< Italian numbering plan, +39 / 0039 / none */
    VG_VALIDATOR_EMAIL,       /**< RFC 5321-ish local@domain.tld with a plausible TLD */
    VG_VALIDATOR_COUNT
} vg_validator_t;

/** "luhn", "iban", "fiscal_code", "vat_it", "phone_it", "email". Static string. */
const char *vg_validator_name(vg_validator_t v);

/** Looks up a validator by name; returns it or -1. */
int vg_validator_lookup(const char *name);

/** Runs validator @p v over [s, s+n). VG_VALIDATOR_NONE accepts everything. */
bool vg_validate(vg_validator_t v, const char *s, size_t n);

bool vg_validate_luhn(const char *s, size_t n);
bool vg_validate_iban(const char *s, size_t n);
bool vg_validate_fiscal_code(const char *s, size_t n);
bool vg_validate_vat_it(const char *s, size_t n);
bool vg_validate_phone_it(const char *s, size_t n);
bool vg_validate_email(const char *s, size_t n);

#endif /* VAGLIO_VALIDATE_H */
