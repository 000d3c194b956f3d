/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A zero-trust meeting as one participant sees it (DESIGN.md, zero-trust meeting flow): the
 * participant's MLS group, and everything that must follow the group's epoch in step with
 * it. Every time the epoch changes (a commit is processed or merged) the meeting installs,
 * from the new epoch and before returning:
 *
 *   SFrame media keys   MLS-Exporter("SFrame 1.0 Base Key", "", Nk)     RFC 9605 §5.2
 *   content keys        chat, file transfer, whiteboard, annotations   (e2ee.h keyring)
 *   verification code   sr_e2ee_verification_code(epoch_authenticator) RFC 9420 §8.7
 *
 * The previous epoch's media and content keys stay usable for `grace` milliseconds after the
 * change, so frames and messages sent just before a commit still open; then they are wiped.
 *
 *   first participant   sr_meeting_create (the relay listed in external_senders)
 *   joiner              sr_meeting_key_package_new -> relay proposes Add -> a member commits
 *                       -> sr_meeting_join(Welcome)   (or sr_meeting_join_external)
 *   every participant   sr_meeting_process for every MLS message the relay fans out
 *   any participant     sr_meeting_commit (pending proposals) -> relay accepts ->
 *                       sr_meeting_commit_merge (or process the echoed commit)
 *   leaving             sr_meeting_leave (a Remove proposal of our own leaf), or the relay
 *                       proposes Remove; a commit then ends our membership
 *
 * Identity levels come from the MLS trust configuration (mls.h, struct sr_mls_trust): a
 * chain to a partner CA is verified externally, to the internal CA verified internally,
 * anything else unverified; with sr_mls_trust_require_verified, unverified participants are
 * refused when their KeyPackage, leaf or Welcome tree is processed. A certificate that is
 * malformed, expired, or whose key is not the leaf's signature key is always refused.
 *
 * Sans-IO: bytes in, bytes out; time comes from the configured clock. A meeting is not
 * thread-safe. A message the meeting rejects leaves it unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/e2ee.h>
#include <sealroom/err.h>
#include <sealroom/mls.h>
#include <sealroom/sframe.h>

struct sr_meeting;
struct sr_sframe_ctx;

/** Milliseconds since the Unix epoch. */
typedef uint64_t (*sr_meeting_clock_fn)(void *arg);

/** Settings of a participant; fill with sr_meeting_config_init, then change what you need. */
struct sr_meeting_config {
    uint16_t mls_suite;    /* MLS cipher suite, 1..7 */
    uint16_t sframe_suite; /* RFC 9605 suite; 0: AES_128_GCM_SHA256_128 for the 128-bit MLS
                              suites 1..3, AES_256_GCM_SHA512_128 for 4..7 */
    const struct sr_mls_trust *trust; /* borrowed, must outlive the meeting; NULL: chains are
                                         not judged (everyone unverified) */
    uint64_t grace_ms;                /* how long the previous epoch's keys stay usable */
    sr_meeting_clock_fn clock;        /* NULL: the system real-time clock */
    void *clock_arg;
    const struct sr_mls_group_limits *limits; /* borrowed for the call; NULL: defaults */
};

/** Defaults for MLS suite `mls_suite`: SFrame suite by the rule above, grace 2000 ms. */
SR_API void sr_meeting_config_init(struct sr_meeting_config *cfg, uint16_t mls_suite);

/** A participant's credential; every slice is borrowed for the call. */
struct sr_meeting_credential {
    const struct sr_slice *certs;   /* X.509 chain (DER), end-entity first; NULL: basic */
    size_t cert_count;              /* 0: a basic credential with `identity` */
    struct sr_slice signature_priv; /* X.509: raw private key of certs[0] (see
                                       sr_mls_signature_key_new); basic: unused, a fresh key
                                       is made */
    struct sr_slice identity;       /* basic: the identity (e.g. "guest:alice") */
};

