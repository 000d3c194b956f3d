/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hash, HMAC and HKDF (RFC 5869) over the suite's hash. Outputs go to caller buffers of the
 * documented size. HKDF runs on cached HMAC implementations: no per-call algorithm fetch.
 * Errors: SR_ERR_ARG for bad lengths (e.g. HKDF-Expand beyond 255*Nh), SR_ERR_CRYPTO.
 */
#pragma once

#include <sealroom/common.h>
#include <sealroom/err.h>

#include "crypto/suite.h"

/** out[alg->len] = H(in). */
SR_MUST_USE sr_err sr_hash(const struct sr_hash_alg *alg, struct sr_slice in, uint8_t *out);

/** out[alg->len] = H(parts[0] || ... || parts[n-1]). */
SR_MUST_USE sr_err sr_hash_parts(const struct sr_hash_alg *alg, const struct sr_slice *parts,
                                 size_t n, uint8_t *out);

/** out[alg->len] = HMAC(key, data). */
SR_MUST_USE sr_err sr_hmac(const struct sr_hash_alg *alg, struct sr_slice key, struct sr_slice data,
                           uint8_t *out);

/** prk[alg->len] = HKDF-Extract(salt, ikm). */
SR_MUST_USE sr_err sr_hkdf_extract(const struct sr_hash_alg *alg, struct sr_slice salt,
                                   struct sr_slice ikm, uint8_t *prk);

/** out[out_len] = HKDF-Expand(prk, info, out_len); out_len <= 255 * Nh. */
SR_MUST_USE sr_err sr_hkdf_expand(const struct sr_hash_alg *alg, struct sr_slice prk,
                                  struct sr_slice info, uint8_t *out, size_t out_len);

/** The most info parts sr_hkdf_expand_parts accepts. */
#define SR_HKDF_INFO_PARTS_MAX 8

/**
 * HKDF-Expand with info given as the concatenation of `n` parts (n <= SR_HKDF_INFO_PARTS_MAX),
 * so labelled derivations need not copy a large context into one buffer.
 */
SR_MUST_USE sr_err sr_hkdf_expand_parts(const struct sr_hash_alg *alg, struct sr_slice prk,
                                        const struct sr_slice *info, size_t n, uint8_t *out,
                                        size_t out_len);

/** A keyed HMAC reused across calls (SFrame's per-frame tag). */
struct sr_hmac_ctx;

SR_MUST_USE sr_err sr_hmac_ctx_new(const struct sr_hash_alg *alg, struct sr_slice key,
                                   struct sr_hmac_ctx **out);

/**
 * out[alg->len] = HMAC(key, parts[0] || ...), starting from digest states keyed at _new.
 * Nothing goes through sr_malloc; OpenSSL 3.0's EVP_MD_CTX_copy_ex duplicates the provider's
 * digest state (a small allocation inside OpenSSL per copy), which measured faster than
 * hashing the two key blocks again on every call.
 */
SR_MUST_USE sr_err sr_hmac_ctx_mac(struct sr_hmac_ctx *ctx, const struct sr_slice *parts, size_t n,
                                   uint8_t *out);

void sr_hmac_ctx_free(struct sr_hmac_ctx *ctx);
