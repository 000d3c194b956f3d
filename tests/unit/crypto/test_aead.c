/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AEAD and AES-CTR: GCM (McGrew-Viega test cases 1, 2, 14), ChaCha20-Poly1305 (RFC 8439
 * §2.8.2) and AES-CTR (SP 800-38A F.5.1) known answers; every tag and ciphertext byte
 * flipped, every truncation, wrong lengths, in-place use, re-keying, allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/aead.h"
#include "testutil.h"

struct kat {
    const struct sr_aead_alg *alg;
    const char *key, *nonce, *aad, *pt, *ct;
};

static const struct kat kats[] = {
    { &sr_aead_aes128gcm, "00000000000000000000000000000000", "000000000000000000000000", "", "",
      "58e2fccefa7e3061367f1d57a4e7455a" },
    { &sr_aead_aes128gcm, "00000000000000000000000000000000", "000000000000000000000000", "",
      "00000000000000000000000000000000",
      "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf" },
    { &sr_aead_aes256gcm, "0000000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000000", "", "00000000000000000000000000000000",
      "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919" },
    { &sr_aead_chacha20poly1305, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
      "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
      /* "Ladies and Gentlemen of the class of '99: If I could offer you only one tip
       * for the future, sunscreen would be it." */
      "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
      "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
      "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
      "637265656e20776f756c642062652069742e",
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691" },
};

struct fixture {
    struct sr_buf key, nonce, aad, pt, ct;
};

static void load(const struct kat *k, struct fixture *f)
{
    sr_test_hex(k->key, &f->key);
    sr_test_hex(k->nonce, &f->nonce);
    sr_test_hex(k->aad, &f->aad);
    sr_test_hex(k->pt, &f->pt);
    sr_test_hex(k->ct, &f->ct);
}

static void unload(struct fixture *f)
{
    sr_buf_cleanup(&f->key);
    sr_buf_cleanup(&f->nonce);
    sr_buf_cleanup(&f->aad);
    sr_buf_cleanup(&f->pt);
    sr_buf_cleanup(&f->ct);
}

static void known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        struct fixture f = { 0 };
        load(&kats[i], &f);
        uint8_t out[256];
        size_t len = 0;
        assert_int_equal(sr_aead_seal_once(kats[i].alg, sr_buf_slice(&f.key), f.nonce.p,
                                           sr_buf_slice(&f.aad), sr_buf_slice(&f.pt), out,
                                           sizeof(out), &len),
                         SR_OK);
        assert_int_equal(len, f.ct.len);
        assert_memory_equal(out, f.ct.p, len);
        assert_int_equal(sr_aead_open_once(kats[i].alg, sr_buf_slice(&f.key), f.nonce.p,
                                           sr_buf_slice(&f.aad), sr_buf_slice(&f.ct), out,
                                           sizeof(out), &len),
                         SR_OK);
        assert_int_equal(len, f.pt.len);
        if (len > 0) {
            assert_memory_equal(out, f.pt.p, len);
        }
        unload(&f);
    }
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Flip every bit of every byte of the ciphertext and tag, and of the AAD. */
static void flips_fail(const struct kat *k)
{
    struct fixture f = { 0 };
    load(k, &f);
    struct sr_aead_ctx *ctx = NULL;
    assert_int_equal(sr_aead_ctx_new(k->alg, sr_buf_slice(&f.key), &ctx), SR_OK);
    uint8_t bad[256], out[256];
    size_t len = 7;
    for (size_t i = 0; i < f.ct.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(bad, f.ct.p, f.ct.len);
            bad[i] ^= (uint8_t)(1u << bit);
            memset(out, 0xa5, sizeof(out));
            assert_int_equal(sr_aead_open(ctx, f.nonce.p, sr_buf_slice(&f.aad),
                                          sr_slice_of(bad, f.ct.len), out, sizeof(out), &len),
                             SR_ERR_AUTH);
            assert_int_equal(len, 0);
            /* No unauthenticated plaintext is released. */
            assert_true(all_zero(out, f.pt.len));
        }
    }
    for (size_t i = 0; i < f.aad.len; i++) {
        memcpy(bad, f.aad.p, f.aad.len);
        bad[i] ^= 0x80;
        assert_int_equal(sr_aead_open(ctx, f.nonce.p, sr_slice_of(bad, f.aad.len),
                                      sr_buf_slice(&f.ct), out, sizeof(out), &len),
                         SR_ERR_AUTH);
    }
    /* The context is still good after all those failures. */
    assert_int_equal(sr_aead_open(ctx, f.nonce.p, sr_buf_slice(&f.aad), sr_buf_slice(&f.ct), out,
                                  sizeof(out), &len),
                     SR_OK);
    if (f.pt.len > 0) {
        assert_memory_equal(out, f.pt.p, f.pt.len);
    }
    sr_aead_ctx_free(ctx);
    unload(&f);
}

