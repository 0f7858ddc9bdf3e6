/* SPDX-License-Identifier: Apache-2.0 */
/*
 * normalize, WORDS pass: the second linear pass. It reads the FOLD region
 * and writes the WORDS region, where lexicon patterns are matched:
 *
 *   1. letters spelled out with separators are joined: a run of at least 3
 *      single letters ("s.t.r.o.n.z.o", "c-a-z-z-o"), or of at least 4 when
 *      the separators are plain spaces ("f u c k"; 3 if they spell a word,
 *      "g a y", "d i e"), with separator runs of 1 to 3 characters out of
 *      space . - _ * + , / | ~ U+00B7 U+2022, the same separator string all
 *      along the run, at least 2 of the letters being real letters (not
 *      leet), not all of them vowels; a one-letter word at an edge of a run
 *      spaced with spaces stays apart ("a c a n c e r" -> "a cancer",
 *      spelled_edges);
 *   2. leetspeak is mapped inside a token (a run of [a-z0-9], non-ASCII word
 *      characters and @ $ U+20AC ! |) holding at least 2 ASCII letters:
 *      a digit alone (not next to another digit) 0->o 1->i 3->e 4->a 5->s
 *      7->t (2 6 8 9 stay: "anni90" keeps "90", "c0gl10ne" keeps "10");
 *      '$'->s and U+20AC->e next to a letter; '@'->a next to a letter but
 *      never at the start of a token ("@brand" is a mention); '!' and '|'
 *      ->i before a letter and not after another '!' or '|' ("stronzo!"
 *      keeps '!' as punctuation). Unmapped symbols are separators;
 *   3. every run of non-word characters becomes one ' ' (leading and
 *      trailing runs too: WORDS may begin or end with ' ');
 *   4. a run of one ASCII letter collapses to one byte whose run length is
 *      kept ("stronzooooo" -> "stronzo", last 'o' repeated 6 times); digits
 *      and non-ASCII characters are never collapsed.
 *
 * Each output byte maps back to the source range of the FOLD characters it
 * came from (a collapsed letter to the first through the last letter of its
 * run, a separator to the whole run of separators).
 *
 * Linear time: the spelled-out scan looks ahead over a run once, and a run
 * that does not qualify is never scanned again (reject_until).
 */
#include "normalize/normalize_internal.h"

#include <stdbool.h>
#include <string.h>
#ifdef VG_NORM_SSE2
#include <emmintrin.h>
#endif

/* WORDS classes of the ASCII bytes of FOLD (already lower case). */
static const uint8_t ascii_class[128] = {
    [' '] = VG_WC_SEPJ,   ['.'] = VG_WC_SEPJ,   ['-'] = VG_WC_SEPJ,   ['_'] = VG_WC_SEPJ,
    ['*'] = VG_WC_SEPJ,   ['+'] = VG_WC_SEPJ,   [','] = VG_WC_SEPJ,   ['/'] = VG_WC_SEPJ,
    ['~'] = VG_WC_SEPJ,   ['|'] = VG_WC_PIPE,   ['!'] = VG_WC_BANG,   ['@'] = VG_WC_AT,
    ['$'] = VG_WC_DOLLAR, ['0'] = VG_WC_DIGIT,  ['1'] = VG_WC_DIGIT,  ['2'] = VG_WC_DIGIT,
    ['3'] = VG_WC_DIGIT,  ['4'] = VG_WC_DIGIT,  ['5'] = VG_WC_DIGIT,  ['6'] = VG_WC_DIGIT,
    ['7'] = VG_WC_DIGIT,  ['8'] = VG_WC_DIGIT,  ['9'] = VG_WC_DIGIT,  ['a'] = VG_WC_LETTER,
    ['b'] = VG_WC_LETTER, ['c'] = VG_WC_LETTER, ['d'] = VG_WC_LETTER, ['e'] = VG_WC_LETTER,
    ['f'] = VG_WC_LETTER, ['g'] = VG_WC_LETTER, ['h'] = VG_WC_LETTER, ['i'] = VG_WC_LETTER,
    ['j'] = VG_WC_LETTER, ['k'] = VG_WC_LETTER, ['l'] = VG_WC_LETTER, ['m'] = VG_WC_LETTER,
    ['n'] = VG_WC_LETTER, ['o'] = VG_WC_LETTER, ['p'] = VG_WC_LETTER, ['q'] = VG_WC_LETTER,
    ['r'] = VG_WC_LETTER, ['s'] = VG_WC_LETTER, ['t'] = VG_WC_LETTER, ['u'] = VG_WC_LETTER,
    ['v'] = VG_WC_LETTER, ['w'] = VG_WC_LETTER, ['x'] = VG_WC_LETTER, ['y'] = VG_WC_LETTER,
    ['z'] = VG_WC_LETTER,
};

/* The letter a lone digit stands for in leetspeak, or 0. */
static const char leet_digit[10] = {'o', 'i', 0, 'e', 'a', 's', 0, 't', 0, 0};

struct wstate {
    vg_norm_t *n;
    const unsigned char *f; /* the FOLD region */
    size_t flen;
    size_t o;      /* next WORDS byte */
    size_t wstart; /* first WORDS byte */
    bool pending;  /* a separator run waits to be written as one ' ' */
    uint32_t ps;   /* its source range */
    uint32_t pe;
};

