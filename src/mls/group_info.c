/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3 GroupInfo: its signature and the checks a joiner makes.
 *
 *   struct {
 *       GroupContext group_context;
 *       Extension extensions<V>;
 *       MAC confirmation_tag;
 *       uint32 signer;
 *       opaque signature<V>;   SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
 *   } GroupInfo;
 */
#include "mls/group_info.h"

#include "crypto/labels.h"
#include "mls/schedule_keys.h"
#include "mls/wire_common.h"

sr_err sr_mls_group_info_sign(const struct sr_suite *suite, struct sr_mls_group_info *gi,
                              struct sr_slice priv, struct sr_buf *sig)
{
    SR_CHECK(suite != NULL && gi != NULL, SR_ERR_ARG);
    struct sr_buf tbs = { 0 };
    size_t start = sig->len;
    sr_err err = sr_mls_group_info_tbs_encode(gi, &tbs);
    if (err == SR_OK) {
        err = sr_mls_sign_with_label(suite, priv, "GroupInfoTBS", sr_buf_slice(&tbs), sig);
    }
    if (err == SR_OK) {
        gi->signature = sr_slice_of(sig->p + start, sig->len - start);
    }
    sr_buf_cleanup(&tbs);
    return err;
}

sr_err sr_mls_group_info_verify(const struct sr_suite *suite, const struct sr_mls_group_info *gi,
                                struct sr_slice signer_pub)
{
    SR_CHECK(suite != NULL && gi != NULL, SR_ERR_ARG);
    struct sr_buf tbs = { 0 };
    sr_err err = sr_mls_group_info_tbs_encode(gi, &tbs);
    if (err == SR_OK) {
        /* §12.4.3.1: "Verify the signature on the GroupInfo object". */
        err = sr_mls_verify_with_label(suite, signer_pub, "GroupInfoTBS", sr_buf_slice(&tbs),
                                       gi->signature);
        err = err == SR_ERR_INVALID || err == SR_ERR_DECODE ? SR_ERR_AUTH : err;
    }
    sr_buf_cleanup(&tbs);
    return err;
}

sr_err sr_mls_group_info_check(const struct sr_suite *suite, const struct sr_mls_group_info *gi)
{
    SR_CHECK(suite != NULL && gi != NULL, SR_ERR_ARG);
    const struct sr_mls_group_context *gc = &gi->group_context;
    SR_CHECK(gc->version == SR_MLS_VERSION_MLS10, SR_ERR_INVALID);
    /* §12.4.3.1: the GroupInfo's suite is the Welcome's (and the KeyPackage's). */
    SR_CHECK(gc->cipher_suite == suite->id, SR_ERR_INVALID);
    SR_CHECK(gi->confirmation_tag.len == suite->hash->len, SR_ERR_INVALID);
    SR_CHECK(gc->tree_hash.len == suite->hash->len, SR_ERR_INVALID);
    SR_CHECK(gc->confirmed_transcript_hash.len == suite->hash->len, SR_ERR_INVALID);
    SR_TRY(sr_mls_extensions_check_unique(&gi->group_context_extensions));
    return sr_mls_extensions_check_unique(&gi->extensions);
}

sr_err sr_mls_group_info_external_pub(const struct sr_mls_group_info *gi, struct sr_slice *pub)
{
    *pub = sr_slice_of(NULL, 0);
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(&gi->extensions, SR_MLS_EXT_EXTERNAL_PUB);
    SR_CHECK(e != NULL, SR_ERR_NOT_FOUND);
    return sr_mls_ext_external_pub_decode(e->data, pub);
}

sr_err sr_mls_group_info_ratchet_tree(const struct sr_mls_group_info *gi, struct sr_slice *tree)
{
    *tree = sr_slice_of(NULL, 0);
    const struct sr_mls_extension *e =
            sr_mls_extensions_find(&gi->extensions, SR_MLS_EXT_RATCHET_TREE);
    SR_CHECK(e != NULL, SR_ERR_NOT_FOUND);
    *tree = e->data;
    return SR_OK;
}

sr_err sr_mls_group_info_external_init(const struct sr_suite *suite,
                                       const struct sr_mls_group_info *gi, struct sr_slice ikm_e,
                                       uint8_t *kem_output, struct sr_secret *init_secret)
{
    struct sr_slice pub;
    sr_secret_cleanup(init_secret);
    SR_CHECK(suite != NULL && gi != NULL, SR_ERR_ARG);
    SR_TRY(sr_mls_group_info_external_pub(gi, &pub));
    /* §12.4.3.2: the external_pub belongs to the GroupInfo's suite. */
    SR_CHECK(gi->group_context.cipher_suite == suite->id, SR_ERR_INVALID);
    return sr_mls_external_init_send(suite, pub, ikm_e, kem_output, init_secret);
}
