/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MLS groups (RFC 9420): create a group, join one from a Welcome or by external commit,
 * follow it as it evolves by processing proposals and commits, make proposals, commits and
 * application messages, save and restore it, and read what the application needs from the
 * current epoch (epoch number, epoch authenticator, exporter, roster, tree hash).
 *
 *   creator: sr_mls_group_create -> sr_mls_group_commit(add KeyPackages) -> commit + Welcome
 *            -> delivery service accepts -> sr_mls_group_commit_merge (or process the echo)
 *   joiner:  sr_mls_key_package_new -> ... -> sr_mls_group_join(Welcome)
 *            or sr_mls_group_get_group_info (from a member) -> sr_mls_group_join_external
 *   members: sr_mls_group_process for every handshake and application message
 *   server:  sr_mls_external_propose (Add, Remove) when listed in external_senders
 *
 * All inputs and outputs are bytes: messages are encoded MLSMessages; KeyPackage private
 * bundles are the byte form written by sr_mls_key_package_new. The group is sans-IO and not
 * thread-safe. A message the group rejects leaves its state unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/err.h>

struct sr_mls_group;

/**
 * Resource limits of a group; a field of 0 takes the default. Exceeding one makes the
 * offending call fail with SR_ERR_LIMIT.
 */
struct sr_mls_group_limits {
    uint32_t max_leaves;    /* ratchet tree size in leaves (default 1024) */
    uint32_t max_proposals; /* proposals in one commit, and cached per epoch (default 256) */
    size_t max_message;     /* bytes of one MLSMessage (default 4 MiB) */
    /* Threads that verify the leaf signatures of a ratchet tree on join and external join
     * (trees of 64 leaves or more; the results do not depend on it). 0: the online CPUs, at
     * most 4; 1: no threads, all on the caller's. */
    uint32_t verify_threads;
};

/**
 * The application's decision on a member's credential (RFC 9420 §5.3.1: the application MUST
 * validate credentials): `type` is the CredentialType (1 basic, 2 x509), `identity` the basic
 * identity or the end-entity certificate (DER), `signature_key` the key it must bind. Return
 * SR_OK to accept; any other value refuses the KeyPackage, leaf or tree that carries it.
 */
typedef sr_err (*sr_mls_identity_check_fn)(void *arg, uint16_t type, struct sr_slice identity,
                                           struct sr_slice signature_key);

/*
 * X.509 credentials and the built-in validator (RFC 9420 §5.3.1).
 *
 * Without any check configured, a group still refuses an X.509 credential that is malformed,
 * outside its validity time, or whose end-entity public key is not the leaf's signature key;
 * it just does not judge the chain. A trust configuration (sr_mls_trust) adds chain
 * verification to anchors on OpenSSL's X509_STORE and a verification level per anchor, which
 * the group reports for each member.
 */

/** How well a member's identity is verified. */
enum sr_mls_identity_level {
    SR_MLS_LEVEL_UNVERIFIED = 0, /* basic credential, or a chain to no configured anchor */
    SR_MLS_LEVEL_INTERNAL = 1,   /* chain to an anchor added with this level */
    SR_MLS_LEVEL_EXTERNAL = 2,   /* chain to an anchor added with this level (partner CA) */
};

/** Trust anchors and policy for the built-in validator; shared, read-only once in use. */
struct sr_mls_trust;

/**
 * An empty trust configuration: no anchors, unverified members accepted, the group's clock.
 * SR_ERR_NOMEM.
 */
SR_API SR_MUST_USE sr_err sr_mls_trust_new(struct sr_mls_trust **out);

/** Free a trust configuration; NULL is a no-op. Groups using it must be freed first. */
SR_API void sr_mls_trust_free(struct sr_mls_trust *t);

/**
 * Add the DER certificate `der` as a trust anchor; chains to it are reported at `level`
 * (SR_MLS_LEVEL_INTERNAL or SR_MLS_LEVEL_EXTERNAL). SR_ERR_DECODE when `der` does not parse,
 * SR_ERR_ARG for another level.
 */
SR_API SR_MUST_USE sr_err sr_mls_trust_add_anchor(struct sr_mls_trust *t, struct sr_slice der,
                                                  enum sr_mls_identity_level level);

/**
 * Refuse unverified members (basic credentials and chains to no anchor) with SR_ERR_DENIED
 * when `require` is set. Off by default.
 */
SR_API void sr_mls_trust_require_verified(struct sr_mls_trust *t, bool require);

