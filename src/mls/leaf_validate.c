/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.3 Leaf Node Validation, as one function every caller shares:
 *
 *   credential valid (§5.3.1, application callback)
 *   signature over LeafNodeTBS (group_id and leaf_index for update/commit)
 *   compatible with required_capabilities (§11.1)
 *   credential type supported by all members, and all members' types supported by it
 *   lifetime (key_package source), extensions listed in capabilities, leaf_node_source
 *
 * Cheap structural checks run before the signature and the credential callback, so a
 * malformed leaf costs no public-key operation.
 */
#include "mls/leaf_validate.h"

#include "crypto/ct.h"
#include "crypto/labels.h"
#include "mls/wire_common.h"

bool sr_mls_extension_is_default(uint16_t type)
{
    return type >= SR_MLS_EXT_APPLICATION_ID && type <= SR_MLS_EXT_EXTERNAL_SENDERS;
}

bool sr_mls_proposal_is_default(uint16_t type)
{
    return type >= SR_MLS_PROPOSAL_ADD && type <= SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
}

bool sr_mls_capabilities_has_extension(const struct sr_mls_capabilities *caps, uint16_t type)
{
    return sr_mls_extension_is_default(type) || sr_mls_u16_list_has(caps->extensions, type);
}

static bool has_proposal(const struct sr_mls_capabilities *caps, uint16_t type)
{
    return sr_mls_proposal_is_default(type) || sr_mls_u16_list_has(caps->proposals, type);
}

/* §11.1: "the required extensions, proposals, and credential types MUST be listed". */
static sr_err check_required(const struct sr_mls_required_capabilities *rc,
                             const struct sr_mls_capabilities *caps)
{
    for (size_t i = 0; i < sr_mls_u16_list_count(rc->extension_types); i++) {
        uint16_t t = sr_mls_u16_list_get(rc->extension_types, i);
        SR_CHECK(sr_mls_capabilities_has_extension(caps, t), SR_ERR_INVALID);
    }
    for (size_t i = 0; i < sr_mls_u16_list_count(rc->proposal_types); i++) {
        SR_CHECK(has_proposal(caps, sr_mls_u16_list_get(rc->proposal_types, i)), SR_ERR_INVALID);
    }
    for (size_t i = 0; i < sr_mls_u16_list_count(rc->credential_types); i++) {
        uint16_t t = sr_mls_u16_list_get(rc->credential_types, i);
        SR_CHECK(sr_mls_u16_list_has(caps->credentials, t), SR_ERR_INVALID);
    }
    return SR_OK;
}

/* §7.3: the credential type is supported by every member, and this leaf supports theirs. */
static sr_err check_members(const struct sr_mls_leaf_validate_ctx *ctx,
                            const struct sr_mls_leaf_node *leaf)
{
    for (size_t i = 0; i < ctx->member_count; i++) {
        SR_CHECK(sr_mls_u16_list_has(ctx->member_supported_credentials[i], leaf->credential.type),
                 SR_ERR_INVALID);
    }
    for (size_t i = 0; i < sr_mls_u16_list_count(ctx->member_credential_types); i++) {
        uint16_t t = sr_mls_u16_list_get(ctx->member_credential_types, i);
        SR_CHECK(sr_mls_u16_list_has(leaf->capabilities.credentials, t), SR_ERR_INVALID);
    }
    return SR_OK;
}

static sr_err check_lifetime(const struct sr_mls_leaf_validate_ctx *ctx,
                             const struct sr_mls_lifetime *lt)
{
    uint64_t max = ctx->max_lifetime != 0 ? ctx->max_lifetime : SR_MLS_LEAF_MAX_LIFETIME;
    /* §7.3: "the current time is within the range of the lifetime field". */
    SR_CHECK(lt->not_before <= ctx->now && ctx->now <= lt->not_after, SR_ERR_INVALID);
    /* §7.2: applications "MUST define a maximum total lifetime ... and reject any LeafNode
     * where the total lifetime is longer than this duration". */
    SR_CHECK(lt->not_after - lt->not_before <= max, SR_ERR_INVALID);
    return SR_OK;
}