static inline unsigned wclass(const struct wstate *w, size_t p)
{
    unsigned char b = w->f[p];
    return b < 0x80 ? ascii_class[b] : w->n->cls[p];
}

/* Length of the FOLD character at p (FOLD is valid UTF-8 by construction). */
static inline size_t wlen(const struct wstate *w, size_t p)
{
    unsigned char b = w->f[p];
    size_t l = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    return (p + l <= w->flen) ? l : w->flen - p;
}

/* Class of the character after the one at p; the end of FOLD is a separator. */
static inline unsigned next_class(const struct wstate *w, size_t p)
{
    size_t q = p + wlen(w, p);
    return q < w->flen ? wclass(w, q) : VG_WC_SEP;
}

static inline bool is_tokch(unsigned k)
{
    return k >= VG_WC_LETTER && k <= VG_WC_PIPE;
}

/* Characters that glue a token together: a unit next to one is not alone. */
static inline bool is_solid(unsigned k)
{
    return k >= VG_WC_LETTER && k <= VG_WC_EURO;
}

static inline bool is_joinable(unsigned k)
{
    return k == VG_WC_SEPJ || k == VG_WC_PIPE;
}

/* The letter the character at p stands for as a spelled-out unit, or 0. */
static char unit_letter(const struct wstate *w, size_t p)
{
    switch (wclass(w, p)) {
    case VG_WC_LETTER:
        return (char)w->f[p];
    case VG_WC_DIGIT:
        return leet_digit[w->f[p] - '0'];
    case VG_WC_AT:
        return 'a';
    case VG_WC_DOLLAR:
        return 's';
    case VG_WC_EURO:
        return 'e';
    default:
        return 0;
    }
}

/* ---- output --------------------------------------------------------------- */

static inline void put(struct wstate *w, char c, uint32_t s, uint32_t e)
{
    w->n->buf[w->o] = c;
    w->n->os[w->o] = s;
    w->n->oe[w->o] = e;
    w->n->rep[w->o - w->wstart] = 1;
    w->o++;
}

static inline void flush_sep(struct wstate *w)
{
    if (w->pending) {
        put(w, ' ', w->ps, w->pe);
        w->pending = false;
    }
}

/* The FOLD character [p, p+l) is a separator: join it to the pending run. */
static inline void add_sep(struct wstate *w, size_t p, size_t l)
{
    if (!w->pending) {
        w->pending = true;
        w->ps = w->n->os[p];
    }
    w->pe = w->n->oe[p + l - 1];
}

/* Writes an ASCII letter, collapsing it into the previous byte if equal. */
static inline void emit_letter(struct wstate *w, char c, size_t p, size_t l)
{
    flush_sep(w);
    if (w->o > w->wstart && w->n->buf[w->o - 1] == c) {
        uint8_t *r = &w->n->rep[w->o - 1 - w->wstart];
        if (*r < 255)
            (*r)++;
        w->n->oe[w->o - 1] = w->n->oe[p + l - 1];
        return;
    }
    put(w, c, w->n->os[p], w->n->oe[p + l - 1]);
}

/* Copies the FOLD character [p, p+l) as is (a digit, a non-ASCII letter). */
static inline void emit_copy(struct wstate *w, size_t p, size_t l)
{
    flush_sep(w);
    for (size_t k = 0; k < l; k++)
        put(w, (char)w->f[p + k], w->n->os[p + k], w->n->oe[p + k]);
}

/*
 * Eight bytes at a time where the target allows it (a little-endian 64-bit
 * load, GCC's ctz): word ends are found without a mispredicted branch per
 * byte, and words without a doubled letter are copied with fixed-size
 * stores. Elsewhere the byte loops alone give the same result.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VG_WORDS_SWAR 1
#define HI8           UINT64_C(0x8080808080808080)
#define LO8           UINT64_C(0x0101010101010101)

/* The high bit of each byte is set where @p x holds an ASCII a-z. The sums
 * are taken on the low 7 bits of each byte, so they never carry across. */
static inline uint64_t letter_bytes(uint64_t x)
{
    uint64_t low7 = x & ~HI8;
    uint64_t ge_a = low7 + 0x1F * LO8;     /* 'a' + 0x1F == 0x80 */
    uint64_t ge_brace = low7 + 0x05 * LO8; /* '{' + 0x05 == 0x80 */
    return ge_a & ~ge_brace & ~x & HI8;
}
#endif

static inline bool is_ascii_letter(unsigned char c)
{
    return (unsigned)(c - 'a') < 26u;
}

/*
 * The end of the run of ASCII letters of FOLD [p, flen) starting at p. The
 * eight-byte loads may read up to 7 bytes past flen (into the slack or
 * WORDS, all initialised); what they see there is cut off at flen.
 */
static inline size_t letter_run_end(const unsigned char *f, size_t p, size_t flen)
{
#ifdef VG_WORDS_SWAR
    for (; p < flen; p += 8) {
        uint64_t x;
        memcpy(&x, f + p, 8);
        uint64_t other = ~letter_bytes(x) & HI8;
        if (other != 0) {
            p += (unsigned)__builtin_ctzll(other) >> 3;
            break;
        }
    }
    return p < flen ? p : flen;
#else
    while (p < flen && is_ascii_letter(f[p]))
        p++;
    return p;
#endif
}

