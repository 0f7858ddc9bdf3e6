/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config loader: the contract example, defaults, the
 * "env:" indirection, every class of error (with its key path, all of them
 * collected), secrets kept out of errors and dumps, relative paths, the
 * tenant policy table and the dump format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "vaglio/config.h"
#include "vaglio/log.h"

#define DATA VG_SOURCE_DIR "/tests/data/config"

static const char contract[] =
    "{\"listen\": [{\"address\": \"127.0.0.1\", \"port\": 8443, \"tls\": {\"cert\": \"dev.crt\", "
    "\"key\": \"dev.key\"}}], \"redis\": \"redis://127.0.0.1:6379/0\", \"patterns\": "
    "\"patterns\", \"tenants\": {\"demo\": {\"meta\": {\"app_secret\": \"env:META_APP_SECRET\", "
    "\"verify_token\": \"env:META_VERIFY_TOKEN\", \"page_token\": \"env:META_PAGE_TOKEN\", "
    "\"graph_url\": \"https://graph.facebook.com/v21.0\"}}}}";

/* A minimal valid tenant, for tests that vary other keys. */
#define META_OK                                                                                    \
    "\"meta\": {\"app_secret\": \"s3cr3t-app\", \"verify_token\": \"vt\", "                        \
    "\"page_token\": \"pt\"}"

static int setup(void **state)
{
    (void)state;
    setenv("META_APP_SECRET", "app-secret-from-env", 1);
    setenv("META_VERIFY_TOKEN", "verify-from-env", 1);
    setenv("META_PAGE_TOKEN", "page-token-from-env", 1);
    unsetenv("VG_TEST_UNSET_VAR");
    /* The derived author_key warning is expected; keep the output readable. */
    vg_log_setup(VG_LOG_ERROR, false);
    return 0;
}

static vg_config_t *load(const char *json, vg_err_t *err)
{
    vg_err_clear(err);
    return vg_config_load_string(json, "test.json", "/etc/vaglio", err);
}

/* Loads a config expected to fail and returns its message (static). */
static const char *load_error(const char *json)
{
    static vg_err_t err;
    vg_config_t *cfg = load(json, &err);
    if (cfg != NULL) {
        vg_config_free(cfg);
        fail_msg("expected an error for %s", json);
    }
    assert_int_equal(err.code, VG_ECONFIG);
    return err.msg;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" not found in \"%s\"", needle, hay);
}

static void assert_lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        fail_msg("\"%s\" unexpectedly found in \"%s\"", needle, hay);
}

