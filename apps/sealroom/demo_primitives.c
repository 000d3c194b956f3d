/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Demo section: for every MLS cipher suite, a fresh signature key signs and verifies with
 * SignWithLabel, a forged message is refused, and HPKE EncryptWithLabel reaches the holder
 * of a fresh KEM key and nobody else.
 */
#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "crypto/ct.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "crypto/suite.h"
#include "demo.h"
#include "hpke/hpke.h"
#include "hpke/labels.h"

static bool suite_signs(const struct sr_suite *s)
{
    struct sr_secret priv = { 0 };
    struct sr_buf pub = { 0 }, sig = { 0 };
    struct sr_slice msg = sr_slice_of("agenda for the board meeting", 28);
    struct sr_slice forged = sr_slice_of("agenda for the board meetinG", 28);
    bool ok = sr_sig_generate(s->sig, &priv, &pub) == SR_OK &&
              sr_mls_sign_with_label(s, sr_secret_slice(&priv), "Demo", msg, &sig) == SR_OK &&
              sr_mls_verify_with_label(s, sr_buf_slice(&pub), "Demo", msg, sr_buf_slice(&sig)) ==
                      SR_OK &&
              sr_mls_verify_with_label(s, sr_buf_slice(&pub), "Demo", forged, sr_buf_slice(&sig)) ==
                      SR_ERR_AUTH;
    sr_secret_cleanup(&priv);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&sig);
    return ok;
}

static bool suite_encrypts(const struct sr_suite *s)
{
    struct sr_secret sk = { 0 }, other_sk = { 0 };
    uint8_t pk[SR_KEM_PK_MAX], other_pk[SR_KEM_PK_MAX];
    struct sr_buf enc = { 0 }, ct = { 0 }, wrong = { 0 };
    struct sr_buf wipe_pt;
    sr_buf_init(&wipe_pt, 0, SR_BUF_WIPE);
    struct sr_slice secret = sr_slice_of("group secrets for a new member", 30);
    struct sr_slice ctx = sr_slice_of("welcome", 7);
    bool ok =
            sr_hpke_generate_key_pair(s->kem, &sk, pk) == SR_OK &&
            sr_hpke_generate_key_pair(s->kem, &other_sk, other_pk) == SR_OK &&
            sr_mls_encrypt_with_label(s, sr_slice_of(pk, s->kem->pk_len), "Demo", ctx, secret, &enc,
                                      &ct) == SR_OK &&
            sr_mls_decrypt_with_label(s, sr_secret_slice(&sk), "Demo", ctx, sr_buf_slice(&enc),
                                      sr_buf_slice(&ct), &wipe_pt) == SR_OK &&
            wipe_pt.len == secret.len && sr_ct_equal(wipe_pt.p, secret.p, secret.len) &&
            sr_mls_decrypt_with_label(s, sr_secret_slice(&other_sk), "Demo", ctx,
                                      sr_buf_slice(&enc), sr_buf_slice(&ct), &wrong) == SR_ERR_AUTH;
    sr_secret_cleanup(&sk);
    sr_secret_cleanup(&other_sk);
    sr_buf_cleanup(&enc);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&wrong);
    sr_buf_cleanup(&wipe_pt);
    return ok;
}

bool demo_primitives(const struct demo_opts *opts)
{
    (void)opts;
    printf("\n== MLS cipher suites (RFC 9420 section 17.1)\n");
    printf("   fresh keys per suite; SignWithLabel must refuse a one-letter forgery,\n"
           "   EncryptWithLabel (HPKE) must open only for the intended key\n");
    bool all = true;
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *s = sr_suite_get(id);
        bool sign = suite_signs(s), hpke = suite_encrypts(s);
        printf("   %u  %-52s sign %s  hpke %s\n", id, s->name, sign ? "ok" : "FAIL",
               hpke ? "ok" : "FAIL");
        all = all && sign && hpke;
    }
    return demo_check(all, "all seven suites sign, verify, seal and open");
}
