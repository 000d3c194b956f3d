/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the CMK provider files (cmk.c, cmk_pkcs11.c, cmk_file.c, cmk_byok.c) and the tests:
 * the CMK handle, and the BYOK steps each backend uses for its `import_wrapped` and
 * `public_key`. Not part of any public API.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/err.h>

#include "kms/cmk.h"
#include "kms/p11.h"

/*
 * `lock` is held for reading around every use of `key` and for writing by state changes, so
 * one handle may be shared by all the server's threads.
 */
struct sr_kms_cmk {
    pthread_rwlock_t lock;
    bool lock_init;
    struct sr_kms_cmk_provider *prov; /* borrowed: outlives the handle */
    void *key;                        /* the provider's reference, NULL once deleted */
    bool deferred;                    /* key not looked up yet: done on the first wrap or unwrap */
    char *uri, *org;
    int64_t version;
    enum sr_kms_cmk_state state;
    uint64_t generation;
};

/*
 * BYOK in the token (cmk_byok.c): find or make the org's RSA-3072 unwrap-only pair, labelled
 * "sealroom-byok:<org>"; export its public half; unwrap an upload into a sensitive,
 * non-extractable AES-256 token object labelled `uri`, returned in *key.
 */
SR_MUST_USE sr_err sr_kms_byok_p11_public_key(struct sr_kms_p11 *p11, const char *org,
                                              struct sr_buf *n, struct sr_buf *e);
SR_MUST_USE sr_err sr_kms_byok_p11_import(struct sr_kms_p11 *p11, const char *uri, const char *org,
                                          struct sr_slice wrapped, CK_OBJECT_HANDLE *key);

/*
 * BYOK without a token (cmk_byok.c): the org's pair is a 0600 PEM file in `dir`; import
 * decrypts the upload in software into `key` (32 bytes).
 */
SR_MUST_USE sr_err sr_kms_byok_file_public_key(const char *dir, const char *org, struct sr_buf *n,
                                               struct sr_buf *e);
SR_MUST_USE sr_err sr_kms_byok_file_import(const char *dir, const char *org,
                                           struct sr_slice wrapped,
                                           uint8_t key[SR_KMS_CMK_KEY_LEN]);

/* A file name in `dir` for `name`: "<dir>/<prefix><hex SHA-256 of name><suffix>". */
SR_MUST_USE sr_err sr_kms_cmk_path(const char *dir, const char *prefix, const char *name,
                                   const char *suffix, char **out);
