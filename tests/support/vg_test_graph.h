/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: an in-process fake of Meta's Graph API. An evhttp server on
 * 127.0.0.1 (port chosen by the kernel) runs on its own thread with its own
 * event_base, so a test may block on it (vg_test_graph_wait_for_calls) while
 * the code under test runs on any loop, in any thread. It records every call
 * (method, path, query, access token, content type, raw body) in a list
 * guarded by a mutex, answers with Graph-like JSON, and can be scripted to
 * fail: per method and path prefix, N times, with a status, a Graph error
 * body and an optional Retry-After, or to never answer (status 0).
 *
 * Answers on success (content type application/json):
 *   POST .../messages           {"recipient_id":"<n>","message_id":"m_<n>"}
 *   POST .../comments|replies   {"id":"<object>_<n>"}
 *   anything else               {"success":true}
 *
 * All functions are thread-safe. Paths are recorded without the version
 * prefix: a call to <url>/123_456/comments is recorded as "/123_456/comments".
 */
#ifndef VG_TEST_GRAPH_H
#define VG_TEST_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The version segment of the fake's base URL. */
#define VG_TEST_GRAPH_VERSION "v21.0"

/* Canned Graph error bodies (shapes as documented by Meta; see docs/dispatch.md). */
#define VG_TEST_GRAPH_ERR_RATE_LIMIT                                                               \
    "{\"error\":{\"message\":\"(#613) Calls to this api have exceeded the rate limit.\","          \
    "\"type\":\"OAuthException\",\"code\":613,\"is_transient\":true}}"
#define VG_TEST_GRAPH_ERR_INVALID_PARAM                                                            \
    "{\"error\":{\"message\":\"(#100) Invalid parameter\",\"type\":\"OAuthException\","            \
    "\"code\":100}}"
#define VG_TEST_GRAPH_ERR_GONE                                                                     \
    "{\"error\":{\"message\":\"Unsupported post request. Object with ID 'x' does not exist\","     \
    "\"type\":\"GraphMethodException\",\"code\":100,\"error_subcode\":33}}"
#define VG_TEST_GRAPH_ERR_UNAVAILABLE                                                              \
    "{\"error\":{\"message\":\"An unexpected error has occurred. Please retry your request "       \
    "later.\",\"type\":\"OAuthException\",\"code\":2,\"is_transient\":true}}"
#define VG_TEST_GRAPH_ERR_ALREADY_REPLIED                                                          \
    "{\"error\":{\"message\":\"(#10900) Activity already replied to\","                            \
    "\"type\":\"OAuthException\",\"code\":10900}}"
#define VG_TEST_GRAPH_ERR_TOO_MANY                                                                 \
    "{\"error\":{\"message\":\"Too many requests\",\"type\":\"OAuthException\",\"code\":4}}"

typedef struct vg_test_graph vg_test_graph_t;

typedef struct vg_test_graph_call {
    char method[8];         /**< "GET", "POST", "DELETE", ... */
    char path[256];         /**< without the version prefix, without the query */
    char query[1024];       /**< raw query string (without '?'), "" if none */
    char access_token[256]; /**< decoded access_token query parameter, "" if none */
    char content_type[128]; /**< "" if none */
    char body[4096];        /**< raw request body, NUL-terminated (truncated if longer) */
    size_t body_len;
    int status;    /**< what the fake answered (0: never answered) */
    int64_t at_ms; /**< CLOCK_MONOTONIC, milliseconds, when it arrived */
} vg_test_graph_call_t;

/** Starts a fake on its own thread. Returns it (stop with vg_test_graph_stop) or NULL. */
vg_test_graph_t *vg_test_graph_start(void);

/** Stops the server thread and frees everything. NULL is a no-op. */
void vg_test_graph_stop(vg_test_graph_t *g);

/** "http://127.0.0.1:PORT/v21.0": the value for meta.graph_url. Borrowed. */
const char *vg_test_graph_url(const vg_test_graph_t *g);

/** Calls recorded so far. */
size_t vg_test_graph_calls(vg_test_graph_t *g);

/** Copies call @p i (0-based, in arrival order) into @p out. False if there is none. */
bool vg_test_graph_call(vg_test_graph_t *g, size_t i, vg_test_graph_call_t *out);

/** Calls matching @p method (NULL: any) and exactly @p path (NULL: any). */
size_t vg_test_graph_count(vg_test_graph_t *g, const char *method, const char *path);

/** Waits until at least @p n calls were recorded or @p timeout_ms passed. True if reached. */
bool vg_test_graph_wait_for_calls(vg_test_graph_t *g, size_t n, unsigned timeout_ms);

/**
 * Scripts a failure: the next @p times calls whose method is @p method (NULL:
 * any) and whose path starts with @p path_prefix (NULL: any) are answered
 * with @p status, @p body (NULL: an empty JSON object) and, if not NULL, a
 * Retry-After header. Status 0 means: never answer (the client times out).
 * Scripts are consulted in the order they were added.
 */
void vg_test_graph_fail(vg_test_graph_t *g, const char *method, const char *path_prefix,
                        unsigned times, int status, const char *body, const char *retry_after);

/** Forgets the recorded calls and the scripts. */
void vg_test_graph_reset(vg_test_graph_t *g);

#endif
