/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces other modules sign, MAC or encrypt: PrivateMessageContent padding, SenderData,
 * the AADs, FramedContentTBS/AuthenticatedContentTBM, LeafNodeTBS, KeyPackageTBS,
 * GroupInfoTBS; and the §17.3 extension bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mls/wire_message.h"
#include "testutil.h"

static void expect_bytes(const struct sr_buf *got, const char *hex)
{
    struct sr_buf want = { 0 };
    sr_test_hex(hex, &want);
    assert_int_equal(got->len, want.len);
    assert_memory_equal(got->p, want.p, want.len);
    sr_buf_cleanup(&want);
}

static sr_err private_content(const char *hex, uint8_t type, size_t *padding)
{
    struct sr_buf in = { 0 }, out = { 0 };
    struct sr_mls_private_content pc;
    sr_test_hex(hex, &in);
    sr_err err = sr_mls_private_content_decode(sr_buf_slice(&in), type, &pc);
    if (err == SR_OK) {
        *padding = pc.padding_len;
        assert_int_equal(sr_mls_private_content_encode(&pc, &out), SR_OK);
        assert_int_equal(out.len, in.len);
        assert_memory_equal(out.p, in.p, in.len);
        sr_mls_private_content_cleanup(&pc);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
    return err;
}

static void private_content_padding(void **state)
{
    (void)state;
    size_t pad = 99;
    assert_int_equal(private_content("016101ff", SR_MLS_CONTENT_APPLICATION, &pad), SR_OK);
    assert_int_equal(pad, 0);
    assert_int_equal(private_content("016101ff000000", SR_MLS_CONTENT_APPLICATION, &pad), SR_OK);
    assert_int_equal(pad, 3);
    /* RFC 9420 §6.3.1: a non-zero padding byte makes the message malformed. */
    assert_int_equal(private_content("016101ff000100", SR_MLS_CONTENT_APPLICATION, &pad),
                     SR_ERR_DECODE);
    assert_int_equal(private_content("000001ff01ee00", SR_MLS_CONTENT_COMMIT, &pad), SR_OK);
    assert_int_equal(pad, 1);
    assert_int_equal(private_content("00030000000101ff", SR_MLS_CONTENT_PROPOSAL, &pad), SR_OK);
    assert_int_equal(private_content("016101ff", 0, &pad), SR_ERR_DECODE);
    assert_int_equal(private_content("000001ff", SR_MLS_CONTENT_COMMIT, &pad), SR_ERR_DECODE);
}

static void sender_data_and_aads(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    struct sr_mls_sender_data sd;
    sr_test_hex("0000000300000007a1b2c3d4", &in);
    assert_int_equal(sr_mls_sender_data_decode(sr_buf_slice(&in), &sd), SR_OK);
    assert_int_equal(sd.leaf_index, 3);
    assert_int_equal(sd.generation, 7);
    assert_int_equal(sd.reuse_guard[3], 0xd4);
    assert_int_equal(sr_mls_sender_data_encode(&sd, &out), SR_OK);
    expect_bytes(&out, "0000000300000007a1b2c3d4");
    assert_int_equal(sr_mls_sender_data_decode(sr_slice_of(in.p, 11), &sd), SR_ERR_DECODE);
    sr_test_hex("0000000300000007a1b2c3d400", &in);
    assert_int_equal(sr_mls_sender_data_decode(sr_buf_slice(&in), &sd), SR_ERR_DECODE);

    static const uint8_t gid[] = { 0xaa }, aad[] = { 0xbb, 0xcc };
    sr_buf_reset(&out);
    assert_int_equal(sr_mls_sender_data_aad_encode(sr_slice_of(gid, 1), 1, 3, &out), SR_OK);
    expect_bytes(&out, "01aa000000000000000103");
    sr_buf_reset(&out);
    assert_int_equal(
            sr_mls_private_content_aad_encode(sr_slice_of(gid, 1), 1, 3, sr_slice_of(aad, 2), &out),
            SR_OK);
    expect_bytes(&out, "01aa00000000000000010302bbcc");
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

/* FramedContent: group "aa", epoch 1, member 2, no aad, application "a". */
#define FRAMED     "01aa0000000000000001010000000200010161"
#define FRAMED_EXT "01aa0000000000000001020000000000010161"

static void content_tbs_and_tbm(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 }, tbs = { 0 };
    struct sr_mls_message m;
    static const uint8_t ctx[] = { 0xc0, 0xff, 0xee };
    sr_test_hex("00010001" FRAMED "01ff01ee", &in);
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&in), &m), SR_OK);
    const struct sr_mls_public_message *pm = &m.u.public_message;
    assert_int_equal(sr_mls_framed_content_tbs_encode(SR_MLS_WIRE_PUBLIC_MESSAGE, &pm->content,
                                                      sr_slice_of(NULL, 0), &tbs),
                     SR_ERR_ARG);
    sr_buf_reset(&tbs);
    assert_int_equal(sr_mls_framed_content_tbs_encode(SR_MLS_WIRE_PUBLIC_MESSAGE, &pm->content,
                                                      sr_slice_of(ctx, 3), &tbs),
                     SR_OK);
    expect_bytes(&tbs, "00010001" FRAMED "c0ffee");
    assert_int_equal(sr_mls_authenticated_content_tbm_encode(sr_buf_slice(&tbs), &pm->auth,
                                                             pm->content.content_type, &out),
                     SR_OK);
    expect_bytes(&out, "00010001" FRAMED "c0ffee01ff");
    sr_mls_message_cleanup(&m);

    /* An external sender signs no GroupContext. */
    sr_test_hex("00010001" FRAMED_EXT "01ff", &in);
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&in), &m), SR_OK);
    sr_buf_reset(&tbs);
    assert_int_equal(sr_mls_framed_content_tbs_encode(SR_MLS_WIRE_PUBLIC_MESSAGE,
                                                      &m.u.public_message.content,
                                                      sr_slice_of(NULL, 0), &tbs),
                     SR_OK);
    expect_bytes(&tbs, "00010001" FRAMED_EXT);
    sr_mls_message_cleanup(&m);
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
    sr_buf_cleanup(&tbs);
}

