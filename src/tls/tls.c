/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls: the OpenSSL contexts of both sides of vaglio. The server context
 * terminates the platforms' webhook calls (TLS 1.2 with ECDHE AEAD suites
 * only, or TLS 1.3); the client context is used by the dispatcher to call
 * the platforms' APIs and always verifies the peer and its name.
 *
 * Error discipline (nginx's): the OpenSSL error queue is cleared before a
 * call and drained completely after a failure, into one vg_err_t message, so
 * a stale error never surfaces later on an unrelated connection.
 */
#include "vaglio/tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* TLS 1.2: forward secrecy and AEAD only. TLS 1.3 keeps OpenSSL's default suites. */
static const char server_ciphers_12[] = "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                        "ECDHE-RSA-AES128-GCM-SHA256:"
                                        "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                        "ECDHE-RSA-AES256-GCM-SHA384:"
                                        "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                        "ECDHE-RSA-CHACHA20-POLY1305";

int vg_tls_error(vg_err_t *err, const char *what)
{
    char msg[VG_ERR_MSG_MAX];
    size_t o = 0;
    unsigned long e;

    msg[0] = '\0';
    while ((e = ERR_get_error()) != 0) {
        char one[256];
        const char *reason = ERR_reason_error_string(e);
        if (reason != NULL)
            snprintf(one, sizeof(one), "%s", reason);
        else
            ERR_error_string_n(e, one, sizeof(one));
        size_t n = strlen(one);
        /* the same reason often comes twice (from the BIO and from the caller) */
        if (o + n + 3 < sizeof(msg) && strstr(msg, one) == NULL)
            o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s%s", o ? ", " : "", one);
    }
    if (o == 0)
        return vg_err_set(err, VG_ETLS, "%s: unknown OpenSSL error", what);
    return vg_err_set(err, VG_ETLS, "%s: %s", what, msg);
}

SSL_CTX *vg_tls_server_ctx_new(const char *cert_file, const char *key_file, vg_err_t *err)
{
    SSL_CTX *ctx;
    static const unsigned char sid_ctx[] = "vaglio";

    if (cert_file == NULL || key_file == NULL) {
        vg_err_set(err, VG_EINVAL, "tls: a certificate and a key are both required");
        return NULL;
    }
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        vg_tls_error(err, "SSL_CTX_new");
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, server_ciphers_12) != 1) {
        vg_tls_error(err, "tls server settings");
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /*
     * Clients often close without close_notify. HTTP requests are framed by
     * length, never by EOF, so truncation cannot go unnoticed; treating the
     * cut as an EOF lets the server tell it from a protocol error.
     */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    /* Idle keep-alive connections do not need 34 KiB of TLS buffers each. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);

    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        char what[VG_ERR_MSG_MAX / 2];
        snprintf(what, sizeof(what), "certificate %s", cert_file);
        vg_tls_error(err, what);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        char what[VG_ERR_MSG_MAX / 2];
        snprintf(what, sizeof(what), "private key %s", key_file);
        vg_tls_error(err, what);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        char what[VG_ERR_MSG_MAX / 2];
        snprintf(what, sizeof(what), "private key %s does not match certificate %s", key_file,
                 cert_file);
        vg_tls_error(err, what);
        goto fail;
    }
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *vg_tls_client_ctx_new(const char *ca_file, vg_err_t *err)
{
    SSL_CTX *ctx;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        vg_tls_error(err, "SSL_CTX_new");
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        vg_tls_error(err, "tls client settings");
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
            char what[VG_ERR_MSG_MAX / 2];
            snprintf(what, sizeof(what), "CA file %s", ca_file);
            vg_tls_error(err, what);
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        vg_tls_error(err, "system CA store");
        goto fail;
    }
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* True if @p host is an IPv4 or IPv6 literal (brackets already removed). */
static bool is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

SSL *vg_tls_client_ssl_new(SSL_CTX *ctx, const char *host, vg_err_t *err)
{
    char name[256];
    size_t n;
    SSL *ssl;

    if (host == NULL || (n = strlen(host)) == 0 || n >= sizeof(name)) {
        vg_err_set(err, VG_EINVAL, "tls: bad host name for verification");
        return NULL;
    }
    /* "[::1]" as it appears in URLs */
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(name, host + 1, n - 2);
        name[n - 2] = '\0';
    } else {
        memcpy(name, host, n + 1);
    }
    ERR_clear_error();
    ssl = SSL_new(ctx);
    if (ssl == NULL) {
        vg_tls_error(err, "SSL_new");
        return NULL;
    }
    if (is_ip_literal(name)) {
        /* RFC 6066: no IP literals in SNI; the certificate must carry the IP as a SAN */
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1) {
            vg_tls_error(err, "tls: IP address verification");
            goto fail;
        }
    } else {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (SSL_set_tlsext_host_name(ssl, name) != 1 || SSL_set1_host(ssl, name) != 1) {
            char what[300];
            snprintf(what, sizeof(what), "tls: host name %s", name);
            vg_tls_error(err, what);
            goto fail;
        }
    }
    return ssl;

fail:
    SSL_free(ssl);
    return NULL;
}
