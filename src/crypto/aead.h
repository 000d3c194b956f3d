/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AEAD seal and open into caller buffers. A context holds the fetched cipher and the key,
 * so the per-message path neither fetches nor allocates (the hot path of MLS application
 * messages, HPKE contexts and SFrame's GCM suites).
 *
 * Ciphertext is `ct || tag` (tag_len bytes). Seal needs out_cap >= pt.len + tag_len; open
 * needs out_cap >= ct.len - tag_len. `out` may alias the input exactly (in place).
 * Errors: SR_ERR_BUFFER_TOO_SMALL, SR_ERR_ARG (wrong key length), SR_ERR_AUTH (open: tag
 * mismatch or ciphertext shorter than the tag; out is then wiped), SR_ERR_CRYPTO.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

struct sr_aead_ctx;

/** A context for `alg` keyed with `key` (alg->key_len bytes). */
SR_MUST_USE sr_err sr_aead_ctx_new(const struct sr_aead_alg *alg, struct sr_slice key,
                                   struct sr_aead_ctx **out);

/** Replace the key, keeping the context. */
SR_MUST_USE sr_err sr_aead_ctx_set_key(struct sr_aead_ctx *ctx, struct sr_slice key);

/** Free the context and wipe its key schedule; NULL is a no-op. */
void sr_aead_ctx_free(struct sr_aead_ctx *ctx);

SR_MUST_USE sr_err sr_aead_seal(struct sr_aead_ctx *ctx, const uint8_t *nonce, struct sr_slice aad,
                                struct sr_slice pt, uint8_t *out, size_t out_cap, size_t *out_len);

SR_MUST_USE sr_err sr_aead_open(struct sr_aead_ctx *ctx, const uint8_t *nonce, struct sr_slice aad,
                                struct sr_slice ct, uint8_t *out, size_t out_cap, size_t *out_len);

/** One-shot forms that make and free a context; for cold paths. */
SR_MUST_USE sr_err sr_aead_seal_once(const struct sr_aead_alg *alg, struct sr_slice key,
                                     const uint8_t *nonce, struct sr_slice aad, struct sr_slice pt,
                                     uint8_t *out, size_t out_cap, size_t *out_len);

SR_MUST_USE sr_err sr_aead_open_once(const struct sr_aead_alg *alg, struct sr_slice key,
                                     const uint8_t *nonce, struct sr_slice aad, struct sr_slice ct,
                                     uint8_t *out, size_t out_cap, size_t *out_len);

/** AES-CTR keystream for SFrame's AES_128_CTR_HMAC suites (RFC 9605 §4.5.1). */
struct sr_ctr_ctx;

/** `key` is 16, 24 or 32 bytes (AES-128/192/256). */
SR_MUST_USE sr_err sr_ctr_ctx_new(struct sr_slice key, struct sr_ctr_ctx **out);

/** out[n] = in[n] XOR AES-CTR(key, iv) with a 16-byte initial counter block; may be in place. */
SR_MUST_USE sr_err sr_ctr_ctx_xor(struct sr_ctr_ctx *ctx, const uint8_t iv[16], const uint8_t *in,
                                  size_t n, uint8_t *out);

void sr_ctr_ctx_free(struct sr_ctr_ctx *ctx);
