/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util: errors, aborting allocators, bounded buffers, hashing, hex, secrets
 * and clocks. See include/vaglio/util.h; every stage of the data flow uses it.
 */
#include "vaglio/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* ---- errors ------------------------------------------------------------ */

int vg_err_set(vg_err_t *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -code;
}

void vg_err_prefix(vg_err_t *err, const char *fmt, ...)
{
    char prefix[VG_ERR_MSG_MAX];
    char old[VG_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Truncation is fine: the message is bounded by design. */
    size_t n = vg_strlcpy(err->msg, prefix, sizeof(err->msg));
    if (n + 2 < sizeof(err->msg)) {
        memcpy(err->msg + n, ": ", 3);
        vg_strlcpy(err->msg + n + 2, old, sizeof(err->msg) - n - 2);
    }
}

void vg_err_clear(vg_err_t *err)
{
    if (err != NULL) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

/* ---- allocation -------------------------------------------------------- */

void vg_oom(size_t n)
{
    /* No allocation here: we are out of memory. */
    char line[96];
    int len =
        snprintf(line, sizeof(line), "level=error module=util msg=\"out of memory\" size=%zu\n", n);
    if (len > 0 && write(2, line, (size_t)len) < 0) {
        /* nothing more we can do */
    }
    abort();
}

void *vg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        vg_oom(n);
    return p;
}

void *vg_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL)
        vg_oom(nmemb * size);
    return p;
}

void *vg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        vg_oom(n);
    return q;
}

char *vg_xstrdup(const char *s)
{
    return vg_xstrndup(s, strlen(s));
}

char *vg_xstrndup(const char *s, size_t n)
{
    char *p = vg_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    vg_buf_t b;

    vg_buf_init(&b, 0);
    va_start(ap, fmt);
    vg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return vg_buf_steal(&b, NULL);
}

/* ---- arena ------------------------------------------------------------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
} arena_chunk_t;

struct vg_arena {
    arena_chunk_t *head; /* current chunk; older ones follow */
    size_t chunk_size;
    size_t limit;
    size_t total; /* bytes of all chunks */
    size_t used;
};

