/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/reply: the request as the handler sees it (accessors over the
 * parsed head and the body) and the way back: composing the response
 * (status line, Server, cached Date, Content-Length always, Connection when
 * it matters, the handler's headers, the body) into one buffer so it leaves
 * in a single write, and the server's own error answers (400, 408, 411,
 * 413, 417, 431, 501, 505), which always close the connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "server/server_internal.h"
#include "vaglio/log.h"

/* Buffers bigger than these are freed after a request instead of kept. */
#define KEEP_RHDR_CAP 4096
#define KEEP_HDR_CAP  8192
#define KEEP_BODY_CAP (64 * 1024)

/* ---- request accessors --------------------------------------------------- */

vg_http_method_t vg_http_req_method(const vg_http_req_t *req)
{
    return req->head.method;
}

const char *vg_http_req_path(const vg_http_req_t *req)
{
    return req->head.path;
}

const char *vg_http_req_query(const vg_http_req_t *req, size_t *len)
{
    if (len != NULL)
        *len = req->head.query_len;
    return req->head.query;
}

const char *vg_http_req_header(const vg_http_req_t *req, const char *name)
{
    const vg_http_header_t *h = vg_http_head_find(&req->head, name, strlen(name));
    return h != NULL ? h->value : NULL;
}

const unsigned char *vg_http_req_body(const vg_http_req_t *req, size_t *len)
{
    const vg_http_conn_t *c = req->conn;
    if (len != NULL)
        *len = c->body.len;
    /* the buffer may hold a previous request's bytes when this one has none */
    return c->body.len > 0 ? c->body.data : (const unsigned char *)"";
}

unsigned vg_http_req_routes(const vg_http_req_t *req)
{
    return req->conn->routes;
}

uint64_t vg_http_req_start_ns(const vg_http_req_t *req)
{
    return req->start_ns;
}

const char *vg_http_req_id(const vg_http_req_t *req)
{
    /* Formatted on first use: most requests are never logged. */
    if (req->id[0] == '\0') {
        vg_http_req_t *r = (vg_http_req_t *)req;
        snprintf(r->id, sizeof(r->id), "w%u-%" PRIx64, req->conn->srv->id, req->seq);
    }
    return req->id;
}

const char *vg_http_req_peer(const vg_http_req_t *req)
{
    return vg_http_conn_peer(req->conn);
}

/* ---- composing ---------------------------------------------------------------- */

static void put_u64(vg_buf_t *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    vg_buf_append(b, tmp + i, sizeof(tmp) - i);
}

static void put_lit(vg_buf_t *b, const char *s, size_t n)
{
    vg_buf_append(b, s, n);
}

#define PUT_LIT(b, s) put_lit((b), (s), sizeof(s) - 1)

/* IMF-fixdate, recomputed at most once a second from the loop's cached clock. */
static const char *http_date(vg_http_server_t *srv)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct timeval tv;

    if (event_base_gettimeofday_cached(srv->base, &tv) != 0)
        gettimeofday(&tv, NULL);
    if (srv->date[0] == '\0' || tv.tv_sec != srv->date_sec) {
        struct tm tm;
        time_t t = tv.tv_sec;
        gmtime_r(&t, &tm);
        snprintf(srv->date, sizeof(srv->date), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        srv->date_sec = tv.tv_sec;
    }
    return srv->date;
}

void vg_http_compose(vg_http_req_t *req, int status, const char *content_type, const void *body,
                     size_t len, bool keep_alive, bool head)
{
    vg_http_server_t *srv = req->conn->srv;
    vg_buf_t *b = &srv->out;
    /* RFC 9110 6.4.1: these never carry content */
    bool no_content = status < 200 || status == 204 || status == 304;

    vg_buf_reset(b);
    vg_buf_reserve(b, 160 + req->rhdr.len + (no_content || head ? 0 : len));
    PUT_LIT(b, "HTTP/1.1 ");
    put_u64(b, (uint64_t)status);
    vg_buf_putc(b, ' ');
    vg_buf_puts(b, vg_http_reason(status));
    PUT_LIT(b, "\r\nServer: vaglio\r\nDate: ");
    vg_buf_puts(b, http_date(srv));
    PUT_LIT(b, "\r\n");
    if (!no_content) {
        if (content_type != NULL) {
            PUT_LIT(b, "Content-Type: ");
            vg_buf_puts(b, content_type);
            PUT_LIT(b, "\r\n");
        }
        PUT_LIT(b, "Content-Length: ");
        put_u64(b, len);
        PUT_LIT(b, "\r\n");
    }
    if (!keep_alive)
        PUT_LIT(b, "Connection: close\r\n");
    else if (req->head.minor == 0)
        PUT_LIT(b, "Connection: keep-alive\r\n");
    if (req->rhdr.len > 0)
        vg_buf_append(b, req->rhdr.data, req->rhdr.len);
    PUT_LIT(b, "\r\n");
    if (!no_content && !head && len > 0)
        vg_buf_append(b, body, len);
}

