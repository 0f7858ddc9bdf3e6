/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adapter: the names shared by every platform adapter. Platforms and verbs
 * are labels in metrics, decision records, Redis keys and logs, so their
 * spelling is fixed here once; the per-platform parsers live beneath
 * (src/adapter/meta/).
 */
#include "vaglio/adapter.h"

static const char *const platform_names[VG_PLATFORM_COUNT] = {
    [VG_PLATFORM_FACEBOOK] = "facebook",
    [VG_PLATFORM_INSTAGRAM] = "instagram",
};

static const char *const verb_names[VG_VERB_COUNT] = {
    [VG_VERB_ADD] = "add",   [VG_VERB_EDITED] = "edited", [VG_VERB_REMOVE] = "remove",
    [VG_VERB_HIDE] = "hide", [VG_VERB_UNHIDE] = "unhide", [VG_VERB_OTHER] = "other",
};

const char *vg_platform_name(vg_platform_t p)
{
    return (unsigned)p < VG_PLATFORM_COUNT ? platform_names[p] : "unknown";
}

const char *vg_verb_name(vg_verb_t v)
{
    return (unsigned)v < VG_VERB_COUNT ? verb_names[v] : "other";
}
