/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kms role's files in its data dir, made on first start and reused after:
 *
 *   DATA_DIR/            0700
 *     static-N.jwk       0600  the static RSA keys (KMS.md §2) as private JWKs (kms_static.c)
 *     audit.key          0600  32 random bytes; K_chain = HKDF-SHA-256 of it and the chain id
 *     cmk/               0700  CMKs of the development `file` provider
 *     tls-cert.pem       0644  the DEVELOPMENT self-signed certificate (no --tls-cert given)
 *     tls-key.pem        0600
 *
 * Every function prints what went wrong and what to do, and returns false.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kms/server.h"
#include "kms_config.h"

/** Create the data dir (0700, parents as needed) and, for the file provider, its cmk/. */
bool kms_files_prepare_dirs(const struct kms_config *cfg, char *cmk_dir, size_t cmk_cap);

/** This node's audit chain key K_chain from audit.key (made on first start). */
bool kms_files_audit_key(const struct kms_config *cfg, uint8_t out[SR_KMS_AUDIT_KEY_LEN]);

/** Make the development certificate and key on first start; reuse them after. */
bool kms_files_dev_cert(const struct kms_config *cfg);

/** Read a 0600 file of exactly `len` secret bytes into `out`; false (quietly) otherwise. */
bool kms_files_secret(const char *path, uint8_t *out, size_t len);

/** out = dir + "/" + name; complains and returns false when it does not fit. */
bool kms_files_path(char *out, size_t cap, const char *dir, const char *name);

/** Write `p` to `path` through a fresh 0600 temp file, synced, then renamed over. */
bool kms_files_write_secret(const char *path, const void *p, size_t n);

/** A key file must not be readable by others: complain and return false if it is. */
bool kms_files_check_private(const char *path);

/** Read a whole file (at most `max` bytes) into a NUL-terminated sr_malloc'd buffer. */
bool kms_files_read(const char *path, size_t max, bool secret, char **out, size_t *len);
