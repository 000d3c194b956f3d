/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key schedule (RFC 9420 §8): known outputs for suite 1, the joiner path agreeing with the
 * member path, aliasing, length checks, wiping; PSK secret (§8.4) edge cases; exporter
 * (§8.5) bounds; sender-data sampling (§6.3.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "crypto/suite.h"
#include "mls/schedule_epoch.h"
#include "mls/schedule_keys.h"
#include "mls/schedule_psk.h"
#include "mls/wire_proposal.h"
#include "testutil.h"

/* Epoch 0 of suite 1 in the official key-schedule.json. */
#define INIT   "a897b53575b4dd35fed4466e4e714bfa949eaa72e616a9c68a47b39cb7a60d2e"
#define COMMIT "a22606222e350fd7f0937168fe7548fb06626ab143cba7611d641693b1447509"
#define PSK    "e871b247379522395689182736cb3d1e7b108d6ae934b802223975de8dc3f80b"
#define GC                                                                                   \
    "0001000120a897b53575b4dd35fed4466e4e714bfa949eaa72e616a9c68a47b39cb7a60d2e000000000000" \
    "0000209769e302a99c457350a8e636009b12a2fee068664004606d6318eb3a1977d818205e57c9364dc71f" \
    "0f71b19ffe561ab77257c490708a47e29f8f73f2b318201d2f00"
#define JOINER    "4fb996ba26b29a70f3ce6c310151ce8701cb812d027f4d4bbf5cc4e9f884638d"
#define WELCOME   "ddcd9ced2d264798f876cbd00a200cdc4d77311dfef96975257efb66b0ef2c4d"
#define NEXT_INIT "505be2ce2ff922aa11e0a03d76346dda2981f1d9edf5cf98ecfc8757f69b00c9"
#define AUTH      "7375d449cde2c5a856c13c8eb52c16bf9ef29eceef59b09d1f946bd1bac24643"
#define EXPORTER  "5a097e149f2a375d0b9e1d1f4dc3a9c6c1788df888e5441f41a8791f4dc56cea"

struct fixture {
    const struct sr_suite *suite;
    struct sr_buf init, commit, psk, gc, want;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    f.suite = sr_suite_get(1);
    sr_test_hex(INIT, &f.init);
    sr_test_hex(COMMIT, &f.commit);
    sr_test_hex(PSK, &f.psk);
    sr_test_hex(GC, &f.gc);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sr_buf_cleanup(&f->init);
    sr_buf_cleanup(&f->commit);
    sr_buf_cleanup(&f->psk);
    sr_buf_cleanup(&f->gc);
    sr_buf_cleanup(&f->want);
    return 0;
}

static void expect_secret(struct fixture *f, const char *hex, const struct sr_secret *s)
{
    sr_test_hex(hex, &f->want);
    assert_int_equal(s->len, f->want.len);
    assert_memory_equal(s->p, f->want.p, s->len);
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

static void known_epoch(void **state)
{
    struct fixture *f = *state;
    struct sr_mls_epoch_secrets s = { 0 };
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_buf_slice(&f->commit), sr_buf_slice(&f->psk),
                                                 sr_buf_slice(&f->gc), &s),
                     SR_OK);
    expect_secret(f, JOINER, &s.joiner);
    expect_secret(f, WELCOME, &s.welcome);
    expect_secret(f, NEXT_INIT, &s.init);
    expect_secret(f, AUTH, &s.epoch_authenticator);
    expect_secret(f, EXPORTER, &s.exporter);
    sr_mls_epoch_secrets_cleanup(&s);
    assert_true(all_zero(&s, sizeof(s)));
}

/* A joiner who learns joiner_secret from GroupSecrets ends in the same epoch. */
static void join_matches_members(void **state)
{
    struct fixture *f = *state;
    struct sr_mls_epoch_secrets m = { 0 }, j = { 0 };
    struct sr_secret welcome = { 0 };
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_buf_slice(&f->commit), sr_buf_slice(&f->psk),
                                                 sr_buf_slice(&f->gc), &m),
                     SR_OK);
    assert_int_equal(sr_mls_key_schedule_welcome_secret(f->suite, sr_secret_slice(&m.joiner),
                                                        sr_buf_slice(&f->psk), &welcome),
                     SR_OK);
    expect_secret(f, WELCOME, &welcome);
    assert_int_equal(sr_mls_key_schedule_join(f->suite, sr_secret_slice(&m.joiner),
                                              sr_buf_slice(&f->psk), sr_buf_slice(&f->gc), &j),
                     SR_OK);
    assert_memory_equal(&m, &j, sizeof(m));
    sr_secret_cleanup(&welcome);
    sr_mls_epoch_secrets_cleanup(&m);
    sr_mls_epoch_secrets_cleanup(&j);
}

