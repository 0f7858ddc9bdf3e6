/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config tables: every setting of vagliod, one row per key (the Redis/nginx
 * directive-table design). The rows are the single source of the defaults,
 * the bounds, the validation and the documentation shown by `vaglioctl
 * config dump`; docs/config.md is checked against them by a unit test. The
 * lists and maps (listeners, tenants, pages, categories) have small custom
 * parsers (lists.c); the checks that span keys run in vg_conf_finish.
 */
#include "config_internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "vaglio/log.h"

#define ROOT(f) offsetof(vg_config_t, f)
#define TEN(f)  offsetof(vg_tenant_conf_t, f)
#define LIS(f)  offsetof(vg_listen_conf_t, f)
#define CAT(f)  offsetof(vg_category_conf_t, f)
#define PAGE(f) offsetof(vg_meta_page_conf_t, f)

#define KIB ((int64_t)1024)
#define MIB (KIB * 1024)
#define DAY ((int64_t)86400)

/* The engine stores enums through an int: they must be int-sized. */
_Static_assert(sizeof(vg_enforce_t) == sizeof(int), "enum size");
_Static_assert(sizeof(vg_content_action_t) == sizeof(int), "enum size");
_Static_assert(sizeof(vg_warn_channel_t) == sizeof(int), "enum size");

const char *const vg_conf_enforce_names[] = {"ignore", "tag",    "review", "ladder",
                                             "severe", "remove", NULL};
const char *const vg_conf_content_names[] = {"none", "hide", "delete", NULL};
const char *const vg_conf_warn_names[] = {"private", "public", "none", NULL};
static const char *const log_level_names[] = {"error", "warn", "info", "debug", NULL};

/* Default message templates (Italian, as the netiquettes they enforce). */
#define WARNING_TEMPLATE                                                                           \
    "Gentile utente, il tuo commento è stato nascosto perché viola la netiquette di questa "     \
    "pagina: {rule}. Alla prossima violazione l'accesso alla pagina potrà essere bloccato."       \
    "{netiquette}"
#define NOTICE_TEMPLATE                                                                            \
    "Gentile utente, il tuo commento è stato rimosso perché conteneva {rule}, che la "           \
    "netiquette di questa pagina non consente di pubblicare.{netiquette}"

/* ---- validators --------------------------------------------------------- */

static char *str_field(void *base, const vg_conf_key_t *k)
{
    return *(char **)((char *)base + k->offset);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Messages never quote the value: a Redis URL may carry a password. */
static void validate_redis_url(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k)
{
    const char *s = str_field(base, k);

    if (starts_with(s, "redis://")) {
        const char *host = s + strlen("redis://");
        const char *slash = strchr(host, '/');
        const char *at = strrchr(host, '@');
        if (at != NULL && (slash == NULL || at < slash))
            host = at + 1;
        if (*host == '\0' || *host == '/' || *host == ':')
            vg_conf_error(c, "redis:// URL without a host");
        return;
    }
    if (starts_with(s, "unix://")) {
        if (s[strlen("unix://")] != '/')
            vg_conf_error(c, "unix:// URL needs an absolute path (unix:///run/redis.sock)");
        return;
    }
    vg_conf_error(c, "expected redis://[:password@]host[:port][/db] or unix:///path[?db=N]");
}

static void validate_ip(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k)
{
    unsigned char buf[16];
    const char *s = str_field(base, k);

    if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
        vg_conf_error(c, "expected an IPv4 or IPv6 address (127.0.0.1, 0.0.0.0, ::)");
}

static bool http_url_ok(const char *s)
{
    const char *host;
    if (starts_with(s, "https://"))
        host = s + 8;
    else if (starts_with(s, "http://"))
        host = s + 7;
    else
        return false;
    return *host != '\0' && *host != '/';
}

static void validate_http_url(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k)
{
    char *s = str_field(base, k);
    size_t n = strlen(s);

    if (!http_url_ok(s)) {
        vg_conf_error(c, "must start with http:// or https:// and name a host");
        return;
    }
    /* Paths are appended with a '/', so a trailing one would double it. */
    while (n > 0 && s[n - 1] == '/')
        s[--n] = '\0';
}

static void validate_url_or_empty(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k)
{
    const char *s = str_field(base, k);
    if (*s != '\0' && !http_url_ok(s))
        vg_conf_error(c, "must be empty or start with http:// or https://");
}

bool vg_conf_name_ok(const char *s, const char *extra)
{
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              strchr(extra, ch) != NULL))
            return false;
    }
    return true;
}

