/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Welcome (RFC 9420 §12.4.3.1) built and joined for all seven suites, and GroupInfo signing:
 * a Welcome for someone else (SR_ERR_NOT_FOUND), every byte of the encrypted GroupInfo and
 * of our encrypted secrets flipped (SR_ERR_AUTH), a wrong signer key or confirmation tag
 * (SR_ERR_AUTH), every GroupInfo signature byte flipped, PSKs found or missing, suite
 * mismatches, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/rand.h"
#include "crypto/sig.h"
#include "mls/group_info.h"
#include "mls/transcript.h"
#include "mls/welcome.h"
#include "testutil.h"

#define NOW 1750000000ull

static const uint8_t group_id[] = "meeting-42";
static const uint8_t psk_name[] = "psk-1";
static const uint8_t psk_value[32] = { 7, 7, 7 };

struct fixture {
    const struct sr_suite *s;
    struct sr_secret signer_priv;
    struct sr_buf signer_pub, gi_bytes, sig, welcome_bytes, ext_body;
    uint8_t joiner[SR_HASH_MAX], tree_hash[SR_HASH_MAX], cth[SR_HASH_MAX], tag[SR_HASH_MAX];
    uint8_t path_secret[SR_HASH_MAX], nonce[SR_HASH_MAX];
    struct sr_secret psk_secret;
    struct sr_mls_psk_id psk;
    struct sr_mls_epoch_secrets expect;
    struct sr_mls_key_package kp[3];
    struct sr_mls_key_package_priv *priv[3];
    struct sr_mls_welcome wl;
};

static void make_kp(struct fixture *f, int i)
{
    static const uint8_t id[] = "member";
    struct sr_mls_key_package_params p = {
        .suite = f->s,
        .credential = sr_mls_credential_basic(sr_slice_of(id, 6)),
        .now = NOW,
    };
    assert_int_equal(sr_mls_key_package_create(&p, &f->kp[i], &f->priv[i]), SR_OK);
}

static sr_err psk_found(void *arg, const struct sr_mls_psk_id *id, struct sr_secret *psk);

/* The PSK list and psk_secret of the fixture (none unless with_psk). */
static void set_psk(struct fixture *f, bool with_psk)
{
    f->psk = (struct sr_mls_psk_id){ .type = SR_MLS_PSK_EXTERNAL,
                                     .psk_id = sr_slice_of(psk_name, 5),
                                     .psk_nonce = sr_slice_of(f->nonce, f->s->hash->len) };
    struct sr_mls_group_secrets gs = { .psks = &f->psk, .psk_count = with_psk ? 1 : 0 };
    assert_int_equal(sr_mls_welcome_psk_secret(f->s, &gs, psk_found, (void *)(uintptr_t)psk_value,
                                               &f->psk_secret),
                     SR_OK);
}

static void make_group_info(struct fixture *f, bool bad_tag)
{
    const struct sr_suite *s = f->s;
    size_t nh = s->hash->len;
    struct sr_buf gc_bytes = { 0 };
    struct sr_mls_group_info gi = { 0 };
    gi.group_context =
            (struct sr_mls_group_context){ SR_MLS_VERSION_MLS10,          s->id,
                                           sr_slice_of(group_id, 10),     5,
                                           sr_slice_of(f->tree_hash, nh), sr_slice_of(f->cth, nh),
                                           sr_slice_of(NULL, 0) };
    assert_int_equal(sr_mls_group_context_encode(&gi.group_context, &gc_bytes), SR_OK);
    assert_int_equal(sr_mls_key_schedule_join(s, sr_slice_of(f->joiner, nh),
                                              sr_secret_slice(&f->psk_secret),
                                              sr_buf_slice(&gc_bytes), &f->expect),
                     SR_OK);
    assert_int_equal(sr_mls_confirmation_tag_compute(s,
                                                     sr_secret_slice(&f->expect.confirmation_key),
                                                     sr_slice_of(f->cth, nh), f->tag),
                     SR_OK);
    f->tag[0] ^= bad_tag ? 1 : 0;
    struct sr_mls_extension ext = { SR_MLS_EXT_EXTERNAL_PUB, sr_buf_slice(&f->ext_body) };
    gi.extensions = (struct sr_mls_extensions){ &ext, 1 };
    gi.confirmation_tag = sr_slice_of(f->tag, nh);
    assert_int_equal(sr_mls_group_info_sign(s, &gi, sr_secret_slice(&f->signer_priv), &f->sig),
                     SR_OK);
    assert_int_equal(sr_mls_group_info_verify(s, &gi, sr_buf_slice(&f->signer_pub)), SR_OK);
    assert_int_equal(sr_mls_group_info_encode(&gi, &f->gi_bytes), SR_OK);
    sr_buf_cleanup(&gc_bytes);
}

