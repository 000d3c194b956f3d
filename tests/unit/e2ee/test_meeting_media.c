/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Media and content in a meeting: audio and video frames under SFrame and chat, whiteboard,
 * annotations and files under the content keys round-trip between participants, the sender
 * leaf read back from the KID; replayed and altered frames fail without changing state.
 * After a participant is removed it can produce nothing, and what it sent before the commit
 * opens only during the grace period. MLS suites 1 and 2.
 */
#include "core/alloc.h"
#include "meeting_world.h"

enum {
    ALICE,
    BOB,
    GUEST
};

#define AUDIO 100
#define VIDEO 1200

static void three(struct world *w, uint16_t suite, struct person *alice, struct person *bob)
{
    world_init(w, suite, false);
    enrol(w, alice, &w->internal_ca, "Alice", "alice@corp.example");
    enrol(w, bob, &w->partner_ca, "Bob", "bob@partner.example");
    world_create(w, ALICE, alice, NULL);
    admit(w, ALICE, BOB, bob, NULL);
    admit(w, BOB, GUEST, NULL, "guest:gina");
}

static void done(struct world *w, struct person *alice, struct person *bob)
{
    person_cleanup(alice);
    person_cleanup(bob);
    world_cleanup(w);
}

struct frame {
    uint8_t ct[VIDEO + 64];
    size_t len;
};

static void protect(struct world *w, size_t from, size_t n, uint8_t fill, struct frame *f)
{
    uint8_t pt[VIDEO];
    memset(pt, fill, n);
    assert_true(sr_meeting_media_ciphertext_len(w->m[from], n) <= sizeof(f->ct));
    assert_int_equal(sr_meeting_media_protect(w->m[from], sr_slice_of("rtp", 3), sr_slice_of(pt, n),
                                              f->ct, sizeof(f->ct), &f->len),
                     SR_OK);
}

static sr_err unprotect(struct world *w, size_t to, const struct frame *f, uint8_t *pt, size_t *len,
                        uint32_t *sender)
{
    return sr_meeting_media_unprotect(w->m[to], sr_slice_of("rtp", 3), sr_slice_of(f->ct, f->len),
                                      pt, VIDEO, len, sender);
}

/* Frames from `from` of `n` bytes open at every other participant, with the right sender. */
static void frames_flow(struct world *w, size_t from, size_t n)
{
    struct frame f;
    protect(w, from, n, (uint8_t)(from + n), &f);
    for (size_t to = 0; to < MAXP; to++) {
        if (w->m[to] == NULL) {
            continue;
        }
        uint8_t pt[VIDEO];
        size_t len = 0;
        uint32_t sender = UINT32_MAX;
        if (to == from) {
            assert_int_equal(unprotect(w, to, &f, pt, &len, &sender), SR_ERR_NOT_FOUND);
            continue;
        }
        assert_int_equal(unprotect(w, to, &f, pt, &len, &sender), SR_OK);
        assert_int_equal(len, n);
        assert_int_equal(pt[0], (uint8_t)(from + n));
        assert_int_equal(pt[n - 1], (uint8_t)(from + n));
        assert_int_equal(sender, sr_meeting_own_leaf(w->m[from]));
    }
}

