/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json: the reader (see include/vaglio/json.h for what it accepts).
 *
 * Layout. Values are appended to one array in document order; a container
 * is followed by its children (an object's as key, value, key, value) and
 * records how many values its subtree holds (`skip`), so the next sibling of
 * any value is `v + v->skip`. Strings are decoded into one buffer of the
 * input's size: a string's decoded bytes plus its NUL never outnumber the
 * input bytes from its opening to its closing quote, so the buffer cannot
 * overflow and its pointers stay put while values are appended.
 *
 * Errors stop the parse at the first problem; the offset reported is where
 * the reader stood (after a duplicate key: the end of that key).
 */
#include "vaglio/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "vaglio/util.h"

struct vg_json {
    uint8_t type;
    uint32_t len;  /* string bytes; array elements; object members */
    uint32_t skip; /* values in this subtree, itself included */
    uint32_t end;  /* input offset just past the value */
    union {
        int64_t i;
        const char *s;
    } u;
};

struct vg_json_doc {
    vg_json_t *v;
    size_t nv;
    char str[]; /* decoded strings: input length + 1 bytes */
};

typedef struct parser {
    const unsigned char *s;   /* the input */
    const unsigned char *p;   /* the next byte to read */
    const unsigned char *end; /* one past the input */
    vg_json_t *v;
    size_t nv;
    size_t cap;
    char *dst; /* where the next decoded string goes */
    vg_json_error_t err;
} parser_t;

/* Small objects check a new key against the earlier ones as it is read;
 * larger ones sort their keys once, at the end. */
#define DUP_LINEAR 16

static bool fail(parser_t *ps, vg_json_error_t e)
{
    if (ps->err == VG_JSON_OK)
        ps->err = e;
    return false;
}

/* Appends a value; its index, or SIZE_MAX past the limit. */
static size_t push(parser_t *ps, vg_json_type_t type)
{
    if (ps->nv == ps->cap) {
        if (ps->cap >= VG_JSON_MAX_VALUES) {
            fail(ps, VG_JSON_ELIMIT);
            return SIZE_MAX;
        }
        ps->cap = VG_MIN(ps->cap * 2, (size_t)VG_JSON_MAX_VALUES);
        ps->v = vg_xrealloc(ps->v, ps->cap * sizeof(*ps->v));
    }
    vg_json_t *v = &ps->v[ps->nv];
    v->type = (uint8_t)type;
    v->len = 0;
    v->skip = 1;
    v->u.i = 0;
    return ps->nv++;
}

static void close_value(parser_t *ps, size_t i)
{
    ps->v[i].skip = (uint32_t)(ps->nv - i);
    ps->v[i].end = (uint32_t)(ps->p - ps->s);
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

/* ---- strings ------------------------------------------------------------ */

/*
 * Whether the input ends inside the UTF-8 character at p, which
 * vg_utf8_decode refused: a lead byte that announces more bytes than are
 * left, and only continuation bytes after it.
 */
static bool utf8_cut(const unsigned char *p, const unsigned char *end)
{
    if (p[0] < 0xC2 || p[0] > 0xF4)
        return false;
    size_t need = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
    if ((size_t)(end - p) >= need)
        return false;
    for (const unsigned char *q = p + 1; q < end; q++)
        if ((*q & 0xC0) != 0x80)
            return false;
    return true;
}

/* Reads the four hex digits of a \u escape at ps->p; -1 on error (set). */
static long hex4(parser_t *ps)
{
    long x = 0;
    if (ps->end - ps->p < 4) {
        for (const unsigned char *q = ps->p; q < ps->end; q++)
            if (vg_hex_digit(*q) < 0)
                return fail(ps, VG_JSON_ESYNTAX), -1;
        return fail(ps, VG_JSON_ETRUNCATED), -1;
    }
    for (int k = 0; k < 4; k++) {
        int h = vg_hex_digit(ps->p[k]);
        if (h < 0)
            return fail(ps, VG_JSON_ESYNTAX), -1;
        x = x << 4 | h;
    }
    ps->p += 4;
    return x;
}

static char *put_utf8(char *d, unsigned long cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | cp >> 12);
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | cp >> 18);
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* One escape after the backslash at ps->p - 1; appends its bytes at *d. */
static bool escape(parser_t *ps, char **d)
{
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    if (ps->p == ps->end)
        return fail(ps, VG_JSON_ETRUNCATED);
    unsigned char c = *ps->p++;
    if (c != 'u') {
        for (size_t k = 0; k + 1 < sizeof(simple); k += 2)
            if (simple[k] == (char)c) {
                *(*d)++ = simple[k + 1];
                return true;
            }
        return fail(ps, VG_JSON_ESYNTAX);
    }
    long cp = hex4(ps);
    if (cp < 0)
        return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(ps, VG_JSON_EUTF8); /* a low surrogate alone */
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->end - ps->p < 2)
            return fail(ps,
                        ps->p == ps->end || *ps->p == '\\' ? VG_JSON_ETRUNCATED : VG_JSON_EUTF8);
        if (ps->p[0] != '\\' || ps->p[1] != 'u')
            return fail(ps, VG_JSON_EUTF8);
        ps->p += 2;
        long lo = hex4(ps);
        if (lo < 0)
            return false;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail(ps, VG_JSON_EUTF8);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *d = put_utf8(*d, (unsigned long)cp);
    return true;
}

