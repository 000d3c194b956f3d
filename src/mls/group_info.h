/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GroupInfo signing and verification (RFC 9420 §12.4.3), and the look-ups a joiner needs
 * from it: the external_pub for an external commit (§12.4.3.2) and an in-band ratchet_tree
 * (§12.4.3.3).
 *
 *   signature = SignWithLabel(signer_priv, "GroupInfoTBS", GroupInfoTBS)
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/wire_group_info.h"

/**
 * Sign `gi` (every field but the signature) with `priv`, appending the signature to `sig`
 * and pointing gi->signature at it: `sig` must outlive `gi`'s use. SR_ERR_CRYPTO, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_group_info_sign(const struct sr_suite *suite,
                                          struct sr_mls_group_info *gi, struct sr_slice priv,
                                          struct sr_buf *sig);

/** SR_OK when gi->signature verifies under `signer_pub`; SR_ERR_AUTH otherwise. */
SR_MUST_USE sr_err sr_mls_group_info_verify(const struct sr_suite *suite,
                                            const struct sr_mls_group_info *gi,
                                            struct sr_slice signer_pub);

/**
 * The rules a joiner checks before using `gi` with `suite` (§12.4.3.1): GroupContext version
 * mls10, the same cipher suite, confirmation tag of Nh bytes, unique extension types in both
 * lists (§13.4). SR_ERR_INVALID otherwise.
 */
SR_MUST_USE sr_err sr_mls_group_info_check(const struct sr_suite *suite,
                                           const struct sr_mls_group_info *gi);

/** The external_pub of `gi` (borrowed); SR_ERR_NOT_FOUND without one, SR_ERR_DECODE if bad. */
SR_MUST_USE sr_err sr_mls_group_info_external_pub(const struct sr_mls_group_info *gi,
                                                  struct sr_slice *pub);

/** The ratchet_tree extension data of `gi` (borrowed); SR_ERR_NOT_FOUND without one. */
SR_MUST_USE sr_err sr_mls_group_info_ratchet_tree(const struct sr_mls_group_info *gi,
                                                  struct sr_slice *tree);

/**
 * External join, joiner side (§12.4.3.2, §8.3): with the GroupInfo's external_pub, the
 * kem_output of the ExternalInit proposal (suite->kem->enc_len bytes into `kem_output`) and
 * the init_secret of the epoch the external commit starts. `ikm_e` is empty for a fresh
 * ephemeral key (deterministic tests pass one). The caller must have verified `gi`.
 * SR_ERR_NOT_FOUND without external_pub; HPKE errors for a bad key.
 */
SR_MUST_USE sr_err sr_mls_group_info_external_init(const struct sr_suite *suite,
                                                   const struct sr_mls_group_info *gi,
                                                   struct sr_slice ikm_e, uint8_t *kem_output,
                                                   struct sr_secret *init_secret);
