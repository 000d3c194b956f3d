/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GroupInfo (RFC 9420 §12.4.3): signing and verification for all suites, the joiner's
 * structural checks, the external_pub and ratchet_tree look-ups, and the external join
 * key exchange (§12.4.3.2, §8.3) checked against the member side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/rand.h"
#include "crypto/sig.h"
#include "mls/group_info.h"
#include "mls/schedule_keys.h"
#include "testutil.h"

static const uint8_t group_id[] = "gi-group";

struct gi_fixture {
    const struct sr_suite *s;
    uint8_t hash[SR_HASH_MAX], tag[SR_HASH_MAX], external[SR_HASH_MAX];
    uint8_t ext_pk[SR_KEM_PK_MAX];
    struct sr_secret ext_sk, sig_priv;
    struct sr_buf sig_pub, sig, ext_body;
    struct sr_mls_extension ext[2];
    struct sr_mls_group_info gi;
};

static void setup(struct gi_fixture *f, uint16_t suite)
{
    static const uint8_t tree[] = { 0x01, 0x02 };
    memset(f, 0, sizeof(*f));
    f->s = sr_suite_get(suite);
    size_t nh = f->s->hash->len;
    assert_int_equal(sr_rand_bytes(f->hash, sizeof(f->hash)), SR_OK);
    assert_int_equal(sr_rand_bytes(f->external, sizeof(f->external)), SR_OK);
    assert_int_equal(sr_sig_generate(f->s->sig, &f->sig_priv, &f->sig_pub), SR_OK);
    assert_int_equal(
            sr_mls_external_key_pair(f->s, sr_slice_of(f->external, nh), &f->ext_sk, f->ext_pk),
            SR_OK);
    assert_int_equal(
            sr_mls_ext_external_pub_encode(sr_slice_of(f->ext_pk, f->s->kem->pk_len), &f->ext_body),
            SR_OK);
    f->ext[0] = (struct sr_mls_extension){ SR_MLS_EXT_EXTERNAL_PUB, sr_buf_slice(&f->ext_body) };
    f->ext[1] = (struct sr_mls_extension){ SR_MLS_EXT_RATCHET_TREE, sr_slice_of(tree, 2) };
    f->gi.group_context =
            (struct sr_mls_group_context){ SR_MLS_VERSION_MLS10,     f->s->id,
                                           sr_slice_of(group_id, 8), 9,
                                           sr_slice_of(f->hash, nh), sr_slice_of(f->hash, nh),
                                           sr_slice_of(NULL, 0) };
    f->gi.extensions = (struct sr_mls_extensions){ f->ext, 2 };
    f->gi.confirmation_tag = sr_slice_of(f->tag, nh);
    f->gi.signer = 2;
    assert_int_equal(sr_mls_group_info_sign(f->s, &f->gi, sr_secret_slice(&f->sig_priv), &f->sig),
                     SR_OK);
}

static void teardown(struct gi_fixture *f)
{
    sr_secret_cleanup(&f->ext_sk);
    sr_secret_cleanup(&f->sig_priv);
    sr_buf_cleanup(&f->sig_pub);
    sr_buf_cleanup(&f->sig);
    sr_buf_cleanup(&f->ext_body);
}

