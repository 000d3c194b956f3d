/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 credentials in MLS groups through the public API (sr_mls_trust, KeyPackages with
 * certificate chains, member identities), suites 1, 2 and 3, over a PKI built at run time:
 *
 *   Internal CA ──► Intermediate CA ──► member      (INTERNAL, chain of two)
 *        └───────► member                           (INTERNAL)
 *   Partner CA  ──► member                          (EXTERNAL)
 *   Unknown CA  ──► member                          (UNVERIFIED: no anchor)
 *   basic credential                                (UNVERIFIED)
 *
 * Every member reports the same levels after joining from a Welcome (with the ratchet_tree
 * extension and with the tree out of band). Refused, leaving the group as it was: an Add
 * whose certificate is for another key or has expired, unverified members under
 * require_verified (Add, tree on join, external join). A tree holding a certificate for
 * another key, or one expired by the joiner's clock, cannot be joined.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/mls.h>

#include "core/codec.h"
#include "crypto/suite.h"
#include "crypto/x509.h"
#include "mls/keypackage.h"
#include "mls/wire_message.h"
#include "testutil.h"

#define NOW 1750000000ull
#define DAY 86400ull

enum {
    CA_INTERNAL,
    CA_PARTNER,
    CA_INTER,
    CA_UNKNOWN,
    CA_COUNT
};

/* The CAs, all Ed25519 whatever the members' suite. */
struct pki {
    struct sr_buf priv[CA_COUNT];
    struct sr_buf cert[CA_COUNT];
};

static uint64_t serial = 1;

/* Issue a certificate for raw private key `subj` in scheme `alg`, by CA `issuer` (-1: self). */
static void issue(const struct pki *p, int issuer, const struct sr_sig_alg *alg,
                  struct sr_slice subj, const char *email, bool is_ca, uint64_t nb, uint64_t na,
                  struct sr_buf *out)
{
    struct sr_x509_test_cert c = {
        .common_name = email,
        .email = is_ca ? NULL : email,
        .is_ca = is_ca,
        .not_before = (int64_t)nb,
        .not_after = (int64_t)na,
        .alg = alg,
        .subject_priv = subj,
        .issuer_alg = &sr_sig_ed25519,
        .issuer_priv = issuer < 0 ? subj : sr_buf_slice(&p->priv[issuer]),
        .issuer_der = issuer < 0 ? sr_slice_of(NULL, 0) : sr_buf_slice(&p->cert[issuer]),
        .serial = serial++,
    };
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_crypto_x509_test_issue(&c, out), SR_OK);
}

static void pki_init(struct pki *p)
{
    static const char *const names[CA_COUNT] = { "Internal CA", "Partner CA", "Intermediate CA",
                                                 "Unknown CA" };
    static const int issuers[CA_COUNT] = { -1, -1, CA_INTERNAL, -1 };
    for (int i = 0; i < CA_COUNT; i++) {
        struct sr_buf pub = { 0 };
        sr_buf_init(&p->priv[i], 0, SR_BUF_WIPE);
        assert_int_equal(sr_mls_signature_key_new(1, &p->priv[i], &pub), SR_OK);
        assert_int_equal(pub.len, 32);
        issue(p, issuers[i], &sr_sig_ed25519, sr_buf_slice(&p->priv[i]), names[i], true,
              NOW - 1000 * DAY, NOW + 1000 * DAY, &p->cert[i]);
        sr_buf_cleanup(&pub);
    }
}

static void pki_cleanup(struct pki *p)
{
    for (int i = 0; i < CA_COUNT; i++) {
        sr_buf_cleanup(&p->priv[i]);
        sr_buf_cleanup(&p->cert[i]);
    }
}