static void flipped_bytes_fail(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        flips_fail(&kats[i]);
    }
}

static void truncated_fail(void **state)
{
    (void)state;
    struct fixture f = { 0 };
    load(&kats[1], &f);
    struct sr_aead_ctx *ctx = NULL;
    assert_int_equal(sr_aead_ctx_new(kats[1].alg, sr_buf_slice(&f.key), &ctx), SR_OK);
    uint8_t out[64];
    size_t len = 0;
    for (size_t cut = 0; cut < f.ct.len; cut++) {
        memset(out, 0xa5, sizeof(out));
        assert_int_equal(sr_aead_open(ctx, f.nonce.p, sr_buf_slice(&f.aad),
                                      sr_slice_of(f.ct.p, cut), out, sizeof(out), &len),
                         SR_ERR_AUTH);
        assert_int_equal(len, 0);
        assert_true(cut < 16 || all_zero(out, cut - 16));
    }
    sr_aead_ctx_free(ctx);
    unload(&f);
}

static void bad_arguments(void **state)
{
    (void)state;
    uint8_t key[33] = { 0 }, nonce[12] = { 0 }, out[64];
    size_t len = 0;
    struct sr_aead_ctx *ctx = NULL;
    const struct sr_aead_alg *algs[] = { &sr_aead_aes128gcm, &sr_aead_aes256gcm,
                                         &sr_aead_chacha20poly1305 };
    for (size_t a = 0; a < 3; a++) {
        for (size_t n = 0; n <= sizeof(key); n++) {
            sr_err want = n == algs[a]->key_len ? SR_OK : SR_ERR_ARG;
            assert_int_equal(sr_aead_ctx_new(algs[a], sr_slice_of(key, n), &ctx), want);
            if (want == SR_OK) {
                assert_int_equal(sr_aead_ctx_set_key(ctx, sr_slice_of(key, n + 1)), SR_ERR_ARG);
                sr_aead_ctx_free(ctx);
            }
            assert_null(want == SR_OK ? NULL : ctx);
        }
    }
    assert_int_equal(sr_aead_ctx_new(&sr_aead_export_only, sr_slice_of(key, 0), &ctx),
                     SR_ERR_UNSUPPORTED);
    assert_int_equal(sr_aead_ctx_new(&sr_aead_aes128gcm, sr_slice_of(key, 16), &ctx), SR_OK);
    struct sr_slice pt = sr_slice_of("hello", 5);
    assert_int_equal(sr_aead_seal(ctx, nonce, pt, pt, out, 5 + 15, &len), SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sr_aead_seal(ctx, NULL, pt, pt, out, sizeof(out), &len), SR_ERR_ARG);
    assert_int_equal(sr_aead_seal(ctx, nonce, pt, pt, out, 5 + 16, &len), SR_OK);
    assert_int_equal(sr_aead_open(ctx, nonce, pt, sr_slice_of(out, 21), out + 32, 4, &len),
                     SR_ERR_BUFFER_TOO_SMALL);
    /* A different nonce fails to open. */
    nonce[11] = 1;
    assert_int_equal(sr_aead_open(ctx, nonce, pt, sr_slice_of(out, 21), out + 32, 32, &len),
                     SR_ERR_AUTH);
    sr_aead_ctx_free(ctx);
    sr_aead_ctx_free(NULL);
}

