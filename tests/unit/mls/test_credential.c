/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials (RFC 9420 §5.3) through the default validator: X.509 KeyPackages whose chain
 * ends in an internal or an external (partner) CA get that store's level and the email SAN
 * as identity; an expired leaf and an untrusted root are SR_ERR_DENIED, a certificate for
 * another key SR_ERR_INVALID; basic credentials by policy; unknown types; custom callbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "crypto/sig.h"
#include "crypto/x509.h"
#include "mls/keypackage.h"
#include "testutil.h"

#define NOW 1750000000LL
#define DAY 86400LL

struct ca {
    struct sr_secret priv;
    struct sr_buf pub, cert;
    struct sr_x509_store *store;
};

static uint64_t serial = 1;

static void issue(const struct sr_sig_alg *alg, struct sr_slice subj, const char *cn,
                  const char *email, bool is_ca, int64_t nb, int64_t na, const struct ca *iss,
                  struct sr_buf *out)
{
    struct sr_x509_test_cert c = {
        .common_name = cn,
        .email = email,
        .is_ca = is_ca,
        .not_before = nb,
        .not_after = na,
        .alg = alg,
        .subject_priv = subj,
        .issuer_alg = &sr_sig_ed25519,
        .issuer_priv = iss != NULL ? sr_secret_slice(&iss->priv) : subj,
        .issuer_der = iss != NULL ? sr_buf_slice(&iss->cert) : sr_slice_of(NULL, 0),
        .serial = serial++,
    };
    assert_int_equal(sr_crypto_x509_test_issue(&c, out), SR_OK);
}

static void ca_new(const char *cn, struct ca *ca)
{
    memset(ca, 0, sizeof(*ca));
    assert_int_equal(sr_sig_generate(&sr_sig_ed25519, &ca->priv, &ca->pub), SR_OK);
    issue(&sr_sig_ed25519, sr_secret_slice(&ca->priv), cn, NULL, true, NOW - 100 * DAY,
          NOW + 100 * DAY, NULL, &ca->cert);
    assert_int_equal(sr_crypto_x509_store_new(&ca->store), SR_OK);
    assert_int_equal(sr_crypto_x509_store_add_der(ca->store, sr_buf_slice(&ca->cert)), SR_OK);
}

static void ca_free(struct ca *ca)
{
    sr_secret_cleanup(&ca->priv);
    sr_buf_cleanup(&ca->pub);
    sr_buf_cleanup(&ca->cert);
    sr_crypto_x509_store_free(ca->store);
}

/* A KeyPackage whose X.509 leaf certificate (issued by `iss`) is for `cert_priv`. */
static void x509_kp(uint16_t suite, const struct ca *iss, int64_t nb, int64_t na, bool other_key,
                    struct sr_mls_key_package *kp, struct sr_mls_key_package_priv **priv,
                    struct sr_buf *leaf)
{
    const struct sr_suite *s = sr_suite_get(suite);
    struct sr_secret sig_priv = { 0 }, other = { 0 };
    struct sr_buf pub = { 0 };
    assert_int_equal(sr_sig_generate(s->sig, &sig_priv, &pub), SR_OK);
    sr_buf_reset(&pub);
    assert_int_equal(sr_sig_generate(s->sig, &other, &pub), SR_OK);
    issue(s->sig, sr_secret_slice(other_key ? &other : &sig_priv), "alice", "alice@example.com",
          false, nb, na, iss, leaf);
    struct sr_slice *certs = sr_calloc(1, sizeof(*certs));
    certs[0] = sr_buf_slice(leaf);
    struct sr_mls_key_package_params p = {
        .suite = s,
        .credential = sr_mls_credential_x509(certs, 1),
        .signature_priv = sr_secret_slice(&sig_priv),
        .now = (uint64_t)NOW,
    };
    assert_int_equal(sr_mls_key_package_create(&p, kp, priv), SR_OK);
    sr_free(certs);
    sr_secret_cleanup(&sig_priv);
    sr_secret_cleanup(&other);
    sr_buf_cleanup(&pub);
}

static sr_err check(const struct sr_mls_trust_policy *pol, const struct sr_mls_key_package *kp,
                    struct sr_mls_credential_result *res)
{
    struct sr_mls_credential_check chk = { sr_mls_credential_validate_default,
                                           (void *)(uintptr_t)pol };
    struct sr_mls_leaf_validate_ctx c = {
        .suite = sr_suite_get(kp->cipher_suite),
        .now = (uint64_t)NOW,
        .check_lifetime = true,
        .credential = &chk,
    };
    return sr_mls_key_package_validate(kp, &c, res);
}

