/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/conn: one accepted connection, plain or TLS, carrying HTTP/1.1
 * requests one at a time to the handler and their responses back. This is
 * where the hot path spends its system calls, so it spends few: reads go
 * through the bufferevent (plain: FIONREAD + readv of up to 4 KiB; TLS: two
 * reads per record by OpenSSL), a response goes straight to the socket (send or
 * SSL_write) when nothing is queued before it, and only a remainder is left
 * to libevent. Reading is never switched off and on per request (two
 * epoll_ctl calls each time); a read high-watermark bounds what a client can
 * make us buffer while its request is with the handler.
 *
 *               first byte        head complete, no body
 *   accept --> NEW -------> HEAD -------------------------+
 *               |            ^  | head complete           |
 *               |            |  v                         v
 *               |            | BODY ---- complete ----> HANDLER
 *               |            |  |                         | vg_http_reply
 *               |  first byte|  | error, limit, timeout   v
 *               |            |  +-- error response ---> WRITE
 *               |           IDLE <---- keep-alive --------+ written
 *               |                                         | written, close
 *               v                client may still send    v
 *             DEAD <--------------- LINGER <------------- +
 *               ^   EOF, timeout            nothing unread |
 *               +------------------------------------------+
 *   EOF, errors and timeouts close from any state; HEAD and BODY answer a
 *   timeout with 408 first; an EOF while the handler works (maybe a
 *   half-close) only means the reply is the last one.
 *
 * A connection is never freed inside a callback that might still use it:
 * closing marks it DEAD and activates its timer, whose callback frees the
 * bufferevent and then the connection, unless the handler still holds its
 * request, in which case vg_http_reply frees it (again via the timer).
 * The same timer carries every timeout (re-armed only on state changes,
 * libevent common timeouts so adding is O(1)) and the deferred resumption
 * of a pipelined request.
 *
 * Callbacks of a TLS bufferevent may run synchronously inside
 * bufferevent_write (libevent 2.1 writes TLS output from the buffer
 * callback), so every caller re-checks the state after sending, and the
 * write-complete path never parses the next request itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "server/server_internal.h"
#include "vaglio/log.h"

/* Bytes a lingering close reads and throws away before giving up. */
#define LINGER_MAX_BYTES (1024 * 1024)

static void conn_advance(vg_http_conn_t *c);
static void write_done(vg_http_conn_t *c);

static const char *state_name(vg_conn_state_t s)
{
    static const char *const names[] = {"new",     "idle",  "head",   "body",
                                        "handler", "write", "linger", "dead"};
    return (unsigned)s < VG_ARRAY_LEN(names) ? names[s] : "?";
}

static struct evbuffer *input_of(vg_http_conn_t *c)
{
    return bufferevent_get_input(c->bev);
}

static struct evbuffer *output_of(vg_http_conn_t *c)
{
    return bufferevent_get_output(c->bev);
}

static void arm(vg_http_conn_t *c, const struct timeval *tv)
{
    if (tv != NULL)
        event_add(&c->timer, tv);
    else
        event_del(&c->timer);
}

/* The timeout that belongs to the current state. */
static void arm_for_state(vg_http_conn_t *c)
{
    const vg_http_server_t *srv = c->srv;
    switch (c->state) {
    case VG_CONN_NEW:
    case VG_CONN_HEAD:
        arm(c, srv->tv_header);
        break;
    case VG_CONN_IDLE:
        arm(c, srv->tv_idle);
        break;
    case VG_CONN_BODY:
        arm(c, srv->tv_body);
        break;
    case VG_CONN_WRITE:
        arm(c, srv->tv_write);
        break;
    case VG_CONN_LINGER:
        arm(c, srv->tv_linger);
        break;
    default:
        event_del(&c->timer);
        break;
    }
}

const char *vg_http_conn_peer(vg_http_conn_t *c)
{
    if (!c->have_peer_text) {
        char a[INET6_ADDRSTRLEN] = "?";
        if (c->peer.ss_family == AF_INET) {
            const struct sockaddr_in *s4 = (const struct sockaddr_in *)&c->peer;
            inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
            snprintf(c->peer_text, sizeof(c->peer_text), "%s:%u", a, ntohs(s4->sin_port));
        } else if (c->peer.ss_family == AF_INET6) {
            const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&c->peer;
            inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
            snprintf(c->peer_text, sizeof(c->peer_text), "[%s]:%u", a, ntohs(s6->sin6_port));
        } else {
            vg_strlcpy(c->peer_text, "local", sizeof(c->peer_text));
        }
        c->have_peer_text = true;
    }
    return c->peer_text;
}

