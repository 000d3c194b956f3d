/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PrivateMessage (RFC 9420 §6.3): signed, then encrypted with the sender's ratchet key, with
 * the sender's identity encrypted under a key sampled from the ciphertext.
 *
 *   protect:  generation j = next of our handshake/application ratchet (by content type)
 *             nonce  = ratchet_nonce[j] XOR (reuse_guard || 0...)              §6.3.1
 *             ciphertext = AEAD(ratchet_key[j], nonce, PrivateContentAAD,
 *                               content || auth || zero padding)
 *             sample = ciphertext[0 .. KDF.Nh-1]                               §6.3.2
 *             encrypted_sender_data = AEAD(sender_data_key(sample), sender_data_nonce(sample),
 *                                          SenderDataAAD, SenderData{leaf, j, reuse_guard})
 *   unprotect: decode -> group/epoch -> open SenderData -> leaf range and non-blank
 *             -> key (secret tree: REPLAY / LIMIT) -> open content -> padding
 *             -> signature; on any failure after the key is taken, the key goes back into
 *             the tree's out-of-order window (sr_mls_secret_tree_restore).
 *
 * The output is sized once and the plaintext is written where the ciphertext goes, then
 * sealed in place: one copy of the application data, no allocation after warm-up.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/rand.h"
#include "mls/protect_int.h"
#include "mls/schedule_keys.h"
#include "mls/wire_message.h"

/* Sizes of one outgoing message, computed before anything is written. */
struct seal_plan {
    size_t body_len; /* the select(content_type) part of PrivateMessageContent */
    size_t pt_len;   /* content, auth and padding */
    size_t ct_len;   /* pt_len + AEAD.Nt */
    size_t total;    /* the whole MLSMessage */
};

/* *acc += the size of an opaque<V> of n bytes. */
static sr_err add_vec(size_t n, size_t *acc)
{
    SR_CHECK(n <= SR_VARINT_MAX, SR_ERR_LIMIT);
    SR_CHECK(sr_size_add(*acc, sr_varint_size(n) + n, acc), SR_ERR_LIMIT);
    return SR_OK;
}

static enum sr_mls_ratchet_type ratchet_of(uint8_t content_type)
{
    /* §6.3.1: application data uses the application ratchet, proposals and commits the
     * handshake ratchet */
    return content_type == SR_MLS_CONTENT_APPLICATION ? SR_MLS_RATCHET_APPLICATION
                                                      : SR_MLS_RATCHET_HANDSHAKE;
}

/* Proposals and commits are encoded into scratch to learn their size (cold path). */
static sr_err plan_body(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                        size_t *len)
{
    *len = 0;
    sr_buf_reset(&ctx->scratch);
    switch (fc->content_type) {
    case SR_MLS_CONTENT_APPLICATION:
        return add_vec(fc->application_data.len, len);
    case SR_MLS_CONTENT_PROPOSAL:
        SR_TRY(sr_mls_proposal_encode(&fc->proposal, &ctx->scratch));
        break;
    case SR_MLS_CONTENT_COMMIT:
        SR_TRY(sr_mls_commit_encode(&fc->commit, &ctx->scratch));
        break;
    default:
        return SR_ERR_ARG;
    }
    *len = ctx->scratch.len;
    return SR_OK;
}

static sr_err plan(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                   const struct sr_mls_auth_data *auth, struct seal_plan *p)
{
    size_t nt = ctx->suite->aead->tag_len, block = ctx->padding_block, len = 0;
    SR_TRY(plan_body(ctx, fc, &p->body_len));
    len = p->body_len;
    SR_TRY(add_vec(auth->signature.len, &len));
    if (fc->content_type == SR_MLS_CONTENT_COMMIT) {
        SR_TRY(add_vec(auth->confirmation_tag.len, &len));
    }
    size_t pad = block > 1 ? (block - len % block) % block : 0;
    SR_CHECK(sr_size_add(len, pad, &p->pt_len), SR_ERR_LIMIT);
    SR_CHECK(sr_size_add(p->pt_len, nt, &p->ct_len), SR_ERR_LIMIT);
    size_t total = 2 + 2 + 8 + 1;
    SR_TRY(add_vec(fc->group_id.len, &total));
    SR_TRY(add_vec(fc->authenticated_data.len, &total));
    SR_TRY(add_vec(SR_MLS_SENDER_DATA_LEN + nt, &total));
    SR_TRY(add_vec(p->ct_len, &total));
    p->total = total;
    return SR_OK;
}

