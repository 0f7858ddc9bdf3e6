/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook: the Meta webhook flow on a worker, from the request to the
 * answer. GET is the subscription handshake; POST is a delivery:
 *
 *   tenant? (404) -> signature over the raw body (401) -> parse (400/413)
 *   -> Redis ready? (503) -> per event: skip the page's own comments; scan
 *   and evaluate added or edited text; one decide script per event, all
 *   pipelined on the worker's Redis connection
 *   -> when every script answered: 200, or 503 if any failed.
 *
 * The platform retries a 503 for up to 36 hours and the decide script
 * deduplicates, so answering 503 for a partly stored batch is safe; a 200
 * is only sent when every event of the delivery is in Redis.
 */
#include "service_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaglio/adapter.h"
#include "vaglio/log.h"
#include "vaglio/policy.h"

/* One delivery in flight. Owns its arena (events, texts) and a reference to
 * the snapshot it was decided under. */
typedef struct delivery {
    vg_worker_t *w;
    vg_http_req_t *req;
    vg_snapshot_t *snap;
    const vg_tenant_conf_t *tenant;
    vg_arena_t *arena;
    int platform; /* for metrics: the first event's platform, -1 if none */
    size_t pending;
    size_t events;
    bool failed;
    const char *fail_reason;
} delivery_t;

static void finish(delivery_t *d, int status, const char *body)
{
    uint64_t took = vg_mono_ns() - vg_http_req_start_ns(d->req);

    vg_metrics_webhook(d->w->metrics, d->platform, status, took);
    vg_http_reply(d->req, status, "text/plain; charset=utf-8", body, strlen(body));
    vg_arena_free(d->arena);
    vg_snapshot_unref(d->snap);
    free(d);
}

static void reply_early(vg_worker_t *w, vg_http_req_t *req, int platform, int status,
                        const char *body)
{
    uint64_t took = vg_mono_ns() - vg_http_req_start_ns(req);
    vg_metrics_webhook(w->metrics, platform, status, took);
    vg_http_reply(req, status, "text/plain; charset=utf-8", body, strlen(body));
}

static void handshake(vg_worker_t *w, vg_http_req_t *req, const vg_tenant_conf_t *t)
{
    char challenge[VG_META_CHALLENGE_MAX + 1];
    size_t qlen;
    const char *query = vg_http_req_query(req, &qlen);
    int rc = vg_meta_handshake(query, qlen, t->meta.verify_token, challenge);
    char tq[80];

    if (rc == -VG_EAUTH) {
        VG_LOG_INFO(webhook, "msg=\"handshake refused\" req=%s tenant=%s reason=verify_token",
                    vg_http_req_id(req), vg_log_quote(t->name, tq, sizeof(tq)));
        reply_early(w, req, -1, 403, "forbidden\n");
        return;
    }
    if (rc < 0) {
        reply_early(w, req, -1, 400, "bad handshake\n");
        return;
    }
    VG_LOG_INFO(webhook, "msg=\"handshake ok\" req=%s tenant=%s", vg_http_req_id(req),
                vg_log_quote(t->name, tq, sizeof(tq)));
    vg_metrics_webhook(w->metrics, -1, 200, vg_mono_ns() - vg_http_req_start_ns(req));
    vg_http_reply(req, 200, "text/plain", challenge, strlen(challenge));
}

/* One event's decide call: the delivery plus what the metrics need. Lives
 * in the delivery's arena. */
typedef struct pending_event {
    delivery_t *d;
    int verdict; /* vg_verdict_kind_t, or -1 for verbs that are not scanned */
} pending_event_t;

static void on_decided(const char *err, const vg_decide_res_t *res, void *arg)
{
    pending_event_t *pe = arg;
    delivery_t *d = pe->d;
    vg_worker_t *w = d->w;

    if (err != NULL) {
        d->failed = true;
        d->fail_reason = err;
        vg_metrics_redis_error(w->metrics,
                               strcmp(err, vg_store_err_timeout) == 0 ? VG_REDIS_ERR_TIMEOUT
                               : strcmp(err, vg_store_err_reply) == 0 ? VG_REDIS_ERR_REPLY
                                                                      : VG_REDIS_ERR_UNAVAILABLE);
    } else {
        if (pe->verdict >= 0)
            vg_metrics_decision(w->metrics, (vg_verdict_kind_t)pe->verdict, res->status);
        VG_LOG_DEBUG(webhook, "msg=decided req=%s decision=%s status=%d actions=%s strikes=%u",
                     vg_http_req_id(d->req), res->decision_id, (int)res->status,
                     res->actions[0] ? res->actions : "-", res->strikes);
    }
    if (--d->pending > 0)
        return;
    if (d->failed) {
        VG_LOG_WARN(webhook, "msg=\"delivery not stored\" req=%s events=%zu reason=\"%s\"",
                    vg_http_req_id(d->req), d->events, d->fail_reason);
        vg_http_reply_header(d->req, "Retry-After", "1");
        finish(d, 503, "redis unavailable\n");
    } else {
        finish(d, 200, "ok\n");
    }
}

