/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker: one event-loop thread of vagliod. It owns an HTTP server (its
 * listeners share the ports of the other workers through SO_REUSEPORT), a
 * Hyperscan scanner, a Redis connection and a metrics block, and routes
 * every request: the ops endpoints here, the webhooks to webhook.c.
 *
 * The main thread talks to a worker only through vg_worker_post(): a new
 * snapshot, or "stop". The worker notices at once (an event made active from
 * the other thread) and also checks the mailbox cheaply on every request.
 *
 *   running --stop--> draining (listeners closed, requests finish)
 *           --server drained--> loop exits --> Redis closed, thread ends
 */
#include "service_internal.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "vaglio/log.h"

#define WORKER_TICK_MS 250

static void on_request(vg_http_req_t *req, void *arg);

vg_snapshot_t *vg_worker_snapshot(vg_worker_t *w)
{
    if (atomic_load_explicit(&w->mail, memory_order_acquire)) {
        vg_snapshot_t *next;
        pthread_mutex_lock(&w->lock);
        next = w->next_snap;
        w->next_snap = NULL;
        atomic_store_explicit(&w->mail, w->stop, memory_order_release);
        pthread_mutex_unlock(&w->lock);
        if (next != NULL) {
            vg_snapshot_unref(w->snap);
            w->snap = next;
            VG_LOG_INFO(service, "msg=\"snapshot in use\" worker=%s generation=%llu", w->name,
                        (unsigned long long)next->generation);
        }
    }
    return w->snap;
}

