/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's check of the static key's certificate (KMS.md §5): "Clients validate the chain
 * against their trust anchors, check that a SAN (or the CN) of the leaf equals the kid host,
 * and that n/e are the leaf's key." Without configured anchors nothing is checked here (the
 * thumbprint pin, if any, still is), so a deployment opts in per client.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/client_int.h"
#include "kms/jwk.h"

#define KID_PREFIX "kms://"

/* The host of kms://<host>/static/<n>. */
static bool kid_host(const char *kid, char *out, size_t cap)
{
    if (strncmp(kid, KID_PREFIX, strlen(KID_PREFIX)) != 0) {
        return false;
    }
    const char *h = kid + strlen(KID_PREFIX);
    const char *slash = strchr(h, '/');
    size_t n = slash != NULL ? (size_t)(slash - h) : strlen(h);
    if (n == 0 || n >= cap) {
        return false;
    }
    memcpy(out, h, n);
    out[n] = '\0';
    return true;
}

static const char *refusal_str(enum sr_x509_refusal why)
{
    switch (why) {
    case SR_X509_EXPIRED:
        return "the KMS static key's certificate has expired";
    case SR_X509_NOT_YET:
        return "the KMS static key's certificate is not valid yet";
    case SR_X509_REVOKED:
        return "the KMS static key's certificate is revoked";
    default:
        return "the KMS static key's certificate does not chain to a trust anchor";
    }
}

sr_err sr_kms_client_check_x5c(struct sr_kms_client *c, const json_t *jwk, const char *kid)
{
    struct sr_kms_x5c x5c;
    char host[SR_KMS_URI_MAX];
    enum sr_x509_refusal why = SR_X509_UNTRUSTED;
    bool for_host = false;
    if (c->anchors == NULL) {
        return SR_OK;
    }
    struct sr_x509_jwk_key *leaf = sr_calloc(1, sizeof(*leaf));
    SR_CHECK(leaf != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_x5c_decode(jwk, &x5c);
    if (err != SR_OK) {
        err = sr_kms_client_fail(c, SR_ERR_AUTH, 0, "",
                                 err == SR_ERR_NOT_FOUND
                                         ? "the KMS static key has no certificate (x5c)"
                                         : "the KMS static key's x5c is malformed");
        goto out;
    }
    int64_t now_s = c->clock(c->clock_arg) / 1000;
    err = sr_crypto_x509_trust_verify(c->anchors, x5c.certs, x5c.n, now_s, SR_X509_ANY, &why);
    if (err != SR_OK) {
        err = sr_kms_client_fail(c, err == SR_ERR_NOMEM ? err : SR_ERR_AUTH, 0, "",
                                 refusal_str(why));
        goto out;
    }
    if (!kid_host(kid, host, sizeof(host)) ||
        sr_crypto_x509_for_host(x5c.certs[0], host, &for_host) != SR_OK || !for_host) {
        err = sr_kms_client_fail(c, SR_ERR_AUTH, 0, "",
                                 "the KMS static key's certificate is not for its kid's host");
        goto out;
    }
    if (sr_crypto_x509_jwk_key(x5c.certs[0], leaf) != SR_OK || !sr_kms_jwk_is_key(jwk, leaf)) {
        err = sr_kms_client_fail(c, SR_ERR_AUTH, 0, "",
                                 "the KMS static key is not its certificate's key");
    }
out:
    sr_kms_x5c_cleanup(&x5c);
    sr_free(leaf);
    return err;
}
