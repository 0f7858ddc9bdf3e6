/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server/listen: the server object and its listeners. Accepting goes
 * through evconnlistener (accept4 in a loop, non-blocking, close-on-exec);
 * it pauses when the server holds max_connections connections and resumes
 * when one closes, and backs off for a moment when the process runs out of
 * descriptors instead of spinning on EMFILE. Draining closes the listeners
 * and idle connections and reports once the last connection is gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "server/server_internal.h"
#include "vaglio/log.h"

/* How long a lingering close waits for the client to stop sending. */
#define LINGER_MS 2000
/* How long accepting pauses after EMFILE and friends. */
#define ACCEPT_BACKOFF_MS 100

/* Server ids only need to be unique within the process, for request ids. */
static atomic_uint next_server_id;

void vg_http_limits_from_config(vg_http_limits_t *l, const vg_config_t *cfg)
{
    l->max_body = cfg->http.max_body;
    l->max_header_bytes = cfg->http.max_header_bytes;
    l->header_timeout_ms = cfg->http.header_timeout_ms;
    l->body_timeout_ms = cfg->http.body_timeout_ms;
    l->idle_timeout_ms = cfg->http.idle_timeout_ms;
    l->write_timeout_ms = cfg->http.write_timeout_ms;
    l->max_connections = cfg->http.max_connections;
}

/*
 * libevent keeps timers of one common duration in a plain queue (O(1) to
 * add) instead of the heap. 0 ms means no timeout.
 */
static const struct timeval *common_timeout(struct event_base *base, unsigned ms)
{
    if (ms == 0)
        return NULL;
    struct timeval tv = vg_ms_timeval(ms);
    const struct timeval *ct = event_base_init_common_timeout(base, &tv);
    if (ct == NULL)
        VG_LOG_ERR(server, "msg=\"cannot create a common timeout\" ms=%u", ms);
    return ct;
}

static void set_accepting(vg_http_server_t *srv, bool on)
{
    for (vg_http_listener_t *l = srv->listeners; l != NULL; l = l->next) {
        if (on)
            evconnlistener_enable(l->lev);
        else
            evconnlistener_disable(l->lev);
    }
}

static void on_retry_accept(evutil_socket_t fd, short what, void *arg)
{
    vg_http_server_t *srv = arg;
    (void)fd;
    (void)what;
    srv->accept_backoff = false;
    if (!srv->accept_paused && !srv->draining)
        set_accepting(srv, true);
}

vg_http_server_t *vg_http_server_new(struct event_base *base, const vg_http_limits_t *limits,
                                     vg_http_handler_cb handler, void *arg)
{
    vg_http_server_t *srv = vg_xcalloc(1, sizeof(*srv));

    srv->base = base;
    srv->lim = *limits;
    if (srv->lim.max_header_bytes < 64)
        srv->lim.max_header_bytes = 64; /* a request line must fit */
    srv->handler = handler;
    srv->arg = arg;
    srv->id = atomic_fetch_add(&next_server_id, 1);
    srv->tv_header = common_timeout(base, limits->header_timeout_ms);
    srv->tv_body = common_timeout(base, limits->body_timeout_ms);
    srv->tv_idle = common_timeout(base, limits->idle_timeout_ms);
    srv->tv_write = common_timeout(base, limits->write_timeout_ms);
    srv->tv_linger = common_timeout(base, LINGER_MS);
    srv->retry_accept = evtimer_new(base, on_retry_accept, srv);
    if (srv->retry_accept == NULL)
        vg_oom(sizeof(struct event *));
    vg_buf_init(&srv->out, 0);
    return srv;
}

void vg_http_server_conn_added(vg_http_server_t *srv)
{
    if (srv->lim.max_connections != 0 && srv->nconns >= srv->lim.max_connections &&
        !srv->accept_paused) {
        VG_LOG_INFO(server, "msg=\"max_connections reached, pausing accept\" connections=%zu",
                    srv->nconns);
        srv->accept_paused = true;
        set_accepting(srv, false);
    }
}

void vg_http_server_conn_gone(vg_http_server_t *srv)
{
    if (srv->accept_paused && srv->nconns < srv->lim.max_connections) {
        srv->accept_paused = false;
        if (!srv->accept_backoff && !srv->draining)
            set_accepting(srv, true);
    }
    if (srv->draining && srv->nconns == 0 && srv->drain_done != NULL) {
        void (*done)(void *) = srv->drain_done;
        srv->drain_done = NULL;
        done(srv->drain_arg);
    }
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)lev;
    vg_http_conn_accept(arg, fd, sa, salen);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    vg_http_listener_t *l = arg;
    vg_http_server_t *srv = l->srv;
    int e = EVUTIL_SOCKET_ERROR();
    (void)lev;

    VG_LOG_WARN(server, "msg=\"accept failed\" err=\"%s\" connections=%zu", strerror(e),
                srv->nconns);
    if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
        /* the pending connection stays in the backlog: retry shortly, do not spin */
        struct timeval tv = {.tv_sec = 0, .tv_usec = ACCEPT_BACKOFF_MS * 1000};
        srv->accept_backoff = true;
        set_accepting(srv, false);
        evtimer_add(srv->retry_accept, &tv);
    }
}

