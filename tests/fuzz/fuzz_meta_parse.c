/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the Meta adapter: any byte string is parsed as a delivery
 * (with a generous and a tight event limit and arena), used as a handshake
 * query and signature-checked, and the documented invariants must hold:
 * return codes, every event's required strings present and NUL-terminated
 * at text_len, ids non-empty, enums in range, `own` exactly when the author
 * is the page, nothing returned on failure. A broken invariant aborts,
 * which libFuzzer reports. Seeds: the .json files of tests/data/adapter.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vaglio/adapter.h"
#include "vaglio/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "meta invariant broken: %s\n", what);
        abort();
    }
}

static void check_events(int rc, const vg_event_t *ev, size_t n, size_t max)
{
    require(rc == 0 || rc == -VG_EINVAL || rc == -VG_ELIMIT, "return code");
    if (rc != 0) {
        require(ev == NULL && n == 0, "events returned on failure");
        return;
    }
    require(n <= max, "more events than max_events");
    require(n == 0 || ev != NULL, "events array missing");
    for (size_t i = 0; i < n; i++) {
        const vg_event_t *e = &ev[i];
        require((unsigned)e->platform < VG_PLATFORM_COUNT, "platform");
        require((unsigned)e->verb < VG_VERB_COUNT, "verb");
        require(e->page_id != NULL && e->page_id[0] != '\0', "page_id");
        require(e->content_id != NULL && e->content_id[0] != '\0', "content_id");
        require(e->text != NULL && e->text[e->text_len] == '\0', "text");
        require(e->created_time >= 0, "created_time");
        require(e->own == (e->author_id != NULL && strcmp(e->author_id, e->page_id) == 0), "own");
        require(e->platform == VG_PLATFORM_FACEBOOK || e->verb == VG_VERB_ADD, "instagram verb");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    vg_arena_t *big = vg_arena_new(4096, 8u << 20);
    vg_arena_t *tight = vg_arena_new(256, 2048);
    vg_event_t *ev;
    size_t n, skipped;
    vg_err_t err;
    char challenge[VG_META_CHALLENGE_MAX + 1];
    int rc;

    if (!quiet) {
        vg_log_setup(VG_LOG_ERROR, false);
        quiet = true;
    }
    rc = vg_meta_parse(data, size, big, &ev, &n, 5000, &skipped, &err);
    check_events(rc, ev, n, 5000);
    rc = vg_meta_parse(data, size, tight, &ev, &n, 2, NULL, NULL);
    check_events(rc, ev, n, 2);

    rc = vg_meta_handshake((const char *)data, size, "fuzz-token", challenge);
    require(rc == 0 || rc == -VG_EINVAL || rc == -VG_EAUTH, "handshake return code");
    if (rc == 0) {
        size_t len = strlen(challenge);
        require(len > 0 && len <= VG_META_CHALLENGE_MAX, "challenge length");
        for (size_t i = 0; i < len; i++)
            require(challenge[i] > 0x20 && challenge[i] < 0x7f, "challenge bytes");
    } else {
        require(challenge[0] == '\0', "challenge left on failure");
    }

    /* The input as a signature header: a verdict, never a crash or an overread. */
    if (size < 200) {
        char header[200];
        memcpy(header, data, size);
        header[size] = '\0';
        rc = vg_meta_verify_signature("fuzz-secret", header, data, size);
        require(rc == 0 || rc == -VG_EAUTH, "signature return code");
    }
    vg_arena_free(tight);
    vg_arena_free(big);
    return 0;
}
