/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match lexicon: brings what the authors of patterns/ write into the space
 * of the scan buffer's WORDS region, where the normalizer put the message:
 * entries reduced with vg_norm_word() (folded, leetspeak decoded, repeats
 * collapsed, with their run lengths), escaped as Hyperscan literals, and the
 * words, items and lists of phrases, with the choice of the word Hyperscan
 * looks for (the most selective: long, and not a very common word). Used by
 * the parser at load time only.
 */
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "vaglio/normalize.h"

/*
 * Appends bytes as a Hyperscan literal: [a-z0-9] as they are, everything
 * else as \xHH, so no byte of a normalized word is ever a metacharacter.
 */
void vg_match_escape(vg_buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            vg_buf_putc(b, (char)c);
        else
            vg_buf_printf(b, "\\x%02x", c);
    }
}

/* Reduces @p s like the WORDS region; returns a new string or NULL if empty. */
char *vg_match_norm(const char *s, size_t n, uint8_t **runs, size_t *outlen)
{
    size_t cap = n * 4 + 16;
    char *out = vg_xmalloc(cap);
    uint8_t *r = runs != NULL ? vg_xmalloc(cap) : NULL;
    size_t len = vg_norm_word(s, n, out, r, cap);

    /* Trim separators at the ends: an entry is whole words. */
    size_t a = 0;
    while (a < len && out[a] == ' ')
        a++;
    while (len > a && out[len - 1] == ' ')
        len--;
    if (len == a) {
        free(out);
        free(r);
        return NULL;
    }
    memmove(out, out + a, len - a);
    out[len - a] = '\0';
    if (r != NULL)
        memmove(r, r + a, len - a);
    *outlen = len - a;
    if (runs != NULL)
        *runs = r;
    return out;
}

/* ---- phrases ------------------------------------------------------------ */

static void item_cleanup(vg_pitem_t *it)
{
    for (uint16_t i = 0; i < it->n; i++)
        free(it->w[i].stem);
    free(it->w);
    memset(it, 0, sizeof(*it));
}

void vg_pitems_free(vg_pitem_t *items, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++)
        item_cleanup(&items[i]);
    free(items);
}

void vg_phrase_free(vg_phrase_t *ph)
{
    if (ph == NULL)
        return;
    for (uint16_t i = 0; i < ph->n; i++)
        vg_pitems_free(ph->e[i].items, ph->e[i].nitems);
    free(ph->e);
    free(ph);
}

vg_pitem_t *vg_pitems_dup(const vg_pitem_t *src, uint16_t n)
{
    vg_pitem_t *items = vg_xcalloc(n, sizeof(*items));
    for (uint16_t i = 0; i < n; i++) {
        items[i] = src[i];
        items[i].w = vg_xcalloc(src[i].n, sizeof(*items[i].w));
        for (uint16_t j = 0; j < src[i].n; j++) {
            items[i].w[j] = src[i].w[j];
            items[i].w[j].stem = vg_xstrdup(src[i].w[j].stem);
        }
    }
    return items;
}

/*
 * Appends the words one written word reduces to: usually one, but "l'odio"
 * becomes "l" and "odio", as in the WORDS region. A `*` stays at the outer
 * end it was written on. Returns false if nothing is left.
 */
bool vg_pitem_add_word(vg_pitem_t *it, const char *word, bool lstar, bool rstar)
{
    size_t n;
    char *w = vg_match_norm(word, strlen(word), NULL, &n);
    if (w == NULL)
        return false;
    size_t first = it->n;
    for (char *p = w; *p != '\0';) {
        char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if (len > 0) {
            it->w = vg_xrealloc(it->w, (it->n + 1u) * sizeof(*it->w));
            it->w[it->n] = (vg_pword_t){.stem = vg_xstrndup(p, len), .len = (uint16_t)len};
            it->n++;
        }
        p += len;
        while (*p == ' ')
            p++;
    }
    free(w);
    if (it->n == first)
        return false;
    it->w[first].lstar = lstar;
    it->w[it->n - 1].rstar = rstar;
    return true;
}

/*
 * Very common Italian and English words (normalized as in the WORDS region:
 * no accents, no double letters). Hyperscan would report every one of them
 * in every message, so a phrase is anchored on another word when it has one.
 */
static const char *const common_words[] = {
    /* it */
    "abiamo",
    "ache",
    "alla",
    "alle",
    "anche",
    "ancora",
    "avete",
    "come",
    "con",
    "cosa",
    "dal",
    "dala",
    "dei",
    "del",
    "dela",
    "dele",
    "deve",
    "devono",
    "dove",
    "era",
    "ese",
    "esere",
    "fare",
    "fato",
    "gia",
    "hai",
    "hano",
    "loro",
    "mia",
    "mio",
    "molto",
    "nel",
    "nela",
    "non",
    "nostro",
    "ogni",
    "per",
    "perche",
    "piu",
    "poi",
    "qua",
    "quando",
    "quela",
    "queli",
    "quelo",
    "questa",
    "queste",
    "questi",
    "questo",
    "qui",
    "sei",
    "siamo",
    "siete",
    "solo",
    "sono",
    "stata",
    "stati",
    "stato",
    "sua",
    "suo",
    "tua",
    "tuo",
    "tuti",
    "tuto",
    "una",
    "uno",
    "vano",
    "vostro",
    /* en */
    "about",
    "al",
    "also",
    "and",
    "are",
    "back",
    "ben",
    "but",
    "can",
    "could",
    "did",
    "does",
    "for",
    "from",
    "get",
    "got",
    "had",
    "has",
    "have",
    "her",
    "here",
    "him",
    "his",
    "how",
    "into",
    "just",
    "know",
    "like",
    "make",
    "more",
    "not",
    "now",
    "one",
    "our",
    "out",
    "over",
    "people",
    "she",
    "should",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "was",
    "were",
    "what",
    "when",
    "where",
    "who",
    "wil",
    "with",
    "would",
    "you",
    "your",
};

static bool is_common(const vg_pword_t *w)
{
    if (w->lstar || w->rstar)
        return false;
    for (size_t i = 0; i < VG_ARRAY_LEN(common_words); i++)
        if (strcmp(common_words[i], w->stem) == 0)
            return true;
    return false;
}

/* How good a literal a word makes: its length, or 0 if it is everywhere. */
static uint16_t word_strength(const vg_pword_t *w)
{
    return is_common(w) ? 0 : w->len;
}

/* The best word of an item is its literal. */
static uint16_t item_anchor(vg_pitem_t *it)
{
    uint16_t best = 0;
    for (uint16_t j = 1; j < it->n; j++)
        if (word_strength(&it->w[j]) > word_strength(&it->w[best]) ||
            (word_strength(&it->w[j]) == word_strength(&it->w[best]) &&
             it->w[j].len > it->w[best].len))
            best = j;
    it->anchor = best;
    return word_strength(&it->w[best]);
}

/* The shortest literal among the items: how selective the element is. */
uint16_t vg_pelem_strength(vg_pelem_t *e)
{
    uint16_t min = UINT16_MAX;
    for (uint16_t i = 0; i < e->nitems; i++) {
        uint16_t l = item_anchor(&e->items[i]);
        if (l < min)
            min = l;
    }
    return min;
}
