/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc response parser: a small incremental HTTP/1.1 response reader over a
 * libevent evbuffer. It knows just what a client of JSON APIs needs: the
 * status line, the framing headers (Content-Length, Transfer-Encoding:
 * chunked, Connection), Retry-After and Content-Type, and the body, bounded
 * at VG_HTTPC_MAX_BODY. Interim 1xx responses are skipped.
 *
 *   STATUS -> HEADERS -+-> BODY_LEN ------------------------------+-> DONE
 *     ^                +-> BODY_EOF (until close) ----------------+
 *     | (1xx)          +-> CHUNK_SIZE -> CHUNK_DATA -> CHUNK_CRLF-+
 *     +----------------+        ^  |  (size 0)                    |
 *                               |  +-> TRAILERS ------------------+
 *                               +------------------+
 */
#include <string.h>

#include <event2/buffer.h>

#include "httpc/httpc_internal.h"

/* Defined here, beside their main user, so the parser links on its own. */
const char vg_httpc_err_connect[] = "connect failed";
const char vg_httpc_err_timeout[] = "timeout";
const char vg_httpc_err_closed[] = "connection closed";
const char vg_httpc_err_bad_response[] = "bad response";
const char vg_httpc_err_too_large[] = "response too large";
const char vg_httpc_err_client_closed[] = "client closed";

void vg_httpc_parser_init(vg_httpc_parser_t *p, bool head)
{
    memset(p, 0, sizeof(*p));
    p->head = head;
    p->state = VG_HTTPC_P_STATUS;
    vg_buf_init(&p->body, VG_HTTPC_MAX_BODY);
}

void vg_httpc_parser_cleanup(vg_httpc_parser_t *p)
{
    vg_buf_cleanup(&p->body);
}

static int fail(vg_httpc_parser_t *p, const char *why)
{
    p->err = why;
    return -1;
}

/*
 * Takes one line (without its CRLF or LF) out of @p in into @p out (size
 * VG_HTTPC_MAX_LINE + 1). Returns the length, -2 when no full line is
 * buffered yet, -1 when the line is too long.
 */
static long take_line(struct evbuffer *in, char *out)
{
    size_t eol_len = 0;
    struct evbuffer_ptr ptr = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);

    if (ptr.pos < 0)
        return evbuffer_get_length(in) > VG_HTTPC_MAX_LINE ? -1 : -2;
    if ((size_t)ptr.pos > VG_HTTPC_MAX_LINE)
        return -1;
    evbuffer_remove(in, out, (size_t)ptr.pos);
    out[ptr.pos] = '\0';
    evbuffer_drain(in, eol_len);
    return (long)ptr.pos;
}

static int parse_status(vg_httpc_parser_t *p, const char *l, size_t n)
{
    /* "HTTP/1.x SSS[ reason]" */
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' || l[8] != ' ')
        return fail(p, vg_httpc_err_bad_response);
    for (int i = 9; i < 12; i++)
        if (l[i] < '0' || l[i] > '9')
            return fail(p, vg_httpc_err_bad_response);
    if (n > 12 && l[12] != ' ')
        return fail(p, vg_httpc_err_bad_response);
    p->minor = l[7] - '0';
    p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    if (p->status < 100)
        return fail(p, vg_httpc_err_bad_response);
    p->keep_alive = p->minor >= 1;
    p->chunked = false;
    p->have_len = false;
    p->content_len = 0;
    p->has_retry_after = false;
    p->has_content_type = false;
    return 0;
}

