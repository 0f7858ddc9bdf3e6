/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store internals: the connection record shared by the connection code
 * (conn.c) and the decide code (decide.c), the parsed Redis URL and the
 * builder of the decide script's argument vector. Only src/store and the
 * store's tests include this header.
 */
#ifndef VAGLIO_STORE_INTERNAL_H
#define VAGLIO_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/store.h"
#include "vaglio/util.h"

struct event;
struct redisAsyncContext;

/* ---- URL ----------------------------------------------------------------- */

#define VG_STORE_HOST_MAX 256
#define VG_STORE_PATH_MAX 108 /* sun_path */
#define VG_STORE_USER_MAX 128
#define VG_STORE_PASS_MAX 256

/** A parsed redis_url. The password is wiped by vg_store_url_wipe. */
typedef struct vg_store_url {
    bool is_unix;
    char host[VG_STORE_HOST_MAX];     /**< TCP host (brackets of an IPv6 literal removed) */
    char path[VG_STORE_PATH_MAX];     /**< unix socket path */
    int port;                         /**< default 6379 */
    int db;                           /**< default 0 */
    char user[VG_STORE_USER_MAX];     /**< "" = AUTH with the password only */
    char password[VG_STORE_PASS_MAX]; /**< "" = no AUTH */
} vg_store_url_t;

/**
 * Parses redis://[[user]:password@]host[:port][/db] or
 * unix:///path[?db=N][&password=...][&user=...]. Returns 0 or -VG_EINVAL
 * with @p err naming the accepted shapes (never the URL itself, which may
 * hold a password).
 */
int vg_store_url_parse(const char *url, vg_store_url_t *out, vg_err_t *err);

/** Overwrites the credentials of @p u (before it is freed). */
void vg_store_url_wipe(vg_store_url_t *u);

/* ---- commands ------------------------------------------------------------- */

/**
 * One command in flight or waiting to fail. While the command is with
 * hiredis the record is its privdata and sits on the store's `pending`
 * list; hiredis calls on_reply for it exactly once (a reply, or NULL when
 * the context goes away), which either delivers the reply or moves the
 * record to the `failq` with an error, to be delivered from the deferred
 * event. `done` is set once the callback has run, so nothing runs twice.
 */
typedef struct vg_store_cmd {
    struct vg_store_cmd *prev, *next;
    vg_store_t *st;
    vg_store_reply_cb cb;
    void *arg;
    uint64_t deadline_ns; /**< monotonic */
    unsigned timeout_ms;
    const char *err; /**< set when it timed out or must fail */
    bool done;
} vg_store_cmd_t;

typedef struct vg_store_cmd_list {
    vg_store_cmd_t *head, *tail;
    size_t n;
} vg_store_cmd_list_t;

/* ---- the store ------------------------------------------------------------- */

struct vg_store {
    struct event_base *base;
    char *name;
    vg_store_url_t url;
    char addr[VG_STORE_HOST_MAX + 16]; /**< host:port or the socket path, for logs */

    unsigned timeout_ms;
    unsigned connect_timeout_ms;
    unsigned ping_ms;
    unsigned reconnect_max_ms;
    unsigned dedupe_ttl_s;
    unsigned retention_s;

    struct redisAsyncContext *ac; /**< NULL when DISCONNECTED */
    vg_store_state_t state;
    unsigned gen;        /**< connection attempt counter */
    unsigned backoff_ms; /**< next reconnect delay (before jitter) */
    unsigned reset_gen;  /**< generation a deferred reset applies to */
    bool reset_pending;  /**< tear the connection down from the deferred event */
    bool handshake_failed;
    bool probe_ok;         /**< the last PING answered in time */
    bool ping_outstanding; /**< a PING is in flight */
    bool closing;          /**< vg_store_free was called */
    bool down_logged;      /**< a connect failure was logged since the last READY */
    int depth;             /**< nesting of callbacks into the store's user */

    char script_sha[41]; /**< SHA-1 of decide.lua, computed locally */
    vg_buf_t wire;       /**< the command being queued, in RESP (reused) */

    vg_store_cmd_list_t pending; /**< commands with hiredis, in send order */
    vg_store_cmd_list_t failq;   /**< commands whose error is yet to be delivered */

    struct event *ev_deadline;  /**< the earliest command deadline */
    uint64_t deadline_armed_ns; /**< when ev_deadline fires (monotonic) */
    struct event *ev_ping;      /**< PING probe period while READY */
    struct event *ev_connect;   /**< connect (and handshake) timeout */
    struct event *ev_reconnect; /**< backoff before the next attempt */
    struct event *ev_defer;     /**< activated by hand: failures, resets, free */
    struct event *ev_flush;     /**< activated by hand: writes the commands of a loop pass */
    bool flush_scheduled;

    int64_t now_override_ms; /**< tests: the script's "now"; 0 = the wall clock */
};

/**
 * Queues @p cb to be called with @p err (and a NULL reply) from the next
 * loop iteration: the way to fail a request without calling back from
 * within the call that made it.
 */
void vg_store_fail_later(vg_store_t *st, vg_store_reply_cb cb, void *arg, const char *err);

/** The wall clock in ms, or the override set for tests. */
int64_t vg_store_now(const vg_store_t *st);

/** Tests: makes the decide script see @p now_ms as the time (0 = the wall clock). */
void vg_store_set_now_ms(vg_store_t *st, int64_t now_ms);

/** The embedded decide.lua (cmake/Embed.cmake). */
extern const char vg_embed_decide_lua[];
extern const unsigned long vg_embed_decide_lua_len;

/* ---- decide arguments ------------------------------------------------------ */

#define VG_STORE_DECIDE_KEYS 8
#define VG_STORE_DECIDE_ARGV 26 /* fixed ARGV before the record pairs */
#define VG_STORE_ARGS_MAX    96
#define VG_STORE_ARGS_LIMIT  (256u * 1024u)
#define VG_STORE_ID_MAX      256 /* longest page, content, post or author id accepted */

/**
 * The argument vector of one script call, `EVALSHA sha 8 KEYS... ARGV...`:
 * every string lives in `buf` (NUL-separated), `off`/`len` locate them.
 * Owned by whoever built it; vg_store_args_cleanup frees it.
 */
typedef struct vg_store_args {
    vg_buf_t buf;
    size_t off[VG_STORE_ARGS_MAX];
    size_t len[VG_STORE_ARGS_MAX];
    int n;
} vg_store_args_t;

/**
 * Builds the EVALSHA call for @p req into @p a (initialised here): argv[0]
 * "EVALSHA", argv[1] @p sha, argv[2] "8", argv[3..10] the keys, then ARGV
 * 1..26 and the record's field/value pairs. @p now_ms is ARGV[1];
 * @p dedupe_ttl_s and @p retention_s come from the store settings.
 * Returns 0, or -VG_EINVAL (missing tenant/event/content id, an id longer
 * than VG_STORE_ID_MAX) or -VG_ELIMIT (too long); @p a is then empty.
 */
int vg_store_args_build(vg_store_args_t *a, const vg_decide_req_t *req, const char *sha,
                        int64_t now_ms, unsigned dedupe_ttl_s, unsigned retention_s);

/** The @p i-th argument (NUL-terminated, borrowed), its length in @p len. */
const char *vg_store_args_get(const vg_store_args_t *a, int i, size_t *len);

/** The value of record field @p field (pairs after ARGV[26]), or NULL. Borrowed. */
const char *vg_store_args_field(const vg_store_args_t *a, const char *field);

void vg_store_args_cleanup(vg_store_args_t *a);

#endif /* VAGLIO_STORE_INTERNAL_H */
