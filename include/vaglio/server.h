/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: vaglio's own lean HTTP/1.1 server on libevent bufferevents, plain
 * or TLS (OpenSSL bufferevents), the first stage of the data flow. It owns
 * listeners and connections; it parses request line, headers and body
 * (Content-Length or chunked), enforces the limits (header bytes -> 431,
 * body -> 413 as soon as Content-Length says so, header/body/idle/write
 * timeouts), answers `Expect: 100-continue`, keeps connections alive, and
 * hands each complete request to one handler callback. libevent's evhttp is
 * not used: its types never appear here, and it costs system calls per
 * request the hot path cannot afford.
 *
 * Ownership: a request belongs to the server. The handler is called once
 * per request on the worker's loop and must eventually call vg_http_reply()
 * exactly once, synchronously or later (after Redis answers). If the client
 * goes away first, the request stays valid until the reply, which is then
 * discarded; the handler never needs to know. Requests on one connection are
 * handled one at a time (pipelined ones wait, bounded by the input limit).
 * The handler is never re-entered from inside vg_http_reply(): the next
 * pipelined request is dispatched after the handler returns (synchronous
 * reply) or from the loop (later reply). Sockets get TCP_NODELAY. The
 * process must ignore SIGPIPE (TLS writes go through OpenSSL's socket BIO).
 *
 * Not thread-safe: one server per worker loop; listeners of several workers
 * share a port with SO_REUSEPORT.
 */
#ifndef VAGLIO_SERVER_H
#define VAGLIO_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "vaglio/config.h"
#include "vaglio/util.h"

struct event_base;

typedef struct vg_http_server vg_http_server_t;
typedef struct vg_http_req vg_http_req_t;

typedef enum {
    VG_HTTP_GET = 0,
    VG_HTTP_HEAD,
    VG_HTTP_POST,
    VG_HTTP_PUT,
    VG_HTTP_DELETE,
    VG_HTTP_PATCH,
    VG_HTTP_OPTIONS,
    VG_HTTP_OTHER,
} vg_http_method_t;

/** Called for every complete request. See the ownership rules above. */
typedef void (*vg_http_handler_cb)(vg_http_req_t *req, void *arg);

/** Limits of one server. A timeout of 0 means none; max_connections 0 means no limit. */
typedef struct vg_http_limits {
    size_t max_body;            /**< 413 beyond */
    size_t max_header_bytes;    /**< request line + headers; 431 beyond */
    unsigned header_timeout_ms; /**< from the first byte of a request to its last header */
    unsigned body_timeout_ms;   /**< to receive the body */
    unsigned idle_timeout_ms;   /**< keep-alive idle between requests */
    unsigned write_timeout_ms;  /**< to send the response */
    unsigned max_connections;   /**< accepting pauses beyond (per server) */
} vg_http_limits_t;

/** Fills @p l from the `http` section of @p cfg. */
void vg_http_limits_from_config(vg_http_limits_t *l, const vg_config_t *cfg);

/** Returns a new server on @p base (caller frees). @p limits is copied. */
vg_http_server_t *vg_http_server_new(struct event_base *base, const vg_http_limits_t *limits,
                                     vg_http_handler_cb handler, void *arg);

/**
 * Starts listening as @p lc says. @p tls is the server context to use when
 * lc->tls (borrowed; must outlive the server), else ignored. With
 * @p reuseport several servers (workers) can bind the same address and port.
 * lc->address is a numeric IPv4 or IPv6 address ("[::1]" accepted).
 * Returns the bound port (useful with port 0) or a negative code with @p err.
 */
int vg_http_server_listen(vg_http_server_t *srv, const vg_listen_conf_t *lc, SSL_CTX *tls,
                          bool reuseport, vg_err_t *err);

/**
 * Graceful stop: closes the listeners, closes idle connections, lets
 * requests in flight finish (their connections close after the reply), then
 * calls @p done once no connection remains (possibly synchronously, else
 * from the loop; exactly once).
 */
void vg_http_server_drain(vg_http_server_t *srv, void (*done)(void *arg), void *arg);

/** Open connections right now. */
size_t vg_http_server_connections(const vg_http_server_t *srv);

/**
 * Frees the server and every connection at once, including requests still
 * with the handler: call it after the drain's done, or when no reply will
 * come; never from inside the handler. NULL is a no-op.
 */
void vg_http_server_free(vg_http_server_t *srv);

/* ---- requests ------------------------------------------------------------ */

vg_http_method_t vg_http_req_method(const vg_http_req_t *req);
/** The path of the request target, without the query ("/webhooks/meta/demo"). */
const char *vg_http_req_path(const vg_http_req_t *req);
/** The raw query string without '?', "" if none. */
const char *vg_http_req_query(const vg_http_req_t *req, size_t *len);
/** A header value, trimmed (case-insensitive name, first occurrence) or NULL. Borrowed. */
const char *vg_http_req_header(const vg_http_req_t *req, const char *name);
/**
 * The raw body bytes exactly as received (de-chunked), never NULL; a NUL
 * byte follows them (not counted in @p len). Borrowed.
 */
const unsigned char *vg_http_req_body(const vg_http_req_t *req, size_t *len);
/** VG_ROUTE_* mask of the listener the request came in on. */
unsigned vg_http_req_routes(const vg_http_req_t *req);
/** Monotonic ns when the request's headers were complete (for latency metrics). */
uint64_t vg_http_req_start_ns(const vg_http_req_t *req);
/** A short per-request id for logs ("w0-1f3a"), borrowed. */
const char *vg_http_req_id(const vg_http_req_t *req);
/** The peer address as text, borrowed. */
const char *vg_http_req_peer(const vg_http_req_t *req);

/**
 * Adds a response header (copied). Call before vg_http_reply. Framing is the
 * server's: Content-Length, Transfer-Encoding and Connection are refused, as
 * are names that are not tokens and values with control bytes (logged).
 */
void vg_http_reply_header(vg_http_req_t *req, const char *name, const char *value);

/**
 * Sends the response (the body is copied) and ends the request: the request
 * must not be used afterwards. @p content_type may be NULL when @p len is 0.
 * On HEAD the body is omitted. Exactly once per request.
 */
void vg_http_reply(vg_http_req_t *req, int status, const char *content_type, const void *body,
                   size_t len);

/** The standard reason phrase for @p status ("Not Found"). Static string. */
const char *vg_http_reason(int status);

#endif /* VAGLIO_SERVER_H */
