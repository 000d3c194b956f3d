/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A meeting world for the meeting tests: a test PKI built at run time (an internal CA, a
 * partner CA and a CA nobody trusts), a relay that is the group's external sender and
 * proposes Adds and Removes, and participants that process everything the relay fans out.
 * Included by each test_meeting*.c; the helpers are static inline so a file may leave some
 * unused.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/meeting.h>

#include "crypto/suite.h"
#include "crypto/x509.h"
#include "testutil.h"

#define NOW_S    1790000000ull /* 2026-09 */
#define DAY      86400
#define MAXP     6
#define GRACE_MS 1000

/* The test clock, in milliseconds; the meetings read it through world_clock. */
static uint64_t world_ms = NOW_S * 1000u;

static inline uint64_t world_clock(void *arg)
{
    (void)arg;
    return world_ms;
}

/* A key pair and, for certificate holders, the DER certificate. */
struct person {
    struct sr_buf priv, pub, cert;
};

struct world {
    uint16_t suite;
    const struct sr_sig_alg *alg;
    struct person internal_ca, partner_ca, rogue_ca, relay;
    struct sr_mls_trust *trust;
    struct sr_meeting_config cfg;
    struct sr_buf gid;
    struct sr_meeting *m[MAXP]; /* NULL: not (or no longer) in the meeting */
    uint64_t serial;
};

static inline void person_keys(struct world *w, struct person *p)
{
    memset(p, 0, sizeof(*p));
    sr_buf_init(&p->priv, 0, SR_BUF_WIPE);
    assert_int_equal(sr_mls_signature_key_new(w->suite, &p->priv, &p->pub), SR_OK);
}

static inline void person_cleanup(struct person *p)
{
    sr_buf_cleanup(&p->priv);
    sr_buf_cleanup(&p->pub);
    sr_buf_cleanup(&p->cert);
}

/* Issue `p` a certificate from `ca` (NULL: self-signed CA) valid from..until (seconds). */
static inline void issue(struct world *w, struct person *p, const struct person *ca, const char *cn,
                         const char *email, int64_t from, int64_t until)
{
    struct sr_x509_test_cert c = {
        .common_name = cn,
        .email = email,
        .is_ca = ca == NULL,
        .not_before = from,
        .not_after = until,
        .alg = w->alg,
        .subject_priv = sr_buf_slice(&p->priv),
        .issuer_alg = w->alg,
        .issuer_priv = sr_buf_slice(ca != NULL ? &ca->priv : &p->priv),
        .issuer_der = ca != NULL ? sr_buf_slice(&ca->cert) : sr_slice_of(NULL, 0),
        .serial = ++w->serial,
    };
    sr_buf_reset(&p->cert);
    assert_int_equal(sr_crypto_x509_test_issue(&c, &p->cert), SR_OK);
}

/* A person with a fresh key and a certificate from `ca`, valid now. */
static inline void enrol(struct world *w, struct person *p, const struct person *ca, const char *cn,
                         const char *email)
{
    person_keys(w, p);
    issue(w, p, ca, cn, email, (int64_t)NOW_S - DAY, (int64_t)NOW_S + 365 * DAY);
}

static inline void world_init(struct world *w, uint16_t suite, bool require_verified)
{
    memset(w, 0, sizeof(*w));
    world_ms = NOW_S * 1000u;
    w->suite = suite;
    w->alg = sr_suite_get(suite)->sig;
    enrol(w, &w->internal_ca, NULL, "Sealroom Internal CA", NULL);
    enrol(w, &w->partner_ca, NULL, "Partner Root CA", NULL);
    enrol(w, &w->rogue_ca, NULL, "Rogue CA", NULL);
    person_keys(w, &w->relay);
    assert_int_equal(sr_mls_trust_new(&w->trust), SR_OK);
    assert_int_equal(sr_mls_trust_add_anchor(w->trust, sr_buf_slice(&w->internal_ca.cert),
                                             SR_MLS_LEVEL_INTERNAL),
                     SR_OK);
    assert_int_equal(sr_mls_trust_add_anchor(w->trust, sr_buf_slice(&w->partner_ca.cert),
                                             SR_MLS_LEVEL_EXTERNAL),
                     SR_OK);
    sr_mls_trust_set_time(w->trust, NOW_S);
    sr_mls_trust_require_verified(w->trust, require_verified);
    sr_meeting_config_init(&w->cfg, suite);
    w->cfg.trust = w->trust;
    w->cfg.grace_ms = GRACE_MS;
    w->cfg.clock = world_clock;
    assert_int_equal(sr_buf_set(&w->gid, "meeting-4711", 12), SR_OK);
}

