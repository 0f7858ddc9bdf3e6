/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config: loads vagliod's JSON configuration into an immutable vg_config_t.
 * Each section is declared in one static table in src/config/ (key, type,
 * offset, default, bounds, doc), so defaults, validation, `vagliod -t` errors
 * and `vaglioctl config dump` come from one place and cannot drift apart.
 * Errors name the file, the key path and the reason
 * (`vaglio.json: tenants.demo.meta.app_secret: environment variable
 * META_APP_SECRET is not set`). Any string value may be "env:NAME" to take it
 * from the environment (secrets stay out of the file).
 *
 * The config is plain data, read-only once loaded and shared by every
 * thread; it is the one public struct of the project, because every module
 * reads a few of its fields and accessors for each would hide nothing.
 * It is loaded at start and on SIGHUP, never on the hot path.
 */
#ifndef VAGLIO_CONFIG_H
#define VAGLIO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vaglio/category.h"
#include "vaglio/util.h"

/** What a listener serves. */
enum {
    VG_ROUTE_WEBHOOKS = 1 << 0, /**< /webhooks/... */
    VG_ROUTE_OPS = 1 << 1,      /**< /healthz, /readyz, /metrics */
    VG_ROUTE_ALL = VG_ROUTE_WEBHOOKS | VG_ROUTE_OPS,
};

typedef struct vg_listen_conf {
    char *address;   /**< "127.0.0.1", "::", "0.0.0.0" */
    uint16_t port;   /**< 0 = any free port (tests); the bound port is logged */
    bool tls;        /**< false: plain HTTP, for use behind a TLS proxy */
    char *cert;      /**< PEM chain path, when tls */
    char *key;       /**< PEM private key path, when tls */
    unsigned routes; /**< VG_ROUTE_* mask; default all */
} vg_listen_conf_t;

/** How a warning reaches the author. */
typedef enum {
    VG_WARN_PRIVATE = 0, /**< private reply (Messenger / Instagram Direct) */
    VG_WARN_PUBLIC,      /**< a public reply under the comment */
    VG_WARN_NONE,        /**< no warning message (the ladder still counts) */
} vg_warn_channel_t;

/** What happens to the content itself. */
typedef enum {
    VG_CONTENT_NONE = 0,
    VG_CONTENT_HIDE,
    VG_CONTENT_DELETE,
} vg_content_action_t;

/** How a category is enforced (see the policy table in docs/config.md). */
typedef enum {
    VG_ENFORCE_IGNORE = 0, /**< findings recorded, nothing done */
    VG_ENFORCE_TAG,        /**< tagged on the decision (political); never removed for it */
    VG_ENFORCE_REVIEW,     /**< a review item for a human; no action */
    VG_ENFORCE_LADDER,     /**< content action + warning, then block on the next */
    VG_ENFORCE_SEVERE,     /**< content action + block at once + review item */
    VG_ENFORCE_REMOVE,     /**< content action (delete), no strike (personal data) */
} vg_enforce_t;

typedef struct vg_category_conf {
    vg_enforce_t enforce;
    vg_content_action_t content; /**< hide or delete */
    bool review;                 /**< also open a review item */
    bool shadow;                 /**< decide and record, do not act */
    bool notice;                 /**< VG_ENFORCE_REMOVE: tell the author (before deleting) */
} vg_category_conf_t;

typedef struct vg_meta_page_conf {
    char *id;         /**< Page id or Instagram account id (entry[].id) */
    char *page_token; /**< NULL: the tenant's meta.page_token */
} vg_meta_page_conf_t;

typedef struct vg_meta_conf {
    bool enabled;       /**< the tenant has a "meta" section */
    char *app_secret;   /**< signs deliveries (X-Hub-Signature-256) */
    char *verify_token; /**< the subscription handshake token */
    char *page_token;   /**< default Page access token (may be NULL if pages[] all have one) */
    char *graph_url;    /**< "https://graph.facebook.com/v21.0"; http:// allowed (tests) */
    vg_meta_page_conf_t *pages;
    size_t npages;
    vg_warn_channel_t facebook_warning;  /**< default private reply */
    vg_warn_channel_t instagram_warning; /**< default public reply (sent before the hide) */
} vg_meta_conf_t;

typedef struct vg_tenant_conf {
    char *name; /**< [A-Za-z0-9_-]{1,64}; appears in URLs and Redis key tags */
    vg_meta_conf_t meta;
    bool dry_run;         /**< decide, record, enqueue; the dispatcher records instead of sending */
    bool shadow;          /**< decide and record only: no strikes, no actions */
    uint32_t window_days; /**< strike window, default 90 */
    uint32_t warnings;    /**< warnings before a block, default 1 */
    int act_score;        /**< a category acts at this total score, default 10 */
    int review_score;     /**< ... or goes to review at this one, default 5 */
    vg_category_conf_t categories[VG_CAT_COUNT];
    char *warning_template; /**< Italian; {rule} {category} {netiquette} */
    char *block_template;   /**< unused today: a block sends no message; "" (no key) */
    char *notice_template;  /**< personal data notice */
    char *netiquette_url;   /**< "" if none */
    char **allow;           /**< the tenant's own allow-list (towns, surnames) */
    size_t nallow;
    char **disabled_sections; /**< pattern sections switched off for this tenant */
    size_t ndisabled;
} vg_tenant_conf_t;

