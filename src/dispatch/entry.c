/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch, entry side: one action stream entry from reading to
 * acknowledgement. Its actions run in the order the store planned them, one
 * Graph request each; each final result is written into the decision record
 * as it comes (`r.<action>`), and once all are final one atomic script
 * writes them all again with `done`, dead-letters the entry if an action
 * failed for good, and XACKs and XDELs it.
 *
 *   start --(resumed or claimed)--> LOAD: HMGET the record's r.* (skip what is final)
 *     |                                |
 *     v                                v
 *   RUN: next action not final ----> request --> ok / skipped / failed --> RUN
 *     |                                  \--> transient: WAIT (backoff timer) --> RUN
 *     v (all final)
 *   FINAL: EVAL finalize (HSET results + done, XADD dead?, XACK, XDEL)
 *     |     \--> Redis failed: retry on a timer, results kept in memory
 *     v
 *   finished (freed once no callback is owed)
 *
 * An entry can be abandoned (drain grace over, dispatcher freed): it stops
 * where it is and stays pending in Redis, to be resumed at the next start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "dispatch/dispatch_internal.h"
#include "vaglio/log.h"

#define ENTRY_MAX_BYTES  (256u * 1024u) /* all fields of one entry */
#define ENTRY_MAX_FIELDS 32

/*
 * KEYS: record, stream, dead stream. ARGV: entry id, group, done (ms),
 * dead 1/0, retention (s), has record 1/0, n, n result pairs, dead-letter
 * field pairs. Atomic: the results, the dead letter and the acknowledgement
 * happen together or not at all. XACK may fail only because the group is
 * gone (Redis lost its data): then there is nothing to acknowledge.
 */
static const char finalize_lua[] =
    "local n = tonumber(ARGV[7])\n"
    "local i = 8\n"
    "if ARGV[6] == '1' then\n"
    "  local h = {'HSET', KEYS[1], 'done', ARGV[3]}\n"
    "  for _ = 1, n do h[#h + 1] = ARGV[i]; h[#h + 1] = ARGV[i + 1]; i = i + 2 end\n"
    "  redis.call(unpack(h))\n"
    "  if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end\n"
    "else\n"
    "  i = i + 2 * n\n"
    "end\n"
    "if ARGV[4] == '1' then\n"
    "  local e = {'XADD', KEYS[3], 'MAXLEN', '~', '" VG_DISPATCH_DEAD_MAXLEN "', '*'}\n"
    "  for j = i, #ARGV do e[#e + 1] = ARGV[j] end\n"
    "  redis.call(unpack(e))\n"
    "end\n"
    "redis.pcall('XACK', KEYS[2], ARGV[2], ARGV[1])\n"
    "redis.call('XDEL', KEYS[2], ARGV[1])\n"
    "return 1\n";

typedef enum { ST_LOAD = 0, ST_RUN, ST_WAIT, ST_FINAL } entry_state_t;

typedef struct action {
    vg_action_kind_t kind;
    bool final;
    unsigned attempts; /* requests sent */
    char result[VG_DISPATCH_RESULT_MAX];
} action_t;

struct vg_dispatch_entry {
    vg_dispatch_entry_t *prev, *next;
    vg_dispatch_t *d;
    char *key;    /* the stream */
    char id[48];  /* the stream entry id */
    char *record; /* vg:{tag}:d:<decision>, NULL without a usable decision id */
    char *dead;   /* vg:{tag}:dead */
    char **fv;    /* the entry's field/value strings, for the dead letter */
    size_t nfv;
    const char *did, *tenant, *page, *content, *author, *warn, *notice; /* into fv */
    vg_platform_t platform;
    vg_warn_channel_t channel;
    bool dry;
    char bad[48]; /* why the entry is malformed, "" if it is not */
    int nacts;
    action_t acts[VG_DISPATCH_MAX_ACTS];
    int cur;
    bool resumed;  /* read from a pending list or claimed: check the record first */
    bool started;  /* counted in d->running; an entry read beyond concurrency waits */
    bool gone;     /* the comment no longer exists */
    bool failed;   /* an action failed for good: dead-letter */
    bool detached; /* finished or abandoned: only owed callbacks keep it */
    entry_state_t state;
    unsigned ops;
    unsigned write_tries;
    uint64_t sent_ns;
    struct event *timer;
};

