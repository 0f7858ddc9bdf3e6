/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store tests: weak stand-ins for the three functions of other modules the
 * store calls (adapter names, matcher rule ids), so the store's tests link
 * while those modules are absent from a VG_ONLY_MODULES build. When the
 * real modules are linked, their (strong) definitions win. The tests pass
 * rs = NULL, so the rule id stand-in is never called.
 */
#ifndef VG_STORE_TEST_STUBS_H
#define VG_STORE_TEST_STUBS_H

#include "vaglio/adapter.h"
#include "vaglio/match.h"

__attribute__((weak)) const char *vg_platform_name(vg_platform_t p)
{
    static const char *const names[] = {"facebook", "instagram"};
    return (unsigned)p < VG_PLATFORM_COUNT ? names[p] : "unknown";
}

__attribute__((weak)) const char *vg_verb_name(vg_verb_t v)
{
    static const char *const names[] = {"add", "edited", "remove", "hide", "unhide", "other"};
    return (unsigned)v < VG_VERB_COUNT ? names[v] : "unknown";
}

__attribute__((weak)) const char *vg_ruleset_rule_id(const vg_ruleset_t *rs, uint32_t rule)
{
    (void)rs;
    (void)rule;
    return "stub";
}

#endif