static void categories_csv(vg_catset_t set, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (int c = 0; c < VG_CAT_COUNT && o + 1 < cap; c++) {
        if (!(set & VG_CATSET(c)))
            continue;
        o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "", vg_category_name(c));
    }
    if (o == 0)
        vg_strlcpy(out, "-", cap);
}

/* Scans, evaluates and sends one event to Redis. Returns 0 if a decide
 * script was issued (its callback will come), else a negative code. */
static int decide_event(delivery_t *d, const vg_event_t *ev)
{
    vg_worker_t *w = d->w;
    const vg_tenant_conf_t *t = d->tenant;
    vg_snapshot_t *s = d->snap;
    vg_scan_result_t scan;
    vg_verdict_t verdict;
    vg_buf_t warning, notice;
    vg_decide_req_t dr;
    pending_event_t *pe;
    char cq[160];
    bool scanned = ev->verb == VG_VERB_ADD || ev->verb == VG_VERB_EDITED;
    int rc;

    memset(&dr, 0, sizeof(dr));
    vg_buf_init(&warning, 4096);
    vg_buf_init(&notice, 4096);
    if (scanned) {
        uint64_t t0 = vg_mono_ns();
        rc = vg_scan(w->scanner, s->rs, s->views[vg_snapshot_tenant_index(s, t)], ev->text,
                     ev->text_len, &scan);
        vg_metrics_scan(w->metrics, vg_mono_ns() - t0);
        if (rc < 0) {
            VG_LOG_ERR(webhook, "msg=\"scan failed\" req=%s content=%s", vg_http_req_id(d->req),
                       vg_log_quote(ev->content_id, cq, sizeof(cq)));
            return rc;
        }
        vg_policy_evaluate(t, s->rs, &scan, &verdict);
        for (size_t i = 0; i < scan.n; i++)
            vg_metrics_finding(w->metrics, vg_ruleset_rule_category(s->rs, scan.findings[i].rule));
        if (verdict.strike && verdict.primary < VG_CAT_COUNT && t->warning_template != NULL)
            vg_policy_render(t->warning_template, t, verdict.primary, &warning);
        if (verdict.notice && t->notice_template != NULL) {
            /* The notice names the personal data kind, not the insult. */
            vg_category_t kind = verdict.primary;
            for (int c = VG_CAT_PII_EMAIL; c <= VG_CAT_PII_ID_DOCUMENT; c++)
                if (verdict.acting & VG_CATSET(c)) {
                    kind = (vg_category_t)c;
                    break;
                }
            vg_policy_render(t->notice_template, t, kind, &notice);
        }
        if (VG_LOG_ON(VG_LOG_INFO)) {
            char found[256], acting[256];
            categories_csv(verdict.found, found, sizeof(found));
            categories_csv(verdict.acting | verdict.shadowed, acting, sizeof(acting));
            vg_log(VG_LOG_INFO, "webhook",
                   "msg=verdict req=%s tenant=%s platform=%s content=%s verb=%s verdict=%s "
                   "found=%s acting=%s findings=%zu shadow=%d",
                   vg_http_req_id(d->req), t->name, vg_platform_name(ev->platform),
                   vg_log_quote(ev->content_id, cq, sizeof(cq)), vg_verb_name(ev->verb),
                   vg_verdict_name(verdict.verdict), found, acting, scan.n, verdict.shadow);
        }
    }

    dr.tenant = t;
    dr.event = ev;
    dr.verdict = scanned ? &verdict : NULL;
    dr.rs = s->rs;
    dr.scan = scanned ? &scan : NULL;
    dr.warning = warning.len > 0 ? warning.data : NULL;
    dr.notice = notice.len > 0 ? notice.data : NULL;
    dr.author_key = s->cfg->author_key;
    dr.shards = s->cfg->store.shards;
    dr.dry_run = t->dry_run;
    pe = vg_arena_alloc(d->arena, sizeof(*pe));
    if (pe == NULL) {
        vg_buf_cleanup(&warning);
        vg_buf_cleanup(&notice);
        return -VG_ELIMIT;
    }
    pe->d = d;
    pe->verdict = scanned ? (int)verdict.verdict : -1;
    d->pending++;
    /* The callback comes either way, also for a refusal, never from within
     * this call: nothing else to do with the return code. */
    (void)vg_store_decide(w->store, &dr, on_decided, pe);
    vg_buf_cleanup(&warning);
    vg_buf_cleanup(&notice);
    return 0;
}