static void test_contract(void **state)
{
    vg_err_t err;
    vg_config_t *cfg = load(contract, &err);
    (void)state;

    assert_non_null(cfg);
    assert_int_equal(cfg->nlisten, 1);
    assert_string_equal(cfg->listen[0].address, "127.0.0.1");
    assert_int_equal(cfg->listen[0].port, 8443);
    assert_true(cfg->listen[0].tls);
    assert_string_equal(cfg->listen[0].cert, "/etc/vaglio/dev.crt");
    assert_string_equal(cfg->listen[0].key, "/etc/vaglio/dev.key");
    assert_int_equal(cfg->listen[0].routes, VG_ROUTE_ALL);
    assert_string_equal(cfg->redis_url, "redis://127.0.0.1:6379/0");
    assert_string_equal(cfg->patterns_dir, "/etc/vaglio/patterns");
    assert_int_equal(cfg->ntenants, 1);

    const vg_tenant_conf_t *t = vg_config_tenant(cfg, "demo", 4);
    assert_non_null(t);
    assert_string_equal(t->name, "demo");
    assert_true(t->meta.enabled);
    assert_string_equal(t->meta.app_secret, "app-secret-from-env");
    assert_string_equal(t->meta.verify_token, "verify-from-env");
    assert_string_equal(t->meta.page_token, "page-token-from-env");
    assert_string_equal(t->meta.graph_url, "https://graph.facebook.com/v21.0");
    assert_int_equal(t->meta.facebook_warning, VG_WARN_PRIVATE);
    assert_int_equal(t->meta.instagram_warning, VG_WARN_PUBLIC);
    assert_null(vg_config_tenant(cfg, "dem", 3));
    assert_null(vg_config_tenant(cfg, "demox", 5));

    /* Defaults of the other sections. */
    assert_int_equal(cfg->workers, 1);
    assert_false(cfg->dry_run);
    assert_int_equal(cfg->http.max_body, 4 * 1024 * 1024);
    assert_int_equal(cfg->http.max_header_bytes, 16 * 1024);
    assert_int_equal(cfg->http.header_timeout_ms, 10000);
    assert_int_equal(cfg->http.body_timeout_ms, 30000);
    assert_int_equal(cfg->http.idle_timeout_ms, 60000);
    assert_int_equal(cfg->http.write_timeout_ms, 30000);
    assert_int_equal(cfg->http.max_connections, 10000);
    assert_int_equal(cfg->http.max_events, 5000);
    assert_int_equal(cfg->http.max_text, 65536);
    assert_int_equal(cfg->store.timeout_ms, 1000);
    assert_int_equal(cfg->store.connect_timeout_ms, 1000);
    assert_int_equal(cfg->store.ping_ms, 500);
    assert_int_equal(cfg->store.reconnect_max_ms, 2000);
    assert_int_equal(cfg->store.shards, 16);
    assert_int_equal(cfg->store.dedupe_ttl_s, 7 * 86400);
    assert_int_equal(cfg->store.retention_s, 90 * 86400);
    assert_int_equal(cfg->dispatch.concurrency, 32);
    assert_int_equal(cfg->dispatch.timeout_ms, 10000);
    assert_int_equal(cfg->dispatch.max_attempts, 10);
    assert_int_equal(cfg->dispatch.backoff_base_ms, 250);
    assert_int_equal(cfg->dispatch.backoff_max_ms, 60000);
    assert_int_equal(cfg->dispatch.claim_idle_ms, 60000);
    assert_int_equal(cfg->dispatch.batch_ms, 5);
    assert_null(cfg->dispatch.ca_file);
    assert_int_equal(cfg->log.level, VG_LOG_INFO);
    assert_false(cfg->log.json);
    assert_non_null(cfg->instance);
    assert_true(strlen(cfg->instance) > 0);

    /* Tenant defaults. */
    assert_false(t->dry_run);
    assert_false(t->shadow);
    assert_int_equal(t->window_days, 90);
    assert_int_equal(t->warnings, 1);
    assert_int_equal(t->act_score, 10);
    assert_int_equal(t->review_score, 5);
    assert_string_equal(t->netiquette_url, "");
    assert_string_equal(t->block_template, "");
    assert_int_equal(t->nallow, 0);
    assert_int_equal(t->ndisabled, 0);
    assert_non_null(strstr(t->warning_template, "{rule}"));

    /* author_key derived from the only tenant's app secret. */
    uint8_t mac[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];
    const char label[] = "vaglio author pseudonym v1";
    assert_int_equal(vg_hmac_sha256("app-secret-from-env", strlen("app-secret-from-env"), label,
                                    strlen(label), mac),
                     0);
    vg_hex_encode(mac, sizeof(mac), hex);
    assert_string_equal(cfg->author_key, hex);
    vg_config_free(cfg);
}

static void test_load_file(void **state)
{
    vg_err_t err;
    vg_config_t *cfg = vg_config_load(DATA "/contract.json", &err);
    char *dir = realpath(DATA, NULL);
    char expect[4096];
    (void)state;

    assert_non_null(cfg);
    assert_non_null(dir);
    snprintf(expect, sizeof(expect), "%s/dev.crt", dir);
    assert_string_equal(cfg->listen[0].cert, expect);
    snprintf(expect, sizeof(expect), "%s/patterns", dir);
    assert_string_equal(cfg->patterns_dir, expect);
    assert_string_equal(cfg->path, DATA "/contract.json");
    free(dir);
    vg_config_free(cfg);

    /* vg_config_load requires a listener; load_string does not. */
    cfg = vg_config_load(DATA "/no_listen.json", &err);
    assert_null(cfg);
    assert_contains(err.msg, "no_listen.json: listen: at least one listener is required");

    cfg = vg_config_load(DATA "/does_not_exist.json", &err);
    assert_null(cfg);
    assert_contains(err.msg, "does_not_exist.json");
}

static void test_example(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    /* The shipped example must stay loadable. */
    cfg = vg_config_load(VG_SOURCE_DIR "/deploy/vaglio.example.json", &err);
    if (cfg == NULL)
        fail_msg("deploy/vaglio.example.json: %s", err.msg);
    const vg_tenant_conf_t *t = vg_config_tenant(cfg, "demo", 4);
    assert_non_null(t);
    assert_true(t->dry_run);
    vg_config_free(cfg);
}

