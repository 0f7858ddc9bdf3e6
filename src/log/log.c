/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: formats one `key=value` (or JSON) line per event and writes it to
 * stderr with a single write(2), so lines from several threads never
 * interleave. See include/vaglio/log.h for the rules on personal data.
 */
#include "vaglio/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

int vg_log_level_current = VG_LOG_INFO;
static atomic_bool log_json;
static atomic_int log_fd = 2;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void vg_log_setup(vg_log_level_t level, bool json)
{
    __atomic_store_n(&vg_log_level_current, (int)level, __ATOMIC_RELAXED);
    atomic_store(&log_json, json);
}

int vg_log_level_parse(const char *s)
{
    for (size_t i = 0; i < VG_ARRAY_LEN(level_names); i++)
        if (strcmp(s, level_names[i]) == 0)
            return (int)i;
    if (strcmp(s, "warning") == 0)
        return VG_LOG_WARN;
    return -1;
}

void vg_log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

const char *vg_log_quote(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    bool quote = false;

    if (cap < 3) {
        if (cap > 0)
            out[0] = '\0';
        return out;
    }
    if (s == NULL)
        s = "-";
    for (const char *p = s; *p; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
            quote = true;
    if (*s == '\0')
        quote = true;
    if (quote)
        out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
            out[o++] = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
        } else {
            out[o++] = (char)*p;
        }
    }
    if (quote)
        out[o++] = '"';
    out[o] = '\0';
    return out;
}

void vg_log(vg_log_level_t level, const char *module, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    if (atomic_load(&log_json)) {
        /* JSON lines: the key=value tail goes into "msg" verbatim (escaped). */
        char tail[1536];
        va_start(ap, fmt);
        vsnprintf(tail, sizeof(tail), fmt, ap);
        va_end(ap);
        n = (size_t)snprintf(line, sizeof(line),
                             "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\","
                             "\"module\":\"%s\",\"msg\":\"",
                             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                             tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], module);
        for (const char *p = tail; *p && n + 8 < sizeof(line); p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\') {
                line[n++] = '\\';
                line[n++] = (char)c;
            } else if (c < 0x20) {
                n += (size_t)snprintf(line + n, sizeof(line) - n, "\\u%04x", c);
            } else {
                line[n++] = (char)c;
            }
        }
        n += (size_t)snprintf(line + n, sizeof(line) - n, "\"}\n");
    } else {
        n = (size_t)snprintf(line, sizeof(line),
                             "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s module=%s ",
                             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                             tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], module);
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
        va_end(ap);
        if (m > 0)
            n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
        /* Newlines inside a value would forge a line: flatten them. */
        for (size_t i = 0; i < n; i++)
            if (line[i] == '\n' || line[i] == '\r')
                line[i] = ' ';
        line[n++] = '\n';
    }
    if (n > sizeof(line))
        n = sizeof(line);
    if (write(atomic_load(&log_fd), line, n) < 0) {
        /* stderr is gone: nowhere left to report it */
    }
}

void vg_log_openssl(vg_log_level_t level, const char *module, const char *what)
{
    char errs[1024];
    size_t o = 0;
    unsigned long e;

    errs[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        char one[256];
        ERR_error_string_n(e, one, sizeof(one));
        if (o + strlen(one) + 3 < sizeof(errs))
            o += (size_t)snprintf(errs + o, sizeof(errs) - o, "%s%s", o ? " | " : "", one);
    }
    if (VG_LOG_ON(level)) {
        char q[1100], w[256];
        vg_log(level, module, "msg=%s openssl=%s", vg_log_quote(what, w, sizeof(w)),
               vg_log_quote(errs[0] ? errs : "none", q, sizeof(q)));
    }
}
