/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 for MLS credentials, on a PKI built at run time (no key files, no network):
 * root CA -> intermediate -> leaf with an email SAN, for every signature scheme; an expired
 * and a not-yet-valid leaf, a leaf whose key is not the MLS key, a chain to an untrusted
 * root, a missing intermediate, garbage DER, and the display details.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/hash.h"
#include "crypto/sig.h"
#include "crypto/x509.h"
#include "testutil.h"

static const struct sr_sig_alg *const algs[] = { &sr_sig_ed25519, &sr_sig_ed448, &sr_sig_p256,
                                                 &sr_sig_p384, &sr_sig_p521 };
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

#define NOW   1750000000LL
#define DAY   86400LL
#define EMAIL "alice@example.com"

struct key {
    const struct sr_sig_alg *alg;
    struct sr_secret priv;
    struct sr_buf pub;
};

struct pki {
    struct key root_key, int_key, leaf_key;
    struct sr_buf root, inter, leaf;
};

static void key_new(const struct sr_sig_alg *alg, struct key *k)
{
    memset(k, 0, sizeof(*k));
    k->alg = alg;
    assert_int_equal(sr_sig_generate(alg, &k->priv, &k->pub), SR_OK);
}

static void key_free(struct key *k)
{
    sr_secret_cleanup(&k->priv);
    sr_buf_cleanup(&k->pub);
}

static void issue(const char *cn, const char *email, bool ca, int64_t nb, int64_t na,
                  const struct key *subj, const struct key *iss, const struct sr_buf *iss_cert,
                  struct sr_buf *out)
{
    static uint64_t serial = 1000;
    struct sr_x509_test_cert c = {
        .common_name = cn,
        .email = email,
        .is_ca = ca,
        .not_before = nb,
        .not_after = na,
        .alg = subj->alg,
        .subject_priv = sr_secret_slice(&subj->priv),
        .issuer_alg = iss->alg,
        .issuer_priv = sr_secret_slice(&iss->priv),
        .issuer_der = iss_cert != NULL ? sr_buf_slice(iss_cert) : sr_slice_of(NULL, 0),
        .serial = serial++,
    };
    assert_int_equal(sr_crypto_x509_test_issue(&c, out), SR_OK);
}

/* Root and intermediate on Ed25519 and P-384, the leaf on `leaf_alg`. */
static void pki_new(const struct sr_sig_alg *leaf_alg, int64_t leaf_nb, int64_t leaf_na,
                    struct pki *p)
{
    memset(p, 0, sizeof(*p));
    key_new(&sr_sig_ed25519, &p->root_key);
    key_new(&sr_sig_p384, &p->int_key);
    key_new(leaf_alg, &p->leaf_key);
    issue("Test Root", NULL, true, NOW - 365 * DAY, NOW + 365 * DAY, &p->root_key, &p->root_key,
          NULL, &p->root);
    issue("Test Intermediate", NULL, true, NOW - 300 * DAY, NOW + 300 * DAY, &p->int_key,
          &p->root_key, &p->root, &p->inter);
    issue("alice", EMAIL, false, leaf_nb, leaf_na, &p->leaf_key, &p->int_key, &p->inter, &p->leaf);
}

static void pki_free(struct pki *p)
{
    key_free(&p->root_key);
    key_free(&p->int_key);
    key_free(&p->leaf_key);
    sr_buf_cleanup(&p->root);
    sr_buf_cleanup(&p->inter);
    sr_buf_cleanup(&p->leaf);
}

static struct sr_x509_store *store_of(const struct sr_buf *anchor)
{
    struct sr_x509_store *st = NULL;
    assert_int_equal(sr_crypto_x509_store_new(&st), SR_OK);
    assert_int_equal(sr_crypto_x509_store_add_der(st, sr_buf_slice(anchor)), SR_OK);
    return st;
}

static sr_err verify(const struct sr_x509_store *st, const struct pki *p, int64_t now)
{
    struct sr_slice chain[2] = { sr_buf_slice(&p->leaf), sr_buf_slice(&p->inter) };
    return sr_crypto_x509_verify(st, chain, 2, now, p->leaf_key.alg,
                                 sr_buf_slice(&p->leaf_key.pub));
}

