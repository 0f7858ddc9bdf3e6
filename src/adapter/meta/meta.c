/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meta adapter: the first stage after the HTTP server for Facebook Pages
 * (`feed` comments) and Instagram (`comments`, `live_comments`). It answers
 * the hub.challenge handshake, verifies X-Hub-Signature-256 over the raw
 * body, and turns a delivery into vg_event_t records in the request arena;
 * the parsed document (vaglio's own reader, src/json) is released before
 * returning, on every path.
 *
 * What is rejected and what is skipped. Meta retries a delivery it did not
 * get a 2xx for, for 36 hours, and a batch holds up to 1000 changes. So:
 *   - a body that is not a Meta envelope (not JSON, wrong `object`, no
 *     `entry` array, an entry without a usable id) is rejected with
 *     -VG_EINVAL and a message naming the JSON path: nothing in it can be
 *     routed. A 400 costs nothing, and if Meta changed its format the
 *     retries keep the events alive while we ship a fix;
 *   - one malformed change inside a valid envelope (a comment without
 *     comment_id, a message that is not a string) is skipped and counted:
 *     rejecting the delivery would make Meta resend the valid changes with
 *     it for 36 hours and never get them processed;
 *   - changes that are not comments (reactions, posts, mentions) and
 *     Messenger items are skipped and counted, as the header says.
 *
 * Text. JSON escapes (\u00e8, surrogate pairs) are decoded to UTF-8 by
 * the reader. A "\u0000" inside a message does not reject the whole
 * delivery; the text then holds a NUL byte and its full length is in
 * text_len (never truncated): consumers use text_len.
 * Duplicate keys are rejected: Meta never sends them and a parser that
 * picked one of two values could be made to read a different message than
 * a moderator would see.
 */
#include "adapter/adapter_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vaglio/log.h"

/* ---- handshake and signature ------------------------------------------- */

int vg_meta_handshake(const char *query, size_t qlen, const char *verify_token,
                      char challenge[VG_META_CHALLENGE_MAX + 1])
{
    char mode[16];
    char token[VG_META_TOKEN_MAX + 1];
    int rc;
    size_t rlen, tlen;
    bool ok;

    challenge[0] = '\0';
    if (query == NULL)
        return -VG_EINVAL;
    rc = vg_query_get(query, qlen, "hub.mode", mode, sizeof(mode));
    if (rc < 0 || strcmp(mode, "subscribe") != 0)
        return -VG_EINVAL;

    rc = vg_query_get(query, qlen, "hub.verify_token", token, sizeof(token));
    if (rc < 0 || verify_token == NULL || verify_token[0] == '\0')
        return -VG_EAUTH;
    rlen = (size_t)rc;
    tlen = strlen(verify_token);
    /* The comparison always runs over the received length (known to the
     * sender), never stopping at the first differing byte; a length
     * mismatch compares the token with itself and fails afterwards. */
    ok = vg_ct_equal(token, rlen == tlen ? verify_token : token, rlen);
    ok = ok && rlen == tlen;
    if (!ok)
        return -VG_EAUTH;

    /* The challenge is echoed in the response body: only visible ASCII. */
    rc = vg_query_get(query, qlen, "hub.challenge", challenge, VG_META_CHALLENGE_MAX + 1);
    if (rc <= 0) {
        challenge[0] = '\0';
        return -VG_EINVAL;
    }
    for (int i = 0; i < rc; i++) {
        unsigned char ch = (unsigned char)challenge[i];
        if (ch < 0x21 || ch > 0x7e) {
            challenge[0] = '\0';
            return -VG_EINVAL;
        }
    }
    return 0;
}

int vg_meta_verify_signature(const char *app_secret, const char *header, const void *body,
                             size_t len)
{
    static const char prefix[] = "sha256=";
    const size_t plen = sizeof(prefix) - 1;
    uint8_t want[VG_SHA256_LEN];
    uint8_t mac[VG_SHA256_LEN];
    size_t n;

    if (app_secret == NULL || app_secret[0] == '\0' || header == NULL)
        return -VG_EAUTH;
    if (strnlen(header, plen + 2 * VG_SHA256_LEN + 1) != plen + 2 * VG_SHA256_LEN ||
        !vg_strcaseeq_n(header, prefix, plen))
        return -VG_EAUTH;
    if (vg_hex_decode(header + plen, 2 * VG_SHA256_LEN, want, sizeof(want), &n) < 0 ||
        n != VG_SHA256_LEN)
        return -VG_EAUTH;
    if (vg_hmac_sha256(app_secret, strlen(app_secret), body, len, mac) < 0)
        return -VG_EAUTH;
    return vg_ct_equal(mac, want, VG_SHA256_LEN) ? 0 : -VG_EAUTH;
}

/* ---- small parsers ------------------------------------------------------ */

vg_verb_t vg_meta_verb(const char *s, size_t n)
{
    if (vg_streq_n(s, n, "add"))
        return VG_VERB_ADD;
    if (vg_streq_n(s, n, "edited") || vg_streq_n(s, n, "edit"))
        return VG_VERB_EDITED;
    if (vg_streq_n(s, n, "remove") || vg_streq_n(s, n, "delete"))
        return VG_VERB_REMOVE;
    if (vg_streq_n(s, n, "hide"))
        return VG_VERB_HIDE;
    if (vg_streq_n(s, n, "unhide"))
        return VG_VERB_UNHIDE;
    return VG_VERB_OTHER;
}

int64_t vg_meta_time(const vg_json_t *v)
{
    const char *s;
    char *end;
    long long x;
    struct tm tm;
    int64_t i;

    if (vg_json_integer(v, &i))
        return i > 0 ? i : 0;
    s = vg_json_string(v, NULL);
    if (s == NULL)
        return 0;
    if (*s >= '0' && *s <= '9') {
        x = strtoll(s, &end, 10);
        if (*end == '\0')
            return x > 0 ? (int64_t)x : 0;
    }
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%S%z", &tm);
    if (end == NULL || *end != '\0')
        return 0;
    long off = tm.tm_gmtoff;
    time_t t = timegm(&tm);
    return t > 0 ? (int64_t)t - off : 0;
}

/* Meta ids are digits and underscores; a little more is tolerated. */
static bool id_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              ch == '_' || ch == '-' || ch == '.' || ch == ':'))
            return false;
    }
    return true;
}