/* A trust with the internal and partner roots at their levels. */
static struct sr_mls_trust *trust_new(const struct pki *p, bool require)
{
    struct sr_mls_trust *t = NULL;
    assert_int_equal(sr_mls_trust_new(&t), SR_OK);
    assert_int_equal(
            sr_mls_trust_add_anchor(t, sr_buf_slice(&p->cert[CA_INTERNAL]), SR_MLS_LEVEL_INTERNAL),
            SR_OK);
    assert_int_equal(
            sr_mls_trust_add_anchor(t, sr_buf_slice(&p->cert[CA_PARTNER]), SR_MLS_LEVEL_EXTERNAL),
            SR_OK);
    sr_mls_trust_require_verified(t, require);
    return t;
}

/* A member credential: KeyPackage, bundle and the DER chain it carries. */
struct cred {
    struct sr_buf kp, priv;
    struct sr_buf chain[2];
    size_t n;
};

static void cred_cleanup(struct cred *c)
{
    sr_buf_cleanup(&c->kp);
    sr_buf_cleanup(&c->priv);
    for (size_t i = 0; i < c->n; i++) {
        sr_buf_cleanup(&c->chain[i]);
    }
    memset(c, 0, sizeof(*c));
}

/* A KeyPackage with an X.509 chain from CA `issuer`, valid nb..na. */
static void x509_cred(uint16_t suite, const struct pki *p, int issuer, const char *email,
                      uint64_t nb, uint64_t na, struct cred *c)
{
    struct sr_buf sk, pk = { 0 };
    struct sr_slice certs[2];
    memset(c, 0, sizeof(*c));
    sr_buf_init(&sk, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_signature_key_new(suite, &sk, &pk), SR_OK);
    issue(p, issuer, sr_suite_get(suite)->sig, sr_buf_slice(&sk), email, false, nb, na,
          &c->chain[0]);
    c->n = 1;
    if (issuer == CA_INTER) {
        assert_int_equal(sr_buf_set(&c->chain[1], p->cert[CA_INTER].p, p->cert[CA_INTER].len),
                         SR_OK);
        c->n = 2;
    }
    for (size_t i = 0; i < c->n; i++) {
        certs[i] = sr_buf_slice(&c->chain[i]);
    }
    sr_buf_init(&c->priv, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_key_package_new_x509(suite, certs, c->n, sr_buf_slice(&sk), NOW, &c->kp,
                                                 &c->priv),
                     SR_OK);
    sr_buf_cleanup(&sk);
    sr_buf_cleanup(&pk);
}

static void basic_cred(uint16_t suite, const char *name, struct cred *c)
{
    memset(c, 0, sizeof(*c));
    sr_buf_init(&c->priv, 0, SR_BUF_WIPE);
    assert_int_equal(
            sr_mls_key_package_new(suite, sr_slice_of(name, strlen(name)), NOW, &c->kp, &c->priv),
            SR_OK);
}

/*
 * A KeyPackage whose certificate (from the internal CA) names another key than the leaf's:
 * sr_mls_key_package_new_x509 refuses to make one, so it is built from the parts.
 */
static void mismatched_cred(uint16_t suite, const struct pki *p, struct cred *c)
{
    const struct sr_suite *s = sr_suite_get(suite);
    struct sr_buf sk, other, pk = { 0 };
    memset(c, 0, sizeof(*c));
    sr_buf_init(&sk, 0, SR_BUF_WIPE);
    sr_buf_init(&other, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_signature_key_new(suite, &sk, &pk), SR_OK);
    assert_int_equal(sr_mls_signature_key_new(suite, &other, &pk), SR_OK);
    issue(p, CA_INTERNAL, s->sig, sr_buf_slice(&other), "mallory@internal.example", false,
          NOW - DAY, NOW + 100 * DAY, &c->chain[0]);
    c->n = 1;
    struct sr_slice cert = sr_buf_slice(&c->chain[0]);
    /* The library's constructor checks the binding. */
    struct sr_buf kp = { 0 }, priv = { 0 };
    assert_int_equal(
            sr_mls_key_package_new_x509(suite, &cert, 1, sr_buf_slice(&sk), NOW, &kp, &priv),
            SR_ERR_INVALID);
    assert_int_equal(kp.len + priv.len, 0);
    struct sr_mls_key_package_params params = {
        .suite = s,
        .credential = sr_mls_credential_x509(&cert, 1),
        .signature_priv = sr_buf_slice(&sk),
        .now = NOW,
    };
    struct sr_mls_key_package k = { 0 };
    struct sr_mls_key_package_priv *kpp = NULL;
    assert_int_equal(sr_mls_key_package_create(&params, &k, &kpp), SR_OK);
    assert_int_equal(sr_write_u16(&c->kp, SR_MLS_VERSION_MLS10), SR_OK);
    assert_int_equal(sr_write_u16(&c->kp, SR_MLS_WIRE_KEY_PACKAGE), SR_OK);
    assert_int_equal(sr_mls_key_package_encode(&k, &c->kp), SR_OK);
    sr_buf_init(&c->priv, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_key_package_priv_encode(kpp, &c->priv), SR_OK);
    sr_mls_key_package_cleanup(&k);
    sr_mls_key_package_priv_free(kpp);
    sr_buf_cleanup(&sk);
    sr_buf_cleanup(&other);
    sr_buf_cleanup(&pk);
}

