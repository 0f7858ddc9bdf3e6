/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics: per-thread counter blocks and the Prometheus text renderer behind
 * GET /metrics. Every thread that counts (each worker, the dispatcher) owns
 * one block and is its only writer, so an increment is a relaxed load and a
 * relaxed store of its own cache lines: no lock, no atomic read-modify-write,
 * no contention on the hot path. A scrape sums the blocks with relaxed loads;
 * a sum may miss an increment that is happening at that instant, which the
 * next scrape sees (counters only grow, so rates stay right).
 *
 * Every label set is a fixed enumeration, and every series is emitted from
 * the first scrape on (zeros included), so dashboards and alerts see each
 * platform, status, category and action before it first happens.
 */
#include "vaglio/metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- label sets --------------------------------------------------------- */

#define NPLAT        (VG_PLATFORM_COUNT + 1) /* + "unknown" (path not routed) */
#define PLAT_UNKNOWN VG_PLATFORM_COUNT
#define NDECIDE      4 /* vg_decide_status_t: new, duplicate, pinned, recorded */

static const int status_codes[] = {200, 204, 400, 401, 403, 404, 405, 411,
                                   413, 415, 431, 500, 501, 503, 505};
#define NSTATUS (VG_ARRAY_LEN(status_codes) + 1) /* + "other" */

static const char *const decide_names[NDECIDE] = {"new", "duplicate", "pinned", "recorded"};
static const char *const result_names[VG_ACTION_RESULT_COUNT] = {"ok", "dry_run", "retry", "failed",
                                                                 "skipped"};
static const char *const redis_err_names[VG_REDIS_ERR_COUNT] = {"unavailable", "timeout", "reply"};

/* ---- histograms --------------------------------------------------------- */

#define HIST_MAX 16 /* finite buckets at most; one more counts +Inf */

typedef struct hist_def {
    size_t n;
    uint64_t bound_ns[HIST_MAX];
    const char *le[HIST_MAX];
} hist_def_t;

static const hist_def_t webhook_hist = {
    15,
    {100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000,
     250000000, 500000000, 1000000000, 2500000000, 5000000000},
    {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
     "0.25", "0.5", "1", "2.5", "5"},
};

static const hist_def_t action_hist = {
    11,
    {10000000, 25000000, 50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000,
     5000000000, 10000000000, 30000000000},
    {"0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30"},
};

static const hist_def_t scan_hist = {
    13,
    {1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
     10000000},
    {"0.000001", "0.0000025", "0.000005", "0.00001", "0.000025", "0.00005", "0.0001", "0.00025",
     "0.0005", "0.001", "0.0025", "0.005", "0.01"},
};

typedef struct hist {
    uint64_t bucket[HIST_MAX + 1]; /* per bucket, not cumulative; [def->n] is +Inf */
    uint64_t sum_ns;
} hist_t;

/* ---- blocks ------------------------------------------------------------- */

/* Only uint64_t members, so a block can be summed as an array (see render). */
typedef struct counters {
    uint64_t webhook[NPLAT][NSTATUS];
    hist_t webhook_dur[NPLAT];
    uint64_t events[VG_PLATFORM_COUNT][VG_VERB_COUNT];
    uint64_t decisions[VG_VERDICT_COUNT][NDECIDE];
    uint64_t findings[VG_CAT_COUNT];
    uint64_t actions[VG_ACTION_COUNT][VG_ACTION_RESULT_COUNT];
    hist_t action_dur;
    uint64_t redis_errors[VG_REDIS_ERR_COUNT];
    hist_t scan;
    uint64_t connections; /* gauge, summed */
} counters_t;

#define NWORDS (sizeof(counters_t) / sizeof(uint64_t))
_Static_assert(sizeof(counters_t) % sizeof(uint64_t) == 0, "counters are 64-bit words");

typedef union counter_words {
    counters_t c;
    uint64_t w[NWORDS];
} counter_words_t;

struct vg_metrics {
    char pad_head[64]; /* no false sharing with a neighbouring allocation */
    vg_metrics_t *next;
    int64_t redis_up; /* -1: never set */
    counter_words_t u;
    char pad_tail[64];
};

