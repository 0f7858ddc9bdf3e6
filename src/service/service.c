/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: vagliod's process. Builds the first snapshot, binds the
 * listeners, starts the worker threads and the dispatcher thread, and turns
 * signals into drains and reloads on the main thread (no work happens in
 * signal context: libevent delivers them as events). See
 * include/vaglio/service.h for the lifecycle.
 */
#include "service_internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <hs/hs.h>

#include "vaglio/log.h"
#include "vaglio/tls.h"

#define DISPATCH_GRACE_MS 5000

/* ---- dispatcher thread ------------------------------------------------------ */

static void on_dispatch_drained(void *arg)
{
    vg_dispatcher_thread_t *dt = arg;
    event_base_loopexit(dt->base, NULL);
}

static void on_dispatch_notify(evutil_socket_t fd, short what, void *arg)
{
    vg_dispatcher_thread_t *dt = arg;
    vg_snapshot_t *next;
    bool stop;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&dt->lock);
    next = dt->next_snap;
    dt->next_snap = NULL;
    stop = dt->stop;
    dt->stop = false;
    pthread_mutex_unlock(&dt->lock);
    if (next != NULL) {
        vg_dispatch_set_config(dt->dispatch, next->cfg);
        vg_snapshot_unref(dt->snap);
        dt->snap = next;
    }
    if (stop)
        vg_dispatch_drain(dt->dispatch, DISPATCH_GRACE_MS, on_dispatch_drained, dt);
}

static void dispatcher_post(vg_dispatcher_thread_t *dt, vg_snapshot_t *snap, bool stop)
{
    pthread_mutex_lock(&dt->lock);
    if (snap != NULL) {
        vg_snapshot_unref(dt->next_snap);
        dt->next_snap = snap;
    }
    if (stop)
        dt->stop = true;
    pthread_mutex_unlock(&dt->lock);
    event_active(dt->notify, EV_READ, 0);
}

static void *dispatcher_main(void *arg)
{
    vg_service_t *svc = arg;
    vg_dispatcher_thread_t *dt = &svc->disp;

    event_base_dispatch(dt->base);
    vg_dispatch_free(dt->dispatch);
    dt->dispatch = NULL;
    for (int i = 0; i < 4; i++)
        event_base_loop(dt->base, EVLOOP_NONBLOCK);
    vg_service_thread_done(svc);
    return NULL;
}

static int dispatcher_init(vg_service_t *svc, vg_err_t *err)
{
    vg_dispatcher_thread_t *dt = &svc->disp;

    pthread_mutex_init(&dt->lock, NULL);
    /* As on the workers: interest switched on and off within one loop pass
     * (hiredis's write interest, the platform connections') costs no
     * epoll_ctl; measured 3.2 epoll_ctl per webhook on this thread without. */
    struct event_config *ec = event_config_new();
    if (ec == NULL)
        return vg_err_set(err, VG_EIO, "dispatcher: cannot create event loop");
    event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    dt->base = event_base_new_with_config(ec);
    event_config_free(ec);
    if (dt->base == NULL)
        return vg_err_set(err, VG_EIO, "dispatcher: cannot create event loop");
    dt->snap = vg_snapshot_ref(svc->snap);
    dt->metrics = vg_metrics_block_new(svc->metrics);
    dt->dispatch = vg_dispatch_new(dt->base, dt->snap->cfg, dt->metrics, err);
    if (dt->dispatch == NULL)
        return -VG_EIO;
    dt->notify = event_new(dt->base, -1, 0, on_dispatch_notify, dt);
    return 0;
}

static void dispatcher_cleanup(vg_dispatcher_thread_t *dt)
{
    if (dt->base == NULL)
        return;
    vg_dispatch_free(dt->dispatch);
    if (dt->notify != NULL)
        event_free(dt->notify);
    event_base_free(dt->base);
    vg_snapshot_unref(dt->snap);
    vg_snapshot_unref(dt->next_snap);
    pthread_mutex_destroy(&dt->lock);
    dt->base = NULL;
}

/* ---- building ------------------------------------------------------------- */

