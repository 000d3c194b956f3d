/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating and validating KeyPackages (RFC 9420 §10, §10.1), and the private bundle that
 * goes with one: the init, leaf encryption and signature private keys plus the
 * KeyPackageRef that finds the bundle again when a Welcome arrives (§12.4.3.1).
 *
 *   sr_mls_key_package_create(params) -> KeyPackage (public) + sr_mls_key_package_priv
 *   sr_mls_key_package_priv_encode/_decode: a versioned byte form for the group store
 *   sr_mls_key_package_validate(kp, ctx): §10.1 plus the §7.3 leaf checks
 *
 * Everything is sans-IO: the caller passes the current time in seconds since the Unix epoch;
 * randomness comes from crypto/rand.
 */
#pragma once

#include <stdbool.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/leaf_validate.h"
#include "mls/wire_key_package.h"

/* Default KeyPackage lifetime: valid from an hour ago (clock skew) for 90 days. */
#define SR_MLS_KP_BACKDATE 3600ull
#define SR_MLS_KP_LIFETIME (90ull * 24u * 3600u)
/* The longest lifetime a KeyPackage we create may span (what we accept: leaf_validate.h). */
#define SR_MLS_KP_MAX_LIFETIME SR_MLS_LEAF_MAX_LIFETIME

/*
 * draft-ietf-mls-extensions-09 §"Last resort KeyPackages": a last-resort mark is the
 * component last_resort_key_package (0x0004) with empty data inside an app_data_dictionary
 * extension (type 0x0006, the draft's suggested value).
 */
#define SR_MLS_EXT_APP_DATA_DICTIONARY 0x0006u
#define SR_MLS_COMPONENT_LAST_RESORT   0x0004u

/** The private half of a KeyPackage. Free with sr_mls_key_package_priv_free (wipes). */
struct sr_mls_key_package_priv {
    uint16_t cipher_suite;
    uint8_t ref[SR_HASH_MAX]; /* KeyPackageRef (§5.2) */
    size_t ref_len;
    struct sr_secret init_priv;       /* HPKE private key of init_key */
    struct sr_secret encryption_priv; /* HPKE private key of leaf_node.encryption_key */
    struct sr_secret signature_priv;  /* private key of leaf_node.signature_key */
    struct sr_buf key_package;        /* the encoded KeyPackage itself */
};

struct sr_mls_key_package_params {
    const struct sr_suite *suite;
    struct sr_mls_credential credential; /* borrowed for the call */
    struct sr_slice signature_priv;      /* empty: generate a fresh signature key pair */
    uint64_t now;                        /* seconds since the Unix epoch */
    uint64_t not_before, not_after;      /* both 0: now - 1 hour .. now + 90 days */
    bool last_resort;                    /* mark it (see SR_MLS_COMPONENT_LAST_RESORT) */
    bool grease;                         /* add random GREASE values (§13.5) */
};

/**
 * Create a KeyPackage: fresh HPKE init and encryption key pairs, a LeafNode with source
 * key_package listing every capability we support, signed with SignWithLabel("LeafNodeTBS")
 * and ("KeyPackageTBS"). `*kp` receives a copy owning its bytes (release with
 * sr_mls_key_package_cleanup) and `*priv` a new bundle. SR_ERR_ARG for a missing suite or a
 * bad time window, SR_ERR_NOMEM, SR_ERR_CRYPTO; on error both outputs are left empty.
 */
SR_MUST_USE sr_err sr_mls_key_package_create(const struct sr_mls_key_package_params *p,
                                             struct sr_mls_key_package *kp,
                                             struct sr_mls_key_package_priv **priv);

/** Wipe and free a bundle; NULL is fine. */
void sr_mls_key_package_priv_free(struct sr_mls_key_package_priv *priv);

/** Append the versioned byte form of `priv` (secret: store it encrypted). */
SR_MUST_USE sr_err sr_mls_key_package_priv_encode(const struct sr_mls_key_package_priv *priv,
                                                  struct sr_buf *w);

/**
 * Parse the byte form into a new bundle. SR_ERR_DECODE for malformed or truncated input,
 * SR_ERR_UNSUPPORTED for an unknown format version or suite, SR_ERR_INVALID when the keys or
 * the reference do not belong to the stored KeyPackage. `*out` is NULL on error.
 */
SR_MUST_USE sr_err sr_mls_key_package_priv_decode(struct sr_slice in,
                                                  struct sr_mls_key_package_priv **out);

/** True when `kp` carries the last-resort mark. */
bool sr_mls_key_package_is_last_resort(const struct sr_mls_key_package *kp);

/**
 * Validate a KeyPackage (§10.1): version mls10 and the expected suite (ctx->suite), the leaf
 * per §7.3 with source key_package (ctx->expected_source is ignored; with check_lifetime, the
 * lifetime covers ctx->now and spans at most the maximum), the KeyPackage signature, and init_key
 * != encryption_key. SR_ERR_AUTH for a bad signature, SR_ERR_INVALID for a broken rule,
 * SR_ERR_DENIED when the credential validator refuses. `res` (may be NULL) receives the credential
 * verdict.
 */
SR_MUST_USE sr_err sr_mls_key_package_validate(const struct sr_mls_key_package *kp,
                                               const struct sr_mls_leaf_validate_ctx *ctx,
                                               struct sr_mls_credential_result *res);