static void test_new_default(void **state)
{
    vg_config_t *cfg = vg_config_new_default();
    vg_buf_t out;
    (void)state;

    assert_int_equal(cfg->nlisten, 0);
    assert_int_equal(cfg->ntenants, 0);
    assert_null(cfg->author_key);
    assert_null(cfg->path);
    assert_string_equal(cfg->patterns_dir, "patterns");
    assert_string_equal(cfg->redis_url, "redis://127.0.0.1:6379/0");
    assert_int_equal(cfg->workers, 1);
    assert_non_null(cfg->instance);
    vg_buf_init(&out, 0);
    vg_config_dump(cfg, &out);
    assert_contains(out.data, "\"author_key\": \"(unset)\"");
    assert_contains(out.data, "\"tenants\": {}");
    vg_buf_cleanup(&out);
    vg_config_free(cfg);
    vg_config_free(NULL);
}

static void test_env(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    const char *m = load_error("{\"tenants\": {\"demo\": {\"meta\": {\"app_secret\": "
                               "\"env:VG_TEST_UNSET_VAR\", \"verify_token\": \"v\", "
                               "\"page_token\": \"p\"}}}}");
    assert_contains(m, "test.json: tenants.demo.meta.app_secret: environment variable "
                       "VG_TEST_UNSET_VAR is not set");

    m = load_error("{\"instance\": \"env:1BAD\"}");
    assert_contains(m, "instance: invalid environment variable name");

    /* Numbers and booleans may come from the environment too. */
    setenv("VG_TEST_PORT", "9443", 1);
    setenv("VG_TEST_BOOL", "true", 1);
    cfg = load("{\"listen\": [{\"port\": \"env:VG_TEST_PORT\"}], \"dry_run\": "
               "\"env:VG_TEST_BOOL\"}",
               &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->listen[0].port, 9443);
    assert_false(cfg->listen[0].tls);
    assert_string_equal(cfg->listen[0].address, "127.0.0.1");
    assert_true(cfg->dry_run);
    vg_config_free(cfg);

    setenv("VG_TEST_PORT", "94x", 1);
    m = load_error("{\"listen\": [{\"port\": \"env:VG_TEST_PORT\"}]}");
    assert_contains(m, "listen[0].port: environment variable VG_TEST_PORT: expected an integer");
    unsetenv("VG_TEST_PORT");
    unsetenv("VG_TEST_BOOL");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    const char *m = load_error("{\"tenants\": {\"demo\": {\"meta\": {\"app_secrte\": \"x\", "
                               "\"app_secret\": \"a\", \"verify_token\": \"v\", "
                               "\"page_token\": \"p\"}}}}");
    assert_contains(m, "tenants.demo.meta.app_secrte: unknown key (did you mean app_secret?)");

    m = load_error("{\"htpp\": {}}");
    assert_contains(m, "htpp: unknown key (did you mean http?)");
    m = load_error("{\"http\": {\"max_bdy\": 1}}");
    assert_contains(m, "http.max_bdy: unknown key (did you mean max_body?)");
    m = load_error("{\"completely_unrelated\": 1}");
    assert_contains(m, "completely_unrelated: unknown key");
    assert_lacks(m, "did you mean");
    /* A key full of control bytes is shown sanitised. */
    m = load_error("{\"a\\u0001\\u001b[2J\": 1}");
    assert_contains(m, "a??[2J: unknown key");
}

static void test_type_errors(void **state)
{
    (void)state;
    assert_contains(load_error("{\"workers\": \"two\"}"), "workers: expected an integer");
    assert_contains(load_error("{\"workers\": 1.5}"), "workers: expected an integer");
    assert_contains(load_error("{\"workers\": 65}"), "workers: must be between 1 and 64");
    assert_contains(load_error("{\"workers\": 0}"), "workers: must be between 1 and 64");
    assert_contains(load_error("{\"dry_run\": 1}"), "dry_run: expected true or false");
    assert_contains(load_error("{\"dispatch\": {\"batch_ms\": 1001}}"),
                    "dispatch.batch_ms: must be between 0 and 1000");
    assert_contains(load_error("{\"http\": []}"), "http: expected an object");
    assert_contains(load_error("{\"listen\": {}}"), "listen: expected an array");
    assert_contains(load_error("{\"listen\": [{\"port\": 70000}]}"),
                    "listen[0].port: must be between 0 and 65535");
    assert_contains(load_error("{\"listen\": [{\"address\": \"::\"}]}"),
                    "listen[0].port: required key missing");
    assert_contains(load_error("{\"listen\": [{\"port\": 1, \"address\": \"localhost\"}]}"),
                    "listen[0].address: expected an IPv4 or IPv6 address");
    assert_contains(load_error("{\"log\": {\"level\": \"infos\"}}"),
                    "log.level: expected one of error, warn, info, debug (did you mean info?)");
    assert_contains(load_error("{\"patterns\": \"\"}"), "patterns: must not be empty");
    assert_contains(load_error("[1, 2]"), "test.json: the top level must be a JSON object");
    assert_contains(load_error("{\"workers\": 1,}"), "test.json: line 1");
    /* A syntax error next to a secret does not quote it. */
    const char *m = load_error("{\"author_key\": \"supersecretvalue123\" \"x\"}");
    assert_contains(m, "test.json: line 1, column");
    assert_lacks(m, "supersecret");
    /* Duplicate keys: which one was meant? */
    assert_contains(load_error("{\"workers\": 1, \"workers\": 2}"), "duplicate");
}