/* ---- lifetime ------------------------------------------------------------- */

static void schedule_timer_now(vg_http_conn_t *c)
{
    event_active(&c->timer, EV_TIMEOUT, 1);
}

void vg_http_conn_close(vg_http_conn_t *c)
{
    if (c->state == VG_CONN_DEAD)
        return;
    c->state = VG_CONN_DEAD;
    event_del(&c->timer);
    if (c->bev != NULL) {
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
        bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
    }
    schedule_timer_now(c);
}

static void release_bev(vg_http_conn_t *c)
{
    if (c->bev != NULL) {
        bufferevent_free(c->bev); /* closes the socket, frees the SSL */
        c->bev = NULL;
        c->ssl = NULL;
        c->fd = -1;
    }
}

static void free_buffers(vg_http_conn_t *c)
{
    free(c->hdr);
    c->hdr = NULL;
    c->hdr_cap = 0;
    vg_http_body_cleanup(&c->body);
    vg_buf_cleanup(&c->req.rhdr);
}

static void unlink_conn(vg_http_conn_t *c)
{
    vg_http_server_t *srv = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

void vg_http_conn_destroy(vg_http_conn_t *c)
{
    event_del(&c->timer);
    release_bev(c);
    unlink_conn(c);
    c->srv->nconns--;
    free_buffers(c);
    free(c);
}

/* The one timer: deferred free, deferred resume, or a timeout of the state. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    vg_http_conn_t *c = arg;
    (void)fd;
    (void)what;

    if (c->state == VG_CONN_DEAD) {
        release_bev(c);
        if (!c->with_handler) {
            vg_http_server_t *srv = c->srv;
            vg_http_conn_destroy(c);
            vg_http_server_conn_gone(srv);
        }
        return;
    }
    if (c->resume) {
        c->resume = false;
        conn_advance(c);
        if (c->state != VG_CONN_DEAD && !evtimer_pending(&c->timer, NULL))
            arm_for_state(c);
        return;
    }
    switch (c->state) {
    case VG_CONN_HEAD:
    case VG_CONN_BODY:
        vg_http_send_error(c, 408);
        break;
    case VG_CONN_NEW:
    case VG_CONN_IDLE:
    case VG_CONN_WRITE:
    case VG_CONN_LINGER:
        VG_LOG_DEBUG(server, "msg=\"timeout, closing\" peer=%s state=%s", vg_http_conn_peer(c),
                     state_name(c->state));
        vg_http_conn_close(c);
        break;
    default:
        break;
    }
}

/* ---- writing ---------------------------------------------------------------- */

/* send(2) until done or EAGAIN; MSG_NOSIGNAL so a reset peer is an error, not a signal. */
static ssize_t plain_write(vg_http_conn_t *c, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(c->fd, p + done, n - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            /* a short write means the socket buffer is full: spare the EAGAIN call */
            if (done < n)
                break;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            VG_LOG_DEBUG(server, "msg=\"write failed\" peer=%s err=\"%s\"", vg_http_conn_peer(c),
                         strerror(errno));
            return -1;
        }
    }
    return (ssize_t)done;
}

/*
 * One SSL_write of the whole response. If it would block, nothing counts as
 * written and the caller hands every byte to the bufferevent, whose own
 * SSL_write then retries with the same bytes (libevent sets
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, so the new address is fine).
 */
static ssize_t tls_write(vg_http_conn_t *c, const char *p, size_t n)
{
    if (n > INT32_MAX)
        n = INT32_MAX;
    ERR_clear_error();
    int r = SSL_write(c->ssl, p, (int)n);
    if (r > 0)
        return r;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
        return 0;
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        VG_LOG_DEBUG(server, "msg=\"tls write failed\" peer=%s err=\"%s\"", vg_http_conn_peer(c),
                     strerror(errno));
    } else if (VG_LOG_ON(VG_LOG_DEBUG)) {
        char what[128];
        snprintf(what, sizeof(what), "tls write failed peer=%s", vg_http_conn_peer(c));
        vg_log_openssl(VG_LOG_DEBUG, "server", what);
    }
    ERR_clear_error();
    return -1;
}