static struct sr_mls_group *create(const struct cred *c, const struct sr_mls_trust *t)
{
    struct sr_mls_group *g = NULL;
    struct sr_mls_group_create_params cp = {
        .key_package_priv = sr_buf_slice(&c->priv),
        .group_id = sr_slice_of("x509 room", 9),
    };
    assert_int_equal(sr_mls_group_create(&cp, &g), SR_OK);
    sr_mls_group_set_time(g, NOW);
    sr_mls_group_set_trust(g, t);
    return g;
}

static void saved(const struct sr_mls_group *g, struct sr_buf *out)
{
    sr_buf_init(out, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_group_save(g, out), SR_OK);
}

/* Committing an Add of `c` is refused with `want` and changes nothing. */
static void add_refused(struct sr_mls_group *g, const struct cred *c, sr_err want)
{
    struct sr_buf before, after, commit = { 0 }, welcome = { 0 };
    struct sr_slice kp = sr_buf_slice(&c->kp);
    struct sr_mls_commit_params p = { .add = &kp, .add_count = 1 };
    saved(g, &before);
    assert_int_equal(sr_mls_group_commit(g, &p, &commit, &welcome), want);
    assert_int_equal(commit.len + welcome.len, 0);
    assert_int_equal(sr_mls_group_commit_merge(g), SR_ERR_STATE);
    saved(g, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.p, after.p, before.len);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
}

/* Commit Adds of `creds` in `g`; the Welcome and, without `tree`, the tree out of band. */
static void add_all(struct sr_mls_group *g, const struct cred *creds, size_t n, bool tree,
                    struct sr_buf *welcome, struct sr_buf *rt)
{
    struct sr_slice kps[8];
    struct sr_buf commit = { 0 };
    for (size_t i = 0; i < n; i++) {
        kps[i] = sr_buf_slice(&creds[i].kp);
    }
    struct sr_mls_commit_params p = { .add = kps, .add_count = n, .ratchet_tree = tree };
    sr_buf_init(welcome, 0, 0);
    sr_buf_init(rt, 0, 0);
    assert_int_equal(sr_mls_group_commit(g, &p, &commit, welcome), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(g), SR_OK);
    if (!tree) {
        assert_int_equal(sr_mls_group_export_tree(g, rt), SR_OK);
    }
    sr_buf_cleanup(&commit);
}

static sr_err join(const struct cred *c, const struct sr_buf *welcome, const struct sr_buf *rt,
                   uint64_t now, const struct sr_mls_trust *t, struct sr_mls_group **out)
{
    struct sr_mls_group_join_params jp = {
        .welcome = sr_buf_slice(welcome),
        .key_package_priv = sr_buf_slice(&c->priv),
        .ratchet_tree = sr_buf_slice(rt),
        .now = now,
        .trust = t,
    };
    return sr_mls_group_join(&jp, out);
}

