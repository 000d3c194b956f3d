/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire codecs on hand-built inputs: the closed enums (version, wire_format, sender_type,
 * content_type, leaf_node_source, node_type, ProposalOrRefType, PSKType, usage) reject other
 * values, bools/optionals must be 0 or 1, varints must be minimal, caps give SR_ERR_LIMIT, and
 * GREASE or unknown extension, credential and proposal types decode and round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mls/wire_limits.h"
#include "mls/wire_message.h"
#include "mls/wire_ratchet_tree.h"
#include "testutil.h"

typedef sr_err (*rt_fn)(struct sr_slice in, struct sr_buf *out);

static sr_err rt_message(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(in, &m));
    sr_err err = sr_mls_message_encode(&m, out);
    sr_mls_message_cleanup(&m);
    return err;
}

static sr_err rt_leaf(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_leaf_node l;
    SR_TRY(sr_mls_leaf_node_decode(in, &l));
    sr_err err = sr_mls_leaf_node_encode(&l, out);
    sr_mls_leaf_node_cleanup(&l);
    return err;
}

static sr_err rt_commit(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_commit c;
    SR_TRY(sr_mls_commit_decode(in, &c));
    sr_err err = sr_mls_commit_encode(&c, out);
    sr_mls_commit_cleanup(&c);
    return err;
}

static sr_err rt_tree(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_ratchet_tree t;
    SR_TRY(sr_mls_ratchet_tree_decode(in, 0, &t));
    sr_err err = sr_mls_ratchet_tree_encode(&t, out);
    sr_mls_ratchet_tree_cleanup(&t);
    return err;
}

static sr_err rt_psk(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_proposal p;
    SR_TRY(sr_mls_proposal_body_decode(in, SR_MLS_PROPOSAL_PSK, &p));
    sr_err err = sr_mls_proposal_body_encode(&p, out);
    sr_mls_proposal_cleanup(&p);
    return err;
}

static sr_err rt_proposal(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_proposal p;
    SR_TRY(sr_mls_proposal_decode(in, &p));
    sr_err err = sr_mls_proposal_encode(&p, out);
    sr_mls_proposal_cleanup(&p);
    return err;
}

/* Decode `hex` with `rt`; expect `want`, and on success the same bytes back. */
static void expect(rt_fn rt, const char *hex, sr_err want)
{
    struct sr_buf in = { 0 }, out = { 0 };
    sr_test_hex(hex, &in);
    sr_err err = rt(sr_buf_slice(&in), &out);
    if (err != want) {
        print_error("%s: got %s\n", hex, sr_err_name(err));
    }
    assert_int_equal(err, want);
    if (want == SR_OK) {
        assert_int_equal(out.len, in.len);
        assert_memory_equal(out.p, in.p, in.len);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

/* An application PublicMessage from member 2 of group "aa", epoch 1. */
#define PUB_HEAD "00010001"
#define PUB_BODY       \
    "01aa"             \
    "0000000000000001" \
    "0100000002"       \
    "00"               \
    "01"               \
    "0161"             \
    "01ff"             \
    "01ee"

static void message_enums(void **state)
{
    (void)state;
    expect(rt_message, PUB_HEAD PUB_BODY, SR_OK);
    expect(rt_message, "00000001" PUB_BODY, SR_ERR_DECODE); /* version 0 */
    expect(rt_message, "00020001" PUB_BODY, SR_ERR_DECODE); /* version 2 */
    expect(rt_message, "00010000" PUB_BODY, SR_ERR_DECODE); /* wire_format 0 */
    expect(rt_message, "00010006" PUB_BODY, SR_ERR_DECODE); /* wire_format 6 */
    /* sender_type 0 and 5; content_type 0 and 4 */
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0000000002"
                    "00010161"
                    "01ff01ee",
           SR_ERR_DECODE);
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0500000002"
                    "00010161"
                    "01ff01ee",
           SR_ERR_DECODE);
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0100000002"
                    "00000161"
                    "01ff01ee",
           SR_ERR_DECODE);
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0100000002"
                    "00040161"
                    "01ff01ee",
           SR_ERR_DECODE);
    /* An external sender has no membership_tag; a new_member_commit sends a commit with a
     * confirmation_tag and no membership_tag. */
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0200000000"
                    "00010161"
                    "01ff",
           SR_OK);
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0200000000"
                    "00010161"
                    "01ff01ee",
           SR_ERR_DECODE);
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "04"
                    "0003"
                    "0000"
                    "01ff"
                    "01cc",
           SR_OK);
    /* A PrivateMessage: content_type must be 1..3. */
    expect(rt_message,
           "00010002"
           "01aa0000000000000001"
           "01"
           "00"
           "01bb"
           "01cc",
           SR_OK);
    expect(rt_message,
           "00010002"
           "01aa0000000000000001"
           "00"
           "00"
           "01bb"
           "01cc",
           SR_ERR_DECODE);
    expect(rt_message,
           "00010002"
           "01aa0000000000000001"
           "04"
           "00"
           "01bb"
           "01cc",
           SR_ERR_DECODE);
}

