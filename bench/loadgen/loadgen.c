/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open-loop load generator for the end-to-end benchmark: signed deliveries
 * over TLS keep-alive at a fixed rate, each one different (h2load posts one
 * fixed body, which after the first delivery would only exercise vaglio's
 * dedupe fast path; wrk is closed-loop, right for the maximum, wrong for
 * latency at a given rate).
 *
 *   vg_loadgen HOST PORT PATH BODIES RATE SECONDS CONNECTIONS
 *
 * BODIES has one "<signature> <body>" per line (bench/gen_bodies.py). The
 * k-th request is due at t0 + k/RATE; it goes out on the first idle
 * connection, and its latency is measured from when it was due, not from
 * when it was sent, so a slow server cannot hide its queue (no coordinated
 * omission). Prints one line: achieved rate, errors, p50/p99/p99.9/max.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define RBUF      8192

typedef struct req {
    char *data;
    size_t len;
} req_t;

typedef struct conn {
    int fd;
    SSL *ssl;
    bool busy;
    const req_t *out; /* being written */
    size_t out_off;
    uint64_t due; /* when the request in flight was due, ns */
    char rbuf[RBUF];
    size_t rlen;
} conn_t;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static req_t *load(const char *path, const char *host, const char *target, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    size_t cap = 1024;
    size_t k = 0;
    req_t *r = malloc(cap * sizeof(*r));
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char *sp = strchr(line, ' ');
        if (sp == NULL)
            continue;
        *sp = '\0';
        const char *body = sp + 1;
        size_t blen = strlen(body);
        if (k == cap) {
            cap *= 2;
            r = realloc(r, cap * sizeof(*r));
        }
        size_t need = blen + strlen(line) + strlen(host) + strlen(target) + 256;
        r[k].data = malloc(need);
        r[k].len = (size_t)snprintf(r[k].data, need,
                                    "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                                    "application/json\r\nX-Hub-Signature-256: %s\r\n"
                                    "Content-Length: %zu\r\n\r\n%s",
                                    target, host, line, blen, body);
        k++;
    }
    free(line);
    fclose(f);
    *n = k;
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Writes what is left of the request; false on a dead connection. */
static bool pump_write(conn_t *c)
{
    while (c->out != NULL) {
        int w = SSL_write(c->ssl, c->out->data + c->out_off, (int)(c->out->len - c->out_off));
        if (w <= 0) {
            int e = SSL_get_error(c->ssl, w);
            return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ;
        }
        c->out_off += (size_t)w;
        if (c->out_off == c->out->len)
            c->out = NULL;
    }
    return true;
}