struct want {
    uint16_t type;
    enum sr_mls_identity_level level;
    const char *identity;
    size_t certs;
};

static void expect_member(const struct sr_mls_group *g, uint32_t leaf, const struct want *w)
{
    struct sr_mls_member_identity id;
    assert_int_equal(sr_mls_group_member_identity(g, leaf, &id), SR_OK);
    assert_int_equal(id.credential_type, w->type);
    assert_int_equal(id.level, w->level);
    assert_string_equal(id.identity, w->identity);
    assert_int_equal(id.cert_count, w->certs);
}

/* The five members of the levels test, in leaf order. */
static const struct want roster[] = {
    { 2, SR_MLS_LEVEL_INTERNAL, "alice@internal.example", 1 },
    { 2, SR_MLS_LEVEL_EXTERNAL, "bob@partner.example", 1 },
    { 2, SR_MLS_LEVEL_INTERNAL, "carol@branch.internal.example", 2 },
    { 2, SR_MLS_LEVEL_UNVERIFIED, "dave@unknown.example", 1 },
    { 1, SR_MLS_LEVEL_UNVERIFIED, "guest", 0 },
};

#define ROSTER 5

static void make_roster(uint16_t suite, const struct pki *p, struct cred *c)
{
    x509_cred(suite, p, CA_INTERNAL, roster[0].identity, NOW - DAY, NOW + 100 * DAY, &c[0]);
    x509_cred(suite, p, CA_PARTNER, roster[1].identity, NOW - DAY, NOW + 100 * DAY, &c[1]);
    x509_cred(suite, p, CA_INTER, roster[2].identity, NOW - DAY, NOW + 100 * DAY, &c[2]);
    x509_cred(suite, p, CA_UNKNOWN, roster[3].identity, NOW - DAY, NOW + 100 * DAY, &c[3]);
    basic_cred(suite, roster[4].identity, &c[4]);
}

/* Every member sees every member at the expected level, and the same epoch. */
static void check_roster(struct sr_mls_group *const *m)
{
    struct sr_buf a0 = { 0 }, a = { 0 };
    assert_int_equal(sr_mls_group_epoch_authenticator(m[0], &a0), SR_OK);
    for (size_t i = 0; i < ROSTER; i++) {
        for (uint32_t leaf = 0; leaf < ROSTER; leaf++) {
            expect_member(m[i], leaf, &roster[leaf]);
        }
        sr_buf_reset(&a);
        assert_int_equal(sr_mls_group_epoch_authenticator(m[i], &a), SR_OK);
        assert_int_equal(a.len, a0.len);
        assert_memory_equal(a.p, a0.p, a.len);
    }
    sr_buf_cleanup(&a0);
    sr_buf_cleanup(&a);
}

static void check_certificates(const struct sr_mls_group *g, const struct cred *c)
{
    struct sr_buf der = { 0 };
    for (uint32_t leaf = 0; leaf < ROSTER; leaf++) {
        for (size_t k = 0; k < c[leaf].n; k++) {
            sr_buf_reset(&der);
            assert_int_equal(sr_mls_group_member_certificate(g, leaf, k, &der), SR_OK);
            assert_int_equal(der.len, c[leaf].chain[k].len);
            assert_memory_equal(der.p, c[leaf].chain[k].p, der.len);
        }
        assert_int_equal(sr_mls_group_member_certificate(g, leaf, c[leaf].n, &der),
                         SR_ERR_NOT_FOUND);
    }
    struct sr_mls_member_identity id;
    assert_int_equal(sr_mls_group_member_identity(g, ROSTER, &id), SR_ERR_NOT_FOUND);
    assert_int_equal(sr_mls_group_member_certificate(g, ROSTER, 0, &der), SR_ERR_NOT_FOUND);
    sr_buf_cleanup(&der);
}