struct vg_metrics_registry {
    pthread_mutex_t lock; /* guards the list; never taken by a counting thread */
    vg_metrics_t *head;
    int patterns_loaded;
    uint64_t pattern_rules;
};

/* The owner is the only writer: a plain increment, made atomic for the reader. */
static inline void bump(uint64_t *p, uint64_t d)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
}

static inline uint64_t load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void observe(hist_t *h, const hist_def_t *def, uint64_t ns)
{
    size_t i = 0;
    while (i < def->n && ns > def->bound_ns[i])
        i++;
    bump(&h->bucket[i], 1);
    bump(&h->sum_ns, ns);
}

const char *vg_action_result_name(vg_action_result_t r)
{
    return (unsigned)r < VG_ACTION_RESULT_COUNT ? result_names[r] : "unknown";
}

vg_metrics_registry_t *vg_metrics_registry_new(void)
{
    vg_metrics_registry_t *reg = vg_xcalloc(1, sizeof(*reg));
    pthread_mutex_init(&reg->lock, NULL);
    return reg;
}

void vg_metrics_registry_free(vg_metrics_registry_t *reg)
{
    if (reg == NULL)
        return;
    for (vg_metrics_t *m = reg->head, *next; m != NULL; m = next) {
        next = m->next;
        free(m);
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

vg_metrics_t *vg_metrics_block_new(vg_metrics_registry_t *reg)
{
    vg_metrics_t *m = vg_xcalloc(1, sizeof(*m));
    m->redis_up = -1;
    pthread_mutex_lock(&reg->lock);
    m->next = reg->head;
    reg->head = m;
    pthread_mutex_unlock(&reg->lock);
    return m;
}

/* ---- counting ----------------------------------------------------------- */

static size_t status_index(int status)
{
    for (size_t i = 0; i < VG_ARRAY_LEN(status_codes); i++)
        if (status_codes[i] == status)
            return i;
    return NSTATUS - 1;
}

void vg_metrics_webhook(vg_metrics_t *m, int platform, int status, uint64_t duration_ns)
{
    size_t p = platform >= 0 && platform < VG_PLATFORM_COUNT ? (size_t)platform : PLAT_UNKNOWN;
    if (m == NULL)
        return;
    bump(&m->u.c.webhook[p][status_index(status)], 1);
    observe(&m->u.c.webhook_dur[p], &webhook_hist, duration_ns);
}

void vg_metrics_event(vg_metrics_t *m, vg_platform_t p, vg_verb_t v)
{
    if (m != NULL && (unsigned)p < VG_PLATFORM_COUNT && (unsigned)v < VG_VERB_COUNT)
        bump(&m->u.c.events[p][v], 1);
}

void vg_metrics_decision(vg_metrics_t *m, vg_verdict_kind_t v, vg_decide_status_t status)
{
    if (m != NULL && (unsigned)v < VG_VERDICT_COUNT && (unsigned)status < NDECIDE)
        bump(&m->u.c.decisions[v][status], 1);
}

void vg_metrics_finding(vg_metrics_t *m, vg_category_t c)
{
    if (m != NULL && (unsigned)c < VG_CAT_COUNT)
        bump(&m->u.c.findings[c], 1);
}

void vg_metrics_action(vg_metrics_t *m, vg_action_kind_t a, vg_action_result_t r,
                       uint64_t duration_ns)
{
    if (m == NULL || (unsigned)a >= VG_ACTION_COUNT || (unsigned)r >= VG_ACTION_RESULT_COUNT)
        return;
    bump(&m->u.c.actions[a][r], 1);
    /* Only calls that went to the platform have a duration: dry-run and
     * skipped results would pile up in the lowest bucket. */
    if (r == VG_ACTION_RESULT_OK || r == VG_ACTION_RESULT_RETRY || r == VG_ACTION_RESULT_FAILED)
        if (duration_ns > 0)
            observe(&m->u.c.action_dur, &action_hist, duration_ns);
}

void vg_metrics_redis_error(vg_metrics_t *m, vg_redis_err_kind_t kind)
{
    if (m != NULL && (unsigned)kind < VG_REDIS_ERR_COUNT)
        bump(&m->u.c.redis_errors[kind], 1);
}

void vg_metrics_scan(vg_metrics_t *m, uint64_t duration_ns)
{
    if (m != NULL)
        observe(&m->u.c.scan, &scan_hist, duration_ns);
}

void vg_metrics_set_redis_up(vg_metrics_t *m, int up)
{
    if (m != NULL)
        __atomic_store_n(&m->redis_up, up ? 1 : 0, __ATOMIC_RELAXED);
}

void vg_metrics_set_connections(vg_metrics_t *m, uint64_t n)
{
    if (m != NULL)
        __atomic_store_n(&m->u.c.connections, n, __ATOMIC_RELAXED);
}

void vg_metrics_set_patterns(vg_metrics_registry_t *reg, int loaded, uint64_t rules)
{
    __atomic_store_n(&reg->patterns_loaded, loaded ? 1 : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&reg->pattern_rules, rules, __ATOMIC_RELAXED);
}

/* ---- rendering ---------------------------------------------------------- */

static void family(vg_buf_t *out, const char *name, const char *type, const char *help)
{
    vg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value in the exposition format: \\, \" and \n escaped. */
static void label_value(vg_buf_t *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            vg_buf_puts(out, "\\\\");
        else if (*s == '"')
            vg_buf_puts(out, "\\\"");
        else if (*s == '\n')
            vg_buf_puts(out, "\\n");
        else
            vg_buf_putc(out, *s);
    }
}

static const char *plat_label(size_t p)
{
    return p == PLAT_UNKNOWN ? "unknown" : vg_platform_name((vg_platform_t)p);
}

/* name_bucket{<labels>,le=...}, name_sum{<labels>}, name_count{<labels>}. */
static void render_hist(vg_buf_t *out, const char *name, const char *labels, const hist_t *h,
                        const hist_def_t *def)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cum = 0;

    for (size_t i = 0; i <= def->n; i++) {
        cum += h->bucket[i];
        vg_buf_printf(out, "%s_bucket{%s%sle=\"%s\"} %" PRIu64 "\n", name, labels, sep,
                      i < def->n ? def->le[i] : "+Inf", cum);
    }
    /* The count is the +Inf bucket, so the two always agree within a scrape. */
    vg_buf_printf(out, "%s_sum%s%s%s %.9f\n", name, labels[0] ? "{" : "", labels,
                  labels[0] ? "}" : "", (double)h->sum_ns / 1e9);
    vg_buf_printf(out, "%s_count%s%s%s %" PRIu64 "\n", name, labels[0] ? "{" : "", labels,
                  labels[0] ? "}" : "", cum);
}

static void render_counters(vg_buf_t *out, const counters_t *c)
{
    char labels[64];

    family(out, "vaglio_webhook_requests_total", "counter",
           "Webhook HTTP requests by platform and response status.");
    for (size_t p = 0; p < NPLAT; p++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            if (s + 1 < NSTATUS)
                vg_buf_printf(out,
                              "vaglio_webhook_requests_total{platform=\"%s\",status=\"%d\"} "
                              "%" PRIu64 "\n",
                              plat_label(p), status_codes[s], c->webhook[p][s]);
            else
                vg_buf_printf(out,
                              "vaglio_webhook_requests_total{platform=\"%s\",status=\"other\"} "
                              "%" PRIu64 "\n",
                              plat_label(p), c->webhook[p][s]);
        }
    }
    family(out, "vaglio_webhook_duration_seconds", "histogram",
           "Time from request start to response, by platform.");
    for (size_t p = 0; p < NPLAT; p++) {
        snprintf(labels, sizeof(labels), "platform=\"%s\"", plat_label(p));
        render_hist(out, "vaglio_webhook_duration_seconds", labels, &c->webhook_dur[p],
                    &webhook_hist);
    }
    family(out, "vaglio_events_total", "counter", "Events parsed from deliveries, by verb.");
    for (size_t p = 0; p < VG_PLATFORM_COUNT; p++)
        for (size_t v = 0; v < VG_VERB_COUNT; v++)
            vg_buf_printf(out, "vaglio_events_total{platform=\"%s\",verb=\"%s\"} %" PRIu64 "\n",
                          plat_label(p), vg_verb_name((vg_verb_t)v), c->events[p][v]);
    family(out, "vaglio_decisions_total", "counter",
           "Decisions by verdict and by what the store made of them.");
    for (size_t v = 0; v < VG_VERDICT_COUNT; v++)
        for (size_t s = 0; s < NDECIDE; s++)
            vg_buf_printf(out, "vaglio_decisions_total{verdict=\"%s\",status=\"%s\"} %" PRIu64 "\n",
                          vg_verdict_name((vg_verdict_kind_t)v), decide_names[s],
                          c->decisions[v][s]);
    family(out, "vaglio_findings_total", "counter", "Findings by base category.");
    for (size_t i = 0; i < VG_CAT_COUNT; i++)
        vg_buf_printf(out, "vaglio_findings_total{category=\"%s\"} %" PRIu64 "\n",
                      vg_category_name((vg_category_t)i), c->findings[i]);
    family(out, "vaglio_actions_total", "counter", "Platform actions by kind and result.");
    for (size_t a = 0; a < VG_ACTION_COUNT; a++)
        for (size_t r = 0; r < VG_ACTION_RESULT_COUNT; r++)
            vg_buf_printf(out, "vaglio_actions_total{action=\"%s\",result=\"%s\"} %" PRIu64 "\n",
                          vg_action_name((vg_action_kind_t)a), result_names[r], c->actions[a][r]);
    family(out, "vaglio_action_duration_seconds", "histogram",
           "Duration of one platform API call.");
    render_hist(out, "vaglio_action_duration_seconds", "", &c->action_dur, &action_hist);
    family(out, "vaglio_redis_errors_total", "counter", "Redis errors by kind.");
    for (size_t k = 0; k < VG_REDIS_ERR_COUNT; k++)
        vg_buf_printf(out, "vaglio_redis_errors_total{kind=\"%s\"} %" PRIu64 "\n",
                      redis_err_names[k], c->redis_errors[k]);
    family(out, "vaglio_scan_duration_seconds", "histogram",
           "Duration of one scan (normalize and match) of a text.");
    render_hist(out, "vaglio_scan_duration_seconds", "", &c->scan, &scan_hist);
    family(out, "vaglio_http_connections", "gauge", "Open HTTP connections, all workers.");
    vg_buf_printf(out, "vaglio_http_connections %" PRIu64 "\n", c->connections);
}

