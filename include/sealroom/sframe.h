/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SFrame (RFC 9605): end-to-end encryption of media frames. A `struct sr_sframe_ctx` holds
 * one cipher suite and a key store by KID. Each key is either protect-only (own keys, with a
 * counter) or unprotect-only (peers, with a replay window), never both (RFC 9605 §4.4.1).
 * Keys come from the caller (sr_sframe_ctx_key_add) or from MLS epochs (§5.2,
 * sr_sframe_ctx_mls_epoch_add), where receive keys are derived from the KID on first use.
 *
 * Protect and unprotect write into caller buffers and never allocate: every key holds ready
 * cipher contexts made when it was added. A rejected frame changes no state. The context is
 * sans-IO: time is passed in by the caller, in any unit, for the MLS epoch grace period.
 * A context is not thread-safe; use one per thread or lock around it.
 */
#pragma once

#include <stdbool.h>

#include <sealroom/common.h>
#include <sealroom/err.h>

/* RFC 9605 §8.1 cipher suites. */
#define SR_SFRAME_AES_128_CTR_HMAC_SHA256_80 0x0001
#define SR_SFRAME_AES_128_CTR_HMAC_SHA256_64 0x0002
#define SR_SFRAME_AES_128_CTR_HMAC_SHA256_32 0x0003
#define SR_SFRAME_AES_128_GCM_SHA256_128     0x0004
#define SR_SFRAME_AES_256_GCM_SHA512_128     0x0005
/*
 * Not in RFC 9605's registry: the sframe-wg reference implementation's AES-256 CTR+HMAC
 * suites (post-RFC test vectors). Interoperable only with peers that use the same values.
 */
#define SR_SFRAME_AES_256_CTR_HMAC_SHA512_80 0x0006
#define SR_SFRAME_AES_256_CTR_HMAC_SHA512_64 0x0007
#define SR_SFRAME_AES_256_CTR_HMAC_SHA512_32 0x0008

/** The longest SFrame header: config byte, 8-byte KID, 8-byte CTR (RFC 9605 §4.3). */
#define SR_SFRAME_HEADER_MAX 17

/** Metadata longer than this is refused with SR_ERR_LIMIT (it is copied to the stack). */
#define SR_SFRAME_METADATA_MAX 1024

/** A decoded SFrame header. */
struct sr_sframe_header {
    uint64_t kid;
    uint64_t ctr;
    size_t len; /* encoded length in bytes, 1..SR_SFRAME_HEADER_MAX */
};

/**
 * Encode the header for (kid, ctr) in its one valid (minimal) form into `out` (`cap` bytes);
 * the length is stored in `*out_len`. Errors: SR_ERR_BUFFER_TOO_SMALL.
 */
SR_API SR_MUST_USE sr_err sr_sframe_header_encode(uint64_t kid, uint64_t ctr, uint8_t *out,
                                                  size_t cap, size_t *out_len);

/**
 * Decode the header at the start of `in` (trailing bytes are the ciphertext and are not
 * read). Errors: SR_ERR_DECODE when truncated or not minimally encoded; `*hdr` is then zeroed.
 */
SR_API SR_MUST_USE sr_err sr_sframe_header_decode(struct sr_slice in, struct sr_sframe_header *hdr);

/** True when `cipher_suite` is one this library implements. */
SR_API bool sr_sframe_suite_supported(uint16_t cipher_suite);

/**
 * Room `sr_sframe_ctx_protect` needs for `pt_len` bytes of plaintext: the longest header plus
 * the ciphertext and tag. 0 for an unknown suite or on overflow.
 */
SR_API size_t sr_sframe_ciphertext_len(uint16_t cipher_suite, size_t pt_len);

/** Room `sr_sframe_ctx_unprotect` needs for a `ct_len`-byte frame (0 when it is too short). */
SR_API size_t sr_sframe_plaintext_len(uint16_t cipher_suite, size_t ct_len);

/** Settings of a context; fill with sr_sframe_options_init, then change what you need. */
struct sr_sframe_options {
    uint16_t cipher_suite;
    uint32_t replay_window;  /* receive window in frames, 1..SR_SFRAME_WINDOW_MAX; default 128 */
    unsigned ctr_bits;       /* CTR space of protect keys, 1..64 (default 64) */
    size_t max_keys;         /* key store limit, default 4096 */
    unsigned mls_epoch_bits; /* E of RFC 9605 §5.2, 0..16; default 4 */
    uint64_t mls_grace;      /* how long an old epoch stays usable, in the caller's time unit */
};

#define SR_SFRAME_WINDOW_MAX 8192

/** Defaults for `cipher_suite` (grace 0: old epochs go as soon as time moves on). */
SR_API void sr_sframe_options_init(struct sr_sframe_options *opt, uint16_t cipher_suite);

struct sr_sframe_ctx;

/**
 * A context with no keys. `opt` is borrowed. Errors: SR_ERR_UNSUPPORTED (suite),
 * SR_ERR_ARG (an option out of range), SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_new(const struct sr_sframe_options *opt,
                                            struct sr_sframe_ctx **out);

/** Free the context, wiping every key; NULL is a no-op. */
SR_API void sr_sframe_ctx_free(struct sr_sframe_ctx *ctx);

