/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MLS key schedule (RFC 9420 §8): from the previous epoch's init_secret, the
 * commit_secret, the psk_secret and the serialized GroupContext of the new epoch, derive the
 * joiner and welcome secrets and every secret of the new epoch, including the init_secret
 * of the next one. Joiners (Welcome, §12.4.3.1) start from joiner_secret instead.
 *
 * All outputs live in struct sr_mls_epoch_secrets, held inline and wiped by
 * sr_mls_epoch_secrets_cleanup. The epoch_secret itself is never kept.
 */
#pragma once

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "core/secret.h"
#include "crypto/suite.h"

/** The secrets of one epoch (§8, Table 4), each KDF.Nh bytes. */
struct sr_mls_epoch_secrets {
    struct sr_secret joiner;
    struct sr_secret welcome;
    struct sr_secret sender_data;
    struct sr_secret encryption;
    struct sr_secret exporter;
    struct sr_secret external;
    struct sr_secret confirmation_key;
    struct sr_secret membership_key;
    struct sr_secret resumption_psk;
    struct sr_secret epoch_authenticator;
    struct sr_secret init; /* init_secret for the next epoch */
};

/**
 * Derive the secrets of a new epoch (§8). `init_secret` is the previous epoch's (or a
 * random Nh bytes for a new group). `commit_secret` and `psk_secret` are Nh bytes, or
 * empty for "the all-zero vector". `group_context` is the encoded GroupContext of the new
 * epoch. Inputs are borrowed and may point into `out` (such as out->init for the next
 * epoch): `out` is written only once every derivation has succeeded. SR_ERR_ARG for wrong
 * lengths, SR_ERR_CRYPTO. On error `out` is wiped.
 */
SR_MUST_USE sr_err sr_mls_key_schedule_advance(const struct sr_suite *suite,
                                               struct sr_slice init_secret,
                                               struct sr_slice commit_secret,
                                               struct sr_slice psk_secret,
                                               struct sr_slice group_context,
                                               struct sr_mls_epoch_secrets *out);

/**
 * welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome"), which a
 * joiner needs to decrypt the GroupInfo before it knows the GroupContext (§12.4.3.1).
 */
SR_MUST_USE sr_err sr_mls_key_schedule_welcome_secret(const struct sr_suite *suite,
                                                      struct sr_slice joiner_secret,
                                                      struct sr_slice psk_secret,
                                                      struct sr_secret *welcome);

/**
 * The joiner's path: every epoch secret from `joiner_secret` (from GroupSecrets),
 * `psk_secret` (empty for none) and the GroupContext from the GroupInfo. `out->joiner`
 * is set to a copy of joiner_secret. Errors as sr_mls_key_schedule_advance.
 */
SR_MUST_USE sr_err sr_mls_key_schedule_join(const struct sr_suite *suite,
                                            struct sr_slice joiner_secret,
                                            struct sr_slice psk_secret,
                                            struct sr_slice group_context,
                                            struct sr_mls_epoch_secrets *out);

/** Wipe every secret in `s`. */
void sr_mls_epoch_secrets_cleanup(struct sr_mls_epoch_secrets *s);