/**
 * Check certificate validity at `now` (seconds since the Unix epoch). 0 (the default): the
 * clock of the group judging (sr_mls_group_set_time, a join's `now`), else the system clock.
 */
SR_API void sr_mls_trust_set_time(struct sr_mls_trust *t, uint64_t now);

/**
 * A new signature key pair in the scheme of cipher suite `suite` (1..7): raw private key
 * appended to `priv` (a wiping buffer is advised), raw public key to `pub`.
 */
SR_API SR_MUST_USE sr_err sr_mls_signature_key_new(uint16_t suite, struct sr_buf *priv,
                                                   struct sr_buf *pub);

/**
 * As sr_mls_key_package_new, with an X.509 credential: `certs[0..cert_count)` is the DER
 * chain, end-entity first, and `signature_priv` the raw private key whose public key is the
 * end-entity certificate's. SR_ERR_INVALID when the key does not match the certificate,
 * SR_ERR_DECODE for a certificate that does not parse.
 */
SR_API SR_MUST_USE sr_err sr_mls_key_package_new_x509(uint16_t suite, const struct sr_slice *certs,
                                                      size_t cert_count,
                                                      struct sr_slice signature_priv, uint64_t now,
                                                      struct sr_buf *key_package,
                                                      struct sr_buf *priv);

#define SR_MLS_IDENTITY_TEXT_MAX 256

/** What the group knows of a member's identity. */
struct sr_mls_member_identity {
    uint16_t credential_type;                /* 1 basic, 2 x509 */
    enum sr_mls_identity_level level;        /* under the group's trust; UNVERIFIED without one */
    char identity[SR_MLS_IDENTITY_TEXT_MAX]; /* email SAN, else subject; basic: the identity
                                                (printable ASCII) or its hex */
    size_t cert_count;                       /* certificates in an X.509 credential */
};

/** An external pre-shared key (§8.4); both slices are borrowed for the call. */
struct sr_mls_psk {
    struct sr_slice id;
    struct sr_slice secret;
};

/**
 * Create a KeyPackage for cipher suite `suite` (1..7) with a basic credential holding
 * `identity`, valid around `now` (seconds since the Unix epoch). Appends the
 * MLSMessage(KeyPackage) to `key_package` and the secret private bundle to `priv` (store it
 * encrypted). SR_ERR_UNSUPPORTED for an unknown suite, SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_mls_key_package_new(uint16_t suite, struct sr_slice identity,
                                                 uint64_t now, struct sr_buf *key_package,
                                                 struct sr_buf *priv);

/** Parameters of sr_mls_group_create; every slice is borrowed for the call. */
struct sr_mls_group_create_params {
    struct sr_slice key_package_priv; /* the creator's bundle: leaf, keys and suite */
    struct sr_slice group_id;         /* any bytes, up to 256 */
    struct sr_slice extensions;       /* GroupContext extensions: encoded Extension<V> body */
    const struct sr_mls_group_limits *limits; /* NULL: defaults */
};

/**
 * Create a one-member group at epoch 0 (RFC 9420 §11). `*out` receives the group (free it
 * with sr_mls_group_free). SR_ERR_DECODE for a bad bundle or extension list, SR_ERR_INVALID
 * for extensions the creator does not support, SR_ERR_LIMIT for a group_id too long.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_create(const struct sr_mls_group_create_params *p,
                                              struct sr_mls_group **out);

/** Parameters of sr_mls_group_join; every slice is borrowed for the call. */
struct sr_mls_group_join_params {
    struct sr_slice welcome;          /* MLSMessage(Welcome) */
    struct sr_slice key_package_priv; /* the bundle of the KeyPackage the Welcome is for */
    struct sr_slice ratchet_tree;     /* the tree given out of band; empty: in the GroupInfo */
    const struct sr_mls_psk *psks;    /* external PSKs the Welcome may need; kept by the group */
    size_t psk_count;
    const struct sr_mls_group_limits *limits; /* NULL: defaults */
    uint64_t now; /* seconds since the Unix epoch for lifetime checks; 0: skip them (and
                     judge certificates by the trust's or the system clock) */
    sr_mls_identity_check_fn identity_check; /* NULL: none (X.509 credentials are still
                                                checked for form, validity and key) */
    void *identity_arg;
    const struct sr_mls_trust *trust; /* built-in validator (borrowed, kept); NULL: none */
};

