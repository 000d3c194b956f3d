/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS message envelope (KMS.md §2): a thin layer over cjose that pins, per message kind,
 * the only JOSE algorithms the KMS speaks, and checks every header before any key is used.
 *
 *   kind                 JOSE                              kid
 *   handshake request    JWE  RSA-OAEP + A256GCM           the static key
 *   handshake response   JWS  PS256 (salt 32)              the static key
 *   reset (status 499)   JWS  PS256                        the static key
 *   channel (all other)  JWE  dir + A256GCM under K        the channel URI
 *
 * Opening runs the checks in this order and stops at the first failure: size (64 KiB), the
 * compact form, the protected header as JSON (duplicate members refused), forbidden members
 * (zip, crit, jku, x5u, jwk), alg, enc, kid, then IV (12 bytes) and tag (16 bytes), and only
 * then the signature or decryption, and last the payload as a UTF-8 JSON object with no
 * duplicate member names. Each failure has its own `enum sr_jose_reason` and sr_err:
 *
 *   SR_ERR_LIMIT        too large              SR_ERR_DENIED    forbidden header member
 *   SR_ERR_DECODE       malformed, duplicate   SR_ERR_UNSUPPORTED  wrong alg or enc
 *                       member, bad payload    SR_ERR_NOT_FOUND wrong or missing kid
 *   SR_ERR_INVALID      IV or tag length,      SR_ERR_AUTH      tag or signature failed
 *                       key of the wrong type
 */
#pragma once

#include <stdbool.h>

#include <jansson.h>

#include <sealroom/common.h>
#include <sealroom/err.h>

#include "core/secret.h"

/** The largest JSON payload (KMS.md §2) and the largest compact form that can carry it. */
#define SR_JOSE_PAYLOAD_MAX ((size_t)64 * 1024)
#define SR_JOSE_COMPACT_MAX (SR_JOSE_PAYLOAD_MAX / 3 * 4 + 4096)
#define SR_JOSE_KID_MAX     256 /* with the NUL */
#define SR_JOSE_IV_LEN      12
#define SR_JOSE_TAG_LEN     16
#define SR_JOSE_P256_LEN    32 /* a P-256 coordinate, scalar and shared x-coordinate */

enum sr_jose_kind {
    SR_JOSE_HANDSHAKE_REQUEST = 0,
    SR_JOSE_HANDSHAKE_RESPONSE = 1,
    SR_JOSE_RESET = 2,
    SR_JOSE_CHANNEL = 3,
};

/** Why a message was refused; sr_jose_reason_str() gives a sentence for logs and `reason`. */
enum sr_jose_reason {
    SR_JOSE_OK = 0,
    SR_JOSE_TOO_LARGE,        /* SR_ERR_LIMIT */
    SR_JOSE_MALFORMED,        /* SR_ERR_DECODE: not the compact form, bad base64url */
    SR_JOSE_BAD_HEADER,       /* SR_ERR_DECODE: header not a JSON object, member mistyped */
    SR_JOSE_DUPLICATE_MEMBER, /* SR_ERR_DECODE: a JSON object repeats a member name */
    SR_JOSE_FORBIDDEN_HEADER, /* SR_ERR_DENIED */
    SR_JOSE_WRONG_ALG,        /* SR_ERR_UNSUPPORTED */
    SR_JOSE_WRONG_ENC,        /* SR_ERR_UNSUPPORTED */
    SR_JOSE_WRONG_KID,        /* SR_ERR_NOT_FOUND */
    SR_JOSE_BAD_IV,           /* SR_ERR_INVALID */
    SR_JOSE_BAD_TAG,          /* SR_ERR_INVALID */
    SR_JOSE_BAD_KEY,          /* SR_ERR_INVALID: wrong key type, or a key where none belongs */
    SR_JOSE_AUTH_FAILED,      /* SR_ERR_AUTH */
    SR_JOSE_BAD_PAYLOAD,      /* SR_ERR_DECODE: not a UTF-8 JSON object */
    SR_JOSE_INTERNAL,         /* SR_ERR_NOMEM or SR_ERR_CRYPTO */
};

const char *sr_jose_reason_str(enum sr_jose_reason why);

/** A JWK held for sealing or opening (wraps a cjose key). */
struct sr_jose_key;