/*
 * The string whose opening quote is at ps->p, decoded at ps->dst. The plain
 * run (no quote, backslash, control or non-ASCII byte) is copied sixteen
 * bytes at a time: a store may write past the run, never past the buffer,
 * as the decoded text trails the input by at least the opening quote.
 */
static bool string(parser_t *ps, const char **out, size_t *len)
{
    char *d = ps->dst;
    const unsigned char *p = ++ps->p;
    const unsigned char *end = ps->end;

    for (;;) {
#ifdef __SSE2__
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i stop = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                                     _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))));
            unsigned m = (unsigned)_mm_movemask_epi8(stop);
            _mm_storeu_si128((__m128i *)(void *)d, x);
            if (m == 0) {
                p += 16;
                d += 16;
                continue;
            }
            unsigned k = (unsigned)__builtin_ctz(m);
            p += k;
            d += k;
            break;
        }
#endif
        if (p == end) {
            ps->p = p;
            return fail(ps, VG_JSON_ETRUNCATED);
        }
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            ps->p = p + 1;
            if (!escape(ps, &d))
                return false;
            p = ps->p;
        } else if (c < 0x20) {
            ps->p = p;
            return fail(ps, VG_JSON_ESYNTAX);
        } else if (c < 0x80) {
            *d++ = (char)c;
            p++;
        } else {
            uint32_t cp;
            unsigned n = vg_utf8_decode(p, (size_t)(end - p), &cp);
            if (n == 0) {
                bool cut = utf8_cut(p, end);
                ps->p = cut ? end : p;
                return fail(ps, cut ? VG_JSON_ETRUNCATED : VG_JSON_EUTF8);
            }
            memcpy(d, p, n);
            d += n;
            p += n;
        }
    }
    ps->p = p + 1;
    *d = '\0';
    *out = ps->dst;
    *len = (size_t)(d - ps->dst);
    ps->dst = d + 1;
    return true;
}

/* ---- numbers and literals ----------------------------------------------- */

static bool digits(parser_t *ps)
{
    if (ps->p == ps->end)
        return fail(ps, VG_JSON_ETRUNCATED);
    if (*ps->p < '0' || *ps->p > '9')
        return fail(ps, VG_JSON_ESYNTAX);
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    return true;
}

/* Whether a real overflows a double; long ones (rare) are copied to the heap. */
static bool real_overflows(const unsigned char *s, size_t n)
{
    char buf[128];
    char *t = n < sizeof(buf) ? buf : vg_xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    bool inf = isinf(strtod(t, NULL));
    if (t != buf)
        free(t);
    return inf;
}

