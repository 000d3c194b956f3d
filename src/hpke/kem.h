/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DHKEM (RFC 9180 §4.1) over crypto/dh: Encap/Decap and their Auth forms, DeriveKeyPair
 * (§7.1.3) and key (de)serialization checks (§7.1.1, §7.1.2). Private to hpke/; the vector
 * runner uses it to check shared_secret.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/** DeserializePublicKey check: SR_ERR_DECODE for a wrong length, SR_ERR_INVALID off-curve. */
SR_MUST_USE sr_err sr_hpke_kem_check_public(const struct sr_kem_alg *kem, struct sr_slice pk);

/** DeserializePrivateKey check: SR_ERR_DECODE for a wrong length, SR_ERR_INVALID out of range. */
SR_MUST_USE sr_err sr_hpke_kem_check_private(const struct sr_kem_alg *kem, struct sr_slice sk);

/**
 * Encap(pk_r), or AuthEncap(pk_r, sk_s) when sk_s is not empty. The ephemeral key is
 * DeriveKeyPair(ikm_e), or fresh from crypto/rand when ikm_e is empty. Writes enc
 * (kem->enc_len bytes) and shared[kem->secret_len].
 */
SR_MUST_USE sr_err sr_hpke_kem_encap(const struct sr_kem_alg *kem, struct sr_slice pk_r,
                                     struct sr_slice sk_s, struct sr_slice ikm_e, uint8_t *enc,
                                     uint8_t *shared);

/** Decap(enc, sk_r), or AuthDecap(enc, sk_r, pk_s) when pk_s is not empty. */
SR_MUST_USE sr_err sr_hpke_kem_decap(const struct sr_kem_alg *kem, struct sr_slice enc,
                                     struct sr_slice sk_r, struct sr_slice pk_s, uint8_t *shared);