void vg_metrics_render(vg_metrics_registry_t *reg, vg_buf_t *out)
{
    counter_words_t total;
    int64_t up = -1;

    memset(&total, 0, sizeof(total));
    pthread_mutex_lock(&reg->lock);
    for (const vg_metrics_t *m = reg->head; m != NULL; m = m->next) {
        int64_t u = __atomic_load_n(&m->redis_up, __ATOMIC_RELAXED);
        for (size_t i = 0; i < NWORDS; i++)
            total.w[i] += load(&m->u.w[i]);
        /* Up only if every connection that reports is up. */
        if (u >= 0 && (up < 0 || u < up))
            up = u;
    }
    pthread_mutex_unlock(&reg->lock);

    family(out, "vaglio_build_info", "gauge", "Build information; always 1.");
    vg_buf_puts(out, "vaglio_build_info{version=\"");
    label_value(out, VG_VERSION);
    vg_buf_puts(out, "\"} 1\n");
    render_counters(out, &total.c);
    family(out, "vaglio_redis_up", "gauge",
           "1 if every Redis connection is ready, else 0 (also before the first connection).");
    vg_buf_printf(out, "vaglio_redis_up %d\n", up == 1 ? 1 : 0);
    family(out, "vaglio_patterns_loaded", "gauge", "1 once a pattern database is in use.");
    vg_buf_printf(out, "vaglio_patterns_loaded %d\n",
                  __atomic_load_n(&reg->patterns_loaded, __ATOMIC_RELAXED));
    family(out, "vaglio_pattern_rules", "gauge", "Rules in the pattern database in use.");
    vg_buf_printf(out, "vaglio_pattern_rules %" PRIu64 "\n",
                  __atomic_load_n(&reg->pattern_rules, __ATOMIC_RELAXED));
}