static void nonminimal_varint(void **state)
{
    (void)state;
    /* group_id length 1 written in the two-byte form */
    expect(rt_message,
           PUB_HEAD "4001aa"
                    "0000000000000001"
                    "0100000002"
                    "00010161"
                    "01ff01ee",
           SR_ERR_DECODE);
    /* authenticated_data length 0 written as 0x4000 */
    expect(rt_message,
           PUB_HEAD "01aa0000000000000001"
                    "0100000002"
                    "4000"
                    "010161"
                    "01ff01ee",
           SR_ERR_DECODE);
}

/* A LeafNode; SOURCE_KP is a key_package source with a zero lifetime. */
#define LEAF_HEAD \
    "01aa01bb"    \
    "000101cc"    \
    "0000000000"
#define LIFETIME "00000000000000000000000000000000"
#define LEAF_TAIL \
    "00"          \
    "01dd"

static void leaf_sources(void **state)
{
    (void)state;
    expect(rt_leaf, LEAF_HEAD "01" LIFETIME LEAF_TAIL, SR_OK);
    expect(rt_leaf, LEAF_HEAD "02" LEAF_TAIL, SR_OK);
    expect(rt_leaf,
           LEAF_HEAD "03"
                     "01ab" LEAF_TAIL,
           SR_OK);
    expect(rt_leaf, LEAF_HEAD "00" LEAF_TAIL, SR_ERR_DECODE);
    expect(rt_leaf, LEAF_HEAD "04" LEAF_TAIL, SR_ERR_DECODE);
    /* A capability list must hold whole uint16 values. */
    expect(rt_leaf,
           "01aa01bb000101cc"
           "0100"
           "00000000"
           "02" LEAF_TAIL,
           SR_ERR_DECODE);
}

static void grease_and_unknown_types(void **state)
{
    (void)state;
    /* GREASE in capabilities and in the leaf's extensions (RFC 9420 §13.5). */
    expect(rt_leaf,
           "01aa01bb000101cc"
           "020001"
           "040a0a0001"
           "021a1a"
           "00"
           "00"
           "02"
           "05"
           "1a1a"
           "02ffee"
           "01dd",
           SR_OK);
    /* x509 with two certificates, and an unknown credential type carried opaquely. */
    expect(rt_leaf,
           "01aa01bb"
           "0002"
           "0602aabb02ccdd"
           "0000000000"
           "02" LEAF_TAIL,
           SR_OK);
    expect(rt_leaf,
           "01aa01bb"
           "7a7a"
           "01cc"
           "0000000000"
           "02" LEAF_TAIL,
           SR_OK);
    /* An unknown proposal type carried as one opaque body. */
    expect(rt_proposal,
           "0a0a"
           "02abcd",
           SR_OK);
    expect(rt_proposal,
           "0003"
           "00000007",
           SR_OK); /* remove */
    for (unsigned v = 0; v <= 0xffff; v++) {
        bool want = (v & 0xff) == (v >> 8) && (v & 0x0f) == 0x0a && v != 0xfafa;
        assert_int_equal(sr_mls_is_grease((uint16_t)v), want);
    }
}

