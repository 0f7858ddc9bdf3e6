/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc internals shared by the client (httpc.c), the URL parser (url.c) and
 * the HTTP/1.1 response parser (parse.c), and exposed to the unit tests.
 * Nothing here is part of the public contract.
 */
#ifndef VAGLIO_HTTPC_INTERNAL_H
#define VAGLIO_HTTPC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "vaglio/httpc.h"
#include "vaglio/util.h"

struct evbuffer;

#define VG_HTTPC_MAX_BODY      (1024u * 1024u) /* responses over this are refused */
#define VG_HTTPC_MAX_LINE      8192u           /* status line, one header, one chunk size */
#define VG_HTTPC_MAX_HEADERS   (64u * 1024u)   /* all header lines of one response */
#define VG_HTTPC_MAX_URL       8192u
#define VG_HTTPC_MAX_HOST      255u
#define VG_HTTPC_DEFAULT_TO_MS 30000u

/* ---- URL ------------------------------------------------------------------ */

typedef struct vg_httpc_url {
    bool tls;                         /* https */
    bool ipv6;                        /* the host was a bracketed IPv6 literal */
    char host[VG_HTTPC_MAX_HOST + 1]; /* without brackets, lower case */
    uint16_t port;                    /* explicit or the scheme's default */
    bool default_port;                /* no explicit port, or the scheme's own */
    char *target;                     /* path + query ("/" at least), heap */
} vg_httpc_url_t;

/**
 * Parses an absolute http(s) URL into @p u (caller calls vg_httpc_url_cleanup,
 * also after a failure). Accepts `scheme://host[:port][/path][?query][#frag]`
 * with host a name, an IPv4 address or a bracketed IPv6 literal; refuses user
 * info, control bytes, spaces and anything over VG_HTTPC_MAX_URL. The fragment
 * is dropped. Returns 0 or -VG_EINVAL.
 */
int vg_httpc_url_parse(const char *url, vg_httpc_url_t *u);
void vg_httpc_url_cleanup(vg_httpc_url_t *u);

/* ---- response parser ------------------------------------------------------- */

typedef enum {
    VG_HTTPC_P_STATUS = 0,
    VG_HTTPC_P_HEADERS,
    VG_HTTPC_P_BODY_LEN, /* Content-Length bytes */
    VG_HTTPC_P_BODY_EOF, /* until the server closes (no length, not chunked) */
    VG_HTTPC_P_CHUNK_SIZE,
    VG_HTTPC_P_CHUNK_DATA,
    VG_HTTPC_P_CHUNK_CRLF,
    VG_HTTPC_P_TRAILERS,
    VG_HTTPC_P_DONE,
} vg_httpc_pstate_t;

typedef struct vg_httpc_parser {
    vg_httpc_pstate_t state;
    bool head; /* the request was HEAD: no body whatever the headers say */
    int status;
    int minor;       /* HTTP/1.<minor> */
    bool keep_alive; /* the connection may be reused after this response */
    bool chunked;
    bool have_len;
    uint64_t content_len;
    uint64_t remaining; /* of the body (length) or of the current chunk */
    size_t header_bytes;
    unsigned nheaders;
    vg_buf_t body; /* limited to VG_HTTPC_MAX_BODY */
    char retry_after[64];
    bool has_retry_after;
    char content_type[128];
    bool has_content_type;
    const char *err; /* a static reason once failed */
} vg_httpc_parser_t;

/** Prepares @p p for one response; @p head when the request was HEAD. */
void vg_httpc_parser_init(vg_httpc_parser_t *p, bool head);
void vg_httpc_parser_cleanup(vg_httpc_parser_t *p);

/**
 * Consumes what it can of @p in. Returns 1 when the response is complete
 * (bytes after it stay in @p in), 0 when more is needed, -1 on a malformed
 * or oversized response (p->err says which).
 */
int vg_httpc_parser_feed(vg_httpc_parser_t *p, struct evbuffer *in);

/**
 * The server closed the connection. Returns 1 if that completes the
 * response (a body delimited by the close), else -1 (p->err set).
 */
int vg_httpc_parser_eof(vg_httpc_parser_t *p);

/* ---- client objects -------------------------------------------------------- */

