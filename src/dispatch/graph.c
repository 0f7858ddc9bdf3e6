/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch, Graph API side: what each action sends on each platform, how a
 * response is classified (done, skipped, retry, failed for good) and how
 * long to wait before a retry. Pure functions, unit-tested on their own; the
 * facts and their evidence levels are in docs/dispatch.md.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/dispatch_internal.h"
#include "vaglio/json.h"

/* ---- requests -------------------------------------------------------------------- */

void vg_dispatch_req_cleanup(vg_dispatch_req_t *r)
{
    free(r->url);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* {graph}/{id}[/{edge}]?access_token=... ; ids are percent-encoded, so an odd id
 * can never change the path. */
static char *make_url(const char *graph_url, const char *id, const char *edge, const char *token)
{
    vg_buf_t b;
    size_t glen = strlen(graph_url);

    while (glen > 0 && graph_url[glen - 1] == '/')
        glen--;
    vg_buf_init(&b, 0);
    vg_buf_append(&b, graph_url, glen);
    vg_buf_putc(&b, '/');
    vg_buf_urlencode(&b, id, strlen(id));
    if (edge != NULL) {
        vg_buf_putc(&b, '/');
        vg_buf_puts(&b, edge);
    }
    vg_buf_puts(&b, "?access_token=");
    vg_buf_urlencode(&b, token, strlen(token));
    return vg_buf_steal(&b, NULL);
}

static void form(vg_dispatch_req_t *r, const char *key, const char *value)
{
    vg_buf_t b;

    vg_buf_init(&b, 0);
    vg_buf_puts(&b, key);
    vg_buf_putc(&b, '=');
    vg_buf_urlencode(&b, value, strlen(value));
    r->content_type = "application/x-www-form-urlencoded";
    r->body = vg_buf_steal(&b, &r->body_len);
}

/* The private reply: one message to the comment's author, tied to the comment. */
static void private_reply(vg_dispatch_req_t *r, const vg_dispatch_target_t *t)
{
    vg_buf_t b;

    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"recipient\":{\"comment_id\":");
    vg_buf_json_str(&b, t->content, strlen(t->content));
    vg_buf_puts(&b, "},\"message\":{\"text\":");
    vg_buf_json_str(&b, t->text, strlen(t->text));
    vg_buf_puts(&b, "}}");
    r->content_type = "application/json";
    r->body = vg_buf_steal(&b, &r->body_len);
}

int vg_dispatch_req_build(vg_dispatch_req_t *r, vg_action_kind_t a, const vg_dispatch_target_t *t,
                          const char *graph_url, const char *token)
{
    bool ig = t->platform == VG_PLATFORM_INSTAGRAM;

    memset(r, 0, sizeof(*r));
    if (t->content == NULL || t->content[0] == '\0' || t->page == NULL || t->page[0] == '\0')
        return -VG_EINVAL;
    switch (a) {
    case VG_ACTION_HIDE:
        r->method = "POST";
        r->url = make_url(graph_url, t->content, NULL, token);
        form(r, ig ? "hide" : "is_hidden", "true");
        return 0;
    case VG_ACTION_DELETE:
        r->method = "DELETE";
        r->url = make_url(graph_url, t->content, NULL, token);
        return 0;
    case VG_ACTION_WARN:
    case VG_ACTION_NOTICE:
        if (t->text == NULL || t->text[0] == '\0' || t->channel == VG_WARN_NONE)
            return -VG_EINVAL;
        r->method = "POST";
        if (t->channel == VG_WARN_PUBLIC) {
            r->url = make_url(graph_url, t->content, ig ? "replies" : "comments", token);
            form(r, "message", t->text);
        } else {
            r->url = make_url(graph_url, t->page, "messages", token);
            private_reply(r, t);
        }
        return 0;
    case VG_ACTION_BLOCK:
        if (ig)
            return -VG_EUNSUP; /* Instagram has no block API */
        if (t->author == NULL || t->author[0] == '\0')
            return -VG_EINVAL;
        r->method = "POST";
        r->url = make_url(graph_url, t->page, "blocked", token);
        form(r, "user", t->author);
        return 0;
    default:
        return -VG_EINVAL;
    }
}

/* ---- classification -------------------------------------------------------------- */

bool vg_dispatch_code_transient(int code)
{
    /* 1 unknown/temporary, 2 service, 4 app throttled, 17 user throttled,
     * 32 page throttled, 341 app limit, 613 rate limit. */
    static const int codes[] = {1, 2, 4, 17, 32, 341, 613};

    for (size_t i = 0; i < VG_ARRAY_LEN(codes); i++)
        if (codes[i] == code)
            return true;
    return false;
}

/* Keeps a Graph message readable and safe to store: letters, digits, a little
 * punctuation, at most 48 bytes. */
