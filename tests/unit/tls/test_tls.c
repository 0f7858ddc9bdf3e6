/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the tls module: server and client contexts, their error
 * messages (naming the file and OpenSSL's reason), and real handshakes over
 * in-memory BIO pairs that prove the client verifies the certificate chain
 * and the host name or IP address, and that the server refuses weak
 * protocol versions and non-ECDHE suites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>

#include "tls/vg_test_cert.h"
#include "vaglio/tls.h"

static vg_test_cert_t cert;

static int group_setup(void **state)
{
    (void)state;
    return vg_test_cert_make(&cert);
}

static int group_teardown(void **state)
{
    (void)state;
    vg_test_cert_remove(&cert);
    return 0;
}

/* Drives both ends over a BIO pair until both finish or one fails. Takes both SSLs' BIOs. */
static int handshake(SSL *cli, SSL *srv)
{
    BIO *cb = NULL, *sb = NULL;
    if (BIO_new_bio_pair(&cb, 0, &sb, 0) != 1)
        return -1;
    SSL_set_bio(cli, cb, cb);
    SSL_set_bio(srv, sb, sb);
    SSL_set_connect_state(cli);
    SSL_set_accept_state(srv);
    bool cdone = false, sdone = false;
    for (int i = 0; i < 50 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(cli);
            if (r == 1)
                cdone = true;
            else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ &&
                     SSL_get_error(cli, r) != SSL_ERROR_WANT_WRITE)
                return -1;
        }
        if (!sdone) {
            int r = SSL_do_handshake(srv);
            if (r == 1)
                sdone = true;
            else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ &&
                     SSL_get_error(srv, r) != SSL_ERROR_WANT_WRITE)
                return -2;
        }
    }
    return cdone && sdone ? 0 : -3;
}

/* Handshake of our client context against our server context, verifying @p host. */
static int connect_as(const char *host, long *verify)
{
    vg_err_t err;
    SSL_CTX *sctx = vg_tls_server_ctx_new(cert.cert, cert.key, &err);
    SSL_CTX *cctx = vg_tls_client_ctx_new(cert.cert, &err);
    assert_non_null(sctx);
    assert_non_null(cctx);
    SSL *cli = vg_tls_client_ssl_new(cctx, host, &err);
    assert_non_null(cli);
    SSL *srv = SSL_new(sctx);
    int rc = handshake(cli, srv);
    *verify = SSL_get_verify_result(cli);
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    ERR_clear_error();
    return rc;
}

static void test_server_ctx_ok(void **state)
{
    vg_err_t err = {0};
    (void)state;
    SSL_CTX *ctx = vg_tls_server_ctx_new(cert.cert, cert.key, &err);
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    uint64_t o = SSL_CTX_get_options(ctx);
    assert_true(o & SSL_OP_NO_COMPRESSION);
    assert_true(o & SSL_OP_CIPHER_SERVER_PREFERENCE);
    assert_true(o & SSL_OP_NO_RENEGOTIATION);
    assert_int_equal(SSL_CTX_get_session_cache_mode(ctx) & SSL_SESS_CACHE_SERVER,
                     SSL_SESS_CACHE_SERVER);
    /* every TLS 1.2 suite offered is ECDHE + AEAD */
    STACK_OF(SSL_CIPHER) *cs = SSL_CTX_get_ciphers(ctx);
    int n12 = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(cs); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(cs, i);
        if (strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0)
            continue;
        n12++;
        assert_int_equal(SSL_CIPHER_get_kx_nid(c), NID_kx_ecdhe);
        assert_true(SSL_CIPHER_is_aead(c));
    }
    assert_int_equal(n12, 6);
    SSL_CTX_free(ctx);
}

