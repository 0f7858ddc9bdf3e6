/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store decide: the C side of the decide script (src/store/decide.lua). It
 * turns one event, its verdict and the tenant's policy into the script's
 * keys and arguments (the pseudonym, the decision id and the hash tag are
 * computed here, so neither raw author ids nor texts reach a key name), runs
 * it with EVALSHA (EVAL once on NOSCRIPT, e.g. after a Redis restart or a
 * SCRIPT FLUSH) and parses its reply. Sits between the policy and the
 * webhook's answer: the delivery is acknowledged only once this succeeded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "vaglio/log.h"
#include "store/store_internal.h"

/* ---- ids ----------------------------------------------------------------------- */

/* HMAC-SHA256(key, parts joined by NUL), hex, first @p digits digits. */
static void keyed_hex(const char *key, const void *const *parts, const size_t *lens, size_t n,
                      char *out, size_t digits)
{
    uint8_t mac[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];
    vg_buf_t msg;

    vg_buf_init(&msg, 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            vg_buf_putc(&msg, '\0');
        vg_buf_append(&msg, parts[i], lens[i]);
    }
    if (key == NULL)
        key = "";
    if (vg_hmac_sha256(key, strlen(key), msg.data, msg.len, mac) < 0)
        memset(mac, 0, sizeof(mac));
    vg_buf_cleanup(&msg);
    vg_hex_encode(mac, sizeof(mac), hex);
    memcpy(out, hex, digits);
    out[digits] = '\0';
}

void vg_store_decision_id(const char *author_key, const char *tenant, vg_platform_t p,
                          const char *content, vg_verb_t verb, const char *text, size_t text_len,
                          char out[VG_DECISION_ID_LEN + 1])
{
    uint8_t th[VG_SHA256_LEN];
    const char *pn = vg_platform_name(p), *vn = vg_verb_name(verb);

    /* The text enters hashed: the key input stays small and of fixed shape. */
    vg_sha256(text != NULL ? text : "", text != NULL ? text_len : 0, th);
    const void *parts[] = {tenant, pn, content, vn, th};
    size_t lens[] = {strlen(tenant), strlen(pn), strlen(content), strlen(vn), sizeof(th)};
    keyed_hex(author_key, parts, lens, 5, out, VG_DECISION_ID_LEN);
}

void vg_store_author_hash(const char *author_key, const char *tenant, vg_platform_t p,
                          const char *author_id, char out[VG_AUTHOR_HASH_LEN + 1])
{
    const char *pn = vg_platform_name(p);
    const void *parts[] = {tenant, pn, author_id};
    size_t lens[] = {strlen(tenant), strlen(pn), strlen(author_id)};

    keyed_hex(author_key, parts, lens, 3, out, VG_AUTHOR_HASH_LEN);
}

static bool is_pseudonym(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == VG_AUTHOR_HASH_LEN;
}