static sr_err check_structure(const struct sr_mls_leaf_validate_ctx *ctx,
                              const struct sr_mls_leaf_node *leaf)
{
    /* §7.3: the leaf_node_source matches where the leaf appeared. */
    SR_CHECK(leaf->source == ctx->expected_source, SR_ERR_INVALID);
    /* §7.2: "the credential type used in the LeafNode MUST be included in ... credentials". */
    SR_CHECK(sr_mls_u16_list_has(leaf->capabilities.credentials, leaf->credential.type),
             SR_ERR_INVALID);
    /* Not checked: that capabilities list the group's version and suite. RFC 9420 does not
     * ask for it, and deployed clients omit suites they do support (welcome.json, suite 7). */
    /* §13.4 unique extension types; §7.3 every extension listed in capabilities.extensions. */
    SR_TRY(sr_mls_extensions_check_unique(&leaf->extensions));
    for (size_t i = 0; i < leaf->extensions.count; i++) {
        SR_CHECK(sr_mls_capabilities_has_extension(&leaf->capabilities,
                                                   leaf->extensions.items[i].type),
                 SR_ERR_INVALID);
    }
    if (ctx->required != NULL) {
        SR_TRY(check_required(ctx->required, &leaf->capabilities));
    }
    SR_TRY(check_members(ctx, leaf));
    struct sr_slice old = ctx->replaced_encryption_key;
    if (leaf->source == SR_MLS_LEAF_SOURCE_UPDATE && old.len > 0) {
        /* §7.3: an Update's encryption_key "represents a different public key" than the
         * leaf it replaces. */
        SR_CHECK(old.len != leaf->encryption_key.len ||
                         !sr_ct_equal(old.p, leaf->encryption_key.p, old.len),
                 SR_ERR_INVALID);
    }
    if (leaf->source == SR_MLS_LEAF_SOURCE_KEY_PACKAGE && ctx->check_lifetime) {
        SR_TRY(check_lifetime(ctx, &leaf->lifetime));
    }
    return SR_OK;
}

static sr_err check_signature(const struct sr_mls_leaf_validate_ctx *ctx,
                              const struct sr_mls_leaf_node *leaf)
{
    struct sr_buf tbs;
    sr_buf_init(&tbs, 0, 0);
    sr_err err = sr_mls_leaf_node_tbs_encode(leaf, ctx->group_id, ctx->leaf_index, &tbs);
    if (err == SR_OK) {
        err = sr_mls_verify_with_label(ctx->suite, leaf->signature_key, "LeafNodeTBS",
                                       sr_buf_slice(&tbs), leaf->signature);
        /* A signature key that is not a valid point cannot have signed anything. */
        err = err == SR_ERR_INVALID || err == SR_ERR_DECODE ? SR_ERR_AUTH : err;
    }
    sr_buf_cleanup(&tbs);
    return err;
}

sr_err sr_mls_leaf_node_validate(const struct sr_mls_leaf_validate_ctx *ctx,
                                 const struct sr_mls_leaf_node *leaf,
                                 struct sr_mls_credential_result *res)
{
    if (res != NULL) {
        *res = (struct sr_mls_credential_result){ 0 };
    }
    SR_CHECK(ctx != NULL && ctx->suite != NULL && leaf != NULL, SR_ERR_ARG);
    SR_CHECK(ctx->member_count == 0 || ctx->member_supported_credentials != NULL, SR_ERR_ARG);
    SR_TRY(check_structure(ctx, leaf));
    if (!ctx->signature_verified) {
        SR_TRY(check_signature(ctx, leaf));
    }
    if (ctx->credential == NULL) {
        return SR_OK;
    }
    /* §5.3.1: the credential must be valid and bind signature_key. */
    return sr_mls_credential_validate(ctx->credential, ctx->suite, &leaf->credential,
                                      leaf->signature_key, res);
}
