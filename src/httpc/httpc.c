/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc: vaglio's outbound HTTP/1.1 client (Graph API calls from the
 * dispatcher, webhook posts from `vaglioctl send`). Plain bufferevents, or
 * OpenSSL bufferevents for https, with the small response parser of parse.c;
 * no evhttp, so pooling, retries and limits are ours to decide.
 *
 * Objects: the client has one origin per (scheme, host, port); an origin has
 * its connections and a FIFO of requests waiting for one. A request has one
 * libevent event that is first its deadline and then its completion. This
 * file holds the client, the origins, the queues and the requests; conn.c
 * the connections.
 *
 * Connection states:
 *
 *   new --resolve--> CONNECTING --connected--> BUSY --response, keep-alive--> IDLE
 *                       |  (next address on failure)   |                        |
 *                       +-- error ----------------------+-- error, close ------+--> closed
 *                                                         IDLE --taken--> BUSY
 *   IDLE ends on the idle timer, on any byte or EOF from the server, or when a
 *   liveness peek before reuse finds it closed.
 *
 * Callbacks never run inside our own code: a finished request is detached
 * from its connection and its event is activated; the user callback runs
 * from that event, with nothing of the client on the stack. So a callback
 * may issue requests or free the client freely.
 *
 * Retry of stale pooled connections: a connection reused from the pool that
 * fails before any byte of the response came back is retried once on a
 * fresh connection. For idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS)
 * any such failure qualifies. For POST only a failure while writing or a
 * connection reset (ECONNRESET/EPIPE) does; a clean close after the request
 * was written is reported ("connection closed"), since the server may have
 * acted on it. Before reuse, a pooled connection is probed with a
 * non-blocking MSG_PEEK so a close the loop has not yet seen is caught first.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "httpc/httpc_internal.h"
#include "vaglio/tls.h"

typedef vg_httpc_origin_t origin_t;
typedef vg_httpc_conn_t conn_t;
typedef vg_httpc_req_t req_t;

/* ---- requests ---------------------------------------------------------------- */

void vg_httpc_queue_remove(origin_t *o, req_t *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        o->q_head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    else
        o->q_tail = r->prev;
    r->prev = r->next = NULL;
    r->queued = false;
}

void vg_httpc_queue_push(origin_t *o, req_t *r, bool front)
{
    r->queued = true;
    if (front) {
        r->prev = NULL;
        r->next = o->q_head;
        if (o->q_head != NULL)
            o->q_head->prev = r;
        else
            o->q_tail = r;
        o->q_head = r;
    } else {
        r->next = NULL;
        r->prev = o->q_tail;
        if (o->q_tail != NULL)
            o->q_tail->next = r;
        else
            o->q_head = r;
        o->q_tail = r;
    }
}

void vg_httpc_kick(vg_httpc_t *c)
{
    if (c != NULL)
        event_active(c->kick_ev, EV_TIMEOUT, 1);
}

/*
 * Marks @p r finished with @p err (NULL: the parsed response) and schedules
 * its callback. The caller has detached it from its connection.
 */
void vg_httpc_req_complete(req_t *r, const char *err)
{
    if (r->completed)
        return;
    r->completed = true;
    if (r->queued)
        vg_httpc_queue_remove(r->o, r);
    r->conn = NULL;
    if (err != NULL) {
        vg_strlcpy(r->errbuf, err, sizeof(r->errbuf));
        r->err = r->errbuf;
    }
    event_del(r->ev);
    event_active(r->ev, EV_TIMEOUT, 1);
}

static void req_free(req_t *r)
{
    if (r == NULL)
        return;
    vg_httpc_parser_cleanup(&r->parser);
    if (r->ev != NULL)
        event_free(r->ev);
    free(r->wire);
    free(r);
}

static void req_unlink(req_t *r)
{
    vg_httpc_t *c = r->c;

    if (c == NULL)
        return;
    if (r->all_prev != NULL)
        r->all_prev->all_next = r->all_next;
    else
        c->all = r->all_next;
    if (r->all_next != NULL)
        r->all_next->all_prev = r->all_prev;
    c->pending--;
    r->c = NULL;
}

