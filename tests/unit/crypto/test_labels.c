/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS labelled derivations (RFC 9420 §5.1.2, §5.1.3, §5.2, §9): the streaming KDFLabel
 * matches one built with the codec for every varint width, a crypto-basics known answer,
 * and SignWithLabel's domain separation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/codec.h"
#include "crypto/hash.h"
#include "crypto/labels.h"
#include "crypto/rand.h"
#include "crypto/sig.h"
#include "testutil.h"

/* ExpandWithLabel written the slow way: KDFLabel encoded with the codec. */
static void reference_expand(const struct sr_suite *suite, struct sr_slice secret,
                             const char *label, struct sr_slice context, uint8_t *out, size_t len)
{
    struct sr_buf info = { 0 }, full = { 0 };
    assert_int_equal(sr_buf_append(&full, "MLS 1.0 ", 8), SR_OK);
    assert_int_equal(sr_buf_append(&full, label, strlen(label)), SR_OK);
    assert_int_equal(sr_write_u16(&info, (uint16_t)len), SR_OK);
    assert_int_equal(sr_write_opaque_v(&info, full.p, full.len), SR_OK);
    assert_int_equal(sr_write_opaque_v(&info, context.p, context.len), SR_OK);
    assert_int_equal(sr_hkdf_expand(suite->hash, secret, sr_buf_slice(&info), out, len), SR_OK);
    sr_buf_cleanup(&info);
    sr_buf_cleanup(&full);
}

static void expand_matches_codec(void **state)
{
    (void)state;
    static uint8_t context[20000];
    static char label[100];
    for (size_t i = 0; i < sizeof(context); i++) {
        context[i] = (uint8_t)i;
    }
    memset(label, 'a', sizeof(label) - 1);
    const size_t ctx_lens[] = { 0, 1, 63, 64, 16383, 16384, 20000 };
    const size_t label_lens[] = { 0, 5, 55, 56, 99 }; /* 55 + 8 < 64 <= 56 + 8 */
    uint8_t secret[64] = { 3 }, a[200], b[200];
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *suite = sr_suite_get(id);
        struct sr_slice s = sr_slice_of(secret, suite->hash->len);
        for (size_t c = 0; c < sizeof(ctx_lens) / sizeof(ctx_lens[0]); c++) {
            for (size_t l = 0; l < sizeof(label_lens) / sizeof(label_lens[0]); l++) {
                label[label_lens[l]] = '\0';
                size_t len = 16 + 37 * l;
                struct sr_slice cs = sr_slice_of(context, ctx_lens[c]);
                assert_int_equal(sr_mls_expand_with_label(suite, s, label, cs, a, len), SR_OK);
                reference_expand(suite, s, label, cs, b, len);
                assert_memory_equal(a, b, len);
                label[label_lens[l]] = 'a';
            }
        }
    }
}

/* A label given as bytes may hold a NUL; the string form is the same for plain labels. */
static void expand_label_bytes(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(2);
    uint8_t secret[32] = { 5 }, a[32], b[32];
    struct sr_slice s = sr_slice_of(secret, 32);
    struct sr_slice ctx = sr_slice_of("ctx", 3);
    assert_int_equal(sr_mls_expand_with_label(suite, s, "exporter", ctx, a, 32), SR_OK);
    assert_int_equal(
            sr_mls_expand_with_label_bytes(suite, s, sr_slice_of("exporter", 8), ctx, b, 32),
            SR_OK);
    assert_memory_equal(a, b, 32);
    struct sr_buf info = { 0 };
    assert_int_equal(sr_write_u16(&info, 32), SR_OK);
    assert_int_equal(sr_write_opaque_v(&info, "MLS 1.0 a\0b", 11), SR_OK);
    assert_int_equal(sr_write_opaque_v(&info, "ctx", 3), SR_OK);
    assert_int_equal(sr_hkdf_expand(suite->hash, s, sr_buf_slice(&info), a, 32), SR_OK);
    assert_int_equal(sr_mls_expand_with_label_bytes(suite, s, sr_slice_of("a\0b", 3), ctx, b, 32),
                     SR_OK);
    assert_memory_equal(a, b, 32);
    sr_buf_cleanup(&info);
}

/* crypto-basics.json, cipher suite 1, expand_with_label. */
static void known_answer(void **state)
{
    (void)state;
    struct sr_buf secret = { 0 }, context = { 0 }, want = { 0 };
    sr_test_hex("1499360a561335f4ef51d0a1b0d586900dc8007ae405b1ab79bf4207bb3d67e4", &secret);
    sr_test_hex("2ff8c1f9d9c1248f82e372ddb5791c771695e01882abca6a64097bd2f04c971f", &context);
    sr_test_hex("c1e8eb360391526c0c64039f13e0c5b1", &want);
    uint8_t out[16];
    assert_int_equal(sr_mls_expand_with_label(sr_suite_get(1), sr_buf_slice(&secret),
                                              "ExpandWithLabel", sr_buf_slice(&context), out, 16),
                     SR_OK);
    assert_memory_equal(out, want.p, 16);
    sr_buf_cleanup(&secret);
    sr_buf_cleanup(&context);
    sr_buf_cleanup(&want);
}

