/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Customer Main Key (KMS.md §7). A CMK is an AES-256 key that only ever seals and opens
 * KEKs; it lives in a provider (a PKCS#11 token, or a 0600 file for development) behind one
 * table of functions, and the KMS refers to it by its URI. This header is the provider-neutral
 * side: provider handles, CMK handles, the state machine and the KEK wrapping with its AAD
 *
 *   AAD = "sealroom-kek-v1" | org | kek_id | cmk_uri     (each field: 2-byte BE length, bytes)
 *   blob = IV (12) || ciphertext (32) || tag (16)        (SR_KMS_KEK_BLOB_LEN bytes)
 *
 * Revoking is the kill switch: from that moment every wrap and unwrap through the CMK fails
 * with SR_ERR_DENIED (the server's 503 CMK_REVOKED), which no other failure returns; a tag
 * that does not verify (tampered blob, wrong org, KEK id or CMK) is SR_ERR_AUTH.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/common.h>
#include <sealroom/err.h>

#define SR_KMS_CMK_KEY_LEN   32 /* AES-256 */
#define SR_KMS_KEK_LEN       32
#define SR_KMS_GCM_IV_LEN    12
#define SR_KMS_GCM_TAG_LEN   16
#define SR_KMS_KEK_BLOB_LEN  (SR_KMS_GCM_IV_LEN + SR_KMS_KEK_LEN + SR_KMS_GCM_TAG_LEN)
#define SR_KMS_RSA_BITS      3072
#define SR_KMS_BYOK_WRAP_LEN (SR_KMS_RSA_BITS / 8) /* an RSA-OAEP ciphertext */

/* KMS.md §7 "States". The names are the `cmks.state` column values. */
enum sr_kms_cmk_state {
    SR_KMS_CMK_PENDING = 0,
    SR_KMS_CMK_ACTIVE,
    SR_KMS_CMK_ROTATING,
    SR_KMS_CMK_RETIRED,
    SR_KMS_CMK_REVOKED,
    SR_KMS_CMK_DELETED,
};

/*
 * One provider backend. `be` is the backend's own state; `key` is a backend key reference
 * that `find`, `generate` and `import_wrapped` create and `release` frees (it never holds the
 * key itself for pkcs11). The seal/open pair is AES-256-GCM under the CMK with a 12-byte IV
 * and a 16-byte tag; `open` returns SR_ERR_AUTH when the tag fails. `destroy` removes the key
 * from the provider and, on success, frees `key` as `release` would. Every function may be
 * called from several threads at once (the pkcs11 backend serialises on its session).
 */
struct sr_kms_cmk_ops {
    const char *name; /* "pkcs11", "file": the cmks.provider column */
    sr_err (*find)(void *be, const char *uri, void **key);
    sr_err (*generate)(void *be, const char *uri, void **key);
    sr_err (*import_wrapped)(void *be, const char *uri, const char *org, struct sr_slice wrapped,
                             void **key);
    sr_err (*seal)(void *be, void *key, const uint8_t *iv, struct sr_slice aad, struct sr_slice pt,
                   uint8_t *out);
    sr_err (*open)(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                   struct sr_slice ct_tag, uint8_t *out);
    sr_err (*public_key)(void *be, const char *org, struct sr_buf *n, struct sr_buf *e);
    sr_err (*destroy)(void *be, void *key);
    void (*release)(void *be, void *key);
    void (*free)(void *be);
};

/* A provider: an ops table and its backend. Made by sr_kms_cmk_provider_new_{pkcs11,file}. */
struct sr_kms_cmk_provider {
    const struct sr_kms_cmk_ops *ops;
    void *be;
};

struct sr_kms_p11_config;

/**
 * The `pkcs11` provider (cmk_pkcs11.c): loads the module, logs in to the token (see
 * kms/p11.h for `cfg`). SR_ERR_IO when the module or token cannot be reached (the server's
 * 502 HSM_UNAVAILABLE), SR_ERR_DENIED for a wrong PIN, SR_ERR_NOT_FOUND for no such token.
 */
SR_MUST_USE sr_err sr_kms_cmk_provider_new_pkcs11(const struct sr_kms_p11_config *cfg,
                                                  struct sr_kms_cmk_provider **out);

/**
 * The `file` provider (cmk_file.c), FOR DEVELOPMENT ONLY: each CMK is a 0600 file of 32 raw
 * bytes in `dir`, and BYOK uses a 0600 PEM RSA key there. Refused with SR_ERR_DENIED unless
 * `allow_file_cmk` (KMS.md §7 `kms.allow_file_cmk`); prints a warning to stderr every time it
 * is made. `dir` is copied and must exist.
 */
SR_MUST_USE sr_err sr_kms_cmk_provider_new_file(const char *dir, bool allow_file_cmk,
                                                struct sr_kms_cmk_provider **out);

/** The token connection of a `pkcs11` provider (tests and audit key derivation), else NULL. */
struct sr_kms_p11 *sr_kms_cmk_provider_p11(struct sr_kms_cmk_provider *prov);

/* One CMK as the server holds it: its store row's identity plus the provider's key reference. */
struct sr_kms_cmk;

/** Free the provider and its backend (closes the session, unloads the module). NULL does nothing.
 */
void sr_kms_cmk_provider_free(struct sr_kms_cmk_provider *prov);

/**
 * Make a new CMK in the provider and return it `active` (KMS.md §3: a token-generated CMK is
 * active at once). `uri` names it in the provider (the PKCS#11 CKA_LABEL); `org` is "" for the
 * service CMK. Both strings are copied. SR_ERR_EXISTS if the provider already has `uri`.
 */
SR_MUST_USE sr_err sr_kms_cmk_generate(struct sr_kms_cmk_provider *prov, const char *uri,
                                       const char *org, int64_t version, struct sr_kms_cmk **out);

/**
 * BYOK: make the CMK from `wrapped`, the customer's 32-byte key encrypted with RSA-OAEP
 * (SHA-256, MGF1-SHA-256, no label) to the org's public key (sr_kms_cmk_public_key). The new
 * CMK is `pending`. SR_ERR_AUTH when the ciphertext does not decrypt to a 32-byte key.
 */
SR_MUST_USE sr_err sr_kms_cmk_import(struct sr_kms_cmk_provider *prov, const char *uri,
                                     const char *org, int64_t version, struct sr_slice wrapped,
                                     struct sr_kms_cmk **out);

/**
 * Open an existing CMK from its store row (uri, org, version, state). SR_ERR_NOT_FOUND when
 * the provider has no such key (for a `deleted` CMK no lookup is made).
 */
SR_MUST_USE sr_err sr_kms_cmk_open(struct sr_kms_cmk_provider *prov, const char *uri,
                                   const char *org, int64_t version, enum sr_kms_cmk_state state,
                                   struct sr_kms_cmk **out);

/**
 * Like sr_kms_cmk_open, but the provider is asked for the key only on the handle's first KEK
 * wrap or unwrap (whose SR_ERR_NOT_FOUND then says it is missing). A key release whose KEK is
 * cached never reaches the provider: no file read or token lookup per request.
 */
SR_MUST_USE sr_err sr_kms_cmk_open_deferred(struct sr_kms_cmk_provider *prov, const char *uri,
                                            const char *org, int64_t version,
                                            enum sr_kms_cmk_state state, struct sr_kms_cmk **out);

/** Release the handle (the key stays in the provider). NULL does nothing. */
void sr_kms_cmk_free(struct sr_kms_cmk *cmk);

/**
 * The org's BYOK public key as big-endian modulus and exponent (an RSA-3072 JWK's `n` and
 * `e`); the pair is made on first use. Appends to `n` and `e`.
 */
SR_MUST_USE sr_err sr_kms_cmk_public_key(struct sr_kms_cmk_provider *prov, const char *org,
                                         struct sr_buf *n, struct sr_buf *e);

/**
 * Change the state (KMS.md §7): pending→active, active→rotating, rotating→retired,
 * active⇄revoked, and pending/retired/revoked→deleted (which destroys the key in the
 * provider). SR_ERR_STATE for any other move; the state is unchanged on error.
 */
SR_MUST_USE sr_err sr_kms_cmk_set_state(struct sr_kms_cmk *cmk, enum sr_kms_cmk_state to);

enum sr_kms_cmk_state sr_kms_cmk_state(const struct sr_kms_cmk *cmk);
const char *sr_kms_cmk_uri(const struct sr_kms_cmk *cmk);
const char *sr_kms_cmk_org(const struct sr_kms_cmk *cmk);
int64_t sr_kms_cmk_version(const struct sr_kms_cmk *cmk);
/** Bumped by every state change; the KEK cache drops entries made under another value. */
uint64_t sr_kms_cmk_generation(const struct sr_kms_cmk *cmk);

/** "active", ...; never NULL. */
const char *sr_kms_cmk_state_name(enum sr_kms_cmk_state s);
/** Parse a `cmks.state` value; SR_ERR_INVALID for anything else. */
SR_MUST_USE sr_err sr_kms_cmk_state_parse(const char *name, enum sr_kms_cmk_state *out);

/**
 * Seal a KEK under the CMK, which must be `active`: `out` receives SR_KMS_KEK_BLOB_LEN bytes.
 * SR_ERR_DENIED when revoked, SR_ERR_STATE in any other state.
 */
SR_MUST_USE sr_err sr_kms_cmk_wrap_kek(struct sr_kms_cmk *cmk, const char *kek_id,
                                       const uint8_t kek[SR_KMS_KEK_LEN],
                                       uint8_t out[SR_KMS_KEK_BLOB_LEN]);

/**
 * Open a KEK blob; the CMK must be `active` or `rotating`. SR_ERR_DENIED when revoked,
 * SR_ERR_STATE in another state, SR_ERR_DECODE for a blob of the wrong length, SR_ERR_AUTH
 * when the tag fails. `kek` is zeroed on error.
 */
SR_MUST_USE sr_err sr_kms_cmk_unwrap_kek(struct sr_kms_cmk *cmk, const char *kek_id,
                                         struct sr_slice blob, uint8_t kek[SR_KMS_KEK_LEN]);

/**
 * Whether the CMK may be used now: SR_ERR_DENIED when revoked (checked first), SR_OK when
 * `active`, or `rotating` and !for_wrap, else SR_ERR_STATE. Callers that serve from a cache of
 * KEKs call this before every use, so revocation takes effect without a provider call.
 */
SR_MUST_USE sr_err sr_kms_cmk_check_usable(const struct sr_kms_cmk *cmk, bool for_wrap);

/*
 * KMS.md §7: the fields joined with "|", each prefixed by its 2-byte big-endian length.
 * Appends to `out`; SR_ERR_LIMIT for a field over 65535 bytes.
 */
SR_MUST_USE sr_err sr_kms_aad_encode(const char *const *fields, size_t n, struct sr_buf *out);