/*
 * Writes the run of ASCII letters FOLD [p, q) to WORDS from byte o with the
 * run collapse; returns the new end of WORDS. The first letter collapses
 * into the byte before if that is @p last (0: never; a word starts after a
 * separator, already written as ' ', or at the start of WORDS).
 *
 * The bulk step reads eight FOLD bytes and entries from p < q <= flen and
 * writes eight from o, up to 7 past what it needs: WORDS never holds more
 * bytes than FOLD has consumed (o - ws <= p), so both stay within
 * 2 * flen + 9 entries, inside the buffers with their VG_NORM_SLACK; the
 * bytes written past the new end of WORDS are overwritten by the next
 * writes or lie past the final NUL.
 */
static inline size_t put_letters(vg_norm_t *n, size_t ws, size_t p, size_t q, size_t o,
                                 unsigned char last)
{
    const unsigned char *f = (const unsigned char *)n->buf;
    char *buf = n->buf;
    uint32_t *os = n->os;
    uint32_t *oe = n->oe;
    uint8_t *rep = n->rep;

    while (p < q) {
        size_t k = q - p < 8 ? q - p : 8; /* letters of this step */
#ifdef VG_WORDS_SWAR
        if (f[p] != last) {
            uint64_t x;
            memcpy(&x, f + p, 8);
            /* a zero byte i of d is a letter equal to the next one; only the
             * pairs inside the step count (false hits of the zero test sit
             * above a true one, so they never hide or invent one here) */
            uint64_t d = x ^ (x >> 8);
            uint64_t pairs = k > 1 ? HI8 >> (8 * (9 - k)) : 0;
            uint64_t dup = (d - LO8) & ~d & pairs;
            if (dup == 0) {
                /* memmove: in a short text the eight entries read past q
                 * can reach the ones written from o (o - p < 8) */
                memmove(buf + o, f + p, 8);
                memmove(os + o, os + p, 8 * sizeof(*os));
                memmove(oe + o, oe + p, 8 * sizeof(*oe));
                memset(rep + (o - ws), 1, 8);
                o += k;
                p += k;
                last = f[p - 1];
                continue;
            }
        }
#endif
        for (size_t e = p + k; p < e; p++) {
            unsigned char c = f[p];
            if (c == last) {
                if (rep[o - 1 - ws] < 255)
                    rep[o - 1 - ws]++;
                oe[o - 1] = oe[p];
                continue;
            }
            buf[o] = (char)c;
            os[o] = os[p];
            oe[o] = oe[p];
            rep[o - ws] = 1;
            o++;
            last = c;
        }
    }
    return o;
}

/* ---- spelled-out letters -------------------------------------------------- */

struct spelled {
    size_t end;          /* just past the last unit */
    size_t last;         /* start of the last unit */
    size_t before_last;  /* end of the unit before the last */
    size_t at[4];        /* starts of the first four units */
    bool changed;        /* the run ended at a different separator */
    unsigned units;      /* single characters in the run */
    unsigned letters;    /* of which real ASCII letters */
    unsigned consonants; /* of which consonants */
    unsigned vowels;     /* units standing for a vowel, letters or leet */
    bool allspace;       /* every separator run is plain spaces */
};

static inline bool is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* The real ASCII letter (not leet) of the unit at p, or 0. */
static inline char real_letter(const struct wstate *w, size_t p)
{
    return wclass(w, p) == VG_WC_LETTER ? (char)w->f[p] : 0;
}

/*
 * Scans the run of spelled-out units starting with the unit at p. Every
 * separator of a run must be the same string as the first one: people who
 * spell a word out repeat one separator ("s.t.r.o", "c - a - z"), while a
 * list of single letters changes separator ("e a i, a e o").
 */
static void scan_spelled(const struct wstate *w, size_t p, struct spelled *r)
{
    size_t cur = p;
    size_t sep0 = 0; /* the first separator run, [sep0, sep0 + sep0_len) */
    size_t sep0_len = 0;

    r->units = 0;
    r->letters = 0;
    r->consonants = 0;
    r->vowels = 0;
    r->allspace = true;
    r->changed = false;
    r->end = p;
    r->before_last = p;
    for (;;) {
        if (r->units < 4)
            r->at[r->units] = cur;
        if (r->units > 0)
            r->before_last = r->end;
        r->units++;
        r->last = cur;
        if (wclass(w, cur) == VG_WC_LETTER) {
            r->letters++;
            if (!is_vowel((char)w->f[cur]))
                r->consonants++;
        }
        if (is_vowel(unit_letter(w, cur)))
            r->vowels++;
        r->end = cur + wlen(w, cur);

        size_t s = r->end;
        unsigned nsep = 0;
        bool spaces = true;
        while (s < w->flen && nsep < 4 && is_joinable(wclass(w, s))) {
            if (w->f[s] != ' ')
                spaces = false;
            nsep++;
            s += wlen(w, s);
        }
        if (nsep == 0 || nsep > 3 || s >= w->flen)
            return;
        if (unit_letter(w, s) == 0 || is_solid(next_class(w, s)))
            return;
        if (sep0_len == 0) {
            sep0 = r->end;
            sep0_len = s - r->end;
        } else if (s - r->end != sep0_len || memcmp(w->f + sep0, w->f + r->end, sep0_len) != 0) {
            r->changed = true;
            return;
        }
        if (!spaces)
            r->allspace = false;
        cur = s;
    }
}