static void run(vg_dispatch_entry_t *e);
static void finalize(vg_dispatch_entry_t *e);
static void load(vg_dispatch_entry_t *e);
static void begin(vg_dispatch_entry_t *e);

/* ---- list and lifetime ------------------------------------------------------------ */

vg_dispatch_entry_t *vg_dispatch_entry_next(vg_dispatch_t *d, vg_dispatch_entry_t *e)
{
    return e == NULL ? d->entries : e->next;
}

const char *vg_dispatch_entry_key(const vg_dispatch_entry_t *e)
{
    return e->key;
}

const char *vg_dispatch_entry_id(const vg_dispatch_entry_t *e)
{
    return e->id;
}

static void entry_free(vg_dispatch_entry_t *e)
{
    if (e->timer != NULL)
        event_free(e->timer);
    for (size_t i = 0; i < e->nfv; i++)
        free(e->fv[i]);
    free(e->fv);
    free(e->key);
    free(e->record);
    free(e->dead);
    free(e);
}

/* Takes @p e off the in-flight list; it is freed once no callback is owed. */
static void detach(vg_dispatch_entry_t *e)
{
    vg_dispatch_t *d = e->d;

    if (e->detached)
        return;
    e->detached = true;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        d->entries = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
    d->inflight--;
    if (e->started)
        d->running--;
    evtimer_del(e->timer);
    if (e->ops == 0)
        entry_free(e);
}

void vg_dispatch_entry_abandon(vg_dispatch_entry_t *e)
{
    detach(e);
}

/* Accounts for one owed callback of @p e; false if the entry must stop here. */
static bool entry_op_done(vg_dispatch_entry_t *e)
{
    vg_dispatch_t *d = e->d;

    e->ops--;
    if (e->detached) {
        if (e->ops == 0)
            entry_free(e);
        vg_dispatch_op_done(d);
        return false;
    }
    return vg_dispatch_op_done(d);
}

static void cmd(vg_dispatch_entry_t *e, vg_store_reply_cb cb, int argc, const char **argv,
                const size_t *lens)
{
    e->ops++;
    vg_dispatch_cmd(e->d, e->d->writer, cb, e, 0, argc, argv, lens);
}

static void arm(vg_dispatch_entry_t *e, entry_state_t st, unsigned ms)
{
    struct timeval tv = vg_ms_timeval(ms);

    e->state = st;
    evtimer_add(e->timer, &tv);
}

/* Redis is away: try the write again later, never drop the results. */
static void arm_write_retry(vg_dispatch_entry_t *e, entry_state_t st)
{
    unsigned ms = 250u << VG_MIN(e->write_tries, 5u);

    e->write_tries++;
    arm(e, st, VG_MIN(ms, 5000u));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    vg_dispatch_entry_t *e = arg;
    (void)fd;
    (void)what;

    switch (e->state) {
    case ST_LOAD:
        load(e);
        break;
    case ST_FINAL:
        finalize(e);
        break;
    default:
        run(e);
        break;
    }
}

/* ---- parsing ------------------------------------------------------------------------ */

static const char *field(const vg_dispatch_entry_t *e, const char *name)
{
    for (size_t i = 0; i + 1 < e->nfv; i += 2)
        if (strcmp(e->fv[i], name) == 0)
            return e->fv[i + 1];
    return NULL;
}

static bool id_ok(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static void set_bad(vg_dispatch_entry_t *e, const char *why)
{
    if (e->bad[0] == '\0')
        vg_strlcpy(e->bad, why, sizeof(e->bad));
}

static void parse_acts(vg_dispatch_entry_t *e, const char *csv)
{
    const char *p = csv;

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        int k = vg_action_lookup(p, n);
        if (k < 0 || e->nacts == VG_DISPATCH_MAX_ACTS) {
            set_bad(e, "unknown action");
            return;
        }
        e->acts[e->nacts++].kind = (vg_action_kind_t)k;
        p += n;
        if (*p == ',')
            p++;
    }
}

