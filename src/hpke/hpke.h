/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HPKE (RFC 9180): all four modes, the DHKEMs over P-256/P-384/P-521/X25519/X448,
 * HKDF-SHA256/384/512, and AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 or export-only.
 * Written over crypto/ primitives (OpenSSL 3.0 has no HPKE of its own).
 *
 *   sender                                    recipient
 *   sr_hpke_setup_sender(pkR) -> enc, ctx      sr_hpke_setup_recipient(enc, skR) -> ctx
 *   sr_hpke_seal(ctx, aad, pt) -> ct  ------>  sr_hpke_open(ctx, aad, ct) -> pt
 *   sr_hpke_export(ctx, exporter_context, L)   (both sides get the same secret)
 *
 * A context counts its messages; when the sequence number would wrap, seal and open
 * return SR_ERR_EXHAUSTED (§5.2). Export-only contexts refuse seal/open (SR_ERR_STATE).
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

enum sr_hpke_mode {
    SR_HPKE_MODE_BASE = 0,
    SR_HPKE_MODE_PSK = 1,
    SR_HPKE_MODE_AUTH = 2,
    SR_HPKE_MODE_AUTH_PSK = 3,
};

struct sr_hpke_suite {
    const struct sr_kem_alg *kem;
    const struct sr_hash_alg *kdf;
    const struct sr_aead_alg *aead;
};

/** The suite named by RFC 9180 registry ids; SR_ERR_UNSUPPORTED when any is unknown. */
SR_MUST_USE sr_err sr_hpke_suite_from_ids(uint16_t kem_id, uint16_t kdf_id, uint16_t aead_id,
                                          struct sr_hpke_suite *out);

/** The HPKE suite an MLS cipher suite uses. */
struct sr_hpke_suite sr_hpke_suite_of(const struct sr_suite *suite);

/**
 * DeriveKeyPair(ikm) (§7.1.3): sk into `sk`, pk[kem->pk_len] into `pk`. NIST curves use
 * rejection sampling; `sk` is wiped on error. ikm SHOULD hold at least Nsk bytes of entropy.
 */
SR_MUST_USE sr_err sr_hpke_derive_key_pair(const struct sr_kem_alg *kem, struct sr_slice ikm,
                                           struct sr_secret *sk, uint8_t *pk);

/** GenerateKeyPair(): DeriveKeyPair of Nsk random bytes from crypto/rand. */
SR_MUST_USE sr_err sr_hpke_generate_key_pair(const struct sr_kem_alg *kem, struct sr_secret *sk,
                                             uint8_t *pk);

/** Optional inputs of the PSK and Auth modes; zero them for the base mode. */
struct sr_hpke_mode_args {
    struct sr_slice psk;
    struct sr_slice psk_id;
    struct sr_slice sender_sk; /* Auth modes, sender side (pkS is derived from it) */
    struct sr_slice sender_pk; /* Auth modes, recipient side; ignored by the sender */
};

struct sr_hpke_ctx;

/**
 * SetupS for `mode` to recipient public key `pk_r`. `ikm_e` empty: a fresh ephemeral key;
 * otherwise DeriveKeyPair(ikm_e) (deterministic, for test vectors). Writes enc
 * (kem->enc_len bytes) into `enc` and a new context, freed with sr_hpke_ctx_free, into `out`.
 * `args` may be NULL in the base mode; all inputs are borrowed for the call only.
 *
 * Errors (`*out` is then NULL and `enc` zeroed): SR_ERR_ARG when the PSK inputs fail
 * VerifyPSKInputs (§5.1) or the sender key is missing in an Auth mode or given in another;
 * SR_ERR_DECODE for a key of the wrong length; SR_ERR_INVALID for an invalid public key or
 * private key (§7.1.4); SR_ERR_NOMEM; SR_ERR_CRYPTO.
 */
SR_MUST_USE sr_err sr_hpke_setup_sender(const struct sr_hpke_suite *suite, enum sr_hpke_mode mode,
                                        struct sr_slice pk_r, struct sr_slice info,
                                        const struct sr_hpke_mode_args *args, struct sr_slice ikm_e,
                                        uint8_t *enc, struct sr_hpke_ctx **out);

