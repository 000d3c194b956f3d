/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MLS group object (RFC 9420 §8, §11, §12), private side. A group is one member's view:
 *
 *   struct sr_mls_group
 *     suite, group_id, own signature key, limits, PSK store, past resumption PSKs
 *     struct sr_mls_group_epoch ep      <- everything a commit replaces, staged as a whole
 *       epoch, ratchet tree, own leaf, TreeKEM private keys, GroupContext extensions and
 *       encoding, tree hash, confirmed/interim transcript hashes, epoch secrets, secret tree,
 *       protection context, proposals cached by ProposalRef
 *
 * A commit (received or created) is applied to a staged struct sr_mls_group_epoch built next
 * to the current one; only when every check has passed are the two swapped (STYLE.md §8), so
 * a rejected message leaves the group exactly as it was.
 *
 *       own Update keys
 *     staged own commit (until merged, discarded, or beaten by another commit)
 *
 * Files: group.c (lifecycle, epoch install, sender keys, PSK store, settings),
 * group_access.c (read-only views), group_create.c (§11, KeyPackages), group_welcome.c
 * (§12.4.3.1), group_process.c (receiving, §12.4.2), group_apply.c (proposal list validation
 * and application, §12.2, §12.3), group_commit.c (§12.4.1), group_propose.c (proposals,
 * external senders, application data), group_groupinfo.c (GroupInfo, Welcome),
 * group_external.c (§12.4.3.2), group_state.c (save/restore), group_reinit.c (the group that
 * follows a ReInit, §11.2).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/mls.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/keypackage.h"
#include "mls/protect.h"
#include "mls/schedule_epoch.h"
#include "mls/secret_tree.h"
#include "mls/tree.h"
#include "mls/treekem.h"
#include "mls/wire_framing.h"
#include "mls/wire_group_info.h"

/* Past epochs whose resumption_psk we keep (§8.6: "SHOULD retain ... for some number"). */
#define SR_MLS_GROUP_RESUMPTION_KEEP 8

/* Defaults of struct sr_mls_group_limits when a field is 0. */
#define SR_MLS_GROUP_DEFAULT_MAX_LEAVES    1024u
#define SR_MLS_GROUP_DEFAULT_MAX_PROPOSALS 256u
#define SR_MLS_GROUP_DEFAULT_MAX_MESSAGE   (4u << 20)
#define SR_MLS_GROUP_DEFAULT_MAX_PENDING   1024u
/* PrivateMessage content is padded to a multiple of this (hides lengths, §6.3). */
#define SR_MLS_GROUP_DEFAULT_PADDING 32u
/* The largest max_proposals a caller may configure (sizes the per-commit arrays). */
#define SR_MLS_GROUP_PROPOSALS_CAP 1024u

/** A proposal received in this epoch, kept until a commit references it (§12.4). */
struct sr_mls_group_pending {
    uint8_t ref[SR_HASH_MAX];
    struct sr_mls_authenticated_content ac; /* owns its bytes (_dup) */
    /* An Add whose KeyPackage and LeafNode signatures were verified on arrival (by whoever
     * vetted it); a commit referencing it need not verify the same bytes again. */
    bool signatures_verified;
};

/* Update proposals of our own we keep keys for, per epoch. */
#define SR_MLS_GROUP_OWN_UPDATES 4

/** The private key of an Update we proposed (§12.1.2), until a commit applies it. */
struct sr_mls_group_own_update {
    uint8_t pk[SR_KEM_PK_MAX];
    size_t pk_len;
    struct sr_secret sk;
};

