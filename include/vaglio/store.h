/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: vaglio's state in Redis, through one asynchronous hiredis
 * connection per owner (each worker has one; the dispatcher has its own).
 *
 * Connection management (hiredis 0.14 has neither command timeouts nor
 * reconnection, so both live here, on libevent timers): an explicit state
 * (DISCONNECTED, CONNECTING, READY), AUTH/SELECT and SCRIPT LOAD on connect,
 * a per-command deadline (a command past it fails with "timeout" and the
 * connection is torn down and re-established, since a reply may still come
 * for it), a PING probe every `ping_ms` so a dead server is noticed within a
 * second even when idle, and reconnection with capped exponential backoff.
 * Commands issued while not READY fail at once (asynchronously) with
 * "redis unavailable": the webhook answers 503 and the platform retries.
 *
 * The decision of one event is one EVALSHA of src/store/decide.lua (loaded
 * again on NOSCRIPT), atomic in Redis: dedupe, the author's strike ladder,
 * the decision record, the review item and the action enqueue. Key layout
 * (docs/redis.md); T is the hash tag `{<tenant>:<shard>}` shared by every
 * key one script touches, shard = the author bucket (Redis Cluster ready):
 *
 *   vg:T:dd:<decision>          dedupe marker, TTL store.dedupe_ttl_s
 *   vg:T:d:<decision>           hash: the decision record, TTL store.retention_s
 *   vg:T:c:<platform>:<content> hash: content state (struck, pinned, warned, removed)
 *   vg:T:a:<author>             hash: author state (blocked)
 *   vg:T:a:<author>:s           zset: strikes (decision id -> ms), TTL window
 *   vg:T:a:<author>:d           zset: the author's decisions, for listing and erasure
 *   vg:T:q                      stream: actions to dispatch (one entry per decision)
 *   vg:T:r                      zset: review queue (decision id -> ms)
 *   vg:T:dead                   stream: actions that failed for good
 *
 * <author> is the pseudonym: hex HMAC-SHA256(author_key, tenant NUL platform
 * NUL author id), first 32 digits. Raw author ids appear only in action
 * stream entries, deleted once dispatched. <decision> is the first 24 hex
 * digits of HMAC-SHA256(author_key, tenant NUL platform NUL content NUL verb
 * NUL SHA-256(text)): a redelivery maps to the same decision, and since the
 * hash is keyed, a short text (a phone number alone) cannot be recovered
 * from a decision id by brute force.
 *
 * Callbacks: every asynchronous call here invokes its callback exactly once,
 * never synchronously from within the call, and always from the store's
 * event loop; err is NULL on success or one of the vg_store_err_* strings.
 *
 * Not thread-safe: a store belongs to the thread running its event loop.
 * hiredis writes with write(2), so the process must ignore SIGPIPE.
 */
#ifndef VAGLIO_STORE_H
#define VAGLIO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/adapter.h"
#include "vaglio/config.h"
#include "vaglio/match.h"
#include "vaglio/policy.h"
#include "vaglio/util.h"

struct event_base;
struct redisReply;

typedef struct vg_store vg_store_t;

extern const char vg_store_err_unavailable[]; /**< "redis unavailable" */
extern const char vg_store_err_timeout[];     /**< "redis timeout" */
extern const char vg_store_err_reply[];       /**< "redis error reply" */
extern const char vg_store_err_closed[];      /**< "store closed" */
extern const char vg_store_err_invalid[];     /**< "invalid store request" (a caller bug) */

typedef enum {
    VG_STORE_DISCONNECTED = 0,
    VG_STORE_CONNECTING,
    VG_STORE_READY,
} vg_store_state_t;

#define VG_DECISION_ID_LEN 24
#define VG_AUTHOR_HASH_LEN 32

/**
 * Returns a new store for @p cfg's redis URL and store settings (the config
 * is copied; it need not outlive the store) bound to @p base, and starts
 * connecting. NULL with @p err on a malformed URL. @p name labels the
 * connection in logs ("worker-0", "dispatch").
 */
vg_store_t *vg_store_new(struct event_base *base, const vg_config_t *cfg, const char *name,
                         vg_err_t *err);

/**
 * Closes the connection: pending commands fail with vg_store_err_closed
 * (asynchronously, from the next loop iteration), then the store is freed.
 * NULL is a no-op. Safe to call from within a store callback. When nothing
 * is pending and it is not called from a store callback, the store is freed
 * before this returns; otherwise the loop must run once more (a shutdown
 * runs `event_base_loop(base, EVLOOP_NONBLOCK)` after it).
 */
void vg_store_free(vg_store_t *st);

vg_store_state_t vg_store_state(const vg_store_t *st);
/** True when READY and the last probe answered in time. */
bool vg_store_ready(const vg_store_t *st);

/** Called with each reply of vg_store_command; @p reply is NULL on error (borrowed). */
typedef void (*vg_store_reply_cb)(const char *err, struct redisReply *reply, void *arg);