static void levels_per_store(void **state)
{
    (void)state;
    struct ca internal, partner, stranger;
    ca_new("Internal CA", &internal);
    ca_new("Partner CA", &partner);
    ca_new("Stranger CA", &stranger);
    struct sr_mls_trust_policy pol = {
        .stores = { internal.store, partner.store },
        .levels = { SR_MLS_IDENTITY_INTERNAL, SR_MLS_IDENTITY_EXTERNAL },
        .store_count = 2,
        .now = NOW,
    };
    for (uint16_t id = 1; id <= 7; id++) {
        const struct ca *issuers[3] = { &internal, &partner, &stranger };
        for (int k = 0; k < 3; k++) {
            struct sr_mls_key_package kp;
            struct sr_mls_key_package_priv *priv;
            struct sr_buf leaf = { 0 };
            struct sr_mls_credential_result res;
            x509_kp(id, issuers[k], NOW - DAY, NOW + DAY, false, &kp, &priv, &leaf);
            sr_err err = check(&pol, &kp, &res);
            if (k == 2) {
                assert_int_equal(err, SR_ERR_DENIED);
                assert_string_equal(res.identity, "");
            } else {
                assert_int_equal(err, SR_OK);
                assert_int_equal(res.level,
                                 k == 0 ? SR_MLS_IDENTITY_INTERNAL : SR_MLS_IDENTITY_EXTERNAL);
                assert_string_equal(res.identity, "alice@example.com");
            }
            sr_mls_key_package_cleanup(&kp);
            sr_mls_key_package_priv_free(priv);
            sr_buf_cleanup(&leaf);
        }
    }
    ca_free(&internal);
    ca_free(&partner);
    ca_free(&stranger);
}

static void expired_and_wrong_key(void **state)
{
    (void)state;
    struct ca ca;
    ca_new("Internal CA", &ca);
    struct sr_mls_trust_policy pol = {
        .stores = { ca.store }, .levels = { SR_MLS_IDENTITY_INTERNAL }, .store_count = 1, .now = NOW
    };
    struct sr_mls_key_package kp;
    struct sr_mls_key_package_priv *priv;
    struct sr_buf leaf = { 0 };
    x509_kp(2, &ca, NOW - 10 * DAY, NOW - DAY, false, &kp, &priv, &leaf);
    assert_int_equal(check(&pol, &kp, NULL), SR_ERR_DENIED);
    pol.now = NOW - 2 * DAY;
    assert_int_equal(check(&pol, &kp, NULL), SR_OK);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
    sr_buf_reset(&leaf);
    /* RFC 9420 §5.3.1: the certificate must be for the leaf's signature key. */
    x509_kp(2, &ca, NOW - DAY, NOW + DAY, true, &kp, &priv, &leaf);
    pol.now = NOW;
    assert_int_equal(check(&pol, &kp, NULL), SR_ERR_INVALID);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(priv);
    sr_buf_cleanup(&leaf);
    ca_free(&ca);
}

static void basic_and_unknown(void **state)
{
    (void)state;
    const struct sr_suite *s = sr_suite_get(1);
    static const uint8_t id[] = "guest-7", binary[] = { 0x00, 0xff };
    struct sr_mls_trust_policy pol = { .allow_basic = true };
    struct sr_mls_credential_check chk = { sr_mls_credential_validate_default, &pol };
    struct sr_mls_credential_result res;
    struct sr_mls_credential c = sr_mls_credential_basic(sr_slice_of(id, 7));
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res), SR_OK);
    assert_string_equal(res.identity, "guest-7");
    assert_int_equal(res.level, SR_MLS_IDENTITY_UNVERIFIED);
    c = sr_mls_credential_basic(sr_slice_of(binary, 2));
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res), SR_OK);
    assert_string_equal(res.identity, "00ff");
    pol.allow_basic = false;
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_DENIED);
    c.type = 0x0F04;
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_INVALID);
    /* An X.509 credential with no certificate, or garbage DER. */
    c = sr_mls_credential_x509(NULL, 0);
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_INVALID);
    struct ca ca;
    ca_new("CA", &ca);
    pol.stores[0] = ca.store;
    pol.store_count = 1;
    struct sr_slice junk = sr_slice_of(binary, 2);
    c = sr_mls_credential_x509(&junk, 1);
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_INVALID);
    ca_free(&ca);
    assert_int_equal(sr_mls_credential_validate(NULL, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_ARG);
}

static sr_err odd_answer(void *arg, const struct sr_suite *suite,
                         const struct sr_mls_credential *cred, struct sr_slice key,
                         struct sr_mls_credential_result *res)
{
    (void)suite;
    (void)cred;
    (void)key;
    memset(res->identity, 'x', sizeof(res->identity)); /* no NUL: must be terminated for us */
    res->level = 9;
    return *(const sr_err *)arg;
}

static void custom_callback(void **state)
{
    (void)state;
    const struct sr_suite *s = sr_suite_get(1);
    sr_err answer = SR_OK;
    struct sr_mls_credential_check chk = { odd_answer, &answer };
    struct sr_mls_credential_result res;
    struct sr_mls_credential c = sr_mls_credential_basic(sr_slice_of(NULL, 0));
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res), SR_OK);
    assert_int_equal(strlen(res.identity), SR_MLS_IDENTITY_MAX - 1);
    assert_int_equal(res.level, 9);
    answer = SR_ERR_CRYPTO;
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), &res),
                     SR_ERR_DENIED);
    assert_int_equal(res.level, 0);
    answer = SR_ERR_INVALID;
    assert_int_equal(sr_mls_credential_validate(&chk, s, &c, sr_slice_of(NULL, 0), NULL),
                     SR_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels_per_store),
        cmocka_unit_test(expired_and_wrong_key),
        cmocka_unit_test(basic_and_unknown),
        cmocka_unit_test(custom_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
