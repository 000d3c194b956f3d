/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The encryption context (RFC 9180 §5.2), secret export (§5.3) and the single-shot
 * APIs (§6).
 *
 *   ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn)
 *   Seal/Open: AEAD under key with ComputeNonce(seq), then IncrementSeq()
 *   Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L)
 *
 * The sequence number is 8*Nn = 96 bits wide, kept as a high and a low word. A message
 * whose processing would have to increment past 2^96 - 1 is refused up front with
 * SR_ERR_EXHAUSTED, and a failed Open leaves the sequence number where it was.
 *
 * Seal and Open reuse one keyed AEAD context, build the nonce on the stack and write
 * straight into the caller's buffer: the only allocation is that buffer growing.
 */
#include "hpke/context.h"

#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "hpke/hpke.h"
#include "hpke/hpke_test.h"
#include "hpke/labeled.h"

struct sr_hpke_ctx {
    struct sr_hpke_suite suite;
    struct sr_hpke_suite_id sid;
    enum sr_hpke_role role;
    struct sr_aead_ctx *aead; /* NULL for export-only */
    struct sr_hpke_schedule ks;
    uint64_t seq_hi; /* bits 64 .. 8*Nn-1 of seq */
    uint64_t seq_lo; /* bits 0 .. 63 */
    uint64_t seq_hi_max;
};

sr_err sr_hpke_ctx_new(const struct sr_hpke_suite *suite, enum sr_hpke_role role,
                       const struct sr_hpke_schedule *ks, struct sr_hpke_ctx **out)
{
    size_t nn = suite->aead->nonce_len;
    *out = NULL;
    /* The split counter needs 8 <= Nn <= 12 bytes; every registered AEAD has Nn = 12. */
    SR_CHECK(sr_hpke_is_export_only(suite) || (nn >= 8 && nn <= SR_AEAD_NONCE_MAX),
             SR_ERR_UNSUPPORTED);
    struct sr_hpke_ctx *ctx = sr_calloc(1, sizeof(*ctx));
    SR_CHECK(ctx != NULL, SR_ERR_NOMEM);
    ctx->suite = *suite;
    ctx->role = role;
    ctx->ks = *ks;
    ctx->seq_hi_max = nn >= 8 ? (((uint64_t)1 << (8 * (nn - 8))) - 1) : 0;
    sr_hpke_full_suite_id(suite->kem->hpke_id, suite->kdf->hpke_kdf_id, suite->aead->hpke_id,
                          &ctx->sid);
    if (!sr_hpke_is_export_only(suite)) {
        sr_err err = sr_aead_ctx_new(suite->aead, sr_slice_of(ks->key, suite->aead->key_len),
                                     &ctx->aead);
        if (err != SR_OK) {
            sr_hpke_ctx_free(ctx);
            return err;
        }
    }
    *out = ctx;
    return SR_OK;
}

void sr_hpke_ctx_free(struct sr_hpke_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    sr_aead_ctx_free(ctx->aead);
    sr_wipe(ctx, sizeof(*ctx));
    sr_free(ctx);
}

void sr_hpke_ctx_set_seq(struct sr_hpke_ctx *ctx, uint64_t seq_hi, uint64_t seq_lo)
{
    ctx->seq_hi = seq_hi;
    ctx->seq_lo = seq_lo;
}

void sr_hpke_ctx_get0_schedule(const struct sr_hpke_ctx *ctx, struct sr_slice *key,
                               struct sr_slice *base_nonce, struct sr_slice *exporter_secret)
{
    size_t nk = sr_hpke_is_export_only(&ctx->suite) ? 0 : ctx->suite.aead->key_len;
    size_t nn = sr_hpke_is_export_only(&ctx->suite) ? 0 : ctx->suite.aead->nonce_len;
    *key = sr_slice_of(ctx->ks.key, nk);
    *base_nonce = sr_slice_of(ctx->ks.base_nonce, nn);
    *exporter_secret = sr_slice_of(ctx->ks.exporter_secret, ctx->suite.kdf->len);
}