/*
 * Three units spaced out that spell a consonant and two vowels ("d i e",
 * "h o e"): real letters, no "u" (chat's "r u a" is "are you a"), not ending
 * in "a" or "i", the one-letter words that end a list ("C e i", "x e a").
 */
static bool spells_cvv(const struct wstate *w, const size_t *at)
{
    for (unsigned k = 0; k < 3; k++) {
        char c = real_letter(w, at[k]);
        if (c == 0 || c == 'u' || is_vowel(c) != (k > 0))
            return false;
    }
    char z = real_letter(w, at[2]);
    return z != 'a' && z != 'i';
}

/*
 * Does a run of @p units (@p letters real letters, @p consonants of them
 * consonants) spell a word? Three or more with a separator other than
 * spaces; with spaces four or more, or three with two consonants ("g a y")
 * or spelling a consonant and two vowels (@p cvv, "d i e"). So "e a i",
 * "A e B", "r u a" and "e i o" stay lists.
 */
static bool run_qualifies(unsigned units, unsigned letters, unsigned consonants, bool allspace,
                          bool cvv)
{
    if (letters < 2)
        return false;
    if (units >= (allspace ? 4u : 3u))
        return true;
    return allspace && units == 3 && (consonants >= 2 || cvv);
}

/* A run of vowels only is a list ("a e i o u", "a.e.i"), never a word. */
static bool spelled_qualifies(const struct wstate *w, const struct spelled *r)
{
    if (r->vowels == r->units)
        return false;
    return run_qualifies(r->units, r->letters, r->consonants, r->allspace,
                         r->units == 3 && spells_cvv(w, r->at));
}

/* The consonants a word may start with before another consonant (an onset
 * of English or Italian: "tr", "sl", "ch", "wh"). */
static bool onset(char c1, char c2)
{
    if (is_vowel(c2))
        return true;
    if (c1 == c2 || c1 == 'n' || c1 == 'm' || c1 == 'l' || c1 == 'r')
        return false;
    return c2 == 'h' || c2 == 'r' || c2 == 'l';
}

/*
 * The last unit of a run is a one-letter word of its own: "i", "a", "e"
 * after an "o" and before another word, the Italian article, preposition
 * and conjunction after the "-o" of a verb or noun ("O d i o i gay"):
 * Italian words end in "-oi", "-oa", "-oe" only in a few pronouns and rare
 * nouns. WORDS depends on FOLD alone, so the case of the text (the English
 * "I" in "w o m a n I see") is not looked at.
 */
static bool trailing_word(const struct wstate *w, const struct spelled *r)
{
    size_t pl = r->before_last - 1; /* the unit before the last, if one byte */
    char c = real_letter(w, r->last);
    return (c == 'i' || c == 'a' || c == 'e') && real_letter(w, pl) == 'o' &&
           r->end + 1 < w->flen && w->f[r->end] == ' ' && wclass(w, r->end + 1) == VG_WC_LETTER;
}

/*
 * A one-letter word next to a word spelled out with spaces reads as part of
 * it ("a c a n c e r", "I h a t e", "O d i o i gay"): the edges of a run
 * are given back as words of their own when what is left spells a word by
 * itself.
 *   - At the start: "a" or "i" (the article and pronoun of English, the
 *     preposition and article of Italian), when the rest starts as a word
 *     can start: a consonant, then a vowel or a consonant that can follow
 *     it. So "a s s h o l e", "i m m i g r a t i", "i n d i r e c t" keep
 *     their first letter: no word starts with "ss", "mm" or "nd".
 *   - At the end: see trailing_word.
 * Words spelled out that start with "a" or "i" and a consonant that can
 * start a word ("i d i o t a") are split too: the run alone cannot tell.
 */
static void spelled_edges(const struct wstate *w, const struct spelled *r, bool *lead, bool *trail)
{
    *lead = false;
    *trail = false;
    if (!r->allspace || r->units < 4)
        return;
    unsigned units = r->units;
    unsigned letters = r->letters;

    if (trailing_word(w, r) && run_qualifies(units - 1, letters - 1, r->consonants, true,
                                             units == 4 && spells_cvv(w, r->at))) {
        *trail = true;
        units--;
        letters--;
    }

    char c = real_letter(w, r->at[0]);
    char c1 = real_letter(w, r->at[1]);
    char c2 = real_letter(w, r->at[2]);
    if ((c == 'a' || c == 'i') && c1 != 0 && !is_vowel(c1) && c2 != 0 && onset(c1, c2) &&
        run_qualifies(units - 1, letters - 1, r->consonants, true,
                      units == 4 && spells_cvv(w, r->at + 1)))
        *lead = true;
}

static void emit_spelled(struct wstate *w, size_t p, size_t end)
{
    while (p < end) {
        size_t l = wlen(w, p);
        char u = unit_letter(w, p);
        if (u != 0)
            emit_letter(w, u, p, l);
        p += l;
    }
}