static void test_listeners(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    cfg = load("{\"listen\": [{\"address\": \"::\", \"port\": 0, \"routes\": [\"ops\"]}, "
               "{\"address\": \"0.0.0.0\", \"port\": 8443, \"routes\": [\"webhooks\"], "
               "\"tls\": {\"cert\": \"/abs/c.pem\", \"key\": \"k.pem\"}}]}",
               &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->nlisten, 2);
    assert_int_equal(cfg->listen[0].routes, VG_ROUTE_OPS);
    assert_false(cfg->listen[0].tls);
    assert_null(cfg->listen[0].cert);
    assert_int_equal(cfg->listen[1].routes, VG_ROUTE_WEBHOOKS);
    assert_true(cfg->listen[1].tls);
    assert_string_equal(cfg->listen[1].cert, "/abs/c.pem");
    assert_string_equal(cfg->listen[1].key, "/etc/vaglio/k.pem");
    vg_config_free(cfg);

    assert_contains(load_error("{\"listen\": [{\"port\": 1, \"tls\": {\"cert\": \"c\"}}]}"),
                    "listen[0].tls.key: required key missing");
    assert_contains(load_error("{\"listen\": [{\"port\": 1, \"routes\": [\"api\"]}]}"),
                    "listen[0].routes[0]: expected \"webhooks\" or \"ops\"");
    assert_contains(load_error("{\"listen\": [{\"port\": 1, \"routes\": []}]}"),
                    "listen[0].routes: expected a non-empty array");
    assert_contains(load_error("{\"listen\": [{\"port\": 80}, {\"port\": 80}]}"),
                    "listen[1]: same address and port as listen[0]");
}

static void test_redis_url(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    cfg = load("{\"redis\": \"unix:///run/redis/redis.sock?db=3\"}", &err);
    assert_non_null(cfg);
    assert_string_equal(cfg->redis_url, "unix:///run/redis/redis.sock?db=3");
    vg_config_free(cfg);

    cfg = load("{\"redis\": \"redis://:hunter2pass@redis.internal:6380/1\"}", &err);
    assert_non_null(cfg);
    vg_buf_t out;
    vg_buf_init(&out, 0);
    vg_config_dump(cfg, &out);
    assert_contains(out.data, "\"redis\": \"redis://:(set)@redis.internal:6380/1\"");
    assert_lacks(out.data, "hunter2pass");
    vg_buf_cleanup(&out);
    vg_config_free(cfg);

    const char *m = load_error("{\"redis\": \"http://:hunter2pass@host\"}");
    assert_contains(m, "redis: expected redis://");
    assert_lacks(m, "hunter2pass");
    m = load_error("{\"redis\": \"redis://:hunter2pass@/0\"}");
    assert_contains(m, "redis: redis:// URL without a host");
    assert_lacks(m, "hunter2pass");
    assert_contains(load_error("{\"redis\": \"unix://relative.sock\"}"),
                    "redis: unix:// URL needs an absolute path");
}

