/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics: Prometheus counters, gauges and histograms for on-call engineers,
 * rendered at GET /metrics in the text exposition format (names prefixed
 * `vaglio_`). Every thread that counts (each worker, the dispatcher) owns one
 * vg_metrics_t block and writes only to it, with relaxed atomic stores: no
 * lock and no contended cache line on the hot path. A scrape sums the
 * blocks. Label values are fixed enumerations (platforms, status codes,
 * categories, actions), so cardinality is bounded by construction.
 *
 *   vaglio_build_info{version}                               gauge
 *   vaglio_webhook_requests_total{platform,status}           counter
 *   vaglio_webhook_duration_seconds_bucket{platform,le}      histogram
 *   vaglio_events_total{platform,verb}                       counter
 *   vaglio_decisions_total{verdict,status}                   counter
 *   vaglio_findings_total{category}                          counter
 *   vaglio_actions_total{action,result}                      counter
 *   vaglio_action_duration_seconds_bucket{le}                histogram
 *   vaglio_redis_errors_total{kind}                          counter
 *   vaglio_redis_up                                          gauge
 *   vaglio_patterns_loaded / vaglio_pattern_rules            gauge
 *   vaglio_http_connections                                  gauge
 *   vaglio_scan_duration_seconds_bucket{le}                  histogram
 */
#ifndef VAGLIO_METRICS_H
#define VAGLIO_METRICS_H

#include <stdint.h>

#include "vaglio/adapter.h"
#include "vaglio/category.h"
#include "vaglio/policy.h"
#include "vaglio/store.h"
#include "vaglio/util.h"

typedef struct vg_metrics_registry vg_metrics_registry_t;
typedef struct vg_metrics vg_metrics_t;

typedef enum {
    VG_ACTION_RESULT_OK = 0,
    VG_ACTION_RESULT_DRY_RUN, /**< recorded, not sent (dry_run) */
    VG_ACTION_RESULT_RETRY,   /**< a transient failure; will retry */
    VG_ACTION_RESULT_FAILED,  /**< a permanent failure; recorded, dead-lettered */
    VG_ACTION_RESULT_SKIPPED, /**< not applicable (already done, gone, unsupported) */
    VG_ACTION_RESULT_COUNT
} vg_action_result_t;

/** "ok", "dry_run", "retry", "failed", "skipped". Static string. */
const char *vg_action_result_name(vg_action_result_t r);

typedef enum {
    VG_REDIS_ERR_UNAVAILABLE = 0,
    VG_REDIS_ERR_TIMEOUT,
    VG_REDIS_ERR_REPLY,
    VG_REDIS_ERR_COUNT
} vg_redis_err_kind_t;

/** Returns a new, empty registry (caller frees, after every thread stopped). */
vg_metrics_registry_t *vg_metrics_registry_new(void);
/** Frees the registry and every block. NULL is a no-op. */
void vg_metrics_registry_free(vg_metrics_registry_t *reg);

/**
 * Adds a block for one thread; owned by the registry (freed with it). Call
 * it before the thread starts counting (it takes the registry's lock, so a
 * thread started later may add its block while others count and render).
 */
vg_metrics_t *vg_metrics_block_new(vg_metrics_registry_t *reg);

/**
 * Renders every metric (sum of the blocks) in Prometheus text format
 * (version 0.0.4) into @p out. Every series of the fixed label sets is
 * written, zeros included. Any thread; it only reads the blocks.
 */
void vg_metrics_render(vg_metrics_registry_t *reg, vg_buf_t *out);

/*
 * Counting, only from the thread that owns @p m (its single writer).
 * Each call is a few relaxed loads and stores; @p m NULL is a no-op (tests
 * and tools without metrics), as are out-of-range enum values.
 */
/**
 * @p platform < 0 (or out of range): "unknown" (path not routed to a
 * platform). A status outside the fixed list is counted as "other".
 */
void vg_metrics_webhook(vg_metrics_t *m, int platform, int status, uint64_t duration_ns);
void vg_metrics_event(vg_metrics_t *m, vg_platform_t p, vg_verb_t v);
void vg_metrics_decision(vg_metrics_t *m, vg_verdict_kind_t v, vg_decide_status_t status);
void vg_metrics_finding(vg_metrics_t *m, vg_category_t c);
void vg_metrics_action(vg_metrics_t *m, vg_action_kind_t a, vg_action_result_t r,
                       uint64_t duration_ns);
void vg_metrics_redis_error(vg_metrics_t *m, vg_redis_err_kind_t kind);
void vg_metrics_scan(vg_metrics_t *m, uint64_t duration_ns);
/**
 * Gauges of the owning thread. Connections are summed over the blocks;
 * vaglio_redis_up is the minimum over the blocks that set it (1 only if
 * every connection is up; 0 while none has reported).
 */
void vg_metrics_set_redis_up(vg_metrics_t *m, int up);
void vg_metrics_set_connections(vg_metrics_t *m, uint64_t n);
/** Registry-wide gauges (any thread). */
void vg_metrics_set_patterns(vg_metrics_registry_t *reg, int loaded, uint64_t rules);

#endif /* VAGLIO_METRICS_H */
