/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message protection (RFC 9420 §6): round trips, and every rejection the RFC asks for, each
 * followed by a check that the rejection changed nothing (the genuine message still opens).
 * Group: suite 1, four leaves, leaf 2 blank; leaf 1 sends, leaf 0 receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "crypto/aead.h"
#include "crypto/sig.h"
#include "mls/protect.h"
#include "mls/schedule_keys.h"
#include "mls/wire_group_context.h"
#include "mls/wire_message.h"
#include "testutil.h"

#define N_LEAVES 4

struct fx {
    const struct sr_suite *suite;
    uint8_t enc[32], sds[32], mkey[32];
    struct sr_secret priv[N_LEAVES];
    struct sr_buf pub[N_LEAVES];
    struct sr_buf gc;
    struct sr_mls_secret_tree *trees[8];
    struct sr_mls_protect_ctx *ctxs[8];
    size_t n;
};

static struct fx F;

static sr_err lookup(void *arg, const struct sr_mls_sender *s,
                     const struct sr_mls_framed_content *c, struct sr_slice *pub)
{
    (void)arg;
    (void)c;
    if (s->type != SR_MLS_SENDER_MEMBER || s->index >= N_LEAVES || s->index == 2) {
        return SR_ERR_NOT_FOUND; /* leaf 2 is blank */
    }
    *pub = sr_buf_slice(&F.pub[s->index]);
    return SR_OK;
}

static void group_context(struct sr_buf *out, const char *group_id, uint64_t epoch)
{
    static const uint8_t hash[32] = { 1 };
    struct sr_mls_group_context gc = { SR_MLS_VERSION_10,
                                       1,
                                       sr_slice_of(group_id, strlen(group_id)),
                                       epoch,
                                       sr_slice_of(hash, 32),
                                       sr_slice_of(hash, 32),
                                       sr_slice_of(NULL, 0) };
    sr_buf_reset(out);
    assert_int_equal(sr_mls_group_context_encode(&gc, out), SR_OK);
}

/* A context for leaf `own`; released at teardown. */
static struct sr_mls_protect_ctx *ctx_for(uint32_t own, const struct sr_buf *gc, uint32_t n_leaves,
                                          uint32_t max_forward, size_t padding)
{
    struct sr_mls_secret_tree_limits lim = { 16, max_forward };
    struct sr_mls_secret_tree *t = NULL;
    assert_int_equal(sr_mls_secret_tree_new(F.suite, sr_slice_of(F.enc, 32), n_leaves, &lim, &t),
                     SR_OK);
    struct sr_mls_protect_params p = { F.suite,
                                       sr_buf_slice(gc),
                                       sr_slice_of(F.mkey, 32),
                                       sr_slice_of(F.sds, 32),
                                       t,
                                       n_leaves,
                                       own,
                                       sr_secret_slice(&F.priv[own]),
                                       lookup,
                                       NULL,
                                       padding };
    struct sr_mls_protect_ctx *ctx = NULL;
    assert_int_equal(sr_mls_protect_ctx_new(&p, &ctx), SR_OK);
    assert_true(F.n < 8);
    F.trees[F.n] = t;
    F.ctxs[F.n++] = ctx;
    return ctx;
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof(F));
    F.suite = sr_suite_get(1);
    memset(F.enc, 0x11, 32);
    memset(F.sds, 0x22, 32);
    memset(F.mkey, 0x33, 32);
    for (int i = 0; i < N_LEAVES; i++) {
        sr_buf_init(&F.pub[i], 0, 0);
        assert_int_equal(sr_sig_generate(F.suite->sig, &F.priv[i], &F.pub[i]), SR_OK);
    }
    sr_buf_init(&F.gc, 0, 0);
    group_context(&F.gc, "group", 7);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < F.n; i++) {
        sr_mls_protect_ctx_free(F.ctxs[i]);
        sr_mls_secret_tree_free(F.trees[i]);
    }
    for (int i = 0; i < N_LEAVES; i++) {
        sr_buf_cleanup(&F.pub[i]);
        sr_secret_cleanup(&F.priv[i]);
    }
    sr_buf_cleanup(&F.gc);
    return 0;
}

