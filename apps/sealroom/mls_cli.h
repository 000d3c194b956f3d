/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls`: shared declarations of the MLS command-line tool. Options are parsed once
 * into struct mls_opts; each subcommand file (mls_members.c, mls_commit.c, mls_info.c) uses
 * the state directory helpers of mls_state.c and prints one JSON line with mls_print().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>
#include <sealroom/mls.h>

#define MLS_MAX_MULTI 64 /* repeated --keypackage / --remove */
#define MLS_MAX_CA    16 /* repeated --ca-internal / --ca-external */

/* Exit statuses: 0 success, 1 the operation failed, 2 usage error. */
#define MLS_EXIT_FAIL  1
#define MLS_EXIT_USAGE 2

struct mls_opts {
    const char *cmd; /* the subcommand name, for messages */
    const char *dir, *identity, *out, *group_id, *welcome, *tree, *in, *text;
    const char *commit_out, *welcome_out, *groupinfo, *exp_label, *exp_context;
    unsigned suite; /* 0: not given */
    size_t exp_length;
    bool no_tree_ext, public_msg;
    const char *keypackages[MLS_MAX_MULTI];
    size_t n_keypackages;
    uint32_t removes[MLS_MAX_MULTI];
    size_t n_removes;
    const char *cert, *key; /* X.509 credential: PEM chain and PKCS#8 key */
    const char *ca_internal[MLS_MAX_CA], *ca_external[MLS_MAX_CA];
    size_t n_ca_internal, n_ca_external;
    bool require_verified;
};

/* A member's state, loaded from and saved to its directory. */
struct mls_state {
    struct sr_mls_group *g;
    struct sr_mls_trust *trust; /* from D/trust, set on g; freed after it */
};

/* mls.c */
int mls_fail(const struct mls_opts *o, const char *what, sr_err err);
int mls_print(json_t *obj); /* prints {"ok":true, ...obj} and consumes obj; returns 0 */
json_t *mls_hex(const uint8_t *p, size_t n);
json_t *mls_text_or_null(const uint8_t *p, size_t n); /* NULL unless printable UTF-8 */

/* mls_state.c */
SR_MUST_USE sr_err mls_read_file(const char *path, unsigned flags, struct sr_buf *out);
SR_MUST_USE sr_err mls_write_file(const char *path, struct sr_slice data, int mode);
SR_MUST_USE sr_err mls_dir_prepare(const char *dir);
SR_MUST_USE sr_err mls_path(const char *dir, const char *name, char *out, size_t cap);
bool mls_group_exists(const char *dir);
SR_MUST_USE sr_err mls_identity_save(const char *dir, const char *identity);
SR_MUST_USE sr_err mls_bundle_save(const char *dir, struct sr_slice bundle, char *name, size_t cap);
SR_MUST_USE sr_err mls_state_load(const char *dir, struct mls_state *st);
SR_MUST_USE sr_err mls_state_save(const char *dir, struct mls_state *st);
void mls_state_cleanup(struct mls_state *st);

/* mls_members.c */
int mls_cmd_keypackage(struct mls_opts *o);
int mls_cmd_create(struct mls_opts *o);
int mls_cmd_join(struct mls_opts *o);
int mls_cmd_external_join(struct mls_opts *o);

/* mls_commit.c */
int mls_cmd_add(struct mls_opts *o);
int mls_cmd_commit(struct mls_opts *o);
int mls_cmd_process(struct mls_opts *o);

/* mls_x509.c */
const char *mls_level_name(enum sr_mls_identity_level level);
/* A KeyPackage from --cert/--key; its display identity to `identity`. 0 or an exit status. */
int mls_x509_key_package(const struct mls_opts *o, uint16_t suite, uint64_t now, struct sr_buf *kp,
                         struct sr_buf *priv, char *identity, size_t cap);
/* The saved form of the trust options (NULL: none given). 0 or an exit status. */
int mls_trust_from_opts(const struct mls_opts *o, json_t **out);
SR_MUST_USE sr_err mls_trust_build(const json_t *saved, struct sr_mls_trust **out);
SR_MUST_USE sr_err mls_trust_save(const char *dir, const json_t *saved);
SR_MUST_USE sr_err mls_trust_load(const char *dir, struct sr_mls_trust **out); /* NULL: none */

/* mls_info.c */
int mls_cmd_info(struct mls_opts *o);
int mls_cmd_tree(struct mls_opts *o);
int mls_cmd_groupinfo(struct mls_opts *o);
int mls_cmd_encrypt(struct mls_opts *o);