/**
 * SetupR for `mode` with recipient private key `sk_r` (its public key is recomputed).
 * Errors as sr_hpke_setup_sender; an enc that is not a valid point is SR_ERR_INVALID (a
 * tampered X25519/X448 enc is a valid point, and the first Open fails with SR_ERR_AUTH).
 */
SR_MUST_USE sr_err sr_hpke_setup_recipient(const struct sr_hpke_suite *suite,
                                           enum sr_hpke_mode mode, struct sr_slice enc,
                                           struct sr_slice sk_r, struct sr_slice info,
                                           const struct sr_hpke_mode_args *args,
                                           struct sr_hpke_ctx **out);

/**
 * Append Seal(aad, pt) (pt.len + Nt bytes) to `ct`; the only allocation is `ct` growing.
 * SR_ERR_STATE on a recipient or export-only context, SR_ERR_EXHAUSTED once the sequence
 * number cannot be incremented, or a buffer error; `ct` and seq are unchanged on error.
 */
SR_MUST_USE sr_err sr_hpke_seal(struct sr_hpke_ctx *ctx, struct sr_slice aad, struct sr_slice pt,
                                struct sr_buf *ct);

/**
 * Append Open(aad, ct) to `pt`. SR_ERR_AUTH on a bad tag or a ct shorter than the tag,
 * SR_ERR_STATE on a sender or export-only context, SR_ERR_EXHAUSTED as for seal. On every
 * error `pt` and the sequence number are unchanged.
 */
SR_MUST_USE sr_err sr_hpke_open(struct sr_hpke_ctx *ctx, struct sr_slice aad, struct sr_slice ct,
                                struct sr_buf *pt);

/** out[len] = Export(exporter_context, len) (§5.3), on either side; SR_ERR_ARG past 255 * Nh. */
SR_MUST_USE sr_err sr_hpke_export(const struct sr_hpke_ctx *ctx, struct sr_slice exporter_context,
                                  uint8_t *out, size_t len);

/**
 * Test seam: the next sequence number becomes seq_hi * 2^64 + seq_lo (to check exhaustion
 * without 2^96 messages).
 */
void sr_hpke_ctx_set_seq(struct sr_hpke_ctx *ctx, uint64_t seq_hi, uint64_t seq_lo);

void sr_hpke_ctx_free(struct sr_hpke_ctx *ctx);

/**
 * Single-shot base-mode Seal (§6.1): enc into `enc` (kem->enc_len bytes), ciphertext appended
 * to `ct`. Errors as sr_hpke_setup_sender and sr_hpke_seal (SR_ERR_STATE for export-only).
 */
SR_MUST_USE sr_err sr_hpke_seal_base(const struct sr_hpke_suite *suite, struct sr_slice pk_r,
                                     struct sr_slice info, struct sr_slice aad, struct sr_slice pt,
                                     uint8_t *enc, struct sr_buf *ct);

/**
 * info_hash = LabeledExtract("", "info_hash", info) (§5.1) into out[kdf->len]. A sender sealing
 * to many recipients under one large info computes it once and passes it to
 * sr_hpke_seal_base_hashed. SR_ERR_ARG or SR_ERR_UNSUPPORTED for a bad suite, SR_ERR_CRYPTO.
 */
SR_MUST_USE sr_err sr_hpke_info_hash(const struct sr_hpke_suite *suite, struct sr_slice info,
                                     uint8_t *out);

/**
 * sr_hpke_seal_base with the info given by its hash, info_hash[kdf->len] from
 * sr_hpke_info_hash(suite, info): the same enc and ciphertext. Errors as sr_hpke_seal_base.
 */
SR_MUST_USE sr_err sr_hpke_seal_base_hashed(const struct sr_hpke_suite *suite, struct sr_slice pk_r,
                                            const uint8_t *info_hash, struct sr_slice aad,
                                            struct sr_slice pt, uint8_t *enc, struct sr_buf *ct);

/** Single-shot base-mode Open (§6.1): plaintext appended to `pt`; errors as setup and open. */
SR_MUST_USE sr_err sr_hpke_open_base(const struct sr_hpke_suite *suite, struct sr_slice enc,
                                     struct sr_slice sk_r, struct sr_slice info,
                                     struct sr_slice aad, struct sr_slice ct, struct sr_buf *pt);
