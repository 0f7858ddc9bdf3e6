/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util: the small shared toolbox every stage of vaglio uses. Aborting
 * allocators (running out of memory with bounded inputs means a bug or an
 * attack; the supervisor restarts us), the error record passed to callers who
 * need the reason, a per-request arena, a bounded growable byte buffer,
 * hashing and keyed hashing (OpenSSL), hex, UTF-8, constant-time comparison
 * and clocks. Nothing here does I/O.
 */
#ifndef VAGLIO_UTIL_H
#define VAGLIO_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/time.h>

/** Recovers the enclosing struct from a pointer to one of its members. */
#define VG_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VG_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define VG_MAX(a, b)    ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define VG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VG_NORETURN          __attribute__((noreturn))
#define VG_UNUSED            __attribute__((unused))
#else
#define VG_PRINTF(fmt, args)
#define VG_NORETURN
#define VG_UNUSED
#endif

/* ---- errors ------------------------------------------------------------ */

/** Error codes: functions return 0 on success or one of these, negated. */
enum {
    VG_OK = 0,
    VG_EINVAL = 1,   /**< bad argument or malformed input */
    VG_ENOENT = 2,   /**< not found */
    VG_EIO = 3,      /**< I/O or system error */
    VG_ELIMIT = 4,   /**< a size or count limit was exceeded */
    VG_ECONFIG = 5,  /**< configuration error */
    VG_EPATTERN = 6, /**< pattern file error */
    VG_ETLS = 7,     /**< TLS / OpenSSL error */
    VG_EREDIS = 8,   /**< Redis unavailable or replied with an error */
    VG_ETIMEOUT = 9, /**< an operation timed out */
    VG_EAUTH = 10,   /**< authentication or signature failure */
    VG_EHS = 11,     /**< Hyperscan error */
    VG_EUNSUP = 12,  /**< not supported */
};

#define VG_ERR_MSG_MAX 512

/**
 * The "why" of a failure: a code and a bounded, human-readable message that
 * names the offending key path, file:line or peer. Callers that do not care
 * pass NULL wherever a `vg_err_t *` is accepted.
 */
typedef struct vg_err {
    int code;                 /**< one of the VG_E* codes (positive), 0 if none */
    char msg[VG_ERR_MSG_MAX]; /**< NUL-terminated, possibly truncated */
} vg_err_t;

/** Fills @p err (if not NULL) and returns -code, so `return vg_err_set(...)` works. */
int vg_err_set(vg_err_t *err, int code, const char *fmt, ...) VG_PRINTF(3, 4);

/** Prepends "prefix: " to an existing message (e.g. a file name). No-op on NULL. */
void vg_err_prefix(vg_err_t *err, const char *fmt, ...) VG_PRINTF(2, 3);

/** Clears @p err. No-op on NULL. */
void vg_err_clear(vg_err_t *err);

/* ---- allocation -------------------------------------------------------- */

/** malloc/calloc/realloc/strdup that log and abort on failure; never return NULL. */
void *vg_xmalloc(size_t n);
void *vg_xcalloc(size_t nmemb, size_t size);
void *vg_xrealloc(void *p, size_t n);
char *vg_xstrdup(const char *s);
char *vg_xstrndup(const char *s, size_t n);
/** Returns a new heap string from a printf format (caller frees). */
char *vg_xasprintf(const char *fmt, ...) VG_PRINTF(1, 2);

/** Logs "out of memory" and aborts. */
VG_NORETURN void vg_oom(size_t n);

/* ---- arena ------------------------------------------------------------- */

/**
 * A bump allocator freed in one go: each webhook request owns one, and the
 * parsed events, ids and texts live in it until the request finishes. The
 * arena refuses to grow beyond its limit (allocations then return NULL), so a
 * hostile payload cannot take unbounded memory.
 */
typedef struct vg_arena vg_arena_t;

/** Returns a new arena (caller frees with vg_arena_free); @p limit 0 = no limit. */
vg_arena_t *vg_arena_new(size_t chunk_size, size_t limit);
/** Frees every allocation of the arena and the arena. NULL is a no-op. */
void vg_arena_free(vg_arena_t *a);
/** Releases every allocation but keeps the first chunk for reuse. */
void vg_arena_reset(vg_arena_t *a);
/** Returns 16-byte aligned memory owned by the arena, or NULL past the limit. */
void *vg_arena_alloc(vg_arena_t *a, size_t n);
/** Copies @p n bytes of @p s plus a NUL into the arena; NULL past the limit. */
char *vg_arena_strndup(vg_arena_t *a, const char *s, size_t n);
/** Bytes handed out so far. */
size_t vg_arena_used(const vg_arena_t *a);

/* ---- buffer ------------------------------------------------------------ */