/** Everything that changes with the epoch. Zeroed is empty; release with _cleanup. */
struct sr_mls_group_epoch {
    uint64_t epoch;
    struct sr_mls_tree tree;
    uint32_t own_leaf;
    struct sr_mls_treekem_priv priv;
    struct sr_buf gc_ext;   /* GroupContext extensions (vector body) */
    struct sr_buf gc_bytes; /* the encoded GroupContext */
    uint8_t tree_hash[SR_HASH_MAX];
    uint8_t confirmed[SR_HASH_MAX]; /* confirmed transcript hash (empty at epoch 0) */
    size_t confirmed_len;
    uint8_t interim[SR_HASH_MAX];
    uint8_t confirmation_tag[SR_HASH_MAX];
    struct sr_mls_epoch_secrets secrets;
    struct sr_mls_secret_tree *stree;
    struct sr_mls_protect_ctx *pctx;
    struct sr_mls_group_pending *pending;
    size_t n_pending;
    struct sr_mls_group_own_update own_updates[SR_MLS_GROUP_OWN_UPDATES];
    size_t n_own_updates;
};

struct sr_mls_group_psk {
    struct sr_buf id;
    struct sr_secret secret;
};

struct sr_mls_group_resumption {
    uint64_t epoch;
    struct sr_secret psk;
};

struct sr_mls_group {
    const struct sr_suite *suite;
    struct sr_buf group_id;
    struct sr_secret sig_priv;
    struct sr_mls_group_limits limits;
    struct sr_mls_group_epoch ep;
    struct sr_mls_group_psk *psks;
    size_t n_psks;
    struct sr_mls_group_resumption resumption[SR_MLS_GROUP_RESUMPTION_KEEP];
    bool removed; /* a commit removed us (§12.4.2): nothing more can be sent or received */
    bool reinit;  /* a ReInit was committed (§12.1.5): the group is frozen */
    uint64_t now; /* seconds since the Unix epoch for lifetime checks; 0: not checked */
    struct sr_mls_group_epoch *staged; /* our own commit, until merged or discarded */
    struct sr_buf own_commit_msg;      /* the MLSMessage of the staged commit */
    bool staged_reinit;
    struct sr_buf reinit_proposal;        /* the committed ReInit body (§12.1.5), for §11.2 */
    struct sr_buf staged_reinit_proposal; /* the ReInit body of the staged commit */
    struct sr_mls_group_reinit_link *reinit_link; /* while creating a ReInit follow-on */
    sr_mls_identity_check_fn id_fn;
    void *id_arg;
    const struct sr_mls_trust *trust;    /* built-in validator's anchors (borrowed), or NULL */
    struct sr_mls_credential_check cred; /* trust, then id_fn, for leaf validation */
    bool restored;  /* restored from version 1 state: no PrivateMessage until the next epoch */
    size_t padding; /* PrivateMessage padding block */
};

/* group.c */

/** A new zeroed group for `suite` and `group_id`, limits filled with the defaults. */
SR_MUST_USE sr_err sr_mls_group_alloc(const struct sr_suite *suite, struct sr_slice group_id,
                                      const struct sr_mls_group_limits *limits,
                                      struct sr_mls_group **out);

void sr_mls_group_epoch_cleanup(struct sr_mls_group_epoch *ep);

/**
 * Finish a staged epoch whose tree, priv, own_leaf, epoch, gc_ext, confirmed hash, secrets
 * and confirmation tag are set: encode the GroupContext is NOT done here (callers need it
 * earlier for the key schedule); compute the interim transcript hash, the secret tree and
 * the protection context.
 */
SR_MUST_USE sr_err sr_mls_group_epoch_finish(struct sr_mls_group *g, struct sr_mls_group_epoch *ep);

/** Encode the GroupContext of `ep` into ep->gc_bytes (tree hash from the tree). */
SR_MUST_USE sr_err sr_mls_group_epoch_encode_gc(const struct sr_mls_group *g,
                                                struct sr_mls_group_epoch *ep);

/** Install the staged epoch `ep` (consumed), keeping the old resumption PSK. */
void sr_mls_group_epoch_install(struct sr_mls_group *g, struct sr_mls_group_epoch *ep);

/** The signature-key look-up of the protection context (arg: the group). */
sr_err sr_mls_group_signature_key(void *arg, const struct sr_mls_sender *sender,
                                  const struct sr_mls_framed_content *content,
                                  struct sr_slice *pub);