static void on_drained(void *arg)
{
    vg_worker_t *w = arg;
    VG_LOG_DEBUG(service, "msg=\"worker drained\" worker=%s", w->name);
    event_base_loopexit(w->base, NULL);
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    vg_worker_t *w = arg;
    bool stop;

    (void)fd;
    (void)what;
    vg_worker_snapshot(w);
    pthread_mutex_lock(&w->lock);
    stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    if (stop && !w->draining) {
        w->draining = true;
        vg_http_server_drain(w->http, on_drained, w);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    vg_worker_t *w = arg;
    (void)fd;
    (void)what;
    bool ready = vg_store_ready(w->store);

    vg_metrics_set_redis_up(w->metrics, ready);
    atomic_store_explicit(&w->redis_ready, ready, memory_order_relaxed);
    vg_metrics_set_connections(w->metrics, vg_http_server_connections(w->http));
}

void vg_worker_post(vg_worker_t *w, vg_snapshot_t *snap, bool stop)
{
    pthread_mutex_lock(&w->lock);
    if (snap != NULL) {
        if (w->next_snap != NULL)
            vg_snapshot_unref(w->next_snap);
        w->next_snap = snap;
    }
    if (stop)
        w->stop = true;
    atomic_store_explicit(&w->mail, true, memory_order_release);
    pthread_mutex_unlock(&w->lock);
    event_active(w->notify, EV_READ, 0);
}

int vg_worker_init(vg_worker_t *w, vg_service_t *svc, unsigned id, vg_err_t *err)
{
    const vg_config_t *cfg = svc->snap->cfg;
    vg_http_limits_t limits;
    struct event_config *ec;
    struct timeval tick = {0, WORKER_TICK_MS * 1000};

    memset(w, 0, sizeof(*w));
    w->id = id;
    w->svc = svc;
    snprintf(w->name, sizeof(w->name), "worker-%u", id);
    pthread_mutex_init(&w->lock, NULL);
    atomic_init(&w->mail, false);
    atomic_init(&w->redis_ready, false);
    w->snap = vg_snapshot_ref(svc->snap);

    /* epoll's changelist folds the add/del pairs of a request into one
     * epoll_ctl: measured +22-34% requests/s on these machines. */
    ec = event_config_new();
    event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    w->base = event_base_new_with_config(ec);
    event_config_free(ec);
    if (w->base == NULL)
        return vg_err_set(err, VG_EIO, "%s: cannot create event loop", w->name);

    w->metrics = vg_metrics_block_new(svc->metrics);
    w->scanner = vg_scanner_new(cfg->http.max_text);
    vg_http_limits_from_config(&limits, cfg);
    w->http = vg_http_server_new(w->base, &limits, on_request, w);
    w->store = vg_store_new(w->base, cfg, w->name, err);
    if (w->store == NULL)
        return -VG_EREDIS;
    w->notify = event_new(w->base, -1, 0, on_notify, w);
    w->tick = event_new(w->base, -1, EV_PERSIST, on_tick, w);
    event_add(w->tick, &tick);
    return 0;
}

void *vg_worker_main(void *arg)
{
    vg_worker_t *w = arg;

    VG_LOG_DEBUG(service, "msg=\"worker started\" worker=%s", w->name);
    event_base_dispatch(w->base);
    /* Drained: every request answered. Close Redis and let its deferred
     * work run before the loop goes away. */
    vg_store_free(w->store);
    w->store = NULL;
    for (int i = 0; i < 4; i++)
        event_base_loop(w->base, EVLOOP_NONBLOCK);
    VG_LOG_DEBUG(service, "msg=\"worker stopped\" worker=%s", w->name);
    vg_service_thread_done(w->svc);
    return NULL;
}

void vg_worker_cleanup(vg_worker_t *w)
{
    if (w->base == NULL)
        return;
    vg_http_server_free(w->http);
    vg_store_free(w->store);
    vg_scanner_free(w->scanner);
    if (w->notify != NULL)
        event_free(w->notify);
    if (w->tick != NULL)
        event_free(w->tick);
    event_base_free(w->base);
    vg_snapshot_unref(w->snap);
    vg_snapshot_unref(w->next_snap);
    pthread_mutex_destroy(&w->lock);
    w->base = NULL;
}

/* ---- routes --------------------------------------------------------------- */

static void reply_text(vg_worker_t *w, vg_http_req_t *req, int status, const char *text)
{
    vg_metrics_webhook(w->metrics, -1, status, 0);
    vg_http_reply(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

/*
 * Ready means every worker can take a webhook: a load balancer's probe
 * reaches one worker, its next webhook may reach another (SO_REUSEPORT).
 * The others' state is what their last tick published (WORKER_TICK_MS).
 */
static bool all_workers_ready(const vg_worker_t *w)
{
    const vg_service_t *svc = w->svc;

    for (unsigned i = 0; i < svc->nworkers; i++)
        if (&svc->workers[i] != w &&
            !atomic_load_explicit(&svc->workers[i].redis_ready, memory_order_relaxed))
            return false;
    return true;
}

static void serve_ops(vg_worker_t *w, vg_http_req_t *req, const char *path)
{
    vg_http_method_t m = vg_http_req_method(req);

    if (m != VG_HTTP_GET && m != VG_HTTP_HEAD) {
        vg_http_reply_header(req, "Allow", "GET, HEAD");
        vg_http_reply(req, 405, "text/plain", "method not allowed\n", 19);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        vg_http_reply(req, 200, "text/plain", "ok\n", 3);
    } else if (strcmp(path, "/readyz") == 0) {
        vg_snapshot_t *s = vg_worker_snapshot(w);
        if (s->rs == NULL)
            vg_http_reply(req, 503, "text/plain", "patterns not loaded\n", 20);
        else if (!vg_store_ready(w->store) || !all_workers_ready(w))
            vg_http_reply(req, 503, "text/plain", "redis unavailable\n", 18);
        else
            vg_http_reply(req, 200, "text/plain", "ready\n", 6);
    } else {
        vg_buf_t out;
        vg_buf_init(&out, 0);
        vg_metrics_render(w->svc->metrics, &out);
        vg_http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
        vg_buf_cleanup(&out);
    }
}

static void on_request(vg_http_req_t *req, void *arg)
{
    static const char meta_prefix[] = "/webhooks/meta/";
    vg_worker_t *w = arg;
    const char *path = vg_http_req_path(req);
    unsigned routes = vg_http_req_routes(req);

    if ((routes & VG_ROUTE_OPS) && (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
                                    strcmp(path, "/metrics") == 0)) {
        serve_ops(w, req, path);
        return;
    }
    if ((routes & VG_ROUTE_WEBHOOKS) && strncmp(path, meta_prefix, sizeof(meta_prefix) - 1) == 0) {
        const char *tenant = path + sizeof(meta_prefix) - 1;
        size_t len = strcspn(tenant, "/");
        if (len > 0 && tenant[len] == '\0') {
            vg_webhook_meta(w, req, tenant, len);
            return;
        }
    }
    reply_text(w, req, 404, "not found\n");
}