static void test_tenants(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    /* Sorted by name; dry_run inherited whatever the key order in the file. */
    cfg = load("{\"tenants\": {\"zeta\": {" META_OK "}, \"alpha\": {" META_OK
               ", \"dry_run\": false}, \"mid\": {}}, \"dry_run\": true, "
               "\"author_key\": \"0123456789abcdef0123\"}",
               &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->ntenants, 3);
    assert_string_equal(cfg->tenants[0].name, "alpha");
    assert_string_equal(cfg->tenants[1].name, "mid");
    assert_string_equal(cfg->tenants[2].name, "zeta");
    assert_false(cfg->tenants[0].dry_run);
    assert_true(cfg->tenants[1].dry_run);
    assert_true(cfg->tenants[2].dry_run);
    assert_false(cfg->tenants[1].meta.enabled);
    assert_string_equal(cfg->author_key, "0123456789abcdef0123");
    assert_ptr_equal(vg_config_tenant(cfg, "zeta", 4), &cfg->tenants[2]);
    assert_ptr_equal(vg_config_tenant(cfg, "alpha", 5), &cfg->tenants[0]);
    assert_ptr_equal(vg_config_tenant(cfg, "mid", 3), &cfg->tenants[1]);
    assert_null(vg_config_tenant(cfg, "", 0));
    vg_config_free(cfg);

    /* The derived key comes from the first tenant by name. */
    cfg = load("{\"tenants\": {\"b\": {\"meta\": {\"app_secret\": \"second\", "
               "\"verify_token\": \"v\", \"page_token\": \"p\"}}, \"a\": {\"meta\": "
               "{\"app_secret\": \"first\", \"verify_token\": \"v\", \"page_token\": \"p\"}}}}",
               &err);
    assert_non_null(cfg);
    uint8_t mac[VG_SHA256_LEN];
    char hex[2 * VG_SHA256_LEN + 1];
    vg_hmac_sha256("first", 5, "vaglio author pseudonym v1", 26, mac);
    vg_hex_encode(mac, sizeof(mac), hex);
    assert_string_equal(cfg->author_key, hex);
    vg_config_free(cfg);

    assert_contains(load_error("{\"tenants\": {\"a b\": {}}}"), "tenants.a b: invalid tenant name");
    assert_contains(load_error("{\"tenants\": {\"\": {}}}"), "invalid tenant name");
    char longname[200];
    snprintf(longname, sizeof(longname), "{\"tenants\": {\"%065d\": {}}}", 0);
    assert_contains(load_error(longname), "invalid tenant name");
    assert_contains(load_error("{\"tenants\": {\"t\": {}}, \"author_key\": \"short\"}"),
                    "author_key: must be at least 16 bytes");
    /* No app secret anywhere: the key cannot be derived. */
    assert_contains(load_error("{\"tenants\": {\"t\": {}}}"), "author_key: required");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK ", \"window_days\": 0}}}"),
                    "tenants.t.window_days: must be between 1 and 3650");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK ", \"window_days\": 120}}}"),
                    "tenants.t.window_days: longer than store.retention_s");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK ", \"review_score\": 11}}}"),
                    "tenants.t.review_score: must not exceed act_score (10)");
    assert_contains(
        load_error("{\"tenants\": {\"t\": {" META_OK ", \"netiquette_url\": \"ftp://x\"}}}"),
        "tenants.t.netiquette_url: must be empty or start with http:// or https://");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK ", \"allow\": [\"ok\", \"\"]}}}"),
                    "tenants.t.allow[1]: expected 1 to 256 bytes");

    cfg = load("{\"tenants\": {\"t\": {" META_OK
               ", \"allow\": [\"Bari\", \"Cazzago\"], \"disabled_sections\": [\"political\"], "
               "\"netiquette_url\": \"https://example.org/netiquette\", \"shadow\": true, "
               "\"warnings\": 2, \"window_days\": 30, \"act_score\": 20, \"review_score\": 20, "
               "\"warning_template\": \"Avviso: {rule}\"}}}",
               &err);
    assert_non_null(cfg);
    const vg_tenant_conf_t *t = &cfg->tenants[0];
    assert_int_equal(t->nallow, 2);
    assert_string_equal(t->allow[1], "Cazzago");
    assert_int_equal(t->ndisabled, 1);
    assert_string_equal(t->disabled_sections[0], "political");
    assert_string_equal(t->netiquette_url, "https://example.org/netiquette");
    assert_true(t->shadow);
    assert_int_equal(t->warnings, 2);
    assert_int_equal(t->window_days, 30);
    assert_int_equal(t->act_score, 20);
    assert_int_equal(t->review_score, 20);
    assert_string_equal(t->warning_template, "Avviso: {rule}");
    vg_config_free(cfg);
}