static vg_ruleset_t *load_patterns(const vg_config_t *cfg, vg_err_t *err)
{
    double ms = 0;
    size_t db = 0, scratch = 0;
    vg_ruleset_t *rs = vg_ruleset_load(cfg->patterns_dir, err);

    if (rs == NULL)
        return NULL;
    vg_ruleset_stats(rs, &db, &scratch, &ms);
    VG_LOG_INFO(service,
                "msg=\"patterns loaded\" dir=%s rules=%zu sections=%zu db_bytes=%zu "
                "scratch_bytes=%zu compile_ms=%.0f",
                cfg->patterns_dir, vg_ruleset_rule_count(rs), vg_ruleset_section_count(rs), db,
                scratch, ms);
    return rs;
}

static int bind_listeners(vg_service_t *svc, vg_err_t *err)
{
    const vg_config_t *cfg = svc->snap->cfg;

    svc->ntls = cfg->nlisten;
    svc->tls = vg_xcalloc(cfg->nlisten ? cfg->nlisten : 1, sizeof(*svc->tls));
    for (size_t i = 0; i < cfg->nlisten; i++) {
        vg_listen_conf_t lc = cfg->listen[i];
        if (lc.tls) {
            svc->tls[i] = vg_tls_server_ctx_new(lc.cert, lc.key, err);
            if (svc->tls[i] == NULL) {
                vg_err_prefix(err, "listen[%zu]", i);
                return -VG_ETLS;
            }
        }
        /* Worker 0 binds first; with port 0 the others take the port it got. */
        for (unsigned w = 0; w < svc->nworkers; w++) {
            int port = vg_http_server_listen(svc->workers[w].http, &lc, svc->tls[i],
                                             svc->nworkers > 1, err);
            if (port < 0) {
                vg_err_prefix(err, "listen[%zu] %s:%u", i, lc.address, lc.port);
                return port;
            }
            lc.port = (uint16_t)port;
        }
        VG_LOG_INFO(service, "msg=listening address=%s port=%u tls=%s workers=%u", lc.address,
                    lc.port, lc.tls ? "yes" : "no", svc->nworkers);
    }
    return 0;
}

vg_service_t *vg_service_new(vg_config_t *cfg, vg_err_t *err)
{
    vg_service_t *svc;
    vg_ruleset_t *rs;

    if (hs_valid_platform() != HS_SUCCESS) {
        vg_config_free(cfg);
        vg_err_set(err, VG_EHS, "this CPU lacks the instructions Hyperscan needs (SSSE3)");
        return NULL;
    }
    rs = load_patterns(cfg, err);
    if (rs == NULL) {
        vg_config_free(cfg);
        return NULL;
    }
    svc = vg_xcalloc(1, sizeof(*svc));
    svc->generation = 1;
    svc->snap = vg_snapshot_new(cfg, rs, svc->generation, err);
    if (svc->snap == NULL)
        goto fail;
    svc->metrics = vg_metrics_registry_new();
    vg_metrics_set_patterns(svc->metrics, 1, vg_ruleset_rule_count(rs));

    /* Cross-thread event_active() needs locking bases. */
    evthread_use_pthreads();
    svc->nworkers = cfg->workers ? cfg->workers : 1;
    svc->workers = vg_xcalloc(svc->nworkers, sizeof(*svc->workers));
    for (unsigned i = 0; i < svc->nworkers; i++)
        if (vg_worker_init(&svc->workers[i], svc, i, err) < 0)
            goto fail;
    if (bind_listeners(svc, err) < 0)
        goto fail;
    if (dispatcher_init(svc, err) < 0)
        goto fail;
    return svc;

fail:
    vg_service_free(svc);
    return NULL;
}

/* ---- running --------------------------------------------------------------- */

void vg_service_thread_done(vg_service_t *svc)
{
    atomic_fetch_sub(&svc->threads_left, 1);
    event_active(svc->thread_done, EV_READ, 0);
}