static void media(uint16_t suite)
{
    struct world w;
    struct person alice, bob;
    three(&w, suite, &alice, &bob);
    for (size_t from = ALICE; from <= GUEST; from++) {
        frames_flow(&w, from, AUDIO);
        frames_flow(&w, from, VIDEO);
    }
    /* A replay, an altered frame and a short buffer fail; the good frame still opens after. */
    struct frame f, bad;
    uint8_t pt[VIDEO];
    size_t len;
    uint32_t sender;
    protect(&w, BOB, AUDIO, 7, &f);
    for (size_t i = 0; i < f.len; i += 13) {
        bad = f;
        bad.ct[i] ^= 0x40;
        assert_int_not_equal(unprotect(&w, ALICE, &bad, pt, &len, &sender), SR_OK);
    }
    assert_int_equal(sr_meeting_media_unprotect(w.m[ALICE], sr_slice_of("rtp", 3),
                                                sr_slice_of(f.ct, f.len), pt, AUDIO - 1, &len,
                                                &sender),
                     SR_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sr_meeting_media_unprotect(w.m[ALICE], sr_slice_of("rtc", 3),
                                                sr_slice_of(f.ct, f.len), pt, VIDEO, &len, &sender),
                     SR_ERR_AUTH);
    assert_int_equal(unprotect(&w, ALICE, &f, pt, &len, &sender), SR_OK);
    assert_int_equal(unprotect(&w, ALICE, &f, pt, &len, &sender), SR_ERR_REPLAY);
    uint8_t small[8];
    assert_int_equal(sr_meeting_media_protect(w.m[BOB], sr_slice_of(NULL, 0),
                                              sr_slice_of(pt, AUDIO), small, sizeof(small), &len),
                     SR_ERR_BUFFER_TOO_SMALL);
    /* Keys follow the epoch: after a commit, frames flow again under the new one. */
    commit_round(&w, GUEST, MAXP, NULL, NULL);
    frames_flow(&w, ALICE, VIDEO);
    frames_flow(&w, GUEST, AUDIO);
    done(&w, &alice, &bob);
}

static void media_suite1(void **state)
{
    (void)state;
    media(1);
}

static void media_suite2(void **state)
{
    (void)state;
    media(2);
}

static const enum sr_e2ee_content message_types[] = { SR_E2EE_CONTENT_CHAT,
                                                      SR_E2EE_CONTENT_WHITEBOARD,
                                                      SR_E2EE_CONTENT_ANNOTATION };

static void seal(struct world *w, size_t from, enum sr_e2ee_content type, const char *text,
                 uint8_t *out, size_t *len)
{
    assert_int_equal(sr_meeting_seal(w->m[from], type, 42, sr_slice_of(text, strlen(text)), out,
                                     strlen(text) + SR_E2EE_MESSAGE_OVERHEAD, len),
                     SR_OK);
}

static void file_round_trip(struct world *w, size_t from, size_t to)
{
    static uint8_t data[SR_E2EE_FILE_CHUNK + 4464], ct[SR_E2EE_FILE_CHUNK + 16],
            back[SR_E2EE_FILE_CHUNK];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 31);
    }
    uint8_t id[SR_E2EE_FILE_ID_LEN] = { 1, 2, 3 }, header[SR_E2EE_FILE_HEADER_LEN];
    struct sr_e2ee_file_enc *enc;
    struct sr_e2ee_file_dec *dec;
    assert_int_equal(sr_meeting_file_enc_new(w->m[from], id, sizeof(data), header, &enc), SR_OK);
    struct sr_e2ee_file_info info;
    assert_int_equal(
            sr_meeting_file_dec_new(w->m[to], sr_slice_of(header, sizeof(header)), &info, &dec),
            SR_OK);
    assert_int_equal(info.sender, sr_meeting_own_leaf(w->m[from]));
    assert_int_equal(info.epoch, sr_meeting_epoch(w->m[to]));
    size_t off = 0;
    while (sr_e2ee_file_enc_next_len(enc) > 0) {
        size_t n = sr_e2ee_file_enc_next_len(enc), clen, plen;
        assert_int_equal(
                sr_e2ee_file_enc_push(enc, sr_slice_of(data + off, n), ct, sizeof(ct), &clen),
                SR_OK);
        assert_int_equal(
                sr_e2ee_file_dec_push(dec, sr_slice_of(ct, clen), back, sizeof(back), &plen),
                SR_OK);
        assert_memory_equal(back, data + off, n);
        off += n;
    }
    assert_int_equal(off, sizeof(data));
    assert_int_equal(sr_e2ee_file_enc_finish(enc), SR_OK);
    assert_int_equal(sr_e2ee_file_dec_finish(dec), SR_OK);
    sr_e2ee_file_enc_free(enc);
    sr_e2ee_file_dec_free(dec);
}

