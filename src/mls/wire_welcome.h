/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3.1 Welcome, EncryptedGroupSecrets and GroupSecrets (the plaintext HPKE-sealed
 * to each new member). Decoded values borrow from their input (see wire_common.h); a Welcome
 * made by sr_mls_welcome_dup owns its bytes.
 */
#pragma once

#include "mls/wire_commit.h"

struct sr_mls_encrypted_group_secrets {
    struct sr_slice new_member; /* KeyPackageRef */
    struct sr_mls_hpke_ciphertext encrypted_group_secrets;
};

struct sr_mls_welcome {
    uint16_t cipher_suite;
    struct sr_mls_encrypted_group_secrets *secrets;
    size_t secret_count;
    struct sr_slice encrypted_group_info;
    struct sr_buf owned; /* the bytes a _dup copy points into; empty when borrowing */
};

struct sr_mls_group_secrets {
    struct sr_slice joiner_secret;
    bool has_path_secret;
    struct sr_slice path_secret;
    struct sr_mls_psk_id *psks;
    size_t psk_count;
};

SR_MUST_USE sr_err sr_mls_welcome_read(struct sr_reader *r, struct sr_mls_welcome *out);
SR_MUST_USE sr_err sr_mls_welcome_decode(struct sr_slice in, struct sr_mls_welcome *out);
SR_MUST_USE sr_err sr_mls_welcome_encode(const struct sr_mls_welcome *wl, struct sr_buf *w);
void sr_mls_welcome_cleanup(struct sr_mls_welcome *wl);
SR_MUST_USE sr_err sr_mls_welcome_dup(const struct sr_mls_welcome *src, struct sr_mls_welcome *dst);

/** The entry for `ref` (a KeyPackageRef), or NULL. */
const struct sr_mls_encrypted_group_secrets *sr_mls_welcome_find(const struct sr_mls_welcome *wl,
                                                                 struct sr_slice ref);

SR_MUST_USE sr_err sr_mls_group_secrets_decode(struct sr_slice in,
                                               struct sr_mls_group_secrets *out);
SR_MUST_USE sr_err sr_mls_group_secrets_encode(const struct sr_mls_group_secrets *gs,
                                               struct sr_buf *w);
void sr_mls_group_secrets_cleanup(struct sr_mls_group_secrets *gs);