static inline void world_cleanup(struct world *w)
{
    for (size_t i = 0; i < MAXP; i++) {
        sr_meeting_free(w->m[i]);
    }
    person_cleanup(&w->internal_ca);
    person_cleanup(&w->partner_ca);
    person_cleanup(&w->rogue_ca);
    person_cleanup(&w->relay);
    sr_mls_trust_free(w->trust);
    sr_buf_cleanup(&w->gid);
}

/* A KeyPackage for a certificate holder (`p` NULL: a guest with a basic credential). */
static inline void key_package(struct world *w, const struct person *p, const char *guest,
                               struct sr_buf *kp, struct sr_buf *kpp)
{
    sr_buf_init(kp, 0, 0);
    sr_buf_init(kpp, 0, SR_BUF_WIPE);
    struct sr_slice cert = p != NULL ? sr_buf_slice(&p->cert) : sr_slice_of(NULL, 0);
    struct sr_meeting_credential cred = {
        .certs = p != NULL ? &cert : NULL,
        .cert_count = p != NULL ? 1 : 0,
        .signature_priv = p != NULL ? sr_buf_slice(&p->priv) : sr_slice_of(NULL, 0),
        .identity = guest != NULL ? sr_slice_of(guest, strlen(guest)) : sr_slice_of(NULL, 0),
    };
    assert_int_equal(sr_meeting_key_package_new(&w->cfg, &cred, kp, kpp), SR_OK);
}

/* Participant `i` creates the meeting with the relay as external sender. */
static inline void world_create(struct world *w, size_t i, const struct person *p,
                                const char *guest)
{
    struct sr_buf kp, kpp;
    key_package(w, p, guest, &kp, &kpp);
    struct sr_meeting_relay relay = { sr_buf_slice(&w->relay.pub), sr_slice_of("sfu-1", 5) };
    assert_int_equal(
            sr_meeting_create(&w->cfg, sr_buf_slice(&w->gid), sr_buf_slice(&kpp), &relay, &w->m[i]),
            SR_OK);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);
}

/* Some member's view, to address the relay's proposals to the right epoch. */
static inline struct sr_meeting *any_member(struct world *w)
{
    for (size_t i = 0; i < MAXP; i++) {
        if (w->m[i] != NULL) {
            return w->m[i];
        }
    }
    fail_msg("no member");
    return NULL;
}

/* The relay proposes adding `kp` (or, with kp NULL, removing leaf `leaf`). */
static inline void relay_propose(struct world *w, const struct sr_buf *kp, uint32_t leaf,
                                 struct sr_buf *msg)
{
    struct sr_mls_external_proposal ep = {
        .cipher_suite = w->suite,
        .group_id = sr_buf_slice(&w->gid),
        .epoch = sr_meeting_epoch(any_member(w)),
        .sender_index = 0,
        .signature_priv = sr_buf_slice(&w->relay.priv),
        .key_package = kp != NULL ? sr_buf_slice(kp) : sr_slice_of(NULL, 0),
        .remove = leaf,
    };
    sr_buf_init(msg, 0, 0);
    assert_int_equal(sr_mls_external_propose(&ep, msg), SR_OK);
}

