/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: a throw-away self-signed certificate made at test time (no
 * key is ever committed). An EC P-256 key, CN=localhost, SAN DNS:localhost,
 * IP:127.0.0.1 and IP:::1, valid for a day, written as PEM into a fresh
 * directory under /tmp together with a second, unrelated key. Header-only
 * so the tls and server tests can share it.
 */
#ifndef VG_TEST_CERT_H
#define VG_TEST_CERT_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

typedef struct vg_test_cert {
    char dir[64];
    char cert[PATH_MAX];      /**< PEM certificate */
    char key[PATH_MAX];       /**< its PEM private key */
    char other_key[PATH_MAX]; /**< a key that does not match */
} vg_test_cert_t;

static inline int vg_test_cert_write_key(const char *path, EVP_PKEY *k)
{
    FILE *f = fopen(path, "w");
    int ok;
    if (f == NULL)
        return -1;
    ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    return ok == 1 ? 0 : -1;
}

static inline int vg_test_cert_add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/** Makes the directory and files. Returns 0 or -1. */
static inline int vg_test_cert_make(vg_test_cert_t *tc)
{
    EVP_PKEY *key = NULL, *other = NULL;
    X509 *x = NULL;
    FILE *f = NULL;
    int rc = -1;

    snprintf(tc->dir, sizeof(tc->dir), "/tmp/vg-test-cert-XXXXXX");
    if (mkdtemp(tc->dir) == NULL)
        return -1;
    snprintf(tc->cert, sizeof(tc->cert), "%s/cert.pem", tc->dir);
    snprintf(tc->key, sizeof(tc->key), "%s/key.pem", tc->dir);
    snprintf(tc->other_key, sizeof(tc->other_key), "%s/other.pem", tc->dir);

    key = EVP_EC_gen("P-256");
    other = EVP_EC_gen("P-256");
    x = X509_new();
    if (key == NULL || other == NULL || x == NULL)
        goto out;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)getpid());
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    if (vg_test_cert_add_ext(x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        vg_test_cert_add_ext(x, NID_subject_alt_name,
                             "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1") != 0)
        goto out;
    if (X509_sign(x, key, EVP_sha256()) == 0)
        goto out;
    f = fopen(tc->cert, "w");
    if (f == NULL || PEM_write_X509(f, x) != 1)
        goto out;
    if (vg_test_cert_write_key(tc->key, key) != 0 ||
        vg_test_cert_write_key(tc->other_key, other) != 0)
        goto out;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    return rc;
}

/** Removes the files and the directory. */
static inline void vg_test_cert_remove(vg_test_cert_t *tc)
{
    unlink(tc->cert);
    unlink(tc->key);
    unlink(tc->other_key);
    rmdir(tc->dir);
}

#endif /* VG_TEST_CERT_H */
