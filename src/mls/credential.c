/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §5.3 credentials and §5.3.1 credential validation.
 *
 *   struct {
 *       CredentialType credential_type;
 *       select (Credential.credential_type) {
 *           case basic: opaque identity<V>;
 *           case x509:  Certificate certificates<V>;
 *       };
 *   } Credential;
 *
 * The library never decides on its own whether an identity is acceptable: §5.3.1 leaves
 * that to the application, which installs a validator. The default one handles X.509
 * chains through crypto/x509 and, when allowed, basic credentials as unverified.
 */
#include "mls/credential.h"

#include <string.h>

#include "mls/wire_common.h"

struct sr_mls_credential sr_mls_credential_basic(struct sr_slice identity)
{
    struct sr_mls_credential c = { .type = SR_MLS_CREDENTIAL_BASIC, .identity = identity };
    return c;
}

struct sr_mls_credential sr_mls_credential_x509(struct sr_slice *certs, size_t count)
{
    struct sr_mls_credential c = { .type = SR_MLS_CREDENTIAL_X509,
                                   .certs = certs,
                                   .cert_count = count };
    return c;
}

/* Printable ASCII as is; anything else as lowercase hex (truncated to fit). */
static void identity_str(struct sr_slice id, char *out, size_t cap)
{
    bool printable = id.len < cap;
    for (size_t i = 0; printable && i < id.len; i++) {
        printable = id.p[i] >= 0x20 && id.p[i] < 0x7f;
    }
    if (printable) {
        memcpy(out, id.p, id.len);
        out[id.len] = '\0';
        return;
    }
    size_t n = id.len < (cap - 1) / 2 ? id.len : (cap - 1) / 2;
    if (sr_hex_encode(id.p, n, out, cap) != SR_OK) {
        out[0] = '\0';
    }
}

sr_err sr_mls_credential_display(const struct sr_mls_credential *cred,
                                 char out[SR_MLS_IDENTITY_MAX])
{
    out[0] = '\0';
    if (cred->type != SR_MLS_CREDENTIAL_X509) {
        identity_str(cred->identity, out, SR_MLS_IDENTITY_MAX);
        return SR_OK;
    }
    struct sr_x509_info info;
    SR_CHECK(cred->cert_count > 0, SR_ERR_INVALID);
    if (sr_crypto_x509_info(cred->certs[0], &info) != SR_OK) {
        return SR_ERR_INVALID;
    }
    const char *id = info.email[0] != '\0' ? info.email : info.subject;
    size_t len = strlen(id);
    len = len < SR_MLS_IDENTITY_MAX ? len : SR_MLS_IDENTITY_MAX - 1;
    memcpy(out, id, len);
    out[len] = '\0';
    return SR_OK;
}

static sr_err validate_x509(const struct sr_mls_trust_policy *pol, const struct sr_suite *suite,
                            const struct sr_mls_credential *cred, struct sr_slice key,
                            struct sr_mls_credential_result *res)
{
    SR_CHECK(cred->cert_count > 0, SR_ERR_INVALID);
    sr_err err = SR_ERR_DENIED;
    for (size_t i = 0; i < pol->store_count && i < SR_MLS_TRUST_STORES_MAX; i++) {
        err = sr_crypto_x509_verify(pol->stores[i], cred->certs, cred->cert_count, pol->now,
                                    suite->sig, key);
        if (err == SR_OK) {
            res->level = pol->levels[i];
            break;
        }
        if (err != SR_ERR_DENIED) {
            /* A malformed chain or a key mismatch fails against every store alike. */
            return err == SR_ERR_DECODE ? SR_ERR_INVALID : err;
        }
    }
    SR_TRY(err);
    return sr_mls_credential_display(cred, res->identity);
}

sr_err sr_mls_credential_validate_default(void *arg, const struct sr_suite *suite,
                                          const struct sr_mls_credential *cred,
                                          struct sr_slice signature_key,
                                          struct sr_mls_credential_result *res)
{
    const struct sr_mls_trust_policy *pol = arg;
    SR_CHECK(pol != NULL && suite != NULL, SR_ERR_ARG);
    switch (cred->type) {
    case SR_MLS_CREDENTIAL_BASIC:
        SR_CHECK(pol->allow_basic, SR_ERR_DENIED);
        res->level = SR_MLS_IDENTITY_UNVERIFIED;
        return sr_mls_credential_display(cred, res->identity);
    case SR_MLS_CREDENTIAL_X509:
        return validate_x509(pol, suite, cred, signature_key, res);
    default:
        /* A type we cannot interpret cannot authenticate anyone. */
        return SR_ERR_INVALID;
    }
}

sr_err sr_mls_credential_validate(const struct sr_mls_credential_check *check,
                                  const struct sr_suite *suite,
                                  const struct sr_mls_credential *cred,
                                  struct sr_slice signature_key,
                                  struct sr_mls_credential_result *res)
{
    struct sr_mls_credential_result tmp = { 0 };
    struct sr_mls_credential_result *r = res != NULL ? res : &tmp;
    memset(r, 0, sizeof(*r));
    SR_CHECK(check != NULL && check->fn != NULL && suite != NULL, SR_ERR_ARG);
    sr_err err = check->fn(check->arg, suite, cred, signature_key, r);
    r->identity[SR_MLS_IDENTITY_MAX - 1] = '\0';
    switch (err) {
    case SR_OK:
    case SR_ERR_DENIED:
    case SR_ERR_INVALID:
    case SR_ERR_NOMEM:
        break;
    default:
        err = SR_ERR_DENIED;
        break;
    }
    if (err != SR_OK) {
        memset(r, 0, sizeof(*r));
    }
    return err;
}