/* True if the comma-separated list @p v (length @p n) holds @p token (any case). */
static bool has_token(const char *v, size_t n, const char *token, bool last_only)
{
    size_t tl = strlen(token);
    size_t i = 0;
    bool found = false;

    while (i < n) {
        size_t s;
        size_t e;
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        s = i;
        while (i < n && v[i] != ',')
            i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e > s)
            found = e - s == tl && vg_strcaseeq_n(v + s, token, tl);
        if (found && !last_only)
            return true;
    }
    return found;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static int parse_header(vg_httpc_parser_t *p, const char *l, size_t n)
{
    const char *colon = memchr(l, ':', n);
    const char *v;
    size_t nl;
    size_t vl;

    /* Obsolete line folding and headers without a name are refused. */
    if (colon == NULL || colon == l || l[0] == ' ' || l[0] == '\t')
        return fail(p, vg_httpc_err_bad_response);
    nl = (size_t)(colon - l);
    v = colon + 1;
    vl = n - nl - 1;
    while (vl > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;

    if (nl == 14 && vg_strcaseeq_n(l, "content-length", 14)) {
        uint64_t len = 0;
        if (vl == 0 || vl > 15)
            return fail(p, vg_httpc_err_bad_response);
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9')
                return fail(p, vg_httpc_err_bad_response);
            len = len * 10 + (uint64_t)(v[i] - '0');
        }
        /* Two different lengths mean a confused or hostile peer. */
        if (p->have_len && len != p->content_len)
            return fail(p, vg_httpc_err_bad_response);
        p->have_len = true;
        p->content_len = len;
    } else if (nl == 17 && vg_strcaseeq_n(l, "transfer-encoding", 17)) {
        p->chunked = has_token(v, vl, "chunked", true);
        if (!p->chunked)
            p->keep_alive = false; /* another coding last: delimited by the close */
    } else if (nl == 10 && vg_strcaseeq_n(l, "connection", 10)) {
        if (has_token(v, vl, "close", false))
            p->keep_alive = false;
        else if (p->minor == 0 && has_token(v, vl, "keep-alive", false))
            p->keep_alive = true;
    } else if (nl == 11 && vg_strcaseeq_n(l, "retry-after", 11)) {
        copy_value(p->retry_after, sizeof(p->retry_after), v, vl);
        p->has_retry_after = true;
    } else if (nl == 12 && vg_strcaseeq_n(l, "content-type", 12)) {
        copy_value(p->content_type, sizeof(p->content_type), v, vl);
        p->has_content_type = true;
    }
    return 0;
}

/* The blank line after the headers: decides how the body is delimited. */
static int headers_done(vg_httpc_parser_t *p)
{
    if (p->status < 200 && p->status != 101) {
        /* An interim response (100 Continue, 103 Early Hints): the real one follows. */
        p->state = VG_HTTPC_P_STATUS;
        return 0;
    }
    if (p->head || p->status == 204 || p->status == 304 || p->status == 101) {
        p->state = VG_HTTPC_P_DONE;
        if (p->status == 101)
            p->keep_alive = false;
        return 0;
    }
    if (p->chunked) {
        p->state = VG_HTTPC_P_CHUNK_SIZE;
        return 0;
    }
    if (p->have_len) {
        if (p->content_len > VG_HTTPC_MAX_BODY)
            return fail(p, vg_httpc_err_too_large);
        p->remaining = p->content_len;
        p->state = p->remaining == 0 ? VG_HTTPC_P_DONE : VG_HTTPC_P_BODY_LEN;
        return 0;
    }
    p->keep_alive = false;
    p->state = VG_HTTPC_P_BODY_EOF;
    return 0;
}