int vg_http_conn_send(vg_http_conn_t *c, const char *p, size_t n)
{
    if (c->bev == NULL)
        return -1;
    if (evbuffer_get_length(output_of(c)) == 0) {
        ssize_t w = c->ssl != NULL ? tls_write(c, p, n) : plain_write(c, p, n);
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    /* May run our callbacks synchronously on TLS: callers re-check the state. */
    if (n > 0 && bufferevent_write(c->bev, p, n) != 0)
        return -1;
    return 0;
}

void vg_http_conn_respond(vg_http_conn_t *c, bool close_after)
{
    vg_http_server_t *srv = c->srv;

    c->close_after = close_after;
    c->state = VG_CONN_WRITE;
    if (vg_http_conn_send(c, srv->out.data, srv->out.len) < 0)
        vg_http_conn_close(c);
    else if (c->state == VG_CONN_WRITE && evbuffer_get_length(output_of(c)) == 0)
        write_done(c);
    else if (c->state == VG_CONN_WRITE)
        arm(c, srv->tv_write);
    if (srv->out.cap > 256 * 1024)
        vg_buf_cleanup(&srv->out);
}

/* Half-closes and reads what the client still sends, so it sees our answer, not a reset. */
static void start_linger(vg_http_conn_t *c)
{
    if (c->ssl != NULL) {
        ERR_clear_error();
        SSL_shutdown(c->ssl);
        ERR_clear_error();
    }
    shutdown(c->fd, SHUT_WR);
    struct evbuffer *in = input_of(c);
    evbuffer_drain(in, evbuffer_get_length(in));
    c->linger_read = 0;
    c->state = VG_CONN_LINGER;
    arm_for_state(c);
}

static void finish_close(vg_http_conn_t *c)
{
    bool unread = evbuffer_get_length(input_of(c)) > 0;
    if (!c->peer_eof && (c->linger || unread)) {
        start_linger(c);
        return;
    }
    if (c->ssl != NULL && !c->peer_eof) {
        /* close_notify: one write, and the client can tell a clean end from a cut */
        ERR_clear_error();
        SSL_shutdown(c->ssl);
        ERR_clear_error();
    }
    vg_http_conn_close(c);
}

/* The response is on the wire. Never parses the next request itself (see top). */
static void write_done(vg_http_conn_t *c)
{
    if (c->close_after) {
        finish_close(c);
        return;
    }
    c->state = VG_CONN_IDLE;
    arm_for_state(c);
    if (!c->in_advance && evbuffer_get_length(input_of(c)) > 0) {
        c->resume = true;
        schedule_timer_now(c);
    }
}

/* ---- reading ------------------------------------------------------------------ */

static void begin_request(vg_http_conn_t *c)
{
    c->state = VG_CONN_HEAD;
    c->req.seq = ++c->srv->req_counter;
    c->req.id[0] = '\0';
    c->scan_from = 0;
    c->linger = false;
    arm_for_state(c);
}

static void dispatch(vg_http_conn_t *c)
{
    vg_http_server_t *srv = c->srv;
    c->req.start_ns = vg_mono_ns();
    c->state = VG_CONN_HANDLER;
    c->with_handler = true;
    event_del(&c->timer);
    srv->handler(&c->req, srv->arg);
}

/* Copies the head out of the input once it is complete, and parses it. */
static void read_head(vg_http_conn_t *c)
{
    vg_http_server_t *srv = c->srv;
    struct evbuffer *in = input_of(c);
    size_t len = evbuffer_get_length(in);
    size_t limit = srv->lim.max_header_bytes;
    size_t n = len < limit ? len : limit;
    const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
    size_t from = c->scan_from > 3 ? c->scan_from - 3 : 0;
    const char *e = NULL;

    if (p == NULL)
        return;
    if (n >= 4 && n > from)
        e = memmem(p + from, n - from, "\r\n\r\n", 4);
    if (e == NULL) {
        if (n > from && memmem(p + from, n - from, "\n\n", 2) != NULL)
            vg_http_send_error(c, 400); /* bare LF line ends: never going to end properly */
        else if (len >= limit)
            vg_http_send_error(c, 431);
        else
            c->scan_from = n;
        return;
    }

    size_t hlen = (size_t)(e - p) + 4;
    if (c->hdr_cap < hlen + 1) {
        free(c->hdr);
        c->hdr_cap = VG_MAX(hlen + 1, (size_t)1024);
        c->hdr = vg_xmalloc(c->hdr_cap);
    }
    memcpy(c->hdr, p, hlen);
    c->hdr[hlen] = '\0';
    evbuffer_drain(in, hlen);
    c->scan_from = 0;

    vg_http_head_t *h = &c->req.head;
    int status = vg_http_parse_head(c->hdr, hlen, h);
    if (status != 0) {
        vg_http_send_error(c, status);
        return;
    }
    if (h->has_length && h->content_length > srv->lim.max_body) {
        vg_http_send_error(c, 413);
        return;
    }
    c->body.len = 0;
    if (h->chunked) {
        vg_http_chunked_init(&c->chunked);
    } else if (h->content_length > 0) {
        vg_http_body_reserve(&c->body, (size_t)h->content_length);
    } else {
        dispatch(c);
        return;
    }
    c->state = VG_CONN_BODY;
    arm_for_state(c);
    if (h->expect_continue && evbuffer_get_length(in) == 0) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (vg_http_conn_send(c, cont, sizeof(cont) - 1) < 0)
            vg_http_conn_close(c);
    }
}