/**
 * A growable byte buffer with a hard limit. Appends past the limit fail
 * (return -VG_ELIMIT) and set `overflow`, so a caller may append freely and
 * check once at the end. The data is always NUL-terminated for convenience.
 * Embedded: use vg_buf_init / vg_buf_cleanup.
 */
typedef struct vg_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t limit; /**< 0 = unlimited */
    bool overflow;
} vg_buf_t;

void vg_buf_init(vg_buf_t *b, size_t limit);
void vg_buf_cleanup(vg_buf_t *b);
void vg_buf_reset(vg_buf_t *b);
int vg_buf_reserve(vg_buf_t *b, size_t extra);
int vg_buf_append(vg_buf_t *b, const void *p, size_t n);
int vg_buf_puts(vg_buf_t *b, const char *s);
int vg_buf_putc(vg_buf_t *b, char c);
int vg_buf_printf(vg_buf_t *b, const char *fmt, ...) VG_PRINTF(2, 3);
int vg_buf_vprintf(vg_buf_t *b, const char *fmt, va_list ap) VG_PRINTF(2, 0);
/** Appends @p s as a JSON string literal, quotes included, escaping as needed. */
int vg_buf_json_str(vg_buf_t *b, const char *s, size_t n);
/** Detaches the data (caller frees); the buffer is left empty. */
char *vg_buf_steal(vg_buf_t *b, size_t *len);

/* ---- hashing, hex, secrets --------------------------------------------- */

#define VG_SHA256_LEN 32

/** SHA-256 of @p n bytes into @p out. */
void vg_sha256(const void *p, size_t n, uint8_t out[VG_SHA256_LEN]);
/** HMAC-SHA256 of @p msg keyed with @p key into @p out. Returns 0 or -VG_ETLS. */
int vg_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                   uint8_t out[VG_SHA256_LEN]);
/** Writes 2n lowercase hex digits plus NUL into @p out (size >= 2n+1). */
void vg_hex_encode(const uint8_t *in, size_t n, char *out);
/** The value of one hex digit (either case), or -1. */
int vg_hex_digit(unsigned char c);
/** Decodes 2n hex digits (either case) into @p out; returns 0 or -VG_EINVAL. */
int vg_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap, size_t *n);
/** Compares two buffers in time that depends only on @p n. True if equal. */
bool vg_ct_equal(const void *a, const void *b, size_t n);
/** Fills @p out with cryptographically secure random bytes; returns 0 or -VG_EIO. */
int vg_random_bytes(void *out, size_t n);

/* ---- time -------------------------------------------------------------- */

/** Wall clock, milliseconds since the epoch. */
int64_t vg_now_ms(void);
/** Monotonic clock, nanoseconds. */
uint64_t vg_mono_ns(void);

/** @p ms milliseconds as the struct timeval that libevent's timers take. */
static inline struct timeval vg_ms_timeval(uint64_t ms)
{
    return (struct timeval){.tv_sec = (time_t)(ms / 1000),
                            .tv_usec = (suseconds_t)(ms % 1000) * 1000};
}

/* ---- UTF-8 -------------------------------------------------------------- */

/**
 * Decodes one UTF-8 character at @p s (n > 0 bytes available). Returns its
 * length (1-4) and sets *cp, or 0 if the sequence is invalid (bad lead,
 * truncated, overlong, surrogate, above U+10FFFF). Inline: the normalizer
 * calls it for every non-ASCII character.
 */
static inline unsigned vg_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    uint32_t v;
    unsigned len;
    uint32_t min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, 0xC0/0xC1 (always overlong), 0xF5+ */
    }
    if (n < len)
        return 0;
    for (unsigned k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* ---- strings ------------------------------------------------------------ */

/** strlcpy semantics: always NUL-terminates, returns strlen(src). */
size_t vg_strlcpy(char *dst, const char *src, size_t size);
/** True if @p s (length @p n) equals the NUL-terminated @p lit. */
bool vg_streq_n(const char *s, size_t n, const char *lit);
/** ASCII case-insensitive comparison of @p n bytes. */
bool vg_strcaseeq_n(const char *a, const char *b, size_t n);
/**
 * Decodes one application/x-www-form-urlencoded value (`+` and `%XX`) of the
 * query string @p query (without the leading `?`) for @p key into @p out.
 * Returns the decoded length, -VG_ENOENT if absent, -VG_ELIMIT if it does not
 * fit in @p outcap - 1 bytes, -VG_EINVAL on a bad escape.
 */
int vg_query_get(const char *query, size_t qlen, const char *key, char *out, size_t outcap);
/** Appends @p s percent-encoded for a URL query or form body to @p b. */
int vg_buf_urlencode(vg_buf_t *b, const char *s, size_t n);

#endif /* VAGLIO_UTIL_H */
