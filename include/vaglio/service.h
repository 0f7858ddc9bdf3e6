/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: vagliod's process. It builds the immutable snapshot (config,
 * compiled ruleset, per-tenant rule views), binds the listeners, and runs
 * N worker threads — each with its own event loop, HTTP server (listeners
 * shared with SO_REUSEPORT), Hyperscan scanner, Redis connection and metrics
 * block — plus one dispatcher thread. The main thread only handles signals:
 *
 *   SIGTERM/SIGINT  drain: stop accepting, finish requests in flight, let the
 *                   dispatcher finish its actions (bounded), close Redis, exit 0.
 *                   A second signal exits at once.
 *   SIGHUP          reload: load the config and compile the patterns aside (on
 *                   the main thread, never on a worker loop); on success swap
 *                   the snapshot (workers pick it up at their next request and
 *                   resize their scratch); on failure keep the old one and log
 *                   why (file:line for a pattern error). Listeners, workers and
 *                   Redis settings need a restart; a change is logged.
 *
 * Webhook flow on a worker (src/service/webhook.c): route -> tenant ->
 * signature -> parse -> per event: scan + policy -> one decide script per
 * event in Redis (pipelined on the worker's connection) -> answer 200 when
 * every decision is stored, 503 if Redis could not take one (the platform
 * retries; dedupe makes the retry safe) — never a 200 that loses an event.
 */
#ifndef VAGLIO_SERVICE_H
#define VAGLIO_SERVICE_H

#include "vaglio/config.h"
#include "vaglio/util.h"

typedef struct vg_service vg_service_t;

/**
 * Builds the service from @p cfg (takes ownership, also on failure): loads
 * and compiles the patterns, builds the tenants' rule views, creates the TLS
 * contexts, binds every listener (the bound ports are logged, one line per
 * listener: `msg=listening address=... port=... tls=...`). Returns NULL with
 * @p err on any failure; nothing is left running.
 */
vg_service_t *vg_service_new(vg_config_t *cfg, vg_err_t *err);

/**
 * Starts the threads and runs until a SIGTERM/SIGINT drain completes.
 * Returns the process exit code.
 */
int vg_service_run(vg_service_t *svc);

/** Frees the service (after vg_service_run returned). NULL is a no-op. */
void vg_service_free(vg_service_t *svc);

/**
 * The checks of `vagliod -t`: loads @p path, compiles the patterns, resolves
 * every tenant's sections, loads the TLS files. Prints a summary or every
 * error (key path, file:line) to stderr. Returns 0 if all is well, else 1.
 */
int vg_service_check(const char *path);

#endif /* VAGLIO_SERVICE_H */