void vg_http_req_reset(vg_http_req_t *req)
{
    vg_http_conn_t *c = req->conn;

    vg_buf_reset(&req->rhdr);
    if (req->rhdr.cap > KEEP_RHDR_CAP)
        vg_buf_cleanup(&req->rhdr);
    c->body.len = 0;
    if (c->body.cap > KEEP_BODY_CAP)
        vg_http_body_cleanup(&c->body);
    if (c->hdr_cap > KEEP_HDR_CAP) {
        free(c->hdr);
        c->hdr = NULL;
        c->hdr_cap = 0;
    }
}

void vg_http_send_error(vg_http_conn_t *c, int status)
{
    vg_http_req_t *req = &c->req;
    char body[64];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, vg_http_reason(status));

    /* Limits are worth an operator's attention; malformed input mostly is not. */
    if (status == 408 || status == 413 || status == 431)
        VG_LOG_INFO(server, "msg=\"request refused\" status=%d peer=%s req=%s", status,
                    vg_http_conn_peer(c), vg_http_req_id(req));
    else
        VG_LOG_DEBUG(server, "msg=\"request refused\" status=%d peer=%s req=%s", status,
                     vg_http_conn_peer(c), vg_http_req_id(req));
    /* The rest of the request may still be on its way: close gently. */
    c->linger = true;
    vg_http_compose(req, status, "text/plain; charset=utf-8", body, (size_t)n, false, false);
    vg_http_req_reset(req);
    vg_http_conn_respond(c, true);
}

/* ---- replying ------------------------------------------------------------------- */

static bool header_name_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || ch == ':' || ch == '(' || ch == ')' || ch == ',' ||
            ch == '/' || ch == ';' || ch == '<' || ch == '=' || ch == '>' || ch == '?' ||
            ch == '@' || ch == '[' || ch == '\\' || ch == ']' || ch == '{' || ch == '}' ||
            ch == '"')
            return false;
    }
    return true;
}

static bool header_value_ok(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

void vg_http_reply_header(vg_http_req_t *req, const char *name, const char *value)
{
    /* Framing is ours: a handler's Content-Length would desynchronise the client. */
    if (!header_name_ok(name) || !header_value_ok(value) ||
        strcasecmp(name, "content-length") == 0 || strcasecmp(name, "transfer-encoding") == 0 ||
        strcasecmp(name, "connection") == 0) {
        VG_LOG_WARN(server, "msg=\"response header refused\" req=%s", vg_http_req_id(req));
        return;
    }
    vg_buf_puts(&req->rhdr, name);
    PUT_LIT(&req->rhdr, ": ");
    vg_buf_puts(&req->rhdr, value);
    PUT_LIT(&req->rhdr, "\r\n");
}

void vg_http_reply(vg_http_req_t *req, int status, const char *content_type, const void *body,
                   size_t len)
{
    vg_http_conn_t *c = req->conn;
    vg_http_server_t *srv = c->srv;

    if (!c->with_handler) {
        VG_LOG_ERR(server, "msg=\"vg_http_reply called twice\" req=%s", vg_http_req_id(req));
        return;
    }
    c->with_handler = false;
    if (c->state != VG_CONN_HANDLER) {
        /* The connection died while the handler worked: drop the reply, free it now. */
        VG_LOG_DEBUG(server, "msg=\"reply dropped, client gone\" status=%d req=%s", status,
                     vg_http_req_id(req));
        vg_http_req_reset(req);
        event_active(&c->timer, EV_TIMEOUT, 1);
        return;
    }
    if (status < 200 || status > 599) {
        VG_LOG_ERR(server, "msg=\"handler replied with an invalid status\" status=%d req=%s",
                   status, vg_http_req_id(req));
        status = 500;
        content_type = NULL;
        len = 0;
    }
    if (len > 0 && body == NULL)
        len = 0;
    bool keep = req->head.keep_alive && !srv->draining && !c->peer_eof;
    vg_http_compose(req, status, content_type, body, len, keep, req->head.method == VG_HTTP_HEAD);
    vg_http_req_reset(req);
    vg_http_conn_respond(c, !keep);
}