static void short_reason(const char *msg, char *out, size_t cap)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)msg; *p && o + 1 < cap && o < 48; p++) {
        if (isalnum(*p) || *p == ' ' || *p == '.' || *p == '-' || *p == '_' || *p == '#' ||
            *p == '(' || *p == ')')
            out[o++] = (char)*p;
        else if (o > 0 && out[o - 1] != ' ')
            out[o++] = ' ';
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (vg_strcaseeq_n(hay, needle, n))
            return true;
    return false;
}

/* Retry-After in seconds (the only form the Graph API is seen to use); dates ignored. */
static unsigned parse_retry_after(const char *v, unsigned cap_ms)
{
    unsigned long s = 0;

    if (v == NULL || *v == '\0')
        return 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        s = s * 10 + (unsigned long)(*p - '0');
        if (s > 86400)
            s = 86400;
    }
    if (s * 1000 > cap_ms)
        return cap_ms;
    return (unsigned)(s * 1000);
}

typedef struct graph_error {
    bool present;
    int code;
    int subcode;
    bool transient;
    char message[256];
} graph_error_t;

static void parse_graph_error(const char *body, size_t len, graph_error_t *ge)
{
    vg_json_doc_t *doc;
    const vg_json_t *err;
    const char *msg;
    int64_t x;

    memset(ge, 0, sizeof(*ge));
    if (body == NULL || len == 0)
        return;
    doc = vg_json_parse(body, len, NULL, NULL);
    if (doc == NULL)
        return;
    err = vg_json_get(vg_json_root(doc), "error");
    if (vg_json_is_object(err)) {
        ge->present = true;
        if (vg_json_integer(vg_json_get(err, "code"), &x) && x >= INT_MIN && x <= INT_MAX)
            ge->code = (int)x;
        if (vg_json_integer(vg_json_get(err, "error_subcode"), &x) && x >= INT_MIN && x <= INT_MAX)
            ge->subcode = (int)x;
        ge->transient = vg_json_type(vg_json_get(err, "is_transient")) == VG_JSON_TRUE;
        if ((msg = vg_json_string(vg_json_get(err, "message"), NULL)) != NULL)
            vg_strlcpy(ge->message, msg, sizeof(ge->message));
    }
    vg_json_free(doc);
}

void vg_dispatch_classify(vg_action_kind_t a, const char *neterr, int status, const char *body,
                          size_t len, const char *retry_after, unsigned backoff_max_ms,
                          vg_dispatch_class_t *out)
{
    graph_error_t ge;
    char why[64];
    bool message = a == VG_ACTION_WARN || a == VG_ACTION_NOTICE;

    memset(out, 0, sizeof(*out));
    if (neterr != NULL) {
        out->outcome = VG_DISPATCH_RETRY;
        snprintf(out->result, sizeof(out->result), "retry:network");
        return;
    }
    if (status >= 200 && status < 300) {
        out->outcome = VG_DISPATCH_OK;
        snprintf(out->result, sizeof(out->result), "ok");
        return;
    }
    parse_graph_error(body, len, &ge);
    out->code = ge.code;
    out->subcode = ge.subcode;

    /* A private reply already went out for this comment: Meta allows one. */
    if (message && ge.present && (ge.code == 10900 || contains_ci(ge.message, "already replied"))) {
        out->outcome = VG_DISPATCH_SKIP;
        snprintf(out->result, sizeof(out->result), "skipped:already");
        return;
    }
    /* The comment is gone (deleted by its author or a moderator). */
    if (a != VG_ACTION_BLOCK && ge.code == 100 && ge.subcode == 33) {
        out->outcome = VG_DISPATCH_SKIP;
        out->gone = true;
        snprintf(out->result, sizeof(out->result), "skipped:gone");
        return;
    }
    if (ge.transient || vg_dispatch_code_transient(ge.code) || status >= 500 || status == 429 ||
        status == 408) {
        out->outcome = VG_DISPATCH_RETRY;
        out->retry_after_ms = parse_retry_after(retry_after, backoff_max_ms);
        if (ge.code != 0)
            snprintf(out->result, sizeof(out->result), "retry:%d", ge.code);
        else
            snprintf(out->result, sizeof(out->result), "retry:http%d", status);
        return;
    }
    out->outcome = VG_DISPATCH_FAIL;
    if (ge.present) {
        short_reason(ge.message, why, sizeof(why));
        snprintf(out->result, sizeof(out->result), "failed:%d:%s", ge.code,
                 why[0] != '\0' ? why : "graph error");
    } else {
        snprintf(out->result, sizeof(out->result), "failed:http%d:unexpected response", status);
    }
}

unsigned vg_dispatch_backoff_ms(unsigned retry, unsigned base_ms, unsigned max_ms, uint64_t rnd)
{
    uint64_t cap = base_ms;

    for (unsigned i = 0; i < retry && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    if (retry == 0 && cap > 1000)
        cap = 1000;
    return (unsigned)(rnd % (cap + 1));
}
