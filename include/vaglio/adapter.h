/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter: turns a platform's webhook delivery into plain vg_event_t records.
 * One submodule per platform under src/adapter/<platform>/. An adapter
 * answers the platform's subscription handshake, verifies the delivery's
 * signature over the raw body bytes exactly as received (never a
 * re-serialisation), and parses the payload. No json_t leaves an adapter:
 * every string of an event is copied into the request's arena.
 *
 * Today: Meta (Facebook Page `feed` comments and Instagram `comments`).
 */
#ifndef VAGLIO_ADAPTER_H
#define VAGLIO_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/util.h"

typedef enum {
    VG_PLATFORM_FACEBOOK = 0,
    VG_PLATFORM_INSTAGRAM,
    VG_PLATFORM_COUNT
} vg_platform_t;

/** "facebook", "instagram". Static string. */
const char *vg_platform_name(vg_platform_t p);

/** What happened to the content. Meta's `verb` (Instagram comments are always ADD). */
typedef enum {
    VG_VERB_ADD = 0,
    VG_VERB_EDITED,
    VG_VERB_REMOVE, /**< the author or a moderator removed it */
    VG_VERB_HIDE,   /**< somebody (maybe vaglio) hid it */
    VG_VERB_UNHIDE, /**< a human unhid it: pin it, never act on it again */
    VG_VERB_OTHER,  /**< anything else; recorded, never acted on */
    VG_VERB_COUNT
} vg_verb_t;

/** "add", "edited", "remove", "hide", "unhide", "other". Static string. */
const char *vg_verb_name(vg_verb_t v);

/**
 * One piece of content delivered by a platform. Strings are NUL-terminated
 * and borrowed from the request arena; optional ones are NULL when absent.
 */
typedef struct vg_event {
    vg_platform_t platform;
    vg_verb_t verb;
    const char *page_id;    /**< entry[].id: the Page or Instagram account (routing key) */
    const char *content_id; /**< the comment id (Facebook comment_id, Instagram id) */
    const char *post_id;    /**< the post or media id, if given */
    const char *parent_id;  /**< the parent comment or post, if given */
    const char *author_id;  /**< from.id; NULL when the platform withheld it */
    const char *text;       /**< the message, UTF-8 as decoded from JSON; "" if none */
    size_t text_len;
    int64_t created_time;   /**< unix seconds, 0 if not given */
    bool own;               /**< the page's own comment (from.id == entry[].id): ignore */
} vg_event_t;

/* ---- Meta (Facebook Pages, Instagram) ----------------------------------- */

/** Largest hub.challenge echoed back; longer ones are refused. */
#define VG_META_CHALLENGE_MAX 256

/**
 * The GET subscription handshake. @p query is the raw query string (no '?').
 * On success (hub.mode=subscribe and hub.verify_token equal to @p verify_token,
 * compared in constant time) copies hub.challenge into @p challenge and returns
 * 0. Returns -VG_EAUTH on a wrong or missing token, -VG_EINVAL on a malformed
 * query or a missing/oversized challenge.
 */
int vg_meta_handshake(const char *query, size_t qlen, const char *verify_token,
                      char challenge[VG_META_CHALLENGE_MAX + 1]);

/**
 * Verifies `X-Hub-Signature-256: sha256=<hex>` (@p header, may be NULL) over
 * the raw @p body with @p app_secret, in constant time. Returns 0 if valid,
 * -VG_EAUTH if missing, malformed or wrong.
 */
int vg_meta_verify_signature(const char *app_secret, const char *header, const void *body,
                             size_t len);

/**
 * Parses a Meta delivery (object "page" or "instagram"): every entry[] and
 * every changes[] of a batch. Facebook `feed` changes with item "comment"
 * (any verb) and Instagram `comments` / `live_comments` changes (also the
 * Instagram Login shape with field/value directly under entry) become events;
 * other fields and items are skipped and counted in @p skipped. A comment
 * whose from.id equals entry[].id is returned with `own` set.
 *
 * @param body   raw body (not necessarily NUL-terminated)
 * @param arena  receives every string and the event array
 * @param events out: array of *n events, owned by @p arena
 * @param max_events refuse (-VG_ELIMIT) a delivery with more events
 * Returns 0, -VG_EINVAL (not JSON, or not the Meta envelope; @p err says what)
 * or -VG_ELIMIT (arena or event limit).
 */
int vg_meta_parse(const void *body, size_t len, vg_arena_t *arena, vg_event_t **events,
                  size_t *n, size_t max_events, size_t *skipped, vg_err_t *err);

#endif /* VAGLIO_ADAPTER_H */