/* Emits a qualifying run, with its one-letter edge words apart. */
static void emit_run(struct wstate *w, const struct spelled *r)
{
    bool lead;
    bool trail;
    spelled_edges(w, r, &lead, &trail);
    size_t b = r->at[0];
    size_t e = r->end;
    if (lead) {
        emit_spelled(w, b, r->at[1]);
        add_sep(w, b + 1, r->at[1] - b - 1);
        b = r->at[1];
    }
    if (trail)
        e = r->before_last;
    emit_spelled(w, b, e);
    if (trail) {
        add_sep(w, r->before_last, r->last - r->before_last);
        emit_spelled(w, r->last, r->end);
    }
}

/* ---- tokens and leetspeak ------------------------------------------------- */

static size_t token_end(const struct wstate *w, size_t p)
{
    while (p < w->flen && is_tokch(wclass(w, p)))
        p += wlen(w, p);
    return p;
}

static void emit_token(struct wstate *w, size_t p, size_t e)
{
    unsigned letters = 0;
    for (size_t x = p; x < e && letters < 2; x += wlen(w, x))
        if (wclass(w, x) == VG_WC_LETTER)
            letters++;
    bool leet = letters >= 2;

    unsigned prevk = VG_WC_SEP;
    for (size_t x = p; x < e;) {
        unsigned k = wclass(w, x);
        size_t l = wlen(w, x);
        size_t nx = x + l;
        unsigned nk = nx < e ? wclass(w, nx) : VG_WC_SEP;
        bool by_letter = (prevk == VG_WC_LETTER || nk == VG_WC_LETTER);
        char m = 0;

        switch (k) {
        case VG_WC_LETTER:
            /* the whole run of letters at once; its first letter may
             * collapse into a letter written just before ("a@a") */
            flush_sep(w);
            nx = letter_run_end(w->f, x, e);
            w->o = put_letters(w->n, w->wstart, x, nx, w->o,
                               w->o > w->wstart ? (unsigned char)w->n->buf[w->o - 1] : 0);
            break;
        case VG_WC_DIGIT:
            m = leet_digit[w->f[x] - '0'];
            if (leet && m != 0 && prevk != VG_WC_DIGIT && nk != VG_WC_DIGIT)
                emit_letter(w, m, x, l);
            else
                emit_copy(w, x, l);
            break;
        case VG_WC_WORD:
            emit_copy(w, x, l);
            break;
        case VG_WC_AT:
        case VG_WC_DOLLAR:
        case VG_WC_EURO:
            if (leet && by_letter && !(k == VG_WC_AT && x == p))
                emit_letter(w, unit_letter(w, x), x, l);
            else
                add_sep(w, x, l);
            break;
        case VG_WC_BANG:
        case VG_WC_PIPE:
            if (leet && nk == VG_WC_LETTER && prevk != VG_WC_BANG && prevk != VG_WC_PIPE)
                emit_letter(w, 'i', x, l);
            else
                add_sep(w, x, l);
            break;
        default:
            add_sep(w, x, l);
            break;
        }
        prevk = k;
        x = nx;
    }
}

/* A run of plain ASCII letters: written straight to WORDS. Returns its end. */
static size_t letters_fast(struct wstate *w, size_t p)
{
    size_t q = letter_run_end(w->f, p, w->flen);
    w->o = put_letters(w->n, w->wstart, p, q, w->o, 0);
    return q;
}

/*
 * Is the ASCII letter at p a word of its own that scan_spelled would reject
 * at its first step? That is so when an ASCII separator follows and the
 * separator run is not 1-3 joinable characters leading to a unit standing
 * alone ("a word", "don't"). Anything that needs a closer look (a non-ASCII
 * character, a unit after the separators) answers false, for the general
 * loop to decide.
 */
static bool lone_letter(const unsigned char *f, size_t p, size_t flen)
{
    size_t s = p + 1;
    if (s >= flen)
        return true;
    if (f[s] >= 0x80 || ascii_class[f[s]] >= VG_WC_LETTER)
        return false;
    unsigned nsep = 0;
    for (; s < flen && nsep < 4 && is_joinable(ascii_class[f[s] & 0x7F]); s++) {
        if (f[s] >= 0x80)
            return false;
        nsep++;
    }
    if (nsep == 0 || nsep > 3 || s >= flen)
        return true;
    if (f[s] >= 0x80)
        return false;
    unsigned k = ascii_class[f[s]];
    bool unit = k == VG_WC_LETTER || k == VG_WC_AT || k == VG_WC_DOLLAR ||
                (k == VG_WC_DIGIT && leet_digit[f[s] - '0'] != 0);
    if (!unit)
        return true;
    if (s + 1 >= flen || f[s + 1] >= 0x80)
        return false;
    return is_solid(ascii_class[f[s + 1]]);
}

/*
 * The fast path for plain text, which is mostly words of two or more ASCII
 * letters between runs of ASCII separators: neither can start a spelled-out
 * run nor hold leetspeak, so they are written in bulk here, with the state
 * in registers and no per-character class dispatch. Stops (and returns the
 * position) at anything else: a single letter (it may start a spelled-out
 * run), a word that goes on with a digit or a leetspeak symbol, a digit,
 * a non-ASCII character; the general loop takes it from there, with the
 * pending separator handed over in @p w.
 */