/* Write PrivateMessageContent (§6.3.1) at the end of `out`, which has room for it. */
static sr_err write_content(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                            const struct sr_mls_auth_data *auth, const struct seal_plan *p,
                            struct sr_buf *out)
{
    size_t start = out->len;
    if (fc->content_type == SR_MLS_CONTENT_APPLICATION) {
        SR_TRY(sr_write_slice_v(out, fc->application_data));
    } else {
        SR_TRY(sr_write_bytes(out, ctx->scratch.p, ctx->scratch.len));
        sr_buf_reset(&ctx->scratch);
    }
    SR_TRY(sr_mls_auth_data_encode(auth, fc->content_type, out));
    size_t pad = p->pt_len - (out->len - start);
    memset(out->p + out->len, 0, pad); /* §6.3.1: padding is all zero bytes */
    out->len += pad;
    return SR_OK;
}

/* nonce = ratchet nonce XOR reuse guard in its first four bytes (§6.3.1). */
static void guard_nonce(const struct sr_mls_ratchet_key *k, const uint8_t *guard, uint8_t *nonce)
{
    memcpy(nonce, k->nonce.p, k->nonce.len);
    for (size_t i = 0; i < SR_MLS_REUSE_GUARD_LEN; i++) {
        nonce[i] ^= guard[i];
    }
}

static sr_err content_aad(struct sr_mls_protect_ctx *ctx, struct sr_slice group_id, uint64_t epoch,
                          uint8_t content_type, struct sr_slice authenticated_data)
{
    sr_buf_reset(&ctx->aad);
    return sr_mls_private_content_aad_encode(group_id, epoch, content_type, authenticated_data,
                                             &ctx->aad);
}

/* The sender-data AEAD keyed from the ciphertext sample (§6.3.2), and SenderDataAAD. */
static sr_err sender_data_aead(struct sr_mls_protect_ctx *ctx, struct sr_slice group_id,
                               uint64_t epoch, uint8_t content_type, struct sr_slice ciphertext,
                               uint8_t *nonce, struct sr_aead_ctx **aead)
{
    struct sr_secret key = { 0 }, n = { 0 };
    sr_buf_reset(&ctx->aad);
    sr_err err = sr_mls_sender_data_aad_encode(group_id, epoch, content_type, &ctx->aad);
    if (err == SR_OK) {
        err = sr_mls_sender_data_key_nonce(ctx->suite, sr_secret_slice(&ctx->sender_data_secret),
                                           ciphertext, &key, &n);
    }
    if (err == SR_OK) {
        err = sr_mls_protect_aead(ctx, sr_secret_slice(&key), aead);
        memcpy(nonce, n.p, ctx->suite->aead->nonce_len);
    }
    sr_secret_cleanup(&key);
    sr_secret_cleanup(&n);
    return err;
}

/* Per-message values the caller wipes whatever happens. */
struct seal_scratch {
    uint8_t guard[SR_MLS_REUSE_GUARD_LEN];
    uint8_t nonce[SR_AEAD_NONCE_MAX];
    uint8_t sd[SR_MLS_SENDER_DATA_LEN];
};