/* Every member but `from` processes `msg` successfully. */
static void deliver(struct sr_mls_group *const *m, size_t n, size_t from, const struct sr_buf *msg)
{
    for (size_t i = 0; i < n; i++) {
        struct sr_mls_processed pr = { 0 };
        if (i != from) {
            assert_int_equal(sr_mls_group_process(m[i], sr_buf_slice(msg), &pr), SR_OK);
        }
        sr_mls_processed_cleanup(&pr);
    }
}

/* X.509 members' Updates and commit paths pass every member's checks. */
static void update_and_path(struct sr_mls_group *const *m)
{
    struct sr_buf prop = { 0 }, commit = { 0 };
    struct sr_mls_commit_params by_ref = { .by_reference = true };
    struct sr_mls_commit_params path = { .path = true };
    assert_int_equal(sr_mls_group_propose_update(m[2], false, &prop), SR_OK);
    deliver(m, ROSTER, 2, &prop);
    assert_int_equal(sr_mls_group_commit(m[1], &by_ref, &commit, NULL), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(m[1]), SR_OK);
    deliver(m, ROSTER, 1, &commit);
    sr_buf_reset(&commit);
    assert_int_equal(sr_mls_group_commit(m[0], &path, &commit, NULL), SR_OK);
    assert_int_equal(sr_mls_group_commit_merge(m[0]), SR_OK);
    deliver(m, ROSTER, 0, &commit);
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&commit);
}

static void levels_for(uint16_t suite, bool tree)
{
    struct pki p;
    struct cred c[ROSTER], bad, expired;
    struct sr_mls_group *m[ROSTER] = { 0 };
    struct sr_buf welcome, rt;
    pki_init(&p);
    struct sr_mls_trust *t = trust_new(&p, false);
    make_roster(suite, &p, c);
    m[0] = create(&c[0], t);
    add_all(m[0], &c[1], ROSTER - 1, tree, &welcome, &rt);
    for (size_t i = 1; i < ROSTER; i++) {
        assert_int_equal(join(&c[i], &welcome, &rt, NOW, t, &m[i]), SR_OK);
    }
    check_roster(m);
    check_certificates(m[2], c);
    update_and_path(m);
    check_roster(m);

    /* A certificate for another key, or one that has expired, cannot come in by an Add. */
    mismatched_cred(suite, &p, &bad);
    x509_cred(suite, &p, CA_INTERNAL, "erin@internal.example", NOW - 100 * DAY, NOW - DAY,
              &expired);
    for (size_t i = 0; i < ROSTER; i++) {
        add_refused(m[i], &bad, SR_ERR_INVALID);
        add_refused(m[i], &expired, SR_ERR_DENIED);
    }
    /* Without any trust as well: these checks do not depend on one. */
    sr_mls_group_set_trust(m[1], NULL);
    add_refused(m[1], &bad, SR_ERR_INVALID);
    add_refused(m[1], &expired, SR_ERR_DENIED);

    cred_cleanup(&bad);
    cred_cleanup(&expired);
    for (size_t i = 0; i < ROSTER; i++) {
        sr_mls_group_free(m[i]);
        cred_cleanup(&c[i]);
    }
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);
    sr_mls_trust_free(t);
    pki_cleanup(&p);
}

/* Run `fn` for suites 1 to 3, with the ratchet tree in the Welcome and out of band. */
static void each_suite_and_tree(void (*fn)(uint16_t suite, bool tree))
{
    for (uint16_t suite = 1; suite <= 3; suite++) {
        fn(suite, true);
        fn(suite, false);
    }
}

static void levels_after_welcome(void **state)
{
    (void)state;
    each_suite_and_tree(levels_for);
}

/*
 * A group whose creator's certificate names another key (the creator's own leaf is never
 * checked by itself) cannot be joined; nor one whose member's certificate has expired by the
 * joiner's clock, or by the trust's clock, which comes first.
 */
