/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc connections: resolving, connecting (every address in turn; TLS with
 * SNI and host verification), sending a request, feeding the response
 * parser, pooling kept-alive connections and retrying a request once when
 * a stale pooled connection fails before any response byte (the rules are
 * in httpc.c's header comment). See httpc.c for the state diagram.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "httpc/httpc_internal.h"
#include "vaglio/log.h"
#include "vaglio/tls.h"

/* How long one address may take to connect when another one is left to try. */
#define ADDR_CONNECT_MS 2000u

typedef vg_httpc_origin_t origin_t;
typedef vg_httpc_conn_t conn_t;
typedef vg_httpc_req_t req_t;

static void conn_connect_next(conn_t *cn);

/* Fails the connection's request with @p err (if any) and closes it. */
static void conn_fail(conn_t *cn, const char *err)
{
    req_t *r = cn->req;

    cn->req = NULL;
    if (r != NULL) {
        r->conn = NULL;
        vg_httpc_req_complete(r, err);
    }
    vg_httpc_conn_close(cn);
}

void vg_httpc_conn_close(conn_t *cn)
{
    origin_t *o = cn->o;

    if (cn->req != NULL) {
        /* Never silently: a request still bound here gets an answer. */
        req_t *r = cn->req;
        cn->req = NULL;
        r->conn = NULL;
        vg_httpc_req_complete(r, vg_httpc_err_closed);
    }
    if (cn->dns_req != NULL) {
        /* The cancel callback comes later with EVUTIL_EAI_CANCEL and is ignored. */
        evdns_getaddrinfo_cancel(cn->dns_req);
        cn->dns_req = NULL;
    }
    if (cn->bev != NULL)
        bufferevent_free(cn->bev);
    if (cn->addrs != NULL)
        evutil_freeaddrinfo(cn->addrs);
    if (cn->timer != NULL)
        event_free(cn->timer);
    if (cn->prev != NULL)
        cn->prev->next = cn->next;
    else
        o->conns = cn->next;
    if (cn->next != NULL)
        cn->next->prev = cn->prev;
    o->nconns--;
    vg_httpc_kick(o->c);
    free(cn);
}

/* A TLS failure reason from the connection's OpenSSL error queue, or false. */
static bool tls_reason(conn_t *cn, char *buf, size_t cap)
{
    unsigned long e;
    unsigned long first = 0;
    SSL *ssl;
    long vr;

    if (!cn->o->tls || cn->bev == NULL)
        return false;
    while ((e = bufferevent_get_openssl_error(cn->bev)) != 0)
        if (first == 0)
            first = e;
    if (first == 0)
        return false;
    ssl = bufferevent_openssl_get_ssl(cn->bev);
    vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (vr != X509_V_OK) {
        snprintf(buf, cap, "tls: certificate verify failed: %s", X509_verify_cert_error_string(vr));
    } else {
        const char *why = ERR_reason_error_string(first);
        snprintf(buf, cap, "tls: %s", why != NULL ? why : "handshake failed");
    }
    return true;
}

/* The request is over on this connection: pool the connection or close it. */
static void conn_finish(conn_t *cn)
{
    req_t *r = cn->req;
    vg_httpc_t *c = cn->o->c;
    bool keep = r->parser.keep_alive && c->idle_timeout_ms > 0 &&
                evbuffer_get_length(bufferevent_get_input(cn->bev)) == 0;

    cn->req = NULL;
    r->conn = NULL;
    vg_httpc_req_complete(r, NULL);
    if (!keep) {
        vg_httpc_conn_close(cn);
        return;
    }
    struct timeval tv = vg_ms_timeval(c->idle_timeout_ms);
    cn->state = VG_HTTPC_CONN_IDLE;
    cn->reused = true;
    evtimer_add(cn->timer, &tv);
    vg_httpc_kick(c);
}

/* Feeds what arrived to the parser; true if the connection was finished or closed. */
static bool conn_parse(conn_t *cn)
{
    struct evbuffer *in = bufferevent_get_input(cn->bev);
    int rc;

    if (evbuffer_get_length(in) == 0)
        return false;
    cn->got_bytes = true;
    rc = vg_httpc_parser_feed(&cn->req->parser, in);
    if (rc < 0) {
        conn_fail(cn, cn->req->parser.err);
        return true;
    }
    if (rc == 1) {
        conn_finish(cn);
        return true;
    }
    return false;
}

static void on_conn_read(struct bufferevent *bev, void *arg)
{
    conn_t *cn = arg;
    (void)bev;

    if (cn->req == NULL) {
        /* Bytes on an idle connection: nothing we asked for; drop it. */
        vg_httpc_conn_close(cn);
        return;
    }
    cn->connected = true;
    cn->state = VG_HTTPC_CONN_BUSY;
    conn_parse(cn);
}

static bool may_retry(const conn_t *cn, const req_t *r, short what, int sock_err)
{
    if (!cn->reused || cn->got_bytes || r->retried)
        return false;
    if (r->idempotent)
        return true;
    if ((what & BEV_EVENT_WRITING) != 0)
        return true;
    return (what & BEV_EVENT_ERROR) != 0 && (sock_err == ECONNRESET || sock_err == EPIPE);
}

static void conn_retry(conn_t *cn)
{
    req_t *r = cn->req;

    cn->req = NULL;
    r->conn = NULL;
    r->retried = true;
    r->fresh_only = true;
    vg_httpc_parser_cleanup(&r->parser);
    vg_httpc_parser_init(&r->parser, r->parser.head);
    vg_httpc_queue_push(r->o, r, true);
    vg_httpc_conn_close(cn);
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
    conn_t *cn = arg;
    int sock_err = EVUTIL_SOCKET_ERROR();
    char why[160];
    (void)bev;

    if (what & BEV_EVENT_CONNECTED) {
        cn->connected = true;
        if (cn->state == VG_HTTPC_CONN_CONNECTING)
            cn->state = VG_HTTPC_CONN_BUSY;
        evtimer_del(cn->timer);
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
        return;
    if (cn->req == NULL) {
        vg_httpc_conn_close(cn);
        return;
    }
    if (!cn->connected) {
        if (tls_reason(cn, why, sizeof(why))) {
            conn_fail(cn, why);
            return;
        }
        if (cn->cur != NULL) {
            conn_connect_next(cn);
            return;
        }
        conn_fail(cn, vg_httpc_err_connect);
        return;
    }
    /* Bytes may have arrived with the close; they come first. */
    if (conn_parse(cn))
        return;
    if (tls_reason(cn, why, sizeof(why))) {
        conn_fail(cn, why);
        return;
    }
    if (may_retry(cn, cn->req, what, sock_err)) {
        VG_LOG_DEBUG(httpc, "msg=\"stale pooled connection, retrying\" host=%s", cn->o->host);
        conn_retry(cn);
        return;
    }
    if ((what & BEV_EVENT_EOF) && vg_httpc_parser_eof(&cn->req->parser) == 1) {
        conn_finish(cn);
        return;
    }
    conn_fail(cn, cn->req->parser.err != NULL ? cn->req->parser.err : vg_httpc_err_closed);
}

static void on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
    conn_t *cn = arg;
    (void)fd;
    (void)what;

    if (cn->state == VG_HTTPC_CONN_CONNECTING && cn->cur != NULL && !cn->connected)
        conn_connect_next(cn); /* this address is slow: try the next one */
    else if (cn->state == VG_HTTPC_CONN_IDLE)
        vg_httpc_conn_close(cn);
}

static struct bufferevent *make_bev(conn_t *cn, char *why, size_t cap)
{
    vg_httpc_t *c = cn->o->c;
    const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    struct bufferevent *bev;
    vg_err_t err;
    SSL *ssl;

    if (!cn->o->tls)
        return bufferevent_socket_new(c->base, -1, opts);
    ERR_clear_error();
    ssl = vg_tls_client_ssl_new(c->ssl_ctx, cn->o->host, &err);
    if (ssl == NULL) {
        snprintf(why, cap, "tls: %.150s", err.msg);
        return NULL;
    }
    if (c->insecure)
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    bev = bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, opts);
    if (bev == NULL) {
        SSL_free(ssl);
        snprintf(why, cap, "tls: cannot create the connection");
        return NULL;
    }
    /* Many servers close without close_notify; the framing tells us what we got. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* Tries the next resolved address; fails the request when none is left. */
static void conn_connect_next(conn_t *cn)
{
    char why[160] = "";

    while (cn->cur != NULL) {
        struct evutil_addrinfo *ai = cn->cur;
        cn->cur = ai->ai_next;
        if (cn->bev != NULL) {
            bufferevent_free(cn->bev);
            cn->bev = NULL;
        }
        evtimer_del(cn->timer);
        cn->bev = make_bev(cn, why, sizeof(why));
        if (cn->bev == NULL) {
            conn_fail(cn, why);
            return;
        }
        bufferevent_setcb(cn->bev, on_conn_read, NULL, on_conn_event, cn);
        bufferevent_enable(cn->bev, EV_READ | EV_WRITE);
        if (bufferevent_socket_connect(cn->bev, ai->ai_addr, (int)ai->ai_addrlen) < 0)
            continue;
        if (cn->cur != NULL) {
            struct timeval tv = vg_ms_timeval(ADDR_CONNECT_MS);
            evtimer_add(cn->timer, &tv);
        }
        /* Buffered until the connection (and the handshake) is up. */
        bufferevent_write(cn->bev, cn->req->wire, cn->req->wire_len);
        return;
    }
    conn_fail(cn, vg_httpc_err_connect);
}

static void conn_after_resolve(conn_t *cn)
{
    char why[160];

    if (cn->resolve_err != 0 || cn->addrs == NULL) {
        snprintf(why, sizeof(why), "dns: %s",
                 cn->resolve_err != 0 ? evutil_gai_strerror(cn->resolve_err) : "no address");
        conn_fail(cn, why);
        return;
    }
    cn->cur = cn->addrs;
    conn_connect_next(cn);
}

static void on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    conn_t *cn = arg;

    if (result == EVUTIL_EAI_CANCEL) {
        /* The connection is gone: do not touch it. */
        if (res != NULL)
            evutil_freeaddrinfo(res);
        return;
    }
    cn->dns_req = NULL;
    cn->resolved = true;
    cn->resolve_err = result;
    cn->addrs = res;
    if (!cn->in_resolve)
        conn_after_resolve(cn);
}

