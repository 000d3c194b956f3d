/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-meeting content under the epoch's content keys (e2ee.h): chat messages, whiteboard
 * strokes and a shared file, each sent once to the relay and forwarded to every other
 * participant, who must open exactly what was sent and see who sent it. In a large meeting
 * a handful of participants send and everyone receives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

#define SENDERS_MAX 5
#define TEXT_MAX    256
#define FILE_LEN    150000 /* three chunks of the file stream */

void demo_fill(uint8_t *p, size_t len, const char *tag)
{
    size_t tl = strlen(tag) < len ? strlen(tag) : len;
    uint64_t x = 0xcbf29ce484222325ull;
    for (size_t i = 0; tag[i] != '\0'; i++) {
        x = (x ^ (uint8_t)tag[i]) * 0x100000001b3ull;
    }
    memcpy(p, tag, tl);
    for (size_t i = tl; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
}

unsigned demo_senders(const struct demo_world *w, unsigned *out, unsigned max)
{
    unsigned k = 0;
    for (unsigned i = 0; i < w->n && k < max; i++) {
        if (w->people[i].m != NULL && !w->people[i].left) {
            out[k++] = i;
        }
    }
    return k;
}

struct delivery {
    struct demo_world *w;
    const struct demo_msg *msg;
    demo_open_fn open;
    signed char *got; /* per participant: 1 opened, 0 failed, -1 not a receiver */
};

static void deliver_one(void *arg, unsigned i)
{
    struct delivery *d = arg;
    const struct demo_person *p = &d->w->people[i];
    bool receiver = p->m != NULL && !p->left && i != d->msg->sender;
    d->got[i] = receiver ? (signed char)d->open(d->w, i, d->msg) : -1;
}

bool demo_deliver(struct demo_world *w, const struct demo_msg *msg, demo_open_fn open,
                  uint64_t *opened, uint64_t *expected)
{
    struct delivery d = { w, msg, open, calloc(w->n, 1) };
    if (d.got == NULL || demo_relay_receive(&w->relay, msg->kind, msg->wire) != SR_OK ||
        demo_leak_add(w->leak, msg->pt) != SR_OK) {
        free(d.got);
        return false;
    }
    demo_parallel(w->n, deliver_one, &d);
    uint64_t copies = 0, good = 0;
    for (unsigned i = 0; i < w->n; i++) {
        copies += d.got[i] >= 0;
        good += d.got[i] == 1;
    }
    free(d.got);
    demo_relay_forwarded(&w->relay, msg->kind, msg->wire.len, copies);
    *opened += good;
    *expected += copies;
    return good == copies;
}

/* Chat and whiteboard strokes: sealed messages. */
static bool open_message(struct demo_world *w, unsigned r, const struct demo_msg *msg)
{
    struct demo_person *p = &w->people[r];
    enum sr_e2ee_content type =
            msg->kind == DEMO_CHAT ? SR_E2EE_CONTENT_CHAT : SR_E2EE_CONTENT_WHITEBOARD;
    uint8_t out[TEXT_MAX];
    size_t len = 0;
    struct sr_e2ee_message_info info;
    uint32_t from = sr_meeting_own_leaf(w->people[msg->sender].m);
    bool ok = sr_meeting_open(p->m, type, msg->wire, &info, out, sizeof(out), &len) == SR_OK &&
              len == msg->pt.len && memcmp(out, msg->pt.p, len) == 0 && info.sender == from;
    if (ok && r == 0 && w->rec != NULL && type == SR_E2EE_CONTENT_CHAT) {
        ok = sr_e2ee_recorder_add_chat(w->rec, w->clock_ms * 1000, from, msg->pt) == SR_OK;
        w->rec_records++;
        w->rec_bytes += len;
    }
    return ok;
}

static bool send_text(struct demo_world *w, unsigned sender, enum demo_kind kind, uint64_t id,
                      const char *text, uint64_t *opened, uint64_t *expected)
{
    uint8_t wire[TEXT_MAX + SR_E2EE_MESSAGE_OVERHEAD];
    size_t len = 0;
    struct sr_slice pt = sr_slice_of(text, strlen(text));
    enum sr_e2ee_content type =
            kind == DEMO_CHAT ? SR_E2EE_CONTENT_CHAT : SR_E2EE_CONTENT_WHITEBOARD;
    if (sr_meeting_seal(w->people[sender].m, type, id, pt, wire, sizeof(wire), &len) != SR_OK) {
        return false;
    }
    struct demo_msg msg = { kind, sr_slice_of(wire, len), pt, sender };
    w->content_sent++;
    w->clock_ms += 250;
    return demo_deliver(w, &msg, open_message, opened, expected);
}

static const char *const lines[] = {
    "Shall we move the product launch to Thursday morning?",
    "Thursday works; the press embargo lifts at nine sharp.",
    "I will bring the revised pricing sheet to the next call.",
    "Budget line 7 still needs a second signature from finance.",
};

static bool chat_and_whiteboard(struct demo_world *w, const unsigned *senders, unsigned k)
{
    uint64_t opened = 0, expected = 0, wb_opened = 0, wb_expected = 0;
    bool ok = true;
    char text[TEXT_MAX];
    for (unsigned i = 0; i < k; i++) {
        uint32_t leaf = sr_meeting_own_leaf(w->people[senders[i]].m);
        snprintf(text, sizeof(text), "chat from leaf %u: %s", leaf, lines[i % 4]);
        ok = send_text(w, senders[i], DEMO_CHAT, i, text, &opened, &expected) && ok;
    }
    unsigned artist = senders[k > 1 ? 1 : 0];
    for (unsigned s = 0; s < 3; s++) {
        snprintf(text, sizeof(text),
                 "stroke %u pen #d03a2f width 3: M %u,%u C 120,40 180,%u 240,%u", s, 40 + 30 * s,
                 200 - 20 * s, 90 + 15 * s, 60 + 25 * s);
        ok = send_text(w, artist, DEMO_WHITEBOARD, s, text, &wb_opened, &wb_expected) && ok;
    }
    w->content_opened += opened + wb_opened;
    demo_check(ok && opened == expected,
               "%u chat messages: %llu of %llu deliveries opened, "
               "sender shown",
               k, (unsigned long long)opened, (unsigned long long)expected);
    return demo_check(ok && wb_opened == wb_expected,
                      "3 whiteboard strokes from %s: %llu of %llu deliveries opened",
                      w->people[artist].name, (unsigned long long)wb_opened,
                      (unsigned long long)wb_expected) &&
           ok;
}

/* The file: header, then chunks; the receiver decrypts the whole stream. */
static bool open_file(struct demo_world *w, unsigned r, const struct demo_msg *msg)
{
    struct sr_e2ee_file_dec *dec = NULL;
    struct sr_slice in = msg->wire;
    uint8_t *out = malloc(msg->pt.len + 1);
    size_t at = 0, len;
    bool ok = out != NULL && in.len >= SR_E2EE_FILE_HEADER_LEN &&
              sr_meeting_file_dec_new(w->people[r].m, sr_slice_of(in.p, SR_E2EE_FILE_HEADER_LEN),
                                      NULL, &dec) == SR_OK;
    size_t off = SR_E2EE_FILE_HEADER_LEN;
    while (ok && sr_e2ee_file_dec_next_len(dec) > 0) {
        size_t n = sr_e2ee_file_dec_next_len(dec);
        ok = off + n <= in.len && sr_e2ee_file_dec_push(dec, sr_slice_of(in.p + off, n), out + at,
                                                        msg->pt.len + 1 - at, &len) == SR_OK;
        off += n;
        at += ok ? len : 0;
    }
    ok = ok && sr_e2ee_file_dec_finish(dec) == SR_OK && off == in.len && at == msg->pt.len &&
         memcmp(out, msg->pt.p, at) == 0;
    sr_e2ee_file_dec_free(dec);
    free(out);
    return ok;
}

static bool share_file(struct demo_world *w, unsigned sender)
{
    uint8_t *pt = malloc(FILE_LEN), *wire = malloc(FILE_LEN + 1024), id[SR_E2EE_FILE_ID_LEN];
    struct sr_e2ee_file_enc *enc = NULL;
    size_t off = SR_E2EE_FILE_HEADER_LEN, at = 0, len;
    demo_fill(id, sizeof(id), "file id");
    bool ok = pt != NULL && wire != NULL;
    if (ok) {
        demo_fill(pt, FILE_LEN, "quarterly-results-draft.pdf, shared in the meeting");
        ok = sr_meeting_file_enc_new(w->people[sender].m, id, FILE_LEN, wire, &enc) == SR_OK;
    }
    while (ok && sr_e2ee_file_enc_finish(enc) != SR_OK) {
        size_t n = sr_e2ee_file_enc_next_len(enc);
        ok = sr_e2ee_file_enc_push(enc, sr_slice_of(pt + at, n), wire + off, FILE_LEN + 1024 - off,
                                   &len) == SR_OK;
        at += n;
        off += len;
    }
    uint64_t opened = 0, expected = 0;
    struct demo_msg msg = { DEMO_FILE, sr_slice_of(wire, off), sr_slice_of(pt, FILE_LEN), sender };
    ok = ok && demo_deliver(w, &msg, open_file, &opened, &expected);
    w->content_sent += ok;
    w->content_opened += opened;
    sr_e2ee_file_enc_free(enc);
    free(pt);
    free(wire);
    return demo_check(ok, "a %u-byte file from %s: %llu of %llu receivers decrypted it whole",
                      FILE_LEN, w->people[sender].name, (unsigned long long)opened,
                      (unsigned long long)expected);
}

bool demo_content(struct demo_world *w)
{
    unsigned senders[SENDERS_MAX];
    unsigned k = demo_senders(w, senders, SENDERS_MAX);
    printf("\n== Chat, whiteboard and a file, under the epoch's content keys\n");
    if (demo_active(w) > SENDERS_MAX) {
        printf("   %u of the %u participants send; everyone else receives each through the relay\n",
               k, demo_active(w));
    }
    bool ok = chat_and_whiteboard(w, senders, k);
    return share_file(w, senders[k - 1]) && ok;
}