static void bools_and_closed_enums(void **state)
{
    (void)state;
    expect(rt_commit, "0000", SR_OK);
    expect(rt_commit, "0002", SR_ERR_DECODE); /* optional<UpdatePath> presence 2 */
    expect(rt_commit, "0001", SR_ERR_DECODE); /* presence 1 but no path */
    expect(rt_commit,
           "04"
           "0201ab"
           "00"
           "00",
           SR_ERR_DECODE); /* vector too short */
    expect(rt_commit,
           "03"
           "0201ab"
           "00",
           SR_OK); /* one reference */
    expect(rt_commit,
           "03"
           "0001ab"
           "00",
           SR_ERR_DECODE); /* ProposalOrRefType 0 */
    expect(rt_commit,
           "03"
           "0301ab"
           "00",
           SR_ERR_DECODE); /* ProposalOrRefType 3 */
    /* One blank node is a tree; no node is not: ratchet_tree<1..2^32-1>. */
    expect(rt_tree, "0100", SR_OK);
    expect(rt_tree, "00", SR_ERR_DECODE);
    /* An x509 credential needs a certificate, and a certificate needs bytes. */
    expect(rt_leaf,
           "01aa01bb000200"
           "0000000000"
           "02" LEAF_TAIL,
           SR_ERR_DECODE);
    expect(rt_leaf,
           "01aa01bb00020100"
           "0000000000"
           "02" LEAF_TAIL,
           SR_ERR_DECODE);
    expect(rt_tree, "0102", SR_ERR_DECODE);   /* optional presence 2 */
    expect(rt_tree, "020103", SR_ERR_DECODE); /* node_type 3 */
    expect(rt_tree,
           "0b0102"
           "01aa"
           "01bb"
           "0400000003",
           SR_OK); /* a parent */
    expect(rt_tree,
           "0a0102"
           "01aa"
           "01bb"
           "03000000",
           SR_ERR_DECODE); /* odd unmerged list */
    expect(rt_psk,
           "01"
           "01aa"
           "01bb",
           SR_OK);
    expect(rt_psk,
           "02"
           "03"
           "01aa"
           "0000000000000005"
           "01bb",
           SR_OK);
    expect(rt_psk,
           "00"
           "01aa"
           "01bb",
           SR_ERR_DECODE);
    expect(rt_psk,
           "03"
           "01aa"
           "01bb",
           SR_ERR_DECODE);
    expect(rt_psk,
           "02"
           "00"
           "01aa"
           "0000000000000005"
           "01bb",
           SR_ERR_DECODE);
    expect(rt_psk,
           "02"
           "04"
           "01aa"
           "0000000000000005"
           "01bb",
           SR_ERR_DECODE);
}

/* Append an opaque<V> of `n` bytes of 0x5a. */
static void put_opaque(struct sr_buf *b, size_t n)
{
    assert_int_equal(sr_write_varint(b, n), SR_OK);
    assert_int_equal(sr_buf_reserve(b, n), SR_OK);
    memset(b->p + b->len, 0x5a, n);
    b->len += n;
}

static sr_err decode_message_buf(const struct sr_buf *b)
{
    struct sr_buf out = { 0 };
    sr_err err = rt_message(sr_buf_slice(b), &out);
    sr_buf_cleanup(&out);
    return err;
}