static void content(void **state)
{
    (void)state;
    struct world w;
    struct person alice, bob;
    three(&w, 2, &alice, &bob);
    uint8_t sealed[128], out[128];
    size_t len, olen;
    for (size_t t = 0; t < 3; t++) {
        seal(&w, GUEST, message_types[t], "hello, meeting", sealed, &len);
        for (size_t to = ALICE; to <= BOB; to++) {
            struct sr_e2ee_message_info info;
            assert_int_equal(sr_meeting_open(w.m[to], message_types[t], sr_slice_of(sealed, len),
                                             &info, out, sizeof(out), &olen),
                             SR_OK);
            assert_int_equal(olen, 14);
            assert_memory_equal(out, "hello, meeting", 14);
            assert_int_equal(info.sender, sr_meeting_own_leaf(w.m[GUEST]));
            assert_int_equal(info.epoch, sr_meeting_epoch(w.m[GUEST]));
            assert_int_equal(info.message_id, 42);
        }
        /* Another type's key does not open it. */
        assert_int_not_equal(sr_meeting_open(w.m[ALICE], message_types[(t + 1) % 3],
                                             sr_slice_of(sealed, len), NULL, out, sizeof(out),
                                             &olen),
                             SR_OK);
    }
    file_round_trip(&w, ALICE, GUEST);
    file_round_trip(&w, GUEST, BOB);
    done(&w, &alice, &bob);
}

/* The relay removes the guest; Alice commits; the guest sees REMOVED. */
static void remove_guest(struct world *w)
{
    struct sr_buf prop, commit = { 0 };
    uint32_t leaf = sr_meeting_own_leaf(w->m[GUEST]);
    relay_propose(w, NULL, leaf, &prop);
    fan_out(w, &prop, MAXP, SR_OK);
    assert_int_equal(sr_meeting_commit(w->m[ALICE], &commit, NULL), SR_OK);
    assert_int_equal(sr_meeting_commit_merge(w->m[ALICE], NULL), SR_OK);
    struct sr_meeting_event ev = { 0 };
    assert_int_equal(sr_meeting_process(w->m[BOB], sr_buf_slice(&commit), &ev), SR_OK);
    assert_int_equal(ev.kind, SR_MEETING_EVENT_COMMIT);
    assert_int_equal(ev.left_count, 1);
    assert_int_equal(ev.left[0], leaf);
    sr_meeting_event_cleanup(&ev);
    assert_int_equal(sr_meeting_process(w->m[GUEST], sr_buf_slice(&commit), &ev), SR_OK);
    assert_int_equal(ev.kind, SR_MEETING_EVENT_REMOVED);
    assert_false(ev.epoch_changed);
    assert_int_equal(ev.left_count, 1);
    assert_int_equal(ev.left[0], leaf);
    sr_meeting_event_cleanup(&ev);
    assert_false(sr_meeting_active(w->m[GUEST]));
    assert_string_equal(sr_meeting_verification_code(w->m[ALICE]),
                        sr_meeting_verification_code(w->m[BOB]));
    sr_buf_cleanup(&prop);
    sr_buf_cleanup(&commit);
}