/** The signature key of external sender `index` (the external_senders extension, §12.1.8.1). */
SR_MUST_USE sr_err sr_mls_group_external_sender_key(const struct sr_mls_group *g, uint32_t index,
                                                    struct sr_slice *pub);

/**
 * The credential check for leaf validation: always present, since X.509 credentials are
 * checked for form, validity and key binding even without a trust or identity check.
 */
const struct sr_mls_credential_check *sr_mls_group_cred(const struct sr_mls_group *g);

/** Add an external PSK to the store (replacing one with the same id). */
SR_MUST_USE sr_err sr_mls_group_psk_store(struct sr_mls_group *g, struct sr_slice id,
                                          struct sr_slice secret);

/** The PSK value for `id` (external from the store, resumption from past epochs). */
SR_MUST_USE sr_err sr_mls_group_psk_find(const struct sr_mls_group *g,
                                         const struct sr_mls_psk_id *id, struct sr_secret *out);

/* group_apply.c */

/** A proposal of a commit with who sent it (its leaf for member senders). */
struct sr_mls_group_prop {
    const struct sr_mls_proposal *p;
    struct sr_mls_sender sender;
    bool signatures_verified; /* from struct sr_mls_group_pending */
};

/** What applying a proposal list produced. */
struct sr_mls_group_applied {
    uint32_t added[SR_MLS_GROUP_PROPOSALS_CAP];
    size_t n_added;
    bool path_required;
    bool own_removed;
    bool reinit;
    bool external_init;
    struct sr_secret init_secret; /* from ExternalInit */
    struct sr_secret psk_secret;  /* empty: no PSK */
    const struct sr_mls_psk_id *psk_ids[SR_MLS_GROUP_PROPOSALS_CAP];
    size_t n_psks;
};

/**
 * Validate the proposal list `props` of a commit from `committer` (§12.2) and apply it to the
 * staged epoch `ne` (a copy of the current tree and extensions, §12.3). `external` selects
 * the external-commit rules. SR_ERR_INVALID for a rule broken, SR_ERR_AUTH for a bad leaf
 * signature, SR_ERR_NOT_FOUND for an unknown PSK, SR_ERR_LIMIT for too many proposals.
 */
SR_MUST_USE sr_err sr_mls_group_apply(struct sr_mls_group *g, struct sr_mls_group_epoch *ne,
                                      const struct sr_mls_group_prop *props, size_t n,
                                      const struct sr_mls_sender *committer, bool external,
                                      struct sr_mls_group_applied *out);

void sr_mls_group_applied_cleanup(struct sr_mls_group_applied *a);

/* group_reinit.c */

/** A ReInit proposal's fields (§12.1.5); the slices borrow from the body parsed. */
struct sr_mls_group_reinit_params {
    struct sr_slice group_id;
    uint16_t version;
    uint16_t suite;
    struct sr_slice extensions; /* Extension<V> body */
};

/**
 * The old group of a ReInit follow-on (§11.2) while its first commit is made, or while a
 * joiner processes its Welcome: the one source of the resumption PSK with usage reinit.
 */
struct sr_mls_group_reinit_link {
    const struct sr_mls_group *old; /* frozen by its committed ReInit */
    bool used;                      /* its PSK was asked for */
};

/** Parse an encoded ReInit body (as kept in reinit_proposal). SR_ERR_DECODE. */
SR_MUST_USE sr_err sr_mls_group_reinit_parse(struct sr_slice body,
                                             struct sr_mls_group_reinit_params *out);

/** Set `dst` to the encoded body of the ReInit among `props` (n of them); `dst` as was on error. */
SR_MUST_USE sr_err sr_mls_group_reinit_keep(struct sr_buf *dst,
                                            const struct sr_mls_group_prop *props, size_t n);

/**
 * The resumption PSK of `link`'s old group when `id` names it (type resumption, usage reinit,
 * the old group_id and its epoch after the ReInit commit); SR_ERR_NOT_FOUND otherwise.
 */
