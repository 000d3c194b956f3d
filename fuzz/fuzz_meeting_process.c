/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz a meeting participant's intake (sr_meeting_process) and the proposal vetting behind
 * it. The first byte picks what the rest is:
 *
 *   0  an MLSMessage from the relay, as it arrives
 *   1  an MLSMessage(KeyPackage) the relay wraps in a signed Add proposal (so mutations of
 *      valid KeyPackages get past the proposal signature to the meeting's own checks)
 *   2  a uint32 leaf the relay proposes to remove
 *
 * The participant is a fresh one-member meeting (suite 1) whose trust has one anchor, a CA
 * with a fixed key, so seeds with certificates from it verify (see corpus/meeting_process/).
 * Oracles beyond the sanitizers: a refused message leaves epoch, code and proposal cache as
 * they were; an accepted proposal never blocks the next commit (the promise of vetting), and
 * after it the participant count moves by what the commit reports.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/meeting.h>

#include "crypto/sig.h"
#include "crypto/suite.h"
#include "crypto/x509.h"
#include "e2ee/meeting_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SUITE 1
#define NOW_S 1790000000ull

/* Fixed Ed25519 private keys: the seeds were made with the same ones. */
static const uint8_t ca_priv[32] = { 0xca, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const uint8_t relay_priv[32] = { 0x5f, 0x0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static struct {
    struct sr_mls_trust *trust;
    struct sr_buf ca_der, relay_pub, kp, kpp;
    struct sr_meeting_config cfg;
} fx;

static uint64_t fixed_clock(void *arg)
{
    (void)arg;
    return NOW_S * 1000u;
}

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

/* The fixture is built once and kept for the process (still reachable, so no leak report). */
static void setup(void)
{
    static bool done;
    if (done) {
        return;
    }
    const struct sr_sig_alg *alg = sr_suite_get(SUITE)->sig;
    struct sr_x509_test_cert ca = {
        .common_name = "Fuzz CA",
        .is_ca = true,
        .not_before = (int64_t)NOW_S - 86400,
        .not_after = (int64_t)NOW_S + 86400 * 365,
        .alg = alg,
        .subject_priv = sr_slice_of(ca_priv, 32),
        .issuer_alg = alg,
        .issuer_priv = sr_slice_of(ca_priv, 32),
        .serial = 1,
    };
    check(sr_crypto_x509_test_issue(&ca, &fx.ca_der) == SR_OK);
    check(sr_sig_public_from_private(alg, sr_slice_of(relay_priv, 32), &fx.relay_pub) == SR_OK);
    check(sr_mls_trust_new(&fx.trust) == SR_OK);
    check(sr_mls_trust_add_anchor(fx.trust, sr_buf_slice(&fx.ca_der), SR_MLS_LEVEL_INTERNAL) ==
          SR_OK);
    sr_mls_trust_set_time(fx.trust, NOW_S);
    sr_meeting_config_init(&fx.cfg, SUITE);
    fx.cfg.trust = fx.trust;
    fx.cfg.clock = fixed_clock;
    struct sr_meeting_credential host = { .identity = sr_slice_of("fuzz-host", 9) };
    check(sr_meeting_key_package_new(&fx.cfg, &host, &fx.kp, &fx.kpp) == SR_OK);
    done = true;
}

/* The relay's proposal for mode 1 or 2; false when the relay would not sign it. */
static bool relay_message(uint8_t mode, struct sr_slice rest, struct sr_buf *msg)
{
    struct sr_mls_external_proposal ep = {
        .cipher_suite = SUITE,
        .group_id = sr_slice_of("fuzz", 4),
        .epoch = 0,
        .signature_priv = sr_slice_of(relay_priv, 32),
    };
    if (mode == 1) {
        ep.key_package = rest;
    } else if (rest.len >= 4) {
        ep.remove = (uint32_t)rest.p[0] << 24 | (uint32_t)rest.p[1] << 16 |
                    (uint32_t)rest.p[2] << 8 | rest.p[3];
    } else {
        return false;
    }
    return sr_mls_external_propose(&ep, msg) == SR_OK;
}

static void after_proposal(struct sr_meeting *m)
{
    struct sr_buf commit = { 0 }, welcome = { 0 };
    size_t before = sr_meeting_participant_count(m);
    sr_err err = sr_meeting_commit(m, &commit, &welcome);
    /* Only our own removal may stop us from committing (someone else must). */
    if (err == SR_ERR_STATE) {
        check(commit.len == 0);
    } else {
        check(err == SR_OK);
        struct sr_meeting_event ev = { 0 };
        check(sr_meeting_commit_merge(m, &ev) == SR_OK);
        check(ev.epoch_changed && sr_meeting_epoch(m) == 1);
        check(sr_meeting_participant_count(m) == before + ev.joined_count - ev.left_count);
        check((welcome.len > 0) == (ev.joined_count > 0));
        sr_meeting_event_cleanup(&ev);
    }
    sr_buf_cleanup(&commit);
    sr_buf_cleanup(&welcome);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1 || data[0] > 2) {
        return 0;
    }
    struct sr_slice rest = sr_slice_of(data + 1, size - 1);
    struct sr_meeting_relay relay = { sr_buf_slice(&fx.relay_pub), sr_slice_of("relay", 5) };
    struct sr_meeting *m = NULL;
    check(sr_meeting_create(&fx.cfg, sr_slice_of("fuzz", 4), sr_buf_slice(&fx.kpp), &relay, &m) ==
          SR_OK);
    struct sr_buf msg = { 0 };
    if (data[0] == 0) {
        check(sr_buf_set(&msg, rest.p, rest.len) == SR_OK);
    } else if (!relay_message(data[0], rest, &msg)) {
        sr_buf_cleanup(&msg);
        sr_meeting_free(m);
        return 0;
    }
    char code[SR_E2EE_CODE_STR_LEN];
    memcpy(code, sr_meeting_verification_code(m), sizeof(code));
    size_t cached = sr_meeting_pending_count(sr_meeting_get0_group(m));
    struct sr_meeting_event ev = { 0 };
    sr_err err = sr_meeting_process(m, sr_buf_slice(&msg), &ev);
    if (err != SR_OK) {
        check(ev.kind == 0 && ev.joined == NULL && ev.data.p == NULL);
        check(sr_meeting_epoch(m) == 0 && strcmp(code, sr_meeting_verification_code(m)) == 0);
        check(sr_meeting_pending_count(sr_meeting_get0_group(m)) == cached);
    } else if (ev.kind == SR_MEETING_EVENT_PROPOSAL) {
        after_proposal(m);
    }
    sr_meeting_event_cleanup(&ev);
    sr_buf_cleanup(&msg);
    sr_meeting_free(m);
    return 0;
}
