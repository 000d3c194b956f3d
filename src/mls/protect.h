/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message protection (RFC 9420 §6): content authentication (§6.1), PublicMessage with its
 * membership tag (§6.2) and PrivateMessage with sender-data encryption, reuse guard and
 * padding (§6.3). One context serves one epoch of one group, from one member's point of view.
 *
 * The context borrows the epoch's secret tree and copies everything else it is given. It
 * keeps reusable AEAD and signature contexts and scratch buffers, so after the first message
 * the application-message path allocates nothing. A context is not thread-safe.
 *
 * Signature keys of other senders come from the caller (the ratchet tree lives elsewhere):
 * `signature_key(arg, sender, content, &pub)` sets `pub` to the raw public key that must have
 * signed a message from `sender`, valid until the protect call returns. `content` is the
 * decoded FramedContent when one is available (PublicMessage: new_member_* keys live inside
 * it); for a PrivateMessage it is NULL, because the key is looked up before decryption. The
 * callback returns SR_ERR_NOT_FOUND for a blank leaf or an unknown external sender.
 *
 * Unprotect checks, in order: decoding (SR_ERR_DECODE, SR_ERR_LIMIT), group (SR_ERR_WRONG_GROUP),
 * epoch (SR_ERR_EPOCH), sender rules (SR_ERR_INVALID), then every tag, AEAD and signature
 * (SR_ERR_AUTH); a PrivateMessage's generation may give SR_ERR_REPLAY or SR_ERR_LIMIT. A
 * rejected message leaves every key it touched available: a genuine message sent with the
 * same generation still decrypts afterwards.
 *
 * The confirmation tag of a commit is carried, not checked, here: it is a MAC under the NEXT
 * epoch's confirmation_key, which only exists once the commit is processed (transcript.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "crypto/suite.h"
#include "mls/secret_tree.h"
#include "mls/wire_framing.h"

/** The signing key lookup described above. */
typedef sr_err (*sr_mls_signature_key_fn)(void *arg, const struct sr_mls_sender *sender,
                                          const struct sr_mls_framed_content *content,
                                          struct sr_slice *pub);

/** What a context needs from the epoch; all borrowed for the call to _new only. */
struct sr_mls_protect_params {
    const struct sr_suite *suite;
    struct sr_slice group_context;          /* encoded GroupContext of this epoch (§8.1) */
    struct sr_slice membership_key;         /* KDF.Nh bytes; empty: no PublicMessage as a member */
    struct sr_slice sender_data_secret;     /* KDF.Nh bytes; empty: no PrivateMessage */
    struct sr_mls_secret_tree *secret_tree; /* borrowed for the context's life; may be NULL */
    uint32_t n_leaves;              /* leaves of the ratchet tree (SenderData range check) */
    uint32_t own_leaf;              /* our leaf index, the sender of what we protect */
    struct sr_slice signature_priv; /* our raw signature private key; empty: receive only */
    sr_mls_signature_key_fn signature_key;
    void *signature_key_arg;
    size_t padding_block; /* pad PrivateMessageContent to a multiple of this; 0 or 1: none */
};

struct sr_mls_protect_ctx;

/**
 * A context for one epoch. The GroupContext is decoded to learn group_id and epoch; its
 * cipher_suite must match `suite`. SR_ERR_ARG for missing or mis-sized inputs, SR_ERR_DECODE
 * for a bad GroupContext, SR_ERR_NOMEM, SR_ERR_CRYPTO (bad private key).
 */
SR_MUST_USE sr_err sr_mls_protect_ctx_new(const struct sr_mls_protect_params *params,
                                          struct sr_mls_protect_ctx **out);

/** Wipe every key and buffer the context holds and free it; NULL is a no-op. */
void sr_mls_protect_ctx_free(struct sr_mls_protect_ctx *ctx);

/**
 * §6.1: append SignWithLabel(signature_priv, "FramedContentTBS", FramedContentTBS) for `fc`
 * sent as `wire_format` to `sig`. SR_ERR_STATE without a private key.
 */
SR_MUST_USE sr_err sr_mls_content_sign(struct sr_mls_protect_ctx *ctx, uint16_t wire_format,
                                       const struct sr_mls_framed_content *fc, struct sr_buf *sig);

/**
 * §6.1: verify `signature` over `fc` as sent in `wire_format`, with the key the callback
 * gives for fc->sender. SR_ERR_AUTH for a wrong signature, SR_ERR_INVALID when the callback
 * knows no such sender, SR_ERR_STATE without a callback.
 */
SR_MUST_USE sr_err sr_mls_content_verify(struct sr_mls_protect_ctx *ctx, uint16_t wire_format,
                                         const struct sr_mls_framed_content *fc,
                                         struct sr_slice signature);

/**
 * §6.2: append the MLSMessage(PublicMessage) of `fc` and `auth` (signature, and the
 * confirmation tag for a commit) to `out`, adding the membership tag for member senders.
 * SR_ERR_INVALID for application content (§6: it MUST be a PrivateMessage);
 * SR_ERR_WRONG_GROUP or SR_ERR_EPOCH when fc is not for the context's group and epoch. On
 * error `out` is as it was.
 */
SR_MUST_USE sr_err sr_mls_public_message_protect(struct sr_mls_protect_ctx *ctx,
                                                 const struct sr_mls_framed_content *fc,
                                                 const struct sr_mls_auth_data *auth,
                                                 struct sr_buf *out);

/**
 * §6.2: decode the MLSMessage(PublicMessage) `msg`, check it and fill `out`, which borrows
 * from `msg` (release it with sr_mls_authenticated_content_cleanup). On error `out` is zeroed.
 */
SR_MUST_USE sr_err sr_mls_public_message_unprotect(struct sr_mls_protect_ctx *ctx,
                                                   struct sr_slice msg,
                                                   struct sr_mls_authenticated_content *out);

/**
 * §6.3: append the MLSMessage(PrivateMessage) of `fc` and `auth` to `out`, with the next
 * generation of our handshake or application ratchet. fc->sender must be our own leaf
 * (SR_ERR_ARG) and a commit must carry its confirmation tag. On error `out` is as it was
 * (any plaintext written to it is wiped) and the generation is not reused.
 */
SR_MUST_USE sr_err sr_mls_private_message_protect(struct sr_mls_protect_ctx *ctx,
                                                  const struct sr_mls_framed_content *fc,
                                                  const struct sr_mls_auth_data *auth,
                                                  struct sr_buf *out);

/**
 * §6.3: decrypt and check the MLSMessage(PrivateMessage) `msg`. The PrivateMessageContent is
 * decrypted into `pt` (reset first; create it with SR_BUF_WIPE, or fixed), and `out` borrows
 * from both `msg` and `pt`. On error `out` is zeroed and `pt` wiped and emptied.
 */
SR_MUST_USE sr_err sr_mls_private_message_unprotect(struct sr_mls_protect_ctx *ctx,
                                                    struct sr_slice msg, struct sr_buf *pt,
                                                    struct sr_mls_authenticated_content *out);

/**
 * The hot path: sign `data` as an application message from our leaf with
 * `authenticated_data`, and append its MLSMessage(PrivateMessage) to `out`.
 */
SR_MUST_USE sr_err sr_mls_application_protect(struct sr_mls_protect_ctx *ctx,
                                              struct sr_slice authenticated_data,
                                              struct sr_slice data, struct sr_buf *out);
