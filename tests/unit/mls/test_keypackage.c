/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KeyPackages (RFC 9420 §10, §10.1): create -> encode -> decode -> validate for all seven
 * suites; every signature byte flipped; lifetimes; rules checked on re-signed KeyPackages
 * (wrong leaf source, init_key == encryption_key, unlisted extension); required
 * capabilities; the private bundle's round trip, truncation and tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/labels.h"
#include "mls/keypackage.h"
#include "testutil.h"

#define NOW 1750000000ull

static const struct sr_mls_trust_policy basic_ok = { .allow_basic = true };
static const struct sr_mls_credential_check check_basic = { sr_mls_credential_validate_default,
                                                            (void *)(uintptr_t)&basic_ok };

static void make(uint16_t suite_id, struct sr_mls_key_package *kp,
                 struct sr_mls_key_package_priv **priv)
{
    static const uint8_t id[] = "alice";
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(suite_id),
        .credential = sr_mls_credential_basic(sr_slice_of(id, 5)),
        .now = NOW,
        .grease = true,
    };
    assert_non_null(p.suite);
    assert_int_equal(sr_mls_key_package_create(&p, kp, priv), SR_OK);
}

static struct sr_mls_leaf_validate_ctx ctx_for(uint16_t suite_id)
{
    struct sr_mls_leaf_validate_ctx c = {
        .suite = sr_suite_get(suite_id),
        .now = NOW,
        .check_lifetime = true,
        .credential = &check_basic,
    };
    return c;
}

/* Re-sign the leaf and the KeyPackage after a test changed a field; sigs hold the bytes. */
static void resign(struct sr_mls_key_package *kp, const struct sr_mls_key_package_priv *priv,
                   struct sr_buf *sigs)
{
    const struct sr_suite *s = sr_suite_get(kp->cipher_suite);
    struct sr_buf tbs = { 0 };
    sr_buf_cleanup(&sigs[0]);
    sr_buf_cleanup(&sigs[1]);
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&kp->leaf_node, sr_slice_of(NULL, 0), 0, &tbs),
                     SR_OK);
    assert_int_equal(sr_mls_sign_with_label(s, sr_secret_slice(&priv->signature_priv),
                                            "LeafNodeTBS", sr_buf_slice(&tbs), &sigs[0]),
                     SR_OK);
    kp->leaf_node.signature = sr_buf_slice(&sigs[0]);
    sr_buf_reset(&tbs);
    assert_int_equal(sr_mls_key_package_tbs_encode(kp, &tbs), SR_OK);
    assert_int_equal(sr_mls_sign_with_label(s, sr_secret_slice(&priv->signature_priv),
                                            "KeyPackageTBS", sr_buf_slice(&tbs), &sigs[1]),
                     SR_OK);
    kp->signature = sr_buf_slice(&sigs[1]);
    sr_buf_cleanup(&tbs);
}

static void round_trip_all_suites(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct sr_mls_key_package kp, back;
        struct sr_mls_key_package_priv *priv;
        struct sr_buf enc = { 0 }, enc2 = { 0 };
        struct sr_mls_credential_result res;
        make(id, &kp, &priv);
        assert_int_equal(sr_mls_key_package_encode(&kp, &enc), SR_OK);
        assert_memory_equal(enc.p, priv->key_package.p, enc.len);
        assert_int_equal(sr_mls_key_package_decode(sr_buf_slice(&enc), &back), SR_OK);
        assert_int_equal(sr_mls_key_package_encode(&back, &enc2), SR_OK);
        assert_int_equal(enc.len, enc2.len);
        assert_memory_equal(enc.p, enc2.p, enc.len);
        struct sr_mls_leaf_validate_ctx c = ctx_for(id);
        assert_int_equal(sr_mls_key_package_validate(&back, &c, &res), SR_OK);
        assert_string_equal(res.identity, "alice");
        assert_int_equal(res.level, SR_MLS_IDENTITY_UNVERIFIED);
        assert_false(sr_mls_key_package_is_last_resort(&back));
        /* Another suite's context refuses it (§10.1). */
        c.suite = sr_suite_get(id == 1 ? 2 : 1);
        assert_int_equal(sr_mls_key_package_validate(&back, &c, NULL), SR_ERR_INVALID);
        uint8_t ref[SR_HASH_MAX];
        assert_int_equal(sr_mls_key_package_ref(sr_suite_get(id), &back, ref), SR_OK);
        assert_memory_equal(ref, priv->ref, priv->ref_len);
        sr_mls_key_package_cleanup(&back);
        sr_mls_key_package_cleanup(&kp);
        sr_mls_key_package_priv_free(priv);
        sr_buf_cleanup(&enc);
        sr_buf_cleanup(&enc2);
    }
}

