/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/parser: vaglio's own HTTP/1.1 request parser, the first thing a
 * webhook byte meets. It parses a complete request head (request line and
 * header lines, already located by the connection code) in place, and
 * decodes chunked bodies incrementally. Both are pure functions over bytes,
 * so the unit tests and the fuzzer drive them directly.
 *
 * It is deliberately strict: anything a proxy in front of us might read
 * differently (bare CR or LF, obs-fold, two lengths, length plus chunked)
 * is refused, because a request smuggled past a front end is worse than a
 * 400 to a sloppy client.
 */
#include <string.h>

#include "server/server_internal.h"

/* RFC 9110 tchar, as a 256-entry table: one load per byte in the hot loop. */
static const uint8_t tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

#define MAX_METHOD 32

static vg_http_method_t method_of(const char *m, size_t n)
{
    switch (n) {
    case 3:
        if (memcmp(m, "GET", 3) == 0)
            return VG_HTTP_GET;
        if (memcmp(m, "PUT", 3) == 0)
            return VG_HTTP_PUT;
        break;
    case 4:
        if (memcmp(m, "POST", 4) == 0)
            return VG_HTTP_POST;
        if (memcmp(m, "HEAD", 4) == 0)
            return VG_HTTP_HEAD;
        break;
    case 5:
        if (memcmp(m, "PATCH", 5) == 0)
            return VG_HTTP_PATCH;
        break;
    case 6:
        if (memcmp(m, "DELETE", 6) == 0)
            return VG_HTTP_DELETE;
        break;
    case 7:
        if (memcmp(m, "OPTIONS", 7) == 0)
            return VG_HTTP_OPTIONS;
        break;
    default:
        break;
    }
    return VG_HTTP_OTHER;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Splits the request target into path and query. Origin-form ("/p?q") is
 * what clients send; absolute-form ("http://host/p?q") must be accepted by
 * an HTTP/1.1 server; "*" only comes with OPTIONS.
 */
static int parse_target(char *t, size_t n, vg_http_head_t *h)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c <= 0x20 || c >= 0x7f)
            return 400;
    }
    if (n == 1 && t[0] == '*') {
        if (h->method != VG_HTTP_OPTIONS)
            return 400;
        h->path = t;
        h->path_len = 1;
        t[1] = '\0';
        h->query = "";
        h->query_len = 0;
        return 0;
    }
    if (t[0] != '/') {
        size_t skip;
        if (n > 7 && vg_strcaseeq_n(t, "http://", 7))
            skip = 7;
        else if (n > 8 && vg_strcaseeq_n(t, "https://", 8))
            skip = 8;
        else
            return 400;
        char *slash = memchr(t + skip, '/', n - skip);
        char *q = memchr(t + skip, '?', n - skip);
        if (slash == NULL || (q != NULL && q < slash)) {
            /* "http://host" or "http://host?q": the path is "/" */
            h->path = "/";
            h->path_len = 1;
            if (q != NULL) {
                h->query = q + 1;
                h->query_len = (size_t)(t + n - (q + 1));
            } else {
                h->query = "";
                h->query_len = 0;
            }
            t[n] = '\0';
            return 0;
        }
        n -= (size_t)(slash - t);
        t = slash;
    }
    char *q = memchr(t, '?', n);
    h->path = t;
    if (q != NULL) {
        h->path_len = (size_t)(q - t);
        h->query = q + 1;
        h->query_len = n - h->path_len - 1;
        *q = '\0';
    } else {
        h->path_len = n;
        h->query = "";
        h->query_len = 0;
    }
    t[n] = '\0';
    return 0;
}

/* "HTTP/1.1" exactly: a digit on each side of the dot. */
static int parse_version(const char *v, size_t n, vg_http_head_t *h)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return 400;
    if (v[5] != '1' || v[7] > '1')
        return 505;
    h->minor = (uint8_t)(v[7] - '0');
    return 0;
}