/* ---- the delivery -------------------------------------------------------- */

typedef struct parse {
    vg_arena_t *arena;
    vg_err_t *err;
    vg_platform_t platform;
    vg_event_t *events;
    size_t n, cap, max;
    size_t skipped;
    size_t malformed;
    char first_bad[96]; /* path and reason of the first malformed change, for the log */
} parse_t;

enum { ID_ABSENT = 0, ID_OK = 1 };

/*
 * An id as a string in the arena. Meta sends ids as strings; numbers are
 * accepted and formatted in decimal. Returns ID_OK, ID_ABSENT (missing or
 * null), -VG_EINVAL (not an id) or -VG_ELIMIT (arena full).
 */
static int get_id(parse_t *p, const vg_json_t *v, const char **out)
{
    char num[32];
    const char *s;
    size_t n;
    int64_t i;

    *out = NULL;
    if (vg_json_is_null(v))
        return ID_ABSENT;
    if (vg_json_is_string(v)) {
        s = vg_json_string(v, &n);
    } else if (vg_json_integer(v, &i) && i >= 0) {
        int k = snprintf(num, sizeof(num), "%" PRId64, i);
        s = num;
        n = (size_t)k;
    } else {
        return -VG_EINVAL;
    }
    if (n == 0 || n > VG_META_ID_MAX || !id_chars_ok(s, n))
        return -VG_EINVAL;
    *out = vg_arena_strndup(p->arena, s, n);
    return *out != NULL ? ID_OK : -VG_ELIMIT;
}

static int arena_full(parse_t *p)
{
    return vg_err_set(p->err, VG_ELIMIT, "delivery too large for the request arena");
}

/* Counts a change that cannot be read; the delivery goes on. */
static int malformed(parse_t *p, const char *path, const char *what, const char *reason)
{
    p->skipped++;
    if (p->malformed++ == 0)
        snprintf(p->first_bad, sizeof(p->first_bad), "%s%s%s: %s", path, *what ? "." : "", what,
                 reason);
    VG_LOG_DEBUG(meta, "msg=\"malformed change skipped\" path=%s%s%s reason=\"%s\"", path,
                 *what ? "." : "", what, reason);
    return 0;
}

/* Reads an optional id member; a present but unusable one makes the change malformed. */
static int opt_id(parse_t *p, const vg_json_t *obj, const char *key, const char **out, bool *bad)
{
    int rc = get_id(p, vg_json_get(obj, key), out);
    if (rc == -VG_ELIMIT)
        return rc;
    if (rc < 0)
        *bad = true;
    return 0;
}

static int push_event(parse_t *p, const vg_event_t *ev)
{
    if (p->n >= p->cap || p->n >= p->max)
        return vg_err_set(p->err, VG_ELIMIT, "more than %zu events in one delivery", p->max);
    p->events[p->n++] = *ev;
    return 0;
}

