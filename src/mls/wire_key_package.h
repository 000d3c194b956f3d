/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §10 KeyPackage, KeyPackageTBS, and KeyPackageRef (§5.2). A decoded KeyPackage
 * borrows from its input (see wire_common.h) unless made by sr_mls_key_package_dup.
 */
#pragma once

#include "crypto/suite.h"
#include "mls/wire_leaf_node.h"

struct sr_mls_key_package {
    uint16_t version;
    uint16_t cipher_suite;
    struct sr_slice init_key; /* HPKEPublicKey */
    struct sr_mls_leaf_node leaf_node;
    struct sr_mls_extensions extensions;
    struct sr_slice signature;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

SR_MUST_USE sr_err sr_mls_key_package_read(struct sr_reader *r, struct sr_mls_key_package *out);
SR_MUST_USE sr_err sr_mls_key_package_decode(struct sr_slice in, struct sr_mls_key_package *out);
SR_MUST_USE sr_err sr_mls_key_package_encode(const struct sr_mls_key_package *kp, struct sr_buf *w);
void sr_mls_key_package_cleanup(struct sr_mls_key_package *kp);

/** A copy of `src` that owns its bytes; release with sr_mls_key_package_cleanup. */
SR_MUST_USE sr_err sr_mls_key_package_dup(const struct sr_mls_key_package *src,
                                          struct sr_mls_key_package *dst);

/** Append KeyPackageTBS: every field but the signature. */
SR_MUST_USE sr_err sr_mls_key_package_tbs_encode(const struct sr_mls_key_package *kp,
                                                 struct sr_buf *w);

/**
 * KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage) (RFC 9420 §5.2), over the
 * canonical encoding of `kp`. `out` receives suite->hash->len bytes (at most SR_HASH_MAX).
 */
SR_MUST_USE sr_err sr_mls_key_package_ref(const struct sr_suite *suite,
                                          const struct sr_mls_key_package *kp, uint8_t *out);
