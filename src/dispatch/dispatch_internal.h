/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch internals, shared by the stream reader (dispatch.c), the entry
 * executor (entry.c) and the Graph request builder and response classifier
 * (graph.c); the unit tests include it for the classifier and the backoff.
 */
#ifndef VAGLIO_DISPATCH_INTERNAL_H
#define VAGLIO_DISPATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/adapter.h"
#include "vaglio/config.h"
#include "vaglio/dispatch.h"
#include "vaglio/httpc.h"
#include "vaglio/metrics.h"
#include "vaglio/policy.h"
#include "vaglio/store.h"
#include "vaglio/util.h"

struct event;
struct redisReply;

#define VG_DISPATCH_GROUP       "vaglio"
#define VG_DISPATCH_MAX_ACTS    8
#define VG_DISPATCH_RESULT_MAX  96
#define VG_DISPATCH_DEAD_MAXLEN "10000"
#define VG_DISPATCH_GRAPH_URL   "https://graph.facebook.com/v21.0"

/* ---- classification and backoff (graph.c; pure, unit-tested) ------------- */

typedef enum {
    VG_DISPATCH_OK = 0, /**< done: result "ok" */
    VG_DISPATCH_SKIP,   /**< done without effect: "skipped:<why>" */
    VG_DISPATCH_RETRY,  /**< transient: try again after a backoff */
    VG_DISPATCH_FAIL,   /**< permanent: "failed:<code>:<reason>", dead-lettered */
} vg_dispatch_outcome_t;

typedef struct vg_dispatch_class {
    vg_dispatch_outcome_t outcome;
    int code;                            /**< Graph error code, 0 if none */
    int subcode;                         /**< Graph error_subcode, 0 if none */
    bool gone;                           /**< the comment no longer exists (skipped:gone) */
    unsigned retry_after_ms;             /**< from Retry-After (capped), 0 if none */
    char result[VG_DISPATCH_RESULT_MAX]; /**< the r.<action> value (or "retry:<why>") */
} vg_dispatch_class_t;

/**
 * Classifies the outcome of one Graph call for action @p a: @p neterr is the
 * httpc error (then @p status and the body are ignored), else the HTTP
 * @p status, the body and the Retry-After header (NULL if none, seconds
 * only; capped at @p backoff_max_ms). Pure.
 */
void vg_dispatch_classify(vg_action_kind_t a, const char *neterr, int status, const char *body,
                          size_t len, const char *retry_after, unsigned backoff_max_ms,
                          vg_dispatch_class_t *out);

/** True for the Graph error codes documented as throttling or temporary. */
bool vg_dispatch_code_transient(int code);

/**
 * The delay before retry number @p retry (0 = the first retry): full jitter,
 * @p rnd mod (cap + 1) with cap = min(@p max_ms, @p base_ms * 2^retry), and
 * the first retry's cap also at most 1000 ms so it happens within a second.
 */
unsigned vg_dispatch_backoff_ms(unsigned retry, unsigned base_ms, unsigned max_ms, uint64_t rnd);

/* ---- requests (graph.c) -------------------------------------------------- */

/** What one action sends. Strings owned by the struct; vg_dispatch_req_cleanup frees them. */
typedef struct vg_dispatch_req {
    const char *method;       /**< static */
    char *url;                /**< with access_token; never logged */
    const char *content_type; /**< static, NULL without a body */
    char *body;
    size_t body_len;
} vg_dispatch_req_t;

/** The fields of one action stream entry that requests need. Borrowed strings. */
typedef struct vg_dispatch_target {
    vg_platform_t platform;
    const char *page;
    const char *content;
    const char *author; /**< NULL unless a block is planned */
    const char *text;   /**< the warning or notice text, NULL if none */
    vg_warn_channel_t channel;
} vg_dispatch_target_t;

/**
 * Builds the request of action @p a for @p t against @p graph_url with
 * @p token. Returns 0; -VG_EUNSUP when the platform has no API for it
 * (Instagram block); -VG_EINVAL when a needed field is missing (no author
 * for a block, no text for a message, channel none).
 */
int vg_dispatch_req_build(vg_dispatch_req_t *r, vg_action_kind_t a, const vg_dispatch_target_t *t,
                          const char *graph_url, const char *token);
void vg_dispatch_req_cleanup(vg_dispatch_req_t *r);

/* ---- the dispatcher and its entries -------------------------------------- */

typedef struct vg_dispatch_entry vg_dispatch_entry_t;

typedef enum { VG_DISPATCH_SETUP = 0, VG_DISPATCH_PENDING, VG_DISPATCH_LIVE } vg_dispatch_phase_t;