static int parse_address(const char *addr, uint16_t port, struct sockaddr_storage *ss,
                         socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(addr);

    memset(ss, 0, sizeof(*ss));
    /* "[::1]" as in URLs is accepted too */
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof(host)) {
        memcpy(host, addr + 1, n - 2);
        host[n - 2] = '\0';
    } else if (n < sizeof(host)) {
        memcpy(host, addr, n + 1);
    } else {
        return -1;
    }
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        *len = sizeof(*s6);
        return 0;
    }
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *len = sizeof(*s4);
        return 0;
    }
    return -1;
}

int vg_http_server_listen(vg_http_server_t *srv, const vg_listen_conf_t *lc, SSL_CTX *tls,
                          bool reuseport, vg_err_t *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    const char *addr = lc->address != NULL ? lc->address : "0.0.0.0";

    if (srv->draining)
        return vg_err_set(err, VG_EINVAL, "listen %s:%u: the server is draining", addr,
                          (unsigned)lc->port);
    if (parse_address(addr, lc->port, &ss, &sslen) != 0)
        return vg_err_set(err, VG_EINVAL, "listen: \"%s\" is not an IPv4 or IPv6 address", addr);
    if (lc->tls && tls == NULL)
        return vg_err_set(err, VG_EINVAL, "listen %s:%u: TLS requested without a context", addr,
                          (unsigned)lc->port);

    vg_http_listener_t *l = vg_xcalloc(1, sizeof(*l));
    l->srv = srv;
    l->tls = lc->tls ? tls : NULL;
    l->routes = lc->routes != 0 ? lc->routes : VG_ROUTE_ALL;
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (reuseport)
        flags |= LEV_OPT_REUSEABLE_PORT;
    l->lev = evconnlistener_new_bind(srv->base, on_accept, l, flags, SOMAXCONN,
                                     (struct sockaddr *)&ss, (int)sslen);
    if (l->lev == NULL) {
        int e = errno;
        free(l);
        return vg_err_set(err, VG_EIO, "listen %s:%u: %s", addr, (unsigned)lc->port, strerror(e));
    }
    evconnlistener_set_error_cb(l->lev, on_accept_error);

    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    int port = lc->port;
    if (getsockname(evconnlistener_get_fd(l->lev), (struct sockaddr *)&bound, &blen) == 0)
        port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                 : ((struct sockaddr_in *)&bound)->sin_port);
    l->next = srv->listeners;
    srv->listeners = l;
    if (srv->accept_paused || srv->accept_backoff)
        evconnlistener_disable(l->lev);
    VG_LOG_DEBUG(server, "msg=listening address=%s port=%d tls=%s routes=%u", addr, port,
                 l->tls != NULL ? "on" : "off", l->routes);
    return port;
}

static void free_listeners(vg_http_server_t *srv)
{
    while (srv->listeners != NULL) {
        vg_http_listener_t *l = srv->listeners;
        srv->listeners = l->next;
        evconnlistener_free(l->lev);
        free(l);
    }
}

void vg_http_server_drain(vg_http_server_t *srv, void (*done)(void *arg), void *arg)
{
    srv->draining = true;
    srv->drain_done = done;
    srv->drain_arg = arg;
    free_listeners(srv);
    for (vg_http_conn_t *c = srv->conns; c != NULL; c = c->next) {
        switch (c->state) {
        case VG_CONN_NEW:
        case VG_CONN_IDLE:
            vg_http_conn_close(c);
            break;
        case VG_CONN_WRITE:
            c->close_after = true;
            break;
        default:
            /* HEAD, BODY, HANDLER: finish, answer with Connection: close */
            break;
        }
    }
    VG_LOG_INFO(server, "msg=draining connections=%zu", srv->nconns);
    if (srv->nconns == 0 && srv->drain_done != NULL) {
        srv->drain_done = NULL;
        done(arg);
    }
}

size_t vg_http_server_connections(const vg_http_server_t *srv)
{
    return srv->nconns;
}

void vg_http_server_free(vg_http_server_t *srv)
{
    if (srv == NULL)
        return;
    free_listeners(srv);
    while (srv->conns != NULL)
        vg_http_conn_destroy(srv->conns);
    if (srv->retry_accept != NULL)
        event_free(srv->retry_accept);
    vg_buf_cleanup(&srv->out);
    free(srv);
}
