/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one-time fetch of digests, ciphers and groups is raced by several threads making
 * their first crypto call at once; all must get the same answers as a single thread.
 * This runs first in a fresh process, so the race is on the real lazy init.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "crypto/dh.h"
#include "crypto/labels.h"
#include "crypto/sig.h"
#include "testutil.h"

#define THREADS 8

struct result {
    sr_err err;
    uint8_t derived[32];
    uint8_t sealed[48];
    uint8_t pub[65];
};

static pthread_barrier_t start;

static sr_err work(struct result *r)
{
    static const uint8_t secret[32] = { 1 }, key[16] = { 2 }, nonce[12] = { 3 }, sk[32] = { 4 };
    size_t len = 0;
    SR_TRY(sr_mls_derive_secret(sr_suite_get(2), sr_slice_of(secret, 32), "t", r->derived));
    SR_TRY(sr_aead_seal_once(&sr_aead_aes128gcm, sr_slice_of(key, 16), nonce, sr_slice_of(NULL, 0),
                             sr_slice_of(secret, 32), r->sealed, sizeof(r->sealed), &len));
    SR_TRY(sr_dh_public_from_private(&sr_kem_p256, sr_slice_of(sk, 32), r->pub));
    struct sr_buf sig = { 0 };
    sr_err err = sr_sig_sign(&sr_sig_p256, sr_slice_of(sk, 32), sr_slice_of("m", 1), &sig);
    if (err == SR_OK) {
        err = sr_sig_verify(&sr_sig_p256, sr_slice_of(r->pub, 65), sr_slice_of("m", 1),
                            sr_buf_slice(&sig));
    }
    sr_buf_cleanup(&sig);
    return err;
}

static void *thread_main(void *arg)
{
    struct result *r = arg;
    (void)pthread_barrier_wait(&start);
    r->err = work(r);
    return NULL;
}

static void first_use_race(void **state)
{
    (void)state;
    pthread_t tids[THREADS];
    static struct result results[THREADS + 1];
    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&tids[i], NULL, thread_main, &results[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(tids[i], NULL), 0);
    }
    pthread_barrier_destroy(&start);
    assert_int_equal(work(&results[THREADS]), SR_OK);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(results[i].err, SR_OK);
        assert_memory_equal(&results[i].derived, &results[THREADS].derived, 32);
        assert_memory_equal(&results[i].sealed, &results[THREADS].sealed, 48);
        assert_memory_equal(&results[i].pub, &results[THREADS].pub, 65);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_use_race),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