/**
 * Join a group from a Welcome (§12.4.3.1): decrypt it, verify the GroupInfo and the ratchet
 * tree, place ourselves in the tree and start the epoch. SR_ERR_NOT_FOUND when the Welcome
 * is not for this KeyPackage or needs an unknown PSK, SR_ERR_AUTH for a bad signature,
 * ciphertext or confirmation tag, SR_ERR_INVALID for an invalid tree, SR_ERR_LIMIT for a
 * tree beyond the limits, SR_ERR_DECODE for malformed input.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_join(const struct sr_mls_group_join_params *p,
                                            struct sr_mls_group **out);

/** Wipe and free a group; NULL is a no-op. */
SR_API void sr_mls_group_free(struct sr_mls_group *g);

/** Add (or replace) an external PSK the group may be asked to use in a commit. */
SR_API SR_MUST_USE sr_err sr_mls_group_add_psk(struct sr_mls_group *g, struct sr_slice id,
                                               struct sr_slice secret);

/**
 * Check every credential that enters the group from now on (Adds, Updates, commit leaves,
 * external joiners) with `fn` (NULL: no check).
 */
SR_API void sr_mls_group_set_identity_check(struct sr_mls_group *g, sr_mls_identity_check_fn fn,
                                            void *arg);

/**
 * Validate every credential that enters the group from now on with the built-in validator
 * over `t` (borrowed: it must outlive the group); NULL removes it. An identity check set with
 * sr_mls_group_set_identity_check runs as well, after it.
 */
SR_API void sr_mls_group_set_trust(struct sr_mls_group *g, const struct sr_mls_trust *t);

/**
 * Set the clock used for KeyPackage lifetime checks (0: do not check lifetimes) and, unless
 * the trust has its own, for certificate validity (0: the system clock).
 */
SR_API void sr_mls_group_set_time(struct sr_mls_group *g, uint64_t now);

/** What processing one message did. */
enum sr_mls_processed_kind {
    SR_MLS_PROCESSED_APPLICATION = 1, /* `data` holds the application plaintext */
    SR_MLS_PROCESSED_PROPOSAL = 2,    /* cached for a later commit */
    SR_MLS_PROCESSED_COMMIT = 3,      /* the group moved to the next epoch */
    SR_MLS_PROCESSED_REMOVED = 4,     /* a commit removed us; the group is now inactive */
};

struct sr_mls_processed {
    enum sr_mls_processed_kind kind;
    uint32_t sender;     /* the sender's leaf index (member senders) */
    uint8_t sender_type; /* RFC 9420 SenderType: 1 member, 2 external, 3, 4 new member */
    struct sr_buf data;  /* application data (wiping buffer); release with _cleanup */
    struct sr_buf aad;   /* the message's authenticated_data (any content type) */
    uint64_t epoch;      /* the epoch the message belonged to */
};

/** Release what `p` holds (wiping application data) and zero it. */
SR_API void sr_mls_processed_cleanup(struct sr_mls_processed *p);

/**
 * Process one MLSMessage (PublicMessage or PrivateMessage) of the current epoch: application
 * data is decrypted, proposals are cached by ProposalRef, commits are validated (§12.2) and
 * applied (§12.4.2). `out` must be zeroed; release it with sr_mls_processed_cleanup.
 * SR_ERR_EPOCH / SR_ERR_WRONG_GROUP for another epoch or group, SR_ERR_AUTH for any failed
 * signature, tag or decryption, SR_ERR_INVALID for a broken rule, SR_ERR_LIMIT, SR_ERR_DECODE,
 * SR_ERR_STATE once we were removed. On error the group is unchanged.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_process(struct sr_mls_group *g, struct sr_slice msg,
                                               struct sr_mls_processed *out);

/** The current epoch number. */
SR_API uint64_t sr_mls_group_epoch(const struct sr_mls_group *g);

/** Our leaf index in the ratchet tree. */
SR_API uint32_t sr_mls_group_own_leaf(const struct sr_mls_group *g);

/** The cipher suite id. */
SR_API uint16_t sr_mls_group_suite(const struct sr_mls_group *g);

/** Append the group id to `out`. */
SR_API SR_MUST_USE sr_err sr_mls_group_id(const struct sr_mls_group *g, struct sr_buf *out);

/** Append the epoch_authenticator of the current epoch (§8.7) to `out`. */
SR_API SR_MUST_USE sr_err sr_mls_group_epoch_authenticator(const struct sr_mls_group *g,
                                                           struct sr_buf *out);

