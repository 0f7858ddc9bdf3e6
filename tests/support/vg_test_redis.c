/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test support: a private redis-server per test. See vg_test_redis.h.
 */
#include "vg_test_redis.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool vg_test_redis_available(void)
{
    return system("command -v redis-server >/dev/null 2>&1") == 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool socket_answers(const char *path)
{
    struct sockaddr_un sa;
    char buf[64];
    bool ok = false;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (fd < 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && write(fd, "PING\r\n", 6) == 6) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        ok = n > 0 && strncmp(buf, "+PONG", 5) == 0;
    }
    close(fd);
    return ok;
}

static int spawn(vg_test_redis_t *r)
{
    char log[300];
    pid_t pid;

    snprintf(log, sizeof(log), "%s/redis.log", r->dir);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", r->socket,
               "--unixsocketperm", "700", "--dir", r->dir, "--save", "", "--appendonly",
               r->aof ? "yes" : "no", "--appendfsync", "everysec", "--daemonize", "no",
               (char *)NULL);
        _exit(127);
    }
    r->pid = pid;
    for (int i = 0; i < 500; i++) {
        int status;
        if (socket_answers(r->socket))
            return 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "redis-server exited early; see %s\n", log);
            r->pid = 0;
            return -1;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "redis-server did not answer within 5 s; see %s\n", log);
    return -1;
}

int vg_test_redis_start(vg_test_redis_t *r, bool aof)
{
    const char *tmp = getenv("TMPDIR");
    memset(r, 0, sizeof(*r));
    r->aof = aof;
    snprintf(r->dir, sizeof(r->dir), "%s/vg-redis-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(r->socket, sizeof(r->socket), "%s/redis.sock", r->dir);
    snprintf(r->url, sizeof(r->url), "unix://%s", r->socket);
    return spawn(r);
}

void vg_test_redis_stop(vg_test_redis_t *r)
{
    if (r->pid <= 0)
        return;
    kill(r->pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            r->pid = 0;
            unlink(r->socket);
            return;
        }
        sleep_ms(10);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
    unlink(r->socket);
}

int vg_test_redis_restart(vg_test_redis_t *r)
{
    vg_test_redis_stop(r);
    return spawn(r);
}

void vg_test_redis_cleanup(vg_test_redis_t *r)
{
    char cmd[600];
    vg_test_redis_stop(r);
    if (r->dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", r->dir);
        r->dir[0] = '\0';
    }
}

const char *vg_test_redis_cli(vg_test_redis_t *r, const char *fmt, ...)
{
    static char out[65536];
    char args[4096], cmd[4500];
    va_list ap;
    FILE *p;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "redis-cli -s '%s' --raw %s 2>&1", r->socket, args);
    p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    n = fread(out, 1, sizeof(out) - 1, p);
    pclose(p);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return out;
}