static void on_thread_done(evutil_socket_t fd, short what, void *arg)
{
    vg_service_t *svc = arg;
    (void)fd;
    (void)what;
    /* event_active coalesces calls from several threads: go by the count.
     * Threads that counted down are about to return; joining them in
     * vg_service_free is immediate. */
    if (atomic_load(&svc->threads_left) == 0) {
        VG_LOG_INFO(service, "msg=stopped");
        event_base_loopexit(svc->base, NULL);
    }
}

static void begin_stop(vg_service_t *svc, const char *why)
{
    if (svc->stopping) {
        VG_LOG_WARN(service, "msg=\"second signal: exiting at once\" signal=%s", why);
        _exit(1);
    }
    svc->stopping = true;
    VG_LOG_INFO(service, "msg=draining signal=%s", why);
    for (unsigned i = 0; i < svc->nworkers; i++)
        vg_worker_post(&svc->workers[i], NULL, true);
    dispatcher_post(&svc->disp, NULL, true);
}

static void reload(vg_service_t *svc)
{
    vg_err_t err;
    vg_config_t *cfg;
    vg_ruleset_t *rs;
    vg_snapshot_t *snap;
    const vg_config_t *old = svc->snap->cfg;

    vg_err_clear(&err);
    VG_LOG_INFO(service, "msg=reloading config=%s", old->path);
    cfg = vg_config_load(old->path, &err);
    if (cfg == NULL)
        goto fail;
    rs = load_patterns(cfg, &err);
    if (rs == NULL) {
        vg_config_free(cfg);
        goto fail;
    }
    if (cfg->nlisten != old->nlisten || cfg->workers != old->workers ||
        strcmp(cfg->redis_url, old->redis_url) != 0)
        VG_LOG_WARN(service, "msg=\"listeners, workers and redis changes take effect at the "
                             "next restart\"");
    snap = vg_snapshot_new(cfg, rs, svc->generation + 1, &err);
    if (snap == NULL)
        goto fail;
    svc->generation++;
    vg_metrics_set_patterns(svc->metrics, 1, vg_ruleset_rule_count(rs));
    for (unsigned i = 0; i < svc->nworkers; i++)
        vg_worker_post(&svc->workers[i], vg_snapshot_ref(snap), false);
    dispatcher_post(&svc->disp, vg_snapshot_ref(snap), false);
    vg_snapshot_unref(svc->snap);
    svc->snap = snap;
    VG_LOG_INFO(service, "msg=reloaded generation=%llu rules=%zu",
                (unsigned long long)svc->generation, vg_ruleset_rule_count(rs));
    return;

fail : {
    char q[600];
    VG_LOG_ERR(service, "msg=\"reload failed, keeping the running configuration\" error=%s",
               vg_log_quote(err.msg, q, sizeof(q)));
}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    vg_service_t *svc = arg;
    (void)what;
    if (sig == SIGHUP) {
        if (!svc->stopping)
            reload(svc);
        return;
    }
    begin_stop(svc, sig == SIGTERM ? "TERM" : "INT");
}

int vg_service_run(vg_service_t *svc)
{
    svc->base = event_base_new();
    if (svc->base == NULL)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    svc->sig_term = evsignal_new(svc->base, SIGTERM, on_signal, svc);
    svc->sig_int = evsignal_new(svc->base, SIGINT, on_signal, svc);
    svc->sig_hup = evsignal_new(svc->base, SIGHUP, on_signal, svc);
    svc->thread_done = event_new(svc->base, -1, 0, on_thread_done, svc);
    event_add(svc->sig_term, NULL);
    event_add(svc->sig_int, NULL);
    event_add(svc->sig_hup, NULL);

    atomic_store(&svc->threads_left, svc->nworkers + 1);
    for (unsigned i = 0; i < svc->nworkers; i++) {
        if (pthread_create(&svc->workers[i].thread, NULL, vg_worker_main, &svc->workers[i]) != 0) {
            VG_LOG_ERR(service, "msg=\"cannot start worker thread\"");
            begin_stop(svc, "startup");
            svc->exit_code = 1;
            break;
        }
        svc->workers[i].running = true;
    }
    if (!svc->stopping) {
        if (pthread_create(&svc->disp.thread, NULL, dispatcher_main, svc) != 0) {
            VG_LOG_ERR(service, "msg=\"cannot start dispatcher thread\"");
            begin_stop(svc, "startup");
            svc->exit_code = 1;
        } else {
            svc->disp.running = true;
        }
    }
    VG_LOG_INFO(service, "msg=started version=%s workers=%u pid=%ld", VG_VERSION, svc->nworkers,
                (long)getpid());
    event_base_dispatch(svc->base);
    return svc->exit_code;
}