struct event;
struct bufferevent;
struct evdns_base;
struct evdns_getaddrinfo_request;
struct evutil_addrinfo;
struct event_base;

typedef struct vg_httpc_origin vg_httpc_origin_t;
typedef struct vg_httpc_conn vg_httpc_conn_t;
typedef struct vg_httpc_req vg_httpc_req_t;

typedef enum {
    VG_HTTPC_CONN_CONNECTING = 0,
    VG_HTTPC_CONN_BUSY,
    VG_HTTPC_CONN_IDLE
} vg_httpc_conn_state_t;

struct vg_httpc_req {
    vg_httpc_req_t *prev, *next;         /* the origin's wait queue */
    vg_httpc_req_t *all_prev, *all_next; /* every live request of the client */
    vg_httpc_t *c;                       /* NULL once the client is freed */
    vg_httpc_origin_t *o;
    vg_httpc_conn_t *conn;
    struct event *ev; /* the deadline, then the completion */
    char *wire;       /* the serialized request */
    size_t wire_len;
    bool idempotent;
    bool queued;
    bool retried;    /* already retried once after a stale connection */
    bool fresh_only; /* the retry must use a new connection */
    bool completed;
    vg_httpc_parser_t parser;
    const char *err;
    char errbuf[160];
    vg_httpc_cb cb;
    void *arg;
};

struct vg_httpc_conn {
    vg_httpc_conn_t *prev, *next;
    vg_httpc_origin_t *o;
    vg_httpc_conn_state_t state;
    struct bufferevent *bev;
    struct evdns_getaddrinfo_request *dns_req;
    struct evutil_addrinfo *addrs;
    struct evutil_addrinfo *cur; /* next address to try */
    bool in_resolve;             /* inside evdns_getaddrinfo (it may answer at once) */
    bool resolved;
    int resolve_err;
    bool connected;
    bool reused;         /* served a request before the current one */
    bool got_bytes;      /* a byte of the current response arrived */
    struct event *timer; /* per-address connect timer, then the idle timer */
    vg_httpc_req_t *req;
};

struct vg_httpc_origin {
    vg_httpc_origin_t *next;
    vg_httpc_t *c;
    bool tls;
    bool numeric; /* an IP literal: no resolver needed */
    char host[VG_HTTPC_MAX_HOST + 1];
    uint16_t port;
    vg_httpc_conn_t *conns;
    unsigned nconns;
    vg_httpc_req_t *q_head, *q_tail;
};

struct vg_httpc {
    struct event_base *base;
    struct evdns_base *dns; /* created on the first name to resolve */
    SSL_CTX *ssl_ctx;
    bool insecure;
    unsigned max_per_origin;
    unsigned idle_timeout_ms;
    vg_httpc_origin_t *origins;
    vg_httpc_req_t *all; /* live requests, for pending() and free() */
    size_t pending;
    struct event *kick_ev; /* assigns queued requests, from the loop */
};

/* Shared by httpc.c (client, requests, queues) and conn.c (connections). */

/** Schedules the assignment of queued requests (from the loop). */
void vg_httpc_kick(vg_httpc_t *c);
/** Finishes @p r with @p err (NULL: its parsed response); its callback runs from the loop. */
void vg_httpc_req_complete(vg_httpc_req_t *r, const char *err);
void vg_httpc_queue_push(vg_httpc_origin_t *o, vg_httpc_req_t *r, bool front);
void vg_httpc_queue_remove(vg_httpc_origin_t *o, vg_httpc_req_t *r);
/** Opens a connection for @p r (resolve, connect, then send). */
void vg_httpc_conn_open(vg_httpc_origin_t *o, vg_httpc_req_t *r);
/** Closes @p cn; a request still bound to it completes with "connection closed". */
void vg_httpc_conn_close(vg_httpc_conn_t *cn);
/** A pooled connection that is still alive, or NULL (dead ones are closed). */
vg_httpc_conn_t *vg_httpc_take_idle(vg_httpc_origin_t *o);
/** Sends @p r on the idle connection @p cn. */
void vg_httpc_conn_bind(vg_httpc_conn_t *cn, vg_httpc_req_t *r);

#endif /* VAGLIO_HTTPC_INTERNAL_H */
