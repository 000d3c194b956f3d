/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust configuration's memo of X.509 judgements must never change a judgement: asked
 * twice, the validator answers the same; a different signature key, a later time, a new
 * anchor or the require-verified policy are all honoured after a judgement was memoized;
 * allocation failures are reported cleanly; threads share it safely.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "core/alloc.h"
#include "crypto/suite.h"
#include "crypto/x509.h"
#include "mls/trust.h"
#include "testutil.h"

#define NOW 1750000000
#define DAY 86400

static uint64_t serial = 1;

struct party {
    struct sr_buf priv, pub, cert;
};

static void party_cleanup(struct party *p)
{
    sr_buf_cleanup(&p->priv);
    sr_buf_cleanup(&p->pub);
    sr_buf_cleanup(&p->cert);
}

/* A fresh Ed25519 key with a certificate from `ca` (NULL: self-signed CA). */
static void party_new(struct party *p, const struct party *ca, const char *name)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(sr_mls_signature_key_new(1, &p->priv, &p->pub), SR_OK);
    struct sr_x509_test_cert c = {
        .common_name = name,
        .email = ca != NULL ? name : NULL,
        .is_ca = ca == NULL,
        .not_before = NOW - DAY,
        .not_after = NOW + DAY,
        .alg = &sr_sig_ed25519,
        .subject_priv = sr_buf_slice(&p->priv),
        .issuer_alg = &sr_sig_ed25519,
        .issuer_priv = sr_buf_slice(ca != NULL ? &ca->priv : &p->priv),
        .issuer_der = ca != NULL ? sr_buf_slice(&ca->cert) : sr_slice_of(NULL, 0),
        .serial = serial++,
    };
    assert_int_equal(sr_crypto_x509_test_issue(&c, &p->cert), SR_OK);
}

struct world {
    struct party ca, other_ca, member, stranger;
    struct sr_slice member_chain, stranger_chain;
    struct sr_mls_credential member_cred, stranger_cred;
    struct sr_mls_trust *trust;
};

static struct world *world_new(void)
{
    struct world *w = sr_calloc(1, sizeof(*w));
    assert_non_null(w);
    party_new(&w->ca, NULL, "Memo CA");
    party_new(&w->other_ca, NULL, "Other CA");
    party_new(&w->member, &w->ca, "member@example.com");
    party_new(&w->stranger, &w->other_ca, "stranger@partner.example");
    w->member_chain = sr_buf_slice(&w->member.cert);
    w->stranger_chain = sr_buf_slice(&w->stranger.cert);
    w->member_cred = (struct sr_mls_credential){ .type = SR_MLS_CREDENTIAL_X509,
                                                 .certs = &w->member_chain,
                                                 .cert_count = 1 };
    w->stranger_cred = (struct sr_mls_credential){ .type = SR_MLS_CREDENTIAL_X509,
                                                   .certs = &w->stranger_chain,
                                                   .cert_count = 1 };
    assert_int_equal(sr_mls_trust_new(&w->trust), SR_OK);
    assert_int_equal(
            sr_mls_trust_add_anchor(w->trust, sr_buf_slice(&w->ca.cert), SR_MLS_LEVEL_INTERNAL),
            SR_OK);
    return w;
}

static void world_free(struct world *w)
{
    sr_mls_trust_free(w->trust);
    party_cleanup(&w->ca);
    party_cleanup(&w->other_ca);
    party_cleanup(&w->member);
    party_cleanup(&w->stranger);
    sr_free(w);
}

static sr_err judge(const struct world *w, const struct sr_mls_credential *cred,
                    const struct sr_buf *key, uint64_t now, struct sr_mls_credential_result *res)
{
    return sr_mls_trust_validate(w->trust, now, sr_suite_get(1), cred, sr_buf_slice(key), res);
}