/* The text member (message or text): absent or null is "", anything but a string is bad. */
static int get_text(parse_t *p, const vg_json_t *v, vg_event_t *ev, bool *bad)
{
    const char *s = "";
    size_t n = 0;

    if (!vg_json_is_null(v)) {
        s = vg_json_string(v, &n);
        if (s == NULL) {
            *bad = true;
            return 0;
        }
    }
    ev->text = vg_arena_strndup(p->arena, s, n);
    ev->text_len = n;
    return ev->text != NULL ? 0 : arena_full(p);
}

/* The author: from.id, NULL when from (or its id) is withheld. */
static int get_author(parse_t *p, const vg_json_t *value, vg_event_t *ev, bool *bad)
{
    const vg_json_t *from = vg_json_get(value, "from");

    if (vg_json_is_null(from))
        return 0;
    if (!vg_json_is_object(from)) {
        *bad = true;
        return 0;
    }
    return opt_id(p, from, "id", &ev->author_id, bad);
}

static int facebook_comment(parse_t *p, const char *page_id, const vg_json_t *value,
                            const char *path)
{
    vg_event_t ev = {.platform = VG_PLATFORM_FACEBOOK, .page_id = page_id};
    size_t vlen;
    const char *verb = vg_json_string(vg_json_get(value, "verb"), &vlen);
    bool bad = false;
    int rc;

    if (verb == NULL)
        return malformed(p, path, "value.verb", "missing or not a string");
    ev.verb = vg_meta_verb(verb, vlen);
    rc = get_id(p, vg_json_get(value, "comment_id"), &ev.content_id);
    if (rc == -VG_ELIMIT)
        return arena_full(p);
    if (rc != ID_OK)
        return malformed(p, path, "value.comment_id", rc == ID_ABSENT ? "missing" : "not an id");
    if (opt_id(p, value, "post_id", &ev.post_id, &bad) < 0 ||
        opt_id(p, value, "parent_id", &ev.parent_id, &bad) < 0 ||
        get_author(p, value, &ev, &bad) < 0 ||
        get_text(p, vg_json_get(value, "message"), &ev, &bad) < 0)
        return arena_full(p);
    if (bad)
        return malformed(p, path, "value", "an id, from or message of the wrong type");
    ev.created_time = vg_meta_time(vg_json_get(value, "created_time"));
    ev.own = ev.author_id != NULL && strcmp(ev.author_id, page_id) == 0;
    return push_event(p, &ev);
}

static int instagram_comment(parse_t *p, const char *page_id, const vg_json_t *value,
                             const char *path)
{
    const vg_json_t *media = vg_json_get(value, "media");
    vg_event_t ev = {.platform = VG_PLATFORM_INSTAGRAM, .verb = VG_VERB_ADD, .page_id = page_id};
    bool bad = false;
    int rc;

    rc = get_id(p, vg_json_get(value, "id"), &ev.content_id);
    if (rc == -VG_ELIMIT)
        return arena_full(p);
    if (rc != ID_OK)
        return malformed(p, path, "value.id", rc == ID_ABSENT ? "missing" : "not an id");
    if (!vg_json_is_null(media) && !vg_json_is_object(media))
        bad = true;
    if ((vg_json_is_object(media) && opt_id(p, media, "id", &ev.post_id, &bad) < 0) ||
        opt_id(p, value, "parent_id", &ev.parent_id, &bad) < 0 ||
        get_author(p, value, &ev, &bad) < 0 ||
        get_text(p, vg_json_get(value, "text"), &ev, &bad) < 0)
        return arena_full(p);
    if (bad)
        return malformed(p, path, "value", "an id, from, media or text of the wrong type");
    /* Instagram sends no comment time; entry[].time is when it was sent. */
    ev.own = ev.author_id != NULL && strcmp(ev.author_id, page_id) == 0;
    return push_event(p, &ev);
}

/* One change: {field, value}, inside changes[] or (Instagram Login) the entry itself. */
static int parse_change(parse_t *p, const char *page_id, const vg_json_t *ch, const char *path)
{
    const vg_json_t *field = vg_json_get(ch, "field");
    const vg_json_t *value = vg_json_get(ch, "value");

    if (!vg_json_is_object(ch))
        return malformed(p, path, "", "not an object");
    if (!vg_json_is_string(field))
        return malformed(p, path, "field", "missing or not a string");
    if (!vg_json_is_object(value))
        return malformed(p, path, "value", "missing or not an object");
    if (p->platform == VG_PLATFORM_FACEBOOK && vg_json_string_is(field, "feed")) {
        if (vg_json_string_is(vg_json_get(value, "item"), "comment"))
            return facebook_comment(p, page_id, value, path);
    } else if (p->platform == VG_PLATFORM_INSTAGRAM &&
               (vg_json_string_is(field, "comments") ||
                vg_json_string_is(field, "live_comments"))) {
        return instagram_comment(p, page_id, value, path);
    }
    /* Not a comment (a reaction, a post, a mention): not for us. */
    p->skipped++;
    return 0;
}