/* Flip each byte of the signature `sig` inside `enc` and expect SR_ERR_AUTH. */
static void flip_all(struct sr_buf *enc, struct sr_slice sig, uint16_t id)
{
    size_t off = (size_t)(sig.p - enc->p);
    struct sr_mls_leaf_validate_ctx c = ctx_for(id);
    for (size_t i = 0; i < sig.len; i++) {
        struct sr_mls_key_package kp;
        enc->p[off + i] ^= 0x01;
        assert_int_equal(sr_mls_key_package_decode(sr_buf_slice(enc), &kp), SR_OK);
        assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_AUTH);
        sr_mls_key_package_cleanup(&kp);
        enc->p[off + i] ^= 0x01;
    }
}

static void signature_flips(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct sr_mls_key_package kp, view;
        struct sr_mls_key_package_priv *priv;
        struct sr_buf enc = { 0 };
        make(id, &kp, &priv);
        assert_int_equal(sr_mls_key_package_encode(&kp, &enc), SR_OK);
        assert_int_equal(sr_mls_key_package_decode(sr_buf_slice(&enc), &view), SR_OK);
        struct sr_slice kp_sig = view.signature, leaf_sig = view.leaf_node.signature;
        sr_mls_key_package_cleanup(&view);
        flip_all(&enc, kp_sig, id);
        flip_all(&enc, leaf_sig, id);
        sr_mls_key_package_cleanup(&kp);
        sr_mls_key_package_priv_free(priv);
        sr_buf_cleanup(&enc);
    }
}

static void lifetimes(void **state)
{
    (void)state;
    static const uint8_t id[] = "bob";
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(1),
        .credential = sr_mls_credential_basic(sr_slice_of(id, 3)),
        .now = NOW,
        .not_before = NOW + 10,
        .not_after = NOW + 100,
        .last_resort = true,
    };
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &priv), SR_OK);
    assert_true(sr_mls_key_package_is_last_resort(&kp));
    struct sr_mls_leaf_validate_ctx c = ctx_for(1);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.now = NOW + 10;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    c.now = NOW + 100;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    c.now = NOW + 101;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.check_lifetime = false;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
    /* A window that is inverted or longer than the maximum is refused at creation. */
    p.not_after = NOW;
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &priv), SR_ERR_ARG);
    assert_null(priv);
    p.not_before = NOW;
    p.not_after = NOW + SR_MLS_KP_MAX_LIFETIME + 1;
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &priv), SR_ERR_ARG);
}

