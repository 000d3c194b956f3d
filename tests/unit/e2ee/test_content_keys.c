/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Meeting content keys and sealed messages: exporter labels, agreement between members,
 * separation by type, epoch and sender, the grace window, every tag byte and header field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <sealroom/e2ee.h>

#include "crypto/suite.h"
#include "mls/schedule_keys.h"
#include "testutil.h"

#define SUITE 1

static const uint8_t secret_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t secret_b[32] = { 9, 9, 9 };

static struct sr_e2ee_keyring *ring(uint64_t epoch, const uint8_t *secret)
{
    struct sr_e2ee_keyring *kr;
    assert_int_equal(sr_e2ee_keyring_new(&kr), SR_OK);
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(kr, epoch, SUITE, sr_slice_of(secret, 32)),
                     SR_OK);
    return kr;
}

static void keys_match_exporter_and_members(void **state)
{
    (void)state;
    static const char *labels[4] = { "Sealroom chat key", "Sealroom file transfer key",
                                     "Sealroom whiteboard key", "Sealroom annotation key" };
    struct sr_e2ee_keyring *alice = ring(5, secret_a), *bob = ring(5, secret_a);
    uint8_t keys[4][32];
    for (int t = 0; t < 4; t++) {
        uint8_t want[32], other[32];
        assert_int_equal(sr_mls_exporter(sr_suite_get(SUITE), sr_slice_of(secret_a, 32),
                                         sr_slice_of(labels[t], strlen(labels[t])),
                                         sr_slice_of(NULL, 0), want, 32),
                         SR_OK);
        assert_int_equal(sr_e2ee_keyring_export_key(alice, 5, t + 1, keys[t]), SR_OK);
        assert_int_equal(sr_e2ee_keyring_export_key(bob, 5, t + 1, other), SR_OK);
        assert_memory_equal(keys[t], want, 32);
        assert_memory_equal(keys[t], other, 32);
        for (int u = 0; u < t; u++) {
            assert_memory_not_equal(keys[t], keys[u], 32);
        }
    }
    /* A new epoch gives new keys for every type. */
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(alice, 6, SUITE, sr_slice_of(secret_b, 32)),
                     SR_OK);
    for (int t = 0; t < 4; t++) {
        uint8_t k6[32];
        assert_int_equal(sr_e2ee_keyring_export_key(alice, 6, t + 1, k6), SR_OK);
        assert_memory_not_equal(k6, keys[t], 32);
    }
    uint8_t k[32];
    assert_int_equal(sr_e2ee_keyring_export_key(alice, 4, 1, k), SR_ERR_EPOCH);
    assert_int_equal(sr_e2ee_keyring_export_key(alice, 5, 0, k), SR_ERR_ARG);
    assert_int_equal(sr_e2ee_keyring_export_key(alice, 5, 5, k), SR_ERR_ARG);
    sr_e2ee_keyring_free(alice);
    sr_e2ee_keyring_free(bob);
}

static sr_err failing_exporter(void *arg, struct sr_slice label, struct sr_slice context,
                               uint8_t *out, size_t len)
{
    (void)label;
    (void)context;
    int *calls = arg;
    memset(out, 0xaa, len);
    return ++*calls == 3 ? SR_ERR_CRYPTO : SR_OK;
}

static void epoch_rules(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *kr;
    assert_int_equal(sr_e2ee_keyring_new(&kr), SR_OK);
    uint64_t epoch;
    assert_int_equal(sr_e2ee_keyring_epoch(kr, &epoch), SR_ERR_STATE);
    uint8_t msg[64];
    size_t n;
    assert_int_equal(sr_e2ee_message_seal(kr, SR_E2EE_CONTENT_CHAT, 1, 1, sr_slice_of("x", 1), msg,
                                          sizeof(msg), &n),
                     SR_ERR_STATE);
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(kr, 3, SUITE, sr_slice_of(secret_a, 32)),
                     SR_OK);
    /* Epochs only move forward; a failing exporter changes nothing. */
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(kr, 3, SUITE, sr_slice_of(secret_b, 32)),
                     SR_ERR_EPOCH);
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(kr, 9, 99, sr_slice_of(secret_b, 32)),
                     SR_ERR_UNSUPPORTED);
    int calls = 0;
    assert_int_equal(sr_e2ee_keyring_add_epoch(kr, 4, failing_exporter, &calls), SR_ERR_CRYPTO);
    assert_int_equal(sr_e2ee_keyring_epoch(kr, &epoch), SR_OK);
    assert_int_equal(epoch, 3);
    struct sr_e2ee_keyring *ref = ring(3, secret_a);
    uint8_t a[32], b[32];
    assert_int_equal(sr_e2ee_keyring_export_key(kr, 3, SR_E2EE_CONTENT_CHAT, a), SR_OK);
    assert_int_equal(sr_e2ee_keyring_export_key(ref, 3, SR_E2EE_CONTENT_CHAT, b), SR_OK);
    assert_memory_equal(a, b, 32);
    sr_e2ee_keyring_free(ref);
    sr_e2ee_keyring_free(kr);
}