/* Parses the request line ending at the CR at @p eol. */
static int parse_request_line(char *p, char *eol, vg_http_head_t *h)
{
    char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (sp1 == NULL || sp1 == p || sp1 - p > MAX_METHOD)
        return 400;
    for (char *m = p; m < sp1; m++)
        if (!tchar[(unsigned char)*m])
            return 400;
    h->method = method_of(p, (size_t)(sp1 - p));
    char *target = sp1 + 1;
    char *sp2 = memchr(target, ' ', (size_t)(eol - target));
    if (sp2 == NULL || sp2 == target)
        return 400;
    /* The version first: a 505 is more useful than a 400 about the target. */
    int rc = parse_version(sp2 + 1, (size_t)(eol - sp2 - 1), h);
    if (rc != 0)
        return rc;
    return parse_target(target, (size_t)(sp2 - target), h);
}

/*
 * Content-Length: 1*DIGIT, possibly repeated as a list or in several header
 * lines; every value must be the same. Overflowing values are kept as
 * UINT64_MAX (a 413 later, not a 400: the framing is clear, just too big).
 */
static int parse_content_length(const char *v, size_t n, vg_http_head_t *h)
{
    size_t i = 0;
    bool any = false;

    while (i < n) {
        while (i < n && is_ows(v[i]))
            i++;
        if (i < n && v[i] == ',') {
            i++;
            continue;
        }
        if (i >= n)
            break;
        uint64_t val = 0;
        size_t start = i;
        while (i < n && v[i] >= '0' && v[i] <= '9') {
            unsigned d = (unsigned)(v[i] - '0');
            val = val > (UINT64_MAX - d) / 10 ? UINT64_MAX : val * 10 + d;
            i++;
        }
        if (i == start)
            return 400;
        while (i < n && is_ows(v[i]))
            i++;
        if (i < n && v[i] != ',')
            return 400;
        if (h->has_length && h->content_length != val)
            return 400;
        h->has_length = true;
        h->content_length = val;
        any = true;
    }
    return any ? 0 : 400;
}

/* Calls @p fn for every non-empty element of a comma-separated list. */
static int for_each_token(const char *v, size_t n, int (*fn)(const char *, size_t, void *),
                          void *arg)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && is_ows(v[end - 1]))
            end--;
        if (end > start) {
            int rc = fn(v + start, end - start, arg);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int te_token(const char *t, size_t n, void *arg)
{
    vg_http_head_t *h = arg;
    if (n == 7 && vg_strcaseeq_n(t, "chunked", 7)) {
        /* chunked twice would mean decoding twice: nobody sends that honestly */
        if (h->chunked)
            return 400;
        h->chunked = true;
        return 0;
    }
    return 501;
}

struct conn_tokens {
    bool close;
    bool keep_alive;
};

static int connection_token(const char *t, size_t n, void *arg)
{
    struct conn_tokens *ct = arg;
    if (n == 5 && vg_strcaseeq_n(t, "close", 5))
        ct->close = true;
    else if (n == 10 && vg_strcaseeq_n(t, "keep-alive", 10))
        ct->keep_alive = true;
    return 0;
}

/* The headers whose meaning the server itself needs. */
struct head_state {
    struct conn_tokens conn;
    unsigned hosts;
    bool te;
    bool expect_other;
};

static int interpret_header(vg_http_head_t *h, const vg_http_header_t *hd, struct head_state *st)
{
    const char *n = hd->name;
    size_t nl = hd->name_len;

    switch (nl) {
    case 4:
        if (vg_strcaseeq_n(n, "host", 4))
            st->hosts++;
        return 0;
    case 6:
        if (vg_strcaseeq_n(n, "expect", 6)) {
            if (hd->value_len == 12 && vg_strcaseeq_n(hd->value, "100-continue", 12))
                h->expect_continue = true;
            else
                st->expect_other = true;
        }
        return 0;
    case 10:
        if (vg_strcaseeq_n(n, "connection", 10))
            return for_each_token(hd->value, hd->value_len, connection_token, &st->conn);
        return 0;
    case 14:
        if (vg_strcaseeq_n(n, "content-length", 14))
            return parse_content_length(hd->value, hd->value_len, h);
        return 0;
    case 17:
        if (vg_strcaseeq_n(n, "transfer-encoding", 17)) {
            st->te = true;
            return for_each_token(hd->value, hd->value_len, te_token, h);
        }
        return 0;
    default:
        return 0;
    }
}

/*
 * One header line starting at @p p; sets *next past its CRLF. The value is
 * trimmed of surrounding whitespace and NUL-terminated over its CR.
 */
static int parse_header_line(char *p, char *end, vg_http_header_t *hd, char **next)
{
    char *name = p;
    while (p < end && tchar[(unsigned char)*p])
        p++;
    /* an empty name is also what obs-fold (a line starting with SP) looks like */
    if (p == name || p >= end || *p != ':')
        return 400;
    hd->name = name;
    hd->name_len = (uint32_t)(p - name);
    *p++ = '\0';
    while (p < end && is_ows(*p))
        p++;
    char *value = p;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r')
            break;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return 400; /* NUL, bare LF and other controls */
        p++;
    }
    if (p + 1 >= end || p[1] != '\n')
        return 400;
    char *vend = p;
    while (vend > value && is_ows(vend[-1]))
        vend--;
    *vend = '\0';
    hd->value = value;
    hd->value_len = (uint32_t)(vend - value);
    *next = p + 2;
    return 0;
}