static void in_place_and_rekey(void **state)
{
    (void)state;
    const struct sr_aead_alg *algs[] = { &sr_aead_aes128gcm, &sr_aead_aes256gcm,
                                         &sr_aead_chacha20poly1305 };
    uint8_t key1[32], key2[32], nonce[12] = { 9 }, buf[1200 + 16], copy[1200 + 16];
    memset(key1, 1, sizeof(key1));
    memset(key2, 2, sizeof(key2));
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 7);
    }
    for (size_t a = 0; a < 3; a++) {
        struct sr_aead_ctx *ctx = NULL;
        size_t kl = algs[a]->key_len, len = 0;
        assert_int_equal(sr_aead_ctx_new(algs[a], sr_slice_of(key1, kl), &ctx), SR_OK);
        memcpy(copy, buf, 1200);
        struct sr_slice aad = sr_slice_of("aad", 3);
        assert_int_equal(
                sr_aead_seal(ctx, nonce, aad, sr_slice_of(copy, 1200), copy, sizeof(copy), &len),
                SR_OK);
        assert_int_equal(len, 1216);
        /* Not-in-place seal gives the same bytes. */
        uint8_t other[1216];
        assert_int_equal(
                sr_aead_seal(ctx, nonce, aad, sr_slice_of(buf, 1200), other, sizeof(other), &len),
                SR_OK);
        assert_memory_equal(copy, other, 1216);
        assert_int_equal(
                sr_aead_open(ctx, nonce, aad, sr_slice_of(copy, 1216), copy, sizeof(copy), &len),
                SR_OK);
        assert_int_equal(len, 1200);
        assert_memory_equal(copy, buf, 1200);
        /* After re-keying, the old ciphertext no longer opens. */
        assert_int_equal(sr_aead_ctx_set_key(ctx, sr_slice_of(key2, kl)), SR_OK);
        assert_int_equal(
                sr_aead_open(ctx, nonce, aad, sr_slice_of(other, 1216), copy, sizeof(copy), &len),
                SR_ERR_AUTH);
        sr_aead_ctx_free(ctx);
    }
}

static void ctr_known_answer(void **state)
{
    (void)state;
    struct sr_buf key = { 0 }, iv = { 0 }, pt = { 0 }, ct = { 0 };
    sr_test_hex("2b7e151628aed2a6abf7158809cf4f3c", &key);
    sr_test_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", &iv);
    sr_test_hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", &pt);
    sr_test_hex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff", &ct);
    struct sr_ctr_ctx *ctx = NULL;
    assert_int_equal(sr_ctr_ctx_new(sr_buf_slice(&key), &ctx), SR_OK);
    uint8_t out[32];
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sr_ctr_ctx_xor(ctx, iv.p, pt.p, pt.len, out), SR_OK);
        assert_memory_equal(out, ct.p, ct.len);
    }
    /* In place, and back. */
    assert_int_equal(sr_ctr_ctx_xor(ctx, iv.p, out, 17, out), SR_OK);
    assert_memory_equal(out, pt.p, 17);
    sr_ctr_ctx_free(ctx);
    assert_int_equal(sr_ctr_ctx_new(sr_slice_of(key.p, 15), &ctx), SR_ERR_ARG);
    assert_null(ctx);
    sr_ctr_ctx_free(NULL);
    sr_buf_cleanup(&key);
    sr_buf_cleanup(&iv);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&ct);
}

static sr_err make_ctxs(void *arg)
{
    static const uint8_t key[32] = { 0 };
    void **slots = arg;
    SR_TRY(sr_aead_ctx_new(&sr_aead_chacha20poly1305, sr_slice_of(key, 32),
                           (struct sr_aead_ctx **)&slots[0]));
    return sr_ctr_ctx_new(sr_slice_of(key, 16), (struct sr_ctr_ctx **)&slots[1]);
}

static void free_ctxs(void *arg)
{
    void **slots = arg;
    sr_aead_ctx_free(slots[0]);
    sr_ctr_ctx_free(slots[1]);
    slots[0] = slots[1] = NULL;
}

static void alloc_failures(void **state)
{
    (void)state;
    void *slots[2] = { NULL, NULL };
    assert_int_equal(sr_test_each_alloc_failure(make_ctxs, free_ctxs, slots), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),      cmocka_unit_test(flipped_bytes_fail),
        cmocka_unit_test(truncated_fail),     cmocka_unit_test(bad_arguments),
        cmocka_unit_test(in_place_and_rekey), cmocka_unit_test(ctr_known_answer),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