static void caps_give_limit(void **state)
{
    (void)state;
    struct sr_buf b = { 0 }, tail = { 0 };
    sr_test_hex("0000000000000001"
                "0100000002"
                "00010161"
                "01ff01ee",
                &tail);
    for (size_t n = SR_MLS_MAX_GROUP_ID; n <= SR_MLS_MAX_GROUP_ID + 1; n++) {
        sr_test_hex(PUB_HEAD, &b);
        put_opaque(&b, n);
        assert_int_equal(sr_buf_append(&b, tail.p, tail.len), SR_OK);
        assert_int_equal(decode_message_buf(&b), n > SR_MLS_MAX_GROUP_ID ? SR_ERR_LIMIT : SR_OK);
    }
    /* signature<V> one byte over its cap */
    sr_test_hex(PUB_HEAD "01aa0000000000000001"
                         "0100000002"
                         "00010161",
                &b);
    put_opaque(&b, SR_MLS_MAX_SIGNATURE + 1);
    put_opaque(&b, 1);
    assert_int_equal(decode_message_buf(&b), SR_ERR_LIMIT);
    /* A basic identity over the credential cap, inside a LeafNode. */
    struct sr_mls_leaf_node leaf;
    sr_test_hex("01aa01bb0001", &b);
    put_opaque(&b, SR_MLS_MAX_CREDENTIAL + 1);
    sr_test_hex("0000000000"
                "02" LEAF_TAIL,
                &tail);
    assert_int_equal(sr_buf_append(&b, tail.p, tail.len), SR_OK);
    assert_int_equal(sr_mls_leaf_node_decode(sr_buf_slice(&b), &leaf), SR_ERR_LIMIT);
    /* An extension list over its cap. */
    sr_test_hex("01aa01bb000101cc0000000000"
                "02",
                &b);
    put_opaque(&b, SR_MLS_MAX_EXTENSIONS + 1);
    put_opaque(&b, 1);
    assert_int_equal(sr_mls_leaf_node_decode(sr_buf_slice(&b), &leaf), SR_ERR_LIMIT);
    /* A ratchet tree over the caller's cap. */
    struct sr_mls_ratchet_tree t;
    sr_test_hex("0400000000", &b);
    assert_int_equal(sr_mls_ratchet_tree_decode(sr_buf_slice(&b), 3, &t), SR_ERR_LIMIT);
    assert_int_equal(sr_mls_ratchet_tree_decode(sr_buf_slice(&b), 4, &t), SR_OK);
    assert_int_equal(t.count, 4);
    sr_mls_ratchet_tree_cleanup(&t);
    sr_buf_cleanup(&b);
    sr_buf_cleanup(&tail);
}

/* Append a vector of `count` copies of the item `item_hex`. */
static void put_repeated(struct sr_buf *b, size_t count, const char *item_hex)
{
    struct sr_buf item = { 0 };
    struct sr_vec_mark mark;
    sr_test_hex(item_hex, &item);
    assert_int_equal(sr_write_vector_begin(b, &mark), SR_OK);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(sr_buf_append(b, item.p, item.len), SR_OK);
    }
    assert_int_equal(sr_write_vector_end(b, &mark), SR_OK);
    sr_buf_cleanup(&item);
}

/* Item counts are capped as well as bytes: one blank node or reference is 1-2 wire bytes but
 * hundreds in memory. */
static void item_counts_give_limit(void **state)
{
    (void)state;
    struct sr_buf b = { 0 }, out = { 0 };
    for (size_t n = SR_MLS_MAX_TREE_NODES; n <= SR_MLS_MAX_TREE_NODES + 1; n++) {
        sr_buf_reset(&b);
        put_repeated(&b, n, "00");
        sr_buf_reset(&out);
        assert_int_equal(rt_tree(sr_buf_slice(&b), &out),
                         n > SR_MLS_MAX_TREE_NODES ? SR_ERR_LIMIT : SR_OK);
    }
    for (size_t n = SR_MLS_MAX_PROPOSAL_COUNT; n <= SR_MLS_MAX_PROPOSAL_COUNT + 1; n++) {
        sr_buf_reset(&b);
        put_repeated(&b, n, "0200");
        assert_int_equal(sr_write_u8(&b, 0), SR_OK);
        sr_buf_reset(&out);
        assert_int_equal(rt_commit(sr_buf_slice(&b), &out),
                         n > SR_MLS_MAX_PROPOSAL_COUNT ? SR_ERR_LIMIT : SR_OK);
    }
    sr_buf_cleanup(&b);
    sr_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(message_enums),          cmocka_unit_test(nonminimal_varint),
        cmocka_unit_test(leaf_sources),           cmocka_unit_test(grease_and_unknown_types),
        cmocka_unit_test(bools_and_closed_enums), cmocka_unit_test(caps_give_limit),
        cmocka_unit_test(item_counts_give_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