size_t vg_store_tag(const char *tenant, const char *bucket_source, unsigned shards, char *out,
                    size_t cap)
{
    char hex[2 * VG_SHA256_LEN + 1];
    const char *h = bucket_source;
    uint32_t v = 0;
    int n;

    if (!is_pseudonym(bucket_source)) {
        uint8_t d[VG_SHA256_LEN];
        vg_sha256(bucket_source, strlen(bucket_source), d);
        vg_hex_encode(d, sizeof(d), hex);
        h = hex;
    }
    for (int i = 0; i < 8; i++) {
        char c = h[i];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    n = snprintf(out, cap, "{%s:%u}", tenant, shards > 1 ? v % shards : 0u);
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : (cap > 0 ? cap - 1 : 0);
}

/* ---- arguments ------------------------------------------------------------------ */

static void args_push(vg_store_args_t *a, const char *s, size_t n)
{
    if (a->n >= VG_STORE_ARGS_MAX) {
        a->buf.overflow = true;
        return;
    }
    a->off[a->n] = a->buf.len;
    a->len[a->n] = n;
    a->n++;
    vg_buf_append(&a->buf, s, n);
    vg_buf_putc(&a->buf, '\0');
}

static void args_str(vg_store_args_t *a, const char *s)
{
    if (s == NULL)
        s = "";
    args_push(a, s, strlen(s));
}

static void args_printf(vg_store_args_t *a, const char *fmt, ...) VG_PRINTF(2, 3);
static void args_printf(vg_store_args_t *a, const char *fmt, ...)
{
    size_t off = a->buf.len;
    va_list ap;

    if (a->n >= VG_STORE_ARGS_MAX) {
        a->buf.overflow = true;
        return;
    }
    va_start(ap, fmt);
    vg_buf_vprintf(&a->buf, fmt, ap);
    va_end(ap);
    a->off[a->n] = off;
    a->len[a->n] = a->buf.len - off;
    a->n++;
    vg_buf_putc(&a->buf, '\0');
}

/* A record field; empty values are left out (memory per event counts). */
static void args_field(vg_store_args_t *a, const char *field, const char *value, size_t n)
{
    if (value == NULL || n == 0)
        return;
    args_str(a, field);
    args_push(a, value, n);
}

static void catset_csv(vg_buf_t *b, vg_catset_t set)
{
    vg_buf_reset(b);
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        if (!(set & VG_CATSET(c)))
            continue;
        if (b->len > 0)
            vg_buf_putc(b, ',');
        vg_buf_puts(b, vg_category_name((vg_category_t)c));
    }
}

/*
 * The one use of the matcher's API: the distinct rule ids of the findings,
 * comma-separated, for the record.
 */
static void rules_csv(vg_buf_t *b, const vg_ruleset_t *rs, const vg_scan_result_t *scan)
{
    vg_buf_reset(b);
    for (size_t i = 0; i < scan->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = scan->findings[j].rule == scan->findings[i].rule;
        if (seen)
            continue;
        if (b->len > 0)
            vg_buf_putc(b, ',');
        vg_buf_puts(b, vg_ruleset_rule_id(rs, scan->findings[i].rule));
    }
}

/* Offsets only, never the matched text. */
static void spans_csv(vg_buf_t *b, const vg_scan_result_t *scan)
{
    vg_buf_reset(b);
    for (size_t i = 0; i < scan->n; i++)
        vg_buf_printf(b, "%s%u-%u", i > 0 ? "," : "", (unsigned)scan->findings[i].start,
                      (unsigned)scan->findings[i].end);
}

static const char *verdict_name(vg_verdict_kind_t v)
{
    switch (v) {
    case VG_VERDICT_ALLOW:
        return "allow";
    case VG_VERDICT_REVIEW:
        return "review";
    case VG_VERDICT_ACT:
        return "act";
    default:
        return "unknown";
    }
}

static const char *channel_name(vg_warn_channel_t c)
{
    switch (c) {
    case VG_WARN_PRIVATE:
        return "private";
    case VG_WARN_PUBLIC:
        return "public";
    default:
        return "none";
    }
}

static const char *content_name(vg_content_action_t c)
{
    switch (c) {
    case VG_CONTENT_HIDE:
        return "hide";
    case VG_CONTENT_DELETE:
        return "delete";
    default:
        return "";
    }
}

static bool id_ok(const char *s, bool required)
{
    if (s == NULL || *s == '\0')
        return !required;
    return strlen(s) <= VG_STORE_ID_MAX;
}