/* Unprotect and, on success, check the application data. */
static sr_err open_app(struct sr_mls_protect_ctx *rx, const struct sr_buf *msg, const char *want)
{
    struct sr_mls_authenticated_content ac;
    struct sr_buf pt;
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = sr_mls_private_message_unprotect(rx, sr_buf_slice(msg), &pt, &ac);
    if (err == SR_OK) {
        assert_int_equal(ac.content.content_type, SR_MLS_CONTENT_APPLICATION);
        assert_int_equal(ac.content.sender.index, 1);
        assert_int_equal(ac.content.epoch, 7);
        assert_int_equal(ac.content.application_data.len, strlen(want));
        assert_memory_equal(ac.content.application_data.p, want, strlen(want));
    } else {
        assert_int_equal(pt.len, 0);
        assert_int_equal(ac.content.content_type, 0);
    }
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&pt);
    return err;
}

static void send_app(struct sr_mls_protect_ctx *tx, const char *text, struct sr_buf *out)
{
    sr_buf_init(out, 0, 0);
    assert_int_equal(sr_mls_application_protect(tx, sr_slice_of("ad", 2),
                                                sr_slice_of(text, strlen(text)), out),
                     SR_OK);
}

static void round_trip_and_padding(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 64);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_buf m1, m2;
    send_app(tx, "hello", &m1);
    send_app(tx, "world", &m2);
    /* out of order, then in order */
    assert_int_equal(open_app(rx, &m2, "world"), SR_OK);
    assert_int_equal(open_app(rx, &m1, "hello"), SR_OK);
    /* §9.2: a used generation is gone */
    assert_int_equal(open_app(rx, &m1, "hello"), SR_ERR_REPLAY);
    assert_int_equal(open_app(rx, &m2, "world"), SR_ERR_REPLAY);
    /* content 1 + 5, signature 1 + 64: padded to 128, plus the 16-byte tag */
    struct sr_mls_message m;
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&m1), &m), SR_OK);
    assert_int_equal(m.u.private_message.ciphertext.len, 128 + 16);
    sr_mls_message_cleanup(&m);
    sr_buf_cleanup(&m1);
    sr_buf_cleanup(&m2);
}

/* Flip every byte: each flip is rejected, and the genuine message opens afterwards. */
static void every_byte_flipped(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_buf msg;
    send_app(tx, "a message long enough to run past the sender-data sample", &msg);
    struct sr_mls_message m;
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&msg), &m), SR_OK);
    size_t esd_at = (size_t)(m.u.private_message.encrypted_sender_data.p - msg.p);
    size_t ct_at = (size_t)(m.u.private_message.ciphertext.p - msg.p);
    for (size_t i = 0; i < msg.len; i++) {
        msg.p[i] ^= 0x40;
        sr_err err = open_app(rx, &msg, "");
        assert_int_not_equal(err, SR_OK);
        if ((i >= esd_at && i < esd_at + 28) || i >= ct_at) {
            assert_int_equal(err, SR_ERR_AUTH); /* every AEAD byte: sender data or content */
        }
        msg.p[i] ^= 0x40;
    }
    for (size_t n = 0; n < msg.len; n++) {
        struct sr_buf cut;
        sr_buf_init_fixed(&cut, msg.p, n);
        cut.len = n;
        assert_int_equal(open_app(rx, &cut, ""), SR_ERR_DECODE);
    }
    assert_int_equal(open_app(rx, &msg, "a message long enough to run past the sender-data sample"),
                     SR_OK);
    sr_buf_cleanup(&msg);
}