static arena_chunk_t *chunk_new(size_t size)
{
    arena_chunk_t *c = vg_xmalloc(sizeof(*c) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

vg_arena_t *vg_arena_new(size_t chunk_size, size_t limit)
{
    vg_arena_t *a = vg_xcalloc(1, sizeof(*a));
    a->chunk_size = chunk_size < 256 ? 256 : chunk_size;
    a->limit = limit;
    a->head = chunk_new(a->chunk_size);
    a->total = a->chunk_size;
    return a;
}

void vg_arena_free(vg_arena_t *a)
{
    if (a == NULL)
        return;
    for (arena_chunk_t *c = a->head, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void vg_arena_reset(vg_arena_t *a)
{
    arena_chunk_t *c = a->head;
    /* Keep the oldest chunk, which has the base size, and free the rest. */
    while (c->next != NULL) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
    a->total = c->size;
    a->used = 0;
}

void *vg_arena_alloc(vg_arena_t *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    arena_chunk_t *c = a->head;

    if (need < n)
        return NULL;
    if (a->limit != 0 && a->used + need > a->limit)
        return NULL;
    if (c->size - c->used < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        c = chunk_new(size);
        c->next = a->head;
        a->head = c;
        a->total += size;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    return p;
}

char *vg_arena_strndup(vg_arena_t *a, const char *s, size_t n)
{
    char *p = vg_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t vg_arena_used(const vg_arena_t *a)
{
    return a->used;
}

/* ---- buffer ------------------------------------------------------------ */

void vg_buf_init(vg_buf_t *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
    b->overflow = false;
}

void vg_buf_cleanup(vg_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void vg_buf_reset(vg_buf_t *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int vg_buf_reserve(vg_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need < b->len || (b->limit != 0 && b->len + extra > b->limit)) {
        b->overflow = true;
        return -VG_ELIMIT;
    }
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = vg_xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

int vg_buf_append(vg_buf_t *b, const void *p, size_t n)
{
    if (vg_buf_reserve(b, n) < 0)
        return -VG_ELIMIT;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int vg_buf_puts(vg_buf_t *b, const char *s)
{
    return vg_buf_append(b, s, strlen(s));
}

int vg_buf_putc(vg_buf_t *b, char c)
{
    return vg_buf_append(b, &c, 1);
}

int vg_buf_vprintf(vg_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    char small[256];
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -VG_EINVAL;
    if ((size_t)n < sizeof(small))
        return vg_buf_append(b, small, (size_t)n);
    if (vg_buf_reserve(b, (size_t)n) < 0)
        return -VG_ELIMIT;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int vg_buf_printf(vg_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vg_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int vg_buf_json_str(vg_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;

    vg_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                u[0] = '\\';
                u[1] = 'u';
                u[2] = '0';
                u[3] = '0';
                u[4] = hex[c >> 4];
                u[5] = hex[c & 15];
                u[6] = '\0';
                esc = u;
            }
            break;
        }
        if (esc != NULL) {
            vg_buf_append(b, s + i - run, run);
            run = 0;
            vg_buf_puts(b, esc);
        } else {
            run++;
        }
    }
    vg_buf_append(b, s + n - run, run);
    return vg_buf_putc(b, '"') < 0 || b->overflow ? -VG_ELIMIT : 0;
}

char *vg_buf_steal(vg_buf_t *b, size_t *len)
{
    char *p = b->data;
    if (p == NULL)
        p = vg_xstrdup("");
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---- hashing, hex, secrets --------------------------------------------- */

void vg_sha256(const void *p, size_t n, uint8_t out[VG_SHA256_LEN])
{
    unsigned int len = VG_SHA256_LEN;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1)
        abort(); /* cannot fail with a built-in digest short of memory loss */
}

/*
 * HMAC-SHA256 (RFC 2104) on a SHA-256 fetched once: OpenSSL 3's HMAC() and
 * EVP_Q_mac look the MAC and the digest up by name on every call, which
 * cost 1.9 µs a call here, more than hashing a whole webhook body. Every
 * webhook takes three of these (signature, decision id, author pseudonym).
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

enum { HMAC_BLOCK = 64 };

static bool hmac_pass(EVP_MD_CTX *c, const uint8_t k0[HMAC_BLOCK], uint8_t x, const void *a,
                      size_t alen, uint8_t out[VG_SHA256_LEN])
{
    uint8_t pad[HMAC_BLOCK];
    unsigned int len = VG_SHA256_LEN;
    bool ok;

    for (size_t i = 0; i < HMAC_BLOCK; i++)
        pad[i] = k0[i] ^ x;
    ok = EVP_DigestInit_ex2(c, sha256_md, NULL) == 1 && EVP_DigestUpdate(c, pad, HMAC_BLOCK) == 1 &&
         (alen == 0 || EVP_DigestUpdate(c, a, alen) == 1) && EVP_DigestFinal_ex(c, out, &len) == 1;
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok;
}

int vg_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                   uint8_t out[VG_SHA256_LEN])
{
    uint8_t k0[HMAC_BLOCK] = {0}, inner[VG_SHA256_LEN];
    unsigned int len = VG_SHA256_LEN;
    EVP_MD_CTX *c;
    bool ok;

    pthread_once(&sha256_once, sha256_fetch);
    if (sha256_md == NULL || (c = EVP_MD_CTX_new()) == NULL)
        return -VG_ETLS;
    /* a key longer than a block is hashed first; a shorter one zero-padded */
    ok = keylen <= HMAC_BLOCK ? (memcpy(k0, key, keylen), true)
                              : EVP_Digest(key, keylen, k0, &len, sha256_md, NULL) == 1;
    ok = ok && hmac_pass(c, k0, 0x36, msg, msglen, inner) &&
         hmac_pass(c, k0, 0x5c, inner, sizeof(inner), out);
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(k0, sizeof(k0));
    return ok ? 0 : -VG_ETLS;
}

void vg_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int vg_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vg_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap, size_t *n)
{
    if (hexlen % 2 != 0 || hexlen / 2 > outcap)
        return -VG_EINVAL;
    for (size_t i = 0; i < hexlen / 2; i++) {
        int hi = vg_hex_digit((unsigned char)hex[2 * i]);
        int lo = vg_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -VG_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (n != NULL)
        *n = hexlen / 2;
    return 0;
}

bool vg_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int vg_random_bytes(void *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? 0 : -VG_EIO;
}

/* ---- time -------------------------------------------------------------- */

int64_t vg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t vg_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- strings ------------------------------------------------------------ */

size_t vg_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

bool vg_streq_n(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return l == n && memcmp(s, lit, n) == 0;
}

bool vg_strcaseeq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return false;
    }
    return true;
}

/* Decodes a form-encoded run into out; returns length or a negative code. */
static int form_decode(const char *s, size_t n, char *out, size_t outcap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return -VG_EINVAL;
            hi = vg_hex_digit((unsigned char)s[i + 1]);
            lo = vg_hex_digit((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return -VG_EINVAL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (o + 1 >= outcap)
            return -VG_ELIMIT;
        out[o++] = c;
    }
    out[o] = '\0';
    return (int)o;
}

int vg_query_get(const char *query, size_t qlen, const char *key, char *out, size_t outcap)
{
    size_t klen = strlen(key);
    size_t i = 0;

    if (outcap == 0)
        return -VG_ELIMIT;
    while (i < qlen) {
        size_t end = i;
        while (end < qlen && query[end] != '&')
            end++;
        const char *eq = memchr(query + i, '=', end - i);
        size_t namelen = eq != NULL ? (size_t)(eq - (query + i)) : end - i;
        char name[128];
        int nl = form_decode(query + i, namelen, name, sizeof(name));
        if (nl >= 0 && (size_t)nl == klen && memcmp(name, key, klen) == 0) {
            if (eq == NULL) {
                out[0] = '\0';
                return 0;
            }
            return form_decode(eq + 1, (size_t)(query + end - (eq + 1)), out, outcap);
        }
        i = end + 1;
    }
    return -VG_ENOENT;
}

int vg_buf_urlencode(vg_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            vg_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            vg_buf_append(b, e, 3);
        }
    }
    return b->overflow ? -VG_ELIMIT : 0;
}