static void validate_instance(vg_conf_ctx_t *c, void *base, const vg_conf_key_t *k)
{
    if (!vg_conf_name_ok(str_field(base, k), "_-.:"))
        vg_conf_error(c, "only A-Z a-z 0-9 _ - . : are allowed");
}

/* ---- the category policy table ----------------------------------------- */

void vg_conf_policy_defaults(vg_category_conf_t *cc)
{
    for (int i = 0; i < VG_CAT_COUNT; i++) {
        vg_category_conf_t *x = &cc[i];
        memset(x, 0, sizeof(*x));
        if (vg_category_is_pii((vg_category_t)i)) {
            /* Deleted, not hidden: a hidden comment stays visible to the
             * author's friends. No notice by default (docs/config.md). */
            x->enforce = VG_ENFORCE_REMOVE;
            x->content = VG_CONTENT_DELETE;
            continue;
        }
        if (vg_category_is_hate((vg_category_t)i)) {
            x->enforce = VG_ENFORCE_LADDER;
            x->content = VG_CONTENT_HIDE;
            continue;
        }
        switch ((vg_category_t)i) {
        case VG_CAT_THREAT:
            x->enforce = VG_ENFORCE_SEVERE;
            x->content = VG_CONTENT_HIDE;
            x->review = true;
            break;
        case VG_CAT_ILLEGAL:
            x->enforce = VG_ENFORCE_LADDER;
            x->content = VG_CONTENT_HIDE;
            x->review = true;
            break;
        case VG_CAT_POLITICAL:
            x->enforce = VG_ENFORCE_TAG;
            break;
        case VG_CAT_IP:
        case VG_CAT_OFFTOPIC:
            x->enforce = VG_ENFORCE_REVIEW;
            break;
        default: /* insult, vulgarity, spam, spam.link */
            x->enforce = VG_ENFORCE_LADDER;
            x->content = VG_CONTENT_HIDE;
            break;
        }
    }
}

/* ---- the tables -------------------------------------------------------- */

/* One row per key. The common shapes get a macro so a table reads as one. */
#define NUM(k, t, off, d, lo, hi, doc_)                                                            \
    {                                                                                              \
        .key = k, .type = t, .offset = off, .def = d, .min = lo, .max = hi, .doc = doc_            \
    }
#define FLAG(k, off, d, doc_)                                                                      \
    {                                                                                              \
        .key = k, .type = VG_CT_BOOL, .offset = off, .def = d, .doc = doc_                         \
    }
#define ENUM(k, off, d, names_, doc_)                                                              \
    {                                                                                              \
        .key = k, .type = VG_CT_ENUM, .offset = off, .def = d, .names = names_, .doc = doc_        \
    }
#define SECTION(p, keys)                                                                           \
    {                                                                                              \
        p, keys, VG_ARRAY_LEN(keys)                                                                \
    }

static const vg_conf_key_t tls_keys[] = {
    {.key = "cert",
     .type = VG_CT_PATH,
     .offset = LIS(cert),
     .flags = VG_CF_REQUIRED,
     .min = 1,
     .doc = "PEM certificate chain (leaf first); relative to the config file's directory"},
    {.key = "key",
     .type = VG_CT_PATH,
     .offset = LIS(key),
     .flags = VG_CF_REQUIRED,
     .min = 1,
     .doc = "PEM private key of the certificate; relative to the config file's directory"},
};
static const vg_conf_section_t tls_section = SECTION("listen[].tls", tls_keys);

static const vg_conf_key_t listen_keys[] = {
    {.key = "address",
     .type = VG_CT_STRING,
     .offset = LIS(address),
     .defstr = "127.0.0.1",
     .min = 1,
     .max = 64,
     .validate = validate_ip,
     .doc = "IP address to bind (0.0.0.0 or :: for every interface)"},
    {.key = "port",
     .type = VG_CT_U16,
     .offset = LIS(port),
     .flags = VG_CF_REQUIRED,
     .min = 0,
     .max = 65535,
     .doc = "TCP port; 0 picks a free port (tests), logged once bound"},
    {.key = "tls",
     .type = VG_CT_SECTION,
     .offset = LIS(tls),
     .flags = VG_CF_PRESENCE,
     .sub = &tls_section,
     .defdoc = "absent: plain HTTP",
     .doc = "serve HTTPS with this certificate and key; without it the listener speaks plain "
            "HTTP (behind a TLS-terminating proxy)"},
    {.key = "routes",
     .type = VG_CT_CUSTOM,
     .offset = LIS(routes),
     .custom = &vg_conf_routes_custom,
     .defdoc = "[\"webhooks\", \"ops\"]",
     .doc = "what the listener serves: \"webhooks\" (/webhooks/...) and/or \"ops\" (/healthz, "
            "/readyz, /metrics)"},
};
const vg_conf_section_t vg_conf_listen = SECTION("listen[]", listen_keys);