/* The request's event: its deadline while running, its completion after. */
static void on_req_event(evutil_socket_t fd, short what, void *arg)
{
    req_t *r = arg;
    vg_httpc_response_t resp;
    (void)fd;
    (void)what;

    if (!r->completed) {
        conn_t *cn = r->conn;
        if (cn != NULL) {
            cn->req = NULL;
            r->conn = NULL;
            vg_httpc_conn_close(cn);
        }
        if (r->queued)
            vg_httpc_queue_remove(r->o, r);
        r->completed = true;
        r->err = vg_httpc_err_timeout;
    }
    req_unlink(r);
    memset(&resp, 0, sizeof(resp));
    if (r->err == NULL) {
        resp.status = r->parser.status;
        resp.body = r->parser.body.data != NULL ? r->parser.body.data : "";
        resp.body_len = r->parser.body.len;
        resp.retry_after = r->parser.has_retry_after ? r->parser.retry_after : NULL;
        resp.content_type = r->parser.has_content_type ? r->parser.content_type : NULL;
    }
    r->cb(r->err, r->err == NULL ? &resp : NULL, r->arg);
    req_free(r);
}

/* ---- queue ------------------------------------------------------------------ */

static void origin_assign(origin_t *o)
{
    vg_httpc_t *c = o->c;
    req_t *r;

    while ((r = o->q_head) != NULL) {
        conn_t *cn = r->fresh_only ? NULL : vg_httpc_take_idle(o);
        if (cn != NULL) {
            vg_httpc_queue_remove(o, r);
            vg_httpc_conn_bind(cn, r);
            continue;
        }
        if (o->nconns >= c->max_per_origin) {
            /* A fresh-only retry may evict an idle connection to get its slot. */
            conn_t *victim = o->conns;
            while (victim != NULL && victim->state != VG_HTTPC_CONN_IDLE)
                victim = victim->next;
            if (victim == NULL)
                return;
            vg_httpc_conn_close(victim);
            continue;
        }
        vg_httpc_queue_remove(o, r);
        vg_httpc_conn_open(o, r);
    }
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    vg_httpc_t *c = arg;
    (void)fd;
    (void)what;

    for (origin_t *o = c->origins; o != NULL; o = o->next)
        if (o->q_head != NULL)
            origin_assign(o);
}

/* ---- public API ------------------------------------------------------------------ */

vg_httpc_t *vg_httpc_new(struct event_base *base, const vg_httpc_opts_t *opts, vg_err_t *err)
{
    vg_httpc_t *c;

    if (base == NULL) {
        vg_err_set(err, VG_EINVAL, "httpc: no event base");
        return NULL;
    }
    c = vg_xcalloc(1, sizeof(*c));
    c->base = base;
    c->max_per_origin = opts != NULL && opts->max_per_origin > 0 ? opts->max_per_origin : 8;
    c->idle_timeout_ms = opts != NULL && opts->idle_timeout_ms > 0 ? opts->idle_timeout_ms : 30000;
    c->insecure = opts != NULL && opts->insecure;
    c->ssl_ctx = vg_tls_client_ctx_new(opts != NULL ? opts->ca_file : NULL, err);
    if (c->ssl_ctx == NULL)
        goto fail;
    c->kick_ev = event_new(base, -1, 0, on_kick, c);
    if (c->kick_ev == NULL) {
        vg_err_set(err, VG_EIO, "httpc: cannot create an event");
        goto fail;
    }
    return c;
fail:
    vg_httpc_free(c);
    return NULL;
}

static void free_dns_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    evdns_base_free(arg, 0);
}

void vg_httpc_free(vg_httpc_t *c)
{
    bool dns_busy = false;

    if (c == NULL)
        return;
    /* Every live request answers "client closed" from the loop (or keeps its
     * result if it had finished), then forgets the client. */
    for (req_t *r = c->all; r != NULL; r = r->all_next) {
        if (r->conn != NULL) {
            r->conn->req = NULL;
            r->conn = NULL;
        }
        vg_httpc_req_complete(r, vg_httpc_err_client_closed);
        r->c = NULL;
    }
    c->all = NULL;
    c->pending = 0;
    if (c->kick_ev != NULL)
        event_free(c->kick_ev);
    c->kick_ev = NULL; /* conn_close below must not kick */
    while (c->origins != NULL) {
        origin_t *o = c->origins;
        c->origins = o->next;
        o->c = NULL;
        while (o->conns != NULL) {
            dns_busy |= o->conns->dns_req != NULL;
            vg_httpc_conn_close(o->conns);
        }
        free(o);
    }
    if (c->dns != NULL) {
        /* A cancelled lookup still calls back through the resolver: free it after. */
        if (!dns_busy || event_base_once(c->base, -1, EV_TIMEOUT, free_dns_later, c->dns,
                                         &(struct timeval){0, 0}) != 0)
            evdns_base_free(c->dns, 0);
    }
    if (c->ssl_ctx != NULL)
        SSL_CTX_free(c->ssl_ctx);
    free(c);
}

