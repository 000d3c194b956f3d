/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The meeting layer's group life: a creator with an internal certificate, joiners admitted
 * by the relay's Add proposals (partner certificate, guest), leaving by request and by the
 * relay's Remove; after every join and leave all participants show the same verification
 * code, and a new one. Identity levels and certificates in the participant list; refused
 * credentials (key not the certificate's, expired, unverified under the policy) change
 * nothing. MLS suites 1 and 2.
 */
#include "core/codec.h"
#include "crypto/hash.h"
#include "meeting_world.h"
#include "mls/credential.h"
#include "mls/keypackage.h"
#include "mls/wire_common.h"
#include "mls/wire_key_package.h"

enum {
    ALICE,
    BOB,
    GUEST,
    CAROL
};

static void participant_is(struct world *w, size_t viewer, size_t who, uint16_t type,
                           enum sr_mls_identity_level level, const char *identity)
{
    struct sr_meeting_participant p;
    uint32_t leaf = sr_meeting_own_leaf(w->m[who]);
    assert_int_equal(sr_meeting_participant(w->m[viewer], leaf, &p), SR_OK);
    assert_int_equal(p.leaf, leaf);
    assert_int_equal(p.self, viewer == who);
    assert_int_equal(p.credential_type, type);
    assert_int_equal(p.level, level);
    assert_string_equal(p.identity, identity);
}

/* Alice (internal), Bob (partner) and a guest: the participant list as everyone sees it. */
static void three_participants(struct world *w, struct person *alice, struct person *bob)
{
    enrol(w, alice, &w->internal_ca, "Alice", "alice@corp.example");
    enrol(w, bob, &w->partner_ca, "Bob", "bob@partner.example");
    world_create(w, ALICE, alice, NULL);
    assert_int_equal(sr_meeting_epoch(w->m[ALICE]), 0);
    assert_int_equal(strlen(sr_meeting_verification_code(w->m[ALICE])), 35);
    admit(w, ALICE, BOB, bob, NULL);
    admit(w, BOB, GUEST, NULL, "guest:gina");
    for (size_t v = ALICE; v <= GUEST; v++) {
        assert_int_equal(sr_meeting_participant_count(w->m[v]), 3);
        participant_is(w, v, ALICE, SR_MLS_CREDENTIAL_X509, SR_MLS_LEVEL_INTERNAL,
                       "alice@corp.example");
        participant_is(w, v, BOB, SR_MLS_CREDENTIAL_X509, SR_MLS_LEVEL_EXTERNAL,
                       "bob@partner.example");
        participant_is(w, v, GUEST, SR_MLS_CREDENTIAL_BASIC, SR_MLS_LEVEL_UNVERIFIED, "guest:gina");
    }
}

static void join_and_leave(uint16_t suite)
{
    struct world w;
    struct person alice, bob;
    world_init(&w, suite, false);
    three_participants(&w, &alice, &bob);
    struct sr_meeting_participant list[4];
    size_t n = 0;
    assert_int_equal(sr_meeting_participants(w.m[GUEST], list, 2, &n), SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 3);
    assert_int_equal(sr_meeting_participants(w.m[GUEST], list, 4, &n), SR_OK);
    assert_int_equal(n, 3);
    assert_true(list[0].leaf < list[1].leaf && list[1].leaf < list[2].leaf);

    /* The guest asks to leave; Bob commits; everyone else sees the guest's leaf go. */
    uint32_t guest_leaf = sr_meeting_own_leaf(w.m[GUEST]);
    struct sr_buf leave = { 0 };
    assert_int_equal(sr_meeting_leave(w.m[GUEST], &leave), SR_OK);
    fan_out(&w, &leave, GUEST, SR_OK);
    struct sr_buf own = { 0 };
    assert_int_equal(sr_meeting_commit(w.m[GUEST], &own, NULL), SR_ERR_STATE);
    assert_int_equal(own.len, 0);
    /* The relay also removes the guest: a commit may carry only one of the two, and does. */
    struct sr_buf again;
    relay_propose(&w, NULL, guest_leaf, &again);
    fan_out(&w, &again, MAXP, SR_OK);
    sr_buf_cleanup(&again);
    struct sr_meeting_event ev = { 0 };
    commit_round(&w, BOB, MAXP, NULL, &ev);
    assert_null(w.m[GUEST]);
    assert_int_equal(ev.left_count, 1);
    assert_int_equal(ev.left[0], guest_leaf);
    assert_int_equal(ev.joined_count, 0);
    sr_meeting_event_cleanup(&ev);
    assert_int_equal(sr_meeting_participant_count(w.m[ALICE]), 2);

    /* Carol joins into the freed slot; then the relay removes Bob and Alice commits. */
    struct person carol;
    enrol(&w, &carol, &w.internal_ca, "Carol", "carol@corp.example");
    admit(&w, ALICE, CAROL, &carol, NULL);
    assert_int_equal(sr_meeting_own_leaf(w.m[CAROL]), guest_leaf);
    participant_is(&w, CAROL, BOB, SR_MLS_CREDENTIAL_X509, SR_MLS_LEVEL_EXTERNAL,
                   "bob@partner.example");
    struct sr_buf remove;
    uint32_t bob_leaf = sr_meeting_own_leaf(w.m[BOB]);
    relay_propose(&w, NULL, bob_leaf, &remove);
    fan_out(&w, &remove, MAXP, SR_OK);
    commit_round(&w, ALICE, MAXP, NULL, &ev);
    assert_null(w.m[BOB]);
    assert_int_equal(ev.left_count, 1);
    assert_int_equal(ev.left[0], bob_leaf);
    sr_meeting_event_cleanup(&ev);
    assert_int_equal(sr_meeting_participant(w.m[CAROL], bob_leaf, &list[0]), SR_ERR_NOT_FOUND);

    /* A commit nobody else proposed anything for still renews the keys and the code. */
    commit_round(&w, CAROL, MAXP, NULL, NULL);
    /* The relay echoes Alice's commit back to her instead of her merging it. */
    struct sr_buf echo = { 0 };
    const char *old = sr_meeting_verification_code(w.m[CAROL]);
    char before[SR_E2EE_CODE_STR_LEN];
    memcpy(before, old, sizeof(before));
    assert_int_equal(sr_meeting_commit(w.m[ALICE], &echo, NULL), SR_OK);
    for (size_t i = ALICE; i <= CAROL; i++) {
        if (w.m[i] != NULL) {
            assert_int_equal(sr_meeting_process(w.m[i], sr_buf_slice(&echo), &ev), SR_OK);
            assert_int_equal(ev.kind, SR_MEETING_EVENT_COMMIT);
            assert_true(ev.epoch_changed);
            sr_meeting_event_cleanup(&ev);
        }
    }
    codes_agree(&w);
    assert_string_not_equal(sr_meeting_verification_code(w.m[ALICE]), before);
    sr_buf_cleanup(&echo);
    sr_buf_cleanup(&leave);
    sr_buf_cleanup(&remove);
    person_cleanup(&alice);
    person_cleanup(&bob);
    person_cleanup(&carol);
    world_cleanup(&w);
}

static void join_and_leave_suite1(void **state)
{
    (void)state;
    join_and_leave(1);
}

static void join_and_leave_suite2(void **state)
{
    (void)state;
    join_and_leave(2);
}

/* `show certificate`: subject, issuer, serial, validity, fingerprint and email SAN. */
static void certificates(void **state)
{
    (void)state;
    struct world w;
    struct person alice, bob;
    world_init(&w, 1, false);
    three_participants(&w, &alice, &bob);
    struct sr_meeting_certificate c;
    assert_int_equal(sr_meeting_certificate(w.m[GUEST], sr_meeting_own_leaf(w.m[BOB]), &c), SR_OK);
    assert_non_null(strstr(c.subject, "CN=Bob"));
    assert_non_null(strstr(c.issuer, "CN=Partner Root CA"));
    assert_string_equal(c.email, "bob@partner.example");
    assert_true(strlen(c.serial) > 0);
    assert_int_equal(c.not_before, (int64_t)NOW_S - DAY);
    assert_int_equal(c.not_after, (int64_t)NOW_S + 365 * DAY);
    uint8_t fp[32];
    assert_int_equal(sr_hash(&sr_hash_sha256, sr_buf_slice(&bob.cert), fp), SR_OK);
    assert_memory_equal(c.sha256, fp, 32);
    assert_int_equal(c.level, SR_MLS_LEVEL_EXTERNAL);
    assert_int_equal(c.chain_len, 1);
    assert_int_equal(sr_meeting_certificate(w.m[BOB], sr_meeting_own_leaf(w.m[ALICE]), &c), SR_OK);
    assert_int_equal(c.level, SR_MLS_LEVEL_INTERNAL);
    assert_non_null(strstr(c.issuer, "CN=Sealroom Internal CA"));
    /* A guest has no certificate; a blank or absent leaf has nobody. */
    assert_int_equal(sr_meeting_certificate(w.m[BOB], sr_meeting_own_leaf(w.m[GUEST]), &c),
                     SR_ERR_NOT_FOUND);
    assert_int_equal(sr_meeting_certificate(w.m[BOB], 999, &c), SR_ERR_NOT_FOUND);
    person_cleanup(&alice);
    person_cleanup(&bob);
    world_cleanup(&w);
}

/* MLSMessage(KeyPackage) whose leaf is signed by `signer` but carries `holder`'s certificate. */
static void mismatched_key_package(struct world *w, const struct person *holder,
                                   const struct person *signer, struct sr_buf *out)
{
    struct sr_slice cert = sr_buf_slice(&holder->cert);
    struct sr_mls_key_package_params p = {
        .suite = sr_suite_get(w->suite),
        .credential = sr_mls_credential_x509(&cert, 1),
        .signature_priv = sr_buf_slice(&signer->priv),
        .now = NOW_S,
    };
    struct sr_mls_key_package kp = { 0 };
    struct sr_mls_key_package_priv *kpp = NULL;
    assert_int_equal(sr_mls_key_package_create(&p, &kp, &kpp), SR_OK);
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_write_u16(out, SR_MLS_VERSION_MLS10), SR_OK);
    assert_int_equal(sr_write_u16(out, SR_MLS_WIRE_KEY_PACKAGE), SR_OK);
    assert_int_equal(sr_mls_key_package_encode(&kp, out), SR_OK);
    sr_mls_key_package_cleanup(&kp);
    sr_mls_key_package_priv_free(kpp);
}