static void delivery(vg_worker_t *w, vg_http_req_t *req, const vg_tenant_conf_t *t)
{
    vg_snapshot_t *s = vg_worker_snapshot(w);
    size_t len, nevents = 0, skipped = 0;
    const unsigned char *body = vg_http_req_body(req, &len);
    const char *sig = vg_http_req_header(req, "X-Hub-Signature-256");
    vg_event_t *events = NULL;
    vg_err_t err;
    delivery_t *d;
    char tq[80];
    int rc;

    if (vg_meta_verify_signature(t->meta.app_secret, sig, body, len) < 0) {
        VG_LOG_INFO(webhook, "msg=\"signature refused\" req=%s tenant=%s peer=%s reason=%s",
                    vg_http_req_id(req), vg_log_quote(t->name, tq, sizeof(tq)),
                    vg_http_req_peer(req), sig == NULL ? "missing" : "mismatch");
        reply_early(w, req, -1, 401, "bad signature\n");
        return;
    }

    d = vg_xcalloc(1, sizeof(*d));
    d->w = w;
    d->req = req;
    d->snap = vg_snapshot_ref(s);
    d->tenant = t;
    d->platform = -1;
    /* Events and texts are copies of parts of the body: bounded by it. */
    d->arena = vg_arena_new(16384, 2 * len + 65536);
    vg_err_clear(&err);
    rc = vg_meta_parse(body, len, d->arena, &events, &nevents, s->cfg->http.max_events, &skipped,
                       &err);
    if (rc < 0) {
        char eq[600];
        VG_LOG_INFO(webhook, "msg=\"delivery refused\" req=%s tenant=%s reason=%s",
                    vg_http_req_id(req), t->name, vg_log_quote(err.msg, eq, sizeof(eq)));
        finish(d, rc == -VG_ELIMIT ? 413 : 400,
               rc == -VG_ELIMIT ? "too many events\n" : "malformed delivery\n");
        return;
    }
    if (nevents > 0)
        d->platform = (int)events[0].platform;
    if (!vg_store_ready(w->store) && nevents > 0) {
        /* Fail fast: the platform retries, nothing is lost. */
        vg_metrics_redis_error(w->metrics, VG_REDIS_ERR_UNAVAILABLE);
        vg_http_reply_header(req, "Retry-After", "1");
        finish(d, 503, "redis unavailable\n");
        return;
    }

    d->pending = 1; /* held until every event is issued */
    for (size_t i = 0; i < nevents; i++) {
        const vg_event_t *ev = &events[i];
        vg_metrics_event(w->metrics, ev->platform, ev->verb);
        if (ev->own || ev->content_id == NULL)
            continue;
        d->events++;
        if (decide_event(d, ev) < 0) {
            d->failed = true;
            d->fail_reason = "scan failed";
        }
    }
    if (skipped > 0)
        VG_LOG_DEBUG(webhook, "msg=\"changes skipped\" req=%s count=%zu", vg_http_req_id(req),
                     skipped);
    /* Drop the hold: answers now if nothing was issued, else when the last
     * decide script answers. */
    if (--d->pending == 0)
        finish(d, d->failed ? 503 : 200, d->failed ? "not stored\n" : "ok\n");
}

void vg_webhook_meta(vg_worker_t *w, vg_http_req_t *req, const char *tenant, size_t tenant_len)
{
    vg_snapshot_t *s = vg_worker_snapshot(w);
    const vg_tenant_conf_t *t = vg_config_tenant(s->cfg, tenant, tenant_len);
    vg_http_method_t m = vg_http_req_method(req);

    if (t == NULL || !t->meta.enabled) {
        reply_early(w, req, -1, 404, "unknown tenant\n");
        return;
    }
    if (m == VG_HTTP_GET) {
        handshake(w, req, t);
    } else if (m == VG_HTTP_POST) {
        delivery(w, req, t);
    } else {
        vg_http_reply_header(req, "Allow", "GET, POST");
        reply_early(w, req, -1, 405, "method not allowed\n");
    }
}