/**
 * Make a KeyPackage for `cfg->mls_suite` with credential `cred`, valid around the clock's
 * time: appends the MLSMessage(KeyPackage) (to upload to the relay) to `key_package` and the
 * secret private bundle to `priv` (give it to sr_meeting_create / _join; use a wiping
 * buffer). SR_ERR_INVALID when the private key is not the certificate's, SR_ERR_DECODE for a
 * certificate that does not parse, SR_ERR_UNSUPPORTED for an unknown suite.
 */
SR_API SR_MUST_USE sr_err sr_meeting_key_package_new(const struct sr_meeting_config *cfg,
                                                     const struct sr_meeting_credential *cred,
                                                     struct sr_buf *key_package,
                                                     struct sr_buf *priv);

/**
 * The relay (meeting server / SFU) as external sender (RFC 9420 §12.1.8.1): it may propose
 * Add and Remove, as index 0 of the external_senders extension. Slices borrowed for the call.
 */
struct sr_meeting_relay {
    struct sr_slice signature_key; /* raw public key in the MLS suite's signature scheme */
    struct sr_slice identity;      /* its basic credential identity (e.g. the server name) */
};

/**
 * Start a meeting as its first participant: a one-member MLS group at epoch 0 with group id
 * `meeting_id`, GroupContext extensions external_senders (when `relay` is not NULL) and
 * required_capabilities (x509 credentials, so certificate holders can always join), and
 * epoch 0's keys installed. `key_package_priv` is the bundle from sr_meeting_key_package_new.
 * `*out` receives the meeting (free with sr_meeting_free). SR_ERR_ARG for a bad config,
 * SR_ERR_UNSUPPORTED for an unknown suite, SR_ERR_DECODE for a bad bundle, SR_ERR_LIMIT for
 * an id over 256 bytes, SR_ERR_NOMEM, SR_ERR_CRYPTO.
 */
SR_API SR_MUST_USE sr_err sr_meeting_create(const struct sr_meeting_config *cfg,
                                            struct sr_slice meeting_id,
                                            struct sr_slice key_package_priv,
                                            const struct sr_meeting_relay *relay,
                                            struct sr_meeting **out);

/**
 * Join from an MLSMessage(Welcome) addressed to the KeyPackage of `key_package_priv` (the
 * ratchet tree in the Welcome's GroupInfo, as sr_meeting_commit puts it), validating every
 * member's credential under `cfg->trust`. Errors as sr_mls_group_join: SR_ERR_NOT_FOUND (not
 * for us), SR_ERR_AUTH, SR_ERR_INVALID (e.g. a certificate whose key is not the leaf's),
 * SR_ERR_DENIED (an unverified member under the require-verified policy), SR_ERR_DECODE,
 * SR_ERR_LIMIT; plus SR_ERR_ARG for a config that does not match the Welcome's suite.
 */
SR_API SR_MUST_USE sr_err sr_meeting_join(const struct sr_meeting_config *cfg,
                                          struct sr_slice welcome, struct sr_slice key_package_priv,
                                          struct sr_meeting **out);

/**
 * Join by external commit from an MLSMessage(GroupInfo) with external_pub and the ratchet
 * tree (sr_mls_group_get_group_info): appends the commit for the relay to fan out to
 * `commit`. Errors as sr_mls_group_join_external, and as sr_meeting_join.
 */
SR_API SR_MUST_USE sr_err sr_meeting_join_external(const struct sr_meeting_config *cfg,
                                                   struct sr_slice group_info,
                                                   struct sr_slice key_package_priv,
                                                   struct sr_meeting **out, struct sr_buf *commit);

/** Free the meeting, its group and every key (wiped); NULL is a no-op. */
SR_API void sr_meeting_free(struct sr_meeting *m);

/** What processing one message did; mirrors enum sr_mls_processed_kind. */
enum sr_meeting_event_kind {
    SR_MEETING_EVENT_APPLICATION = 1, /* an MLS application message: `data` */
    SR_MEETING_EVENT_PROPOSAL = 2,    /* cached until someone commits it */
    SR_MEETING_EVENT_COMMIT = 3,      /* new epoch, its keys and code installed */
    SR_MEETING_EVENT_REMOVED = 4,     /* a commit removed us: the meeting is over for us */
};