/* Empty commit/psk inputs mean the all-zero vector (§8). */
static void empty_means_zero(void **state)
{
    struct fixture *f = *state;
    uint8_t zeros[32] = { 0 };
    struct sr_mls_epoch_secrets a = { 0 }, b = { 0 };
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_slice_of(NULL, 0), sr_slice_of(NULL, 0),
                                                 sr_buf_slice(&f->gc), &a),
                     SR_OK);
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_slice_of(zeros, 32), sr_slice_of(zeros, 32),
                                                 sr_buf_slice(&f->gc), &b),
                     SR_OK);
    assert_memory_equal(&a, &b, sizeof(a));
    sr_mls_epoch_secrets_cleanup(&a);
    sr_mls_epoch_secrets_cleanup(&b);
}

/* The next epoch may be derived from out->init in place: out is written last. */
static void chaining_in_place(void **state)
{
    struct fixture *f = *state;
    struct sr_mls_epoch_secrets s = { 0 }, ref = { 0 };
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_buf_slice(&f->commit), sr_buf_slice(&f->psk),
                                                 sr_buf_slice(&f->gc), &s),
                     SR_OK);
    struct sr_secret next = s.init;
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_secret_slice(&next),
                                                 sr_buf_slice(&f->commit), sr_slice_of(NULL, 0),
                                                 sr_buf_slice(&f->gc), &ref),
                     SR_OK);
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_secret_slice(&s.init),
                                                 sr_buf_slice(&f->commit), sr_slice_of(NULL, 0),
                                                 sr_buf_slice(&f->gc), &s),
                     SR_OK);
    assert_memory_equal(&s, &ref, sizeof(s));
    sr_secret_cleanup(&next);
    sr_mls_epoch_secrets_cleanup(&s);
    sr_mls_epoch_secrets_cleanup(&ref);
}

static void bad_lengths(void **state)
{
    struct fixture *f = *state;
    struct sr_mls_epoch_secrets s;
    struct sr_secret w;
    memset(&s, 0xaa, sizeof(s));
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_slice_of(f->init.p, 31),
                                                 sr_buf_slice(&f->commit), sr_buf_slice(&f->psk),
                                                 sr_buf_slice(&f->gc), &s),
                     SR_ERR_ARG);
    assert_true(all_zero(&s, sizeof(s)));
    memset(&s, 0xaa, sizeof(s));
    assert_int_equal(sr_mls_key_schedule_advance(f->suite, sr_buf_slice(&f->init),
                                                 sr_slice_of(f->commit.p, 16),
                                                 sr_buf_slice(&f->psk), sr_buf_slice(&f->gc), &s),
                     SR_ERR_ARG);
    assert_true(all_zero(&s, sizeof(s)));
    assert_int_equal(sr_mls_key_schedule_join(f->suite, sr_buf_slice(&f->init),
                                              sr_slice_of(f->psk.p, 1), sr_buf_slice(&f->gc), &s),
                     SR_ERR_ARG);
    assert_true(all_zero(&s, sizeof(s)));
    memset(&w, 0xaa, sizeof(w));
    assert_int_equal(sr_mls_key_schedule_welcome_secret(f->suite, sr_slice_of(NULL, 0),
                                                        sr_slice_of(NULL, 0), &w),
                     SR_ERR_ARG);
    assert_true(all_zero(&w, sizeof(w)));
}

