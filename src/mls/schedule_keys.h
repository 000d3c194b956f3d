/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys derived from single epoch secrets (RFC 9420): MLS-Exporter (§8.5), the external
 * HPKE key pair and external initialization (§8.3), the sender-data key and nonce of a
 * PrivateMessage (§6.3.2), and the Welcome key and nonce (§12.4.3.1). Each is a pure function of
 * its inputs.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/**
 * out[len] = MLS-Exporter(label, context, len) over `exporter_secret` (§8.5):
 * ExpandWithLabel(DeriveSecret(exporter_secret, label), "exported", Hash(context), len).
 * `label` is raw bytes (the "MLS 1.0 " prefix is added). SR_ERR_ARG when len is 0 or past
 * HKDF's 255 * KDF.Nh; `out` is wiped on error.
 */
SR_MUST_USE sr_err sr_mls_exporter(const struct sr_suite *suite, struct sr_slice exporter_secret,
                                   struct sr_slice label, struct sr_slice context, uint8_t *out,
                                   size_t len);

/**
 * The external key pair (§8.3): KEM.DeriveKeyPair(external_secret). The private key goes to
 * `sk`, the public key to pk[suite->kem->pk_len] (at most SR_KEM_PK_MAX).
 */
SR_MUST_USE sr_err sr_mls_external_key_pair(const struct sr_suite *suite,
                                            struct sr_slice external_secret, struct sr_secret *sk,
                                            uint8_t *pk);

/**
 * External initialization, joiner side (§8.3): SetupBaseS(external_pub, "") and
 * init_secret = context.export("MLS 1.0 external init secret", KDF.Nh). Writes kem_output
 * (suite->kem->enc_len bytes, for the ExternalInit proposal) into `kem_output`. `ikm_e` is
 * empty for a fresh ephemeral key, or the DeriveKeyPair input for deterministic tests.
 * Errors from sr_hpke_setup_sender; `init_secret` is wiped on error.
 */
SR_MUST_USE sr_err sr_mls_external_init_send(const struct sr_suite *suite,
                                             struct sr_slice external_pub, struct sr_slice ikm_e,
                                             uint8_t *kem_output, struct sr_secret *init_secret);

/**
 * External initialization, member side (§8.3): SetupBaseR(kem_output, external_priv, "")
 * and the same export. Errors from sr_hpke_setup_recipient (SR_ERR_INVALID for a
 * kem_output that is not a valid point, SR_ERR_DECODE for a wrong length).
 */
SR_MUST_USE sr_err sr_mls_external_init_receive(const struct sr_suite *suite,
                                                struct sr_slice external_priv,
                                                struct sr_slice kem_output,
                                                struct sr_secret *init_secret);

/**
 * The key (AEAD.Nk) and nonce (AEAD.Nn) that protect a PrivateMessage's SenderData
 * (§6.3.2), from sender_data_secret and the message's content ciphertext, of which the first
 * KDF.Nh bytes (or all, when shorter) are the sample. Allocates nothing.
 */
SR_MUST_USE sr_err sr_mls_sender_data_key_nonce(const struct sr_suite *suite,
                                                struct sr_slice sender_data_secret,
                                                struct sr_slice ciphertext, struct sr_secret *key,
                                                struct sr_secret *nonce);

/** welcome_key and welcome_nonce from welcome_secret (§12.4.3.1). */
SR_MUST_USE sr_err sr_mls_welcome_key_nonce(const struct sr_suite *suite,
                                            struct sr_slice welcome_secret, struct sr_secret *key,
                                            struct sr_secret *nonce);