/**
 * The result of sr_meeting_process or sr_meeting_commit_merge. Zero it before the call;
 * release it with sr_meeting_event_cleanup. `joined` and `left` are leaf indices, ascending:
 * leaves filled by this commit's Adds (a new KeyPackage leaf, also where a Remove freed the
 * slot in the same commit), and members removed by it (ourselves included on REMOVED).
 */
struct sr_meeting_event {
    enum sr_meeting_event_kind kind;
    bool epoch_changed;  /* keys and verification code were renewed */
    uint64_t epoch;      /* the meeting's epoch after the call */
    uint32_t sender;     /* the sender's leaf (member senders) or external sender index */
    uint8_t sender_type; /* RFC 9420 SenderType: 1 member, 2 external, 3, 4 new member */
    uint32_t *joined;
    size_t joined_count;
    uint32_t *left;
    size_t left_count;
    struct sr_buf data; /* application data (wiping) */
};

/** Release what `ev` holds and zero it. */
SR_API void sr_meeting_event_cleanup(struct sr_meeting_event *ev);

/**
 * Process one MLSMessage from the relay: proposals (the relay's Adds and Removes, members'
 * leave requests) are validated and cached; a commit moves to the next epoch and installs its
 * keys and code before returning; application messages are decrypted into `ev->data`.
 * Our own commit echoed back merges it (as sr_meeting_commit_merge). Errors as
 * sr_mls_group_process (SR_ERR_EPOCH, SR_ERR_WRONG_GROUP, SR_ERR_AUTH, SR_ERR_INVALID,
 * SR_ERR_DENIED under the require-verified policy, SR_ERR_DECODE, SR_ERR_LIMIT), and
 * SR_ERR_STATE once we were removed. On error the meeting and `ev` are unchanged.
 */
SR_API SR_MUST_USE sr_err sr_meeting_process(struct sr_meeting *m, struct sr_slice msg,
                                             struct sr_meeting_event *ev);

/**
 * Commit every proposal cached in this epoch, with an UpdatePath: appends the commit to
 * `commit`, and when it adds members their Welcome (ratchet tree included) to `welcome`
 * (may be NULL when nobody joins). The new epoch is staged: send the commit to the relay,
 * then call sr_meeting_commit_merge once it accepted it, or sr_meeting_commit_discard when
 * another commit won (processing that commit discards ours too). SR_ERR_STATE once removed,
 * or when a cached proposal removes us (a commit cannot remove its committer: another
 * participant commits it); otherwise errors as sr_mls_group_commit. Nothing changes on error.
 */
SR_API SR_MUST_USE sr_err sr_meeting_commit(struct sr_meeting *m, struct sr_buf *commit,
                                            struct sr_buf *welcome);

/**
 * Move to the epoch staged by sr_meeting_commit and install its keys and code; `ev` (zeroed;
 * may be NULL) reports it as a COMMIT from ourselves. SR_ERR_STATE without a staged commit.
 */
SR_API SR_MUST_USE sr_err sr_meeting_commit_merge(struct sr_meeting *m,
                                                  struct sr_meeting_event *ev);

/** Drop a commit staged by sr_meeting_commit (no-op without one). */
SR_API void sr_meeting_commit_discard(struct sr_meeting *m);

/**
 * Ask to leave: appends a Remove proposal of our own leaf (PublicMessage) to `out` for the
 * relay to fan out; the next member commit removes us. SR_ERR_STATE once removed.
 */
SR_API SR_MUST_USE sr_err sr_meeting_leave(struct sr_meeting *m, struct sr_buf *out);

/**
 * Wipe the previous epoch's keys once its grace period has passed. Media unprotect and
 * content open do this themselves; call it when idle so old keys do not linger.
 */
SR_API void sr_meeting_tick(struct sr_meeting *m);

/** False once a commit removed us (media and content calls then fail with SR_ERR_STATE). */
SR_API bool sr_meeting_active(const struct sr_meeting *m);

/** The current epoch. */
SR_API uint64_t sr_meeting_epoch(const struct sr_meeting *m);