static void psk_edges(void **state)
{
    struct fixture *f = *state;
    struct sr_secret out = { 0 };
    /* no PSKs: psk_secret_[0], the zero vector */
    assert_int_equal(sr_mls_psk_secret(f->suite, NULL, 0, &out), SR_OK);
    assert_int_equal(out.len, 32);
    assert_true(all_zero(out.p, out.len));
    /* PSKLabel counts in uint16: 65536 PSKs are refused before any work */
    struct sr_mls_psk_input *many = sr_calloc(65536, sizeof(*many));
    assert_non_null(many);
    assert_int_equal(sr_mls_psk_secret(f->suite, many, 65536, &out), SR_ERR_LIMIT);
    assert_true(all_zero(&out, sizeof(out)));
    sr_free(many);
    /* order matters: the chain is not symmetric */
    struct sr_buf id0 = { 0 }, id1 = { 0 };
    struct sr_secret ab = { 0 }, ba = { 0 };
    struct sr_mls_psk_id ext = { .type = SR_MLS_PSK_EXTERNAL,
                                 .psk_id = sr_slice_of("a", 1),
                                 .psk_nonce = sr_buf_slice(&f->init) };
    struct sr_mls_psk_id res = { .type = SR_MLS_PSK_RESUMPTION,
                                 .usage = SR_MLS_RESUMPTION_APPLICATION,
                                 .psk_group_id = sr_slice_of("g", 1),
                                 .psk_epoch = 7,
                                 .psk_nonce = sr_buf_slice(&f->init) };
    assert_int_equal(sr_mls_psk_id_encode(&ext, &id0), SR_OK);
    assert_int_equal(sr_mls_psk_id_encode(&res, &id1), SR_OK);
    assert_int_equal(id1.len, 1 + 1 + 2 + 8 + 33);
    struct sr_mls_psk_input in[2] = { { sr_buf_slice(&id0), sr_buf_slice(&f->commit) },
                                      { sr_buf_slice(&id1), sr_buf_slice(&f->psk) } };
    struct sr_mls_psk_input rev[2] = { in[1], in[0] };
    assert_int_equal(sr_mls_psk_secret(f->suite, in, 2, &ab), SR_OK);
    assert_int_equal(sr_mls_psk_secret(f->suite, rev, 2, &ba), SR_OK);
    assert_memory_not_equal(ab.p, ba.p, 32);
    sr_secret_cleanup(&ab);
    sr_secret_cleanup(&ba);
    sr_buf_cleanup(&id0);
    sr_buf_cleanup(&id1);
}

struct psk_op {
    const struct sr_suite *suite;
    struct sr_mls_psk_input in[3];
    struct sr_secret out;
};

static sr_err psk_run(void *arg)
{
    struct psk_op *op = arg;
    return sr_mls_psk_secret(op->suite, op->in, 3, &op->out);
}

static void psk_alloc_failures(void **state)
{
    struct fixture *f = *state;
    struct psk_op op = { f->suite,
                         { { sr_buf_slice(&f->gc), sr_buf_slice(&f->psk) },
                           { sr_buf_slice(&f->init), sr_buf_slice(&f->commit) },
                           { sr_buf_slice(&f->gc), sr_buf_slice(&f->init) } },
                         { { 0 }, 0 } };
    assert_true(sr_test_each_alloc_failure(psk_run, NULL, &op) > 0);
    assert_int_equal(op.out.len, 32);
    sr_secret_cleanup(&op.out);
}

static void exporter_bounds(void **state)
{
    struct fixture *f = *state;
    struct sr_buf ctx = { 0 };
    uint8_t out[32], big[255 * 32 + 1];
    static const char label[] = "9ba13d54ecdec7cbefcb47b4268d7b1990fabc6d6e67681e167959389d84e4e4";
    sr_test_hex("884f1af892ab002f5be4c5d5081ade9e0e6418c6ea7a9a92e90534f19dcef785", &ctx);
    sr_test_hex(EXPORTER, &f->want);
    struct sr_slice secret = sr_buf_slice(&f->want);
    assert_int_equal(sr_mls_exporter(f->suite, secret, sr_slice_of(label, sizeof(label) - 1),
                                     sr_buf_slice(&ctx), out, sizeof(out)),
                     SR_OK);
    sr_test_hex("dbce4e25e59ab4dfa6f6200f113ed08393cf6e7286d024811141c6a4dd11c0cb", &ctx);
    assert_memory_equal(out, ctx.p, 32);
    assert_int_equal(
            sr_mls_exporter(f->suite, secret, sr_slice_of("x", 1), sr_slice_of(NULL, 0), out, 0),
            SR_ERR_ARG);
    assert_int_equal(sr_mls_exporter(f->suite, secret, sr_slice_of("x", 1), sr_slice_of(NULL, 0),
                                     big, sizeof(big)),
                     SR_ERR_ARG);
    assert_int_equal(sr_mls_exporter(f->suite, secret, sr_slice_of("x", 1), sr_slice_of(NULL, 0),
                                     big, sizeof(big) - 1),
                     SR_OK);
    sr_buf_cleanup(&ctx);
}