typedef struct vg_dispatch_stream {
    char *key;           /**< vg:{tenant:shard}:q */
    bool created;        /**< the consumer group exists (as far as we know) */
    bool pending_done;   /**< our own pending entries were all read */
    char pending_at[48]; /**< resume cursor of the pending read */
    char claim_at[48];   /**< XAUTOCLAIM cursor */
} vg_dispatch_stream_t;

struct vg_dispatch {
    struct event_base *base;
    const vg_config_t *cfg;
    vg_metrics_t *m;
    vg_store_t *reader; /**< XREADGROUP only: a blocking read never stalls the writes */
    vg_store_t *writer; /**< everything else */
    vg_httpc_t *http;
    char *consumer;

    /* settings from the config, defaults applied */
    unsigned concurrency, timeout_ms, max_attempts, backoff_base_ms, backoff_max_ms;
    unsigned claim_idle_ms, block_ms, read_timeout_ms, retention_s;
    unsigned batch_ms; /**< pause after a read that found entries; 0: none */
    size_t read_count; /**< COUNT per stream of the live read out */

    vg_dispatch_stream_t *streams;
    size_t nstreams;
    vg_dispatch_phase_t phase;
    unsigned setup_waiting; /**< XGROUP CREATE replies still to come */
    bool reading;           /**< an XREADGROUP is out */
    bool claiming;          /**< an XAUTOCLAIM round is out */
    bool claim_unsupported; /**< Redis older than 6.2 */
    size_t claim_idx;
    struct event *retry_ev; /**< setup/read retry after a failure */
    struct event *claim_ev; /**< every claim_idle_ms / 2 */
    struct event *batch_ev; /**< the batch window: no live read while pending */

    vg_dispatch_entry_t *entries; /**< in flight (not abandoned) */
    size_t inflight;              /**< entries read and not finished */
    size_t running;               /**< of which started (at most concurrency) */
    unsigned ops;                 /**< store commands and HTTP requests whose callback is owed */

    bool draining;
    bool closing;
    bool drain_fired;
    struct event *drain_ev; /**< grace timer, then the done call */
    void (*drain_cb)(void *arg);
    void *drain_arg;

    uint64_t rng; /**< xorshift state for jitter */
};

/** The next pseudo-random number (jitter only; seeded from the OS). */
uint64_t vg_dispatch_rand(vg_dispatch_t *d);

/**
 * Sends a command on @p st for @p cb(@p arg), counted in d->ops: the
 * callback must call vg_dispatch_op_done first. Lengths may be NULL.
 */
void vg_dispatch_cmd(vg_dispatch_t *d, vg_store_t *st, vg_store_reply_cb cb, void *arg,
                     unsigned timeout_ms, int argc, const char **argv, const size_t *lens);

/**
 * Accounts for one finished operation. Returns false when the dispatcher is
 * closing (the caller must not touch it afterwards: it may be gone).
 */
bool vg_dispatch_op_done(vg_dispatch_t *d);

/** Something changed (an entry finished, a slot freed): read more if allowed. */
void vg_dispatch_pump(vg_dispatch_t *d);

/** True if entry @p id of stream @p key is in flight here. */
bool vg_dispatch_has_entry(const vg_dispatch_t *d, const char *key, const char *id);

/* entry.c */

/**
 * Takes an entry read from @p key: @p id and its field/value array
 * @p fields (a redisReply array, borrowed). @p resumed: read from the
 * pending list or claimed (check the record for results already final).
 * It starts at once if fewer than `concurrency` entries run, else waits.
 */
void vg_dispatch_entry_start(vg_dispatch_t *d, const char *key, const char *id,
                             const struct redisReply *fields, bool resumed);

/** Starts waiting entries (read beyond concurrency) while slots are free. */
void vg_dispatch_entry_start_waiting(vg_dispatch_t *d);

/** Forgets the entries that never started (drain): they stay pending in Redis. */
void vg_dispatch_entry_abandon_waiting(vg_dispatch_t *d);

/** Forgets an in-flight entry (drain grace over, or free): it stays pending in Redis. */
void vg_dispatch_entry_abandon(vg_dispatch_entry_t *e);

/** The next in-flight entry after @p e (NULL: the first). */
vg_dispatch_entry_t *vg_dispatch_entry_next(vg_dispatch_t *d, vg_dispatch_entry_t *e);
const char *vg_dispatch_entry_key(const vg_dispatch_entry_t *e);
const char *vg_dispatch_entry_id(const vg_dispatch_entry_t *e);

/** Called by entry.c when an entry left the in-flight list. */
void vg_dispatch_entry_finished(vg_dispatch_t *d);

#endif /* VAGLIO_DISPATCH_INTERNAL_H */
