/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's BYOK step (sr_kms_cmk_wrap_for_import): the CMK encrypted to the org's RSA
 * public JWK opens with the private key under RSA-OAEP-SHA-256 (KMS.md §3), a fresh
 * ciphertext each time; JWKs that are not RSA public keys (bad JSON, another kty, a missing
 * or non-base64url n or e) are SR_ERR_DECODE and append nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/kms.h>

#include "crypto/rsa.h"
#include "kms/jose_int.h"

static struct sr_rsa_key *priv;
static char jwk[2048];

/* base64url of `v` into out[cap]. */
static void b64(const struct sr_buf *v, char *out, size_t cap)
{
    struct sr_buf b;
    sr_buf_init(&b, 0, 0);
    assert_int_equal(sr_jose_b64_encode(sr_buf_slice(v), &b), SR_OK);
    assert_true(b.len < cap);
    memcpy(out, b.p, b.len);
    out[b.len] = '\0';
    sr_buf_cleanup(&b);
}

static int setup(void **state)
{
    struct sr_buf n, e;
    char nb[1024], eb[16];
    (void)state;
    if (sr_rsa_generate(2048, &priv) != SR_OK) {
        return -1;
    }
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    int rc = sr_rsa_public_ne(priv, &n, &e) == SR_OK ? 0 : -1;
    if (rc == 0) {
        b64(&n, nb, sizeof(nb));
        b64(&e, eb, sizeof(eb));
        (void)snprintf(jwk, sizeof(jwk),
                       "{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP-256\",\"n\":\"%s\","
                       "\"e\":\"%s\"}",
                       nb, eb);
    }
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    sr_rsa_key_free(priv);
    return 0;
}

static void wrap_opens_with_the_private_key(void **state)
{
    uint8_t key[SR_KMS_KEY_LEN], back[512]; /* OpenSSL wants room for a whole block */
    size_t len = 0;
    struct sr_buf ct, ct2;
    (void)state;
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(i * 7 + 1);
    }
    sr_buf_init(&ct, 0, 0);
    sr_buf_init(&ct2, 0, 0);
    assert_int_equal(sr_kms_cmk_wrap_for_import(sr_slice_of(jwk, strlen(jwk)), key, &ct), SR_OK);
    assert_int_equal(ct.len, 256); /* the modulus size */
    assert_int_equal(sr_rsa_oaep_sha256_decrypt(priv, sr_buf_slice(&ct), back, sizeof(back), &len),
                     SR_OK);
    assert_int_equal(len, SR_KMS_KEY_LEN);
    assert_memory_equal(back, key, SR_KMS_KEY_LEN);
    /* OAEP is randomized: a second wrap differs and opens to the same key. */
    assert_int_equal(sr_kms_cmk_wrap_for_import(sr_slice_of(jwk, strlen(jwk)), key, &ct2), SR_OK);
    assert_int_equal(ct2.len, ct.len);
    assert_memory_not_equal(ct.p, ct2.p, ct.len);
    /* A flipped byte does not open. */
    ct.p[100] ^= 1;
    assert_int_equal(sr_rsa_oaep_sha256_decrypt(priv, sr_buf_slice(&ct), back, sizeof(back), &len),
                     SR_ERR_AUTH);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&ct2);
}

static void bad_jwks_are_refused(void **state)
{
    static const char *const bad[] = {
        "not json",
        "[]",
        "{\"kty\":\"EC\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
        "{\"kty\":\"RSA\",\"e\":\"AQAB\"}",
        "{\"kty\":\"RSA\",\"n\":\"AQAB\"}",
        "{\"kty\":\"RSA\",\"n\":\"***\",\"e\":\"AQAB\"}",
        "{\"kty\":\"RSA\",\"n\":1,\"e\":\"AQAB\"}",
    };
    uint8_t key[SR_KMS_KEY_LEN] = { 1 };
    struct sr_buf out;
    (void)state;
    sr_buf_init(&out, 0, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sr_err err = sr_kms_cmk_wrap_for_import(sr_slice_of(bad[i], strlen(bad[i])), key, &out);
        assert_int_equal(err, SR_ERR_DECODE);
        assert_int_equal(out.len, 0);
    }
    assert_int_equal(sr_kms_cmk_wrap_for_import(sr_slice_of(jwk, strlen(jwk)), NULL, &out),
                     SR_ERR_ARG);
    sr_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrap_opens_with_the_private_key),
        cmocka_unit_test(bad_jwks_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
