/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the normalizer: the FOLD region (compatibility folding,
 * confusables, case and accents, dropped and space characters, invalid
 * UTF-8), the WORDS region (leetspeak, spelled-out letters, separators, run
 * collapse), the offset contract (every range found in the buffer maps back
 * to the original bytes it came from), truncation and vg_norm_word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "normalize/normalize_internal.h"
#include "vaglio/normalize.h"

/* ---- helpers --------------------------------------------------------------- */

static vg_norm_t *norm;

static int setup(void **state)
{
    (void)state;
    norm = vg_norm_new(4096);
    return norm == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_norm_free(norm);
    norm = NULL;
    return 0;
}

/* Runs the normalizer and checks its invariants. */
static void run(const char *text, size_t len)
{
    assert_int_equal(vg_norm_run(norm, text, len), 0);
    const char *why = vg_norm_check_invariants(norm);
    if (why != NULL)
        fail_msg("invariant broken: %s", why);
}

/* The FOLD region of the last run, NUL-terminated (static storage). */
static const char *fold_of(const char *text)
{
    static char out[8192];
    size_t len, fe, ws;
    run(text, strlen(text));
    const char *b = vg_norm_buffer(norm, &len);
    vg_norm_regions(norm, &fe, &ws);
    memcpy(out, b, fe);
    out[fe] = '\0';
    return out;
}

/* The WORDS region of the last run, NUL-terminated (static storage). */
static const char *words_of(const char *text)
{
    static char out[8192];
    size_t len, fe, ws;
    run(text, strlen(text));
    const char *b = vg_norm_buffer(norm, &len);
    vg_norm_regions(norm, &fe, &ws);
    memcpy(out, b + ws, len - ws);
    out[len - ws] = '\0';
    return out;
}

#define assert_fold(text, expected)  assert_string_equal(fold_of(text), (expected))
#define assert_words(text, expected) assert_string_equal(words_of(text), (expected))

