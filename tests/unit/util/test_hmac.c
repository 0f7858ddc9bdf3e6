/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of vg_hmac_sha256, which builds HMAC (RFC 2104) on a SHA-256
 * fetched once instead of calling OpenSSL's HMAC(): the RFC 4231 vectors
 * (short key, key longer than a block), the edges (empty key and message, a
 * key of exactly one block), and agreement with OpenSSL's HMAC() over every
 * key length 0..150 and a spread of message lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vaglio/util.h"

static void hex_of(const void *key, size_t keylen, const void *msg, size_t msglen,
                   char out[2 * VG_SHA256_LEN + 1])
{
    uint8_t mac[VG_SHA256_LEN];

    assert_int_equal(vg_hmac_sha256(key, keylen, msg, msglen, mac), 0);
    vg_hex_encode(mac, sizeof(mac), out);
}

static void test_rfc4231(void **state)
{
    char hex[2 * VG_SHA256_LEN + 1];
    uint8_t k20[20], k131[131];
    static const char tc6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    (void)state;

    memset(k20, 0x0b, sizeof(k20));
    hex_of(k20, sizeof(k20), "Hi There", 8, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    hex_of("Jefe", 4, "what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(k131, 0xaa, sizeof(k131));
    hex_of(k131, sizeof(k131), tc6, sizeof(tc6) - 1, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_edges(void **state)
{
    char hex[2 * VG_SHA256_LEN + 1];
    uint8_t k64[64];
    (void)state;

    /* python3: hmac.new(b'', b'', sha256) */
    hex_of("", 0, "", 0, hex);
    assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    /* python3: hmac.new(b'k' * 64, b'block-size key', sha256): not hashed first */
    memset(k64, 'k', sizeof(k64));
    hex_of(k64, sizeof(k64), "block-size key", 14, hex);
    assert_string_equal(hex, "3639ed45f96410ae1abf821aaf15a4e616209464f7e06fb79435d35e485bd3c2");
}

static void test_agrees_with_openssl(void **state)
{
    static const size_t msglens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 650, 4096};
    uint8_t key[150], msg[4096], ours[VG_SHA256_LEN], theirs[VG_SHA256_LEN];
    unsigned int len;
    (void)state;

    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13 + 1);
    for (size_t kl = 0; kl <= sizeof(key); kl++)
        for (size_t m = 0; m < sizeof(msglens) / sizeof(msglens[0]); m++) {
            len = sizeof(theirs);
            assert_non_null(HMAC(EVP_sha256(), key, (int)kl, msg, msglens[m], theirs, &len));
            assert_int_equal(vg_hmac_sha256(key, kl, msg, msglens[m], ours), 0);
            assert_memory_equal(ours, theirs, sizeof(ours));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_agrees_with_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
