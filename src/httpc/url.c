/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpc URL parsing: splits the absolute URLs the client is given (the Graph
 * API base from the config plus a path, or the webhook URL of `vaglioctl
 * send`) into scheme, host, port and request target. Strict on purpose: the
 * URLs come from our own config and code, so anything unusual (user info,
 * spaces, control bytes) is a mistake to report, not something to repair.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "httpc/httpc_internal.h"

void vg_httpc_url_cleanup(vg_httpc_url_t *u)
{
    free(u->target);
    u->target = NULL;
}

/* Host name characters: letters, digits, '-', '.', '_' (some internal names). */
static bool host_char(unsigned char ch)
{
    return isalnum(ch) || ch == '-' || ch == '.' || ch == '_';
}

static bool ipv6_char(unsigned char ch)
{
    return isxdigit(ch) || ch == ':' || ch == '.';
}

static int parse_port(const char *s, size_t n, uint16_t *out)
{
    unsigned long v = 0;

    if (n == 0 || n > 5)
        return -VG_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -VG_EINVAL;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -VG_EINVAL;
    *out = (uint16_t)v;
    return 0;
}

/* Parses the authority [start, end) into host and port. */
static int parse_authority(const char *a, size_t n, vg_httpc_url_t *u)
{
    const char *port = NULL;
    size_t hostlen;
    size_t portlen = 0;

    if (n == 0 || memchr(a, '@', n) != NULL)
        return -VG_EINVAL;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL || close == a + 1)
            return -VG_EINVAL;
        hostlen = (size_t)(close - a - 1);
        for (size_t i = 0; i < hostlen; i++)
            if (!ipv6_char((unsigned char)a[1 + i]))
                return -VG_EINVAL;
        if (close + 1 < a + n) {
            if (close[1] != ':')
                return -VG_EINVAL;
            port = close + 2;
            portlen = (size_t)(a + n - port);
        }
        if (hostlen > VG_HTTPC_MAX_HOST)
            return -VG_EINVAL;
        memcpy(u->host, a + 1, hostlen);
        u->ipv6 = true;
    } else {
        const char *colon = memchr(a, ':', n);
        hostlen = colon != NULL ? (size_t)(colon - a) : n;
        if (colon != NULL) {
            port = colon + 1;
            portlen = (size_t)(a + n - port);
        }
        if (hostlen == 0 || hostlen > VG_HTTPC_MAX_HOST)
            return -VG_EINVAL;
        for (size_t i = 0; i < hostlen; i++) {
            if (!host_char((unsigned char)a[i]))
                return -VG_EINVAL;
            u->host[i] = (char)tolower((unsigned char)a[i]);
        }
    }
    u->host[hostlen] = '\0';
    if (port != NULL) {
        uint16_t p;
        if (parse_port(port, portlen, &p) < 0)
            return -VG_EINVAL;
        u->default_port = p == u->port;
        u->port = p;
    }
    return 0;
}

int vg_httpc_url_parse(const char *url, vg_httpc_url_t *u)
{
    const char *p;
    const char *auth;
    size_t n;
    size_t tlen;

    memset(u, 0, sizeof(*u));
    if (url == NULL)
        return -VG_EINVAL;
    n = strlen(url);
    if (n > VG_HTTPC_MAX_URL)
        return -VG_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] == 0x7f)
            return -VG_EINVAL;
    if (n >= 7 && vg_strcaseeq_n(url, "http://", 7)) {
        u->tls = false;
        u->port = 80;
        p = url + 7;
    } else if (n >= 8 && vg_strcaseeq_n(url, "https://", 8)) {
        u->tls = true;
        u->port = 443;
        p = url + 8;
    } else {
        return -VG_EINVAL;
    }
    u->default_port = true;
    auth = p;
    p += strcspn(p, "/?#");
    if (parse_authority(auth, (size_t)(p - auth), u) < 0)
        return -VG_EINVAL;
    /* The target is the path and query; the fragment never goes on the wire. */
    tlen = strcspn(p, "#");
    if (tlen == 0 || p[0] == '?') {
        u->target = vg_xmalloc(tlen + 2);
        u->target[0] = '/';
        memcpy(u->target + 1, p, tlen);
        u->target[tlen + 1] = '\0';
    } else {
        u->target = vg_xstrndup(p, tlen);
    }
    return 0;
}
