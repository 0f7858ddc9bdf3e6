/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch: the action dispatcher. It consumes the action streams
 * (`vg:{tenant:shard}:q`, consumer group "vaglio") on its own event loop and
 * its own Redis connections (one for the blocking XREADGROUP, one for
 * results, so a blocking read never stalls anything else), and performs
 * each decision's actions in order with the platform's API:
 *
 *   Facebook  hide    POST   /{comment-id}  is_hidden=true
 *             delete  DELETE /{comment-id}
 *             warn    POST   /{page-id}/messages  {"recipient":{"comment_id"},"message":{"text"}}
 *                     (public: POST /{comment-id}/comments message=...)
 *             block   POST   /{page-id}/blocked  user={author id}
 *   Instagram hide    POST   /{comment-id}  hide=true
 *             delete  DELETE /{comment-id}
 *             warn    POST   /{comment-id}/replies  message=...  (before the hide)
 *                     (private: POST /{page-id}/messages with recipient.comment_id)
 *             block   none: Instagram has no block API (the store hides later comments)
 *
 * with the page's token (the tenant's pages map, else meta.page_token).
 * Each action's result is written into the decision record (`r.<action>`);
 * the entry is XACKed and deleted once every action has a final result.
 * Transient failures (network errors, timeouts, 5xx, 429 with Retry-After,
 * Graph errors with is_transient or codes 1, 2, 4, 17, 32, 341, 613) are
 * retried with exponential backoff and full jitter, the first retry within a
 * second; permanent failures are recorded and dead-lettered, never retried
 * forever. Entries left pending by a previous run of this instance are
 * resumed at start, and entries idle past claim_idle_ms are claimed from
 * dead consumers. In dry_run, every action is recorded as "dry_run" and no
 * request is sent.
 */
#ifndef VAGLIO_DISPATCH_H
#define VAGLIO_DISPATCH_H

#include <stdbool.h>

#include "vaglio/config.h"
#include "vaglio/metrics.h"
#include "vaglio/util.h"

struct event_base;

typedef struct vg_dispatch vg_dispatch_t;

/**
 * Returns a new dispatcher on @p base (its own loop/thread) for @p cfg
 * (borrowed: must outlive the dispatcher, or be replaced with
 * vg_dispatch_set_config), counting into @p m. Starts consuming at once.
 * NULL with @p err on a bad Redis URL or TLS setup failure.
 */
vg_dispatch_t *vg_dispatch_new(struct event_base *base, const vg_config_t *cfg, vg_metrics_t *m,
                               vg_err_t *err);

/** Swaps in a new config (reload), from the dispatcher's loop thread. */
void vg_dispatch_set_config(vg_dispatch_t *d, const vg_config_t *cfg);

/**
 * Stops reading new entries and calls @p done once the actions in flight
 * have finished or @p grace_ms passed (unfinished entries stay pending in
 * Redis and are resumed at the next start). Called on the dispatcher's loop,
 * exactly once, never from within this call.
 */
void vg_dispatch_drain(vg_dispatch_t *d, unsigned grace_ms, void (*done)(void *arg), void *arg);

/**
 * Frees the dispatcher. Entries in flight stay pending in Redis. Its Redis
 * connections and HTTP client owe it callbacks that arrive from the loop
 * (with errors); its memory is released with the last of them, so run the
 * loop once more before freeing the event_base. NULL is a no-op.
 */
void vg_dispatch_free(vg_dispatch_t *d);

#endif /* VAGLIO_DISPATCH_H */
