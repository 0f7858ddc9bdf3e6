/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config internals: the key tables and the generic engine that walks them.
 * Every setting is one row { key, type, offset, default, bounds, validate,
 * doc } in a section table (tables.c); the engine (engine.c) applies the
 * defaults, parses a JSON object against a table collecting every error with
 * its key path, frees what it allocated and dumps the values (dump.c). Tests
 * include this header to walk the tables (the docs check).
 */
#ifndef VAGLIO_CONFIG_INTERNAL_H
#define VAGLIO_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vaglio/config.h"
#include "vaglio/util.h"

/** Errors kept (and reported) per load; the rest are only counted. */
#define VG_CONF_MAX_ERRORS 20
/** Longest string value accepted where a table row gives no bound. */
#define VG_CONF_STRING_MAX 4096

typedef enum {
    VG_CT_BOOL = 0,
    VG_CT_U16,     /**< uint16_t */
    VG_CT_U32,     /**< uint32_t */
    VG_CT_UINT,    /**< unsigned */
    VG_CT_INT,     /**< int */
    VG_CT_SIZE,    /**< size_t */
    VG_CT_STRING,  /**< char *; min/max bound the length */
    VG_CT_SECRET,  /**< char *, never printed */
    VG_CT_PATH,    /**< char *, resolved against the config file's directory */
    VG_CT_ENUM,    /**< int-sized enum; `names` lists the accepted strings */
    VG_CT_SECTION, /**< a nested object described by `sub`, same base struct */
    VG_CT_CUSTOM,  /**< arrays and maps: `custom` parses, frees and dumps */
} vg_conf_type_t;

/** Row flags. */
enum {
    VG_CF_REQUIRED = 1 << 0, /**< a missing key is an error */
    VG_CF_NULLABLE = 1 << 1, /**< JSON null means "unset" (NULL string) */
    VG_CF_URL_AUTH = 1 << 2, /**< a URL whose password the dump hides */
    VG_CF_PRESENCE = 1 << 3, /**< SECTION: `offset` is a bool set when the key is present */
};

typedef struct vg_conf_ctx vg_conf_ctx_t;
typedef struct vg_conf_key vg_conf_key_t;
typedef struct vg_conf_section vg_conf_section_t;
typedef struct vg_conf_dump vg_conf_dump_t;

/** Extra checks on a value once parsed; report problems with vg_conf_error. */
typedef void (*vg_conf_validate_fn)(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k);

typedef struct vg_conf_custom {
    /** Parses @p v into @p base (the path already names the key). */
    void (*parse)(vg_conf_ctx_t *c, json_t *v, void *base, const vg_conf_key_t *k);
    /** Sets the default (may be NULL: zero). @p own: duplicate strings. */
    void (*init)(void *base, const vg_conf_key_t *k, bool own);
    /** Frees what parse or init allocated. */
    void (*free)(void *base, const vg_conf_key_t *k);
    /** Writes the value (after the key) into @p d. */
    void (*dump)(vg_conf_dump_t *d, const void *base, const vg_conf_key_t *k);
} vg_conf_custom_t;

struct vg_conf_key {
    const char *key;
    vg_conf_type_t type;
    size_t offset;                  /**< the field; SECTION: its presence bool (VG_CF_PRESENCE) */
    size_t count_offset;            /**< CUSTOM arrays and maps: their size_t count */
    size_t elem_size;               /**< CUSTOM arrays and maps: the size of one element */
    unsigned flags;                 /**< VG_CF_* */
    uint64_t def;                   /**< numeric, bool or enum default */
    const char *defstr;             /**< string default (NULL: none) */
    int64_t min, max;               /**< numbers: value bounds; strings and lists: length bounds */
    const char *const *names;       /**< ENUM: value names, NULL-terminated */
    const vg_conf_section_t *sub;   /**< SECTION, or the element of a CUSTOM list/map */
    const vg_conf_custom_t *custom; /**< CUSTOM */
    vg_conf_validate_fn validate;   /**< optional */
    const char *defdoc;             /**< the default in words, when not a plain value */
    const char *doc;                /**< one line for the docs and the dump */
};

struct vg_conf_section {
    const char *path; /**< documented path prefix: "", "http", "listen[]", "tenants.<name>" */
    const vg_conf_key_t *keys;
    size_t nkeys;
};

/* ---- the engine (engine.c) ---------------------------------------------- */

struct vg_conf_ctx {
    const char *name;    /**< file name for messages */
    const char *basedir; /**< relative paths resolve here; NULL: left as they are */
    vg_config_t *cfg;    /**< the config being built */
    char path[256];      /**< the key path being parsed */
    size_t plen;
    char *errors[VG_CONF_MAX_ERRORS];
    unsigned nerrors; /**< all errors, also those not kept */
};