/* Open a message we made, let `mutate` change its plaintext, and seal it again as a sender. */
static void reseal(struct sr_buf *msg, void (*mutate)(struct sr_buf *pt))
{
    const struct sr_aead_alg *alg = F.suite->aead;
    struct sr_mls_message m;
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(msg), &m), SR_OK);
    struct sr_mls_private_message *pm = &m.u.private_message;
    struct sr_secret k, n;
    struct sr_buf aad, pt, ct, esd, out;
    uint8_t sdp[12];
    size_t len = 0;
    sr_buf_init(&aad, 0, 0);
    sr_buf_init(&pt, 0, 0);
    sr_buf_init(&ct, 0, 0);
    sr_buf_init(&esd, 0, 0);
    sr_buf_init(&out, 0, 0);
    assert_int_equal(sr_mls_sender_data_aad_encode(pm->group_id, pm->epoch, pm->content_type, &aad),
                     SR_OK);
    assert_int_equal(
            sr_mls_sender_data_key_nonce(F.suite, sr_slice_of(F.sds, 32), pm->ciphertext, &k, &n),
            SR_OK);
    assert_int_equal(sr_aead_open_once(alg, sr_secret_slice(&k), n.p, sr_buf_slice(&aad),
                                       pm->encrypted_sender_data, sdp, 12, &len),
                     SR_OK);
    struct sr_mls_sender_data sd;
    assert_int_equal(sr_mls_sender_data_decode(sr_slice_of(sdp, 12), &sd), SR_OK);
    struct sr_mls_secret_tree *t = NULL;
    struct sr_mls_ratchet_key key;
    assert_int_equal(sr_mls_secret_tree_new(F.suite, sr_slice_of(F.enc, 32), N_LEAVES, NULL, &t),
                     SR_OK);
    assert_int_equal(sr_mls_secret_tree_get(t, sd.leaf_index, SR_MLS_RATCHET_APPLICATION,
                                            sd.generation, &key),
                     SR_OK);
    for (int i = 0; i < 4; i++) {
        key.nonce.p[i] ^= sd.reuse_guard[i];
    }
    sr_buf_reset(&aad);
    assert_int_equal(sr_mls_private_content_aad_encode(pm->group_id, pm->epoch, pm->content_type,
                                                       pm->authenticated_data, &aad),
                     SR_OK);
    assert_int_equal(sr_buf_reserve(&pt, pm->ciphertext.len), SR_OK);
    assert_int_equal(sr_aead_open_once(alg, sr_secret_slice(&key.key), key.nonce.p,
                                       sr_buf_slice(&aad), pm->ciphertext, pt.p, pt.cap, &pt.len),
                     SR_OK);
    mutate(&pt);
    assert_int_equal(sr_buf_reserve(&ct, pt.len + 16), SR_OK);
    assert_int_equal(sr_aead_seal_once(alg, sr_secret_slice(&key.key), key.nonce.p,
                                       sr_buf_slice(&aad), sr_buf_slice(&pt), ct.p, ct.cap,
                                       &ct.len),
                     SR_OK);
    assert_int_equal(sr_mls_sender_data_key_nonce(F.suite, sr_slice_of(F.sds, 32),
                                                  sr_buf_slice(&ct), &k, &n),
                     SR_OK);
    sr_buf_reset(&aad);
    assert_int_equal(sr_mls_sender_data_aad_encode(pm->group_id, pm->epoch, pm->content_type, &aad),
                     SR_OK);
    assert_int_equal(sr_buf_reserve(&esd, 28), SR_OK);
    assert_int_equal(sr_aead_seal_once(alg, sr_secret_slice(&k), n.p, sr_buf_slice(&aad),
                                       sr_slice_of(sdp, 12), esd.p, esd.cap, &esd.len),
                     SR_OK);
    pm->ciphertext = sr_buf_slice(&ct);
    pm->encrypted_sender_data = sr_buf_slice(&esd);
    assert_int_equal(sr_mls_message_encode(&m, &out), SR_OK);
    assert_int_equal(sr_buf_set(msg, out.p, out.len), SR_OK);
    sr_mls_ratchet_key_cleanup(&key);
    sr_mls_secret_tree_free(t);
    sr_secret_cleanup(&k);
    sr_secret_cleanup(&n);
    sr_buf_cleanup(&aad);
    sr_buf_cleanup(&pt);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&esd);
    sr_buf_cleanup(&out);
}

