/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter internals shared by the platform parsers and their tests.
 */
#ifndef VAGLIO_ADAPTER_INTERNAL_H
#define VAGLIO_ADAPTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vaglio/adapter.h"
#include "vaglio/json.h"

/** Longest id (page, post, comment, author) accepted from a delivery. */
#define VG_META_ID_MAX 128
/** Longest hub.verify_token read from a handshake (config caps it at 512). */
#define VG_META_TOKEN_MAX 512

/**
 * Maps Meta's `verb` (length @p n): add -> ADD; edited, edit -> EDITED;
 * remove, delete -> REMOVE; hide -> HIDE; unhide -> UNHIDE; anything else
 * (block, mute, update, ...) -> OTHER.
 */
vg_verb_t vg_meta_verb(const char *s, size_t n);

/**
 * Parses a Meta `created_time`: unix seconds as a JSON integer or a string
 * of digits, or an ISO 8601 string ("2026-01-01T00:00:03+0000"). Returns 0
 * for anything else (the time is informative, never a reason to drop).
 */
int64_t vg_meta_time(const vg_json_t *v);

#endif /* VAGLIO_ADAPTER_INTERNAL_H */
