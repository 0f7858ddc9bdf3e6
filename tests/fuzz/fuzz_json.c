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
#include "../unit/json/json_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "json: readers disagree: %s\n", what);
        abort();
    }
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
        require(json_same(vg_json_root(doc), j), "values differ");
    }
    json_decref(j);
    vg_json_free(doc);
    return 0;
}
