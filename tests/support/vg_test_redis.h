/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: starts a private redis-server on a unix socket in a fresh
 * temporary directory (no TCP port, no persistence unless asked), waits until
 * it answers, and stops it and removes the directory at the end. Each test
 * that needs Redis starts its own, so no test depends on another's leftovers.
 */
#ifndef VG_TEST_REDIS_H
#define VG_TEST_REDIS_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct vg_test_redis {
    pid_t pid;
    char dir[256];    /**< the temporary directory */
    char socket[300]; /**< the unix socket path */
    char url[320];    /**< "unix://<socket>" for vg_config_t.redis_url */
    bool aof;
} vg_test_redis_t;

/** True if redis-server is on PATH (tests skip with a message otherwise). */
bool vg_test_redis_available(void);

/** Starts a server (with AOF everysec if @p aof). Returns 0 or -1 (message on stderr). */
int vg_test_redis_start(vg_test_redis_t *r, bool aof);

/** Stops the server (SIGTERM, then SIGKILL after 2 s). The directory is kept. */
void vg_test_redis_stop(vg_test_redis_t *r);

/** Starts it again in the same directory (same socket, same data if AOF). */
int vg_test_redis_restart(vg_test_redis_t *r);

/** Stops the server if running and removes the directory. */
void vg_test_redis_cleanup(vg_test_redis_t *r);

/**
 * Runs a command with redis-cli against the server and returns its output
 * (trailing newline stripped) in a static buffer, or NULL. For assertions.
 * Example: vg_test_redis_cli(&r, "ZCARD %s", key).
 */
const char *vg_test_redis_cli(vg_test_redis_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
