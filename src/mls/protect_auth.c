/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Content authentication (RFC 9420 §6.1):
 *
 *   struct { ProtocolVersion version = mls10; WireFormat wire_format; FramedContent content;
 *            select (sender_type) { case member: case new_member_commit: GroupContext context;
 *                                   case external: case new_member_proposal: struct{}; };
 *   } FramedContentTBS;
 *   signature = SignWithLabel(., "FramedContentTBS", FramedContentTBS)
 *
 * SignContent{label, content} is built straight into the context's scratch buffer around the
 * TBS, and the signature keys are parsed once and kept (ours for the context's life, the
 * last sender's until another sender shows up), so signing and verifying import no key and
 * copy the content once.
 */
#include <string.h>

#include "mls/protect_int.h"

static const char sign_label[] = "MLS 1.0 FramedContentTBS";

/* SignContent (RFC 9420 §5.1.2) of the FramedContentTBS of `fc`, into ctx->scratch. */
static sr_err sign_content(struct sr_mls_protect_ctx *ctx, uint16_t wire_format,
                           const struct sr_mls_framed_content *fc)
{
    struct sr_buf *w = &ctx->scratch;
    struct sr_vec_mark mark;
    sr_buf_reset(w);
    SR_TRY(sr_write_opaque_v(w, sign_label, sizeof(sign_label) - 1));
    SR_TRY(sr_write_vector_begin(w, &mark));
    SR_TRY(sr_mls_framed_content_tbs_encode(wire_format, fc, sr_buf_slice(&ctx->gc), w));
    return sr_write_vector_end(w, &mark);
}

sr_err sr_mls_content_sign(struct sr_mls_protect_ctx *ctx, uint16_t wire_format,
                           const struct sr_mls_framed_content *fc, struct sr_buf *sig)
{
    SR_CHECK(ctx != NULL && fc != NULL && sig != NULL, SR_ERR_ARG);
    SR_CHECK(ctx->sign_priv.len > 0, SR_ERR_STATE);
    if (ctx->sign_key == NULL) {
        /* crypto/ left-pads a short ECDSA scalar (the vectors' 65-byte P-521 keys) */
        SR_TRY(sr_sig_key_from_private(ctx->suite->sig, sr_secret_slice(&ctx->sign_priv),
                                       &ctx->sign_key));
    }
    sr_err err = sign_content(ctx, wire_format, fc);
    if (err == SR_OK) {
        err = sr_sig_key_sign(ctx->sign_key, sr_buf_slice(&ctx->scratch), sig);
    }
    sr_buf_reset(&ctx->scratch); /* it held the plaintext */
    return err;
}

/* The parsed key for `pub`: the one kept from last time when it matches. */
static sr_err verify_key(struct sr_mls_protect_ctx *ctx, struct sr_slice pub,
                         const struct sr_sig_key **out)
{
    /* public keys are not secret: a plain comparison is fine */
    if (ctx->verify_key != NULL && pub.len == ctx->verify_pub_len &&
        memcmp(ctx->verify_pub, pub.p, pub.len) == 0) {
        *out = ctx->verify_key;
        return SR_OK;
    }
    SR_CHECK(pub.p != NULL && pub.len <= sizeof(ctx->verify_pub), SR_ERR_INVALID);
    struct sr_sig_key *key = NULL;
    sr_err err = sr_sig_key_from_public(ctx->suite->sig, pub, &key);
    if (err == SR_ERR_DECODE) {
        err = SR_ERR_INVALID; /* the ratchet tree holds a key of the wrong shape */
    }
    SR_TRY(err);
    sr_sig_key_free(ctx->verify_key);
    ctx->verify_key = key;
    memcpy(ctx->verify_pub, pub.p, pub.len);
    ctx->verify_pub_len = pub.len;
    *out = key;
    return SR_OK;
}

sr_err sr_mls_protect_verify_with(struct sr_mls_protect_ctx *ctx, struct sr_slice pub,
                                  uint16_t wire_format, const struct sr_mls_framed_content *fc,
                                  struct sr_slice signature)
{
    const struct sr_sig_key *key = NULL;
    SR_TRY(verify_key(ctx, pub, &key));
    sr_err err = sign_content(ctx, wire_format, fc);
    if (err == SR_OK) {
        err = sr_sig_key_verify(key, sr_buf_slice(&ctx->scratch), signature);
    }
    sr_buf_reset(&ctx->scratch);
    return err;
}

sr_err sr_mls_protect_sender_key(struct sr_mls_protect_ctx *ctx, const struct sr_mls_sender *sender,
                                 const struct sr_mls_framed_content *fc, struct sr_slice *pub)
{
    *pub = sr_slice_of(NULL, 0);
    SR_CHECK(ctx->signature_key != NULL, SR_ERR_STATE);
    sr_err err = ctx->signature_key(ctx->signature_key_arg, sender, fc, pub);
    /* RFC 9420 §6.3.2: the leaf "MUST identify a non-blank node"; likewise for §6.1's keys */
    if (err == SR_ERR_NOT_FOUND || (err == SR_OK && pub->len == 0)) {
        err = SR_ERR_INVALID;
    }
    if (err != SR_OK) {
        *pub = sr_slice_of(NULL, 0);
    }
    return err;
}

sr_err sr_mls_content_verify(struct sr_mls_protect_ctx *ctx, uint16_t wire_format,
                             const struct sr_mls_framed_content *fc, struct sr_slice signature)
{
    SR_CHECK(ctx != NULL && fc != NULL, SR_ERR_ARG);
    struct sr_slice pub;
    SR_TRY(sr_mls_protect_sender_key(ctx, &fc->sender, fc, &pub));
    return sr_mls_protect_verify_with(ctx, pub, wire_format, fc, signature);
}
