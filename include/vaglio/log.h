/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: one line per event on stderr, `key=value` (or JSON) with a timestamp,
 * level and module. Per-module macros check the level before the arguments
 * are evaluated, so debug logging costs one branch when off.
 *
 * Personal data never reaches a log line: log category, rule id, offsets,
 * content ids and the keyed hash of an author; never the text, an email
 * address, a phone number or a raw author id. Values that come from the
 * outside world are written through vg_log's escaping, which quotes and
 * escapes control characters, so a crafted value cannot forge a line.
 *
 * Thread-safe: each line is formatted into a local buffer and written with a
 * single write(2).
 */
#ifndef VAGLIO_LOG_H
#define VAGLIO_LOG_H

#include <stdbool.h>

#include "vaglio/util.h"

typedef enum {
    VG_LOG_ERROR = 0,
    VG_LOG_WARN = 1,
    VG_LOG_INFO = 2,
    VG_LOG_DEBUG = 3,
} vg_log_level_t;

/** The current level; lines above it are dropped. Relaxed atomic. */
extern int vg_log_level_current;

/** Sets the level and the format (JSON lines if @p json). Thread-safe. */
void vg_log_setup(vg_log_level_t level, bool json);
/** Parses "error"/"warn"/"info"/"debug"; returns the level or -1. */
int vg_log_level_parse(const char *s);
/** Redirects output to @p fd (default 2). For tests. */
void vg_log_set_fd(int fd);

/**
 * Writes one line: `ts=… level=… module=… msg="…" ` followed by @p fmt, which
 * should itself be `key=value` pairs. Use the macros below instead.
 */
void vg_log(vg_log_level_t level, const char *module, const char *fmt, ...) VG_PRINTF(3, 4);

/**
 * Formats @p s for a log value: quoted if it has spaces or quotes, control
 * bytes escaped, truncated to @p cap - 1 bytes. Returns @p out.
 */
const char *vg_log_quote(const char *s, char *out, size_t cap);

#define VG_LOG_ON(level) ((int)(level) <= vg_log_level_current)

#define VG_LOG_(level, module, ...)                                                                \
    do {                                                                                           \
        if (VG_LOG_ON(level))                                                                      \
            vg_log((level), #module, __VA_ARGS__);                                                 \
    } while (0)

#define VG_LOG_ERR(module, ...)   VG_LOG_(VG_LOG_ERROR, module, __VA_ARGS__)
#define VG_LOG_WARN(module, ...)  VG_LOG_(VG_LOG_WARN, module, __VA_ARGS__)
#define VG_LOG_INFO(module, ...)  VG_LOG_(VG_LOG_INFO, module, __VA_ARGS__)
#define VG_LOG_DEBUG(module, ...) VG_LOG_(VG_LOG_DEBUG, module, __VA_ARGS__)

/** Logs and drains the whole OpenSSL error queue on one line (nginx style). */
void vg_log_openssl(vg_log_level_t level, const char *module, const char *what);

#endif /* VAGLIO_LOG_H */
