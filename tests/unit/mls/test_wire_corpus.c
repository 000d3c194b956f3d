/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every wire structure found in the other official vector files (welcome, tree-validation,
 * treekem, tree-operations, transcript-hashes, message-protection, passive-client-*) decodes
 * and re-encodes byte for byte, and KeyPackageRef of welcome.json's KeyPackage names an entry
 * of its Welcome (RFC 9420 §5.2). Skips (77) when the vector folder is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mls/wire_message.h"
#include "mls/wire_ratchet_tree.h"
#include "testutil.h"
#include "vectors.h"

enum kind {
    MESSAGE,
    TREE,
    UPDATE_PATH,
    PROPOSAL,
    COMMIT,
    AUTH_CONTENT
};

static sr_err roundtrip(enum kind k, struct sr_slice in, struct sr_buf *out)
{
    sr_err err;
    switch (k) {
    case MESSAGE: {
        struct sr_mls_message m;
        SR_TRY(sr_mls_message_decode(in, &m));
        err = sr_mls_message_encode(&m, out);
        sr_mls_message_cleanup(&m);
        return err;
    }
    case TREE: {
        struct sr_mls_ratchet_tree t;
        SR_TRY(sr_mls_ratchet_tree_decode(in, 0, &t));
        err = sr_mls_ratchet_tree_encode(&t, out);
        sr_mls_ratchet_tree_cleanup(&t);
        return err;
    }
    case UPDATE_PATH: {
        struct sr_mls_update_path p;
        struct sr_reader r;
        sr_reader_init(&r, in);
        SR_TRY(sr_mls_update_path_read(&r, &p));
        err = sr_reader_done(&r);
        if (err == SR_OK) {
            err = sr_mls_update_path_encode(&p, out);
        }
        sr_mls_update_path_cleanup(&p);
        return err;
    }
    case PROPOSAL: {
        struct sr_mls_proposal p;
        SR_TRY(sr_mls_proposal_decode(in, &p));
        err = sr_mls_proposal_encode(&p, out);
        sr_mls_proposal_cleanup(&p);
        return err;
    }
    case COMMIT: {
        struct sr_mls_commit c;
        SR_TRY(sr_mls_commit_decode(in, &c));
        err = sr_mls_commit_encode(&c, out);
        sr_mls_commit_cleanup(&c);
        return err;
    }
    case AUTH_CONTENT:
    default: {
        struct sr_mls_authenticated_content ac;
        SR_TRY(sr_mls_authenticated_content_decode(in, &ac));
        err = sr_mls_authenticated_content_encode(&ac, out);
        sr_mls_authenticated_content_cleanup(&ac);
        return err;
    }
    }
}

static unsigned checked;

/* Round-trip the hex member `key` of `obj` as `k`; absent or null members are skipped. */
static void check(const json_t *obj, const char *key, enum kind k)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        return;
    }
    struct sr_buf in = { 0 }, out = { 0 };
    assert_true(sr_vec_hex(obj, key, &in));
    sr_err err = roundtrip(k, sr_buf_slice(&in), &out);
    if (err != SR_OK) {
        print_error("%s: %s\n", key, sr_err_name(err));
    }
    assert_int_equal(err, SR_OK);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.p, in.p, in.len);
    checked++;
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void check_array(const json_t *arr, enum kind k)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *wrap = json_pack("{sO}", "x", v);
        check(wrap, "x", k);
        json_decref(wrap);
    }
}

static void welcome_and_refs(void **state)
{
    (void)state;
    json_t *root = sr_vec_load("mls/welcome.json");
    size_t i;
    json_t *tc;
    json_array_foreach(root, i, tc)
    {
        check(tc, "key_package", MESSAGE);
        check(tc, "welcome", MESSAGE);
        const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
        assert_non_null(suite);
        struct sr_buf kp_bytes = { 0 }, wl_bytes = { 0 };
        struct sr_mls_message kp, wl;
        assert_true(sr_vec_hex(tc, "key_package", &kp_bytes));
        assert_true(sr_vec_hex(tc, "welcome", &wl_bytes));
        assert_int_equal(sr_mls_message_decode(sr_buf_slice(&kp_bytes), &kp), SR_OK);
        assert_int_equal(sr_mls_message_decode(sr_buf_slice(&wl_bytes), &wl), SR_OK);
        uint8_t ref[SR_HASH_MAX];
        assert_int_equal(sr_mls_key_package_ref(suite, &kp.u.key_package, ref), SR_OK);
        assert_non_null(sr_mls_welcome_find(&wl.u.welcome, sr_slice_of(ref, suite->hash->len)));
        sr_mls_message_cleanup(&kp);
        sr_mls_message_cleanup(&wl);
        sr_buf_cleanup(&kp_bytes);
        sr_buf_cleanup(&wl_bytes);
    }
    json_decref(root);
}