static struct evdns_base *client_dns(vg_httpc_t *c)
{
    if (c->dns == NULL)
        c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                             EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    return c->dns;
}

/* A new connection for @p r: resolves (or parses) the host, then connects. */
void vg_httpc_conn_open(origin_t *o, req_t *r)
{
    vg_httpc_t *c = o->c;
    conn_t *cn = vg_xcalloc(1, sizeof(*cn));
    struct evutil_addrinfo hints;
    char port[8];
    struct evdns_getaddrinfo_request *dr;
    struct evdns_base *dns;

    cn->o = o;
    cn->state = VG_HTTPC_CONN_CONNECTING;
    cn->timer = evtimer_new(c->base, on_conn_timer, cn);
    cn->next = o->conns;
    if (o->conns != NULL)
        o->conns->prev = cn;
    o->conns = cn;
    o->nconns++;
    cn->req = r;
    r->conn = cn;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(port, sizeof(port), "%u", (unsigned)o->port);
    if (o->numeric) {
        hints.ai_flags = EVUTIL_AI_NUMERICHOST;
        cn->resolve_err = evutil_getaddrinfo(o->host, port, &hints, &cn->addrs);
        conn_after_resolve(cn);
        return;
    }
    dns = client_dns(c);
    if (dns == NULL) {
        conn_fail(cn, "dns: resolver unavailable");
        return;
    }
    hints.ai_flags = EVUTIL_AI_ADDRCONFIG;
    cn->in_resolve = true;
    dr = evdns_getaddrinfo(dns, o->host, port, &hints, on_resolved, cn);
    cn->in_resolve = false;
    if (!cn->resolved) {
        cn->dns_req = dr;
        return;
    }
    conn_after_resolve(cn);
}

/* True if a pooled connection is still open: no EOF, alert or stray byte pending. */
static bool conn_alive(conn_t *cn)
{
    evutil_socket_t fd = bufferevent_getfd(cn->bev);
    char b;
    ssize_t n;

    if (fd < 0 || evbuffer_get_length(bufferevent_get_input(cn->bev)) > 0)
        return false;
    n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

conn_t *vg_httpc_take_idle(origin_t *o)
{
    conn_t *cn = o->conns;

    while (cn != NULL) {
        conn_t *next = cn->next;
        if (cn->state == VG_HTTPC_CONN_IDLE) {
            if (conn_alive(cn))
                return cn;
            vg_httpc_conn_close(cn);
        }
        cn = next;
    }
    return NULL;
}

void vg_httpc_conn_bind(conn_t *cn, req_t *r)
{
    evtimer_del(cn->timer);
    cn->state = VG_HTTPC_CONN_BUSY;
    cn->got_bytes = false;
    cn->req = r;
    r->conn = cn;
    bufferevent_write(cn->bev, r->wire, r->wire_len);
}

/* Gives waiting requests of @p o a connection while the limit allows. */