/* The relay proposes adding `kp`; every member refuses it and nothing changes. */
static void refused_everywhere(struct world *w, const struct sr_buf *kp)
{
    char code[SR_E2EE_CODE_STR_LEN];
    memcpy(code, sr_meeting_verification_code(w->m[ALICE]), sizeof(code));
    uint64_t epoch = sr_meeting_epoch(w->m[ALICE]);
    size_t count = sr_meeting_participant_count(w->m[ALICE]);
    struct sr_buf prop;
    relay_propose(w, kp, 0, &prop);
    for (size_t i = 0; i < MAXP; i++) {
        if (w->m[i] != NULL) {
            struct sr_meeting_event ev = { 0 };
            assert_int_not_equal(sr_meeting_process(w->m[i], sr_buf_slice(&prop), &ev), SR_OK);
            assert_int_equal(ev.kind, 0);
        }
    }
    assert_int_equal(sr_meeting_epoch(w->m[ALICE]), epoch);
    assert_string_equal(sr_meeting_verification_code(w->m[ALICE]), code);
    /* Nothing was cached: a commit now adds nobody. */
    struct sr_meeting_event ev = { 0 };
    commit_round(w, ALICE, MAXP, NULL, &ev);
    assert_int_equal(ev.joined_count, 0);
    assert_int_equal(sr_meeting_participant_count(w->m[ALICE]), count);
    sr_meeting_event_cleanup(&ev);
    sr_buf_cleanup(&prop);
}