/* The record's field/value pairs (ARGV 27..). */
static void args_record(vg_store_args_t *a, const vg_decide_req_t *req, const vg_verdict_t *v,
                        const char *author)
{
    const vg_event_t *ev = req->event;
    vg_buf_t tmp;

    vg_buf_init(&tmp, VG_STORE_ARGS_LIMIT);
    if (v != NULL) {
        args_str(a, "verdict");
        args_str(a, verdict_name(v->verdict));
        catset_csv(&tmp, v->found);
        args_field(a, "found", tmp.data, tmp.len);
        catset_csv(&tmp, v->acting);
        args_field(a, "acting", tmp.data, tmp.len);
        catset_csv(&tmp, v->shadowed);
        args_field(a, "shadowed", tmp.data, tmp.len);
        catset_csv(&tmp, v->tags);
        args_field(a, "tags", tmp.data, tmp.len);
        if (v->found != 0 && (unsigned)v->primary < VG_CAT_COUNT) {
            args_str(a, "primary");
            args_str(a, vg_category_name(v->primary));
            args_str(a, "score");
            args_printf(a, "%d", v->score);
        }
    }
    if (req->scan != NULL && req->scan->n > 0) {
        if (req->rs != NULL) {
            rules_csv(&tmp, req->rs, req->scan);
            args_field(a, "rules", tmp.data, tmp.len);
        }
        spans_csv(&tmp, req->scan);
        args_field(a, "spans", tmp.data, tmp.len);
    }
    vg_buf_cleanup(&tmp);
    args_str(a, "verb");
    args_str(a, vg_verb_name(ev->verb));
    args_field(a, "page", ev->page_id, ev->page_id ? strlen(ev->page_id) : 0);
    args_field(a, "content", ev->content_id, strlen(ev->content_id));
    args_field(a, "post", ev->post_id, ev->post_id ? strlen(ev->post_id) : 0);
    args_field(a, "parent", ev->parent_id, ev->parent_id ? strlen(ev->parent_id) : 0);
    args_field(a, "author", author, strlen(author));
    args_str(a, "platform");
    args_str(a, vg_platform_name(ev->platform));
    args_str(a, "tenant");
    args_str(a, req->tenant->name);
    if (ev->created_time != 0) {
        args_str(a, "created");
        args_printf(a, "%lld", (long long)ev->created_time);
    }
}