/** The channel key K (32 bytes) as an "oct" key for dir + A256GCM. */
SR_MUST_USE sr_err sr_jose_key_oct(struct sr_slice k, struct sr_jose_key **out);
/** A copy of an oct key (K), for use after the original is freed; SR_ERR_ARG for other keys. */
SR_MUST_USE sr_err sr_jose_key_copy(const struct sr_jose_key *key, struct sr_jose_key **out);
/** A JWK from its JSON form (RSA public or private); SR_ERR_DECODE when it is not one. */
SR_MUST_USE sr_err sr_jose_key_import(const char *json, size_t len, struct sr_jose_key **out);
/** A fresh RSA key pair of 2048 or 3072 bits (the static key, KMS.md §2). */
SR_MUST_USE sr_err sr_jose_key_rsa_generate(size_t bits, struct sr_jose_key **out);
/** The JWK as JSON (*out from sr_malloc); only the public part unless `with_private`. */
SR_MUST_USE sr_err sr_jose_key_export(const struct sr_jose_key *key, bool with_private, char **out);
/** Release the key (wiping what cjose holds); NULL is a no-op. */
void sr_jose_key_free(struct sr_jose_key *key);

/**
 * Seal `payload` (JSON text, at most SR_JOSE_PAYLOAD_MAX) as a message of `kind` with header
 * kid `kid`: encrypted to `key` (RSA public or oct K) or signed by it (RSA private). *out is a
 * NUL-terminated compact serialization from sr_malloc. `why` may be NULL.
 */
SR_MUST_USE sr_err sr_jose_seal(enum sr_jose_kind kind, const struct sr_jose_key *key,
                                const char *kid, struct sr_slice payload, char **out,
                                enum sr_jose_reason *why);

/** The parts of a message readable before any key is chosen. */
struct sr_jose_header {
    enum sr_jose_kind kind; /* PS256 messages report SR_JOSE_HANDSHAKE_RESPONSE (or reset) */
    char kid[SR_JOSE_KID_MAX];
};

/**
 * Run every check that needs no key, so the caller can find the key named by `kid` (for
 * example the channel) before calling sr_jose_open. `why` may be NULL.
 */
SR_MUST_USE sr_err sr_jose_inspect(const char *compact, size_t len, struct sr_jose_header *out,
                                   enum sr_jose_reason *why);

/**
 * Check, then decrypt or verify a message of `kind` whose header kid must equal `kid`, and
 * parse its payload. *payload (a JSON object) is the caller's to json_decref. The checks
 * before decryption are those of sr_jose_inspect plus "alg/enc are those of `kind`" and
 * "kid equals `kid`". Nothing is output on error. `why` may be NULL.
 */
SR_MUST_USE sr_err sr_jose_open(enum sr_jose_kind kind, const char *compact, size_t len,
                                const struct sr_jose_key *key, const char *kid, json_t **payload,
                                enum sr_jose_reason *why);

/**
 * Parse UTF-8 JSON text into an object, refusing duplicate member names (KMS.md §2) and
 * anything over SR_JOSE_PAYLOAD_MAX. `why` may be NULL.
 */
SR_MUST_USE sr_err sr_jose_json_parse(struct sr_slice text, json_t **out, enum sr_jose_reason *why);

/* P-256 ECDH for the channel key (KMS.md §2, jose_ecdh.c). */

/** A P-256 key pair; priv is the 32-byte scalar, (x, y) the public point. */
struct sr_jose_ec_pair {
    struct sr_secret priv;
    uint8_t x[SR_JOSE_P256_LEN], y[SR_JOSE_P256_LEN];
};

/** A fresh pair from crypto/rand. */
SR_MUST_USE sr_err sr_jose_ecdh_generate(struct sr_jose_ec_pair *out);
/** {"kty":"EC","crv":"P-256","x":…,"y":…} for the public half; *out from sr_malloc. */
SR_MUST_USE sr_err sr_jose_ecdh_public_jwk(const struct sr_jose_ec_pair *pair, char **out);
/**
 * K = HKDF-SHA-256(IKM = Z, salt = empty, info = empty, L = 32), Z the x-coordinate of
 * ECDH(own private, peer). `peer_jwk` must be an EC P-256 JWK with 32-byte x and y
 * (SR_ERR_DECODE otherwise); SR_ERR_INVALID when the point is not on the curve.
 */
SR_MUST_USE sr_err sr_jose_ecdh_derive(const struct sr_jose_ec_pair *own, const json_t *peer_jwk,
                                       struct sr_secret *k);

/** Wipe the private scalar. */
void sr_jose_ec_pair_cleanup(struct sr_jose_ec_pair *pair);