static bool number(parser_t *ps, size_t i)
{
    const unsigned char *start = ps->p;
    bool neg = *ps->p == '-';
    bool real = false;

    if (neg)
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (!digits(ps))
        return false;
    const unsigned char *int_end = ps->p;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        real = true;
        if (!digits(ps))
            return false;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        real = true;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digits(ps))
            return false;
    }
    if (real) {
        ps->v[i].type = VG_JSON_REAL;
        if (real_overflows(start, (size_t)(ps->p - start)))
            return fail(ps, VG_JSON_ERANGE);
        return true;
    }
    uint64_t mag = 0;
    for (const unsigned char *q = start + neg; q < int_end; q++) {
        unsigned dg = *q - '0';
        if (mag > (UINT64_MAX - dg) / 10)
            return fail(ps, VG_JSON_ERANGE);
        mag = mag * 10 + dg;
    }
    if (mag > (uint64_t)INT64_MAX + neg)
        return fail(ps, VG_JSON_ERANGE);
    ps->v[i].type = VG_JSON_INTEGER;
    ps->v[i].u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

static bool literal(parser_t *ps, size_t i)
{
    static const char *const words[] = {"null", "false", "true"};
    static const vg_json_type_t types[] = {VG_JSON_NULL, VG_JSON_FALSE, VG_JSON_TRUE};
    for (size_t k = 0; k < VG_ARRAY_LEN(words); k++) {
        if (*ps->p != (unsigned char)words[k][0])
            continue;
        size_t n = strlen(words[k]);
        size_t avail = (size_t)(ps->end - ps->p);
        if (memcmp(ps->p, words[k], VG_MIN(n, avail)) != 0)
            break;
        if (avail < n) {
            ps->p = ps->end;
            return fail(ps, VG_JSON_ETRUNCATED);
        }
        ps->p += n;
        ps->v[i].type = (uint8_t)types[k];
        return true;
    }
    return fail(ps, VG_JSON_ESYNTAX);
}

/* ---- containers --------------------------------------------------------- */

static bool value(parser_t *ps, int depth);

typedef struct keyref {
    const char *s;
    uint32_t len;
    uint32_t end;
} keyref_t;

static int cmp_key(const void *a, const void *b)
{
    const keyref_t *x = a;
    const keyref_t *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->s, y->s, x->len);
    if (c != 0)
        return c;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The keys of the object at index @p o, all at once; true if unique. */
static bool keys_unique(parser_t *ps, size_t o, size_t *dup_end)
{
    const vg_json_t *obj = &ps->v[o];
    keyref_t *keys = vg_xmalloc(obj->len * sizeof(*keys));
    const vg_json_t *k = obj + 1;
    for (uint32_t m = 0; m < obj->len; m++) {
        keys[m] = (keyref_t){k->u.s, k->len, k->end};
        k = k + 1 + k[1].skip;
    }
    qsort(keys, obj->len, sizeof(*keys), cmp_key);
    /* Equal keys sort by position: each one after the first of its run is a
     * repeat, and the first repeat in reading order has the least end. */
    size_t first = SIZE_MAX;
    for (uint32_t m = 1; m < obj->len; m++)
        if (keys[m].len == keys[m - 1].len && memcmp(keys[m].s, keys[m - 1].s, keys[m].len) == 0)
            first = VG_MIN(first, (size_t)keys[m].end);
    free(keys);
    *dup_end = first;
    return first == SIZE_MAX;
}

/* Whether the key just read at @p ki repeats one of the earlier ones of object @p o. */
static bool key_repeats(const parser_t *ps, size_t o, size_t ki)
{
    const vg_json_t *nk = &ps->v[ki];
    const vg_json_t *k = &ps->v[o + 1];
    while (k < nk) {
        if (k->len == nk->len && memcmp(k->u.s, nk->u.s, k->len) == 0)
            return true;
        k = k + 1 + k[1].skip;
    }
    return false;
}

/*
 * After an element of a container closed by @p close: 1 and past the ','
 * if another follows, 0 and past @p close if it ends, -1 on an error.
 */
static int after_element(parser_t *ps, unsigned char close)
{
    skip_ws(ps);
    if (ps->p == ps->end) {
        fail(ps, VG_JSON_ETRUNCATED);
        return -1;
    }
    if (*ps->p != close && *ps->p != ',') {
        fail(ps, VG_JSON_ESYNTAX);
        return -1;
    }
    return *ps->p++ == ',';
}