static void valid_chain_every_scheme(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ALGS; i++) {
        struct pki p;
        pki_new(algs[i], NOW - DAY, NOW + 30 * DAY, &p);
        struct sr_x509_store *st = store_of(&p.root);
        assert_int_equal(verify(st, &p, NOW), SR_OK);
        /* Validity is judged at the caller's time: before and after the leaf's window. */
        assert_int_equal(verify(st, &p, NOW - 2 * DAY), SR_ERR_DENIED);
        assert_int_equal(verify(st, &p, NOW + 31 * DAY), SR_ERR_DENIED);
        /* Without the intermediate the chain cannot be built. */
        struct sr_slice leaf_only = sr_buf_slice(&p.leaf);
        assert_int_equal(sr_crypto_x509_verify(st, &leaf_only, 1, NOW, algs[i],
                                               sr_buf_slice(&p.leaf_key.pub)),
                         SR_ERR_DENIED);
        assert_int_equal(
                sr_crypto_x509_check_key(leaf_only, algs[i], sr_buf_slice(&p.leaf_key.pub)), SR_OK);
        sr_crypto_x509_store_free(st);
        pki_free(&p);
    }
}

static void expired_and_not_yet_valid(void **state)
{
    (void)state;
    struct pki old, future;
    pki_new(&sr_sig_p256, NOW - 30 * DAY, NOW - DAY, &old);
    pki_new(&sr_sig_p256, NOW + DAY, NOW + 30 * DAY, &future);
    struct sr_x509_store *st_old = store_of(&old.root), *st_future = store_of(&future.root);
    assert_int_equal(verify(st_old, &old, NOW), SR_ERR_DENIED);
    assert_int_equal(verify(st_future, &future, NOW), SR_ERR_DENIED);
    assert_int_equal(verify(st_future, &future, NOW + 2 * DAY), SR_OK);
    sr_crypto_x509_store_free(st_old);
    sr_crypto_x509_store_free(st_future);
    pki_free(&old);
    pki_free(&future);
}

static void key_mismatch(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ALGS; i++) {
        struct pki p;
        struct key other;
        pki_new(algs[i], NOW - DAY, NOW + DAY, &p);
        key_new(algs[i], &other);
        struct sr_x509_store *st = store_of(&p.root);
        struct sr_slice chain[2] = { sr_buf_slice(&p.leaf), sr_buf_slice(&p.inter) };
        assert_int_equal(
                sr_crypto_x509_verify(st, chain, 2, NOW, algs[i], sr_buf_slice(&other.pub)),
                SR_ERR_INVALID);
        /* The right bytes under another scheme do not match either. */
        const struct sr_sig_alg *wrong = algs[(i + 1) % N_ALGS];
        assert_int_equal(
                sr_crypto_x509_verify(st, chain, 2, NOW, wrong, sr_buf_slice(&p.leaf_key.pub)),
                SR_ERR_INVALID);
        sr_crypto_x509_store_free(st);
        key_free(&other);
        pki_free(&p);
    }
}

static void untrusted_root(void **state)
{
    (void)state;
    struct pki a, b;
    pki_new(&sr_sig_ed25519, NOW - DAY, NOW + DAY, &a);
    pki_new(&sr_sig_ed25519, NOW - DAY, NOW + DAY, &b);
    struct sr_x509_store *st = store_of(&a.root);
    assert_int_equal(verify(st, &a, NOW), SR_OK);
    assert_int_equal(verify(st, &b, NOW), SR_ERR_DENIED);
    /* b's root offered as an "intermediate" does not make it trusted. */
    struct sr_slice chain[3] = { sr_buf_slice(&b.leaf), sr_buf_slice(&b.inter),
                                 sr_buf_slice(&b.root) };
    assert_int_equal(
            sr_crypto_x509_verify(st, chain, 3, NOW, b.leaf_key.alg, sr_buf_slice(&b.leaf_key.pub)),
            SR_ERR_DENIED);
    sr_crypto_x509_store_free(st);
    pki_free(&a);
    pki_free(&b);
}