/* §6.3.2: only the first KDF.Nh bytes of the ciphertext are sampled; shorter ones whole. */
static void sender_data_sample(void **state)
{
    struct fixture *f = *state;
    uint8_t ct[40];
    struct sr_secret k1 = { 0 }, n1 = { 0 }, k2 = { 0 }, n2 = { 0 };
    for (size_t i = 0; i < sizeof(ct); i++) {
        ct[i] = (uint8_t)i;
    }
    struct sr_slice secret = sr_buf_slice(&f->psk);
    assert_int_equal(sr_mls_sender_data_key_nonce(f->suite, secret, sr_slice_of(ct, 40), &k1, &n1),
                     SR_OK);
    assert_int_equal(sr_mls_sender_data_key_nonce(f->suite, secret, sr_slice_of(ct, 32), &k2, &n2),
                     SR_OK);
    assert_int_equal(k1.len, 16);
    assert_int_equal(n1.len, 12);
    assert_memory_equal(&k1, &k2, sizeof(k1));
    assert_memory_equal(&n1, &n2, sizeof(n1));
    assert_int_equal(sr_mls_sender_data_key_nonce(f->suite, secret, sr_slice_of(ct, 5), &k2, &n2),
                     SR_OK);
    assert_memory_not_equal(k1.p, k2.p, 16);
    assert_int_equal(sr_mls_welcome_key_nonce(f->suite, secret, &k2, &n2), SR_OK);
    assert_int_equal(k2.len, 16);
    assert_int_equal(n2.len, 12);
    sr_secret_cleanup(&k1);
    sr_secret_cleanup(&n1);
    sr_secret_cleanup(&k2);
    sr_secret_cleanup(&n2);
}

/* §8.3: the joiner's exported init_secret is what members recover from kem_output. */
static void external_init_round_trip(void **state)
{
    struct fixture *f = *state;
    for (uint16_t id = 1; id <= 7; id++) {
        const struct sr_suite *suite = sr_suite_get(id);
        struct sr_secret sk = { 0 }, sent = { 0 }, got = { 0 };
        uint8_t pk[SR_KEM_PK_MAX], kem_output[SR_KEM_PK_MAX];
        uint8_t external[64] = { 0 };
        external[0] = (uint8_t)id;
        struct sr_slice ext = sr_slice_of(external, suite->hash->len);
        assert_int_equal(sr_mls_external_key_pair(suite, ext, &sk, pk), SR_OK);
        assert_int_equal(sr_mls_external_init_send(suite, sr_slice_of(pk, suite->kem->pk_len),
                                                   sr_slice_of(NULL, 0), kem_output, &sent),
                         SR_OK);
        assert_int_equal(sr_mls_external_init_receive(suite, sr_secret_slice(&sk),
                                                      sr_slice_of(kem_output, suite->kem->enc_len),
                                                      &got),
                         SR_OK);
        assert_int_equal(sent.len, suite->hash->len);
        assert_memory_equal(&sent, &got, sizeof(sent));
        /* a truncated kem_output is refused and leaves the output wiped */
        assert_int_not_equal(sr_mls_external_init_receive(suite, sr_secret_slice(&sk),
                                                          sr_slice_of(kem_output, 3), &got),
                             SR_OK);
        struct sr_secret zero = { 0 };
        assert_memory_equal(&got, &zero, sizeof(got));
        sr_secret_cleanup(&sk);
        sr_secret_cleanup(&sent);
    }
    (void)f;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_epoch),        cmocka_unit_test(join_matches_members),
        cmocka_unit_test(empty_means_zero),   cmocka_unit_test(chaining_in_place),
        cmocka_unit_test(bad_lengths),        cmocka_unit_test(psk_edges),
        cmocka_unit_test(psk_alloc_failures), cmocka_unit_test(exporter_bounds),
        cmocka_unit_test(sender_data_sample), cmocka_unit_test(external_init_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