/* Copies the fields and checks what the actions need. */
static void parse(vg_dispatch_entry_t *e, const redisReply *fields)
{
    size_t total = 0;
    const char *p;
    const char *wc;

    if (fields->elements % 2 != 0 || fields->elements > 2 * ENTRY_MAX_FIELDS) {
        set_bad(e, "fields");
        return;
    }
    e->fv = vg_xcalloc(fields->elements + 1, sizeof(char *));
    for (size_t i = 0; i < fields->elements; i++) {
        const redisReply *f = fields->element[i];
        if (f->type != REDIS_REPLY_STRING || (total += f->len) > ENTRY_MAX_BYTES) {
            set_bad(e, "fields");
            return;
        }
        e->fv[e->nfv++] = vg_xstrndup(f->str, f->len);
    }
    e->did = field(e, "d");
    e->tenant = field(e, "tn");
    e->page = field(e, "pg");
    e->content = field(e, "c");
    e->author = field(e, "a");
    e->warn = field(e, "w");
    e->notice = field(e, "n");
    e->dry = (p = field(e, "dry")) != NULL && strcmp(p, "1") == 0;
    parse_acts(e, (p = field(e, "acts")) != NULL ? p : "");
    if (e->nacts == 0)
        set_bad(e, "no actions");
    if ((p = field(e, "p")) != NULL && strcmp(p, "facebook") == 0)
        e->platform = VG_PLATFORM_FACEBOOK;
    else if (p != NULL && strcmp(p, "instagram") == 0)
        e->platform = VG_PLATFORM_INSTAGRAM;
    else
        set_bad(e, "platform");
    wc = field(e, "wc");
    e->channel = wc != NULL && strcmp(wc, "public") == 0 ? VG_WARN_PUBLIC
                 : wc != NULL && strcmp(wc, "none") == 0 ? VG_WARN_NONE
                                                         : VG_WARN_PRIVATE;
    if (!id_ok(e->did, 64))
        set_bad(e, "decision id");
    if (e->tenant == NULL || e->tenant[0] == '\0')
        set_bad(e, "tenant");
    if (!id_ok(e->content, 256) || !id_ok(e->page, 256))
        set_bad(e, "content or page id");
}

/* ---- results --------------------------------------------------------------------- */

static vg_action_result_t metric_of(const char *result)
{
    if (strcmp(result, "ok") == 0)
        return VG_ACTION_RESULT_OK;
    if (strcmp(result, "dry_run") == 0)
        return VG_ACTION_RESULT_DRY_RUN;
    if (strncmp(result, "skipped:", 8) == 0)
        return VG_ACTION_RESULT_SKIPPED;
    return VG_ACTION_RESULT_FAILED;
}

static void log_result(const vg_dispatch_entry_t *e, const action_t *a, const char *result,
                       int status, int code)
{
    char tq[96];
    char cq[300];
    char rq[VG_DISPATCH_RESULT_MAX + 8];

    VG_LOG_INFO(dispatch,
                "msg=\"action\" tenant=%s decision=%s content=%s action=%s result=%s "
                "attempt=%u status=%d code=%d",
                vg_log_quote(e->tenant, tq, sizeof(tq)), e->did != NULL ? e->did : "-",
                vg_log_quote(e->content, cq, sizeof(cq)), vg_action_name(a->kind),
                vg_log_quote(result, rq, sizeof(rq)), a->attempts, status, code);
}

static void on_persisted(const char *err, struct redisReply *reply, void *arg)
{
    (void)err;
    (void)reply;
    /* Best effort: the finalize script writes every result again. */
    entry_op_done(arg);
}

/* Records the final result of action @p i (metrics, log, the record). */
static void settle(vg_dispatch_entry_t *e, int i, const char *result, int status, int code,
                   uint64_t dur_ns)
{
    action_t *a = &e->acts[i];
    vg_action_result_t r = metric_of(result);
    char field_name[32];

    a->final = true;
    vg_strlcpy(a->result, result, sizeof(a->result));
    if (r == VG_ACTION_RESULT_FAILED)
        e->failed = true;
    if (e->d->m != NULL)
        vg_metrics_action(e->d->m, a->kind, r, dur_ns);
    log_result(e, a, result, status, code);
    if (e->record != NULL) {
        snprintf(field_name, sizeof(field_name), "r.%s", vg_action_name(a->kind));
        const char *argv[] = {"HSET", e->record, field_name, a->result};
        cmd(e, on_persisted, 4, argv, NULL);
    }
}

/* ---- running the actions ------------------------------------------------------------- */