static void bad_der(void **state)
{
    (void)state;
    struct pki p;
    pki_new(&sr_sig_ed25519, NOW - DAY, NOW + DAY, &p);
    struct sr_x509_store *st = store_of(&p.root);
    uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
    struct sr_slice j = sr_slice_of(junk, sizeof(junk));
    assert_int_equal(sr_crypto_x509_store_add_der(st, j), SR_ERR_DECODE);
    struct sr_slice chain[2] = { j, sr_buf_slice(&p.inter) };
    assert_int_equal(sr_crypto_x509_verify(st, chain, 2, NOW, &sr_sig_ed25519,
                                           sr_buf_slice(&p.leaf_key.pub)),
                     SR_ERR_DECODE);
    chain[0] = sr_buf_slice(&p.leaf);
    chain[1] = j;
    assert_int_equal(sr_crypto_x509_verify(st, chain, 2, NOW, &sr_sig_ed25519,
                                           sr_buf_slice(&p.leaf_key.pub)),
                     SR_ERR_DECODE);
    /* Truncated DER at every offset never parses. */
    for (size_t n = 0; n < p.leaf.len; n++) {
        struct sr_x509_info info;
        assert_int_equal(sr_crypto_x509_info(sr_slice_of(p.leaf.p, n), &info), SR_ERR_DECODE);
    }
    assert_int_equal(sr_crypto_x509_verify(st, chain, 0, NOW, &sr_sig_ed25519,
                                           sr_buf_slice(&p.leaf_key.pub)),
                     SR_ERR_ARG);
    sr_crypto_x509_store_free(st);
    pki_free(&p);
}

static void details(void **state)
{
    (void)state;
    struct pki p;
    struct sr_x509_info info;
    uint8_t fp[32];
    pki_new(&sr_sig_p256, NOW - DAY, NOW + 30 * DAY, &p);
    assert_int_equal(sr_crypto_x509_info(sr_buf_slice(&p.leaf), &info), SR_OK);
    assert_string_equal(info.subject, "CN=alice");
    assert_string_equal(info.issuer, "CN=Test Intermediate");
    assert_string_equal(info.email, EMAIL);
    assert_true(strlen(info.serial) > 0);
    assert_int_equal(info.not_before, NOW - DAY);
    assert_int_equal(info.not_after, NOW + 30 * DAY);
    assert_int_equal(sr_hash(&sr_hash_sha256, sr_buf_slice(&p.leaf), fp), SR_OK);
    assert_memory_equal(info.sha256, fp, sizeof(fp));
    assert_int_equal(sr_crypto_x509_info(sr_buf_slice(&p.root), &info), SR_OK);
    assert_string_equal(info.email, "");
    assert_string_equal(info.subject, info.issuer);
    pki_free(&p);
}

static void two_stores(void **state)
{
    (void)state;
    struct pki internal, partner;
    pki_new(&sr_sig_p256, NOW - DAY, NOW + DAY, &internal);
    pki_new(&sr_sig_p256, NOW - DAY, NOW + DAY, &partner);
    struct sr_x509_store *st_int = store_of(&internal.root);
    struct sr_x509_store *st_ext = store_of(&partner.root);
    assert_int_equal(verify(st_int, &internal, NOW), SR_OK);
    assert_int_equal(verify(st_ext, &internal, NOW), SR_ERR_DENIED);
    assert_int_equal(verify(st_ext, &partner, NOW), SR_OK);
    assert_int_equal(verify(st_int, &partner, NOW), SR_ERR_DENIED);
    sr_crypto_x509_store_free(st_int);
    sr_crypto_x509_store_free(st_ext);
    sr_crypto_x509_store_free(NULL);
    pki_free(&internal);
    pki_free(&partner);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_chain_every_scheme),
        cmocka_unit_test(expired_and_not_yet_valid),
        cmocka_unit_test(key_mismatch),
        cmocka_unit_test(untrusted_root),
        cmocka_unit_test(bad_der),
        cmocka_unit_test(details),
        cmocka_unit_test(two_stores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
