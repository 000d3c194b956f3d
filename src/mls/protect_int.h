/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the message-protection files (protect_ctx.c, protect_auth.c,
 * protect_public.c, protect_private.c): the context layout and the helpers each file uses.
 *
 * Rejected messages: the secret tree forgets a key as soon as it hands it out (§9.2). When a
 * PrivateMessage then fails (bad tag, bad signature, bad padding), protect_private.c gives
 * the key back with sr_mls_secret_tree_restore, into the tree's out-of-order window, so a
 * forged or damaged copy cannot stop the genuine message from decrypting.
 */
#pragma once

#include <stdbool.h>

#include "core/secret.h"
#include "crypto/aead.h"
#include "crypto/sig.h"
#include "mls/protect.h"

struct sr_mls_protect_ctx {
    const struct sr_suite *suite;
    struct sr_buf gc;         /* our copy of the encoded GroupContext */
    struct sr_slice group_id; /* points into gc */
    uint64_t epoch;
    struct sr_secret membership_key;
    struct sr_secret sender_data_secret;
    struct sr_mls_secret_tree *tree; /* borrowed */
    uint32_t n_leaves;
    uint32_t own_leaf;
    size_t padding_block;
    sr_mls_signature_key_fn signature_key;
    void *signature_key_arg;
    /* Our signature private key, parsed into sign_key on the first signature: most epochs
     * of a large group sign nothing, and parsing costs a scalar multiplication. */
    struct sr_secret sign_priv;    /* empty: receive only */
    struct sr_sig_key *sign_key;   /* NULL until the first signature */
    struct sr_sig_key *verify_key; /* the last sender key used, kept for the next message */
    uint8_t verify_pub[SR_SIG_PUB_MAX];
    size_t verify_pub_len;
    struct sr_aead_ctx *aead; /* rekeyed for every use; made on first use */
    struct sr_buf scratch;    /* SignContent and AuthenticatedContentTBM; wiped */
    struct sr_buf aad;        /* SenderDataAAD and PrivateContentAAD */
};

/** RFC 9420 §6: SR_ERR_WRONG_GROUP or SR_ERR_EPOCH unless the message is for this epoch. */
SR_MUST_USE sr_err sr_mls_protect_check_epoch(const struct sr_mls_protect_ctx *ctx,
                                              struct sr_slice group_id, uint64_t epoch);

/** The context's AEAD keyed with `key` (made on first use). */
SR_MUST_USE sr_err sr_mls_protect_aead(struct sr_mls_protect_ctx *ctx, struct sr_slice key,
                                       struct sr_aead_ctx **out);

/** §6.1 verification with a known public key (no callback). */
SR_MUST_USE sr_err sr_mls_protect_verify_with(struct sr_mls_protect_ctx *ctx, struct sr_slice pub,
                                              uint16_t wire_format,
                                              const struct sr_mls_framed_content *fc,
                                              struct sr_slice signature);

/** The public key the callback gives for `sender`; SR_ERR_INVALID when it knows none. */
SR_MUST_USE sr_err sr_mls_protect_sender_key(struct sr_mls_protect_ctx *ctx,
                                             const struct sr_mls_sender *sender,
                                             const struct sr_mls_framed_content *fc,
                                             struct sr_slice *pub);