static void on_http(const char *err, const vg_httpc_response_t *resp, void *arg)
{
    vg_dispatch_entry_t *e = arg;
    vg_dispatch_t *d;
    action_t *a;
    vg_dispatch_class_t cl;
    uint64_t dur;

    if (!entry_op_done(e))
        return;
    d = e->d;
    a = &e->acts[e->cur];
    dur = vg_mono_ns() - e->sent_ns;
    vg_dispatch_classify(a->kind, err, resp != NULL ? resp->status : 0,
                         resp != NULL ? resp->body : NULL, resp != NULL ? resp->body_len : 0,
                         resp != NULL ? resp->retry_after : NULL, d->backoff_max_ms, &cl);
    switch (cl.outcome) {
    case VG_DISPATCH_OK:
    case VG_DISPATCH_SKIP:
    case VG_DISPATCH_FAIL:
        if (cl.gone)
            e->gone = true;
        settle(e, e->cur, cl.result, resp != NULL ? resp->status : 0, cl.code, dur);
        break;
    case VG_DISPATCH_RETRY:
        if (a->attempts >= d->max_attempts) {
            settle(e, e->cur, "failed:exhausted", resp != NULL ? resp->status : 0, cl.code, dur);
            break;
        }
        if (d->m != NULL)
            vg_metrics_action(d->m, a->kind, VG_ACTION_RESULT_RETRY, dur);
        log_result(e, a, cl.result, resp != NULL ? resp->status : 0, cl.code);
        arm(e, ST_WAIT,
            cl.retry_after_ms > 0 ? cl.retry_after_ms
                                  : vg_dispatch_backoff_ms(a->attempts - 1, d->backoff_base_ms,
                                                           d->backoff_max_ms, vg_dispatch_rand(d)));
        return;
    }
    run(e);
}

/* Sends action @p i; returns false if it was settled without a request. */
static bool send_action(vg_dispatch_entry_t *e, int i, const vg_tenant_conf_t *t, const char *token)
{
    vg_dispatch_t *d = e->d;
    action_t *a = &e->acts[i];
    vg_dispatch_target_t tg;
    vg_dispatch_req_t req;
    const char *graph = t->meta.graph_url != NULL && t->meta.graph_url[0] != '\0'
                            ? t->meta.graph_url
                            : VG_DISPATCH_GRAPH_URL;
    int rc;

    memset(&tg, 0, sizeof(tg));
    tg.platform = e->platform;
    tg.page = e->page;
    tg.content = e->content;
    tg.author = e->author;
    tg.text = a->kind == VG_ACTION_NOTICE ? e->notice : e->warn;
    tg.channel = e->channel;
    rc = vg_dispatch_req_build(&req, a->kind, &tg, graph, token);
    if (rc == -VG_EUNSUP) {
        settle(e, i, "skipped:unsupported", 0, 0, 0);
        return false;
    }
    if (rc < 0) {
        settle(e, i, tg.channel == VG_WARN_NONE ? "skipped:channel_none" : "failed:malformed", 0, 0,
               0);
        return false;
    }
    e->cur = i;
    e->state = ST_RUN;
    a->attempts++;
    e->sent_ns = vg_mono_ns();
    e->ops++;
    d->ops++;
    rc = vg_httpc_request(d->http, req.method, req.url, NULL, req.content_type, req.body,
                          req.body_len, d->timeout_ms, on_http, e);
    vg_dispatch_req_cleanup(&req);
    if (rc < 0) {
        /* The graph URL does not parse: a configuration problem. */
        e->ops--;
        d->ops--;
        settle(e, i, "failed:config:graph_url", 0, 0, 0);
        return false;
    }
    return true;
}

static void run(vg_dispatch_entry_t *e)
{
    vg_dispatch_t *d = e->d;

    for (;;) {
        int i = 0;
        action_t *a;
        const vg_tenant_conf_t *t;
        const char *token;

        while (i < e->nacts && e->acts[i].final)
            i++;
        if (i == e->nacts) {
            finalize(e);
            return;
        }
        a = &e->acts[i];
        t = vg_config_tenant(d->cfg, e->tenant, strlen(e->tenant));
        if (e->dry || (t != NULL && t->dry_run)) {
            settle(e, i, "dry_run", 0, 0, 0);
            continue;
        }
        if (e->gone && (a->kind == VG_ACTION_WARN || a->kind == VG_ACTION_NOTICE)) {
            /* A private or public reply needs the comment. */
            settle(e, i, "skipped:gone", 0, 0, 0);
            continue;
        }
        token = t != NULL ? vg_config_page_token(t, e->page) : NULL;
        if (token == NULL || token[0] == '\0') {
            settle(e, i, "failed:config", 0, 0, 0);
            continue;
        }
        if (send_action(e, i, t, token))
            return;
    }
}