static const vg_conf_key_t http_keys[] = {
    NUM("max_body", VG_CT_SIZE, ROOT(http.max_body), 4 * MIB, KIB, 64 * MIB,
        "largest request body in bytes (Meta batches can exceed 1 MB); 413 beyond"),
    NUM("max_header_bytes", VG_CT_SIZE, ROOT(http.max_header_bytes), 16 * KIB, KIB, MIB,
        "largest request line plus headers in bytes; 431 beyond"),
    NUM("header_timeout_ms", VG_CT_UINT, ROOT(http.header_timeout_ms), 10000, 100, 600000,
        "time allowed to receive the request headers (slow-loris guard)"),
    NUM("body_timeout_ms", VG_CT_UINT, ROOT(http.body_timeout_ms), 30000, 100, 600000,
        "time allowed to receive the request body"),
    NUM("idle_timeout_ms", VG_CT_UINT, ROOT(http.idle_timeout_ms), 60000, 100, 3600000,
        "a keep-alive connection idle this long is closed"),
    NUM("write_timeout_ms", VG_CT_UINT, ROOT(http.write_timeout_ms), 30000, 100, 600000,
        "time allowed to send a response"),
    NUM("max_connections", VG_CT_UINT, ROOT(http.max_connections), 10000, 1, 1000000,
        "open connections per worker; further ones are refused"),
    NUM("max_events", VG_CT_SIZE, ROOT(http.max_events), 5000, 1, 100000,
        "events in one delivery (Meta sends at most 1000); a larger delivery is refused"),
    NUM("max_text", VG_CT_SIZE, ROOT(http.max_text), 64 * KIB, KIB, MIB,
        "longest text scanned, in bytes"),
};
static const vg_conf_section_t http_section = SECTION("http", http_keys);

static const vg_conf_key_t store_keys[] = {
    NUM("timeout_ms", VG_CT_UINT, ROOT(store.timeout_ms), 1000, 10, 60000,
        "deadline of one Redis command; past it the connection is re-established"),
    NUM("connect_timeout_ms", VG_CT_UINT, ROOT(store.connect_timeout_ms), 1000, 10, 60000,
        "deadline of a Redis connection attempt"),
    NUM("ping_ms", VG_CT_UINT, ROOT(store.ping_ms), 500, 50, 60000,
        "period of the PING health probe (a dead server is noticed within it)"),
    NUM("reconnect_max_ms", VG_CT_UINT, ROOT(store.reconnect_max_ms), 2000, 10, 600000,
        "cap of the reconnection backoff"),
    NUM("shards", VG_CT_UINT, ROOT(store.shards), 16, 1, 1024,
        "author buckets per tenant (Redis Cluster hash tags and action streams); changing it "
        "moves every author's state: set it once"),
    NUM("dedupe_ttl_s", VG_CT_UINT, ROOT(store.dedupe_ttl_s), 7 * DAY, 60, 365 * DAY,
        "how long a delivery is remembered for deduplication (Meta retries for 36 h)"),
    NUM("retention_s", VG_CT_UINT, ROOT(store.retention_s), 90 * DAY, DAY, 3650 * DAY,
        "how long decision records are kept; at least every tenant's window_days"),
};
static const vg_conf_section_t store_section = SECTION("store", store_keys);