/* §5.2 IncrementSeq: "if self.seq >= (1 << (8*Nn)) - 1: raise MessageLimitReachedError".
 * Checked before the AEAD runs, so the refused message produces no output. */
static bool seq_exhausted(const struct sr_hpke_ctx *ctx)
{
    return ctx->seq_hi > ctx->seq_hi_max ||
           (ctx->seq_hi == ctx->seq_hi_max && ctx->seq_lo == UINT64_MAX);
}

static void seq_increment(struct sr_hpke_ctx *ctx)
{
    if (++ctx->seq_lo == 0) {
        ctx->seq_hi++;
    }
}

/* §5.2 ComputeNonce: base_nonce XOR the big-endian Nn-byte seq. */
static void compute_nonce(const struct sr_hpke_ctx *ctx, uint8_t *nonce)
{
    size_t nn = ctx->suite.aead->nonce_len;
    memcpy(nonce, ctx->ks.base_nonce, nn);
    for (size_t i = 0; i < 8; i++) {
        nonce[nn - 1 - i] ^= (uint8_t)(ctx->seq_lo >> (8 * i));
    }
    for (size_t i = 0; i + 8 < nn; i++) {
        nonce[nn - 9 - i] ^= (uint8_t)(ctx->seq_hi >> (8 * i));
    }
}

/* Seal and Open need a real AEAD, the right role (§5.2: "The sender's context MUST NOT be
 * used for decryption") and a sequence number that can still be incremented. */
static sr_err check_message(const struct sr_hpke_ctx *ctx, enum sr_hpke_role role)
{
    SR_CHECK(ctx != NULL, SR_ERR_ARG);
    SR_CHECK(ctx->aead != NULL && ctx->role == role, SR_ERR_STATE);
    SR_CHECK(!seq_exhausted(ctx), SR_ERR_EXHAUSTED);
    return SR_OK;
}

sr_err sr_hpke_seal(struct sr_hpke_ctx *ctx, struct sr_slice aad, struct sr_slice pt,
                    struct sr_buf *ct)
{
    SR_TRY(check_message(ctx, SR_HPKE_ROLE_SENDER));
    size_t need;
    SR_CHECK(sr_size_add(pt.len, ctx->suite.aead->tag_len, &need), SR_ERR_LIMIT);
    SR_TRY(sr_buf_reserve(ct, need));
    uint8_t nonce[SR_AEAD_NONCE_MAX];
    size_t n = 0;
    compute_nonce(ctx, nonce);
    SR_TRY(sr_aead_seal(ctx->aead, nonce, aad, pt, ct->p + ct->len, need, &n));
    ct->len += n;
    seq_increment(ctx);
    return SR_OK;
}

sr_err sr_hpke_open(struct sr_hpke_ctx *ctx, struct sr_slice aad, struct sr_slice ct,
                    struct sr_buf *pt)
{
    SR_TRY(check_message(ctx, SR_HPKE_ROLE_RECIPIENT));
    SR_CHECK(ct.len >= ctx->suite.aead->tag_len, SR_ERR_AUTH);
    size_t room = ct.len - ctx->suite.aead->tag_len;
    SR_TRY(sr_buf_reserve(pt, room));
    uint8_t nonce[SR_AEAD_NONCE_MAX];
    uint8_t empty;
    size_t n = 0;
    compute_nonce(ctx, nonce);
    /* On SR_ERR_AUTH the AEAD wipes what it wrote and seq stays put (§5.2 ContextR.Open). */
    SR_TRY(sr_aead_open(ctx->aead, nonce, aad, ct, room ? pt->p + pt->len : &empty, room, &n));
    pt->len += n;
    seq_increment(ctx);
    return SR_OK;
}

