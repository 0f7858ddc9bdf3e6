/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter: turns a platform's webhook delivery into plain vg_event_t records.
 * One submodule per platform under src/adapter/<platform>/. An adapter
 * answers the platform's subscription handshake, verifies the delivery's
 * signature over the raw body bytes exactly as received (never a
 * re-serialisation), and parses the payload (with vaglio's JSON reader,
 * vaglio/json.h). No parsed JSON leaves an adapter: every string of an
 * event is copied into the request's arena.
 *
 * Today: Meta (Facebook Page `feed` comments and Instagram `comments`).
 */
#ifndef VAGLIO_ADAPTER_H
#define VAGLIO_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/util.h"

typedef enum { VG_PLATFORM_FACEBOOK = 0, VG_PLATFORM_INSTAGRAM, VG_PLATFORM_COUNT } vg_platform_t;

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
    const char *text;       /**< the message, UTF-8 as decoded from JSON; "" if none.
                                 May hold NUL bytes (a JSON "\u0000"): use text_len */
    size_t text_len;
    int64_t created_time; /**< unix seconds, 0 if not given */
    bool own;             /**< the page's own comment (from.id == entry[].id): ignore */
} vg_event_t;

/* ---- Meta (Facebook Pages, Instagram) ----------------------------------- */

/** Largest hub.challenge echoed back; longer ones are refused. */
#define VG_META_CHALLENGE_MAX 256

/**
 * The GET subscription handshake. @p query is the raw query string (no '?').
 * On success (hub.mode=subscribe and hub.verify_token equal to @p verify_token,
 * compared in constant time) copies hub.challenge into @p challenge and returns
 * 0. Returns -VG_EAUTH on a wrong or missing token (or an empty
 * @p verify_token), -VG_EINVAL on a malformed query, a mode other than
 * "subscribe", or a missing, oversized or non-printable challenge (it is
 * echoed in the response, so only visible ASCII 0x21-0x7e is accepted). The
 * mode is checked first, then the token, then the challenge. On failure
 * @p challenge is "".
 */
int vg_meta_handshake(const char *query, size_t qlen, const char *verify_token,
                      char challenge[VG_META_CHALLENGE_MAX + 1]);

/**
 * Verifies `X-Hub-Signature-256: sha256=<hex>` (@p header, may be NULL) over
 * the raw @p body with @p app_secret, in constant time. The 64 hex digits may
 * be in either case. Returns 0 if valid, -VG_EAUTH if missing, malformed or
 * wrong (and always for a NULL or empty @p app_secret).
 */
int vg_meta_verify_signature(const char *app_secret, const char *header, const void *body,
                             size_t len);

/**
 * Parses a Meta delivery (object "page" or "instagram"): every entry[] and
 * every changes[] of a batch. Facebook `feed` changes with item "comment"
 * (any verb) and Instagram `comments` / `live_comments` changes (also the
 * Instagram Login shape with field/value directly under entry) become events;
 * other fields and items, Messenger `messaging[]` items, and malformed
 * changes (a comment without its id, a message that is not a string) are
 * skipped and counted in @p skipped: one bad change must not make Meta
 * redeliver, for 36 h, the valid changes sent with it. Malformed changes are
 * logged once per delivery at info (JSON path and reason, never content).
 * A comment whose from.id equals entry[].id is returned with `own` set.
 * Ids may be JSON strings or non-negative integers (returned in decimal);
 * they must be 1-128 bytes of [A-Za-z0-9_.:-]. Duplicate JSON keys are
 * refused, and so is anything the JSON reader refuses (vaglio/json.h:
 * invalid UTF-8, nesting past 64 levels, ...). Reentrant; the parsed
 * document never outlives the call.
 *
 * @param body   raw body (not necessarily NUL-terminated)
 * @param arena  receives every string and the event array
 * @param events out: array of *n events, owned by @p arena (NULL if none)
 * @param max_events refuse (-VG_ELIMIT) a delivery with more events
 * @param skipped out, may be NULL: changes not returned as events
 * @param err    may be NULL
 * Returns 0, -VG_EINVAL (not JSON, or not the Meta envelope: wrong
 * `object`, no `entry` array, an entry without a usable id; @p err names the
 * JSON path, e.g. "entry[2].id: missing", and never quotes the body) or
 * -VG_ELIMIT (arena or event limit). On failure *events is NULL and *n 0.
 */
int vg_meta_parse(const void *body, size_t len, vg_arena_t *arena, vg_event_t **events, size_t *n,
                  size_t max_events, size_t *skipped, vg_err_t *err);

#endif /* VAGLIO_ADAPTER_H */