void vg_conf_ctx_init(vg_conf_ctx_t *c, const char *name, const char *basedir);
void vg_conf_ctx_cleanup(vg_conf_ctx_t *c);

/** Records an error at the current path ("path: message"). */
void vg_conf_error(vg_conf_ctx_t *c, const char *fmt, ...) VG_PRINTF(2, 3);

/** Appends ".key" (or "key" at the top) to the path; returns the length to restore. */
size_t vg_conf_push_key(vg_conf_ctx_t *c, const char *key);
/** Appends "[i]" to the path; returns the length to restore. */
size_t vg_conf_push_index(vg_conf_ctx_t *c, size_t i);
void vg_conf_pop(vg_conf_ctx_t *c, size_t len);

/**
 * The string value of @p v, resolving "env:NAME". Returns NULL (after an
 * error naming the path, or the variable) if @p v is not a string or the
 * variable is unset. Borrowed from @p v or the environment.
 */
const char *vg_conf_string(vg_conf_ctx_t *c, json_t *v, size_t *len);

/** Sets every row of @p s in @p base to its default; @p own duplicates strings. */
void vg_conf_defaults(const vg_conf_section_t *s, void *base, bool own);
/** Parses the object @p obj against @p s into @p base; unknown keys are errors. */
void vg_conf_parse_section(vg_conf_ctx_t *c, json_t *obj, const vg_conf_section_t *s, void *base);
/** Frees every string and list of @p s in @p base. */
void vg_conf_free_section(const vg_conf_section_t *s, void *base);

/** Levenshtein distance of two short strings (capped at 64 bytes each). */
size_t vg_conf_edit_distance(const char *a, const char *b);
/** The closest name of @p names (NULL-terminated) to @p s, or NULL if none is close. */
const char *vg_conf_suggest(const char *s, const char *const *names, size_t n);

/* ---- the tables (tables.c) ---------------------------------------------- */

/** The root section (vg_config_t); the element sections of the lists. */
extern const vg_conf_section_t vg_conf_root;
extern const vg_conf_section_t vg_conf_listen;
extern const vg_conf_section_t vg_conf_tenant;
extern const vg_conf_section_t vg_conf_page;
extern const vg_conf_section_t vg_conf_category;

/** Fills the per-category policy table of the design (VG_CAT_COUNT entries). */
void vg_conf_policy_defaults(vg_category_conf_t *cc);
/** True if every byte of @p s is A-Z, a-z, 0-9 or in @p extra. */
bool vg_conf_name_ok(const char *s, const char *extra);

/* ---- the lists and maps (lists.c) --------------------------------------- */

extern const vg_conf_custom_t vg_conf_listen_custom;
extern const vg_conf_custom_t vg_conf_routes_custom;
extern const vg_conf_custom_t vg_conf_strlist_custom; /**< char ** + count, 1-256 bytes each */
extern const vg_conf_custom_t vg_conf_pages_custom;
extern const vg_conf_custom_t vg_conf_categories_custom;
extern const vg_conf_custom_t vg_conf_tenants_custom;

/** Names of the enumerations, shared with the dump. */
extern const char *const vg_conf_enforce_names[];
extern const char *const vg_conf_content_names[];
extern const char *const vg_conf_warn_names[];

/**
 * The checks across keys that run after parsing: a listener is required
 * (@p require_listen), scores, windows and retention agree, meta tokens, the
 * author key (derived when absent), relative paths resolved.
 */
void vg_conf_finish(vg_conf_ctx_t *c, vg_config_t *cfg, bool require_listen);

/* ---- walking and dumping (dump.c) --------------------------------------- */

/** Calls @p fn for every documented key path ("tenants.<name>.meta.app_secret"). */
void vg_conf_walk(void (*fn)(const char *path, const vg_conf_key_t *k, void *arg), void *arg);

struct vg_conf_dump {
    vg_buf_t *out;
    int depth;
    int flat;       /**< > 0: members on one line, without doc comments */
    bool first[16]; /**< per depth: no member written yet */
};

void vg_conf_dump_section(vg_conf_dump_t *d, const vg_conf_section_t *s, const void *base);
/** Begins one member ("key": ...) with its doc comment; @p key NULL in arrays. */
void vg_conf_dump_member(vg_conf_dump_t *d, const char *key, const vg_conf_key_t *k);
void vg_conf_dump_open(vg_conf_dump_t *d, char c);
void vg_conf_dump_close(vg_conf_dump_t *d, char c);
void vg_conf_dump_str(vg_conf_dump_t *d, const char *s);

#endif /* VAGLIO_CONFIG_INTERNAL_H */