static void round_trip_and_grace(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *alice = ring(7, secret_a), *bob = ring(7, secret_a);
    const char text[] = "hello, meeting";
    uint8_t msg[128], msg2[128], pt[128];
    size_t n, n2, pn;
    assert_int_equal(sr_e2ee_message_seal(alice, SR_E2EE_CONTENT_CHAT, 3, 42,
                                          sr_slice_of(text, sizeof(text)), msg, sizeof(msg), &n),
                     SR_OK);
    assert_int_equal(n, sizeof(text) + SR_E2EE_MESSAGE_OVERHEAD);
    /* Random nonces: the same message sealed twice differs. */
    assert_int_equal(sr_e2ee_message_seal(alice, SR_E2EE_CONTENT_CHAT, 3, 42,
                                          sr_slice_of(text, sizeof(text)), msg2, sizeof(msg2), &n2),
                     SR_OK);
    assert_memory_not_equal(msg, msg2, n);
    struct sr_e2ee_message_info info;
    assert_int_equal(sr_e2ee_message_open(bob, SR_E2EE_CONTENT_CHAT, sr_slice_of(msg, n), &info, pt,
                                          sizeof(pt), &pn),
                     SR_OK);
    assert_int_equal(pn, sizeof(text));
    assert_memory_equal(pt, text, sizeof(text));
    assert_int_equal(info.epoch, 7);
    assert_int_equal(info.sender, 3);
    assert_int_equal(info.message_id, 42);
    /* After a commit the old epoch's message still opens, until the grace window ends. */
    assert_int_equal(sr_e2ee_keyring_add_epoch_secret(bob, 8, SUITE, sr_slice_of(secret_b, 32)),
                     SR_OK);
    assert_int_equal(sr_e2ee_message_open(bob, SR_E2EE_CONTENT_CHAT, sr_slice_of(msg, n), &info, pt,
                                          sizeof(pt), &pn),
                     SR_OK);
    sr_e2ee_keyring_end_grace(bob);
    assert_int_equal(sr_e2ee_message_open(bob, SR_E2EE_CONTENT_CHAT, sr_slice_of(msg, n), &info, pt,
                                          sizeof(pt), &pn),
                     SR_ERR_EPOCH);
    /* Too small an output buffer. */
    assert_int_equal(sr_e2ee_message_seal(alice, SR_E2EE_CONTENT_CHAT, 3, 1,
                                          sr_slice_of(text, sizeof(text)), msg, n - 1, &n2),
                     SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sr_e2ee_message_seal(alice, SR_E2EE_CONTENT_FILE, 3, 1, sr_slice_of(text, 1),
                                          msg, sizeof(msg), &n2),
                     SR_ERR_ARG);
    sr_e2ee_keyring_free(alice);
    sr_e2ee_keyring_free(bob);
}

static sr_err open_as(struct sr_e2ee_keyring *kr, enum sr_e2ee_content type, const uint8_t *msg,
                      size_t n)
{
    uint8_t pt[256];
    size_t pn;
    struct sr_e2ee_message_info info;
    return sr_e2ee_message_open(kr, type, sr_slice_of(msg, n), &info, pt, sizeof(pt), &pn);
}