/* ---- resuming -------------------------------------------------------------------- */

static void on_loaded(const char *err, struct redisReply *reply, void *arg)
{
    vg_dispatch_entry_t *e = arg;

    if (!entry_op_done(e))
        return;
    if (err != NULL || reply->type != REDIS_REPLY_ARRAY || (int)reply->elements != e->nacts) {
        arm_write_retry(e, ST_LOAD);
        return;
    }
    e->write_tries = 0;
    for (int i = 0; i < e->nacts; i++) {
        const redisReply *v = reply->element[i];
        if (v->type == REDIS_REPLY_STRING && v->len > 0) {
            e->acts[i].final = true;
            vg_strlcpy(e->acts[i].result, v->str, sizeof(e->acts[i].result));
            if (strncmp(v->str, "failed:", 7) == 0)
                e->failed = true;
            if (strcmp(v->str, "skipped:gone") == 0)
                e->gone = true;
        }
    }
    run(e);
}

/* A resumed or claimed entry: what the record says is final is not done again. */
static void load(vg_dispatch_entry_t *e)
{
    const char *argv[2 + VG_DISPATCH_MAX_ACTS];
    char names[VG_DISPATCH_MAX_ACTS][32];
    int argc = 0;

    argv[argc++] = "HMGET";
    argv[argc++] = e->record;
    for (int i = 0; i < e->nacts; i++) {
        snprintf(names[i], sizeof(names[i]), "r.%s", vg_action_name(e->acts[i].kind));
        argv[argc++] = names[i];
    }
    e->state = ST_LOAD;
    cmd(e, on_loaded, argc, argv, NULL);
}

/* ---- finishing -------------------------------------------------------------------- */

static void on_finalized(const char *err, struct redisReply *reply, void *arg)
{
    vg_dispatch_entry_t *e = arg;
    vg_dispatch_t *d;
    char tq[96];

    if (!entry_op_done(e))
        return;
    d = e->d;
    if (err != NULL || reply->type == REDIS_REPLY_ERROR) {
        if (e->write_tries == 0 || err == NULL)
            VG_LOG_WARN(dispatch,
                        "msg=\"cannot record results yet, will retry\" tenant=%s "
                        "decision=%s error=\"%s\"",
                        vg_log_quote(e->tenant, tq, sizeof(tq)), e->did != NULL ? e->did : "-",
                        err != NULL ? err : "error reply");
        arm_write_retry(e, ST_FINAL);
        return;
    }
    VG_LOG_DEBUG(dispatch, "msg=\"entry done\" decision=%s dead=%d", e->did != NULL ? e->did : "-",
                 (int)e->failed);
    detach(e);
    vg_dispatch_entry_finished(d);
}

static void finalize(vg_dispatch_entry_t *e)
{
    vg_dispatch_t *d = e->d;
    vg_buf_t summary;
    const char **argv;
    char names[VG_DISPATCH_MAX_ACTS][32];
    char done[24];
    char nres[8];
    char retention[16];
    int argc = 0;

    e->state = ST_FINAL;
    vg_buf_init(&summary, 0);
    for (int i = 0; i < e->nacts; i++)
        vg_buf_printf(&summary, "%s%s=%s", i > 0 ? "," : "", vg_action_name(e->acts[i].kind),
                      e->acts[i].result);
    if (e->bad[0] != '\0')
        vg_buf_printf(&summary, "%smalformed=%s", e->nacts > 0 ? "," : "", e->bad);
    snprintf(done, sizeof(done), "%lld", (long long)vg_now_ms());
    snprintf(nres, sizeof(nres), "%d", e->nacts);
    snprintf(retention, sizeof(retention), "%u", d->retention_s);

    argv = vg_xcalloc(16 + 2 * VG_DISPATCH_MAX_ACTS + e->nfv, sizeof(*argv));
    argv[argc++] = "EVAL";
    argv[argc++] = finalize_lua;
    argv[argc++] = "3";
    argv[argc++] = e->record != NULL ? e->record : e->dead; /* same slot; unused then */
    argv[argc++] = e->key;
    argv[argc++] = e->dead;
    argv[argc++] = e->id;
    argv[argc++] = VG_DISPATCH_GROUP;
    argv[argc++] = done;
    argv[argc++] = e->failed ? "1" : "0";
    argv[argc++] = retention;
    argv[argc++] = e->record != NULL ? "1" : "0";
    argv[argc++] = nres;
    for (int i = 0; i < e->nacts; i++) {
        snprintf(names[i], sizeof(names[i]), "r.%s", vg_action_name(e->acts[i].kind));
        argv[argc++] = names[i];
        argv[argc++] = e->acts[i].result;
    }
    /* The dead letter: the entry as it was (operators replay it), and why. */
    for (size_t i = 0; i < e->nfv; i++)
        argv[argc++] = e->fv[i];
    argv[argc++] = "dead_entry";
    argv[argc++] = e->id;
    argv[argc++] = "dead_results";
    argv[argc++] = summary.data != NULL ? summary.data : "";
    argv[argc++] = "dead_at";
    argv[argc++] = done;
    cmd(e, on_finalized, argc, argv, NULL);
    free(argv);
    vg_buf_cleanup(&summary);
}