void vg_service_free(vg_service_t *svc)
{
    if (svc == NULL)
        return;
    for (unsigned i = 0; i < svc->nworkers; i++)
        if (svc->workers[i].running)
            pthread_join(svc->workers[i].thread, NULL);
    if (svc->disp.running)
        pthread_join(svc->disp.thread, NULL);
    dispatcher_cleanup(&svc->disp);
    if (svc->workers != NULL)
        for (unsigned i = 0; i < svc->nworkers; i++)
            vg_worker_cleanup(&svc->workers[i]);
    free(svc->workers);
    for (size_t i = 0; i < svc->ntls; i++)
        SSL_CTX_free(svc->tls[i]);
    free(svc->tls);
    if (svc->base != NULL) {
        event_free(svc->sig_term);
        event_free(svc->sig_int);
        event_free(svc->sig_hup);
        event_free(svc->thread_done);
        event_base_free(svc->base);
    }
    vg_metrics_registry_free(svc->metrics);
    vg_snapshot_unref(svc->snap);
    free(svc);
}

/* ---- vagliod -t ------------------------------------------------------------- */

int vg_service_check(const char *path)
{
    vg_err_t err;
    vg_config_t *cfg;
    vg_ruleset_t *rs;
    vg_snapshot_t *snap;
    int rc = 1;

    vg_buf_t errors;
    int nerr;

    /* Every configuration error at once, one per line, not only the first. */
    vg_buf_init(&errors, 0);
    nerr = vg_config_check(path, &errors);
    if (nerr > 0) {
        fprintf(stderr, "%s", errors.data);
        fprintf(stderr, "vagliod: %s: %d error(s)\n", path, nerr);
        vg_buf_cleanup(&errors);
        return 1;
    }
    vg_buf_cleanup(&errors);
    vg_err_clear(&err);
    cfg = vg_config_load(path, &err);
    if (cfg == NULL) {
        fprintf(stderr, "vagliod: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < cfg->nlisten; i++) {
        if (!cfg->listen[i].tls)
            continue;
        SSL_CTX *ctx = vg_tls_server_ctx_new(cfg->listen[i].cert, cfg->listen[i].key, &err);
        if (ctx == NULL) {
            fprintf(stderr, "vagliod: %s: listen[%zu].tls: %s\n", path, i, err.msg);
            vg_config_free(cfg);
            return 1;
        }
        SSL_CTX_free(ctx);
    }
    rs = vg_ruleset_load(cfg->patterns_dir, &err);
    if (rs == NULL) {
        /* The load stopped at the first error: list every one, file:line each. */
        vg_buf_init(&errors, 0);
        if (vg_ruleset_check(cfg->patterns_dir, &errors) != 0 && errors.len > 0)
            fprintf(stderr, "%s", errors.data);
        else
            fprintf(stderr, "vagliod: %s\n", err.msg);
        vg_buf_cleanup(&errors);
        vg_config_free(cfg);
        return 1;
    }
    size_t rules = vg_ruleset_rule_count(rs), ntenants = cfg->ntenants;
    snap = vg_snapshot_new(cfg, rs, 0, &err);
    if (snap == NULL) {
        fprintf(stderr, "vagliod: %s: %s\n", path, err.msg);
        return 1;
    }
    fprintf(stderr, "vagliod: %s is ok: %zu tenant(s), %zu rule(s)\n", path, ntenants, rules);
    rc = 0;
    vg_snapshot_unref(snap);
    return rc;
}