static void read_chunked(vg_http_conn_t *c)
{
    const vg_http_limits_t *lim = &c->srv->lim;
    struct evbuffer *in = input_of(c);

    while (!vg_http_chunked_done(&c->chunked) && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v[4];
        int nv = evbuffer_peek(in, -1, NULL, v, 4);
        size_t used = 0;
        long r = 0;
        for (int i = 0; i < nv && i < 4 && !vg_http_chunked_done(&c->chunked); i++) {
            r = vg_http_chunked_feed(&c->chunked, v[i].iov_base, v[i].iov_len, &c->body,
                                     lim->max_body, lim->max_header_bytes);
            if (r < 0)
                break;
            used += (size_t)r;
        }
        evbuffer_drain(in, used);
        if (r < 0) {
            vg_http_send_error(c, (int)-r);
            return;
        }
    }
    if (vg_http_chunked_done(&c->chunked))
        dispatch(c);
}

static void read_body(vg_http_conn_t *c)
{
    if (c->req.head.chunked) {
        read_chunked(c);
        return;
    }
    struct evbuffer *in = input_of(c);
    size_t want = (size_t)c->req.head.content_length - c->body.len;
    size_t take = VG_MIN(want, evbuffer_get_length(in));
    if (take > 0) {
        evbuffer_remove(in, c->body.data + c->body.len, take);
        c->body.len += take;
    }
    if (c->body.len < c->req.head.content_length)
        return;
    c->body.data[c->body.len] = '\0';
    dispatch(c);
}

/*
 * Moves the connection forward as far as the buffered bytes allow: several
 * pipelined requests in one go when the handler answers synchronously.
 */
static void conn_advance(vg_http_conn_t *c)
{
    if (c->in_advance)
        return; /* the loop below will see the new bytes */
    c->in_advance = true;
    for (;;) {
        vg_conn_state_t before = c->state;
        switch (before) {
        case VG_CONN_NEW:
        case VG_CONN_IDLE:
            if (evbuffer_get_length(input_of(c)) == 0)
                goto out;
            begin_request(c);
            break;
        case VG_CONN_HEAD:
            read_head(c);
            break;
        case VG_CONN_BODY:
            read_body(c);
            break;
        default:
            goto out;
        }
        if (c->state == before)
            goto out; /* waiting for more bytes */
    }
out:
    c->in_advance = false;
}

/* ---- bufferevent callbacks ------------------------------------------------------ */

static void on_read(struct bufferevent *bev, void *arg)
{
    vg_http_conn_t *c = arg;
    (void)bev;

    switch (c->state) {
    case VG_CONN_NEW:
    case VG_CONN_IDLE:
    case VG_CONN_HEAD:
    case VG_CONN_BODY:
        conn_advance(c);
        break;
    case VG_CONN_LINGER: {
        struct evbuffer *in = input_of(c);
        size_t n = evbuffer_get_length(in);
        evbuffer_drain(in, n);
        c->linger_read += n;
        if (c->linger_read > LINGER_MAX_BYTES)
            vg_http_conn_close(c);
        break;
    }
    default:
        /* HANDLER, WRITE: the bytes wait, bounded by the read watermark */
        break;
    }
}