int vg_store_args_build(vg_store_args_t *a, const vg_decide_req_t *req, const char *sha,
                        int64_t now_ms, unsigned dedupe_ttl_s, unsigned retention_s)
{
    const vg_tenant_conf_t *t;
    const vg_event_t *ev;
    const vg_verdict_t *v;
    char author[VG_AUTHOR_HASH_LEN + 1] = "", id[VG_DECISION_ID_LEN + 1], tag[96];
    const char *pn, *akey;
    bool has_author, ig;
    vg_warn_channel_t channel;
    uint64_t window_ms;

    memset(a, 0, sizeof(*a));
    vg_buf_init(&a->buf, VG_STORE_ARGS_LIMIT);
    if (req == NULL || req->tenant == NULL || req->event == NULL || req->tenant->name == NULL ||
        req->tenant->name[0] == '\0' || strlen(req->tenant->name) > 64)
        return -VG_EINVAL;
    t = req->tenant;
    ev = req->event;
    if ((unsigned)ev->platform >= VG_PLATFORM_COUNT || (unsigned)ev->verb >= VG_VERB_COUNT ||
        !id_ok(ev->content_id, true) || !id_ok(ev->page_id, false) || !id_ok(ev->post_id, false) ||
        !id_ok(ev->parent_id, false) || !id_ok(ev->author_id, false))
        return -VG_EINVAL;

    akey = req->author_key != NULL ? req->author_key : "";
    pn = vg_platform_name(ev->platform);
    has_author = ev->author_id != NULL && ev->author_id[0] != '\0';
    if (has_author)
        vg_store_author_hash(akey, t->name, ev->platform, ev->author_id, author);
    vg_store_decision_id(akey, t->name, ev->platform, ev->content_id, ev->verb, ev->text,
                         ev->text != NULL ? ev->text_len : 0, id);
    vg_store_tag(t->name, has_author ? author : ev->content_id, req->shards, tag, sizeof(tag));
    /* Only new and edited content is acted on; other verbs are records. */
    v = (ev->verb == VG_VERB_ADD || ev->verb == VG_VERB_EDITED) ? req->verdict : NULL;
    ig = ev->platform == VG_PLATFORM_INSTAGRAM;
    channel = ig ? t->meta.instagram_warning : t->meta.facebook_warning;
    window_ms = (uint64_t)(t->window_days != 0 ? t->window_days : 90) * 86400000u;

    args_str(a, "EVALSHA");
    args_str(a, sha);
    args_printf(a, "%d", VG_STORE_DECIDE_KEYS);
    args_printf(a, "vg:%s:dd:%s", tag, id);
    args_printf(a, "vg:%s:d:%s", tag, id);
    args_printf(a, "vg:%s:c:%s:%s", tag, pn, ev->content_id);
    args_printf(a, "vg:%s:a:%s", tag, has_author ? author : "-");
    args_printf(a, "vg:%s:a:%s:s", tag, has_author ? author : "-");
    args_printf(a, "vg:%s:a:%s:d", tag, has_author ? author : "-");
    args_printf(a, "vg:%s:q", tag);
    args_printf(a, "vg:%s:r", tag);

    args_printf(a, "%lld", (long long)now_ms);                      /* 1 */
    args_str(a, id);                                                /* 2 */
    args_str(a, vg_verb_name(ev->verb));                            /* 3 */
    args_str(a, has_author ? "1" : "0");                            /* 4 */
    args_str(a, v != NULL ? content_name(v->content) : "");         /* 5 */
    args_str(a, v != NULL && v->strike ? "1" : "0");                /* 6 */
    args_str(a, v != NULL && v->block ? "1" : "0");                 /* 7 */
    args_str(a, v != NULL && v->review ? "1" : "0");                /* 8 */
    args_str(a, v != NULL && v->notice ? "1" : "0");                /* 9 */
    args_str(a, (v != NULL && v->shadow) || t->shadow ? "1" : "0"); /* 10 */
    args_str(a, channel_name(channel));                             /* 11 */
    /* A hidden Instagram comment cannot be replied to: reply first. */
    args_str(a, ig && channel == VG_WARN_PUBLIC ? "1" : "0"); /* 12 */
    args_str(a, ig ? "0" : "1");                              /* 13 */
    args_str(a, ig ? "1" : "0");                              /* 14 */
    args_printf(a, "%u", (unsigned)t->warnings);              /* 15 */
    args_printf(a, "%llu", (unsigned long long)window_ms);    /* 16 */
    args_printf(a, "%u", dedupe_ttl_s);                       /* 17 */
    args_printf(a, "%u", retention_s);                        /* 18 */
    args_str(a, req->dry_run || t->dry_run ? "1" : "0");      /* 19 */
    args_str(a, t->name);                                     /* 20 */
    args_str(a, pn);                                          /* 21 */
    args_str(a, ev->page_id);                                 /* 22 */
    args_str(a, ev->content_id);                              /* 23 */
    args_str(a, has_author ? ev->author_id : "");             /* 24 */
    args_str(a, req->warning);                                /* 25 */
    args_str(a, req->notice);                                 /* 26 */
    args_record(a, req, v, author);

    if (a->buf.overflow) {
        vg_store_args_cleanup(a);
        return -VG_ELIMIT;
    }
    return 0;
}

const char *vg_store_args_get(const vg_store_args_t *a, int i, size_t *len)
{
    if (i < 0 || i >= a->n)
        return NULL;
    if (len != NULL)
        *len = a->len[i];
    return a->buf.data + a->off[i];
}

const char *vg_store_args_field(const vg_store_args_t *a, const char *field)
{
    int first = 3 + VG_STORE_DECIDE_KEYS + VG_STORE_DECIDE_ARGV;

    for (int i = first; i + 1 < a->n; i += 2)
        if (strcmp(a->buf.data + a->off[i], field) == 0)
            return a->buf.data + a->off[i + 1];
    return NULL;
}

void vg_store_args_cleanup(vg_store_args_t *a)
{
    vg_buf_cleanup(&a->buf);
    memset(a, 0, sizeof(*a));
}

/* ---- the call -------------------------------------------------------------------- */

typedef struct decide_ctx {
    vg_store_t *st;
    vg_store_decide_cb cb;
    void *arg;
    vg_store_args_t args;
    bool retried; /* EVAL sent after NOSCRIPT */
} decide_ctx_t;

static void decide_finish(decide_ctx_t *ctx, const char *err, const vg_decide_res_t *res)
{
    ctx->cb(err, res, ctx->arg);
    vg_store_args_cleanup(&ctx->args);
    free(ctx);
}

