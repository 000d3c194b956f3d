/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the `sealroom kms` files: the parsed options, the client built on the net
 * HTTPS client (kms.c), and the content commands (kms_content.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <sealroom/kms.h>

#define KMS_CLI_LIST_MAX 64

struct kms_opts {
    const char *server, *cacert, *token_file, *client_id;
    const char *kind, *role, *resource, *key, *message, *in, *out, *key_out, *thumbprint;
    const char *uri_file, *scope, *target, *reason, *org, *since, *cursor, *key_file, *backup_file;
    const char *on_behalf, *kms_ca;
    long count, ttl, new_keys, limit;
    bool all; /* audit export: follow the cursor to the end */
    const char *auth[KMS_CLI_LIST_MAX];
    size_t n_auth;
    const char *keys[KMS_CLI_LIST_MAX];
    size_t n_keys;
    const char *args[4]; /* positional arguments after the action */
    size_t n_args;
};

/** Print what went wrong and what to do; returns 1. */
int kms_cli_fail(struct sr_kms_client *c, const char *what, sr_err err);

/* kms_admin.c: legal holds, crypto-shred and the audit export; kms_cmk.c: CMKs. */
int kms_cli_hold(struct sr_kms_client *c, const char *sub, const struct kms_opts *o);
int kms_cli_shred(struct sr_kms_client *c, const struct kms_opts *o);
int kms_cli_audit(struct sr_kms_client *c, const char *sub, const struct kms_opts *o);
int kms_cli_cmk(struct sr_kms_client *c, const char *sub, const struct kms_opts *o);
/** Print the usage of the admin actions (part of 'sealroom kms --help'). */
void kms_cli_admin_usage(FILE *out);

int kms_cli_encrypt(struct sr_kms_client *c, const struct kms_opts *o);
int kms_cli_decrypt(struct sr_kms_client *c, const struct kms_opts *o);