/* Everything after the key is known: header, content sealed in place, then SenderData. */
static sr_err seal(struct sr_mls_protect_ctx *ctx, const struct sr_mls_framed_content *fc,
                   const struct sr_mls_auth_data *auth, const struct seal_plan *p,
                   const struct sr_mls_ratchet_key *key, struct seal_scratch *x, struct sr_buf *out)
{
    const struct sr_aead_alg *alg = ctx->suite->aead;
    uint8_t *guard = x->guard, *nonce = x->nonce, *sd = x->sd;
    struct sr_aead_ctx *aead = NULL;
    size_t n = 0;
    /* §6.3.1: "the sender of a message MUST generate a fresh random four-byte reuse guard" */
    SR_TRY(sr_rand_bytes(guard, SR_MLS_REUSE_GUARD_LEN));
    SR_TRY(sr_write_u16(out, SR_MLS_VERSION_MLS10));
    SR_TRY(sr_write_u16(out, SR_MLS_WIRE_PRIVATE_MESSAGE));
    SR_TRY(sr_write_slice_v(out, fc->group_id));
    SR_TRY(sr_write_u64(out, fc->epoch));
    SR_TRY(sr_write_u8(out, fc->content_type));
    SR_TRY(sr_write_slice_v(out, fc->authenticated_data));
    SR_TRY(sr_write_varint(out, SR_MLS_SENDER_DATA_LEN + alg->tag_len));
    size_t sd_at = out->len;
    out->len += SR_MLS_SENDER_DATA_LEN + alg->tag_len; /* filled last: it needs the sample */
    SR_TRY(sr_write_varint(out, p->ct_len));
    size_t ct_at = out->len;
    SR_TRY(write_content(ctx, fc, auth, p, out));
    SR_TRY(content_aad(ctx, fc->group_id, fc->epoch, fc->content_type, fc->authenticated_data));
    guard_nonce(key, guard, nonce);
    SR_TRY(sr_mls_protect_aead(ctx, sr_secret_slice(&key->key), &aead));
    uint8_t *ct = out->p + ct_at;
    SR_TRY(sr_aead_seal(aead, nonce, sr_buf_slice(&ctx->aad), sr_slice_of(ct, p->pt_len), ct,
                        p->ct_len, &n));
    out->len = ct_at + p->ct_len;
    struct sr_buf sdw;
    sr_buf_init_fixed(&sdw, sd, SR_MLS_SENDER_DATA_LEN);
    struct sr_mls_sender_data data = { ctx->own_leaf, key->generation, { 0 } };
    memcpy(data.reuse_guard, guard, SR_MLS_REUSE_GUARD_LEN);
    SR_TRY(sr_mls_sender_data_encode(&data, &sdw));
    SR_TRY(sender_data_aead(ctx, fc->group_id, fc->epoch, fc->content_type,
                            sr_slice_of(ct, p->ct_len), nonce, &aead));
    return sr_aead_seal(aead, nonce, sr_buf_slice(&ctx->aad),
                        sr_slice_of(sd, SR_MLS_SENDER_DATA_LEN), out->p + sd_at,
                        SR_MLS_SENDER_DATA_LEN + alg->tag_len, &n);
}

static sr_err protect_checks(const struct sr_mls_protect_ctx *ctx,
                             const struct sr_mls_framed_content *fc,
                             const struct sr_mls_auth_data *auth)
{
    SR_CHECK(ctx->tree != NULL && ctx->sender_data_secret.len > 0, SR_ERR_STATE);
    /* §6.3.2: "the sender MUST verify Sender.sender_type is member" */
    SR_CHECK(fc->sender.type == SR_MLS_SENDER_MEMBER && fc->sender.index == ctx->own_leaf,
             SR_ERR_ARG);
    SR_CHECK((fc->content_type == SR_MLS_CONTENT_COMMIT) == (auth->confirmation_tag.len > 0),
             SR_ERR_ARG);
    return sr_mls_protect_check_epoch(ctx, fc->group_id, fc->epoch);
}

sr_err sr_mls_private_message_protect(struct sr_mls_protect_ctx *ctx,
                                      const struct sr_mls_framed_content *fc,
                                      const struct sr_mls_auth_data *auth, struct sr_buf *out)
{
    SR_CHECK(ctx != NULL && fc != NULL && auth != NULL && out != NULL, SR_ERR_ARG);
    SR_TRY(protect_checks(ctx, fc, auth));
    struct seal_plan p;
    struct seal_scratch x;
    struct sr_mls_ratchet_key key = { 0 };
    size_t start = out->len;
    sr_err err = plan(ctx, fc, auth, &p);
    if (err == SR_OK) {
        err = sr_buf_reserve(out, p.total);
    }
    if (err == SR_OK) {
        err = sr_mls_secret_tree_next(ctx->tree, ctx->own_leaf, ratchet_of(fc->content_type), &key);
    }
    if (err == SR_OK) {
        err = seal(ctx, fc, auth, &p, &key, &x, out);
    }
    if (err != SR_OK && out->len > start) {
        /* the plaintext may already sit in `out` (which may still have no memory at all) */
        sr_wipe(out->p + start, out->len - start);
        out->len = start;
    }
    sr_buf_reset(&ctx->scratch);
    sr_mls_ratchet_key_cleanup(&key);
    sr_wipe(&x, sizeof(x));
    return err;
}