static int parse_entry(parse_t *p, size_t i, const vg_json_t *entry)
{
    const char *page_id;
    const vg_json_t *changes;
    char path[64];
    int rc;

    if (!vg_json_is_object(entry))
        return vg_err_set(p->err, VG_EINVAL, "entry[%zu]: not an object", i);
    rc = get_id(p, vg_json_get(entry, "id"), &page_id);
    if (rc == -VG_ELIMIT)
        return arena_full(p);
    if (rc != ID_OK)
        return vg_err_set(p->err, VG_EINVAL, "entry[%zu].id: %s", i,
                          rc == ID_ABSENT ? "missing" : "not an id");

    changes = vg_json_get(entry, "changes");
    if (changes != NULL) {
        size_t j = 0;
        if (!vg_json_is_array(changes))
            return vg_err_set(p->err, VG_EINVAL, "entry[%zu].changes: not an array", i);
        for (const vg_json_t *ch = vg_json_first(changes); ch != NULL;
             ch = vg_json_next(changes, ch), j++) {
            snprintf(path, sizeof(path), "entry[%zu].changes[%zu]", i, j);
            rc = parse_change(p, page_id, ch, path);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    if (vg_json_get(entry, "field") != NULL) {
        snprintf(path, sizeof(path), "entry[%zu]", i);
        return parse_change(p, page_id, entry, path);
    }
    /* Messenger (messaging[]) and anything else: counted, not handled here. */
    changes = vg_json_get(entry, "messaging");
    p->skipped += vg_json_is_array(changes) ? vg_json_size(changes) : 1;
    return 0;
}

/* An upper bound of the events: every change could be one. */
static size_t count_changes(const vg_json_t *entries)
{
    size_t total = 0;

    for (const vg_json_t *e = vg_json_first(entries); e != NULL; e = vg_json_next(entries, e)) {
        const vg_json_t *changes = vg_json_get(e, "changes");
        if (vg_json_is_array(changes))
            total += vg_json_size(changes);
        else if (vg_json_get(e, "field") != NULL)
            total++;
    }
    return total;
}

int vg_meta_parse(const void *body, size_t len, vg_arena_t *arena, vg_event_t **events, size_t *n,
                  size_t max_events, size_t *skipped, vg_err_t *err)
{
    parse_t p = {.arena = arena, .err = err, .max = max_events};
    vg_json_error_t why;
    size_t pos, i = 0;
    vg_json_doc_t *doc;
    const vg_json_t *root, *object, *entries;
    int rc = 0;

    *events = NULL;
    *n = 0;
    doc = vg_json_parse(body, len, &why, &pos);
    if (doc == NULL) {
        /* The reason and the offset only: never the input near the error,
         * which may be a comment's text. */
        rc = vg_err_set(err, VG_EINVAL, "not JSON: %s at byte %zu", vg_json_strerror(why), pos);
        goto out;
    }
    root = vg_json_root(doc);
    if (!vg_json_is_object(root)) {
        rc = vg_err_set(err, VG_EINVAL, "not a JSON object");
        goto out;
    }
    object = vg_json_get(root, "object");
    if (!vg_json_is_string(object)) {
        rc = vg_err_set(err, VG_EINVAL, "object: missing or not a string");
        goto out;
    }
    if (vg_json_string_is(object, "page")) {
        p.platform = VG_PLATFORM_FACEBOOK;
    } else if (vg_json_string_is(object, "instagram")) {
        p.platform = VG_PLATFORM_INSTAGRAM;
    } else {
        rc = vg_err_set(err, VG_EINVAL, "object: not \"page\" or \"instagram\"");
        goto out;
    }
    entries = vg_json_get(root, "entry");
    if (!vg_json_is_array(entries)) {
        rc = vg_err_set(err, VG_EINVAL, "entry: missing or not an array");
        goto out;
    }

    p.cap = VG_MIN(count_changes(entries), max_events);
    if (p.cap > 0) {
        p.events = vg_arena_alloc(arena, p.cap * sizeof(*p.events));
        if (p.events == NULL) {
            rc = arena_full(&p);
            goto out;
        }
    }
    for (const vg_json_t *e = vg_json_first(entries); e != NULL; e = vg_json_next(entries, e)) {
        rc = parse_entry(&p, i++, e);
        if (rc < 0)
            goto out;
    }
    if (p.malformed > 0)
        VG_LOG_INFO(meta, "msg=\"malformed changes skipped\" platform=%s count=%zu first=\"%s\"",
                    vg_platform_name(p.platform), p.malformed, p.first_bad);
    *events = p.events;
    *n = p.n;
out:
    vg_json_free(doc);
    if (skipped != NULL)
        *skipped = p.skipped;
    return rc;
}
