/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: the fake Graph API server. See vg_test_graph.h. The server
 * thread owns the event_base and the evhttp; other threads only touch the
 * call list and the scripts, under the mutex, and stop the loop with
 * event_base_loopbreak (safe across threads once evthread_use_pthreads ran).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "vg_test_graph.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

typedef struct script {
    struct script *next;
    char method[8];
    char prefix[256];
    unsigned times;
    int status;
    char *body;
    char retry_after[32];
} script_t;

struct vg_test_graph {
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    char url[64];
    pthread_mutex_t mu;
    pthread_cond_t cond;
    vg_test_graph_call_t *calls;
    size_t ncalls, cap;
    script_t *scripts;
    unsigned seq;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    default:
        return "OTHER";
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Fills @p call from the request. Called on the server thread, without the lock. */
static void describe(struct evhttp_request *req, vg_test_graph_call_t *call)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    const char *prefix = "/" VG_TEST_GRAPH_VERSION;

    memset(call, 0, sizeof(*call));
    snprintf(call->method, sizeof(call->method), "%s",
             method_name(evhttp_request_get_command(req)));
    if (path == NULL)
        path = "/";
    if (strncmp(path, prefix, strlen(prefix)) == 0)
        path += strlen(prefix);
    snprintf(call->path, sizeof(call->path), "%s", path);
    snprintf(call->query, sizeof(call->query), "%s", query != NULL ? query : "");
    if (query != NULL) {
        struct evkeyvalq q;
        const char *tok;
        TAILQ_INIT(&q);
        if (evhttp_parse_query_str(query, &q) == 0 &&
            (tok = evhttp_find_header(&q, "access_token")) != NULL)
            snprintf(call->access_token, sizeof(call->access_token), "%s", tok);
        evhttp_clear_headers(&q);
    }
    snprintf(call->content_type, sizeof(call->content_type), "%s", ct != NULL ? ct : "");
    call->body_len = n;
    if (n >= sizeof(call->body))
        n = sizeof(call->body) - 1;
    evbuffer_copyout(in, call->body, n);
    call->body[n] = '\0';
    call->at_ms = mono_ms();
}

/* The first script matching @p call, consumed once; NULL if none. Under the lock. */
static script_t *match_script(vg_test_graph_t *g, const vg_test_graph_call_t *call)
{
    for (script_t *s = g->scripts; s != NULL; s = s->next) {
        if (s->times == 0)
            continue;
        if (s->method[0] != '\0' && strcmp(s->method, call->method) != 0)
            continue;
        if (strncmp(call->path, s->prefix, strlen(s->prefix)) != 0)
            continue;
        s->times--;
        return s;
    }
    return NULL;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    vg_test_graph_t *g = arg;
    vg_test_graph_call_t call;
    struct evbuffer *out = evbuffer_new();
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    script_t *s;
    int status = 200;
    bool hang = false;
    char retry_after[32] = "";
    unsigned seq;

    describe(req, &call);
    pthread_mutex_lock(&g->mu);
    seq = ++g->seq;
    s = match_script(g, &call);
    if (s != NULL) {
        status = s->status;
        hang = status == 0;
        evbuffer_add_printf(out, "%s", s->body != NULL ? s->body : "{}");
        snprintf(retry_after, sizeof(retry_after), "%s", s->retry_after);
    }
    call.status = status;
    if (g->ncalls == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->calls = realloc(g->calls, g->cap * sizeof(*g->calls));
        if (g->calls == NULL)
            abort();
    }
    g->calls[g->ncalls++] = call;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->mu);

    if (hang) {
        /* Never answered: evhttp frees the request when the client goes away. */
        evbuffer_free(out);
        return;
    }
    if (s == NULL) {
        if (strcmp(call.method, "POST") == 0 && ends_with(call.path, "/messages")) {
            evbuffer_add_printf(out, "{\"recipient_id\":\"%u\",\"message_id\":\"m_%u\"}",
                                1000 + seq, seq);
        } else if (strcmp(call.method, "POST") == 0 &&
                   (ends_with(call.path, "/comments") || ends_with(call.path, "/replies"))) {
            size_t n = strcspn(call.path + 1, "/");
            evbuffer_add_printf(out, "{\"id\":\"%.*s_%u\"}", (int)n, call.path + 1, seq);
        } else {
            evbuffer_add_printf(out, "{\"success\":true}");
        }
    }
    evhttp_add_header(oh, "Content-Type", "application/json; charset=UTF-8");
    if (retry_after[0] != '\0')
        evhttp_add_header(oh, "Retry-After", retry_after);
    evhttp_send_reply(req, status, status < 300 ? "OK" : "Error", out);
    evbuffer_free(out);
}