static void refused_credentials(uint16_t suite)
{
    struct world w;
    struct person alice, bob, mallory, old;
    world_init(&w, suite, false);
    three_participants(&w, &alice, &bob);

    /* Mallory's KeyPackage carries Bob's certificate but is signed with her own key. */
    person_keys(&w, &mallory);
    struct sr_buf kp, kpp = { 0 };
    struct sr_slice cert = sr_buf_slice(&bob.cert);
    struct sr_meeting_credential cred = { &cert, 1, sr_buf_slice(&mallory.priv), { 0 } };
    assert_int_equal(sr_meeting_key_package_new(&w.cfg, &cred, &kp, &kpp), SR_ERR_INVALID);
    mismatched_key_package(&w, &bob, &mallory, &kp);
    struct sr_buf prop;
    relay_propose(&w, &kp, 0, &prop);
    struct sr_meeting_event ev = { 0 };
    assert_int_equal(sr_meeting_process(w.m[ALICE], sr_buf_slice(&prop), &ev), SR_ERR_INVALID);
    refused_everywhere(&w, &kp);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&prop);

    /* An expired certificate from the internal CA. */
    person_keys(&w, &old);
    issue(&w, &old, &w.internal_ca, "Old", "old@corp.example", (int64_t)NOW_S - 400 * DAY,
          (int64_t)NOW_S - DAY);
    key_package(&w, &old, NULL, &kp, &kpp);
    refused_everywhere(&w, &kp);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);

    person_cleanup(&alice);
    person_cleanup(&bob);
    person_cleanup(&mallory);
    person_cleanup(&old);
    world_cleanup(&w);
}