static int parse_chunk_size(vg_httpc_parser_t *p, const char *l, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;

    for (; i < n && i < 16; i++) {
        char ch = l[i];
        int d;
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            break;
        size = size * 16 + (uint64_t)d;
    }
    /* At least one digit; then only a chunk extension or whitespace may follow. */
    if (i == 0 || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
        return fail(p, vg_httpc_err_bad_response);
    if (size > VG_HTTPC_MAX_BODY || p->body.len + size > VG_HTTPC_MAX_BODY)
        return fail(p, vg_httpc_err_too_large);
    p->remaining = size;
    p->state = size == 0 ? VG_HTTPC_P_TRAILERS : VG_HTTPC_P_CHUNK_DATA;
    return 0;
}

/* Moves up to @p want body bytes from @p in into the body buffer. */
static int take_body(vg_httpc_parser_t *p, struct evbuffer *in, uint64_t want)
{
    size_t avail = evbuffer_get_length(in);
    size_t n = (size_t)VG_MIN((uint64_t)avail, want);

    if (n == 0)
        return 0;
    if (vg_buf_reserve(&p->body, n) < 0)
        return fail(p, vg_httpc_err_too_large);
    evbuffer_remove(in, p->body.data + p->body.len, n);
    p->body.len += n;
    p->body.data[p->body.len] = '\0';
    return (int)(n > 0);
}

static int step_line(vg_httpc_parser_t *p, struct evbuffer *in)
{
    char line[VG_HTTPC_MAX_LINE + 1];
    long n = take_line(in, line);

    if (n == -2)
        return 0;
    if (n < 0)
        return fail(p, vg_httpc_err_bad_response);
    switch (p->state) {
    case VG_HTTPC_P_STATUS:
        if (n == 0)
            return 1; /* tolerate a stray CRLF before the status line */
        p->header_bytes = (size_t)n;
        p->nheaders = 0;
        if (parse_status(p, line, (size_t)n) < 0)
            return -1;
        p->state = VG_HTTPC_P_HEADERS;
        return 1;
    case VG_HTTPC_P_HEADERS:
        p->header_bytes += (size_t)n + 2;
        if (p->header_bytes > VG_HTTPC_MAX_HEADERS || ++p->nheaders > 200)
            return fail(p, vg_httpc_err_bad_response);
        if (n == 0)
            return headers_done(p) < 0 ? -1 : 1;
        return parse_header(p, line, (size_t)n) < 0 ? -1 : 1;
    case VG_HTTPC_P_CHUNK_SIZE:
        return parse_chunk_size(p, line, (size_t)n) < 0 ? -1 : 1;
    case VG_HTTPC_P_CHUNK_CRLF:
        if (n != 0)
            return fail(p, vg_httpc_err_bad_response);
        p->state = VG_HTTPC_P_CHUNK_SIZE;
        return 1;
    case VG_HTTPC_P_TRAILERS:
        p->header_bytes += (size_t)n + 2;
        if (p->header_bytes > VG_HTTPC_MAX_HEADERS)
            return fail(p, vg_httpc_err_bad_response);
        if (n == 0)
            p->state = VG_HTTPC_P_DONE;
        return 1;
    default:
        return fail(p, vg_httpc_err_bad_response);
    }
}

int vg_httpc_parser_feed(vg_httpc_parser_t *p, struct evbuffer *in)
{
    for (;;) {
        int r;
        switch (p->state) {
        case VG_HTTPC_P_DONE:
            return 1;
        case VG_HTTPC_P_BODY_LEN:
        case VG_HTTPC_P_CHUNK_DATA: {
            size_t before = p->body.len;
            r = take_body(p, in, p->remaining);
            if (r < 0)
                return -1;
            p->remaining -= p->body.len - before;
            if (p->remaining == 0)
                p->state =
                    p->state == VG_HTTPC_P_BODY_LEN ? VG_HTTPC_P_DONE : VG_HTTPC_P_CHUNK_CRLF;
            else
                return 0;
            break;
        }
        case VG_HTTPC_P_BODY_EOF:
            if (evbuffer_get_length(in) > VG_HTTPC_MAX_BODY - p->body.len)
                return fail(p, vg_httpc_err_too_large);
            return take_body(p, in, UINT64_MAX) < 0 ? -1 : 0;
        default:
            r = step_line(p, in);
            if (r <= 0)
                return r;
            break;
        }
    }
}

int vg_httpc_parser_eof(vg_httpc_parser_t *p)
{
    if (p->state == VG_HTTPC_P_DONE || p->state == VG_HTTPC_P_BODY_EOF) {
        p->state = VG_HTTPC_P_DONE;
        p->keep_alive = false;
        return 1;
    }
    /* Closed before the response was complete: truncated, whatever the stage. */
    return fail(p, vg_httpc_err_closed);
}