static bool object(parser_t *ps, size_t o, int depth)
{
    uint32_t members = 0;

    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        close_value(ps, o);
        return true;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p == ps->end)
            return fail(ps, VG_JSON_ETRUNCATED);
        if (*ps->p != '"')
            return fail(ps, VG_JSON_ESYNTAX);
        size_t ki = push(ps, VG_JSON_STRING);
        if (ki == SIZE_MAX)
            return false;
        const char *s;
        size_t n;
        if (!string(ps, &s, &n))
            return false;
        ps->v[ki].u.s = s;
        ps->v[ki].len = (uint32_t)n;
        ps->v[ki].end = (uint32_t)(ps->p - ps->s);
        if (memchr(s, '\0', n) != NULL)
            return fail(ps, VG_JSON_ESYNTAX); /* a NUL in a key */
        if (members < DUP_LINEAR && key_repeats(ps, o, ki))
            return fail(ps, VG_JSON_EDUPKEY);
        skip_ws(ps);
        if (ps->p == ps->end)
            return fail(ps, VG_JSON_ETRUNCATED);
        if (*ps->p != ':')
            return fail(ps, VG_JSON_ESYNTAX);
        ps->p++;
        if (!value(ps, depth))
            return false;
        members++;
        int more = after_element(ps, '}');
        if (more < 0)
            return false;
        if (more == 0)
            break;
    }
    ps->v[o].len = members;
    close_value(ps, o);
    size_t dup_end;
    if (members > DUP_LINEAR && !keys_unique(ps, o, &dup_end)) {
        ps->p = ps->s + dup_end;
        return fail(ps, VG_JSON_EDUPKEY);
    }
    return true;
}

static bool array(parser_t *ps, size_t a, int depth)
{
    uint32_t n = 0;

    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        close_value(ps, a);
        return true;
    }
    for (;;) {
        if (!value(ps, depth))
            return false;
        n++;
        int more = after_element(ps, ']');
        if (more < 0)
            return false;
        if (more == 0)
            break;
    }
    ps->v[a].len = n;
    close_value(ps, a);
    return true;
}

static bool value(parser_t *ps, int depth)
{
    skip_ws(ps);
    if (ps->p == ps->end)
        return fail(ps, VG_JSON_ETRUNCATED);
    unsigned char c = *ps->p;
    size_t i = push(ps, VG_JSON_NULL);
    if (i == SIZE_MAX)
        return false;
    bool ok;
    if (c == '{' || c == '[') {
        if (depth >= VG_JSON_MAX_DEPTH)
            return fail(ps, VG_JSON_EDEPTH);
        ps->v[i].type = c == '{' ? VG_JSON_OBJECT : VG_JSON_ARRAY;
        return c == '{' ? object(ps, i, depth + 1) : array(ps, i, depth + 1);
    }
    if (c == '"') {
        const char *s;
        size_t n;
        ok = string(ps, &s, &n);
        ps->v[i].type = VG_JSON_STRING;
        ps->v[i].u.s = s;
        ps->v[i].len = (uint32_t)n;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        ok = number(ps, i);
    } else {
        ok = literal(ps, i);
    }
    if (ok)
        close_value(ps, i);
    return ok;
}

/* ---- the document ------------------------------------------------------- */

vg_json_doc_t *vg_json_parse(const char *s, size_t n, vg_json_error_t *why, size_t *pos)
{
    if (n >= UINT32_MAX) {
        if (why != NULL)
            *why = VG_JSON_ELIMIT;
        if (pos != NULL)
            *pos = 0;
        return NULL;
    }
    vg_json_doc_t *doc = vg_xmalloc(sizeof(*doc) + n + 1);
    parser_t ps = {
        .s = (const unsigned char *)s,
        .p = (const unsigned char *)s,
        .end = (const unsigned char *)s + n,
        .cap = VG_MIN(n / 16 + 16, (size_t)VG_JSON_MAX_VALUES),
        .dst = doc->str,
    };

    ps.v = vg_xmalloc(ps.cap * sizeof(*ps.v));
    skip_ws(&ps);
    if (ps.p == ps.end || (*ps.p != '{' && *ps.p != '[')) {
        ps.err = VG_JSON_ESYNTAX;
        goto bad;
    }
    if (!value(&ps, 0))
        goto bad;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        ps.err = VG_JSON_ETRAILING;
        goto bad;
    }
    doc->v = ps.v;
    doc->nv = ps.nv;
    if (why != NULL)
        *why = VG_JSON_OK;
    if (pos != NULL)
        *pos = n;
    return doc;
