/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc: the outbound HTTP/1.1 client vaglio uses to call the platforms'
 * APIs (the Graph API) and that `vaglioctl send` uses to post a webhook.
 * Asynchronous on a libevent loop; http:// and https:// (peer verified
 * against the system store or a CA file, SNI and host name checked);
 * keep-alive connections pooled per origin (scheme, host, port) with a
 * bounded number of connections per origin; one request per connection at a
 * time. Responses over 1 MiB are refused.
 *
 * Not thread-safe: one client per loop. The process must ignore SIGPIPE
 * (vagliod and vaglioctl do): a server that closes while a request is being
 * written is then an error on that request, not a fatal signal.
 */
#ifndef VAGLIO_HTTPC_H
#define VAGLIO_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#include "vaglio/util.h"

struct event_base;

typedef struct vg_httpc vg_httpc_t;

/* The fixed completion reasons (compare by pointer or by text). Name
 * resolution and TLS failures carry their detail: "dns: <reason>",
 * "tls: <reason>". */
extern const char vg_httpc_err_connect[];       /**< "connect failed" */
extern const char vg_httpc_err_timeout[];       /**< "timeout" */
extern const char vg_httpc_err_closed[];        /**< "connection closed" (before a full response) */
extern const char vg_httpc_err_bad_response[];  /**< "bad response" (malformed) */
extern const char vg_httpc_err_too_large[];     /**< "response too large" (over 1 MiB) */
extern const char vg_httpc_err_client_closed[]; /**< "client closed" (vg_httpc_free) */

typedef struct vg_httpc_opts {
    const char *ca_file;      /**< NULL: the system default store */
    bool insecure;            /**< skip verification (vaglioctl --insecure against a dev cert) */
    unsigned max_per_origin;  /**< connections per origin, default 8 */
    unsigned idle_timeout_ms; /**< pooled connection lifetime when idle, default 30 s */
} vg_httpc_opts_t;

typedef struct vg_httpc_response {
    int status;
    const char *body; /**< NUL-terminated for convenience; borrowed for the callback */
    size_t body_len;
    const char *retry_after;  /**< the Retry-After header or NULL; borrowed */
    const char *content_type; /**< or NULL; borrowed */
} vg_httpc_response_t;

/**
 * Completion: @p err is NULL when a response arrived (of any status), else a
 * short reason (one of the vg_httpc_err_* strings, "dns: ..." or "tls: ...";
 * borrowed for the call). Called exactly once, never synchronously from
 * vg_httpc_request, on the client's loop. @p resp is NULL on error.
 */
typedef void (*vg_httpc_cb)(const char *err, const vg_httpc_response_t *resp, void *arg);

/** Returns a new client on @p base (caller frees), or NULL with @p err. @p opts may be NULL. */
vg_httpc_t *vg_httpc_new(struct event_base *base, const vg_httpc_opts_t *opts, vg_err_t *err);

/**
 * Frees the client; requests in flight complete with err "client closed"
 * (from the next loop iteration, never from within this call), so run the
 * loop once more before freeing the event_base or those requests leak.
 * Safe to call from within a completion callback. NULL is a no-op.
 */
void vg_httpc_free(vg_httpc_t *c);

/**
 * Sends @p method @p url (absolute, with its query) with optional @p body of
 * @p content_type and extra headers (@p headers: NULL-terminated array of
 * "Name: value" strings, may be NULL). Everything is copied. Host,
 * User-Agent and (with a body, or for POST/PUT/PATCH) Content-Length are
 * added. @p timeout_ms (0: 30 s) bounds the whole exchange, from this call
 * (queueing included) to the last byte of the response.
 * Returns 0, or -VG_EINVAL on a bad URL, method or header (cb is then not
 * called).
 */
int vg_httpc_request(vg_httpc_t *c, const char *method, const char *url, const char *const *headers,
                     const char *content_type, const void *body, size_t len, unsigned timeout_ms,
                     vg_httpc_cb cb, void *arg);

/** Requests in flight or queued. */
size_t vg_httpc_pending(const vg_httpc_t *c);

#endif /* VAGLIO_HTTPC_H */