static void bad_tree_for(uint16_t suite, bool tree)
{
    struct pki p;
    struct cred creator, joiner, shortlived;
    struct sr_buf welcome, rt;
    struct sr_mls_group *g = NULL;
    pki_init(&p);
    struct sr_mls_trust *t = trust_new(&p, false);
    mismatched_cred(suite, &p, &creator);
    basic_cred(suite, "joiner", &joiner);
    struct sr_mls_group *bad = create(&creator, NULL);
    add_all(bad, &joiner, 1, tree, &welcome, &rt);
    assert_int_equal(join(&joiner, &welcome, &rt, NOW, NULL, &g), SR_ERR_INVALID);
    assert_null(g);
    assert_int_equal(join(&joiner, &welcome, &rt, NOW, t, &g), SR_ERR_INVALID);
    assert_null(g);
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);

    /* The creator's certificate is valid until NOW + 1 day. */
    x509_cred(suite, &p, CA_INTERNAL, "frank@internal.example", NOW - DAY, NOW + DAY, &shortlived);
    struct sr_mls_group *ok = create(&shortlived, t);
    add_all(ok, &joiner, 1, tree, &welcome, &rt);
    assert_int_equal(join(&joiner, &welcome, &rt, NOW + 2 * DAY, NULL, &g), SR_ERR_DENIED);
    assert_null(g);
    struct sr_mls_trust *late = trust_new(&p, false);
    sr_mls_trust_set_time(late, NOW + 2 * DAY);
    assert_int_equal(join(&joiner, &welcome, &rt, NOW, late, &g), SR_ERR_DENIED);
    assert_null(g);
    assert_int_equal(join(&joiner, &welcome, &rt, NOW, t, &g), SR_OK);
    struct want w = { 2, SR_MLS_LEVEL_INTERNAL, "frank@internal.example", 1 };
    expect_member(g, 0, &w);
    /* Judged at the time of the call: by the late clock, the certificate has expired. */
    sr_mls_group_set_trust(g, late);
    w.level = SR_MLS_LEVEL_UNVERIFIED;
    expect_member(g, 0, &w);

    sr_mls_group_free(g);
    sr_mls_group_free(ok);
    sr_mls_group_free(bad);
    sr_mls_trust_free(late);
    sr_mls_trust_free(t);
    cred_cleanup(&creator);
    cred_cleanup(&joiner);
    cred_cleanup(&shortlived);
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);
    pki_cleanup(&p);
}

static void bad_tree_on_join(void **state)
{
    (void)state;
    each_suite_and_tree(bad_tree_for);
}

static sr_err join_external(const struct sr_mls_group *from, const struct cred *c,
                            const struct sr_mls_trust *t, struct sr_mls_group **out,
                            struct sr_buf *commit)
{
    struct sr_buf gi = { 0 };
    assert_int_equal(sr_mls_group_get_group_info(from, true, &gi), SR_OK);
    struct sr_mls_external_join_params ep = {
        .group_info = sr_buf_slice(&gi),
        .key_package_priv = sr_buf_slice(&c->priv),
        .now = NOW,
        .trust = t,
    };
    sr_buf_init(commit, 0, 0);
    sr_err err = sr_mls_group_join_external(&ep, out, commit);
    sr_buf_cleanup(&gi);
    return err;
}

/* Processing `msg` is refused with `want` and changes nothing. */
static void process_refused(struct sr_mls_group *g, const struct sr_buf *msg, sr_err want)
{
    struct sr_buf before, after;
    struct sr_mls_processed pr = { 0 };
    saved(g, &before);
    assert_int_equal(sr_mls_group_process(g, sr_buf_slice(msg), &pr), want);
    sr_mls_processed_cleanup(&pr);
    saved(g, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.p, after.p, before.len);
    sr_buf_cleanup(&before);
    sr_buf_cleanup(&after);
}

