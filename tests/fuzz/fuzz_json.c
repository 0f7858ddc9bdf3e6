/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential fuzz target of the JSON reader: any byte string is read by
 * vaglio's reader and by jansson (as the Meta adapter once did: duplicates
 * refused, "\u0000" allowed). Both must accept or both refuse, and an
 * accepted document must read to the same values; the one known difference
 * is a raw NUL byte between tokens, which jansson lets through. Seeds: the
 * .json files of tests/data/adapter.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vaglio/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "json: readers disagree: %s\n", what);
        abort();
    }
}

static bool same(const vg_json_t *v, const json_t *j)
{
    int64_t x;
    size_t n, k = 0;
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
    case VG_JSON_ARRAY:
        if (!json_is_array(j) || json_array_size(j) != vg_json_size(v))
            return false;
        for (const vg_json_t *e = vg_json_first(v); e != NULL; e = vg_json_next(v, e))
            if (!same(e, json_array_get(j, k++)))
                return false;
        return true;
    case VG_JSON_OBJECT:
        if (!json_is_object(j) || json_object_size(j) != vg_json_size(v))
            return false;
        for (const vg_json_t *e = vg_json_first(v); e != NULL; e = vg_json_next(v, e)) {
            s = vg_json_string(e, &n);
            if (!same(vg_json_value_of(e), json_object_getn(j, s, n)))
                return false;
        }
        return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vg_json_error_t why;
    size_t pos;
    vg_json_doc_t *doc = vg_json_parse((const char *)data, size, &why, &pos);
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);

    require(pos <= size, "offset past the input");
    if (doc == NULL) {
        /* Deeper than vaglio's limit, a raw NUL: only jansson reads those. */
        require(j == NULL || why == VG_JSON_EDEPTH || memchr(data, '\0', size) != NULL,
                "jansson accepts what vaglio refuses");
    } else {
        require(j != NULL, "vaglio accepts what jansson refuses");
        require(same(vg_json_root(doc), j), "values differ");
    }
    json_decref(j);
    vg_json_free(doc);
    return 0;
}