size_t vg_httpc_pending(const vg_httpc_t *c)
{
    return c != NULL ? c->pending : 0;
}

static origin_t *origin_get(vg_httpc_t *c, const vg_httpc_url_t *u)
{
    origin_t *o;
    unsigned char addr[16];

    for (o = c->origins; o != NULL; o = o->next)
        if (o->tls == u->tls && o->port == u->port && strcmp(o->host, u->host) == 0)
            return o;
    o = vg_xcalloc(1, sizeof(*o));
    o->c = c;
    o->tls = u->tls;
    o->port = u->port;
    vg_strlcpy(o->host, u->host, sizeof(o->host));
    o->numeric = u->ipv6 || inet_pton(AF_INET, u->host, addr) == 1;
    o->next = c->origins;
    c->origins = o;
    return o;
}

static bool method_ok(const char *m)
{
    size_t n = strlen(m);

    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    return true;
}

static bool header_ok(const char *h)
{
    const char *colon = strchr(h, ':');

    if (colon == NULL || colon == h || strlen(h) > VG_HTTPC_MAX_LINE)
        return false;
    for (const char *p = h; *p; p++)
        if (*p == '\r' || *p == '\n' || (p < colon && (*p == ' ' || *p == '\t')))
            return false;
    return true;
}

/* Serializes the request line, headers and body into @p b. */
static int build_wire(vg_buf_t *b, const char *method, const vg_httpc_url_t *u,
                      const char *const *headers, const char *content_type, const void *body,
                      size_t len)
{
    bool has_body = body != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                    strcmp(method, "PATCH") == 0;

    vg_buf_printf(b, "%s %s HTTP/1.1\r\nHost: %s%s%s", method, u->target, u->ipv6 ? "[" : "",
                  u->host, u->ipv6 ? "]" : "");
    if (!u->default_port)
        vg_buf_printf(b, ":%u", (unsigned)u->port);
    vg_buf_puts(b, "\r\nUser-Agent: vaglio/" VG_VERSION "\r\n");
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        if (!header_ok(headers[i]))
            return -VG_EINVAL;
        vg_buf_printf(b, "%s\r\n", headers[i]);
    }
    if (content_type != NULL) {
        if (strpbrk(content_type, "\r\n") != NULL)
            return -VG_EINVAL;
        vg_buf_printf(b, "Content-Type: %s\r\n", content_type);
    }
    if (has_body)
        vg_buf_printf(b, "Content-Length: %zu\r\n", body != NULL ? len : 0);
    vg_buf_puts(b, "\r\n");
    if (body != NULL && len > 0)
        vg_buf_append(b, body, len);
    return 0;
}

int vg_httpc_request(vg_httpc_t *c, const char *method, const char *url, const char *const *headers,
                     const char *content_type, const void *body, size_t len, unsigned timeout_ms,
                     vg_httpc_cb cb, void *arg)
{
    vg_httpc_url_t u;
    vg_buf_t wire;
    req_t *r;
    origin_t *o;
    struct timeval tv;
    int rc = -VG_EINVAL;

    memset(&u, 0, sizeof(u));
    vg_buf_init(&wire, 0);
    if (c == NULL || method == NULL || cb == NULL || !method_ok(method) ||
        vg_httpc_url_parse(url, &u) < 0)
        goto out;
    if (build_wire(&wire, method, &u, headers, content_type, body, len) < 0)
        goto out;

    r = vg_xcalloc(1, sizeof(*r));
    r->c = c;
    r->cb = cb;
    r->arg = arg;
    r->wire = vg_buf_steal(&wire, &r->wire_len);
    r->idempotent = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
                    strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
                    strcmp(method, "OPTIONS") == 0;
    vg_httpc_parser_init(&r->parser, strcmp(method, "HEAD") == 0);
    r->ev = event_new(c->base, -1, 0, on_req_event, r);
    if (r->ev == NULL)
        vg_oom(sizeof(struct event *));
    if (timeout_ms == 0)
        timeout_ms = VG_HTTPC_DEFAULT_TO_MS;
    tv = vg_ms_timeval(timeout_ms);
    event_add(r->ev, &tv);

    r->all_next = c->all;
    if (c->all != NULL)
        c->all->all_prev = r;
    c->all = r;
    c->pending++;

    o = origin_get(c, &u);
    r->o = o;
    vg_httpc_queue_push(o, r, false);
    vg_httpc_kick(c);
    rc = 0;
out:
    vg_httpc_url_cleanup(&u);
    vg_buf_cleanup(&wire);
    return rc;
}