/**
 * Sends one command (argv of @p argc binary-safe strings, copied). @p cb may
 * be NULL (fire and forget). @p timeout_ms 0 = the configured timeout; a
 * blocking command (XREADGROUP BLOCK) passes its block time plus the
 * configured timeout. A reply of type error is passed as a reply with
 * err == NULL; the caller inspects it.
 * Returns 0, or -VG_EREDIS if not READY (cb is still called, with
 * vg_store_err_unavailable; vg_store_err_closed once vg_store_free was
 * called) or -VG_EINVAL for an empty argv (cb gets vg_store_err_invalid).
 * A command past its deadline gets vg_store_err_timeout and the connection
 * is re-established; the other commands then in flight get
 * vg_store_err_unavailable.
 */
int vg_store_command(vg_store_t *st, vg_store_reply_cb cb, void *arg, unsigned timeout_ms, int argc,
                     const char **argv, const size_t *argvlen);

/** vg_store_command with printf-free convenience: NULL-terminated list of C strings. */
int vg_store_commandv(vg_store_t *st, vg_store_reply_cb cb, void *arg, const char *first, ...);

/* ---- decisions ----------------------------------------------------------- */

/** Everything the decide script needs about one event. Borrowed for the call only. */
typedef struct vg_decide_req {
    const vg_tenant_conf_t *tenant;
    const vg_event_t *event;
    const vg_verdict_t *verdict;  /**< NULL for verbs that are not scanned */
    const vg_ruleset_t *rs;       /**< for rule ids in the record */
    const vg_scan_result_t *scan; /**< NULL for verbs that are not scanned */
    const char *warning;          /**< rendered warning text, NULL if none */
    const char *notice;           /**< rendered personal-data notice, NULL if none */
    const char *author_key;       /**< pseudonymisation key */
    unsigned shards;
    bool dry_run;
} vg_decide_req_t;

typedef enum {
    VG_DECIDE_NEW = 0,   /**< recorded now (actions, if any, enqueued) */
    VG_DECIDE_DUPLICATE, /**< already decided: a redelivery; nothing done */
    VG_DECIDE_PINNED,    /**< a human reversed an earlier decision: recorded, never acted on */
    VG_DECIDE_RECORDED,  /**< a state change (hide, unhide, remove) recorded */
} vg_decide_status_t;

typedef struct vg_decide_res {
    vg_decide_status_t status;
    char decision_id[VG_DECISION_ID_LEN + 1];
    char actions[64]; /**< comma-separated, in dispatch order, e.g. "hide,warn"; "" if none */
    unsigned strikes; /**< strikes in the window after this decision */
} vg_decide_res_t;

typedef void (*vg_store_decide_cb)(const char *err, const vg_decide_res_t *res, void *arg);

/**
 * Runs the decide script for one event. All inputs are copied before
 * returning. @p cb gets the result (borrowed for the call), or err (then
 * @p res is NULL): vg_store_err_unavailable / _timeout / _closed as for
 * vg_store_command, vg_store_err_reply when Redis refused the script (e.g.
 * OOM; logged), vg_store_err_invalid for a request without tenant, event or
 * content id, or with an id longer than 256 bytes. EVALSHA is retried once
 * as EVAL on NOSCRIPT. Returns 0 or a negative code (cb is called either
 * way, never from within this call).
 */
int vg_store_decide(vg_store_t *st, const vg_decide_req_t *req, vg_store_decide_cb cb, void *arg);

/**
 * Writes the decision id of (tenant, platform, content, verb, text) into
 * @p out: the first 24 hex digits of HMAC-SHA256(author_key, tenant NUL
 * platform-name NUL content NUL verb-name NUL raw 32-byte SHA-256(text)).
 */
void vg_store_decision_id(const char *author_key, const char *tenant, vg_platform_t p,
                          const char *content, vg_verb_t verb, const char *text, size_t text_len,
                          char out[VG_DECISION_ID_LEN + 1]);

/**
 * Writes the author pseudonym into @p out: the first 32 hex digits of
 * HMAC-SHA256(author_key, tenant NUL platform-name NUL author_id).
 */
void vg_store_author_hash(const char *author_key, const char *tenant, vg_platform_t p,
                          const char *author_id, char out[VG_AUTHOR_HASH_LEN + 1]);

/**
 * Writes the hash tag `{tenant:shard}` for a pseudonym (or, without an
 * author, the content id) into @p out (cap >= 80). Returns its length.
 * shard = (first 8 hex digits, as an integer) mod @p shards (0 counts as 1):
 * of @p bucket_source itself when it is a pseudonym (exactly
 * VG_AUTHOR_HASH_LEN lowercase hex digits), else of the hex SHA-256 of it.
 */
size_t vg_store_tag(const char *tenant, const char *bucket_source, unsigned shards, char *out,
                    size_t cap);

#endif /* VAGLIO_STORE_H */