int vg_http_parse_head(char *buf, size_t len, vg_http_head_t *h)
{
    char *p = buf, *end = buf + len;
    struct head_state st = {0};
    int rc;

    memset(h, 0, offsetof(vg_http_head_t, headers));
    h->nheaders = 0;
    h->has_length = h->chunked = h->keep_alive = h->expect_continue = false;
    h->content_length = 0;
    if (len < 4 || memcmp(end - 4, "\r\n\r\n", 4) != 0)
        return 400;
    /* RFC 9112 2.2: ignore an empty line before the request line */
    if (p[0] == '\r' && p[1] == '\n')
        p += 2;
    /* A bare LF or a NUL in the request line fails the byte checks below. */
    char *eol = memchr(p, '\r', (size_t)(end - p));
    if (eol == NULL || eol[1] != '\n')
        return 400;
    rc = parse_request_line(p, eol, h);
    if (rc != 0)
        return rc;
    p = eol + 2;

    while (p < end) {
        if (p[0] == '\r') {
            if (p + 2 != end || p[1] != '\n')
                return 400;
            break;
        }
        if (h->nheaders == VG_HTTP_MAX_HEADERS)
            return 431;
        vg_http_header_t *hd = &h->headers[h->nheaders];
        rc = parse_header_line(p, end, hd, &p);
        if (rc != 0)
            return rc;
        h->nheaders++;
        rc = interpret_header(h, hd, &st);
        if (rc != 0)
            return rc;
    }

    if (h->minor == 1 && st.hosts != 1)
        return 400;
    if (st.hosts > 1)
        return 400;
    if (st.te) {
        /* HTTP/1.0 has no chunked; a length beside it is the smuggling classic */
        if (h->minor == 0 || h->has_length)
            return 400;
        if (!h->chunked)
            return 400;
    }
    if (st.expect_other)
        return 417;
    if (!h->has_length && !h->chunked && (h->method == VG_HTTP_POST || h->method == VG_HTTP_PUT))
        return 411;
    if (h->minor == 0)
        h->expect_continue = false; /* RFC 9110 10.1.1: ignore it on HTTP/1.0 */
    h->keep_alive = h->minor == 1 ? !st.conn.close : (st.conn.keep_alive && !st.conn.close);
    return 0;
}

const vg_http_header_t *vg_http_head_find(const vg_http_head_t *h, const char *name, size_t n)
{
    for (size_t i = 0; i < h->nheaders; i++) {
        const vg_http_header_t *hd = &h->headers[i];
        if (hd->name_len == n && vg_strcaseeq_n(hd->name, name, n))
            return hd;
    }
    return NULL;
}

/* ---- bodies ---------------------------------------------------------------- */

void vg_http_body_reserve(vg_http_body_t *b, size_t total)
{
    if (total < b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap <= total)
        cap *= 2;
    b->data = vg_xrealloc(b->data, cap);
    b->cap = cap;
}

