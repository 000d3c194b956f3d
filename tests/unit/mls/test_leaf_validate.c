/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LeafNode validation (RFC 9420 §7.3) for the update and commit sources, whose signatures
 * bind group_id and leaf_index: the right context passes; another group, another index or
 * another expected source fails; each signature byte flipped is SR_ERR_AUTH; duplicate or
 * unlisted extensions, default types, and a missing credential validator.
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

static const uint8_t group[] = "group-A", other_group[] = "group-B";

struct leaf_fixture {
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    struct sr_mls_leaf_node leaf; /* kp's leaf, re-sourced and re-signed */
    struct sr_buf sig;
};

static void resign(struct leaf_fixture *f, const struct sr_suite *s, struct sr_slice gid,
                   uint32_t index)
{
    struct sr_buf tbs = { 0 };
    sr_buf_cleanup(&f->sig);
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&f->leaf, gid, index, &tbs), SR_OK);
    assert_int_equal(sr_mls_sign_with_label(s, sr_secret_slice(&f->priv->signature_priv),
                                            "LeafNodeTBS", sr_buf_slice(&tbs), &f->sig),
                     SR_OK);
    f->leaf.signature = sr_buf_slice(&f->sig);
    sr_buf_cleanup(&tbs);
}

static void setup(struct leaf_fixture *f, uint16_t suite, uint8_t source)
{
    static const uint8_t id[] = "dave";
    static const uint8_t parent_hash[32] = { 1, 2, 3 };
    memset(f, 0, sizeof(*f));
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(suite),
        .credential = sr_mls_credential_basic(sr_slice_of(id, 4)),
        .now = NOW,
        .grease = true,
    };
    assert_int_equal(sr_mls_key_package_create(&p, &f->kp, &f->priv), SR_OK);
    f->leaf = f->kp.leaf_node;
    f->leaf.source = source;
    f->leaf.lifetime = (struct sr_mls_lifetime){ 0 };
    if (source == SR_MLS_LEAF_SOURCE_COMMIT) {
        f->leaf.parent_hash = sr_slice_of(parent_hash, sizeof(parent_hash));
    }
    resign(f, p.suite, sr_slice_of(group, 7), 3);
}

static void teardown(struct leaf_fixture *f)
{
    sr_buf_cleanup(&f->sig);
    sr_mls_key_package_cleanup(&f->kp);
    sr_mls_key_package_priv_free(f->priv);
}

static struct sr_mls_leaf_validate_ctx ctx_for(uint16_t suite, uint8_t source)
{
    struct sr_mls_leaf_validate_ctx c = {
        .suite = sr_suite_get(suite),
        .expected_source = source,
        .group_id = sr_slice_of(group, 7),
        .leaf_index = 3,
        .now = NOW,
        .check_lifetime = true,
    };
    return c;
}

static void update_and_commit_sources(void **state)
{
    (void)state;
    static const uint8_t sources[] = { SR_MLS_LEAF_SOURCE_UPDATE, SR_MLS_LEAF_SOURCE_COMMIT };
    for (uint16_t id = 1; id <= 7; id++) {
        for (size_t k = 0; k < 2; k++) {
            struct leaf_fixture f;
            setup(&f, id, sources[k]);
            struct sr_mls_leaf_validate_ctx c = ctx_for(id, sources[k]);
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_OK);
            c.group_id = sr_slice_of(other_group, 7);
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_AUTH);
            c.group_id = sr_slice_of(group, 7);
            c.leaf_index = 4;
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_AUTH);
            c.leaf_index = 3;
            /* §7.3: an Update must change the encryption key (ignored for commit). */
            c.replaced_encryption_key = f.leaf.encryption_key;
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL),
                             k == 0 ? SR_ERR_INVALID : SR_OK);
            c.replaced_encryption_key = f.leaf.signature_key;
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_OK);
            c.replaced_encryption_key = sr_slice_of(NULL, 0);
            c.expected_source = sources[1 - k];
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_INVALID);
            c.expected_source = SR_MLS_LEAF_SOURCE_KEY_PACKAGE;
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_INVALID);
            teardown(&f);
        }
    }
}

static void signature_flips(void **state)
{
    (void)state;
    for (uint16_t id = 1; id <= 7; id++) {
        struct leaf_fixture f;
        setup(&f, id, SR_MLS_LEAF_SOURCE_UPDATE);
        struct sr_mls_leaf_validate_ctx c = ctx_for(id, SR_MLS_LEAF_SOURCE_UPDATE);
        for (size_t i = 0; i < f.sig.len; i++) {
            f.sig.p[i] ^= 0x40;
            assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_AUTH);
            f.sig.p[i] ^= 0x40;
        }
        assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_OK);
        teardown(&f);
    }
}

static void extensions(void **state)
{
    (void)state;
    struct leaf_fixture f;
    setup(&f, 1, SR_MLS_LEAF_SOURCE_COMMIT);
    const struct sr_suite *s = sr_suite_get(1);
    struct sr_mls_leaf_validate_ctx c = ctx_for(1, SR_MLS_LEAF_SOURCE_COMMIT);
    /* A default extension type need not be listed (§7.2); a listed one may appear. */
    struct sr_mls_extension ext[2] = { { SR_MLS_EXT_APPLICATION_ID, sr_slice_of(NULL, 0) },
                                       { 0x0006, sr_slice_of(NULL, 0) } };
    f.leaf.extensions = (struct sr_mls_extensions){ ext, 2 };
    resign(&f, s, sr_slice_of(group, 7), 3);
    assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_OK);
    /* §13.4: the same type twice. */
    ext[1].type = SR_MLS_EXT_APPLICATION_ID;
    resign(&f, s, sr_slice_of(group, 7), 3);
    assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_INVALID);
    /* §7.3: a type missing from capabilities.extensions. */
    ext[1].type = 0x0F09;
    resign(&f, s, sr_slice_of(group, 7), 3);
    assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_INVALID);
    assert_true(sr_mls_extension_is_default(SR_MLS_EXT_EXTERNAL_SENDERS));
    assert_false(sr_mls_extension_is_default(0x0006));
    assert_true(sr_mls_proposal_is_default(SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS));
    assert_false(sr_mls_proposal_is_default(8));
    assert_int_equal(sr_mls_leaf_node_validate(NULL, &f.leaf, NULL), SR_ERR_ARG);
    c.member_count = 1;
    assert_int_equal(sr_mls_leaf_node_validate(&c, &f.leaf, NULL), SR_ERR_ARG);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(update_and_commit_sources),
        cmocka_unit_test(signature_flips),
        cmocka_unit_test(extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