static void on_write(struct bufferevent *bev, void *arg)
{
    vg_http_conn_t *c = arg;
    if (c->state == VG_CONN_WRITE && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        write_done(c);
}

static void log_event(vg_http_conn_t *c, short what)
{
    char detail[512];
    size_t o = 0;

    detail[0] = '\0';
    if (c->ssl != NULL) {
        unsigned long e;
        while ((e = bufferevent_get_openssl_error(c->bev)) != 0 && o + 130 < sizeof(detail)) {
            char one[120];
            /* libevent also files SSL_get_error() codes here, which are not queue entries */
            if (ERR_GET_LIB(e) == 0)
                continue;
            ERR_error_string_n(e, one, sizeof(one));
            o += (size_t)snprintf(detail + o, sizeof(detail) - o, "%s%s", o ? " | " : "", one);
        }
    }
    if (o == 0 && (what & BEV_EVENT_ERROR) && EVUTIL_SOCKET_ERROR() != 0)
        snprintf(detail, sizeof(detail), "%s", strerror(EVUTIL_SOCKET_ERROR()));
    char q[540];
    const char *msg = (what & BEV_EVENT_EOF)                ? "closed by peer"
                      : (c->state == VG_CONN_NEW && c->ssl) ? "tls handshake failed"
                                                            : "connection error";
    VG_LOG_DEBUG(server, "msg=\"%s\" peer=%s state=%s err=%s", msg, vg_http_conn_peer(c),
                 state_name(c->state), vg_log_quote(detail, q, sizeof(q)));
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    vg_http_conn_t *c = arg;
    (void)bev;

    if (what & BEV_EVENT_CONNECTED)
        return; /* TLS handshake complete: the header timeout keeps running */
    if (VG_LOG_ON(VG_LOG_DEBUG))
        log_event(c, what);
    bool eof = (what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR);
    if (c->state == VG_CONN_HANDLER && eof) {
        /* maybe only a half-close: the reply is still attempted, then we close */
        c->peer_eof = true;
        return;
    }
    if (c->state == VG_CONN_WRITE && eof && c->ssl == NULL) {
        c->peer_eof = true;
        c->close_after = true;
        return;
    }
    vg_http_conn_close(c);
}

/* ---- accepting ------------------------------------------------------------------- */

void vg_http_conn_accept(vg_http_listener_t *l, int fd, const struct sockaddr *sa, int salen)
{
    vg_http_server_t *srv = l->srv;
    struct bufferevent *bev;
    SSL *ssl = NULL;
    int one = 1;

    /* Without it every small TLS record waits for the client's delayed ACK (~40 ms). */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        VG_LOG_DEBUG(server, "msg=\"TCP_NODELAY failed\" err=\"%s\"", strerror(errno));
    if (l->tls != NULL) {
        ERR_clear_error();
        ssl = SSL_new(l->tls);
        if (ssl == NULL) {
            vg_log_openssl(VG_LOG_WARN, "server", "SSL_new failed");
            close(fd);
            return;
        }
        /* Not BEV_OPT_DEFER_CALLBACKS: the state machine copes with synchronous
         * callbacks, and deferring each one costs a queue round trip per event. */
        bev = bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE);
        if (bev == NULL) {
            /* libevent's failure path already freed the SSL and closed fd */
            VG_LOG_WARN(server, "msg=\"cannot create a TLS bufferevent\"");
            return;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    } else {
        bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (bev == NULL) {
            VG_LOG_WARN(server, "msg=\"cannot create a bufferevent\"");
            close(fd);
            return;
        }
    }

    vg_http_conn_t *c = vg_xcalloc(1, sizeof(*c));
    c->srv = srv;
    c->bev = bev;
    c->ssl = ssl;
    c->fd = fd;
    c->routes = l->routes;
    if (salen > 0 && (size_t)salen <= sizeof(c->peer)) {
        memcpy(&c->peer, sa, (size_t)salen);
        c->peer_len = (socklen_t)salen;
    }
    c->req.conn = c;
    vg_buf_init(&c->req.rhdr, 0);
    event_assign(&c->timer, srv->base, -1, 0, on_timer, c);
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;

    /* A pipelining client can have at most this much waiting while we are busy. */
    size_t high = VG_MAX(srv->lim.max_header_bytes, (size_t)16384) + 16384;
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(bev, EV_READ, 0, high);
    bufferevent_enable(bev, EV_READ);
    c->state = VG_CONN_NEW;
    arm_for_state(c);
    vg_http_server_conn_added(srv);
}
