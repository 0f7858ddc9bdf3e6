/* SPDX-License-Identifier: Apache-2.0 */
/*
 * category: the fixed category names of the netiquette (the contract shared
 * by the pattern files, the policy, the API, the metrics and the
 * evaluation). Pattern files may use finer names beneath a base category
 * (`spam.link.shortener` sits under `spam.link`); those resolve to their
 * nearest base category here and keep their full name in findings.
 */
#ifndef VAGLIO_CATEGORY_H
#define VAGLIO_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    VG_CAT_INSULT = 0,
    VG_CAT_VULGARITY,
    VG_CAT_THREAT,
    VG_CAT_HATE_GENDER,
    VG_CAT_HATE_SEXUAL_ORIENTATION,
    VG_CAT_HATE_AGE,
    VG_CAT_HATE_RELIGION,
    VG_CAT_HATE_BELIEF,
    VG_CAT_HATE_POLITICAL,
    VG_CAT_HATE_ETHNICITY,
    VG_CAT_HATE_DISABILITY,
    VG_CAT_SPAM,
    VG_CAT_SPAM_LINK,
    VG_CAT_ILLEGAL,
    VG_CAT_POLITICAL,
    VG_CAT_IP,
    VG_CAT_OFFTOPIC,
    VG_CAT_PII_EMAIL,
    VG_CAT_PII_PHONE,
    VG_CAT_PII_IBAN,
    VG_CAT_PII_CARD,
    VG_CAT_PII_FISCAL_CODE,
    VG_CAT_PII_VAT,
    VG_CAT_PII_ADDRESS,
    VG_CAT_PII_ID_DOCUMENT,
    VG_CAT_COUNT
} vg_category_t;

/** A set of base categories (VG_CAT_COUNT < 64). */
typedef uint64_t vg_catset_t;

#define VG_CATSET(c) ((vg_catset_t)1 << (c))

/** The canonical name ("hate.gender"). @p c must be < VG_CAT_COUNT. Static string. */
const char *vg_category_name(vg_category_t c);

/**
 * Resolves a category name, possibly finer than a base one
 * ("spam.link.shortener"), to its base category. Returns the category or -1
 * if no base category is a prefix of @p name at a dot boundary.
 */
int vg_category_lookup(const char *name, size_t len);

/** True for the `pii.*` categories. */
bool vg_category_is_pii(vg_category_t c);
/** True for the `hate.*` categories. */
bool vg_category_is_hate(vg_category_t c);

/**
 * The Italian wording of the netiquette rule a category belongs to, used in
 * warning texts ("insulti, volgarità o offese"). Static string.
 */
const char *vg_category_rule_it(vg_category_t c);

#endif /* VAGLIO_CATEGORY_H */
