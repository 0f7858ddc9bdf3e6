/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_same: whether vaglio's JSON reader and jansson read one document
 * alike, value by value (reals by type only). Shared by the differential
 * unit test (test_json.c) and the fuzz target (tests/fuzz/fuzz_json.c).
 */
#ifndef VG_TEST_JSON_SAME_H
#define VG_TEST_JSON_SAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "vaglio/json.h"

static bool json_same(const vg_json_t *v, const json_t *j)
{
    int64_t x;
    size_t n;
    const char *s;
    switch (vg_json_type(v)) {
    case VG_JSON_NULL:
        return json_is_null(j);
    case VG_JSON_TRUE:
        return json_is_true(j);
    case VG_JSON_FALSE:
        return json_is_false(j);
    case VG_JSON_INTEGER:
        return vg_json_integer(v, &x) && json_is_integer(j) && json_integer_value(j) == x;
    case VG_JSON_REAL:
        return json_is_real(j);
    case VG_JSON_STRING:
        s = vg_json_string(v, &n);
        return json_is_string(j) && json_string_length(j) == n &&
               memcmp(json_string_value(j), s, n) == 0;
    case VG_JSON_ARRAY: {
        if (!json_is_array(j) || json_array_size(j) != vg_json_size(v))
            return false;
        size_t k = 0;
        for (const vg_json_t *e = vg_json_first(v); e != NULL; e = vg_json_next(v, e))
            if (!json_same(e, json_array_get(j, k++)))
                return false;
        return true;
    }
    case VG_JSON_OBJECT:
        if (!json_is_object(j) || json_object_size(j) != vg_json_size(v))
            return false;
        for (const vg_json_t *k = vg_json_first(v); k != NULL; k = vg_json_next(v, k)) {
            s = vg_json_string(k, &n);
            if (!json_same(vg_json_value_of(k), json_object_getn(j, s, n)))
                return false;
        }
        return true;
    }
    return false;
}

#endif /* VG_TEST_JSON_SAME_H */