static const vg_conf_key_t dispatch_keys[] = {
    NUM("concurrency", VG_CT_UINT, ROOT(dispatch.concurrency), 32, 1, 1024,
        "decisions whose actions are in flight at once"),
    NUM("timeout_ms", VG_CT_UINT, ROOT(dispatch.timeout_ms), 10000, 100, 300000,
        "deadline of one platform API request"),
    NUM("max_attempts", VG_CT_UINT, ROOT(dispatch.max_attempts), 10, 1, 100,
        "attempts per action before it is dead-lettered (vg:T:dead)"),
    NUM("backoff_base_ms", VG_CT_UINT, ROOT(dispatch.backoff_base_ms), 250, 1, 60000,
        "delay before the first retry; doubled per attempt, with jitter"),
    NUM("backoff_max_ms", VG_CT_UINT, ROOT(dispatch.backoff_max_ms), 60000, 1, 3600000,
        "cap of the retry delay; at least backoff_base_ms"),
    NUM("claim_idle_ms", VG_CT_UINT, ROOT(dispatch.claim_idle_ms), 60000, 1000, 3600000,
        "stream entries another instance left pending this long are taken over"),
    NUM("batch_ms", VG_CT_UINT, ROOT(dispatch.batch_ms), 5, 0, 1000,
        "after a read that found actions, wait this long before reading again, so that "
        "the actions enqueued meanwhile come in one read; 0: read again at once"),
    {.key = "ca_file",
     .type = VG_CT_PATH,
     .offset = ROOT(dispatch.ca_file),
     .flags = VG_CF_NULLABLE,
     .min = 1,
     .defdoc = "null: the system trust store",
     .doc = "PEM CA bundle to verify the platform APIs; relative to the config file's "
            "directory"},
};
static const vg_conf_section_t dispatch_section = SECTION("dispatch", dispatch_keys);

static const vg_conf_key_t log_keys[] = {
    ENUM("level", ROOT(log.level), VG_LOG_INFO, log_level_names, "error, warn, info or debug"),
    FLAG("json", ROOT(log.json), false, "JSON lines instead of key=value lines"),
};
static const vg_conf_section_t log_section = SECTION("log", log_keys);

static const vg_conf_key_t page_keys[] = {
    {.key = "page_token",
     .type = VG_CT_SECRET,
     .offset = PAGE(page_token),
     .min = 1,
     .defdoc = "the tenant's meta.page_token",
     .doc = "access token for this Page or Instagram account (secret)"},
};
const vg_conf_section_t vg_conf_page = SECTION("tenants.<name>.meta.pages.<id>", page_keys);

static const vg_conf_key_t meta_keys[] = {
    {.key = "app_secret",
     .type = VG_CT_SECRET,
     .offset = TEN(meta.app_secret),
     .flags = VG_CF_REQUIRED,
     .min = 1,
     .max = 1024,
     .doc = "Meta App Secret: verifies X-Hub-Signature-256 on every delivery (secret)"},
    {.key = "verify_token",
     .type = VG_CT_SECRET,
     .offset = TEN(meta.verify_token),
     .flags = VG_CF_REQUIRED,
     .min = 1,
     .max = 512,
     .doc = "the token typed in the app's webhook settings, checked on the GET handshake "
            "(secret)"},
    {.key = "page_token",
     .type = VG_CT_SECRET,
     .offset = TEN(meta.page_token),
     .min = 1,
     .defdoc = "none: then every pages entry needs one",
     .doc = "Page access token used for the Graph API actions (secret)"},
    {.key = "graph_url",
     .type = VG_CT_STRING,
     .offset = TEN(meta.graph_url),
     .defstr = "https://graph.facebook.com/v21.0",
     .min = 1,
     .max = 512,
     .validate = validate_http_url,
     .doc = "Graph API base URL with its version; http:// only for test fakes"},
    {.key = "pages",
     .type = VG_CT_CUSTOM,
     .offset = TEN(meta.pages),
     .count_offset = TEN(meta.npages),
     .max = 10000,
     .sub = &vg_conf_page,
     .custom = &vg_conf_pages_custom,
     .defdoc = "{}",
     .doc = "per Page or Instagram account id (entry[].id): its own page_token"},
    ENUM("facebook_warning", TEN(meta.facebook_warning), VG_WARN_PRIVATE, vg_conf_warn_names,
         "how a warning reaches a Facebook author: private (reply), public or none"),
    ENUM("instagram_warning", TEN(meta.instagram_warning), VG_WARN_PUBLIC, vg_conf_warn_names,
         "how a warning reaches an Instagram author: public (reply, sent before the hide), "
         "private or none"),
};
static const vg_conf_section_t meta_section = SECTION("tenants.<name>.meta", meta_keys);