/* Appends code point cp to out as UTF-8; returns the new length. */
static size_t put_utf8(char *out, size_t o, uint32_t cp)
{
    if (cp < 0x80) {
        out[o++] = (char)cp;
    } else if (cp < 0x800) {
        out[o++] = (char)(0xC0 | (cp >> 6));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[o++] = (char)(0xE0 | (cp >> 12));
        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[o++] = (char)(0xF0 | (cp >> 18));
        out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/*
 * The offset contract: @p needle occurs in the FOLD (words=0) or WORDS
 * (words=1) region of @p text, and the buffer range maps back to exactly
 * @p source in the original text.
 */
static void assert_maps(const char *text, int words, const char *needle, const char *source)
{
    size_t len, fe, ws;
    run(text, strlen(text));
    const char *b = vg_norm_buffer(norm, &len);
    vg_norm_regions(norm, &fe, &ws);
    size_t rb = words ? ws : 0;
    size_t re = words ? len : fe;
    const char *hit = memmem(b + rb, re - rb, needle, strlen(needle));
    if (hit == NULL)
        fail_msg("'%s' not in %s region '%.*s' of '%s'", needle, words ? "WORDS" : "FOLD",
                 (int)(re - rb), b + rb, text);
    size_t s = (size_t)(hit - b);
    size_t os, oe;
    vg_norm_map(norm, s, s + strlen(needle), &os, &oe);
    assert_true(os < oe);
    assert_true(oe <= strlen(text));
    if (oe - os != strlen(source) || memcmp(text + os, source, oe - os) != 0)
        fail_msg("'%s' in '%s' maps to [%zu,%zu) '%.*s', expected '%s'", needle, text, os, oe,
                 (int)(oe - os), text + os, source);
}

/* Run length of the WORDS byte at index @p i of the WORDS region. */
static unsigned words_repeat(size_t i)
{
    size_t fe, ws;
    vg_norm_regions(norm, &fe, &ws);
    return vg_norm_repeat(norm, ws + i);
}

/* ---- FOLD ------------------------------------------------------------------- */

static void test_fold_latin(void **state)
{
    (void)state;
    assert_fold("Perché", "perche");
    assert_fold("ÀÁÂÃÄÅĀĂĄ àáâãäåāăą", "aaaaaaaaa aaaaaaaaa");
    assert_fold("çćč ð èéêëēėęě ìíîïīįı ñńň", "ccc d eeeeeeee iiiiiii nnn");
    assert_fold("òóôõöøōő ùúûüūůűų ýÿ žźż šśş ł", "oooooooo uuuuuuuu yy zzz sss l");
    assert_fold("ß ẞ æ Æ œ Œ þ Þ", "ss ss ae ae oe oe th th");
    assert_fold("Ĳ ĳ ǅ ǆ Ǉ", "ij ij dz dz lj");
    assert_fold("ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ", "ff fi fl ffi ffl st st");
    assert_fold("HELLO World 123 !?", "hello world 123 !?");
    assert_fold("L'Aquila, Forlì-Cesena", "l'aquila, forli-cesena");
}

static void test_fold_fullwidth_and_enclosed(void **state)
{
    (void)state;
    assert_fold("ＳＴＲＯＮＺＯ！ ｃａｚｚｏ １２３", "stronzo! cazzo 123");
    assert_fold("ⓢⓣⓡⓞⓝⓩⓞ ⓈⓉⓇ ⒮⒯⒭", "stronzo str str");
    assert_fold("① ② ⑨ ⑩ ⑳ ⓪ ❶ ➀ ⑴ ⒈", "1 2 9 10 20 0 1 1 1 1");
    assert_fold("🄰🄱 🅐🅑 🅰🅱 🇮🇹", "ab ab ab it");
    assert_fold("¹²³⁰⁹ ₀₉ ᵃᵇ ˢ", "12309 09 ab s");
    assert_fold("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz");
    assert_fold("ℎℯℊℴℓ ℂℍℕℙℚℝℤ ℬℰℱℋℐℒℳℛ ℭℌℑℨ", "hegol chnpqrz befhilmr chiz");
}

/* Every letter of the 13 Mathematical Alphanumeric alphabets and the 5 digit
 * sets folds to ASCII, the reserved holes being the letterlike symbols. */
static void test_fold_math_alphanumerics(void **state)
{
    (void)state;
    static const struct {
        uint32_t hole;
        uint32_t letterlike;
    } holes[] = {
        {0x1D455, 0x210E}, {0x1D49D, 0x212C}, {0x1D4A0, 0x2130}, {0x1D4A1, 0x2131},
        {0x1D4A3, 0x210B}, {0x1D4A4, 0x2110}, {0x1D4A7, 0x2112}, {0x1D4A8, 0x2133},
        {0x1D4AD, 0x211B}, {0x1D4BA, 0x212F}, {0x1D4BC, 0x210A}, {0x1D4C4, 0x2134},
        {0x1D506, 0x212D}, {0x1D50B, 0x210C}, {0x1D50C, 0x2111}, {0x1D515, 0x211C},
        {0x1D51D, 0x2128}, {0x1D53A, 0x2102}, {0x1D53F, 0x210D}, {0x1D545, 0x2115},
        {0x1D547, 0x2119}, {0x1D548, 0x211A}, {0x1D549, 0x211D}, {0x1D551, 0x2124},
    };
    char text[1024];
    char expect[128];

    for (uint32_t style = 0; style < 13; style++) {
        size_t o = 0;
        for (uint32_t k = 0; k < 52; k++) {
            uint32_t cp = 0x1D400 + style * 52 + k;
            for (size_t h = 0; h < sizeof(holes) / sizeof(holes[0]); h++)
                if (holes[h].hole == cp)
                    cp = holes[h].letterlike;
            o = put_utf8(text, o, cp);
            expect[k] = (char)('a' + k % 26);
        }
        text[o] = '\0';
        expect[52] = '\0';
        assert_fold(text, expect);
    }
    size_t o = 0;
    for (uint32_t cp = 0x1D7CE; cp <= 0x1D7FF; cp++)
        o = put_utf8(text, o, cp);
    text[o] = '\0';
    assert_fold(text, "01234567890123456789012345678901234567890123456789");
    /* ... and they map back to their 4 bytes each */
    assert_maps("𝐬𝐭𝐫𝐨𝐧𝐳𝐨", 0, "stronzo", "𝐬𝐭𝐫𝐨𝐧𝐳𝐨");
    assert_maps("𝐬𝐭𝐫𝐨𝐧𝐳𝐨", 1, "stronzo", "𝐬𝐭𝐫𝐨𝐧𝐳𝐨");
}

static void test_fold_confusables(void **state)
{
    (void)state;
    /* Cyrillic а е о р с у х і ј ѕ ԁ ԛ ԝ, Greek ο α ν ρ τ ι */
    assert_fold("аеорсухіјѕԁԛԝ", "aeopcyxijsdqw");
    assert_fold("οανρτι", "oavpti");
    assert_fold("ѕtrоnzо", "stronzo");           /* Cyrillic ѕ о */
    assert_fold("СТРОНЗО", "ctpohзo");           /* capitals; З stays a letter */
    assert_fold("ΑΒΕΗΙΚΜΝΟΡΤΧ", "abehikmnoptx"); /* Greek capitals */
    assert_fold("ꭺᎪᏴ", "aab");             /* Cherokee */
    assert_fold("օսհ", "ouh");                   /* Armenian */
    assert_fold("сука", "cyka");
    /* letters of their own are only lower-cased */
    assert_fold("ДЖЯ", "джя");
    assert_fold("Ω", "ω");
}

static void test_fold_dropped(void **state)
{
    (void)state;
    assert_fold("s\u200Btro\u200Cn\u200Dz\u2060o\uFEFF", "stronzo");
    assert_fold("s\u00ADtr\u202Eon\u2066zo\u061C", "stronzo");
    assert_fold("cia\u034Fo\u180E \uFE0F", "ciao ");
    assert_fold("e\u0301 a\u0300\u0327 o\u1AB0 u\u1DC0 x\u20D0 y\uFE20", "e a o u x y");
    /* a combining accent belongs to the letter it sits on */
    assert_maps("Perche\u0301!", 0, "perche", "Perche\u0301");
    assert_maps("Perche\u0301!", 1, "he", "he\u0301");
    /* a zero-width character inside a word is covered by the word's range */
    assert_maps("sei uno stro\u200Bnzo", 1, "stronzo", "stro\u200Bnzo");
}

static void test_fold_spaces_and_controls(void **state)
{
    (void)state;
    assert_fold("a\tb\nc\rd\ve\ff", "a b c d e f");
    assert_fold("a\u00A0b\u1680c\u2003d\u2028e\u2029f\u202Fg\u205Fh\u3000i", "a b c d e f g h i");
    assert_fold("a\x01"
                "b\x7F"
                "c\xC2\x85"
                "d\xC2\x9F"
                "e",
                "a b c d e");
    run("a\0b", 3);
    size_t len;
    assert_memory_equal(vg_norm_buffer(norm, &len), "a b\n", 4);
}

static void test_fold_invalid_utf8(void **state)
{
    (void)state;
    assert_fold("a\xFF"
                "b",
                "a b");
    assert_fold("\xC0\xAF", "  ");      /* overlong '/' */
    assert_fold("\xE0\x80\xAF", "   "); /* overlong, 3 bytes */
    assert_fold("\xED\xA0\x80"
                "x",
                "   x");                     /* surrogate U+D800 */
    assert_fold("\xF4\x90\x80\x80", "    "); /* above U+10FFFF */
    assert_fold("x\xE2\x82", "x  ");         /* truncated euro sign */
    assert_fold("\x80\xBF"
                "ok",
                "  ok");                          /* stray continuation bytes */
    assert_fold("\xF8\x88\x80\x80\x80", "     "); /* 5-byte form */
    assert_maps("ab\xFF"
                "cd",
                0, " ", "\xFF");
}

static void test_fold_passthrough(void **state)
{
    (void)state;
    assert_fold("中文 😀 ٣٤ مرحبا", "中文 😀 34 مرحبا");
    assert_fold("€ · • « » ©", "€ · • « » ©");
}

/* ---- WORDS ------------------------------------------------------------------ */

static void test_words_leet(void **state)
{
    (void)state;
    assert_words("str0nz0", "stronzo");
    assert_words("m3rd4", "merda");
    assert_words("c0gl10ne", "cogl10ne"); /* "10" is a two-digit run: kept */
    assert_words("anni90", "ani90");
    assert_words("$tronzo", "stronzo");
    assert_words("c@zzo", "cazo");
    assert_words("m€rda", "merda");
    assert_words("!diota", "idiota");
    assert_words("c|ao", "ciao");
    assert_words("stronzo!", "stronzo ");
    assert_words("ciao!!!come", "ciao come");
    assert_words("@brand", " brand");
    assert_words("scrivi a mario@example", "scrivi a marioaexample");
    assert_words("h3ll0 a1 x5 1a", "helo a1 x5 1a"); /* one letter: no leet */
    assert_words("7r0i4", "troia");
    assert_words("2pac 6ix 8ball 9gag", "2pac 6ix 8bal 9gag");
    assert_words("$ 100 @ €", " 100 ");
}

static void test_words_spelled_out(void **state)
{
    (void)state;
    assert_words("Sei uno s.t.r.o.n.z.o!!", "sei uno stronzo ");
    assert_words("s t r o n z o", "stronzo");
    assert_words("f u c k you", "fuck you");
    assert_words("c a z z o", "cazo");
    assert_words("s-t-r-o-n-z-o", "stronzo");
    assert_words("s_t_r_o", "stro");
    assert_words("s * t * r * o", "stro");
    assert_words("s|t|r|o|n|z|o", "stronzo");
    assert_words("s·t·r·o", "stro");
    assert_words("s•t•r•o", "stro");
    assert_words("c.4.z.z.0", "cazo");
    assert_words("s. t. r. o. n. z. o", "stronzo");
    assert_words("m.e.r.d.a e basta", "merda e basta");
    /* lists of single letters are not words */
    assert_words("e a i", "e a i");
    assert_words("a e o", "a e o");
    assert_words("vocali: a e o, poi i u", "vocali a e o poi i u");
    assert_words("1 3 4 5", "1 3 4 5");
    assert_words("a b", "a b");
    /* three with a non-space separator join; three with spaces only with
     * two consonants among them, so that a list of vowels stays a list */
    assert_words("x.y.z", "xyz");
    assert_words("voi g a y mi", "voi gay mi");
    assert_words("dei g a y hanno", "dei gay hano");
    assert_words("e i o", "e i o");
    assert_words("S.p.A. e U.S.A.", "spa e usa ");
    assert_words("s    t    r    o", "s t r o"); /* separators longer than 3 */
    /* three with spaces, a consonant and two vowels, in one case */
    assert_words("you deserve to d i e.", "you deserve to die ");
    assert_words("D I E", "die");
    assert_words("x e a", "x e a");
    assert_words("vitamina C e i sali", "vitamina c e i sali");
    assert_words("r u a fool", "r u a fol"); /* chat: "are you a" */
    assert_words("r u 4 real", "r u 4 real");
    assert_words("A e B", "a e b");
    /* vowels only are a list, never a word */
    assert_words("a e i o u", "a e i o u");
    assert_words("a.e.i.o.u", "a e i o u");
    assert_words("J. R. R. Tolkien", "jr tolkien"); /* initials: as before */
}

/* A one-letter word next to a spelled-out word stays a word of its own. */
static void test_words_spelled_edges(void **state)
{
    (void)state;
    assert_words("they are a t h r e a t to us", "they are a threat to us");
    assert_words("I h a t e them", "i hate them");
    assert_words("i g a y", "i gay");
    assert_words("you are a d i e", "you are a die");
    assert_words("the next w o m a n I see", "the next womani se"); /* case is not read */
    assert_words("O d i o i gay", "odio i gay");
    assert_words("F a n c u l o a tutti", "fanculo a tuti");
    /* a doubled or impossible start: the letter belongs to the word */
    assert_words("a s s h o l e", "ashole");
    assert_words("gli i m m i g r a t i", "gli imigrati");
    assert_words("i n d i r e c t", "indirect");
    /* the rest too short to be a word by itself */
    assert_words("O d i o gli", "odio gli");
    assert_words("a b c d", "abcd");
    /* "o" + vowel only before a word */
    assert_words("j i h a d i", "jihadi");
    assert_words("N E G R O", "negro");
    assert_words("t r o i a", "troia");
    assert_words("il c a n o e.", "il canoe ");
    assert_words("gli e b r e i sono", "gli ebrei sono");
    assert_words("gli e r o i sono", "gli eroi sono");
    /* with separators other than spaces: unchanged */
    assert_words("a.t.h.r.e.a.t", "athreat");
}

static void test_words_separators(void **state)
{
    (void)state;
    assert_words("ciao😀merda", "ciao merda");
    assert_words("  ciao,   mondo...  ", " ciao mondo ");
    assert_words("ciao 中文 джя", "ciao 中文 джя");
    assert_words("мир", "mиp"); /* Cyrillic lookalikes fold, other letters stay */
    assert_words("a→b ★ c™d", "a b c d");
    assert_words("«ciao»", " ciao ");
    assert_words("", "");
    assert_words("!!!", " ");
}

static void test_words_repeat(void **state)
{
    (void)state;
    /* "stronzooooo" ends with five o's */
    assert_words("stronzooooo", "stronzo");
    assert_int_equal(words_repeat(6), 5);
    assert_int_equal(words_repeat(5), 1);
    assert_maps("stronzooooo", 1, "o", "o"); /* the first 'o' */
    assert_maps("stronzooooo", 1, "zo", "zooooo");
    /* six o's: repeat 6 on the last 'o' */
    assert_words("stronzoooooo", "stronzo");
    assert_int_equal(words_repeat(6), 6);
    assert_words("cazzo", "cazo");
    assert_int_equal(words_repeat(2), 2);
    assert_words("anno ano", "ano ano");
    assert_int_equal(words_repeat(1), 2);
    assert_int_equal(words_repeat(5), 1);
    assert_words("1100 aa11", "1100 a11");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(words_repeat(i), 1);

    char many[400];
    memset(many, 'a', 300);
    many[300] = '\0';
    assert_words(many, "a");
    assert_int_equal(words_repeat(0), 255);
    /* FOLD bytes have no run length */
    assert_int_equal(vg_norm_repeat(norm, 0), 1);
}

/* ---- offsets ----------------------------------------------------------------- */

static void test_offsets_contract(void **state)
{
    (void)state;
    assert_maps("Sei uno s.t.r.o.n.z.o!!", 1, "stronzo", "s.t.r.o.n.z.o");
    assert_maps("Sei uno s.t.r.o.n.z.o!!", 0, "s.t.r", "s.t.r");
    assert_maps("Perché no", 0, "perche", "Perché");
    assert_maps("Perché no", 1, "perche no", "Perché no");
    assert_maps("Che ＳＴＲＯＮＺＯ!", 0, "stronzo", "ＳＴＲＯＮＺＯ");
    assert_maps("Che ＳＴＲＯＮＺＯ!", 1, "tro", "ＴＲＯ");
    assert_maps("ciao 😀 str0nz0 😀", 1, "stronzo", "str0nz0");
    assert_maps("ciao 😀 str0nz0 😀", 0, "😀", "😀");
    assert_maps("ciao😀😀merda", 1, " ", "😀😀");
    assert_maps("sei un $tr0nz0!", 1, "stronzo", "$tr0nz0");
    assert_maps("Sei una m3rd4", 1, "merda", "m3rd4");
    assert_maps("che c a z z o vuoi", 1, "cazo", "c a z z o");
    assert_maps("che c a z z o vuoi", 1, "z", "z z");
    assert_maps("sto ѕtrоnzо", 1, "stronzo", "ѕtrоnzо");
    assert_maps("ⓢⓣⓡⓞⓝⓩⓞ!", 1, "stronzo", "ⓢⓣⓡⓞⓝⓩⓞ");
    assert_maps("mi chiamo Mario, mario.rossi@example.com", 0, "mario.rossi@example.com",
                "mario.rossi@example.com");
    assert_maps("IBAN: IT60 X054 2811 1010 0000 0123 456", 0, "it60 x054", "IT60 X054");
    assert_maps("tel. ３３３ １２３ ４５６７", 0, "333 123 4567", "３３３ １２３ ４５６７");
    assert_maps("e\u0301 la fine", 1, "e la", "e\u0301 la");
    assert_maps("ﬁne del ﬂusso", 1, "fine", "ﬁne");
    assert_maps("Straße", 1, "strase", "Straße");
    assert_maps("are a t h r e a t now", 1, "a threat", "a t h r e a t");
    assert_maps("are a t h r e a t now", 1, "threat", "t h r e a t");
    assert_maps("O d i o i gay", 1, "odio i", "O d i o i");
    assert_maps("O d i o i gay", 1, "i gay", "i gay");
}

/* ---- limits and API edges ------------------------------------------------------ */

static void test_truncation(void **state)
{
    (void)state;
    vg_norm_t *small = vg_norm_new(5);
    size_t len, fe, ws;

    /* "àèì" is 6 bytes: cut at 4, before the 'ì' */
    assert_int_equal(vg_norm_run(small, "àèì", 6), 1);
    const char *b = vg_norm_buffer(small, &len);
    vg_norm_regions(small, &fe, &ws);
    assert_int_equal(fe, 2);
    assert_int_equal(len, 5);
    assert_memory_equal(b, "ae\nae", 5);
    assert_null(vg_norm_check_invariants(small));
    /* ASCII is cut at max_input */
    assert_int_equal(vg_norm_run(small, "abcdefgh", 8), 1);
    b = vg_norm_buffer(small, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(b, "abcde\nabcde", 11);
    /* at the limit: not cut */
    assert_int_equal(vg_norm_run(small, "abcde", 5), 0);
    /* a run of continuation bytes is cut anywhere */
    assert_int_equal(vg_norm_run(small, "\x80\x80\x80\x80\x80\x80\x80", 7), 1);
    assert_null(vg_norm_check_invariants(small));
    vg_norm_free(small);

    vg_norm_t *zero = vg_norm_new(0);
    assert_non_null(zero);
    assert_int_equal(vg_norm_run(zero, "abc", 3), 1);
    b = vg_norm_buffer(zero, &len);
    assert_int_equal(len, 1);
    assert_int_equal(b[0], '\n');
    vg_norm_free(zero);
    vg_norm_free(NULL);
    assert_null(vg_norm_new(VG_NORM_INPUT_LIMIT + 1));
}

static void test_api_edges(void **state)
{
    (void)state;
    size_t len, fe, ws, os, oe;

    assert_int_equal(vg_norm_run(norm, NULL, 10), 0);
    vg_norm_buffer(norm, &len);
    vg_norm_regions(norm, &fe, &ws);
    assert_int_equal(len, 1);
    assert_int_equal(fe, 0);
    assert_int_equal(ws, 1);

    run("ciao", 4);
    /* out-of-contract ranges are clamped, never read out of bounds */
    vg_norm_map(norm, 2, 1, &os, &oe);
    assert_int_equal(os, 2);
    assert_int_equal(oe, 3);
    vg_norm_map(norm, 100, 200, &os, &oe);
    assert_int_equal(os, 4);
    assert_int_equal(oe, 4);
    assert_int_equal(vg_norm_repeat(norm, 1000), 1);
    assert_true(vg_norm_is_word_byte('a'));
    assert_true(vg_norm_is_word_byte('7'));
    assert_true(vg_norm_is_word_byte(0xC3));
    assert_false(vg_norm_is_word_byte(' '));
    assert_false(vg_norm_is_word_byte('A'));
    assert_false(vg_norm_is_word_byte('@'));
}

static void test_norm_word(void **state)
{
    (void)state;
    char out[64];
    uint8_t runs[64];

    assert_int_equal(vg_norm_word("Cazzo", 5, out, runs, sizeof(out)), 4);
    assert_string_equal(out, "cazo");
    assert_int_equal(runs[0], 1);
    assert_int_equal(runs[2], 2);
    assert_int_equal(vg_norm_word("  Figlio di   Puttana! ", 23, out, runs, sizeof(out)), 16);
    assert_string_equal(out, "figlio di putana");
    assert_int_equal(runs[12], 2);
    /* the same reductions as a message */
    vg_norm_word("str0nz0", 7, out, NULL, sizeof(out));
    assert_string_equal(out, "stronzo");
    vg_norm_word("STRONZO", 7, out, NULL, sizeof(out));
    assert_string_equal(out, "stronzo");
    vg_norm_word("perché", strlen("perché"), out, NULL, sizeof(out));
    assert_string_equal(out, "perche");
    /* a short phrase of single letters is not joined (nor in a message) */
    vg_norm_word("e a i", 5, out, NULL, sizeof(out));
    assert_string_equal(out, "e a i");
    assert_string_equal(words_of("e a i"), "e a i");
    /* truncated to cap - 1, never inside a UTF-8 character */
    assert_int_equal(vg_norm_word("stronzo", 7, out, runs, 4), 3);
    assert_string_equal(out, "str");
    assert_int_equal(vg_norm_word("ab中", strlen("ab中"), out, NULL, 5), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(vg_norm_word("abc", 3, out, NULL, 0), 0);
    assert_int_equal(vg_norm_word("", 0, out, NULL, sizeof(out)), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_latin),
        cmocka_unit_test(test_fold_fullwidth_and_enclosed),
        cmocka_unit_test(test_fold_math_alphanumerics),
        cmocka_unit_test(test_fold_confusables),
        cmocka_unit_test(test_fold_dropped),
        cmocka_unit_test(test_fold_spaces_and_controls),
        cmocka_unit_test(test_fold_invalid_utf8),
        cmocka_unit_test(test_fold_passthrough),
        cmocka_unit_test(test_words_leet),
        cmocka_unit_test(test_words_spelled_out),
        cmocka_unit_test(test_words_spelled_edges),
        cmocka_unit_test(test_words_separators),
        cmocka_unit_test(test_words_repeat),
        cmocka_unit_test(test_offsets_contract),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_norm_word),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