/** Direction of a key: RFC 9605 §4.4.1 "MUST mark each base_key ... never both". */
enum sr_sframe_dir {
    SR_SFRAME_PROTECT = 1,
    SR_SFRAME_UNPROTECT = 2,
};

/**
 * Install `base_key` (copied; 1..96 bytes) for `kid`, deriving sframe_key and sframe_salt
 * (§4.4.2). A protect key starts at CTR 0. Errors: SR_ERR_EXISTS (kid present),
 * SR_ERR_ARG, SR_ERR_LIMIT (max_keys), SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_key_add(struct sr_sframe_ctx *ctx, uint64_t kid,
                                                enum sr_sframe_dir dir, struct sr_slice base_key);

/** Remove and wipe the key for `kid`. Errors: SR_ERR_NOT_FOUND. */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_key_remove(struct sr_sframe_ctx *ctx, uint64_t kid);

/**
 * The next CTR of protect key `kid` in `*ctr`; `*exhausted` (may be NULL) tells whether the
 * CTR space is used up. Errors: SR_ERR_NOT_FOUND (no protect key for kid).
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_key_get_ctr(const struct sr_sframe_ctx *ctx, uint64_t kid,
                                                    uint64_t *ctr, bool *exhausted);

/**
 * Move the next CTR of protect key `kid` forward to `ctr`, e.g. from persisted state
 * (RFC 9605 §9.1). Errors: SR_ERR_NOT_FOUND, SR_ERR_INVALID (backwards: that would reuse a
 * nonce), SR_ERR_EXHAUSTED (beyond the CTR space).
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_key_set_ctr(struct sr_sframe_ctx *ctx, uint64_t kid,
                                                    uint64_t ctr);

/**
 * Encrypt `pt` with the protect key of `kid` and its next CTR, authenticating `metadata`
 * (§4.4.3). Writes header || ciphertext || tag to `out` (`out_cap` bytes, not overlapping the
 * inputs; sr_sframe_ciphertext_len is enough) and its length to `*out_len`, then advances the
 * CTR. Errors: SR_ERR_NOT_FOUND (no protect key), SR_ERR_EXHAUSTED (CTR space used up),
 * SR_ERR_BUFFER_TOO_SMALL, SR_ERR_LIMIT (metadata), SR_ERR_CRYPTO. No state changes on error.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_protect(struct sr_sframe_ctx *ctx, uint64_t kid,
                                                struct sr_slice metadata, struct sr_slice pt,
                                                uint8_t *out, size_t out_cap, size_t *out_len);

/**
 * Decrypt the SFrame ciphertext `ct` (§4.4.4) into `out` (`out_cap` bytes, not overlapping
 * `ct`; sr_sframe_plaintext_len is enough), storing the plaintext length in `*out_len` and,
 * when `hdr` is not NULL, the header. The replay window moves only after the tag verified.
 * Errors: SR_ERR_DECODE (header), SR_ERR_NOT_FOUND (no unprotect key for the KID),
 * SR_ERR_EPOCH (MLS KID of an epoch not held, e.g. wiped after its grace period),
 * SR_ERR_REPLAY (duplicate or older than the window), SR_ERR_AUTH (tag, or too short),
 * SR_ERR_BUFFER_TOO_SMALL, SR_ERR_LIMIT (metadata), SR_ERR_NOMEM and SR_ERR_CRYPTO (deriving
 * an MLS receive key). A rejected frame changes no state and leaves no plaintext in `out`.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_unprotect(struct sr_sframe_ctx *ctx,
                                                  struct sr_slice metadata, struct sr_slice ct,
                                                  uint8_t *out, size_t out_cap, size_t *out_len,
                                                  struct sr_sframe_header *hdr);

/** One MLS epoch's SFrame parameters (RFC 9605 §5.2). */
struct sr_sframe_mls_epoch {
    uint64_t epoch;
    /* MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk): exactly the suite's Nk bytes */
    struct sr_slice base_key;
    uint32_t sender_index; /* own leaf index */
    unsigned index_bits;   /* S: smallest value with group_size <= 1 << S */
};

/**
 * Install epoch `ep` (borrowed) as current at time `now`. The previous current epoch stays
 * usable until now + mls_grace; an epoch with the same low E bits is removed at once
 * (§5.2 "MUST remove"). Expired epochs are wiped, as by sr_sframe_ctx_mls_tick.
 * Errors: SR_ERR_ARG (key length, S + E > 64, index out of range), SR_ERR_INVALID (epoch not
 * newer than the current one), SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_mls_epoch_add(struct sr_sframe_ctx *ctx,
                                                      const struct sr_sframe_mls_epoch *ep,
                                                      uint64_t now);

/**
 * Wipe the epochs whose grace period ended at or before `now`, with every key derived from
 * them. Frames of a wiped epoch then fail with SR_ERR_EPOCH.
 */
SR_API void sr_sframe_ctx_mls_tick(struct sr_sframe_ctx *ctx, uint64_t now);

/**
 * The KID this member sends with in the current epoch under `context` (§5.2:
 * KID = context << (S + E) | sender_index << E | epoch mod 2^E), installing its protect key
 * on first use. Errors: SR_ERR_STATE (no epoch), SR_ERR_ARG (context does not fit),
 * SR_ERR_LIMIT, SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_sframe_ctx_mls_sender_kid(struct sr_sframe_ctx *ctx, uint64_t context,
                                                       uint64_t *kid);
