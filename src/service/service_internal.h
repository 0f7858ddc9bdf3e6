/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service internals shared by service.c (process, signals, threads),
 * snapshot.c (the immutable config + ruleset snapshot), worker.c (a worker's
 * loop and routes) and webhook.c (the Meta webhook flow).
 */
#ifndef VAGLIO_SERVICE_INTERNAL_H
#define VAGLIO_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <openssl/ssl.h>

#include "vaglio/config.h"
#include "vaglio/dispatch.h"
#include "vaglio/match.h"
#include "vaglio/metrics.h"
#include "vaglio/server.h"
#include "vaglio/service.h"
#include "vaglio/store.h"

struct event;
struct event_base;

/*
 * Everything a request needs that changes only on reload, in one immutable,
 * reference-counted object. The main thread holds one reference to the
 * current snapshot; each worker holds one to the snapshot it uses; each
 * webhook in flight holds one, so a reload never frees what a request reads.
 */
typedef struct vg_snapshot {
    atomic_int refs;
    uint64_t generation;
    vg_config_t *cfg;
    vg_ruleset_t *rs;
    vg_match_tenant_t **views; /* parallel to cfg->tenants */
} vg_snapshot_t;

/** Builds a snapshot; takes @p cfg and one reference of @p rs, also on failure. */
vg_snapshot_t *vg_snapshot_new(vg_config_t *cfg, vg_ruleset_t *rs, uint64_t generation,
                               vg_err_t *err);
vg_snapshot_t *vg_snapshot_ref(vg_snapshot_t *s);
void vg_snapshot_unref(vg_snapshot_t *s);
/** Index of tenant @p t in the snapshot's config. */
size_t vg_snapshot_tenant_index(const vg_snapshot_t *s, const vg_tenant_conf_t *t);

typedef struct vg_worker {
    unsigned id;
    char name[24];
    vg_service_t *svc;
    struct event_base *base;
    vg_http_server_t *http;
    vg_store_t *store;
    vg_scanner_t *scanner;
    vg_metrics_t *metrics;
    vg_snapshot_t *snap; /* the worker's reference */

    /* Messages from the main thread, guarded by lock. */
    pthread_mutex_t lock;
    vg_snapshot_t *next_snap;
    bool stop;
    atomic_bool mail;
    struct event *notify;
    struct event *tick;
    /* Published by the worker's tick for the others' /readyz: its store is
     * READY. Any worker answers /readyz, so each must speak for all. */
    atomic_bool redis_ready;

    pthread_t thread;
    bool running;
    bool draining;
} vg_worker_t;

typedef struct vg_dispatcher_thread {
    struct event_base *base;
    vg_dispatch_t *dispatch;
    vg_metrics_t *metrics;
    vg_snapshot_t *snap;
    pthread_mutex_t lock;
    vg_snapshot_t *next_snap;
    bool stop;
    struct event *notify;
    pthread_t thread;
    bool running;
} vg_dispatcher_thread_t;

struct vg_service {
    vg_snapshot_t *snap; /* main thread's reference to the current snapshot */
    uint64_t generation;
    vg_metrics_registry_t *metrics;
    SSL_CTX **tls; /* per listener, NULL for plain HTTP */
    size_t ntls;
    vg_worker_t *workers;
    unsigned nworkers;
    vg_dispatcher_thread_t disp;

    struct event_base *base; /* main thread: signals and thread completion */
    struct event *sig_term;
    struct event *sig_int;
    struct event *sig_hup;
    struct event *thread_done;
    atomic_uint threads_left;
    bool stopping;
    int exit_code;
};

/* worker.c */
int vg_worker_init(vg_worker_t *w, vg_service_t *svc, unsigned id, vg_err_t *err);
void *vg_worker_main(void *arg);
void vg_worker_post(vg_worker_t *w, vg_snapshot_t *snap, bool stop);
void vg_worker_cleanup(vg_worker_t *w);
/** The worker's current snapshot, picking up a newer one first. */
vg_snapshot_t *vg_worker_snapshot(vg_worker_t *w);

/* webhook.c */
void vg_webhook_meta(vg_worker_t *w, vg_http_req_t *req, const char *tenant, size_t tenant_len);

/* service.c */
void vg_service_thread_done(vg_service_t *svc);

#endif /* VAGLIO_SERVICE_INTERNAL_H */
