/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy names: the wire names of verdicts and actions, shared by the
 * decision records, the action stream, the metrics and the JSON output. Kept
 * apart from the evaluation so that users of the names do not link the
 * matcher.
 */
#include <string.h>

#include "vaglio/policy.h"

static const char *const verdict_names[VG_VERDICT_COUNT] = {"allow", "review", "act"};
static const char *const action_names[VG_ACTION_COUNT] = {"hide", "delete", "warn", "notice",
                                                          "block"};

const char *vg_verdict_name(vg_verdict_kind_t v)
{
    return (unsigned)v < VG_VERDICT_COUNT ? verdict_names[v] : "unknown";
}

const char *vg_action_name(vg_action_kind_t a)
{
    return (unsigned)a < VG_ACTION_COUNT ? action_names[a] : "unknown";
}

int vg_action_lookup(const char *name, size_t len)
{
    for (int i = 0; i < VG_ACTION_COUNT; i++)
        if (strlen(action_names[i]) == len && memcmp(action_names[i], name, len) == 0)
            return i;
    return -1;
}
