/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LeafNode validation (RFC 9420 §7.3), reusable for KeyPackages, Update proposals, commit
 * UpdatePaths and ratchet trees. The caller describes the group in a context: its
 * required_capabilities, the credential types its members use and support, the expected
 * leaf_node_source, and the group_id and leaf index that update and commit leaves sign.
 *
 * Not checked here: uniqueness of signature and encryption keys among members (the ratchet
 * tree does that).
 */
#pragma once

#include <stdbool.h>

#include "crypto/suite.h"
#include "mls/credential.h"
#include "mls/wire_extension.h"
#include "mls/wire_leaf_node.h"

/* The longest total lifetime a key_package leaf may claim by default (§7.2), one year. */
#define SR_MLS_LEAF_MAX_LIFETIME (366ull * 24u * 3600u)

struct sr_mls_leaf_validate_ctx {
    const struct sr_suite *suite; /* the group's (or expected) cipher suite */
    uint8_t expected_source;      /* SR_MLS_LEAF_SOURCE_* */
    struct sr_slice group_id;     /* update and commit sources */
    uint32_t leaf_index;          /* update and commit sources */
    uint64_t now;                 /* seconds since the Unix epoch */
    bool check_lifetime;          /* key_package source: `now` in the lifetime, and its length */
    uint64_t max_lifetime;        /* longest total lifetime accepted; 0: the default */
    /* The GroupContext's required_capabilities, or NULL when it has none. */
    const struct sr_mls_required_capabilities *required;
    /* uint16 list body: every credential type other members use (may be empty). */
    struct sr_slice member_credential_types;
    /* Each other member's capabilities.credentials (uint16 list bodies). */
    const struct sr_slice *member_supported_credentials;
    size_t member_count;
    /* Update source: the encryption_key of the leaf being replaced, which the new one must
     * differ from (§7.3); empty to skip. */
    struct sr_slice replaced_encryption_key;
    /* The credential validator; NULL skips credential validation (the caller does it). */
    const struct sr_mls_credential_check *credential;
    /* The caller has already verified the signature over LeafNodeTBS with this group_id and
     * leaf_index (sr_mls_tree_validate does it for a whole tree); skip it. Set it only then.
     * For sr_mls_key_package_validate: the KeyPackage's signature as well. */
    bool signature_verified;
};

/**
 * True for the extension and proposal types RFC 9420 §7.2 calls "default": supported by
 * everyone and never listed in capabilities.
 */
bool sr_mls_extension_is_default(uint16_t type);
bool sr_mls_proposal_is_default(uint16_t type);

/** Whether `caps` supports extension `type` (default types always are). */
bool sr_mls_capabilities_has_extension(const struct sr_mls_capabilities *caps, uint16_t type);

/**
 * Validate `leaf` (§7.3). SR_ERR_AUTH for a bad signature (unless ctx->signature_verified);
 * SR_ERR_INVALID for a wrong source, a lifetime outside `now`, a missing capability, an unsupported
 * credential type or duplicate extensions; SR_ERR_DENIED / SR_ERR_INVALID from the credential
 * validator. `res` (may be NULL) receives the validator's verdict.
 */
SR_MUST_USE sr_err sr_mls_leaf_node_validate(const struct sr_mls_leaf_validate_ctx *ctx,
                                             const struct sr_mls_leaf_node *leaf,
                                             struct sr_mls_credential_result *res);