static void build_welcome(struct fixture *f, bool with_psk)
{
    size_t nh = f->s->hash->len;
    struct sr_mls_welcome_member m[2] = {
        { &f->kp[0], sr_slice_of(NULL, 0) },
        { &f->kp[1], sr_slice_of(f->path_secret, nh) },
    };
    struct sr_mls_welcome_build_args a = {
        .suite = f->s,
        .group_info = sr_buf_slice(&f->gi_bytes),
        .joiner_secret = sr_slice_of(f->joiner, nh),
        .psk_secret = with_psk ? sr_secret_slice(&f->psk_secret) : sr_slice_of(NULL, 0),
        .psks = &f->psk,
        .psk_count = with_psk ? 1 : 0,
        .members = m,
        .member_count = 2,
    };
    assert_int_equal(sr_mls_welcome_build(&a, &f->welcome_bytes), SR_OK);
    assert_int_equal(sr_mls_welcome_decode(sr_buf_slice(&f->welcome_bytes), &f->wl), SR_OK);
}

static void setup(struct fixture *f, uint16_t suite, bool with_psk, bool bad_tag)
{
    memset(f, 0, sizeof(*f));
    f->s = sr_suite_get(suite);
    assert_non_null(f->s);
    assert_int_equal(sr_sig_generate(f->s->sig, &f->signer_priv, &f->signer_pub), SR_OK);
    assert_int_equal(sr_rand_bytes(f->joiner, sizeof(f->joiner)), SR_OK);
    assert_int_equal(sr_rand_bytes(f->tree_hash, sizeof(f->tree_hash)), SR_OK);
    assert_int_equal(sr_rand_bytes(f->cth, sizeof(f->cth)), SR_OK);
    assert_int_equal(sr_rand_bytes(f->path_secret, sizeof(f->path_secret)), SR_OK);
    assert_int_equal(sr_rand_bytes(f->nonce, sizeof(f->nonce)), SR_OK);
    assert_int_equal(sr_mls_ext_external_pub_encode(sr_slice_of(f->nonce, 32), &f->ext_body),
                     SR_OK);
    for (int i = 0; i < 3; i++) {
        make_kp(f, i);
    }
    set_psk(f, with_psk);
    make_group_info(f, bad_tag);
    build_welcome(f, with_psk);
}

static void teardown(struct fixture *f)
{
    sr_secret_cleanup(&f->signer_priv);
    sr_secret_cleanup(&f->psk_secret);
    sr_buf_cleanup(&f->signer_pub);
    sr_buf_cleanup(&f->gi_bytes);
    sr_buf_cleanup(&f->sig);
    sr_buf_cleanup(&f->welcome_bytes);
    sr_buf_cleanup(&f->ext_body);
    sr_mls_epoch_secrets_cleanup(&f->expect);
    sr_mls_welcome_cleanup(&f->wl);
    for (int i = 0; i < 3; i++) {
        sr_mls_key_package_cleanup(&f->kp[i]);
        sr_mls_key_package_priv_free(f->priv[i]);
    }
}