/* A complete response in rbuf? Returns its status, 0 if incomplete. */
static int response(conn_t *c)
{
    c->rbuf[c->rlen < RBUF ? c->rlen : RBUF - 1] = '\0';
    char *end = strstr(c->rbuf, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t head = (size_t)(end - c->rbuf) + 4;
    size_t clen = 0;
    char *cl = strcasestr(c->rbuf, "\r\ncontent-length:");
    if (cl != NULL && cl < end)
        clen = strtoul(cl + 17, NULL, 10);
    if (c->rlen < head + clen)
        return 0;
    int status = atoi(c->rbuf + 9);
    memmove(c->rbuf, c->rbuf + head + clen, c->rlen - head - clen);
    c->rlen -= head + clen;
    return status > 0 ? status : 599;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: vg_loadgen HOST PORT PATH BODIES RATE SECONDS CONNECTIONS\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double rate = atof(argv[5]);
    double secs = atof(argv[6]);
    int nconns = atoi(argv[7]);
    if (rate <= 0 || secs <= 0 || nconns < 1 || nconns > MAX_CONNS) {
        fprintf(stderr, "vg_loadgen: bad rate, seconds or connections\n");
        return 2;
    }
    size_t nreq;
    req_t *reqs = load(argv[4], host, argv[3], &nreq);
    if (nreq == 0) {
        fprintf(stderr, "vg_loadgen: no bodies\n");
        return 2;
    }
    size_t total = (size_t)(rate * secs);
    uint64_t *lat = calloc(total + 1, sizeof(*lat));

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    static conn_t conns[MAX_CONNS];
    int ep = epoll_create1(0);
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, host, &sa.sin_addr);
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            perror("vg_loadgen: connect");
            return 1;
        }
        c->ssl = SSL_new(ctx);
        SSL_set_fd(c->ssl, c->fd);
        if (SSL_connect(c->ssl) != 1) {
            fprintf(stderr, "vg_loadgen: TLS handshake failed\n");
            return 1;
        }
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    uint64_t t0 = now_ns();
    uint64_t step = (uint64_t)(1e9 / rate);
    size_t next = 0; /* next request to send */
    size_t done = 0;
    size_t bad = 0;
    size_t dead = 0;
    int idle_hint = 0;
    uint64_t deadline = t0 + (uint64_t)(secs * 1e9) + 5000000000ull; /* 5 s to drain */
    struct epoll_event evs[256];
    while (done + dead < total) {
        uint64_t now = now_ns();
        if (now > deadline)
            break;
        /* Everything due goes out on idle connections. */
        while (next < total && t0 + next * step <= now) {
            conn_t *c = NULL;
            for (int k = 0; k < nconns; k++) {
                conn_t *cand = &conns[(idle_hint + k) % nconns];
                if (!cand->busy && cand->ssl != NULL) {
                    c = cand;
                    idle_hint = (int)((cand - conns) + 1) % nconns;
                    break;
                }
            }
            if (c == NULL)
                break; /* all busy: it waits, and its latency counts from when it was due */
            c->busy = true;
            c->due = t0 + next * step;
            c->out = &reqs[next % nreq];
            c->out_off = 0;
            next++;
            if (!pump_write(c)) {
                c->busy = false;
                SSL_free(c->ssl);
                c->ssl = NULL;
                dead++;
            }
        }
        int timeout_ns = 1000000;
        if (next < total) {
            uint64_t due = t0 + next * step;
            timeout_ns = due > now ? (int)(due - now < 1000000 ? due - now : 1000000) : 0;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = timeout_ns};
        int n = epoll_pwait2(ep, evs, 256, &ts, NULL);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->ssl == NULL)
                continue;
            if (c->out != NULL && !pump_write(c))
                goto kill;
            for (;;) {
                int r = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(RBUF - 1 - c->rlen));
                if (r <= 0) {
                    int e = SSL_get_error(c->ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                        break;
                    goto kill;
                }
                c->rlen += (size_t)r;
                int st;
                while (c->busy && (st = response(c)) > 0) {
                    if (done < total)
                        lat[done] = now_ns() - c->due;
                    done++;
                    if (st < 200 || st > 299)
                        bad++;
                    c->busy = false;
                }
                if (c->rlen >= RBUF - 1)
                    goto kill;
            }
            continue;
        kill:
            if (c->busy)
                dead++;
            c->busy = false;
            SSL_free(c->ssl);
            c->ssl = NULL;
            close(c->fd);
        }
    }
    double el = (double)(now_ns() - t0) / 1e9;
    size_t n = done < total ? done : total;
    qsort(lat, n, sizeof(*lat), cmp_u64);
#define PCT(p) (n ? (double)lat[(size_t)((double)(n - 1) * (p))] / 1e6 : 0.0)
    printf("target=%.0f achieved=%.0f sent=%zu done=%zu non2xx=%zu failed=%zu "
           "p50=%.2fms p99=%.2fms p999=%.2fms max=%.2fms\n",
           rate, (double)done / (el < secs ? el : secs + (el - secs)), next, done, bad,
           dead + (total - next), PCT(0.5), PCT(0.99), PCT(0.999), PCT(1.0));
    return 0;
}