sr_err sr_mls_application_protect(struct sr_mls_protect_ctx *ctx,
                                  struct sr_slice authenticated_data, struct sr_slice data,
                                  struct sr_buf *out)
{
    SR_CHECK(ctx != NULL && out != NULL, SR_ERR_ARG);
    struct sr_mls_framed_content fc = { 0 };
    fc.group_id = ctx->group_id;
    fc.epoch = ctx->epoch;
    fc.sender.type = SR_MLS_SENDER_MEMBER;
    fc.sender.index = ctx->own_leaf;
    fc.authenticated_data = authenticated_data;
    fc.content_type = SR_MLS_CONTENT_APPLICATION;
    fc.application_data = data;
    uint8_t sig_mem[SR_SIG_MAX];
    struct sr_buf sig;
    sr_buf_init_fixed(&sig, sig_mem, sizeof(sig_mem));
    SR_TRY(sr_mls_content_sign(ctx, SR_MLS_WIRE_PRIVATE_MESSAGE, &fc, &sig));
    struct sr_mls_auth_data auth = { sr_buf_slice(&sig), { NULL, 0 } };
    return sr_mls_private_message_protect(ctx, &fc, &auth, out);
}

/* Decrypt and decode SenderData (§6.3.2). */
static sr_err open_sender_data(struct sr_mls_protect_ctx *ctx,
                               const struct sr_mls_private_message *pm,
                               struct sr_mls_sender_data *sd)
{
    const struct sr_aead_alg *alg = ctx->suite->aead;
    uint8_t nonce[SR_AEAD_NONCE_MAX], plain[SR_MLS_SENDER_DATA_LEN];
    struct sr_aead_ctx *aead = NULL;
    size_t n = 0;
    /* SenderData has a fixed size, so any other length is malformed */
    SR_CHECK(pm->encrypted_sender_data.len == SR_MLS_SENDER_DATA_LEN + alg->tag_len, SR_ERR_DECODE);
    sr_err err = sender_data_aead(ctx, pm->group_id, pm->epoch, pm->content_type, pm->ciphertext,
                                  nonce, &aead);
    if (err == SR_OK) {
        err = sr_aead_open(aead, nonce, sr_buf_slice(&ctx->aad), pm->encrypted_sender_data, plain,
                           sizeof(plain), &n);
    }
    if (err == SR_OK) {
        err = sr_mls_sender_data_decode(sr_slice_of(plain, n), sd);
    }
    sr_wipe(nonce, sizeof(nonce));
    sr_wipe(plain, sizeof(plain));
    return err;
}

/* Open the content into `pt` and decode it into `pc` (§6.3.1). */
static sr_err open_content(struct sr_mls_protect_ctx *ctx, const struct sr_mls_private_message *pm,
                           const struct sr_mls_sender_data *sd,
                           const struct sr_mls_ratchet_key *key, struct sr_buf *pt,
                           struct sr_mls_private_content *pc)
{
    size_t nt = ctx->suite->aead->tag_len, n = 0;
    uint8_t nonce[SR_AEAD_NONCE_MAX];
    struct sr_aead_ctx *aead = NULL;
    SR_CHECK(pm->ciphertext.len >= nt, SR_ERR_AUTH);
    SR_TRY(sr_buf_reserve(pt, pm->ciphertext.len - nt));
    SR_TRY(content_aad(ctx, pm->group_id, pm->epoch, pm->content_type, pm->authenticated_data));
    SR_TRY(sr_mls_protect_aead(ctx, sr_secret_slice(&key->key), &aead));
    guard_nonce(key, sd->reuse_guard, nonce);
    sr_err err =
            sr_aead_open(aead, nonce, sr_buf_slice(&ctx->aad), pm->ciphertext, pt->p, pt->cap, &n);
    sr_wipe(nonce, sizeof(nonce));
    SR_TRY(err);
    pt->len = n;
    /* §6.3.1: non-zero padding makes the message malformed (SR_ERR_DECODE) */
    return sr_mls_private_content_decode(sr_buf_slice(pt), pm->content_type, pc);
}