static sr_err psk_found(void *arg, const struct sr_mls_psk_id *id, struct sr_secret *psk)
{
    const uint8_t *value = arg;
    if (id->type != SR_MLS_PSK_EXTERNAL || id->psk_id.len != 5 ||
        memcmp(id->psk_id.p, psk_name, 5) != 0) {
        return SR_ERR_NOT_FOUND;
    }
    return sr_secret_set(psk, value, 32);
}

static sr_err join(struct fixture *f, int who, const struct sr_mls_welcome *wl, void *psk_arg,
                   struct sr_mls_welcome_joined *out)
{
    struct sr_mls_welcome_join_args a = {
        .welcome = wl,
        .key_package = f->priv[who],
        .psk_lookup = psk_arg != NULL ? psk_found : NULL,
        .psk_arg = psk_arg,
        .signer_pub = sr_buf_slice(&f->signer_pub),
    };
    return sr_mls_welcome_join(&a, out);
}

static void check_joined(struct fixture *f, const struct sr_mls_welcome_joined *j, bool path)
{
    size_t nh = f->s->hash->len;
    assert_memory_equal(j->epoch.epoch_authenticator.p, f->expect.epoch_authenticator.p, nh);
    assert_memory_equal(j->epoch.exporter.p, f->expect.exporter.p, nh);
    assert_int_equal(j->group_info.group_context.epoch, 5);
    assert_int_equal(j->group_secrets.has_path_secret, path);
    if (path) {
        assert_memory_equal(j->group_secrets.path_secret.p, f->path_secret, nh);
    }
    struct sr_slice pub, tree;
    assert_int_equal(sr_mls_group_info_external_pub(&j->group_info, &pub), SR_OK);
    assert_memory_equal(pub.p, f->nonce, 32);
    assert_int_equal(sr_mls_group_info_ratchet_tree(&j->group_info, &tree), SR_ERR_NOT_FOUND);
}

static void join_all_suites(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct fixture f;
        struct sr_mls_welcome_joined j = { 0 };
        setup(&f, id, false, false);
        for (int who = 0; who < 2; who++) {
            assert_int_equal(join(&f, who, &f.wl, NULL, &j), SR_OK);
            check_joined(&f, &j, who == 1);
            sr_mls_welcome_joined_cleanup(&j);
        }
        /* §12.4.3.1: a Welcome without an entry for us. */
        assert_int_equal(join(&f, 2, &f.wl, NULL, &j), SR_ERR_NOT_FOUND);
        /* The bundle is for another suite than the Welcome. */
        f.priv[0]->cipher_suite = id == 1 ? 2 : 1;
        assert_int_equal(join(&f, 0, &f.wl, NULL, &j), SR_ERR_INVALID);
        teardown(&f);
    }
}

/* Flip each byte of [off, off + len) of the encoded Welcome; joining as `who` must fail AUTH. */
static void flip_range(struct fixture *f, int who, struct sr_slice part)
{
    size_t off = (size_t)(part.p - f->welcome_bytes.p);
    for (size_t i = 0; i < part.len; i++) {
        struct sr_mls_welcome wl;
        struct sr_mls_welcome_joined j = { 0 };
        f->welcome_bytes.p[off + i] ^= 0x80;
        assert_int_equal(sr_mls_welcome_decode(sr_buf_slice(&f->welcome_bytes), &wl), SR_OK);
        assert_int_equal(join(f, who, &wl, NULL, &j), SR_ERR_AUTH);
        sr_mls_welcome_cleanup(&wl);
        f->welcome_bytes.p[off + i] ^= 0x80;
    }
}

static void tampered_welcome(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id += 3) {
        struct fixture f;
        setup(&f, id, false, false);
        flip_range(&f, 0, f.wl.encrypted_group_info);
        flip_range(&f, 1, f.wl.secrets[1].encrypted_group_secrets.ciphertext);
        teardown(&f);
    }
}