/** Append the root tree hash of the ratchet tree (§7.8) to `out`. */
SR_API SR_MUST_USE sr_err sr_mls_group_tree_hash(const struct sr_mls_group *g, struct sr_buf *out);

/**
 * out[len] = MLS-Exporter(label, context, len) of the current epoch (§8.5). SR_ERR_ARG for a
 * zero or too large `len`.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_export(const struct sr_mls_group *g, struct sr_slice label,
                                              struct sr_slice context, size_t len, uint8_t *out);

/** The number of leaf slots in the tree (members are the non-blank ones). */
SR_API uint32_t sr_mls_group_leaf_count(const struct sr_mls_group *g);

/**
 * The member at leaf `leaf`: appends its credential identity (basic: the identity bytes;
 * X.509: the end-entity certificate DER) to `identity`. SR_ERR_NOT_FOUND for a blank leaf
 * or one out of range.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_member(const struct sr_mls_group *g, uint32_t leaf,
                                              struct sr_buf *identity);

/**
 * The identity of the member at leaf `leaf`, judged by the group's trust at the time of the
 * call. SR_ERR_NOT_FOUND for a blank leaf or one out of range.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_member_identity(const struct sr_mls_group *g, uint32_t leaf,
                                                       struct sr_mls_member_identity *out);

/**
 * Append certificate `index` (0: end-entity) of the X.509 credential at leaf `leaf` (DER) to
 * `der`. SR_ERR_NOT_FOUND for a blank leaf, a basic credential or an index past the chain.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_member_certificate(const struct sr_mls_group *g,
                                                          uint32_t leaf, size_t index,
                                                          struct sr_buf *der);

/**
 * Append an MLSMessage(GroupInfo) of the current epoch with external_pub (§12.4.3.2), and the
 * ratchet_tree extension when `ratchet_tree` is set: what a client needs to join by external
 * commit. SR_ERR_STATE once removed.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_get_group_info(const struct sr_mls_group *g,
                                                      bool ratchet_tree, struct sr_buf *out);

/** Append the ratchet tree (the ratchet_tree extension body, §12.4.3.3) to `out`. */
SR_API SR_MUST_USE sr_err sr_mls_group_export_tree(const struct sr_mls_group *g,
                                                   struct sr_buf *out);

/** What a commit created by sr_mls_group_commit contains; every pointer borrowed for the call. */
struct sr_mls_commit_params {
    const struct sr_slice *add; /* MLSMessage(KeyPackage) of each client to add */
    size_t add_count;
    const uint32_t *remove; /* leaf indices of members to remove */
    size_t remove_count;
    const struct sr_slice *psk_ids; /* external PSKs (already given to the group) to inject */
    size_t psk_count;
    const uint64_t *resumption_epochs; /* resumption PSKs of this group's past epochs (§8.6) */
    size_t resumption_count;
    bool by_reference;          /* also commit every proposal received in this epoch */
    bool path;                  /* include an UpdatePath even when no proposal requires one */
    bool private_message;       /* send the commit as a PrivateMessage (default PublicMessage) */
    bool ratchet_tree;          /* put the ratchet tree in the Welcome's GroupInfo */
    bool set_extensions;        /* replace the GroupContext extensions (§12.1.7) with: */
    struct sr_slice extensions; /* an encoded Extension<V> body, as for sr_mls_group_create */
};

/**
 * Create a commit (RFC 9420 §12.4.1) and append its MLSMessage to `commit`, and, when it adds
 * members and `welcome` is not NULL, their MLSMessage(Welcome) to `welcome`. The new epoch is
 * staged: call sr_mls_group_commit_merge once the delivery service accepted the commit, or
 * sr_mls_group_commit_discard (a new commit replaces a staged one). Processing the same
 * commit message (sent back by the delivery service) merges it too; processing another
 * member's commit for the epoch discards it (that commit won). Errors as for
 * processing (SR_ERR_INVALID for an invalid proposal list, SR_ERR_LIMIT); on error nothing
 * changes and the buffers are as they were.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_commit(struct sr_mls_group *g,
                                              const struct sr_mls_commit_params *p,
                                              struct sr_buf *commit, struct sr_buf *welcome);

/** Move to the epoch staged by sr_mls_group_commit. SR_ERR_STATE without one. */
SR_API SR_MUST_USE sr_err sr_mls_group_commit_merge(struct sr_mls_group *g);

/** Drop a staged commit (no-op without one). */
SR_API void sr_mls_group_commit_discard(struct sr_mls_group *g);