static void test_meta(void **state)
{
    vg_err_t err;
    vg_config_t *cfg;
    (void)state;

    /* No default page token: every page has its own. */
    cfg = load("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
               "\"v\", \"graph_url\": \"http://127.0.0.1:9999/v21.0/\", \"pages\": {\"111\": "
               "{\"page_token\": \"tok111\"}, \"17841400000000001\": {\"page_token\": "
               "\"tokig\"}}, \"facebook_warning\": \"public\", \"instagram_warning\": "
               "\"none\"}}}}",
               &err);
    assert_non_null(cfg);
    const vg_tenant_conf_t *t = &cfg->tenants[0];
    assert_int_equal(t->meta.npages, 2);
    assert_null(t->meta.page_token);
    assert_string_equal(t->meta.graph_url, "http://127.0.0.1:9999/v21.0");
    assert_string_equal(vg_config_page_token(t, "111"), "tok111");
    assert_string_equal(vg_config_page_token(t, "17841400000000001"), "tokig");
    assert_null(vg_config_page_token(t, "222"));
    assert_int_equal(t->meta.facebook_warning, VG_WARN_PUBLIC);
    assert_int_equal(t->meta.instagram_warning, VG_WARN_NONE);
    vg_config_free(cfg);

    /* A default token and a page without its own. */
    cfg = load("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
               "\"v\", \"page_token\": \"deflt\", \"pages\": {\"111\": {}, \"222\": "
               "{\"page_token\": \"own\"}}}}}}",
               &err);
    assert_non_null(cfg);
    t = &cfg->tenants[0];
    assert_string_equal(vg_config_page_token(t, "111"), "deflt");
    assert_string_equal(vg_config_page_token(t, "222"), "own");
    assert_string_equal(vg_config_page_token(t, "333"), "deflt");
    assert_string_equal(vg_config_page_token(t, NULL), "deflt");
    vg_config_free(cfg);

    const char *m = load_error("{\"tenants\": {\"t\": {\"meta\": {}}}}");
    assert_contains(m, "tenants.t.meta.app_secret: required key missing");
    assert_contains(m, "tenants.t.meta.verify_token: required key missing");
    assert_contains(m, "tenants.t.meta.page_token: required key missing");
    m = load_error("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
                   "\"v\", \"pages\": {\"111\": {\"page_token\": \"x\"}, \"222\": {}}}}}}");
    assert_contains(m, "tenants.t.meta.pages.222.page_token: required key missing");
    assert_lacks(m, "pages.111");
    assert_contains(
        load_error("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
                   "\"v\", \"page_token\": \"p\", \"graph_url\": \"ftp://graph\"}}}}"),
        "tenants.t.meta.graph_url: must start with http:// or https://");
    assert_contains(
        load_error("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
                   "\"v\", \"page_token\": \"p\", \"pages\": {\"../x\": {}}}}}}"),
        "tenants.t.meta.pages.../x: invalid page id");
    assert_contains(
        load_error("{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"a\", \"verify_token\": "
                   "\"v\", \"page_token\": \"p\", \"facebook_warning\": \"privat\"}}}}"),
        "tenants.t.meta.facebook_warning: expected one of private, public, none (did you mean "
        "private?)");
}

static void test_secrets_hidden(void **state)
{
    vg_config_t *cfg;
    vg_err_t err;
    vg_buf_t out;
    (void)state;

    /* An over-long secret: the error names the key, never the value. */
    char json[4096];
    char secret[1100];
    memset(secret, 'Q', sizeof(secret) - 1);
    secret[sizeof(secret) - 1] = '\0';
    snprintf(json, sizeof(json),
             "{\"tenants\": {\"t\": {\"meta\": {\"app_secret\": \"%s\", \"verify_token\": 1, "
             "\"page_token\": \"p\"}}}}",
             secret);
    const char *m = load_error(json);
    assert_contains(m, "tenants.t.meta.app_secret: must be at most 1024 bytes");
    assert_contains(m, "tenants.t.meta.verify_token: expected a string");
    assert_lacks(m, "QQQQ");

    cfg = load("{\"author_key\": \"author-key-value-123456\", \"tenants\": {\"t\": {\"meta\": "
               "{\"app_secret\": \"app-secret-value\", \"verify_token\": \"verify-value\", "
               "\"page_token\": \"page-token-value\", \"pages\": {\"1\": {\"page_token\": "
               "\"page-one-value\"}}}}}}",
               &err);
    assert_non_null(cfg);
    vg_buf_init(&out, 0);
    vg_config_dump(cfg, &out);
    assert_lacks(out.data, "author-key-value");
    assert_lacks(out.data, "app-secret-value");
    assert_lacks(out.data, "verify-value");
    assert_lacks(out.data, "page-token-value");
    assert_lacks(out.data, "page-one-value");
    assert_contains(out.data, "\"app_secret\": \"(set)\"");
    assert_contains(out.data, "\"1\": {\"page_token\": \"(set)\"}");
    vg_buf_cleanup(&out);
    vg_config_free(cfg);
}