/* A LeafNode with source key_package (zero lifetime), and the same with source update. */
#define LEAF_BODY_KP                   \
    "01aa01bb000101cc000000000001"     \
    "00000000000000000000000000000000" \
    "00"
#define LEAF_BODY_UPD              \
    "01aa01bb000101cc000000000002" \
    "00"

static void leaf_and_key_package_tbs(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, tbs = { 0 };
    struct sr_mls_leaf_node leaf;
    static const uint8_t gid[] = { 0x67 };
    sr_test_hex(LEAF_BODY_KP "01dd", &in);
    assert_int_equal(sr_mls_leaf_node_decode(sr_buf_slice(&in), &leaf), SR_OK);
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&leaf, sr_slice_of(gid, 1), 5, &tbs), SR_OK);
    expect_bytes(&tbs, LEAF_BODY_KP);
    sr_mls_leaf_node_cleanup(&leaf);

    sr_test_hex(LEAF_BODY_UPD "01dd", &in);
    assert_int_equal(sr_mls_leaf_node_decode(sr_buf_slice(&in), &leaf), SR_OK);
    sr_buf_reset(&tbs);
    assert_int_equal(sr_mls_leaf_node_tbs_encode(&leaf, sr_slice_of(gid, 1), 5, &tbs), SR_OK);
    expect_bytes(&tbs, LEAF_BODY_UPD "016700000005");
    sr_mls_leaf_node_cleanup(&leaf);

    struct sr_mls_key_package kp;
    sr_test_hex("0001000101ab" LEAF_BODY_KP "01dd"
                "00"
                "01ee",
                &in);
    assert_int_equal(sr_mls_key_package_decode(sr_buf_slice(&in), &kp), SR_OK);
    sr_buf_reset(&tbs);
    assert_int_equal(sr_mls_key_package_tbs_encode(&kp, &tbs), SR_OK);
    expect_bytes(&tbs, "0001000101ab" LEAF_BODY_KP "01dd"
                       "00");
    sr_mls_key_package_cleanup(&kp);
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&tbs);
}

/* GroupContext: version 1, suite 1, group "aa", epoch 1, hashes "bb" and "cc"; then its
 * extensions, the GroupInfo extensions, confirmation_tag "dd" and signer 2. */
#define GC_HEAD "0001000101aa000000000000000101bb01cc"
#define GI_TAIL "0001dd00000002"