static void wrong_signer_and_tag(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_mls_welcome_joined j = { 0 };
    setup(&f, 2, false, false);
    struct sr_buf other = { 0 };
    struct sr_secret other_priv = { 0 };
    assert_int_equal(sr_sig_generate(f.s->sig, &other_priv, &other), SR_OK);
    struct sr_buf saved = f.signer_pub;
    f.signer_pub = other;
    assert_int_equal(join(&f, 0, &f.wl, NULL, &j), SR_ERR_AUTH);
    f.signer_pub = saved;
    sr_buf_cleanup(&other);
    sr_secret_cleanup(&other_priv);
    teardown(&f);
    /* A GroupInfo correctly signed over a wrong confirmation tag. */
    setup(&f, 2, false, true);
    assert_int_equal(join(&f, 0, &f.wl, NULL, &j), SR_ERR_AUTH);
    teardown(&f);
}

static sr_err signer_cb(void *arg, const struct sr_mls_group_info *gi, struct sr_buf *pub)
{
    const struct sr_buf *key = arg;
    assert_int_equal(gi->signer, 0);
    return sr_buf_append(pub, key->p, key->len);
}

static void signer_callback(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_mls_welcome_joined j = { 0 };
    setup(&f, 1, false, false);
    struct sr_mls_welcome_join_args a = {
        .welcome = &f.wl,
        .key_package = f.priv[1],
        .signer_key = signer_cb,
        .signer_arg = &f.signer_pub,
    };
    assert_int_equal(sr_mls_welcome_join(&a, &j), SR_OK);
    check_joined(&f, &j, true);
    sr_mls_welcome_joined_cleanup(&j);
    teardown(&f);
}

static void group_info_signature_flips(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct fixture f;
        struct sr_mls_group_info gi;
        setup(&f, id, false, false);
        assert_int_equal(sr_mls_group_info_decode(sr_buf_slice(&f.gi_bytes), &gi), SR_OK);
        assert_int_equal(sr_mls_group_info_check(f.s, &gi), SR_OK);
        assert_int_equal(sr_mls_group_info_check(sr_suite_get(id == 1 ? 2 : 1), &gi),
                         SR_ERR_INVALID);
        uint8_t *sig = (uint8_t *)(uintptr_t)gi.signature.p;
        for (size_t i = 0; i < gi.signature.len; i++) {
            sig[i] ^= 0x01;
            assert_int_equal(sr_mls_group_info_verify(f.s, &gi, sr_buf_slice(&f.signer_pub)),
                             SR_ERR_AUTH);
            sig[i] ^= 0x01;
        }
        gi.group_context.epoch++;
        assert_int_equal(sr_mls_group_info_verify(f.s, &gi, sr_buf_slice(&f.signer_pub)),
                         SR_ERR_AUTH);
        sr_mls_group_info_cleanup(&gi);
        teardown(&f);
    }
}

static void psks(void **state)
{
    (void)state;
    uint8_t wrong[32] = { 1 };
    for (uint16_t id = 1; id <= 7; id += 6) {
        struct fixture f;
        struct sr_mls_welcome_joined j = { 0 };
        setup(&f, id, true, false);
        assert_int_equal(join(&f, 1, &f.wl, (void *)(uintptr_t)psk_value, &j), SR_OK);
        check_joined(&f, &j, true);
        assert_int_equal(j.group_secrets.psk_count, 1);
        sr_mls_welcome_joined_cleanup(&j);
        /* §12.4.3.1: a PSK we do not have. */
        assert_int_equal(join(&f, 1, &f.wl, NULL, &j), SR_ERR_NOT_FOUND);
        /* The wrong PSK value yields the wrong welcome key. */
        assert_int_equal(join(&f, 1, &f.wl, wrong, &j), SR_ERR_AUTH);
        teardown(&f);
    }
}