static void test_categories(void **state)
{
    vg_tenant_conf_t t;
    vg_config_t *cfg;
    vg_err_t err;
    (void)state;

    vg_config_tenant_defaults(&t);
    assert_null(t.name);
    assert_false(t.meta.enabled);
    assert_string_equal(t.meta.graph_url, "https://graph.facebook.com/v21.0");
    assert_int_equal(t.window_days, 90);
    assert_int_equal(t.warnings, 1);
    assert_int_equal(t.act_score, 10);
    assert_int_equal(t.review_score, 5);
    assert_string_equal(t.warning_template,
                        "Gentile utente, il tuo commento è stato nascosto perché viola la "
                        "netiquette di questa pagina: {rule}. Alla prossima violazione "
                        "l'accesso alla pagina potrà essere bloccato.{netiquette}");
    assert_non_null(strstr(t.notice_template, "{rule}"));
    for (int c = 0; c < VG_CAT_COUNT; c++) {
        const vg_category_conf_t *x = &t.categories[c];
        assert_false(x->shadow);
        assert_false(x->notice);
        if (vg_category_is_pii((vg_category_t)c)) {
            assert_int_equal(x->enforce, VG_ENFORCE_REMOVE);
            assert_int_equal(x->content, VG_CONTENT_DELETE);
            assert_false(x->review);
        } else if (vg_category_is_hate((vg_category_t)c)) {
            assert_int_equal(x->enforce, VG_ENFORCE_LADDER);
            assert_int_equal(x->content, VG_CONTENT_HIDE);
            assert_false(x->review);
        }
    }
    const vg_category_conf_t *cc = t.categories;
    assert_int_equal(cc[VG_CAT_INSULT].enforce, VG_ENFORCE_LADDER);
    assert_int_equal(cc[VG_CAT_VULGARITY].content, VG_CONTENT_HIDE);
    assert_int_equal(cc[VG_CAT_THREAT].enforce, VG_ENFORCE_SEVERE);
    assert_int_equal(cc[VG_CAT_THREAT].content, VG_CONTENT_HIDE);
    assert_true(cc[VG_CAT_THREAT].review);
    assert_int_equal(cc[VG_CAT_SPAM].enforce, VG_ENFORCE_LADDER);
    assert_int_equal(cc[VG_CAT_SPAM_LINK].enforce, VG_ENFORCE_LADDER);
    assert_false(cc[VG_CAT_SPAM_LINK].review);
    assert_int_equal(cc[VG_CAT_ILLEGAL].enforce, VG_ENFORCE_LADDER);
    assert_true(cc[VG_CAT_ILLEGAL].review);
    assert_int_equal(cc[VG_CAT_POLITICAL].enforce, VG_ENFORCE_TAG);
    assert_int_equal(cc[VG_CAT_POLITICAL].content, VG_CONTENT_NONE);
    assert_int_equal(cc[VG_CAT_IP].enforce, VG_ENFORCE_REVIEW);
    assert_int_equal(cc[VG_CAT_OFFTOPIC].enforce, VG_ENFORCE_REVIEW);
    assert_int_equal(cc[VG_CAT_OFFTOPIC].content, VG_CONTENT_NONE);

    /* Overrides change only the keys given. */
    cfg = load("{\"tenants\": {\"t\": {" META_OK ", \"categories\": {\"insult\": "
               "{\"content\": \"delete\", \"shadow\": true}, \"pii.phone\": {\"notice\": true}, "
               "\"political\": {\"enforce\": \"ignore\"}}}}}",
               &err);
    assert_non_null(cfg);
    cc = cfg->tenants[0].categories;
    assert_int_equal(cc[VG_CAT_INSULT].enforce, VG_ENFORCE_LADDER);
    assert_int_equal(cc[VG_CAT_INSULT].content, VG_CONTENT_DELETE);
    assert_true(cc[VG_CAT_INSULT].shadow);
    assert_true(cc[VG_CAT_PII_PHONE].notice);
    assert_int_equal(cc[VG_CAT_PII_PHONE].enforce, VG_ENFORCE_REMOVE);
    assert_false(cc[VG_CAT_PII_EMAIL].notice);
    assert_int_equal(cc[VG_CAT_POLITICAL].enforce, VG_ENFORCE_IGNORE);
    vg_config_free(cfg);

    assert_contains(
        load_error("{\"tenants\": {\"t\": {" META_OK ", \"categories\": {\"insults\": {}}}}}"),
        "tenants.t.categories.insults: unknown category (did you mean insult?)");
    /* Finer names are for pattern files, not for the policy. */
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK
                               ", \"categories\": {\"spam.link.shortener\": {}}}}}"),
                    "tenants.t.categories.spam.link.shortener: unknown category");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK
                               ", \"categories\": {\"threat\": {\"enforce\": \"block\"}}}}}"),
                    "tenants.t.categories.threat.enforce: expected one of ignore, tag, review, "
                    "ladder, severe, remove");
    assert_contains(load_error("{\"tenants\": {\"t\": {" META_OK
                               ", \"categories\": {\"threat\": {\"reveiw\": true}}}}}"),
                    "tenants.t.categories.threat.reveiw: unknown key (did you mean review?)");
}

