/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vaglioctl: the command line for operators and policy authors.
 *
 *   scan          verdict of a text read on stdin (--jsonl: one per line)
 *   check         validate a pattern directory, pointing at file:line
 *   send          sign and post a sample Meta comment webhook to vagliod
 *   config dump   the effective configuration with every key's doc
 *
 * Thin: argument parsing and I/O here, everything else in vaglio_core.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "vaglio/adapter.h"
#include "vaglio/config.h"
#include "vaglio/httpc.h"
#include "vaglio/log.h"
#include "vaglio/match.h"
#include "vaglio/policy.h"

#define SCAN_MAX_INPUT (1u << 20)

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: vaglioctl <command> [options]\n"
        "\n"
        "  scan [--jsonl] [--patterns DIR] [--config FILE --tenant NAME]\n"
        "      Reads text on stdin and prints the verdict as JSON. With --jsonl, reads\n"
        "      one JSON object per line ({\"text\": ...}) and writes one verdict per line,\n"
        "      in order: {\"verdict\", \"categories\", \"findings\": [{\"rule\", \"category\",\n"
        "      \"start\", \"end\"}]} with byte offsets into the original text.\n"
        "  check [DIR]\n"
        "      Compiles the pattern directory (default: patterns) and reports every\n"
        "      error as file:line, the rule count, database size and compile time.\n"
        "  send [--url URL] [--secret S] [--platform facebook|instagram] [--text T]\n"
        "       [--author ID] [--page ID] [--comment ID] [--verb add|edited]\n"
        "       [--cacert FILE | --insecure]\n"
        "      Builds a comment webhook in Meta's shape, signs it with the app secret\n"
        "      (default: $META_APP_SECRET) and posts it (default URL:\n"
        "      https://127.0.0.1:8443/webhooks/meta/demo).\n"
        "  config dump --config FILE\n"
        "      Prints the effective configuration with the documentation of each key.\n"
        "\n"
        "Environment: VAGLIO_PATTERNS overrides the default pattern directory.\n");
}

/* ---- scan ------------------------------------------------------------------- */

typedef struct scan_ctx {
    vg_ruleset_t *rs;
    vg_scanner_t *sc;
    vg_match_tenant_t *view;
    vg_tenant_conf_t *tenant; /* policy: a configured tenant or the defaults */
    vg_tenant_conf_t defaults;
    vg_config_t *cfg;
} scan_ctx_t;

static int scan_one(scan_ctx_t *c, const char *text, size_t len, vg_buf_t *out)
{
    vg_scan_result_t r;
    vg_verdict_t v;

    if (vg_scan(c->sc, c->rs, c->view, text, len, &r) < 0)
        return -1;
    vg_policy_evaluate(c->tenant, c->rs, &r, &v);
    vg_policy_verdict_json(&v, c->rs, &r, out);
    vg_buf_putc(out, '\n');
    return 0;
}

static int scan_jsonl(scan_ctx_t *c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    vg_buf_t out;
    int rc = 0;

    vg_buf_init(&out, 0);
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        json_error_t jerr;
        json_t *obj, *text;
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        obj = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &jerr);
        text = json_is_object(obj) ? json_object_get(obj, "text") : NULL;
        if (!json_is_string(text)) {
            /* Keep the output aligned with the input: one line per line. */
            vg_buf_printf(&out,
                          "{\"error\":\"line %ld: expected an object with a string "
                          "\\\"text\\\"\"}\n",
                          lineno);
            rc = 1;
        } else if (scan_one(c, json_string_value(text), json_string_length(text), &out) < 0) {
            vg_buf_printf(&out, "{\"error\":\"line %ld: scan failed\"}\n", lineno);
            rc = 1;
        }
        json_decref(obj);
        if (out.len > 1 << 16) {
            fwrite(out.data, 1, out.len, stdout);
            vg_buf_reset(&out);
        }
    }
    fwrite(out.data, 1, out.len, stdout);
    vg_buf_cleanup(&out);
    free(line);
    return rc;
}