static size_t plain_fast(struct wstate *w, size_t p)
{
    const unsigned char *f = w->f;
    const size_t flen = w->flen;
    const uint32_t *os = w->n->os;
    const uint32_t *oe = w->n->oe;
    size_t o = w->o;

    for (;;) {
        size_t s = p;
        while (p < flen && f[p] < 0x80 && ascii_class[f[p]] < VG_WC_LETTER)
            p++;
        if (p > s) {
            if (!w->pending) {
                w->pending = true;
                w->ps = os[s];
            }
            w->pe = oe[p - 1];
        }
        if (p >= flen || !is_ascii_letter(f[p]))
            break;
        if (p + 1 >= flen || !is_ascii_letter(f[p + 1])) {
            /* a one-letter word: what emit_token would write, emit_letter */
            if (!lone_letter(f, p, flen))
                break;
            w->o = o;
            emit_letter(w, (char)f[p], p, 1);
            o = w->o;
            p++;
            continue;
        }
        size_t q = letter_run_end(f, p + 2, flen);
        /* a word going on with a digit or a symbol is a token for emit_token */
        if (q < flen && (f[q] >= 0x80 || ascii_class[f[q]] >= VG_WC_LETTER))
            break;
        if (w->pending) {
            w->o = o;
            flush_sep(w);
            o = w->o;
        }
        o = put_letters(w->n, w->wstart, p, q, o, 0);
        p = q;
    }
    w->o = o;
    return p;
}

#ifdef VG_NORM_SSE2
/*
 * plain_fast with SSE2: the same steps, the same result, but the runs of
 * letters and of separators are found in bit masks of the whole FOLD
 * region, classified sixteen bytes at a time before the pass, and a word is
 * written sixteen letters at a time.
 */

/*
 * Fills n->plain: for each 64 FOLD bytes, the mask of the letters a-z, the
 * mask of the separators (ASCII: neither a-z, 0-9 nor @ $ ! |) and the mask
 * of the letters equal to the byte before them. Bits at or past flen are
 * clear, and so are the three words after the ones holding flen, so that a
 * run always ends by flen. Only the 16-byte blocks that
 * start before flen are read: at most 15 bytes past it, into the '\n',
 * WORDS or the slack, all initialised, and cut off by the masks.
 */
static void plain_classify(vg_norm_t *n, size_t flen)
{
    const unsigned char *f = (const unsigned char *)n->buf;
    uint64_t *m = n->plain;
    /* x + 0x1F is below -102 (signed) exactly for 'a'..'z'; x + 0x50 is
     * below -118 exactly for '0'..'9' */
    const __m128i letter_off = _mm_set1_epi8(0x80 - 'a');
    const __m128i letter_lim = _mm_set1_epi8(-128 + 26);
    const __m128i digit_off = _mm_set1_epi8(0x80 - '0');
    const __m128i digit_lim = _mm_set1_epi8(-128 + 10);
    const __m128i at = _mm_set1_epi8('@');
    const __m128i dollar = _mm_set1_epi8('$');
    const __m128i bang = _mm_set1_epi8('!');
    const __m128i pipe = _mm_set1_epi8('|');
    bool sep_char = false; /* the non-ASCII character being classified is a separator */
    size_t wi = 0;

    for (size_t base = 0; base < flen; base += 64, wi++) {
        uint64_t letter = 0;
        uint64_t other = 0;
        uint64_t high = 0;
        uint64_t dup = 0;
        for (unsigned k = 0; k < 4 && base + 16 * k < flen; k++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(f + base + 16 * k));
            __m128i let = _mm_cmplt_epi8(_mm_add_epi8(x, letter_off), letter_lim);
            __m128i dig = _mm_cmplt_epi8(_mm_add_epi8(x, digit_off), digit_lim);
            __m128i sym =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, at), _mm_cmpeq_epi8(x, dollar)),
                             _mm_or_si128(_mm_cmpeq_epi8(x, bang), _mm_cmpeq_epi8(x, pipe)));
            /* the sign bit of x marks the bytes >= 0x80 */
            uint64_t ml = (unsigned)_mm_movemask_epi8(let);
            uint64_t mo = (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, sym));
            uint64_t mh = (unsigned)_mm_movemask_epi8(x);
            size_t at16 = base + 16 * k;
            __m128i prev = at16 > 0 ? _mm_loadu_si128((const __m128i *)(const void *)(f + at16 - 1))
                                    : _mm_slli_si128(x, 1);
            uint64_t md = (unsigned)_mm_movemask_epi8(_mm_and_si128(let, _mm_cmpeq_epi8(x, prev)));
            dup |= md << (16 * k);
            letter |= ml << (16 * k);
            other |= (mo | mh) << (16 * k);
            high |= mh << (16 * k);
        }
        size_t left = flen - base;
        uint64_t valid = left >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << left) - 1;
        uint64_t sep = ~(letter | other);
        /* A non-ASCII separator (an emoji, a quotation mark) is one too:
         * WORDS treats it as it treats an ASCII one, and anything that
         * follows a lone letter is looked at by lone_letter anyway. Its
         * continuation bytes follow its lead byte, maybe in the next word. */
        for (uint64_t h = high & valid; h != 0; h &= h - 1) {
            unsigned b = (unsigned)__builtin_ctzll(h);
            if (f[base + b] >= 0xC0)
                sep_char = n->cls[base + b] <= VG_WC_SEPJ;
            if (sep_char)
                sep |= UINT64_C(1) << b;
        }
        m[3 * wi] = letter & valid;
        m[3 * wi + 1] = sep & valid;
        m[3 * wi + 2] = dup & valid;
    }
    m[3 * wi] = 0;
    m[3 * wi + 1] = 0;
    m[3 * wi + 2] = 0;
}