static void separation(void **state)
{
    (void)state;
    struct sr_e2ee_keyring *alice = ring(7, secret_a), *bob = ring(7, secret_a);
    struct sr_e2ee_keyring *other = ring(7, secret_b), *later = ring(8, secret_a);
    uint8_t msg[128], copy[128];
    size_t n;
    assert_int_equal(sr_e2ee_message_seal(alice, SR_E2EE_CONTENT_WHITEBOARD, 3, 9,
                                          sr_slice_of("stroke", 6), msg, sizeof(msg), &n),
                     SR_OK);
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_WHITEBOARD, msg, n), SR_OK);
    /* Another type: refused by header, and by the tag if the header is rewritten. */
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_CHAT, msg, n), SR_ERR_INVALID);
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_ANNOTATION, msg, n), SR_ERR_INVALID);
    memcpy(copy, msg, n);
    copy[1] = SR_E2EE_CONTENT_CHAT;
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_CHAT, copy, n), SR_ERR_AUTH);
    /* Another sender, message id, epoch, or group. */
    memcpy(copy, msg, n);
    copy[13] ^= 1;
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_WHITEBOARD, copy, n), SR_ERR_AUTH);
    memcpy(copy, msg, n);
    copy[21] ^= 1;
    assert_int_equal(open_as(bob, SR_E2EE_CONTENT_WHITEBOARD, copy, n), SR_ERR_AUTH);
    assert_int_equal(open_as(later, SR_E2EE_CONTENT_WHITEBOARD, msg, n), SR_ERR_EPOCH);
    memcpy(copy, msg, n);
    copy[9] = 8;
    assert_int_equal(open_as(later, SR_E2EE_CONTENT_WHITEBOARD, copy, n), SR_ERR_AUTH);
    assert_int_equal(open_as(other, SR_E2EE_CONTENT_WHITEBOARD, msg, n), SR_ERR_AUTH);
    /* Every single-byte change fails, and the tag bytes fail as AUTH. */
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, msg, n);
        copy[i] ^= 0x80;
        sr_err err = open_as(bob, SR_E2EE_CONTENT_WHITEBOARD, copy, n);
        assert_int_not_equal(err, SR_OK);
        if (i >= n - 16) {
            assert_int_equal(err, SR_ERR_AUTH);
        }
    }
    for (size_t len = 0; len < n; len++) {
        assert_int_not_equal(open_as(bob, SR_E2EE_CONTENT_WHITEBOARD, msg, len), SR_OK);
    }
    sr_e2ee_keyring_free(alice);
    sr_e2ee_keyring_free(bob);
    sr_e2ee_keyring_free(other);
    sr_e2ee_keyring_free(later);
}

static void same_nonce_other_sender_fails(void **state)
{
    (void)state;
    /* Rewriting the sender field keeps the nonce and ciphertext; the sender key differs. */
    struct sr_e2ee_keyring *kr = ring(1, secret_a);
    uint8_t msg[128];
    size_t n;
    assert_int_equal(sr_e2ee_message_seal(kr, SR_E2EE_CONTENT_ANNOTATION, 1, 1,
                                          sr_slice_of("note", 4), msg, sizeof(msg), &n),
                     SR_OK);
    msg[13] = 2;
    assert_int_equal(open_as(kr, SR_E2EE_CONTENT_ANNOTATION, msg, n), SR_ERR_AUTH);
    sr_e2ee_keyring_free(kr);
}

struct alloc_arg {
    struct sr_e2ee_keyring *kr;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_arg *a = arg;
    sr_err err = sr_e2ee_keyring_new(&a->kr);
    if (err == SR_OK) {
        err = sr_e2ee_keyring_add_epoch_secret(a->kr, 1, SUITE, sr_slice_of(secret_a, 32));
    }
    return err;
}

static void alloc_reset(void *arg)
{
    struct alloc_arg *a = arg;
    sr_e2ee_keyring_free(a->kr);
    a->kr = NULL;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct alloc_arg a = { NULL };
    assert_true(sr_test_each_alloc_failure(alloc_op, alloc_reset, &a) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_match_exporter_and_members),
        cmocka_unit_test(epoch_rules),
        cmocka_unit_test(round_trip_and_grace),
        cmocka_unit_test(separation),
        cmocka_unit_test(same_nonce_other_sender_fails),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
