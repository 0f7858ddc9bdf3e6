/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server internals: the HTTP/1.1 parser (request head and chunked body
 * decoder, pure functions over bytes, shared with the unit tests and the
 * fuzzer), and the server, listener, connection and request structs shared
 * by listen.c, conn.c and reply.c. Nothing here is part of the contract
 * between modules: include/vaglio/server.h is.
 */
#ifndef VAGLIO_SERVER_INTERNAL_H
#define VAGLIO_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "vaglio/server.h"
#include "vaglio/util.h"

/* ---- parser ------------------------------------------------------------- */

/** Header lines kept per request; one more is a 431. */
#define VG_HTTP_MAX_HEADERS 64
/** Longest chunk-size line (with extensions) accepted in a chunked body. */
#define VG_HTTP_MAX_CHUNK_LINE 4096

/** One header line: slices of the connection's copy of the header block, NUL-terminated. */
typedef struct vg_http_header {
    const char *name;
    const char *value;
    uint32_t name_len;
    uint32_t value_len;
} vg_http_header_t;

/** A parsed request head. Every pointer points into the buffer given to the parser. */
typedef struct vg_http_head {
    vg_http_method_t method;
    uint8_t minor;    /**< HTTP/1.<minor>, 0 or 1 */
    const char *path; /**< NUL-terminated, without the query */
    size_t path_len;
    const char *query; /**< NUL-terminated, without '?', "" if none */
    size_t query_len;
    vg_http_header_t headers[VG_HTTP_MAX_HEADERS];
    size_t nheaders;
    uint64_t content_length; /**< valid when has_length */
    bool has_length;
    bool chunked;         /**< Transfer-Encoding: chunked */
    bool keep_alive;      /**< what the client asked for (version + Connection) */
    bool expect_continue; /**< Expect: 100-continue on an HTTP/1.1 request */
} vg_http_head_t;

/**
 * Parses a request head: request line and header lines, @p buf[0..len)
 * ending with the empty line ("\r\n\r\n"). Field ends are overwritten with
 * NULs in place, so @p h's slices are C strings; @p buf must outlive @p h.
 * Strict on purpose (request smuggling hygiene): bare CR or LF, NUL and
 * other control bytes in values, obs-fold, whitespace before the colon,
 * conflicting Content-Length values, Content-Length with Transfer-Encoding,
 * Transfer-Encoding on HTTP/1.0 and a missing or repeated Host on HTTP/1.1
 * are all errors.
 * Returns 0, or the HTTP status to answer with: 400 malformed, 411 POST or
 * PUT without a length, 417 an expectation other than 100-continue, 431
 * more than VG_HTTP_MAX_HEADERS headers, 501 a transfer coding other than
 * chunked, 505 a version other than 1.0 and 1.1. The body size limit (413)
 * is the caller's, from h->content_length.
 */
int vg_http_parse_head(char *buf, size_t len, vg_http_head_t *h);

/** The first header named @p name (case-insensitive, length @p n), or NULL. */
const vg_http_header_t *vg_http_head_find(const vg_http_head_t *h, const char *name, size_t n);

/** A body being assembled: grows by doubling, always one spare byte for a NUL. */
typedef struct vg_http_body {
    unsigned char *data;
    size_t len;
    size_t cap;
} vg_http_body_t;

/** Makes room for @p total bytes plus a NUL. Aborts on out-of-memory. */
void vg_http_body_reserve(vg_http_body_t *b, size_t total);
/** Frees the storage. */
void vg_http_body_cleanup(vg_http_body_t *b);

/** Incremental decoder of a chunked body (RFC 9112 section 7.1). */
typedef struct vg_http_chunked {
    uint8_t state;
    uint8_t ndigits;
    uint64_t remaining;   /**< bytes left in the current chunk, or its size being read */
    size_t line_len;      /**< bytes of the current size line or trailer line */
    size_t trailer_bytes; /**< bytes of trailer section so far */
} vg_http_chunked_t;

/** Starts decoding a new body. */
void vg_http_chunked_init(vg_http_chunked_t *c);

/** True once the last chunk and the trailer section have been consumed. */
bool vg_http_chunked_done(const vg_http_chunked_t *c);

/**
 * Feeds @p in[0..len) to the decoder, appending chunk data to @p out. Stops
 * right after the end of the body, so bytes of a pipelined request are not
 * consumed. Chunk extensions and trailers are accepted and ignored.
 * Returns the number of bytes consumed, or minus an HTTP status: -400
 * malformed, -413 the body would exceed @p max_body, -431 the trailers
 * exceed @p max_trailer bytes.
 */
long vg_http_chunked_feed(vg_http_chunked_t *c, const char *in, size_t len, vg_http_body_t *out,
                          size_t max_body, size_t max_trailer);

/* ---- server, listeners, connections --------------------------------------- */

typedef struct vg_http_conn vg_http_conn_t;
typedef struct vg_http_listener vg_http_listener_t;