static void pad_nonzero(struct sr_buf *pt)
{
    assert_int_equal(sr_buf_append(pt, "\0\0\x01", 3), SR_OK);
}

static void pad_zero(struct sr_buf *pt)
{
    assert_int_equal(sr_buf_append(pt, "\0\0\0\0\0", 5), SR_OK);
}

static void flip_signature(struct sr_buf *pt)
{
    pt->p[pt->len - 1] ^= 1; /* unpadded: the signature's last byte */
}

/* Inner rejections (padding, signature) keep the key: the genuine message still opens. */
static void inner_rejections(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_buf msg, bad;
    send_app(tx, "genuine", &msg);
    sr_buf_init(&bad, 0, 0);
    assert_int_equal(sr_buf_set(&bad, msg.p, msg.len), SR_OK);
    reseal(&bad, pad_nonzero);
    assert_int_equal(open_app(rx, &bad, ""), SR_ERR_DECODE); /* §6.3.1 */
    assert_int_equal(sr_buf_set(&bad, msg.p, msg.len), SR_OK);
    reseal(&bad, flip_signature);
    assert_int_equal(open_app(rx, &bad, ""), SR_ERR_AUTH);
    assert_int_equal(open_app(rx, &bad, ""), SR_ERR_AUTH);
    assert_int_equal(open_app(rx, &msg, "genuine"), SR_OK);
    /* any all-zero padding is accepted */
    sr_buf_cleanup(&msg);
    send_app(tx, "padded", &msg);
    reseal(&msg, pad_zero);
    assert_int_equal(open_app(rx, &msg, "padded"), SR_OK);
    sr_buf_cleanup(&msg);
    sr_buf_cleanup(&bad);
}

static void generation_window(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 5, 0);
    struct sr_buf m[7];
    for (int i = 0; i < 7; i++) {
        send_app(tx, "x", &m[i]);
    }
    assert_int_equal(open_app(rx, &m[6], "x"), SR_ERR_LIMIT); /* 6 > 0 + 5 */
    assert_int_equal(open_app(rx, &m[0], "x"), SR_OK);
    assert_int_equal(open_app(rx, &m[6], "x"), SR_OK); /* 6 <= 1 + 5 */
    assert_int_equal(open_app(rx, &m[0], "x"), SR_ERR_REPLAY);
    for (int i = 0; i < 7; i++) {
        sr_buf_cleanup(&m[i]);
    }
}

static void wrong_group_epoch_and_sender(void **state)
{
    (void)state;
    struct sr_buf other, msg;
    sr_buf_init(&other, 0, 0);
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    send_app(tx, "m", &msg);
    group_context(&other, "other", 7);
    assert_int_equal(open_app(ctx_for(0, &other, N_LEAVES, 16, 0), &msg, "m"), SR_ERR_WRONG_GROUP);
    group_context(&other, "group", 8);
    assert_int_equal(open_app(ctx_for(0, &other, N_LEAVES, 16, 0), &msg, "m"), SR_ERR_EPOCH);
    assert_int_equal(open_app(rx, &msg, "m"), SR_OK);
    sr_buf_cleanup(&msg);
    /* §6.3.2: a blank leaf, and a leaf past the tree, are refused before any key is used */
    send_app(ctx_for(2, &F.gc, N_LEAVES, 16, 0), "m", &msg);
    assert_int_equal(open_app(rx, &msg, "m"), SR_ERR_INVALID);
    sr_buf_cleanup(&msg);
    sr_buf_cleanup(&other);
}