/**
 * Propose adding the client of MLSMessage(KeyPackage) `key_package` (§12.1.1), or removing
 * leaf `leaf` (§12.1.3), as a PublicMessage (or PrivateMessage with `priv`) appended to `out`.
 * The proposal is cached, so a later sr_mls_group_commit with by_reference includes it.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_propose_add(struct sr_mls_group *g,
                                                   struct sr_slice key_package, bool priv,
                                                   struct sr_buf *out);
SR_API SR_MUST_USE sr_err sr_mls_group_propose_remove(struct sr_mls_group *g, uint32_t leaf,
                                                      bool priv, struct sr_buf *out);

/**
 * Propose an Update of our leaf with a fresh encryption key (§12.1.2); its private key is
 * kept until another member commits it (we cannot commit our own Update: a commit with a
 * path does the same). At most 4 per epoch (SR_ERR_LIMIT).
 */
SR_API SR_MUST_USE sr_err sr_mls_group_propose_update(struct sr_mls_group *g, bool priv,
                                                      struct sr_buf *out);

/**
 * Propose reinitializing the group (§12.1.5) as `group_id` with cipher suite `suite` and
 * GroupContext extensions `extensions` (an encoded Extension<V> body). Once a commit of it is
 * applied the group is frozen (sr_mls_group_active is false) and remembers the ReInit: one
 * member starts the follow-on group with sr_mls_group_reinit_create, the others join it with
 * sr_mls_group_reinit_join, then the application retires this one.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_propose_reinit(struct sr_mls_group *g,
                                                      struct sr_slice group_id, uint16_t suite,
                                                      struct sr_slice extensions, bool priv,
                                                      struct sr_buf *out);

/** False once a commit removed us or applied a ReInit: the group can do nothing more. */
SR_API bool sr_mls_group_active(const struct sr_mls_group *g);

/** Parameters of sr_mls_group_reinit_create; every pointer is borrowed for the call. */
struct sr_mls_reinit_create_params {
    struct sr_slice key_package_priv; /* our bundle, in the ReInit's cipher suite */
    const struct sr_slice *add;       /* MLSMessage(KeyPackage) of every other member, same suite */
    size_t add_count;
    bool ratchet_tree;                        /* put the ratchet tree in the Welcome's GroupInfo */
    const struct sr_mls_group_limits *limits; /* NULL: defaults */
};

/**
 * Start the group that follows `old` once a ReInit was committed in it (RFC 9420 §11.2): a
 * group with the ReInit's group_id, version, cipher suite and extensions, whose first commit
 * adds the other members and injects `old`'s resumption PSK (usage reinit, `old`'s group_id
 * and the epoch the ReInit commit led to). `*out` receives the new group at epoch 1 (the
 * commit is merged at once: nobody else is in epoch 0) and the MLSMessage(Welcome) for the
 * others is appended to `welcome`; without `ratchet_tree` they also need the tree
 * (sr_mls_group_export_tree). `old` is only read, during the call. SR_ERR_STATE when `old`
 * has no committed ReInit, SR_ERR_UNSUPPORTED for a ReInit version other than MLS 1.0,
 * SR_ERR_INVALID when the bundle is not of the ReInit's suite or a member of `old` with a
 * basic credential has no leaf with that identity in the new group; otherwise the errors
 * of sr_mls_group_create and sr_mls_group_commit. On error `welcome` is as it was.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_reinit_create(const struct sr_mls_group *old,
                                                     const struct sr_mls_reinit_create_params *p,
                                                     struct sr_mls_group **out,
                                                     struct sr_buf *welcome);

/**
 * Join the group that follows `old` after its ReInit from the Welcome in `p` (§11.2,
 * §12.4.3.1), as sr_mls_group_join does, with the checks of the link: the Welcome must use
 * the resumption PSK of `old`'s final epoch (usage reinit), which only `old` can supply, and
 * the group must be at epoch 1 with the ReInit's group_id, version, cipher suite and
 * extensions, and hold every member of `old` (basic credentials: the same identity; X.509
 * identities are left to the trust and identity check). `old` is only read, during the call.
 * SR_ERR_STATE when `old` has no committed ReInit, SR_ERR_NOT_FOUND when the Welcome does
 * not use `old`'s reinit PSK, SR_ERR_INVALID when the group does not match the ReInit;
 * otherwise the errors of sr_mls_group_join.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_reinit_join(const struct sr_mls_group *old,
                                                   const struct sr_mls_group_join_params *p,
                                                   struct sr_mls_group **out);

/**
 * Encrypt application data `data` with authenticated data `aad` as an MLSMessage
 * (PrivateMessage, §6.3) padded to the group's padding block, appended to `out`.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_protect(struct sr_mls_group *g, struct sr_slice aad,
                                               struct sr_slice data, struct sr_buf *out);

/** Pad PrivateMessage content to a multiple of `block` bytes from the next epoch on (0: none). */
SR_API void sr_mls_group_set_padding(struct sr_mls_group *g, size_t block);

