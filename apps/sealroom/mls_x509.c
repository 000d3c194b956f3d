/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls`: X.509 credentials and the member's trust.
 *
 *   --cert CHAIN.pem --key KEY.pem   a KeyPackage whose credential is the chain (end-entity
 *                                    first) and whose signature key is KEY (PKCS#8)
 *   --ca-internal PEM, --ca-external PEM (repeatable), --require-verified
 *                                    trust anchors per level, kept in D/trust as
 *                                    {"require_verified":b,"internal":[DER hex],"external":[..]}
 *
 * The trust is set again on every command that loads the group (the library does not save
 * it), so `info` reports levels and `process` judges newcomers with it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/pem.h"
#include "crypto/x509.h"
#include "mls_cli.h"

#define TRUST_FILE "trust"

const char *mls_level_name(enum sr_mls_identity_level level)
{
    switch (level) {
    case SR_MLS_LEVEL_EXTERNAL:
        return "verified-external";
    case SR_MLS_LEVEL_INTERNAL:
        return "verified-internal";
    case SR_MLS_LEVEL_UNVERIFIED:
    default:
        return "unverified";
    }
}

/* Read --cert into `chain`; 0 or the exit status of a failure already reported. */
static int read_chain(const struct mls_opts *o, struct sr_pem_chain *chain)
{
    struct sr_buf pem;
    sr_err err = mls_read_file(o->cert, 0, &pem);
    if (err != SR_OK) {
        return mls_fail(o, "cannot read --cert", err);
    }
    err = sr_crypto_pem_chain_read(sr_buf_slice(&pem), chain);
    sr_buf_cleanup(&pem);
    if (err != SR_OK) {
        return mls_fail(o, "--cert holds no readable PEM certificate chain", err);
    }
    return 0;
}

/* Read --key as a private key of the signature scheme of `suite`. */
static int read_key(const struct mls_opts *o, uint16_t suite, struct sr_secret *key)
{
    char msg[160];
    struct sr_buf pem;
    const struct sr_sig_alg *alg = sr_suite_get(suite)->sig;
    sr_err err = mls_read_file(o->key, SR_BUF_WIPE, &pem);
    if (err != SR_OK) {
        return mls_fail(o, "cannot read --key", err);
    }
    err = sr_crypto_pem_private_key(sr_buf_slice(&pem), alg, key);
    sr_buf_cleanup(&pem);
    if (err == SR_ERR_INVALID) {
        snprintf(msg, sizeof(msg), "--key is of the wrong type: cipher suite %u signs with %s",
                 (unsigned)suite, alg->name);
        return mls_fail(o, msg, err);
    }
    if (err != SR_OK) {
        return mls_fail(o, "--key is not an unencrypted PKCS#8 PEM private key", err);
    }
    return 0;
}

int mls_x509_key_package(const struct mls_opts *o, uint16_t suite, uint64_t now, struct sr_buf *kp,
                         struct sr_buf *priv, char *identity, size_t cap)
{
    struct sr_pem_chain chain = { 0 };
    struct sr_secret key = { 0 };
    struct sr_slice certs[SR_PEM_CHAIN_MAX];
    struct sr_x509_info info;
    int rc = read_chain(o, &chain);
    if (rc == 0) {
        rc = read_key(o, suite, &key);
    }
    for (size_t i = 0; rc == 0 && i < chain.count; i++) {
        certs[i] = sr_buf_slice(&chain.der[i]);
    }
    if (rc == 0) {
        sr_err err = sr_mls_key_package_new_x509(suite, certs, chain.count, sr_secret_slice(&key),
                                                 now, kp, priv);
        if (err == SR_ERR_INVALID) {
            rc = mls_fail(o, "--key does not match the certificate of --cert", err);
        } else if (err != SR_OK) {
            rc = mls_fail(o, "cannot create the KeyPackage", err);
        }
    }
    if (rc == 0 && sr_crypto_x509_info(certs[0], &info) == SR_OK) {
        const char *id = info.email[0] != '\0' ? info.email : info.subject;
        snprintf(identity, cap, "%s", id);
    }
    sr_crypto_pem_chain_cleanup(&chain);
    sr_secret_cleanup(&key);
    return rc;
}

/* Append the DER certificates of each PEM file in `files` to the JSON array `arr`. */
static int add_anchors(const struct mls_opts *o, const char *const *files, size_t n, json_t *arr)
{
    char msg[160];
    for (size_t i = 0; i < n; i++) {
        struct sr_buf pem;
        struct sr_pem_chain chain = { 0 };
        sr_err err = mls_read_file(files[i], 0, &pem);
        if (err == SR_OK) {
            err = sr_crypto_pem_chain_read(sr_buf_slice(&pem), &chain);
            sr_buf_cleanup(&pem);
        }
        for (size_t k = 0; err == SR_OK && k < chain.count; k++) {
            if (json_array_append_new(arr, mls_hex(chain.der[k].p, chain.der[k].len)) != 0) {
                err = SR_ERR_NOMEM;
            }
        }
        sr_crypto_pem_chain_cleanup(&chain);
        if (err != SR_OK) {
            snprintf(msg, sizeof(msg), "cannot read the CA certificates of '%s'", files[i]);
            return mls_fail(o, msg, err);
        }
    }
    return 0;
}

int mls_trust_from_opts(const struct mls_opts *o, json_t **out)
{
    *out = NULL;
    if (o->n_ca_internal == 0 && o->n_ca_external == 0 && !o->require_verified) {
        return 0;
    }
    json_t *internal = json_array(), *external = json_array();
    int rc = internal != NULL && external != NULL ? 0 : mls_fail(o, "out of memory", SR_ERR_NOMEM);
    if (rc == 0) {
        rc = add_anchors(o, o->ca_internal, o->n_ca_internal, internal);
    }
    if (rc == 0) {
        rc = add_anchors(o, o->ca_external, o->n_ca_external, external);
    }
    if (rc == 0) {
        *out = json_pack("{s:b, s:O, s:O}", "require_verified", o->require_verified, "internal",
                         internal, "external", external);
        rc = *out != NULL ? 0 : mls_fail(o, "out of memory", SR_ERR_NOMEM);
    }
    json_decref(internal);
    json_decref(external);
    return rc;
}

/* The anchors of one level from the saved form. */
static sr_err anchors_of(struct sr_mls_trust *t, const json_t *arr,
                         enum sr_mls_identity_level level)
{
    size_t i;
    const json_t *v;
    SR_CHECK(json_is_array(arr), SR_ERR_DECODE);
    json_array_foreach(arr, i, v)
    {
        const char *hex = json_string_value(v);
        struct sr_buf der;
        sr_buf_init(&der, 0, 0);
        SR_CHECK(hex != NULL, SR_ERR_DECODE);
        sr_err err = sr_hex_decode(hex, strlen(hex), &der);
        if (err == SR_OK) {
            err = sr_mls_trust_add_anchor(t, sr_buf_slice(&der), level);
        }
        sr_buf_cleanup(&der);
        SR_TRY(err);
    }
    return SR_OK;
}

sr_err mls_trust_build(const json_t *saved, struct sr_mls_trust **out)
{
    *out = NULL;
    const json_t *rv = json_object_get(saved, "require_verified");
    SR_CHECK(json_is_boolean(rv), SR_ERR_DECODE);
    SR_TRY(sr_mls_trust_new(out));
    sr_err err = anchors_of(*out, json_object_get(saved, "internal"), SR_MLS_LEVEL_INTERNAL);
    if (err == SR_OK) {
        err = anchors_of(*out, json_object_get(saved, "external"), SR_MLS_LEVEL_EXTERNAL);
    }
    if (err != SR_OK) {
        sr_mls_trust_free(*out);
        *out = NULL;
        return err;
    }
    sr_mls_trust_require_verified(*out, json_is_true(rv));
    return SR_OK;
}

sr_err mls_trust_save(const char *dir, const json_t *saved)
{
    char path[4096];
    SR_TRY(mls_path(dir, TRUST_FILE, path, sizeof(path)));
    if (saved == NULL) {
        (void)unlink(path); /* a new member: nothing left of an earlier configuration */
        return SR_OK;
    }
    char *s = json_dumps(saved, JSON_COMPACT | JSON_PRESERVE_ORDER);
    SR_CHECK(s != NULL, SR_ERR_NOMEM);
    sr_err err = mls_write_file(path, sr_slice_of(s, strlen(s)), 0600);
    free(s);
    return err;
}

sr_err mls_trust_load(const char *dir, struct sr_mls_trust **out)
{
    char path[4096];
    struct sr_buf b;
    json_error_t je;
    *out = NULL;
    SR_TRY(mls_path(dir, TRUST_FILE, path, sizeof(path)));
    sr_err err = mls_read_file(path, 0, &b);
    if (err == SR_ERR_NOT_FOUND) {
        return SR_OK; /* no trust configured */
    }
    SR_TRY(err);
    json_t *j = json_loadb((const char *)b.p, b.len, 0, &je);
    err = j != NULL ? mls_trust_build(j, out) : SR_ERR_DECODE;
    json_decref(j);
    sr_buf_cleanup(&b);
    return err;
}
