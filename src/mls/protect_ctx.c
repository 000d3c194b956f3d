/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The message-protection context (RFC 9420 §6): what one member needs from one epoch to
 * protect and unprotect messages, and the reusable AEAD.
 */
#include <string.h>

#include "core/alloc.h"
#include "mls/protect_int.h"
#include "mls/wire_group_context.h"

static bool secret_len_ok(struct sr_slice s, size_t nh)
{
    return s.len == 0 || (s.p != NULL && s.len == nh);
}

static sr_err params_check(const struct sr_mls_protect_params *p)
{
    SR_CHECK(p != NULL && p->suite != NULL && p->group_context.p != NULL, SR_ERR_ARG);
    size_t nh = p->suite->hash->len;
    SR_CHECK(secret_len_ok(p->membership_key, nh), SR_ERR_ARG);
    SR_CHECK(secret_len_ok(p->sender_data_secret, nh), SR_ERR_ARG);
    SR_CHECK(p->signature_priv.len == 0 || p->signature_priv.p != NULL, SR_ERR_ARG);
    SR_CHECK(p->secret_tree == NULL || p->own_leaf < p->n_leaves, SR_ERR_ARG);
    return SR_OK;
}

/* Copy the GroupContext and point group_id and epoch at the copy. */
static sr_err ctx_group_context(struct sr_mls_protect_ctx *ctx, const struct sr_suite *suite,
                                struct sr_slice gc_bytes)
{
    struct sr_mls_group_context gc;
    SR_TRY(sr_buf_set(&ctx->gc, gc_bytes.p, gc_bytes.len));
    SR_TRY(sr_mls_group_context_decode(sr_buf_slice(&ctx->gc), &gc));
    SR_CHECK(gc.version == SR_MLS_VERSION_10 && gc.cipher_suite == suite->id, SR_ERR_ARG);
    ctx->group_id = gc.group_id;
    ctx->epoch = gc.epoch;
    return SR_OK;
}

static sr_err ctx_fill(struct sr_mls_protect_ctx *ctx, const struct sr_mls_protect_params *p)
{
    ctx->suite = p->suite;
    ctx->tree = p->secret_tree;
    ctx->n_leaves = p->n_leaves;
    ctx->own_leaf = p->own_leaf;
    ctx->padding_block = p->padding_block;
    ctx->signature_key = p->signature_key;
    ctx->signature_key_arg = p->signature_key_arg;
    sr_buf_init(&ctx->gc, 0, 0);
    sr_buf_init(&ctx->scratch, 0, SR_BUF_WIPE);
    sr_buf_init(&ctx->aad, 0, 0);
    SR_TRY(ctx_group_context(ctx, p->suite, p->group_context));
    SR_TRY(sr_secret_set(&ctx->membership_key, p->membership_key.p, p->membership_key.len));
    SR_TRY(sr_secret_set(&ctx->sender_data_secret, p->sender_data_secret.p,
                         p->sender_data_secret.len));
    return sr_secret_set(&ctx->sign_priv, p->signature_priv.p, p->signature_priv.len);
}

sr_err sr_mls_protect_ctx_new(const struct sr_mls_protect_params *params,
                              struct sr_mls_protect_ctx **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(params_check(params));
    struct sr_mls_protect_ctx *ctx = sr_calloc(1, sizeof(*ctx));
    SR_CHECK(ctx != NULL, SR_ERR_NOMEM);
    sr_err err = ctx_fill(ctx, params);
    if (err != SR_OK) {
        sr_mls_protect_ctx_free(ctx);
        return err;
    }
    *out = ctx;
    return SR_OK;
}

void sr_mls_protect_ctx_free(struct sr_mls_protect_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    sr_buf_cleanup(&ctx->gc);
    sr_buf_cleanup(&ctx->scratch);
    sr_buf_cleanup(&ctx->aad);
    sr_sig_key_free(ctx->sign_key);
    sr_sig_key_free(ctx->verify_key);
    sr_aead_ctx_free(ctx->aead);
    /* wipes the epoch secrets with everything else */
    sr_wipe(ctx, sizeof(*ctx));
    sr_free(ctx);
}

sr_err sr_mls_protect_check_epoch(const struct sr_mls_protect_ctx *ctx, struct sr_slice group_id,
                                  uint64_t epoch)
{
    /* RFC 9420 §6: a message for another group or another epoch cannot be processed here. */
    SR_CHECK(group_id.len == ctx->group_id.len &&
                     (group_id.len == 0 || memcmp(group_id.p, ctx->group_id.p, group_id.len) == 0),
             SR_ERR_WRONG_GROUP);
    SR_CHECK(epoch == ctx->epoch, SR_ERR_EPOCH);
    return SR_OK;
}

sr_err sr_mls_protect_aead(struct sr_mls_protect_ctx *ctx, struct sr_slice key,
                           struct sr_aead_ctx **out)
{
    if (ctx->aead == NULL) {
        SR_TRY(sr_aead_ctx_new(ctx->suite->aead, key, &ctx->aead));
    } else {
        SR_TRY(sr_aead_ctx_set_key(ctx->aead, key));
    }
    *out = ctx->aead;
    return SR_OK;
}