static void test_server_ctx_missing_files(void **state)
{
    vg_err_t err = {0};
    (void)state;
    assert_null(vg_tls_server_ctx_new("/nonexistent/cert.pem", cert.key, &err));
    assert_int_equal(err.code, VG_ETLS);
    assert_non_null(strstr(err.msg, "/nonexistent/cert.pem"));
    assert_non_null(strcasestr(err.msg, "no such file"));

    assert_null(vg_tls_server_ctx_new(cert.cert, "/nonexistent/key.pem", &err));
    assert_int_equal(err.code, VG_ETLS);
    assert_non_null(strstr(err.msg, "/nonexistent/key.pem"));

    assert_null(vg_tls_server_ctx_new(NULL, cert.key, &err));
    assert_int_equal(err.code, VG_EINVAL);
    /* the error queue is left empty for the next caller */
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_server_ctx_key_mismatch(void **state)
{
    vg_err_t err = {0};
    (void)state;
    assert_null(vg_tls_server_ctx_new(cert.cert, cert.other_key, &err));
    assert_int_equal(err.code, VG_ETLS);
    assert_non_null(strstr(err.msg, cert.other_key));
    assert_non_null(strstr(err.msg, "mismatch"));
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_server_ctx_not_pem(void **state)
{
    vg_err_t err = {0};
    char path[PATH_MAX];
    (void)state;
    snprintf(path, sizeof(path), "%s/garbage.pem", cert.dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a certificate\n", f);
    fclose(f);
    assert_null(vg_tls_server_ctx_new(path, cert.key, &err));
    unlink(path);
    assert_int_equal(err.code, VG_ETLS);
    assert_non_null(strstr(err.msg, path));
}

static void test_client_ctx(void **state)
{
    vg_err_t err = {0};
    (void)state;
    SSL_CTX *ctx = vg_tls_client_ctx_new(cert.cert, &err);
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    SSL_CTX_free(ctx);

    ctx = vg_tls_client_ctx_new(NULL, &err);
    assert_non_null(ctx);
    SSL_CTX_free(ctx);

    assert_null(vg_tls_client_ctx_new("/nonexistent/ca.pem", &err));
    assert_int_equal(err.code, VG_ETLS);
    assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
}

static void test_client_ssl_sni(void **state)
{
    vg_err_t err = {0};
    (void)state;
    SSL_CTX *ctx = vg_tls_client_ctx_new(cert.cert, &err);
    assert_non_null(ctx);

    SSL *ssl = vg_tls_client_ssl_new(ctx, "graph.facebook.com", &err);
    assert_non_null(ssl);
    assert_string_equal(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), "graph.facebook.com");
    SSL_free(ssl);

    /* IP literals are not sent as SNI */
    ssl = vg_tls_client_ssl_new(ctx, "127.0.0.1", &err);
    assert_non_null(ssl);
    assert_null(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
    SSL_free(ssl);
    ssl = vg_tls_client_ssl_new(ctx, "[::1]", &err);
    assert_non_null(ssl);
    assert_null(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
    SSL_free(ssl);

    assert_null(vg_tls_client_ssl_new(ctx, "", &err));
    assert_int_equal(err.code, VG_EINVAL);
    assert_null(vg_tls_client_ssl_new(ctx, NULL, &err));
    SSL_CTX_free(ctx);
}

static void test_handshake_verifies_names(void **state)
{
    long v;
    (void)state;
    assert_int_equal(connect_as("localhost", &v), 0);
    assert_int_equal(v, X509_V_OK);
    assert_int_equal(connect_as("127.0.0.1", &v), 0);
    assert_int_equal(v, X509_V_OK);
    assert_int_equal(connect_as("[::1]", &v), 0);
    assert_int_equal(v, X509_V_OK);

    assert_int_not_equal(connect_as("example.com", &v), 0);
    assert_int_equal(v, X509_V_ERR_HOSTNAME_MISMATCH);
    assert_int_not_equal(connect_as("10.1.2.3", &v), 0);
    assert_int_equal(v, X509_V_ERR_IP_ADDRESS_MISMATCH);
    /* no partial wildcards, and a name is not a suffix match */
    assert_int_not_equal(connect_as("evil-localhost", &v), 0);
}

static void test_handshake_untrusted(void **state)
{
    vg_err_t err;
    (void)state;
    SSL_CTX *sctx = vg_tls_server_ctx_new(cert.cert, cert.key, &err);
    /* a CA store that does not contain our self-signed certificate */
    char empty[PATH_MAX];
    snprintf(empty, sizeof(empty), "%s/empty-ca.pem", cert.dir);
    FILE *f = fopen(empty, "w");
    assert_non_null(f);
    fclose(f);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    SSL *cli = vg_tls_client_ssl_new(cctx, "localhost", &err);
    SSL *srv = SSL_new(sctx);
    assert_int_not_equal(handshake(cli, srv), 0);
    assert_int_equal(SSL_get_verify_result(cli), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    unlink(empty);
    ERR_clear_error();
}

static void test_server_refuses_old_and_weak(void **state)
{
    vg_err_t err;
    (void)state;
    SSL_CTX *sctx = vg_tls_server_ctx_new(cert.cert, cert.key, &err);
    assert_non_null(sctx);

    /* TLS 1.1 (the client needs security level 0 to even offer it) */
    SSL_CTX *old = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(old, 0);
    SSL_CTX_set_min_proto_version(old, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(old, "ALL:@SECLEVEL=0");
    SSL *cli = SSL_new(old);
    SSL *srv = SSL_new(sctx);
    assert_int_equal(handshake(cli, srv), -2); /* the server side fails */
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(old);
    ERR_clear_error();

    /* TLS 1.2 without ECDHE */
    SSL_CTX *weak = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(weak, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(weak, "AES128-GCM-SHA256:AES256-SHA");
    cli = SSL_new(weak);
    srv = SSL_new(sctx);
    assert_int_not_equal(handshake(cli, srv), 0);
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(weak);
    ERR_clear_error();

    /* TLS 1.2 with ECDHE-ECDSA AES-GCM is fine */
    SSL_CTX *ok = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ok, TLS1_2_VERSION);
    cli = SSL_new(ok);
    srv = SSL_new(sctx);
    assert_int_equal(handshake(cli, srv), 0);
    assert_int_equal(SSL_version(srv), TLS1_2_VERSION);
    assert_string_equal(SSL_CIPHER_get_name(SSL_get_current_cipher(srv)),
                        "ECDHE-ECDSA-AES128-GCM-SHA256");
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(ok);
    SSL_CTX_free(sctx);
}

static void test_tls_error(void **state)
{
    vg_err_t err = {0};
    (void)state;
    ERR_clear_error();
    assert_int_equal(vg_tls_error(&err, "nothing"), -VG_ETLS);
    assert_string_equal(err.msg, "nothing: unknown OpenSSL error");
    ERR_raise(ERR_LIB_SSL, SSL_R_NO_SHARED_CIPHER);
    assert_int_equal(vg_tls_error(&err, "handshake"), -VG_ETLS);
    assert_int_equal(err.code, VG_ETLS);
    assert_string_equal(err.msg, "handshake: no shared cipher");
    assert_int_equal(ERR_peek_error(), 0);
    /* a NULL err still drains */
    ERR_raise(ERR_LIB_SSL, SSL_R_NO_SHARED_CIPHER);
    assert_int_equal(vg_tls_error(NULL, "x"), -VG_ETLS);
    assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_ctx_ok),
        cmocka_unit_test(test_server_ctx_missing_files),
        cmocka_unit_test(test_server_ctx_key_mismatch),
        cmocka_unit_test(test_server_ctx_not_pem),
        cmocka_unit_test(test_client_ctx),
        cmocka_unit_test(test_client_ssl_sni),
        cmocka_unit_test(test_handshake_verifies_names),
        cmocka_unit_test(test_handshake_untrusted),
        cmocka_unit_test(test_server_refuses_old_and_weak),
        cmocka_unit_test(test_tls_error),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