static void resigned_rule_breaks(void **state)
{
    (void)state;
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    struct sr_buf sigs[2] = { 0 };
    struct sr_mls_leaf_validate_ctx c = ctx_for(3);
    make(3, &kp, &priv);
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    /* §10: leaf_node_source MUST be key_package. */
    kp.leaf_node.source = SR_MLS_LEAF_SOURCE_UPDATE;
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    kp.leaf_node.source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
    /* §10.1: init_key differs from encryption_key. */
    struct sr_slice init = kp.init_key;
    kp.init_key = kp.leaf_node.encryption_key;
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    kp.init_key = init;
    /* §7.3: a leaf extension not listed in capabilities. */
    struct sr_mls_extension ext = { 0x0F05, sr_slice_of(NULL, 0) };
    struct sr_mls_extensions saved = kp.leaf_node.extensions;
    kp.leaf_node.extensions = (struct sr_mls_extensions){ &ext, 1 };
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    kp.leaf_node.extensions = saved;
    /* §10: a KeyPackage extension not listed in capabilities. */
    saved = kp.extensions;
    kp.extensions = (struct sr_mls_extensions){ &ext, 1 };
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    kp.extensions = saved;
    /* §7.2: a lifetime longer than the maximum ("forever", as some clients publish). */
    struct sr_mls_lifetime lt = kp.leaf_node.lifetime;
    kp.leaf_node.lifetime = (struct sr_mls_lifetime){ 0, UINT64_MAX };
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.max_lifetime = UINT64_MAX;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    c.max_lifetime = 0;
    c.check_lifetime = false;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    c.check_lifetime = true;
    kp.leaf_node.lifetime = lt;
    /* A version other than mls10. */
    kp.version = 2;
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    kp.version = SR_MLS_VERSION_MLS10;
    resign(&kp, priv, sigs);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    sr_buf_cleanup(&sigs[0]);
    sr_buf_cleanup(&sigs[1]);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
}

static void capabilities_and_credentials(void **state)
{
    (void)state;
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    make(2, &kp, &priv);
    struct sr_mls_leaf_validate_ctx c = ctx_for(2);
    static const uint8_t ext_missing[] = { 0x0F, 0x00 }, x509[] = { 0x00, 0x02 },
                         dict[] = { 0x00, 0x06 }, unknown[] = { 0x0F, 0x03 };
    struct sr_mls_required_capabilities rc = { 0 };
    c.required = &rc;
    rc.extension_types = sr_slice_of(dict, 2);
    rc.credential_types = sr_slice_of(x509, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    rc.extension_types = sr_slice_of(ext_missing, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    rc.extension_types = sr_slice_of(NULL, 0);
    rc.proposal_types = sr_slice_of(ext_missing, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    rc.proposal_types = sr_slice_of(NULL, 0);
    rc.credential_types = sr_slice_of(unknown, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.required = NULL;
    /* A member that supports only x509 cannot authenticate our basic credential. */
    struct sr_slice member = sr_slice_of(x509, 2);
    c.member_supported_credentials = &member;
    c.member_count = 1;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.member_count = 0;
    /* Members use a credential type we do not support. */
    c.member_credential_types = sr_slice_of(unknown, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    c.member_credential_types = sr_slice_of(x509, 2);
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_OK);
    /* The credential validator refuses basic credentials. */
    static const struct sr_mls_trust_policy strict = { .allow_basic = false };
    struct sr_mls_credential_check deny = { sr_mls_credential_validate_default,
                                            (void *)(uintptr_t)&strict };
    c.credential = &deny;
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_DENIED);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
}

static void unsupported_credential_type(void **state)
{
    (void)state;
    static const uint8_t body[] = "opaque";
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(1),
        .credential = { .type = 0x0F04, .identity = sr_slice_of(body, 6) },
        .now = NOW,
    };
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &priv), SR_OK);
    struct sr_mls_leaf_validate_ctx c = ctx_for(1);
    /* §7.2: the leaf's credential type must be in its own capabilities. */
    assert_int_equal(sr_mls_key_package_validate(&kp, &c, NULL), SR_ERR_INVALID);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
}

