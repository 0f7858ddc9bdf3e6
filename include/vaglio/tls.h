/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls: OpenSSL contexts for vaglio's two sides. The server context takes a
 * certificate chain and key, allows TLS 1.2 and 1.3 only, with modern AEAD
 * ciphers and server cipher preference. The client context (calls to the
 * platforms) verifies the peer against the system store (or a CA file) and
 * checks the host name: SNI plus SSL_set1_host on every connection.
 *
 * OpenSSL errors are drained into one log line or one vg_err_t message
 * (nginx's discipline: clear the queue before a call, drain it after).
 */
#ifndef VAGLIO_TLS_H
#define VAGLIO_TLS_H

#include <openssl/ssl.h>

#include "vaglio/util.h"

/** Returns a new server context (caller frees with SSL_CTX_free) or NULL with @p err. */
SSL_CTX *vg_tls_server_ctx_new(const char *cert_file, const char *key_file, vg_err_t *err);

/**
 * Returns a new client context verifying peers against @p ca_file, or the
 * system default store when NULL (caller frees) — or NULL with @p err.
 */
SSL_CTX *vg_tls_client_ctx_new(const char *ca_file, vg_err_t *err);

/**
 * Returns a new SSL for a client connection to @p host: SNI and host name
 * verification set (caller frees, or hands it to a bufferevent). NULL with @p err.
 */
SSL *vg_tls_client_ssl_new(SSL_CTX *ctx, const char *host, vg_err_t *err);

/** Fills @p err with the drained OpenSSL error queue, prefixed by @p what. Returns -VG_ETLS. */
int vg_tls_error(vg_err_t *err, const char *what);

#endif /* VAGLIO_TLS_H */