sr_err sr_hpke_export(const struct sr_hpke_ctx *ctx, struct sr_slice exporter_context, uint8_t *out,
                      size_t len)
{
    SR_CHECK(ctx != NULL, SR_ERR_ARG);
    /* §5.3: L must not exceed 255 * Nh, which LabeledExpand enforces (SR_ERR_ARG). */
    return sr_hpke_labeled_expand(ctx->suite.kdf, &ctx->sid,
                                  sr_slice_of(ctx->ks.exporter_secret, ctx->suite.kdf->len), "sec",
                                  exporter_context, out, len);
}

/* §6: the single-shot APIs use sequence number 0, whose nonce is base_nonce itself, so
 * they need no context object. */
sr_err sr_hpke_seal_base(const struct sr_hpke_suite *suite, struct sr_slice pk_r,
                         struct sr_slice info, struct sr_slice aad, struct sr_slice pt,
                         uint8_t *enc, struct sr_buf *ct)
{
    uint8_t info_hash[SR_HASH_MAX];
    SR_CHECK(suite != NULL && suite->aead != NULL, SR_ERR_ARG);
    SR_CHECK(!sr_hpke_is_export_only(suite), SR_ERR_STATE);
    SR_TRY(sr_hpke_info_hash(suite, info, info_hash));
    return sr_hpke_seal_base_hashed(suite, pk_r, info_hash, aad, pt, enc, ct);
}

sr_err sr_hpke_seal_base_hashed(const struct sr_hpke_suite *suite, struct sr_slice pk_r,
                                const uint8_t *info_hash, struct sr_slice aad, struct sr_slice pt,
                                uint8_t *enc, struct sr_buf *ct)
{
    struct sr_hpke_schedule ks;
    size_t need = 0, n = 0;
    SR_CHECK(suite != NULL && suite->aead != NULL && info_hash != NULL, SR_ERR_ARG);
    SR_CHECK(!sr_hpke_is_export_only(suite), SR_ERR_STATE);
    SR_CHECK(sr_size_add(pt.len, suite->aead->tag_len, &need), SR_ERR_LIMIT);
    SR_TRY(sr_buf_reserve(ct, need));
    sr_err err = sr_hpke_sender_schedule_hashed(suite, SR_HPKE_MODE_BASE, pk_r, info_hash, NULL,
                                                sr_slice_of(NULL, 0), enc, &ks);
    if (err == SR_OK) {
        err = sr_aead_seal_once(suite->aead, sr_slice_of(ks.key, suite->aead->key_len),
                                ks.base_nonce, aad, pt, ct->p + ct->len, need, &n);
    }
    if (err == SR_OK) {
        ct->len += n;
    }
    sr_wipe(&ks, sizeof(ks));
    return err;
}

sr_err sr_hpke_open_base(const struct sr_hpke_suite *suite, struct sr_slice enc,
                         struct sr_slice sk_r, struct sr_slice info, struct sr_slice aad,
                         struct sr_slice ct, struct sr_buf *pt)
{
    struct sr_hpke_schedule ks;
    uint8_t empty;
    size_t n = 0;
    SR_CHECK(suite != NULL && suite->aead != NULL, SR_ERR_ARG);
    SR_CHECK(!sr_hpke_is_export_only(suite), SR_ERR_STATE);
    SR_CHECK(ct.len >= suite->aead->tag_len, SR_ERR_AUTH);
    size_t room = ct.len - suite->aead->tag_len;
    SR_TRY(sr_buf_reserve(pt, room));
    sr_err err = sr_hpke_recipient_schedule(suite, SR_HPKE_MODE_BASE, enc, sk_r, info, NULL, &ks);
    if (err == SR_OK) {
        err = sr_aead_open_once(suite->aead, sr_slice_of(ks.key, suite->aead->key_len),
                                ks.base_nonce, aad, ct, room ? pt->p + pt->len : &empty, room, &n);
    }
    if (err == SR_OK) {
        pt->len += n;
    }
    sr_wipe(&ks, sizeof(ks));
    return err;
}