static void sign_verify_round_trip(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct gi_fixture f;
        struct sr_buf enc = { 0 };
        struct sr_mls_group_info back;
        setup(&f, id);
        assert_int_equal(sr_mls_group_info_encode(&f.gi, &enc), SR_OK);
        assert_int_equal(sr_mls_group_info_decode(sr_buf_slice(&enc), &back), SR_OK);
        assert_int_equal(sr_mls_group_info_verify(f.s, &back, sr_buf_slice(&f.sig_pub)), SR_OK);
        assert_int_equal(sr_mls_group_info_check(f.s, &back), SR_OK);
        /* Any field changed after signing breaks the signature. */
        back.signer = 3;
        assert_int_equal(sr_mls_group_info_verify(f.s, &back, sr_buf_slice(&f.sig_pub)),
                         SR_ERR_AUTH);
        back.signer = 2;
        back.signature.len--;
        assert_int_equal(sr_mls_group_info_verify(f.s, &back, sr_buf_slice(&f.sig_pub)),
                         SR_ERR_AUTH);
        back.signature.len++;
        /* A signature key that is not even a key. */
        assert_int_equal(sr_mls_group_info_verify(f.s, &back, sr_slice_of(f.hash, 3)), SR_ERR_AUTH);
        sr_mls_group_info_cleanup(&back);
        sr_buf_cleanup(&enc);
        teardown(&f);
    }
}

static void structural_checks(void **state)
{
    (void)state;
    struct gi_fixture f;
    setup(&f, 3);
    assert_int_equal(sr_mls_group_info_check(f.s, &f.gi), SR_OK);
    f.gi.group_context.version = 2;
    assert_int_equal(sr_mls_group_info_check(f.s, &f.gi), SR_ERR_INVALID);
    f.gi.group_context.version = SR_MLS_VERSION_MLS10;
    f.gi.confirmation_tag.len--;
    assert_int_equal(sr_mls_group_info_check(f.s, &f.gi), SR_ERR_INVALID);
    f.gi.confirmation_tag.len++;
    f.ext[1].type = SR_MLS_EXT_EXTERNAL_PUB;
    assert_int_equal(sr_mls_group_info_check(f.s, &f.gi), SR_ERR_INVALID);
    assert_int_equal(sr_mls_group_info_check(sr_suite_get(1), &f.gi), SR_ERR_INVALID);
    teardown(&f);
}

static void lookups(void **state)
{
    (void)state;
    struct gi_fixture f;
    struct sr_slice v;
    setup(&f, 1);
    assert_int_equal(sr_mls_group_info_ratchet_tree(&f.gi, &v), SR_OK);
    assert_int_equal(v.len, 2);
    assert_int_equal(sr_mls_group_info_external_pub(&f.gi, &v), SR_OK);
    assert_memory_equal(v.p, f.ext_pk, f.s->kem->pk_len);
    f.gi.extensions.count = 0;
    assert_int_equal(sr_mls_group_info_external_pub(&f.gi, &v), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_mls_group_info_ratchet_tree(&f.gi, &v), SR_ERR_NOT_FOUND);
    f.gi.extensions.count = 1;
    f.ext[0].data.len--; /* the length prefix now promises more than there is */
    assert_int_equal(sr_mls_group_info_external_pub(&f.gi, &v), SR_ERR_DECODE);
    teardown(&f);
}

static void external_init(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct gi_fixture f;
        uint8_t kem_output[SR_KEM_PK_MAX];
        struct sr_secret joiner = { 0 }, member = { 0 };
        setup(&f, id);
        assert_int_equal(sr_mls_group_info_external_init(f.s, &f.gi, sr_slice_of(NULL, 0),
                                                         kem_output, &joiner),
                         SR_OK);
        assert_int_equal(sr_mls_external_init_receive(f.s, sr_secret_slice(&f.ext_sk),
                                                      sr_slice_of(kem_output, f.s->kem->enc_len),
                                                      &member),
                         SR_OK);
        assert_int_equal(joiner.len, f.s->hash->len);
        assert_memory_equal(joiner.p, member.p, joiner.len);
        f.gi.extensions.count = 0;
        assert_int_equal(sr_mls_group_info_external_init(f.s, &f.gi, sr_slice_of(NULL, 0),
                                                         kem_output, &joiner),
                         SR_ERR_NOT_FOUND);
        assert_int_equal(joiner.len, 0);
        sr_secret_cleanup(&member);
        teardown(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_verify_round_trip),
        cmocka_unit_test(structural_checks),
        cmocka_unit_test(lookups),
        cmocka_unit_test(external_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
