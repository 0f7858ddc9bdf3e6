/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evhttp echo peer of the end-to-end benchmark (bench/README.md): the
 * least a server built on libevent's evhttp can do per webhook. One thread,
 * one event loop, HTTPS through an OpenSSL bufferevent per connection
 * (evhttp_set_bevcb), keep-alive; evhttp reads each request and its whole
 * body, and every request gets 200 "ok". No signature check, no parsing, no
 * scan, no state: the ratio of vagliod to it is what vaglio's job costs on
 * top of evhttp's own HTTP and TLS handling, the floor of an evhttp design.
 *
 *   vg_evhttp_echo PORT CERT KEY [ADDRESS]
 *
 * ADDRESS defaults to 127.0.0.1. SIGTERM or SIGINT stops it; it then prints
 * how many requests and body bytes it read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY    (4u << 20) /* like vagliod's default and the other peers */
#define MAX_HEADERS (64u << 10)
#define IDLE_SECS   120

typedef struct echo {
    struct event_base *base;
    SSL_CTX *tls;
    uint64_t requests;
    uint64_t body_bytes;
} echo_t;

/* Drains OpenSSL's error queue into one line, so that no stale error is
 * blamed on a later call. */
static void tls_error(const char *what)
{
    char line[1024];
    size_t off = 0;
    unsigned long e;

    line[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        if (off + 3 >= sizeof(line))
            continue;
        if (off > 0) {
            line[off++] = ';';
            line[off++] = ' ';
        }
        ERR_error_string_n(e, line + off, sizeof(line) - off);
        off += strlen(line + off);
    }
    fprintf(stderr, "evhttp_echo: %s: %s\n", what, off > 0 ? line : "no OpenSSL error");
}

static SSL_CTX *tls_new(const char *cert, const char *key)
{
    SSL_CTX *ctx;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        tls_error("SSL_CTX_new");
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        tls_error("cannot load the certificate and key");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* The same modes as vagliod's, so that TLS costs both servers alike. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

/* evhttp asks for a bufferevent for each accepted connection; it sets the
 * socket on it afterwards, hence fd -1. */
static struct bufferevent *on_bev(struct event_base *base, void *arg)
{
    echo_t *e = arg;
    struct bufferevent *bev;
    SSL *ssl;

    ERR_clear_error();
    ssl = SSL_new(e->tls);
    if (ssl == NULL) {
        tls_error("SSL_new");
        return NULL;
    }
    bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                         BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        fprintf(stderr, "evhttp_echo: cannot create a TLS bufferevent\n");
        return NULL; /* libevent freed the SSL on its failure path */
    }
    /* Load generators close without close_notify; that is not an error here. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* evhttp calls this once the whole body is in the input buffer. */
static void on_request(struct evhttp_request *req, void *arg)
{
    echo_t *e = arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    struct evbuffer *out = evhttp_request_get_output_buffer(req);
    size_t len = evbuffer_get_length(in);

    e->requests++;
    e->body_bytes += len;
    evbuffer_drain(in, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evbuffer_add(out, "ok\n", 3);
    evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    echo_t *e = arg;

    (void)sig;
    (void)what;
    event_base_loopbreak(e->base);
}

/* The listening socket is made here rather than by evhttp_bind_socket so that
 * it carries TCP_NODELAY, which Linux copies to every accepted socket: evhttp
 * writes a response's headers and body as separate TLS records, and with
 * Nagle the second would wait for the client's delayed ACK. */
static evutil_socket_t listen_on(const char *address, int port)
{
    struct sockaddr_in sin;
    evutil_socket_t fd;
    int one = 1;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
        fprintf(stderr, "evhttp_echo: bad IPv4 address %s\n", address);
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1024) != 0)
        goto fail;
    return fd;

fail:
    fprintf(stderr, "evhttp_echo: cannot listen on %s:%d: %s\n", address, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

int main(int argc, char **argv)
{
    echo_t e = {0};
    struct event_config *cfg = NULL;
    struct evhttp *http = NULL;
    struct event *sigterm = NULL;
    struct event *sigint = NULL;
    evutil_socket_t fd = -1;
    char *end = NULL;
    long port;
    int rc = 1;

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: %s PORT CERT KEY [ADDRESS]\n", argv[0]);
        return 2;
    }
    port = strtol(argv[1], &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "evhttp_echo: bad port %s\n", argv[1]);
        return 2;
    }
    /* A peer that goes away mid-write must not kill the server. */
    signal(SIGPIPE, SIG_IGN);

    e.tls = tls_new(argv[2], argv[3]);
    if (e.tls == NULL)
        goto out;
    cfg = event_config_new();
    if (cfg == NULL || event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0)
        goto out;
    e.base = event_base_new_with_config(cfg);
    if (e.base == NULL) {
        fprintf(stderr, "evhttp_echo: cannot create the event base\n");
        goto out;
    }
    http = evhttp_new(e.base);
    if (http == NULL)
        goto out;
    evhttp_set_bevcb(http, on_bev, &e);
    evhttp_set_gencb(http, on_request, &e);
    evhttp_set_max_body_size(http, MAX_BODY);
    evhttp_set_max_headers_size(http, MAX_HEADERS);
    evhttp_set_timeout(http, IDLE_SECS);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);

    fd = listen_on(argc == 5 ? argv[4] : "127.0.0.1", (int)port);
    if (fd < 0)
        goto out;
    if (evhttp_accept_socket(http, fd) != 0) {
        fprintf(stderr, "evhttp_echo: evhttp_accept_socket failed\n");
        close(fd);
        goto out;
    }
    /* from here on the bound socket belongs to http */

    sigterm = evsignal_new(e.base, SIGTERM, on_signal, &e);
    sigint = evsignal_new(e.base, SIGINT, on_signal, &e);
    if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) != 0 ||
        event_add(sigint, NULL) != 0)
        goto out;

    if (event_base_dispatch(e.base) < 0)
        goto out;
    fprintf(stderr, "evhttp_echo: %llu requests, %llu body bytes\n", (unsigned long long)e.requests,
            (unsigned long long)e.body_bytes);
    rc = 0;

out:
    if (rc != 0)
        fprintf(stderr, "evhttp_echo: could not run\n");
    if (sigint != NULL)
        event_free(sigint);
    if (sigterm != NULL)
        event_free(sigterm);
    if (http != NULL)
        evhttp_free(http);
    if (e.base != NULL)
        event_base_free(e.base);
    if (cfg != NULL)
        event_config_free(cfg);
    SSL_CTX_free(e.tls);
    return rc;
}