SR_MUST_USE sr_err sr_mls_group_reinit_psk(struct sr_mls_group_reinit_link *link,
                                           const struct sr_mls_psk_id *id, struct sr_secret *out);

/* group_state.c */

/* See sr_mls_group_save / sr_mls_group_restore in <sealroom/mls.h>. */

/* group_create.c */

/** Create a one-member group (§11) from a private KeyPackage bundle; see sr_mls_group_create. */
SR_MUST_USE sr_err sr_mls_group_create_priv(const struct sr_mls_key_package_priv *kpp,
                                            struct sr_slice group_id, struct sr_slice extensions,
                                            const struct sr_mls_group_limits *limits,
                                            struct sr_mls_group **out);

/* group_groupinfo.c */

#define SR_MLS_GROUP_INFO_TREE         1u /* add the ratchet_tree extension */
#define SR_MLS_GROUP_INFO_EXTERNAL_PUB 2u /* add the external_pub extension */

/** Append the signed GroupInfo (not wrapped in MLSMessage) of epoch `ep`. */
SR_MUST_USE sr_err sr_mls_group_info_make(const struct sr_mls_group *g,
                                          const struct sr_mls_group_epoch *ep, unsigned flags,
                                          struct sr_buf *out);

/** Append MLSMessage(Welcome) for the members added by a commit that led to `ne`. */
SR_MUST_USE sr_err sr_mls_group_welcome_make(const struct sr_mls_group *g,
                                             const struct sr_mls_group_epoch *ne,
                                             const struct sr_mls_group_prop *props, size_t n,
                                             const struct sr_mls_group_applied *ap,
                                             const struct sr_mls_treekem_result *res, bool tree,
                                             struct sr_buf *out);

/* group_welcome.c */

struct sr_mls_group_join_args {
    struct sr_slice welcome; /* MLSMessage(Welcome) */
    const struct sr_mls_key_package_priv *key_package;
    struct sr_slice ratchet_tree; /* out of band; empty: the ratchet_tree extension */
    const struct sr_mls_psk *psks;
    size_t psk_count;
    const struct sr_mls_group_limits *limits;
    uint64_t now;
    sr_mls_identity_check_fn id_fn;
    void *id_arg;
    const struct sr_mls_trust *trust;        /* borrowed, kept by the group; NULL: none */
    struct sr_mls_group_reinit_link *reinit; /* joining a ReInit follow-on (§11.2); else NULL */
};

/**
 * §12.4.3.1: validate every non-blank leaf of a tree being joined (§7.3), except the leaf
 * signatures: call it only after sr_mls_tree_validate(t, ...) succeeded, which verifies them.
 */
SR_MUST_USE sr_err sr_mls_group_validate_leaves(const struct sr_mls_group *g,
                                                const struct sr_mls_tree *t,
                                                const struct sr_mls_group_info *gi);

/** Join from a Welcome (§12.4.3.1) with a private KeyPackage bundle. */
SR_MUST_USE sr_err sr_mls_group_join_priv(const struct sr_mls_group_join_args *a,
                                          struct sr_mls_group **out);

/** sr_mls_group_join; joining the ReInit follow-on of `reinit`'s old group unless NULL. */
SR_MUST_USE sr_err sr_mls_group_join_linked(const struct sr_mls_group_join_params *p,
                                            struct sr_mls_group_reinit_link *reinit,
                                            struct sr_mls_group **out);

/* group_process.c */

/** Cache a proposal (§12.1) under its ProposalRef for a later commit. */
SR_MUST_USE sr_err sr_mls_group_cache_proposal(struct sr_mls_group *g,
                                               const struct sr_mls_authenticated_content *ac);

/** Decode and authenticate `msg` with the current epoch, then act on it (§12.4.2). */
SR_MUST_USE sr_err sr_mls_group_process_msg(struct sr_mls_group *g, struct sr_slice msg,
                                            struct sr_mls_processed *out);