static void trees_and_paths(void **state)
{
    (void)state;
    json_t *root = sr_vec_load("mls/tree-validation.json");
    size_t i, j;
    json_t *tc, *up;
    json_array_foreach(root, i, tc)
    {
        check(tc, "tree", TREE);
    }
    json_decref(root);
    root = sr_vec_load("mls/treekem.json");
    json_array_foreach(root, i, tc)
    {
        check(tc, "ratchet_tree", TREE);
        json_array_foreach(json_object_get(tc, "update_paths"), j, up)
        {
            check(up, "update_path", UPDATE_PATH);
        }
    }
    json_decref(root);
    root = sr_vec_load("mls/tree-operations.json");
    json_array_foreach(root, i, tc)
    {
        check(tc, "tree_before", TREE);
        check(tc, "tree_after", TREE);
        check(tc, "proposal", PROPOSAL);
    }
    json_decref(root);
}

static void framing(void **state)
{
    (void)state;
    json_t *root = sr_vec_load("mls/transcript-hashes.json");
    size_t i;
    json_t *tc;
    json_array_foreach(root, i, tc)
    {
        check(tc, "authenticated_content", AUTH_CONTENT);
    }
    json_decref(root);
    root = sr_vec_load("mls/message-protection.json");
    static const char *messages[] = { "proposal_priv", "proposal_pub", "commit_priv", "commit_pub",
                                      "application_priv" };
    json_array_foreach(root, i, tc)
    {
        check(tc, "proposal", PROPOSAL);
        check(tc, "commit", COMMIT);
        for (size_t m = 0; m < sizeof(messages) / sizeof(messages[0]); m++) {
            check(tc, messages[m], MESSAGE);
        }
    }
    json_decref(root);
}

static bool commit_has_ref(const struct sr_mls_commit *c, const uint8_t *ref, size_t len)
{
    for (size_t i = 0; i < c->proposal_count; i++) {
        struct sr_slice r = c->proposals[i].reference;
        if (c->proposals[i].type == SR_MLS_PROPOSAL_OR_REF_REFERENCE && r.len == len &&
            memcmp(r.p, ref, len) == 0) {
            return true;
        }
    }
    return false;
}

static unsigned refs_found;

/* RFC 9420 §5.2: each proposal of an epoch is committed by its ProposalRef. */
static void check_proposal_refs(const struct sr_suite *suite, const json_t *ep)
{
    struct sr_buf bytes = { 0 }, pbytes = { 0 }, ac = { 0 };
    struct sr_mls_message commit, prop;
    assert_true(sr_vec_hex(ep, "commit", &bytes));
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&bytes), &commit), SR_OK);
    const struct sr_mls_framed_content *fc = &commit.u.public_message.content;
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(ep, "proposals"), i, v)
    {
        /* A separate buffer: `commit` borrows from `bytes`. */
        sr_test_hex(json_string_value(v), &pbytes);
        assert_int_equal(sr_mls_message_decode(sr_buf_slice(&pbytes), &prop), SR_OK);
        if (prop.wire_format == SR_MLS_WIRE_PUBLIC_MESSAGE &&
            commit.wire_format == SR_MLS_WIRE_PUBLIC_MESSAGE) {
            uint8_t ref[SR_HASH_MAX];
            sr_buf_reset(&ac);
            assert_int_equal(sr_mls_public_message_auth_content_encode(&prop.u.public_message, &ac),
                             SR_OK);
            assert_int_equal(sr_mls_proposal_ref(suite, sr_buf_slice(&ac), ref), SR_OK);
            assert_true(commit_has_ref(&fc->commit, ref, suite->hash->len));
            refs_found++;
        }
        sr_mls_message_cleanup(&prop);
    }
    sr_mls_message_cleanup(&commit);
    sr_buf_cleanup(&bytes);
    sr_buf_cleanup(&pbytes);
    sr_buf_cleanup(&ac);
}

static void passive_clients(void **state)
{
    (void)state;
    static const char *files[] = { "mls/passive-client-welcome.json",
                                   "mls/passive-client-handling-commit.json",
                                   "mls/passive-client-random.json" };
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        json_t *root = sr_vec_load(files[f]);
        size_t i, j;
        json_t *tc, *ep;
        json_array_foreach(root, i, tc)
        {
            check(tc, "key_package", MESSAGE);
            check(tc, "welcome", MESSAGE);
            check(tc, "ratchet_tree", TREE);
            const struct sr_suite *suite =
                    sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
            assert_non_null(suite);
            json_array_foreach(json_object_get(tc, "epochs"), j, ep)
            {
                check_array(json_object_get(ep, "proposals"), MESSAGE);
                check(ep, "commit", MESSAGE);
                check_proposal_refs(suite, ep);
            }
        }
        json_decref(root);
    }
    printf("%u structures from the vector files round-tripped\n", checked);
    printf("%u ProposalRefs found in their commits\n", refs_found);
    assert_true(refs_found > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(welcome_and_refs),
        cmocka_unit_test(trees_and_paths),
        cmocka_unit_test(framing),
        cmocka_unit_test(passive_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
