/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Joining a group by Welcome (RFC 9420 §12.4.3.1), the parts that need no ratchet tree:
 *
 *   find our EncryptedGroupSecrets by KeyPackageRef          -> SR_ERR_NOT_FOUND
 *   GroupSecrets = DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, ...)
 *   psk_secret from GroupSecrets.psks (application look-up)
 *   welcome_secret -> welcome_key, welcome_nonce; GroupInfo = AEAD.Open(...)
 *   verify the GroupInfo signature with the signer's key      -> SR_ERR_AUTH
 *   key schedule from joiner_secret; check confirmation_tag   -> SR_ERR_AUTH
 *
 * and the sending side, which builds a Welcome for the new members of a commit.
 * What needs the tree (tree hash, parent hashes, the signer's leaf, our own leaf, path
 * secrets) is the group layer's job after sr_mls_welcome_join returns.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/keypackage.h"
#include "mls/schedule_epoch.h"
#include "mls/wire_group_info.h"
#include "mls/wire_welcome.h"

/**
 * Decrypt the GroupSecrets addressed to KeyPackageRef `ref` with `init_priv`. `plain` must be
 * a zeroed buffer: it is made a wiping buffer that holds the plaintext, into which `*gs`
 * points. SR_ERR_NOT_FOUND when no entry is ours, SR_ERR_AUTH when decryption fails,
 * SR_ERR_DECODE for malformed GroupSecrets, SR_ERR_INVALID for a joiner_secret not Nh bytes.
 */
SR_MUST_USE sr_err sr_mls_welcome_open_secrets(const struct sr_suite *suite,
                                               const struct sr_mls_welcome *wl, struct sr_slice ref,
                                               struct sr_slice init_priv, struct sr_buf *plain,
                                               struct sr_mls_group_secrets *gs);

/**
 * Decrypt and decode the GroupInfo with the welcome key from `joiner_secret` and
 * `psk_secret` (empty: no PSKs). `plain` as above; `*gi` points into it. SR_ERR_AUTH when
 * decryption fails, SR_ERR_DECODE when the plaintext is not one GroupInfo.
 */
SR_MUST_USE sr_err sr_mls_welcome_open_group_info(const struct sr_suite *suite,
                                                  const struct sr_mls_welcome *wl,
                                                  struct sr_slice joiner_secret,
                                                  struct sr_slice psk_secret, struct sr_buf *plain,
                                                  struct sr_mls_group_info *gi);

/**
 * The epoch secrets of the group the Welcome joins (§8 from joiner_secret), and the check of
 * gi->confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (§12.4.3.1).
 * SR_ERR_AUTH when the tag differs; `out` is wiped on error.
 */
SR_MUST_USE sr_err sr_mls_welcome_check_confirmation(const struct sr_suite *suite,
                                                     const struct sr_mls_group_info *gi,
                                                     struct sr_slice joiner_secret,
                                                     struct sr_slice psk_secret,
                                                     struct sr_mls_epoch_secrets *out);

/** Find a PSK by id: fill `psk` or return SR_ERR_NOT_FOUND. */
typedef sr_err (*sr_mls_psk_lookup_fn)(void *arg, const struct sr_mls_psk_id *id,
                                       struct sr_secret *psk);

/** The signer's signature public key for `gi` (its leaf gi->signer), appended to `pub`. */
typedef sr_err (*sr_mls_signer_key_fn)(void *arg, const struct sr_mls_group_info *gi,
                                       struct sr_buf *pub);

/**
 * psk_secret (§8.4) over gs->psks, each found through `lookup` (NULL: none is found).
 * SR_ERR_NOT_FOUND for a PSK we do not have, SR_ERR_INVALID for more than one resumption
 * PSK with usage reinit or branch (§12.4.3.1); `psk_secret` is wiped on error.
 */
SR_MUST_USE sr_err sr_mls_welcome_psk_secret(const struct sr_suite *suite,
                                             const struct sr_mls_group_secrets *gs,
                                             sr_mls_psk_lookup_fn lookup, void *arg,
                                             struct sr_secret *psk_secret);

struct sr_mls_welcome_join_args {
    const struct sr_mls_welcome *welcome;
    const struct sr_mls_key_package_priv *key_package; /* our bundle: ref, init_priv, suite */
    sr_mls_psk_lookup_fn psk_lookup;                   /* NULL: any PSK is SR_ERR_NOT_FOUND */
    void *psk_arg;
    sr_mls_signer_key_fn signer_key; /* NULL: use signer_pub */
    void *signer_arg;
    struct sr_slice signer_pub;
};

/** What a joiner learns from a Welcome; release with sr_mls_welcome_joined_cleanup. */
struct sr_mls_welcome_joined {
    struct sr_buf secrets_plain;
    struct sr_mls_group_secrets group_secrets; /* points into secrets_plain */
    struct sr_buf group_info_plain;
    struct sr_mls_group_info group_info; /* points into group_info_plain; signature checked */
    struct sr_mls_epoch_secrets epoch;   /* confirmation tag checked */
};

/**
 * All of the above in order. `out` must be zeroed; on error it is cleaned up. Errors:
 * SR_ERR_NOT_FOUND (no entry for us, or an unknown PSK), SR_ERR_INVALID (suite mismatch
 * between Welcome, KeyPackage and GroupInfo), SR_ERR_AUTH (decryption, signature or
 * confirmation tag), SR_ERR_DECODE, SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_mls_welcome_join(const struct sr_mls_welcome_join_args *a,
                                       struct sr_mls_welcome_joined *out);

void sr_mls_welcome_joined_cleanup(struct sr_mls_welcome_joined *j);

/** One new member of a Welcome. */
struct sr_mls_welcome_member {
    const struct sr_mls_key_package *key_package;
    struct sr_slice path_secret; /* empty: no path_secret */
};

struct sr_mls_welcome_build_args {
    const struct sr_suite *suite;
    struct sr_slice group_info; /* the encoded, signed GroupInfo */
    struct sr_slice joiner_secret;
    struct sr_slice psk_secret; /* empty when there are no PSKs */
    const struct sr_mls_psk_id *psks;
    size_t psk_count;
    const struct sr_mls_welcome_member *members;
    size_t member_count;
};

/**
 * Build a Welcome (§12.4.3.1): the GroupInfo sealed under the welcome key, and for each
 * member GroupSecrets{joiner_secret, path_secret, psks} sealed with
 * EncryptWithLabel(init_key, "Welcome", encrypted_group_info). The encoded Welcome (not
 * wrapped in MLSMessage) is appended to `out`. SR_ERR_ARG when there is no member or a
 * KeyPackage of another suite; errors of HPKE for a bad init_key.
 */
SR_MUST_USE sr_err sr_mls_welcome_build(const struct sr_mls_welcome_build_args *a,
                                        struct sr_buf *out);