static void require_verified_for(uint16_t suite)
{
    struct pki p;
    struct cred c[ROSTER];
    struct sr_buf welcome, rt, commit;
    struct sr_mls_group *g = NULL, *strict = NULL, *x = NULL;
    pki_init(&p);
    struct sr_mls_trust *t = trust_new(&p, false), *rv = trust_new(&p, true);
    make_roster(suite, &p, c);

    /* A strict creator adds only verified members. */
    strict = create(&c[0], rv);
    add_refused(strict, &c[3], SR_ERR_DENIED);
    add_refused(strict, &c[4], SR_ERR_DENIED);
    add_all(strict, &c[1], 2, true, &welcome, &rt);
    assert_int_equal(join(&c[1], &welcome, &rt, NOW, rv, &g), SR_OK);
    sr_mls_group_free(g);
    g = NULL;
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);

    /* An unverified member who joins by external commit: it may look at a verified tree, but
     * strict members refuse its commit. */
    assert_int_equal(join_external(strict, &c[4], rv, &x, &commit), SR_OK);
    process_refused(strict, &commit, SR_ERR_DENIED);
    sr_mls_group_free(x);
    x = NULL;
    sr_buf_cleanup(&commit);
    assert_int_equal(join_external(strict, &c[3], t, &x, &commit), SR_OK);
    process_refused(strict, &commit, SR_ERR_DENIED);
    sr_mls_group_free(x);
    x = NULL;
    sr_buf_cleanup(&commit);

    /* A lenient group with unverified members: a strict joiner refuses its tree. */
    struct sr_mls_group *lenient = create(&c[0], t);
    struct cred *partner = &c[1];
    add_all(lenient, &c[3], 2, false, &welcome, &rt);
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);
    add_all(lenient, partner, 1, false, &welcome, &rt);
    assert_int_equal(join(partner, &welcome, &rt, NOW, rv, &g), SR_ERR_DENIED);
    assert_null(g);
    assert_int_equal(join(partner, &welcome, &rt, NOW, t, &g), SR_OK);
    sr_mls_group_free(g);
    g = NULL;
    /* An external joiner with a strict trust refuses it too. */
    assert_int_equal(join_external(lenient, &c[2], rv, &x, &commit), SR_ERR_DENIED);
    assert_null(x);
    sr_buf_cleanup(&commit);

    sr_mls_group_free(lenient);
    sr_mls_group_free(strict);
    for (size_t i = 0; i < ROSTER; i++) {
        cred_cleanup(&c[i]);
    }
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&rt);
    sr_mls_trust_free(t);
    sr_mls_trust_free(rv);
    pki_cleanup(&p);
}

static void require_verified(void **state)
{
    (void)state;
    for (uint16_t suite = 1; suite <= 3; suite++) {
        require_verified_for(suite);
    }
}

/* A chain that verifies to anchors of both levels gets the higher one; no trust, no level;
 * the trust is not saved with the group. */
static void highest_level_and_restore(void **state)
{
    (void)state;
    struct pki p;
    struct cred c;
    struct sr_buf s;
    struct sr_mls_group *r = NULL;
    pki_init(&p);
    x509_cred(1, &p, CA_INTER, "carol@branch.internal.example", NOW - DAY, NOW + DAY, &c);
    struct sr_mls_trust *t = trust_new(&p, false), *both = trust_new(&p, false);
    assert_int_equal(sr_mls_trust_add_anchor(both, sr_buf_slice(&p.cert[CA_INTERNAL]),
                                             SR_MLS_LEVEL_EXTERNAL),
                     SR_OK);
    struct sr_mls_group *g = create(&c, t);
    struct want w = { 2, SR_MLS_LEVEL_INTERNAL, "carol@branch.internal.example", 2 };
    expect_member(g, 0, &w);
    sr_mls_group_set_trust(g, both);
    w.level = SR_MLS_LEVEL_EXTERNAL;
    expect_member(g, 0, &w);
    sr_mls_group_set_trust(g, NULL);
    w.level = SR_MLS_LEVEL_UNVERIFIED;
    expect_member(g, 0, &w);

    sr_mls_group_set_trust(g, t);
    saved(g, &s);
    assert_int_equal(sr_mls_group_restore(sr_buf_slice(&s), &r), SR_OK);
    expect_member(r, 0, &w); /* no trust until the application sets it again */
    sr_mls_group_set_trust(r, t);
    w.level = SR_MLS_LEVEL_INTERNAL;
    expect_member(r, 0, &w);

    sr_mls_group_free(r);
    sr_mls_group_free(g);
    sr_mls_trust_free(t);
    sr_mls_trust_free(both);
    sr_buf_cleanup(&s);
    cred_cleanup(&c);
    pki_cleanup(&p);
}

