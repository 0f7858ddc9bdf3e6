/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the store's identifiers: decision ids, author pseudonyms
 * and hash tags. Known vectors pin the exact construction (docs/redis.md
 * tells operators how to recompute them for an erasure), and the tag test
 * checks that authors spread evenly over the shards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_internal.h"
#include "store/store_test_stubs.h"

static void id_of(const char *key, const char *tenant, vg_platform_t p, const char *content,
                  vg_verb_t verb, const char *text, char out[VG_DECISION_ID_LEN + 1])
{
    vg_store_decision_id(key, tenant, p, content, verb, text, strlen(text), out);
}

static void test_decision_id_vector(void **state)
{
    char id[VG_DECISION_ID_LEN + 1];
    (void)state;
    /* python3: hmac(b'k3y', b'demo\0facebook\0c1\0add\0' + sha256(b'hello'), sha256) */
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello", id);
    assert_string_equal(id, "3a2451c12f715f139a9d8b8e");
    assert_int_equal(strlen(id), VG_DECISION_ID_LEN);
}

static void test_decision_id_varies(void **state)
{
    char base[VG_DECISION_ID_LEN + 1], other[VG_DECISION_ID_LEN + 1];
    (void)state;
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello", base);
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello", other);
    assert_string_equal(base, other);
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_EDITED, "hello", other);
    assert_string_not_equal(base, other);
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello!", other);
    assert_string_not_equal(base, other);
    id_of("k3y", "demo", VG_PLATFORM_FACEBOOK, "c2", VG_VERB_ADD, "hello", other);
    assert_string_not_equal(base, other);
    id_of("k3y", "demo2", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello", other);
    assert_string_not_equal(base, other);
    id_of("k3y", "demo", VG_PLATFORM_INSTAGRAM, "c1", VG_VERB_ADD, "hello", other);
    assert_string_not_equal(base, other);
    /* Keyed: without the key a short text cannot be found by trying them all. */
    id_of("another key", "demo", VG_PLATFORM_FACEBOOK, "c1", VG_VERB_ADD, "hello", other);
    assert_string_not_equal(base, other);
    /* The NUL separators keep fields apart: "c1"+"add" is not "c"+"1add". */
    id_of("k3y", "democ", VG_PLATFORM_FACEBOOK, "1", VG_VERB_ADD, "hello", other);
    assert_string_not_equal(base, other);
}

static void test_decision_id_binary_text(void **state)
{
    char a[VG_DECISION_ID_LEN + 1], b[VG_DECISION_ID_LEN + 1];
    (void)state;
    /* The text is hashed as bytes, NULs included. */
    vg_store_decision_id("k", "t", VG_PLATFORM_FACEBOOK, "c", VG_VERB_ADD, "a\0b", 3, a);
    vg_store_decision_id("k", "t", VG_PLATFORM_FACEBOOK, "c", VG_VERB_ADD, "a\0c", 3, b);
    assert_string_not_equal(a, b);
    vg_store_decision_id("k", "t", VG_PLATFORM_FACEBOOK, "c", VG_VERB_REMOVE, NULL, 0, a);
    vg_store_decision_id("k", "t", VG_PLATFORM_FACEBOOK, "c", VG_VERB_REMOVE, "", 0, b);
    assert_string_equal(a, b);
}

static void test_author_hash(void **state)
{
    char h[VG_AUTHOR_HASH_LEN + 1], o[VG_AUTHOR_HASH_LEN + 1];
    (void)state;
    vg_store_author_hash("k3y", "demo", VG_PLATFORM_INSTAGRAM, "12345", h);
    assert_string_equal(h, "abaf868b1dd271a83cbc095439f525e4");
    vg_store_author_hash("k3y", "demo", VG_PLATFORM_FACEBOOK, "12345", o);
    assert_string_not_equal(h, o);
    vg_store_author_hash("k3y", "demo2", VG_PLATFORM_INSTAGRAM, "12345", o);
    assert_string_not_equal(h, o);
    vg_store_author_hash("k3z", "demo", VG_PLATFORM_INSTAGRAM, "12345", o);
    assert_string_not_equal(h, o);
    vg_store_author_hash("k3y", "demo", VG_PLATFORM_INSTAGRAM, "12346", o);
    assert_string_not_equal(h, o);
    assert_null(strstr(h, "12345"));
}

static void test_tag_format(void **state)
{
    char tag[80];
    size_t n;
    (void)state;
    /* A pseudonym: its own first 8 digits. 0x0000000a mod 16 = 10. */
    n = vg_store_tag("demo", "0000000a000000000000000000000000", 16, tag, sizeof(tag));
    assert_string_equal(tag, "{demo:10}");
    assert_int_equal(n, strlen(tag));
    /* 0xffffffff mod 7 = 3 */
    vg_store_tag("demo", "ffffffff000000000000000000000000", 7, tag, sizeof(tag));
    assert_string_equal(tag, "{demo:3}");
    /* A content id: the first 8 digits of its SHA-256 (d0f631ca), mod 16 = 10. */
    vg_store_tag("demo", "c1", 16, tag, sizeof(tag));
    assert_string_equal(tag, "{demo:10}");
    /* Not a pseudonym (upper case, wrong length): hashed. */
    vg_store_tag("demo", "0000000A000000000000000000000000", 16, tag, sizeof(tag));
    assert_string_not_equal(tag, "{demo:10}");
    /* One shard, or none configured. */
    vg_store_tag("demo", "ffffffff000000000000000000000000", 1, tag, sizeof(tag));
    assert_string_equal(tag, "{demo:0}");
    vg_store_tag("demo", "ffffffff000000000000000000000000", 0, tag, sizeof(tag));
    assert_string_equal(tag, "{demo:0}");
    /* The longest tenant name fits in 80. */
    char tenant[65];
    memset(tenant, 'x', 64);
    tenant[64] = '\0';
    n = vg_store_tag(tenant, "c1", 4000000000u, tag, sizeof(tag));
    assert_true(n < 80);
    assert_int_equal(n, strlen(tag));
}

static void test_tag_distribution(void **state)
{
    enum { SHARDS = 16, AUTHORS = 16000 };
    unsigned count[SHARDS] = {0};
    (void)state;
    for (int i = 0; i < AUTHORS; i++) {
        char id[32], h[VG_AUTHOR_HASH_LEN + 1], tag[80];
        unsigned shard;
        snprintf(id, sizeof(id), "%d", 100000 + i);
        vg_store_author_hash("k", "demo", VG_PLATFORM_FACEBOOK, id, h);
        vg_store_tag("demo", h, SHARDS, tag, sizeof(tag));
        assert_int_equal(sscanf(tag, "{demo:%u}", &shard), 1);
        assert_true(shard < SHARDS);
        count[shard]++;
    }
    for (int s = 0; s < SHARDS; s++) {
        /* Mean 1000; a fair spread stays well within 15%. */
        if (count[s] < 850 || count[s] > 1150)
            fail_msg("shard %d has %u of %d authors", s, count[s], AUTHORS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision_id_vector),
        cmocka_unit_test(test_decision_id_varies),
        cmocka_unit_test(test_decision_id_binary_text),
        cmocka_unit_test(test_author_hash),
        cmocka_unit_test(test_tag_format),
        cmocka_unit_test(test_tag_distribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