#define PER_CATEGORY "per category (the policy table)"
static const vg_conf_key_t category_keys[] = {
    {.key = "enforce",
     .type = VG_CT_ENUM,
     .offset = CAT(enforce),
     .names = vg_conf_enforce_names,
     .defdoc = PER_CATEGORY,
     .doc = "ignore, tag, review, ladder (warn, then block), severe (block at once) or remove "
            "(delete, no strike)"},
    {.key = "content",
     .type = VG_CT_ENUM,
     .offset = CAT(content),
     .names = vg_conf_content_names,
     .defdoc = PER_CATEGORY,
     .doc = "what happens to the content: none, hide or delete"},
    {.key = "review",
     .type = VG_CT_BOOL,
     .offset = CAT(review),
     .defdoc = PER_CATEGORY,
     .doc = "also open a review item for a moderator"},
    FLAG("shadow", CAT(shadow), false, "decide and record only: no strike, no action"),
    FLAG("notice", CAT(notice), false,
         "remove: send the personal data notice (a private reply, before the deletion)"),
};
const vg_conf_section_t vg_conf_category =
    SECTION("tenants.<name>.categories.<category>", category_keys);

static const vg_conf_key_t tenant_keys[] = {
    {.key = "meta",
     .type = VG_CT_SECTION,
     .offset = TEN(meta.enabled),
     .flags = VG_CF_PRESENCE,
     .sub = &meta_section,
     .defdoc = "absent: no Meta deliveries for this tenant",
     .doc = "the tenant's Meta app (Facebook Pages and Instagram accounts)"},
    {.key = "dry_run",
     .type = VG_CT_BOOL,
     .offset = TEN(dry_run),
     .defdoc = "the top-level dry_run",
     .doc = "decide, record and enqueue, but the dispatcher records the actions instead of "
            "calling the platform"},
    FLAG("shadow", TEN(shadow), false, "decide and record only: no strikes, no actions"),
    NUM("window_days", VG_CT_U32, TEN(window_days), 90, 1, 3650,
        "strike window: a violation counts towards a block this many days"),
    NUM("warnings", VG_CT_U32, TEN(warnings), 1, 0, 100,
        "warnings inside the window before the next violation blocks"),
    NUM("act_score", VG_CT_INT, TEN(act_score), 10, 1, 1000000,
        "a category acts when its findings' scores reach this total"),
    NUM("review_score", VG_CT_INT, TEN(review_score), 5, 1, 1000000,
        "below act_score, a total reaching this opens a review item; at most act_score"),
    {.key = "categories",
     .type = VG_CT_CUSTOM,
     .offset = TEN(categories),
     .custom = &vg_conf_categories_custom,
     .sub = &vg_conf_category,
     .defdoc = "the policy table",
     .doc = "per base category: how it is enforced (only the keys given change)"},
    {.key = "warning_template",
     .type = VG_CT_STRING,
     .offset = TEN(warning_template),
     .defstr = WARNING_TEMPLATE,
     .min = 1,
     .max = 1800,
     .defdoc = "Italian text (docs/config.md)",
     .doc = "the warning message; {rule}, {category} and {netiquette} are replaced"},
    {.key = "notice_template",
     .type = VG_CT_STRING,
     .offset = TEN(notice_template),
     .defstr = NOTICE_TEMPLATE,
     .min = 1,
     .max = 1800,
     .defdoc = "Italian text (docs/config.md)",
     .doc = "the personal data notice; {rule}, {category} and {netiquette} are replaced"},
    {.key = "netiquette_url",
     .type = VG_CT_STRING,
     .offset = TEN(netiquette_url),
     .defstr = "",
     .max = 2048,
     .validate = validate_url_or_empty,
     .doc = "the page's netiquette, linked by {netiquette}; empty: no link"},
    {.key = "allow",
     .type = VG_CT_CUSTOM,
     .offset = TEN(allow),
     .count_offset = TEN(nallow),
     .max = 100000,
     .custom = &vg_conf_strlist_custom,
     .defdoc = "[]",
     .doc = "the tenant's allow-list (towns, surnames): words never reported"},
    {.key = "disabled_sections",
     .type = VG_CT_CUSTOM,
     .offset = TEN(disabled_sections),
     .count_offset = TEN(ndisabled),
     .max = 1000,
     .custom = &vg_conf_strlist_custom,
     .defdoc = "[]",
     .doc = "pattern sections switched off for this tenant"},
};
const vg_conf_section_t vg_conf_tenant = SECTION("tenants.<name>", tenant_keys);