bad:
    if (why != NULL)
        *why = ps.err;
    if (pos != NULL)
        *pos = (size_t)(ps.p - ps.s);
    free(ps.v);
    free(doc);
    return NULL;
}

void vg_json_free(vg_json_doc_t *doc)
{
    if (doc == NULL)
        return;
    free(doc->v);
    free(doc);
}

const vg_json_t *vg_json_root(const vg_json_doc_t *doc)
{
    return doc != NULL ? &doc->v[0] : NULL;
}

const char *vg_json_strerror(vg_json_error_t e)
{
    switch (e) {
    case VG_JSON_OK:
        return "ok";
    case VG_JSON_ETRUNCATED:
        return "truncated";
    case VG_JSON_ETRAILING:
        return "trailing data";
    case VG_JSON_EUTF8:
        return "invalid UTF-8";
    case VG_JSON_EDUPKEY:
        return "duplicate key";
    case VG_JSON_EDEPTH:
        return "nested too deep";
    case VG_JSON_ERANGE:
        return "number out of range";
    case VG_JSON_ELIMIT:
        return "too many values";
    case VG_JSON_ESYNTAX:
    default:
        return "invalid syntax";
    }
}

/* ---- reading ------------------------------------------------------------ */

vg_json_type_t vg_json_type(const vg_json_t *v)
{
    return v != NULL ? (vg_json_type_t)v->type : VG_JSON_NULL;
}

bool vg_json_is_string(const vg_json_t *v)
{
    return v != NULL && v->type == VG_JSON_STRING;
}

bool vg_json_is_object(const vg_json_t *v)
{
    return v != NULL && v->type == VG_JSON_OBJECT;
}

bool vg_json_is_array(const vg_json_t *v)
{
    return v != NULL && v->type == VG_JSON_ARRAY;
}

bool vg_json_is_null(const vg_json_t *v)
{
    return v == NULL || v->type == VG_JSON_NULL;
}

const char *vg_json_string(const vg_json_t *v, size_t *len)
{
    if (!vg_json_is_string(v))
        return NULL;
    if (len != NULL)
        *len = v->len;
    return v->u.s;
}

bool vg_json_string_is(const vg_json_t *v, const char *lit)
{
    size_t n = strlen(lit);
    return vg_json_is_string(v) && v->len == n && memcmp(v->u.s, lit, n) == 0;
}

bool vg_json_integer(const vg_json_t *v, int64_t *out)
{
    if (v == NULL || v->type != VG_JSON_INTEGER)
        return false;
    *out = v->u.i;
    return true;
}

size_t vg_json_size(const vg_json_t *v)
{
    return vg_json_is_array(v) || vg_json_is_object(v) ? v->len : 0;
}

const vg_json_t *vg_json_get(const vg_json_t *obj, const char *key)
{
    if (!vg_json_is_object(obj))
        return NULL;
    size_t n = strlen(key);
    const vg_json_t *k = obj + 1;
    for (uint32_t m = 0; m < obj->len; m++) {
        if (k->len == n && memcmp(k->u.s, key, n) == 0)
            return k + 1;
        k = k + 1 + k[1].skip;
    }
    return NULL;
}

const vg_json_t *vg_json_first(const vg_json_t *c)
{
    return vg_json_size(c) > 0 ? c + 1 : NULL;
}

const vg_json_t *vg_json_next(const vg_json_t *c, const vg_json_t *e)
{
    /* An object's key is followed by its value: step over both. */
    const vg_json_t *n = c->type == VG_JSON_OBJECT ? e + 1 + e[1].skip : e + e->skip;
    return n < c + c->skip ? n : NULL;
}

const vg_json_t *vg_json_value_of(const vg_json_t *key)
{
    return key + 1;
}