/* ---- start ------------------------------------------------------------------------------ */

/* "{tenant:shard}" of a stream key "vg:{tenant:shard}:q". */
static bool key_tag(const char *key, char *out, size_t cap)
{
    const char *open = strchr(key, '{');
    const char *close = open != NULL ? strchr(open, '}') : NULL;

    if (close == NULL || (size_t)(close - open + 1) >= cap)
        return false;
    memcpy(out, open, (size_t)(close - open + 1));
    out[close - open + 1] = '\0';
    return true;
}

void vg_dispatch_entry_start(vg_dispatch_t *d, const char *key, const char *id,
                             const struct redisReply *fields, bool resumed)
{
    vg_dispatch_entry_t *e = vg_xcalloc(1, sizeof(*e));
    char tag[160];

    e->d = d;
    e->key = vg_xstrdup(key);
    vg_strlcpy(e->id, id, sizeof(e->id));
    e->timer = evtimer_new(d->base, on_timer, e);
    if (e->timer == NULL)
        vg_oom(sizeof(struct event *));
    e->next = d->entries;
    if (d->entries != NULL)
        d->entries->prev = e;
    d->entries = e;
    d->inflight++;

    if (!key_tag(key, tag, sizeof(tag)))
        vg_strlcpy(tag, "{-}", sizeof(tag));
    e->dead = vg_xasprintf("vg:%s:dead", tag);
    parse(e, fields);
    if (id_ok(e->did, 64))
        e->record = vg_xasprintf("vg:%s:d:%s", tag, e->did);
    e->resumed = resumed;
    if (d->running < d->concurrency)
        begin(e);
}

/* Runs a read entry: dead-letters it if malformed, resumes it or starts it. */
static void begin(vg_dispatch_entry_t *e)
{
    e->started = true;
    e->d->running++;
    if (e->bad[0] != '\0') {
        char tq[96];
        VG_LOG_WARN(dispatch,
                    "msg=\"malformed action entry, dead-lettered\" tenant=%s entry=%s "
                    "why=\"%s\"",
                    vg_log_quote(e->tenant, tq, sizeof(tq)), e->id, e->bad);
        for (int i = 0; i < e->nacts; i++) {
            e->acts[i].final = true;
            vg_strlcpy(e->acts[i].result, "failed:malformed", sizeof(e->acts[i].result));
        }
        e->failed = true;
        finalize(e);
        return;
    }
    if (e->resumed)
        load(e);
    else
        run(e);
}

void vg_dispatch_entry_start_waiting(vg_dispatch_t *d)
{
    while (d->running < d->concurrency) {
        vg_dispatch_entry_t *oldest = NULL;
        /* New entries go to the head: the oldest waiting one is the last found. */
        for (vg_dispatch_entry_t *e = d->entries; e != NULL; e = e->next)
            if (!e->started)
                oldest = e;
        if (oldest == NULL)
            return;
        begin(oldest);
    }
}

void vg_dispatch_entry_abandon_waiting(vg_dispatch_t *d)
{
    vg_dispatch_entry_t *e = d->entries;

    while (e != NULL) {
        vg_dispatch_entry_t *next = e->next;
        if (!e->started)
            detach(e);
        e = next;
    }
}
