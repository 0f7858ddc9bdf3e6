/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of the server's HTTP/1.1 parser, the first code that touches
 * bytes from the internet. The input is treated as a request: the head (up
 * to the first blank line, within 16 KiB) is copied into a buffer of exactly
 * its size and parsed; what follows is fed to the chunked decoder in pieces
 * whose size the first input byte chooses, as the connection would. The
 * whole input also goes through a second decoder directly. Invariants:
 * every slice is a NUL-terminated string of the stated length inside the
 * buffer, no head is both chunked and length-framed, the decoder never
 * consumes more than it was given nor grows a body past its limit.
 * Seeds: tests/data/server/seeds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define MAX_HEAD  16384
#define MAX_BODY  65536
#define MAX_TRAIL 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "http parser invariant broken: %s\n", what);
        abort();
    }
}

static void check_slice(const char *buf, size_t len, const char *s, size_t n, bool may_be_static)
{
    require(s != NULL, "NULL slice");
    require(strlen(s) == n, "slice length differs from its NUL");
    if (!may_be_static || n > 1)
        require(s >= buf && s + n <= buf + len, "slice outside the buffer");
}

static void check_head(const char *buf, size_t len, const vg_http_head_t *h)
{
    check_slice(buf, len, h->path, h->path_len, true);
    check_slice(buf, len, h->query, h->query_len, true);
    require(h->minor <= 1, "minor version");
    require(h->nheaders <= VG_HTTP_MAX_HEADERS, "header count");
    require(!(h->chunked && h->has_length), "chunked and length-framed");
    require(h->method <= VG_HTTP_OTHER, "method");
    for (size_t i = 0; i < h->nheaders; i++) {
        check_slice(buf, len, h->headers[i].name, h->headers[i].name_len, false);
        check_slice(buf, len, h->headers[i].value, h->headers[i].value_len, false);
        require(h->headers[i].name_len > 0, "empty header name");
    }
}

/* Feeds @p in in pieces of @p step like the connection does; returns consumed bytes. */
static size_t dechunk(const char *in, size_t len, size_t step)
{
    vg_http_chunked_t c;
    vg_http_body_t body = {0};
    size_t off = 0;

    vg_http_chunked_init(&c);
    while (off < len && !vg_http_chunked_done(&c)) {
        size_t n = len - off < step ? len - off : step;
        long r = vg_http_chunked_feed(&c, in + off, n, &body, MAX_BODY, MAX_TRAIL);
        if (r < 0) {
            require(r == -400 || r == -413 || r == -431, "decoder status");
            break;
        }
        require((size_t)r <= n, "consumed more than given");
        require(body.len <= MAX_BODY, "body past its limit");
        if ((size_t)r < n)
            require(vg_http_chunked_done(&c), "stopped early without being done");
        off += (size_t)r;
    }
    if (body.len > 0)
        require(body.data[body.len] == '\0', "body not NUL-terminated");
    vg_http_body_cleanup(&body);
    return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vg_http_head_t head;
    const char *in = (const char *)data;
    size_t step = size > 0 ? (size_t)(data[0] % 64) + 1 : 1;

    /* the decoder on raw input, split as the first byte says */
    dechunk(in, size, step);

    size_t scan = size < MAX_HEAD ? size : MAX_HEAD;
    const char *e = scan >= 4 ? memmem(in, scan, "\r\n\r\n", 4) : NULL;
    if (e == NULL)
        return 0;
    size_t hlen = (size_t)(e - in) + 4;
    /* exactly hlen bytes, as in the connection's copy: ASan sees any overread */
    char *buf = malloc(hlen);
    if (buf == NULL)
        return 0;
    memcpy(buf, in, hlen);
    int status = vg_http_parse_head(buf, hlen, &head);
    if (status == 0) {
        check_head(buf, hlen, &head);
        if (head.chunked)
            dechunk(in + hlen, size - hlen, step);
    } else {
        require(status == 400 || status == 411 || status == 417 || status == 431 || status == 501 ||
                    status == 505,
                "parser status");
    }
    free(buf);
    return 0;
}