/* Bad arguments to the trust and KeyPackage constructors change nothing. */
static void bad_arguments(void **state)
{
    (void)state;
    struct pki p;
    struct sr_mls_trust *t = NULL;
    struct sr_buf kp = { 0 }, priv = { 0 }, sk = { 0 }, pk = { 0 };
    pki_init(&p);
    assert_int_equal(sr_mls_trust_new(&t), SR_OK);
    struct sr_slice ca = sr_buf_slice(&p.cert[CA_INTERNAL]);
    assert_int_equal(sr_mls_trust_add_anchor(t, ca, SR_MLS_LEVEL_UNVERIFIED), SR_ERR_ARG);
    assert_int_equal(
            sr_mls_trust_add_anchor(t, sr_slice_of(ca.p, ca.len - 1), SR_MLS_LEVEL_INTERNAL),
            SR_ERR_DECODE);
    assert_int_equal(sr_mls_trust_add_anchor(t, sr_slice_of(NULL, 0), SR_MLS_LEVEL_INTERNAL),
                     SR_ERR_DECODE);
    sr_mls_trust_free(t);
    sr_mls_trust_free(NULL);

    assert_int_equal(sr_mls_signature_key_new(0, &sk, &pk), SR_ERR_UNSUPPORTED);
    assert_int_equal(sr_mls_signature_key_new(2, &sk, &pk), SR_OK);
    assert_int_equal(pk.len, 65); /* uncompressed P-256 point */
    /* A certificate that does not parse, or for a key of another scheme. */
    struct sr_slice bad = sr_slice_of(p.cert[CA_PARTNER].p, 20);
    assert_int_equal(sr_mls_key_package_new_x509(2, &bad, 1, sr_buf_slice(&sk), NOW, &kp, &priv),
                     SR_ERR_DECODE);
    assert_int_equal(sr_mls_key_package_new_x509(2, &ca, 1, sr_buf_slice(&sk), NOW, &kp, &priv),
                     SR_ERR_INVALID);
    assert_int_equal(sr_mls_key_package_new_x509(2, &ca, 0, sr_buf_slice(&sk), NOW, &kp, &priv),
                     SR_ERR_ARG);
    assert_int_equal(kp.len + priv.len, 0);
    sr_buf_cleanup(&sk);
    sr_buf_cleanup(&pk);
    pki_cleanup(&p);
}

static struct pki *alloc_pki;

static sr_err anchor_op(void *arg)
{
    struct sr_mls_trust **t = arg;
    SR_TRY(sr_mls_trust_new(t));
    SR_TRY(sr_mls_trust_add_anchor(*t, sr_buf_slice(&alloc_pki->cert[CA_INTERNAL]),
                                   SR_MLS_LEVEL_INTERNAL));
    return sr_mls_trust_add_anchor(*t, sr_buf_slice(&alloc_pki->cert[CA_PARTNER]),
                                   SR_MLS_LEVEL_EXTERNAL);
}

static void anchor_reset(void *arg)
{
    struct sr_mls_trust **t = arg;
    sr_mls_trust_free(*t);
    *t = NULL;
}

static void trust_alloc_failures(void **state)
{
    (void)state;
    struct pki p;
    struct sr_mls_trust *t = NULL;
    pki_init(&p);
    alloc_pki = &p;
    assert_true(sr_test_each_alloc_failure(anchor_op, anchor_reset, &t) > 0);
    pki_cleanup(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels_after_welcome), cmocka_unit_test(bad_tree_on_join),
        cmocka_unit_test(require_verified),     cmocka_unit_test(highest_level_and_restore),
        cmocka_unit_test(bad_arguments),        cmocka_unit_test(trust_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