static void refused_credentials_suite1(void **state)
{
    (void)state;
    refused_credentials(1);
}

static void refused_credentials_suite2(void **state)
{
    (void)state;
    refused_credentials(2);
}

/* With the require-verified policy a guest, or a chain to no anchor, is refused. */
static void require_verified(void **state)
{
    (void)state;
    struct world w;
    struct person alice, bob, rogue;
    world_init(&w, 1, true);
    enrol(&w, &alice, &w.internal_ca, "Alice", "alice@corp.example");
    enrol(&w, &bob, &w.partner_ca, "Bob", "bob@partner.example");
    world_create(&w, ALICE, &alice, NULL);
    admit(&w, ALICE, BOB, &bob, NULL);
    struct sr_buf kp, kpp, prop;
    key_package(&w, NULL, "guest:gina", &kp, &kpp);
    relay_propose(&w, &kp, 0, &prop);
    struct sr_meeting_event ev = { 0 };
    assert_int_equal(sr_meeting_process(w.m[BOB], sr_buf_slice(&prop), &ev), SR_ERR_DENIED);
    refused_everywhere(&w, &kp);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);
    sr_buf_cleanup(&prop);
    enrol(&w, &rogue, &w.rogue_ca, "Rogue", "rogue@evil.example");
    key_package(&w, &rogue, NULL, &kp, &kpp);
    refused_everywhere(&w, &kp);
    assert_int_equal(sr_meeting_participant_count(w.m[BOB]), 2);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);
    person_cleanup(&alice);
    person_cleanup(&bob);
    person_cleanup(&rogue);
    world_cleanup(&w);
}