static const vg_conf_key_t root_keys[] = {
    {.key = "listen",
     .type = VG_CT_CUSTOM,
     .offset = ROOT(listen),
     .count_offset = ROOT(nlisten),
     .max = 16,
     .sub = &vg_conf_listen,
     .custom = &vg_conf_listen_custom,
     .defdoc = "none; vagliod needs at least one",
     .doc = "the listening sockets of vagliod"},
    {.key = "redis",
     .type = VG_CT_STRING,
     .offset = ROOT(redis_url),
     .defstr = "redis://127.0.0.1:6379/0",
     .flags = VG_CF_URL_AUTH,
     .min = 1,
     .max = 1024,
     .validate = validate_redis_url,
     .doc = "redis://[:password@]host[:port][/db] or unix:///path[?db=N]; the password is "
            "never printed"},
    {.key = "patterns",
     .type = VG_CT_PATH,
     .offset = ROOT(patterns_dir),
     .defstr = "patterns",
     .min = 1,
     .doc = "the pattern directory; relative to the config file's directory"},
    NUM("workers", VG_CT_UINT, ROOT(workers), 1, 1, 64,
        "event-loop threads (each with its scanner and Redis connection)"),
    FLAG("dry_run", ROOT(dry_run), false, "the default of every tenant's dry_run"),
    {.key = "author_key",
     .type = VG_CT_SECRET,
     .offset = ROOT(author_key),
     .flags = VG_CF_NULLABLE,
     .min = 16,
     .max = 1024,
     .defdoc = "derived from the first tenant's meta.app_secret (set it!)",
     .doc = "key of the author pseudonyms in Redis (secret, 16 bytes or more); changing it "
            "resets every strike ladder"},
    {.key = "instance",
     .type = VG_CT_STRING,
     .offset = ROOT(instance),
     .min = 1,
     .max = 128,
     .validate = validate_instance,
     .defdoc = "the host name",
     .doc = "this instance's name (the dispatcher's Redis consumer name); unique per instance"},
    {.key = "http", .type = VG_CT_SECTION, .sub = &http_section, .doc = "HTTP server limits"},
    {.key = "store",
     .type = VG_CT_SECTION,
     .sub = &store_section,
     .doc = "Redis connection and retention"},
    {.key = "dispatch",
     .type = VG_CT_SECTION,
     .sub = &dispatch_section,
     .doc = "the action dispatcher (platform API calls)"},
    {.key = "log", .type = VG_CT_SECTION, .sub = &log_section, .doc = "logging"},
    /* Last: tenants inherit dry_run and are checked against store. */
    {.key = "tenants",
     .type = VG_CT_CUSTOM,
     .offset = ROOT(tenants),
     .count_offset = ROOT(ntenants),
     .max = 1000,
     .sub = &vg_conf_tenant,
     .custom = &vg_conf_tenants_custom,
     .defdoc = "{}",
     .doc = "the tenants by name (1 to 64 of A-Z a-z 0-9 _ -; used in webhook URLs)"},
};
const vg_conf_section_t vg_conf_root = SECTION("", root_keys);

/* ---- checks across keys ------------------------------------------------- */

static void resolve_path(vg_conf_ctx_t *c, char **p)
{
    char *joined;
    if (*p == NULL || (*p)[0] == '/' || c->basedir == NULL || c->basedir[0] == '\0')
        return;
    joined = vg_xasprintf("%s/%s", c->basedir, *p);
    free(*p);
    *p = joined;
}

static void check_listeners(vg_conf_ctx_t *c, vg_config_t *cfg, bool require_listen)
{
    size_t saved = vg_conf_push_key(c, "listen");

    if (require_listen && cfg->nlisten == 0)
        vg_conf_error(c, "at least one listener is required");
    for (size_t i = 0; i < cfg->nlisten; i++) {
        vg_listen_conf_t *l = &cfg->listen[i];
        resolve_path(c, &l->cert);
        resolve_path(c, &l->key);
        for (size_t j = 0; j < i && l->port != 0; j++) {
            if (cfg->listen[j].port == l->port && cfg->listen[j].address != NULL &&
                l->address != NULL && strcmp(cfg->listen[j].address, l->address) == 0) {
                size_t s2 = vg_conf_push_index(c, i);
                vg_conf_error(c, "same address and port as listen[%zu]", j);
                vg_conf_pop(c, s2);
            }
        }
    }
    vg_conf_pop(c, saved);
}