static int decide_send(decide_ctx_t *ctx);

static bool elem_str(const redisReply *r, char *out, size_t cap)
{
    if ((r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) || r->len >= cap)
        return false;
    memcpy(out, r->str, r->len);
    out[r->len] = '\0';
    return true;
}

static int parse_result(const redisReply *r, vg_decide_res_t *res)
{
    char status[16];

    memset(res, 0, sizeof(*res));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 || !elem_str(r->element[0], status, 16) ||
        !elem_str(r->element[1], res->decision_id, sizeof(res->decision_id)) ||
        !elem_str(r->element[2], res->actions, sizeof(res->actions)) ||
        r->element[3]->type != REDIS_REPLY_INTEGER || r->element[3]->integer < 0)
        return -1;
    res->strikes = (unsigned)r->element[3]->integer;
    if (strcmp(status, "new") == 0)
        res->status = VG_DECIDE_NEW;
    else if (strcmp(status, "duplicate") == 0)
        res->status = VG_DECIDE_DUPLICATE;
    else if (strcmp(status, "pinned") == 0)
        res->status = VG_DECIDE_PINNED;
    else if (strcmp(status, "recorded") == 0)
        res->status = VG_DECIDE_RECORDED;
    else
        return -1;
    return 0;
}

static void on_decide_reply(const char *err, redisReply *reply, void *arg)
{
    decide_ctx_t *ctx = arg;
    vg_decide_res_t res;
    char q[200];

    if (err != NULL) {
        decide_finish(ctx, err, NULL);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        /* The script cache is empty after a restart or SCRIPT FLUSH: send it whole, once. */
        if (!ctx->retried && reply->len >= 8 && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
            ctx->retried = true;
            VG_LOG_INFO(store, "msg=\"decide script not cached, sending it\" conn=%s",
                        ctx->st->name);
            decide_send(ctx);
            return;
        }
        VG_LOG_WARN(store, "msg=\"decide script failed\" conn=%s error=%s", ctx->st->name,
                    vg_log_quote(reply->str, q, sizeof(q)));
        decide_finish(ctx, vg_store_err_reply, NULL);
        return;
    }
    if (parse_result(reply, &res) < 0) {
        VG_LOG_WARN(store, "msg=\"decide script returned an unexpected reply\" conn=%s type=%d",
                    ctx->st->name, reply->type);
        decide_finish(ctx, vg_store_err_reply, NULL);
        return;
    }
    decide_finish(ctx, NULL, &res);
}

/* Sends EVALSHA, or EVAL with the script text after a NOSCRIPT. */
static int decide_send(decide_ctx_t *ctx)
{
    const char *argv[VG_STORE_ARGS_MAX];
    size_t lens[VG_STORE_ARGS_MAX];

    for (int i = 0; i < ctx->args.n; i++)
        argv[i] = vg_store_args_get(&ctx->args, i, &lens[i]);
    if (ctx->retried) {
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = vg_embed_decide_lua;
        lens[1] = vg_embed_decide_lua_len;
    }
    return vg_store_command(ctx->st, on_decide_reply, ctx, 0, ctx->args.n, argv, lens);
}

static void on_decide_invalid(const char *err, redisReply *reply, void *arg)
{
    (void)reply;
    decide_finish(arg, err, NULL);
}

int vg_store_decide(vg_store_t *st, const vg_decide_req_t *req, vg_store_decide_cb cb, void *arg)
{
    decide_ctx_t *ctx = vg_xcalloc(1, sizeof(*ctx));
    int r;

    ctx->st = st;
    ctx->cb = cb;
    ctx->arg = arg;
    r = vg_store_args_build(&ctx->args, req, st->script_sha, vg_store_now(st), st->dedupe_ttl_s,
                            st->retention_s);
    if (r < 0) {
        VG_LOG_ERR(store, "msg=\"decide request refused\" conn=%s reason=%s", st->name,
                   r == -VG_ELIMIT ? "too_long" : "invalid");
        vg_store_fail_later(st, on_decide_invalid, ctx, vg_store_err_invalid);
        return r;
    }
    return decide_send(ctx);
}
