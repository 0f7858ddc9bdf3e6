/* SPDX-License-Identifier: Apache-2.0 */
/*
 * category: the fixed category names of the netiquette and their Italian
 * wording. Pattern files name categories; the policy, the metrics, the
 * decision records and the evaluation all speak these names.
 */
#include "vaglio/category.h"

#include <string.h>

#include "vaglio/util.h"

static const struct {
    const char *name;
    const char *rule_it;
} categories[VG_CAT_COUNT] = {
    [VG_CAT_INSULT] = {"insult", "insulti e offese"},
    [VG_CAT_VULGARITY] = {"vulgarity", "linguaggio volgare"},
    [VG_CAT_THREAT] = {"threat", "minacce e atteggiamenti violenti"},
    [VG_CAT_HATE_GENDER] = {"hate.gender", "discriminazione per genere"},
    [VG_CAT_HATE_SEXUAL_ORIENTATION] = {"hate.sexual_orientation",
                                        "discriminazione per orientamento sessuale"},
    [VG_CAT_HATE_AGE] = {"hate.age", "discriminazione per età"},
    [VG_CAT_HATE_RELIGION] = {"hate.religion", "discriminazione per religione"},
    [VG_CAT_HATE_BELIEF] = {"hate.belief", "discriminazione per convinzioni personali"},
    [VG_CAT_HATE_POLITICAL] = {"hate.political", "discriminazione per orientamento politico"},
    [VG_CAT_HATE_ETHNICITY] = {"hate.ethnicity", "discriminazione per origine etnica"},
    [VG_CAT_HATE_DISABILITY] = {"hate.disability", "discriminazione per disabilità"},
    [VG_CAT_SPAM] = {"spam", "pubblicità e spam"},
    [VG_CAT_SPAM_LINK] = {"spam.link", "pubblicità e link promozionali"},
    [VG_CAT_ILLEGAL] = {"illegal", "promozione di attività illegali"},
    [VG_CAT_POLITICAL] = {"political", "propaganda politica"},
    [VG_CAT_IP] = {"ip", "violazione di diritti d'autore o marchi"},
    [VG_CAT_OFFTOPIC] = {"offtopic", "contenuti fuori tema"},
    [VG_CAT_PII_EMAIL] = {"pii.email", "dati personali (indirizzo email)"},
    [VG_CAT_PII_PHONE] = {"pii.phone", "dati personali (numero di telefono)"},
    [VG_CAT_PII_IBAN] = {"pii.iban", "dati personali (IBAN)"},
    [VG_CAT_PII_CARD] = {"pii.card", "dati personali (carta di pagamento)"},
    [VG_CAT_PII_FISCAL_CODE] = {"pii.fiscal_code", "dati personali (codice fiscale)"},
    [VG_CAT_PII_VAT] = {"pii.vat", "dati personali (partita IVA)"},
    [VG_CAT_PII_ADDRESS] = {"pii.address", "dati personali (indirizzo)"},
    [VG_CAT_PII_ID_DOCUMENT] = {"pii.id_document", "dati personali (documento d'identità)"},
};

const char *vg_category_name(vg_category_t c)
{
    return (unsigned)c < VG_CAT_COUNT ? categories[c].name : "unknown";
}

const char *vg_category_rule_it(vg_category_t c)
{
    return (unsigned)c < VG_CAT_COUNT ? categories[c].rule_it : "netiquette";
}

int vg_category_lookup(const char *name, size_t len)
{
    int best = -1;
    size_t best_len = 0;

    /* The longest base name that equals the name or is a prefix of it at a
     * dot boundary: "spam.link.shortener" -> spam.link, not spam. */
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        size_t l = strlen(categories[c].name);
        if (l > len || memcmp(name, categories[c].name, l) != 0)
            continue;
        if (l < len && name[l] != '.')
            continue;
        if (l > best_len) {
            best = c;
            best_len = l;
        }
    }
    return best;
}

bool vg_category_is_pii(vg_category_t c)
{
    return c >= VG_CAT_PII_EMAIL && c <= VG_CAT_PII_ID_DOCUMENT;
}

bool vg_category_is_hate(vg_category_t c)
{
    return c >= VG_CAT_HATE_GENDER && c <= VG_CAT_HATE_DISABILITY;
}