static void derived_forms(void **state)
{
    (void)state;
    uint8_t secret[64] = { 9 }, a[64], b[64];
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *suite = sr_suite_get(id);
        size_t nh = suite->hash->len;
        struct sr_slice s = sr_slice_of(secret, nh);
        /* DeriveSecret = ExpandWithLabel(secret, label, "", Nh) */
        assert_int_equal(sr_mls_derive_secret(suite, s, "epoch", a), SR_OK);
        assert_int_equal(sr_mls_expand_with_label(suite, s, "epoch", sr_slice_of(NULL, 0), b, nh),
                         SR_OK);
        assert_memory_equal(a, b, nh);
        /* DeriveTreeSecret puts the generation in as a big-endian uint32 context. */
        static const uint8_t gen[4] = { 0xa0, 0xb1, 0xc2, 0xd3 };
        assert_int_equal(sr_mls_derive_tree_secret(suite, s, "key", 0xa0b1c2d3u, a, 16), SR_OK);
        assert_int_equal(sr_mls_expand_with_label(suite, s, "key", sr_slice_of(gen, 4), b, 16),
                         SR_OK);
        assert_memory_equal(a, b, 16);
        /* RefHash = H(varint(label) || label || varint(value) || value) */
        uint8_t value[70];
        memset(value, 0x11, sizeof(value));
        struct sr_buf in = { 0 };
        assert_int_equal(sr_write_opaque_v(&in, "L", 1), SR_OK);
        assert_int_equal(sr_write_opaque_v(&in, value, sizeof(value)), SR_OK);
        assert_int_equal(sr_hash(suite->hash, sr_buf_slice(&in), a), SR_OK);
        assert_int_equal(sr_mls_ref_hash(suite, "L", sr_slice_of(value, sizeof(value)), b), SR_OK);
        assert_memory_equal(a, b, nh);
        sr_buf_cleanup(&in);
    }
}

static void expand_limits(void **state)
{
    (void)state;
    const struct sr_suite *suite = sr_suite_get(1);
    static uint8_t out[70000];
    uint8_t secret[32] = { 0 };
    struct sr_slice s = sr_slice_of(secret, 32);
    /* KDFLabel.length is a uint16, and HKDF stops at 255 * Nh. */
    assert_int_equal(sr_mls_expand_with_label(suite, s, "x", s, out, 65536), SR_ERR_ARG);
    assert_int_equal(sr_mls_expand_with_label(suite, s, "x", s, out, 255 * 32 + 1), SR_ERR_ARG);
    assert_int_equal(sr_mls_expand_with_label(suite, s, "x", s, out, 255 * 32), SR_OK);
    assert_int_equal(sr_mls_expand_with_label(suite, s, NULL, s, out, 16), SR_ERR_ARG);
    assert_int_equal(sr_mls_derive_secret(NULL, s, "x", out), SR_ERR_ARG);
}

static void sign_with_label(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *suite = sr_suite_get(id);
        struct sr_secret priv = { { 0 }, 0 };
        struct sr_buf pub = { 0 }, sig = { 0 }, raw = { 0 }, tbs = { 0 };
        struct sr_slice content = sr_slice_of("content", 7);
        assert_int_equal(sr_sig_generate(suite->sig, &priv, &pub), SR_OK);
        assert_int_equal(
                sr_mls_sign_with_label(suite, sr_secret_slice(&priv), "LeafNodeTBS", content, &sig),
                SR_OK);
        struct sr_slice p = sr_buf_slice(&pub);
        struct sr_slice g = sr_buf_slice(&sig);
        assert_int_equal(sr_mls_verify_with_label(suite, p, "LeafNodeTBS", content, g), SR_OK);
        /* Another label or content does not verify: the label separates domains. */
        assert_int_equal(sr_mls_verify_with_label(suite, p, "KeyPackageTBS", content, g),
                         SR_ERR_AUTH);
        assert_int_equal(
                sr_mls_verify_with_label(suite, p, "LeafNodeTBS", sr_slice_of("content", 6), g),
                SR_ERR_AUTH);
        /* It is a plain signature over SignContent. */
        assert_int_equal(sr_write_opaque_v(&tbs, "MLS 1.0 LeafNodeTBS", 19), SR_OK);
        assert_int_equal(sr_write_opaque_v(&tbs, "content", 7), SR_OK);
        assert_int_equal(sr_sig_verify(suite->sig, p, sr_buf_slice(&tbs), g), SR_OK);
        assert_int_equal(sr_sig_sign(suite->sig, sr_secret_slice(&priv), content, &raw), SR_OK);
        assert_int_equal(
                sr_mls_verify_with_label(suite, p, "LeafNodeTBS", content, sr_buf_slice(&raw)),
                SR_ERR_AUTH);
        sr_secret_cleanup(&priv);
        sr_buf_cleanup(&pub);
        sr_buf_cleanup(&sig);
        sr_buf_cleanup(&raw);
        sr_buf_cleanup(&tbs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expand_matches_codec), cmocka_unit_test(expand_label_bytes),
        cmocka_unit_test(known_answer),         cmocka_unit_test(derived_forms),
        cmocka_unit_test(expand_limits),        cmocka_unit_test(sign_with_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