/* Public proposal: membership tag and signature flips, non-members, application content. */
static void public_messages(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_framed_content fc = { 0 };
    fc.group_id = sr_slice_of("group", 5);
    fc.epoch = 7;
    fc.sender = (struct sr_mls_sender){ SR_MLS_SENDER_MEMBER, 1 };
    fc.content_type = SR_MLS_CONTENT_PROPOSAL;
    fc.proposal.type = SR_MLS_PROPOSAL_REMOVE;
    fc.proposal.u.remove = 3;
    struct sr_buf sig, msg;
    sr_buf_init(&sig, 0, 0);
    sr_buf_init(&msg, 0, 0);
    assert_int_equal(sr_mls_content_sign(tx, SR_MLS_WIRE_PUBLIC_MESSAGE, &fc, &sig), SR_OK);
    struct sr_mls_auth_data auth = { sr_buf_slice(&sig), { NULL, 0 } };
    assert_int_equal(sr_mls_public_message_protect(tx, &fc, &auth, &msg), SR_OK);
    struct sr_mls_authenticated_content ac;
    assert_int_equal(sr_mls_public_message_unprotect(rx, sr_buf_slice(&msg), &ac), SR_OK);
    assert_int_equal(ac.content.proposal.u.remove, 3);
    sr_mls_authenticated_content_cleanup(&ac);
    /* the membership tag is the last 32 bytes, the signature the 64 before its length byte */
    for (size_t i = msg.len - 32 - 1 - 64; i < msg.len; i++) {
        msg.p[i] ^= 0x01;
        sr_err err = sr_mls_public_message_unprotect(rx, sr_buf_slice(&msg), &ac);
        assert_int_equal(err, i == msg.len - 33 ? SR_ERR_DECODE : SR_ERR_AUTH);
        msg.p[i] ^= 0x01;
    }
    for (size_t n = 0; n < msg.len; n++) {
        assert_int_equal(sr_mls_public_message_unprotect(rx, sr_slice_of(msg.p, n), &ac),
                         SR_ERR_DECODE);
    }
    /* a wrong signature under a valid membership tag: the signature check alone rejects it */
    for (size_t i = 0; i < sig.len; i += 7) {
        sig.p[i] ^= 0x80;
        sr_buf_reset(&msg);
        assert_int_equal(sr_mls_public_message_protect(tx, &fc, &auth, &msg), SR_OK);
        assert_int_equal(sr_mls_public_message_unprotect(rx, sr_buf_slice(&msg), &ac), SR_ERR_AUTH);
        sig.p[i] ^= 0x80;
    }
    /* §6.1: a blank leaf has no key */
    fc.sender.index = 2;
    sr_buf_reset(&msg);
    assert_int_equal(sr_mls_public_message_protect(tx, &fc, &auth, &msg), SR_OK);
    assert_int_equal(sr_mls_public_message_unprotect(rx, sr_buf_slice(&msg), &ac), SR_ERR_INVALID);
    fc.sender.index = 1;
    /* §6: application data is never a PublicMessage */
    fc.content_type = SR_MLS_CONTENT_APPLICATION;
    sr_buf_reset(&msg);
    assert_int_equal(sr_mls_public_message_protect(tx, &fc, &auth, &msg), SR_ERR_INVALID);
    assert_int_equal(msg.len, 0);
    /* §6.1, §17.4: an external sender may not send an ExternalInit */
    fc.content_type = SR_MLS_CONTENT_PROPOSAL;
    fc.sender = (struct sr_mls_sender){ SR_MLS_SENDER_EXTERNAL, 0 };
    fc.proposal.type = SR_MLS_PROPOSAL_EXTERNAL_INIT;
    fc.proposal.u.external_init = sr_slice_of("kem", 3);
    assert_int_equal(sr_mls_public_message_protect(tx, &fc, &auth, &msg), SR_OK);
    assert_int_equal(sr_mls_public_message_unprotect(rx, sr_buf_slice(&msg), &ac), SR_ERR_INVALID);
    sr_buf_cleanup(&sig);
    sr_buf_cleanup(&msg);
}

/* Every allocation failing in turn: SR_ERR_NOMEM, then the message still opens. */
static struct sr_buf alloc_msg;
static struct sr_mls_protect_ctx *alloc_rx;

static sr_err alloc_op(void *arg)
{
    (void)arg;
    struct sr_mls_authenticated_content ac;
    struct sr_buf pt;
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = sr_mls_private_message_unprotect(alloc_rx, sr_buf_slice(&alloc_msg), &pt, &ac);
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&pt);
    return err;
}