/** A proposal from an external sender (a server listed in external_senders, §12.1.8.1). */
struct sr_mls_external_proposal {
    uint16_t cipher_suite;
    struct sr_slice group_id;
    uint64_t epoch;
    uint32_t sender_index;          /* its index in the external_senders extension */
    struct sr_slice signature_priv; /* its signature private key */
    struct sr_slice key_package;    /* Add this MLSMessage(KeyPackage); empty: Remove */
    uint32_t remove;                /* the leaf to remove */
};

/** Append the MLSMessage(PublicMessage) of an external Add or Remove proposal to `out`. */
SR_API SR_MUST_USE sr_err sr_mls_external_propose(const struct sr_mls_external_proposal *p,
                                                  struct sr_buf *out);

/** Parameters of sr_mls_group_join_external; every slice is borrowed for the call. */
struct sr_mls_external_join_params {
    struct sr_slice group_info;       /* MLSMessage(GroupInfo) with external_pub */
    struct sr_slice key_package_priv; /* our bundle: its leaf, keys and suite */
    struct sr_slice ratchet_tree;     /* out of band; empty: the GroupInfo's extension */
    bool resync;                      /* also remove our old leaf (we lost our state) */
    uint32_t old_leaf;
    const struct sr_mls_group_limits *limits; /* NULL: defaults */
    uint64_t now; /* seconds since the Unix epoch for lifetime checks; 0: skip them (and
                     judge certificates by the trust's or the system clock) */
    sr_mls_identity_check_fn identity_check; /* NULL: none (X.509 credentials are still
                                                checked for form, validity and key) */
    void *identity_arg;
    const struct sr_mls_trust *trust; /* built-in validator (borrowed, kept); NULL: none */
};

/**
 * Join by external commit (RFC 9420 §12.4.3.2): verify the GroupInfo and its tree, then
 * append the commit (MLSMessage(PublicMessage)) for the members to `commit`; `*out` is the
 * group at the new epoch. SR_ERR_AUTH for a bad GroupInfo signature, SR_ERR_INVALID for an
 * invalid tree or no external_pub, SR_ERR_LIMIT, SR_ERR_DECODE.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_join_external(const struct sr_mls_external_join_params *p,
                                                     struct sr_mls_group **out,
                                                     struct sr_buf *commit);

/**
 * Append the whole group state in a versioned byte form to `out` (secret: pass a wiping
 * buffer and store it encrypted). It includes where the secret tree of the current epoch
 * stands: the positions of our own sending ratchets, and the receiving ratchets with the
 * keys kept for out-of-order messages. So save after every send or receive, and restore only
 * the latest save: restoring an older one would send again under generations already used.
 * A commit staged by sr_mls_group_commit is not included, nor are the trust
 * (sr_mls_group_set_trust, or a join's `trust`) and the identity check, which the group only
 * borrows: the application sets them again on the restored group.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_save(const struct sr_mls_group *g, struct sr_buf *out);

/**
 * Rebuild a group saved by sr_mls_group_save; `in` is borrowed for the call. The restored
 * member carries on in the same epoch: it sends under generations after those it used,
 * decrypts messages sent before the save that it had not received, and refuses one it had
 * already received (SR_ERR_REPLAY). State saved in format version 1 still restores, but
 * such a member sends no PrivateMessage (application data, private proposals or commits;
 * SR_ERR_STATE) until the next epoch, since its ratchet positions were not kept. The
 * restored group has no trust and no identity check until the application sets them again
 * (X.509 credentials are still checked for form, validity and key binding). SR_ERR_DECODE
 * for malformed or inconsistent input, SR_ERR_UNSUPPORTED for an unknown version or cipher
 * suite; on error `*out` is NULL.
 */
SR_API SR_MUST_USE sr_err sr_mls_group_restore(struct sr_slice in, struct sr_mls_group **out);
