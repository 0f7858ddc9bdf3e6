/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json: a strict, allocation-light JSON reader for the webhook hot path.
 *
 * A delivery is parsed in one pass into a flat array of values (a "tape":
 * each value followed by its children, so a whole subtree is skipped in one
 * step), with every string decoded into one buffer the size of the input.
 * A parse costs two allocations (more only as a large body's values
 * grow), against one per value for a tree of separately allocated nodes;
 * and the lexer looks at a string's plain bytes sixteen at a time.
 *
 * It accepts exactly RFC 8259 JSON with an object or an array at the top,
 * and refuses what a webhook must never be read from: invalid UTF-8 (also
 * overlong forms, surrogates and code points past U+10FFFF), unpaired
 * \u surrogates, control characters inside strings, duplicate keys in one
 * object (compared after decoding: "a" and "\u0061" are one key), a NUL in
 * a key, integers outside int64, reals that overflow a double, nesting
 * deeper than VG_JSON_MAX_DEPTH and more than VG_JSON_MAX_VALUES values. A
 * "\u0000" inside a string value is accepted: the string then holds a NUL
 * byte and its length says where it ends.
 *
 * Reading: every accessor takes NULL (an absent member) and answers as for
 * a value of the wrong type, so lookups chain without checks in between.
 */
#ifndef VAGLIO_JSON_H
#define VAGLIO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_JSON_MAX_DEPTH  64
#define VG_JSON_MAX_VALUES (1u << 20)

typedef enum {
    VG_JSON_NULL = 0,
    VG_JSON_FALSE,
    VG_JSON_TRUE,
    VG_JSON_INTEGER,
    VG_JSON_REAL,
    VG_JSON_STRING,
    VG_JSON_ARRAY,
    VG_JSON_OBJECT,
} vg_json_type_t;

/** Why a text is not accepted. */
typedef enum {
    VG_JSON_OK = 0,
    VG_JSON_ESYNTAX,    /**< not JSON */
    VG_JSON_ETRUNCATED, /**< ends inside a value */
    VG_JSON_ETRAILING,  /**< something after the top-level value */
    VG_JSON_EUTF8,      /**< invalid UTF-8 or an unpaired surrogate escape */
    VG_JSON_EDUPKEY,    /**< a key twice in one object */
    VG_JSON_EDEPTH,     /**< nested deeper than VG_JSON_MAX_DEPTH */
    VG_JSON_ERANGE,     /**< a number out of range */
    VG_JSON_ELIMIT,     /**< more than VG_JSON_MAX_VALUES values */
} vg_json_error_t;

typedef struct vg_json_doc vg_json_doc_t; /* a parsed text: owns every value */
typedef struct vg_json vg_json_t;         /* one value, borrowed from its document */

/**
 * Parses @p n bytes at @p s (need not be NUL-terminated). Returns the
 * document (free with vg_json_free), or NULL with the reason in *@p why and
 * in *@p pos the byte offset where the parse stopped (both may be NULL).
 * Messages built from these never quote the input.
 */
vg_json_doc_t *vg_json_parse(const char *s, size_t n, vg_json_error_t *why, size_t *pos);

/** Frees a document and every value in it. NULL is a no-op. */
void vg_json_free(vg_json_doc_t *doc);

/** The top-level value (an object or an array). */
const vg_json_t *vg_json_root(const vg_json_doc_t *doc);

/** "not JSON" reasons for messages: "invalid syntax", "truncated", ... Static. */
const char *vg_json_strerror(vg_json_error_t e);

vg_json_type_t vg_json_type(const vg_json_t *v); /* NULL: VG_JSON_NULL */

bool vg_json_is_string(const vg_json_t *v);
bool vg_json_is_object(const vg_json_t *v);
bool vg_json_is_array(const vg_json_t *v);
/** True for NULL (absent) and for JSON null. */
bool vg_json_is_null(const vg_json_t *v);

/** A string's bytes, NUL-terminated, its length in *@p len; NULL if not a string. */
const char *vg_json_string(const vg_json_t *v, size_t *len);

/** True if @p v is the string @p lit (NUL-terminated; compared with the full length). */
bool vg_json_string_is(const vg_json_t *v, const char *lit);

/** True and *@p out set if @p v is an integer (no fraction, no exponent). */
bool vg_json_integer(const vg_json_t *v, int64_t *out);

/** Elements of an array or members of an object; 0 for anything else. */
size_t vg_json_size(const vg_json_t *v);

/** The member @p key (NUL-terminated) of an object, or NULL. */
const vg_json_t *vg_json_get(const vg_json_t *obj, const char *key);

/**
 * Iterates an array's elements, or an object's keys (string values; the
 * member's value is vg_json_value_of(key)): the first (NULL if empty or
 * neither), then each next one. @p c must be the container @p e came from.
 */
const vg_json_t *vg_json_first(const vg_json_t *c);
const vg_json_t *vg_json_next(const vg_json_t *c, const vg_json_t *e);

/** The value of the member whose key vg_json_first/next returned. */
const vg_json_t *vg_json_value_of(const vg_json_t *key);

#endif /* VAGLIO_JSON_H */