static void check_meta(vg_conf_ctx_t *c, const vg_tenant_conf_t *t)
{
    size_t saved = vg_conf_push_key(c, "meta");

    if (t->meta.page_token == NULL) {
        if (t->meta.npages == 0) {
            size_t s2 = vg_conf_push_key(c, "page_token");
            vg_conf_error(c, "required key missing (or a page_token in every pages entry)");
            vg_conf_pop(c, s2);
        }
        for (size_t i = 0; i < t->meta.npages; i++) {
            if (t->meta.pages[i].page_token != NULL)
                continue;
            size_t s2 = vg_conf_push_key(c, "pages");
            vg_conf_push_key(c, t->meta.pages[i].id);
            vg_conf_push_key(c, "page_token");
            vg_conf_error(c, "required key missing (meta.page_token is not set)");
            vg_conf_pop(c, s2);
        }
    }
    vg_conf_pop(c, saved);
}

static void check_tenant(vg_conf_ctx_t *c, const vg_config_t *cfg, const vg_tenant_conf_t *t)
{
    size_t saved = vg_conf_push_key(c, "tenants");
    size_t s2;

    vg_conf_push_key(c, t->name);
    if (t->review_score > t->act_score) {
        s2 = vg_conf_push_key(c, "review_score");
        vg_conf_error(c, "must not exceed act_score (%d)", t->act_score);
        vg_conf_pop(c, s2);
    }
    if ((uint64_t)t->window_days * (uint64_t)DAY > cfg->store.retention_s) {
        s2 = vg_conf_push_key(c, "window_days");
        vg_conf_error(c,
                      "longer than store.retention_s (%u s): strikes would expire with their "
                      "decision records",
                      cfg->store.retention_s);
        vg_conf_pop(c, s2);
    }
    if (t->meta.enabled)
        check_meta(c, t);
    vg_conf_pop(c, saved);
}

/*
 * The pseudonym key must be stable across restarts and reloads, or every
 * author's strikes are forgotten. Without an explicit key it is derived
 * from one app secret: stable, secret, but reset if that secret is rotated.
 */
static void derive_author_key(vg_conf_ctx_t *c, vg_config_t *cfg)
{
    static const char label[] = "vaglio author pseudonym v1";
    uint8_t mac[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];

    for (size_t i = 0; i < cfg->ntenants; i++) {
        const vg_tenant_conf_t *t = &cfg->tenants[i];
        if (!t->meta.enabled || t->meta.app_secret == NULL)
            continue;
        if (vg_hmac_sha256(t->meta.app_secret, strlen(t->meta.app_secret), label, sizeof(label) - 1,
                           mac) < 0) {
            vg_conf_error(c, "author_key: cannot derive the key (HMAC failed)");
            return;
        }
        vg_hex_encode(mac, sizeof(mac), hex);
        cfg->author_key = vg_xstrdup(hex);
        VG_LOG_WARN(config,
                    "msg=\"author_key not set: derived from a tenant's meta.app_secret; set it "
                    "explicitly, or rotating that secret resets every strike ladder\" tenant=%s",
                    t->name);
        return;
    }
    if (cfg->ntenants > 0) {
        size_t saved = vg_conf_push_key(c, "author_key");
        vg_conf_error(c, "required: no tenant has a meta.app_secret to derive it from");
        vg_conf_pop(c, saved);
    }
}

void vg_conf_finish(vg_conf_ctx_t *c, vg_config_t *cfg, bool require_listen)
{
    check_listeners(c, cfg, require_listen);
    resolve_path(c, &cfg->patterns_dir);
    resolve_path(c, &cfg->dispatch.ca_file);
    if (cfg->dispatch.backoff_base_ms > cfg->dispatch.backoff_max_ms) {
        size_t saved = vg_conf_push_key(c, "dispatch");
        vg_conf_push_key(c, "backoff_max_ms");
        vg_conf_error(c, "must be at least backoff_base_ms (%u)", cfg->dispatch.backoff_base_ms);
        vg_conf_pop(c, saved);
    }
    for (size_t i = 0; i < cfg->ntenants; i++)
        check_tenant(c, cfg, &cfg->tenants[i]);
    /* Derive only for a config that will be used: no warning for a broken one. */
    if (cfg->author_key == NULL && c->nerrors == 0)
        derive_author_key(c, cfg);
}