static void priv_bundle(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct sr_mls_key_package kp;
        struct sr_mls_key_package_priv *priv, *back;
        struct sr_buf enc = { 0 }, enc2 = { 0 };
        make(id, &kp, &priv);
        assert_int_equal(sr_mls_key_package_priv_encode(priv, &enc), SR_OK);
        assert_int_equal(sr_mls_key_package_priv_decode(sr_buf_slice(&enc), &back), SR_OK);
        assert_int_equal(sr_mls_key_package_priv_encode(back, &enc2), SR_OK);
        assert_int_equal(enc.len, enc2.len);
        assert_memory_equal(enc.p, enc2.p, enc.len);
        sr_mls_key_package_priv_free(back);
        for (size_t n = 0; n < enc.len; n++) {
            assert_int_equal(sr_mls_key_package_priv_decode(sr_slice_of(enc.p, n), &back),
                             SR_ERR_DECODE);
            assert_null(back);
        }
        assert_int_equal(sr_buf_append(&enc, "", 1), SR_OK);
        assert_int_equal(sr_mls_key_package_priv_decode(sr_buf_slice(&enc), &back), SR_ERR_DECODE);
        enc.len--;
        enc.p[0] = 2;
        assert_int_equal(sr_mls_key_package_priv_decode(sr_buf_slice(&enc), &back),
                         SR_ERR_UNSUPPORTED);
        enc.p[0] = 1;
        enc.p[5] ^= 1; /* a byte of the KeyPackageRef (after format, suite, length) */
        assert_int_equal(sr_mls_key_package_priv_decode(sr_buf_slice(&enc), &back), SR_ERR_INVALID);
        sr_mls_key_package_cleanup(&kp);
        sr_mls_key_package_priv_free(priv);
        sr_mls_key_package_priv_free(NULL);
        sr_buf_cleanup(&enc);
        sr_buf_cleanup(&enc2);
    }
}

static void priv_wrong_signature_key(void **state)
{
    (void)state;
    struct sr_mls_key_package kp1, kp2;
    struct sr_mls_key_package_priv *a, *b, *back;
    struct sr_buf enc = { 0 };
    make(1, &kp1, &a);
    make(1, &kp2, &b);
    a->signature_priv = b->signature_priv;
    assert_int_equal(sr_mls_key_package_priv_encode(a, &enc), SR_OK);
    assert_int_equal(sr_mls_key_package_priv_decode(sr_buf_slice(&enc), &back), SR_ERR_INVALID);
    sr_buf_cleanup(&enc);
    sr_mls_key_package_cleanup(&kp1);
    sr_mls_key_package_cleanup(&kp2);
    sr_mls_key_package_priv_free(a);
    sr_mls_key_package_priv_free(b);
}

static sr_err create_op(void *arg)
{
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv = NULL;
    (void)arg;
    static const uint8_t id[] = "carol";
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(2),
        .credential = sr_mls_credential_basic(sr_slice_of(id, 5)),
        .now = NOW,
        .grease = true,
        .last_resort = true,
    };
    sr_err err = sr_mls_key_package_create(&p, &kp, &priv);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
    return err;
}

static void reset_nothing(void *arg)
{
    (void)arg;
}

static struct sr_buf priv_bytes;

static sr_err priv_decode_op(void *arg)
{
    struct sr_mls_key_package_priv *priv = NULL;
    (void)arg;
    sr_err err = sr_mls_key_package_priv_decode(sr_buf_slice(&priv_bytes), &priv);
    sr_mls_key_package_priv_free(priv);
    return err;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    assert_true(sr_test_each_alloc_failure(create_op, reset_nothing, NULL) > 0);
    make(5, &kp, &priv);
    assert_int_equal(sr_mls_key_package_priv_encode(priv, &priv_bytes), SR_OK);
    assert_true(sr_test_each_alloc_failure(priv_decode_op, reset_nothing, NULL) > 0);
    sr_buf_cleanup(&priv_bytes);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_all_suites),
        cmocka_unit_test(signature_flips),
        cmocka_unit_test(lifetimes),
        cmocka_unit_test(resigned_rule_breaks),
        cmocka_unit_test(capabilities_and_credentials),
        cmocka_unit_test(unsupported_credential_type),
        cmocka_unit_test(priv_bundle),
        cmocka_unit_test(priv_wrong_signature_key),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