/* Garbage, a message of another epoch and a replayed commit change nothing. */
static void bad_messages(void **state)
{
    (void)state;
    struct world w;
    struct person alice, bob;
    world_init(&w, 1, false);
    three_participants(&w, &alice, &bob);
    struct sr_buf stale, junk = { 0 }, commit = { 0 };
    relay_propose(&w, NULL, sr_meeting_own_leaf(w.m[GUEST]), &stale);
    assert_int_equal(sr_buf_append(&junk, "\x00\x01\x00\x01\xff", 5), SR_OK);
    char code[SR_E2EE_CODE_STR_LEN];
    memcpy(code, sr_meeting_verification_code(w.m[BOB]), sizeof(code));
    struct sr_meeting_event ev = { 0 };
    assert_int_equal(sr_meeting_process(w.m[BOB], sr_buf_slice(&junk), &ev), SR_ERR_DECODE);
    /* A staged commit that was discarded, then another commit: both old messages are stale. */
    assert_int_equal(sr_meeting_commit(w.m[ALICE], &commit, NULL), SR_OK);
    sr_meeting_commit_discard(w.m[ALICE]);
    assert_int_equal(sr_meeting_commit_merge(w.m[ALICE], NULL), SR_ERR_STATE);
    commit_round(&w, ALICE, MAXP, NULL, NULL);
    assert_int_equal(sr_meeting_process(w.m[BOB], sr_buf_slice(&stale), &ev), SR_ERR_EPOCH);
    assert_int_equal(sr_meeting_process(w.m[BOB], sr_buf_slice(&commit), &ev), SR_ERR_EPOCH);
    assert_int_equal(ev.kind, 0);
    assert_string_not_equal(sr_meeting_verification_code(w.m[BOB]), code);
    codes_agree(&w);
    sr_buf_cleanup(&stale);
    sr_buf_cleanup(&junk);
    sr_buf_cleanup(&commit);
    person_cleanup(&alice);
    person_cleanup(&bob);
    world_cleanup(&w);
}

/* Config errors, and a Welcome joined with the wrong suite in the config. */
static void config_errors(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 1, false);
    struct sr_meeting_config cfg = w.cfg;
    struct sr_meeting *m = NULL;
    struct sr_buf kp, kpp;
    key_package(&w, NULL, "guest:gina", &kp, &kpp);
    cfg.mls_suite = 9;
    assert_int_equal(sr_meeting_create(&cfg, sr_buf_slice(&w.gid), sr_buf_slice(&kpp), NULL, &m),
                     SR_ERR_UNSUPPORTED);
    cfg = w.cfg;
    cfg.sframe_suite = 0x00ff;
    assert_int_equal(sr_meeting_create(&cfg, sr_buf_slice(&w.gid), sr_buf_slice(&kpp), NULL, &m),
                     SR_ERR_UNSUPPORTED);
    cfg = w.cfg;
    cfg.mls_suite = 2; /* the bundle is for suite 1 */
    assert_int_equal(sr_meeting_create(&cfg, sr_buf_slice(&w.gid), sr_buf_slice(&kpp), NULL, &m),
                     SR_ERR_ARG);
    assert_null(m);
    /* Without a relay there is no external sender: its proposals are refused. */
    assert_int_equal(
            sr_meeting_create(&w.cfg, sr_buf_slice(&w.gid), sr_buf_slice(&kpp), NULL, &w.m[0]),
            SR_OK);
    struct sr_buf prop;
    relay_propose(&w, NULL, 0, &prop);
    struct sr_meeting_event ev = { 0 };
    assert_int_not_equal(sr_meeting_process(w.m[0], sr_buf_slice(&prop), &ev), SR_OK);
    struct sr_meeting_config dflt;
    sr_meeting_config_init(&dflt, 2);
    assert_int_equal(dflt.sframe_suite, SR_SFRAME_AES_128_GCM_SHA256_128);
    sr_meeting_config_init(&dflt, 5);
    assert_int_equal(dflt.sframe_suite, SR_SFRAME_AES_256_GCM_SHA512_128);
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&kpp);
    world_cleanup(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(join_and_leave_suite1),
        cmocka_unit_test(join_and_leave_suite2),
        cmocka_unit_test(certificates),
        cmocka_unit_test(refused_credentials_suite1),
        cmocka_unit_test(refused_credentials_suite2),
        cmocka_unit_test(require_verified),
        cmocka_unit_test(bad_messages),
        cmocka_unit_test(config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