static void allocation_failures(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    alloc_rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    send_app(tx, "alloc", &alloc_msg);
    assert_true(sr_test_each_alloc_failure(alloc_op, NULL, NULL) > 0);
    assert_int_equal(alloc_op(NULL), SR_ERR_REPLAY);
    sr_buf_cleanup(&alloc_msg);
}

/* Misuse on the sending side, and a message given to the wrong unprotect. */
static void protect_errors(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_framed_content fc = { 0 };
    fc.group_id = sr_slice_of("group", 5);
    fc.epoch = 7;
    fc.sender = (struct sr_mls_sender){ SR_MLS_SENDER_MEMBER, 1 };
    fc.content_type = SR_MLS_CONTENT_COMMIT;
    uint8_t tag[32] = { 0 };
    struct sr_mls_auth_data auth = { sr_slice_of("s", 1), { NULL, 0 } };
    struct sr_buf out;
    struct sr_mls_authenticated_content ac;
    sr_buf_init(&out, 0, 0);
    /* a commit needs its confirmation tag; other content must not have one */
    assert_int_equal(sr_mls_private_message_protect(tx, &fc, &auth, &out), SR_ERR_ARG);
    fc.content_type = SR_MLS_CONTENT_PROPOSAL;
    auth.confirmation_tag = sr_slice_of(tag, 32);
    assert_int_equal(sr_mls_private_message_protect(tx, &fc, &auth, &out), SR_ERR_ARG);
    /* §6.3.2: only our own member leaf sends */
    fc.content_type = SR_MLS_CONTENT_APPLICATION;
    auth.confirmation_tag = sr_slice_of(NULL, 0);
    fc.sender.index = 0;
    assert_int_equal(sr_mls_private_message_protect(tx, &fc, &auth, &out), SR_ERR_ARG);
    fc.sender.index = 1;
    fc.epoch = 8;
    assert_int_equal(sr_mls_private_message_protect(tx, &fc, &auth, &out), SR_ERR_EPOCH);
    assert_int_equal(out.len, 0);
    /* a receive-only context cannot sign */
    struct sr_mls_protect_params p = { F.suite,
                                       sr_buf_slice(&F.gc),
                                       sr_slice_of(NULL, 0),
                                       sr_slice_of(NULL, 0),
                                       NULL,
                                       N_LEAVES,
                                       0,
                                       sr_slice_of(NULL, 0),
                                       NULL,
                                       NULL,
                                       0 };
    struct sr_mls_protect_ctx *ro = NULL;
    assert_int_equal(sr_mls_protect_ctx_new(&p, &ro), SR_OK);
    assert_int_equal(
            sr_mls_application_protect(ro, sr_slice_of(NULL, 0), sr_slice_of("x", 1), &out),
            SR_ERR_STATE);
    sr_mls_protect_ctx_free(ro);
    /* each unprotect takes only its own wire format */
    send_app(tx, "x", &out);
    assert_int_equal(sr_mls_public_message_unprotect(rx, sr_buf_slice(&out), &ac), SR_ERR_INVALID);
    assert_int_equal(open_app(rx, &out, "x"), SR_OK);
    sr_buf_cleanup(&out);
}

/* Every allocation of context creation and of a first protect failing in turn. */
static struct sr_mls_protect_ctx *alloc_ctx;
static struct sr_mls_secret_tree *alloc_tree;

static sr_err alloc_new(void *arg)
{
    (void)arg;
    struct sr_mls_protect_params p = { F.suite,
                                       sr_buf_slice(&F.gc),
                                       sr_slice_of(F.mkey, 32),
                                       sr_slice_of(F.sds, 32),
                                       alloc_tree,
                                       N_LEAVES,
                                       1,
                                       sr_secret_slice(&F.priv[1]),
                                       lookup,
                                       NULL,
                                       0 };
    sr_err err = sr_mls_protect_ctx_new(&p, &alloc_ctx);
    if (err != SR_OK) {
        assert_null(alloc_ctx);
    }
    return err;
}