void vg_http_body_cleanup(vg_http_body_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- chunked decoding ------------------------------------------------------ */

enum {
    CH_SIZE = 0,     /* hex digits of a chunk size */
    CH_EXT,          /* chunk extensions, up to CR */
    CH_SIZE_LF,      /* LF after the size line */
    CH_DATA,         /* chunk data */
    CH_DATA_CR,      /* CR after the data */
    CH_DATA_LF,      /* LF after the data */
    CH_TRAILER,      /* start of a trailer line, or the final CRLF */
    CH_TRAILER_LINE, /* inside a trailer line */
    CH_TRAILER_LF,   /* LF of a trailer line */
    CH_FINAL_LF,     /* LF of the final empty line */
    CH_DONE,
};

void vg_http_chunked_init(vg_http_chunked_t *c)
{
    memset(c, 0, sizeof(*c));
    c->state = CH_SIZE;
}

bool vg_http_chunked_done(const vg_http_chunked_t *c)
{
    return c->state == CH_DONE;
}

/* The size line is complete: check it against the body limit. */
static int chunk_size_done(vg_http_chunked_t *c, const vg_http_body_t *out, size_t max_body)
{
    if (c->ndigits == 0)
        return 400;
    if (c->remaining > max_body || out->len + c->remaining > max_body)
        return 413;
    return 0;
}

long vg_http_chunked_feed(vg_http_chunked_t *c, const char *in, size_t len, vg_http_body_t *out,
                          size_t max_body, size_t max_trailer)
{
    size_t i = 0;

    while (i < len && c->state != CH_DONE) {
        unsigned char ch = (unsigned char)in[i];
        switch (c->state) {
        case CH_SIZE: {
            int d = vg_hex_digit(ch);
            if (d >= 0) {
                /* 16 hex digits already exceed any body we accept */
                if (c->remaining > (UINT64_MAX >> 4))
                    return -413;
                c->remaining = (c->remaining << 4) | (uint64_t)d;
                if (c->remaining > max_body)
                    return -413;
                if (c->ndigits < 255)
                    c->ndigits++;
                /* leading zeros could otherwise go on forever */
                if (++c->line_len > VG_HTTP_MAX_CHUNK_LINE)
                    return -400;
                i++;
                break;
            }
            int rc = chunk_size_done(c, out, max_body);
            if (rc != 0)
                return -rc;
            if (ch == '\r')
                c->state = CH_SIZE_LF;
            else if (ch == ';' || ch == ' ' || ch == '\t')
                c->state = CH_EXT;
            else
                return -400;
            c->line_len++;
            i++;
            break;
        }
        case CH_EXT:
            if (ch == '\r') {
                c->state = CH_SIZE_LF;
            } else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                return -400;
            }
            if (++c->line_len > VG_HTTP_MAX_CHUNK_LINE)
                return -400;
            i++;
            break;
        case CH_SIZE_LF:
            if (ch != '\n')
                return -400;
            i++;
            c->line_len = 0;
            c->ndigits = 0;
            c->state = c->remaining == 0 ? CH_TRAILER : CH_DATA;
            break;
        case CH_DATA: {
            size_t take = len - i;
            if (take > c->remaining)
                take = (size_t)c->remaining;
            vg_http_body_reserve(out, out->len + take);
            memcpy(out->data + out->len, in + i, take);
            out->len += take;
            out->data[out->len] = '\0';
            c->remaining -= take;
            i += take;
            if (c->remaining == 0)
                c->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (ch != '\r')
                return -400;
            c->state = CH_DATA_LF;
            i++;
            break;
        case CH_DATA_LF:
            if (ch != '\n')
                return -400;
            c->state = CH_SIZE;
            c->remaining = 0;
            c->line_len = 0;
            i++;
            break;
        case CH_TRAILER:
            if (ch == '\r') {
                c->state = CH_FINAL_LF;
                i++;
                break;
            }
            /* a trailer field: accepted, bounded, ignored */
            c->state = CH_TRAILER_LINE;
            __attribute__((fallthrough));
        case CH_TRAILER_LINE:
            if (ch == '\r')
                c->state = CH_TRAILER_LF;
            else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return -400;
            if (++c->trailer_bytes > max_trailer)
                return -431;
            i++;
            break;
        case CH_TRAILER_LF:
            if (ch != '\n')
                return -400;
            c->state = CH_TRAILER;
            i++;
            break;
        case CH_FINAL_LF:
            if (ch != '\n')
                return -400;
            c->state = CH_DONE;
            i++;
            break;
        default:
            return -400;
        }
    }
    return (long)i;
}

/* ---- reason phrases --------------------------------------------------------- */

const char *vg_http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 425:
        return "Too Early";
    case 426:
        return "Upgrade Required";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}