/* With the key in hand: open, decode, verify the signature (§6.3.1), and fill `out`. */
static sr_err open_verify(struct sr_mls_protect_ctx *ctx, const struct sr_mls_private_message *pm,
                          const struct sr_mls_sender_data *sd, const struct sr_mls_ratchet_key *key,
                          struct sr_slice pub, struct sr_buf *pt,
                          struct sr_mls_authenticated_content *out)
{
    struct sr_mls_private_content pc;
    SR_TRY(open_content(ctx, pm, sd, key, pt, &pc));
    struct sr_mls_framed_content *fc = &out->content;
    fc->group_id = pm->group_id;
    fc->epoch = pm->epoch;
    fc->sender.type = SR_MLS_SENDER_MEMBER;
    fc->sender.index = sd->leaf_index;
    fc->authenticated_data = pm->authenticated_data;
    fc->content_type = pm->content_type;
    fc->application_data = pc.application_data;
    fc->proposal = pc.proposal; /* the decoded arrays move into `out` */
    fc->commit = pc.commit;
    out->wire_format = SR_MLS_WIRE_PRIVATE_MESSAGE;
    out->auth = pc.auth;
    /* §6.3.1: "the application MUST check that the FramedContentAuthData is valid" */
    return sr_mls_protect_verify_with(ctx, pub, SR_MLS_WIRE_PRIVATE_MESSAGE, fc,
                                      out->auth.signature);
}

/* Everything up to taking the key; `key` is set only on success. */
static sr_err unprotect(struct sr_mls_protect_ctx *ctx, const struct sr_mls_private_message *pm,
                        struct sr_buf *pt, struct sr_mls_authenticated_content *out)
{
    struct sr_mls_sender_data sd;
    struct sr_mls_ratchet_key key = { 0 };
    struct sr_slice pub;
    SR_TRY(sr_mls_protect_check_epoch(ctx, pm->group_id, pm->epoch));
    SR_CHECK(ctx->tree != NULL && ctx->sender_data_secret.len > 0, SR_ERR_STATE);
    SR_TRY(open_sender_data(ctx, pm, &sd));
    /* §6.3.2: the leaf index "MUST identify a non-blank node" */
    SR_CHECK(sd.leaf_index < ctx->n_leaves, SR_ERR_INVALID);
    struct sr_mls_sender sender = { SR_MLS_SENDER_MEMBER, sd.leaf_index };
    SR_TRY(sr_mls_protect_sender_key(ctx, &sender, NULL, &pub));
    enum sr_mls_ratchet_type type = ratchet_of(pm->content_type);
    SR_TRY(sr_mls_secret_tree_get(ctx->tree, sd.leaf_index, type, sd.generation, &key));
    sr_err err = open_verify(ctx, pm, &sd, &key, pub, pt, out);
    if (err != SR_OK) {
        /*
         * A forged or damaged copy must not cost the genuine message its key: put it back,
         * as if this generation had been skipped. This fails only when the window cannot
         * grow (SR_ERR_NOMEM); the key is then lost and the message's own error stands.
         */
        sr_err restored = sr_mls_secret_tree_restore(ctx->tree, sd.leaf_index, type, &key);
        (void)restored;
    }
    sr_mls_ratchet_key_cleanup(&key);
    return err;
}

sr_err sr_mls_private_message_unprotect(struct sr_mls_protect_ctx *ctx, struct sr_slice msg,
                                        struct sr_buf *pt, struct sr_mls_authenticated_content *out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    memset(out, 0, sizeof(*out));
    SR_CHECK(ctx != NULL && pt != NULL && (msg.p != NULL || msg.len == 0), SR_ERR_ARG);
    sr_wipe(pt->p, pt->len);
    pt->len = 0;
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(msg, &m));
    sr_err err = m.wire_format == SR_MLS_WIRE_PRIVATE_MESSAGE ? SR_OK : SR_ERR_INVALID;
    if (err == SR_OK) {
        err = unprotect(ctx, &m.u.private_message, pt, out);
    }
    if (err != SR_OK) {
        sr_mls_authenticated_content_cleanup(out);
        sr_wipe(pt->p, pt->cap);
        pt->len = 0;
    }
    sr_mls_message_cleanup(&m); /* a PrivateMessage owns nothing; other formats might */
    return err;
}