static void test_same_answer_twice(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct sr_mls_credential_result a, b, c;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(judge(w, &w->member_cred, &w->member.pub, NOW, &a), SR_OK);
        assert_int_equal(a.level, SR_MLS_LEVEL_INTERNAL);
        assert_string_equal(a.identity, "member@example.com");
        /* The identity listing takes the same judgement. */
        assert_int_equal(sr_mls_trust_assess(w->trust, sr_suite_get(1), &w->member_cred,
                                             sr_buf_slice(&w->member.pub), NOW, &b),
                         SR_OK);
        assert_memory_equal(&a, &b, sizeof(a));
        assert_int_equal(judge(w, &w->stranger_cred, &w->stranger.pub, NOW, &c), SR_OK);
        assert_int_equal(c.level, SR_MLS_LEVEL_UNVERIFIED);
    }
    world_free(w);
}

static void test_key_and_time_count(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct sr_mls_credential_result r;
    assert_int_equal(judge(w, &w->member_cred, &w->member.pub, NOW, &r), SR_OK);
    /* The same certificate presented with another leaf's key. */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(judge(w, &w->member_cred, &w->stranger.pub, NOW, &r), SR_ERR_INVALID);
        assert_int_equal(r.level, 0);
        assert_string_equal(r.identity, "");
    }
    /* Two days later the certificate has expired; the earlier judgement does not stick. */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(judge(w, &w->member_cred, &w->member.pub, NOW + 2 * DAY, &r),
                         SR_ERR_DENIED);
    }
    assert_int_equal(judge(w, &w->member_cred, &w->member.pub, NOW, &r), SR_OK);
    world_free(w);
}

static void test_anchor_and_policy_count(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct sr_mls_credential_result r;
    assert_int_equal(judge(w, &w->stranger_cred, &w->stranger.pub, NOW, &r), SR_OK);
    assert_int_equal(r.level, SR_MLS_LEVEL_UNVERIFIED);
    sr_mls_trust_require_verified(w->trust, true);
    assert_int_equal(judge(w, &w->stranger_cred, &w->stranger.pub, NOW, &r), SR_ERR_DENIED);
    sr_mls_trust_require_verified(w->trust, false);
    /* Trusting the other CA now makes the stranger a verified partner. */
    assert_int_equal(sr_mls_trust_add_anchor(w->trust, sr_buf_slice(&w->other_ca.cert),
                                             SR_MLS_LEVEL_EXTERNAL),
                     SR_OK);
    assert_int_equal(judge(w, &w->stranger_cred, &w->stranger.pub, NOW, &r), SR_OK);
    assert_int_equal(r.level, SR_MLS_LEVEL_EXTERNAL);
    world_free(w);
}

static sr_err new_trust(void *arg)
{
    return sr_mls_trust_new(arg);
}

static void free_trust(void *arg)
{
    struct sr_mls_trust **t = arg;
    sr_mls_trust_free(*t);
    *t = NULL;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    struct sr_mls_trust *t = NULL;
    /* The trust, its memo and the memo's table each fail in turn, cleanly. */
    assert_int_equal(sr_test_each_alloc_failure(new_trust, free_trust, &t), 3);
}

struct racer {
    struct world *w;
    int wrong;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < 200; i++) {
        struct sr_mls_credential_result res;
        bool member = i % 2 == 0;
        uint64_t now = NOW + (uint64_t)(i % 7);
        sr_err err = judge(r->w, member ? &r->w->member_cred : &r->w->stranger_cred,
                           member ? &r->w->member.pub : &r->w->stranger.pub, now, &res);
        r->wrong += err != SR_OK ||
                    res.level != (member ? SR_MLS_LEVEL_INTERNAL : SR_MLS_LEVEL_UNVERIFIED);
    }
    return NULL;
}

static void test_threads_share_it(void **state)
{
    (void)state;
    struct world *w = world_new();
    struct racer r[3] = { { w, 0 }, { w, 0 }, { w, 0 } };
    pthread_t th[2];
    assert_int_equal(pthread_create(&th[0], NULL, race, &r[0]), 0);
    assert_int_equal(pthread_create(&th[1], NULL, race, &r[1]), 0);
    race(&r[2]);
    assert_int_equal(pthread_join(th[0], NULL), 0);
    assert_int_equal(pthread_join(th[1], NULL), 0);
    assert_int_equal(r[0].wrong + r[1].wrong + r[2].wrong, 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_answer_twice),       cmocka_unit_test(test_key_and_time_count),
        cmocka_unit_test(test_anchor_and_policy_count), cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_threads_share_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