static void test_many_errors(void **state)
{
    vg_buf_t errors;
    vg_err_t err;
    vg_config_t *cfg;
    int n;
    (void)state;

    vg_buf_init(&errors, 0);
    n = vg_config_check(DATA "/many_errors.json", &errors);
    /* Every error counted; the first 20 listed, one per line, then a count. */
    assert_int_equal(n, 29);
    size_t lines = 0;
    for (size_t i = 0; i < errors.len; i++)
        lines += errors.data[i] == '\n';
    assert_int_equal(lines, 21);
    assert_contains(errors.data, DATA "/many_errors.json: workers: must be between 1 and 64\n");
    assert_contains(errors.data, "listen[0].adress: unknown key (did you mean address?)\n");
    assert_contains(errors.data, "http.max_body: must be between 1024 and 67108864\n");
    assert_contains(errors.data, "9 more errors not shown\n");
    vg_buf_cleanup(&errors);

    /* vg_err_t holds the first few, joined, and counts the rest. */
    cfg = vg_config_load(DATA "/many_errors.json", &err);
    assert_null(cfg);
    assert_int_equal(err.code, VG_ECONFIG);
    assert_contains(err.msg, "many_errors.json: ");
    assert_contains(err.msg, "; ");
    assert_contains(err.msg, "more errors)");

    vg_buf_init(&errors, 0);
    assert_int_equal(vg_config_check(DATA "/contract.json", &errors), 0);
    assert_int_equal(errors.len, 0);
    assert_int_equal(vg_config_check(DATA "/contract.json", NULL), 0);
    vg_buf_cleanup(&errors);
}

/* Strips the // comments of a dump and parses what is left as JSON. */
static json_t *parse_dump(const char *dump)
{
    vg_buf_t b;
    json_error_t je;
    json_t *j;

    vg_buf_init(&b, 0);
    for (const char *p = dump; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);
        const char *q = p;
        while (*q == ' ')
            q++;
        if (strncmp(q, "//", 2) != 0)
            vg_buf_append(&b, p, n);
        p += n;
    }
    j = json_loads(b.data, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        fail_msg("dump is not JSON once comments are stripped: %s (line %d)\n%s", je.text, je.line,
                 b.data);
    vg_buf_cleanup(&b);
    return j;
}

static void test_dump(void **state)
{
    vg_err_t err;
    vg_config_t *cfg = load(contract, &err);
    vg_buf_t out;
    (void)state;

    assert_non_null(cfg);
    vg_buf_init(&out, 0);
    vg_config_dump(cfg, &out);
    assert_contains(out.data, "// largest request body in bytes");
    assert_contains(out.data, "[default: 4194304]");
    assert_contains(out.data, "\"max_body\": 4194304");
    assert_contains(out.data, "\"routes\": [\"webhooks\", \"ops\"]");
    assert_contains(out.data, "\"insult\": {\"enforce\": \"ladder\", \"content\": \"hide\", "
                              "\"review\": false, \"shadow\": false, \"notice\": false}");
    assert_contains(out.data, "\"level\": \"info\"");
    assert_contains(out.data, "\"ca_file\": null");
    assert_contains(out.data, "\"verify_token\": \"(set)\"");
    assert_lacks(out.data, "from-env");

    json_t *j = parse_dump(out.data);
    json_t *demo = json_object_get(json_object_get(j, "tenants"), "demo");
    assert_non_null(demo);
    assert_int_equal(json_integer_value(json_object_get(demo, "window_days")), 90);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(demo, "meta"), "graph_url")),
        "https://graph.facebook.com/v21.0");
    assert_int_equal(json_array_size(json_object_get(j, "listen")), 1);
    json_decref(j);
    vg_buf_cleanup(&out);
    vg_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contract),    cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_example),     cmocka_unit_test(test_new_default),
        cmocka_unit_test(test_env),         cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_type_errors), cmocka_unit_test(test_listeners),
        cmocka_unit_test(test_redis_url),   cmocka_unit_test(test_tenants),
        cmocka_unit_test(test_meta),        cmocka_unit_test(test_secrets_hidden),
        cmocka_unit_test(test_categories),  cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