/* The end of the run of letters (@p seps 0) or separators (1) from p. */
static inline size_t plain_run_end(const uint64_t *m, size_t p, unsigned seps)
{
    size_t wi = p >> 6;
    uint64_t stop = ~m[3 * wi + seps] & (~UINT64_C(0) << (p & 63));
    while (stop == 0)
        stop = ~m[3 * ++wi + seps];
    return (wi << 6) + (unsigned)__builtin_ctzll(stop);
}

static inline bool plain_is(const uint64_t *m, size_t p, unsigned seps)
{
    return (m[3 * (p >> 6) + seps] >> (p & 63)) & 1;
}

/*
 * Where WORDS is written. The pointers are copied out of the normalizer
 * into locals: a byte store could alias its fields for the compiler, which
 * would then reload them after every one.
 */
struct wmaps {
    char *buf;
    uint32_t *os;
    uint32_t *oe;
    uint8_t *rep; /* indexed from WORDS start ws */
    size_t ws;
};

/*
 * Copies the letters FOLD [c, c + d) to WORDS from o, @p wide (16) or 8 at
 * a time: bytes, source maps, run lengths 1. The stores reach past what is
 * kept (up to 15 entries), within the bounds shown at put_letters; every
 * load is done before the stores that could overlap it, and the entries
 * read past the word are never kept.
 */
static inline void copy_letters(struct wmaps mp, size_t c, size_t o, __m128i x, bool wide)
{
    __m128i s0 = _mm_loadu_si128((const __m128i *)(const void *)(mp.os + c));
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)(mp.os + c + 4));
    __m128i e0 = _mm_loadu_si128((const __m128i *)(const void *)(mp.oe + c));
    __m128i e1 = _mm_loadu_si128((const __m128i *)(const void *)(mp.oe + c + 4));
    if (wide) {
        __m128i s2 = _mm_loadu_si128((const __m128i *)(const void *)(mp.os + c + 8));
        __m128i s3 = _mm_loadu_si128((const __m128i *)(const void *)(mp.os + c + 12));
        __m128i e2 = _mm_loadu_si128((const __m128i *)(const void *)(mp.oe + c + 8));
        __m128i e3 = _mm_loadu_si128((const __m128i *)(const void *)(mp.oe + c + 12));
        _mm_storeu_si128((__m128i *)(void *)(mp.buf + o), x);
        _mm_storeu_si128((__m128i *)(void *)(mp.os + o + 8), s2);
        _mm_storeu_si128((__m128i *)(void *)(mp.os + o + 12), s3);
        _mm_storeu_si128((__m128i *)(void *)(mp.oe + o + 8), e2);
        _mm_storeu_si128((__m128i *)(void *)(mp.oe + o + 12), e3);
        _mm_storeu_si128((__m128i *)(void *)(mp.rep + (o - mp.ws)), _mm_set1_epi8(1));
    } else {
        _mm_storel_epi64((__m128i *)(void *)(mp.buf + o), x);
        _mm_storel_epi64((__m128i *)(void *)(mp.rep + (o - mp.ws)), _mm_set1_epi8(1));
    }
    _mm_storeu_si128((__m128i *)(void *)(mp.os + o), s0);
    _mm_storeu_si128((__m128i *)(void *)(mp.os + o + 4), s1);
    _mm_storeu_si128((__m128i *)(void *)(mp.oe + o), e0);
    _mm_storeu_si128((__m128i *)(void *)(mp.oe + o + 4), e1);
}

/*
 * put_letters for a word [p, q) whose first letter never collapses into the
 * byte before, up to 16 letters a step: the letters up to the next one
 * equal to the letter before it are copied at once, then that run of
 * repeats is counted into the last byte written.
 */
static inline size_t put_word_sse2(struct wmaps mp, size_t p, size_t q, size_t o)
{
    const unsigned char *f = (const unsigned char *)mp.buf;

    for (size_t c = p; c < q;) {
        bool wide = q - c > 8;
        unsigned k = wide ? (q - c < 16 ? (unsigned)(q - c) : 16) : (unsigned)(q - c);
        __m128i x;
        __m128i prev;
        if (wide) {
            x = _mm_loadu_si128((const __m128i *)(const void *)(f + c));
            prev = c > 0 ? _mm_loadu_si128((const __m128i *)(const void *)(f + c - 1))
                         : _mm_slli_si128(x, 1);
        } else {
            x = _mm_loadl_epi64((const __m128i *)(const void *)(f + c));
            prev = c > 0 ? _mm_loadl_epi64((const __m128i *)(const void *)(f + c - 1))
                         : _mm_slli_si128(x, 1);
        }
        unsigned dup = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, prev)) & (0xFFFFu >> (16 - k));
        if (c == p)
            dup &= ~1u;
        unsigned d = dup != 0 ? (unsigned)__builtin_ctz(dup) : k;
        if (d > 0) {
            copy_letters(mp, c, o, x, wide);
            o += d;
            c += d;
        }
        if (dup != 0) {
            /* the repeats from d on: at least one, none past the word */
            unsigned r = (unsigned)__builtin_ctz(~(dup >> d));
            unsigned v = mp.rep[o - 1 - mp.ws] + r;
            mp.rep[o - 1 - mp.ws] = (uint8_t)(v < 255 ? v : 255);
            mp.oe[o - 1] = mp.oe[c + r - 1];
            c += r;
        }
    }
    return o;
}