/** Our leaf index. */
SR_API uint32_t sr_meeting_own_leaf(const struct sr_meeting *m);

/**
 * The Security Verification Code of the current epoch, "ddddd ddddd ddddd ddddd ddddd
 * ddddd" (NUL-terminated, borrowed: valid until the epoch next changes). Equal for every
 * participant of the epoch; it changes on every join and leave.
 */
SR_API const char *sr_meeting_verification_code(const struct sr_meeting *m);

/** One participant as shown in the participant list. */
struct sr_meeting_participant {
    uint32_t leaf;
    bool self;                               /* this is us */
    uint16_t credential_type;                /* 1 basic, 2 x509 */
    enum sr_mls_identity_level level;        /* verified external / internal, or unverified */
    char identity[SR_MLS_IDENTITY_TEXT_MAX]; /* email SAN, else subject; basic: the identity */
};

/** The number of participants (non-blank leaves). */
SR_API size_t sr_meeting_participant_count(const struct sr_meeting *m);

/**
 * Fill `out[0..cap)` with the participants in leaf order and set `*count` to their number.
 * SR_ERR_BUFFER_TOO_SMALL when `cap` is less (`*count` still says how many are needed).
 */
SR_API SR_MUST_USE sr_err sr_meeting_participants(const struct sr_meeting *m,
                                                  struct sr_meeting_participant *out, size_t cap,
                                                  size_t *count);

/** The participant at leaf `leaf`. SR_ERR_NOT_FOUND for a blank leaf or one out of range. */
SR_API SR_MUST_USE sr_err sr_meeting_participant(const struct sr_meeting *m, uint32_t leaf,
                                                 struct sr_meeting_participant *out);

#define SR_MEETING_CERT_TEXT_MAX 256

/** What `show certificate` displays for a participant's end-entity certificate. */
struct sr_meeting_certificate {
    char subject[SR_MEETING_CERT_TEXT_MAX]; /* RFC 2253 form; strings may be truncated */
    char issuer[SR_MEETING_CERT_TEXT_MAX];
    char serial[SR_MEETING_CERT_TEXT_MAX]; /* hex */
    char email[SR_MEETING_CERT_TEXT_MAX];  /* first rfc822Name SAN: the identity; may be "" */
    int64_t not_before, not_after;         /* seconds since the Unix epoch */
    uint8_t sha256[32];                    /* SHA-256 fingerprint of the DER */
    enum sr_mls_identity_level level;      /* as in the participant list */
    size_t chain_len;                      /* certificates in the credential */
};

/**
 * The end-entity certificate of the participant at `leaf`. SR_ERR_NOT_FOUND for a blank
 * leaf, one out of range, or a basic credential; SR_ERR_DECODE if it no longer parses.
 */
SR_API SR_MUST_USE sr_err sr_meeting_certificate(const struct sr_meeting *m, uint32_t leaf,
                                                 struct sr_meeting_certificate *out);

/*
 * Media (SFrame, RFC 9605 §5.2). We send with KID = own leaf << E | epoch mod 2^E of the
 * current epoch (E = 4); a receiver learns the sender's leaf from the KID. Both calls write
 * into caller buffers and never allocate per frame (only a peer's first frame of an epoch
 * derives and stores its key).
 */

/** The SFrame cipher suite in use. */
SR_API uint16_t sr_meeting_sframe_suite(const struct sr_meeting *m);

/** Room sr_meeting_media_protect needs for `pt_len` bytes (0 on overflow). */
SR_API size_t sr_meeting_media_ciphertext_len(const struct sr_meeting *m, size_t pt_len);

/**
 * Protect media frame `pt` (audio, video) with `metadata` authenticated, into `out`
 * (`out_cap` bytes, not overlapping the inputs); `*out_len` is the frame's length.
 * SR_ERR_STATE once removed, SR_ERR_BUFFER_TOO_SMALL, SR_ERR_EXHAUSTED, SR_ERR_LIMIT
 * (metadata), SR_ERR_CRYPTO. Nothing changes on error.
 */
