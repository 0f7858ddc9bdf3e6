/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store URL: parses the redis_url setting into host/port or socket path,
 * database number and credentials. Errors describe the accepted shapes and
 * never repeat the URL, because it may carry a password that would then end
 * up in `vagliod -t` output and in logs.
 */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store/store_internal.h"

#define URL_SHAPES                                                                                 \
    "expected redis://[[user]:password@]host[:port][/db] or "                                      \
    "unix:///path/to.sock[?db=N][&password=...]"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out; -1 on a bad escape or if it does not fit. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return -1;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0' || o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* Parses a decimal number in [min, max] from s[0..n). */
static int parse_uint(const char *s, size_t n, int min, int max, int *out)
{
    long v = 0;

    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_host_port(const char *s, size_t n, vg_store_url_t *u)
{
    const char *host = s, *port = NULL;
    size_t hlen = n, plen = 0;

    if (n > 0 && s[0] == '[') {
        /* An IPv6 literal: [::1]:6379. */
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return -1;
        host = s + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < s + n) {
            if (close[1] != ':')
                return -1;
            port = close + 2;
            plen = (size_t)(s + n - port);
        }
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon != NULL) {
            hlen = (size_t)(colon - s);
            port = colon + 1;
            plen = (size_t)(s + n - port);
        }
    }
    if (hlen == 0 || hlen >= sizeof(u->host))
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (host[i] == '@' || host[i] == '/' || host[i] == '?' || (unsigned char)host[i] <= ' ')
            return -1;
    memcpy(u->host, host, hlen);
    u->host[hlen] = '\0';
    u->port = 6379;
    if (port != NULL && parse_uint(port, plen, 1, 65535, &u->port) < 0)
        return -1;
    return 0;
}

static int parse_userinfo(const char *s, size_t n, vg_store_url_t *u)
{
    const char *colon = memchr(s, ':', n);

    /* A bare "name@" would be a user without a password: AUTH needs one. */
    if (colon == NULL)
        return -1;
    if (pct_decode(s, (size_t)(colon - s), u->user, sizeof(u->user)) < 0)
        return -1;
    if (pct_decode(colon + 1, (size_t)(s + n - colon - 1), u->password, sizeof(u->password)) < 0)
        return -1;
    return u->password[0] != '\0' ? 0 : -1;
}

static int parse_redis(const char *rest, vg_store_url_t *u)
{
    size_t alen = strcspn(rest, "/?#");
    const char *at = NULL;

    /* The password may hold an unescaped '@': the host starts after the last one. */
    for (size_t i = 0; i < alen; i++)
        if (rest[i] == '@')
            at = rest + i;
    if (at != NULL) {
        if (parse_userinfo(rest, (size_t)(at - rest), u) < 0)
            return -1;
        if (parse_host_port(at + 1, (size_t)(rest + alen - at - 1), u) < 0)
            return -1;
    } else if (parse_host_port(rest, alen, u) < 0) {
        return -1;
    }
    rest += alen;
    if (*rest == '\0')
        return 0;
    if (*rest != '/')
        return -1;
    rest++;
    if (*rest == '\0')
        return 0;
    return parse_uint(rest, strlen(rest), 0, 1000000, &u->db);
}

static int parse_unix(const char *rest, vg_store_url_t *u)
{
    size_t plen = strcspn(rest, "?");
    const char *q = rest + plen;
    char v[16];
    int r;

    if (plen == 0 || rest[0] != '/' || plen >= sizeof(u->path))
        return -1;
    memcpy(u->path, rest, plen);
    u->path[plen] = '\0';
    if (*q == '\0')
        return 0;
    q++;
    r = vg_query_get(q, strlen(q), "db", v, sizeof(v));
    if (r >= 0 && parse_uint(v, (size_t)r, 0, 1000000, &u->db) < 0)
        return -1;
    if (r < 0 && r != -VG_ENOENT)
        return -1;
    r = vg_query_get(q, strlen(q), "password", u->password, sizeof(u->password));
    if (r < 0 && r != -VG_ENOENT)
        return -1;
    r = vg_query_get(q, strlen(q), "user", u->user, sizeof(u->user));
    if (r < 0 && r != -VG_ENOENT)
        return -1;
    if (u->user[0] != '\0' && u->password[0] == '\0')
        return -1;
    return 0;
}

int vg_store_url_parse(const char *url, vg_store_url_t *out, vg_err_t *err)
{
    int r = -1;

    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (url == NULL || *url == '\0')
        return vg_err_set(err, VG_EINVAL, "redis_url is empty; " URL_SHAPES);
    if (strncmp(url, "rediss://", 9) == 0)
        return vg_err_set(err, VG_EINVAL,
                          "redis_url: TLS (rediss://) is not supported by hiredis 0.14; run "
                          "Redis on a unix socket or a private network; " URL_SHAPES);
    if (strncmp(url, "redis://", 8) == 0) {
        r = parse_redis(url + 8, out);
    } else if (strncmp(url, "unix://", 7) == 0) {
        out->is_unix = true;
        r = parse_unix(url + 7, out);
    }
    if (r < 0) {
        vg_store_url_wipe(out);
        return vg_err_set(err, VG_EINVAL, "redis_url is malformed; " URL_SHAPES);
    }
    return 0;
}

void vg_store_url_wipe(vg_store_url_t *u)
{
    OPENSSL_cleanse(u->password, sizeof(u->password));
    OPENSSL_cleanse(u->user, sizeof(u->user));
}