static void removed(uint16_t suite)
{
    struct world w;
    struct person alice, bob;
    three(&w, suite, &alice, &bob);
    /* Sent by the guest just before the commit, delivered before and after the grace. */
    struct frame early, late;
    uint8_t chat_early[64], chat_late[64], pt[VIDEO];
    size_t chat_early_len, chat_late_len, len;
    protect(&w, GUEST, AUDIO, 1, &early);
    protect(&w, GUEST, AUDIO, 2, &late);
    seal(&w, GUEST, SR_E2EE_CONTENT_CHAT, "bye", chat_early, &chat_early_len);
    seal(&w, GUEST, SR_E2EE_CONTENT_CHAT, "bye!", chat_late, &chat_late_len);
    remove_guest(&w);

    /* The removed guest can produce nothing and open nothing of the new epoch. */
    struct frame f;
    assert_int_equal(sr_meeting_media_protect(w.m[GUEST], sr_slice_of(NULL, 0),
                                              sr_slice_of(pt, AUDIO), f.ct, sizeof(f.ct), &f.len),
                     SR_ERR_STATE);
    assert_int_equal(sr_meeting_seal(w.m[GUEST], SR_E2EE_CONTENT_CHAT, 1, sr_slice_of("x", 1), pt,
                                     sizeof(pt), &len),
                     SR_ERR_STATE);
    struct sr_buf out = { 0 };
    assert_int_equal(sr_meeting_leave(w.m[GUEST], &out), SR_ERR_STATE);
    assert_int_equal(sr_meeting_commit(w.m[GUEST], &out, NULL), SR_ERR_STATE);
    protect(&w, ALICE, VIDEO, 3, &f);
    assert_int_equal(unprotect(&w, GUEST, &f, pt, &len, NULL), SR_ERR_STATE);
    /* Even with the raw SFrame context, the new epoch's keys are not there. */
    assert_int_equal(sr_sframe_ctx_unprotect(sr_meeting_get0_sframe(w.m[GUEST]),
                                             sr_slice_of("rtp", 3), sr_slice_of(f.ct, f.len), pt,
                                             sizeof(pt), &len, NULL),
                     SR_ERR_EPOCH);
    assert_int_equal(unprotect(&w, BOB, &f, pt, &len, NULL), SR_OK);

    /* Within the grace period its last frame and chat still open; after it, they do not. */
    uint32_t sender;
    assert_int_equal(unprotect(&w, BOB, &early, pt, &len, &sender), SR_OK);
    assert_int_equal(sender, 2);
    assert_int_equal(sr_meeting_open(w.m[BOB], SR_E2EE_CONTENT_CHAT,
                                     sr_slice_of(chat_early, chat_early_len), NULL, pt, sizeof(pt),
                                     &len),
                     SR_OK);
    world_ms += GRACE_MS;
    sr_meeting_tick(w.m[ALICE]);
    assert_int_equal(unprotect(&w, BOB, &late, pt, &len, &sender), SR_ERR_EPOCH);
    assert_int_equal(unprotect(&w, ALICE, &late, pt, &len, &sender), SR_ERR_EPOCH);
    assert_int_equal(sr_meeting_open(w.m[BOB], SR_E2EE_CONTENT_CHAT,
                                     sr_slice_of(chat_late, chat_late_len), NULL, pt, sizeof(pt),
                                     &len),
                     SR_ERR_EPOCH);
    /* The members go on. */
    sr_meeting_free(w.m[GUEST]);
    w.m[GUEST] = NULL;
    frames_flow(&w, BOB, AUDIO);
    sr_buf_cleanup(&out);
    done(&w, &alice, &bob);
}

static void removed_suite1(void **state)
{
    (void)state;
    removed(1);
}

static void removed_suite2(void **state)
{
    (void)state;
    removed(2);
}

struct create_arg {
    struct world *w;
    struct sr_buf kpp;
    struct sr_meeting *m;
};

static sr_err create_op(void *arg)
{
    struct create_arg *a = arg;
    struct sr_meeting_relay relay = { sr_buf_slice(&a->w->relay.pub), sr_slice_of("sfu-1", 5) };
    return sr_meeting_create(&a->w->cfg, sr_buf_slice(&a->w->gid), sr_buf_slice(&a->kpp), &relay,
                             &a->m);
}

static void create_reset(void *arg)
{
    struct create_arg *a = arg;
    sr_meeting_free(a->m);
    a->m = NULL;
}

/* Each allocation of sr_meeting_create failing in turn gives SR_ERR_NOMEM and no leak. */
static void create_allocation_failures(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 1, false);
    struct create_arg a = { .w = &w };
    struct sr_buf kp;
    key_package(&w, NULL, "guest:gina", &kp, &a.kpp);
    assert_true(sr_test_each_alloc_failure(create_op, create_reset, &a) > 0);
    sr_buf_cleanup(&kp);
    sr_buf_cleanup(&a.kpp);
    world_cleanup(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(media_suite1),   cmocka_unit_test(media_suite2),
        cmocka_unit_test(content),        cmocka_unit_test(removed_suite1),
        cmocka_unit_test(removed_suite2), cmocka_unit_test(create_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
