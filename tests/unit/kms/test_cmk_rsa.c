/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto/rsa as BYOK uses it: PEM round trip, the public key as n and e and back, RSA-OAEP
 * with SHA-256 both ways, and the stand-alone OAEP decoder (used with tokens that only do raw
 * RSA) on well-formed and broken blocks, all of which give SR_ERR_AUTH.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/rsa.h"

static struct sr_rsa_key *priv;

static int setup(void **state)
{
    (void)state;
    return sr_rsa_generate(2048, &priv) == SR_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sr_rsa_key_free(priv);
    return 0;
}

static void pem_and_ne(void **state)
{
    (void)state;
    struct sr_buf pem, n, e, n2, e2;
    struct sr_rsa_key *back = NULL, *pub = NULL;

    sr_buf_init(&pem, 0, SR_BUF_WIPE);
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    sr_buf_init(&n2, 0, 0);
    sr_buf_init(&e2, 0, 0);
    assert_int_equal(sr_rsa_private_to_pem(priv, &pem), SR_OK);
    assert_int_equal(sr_rsa_private_from_pem(sr_buf_slice(&pem), &back), SR_OK);
    assert_int_equal(sr_rsa_public_ne(priv, &n, &e), SR_OK);
    assert_int_equal(n.len, 256);
    assert_int_equal(e.len, 3);
    assert_int_equal(sr_rsa_public_ne(back, &n2, &e2), SR_OK);
    assert_memory_equal(n.p, n2.p, n.len);
    assert_int_equal(sr_rsa_public_from_ne(sr_buf_slice(&n), sr_buf_slice(&e), &pub), SR_OK);
    pem.len = 60; /* truncated: no END line */
    sr_rsa_key_free(back);
    back = NULL;
    assert_int_not_equal(sr_rsa_private_from_pem(sr_buf_slice(&pem), &back), SR_OK);
    assert_null(back);
    sr_rsa_key_free(pub);
    sr_buf_cleanup(&pem);
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    sr_buf_cleanup(&n2);
    sr_buf_cleanup(&e2);
}

static void oaep_round_trip(void **state)
{
    (void)state;
    uint8_t msg[32], out[256];
    size_t len = 0;
    struct sr_buf ct;

    memset(msg, 0xab, sizeof(msg));
    sr_buf_init(&ct, 0, 0);
    assert_int_equal(sr_rsa_oaep_sha256_encrypt(priv, sr_slice_of(msg, 32), &ct), SR_OK);
    assert_int_equal(ct.len, 256);
    assert_int_equal(sr_rsa_oaep_sha256_decrypt(priv, sr_buf_slice(&ct), out, sizeof(out), &len),
                     SR_OK);
    assert_int_equal(len, 32);
    assert_memory_equal(out, msg, 32);
    ct.p[10] ^= 0x04;
    assert_int_equal(sr_rsa_oaep_sha256_decrypt(priv, sr_buf_slice(&ct), out, sizeof(out), &len),
                     SR_ERR_AUTH);
    sr_buf_cleanup(&ct);
}

/* An all-zero or too-short block, or a nonzero first byte, never decodes. */
static void decoder_rejects(void **state)
{
    (void)state;
    uint8_t em[256], out[256];
    size_t len = 7;

    memset(em, 0, sizeof(em));
    assert_int_equal(sr_rsa_oaep_sha256_decode(sr_slice_of(em, sizeof(em)), out, sizeof(out), &len),
                     SR_ERR_AUTH);
    assert_int_equal(len, 0);
    assert_int_equal(sr_rsa_oaep_sha256_decode(sr_slice_of(em, 65), out, sizeof(out), &len),
                     SR_ERR_AUTH);
    em[0] = 1;
    assert_int_equal(sr_rsa_oaep_sha256_decode(sr_slice_of(em, sizeof(em)), out, sizeof(out), &len),
                     SR_ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pem_and_ne),
        cmocka_unit_test(oaep_round_trip),
        cmocka_unit_test(decoder_rejects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