static void *run(void *arg)
{
    vg_test_graph_t *g = arg;
    event_base_dispatch(g->base);
    return NULL;
}

vg_test_graph_t *vg_test_graph_start(void)
{
    vg_test_graph_t *g;
    struct evhttp_bound_socket *h;
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);

    /* Once per process: makes event_base_loopbreak safe from the test thread. */
    if (evthread_use_pthreads() != 0)
        return NULL;
    g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->base = event_base_new();
    g->http = g->base != NULL ? evhttp_new(g->base) : NULL;
    if (g->http == NULL)
        goto fail;
    evhttp_set_allowed_methods(g->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(g->http, on_request, g);
    h = evhttp_bind_socket_with_handle(g->http, "127.0.0.1", 0);
    if (h == NULL || getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&sin, &len) != 0)
        goto fail;
    snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%u/%s", (unsigned)ntohs(sin.sin_port),
             VG_TEST_GRAPH_VERSION);
    if (pthread_create(&g->thread, NULL, run, g) != 0)
        goto fail;
    return g;
fail:
    if (g->http != NULL)
        evhttp_free(g->http);
    if (g->base != NULL)
        event_base_free(g->base);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cond);
    free(g);
    return NULL;
}

static void free_scripts(vg_test_graph_t *g)
{
    while (g->scripts != NULL) {
        script_t *s = g->scripts;
        g->scripts = s->next;
        free(s->body);
        free(s);
    }
}

void vg_test_graph_stop(vg_test_graph_t *g)
{
    if (g == NULL)
        return;
    event_base_loopbreak(g->base);
    pthread_join(g->thread, NULL);
    evhttp_free(g->http);
    event_base_free(g->base);
    free_scripts(g);
    free(g->calls);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cond);
    free(g);
}

const char *vg_test_graph_url(const vg_test_graph_t *g)
{
    return g->url;
}

size_t vg_test_graph_calls(vg_test_graph_t *g)
{
    size_t n;
    pthread_mutex_lock(&g->mu);
    n = g->ncalls;
    pthread_mutex_unlock(&g->mu);
    return n;
}

bool vg_test_graph_call(vg_test_graph_t *g, size_t i, vg_test_graph_call_t *out)
{
    bool ok;
    pthread_mutex_lock(&g->mu);
    ok = i < g->ncalls;
    if (ok)
        *out = g->calls[i];
    pthread_mutex_unlock(&g->mu);
    return ok;
}

size_t vg_test_graph_count(vg_test_graph_t *g, const char *method, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < g->ncalls; i++)
        if ((method == NULL || strcmp(g->calls[i].method, method) == 0) &&
            (path == NULL || strcmp(g->calls[i].path, path) == 0))
            n++;
    pthread_mutex_unlock(&g->mu);
    return n;
}

bool vg_test_graph_wait_for_calls(vg_test_graph_t *g, size_t n, unsigned timeout_ms)
{
    struct timespec dl;
    bool ok;

    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g->mu);
    while (g->ncalls < n)
        if (pthread_cond_timedwait(&g->cond, &g->mu, &dl) != 0)
            break;
    ok = g->ncalls >= n;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

void vg_test_graph_fail(vg_test_graph_t *g, const char *method, const char *path_prefix,
                        unsigned times, int status, const char *body, const char *retry_after)
{
    script_t *s = calloc(1, sizeof(*s));
    script_t **tail;

    if (s == NULL)
        abort();
    snprintf(s->method, sizeof(s->method), "%s", method != NULL ? method : "");
    snprintf(s->prefix, sizeof(s->prefix), "%s", path_prefix != NULL ? path_prefix : "");
    s->times = times;
    s->status = status;
    s->body = body != NULL ? strdup(body) : NULL;
    snprintf(s->retry_after, sizeof(s->retry_after), "%s", retry_after != NULL ? retry_after : "");
    pthread_mutex_lock(&g->mu);
    for (tail = &g->scripts; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = s;
    pthread_mutex_unlock(&g->mu);
}

void vg_test_graph_reset(vg_test_graph_t *g)
{
    pthread_mutex_lock(&g->mu);
    free_scripts(g);
    g->ncalls = 0;
    pthread_mutex_unlock(&g->mu);
}