/* Every member except `skip` processes `msg` and gets `expect`. */
static inline void fan_out(struct world *w, const struct sr_buf *msg, size_t skip, sr_err expect)
{
    for (size_t i = 0; i < MAXP; i++) {
        if (w->m[i] == NULL || i == skip) {
            continue;
        }
        struct sr_meeting_event ev = { 0 };
        assert_int_equal(sr_meeting_process(w->m[i], sr_buf_slice(msg), &ev), expect);
        sr_meeting_event_cleanup(&ev);
    }
}

/* Every member's code agrees, and each is in the same epoch. */
static inline void codes_agree(struct world *w)
{
    const struct sr_meeting *first = any_member(w);
    for (size_t i = 0; i < MAXP; i++) {
        if (w->m[i] != NULL) {
            assert_string_equal(sr_meeting_verification_code(w->m[i]),
                                sr_meeting_verification_code(first));
            assert_int_equal(sr_meeting_epoch(w->m[i]), sr_meeting_epoch(first));
        }
    }
}

/*
 * Member `c` commits the pending proposals; the relay accepts, fans the commit out to the
 * others and the Welcome to joiner `j` (MAXP: none), who joins with bundle `kpp`. Checks
 * that the code changed and everybody agrees; `ev` (may be NULL) gets the committer's event.
 */
static inline void commit_round(struct world *w, size_t c, size_t j, const struct sr_buf *kpp,
                                struct sr_meeting_event *ev)
{
    char before[SR_E2EE_CODE_STR_LEN];
    memcpy(before, sr_meeting_verification_code(w->m[c]), sizeof(before));
    struct sr_buf commit = { 0 }, welcome = { 0 };
    assert_int_equal(sr_meeting_commit(w->m[c], &commit, &welcome), SR_OK);
    struct sr_meeting_event mine = { 0 };
    assert_int_equal(sr_meeting_commit_merge(w->m[c], &mine), SR_OK);
    assert_int_equal(mine.kind, SR_MEETING_EVENT_COMMIT);
    assert_true(mine.epoch_changed);
    for (size_t i = 0; i < MAXP; i++) {
        if (w->m[i] == NULL || i == c) {
            continue;
        }
        struct sr_meeting_event e = { 0 };
        assert_int_equal(sr_meeting_process(w->m[i], sr_buf_slice(&commit), &e), SR_OK);
        if (e.kind == SR_MEETING_EVENT_REMOVED) {
            assert_false(sr_meeting_active(w->m[i]));
            sr_meeting_free(w->m[i]);
            w->m[i] = NULL;
        } else {
            assert_int_equal(e.kind, SR_MEETING_EVENT_COMMIT);
            assert_true(e.epoch_changed);
            assert_int_equal(e.joined_count, mine.joined_count);
            assert_int_equal(e.left_count, mine.left_count);
        }
        sr_meeting_event_cleanup(&e);
    }
    if (j < MAXP) {
        assert_true(welcome.len > 0);
        assert_int_equal(
                sr_meeting_join(&w->cfg, sr_buf_slice(&welcome), sr_buf_slice(kpp), &w->m[j]),
                SR_OK);
    }
    codes_agree(w);
    assert_string_not_equal(sr_meeting_verification_code(w->m[c]), before);
    if (ev != NULL) {
        *ev = mine;
    } else {
        sr_meeting_event_cleanup(&mine);
    }
    sr_buf_cleanup(&commit);
    sr_buf_cleanup(&welcome);
}

/* The relay proposes adding participant `j` (credential of `p`, or a guest), `c` commits. */
static inline void admit(struct world *w, size_t c, size_t j, const struct person *p,
                         const char *guest)
{
    struct sr_buf kp, kpp, prop;
    key_package(w, p, guest, &kp, &kpp);
    relay_propose(w, &kp, 0, &prop);
    fan_out(w, &prop, MAXP, SR_OK);
    struct sr_meeting_event ev = { 0 };
    commit_round(w, c, j, &kpp, &ev);
    assert_int_equal(ev.joined_count, 1);
    assert_int_equal(ev.joined[0], sr_meeting_own_leaf(w->m[j]));
    assert_int_equal(ev.left_count, 0);
    sr_meeting_event_cleanup(&ev);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);
    sr_buf_cleanup(&prop);
}