static void group_info_tbs(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, tbs = { 0 };
    struct sr_mls_group_info gi;
    sr_test_hex(GC_HEAD "05000302abcd" GI_TAIL "01ee", &in);
    assert_int_equal(sr_mls_group_info_decode(sr_buf_slice(&in), &gi), SR_OK);
    assert_int_equal(gi.group_context_extensions.count, 1);
    assert_int_equal(gi.group_context_extensions.items[0].type, 3);
    assert_int_equal(gi.signer, 2);
    assert_int_equal(sr_mls_group_info_tbs_encode(&gi, &tbs), SR_OK);
    expect_bytes(&tbs, GC_HEAD "05000302abcd" GI_TAIL);
    sr_mls_group_info_cleanup(&gi);
    /* A malformed GroupContext extension list is rejected at decode time. */
    sr_test_hex(GC_HEAD "020003" GI_TAIL "01ee", &in);
    assert_int_equal(sr_mls_group_info_decode(sr_buf_slice(&in), &gi), SR_ERR_DECODE);
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&tbs);
}

static void extension_bodies(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    struct sr_slice s;
    sr_test_hex("03616263", &in);
    assert_int_equal(sr_mls_ext_application_id_decode(sr_buf_slice(&in), &s), SR_OK);
    assert_int_equal(s.len, 3);
    assert_int_equal(sr_mls_ext_external_pub_decode(sr_buf_slice(&in), &s), SR_OK);
    sr_test_hex("0361626300", &in);
    assert_int_equal(sr_mls_ext_application_id_decode(sr_buf_slice(&in), &s), SR_ERR_DECODE);

    struct sr_mls_required_capabilities rc;
    sr_test_hex("02000a00020002", &in);
    assert_int_equal(sr_mls_required_capabilities_decode(sr_buf_slice(&in), &rc), SR_OK);
    assert_int_equal(sr_mls_u16_list_count(rc.extension_types), 1);
    assert_int_equal(sr_mls_u16_list_get(rc.extension_types, 0), 10);
    assert_true(sr_mls_u16_list_has(rc.credential_types, 2));
    assert_false(sr_mls_u16_list_has(rc.credential_types, 1));
    assert_int_equal(sr_mls_required_capabilities_encode(&rc, &out), SR_OK);
    expect_bytes(&out, "02000a00020002");
    sr_test_hex("01000002", &in);
    assert_int_equal(sr_mls_required_capabilities_decode(sr_buf_slice(&in), &rc), SR_ERR_DECODE);

    struct sr_mls_external_senders es;
    sr_test_hex("0e01aa000101cc"
                "01bb000202"
                "01dd",
                &in);
    assert_int_equal(sr_mls_external_senders_decode(sr_buf_slice(&in), &es), SR_ERR_DECODE);
    sr_test_hex("0e01aa000101cc"
                "01bb0002030201dd",
                &in);
    assert_int_equal(sr_mls_external_senders_decode(sr_buf_slice(&in), &es), SR_OK);
    assert_int_equal(es.count, 2);
    assert_int_equal(es.items[1].credential.type, SR_MLS_CREDENTIAL_X509);
    assert_int_equal(es.items[1].credential.cert_count, 1);
    sr_buf_reset(&out);
    assert_int_equal(sr_mls_external_senders_encode(&es, &out), SR_OK);
    expect_bytes(&out, "0e01aa000101cc"
                       "01bb0002030201dd");
    sr_mls_external_senders_cleanup(&es);

    /* RFC 9420 §13.4: one extension of each type. */
    struct sr_mls_extensions ext;
    sr_test_hex("0700010161000500", &in);
    struct sr_reader r;
    sr_reader_init(&r, sr_buf_slice(&in));
    assert_int_equal(sr_mls_extensions_read(&r, 1024, &ext), SR_OK);
    assert_int_equal(ext.count, 2);
    assert_non_null(sr_mls_extensions_find(&ext, 5));
    assert_null(sr_mls_extensions_find(&ext, 2));
    assert_int_equal(sr_mls_extensions_check_unique(&ext), SR_OK);
    sr_mls_extensions_cleanup(&ext);
    sr_test_hex("0700010161000100", &in);
    sr_reader_init(&r, sr_buf_slice(&in));
    assert_int_equal(sr_mls_extensions_read(&r, 1024, &ext), SR_OK);
    assert_int_equal(sr_mls_extensions_check_unique(&ext), SR_ERR_INVALID);
    sr_mls_extensions_cleanup(&ext);
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(private_content_padding), cmocka_unit_test(sender_data_and_aads),
        cmocka_unit_test(content_tbs_and_tbm),     cmocka_unit_test(leaf_and_key_package_tbs),
        cmocka_unit_test(group_info_tbs),          cmocka_unit_test(extension_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