SR_API SR_MUST_USE sr_err sr_meeting_media_protect(struct sr_meeting *m, struct sr_slice metadata,
                                                   struct sr_slice pt, uint8_t *out, size_t out_cap,
                                                   size_t *out_len);

/**
 * Unprotect SFrame frame `ct` into `out` (sr_sframe_plaintext_len of the suite is enough);
 * `*sender` (may be NULL) gets the sender's leaf from the KID. SR_ERR_DECODE (header),
 * SR_ERR_NOT_FOUND (a frame of our own KID), SR_ERR_EPOCH (its epoch is not held: too new,
 * or past its grace period), SR_ERR_REPLAY, SR_ERR_AUTH,
 * SR_ERR_BUFFER_TOO_SMALL, SR_ERR_STATE once removed. Nothing changes on error.
 */
SR_API SR_MUST_USE sr_err sr_meeting_media_unprotect(struct sr_meeting *m, struct sr_slice metadata,
                                                     struct sr_slice ct, uint8_t *out,
                                                     size_t out_cap, size_t *out_len,
                                                     uint32_t *sender);

/*
 * Content (chat, whiteboard, annotations, files) under the epoch's content keys, in the
 * formats of e2ee.h, sent as our own leaf.
 */

/**
 * Seal `pt` as content `type` (not file) with `message_id` (the caller's, e.g. a counter)
 * into `out` (pt.len + SR_E2EE_MESSAGE_OVERHEAD bytes). SR_ERR_STATE once removed; otherwise
 * as sr_e2ee_message_seal.
 */
SR_API SR_MUST_USE sr_err sr_meeting_seal(struct sr_meeting *m, enum sr_e2ee_content type,
                                          uint64_t message_id, struct sr_slice pt, uint8_t *out,
                                          size_t out_cap, size_t *out_len);

/**
 * Open a sealed message of content `type`; `info` (may be NULL) gets its authenticated
 * sender, epoch and id. SR_ERR_EPOCH when its epoch is not held (past the grace period),
 * SR_ERR_STATE once removed; otherwise as sr_e2ee_message_open.
 */
SR_API SR_MUST_USE sr_err sr_meeting_open(struct sr_meeting *m, enum sr_e2ee_content type,
                                          struct sr_slice msg, struct sr_e2ee_message_info *info,
                                          uint8_t *out, size_t out_cap, size_t *out_len);

/** Start encrypting a file (sr_e2ee_file_enc_new as our own leaf). SR_ERR_STATE once removed. */
SR_API SR_MUST_USE sr_err sr_meeting_file_enc_new(struct sr_meeting *m,
                                                  const uint8_t file_id[SR_E2EE_FILE_ID_LEN],
                                                  uint64_t total_len,
                                                  uint8_t header[SR_E2EE_FILE_HEADER_LEN],
                                                  struct sr_e2ee_file_enc **out);

/** Start decrypting a file (sr_e2ee_file_dec_new). SR_ERR_STATE once removed. */
SR_API SR_MUST_USE sr_err sr_meeting_file_dec_new(struct sr_meeting *m, struct sr_slice header,
                                                  struct sr_e2ee_file_info *info,
                                                  struct sr_e2ee_file_dec **out);

/*
 * Advanced use: the objects the meeting owns, borrowed for its lifetime. Changing the
 * group's epoch through the group (not through the meeting) leaves the keys behind until
 * sr_meeting_sync.
 */
SR_API struct sr_mls_group *sr_meeting_get0_group(struct sr_meeting *m);
SR_API struct sr_e2ee_keyring *sr_meeting_get0_keyring(struct sr_meeting *m);
SR_API struct sr_sframe_ctx *sr_meeting_get0_sframe(struct sr_meeting *m);

/**
 * Install the keys and code of the group's current epoch if the meeting has not yet (after
 * advanced use of the group). SR_ERR_NOMEM, SR_ERR_CRYPTO; a no-op when in step.
 */
SR_API SR_MUST_USE sr_err sr_meeting_sync(struct sr_meeting *m);