typedef struct vg_config {
    char *path; /**< the file it was loaded from */
    vg_listen_conf_t *listen;
    size_t nlisten;
    char *redis_url;    /**< redis://[:password@]host:port/db or unix:///path[?db=N] */
    char *patterns_dir; /**< resolved relative to the config file's directory */
    vg_tenant_conf_t *tenants;
    size_t ntenants;
    unsigned workers; /**< event-loop threads, default 1 */
    bool dry_run;     /**< default for tenants */
    char *author_key; /**< pseudonymisation key; default derived, see docs/config.md;
                           NULL only in a config without tenants */
    char *instance;   /**< name of this instance (dispatcher consumer name); default hostname */

    struct {
        size_t max_body;            /**< default 4 MiB; 413 beyond */
        size_t max_header_bytes;    /**< default 16 KiB; 431 beyond */
        unsigned header_timeout_ms; /**< default 10 s */
        unsigned body_timeout_ms;   /**< default 30 s */
        unsigned idle_timeout_ms;   /**< keep-alive idle, default 60 s */
        unsigned write_timeout_ms;  /**< default 30 s */
        unsigned max_connections;   /**< per worker, default 10000 */
        size_t max_events;          /**< events in one delivery, default 5000 */
        size_t max_text;            /**< bytes of one text scanned, default 64 KiB */
    } http;

    struct {
        unsigned timeout_ms;         /**< per command, default 1000 */
        unsigned connect_timeout_ms; /**< default 1000 */
        unsigned ping_ms;            /**< health probe period, default 500 */
        unsigned reconnect_max_ms;   /**< reconnect backoff cap, default 2000 */
        unsigned shards;       /**< author buckets per tenant (key tags, streams), default 16 */
        unsigned dedupe_ttl_s; /**< default 7 days */
        unsigned retention_s;  /**< decision records, default 90 days */
    } store;

    struct {
        unsigned concurrency;     /**< decisions in flight, default 32 */
        unsigned timeout_ms;      /**< per platform request, default 10000 */
        unsigned max_attempts;    /**< per action, default 10 */
        unsigned backoff_base_ms; /**< first retry, default 250 */
        unsigned backoff_max_ms;  /**< default 60000 */
        unsigned claim_idle_ms;   /**< take over entries idle this long, default 60000 */
        unsigned batch_ms;        /**< wait after a read that found entries, default 5 */
        char *ca_file;            /**< NULL: the system store */
    } dispatch;

    struct {
        int level; /**< vg_log_level_t, default info */
        bool json; /**< JSON lines instead of key=value */
    } log;
} vg_config_t;

/**
 * Loads and validates @p path. Returns a new config (caller frees with
 * vg_config_free) or NULL with @p err naming file, key path and reason.
 * Unknown keys are errors (a typo must not silently fall back to a default).
 * Every error is collected; @p err holds the first few joined by "; " and
 * a count of the rest (vg_config_check lists them all). Relative paths
 * (patterns, listen[].tls.cert/key, dispatch.ca_file) are resolved against
 * the file's directory. At least one listener is required (vagliod). When
 * author_key is absent it is derived (and a warning logged, see
 * docs/config.md). Reads the environment (getenv): call it from one thread.
 */
vg_config_t *vg_config_load(const char *path, vg_err_t *err);

/**
 * As vg_config_load, from a NUL-terminated JSON text; @p name is used in
 * messages, relative paths are resolved against @p basedir (NULL: left
 * relative). Unlike vg_config_load no listener is required (tests, tools).
 */
vg_config_t *vg_config_load_string(const char *json, const char *name, const char *basedir,
                                   vg_err_t *err);

/**
 * The check of `vagliod -t`: loads @p path as vg_config_load does and
 * appends every error to @p errors (may be NULL), one line each as
 * "<path>: <key path>: <reason>\n" (the first 20, then a count of the
 * rest). Returns the number of errors: 0 if the config is valid.
 */
int vg_config_check(const char *path, vg_buf_t *errors);

/** Returns a config with every default and no listener or tenant (vaglioctl). */
vg_config_t *vg_config_new_default(void);

/** Frees a config. NULL is a no-op. */
void vg_config_free(vg_config_t *cfg);

/** The tenant named @p name (length @p n), or NULL. Borrowed. */
const vg_tenant_conf_t *vg_config_tenant(const vg_config_t *cfg, const char *name, size_t n);

/** The page token for @p page_id (the pages map, else meta.page_token), or NULL. Borrowed. */
const char *vg_config_page_token(const vg_tenant_conf_t *t, const char *page_id);

/**
 * Overwrites @p t with the built-in tenant defaults (the policy table of the
 * design, the Italian templates, the meta defaults with `enabled` false).
 * The strings point to static text and nothing is allocated: there is
 * nothing to free, and the caller must not free or modify them. `name` is
 * NULL, `dry_run` false.
 */
void vg_config_tenant_defaults(vg_tenant_conf_t *t);

/**
 * Writes the effective configuration, every key with its value and its doc
 * string, as commented JSON-like text. Secrets are shown as "(set)" or
 * "(unset)", the password of the Redis URL as "(set)".
 */
void vg_config_dump(const vg_config_t *cfg, vg_buf_t *out);

#endif /* VAGLIO_CONFIG_H */