static inline void put_one(struct wmaps mp, size_t o, char c, uint32_t s, uint32_t e)
{
    mp.buf[o] = c;
    mp.os[o] = s;
    mp.oe[o] = e;
    mp.rep[o - mp.ws] = 1;
}

/* The state of @p w is kept in locals: the stores to the maps could alias
 * its fields for the compiler. */
static size_t plain_fast_sse2(struct wstate *w, size_t p)
{
    vg_norm_t *n = w->n;
    const struct wmaps mp = {
        .buf = n->buf, .os = n->os, .oe = n->oe, .rep = n->rep, .ws = w->wstart};
    const unsigned char *f = w->f;
    const size_t flen = w->flen;
    const uint64_t *m = n->plain;
    size_t o = w->o;
    bool pending = w->pending;
    uint32_t ps = w->ps;
    uint32_t pe = w->pe;

    while (p < flen) {
        size_t q = plain_run_end(m, p, 1);
        if (q > p) {
            if (!pending) {
                pending = true;
                ps = mp.os[p];
            }
            pe = mp.oe[q - 1];
            p = q;
        }
        if (!plain_is(m, p, 0)) /* anything else, or the end of FOLD */
            break;
        q = plain_run_end(m, p, 0);
        if (q - p == 1) {
            /* a one-letter word: what emit_token would write, emit_letter */
            if (!lone_letter(f, p, flen))
                break;
            if (pending) {
                put_one(mp, o++, ' ', ps, pe);
                pending = false;
            }
            if (o > mp.ws && mp.buf[o - 1] == (char)f[p]) {
                uint8_t *r = &mp.rep[o - 1 - mp.ws];
                if (*r < 255)
                    (*r)++;
                mp.oe[o - 1] = mp.oe[p];
            } else {
                put_one(mp, o, (char)f[p], mp.os[p], mp.oe[p]);
                o++;
            }
            p++;
            continue;
        }
        /* a word going on with a digit or a symbol is a token for emit_token */
        if (q < flen && !plain_is(m, q, 1))
            break;
        if (pending) {
            put_one(mp, o++, ' ', ps, pe);
            pending = false;
        }
        /* the common word: up to 16 letters in one mask word, no repeat */
        size_t len = q - p;
        unsigned sh = (unsigned)(p & 63);
        if (len <= 16 && sh + len <= 64 &&
            ((m[3 * (p >> 6) + 2] >> sh) & ((UINT64_C(1) << len) - 2)) == 0) {
            __m128i x = len > 8 ? _mm_loadu_si128((const __m128i *)(const void *)(f + p))
                                : _mm_loadl_epi64((const __m128i *)(const void *)(f + p));
            copy_letters(mp, p, o, x, len > 8);
            o += len;
        } else {
            o = put_word_sse2(mp, p, q, o);
        }
        p = q;
    }
    w->o = o;
    w->pending = pending;
    w->ps = ps;
    w->pe = pe;
    return p;
}
#endif

size_t vg_norm_words_pass(vg_norm_t *n, size_t fold_len, size_t dst)
{
    struct wstate w = {
        .n = n, .f = (const unsigned char *)n->buf, .flen = fold_len, .o = dst, .wstart = dst};
    size_t p = 0;
    size_t reject_until = 0;

#ifdef VG_NORM_SSE2
    if (!n->scalar)
        plain_classify(n, fold_len);
#endif

    /* At every token start the character before is not solid (a token is a
     * maximal run, a spelled-out run ends before a non-solid character), so
     * a unit only needs its next character checked. */
    while (p < fold_len) {
#ifdef VG_NORM_SSE2
        p = n->scalar ? plain_fast(&w, p) : plain_fast_sse2(&w, p);
#else
        p = plain_fast(&w, p);
#endif
        if (p >= fold_len)
            break;
        unsigned k = wclass(&w, p);
        if (k < VG_WC_LETTER) { /* a separator (SEP, SEPJ) */
            size_t l = wlen(&w, p);
            add_sep(&w, p, l);
            p += l;
            continue;
        }
        unsigned nk = next_class(&w, p);
        if (k == VG_WC_LETTER && nk == VG_WC_LETTER) {
            flush_sep(&w);
            size_t o0 = w.o;
            size_t q = letters_fast(&w, p);
            if (q >= fold_len || !is_tokch(wclass(&w, q))) {
                p = q;
                continue;
            }
            w.o = o0; /* digits or symbols follow: redo the token in full */
        } else if (p >= reject_until && unit_letter(&w, p) != 0 && !is_solid(nk)) {
            struct spelled r;
            scan_spelled(&w, p, &r);
            if (spelled_qualifies(&w, &r)) {
                emit_run(&w, &r);
                p = r.end;
                continue;
            }
            /* No suffix of a rejected run can qualify, so it is never scanned
             * again; except that a run cut short by a new separator leaves
             * its last unit free to start the next run ("e u.s.a"). Each
             * unit is scanned at most twice: linear. */
            reject_until = r.changed ? r.last : r.end;
        }
        size_t e = token_end(&w, p);
        emit_token(&w, p, e);
        p = e;
    }
    flush_sep(&w);
    return w.o;
}