static int scan_stdin(scan_ctx_t *c)
{
    vg_buf_t in, out;
    char chunk[65536];
    size_t n;
    int rc = 0;

    vg_buf_init(&in, SCAN_MAX_INPUT);
    vg_buf_init(&out, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (vg_buf_append(&in, chunk, n) < 0) {
            fprintf(stderr, "vaglioctl: input larger than %u bytes\n", SCAN_MAX_INPUT);
            rc = 1;
            goto out;
        }
    if (scan_one(c, in.data ? in.data : "", in.len, &out) < 0) {
        fprintf(stderr, "vaglioctl: scan failed\n");
        rc = 1;
        goto out;
    }
    fwrite(out.data, 1, out.len, stdout);
out:
    vg_buf_cleanup(&in);
    vg_buf_cleanup(&out);
    return rc;
}

static const char *default_patterns(void)
{
    const char *env = getenv("VAGLIO_PATTERNS");
    return env != NULL ? env : "patterns";
}

static int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jsonl", no_argument, NULL, 'j'},
        {"patterns", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"tenant", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    const char *patterns = NULL, *config = NULL, *tenant = NULL;
    bool jsonl = false;
    scan_ctx_t c;
    vg_err_t err;
    int o, rc = 1;

    memset(&c, 0, sizeof(c));
    while ((o = getopt_long(argc, argv, "jp:c:T:", opts, NULL)) != -1) {
        switch (o) {
        case 'j':
            jsonl = true;
            break;
        case 'p':
            patterns = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'T':
            tenant = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    vg_err_clear(&err);
    if (config != NULL) {
        c.cfg = vg_config_load(config, &err);
        if (c.cfg == NULL) {
            fprintf(stderr, "vaglioctl: %s\n", err.msg);
            return 1;
        }
        if (patterns == NULL)
            patterns = c.cfg->patterns_dir;
    }
    if (patterns == NULL)
        patterns = default_patterns();
    vg_config_tenant_defaults(&c.defaults);
    c.tenant = &c.defaults;
    if (tenant != NULL) {
        const vg_tenant_conf_t *t =
            c.cfg != NULL ? vg_config_tenant(c.cfg, tenant, strlen(tenant)) : NULL;
        if (t == NULL) {
            fprintf(stderr, "vaglioctl: tenant %s not found (give --config FILE)\n", tenant);
            goto out;
        }
        c.tenant = (vg_tenant_conf_t *)t;
    }
    c.rs = vg_ruleset_load(patterns, &err);
    if (c.rs == NULL) {
        fprintf(stderr, "vaglioctl: %s\n", err.msg);
        goto out;
    }
    if (c.tenant != &c.defaults) {
        c.view = vg_match_tenant_new(c.rs, (const char *const *)c.tenant->disabled_sections,
                                     c.tenant->ndisabled, (const char *const *)c.tenant->allow,
                                     c.tenant->nallow, &err);
        if (c.view == NULL) {
            fprintf(stderr, "vaglioctl: %s\n", err.msg);
            goto out;
        }
    }
    c.sc = vg_scanner_new(c.cfg != NULL ? c.cfg->http.max_text : SCAN_MAX_INPUT);
    rc = jsonl ? scan_jsonl(&c) : scan_stdin(&c);
out:
    vg_scanner_free(c.sc);
    vg_match_tenant_free(c.view);
    vg_ruleset_unref(c.rs);
    vg_config_free(c.cfg);
    return rc;
}

/* ---- check ------------------------------------------------------------------ */

static int cmd_check(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : default_patterns();
    vg_err_t err;
    vg_ruleset_t *rs;
    size_t db, scratch;
    double ms;
    vg_buf_t exp;

    vg_err_clear(&err);
    rs = vg_ruleset_load(dir, &err);
    if (rs == NULL) {
        /* A load stops at the first error; list all of them, file:line each. */
        vg_buf_t report;
        int rc;

        vg_buf_init(&report, 0);
        rc = vg_ruleset_check(dir, &report);
        if (rc != 0 && report.len > 0)
            fprintf(stderr, "%s", report.data);
        else
            fprintf(stderr, "%s\n", err.msg);
        vg_buf_cleanup(&report);
        return 1;
    }
    vg_ruleset_stats(rs, &db, &scratch, &ms);
    printf("%s: ok: %zu rules in %zu sections; database %zu bytes, scratch %zu bytes, "
           "compiled in %.0f ms\n",
           dir, vg_ruleset_rule_count(rs), vg_ruleset_section_count(rs), db, scratch, ms);
    vg_buf_init(&exp, 0);
    vg_ruleset_list_expensive(rs, &exp);
    if (exp.len > 0)
        printf("rules marked expensive:\n%s", exp.data);
    vg_buf_cleanup(&exp);
    vg_ruleset_unref(rs);
    return 0;
}

/* ---- send ------------------------------------------------------------------- */

typedef struct send_ctx {
    struct event_base *base;
    int status;
    bool done;
} send_ctx_t;

static void on_sent(const char *err, const vg_httpc_response_t *resp, void *arg)
{
    send_ctx_t *s = arg;
    s->done = true;
    if (err != NULL) {
        fprintf(stderr, "vaglioctl: %s\n", err);
        s->status = -1;
    } else {
        s->status = resp->status;
        printf("HTTP %d %.*s", resp->status, (int)resp->body_len, resp->body);
        if (resp->body_len == 0 || resp->body[resp->body_len - 1] != '\n')
            printf("\n");
    }
    event_base_loopexit(s->base, NULL);
}

/* Builds the delivery the way Meta does: compact JSON with every non-ASCII
 * character escaped as \uXXXX (the bytes that are signed). */
static char *build_payload(const char *platform, const char *page, const char *comment,
                           const char *author, const char *text, const char *verb)
{
    json_t *value, *change, *entry, *root;
    long now = (long)time(NULL);
    char *out;

    if (strcmp(platform, "instagram") == 0) {
        value = json_pack("{s:s, s:{s:s, s:s}, s:s, s:{s:s, s:s}}", "id", comment, "from", "id",
                          author, "username", "vaglio.demo", "text", text, "media", "id",
                          "17900000000000001", "media_product_type", "FEED");
        change = json_pack("{s:s, s:o}", "field", "comments", "value", value);
        root = json_pack("{s:s}", "object", "instagram");
    } else {
        char post[128], cid[160];
        snprintf(post, sizeof(post), "%s_122100000000000001", page);
        snprintf(cid, sizeof(cid), "122100000000000001_%s", comment);
        value = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:I}", "item", "comment",
                          "verb", verb, "from", "id", author, "name", "Demo User", "post_id", post,
                          "comment_id", cid, "parent_id", post, "message", text, "created_time",
                          (json_int_t)now);
        change = json_pack("{s:s, s:o}", "field", "feed", "value", value);
        root = json_pack("{s:s}", "object", "page");
    }
    entry = json_pack("{s:s, s:I, s:[o]}", "id", page, "time", (json_int_t)now, "changes", change);
    json_object_set_new(root, "entry", json_pack("[o]", entry));
    out = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(root);
    return out;
}

static int cmd_send(int argc, char **argv)
{
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"secret", required_argument, NULL, 's'},
        {"platform", required_argument, NULL, 'P'},
        {"text", required_argument, NULL, 'x'},
        {"author", required_argument, NULL, 'a'},
        {"page", required_argument, NULL, 'g'},
        {"comment", required_argument, NULL, 'm'},
        {"verb", required_argument, NULL, 'v'},
        {"cacert", required_argument, NULL, 'C'},
        {"insecure", no_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    const char *url = "https://127.0.0.1:8443/webhooks/meta/demo";
    const char *secret = getenv("META_APP_SECRET"), *platform = "facebook";
    const char *text = "Grazie per le informazioni, molto utili!";
    const char *author = "7000000000000001", *page = "104000000000001", *verb = "add";
    const char *comment = NULL, *cacert = NULL;
    char comment_buf[32], sig_header[128], hex[2 * VG_SHA256_LEN + 1];
    const char *headers[2] = {sig_header, NULL};
    uint8_t mac[VG_SHA256_LEN];
    vg_httpc_opts_t hopts = {0};
    send_ctx_t s = {0};
    vg_httpc_t *client = NULL;
    vg_err_t err;
    char *body = NULL;
    int o, rc = 1;

    while ((o = getopt_long(argc, argv, "u:s:P:x:a:g:m:v:C:k", opts, NULL)) != -1) {
        switch (o) {
        case 'u':
            url = optarg;
            break;
        case 's':
            secret = optarg;
            break;
        case 'P':
            platform = optarg;
            break;
        case 'x':
            text = optarg;
            break;
        case 'a':
            author = optarg;
            break;
        case 'g':
            page = optarg;
            break;
        case 'm':
            comment = optarg;
            break;
        case 'v':
            verb = optarg;
            break;
        case 'C':
            cacert = optarg;
            break;
        case 'k':
            hopts.insecure = true;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (secret == NULL || secret[0] == '\0') {
        fprintf(stderr, "vaglioctl: no app secret: pass --secret or set META_APP_SECRET\n");
        return 2;
    }
    if (strcmp(platform, "facebook") != 0 && strcmp(platform, "instagram") != 0) {
        fprintf(stderr, "vaglioctl: --platform must be facebook or instagram\n");
        return 2;
    }
    if (comment == NULL) {
        /* A new content id each time, so every send is a new comment. */
        uint32_t r = 0;
        vg_random_bytes(&r, sizeof(r));
        snprintf(comment_buf, sizeof(comment_buf), "9%lld%04u", (long long)time(NULL),
                 (unsigned)(r % 10000));
        comment = comment_buf;
    }
    body = build_payload(platform, page, comment, author, text, verb);
    if (body == NULL) {
        fprintf(stderr, "vaglioctl: cannot build the payload (invalid UTF-8 in --text?)\n");
        return 1;
    }
    vg_hmac_sha256(secret, strlen(secret), body, strlen(body), mac);
    vg_hex_encode(mac, sizeof(mac), hex);
    snprintf(sig_header, sizeof(sig_header), "X-Hub-Signature-256: sha256=%s", hex);

    hopts.ca_file = cacert;
    vg_err_clear(&err);
    s.base = event_base_new();
    client = vg_httpc_new(s.base, &hopts, &err);
    if (client == NULL) {
        fprintf(stderr, "vaglioctl: %s\n", err.msg);
        goto out;
    }
    if (vg_httpc_request(client, "POST", url, headers, "application/json", body, strlen(body),
                         10000, on_sent, &s) < 0) {
        fprintf(stderr, "vaglioctl: bad URL %s\n", url);
        goto out;
    }
    event_base_dispatch(s.base);
    rc = s.done && s.status >= 200 && s.status < 300 ? 0 : 1;
out:
    vg_httpc_free(client);
    if (s.base != NULL) {
        event_base_loop(s.base, EVLOOP_NONBLOCK);
        event_base_free(s.base);
    }
    free(body);
    return rc;
}

/* ---- config ----------------------------------------------------------------- */

static int cmd_config(int argc, char **argv)
{
    const char *path = NULL;
    vg_config_t *cfg;
    vg_err_t err;
    vg_buf_t out;

    if (argc < 2 || strcmp(argv[1], "dump") != 0) {
        usage(stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc)
            path = argv[++i];
    vg_err_clear(&err);
    cfg = path != NULL ? vg_config_load(path, &err) : vg_config_new_default();
    if (cfg == NULL) {
        fprintf(stderr, "vaglioctl: %s\n", err.msg);
        return 1;
    }
    vg_buf_init(&out, 0);
    vg_config_dump(cfg, &out);
    fwrite(out.data, 1, out.len, stdout);
    vg_buf_cleanup(&out);
    vg_config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    vg_log_setup(VG_LOG_WARN, false);
    /* A peer closing mid-write must be an error return, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "send") == 0)
        return cmd_send(argc - 1, argv + 1);
    if (strcmp(argv[1], "config") == 0)
        return cmd_config(argc - 1, argv + 1);
    if (strcmp(argv[1], "--version") == 0) {
        printf("vaglioctl %s\n", VG_VERSION);
        return 0;
    }
    fprintf(stderr, "vaglioctl: unknown command %s\n\n", argv[1]);
    usage(stderr);
    return 2;
}