static sr_err alloc_protect(void *arg)
{
    (void)arg;
    struct sr_buf out;
    sr_buf_init(&out, 0, 0);
    sr_err err =
            sr_mls_application_protect(alloc_ctx, sr_slice_of(NULL, 0), sr_slice_of("x", 1), &out);
    assert_true(err == SR_OK || out.len == 0);
    sr_buf_cleanup(&out);
    return err;
}

static void free_ctx(void *arg)
{
    (void)arg;
    sr_mls_protect_ctx_free(alloc_ctx);
    alloc_ctx = NULL;
}

static void allocation_failures_send(void **state)
{
    (void)state;
    assert_int_equal(
            sr_mls_secret_tree_new(F.suite, sr_slice_of(F.enc, 32), N_LEAVES, NULL, &alloc_tree),
            SR_OK);
    assert_true(sr_test_each_alloc_failure(alloc_new, free_ctx, NULL) > 0);
    assert_int_equal(alloc_new(NULL), SR_OK);
    assert_true(sr_test_each_alloc_failure(alloc_protect, NULL, NULL) > 0);
    free_ctx(NULL);
    sr_mls_secret_tree_free(alloc_tree);
}

/*
 * Keys of rejected messages go back into the secret tree's out-of-order window, which holds
 * max_skipped (16 here) keys per ratchet: a 17th rejection drops the oldest key, as the tree
 * drops its oldest skipped key; the other 16 genuine messages still open.
 */
#define WINDOW 16

static void restored_keys_bound(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_buf good[WINDOW + 1], bad;
    sr_buf_init(&bad, 0, 0);
    for (int i = 0; i < WINDOW + 1; i++) {
        send_app(tx, "s", &good[i]);
        assert_int_equal(sr_buf_set(&bad, good[i].p, good[i].len), SR_OK);
        reseal(&bad, flip_signature);
        assert_int_equal(open_app(rx, &bad, ""), SR_ERR_AUTH);
    }
    assert_int_equal(open_app(rx, &good[0], "s"), SR_ERR_REPLAY);
    for (int i = 1; i < WINDOW + 1; i++) {
        assert_int_equal(open_app(rx, &good[i], "s"), SR_OK);
    }
    for (int i = 0; i < WINDOW + 1; i++) {
        sr_buf_cleanup(&good[i]);
    }
    sr_buf_cleanup(&bad);
}

/* After the first message, neither side allocates through sr_malloc (STYLE.md §6). */
static void steady_state_allocates_nothing(void **state)
{
    (void)state;
    struct sr_mls_protect_ctx *tx = ctx_for(1, &F.gc, N_LEAVES, 16, 0);
    struct sr_mls_protect_ctx *rx = ctx_for(0, &F.gc, N_LEAVES, 16, 0);
    struct sr_buf msg, pt;
    struct sr_mls_authenticated_content ac;
    sr_buf_init(&msg, 0, 0);
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    for (int i = 0; i < 3; i++) {
        if (i == 2) {
            sr_alloc_fail_at(0); /* any allocation from here on fails */
        }
        msg.len = 0;
        sr_err e1 =
                sr_mls_application_protect(tx, sr_slice_of(NULL, 0), sr_slice_of("hot", 3), &msg);
        sr_err e2 = sr_mls_private_message_unprotect(rx, sr_buf_slice(&msg), &pt, &ac);
        bool failed = sr_alloc_failed();
        sr_alloc_fail_at(-1);
        assert_int_equal(e1, SR_OK);
        assert_int_equal(e2, SR_OK);
        assert_false(failed);
        sr_mls_authenticated_content_cleanup(&ac);
    }
    sr_buf_cleanup(&msg);
    sr_buf_cleanup(&pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_and_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(every_byte_flipped, setup, teardown),
        cmocka_unit_test_setup_teardown(inner_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(generation_window, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_group_epoch_and_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(public_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(protect_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures_send, setup, teardown),
        cmocka_unit_test_setup_teardown(steady_state_allocates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(restored_keys_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