/** The request being handled: one per connection at a time, embedded in it. */
struct vg_http_req {
    vg_http_conn_t *conn;
    vg_http_head_t head;
    uint64_t seq;      /**< per-server counter, for the id */
    uint64_t start_ns; /**< headers complete */
    vg_buf_t rhdr;     /**< extra response header lines */
    char id[32];       /**< formatted lazily */
};

/* Connection states; see the diagram at the top of conn.c. */
typedef enum {
    VG_CONN_NEW = 0, /**< accepted (TLS handshake), no byte of a request yet */
    VG_CONN_IDLE,    /**< keep-alive, between requests */
    VG_CONN_HEAD,    /**< reading the request line and headers */
    VG_CONN_BODY,    /**< reading the body */
    VG_CONN_HANDLER, /**< the request is with the handler */
    VG_CONN_WRITE,   /**< a response is queued and not yet on the wire */
    VG_CONN_LINGER,  /**< write side shut, draining what the client still sends */
    VG_CONN_DEAD,    /**< closed; freed from the loop once the handler let go */
} vg_conn_state_t;

struct vg_http_conn {
    vg_http_conn_t *prev, *next;
    vg_http_server_t *srv;
    struct bufferevent *bev; /**< NULL once released */
    SSL *ssl;                /**< borrowed from bev; NULL on plain connections */
    int fd;
    struct event timer; /**< the one timer: timeouts, deferred resume and free */
    vg_conn_state_t state;
    unsigned routes;
    bool with_handler; /**< req is with the handler: the conn must not be freed */
    bool in_advance;   /**< inside conn_advance: re-entrant calls only flag */
    bool resume;       /**< timer fired by event_active to parse buffered input */
    bool close_after;  /**< close once the queued response is written */
    bool linger;       /**< the client may still be sending: linger on close */
    bool peer_eof;     /**< the client shut its side */
    bool have_peer_text;
    size_t scan_from;   /**< header bytes already searched for the blank line */
    size_t linger_read; /**< bytes discarded while lingering */
    char *hdr;          /**< copy of the current request head (slices point here) */
    size_t hdr_cap;
    vg_http_body_t body;
    vg_http_chunked_t chunked;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    char peer_text[64];
    vg_http_req_t req;
};

struct vg_http_listener {
    vg_http_listener_t *next;
    vg_http_server_t *srv;
    struct evconnlistener *lev;
    SSL_CTX *tls; /**< borrowed; NULL for plain HTTP */
    unsigned routes;
};

struct vg_http_server {
    struct event_base *base;
    vg_http_limits_t lim;
    vg_http_handler_cb handler;
    void *arg;
    unsigned id;
    uint64_t req_counter;
    vg_http_listener_t *listeners;
    vg_http_conn_t *conns;
    size_t nconns;
    bool draining;
    bool accept_paused;  /**< max_connections reached */
    bool accept_backoff; /**< out of descriptors: retry_accept armed */
    void (*drain_done)(void *arg);
    void *drain_arg;
    /* Common timeouts: libevent keeps same-length timers in a queue, O(1) to add. */
    const struct timeval *tv_header, *tv_body, *tv_idle, *tv_write, *tv_linger;
    struct event *retry_accept;
    vg_buf_t out; /**< scratch for composing one response at a time */
    time_t date_sec;
    char date[40];
};

/* conn.c */
/** Takes ownership of @p fd, accepted on @p l. */
void vg_http_conn_accept(vg_http_listener_t *l, int fd, const struct sockaddr *sa, int salen);
/** Closes @p c (the connection is freed from the loop). */
void vg_http_conn_close(vg_http_conn_t *c);
/** Frees @p c at once: server teardown only. */
void vg_http_conn_destroy(vg_http_conn_t *c);
/** The peer as "addr:port" text, formatted on first use. */
const char *vg_http_conn_peer(vg_http_conn_t *c);
/** Sends @p n bytes: straight to the socket when nothing is queued. -1 if it broke. */
int vg_http_conn_send(vg_http_conn_t *c, const char *p, size_t n);
/**
 * Sends the response composed in srv->out and moves on: to the next request
 * (keep-alive) or to closing when @p close_after. Re-check c->state after.
 */
void vg_http_conn_respond(vg_http_conn_t *c, bool close_after);

/* listen.c */
/** Called when a connection is freed: resumes accepting, completes a drain. */
void vg_http_server_conn_gone(vg_http_server_t *srv);
/** Pauses accepting once max_connections connections are open. */
void vg_http_server_conn_added(vg_http_server_t *srv);

/* reply.c */
/** Composes a response for @p req into srv->out. */
void vg_http_compose(vg_http_req_t *req, int status, const char *content_type, const void *body,
                     size_t len, bool keep_alive, bool head);
/** Answers a request that failed parsing or limits with @p status and closes. */
void vg_http_send_error(vg_http_conn_t *c, int status);
/** Forgets the per-request state of @p req (reply headers, oversized buffers). */
void vg_http_req_reset(vg_http_req_t *req);

#endif /* VAGLIO_SERVER_INTERNAL_H */