static void psk_usage_rule(void **state)
{
    (void)state;
    const struct sr_suite *s = sr_suite_get(1);
    struct sr_mls_psk_id ids[2] = {
        { .type = SR_MLS_PSK_RESUMPTION, .usage = SR_MLS_RESUMPTION_REINIT },
        { .type = SR_MLS_PSK_RESUMPTION, .usage = SR_MLS_RESUMPTION_BRANCH },
    };
    struct sr_mls_group_secrets gs = { .psks = ids, .psk_count = 2 };
    struct sr_secret out = { 0 };
    /* §12.4.3.1: a reinit or branch PSK must be the only such PSK. */
    assert_int_equal(sr_mls_welcome_psk_secret(s, &gs, NULL, NULL, &out), SR_ERR_INVALID);
    ids[1].usage = SR_MLS_RESUMPTION_APPLICATION;
    assert_int_equal(sr_mls_welcome_psk_secret(s, &gs, NULL, NULL, &out), SR_ERR_NOT_FOUND);
    gs.psk_count = 0;
    assert_int_equal(sr_mls_welcome_psk_secret(s, &gs, NULL, NULL, &out), SR_OK);
    assert_int_equal(out.len, s->hash->len);
    sr_secret_cleanup(&out);
}

static void build_errors(void **state)
{
    (void)state;
    struct fixture f;
    struct sr_buf out = { 0 };
    setup(&f, 1, false, false);
    struct sr_mls_welcome_member m = { &f.kp[0], sr_slice_of(NULL, 0) };
    struct sr_mls_welcome_build_args a = {
        .suite = sr_suite_get(2),
        .group_info = sr_buf_slice(&f.gi_bytes),
        .joiner_secret = sr_slice_of(f.joiner, 32),
        .members = &m,
        .member_count = 1,
    };
    /* A KeyPackage of another suite. */
    assert_int_equal(sr_mls_welcome_build(&a, &out), SR_ERR_ARG);
    a.suite = f.s;
    a.member_count = 0;
    assert_int_equal(sr_mls_welcome_build(&a, &out), SR_ERR_ARG);
    a.member_count = 1;
    a.joiner_secret.len = 31;
    assert_int_equal(sr_mls_welcome_build(&a, &out), SR_ERR_ARG);
    assert_int_equal(out.len, 0);
    sr_buf_cleanup(&out);
    teardown(&f);
}

static struct fixture alloc_f;

static sr_err join_op(void *arg)
{
    struct sr_mls_welcome_joined j = { 0 };
    (void)arg;
    sr_err err = join(&alloc_f, 1, &alloc_f.wl, (void *)(uintptr_t)psk_value, &j);
    sr_mls_welcome_joined_cleanup(&j);
    return err;
}

static void reset_nothing(void *arg)
{
    (void)arg;
}

static sr_err build_op(void *arg)
{
    struct sr_buf out = { 0 };
    size_t nh = alloc_f.s->hash->len;
    struct sr_mls_welcome_member m[2] = {
        { &alloc_f.kp[0], sr_slice_of(NULL, 0) },
        { &alloc_f.kp[2], sr_slice_of(alloc_f.path_secret, nh) },
    };
    struct sr_mls_welcome_build_args a = {
        .suite = alloc_f.s,
        .group_info = sr_buf_slice(&alloc_f.gi_bytes),
        .joiner_secret = sr_slice_of(alloc_f.joiner, nh),
        .psk_secret = sr_secret_slice(&alloc_f.psk_secret),
        .psks = &alloc_f.psk,
        .psk_count = 1,
        .members = m,
        .member_count = 2,
    };
    (void)arg;
    sr_err err = sr_mls_welcome_build(&a, &out);
    sr_buf_cleanup(&out);
    return err;
}

static void allocation_failures(void **state)
{
    (void)state;
    setup(&alloc_f, 2, true, false);
    assert_true(sr_test_each_alloc_failure(join_op, reset_nothing, NULL) > 0);
    assert_true(sr_test_each_alloc_failure(build_op, reset_nothing, NULL) > 0);
    teardown(&alloc_f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(join_all_suites),
        cmocka_unit_test(tampered_welcome),
        cmocka_unit_test(wrong_signer_and_tag),
        cmocka_unit_test(signer_callback),
        cmocka_unit_test(group_info_signature_flips),
        cmocka_unit_test(psks),
        cmocka_unit_test(psk_usage_rule),
        cmocka_unit_test(build_errors),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
