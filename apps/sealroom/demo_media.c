/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Media through the relay as SFrame (RFC 9605 §5.2, keys from the MLS exporter): each
 * sender sends audio-sized frames (an Opus packet every 20 ms) and video-sized frames (one
 * packet of a video frame); everyone else unprotects them and learns the sender's leaf from
 * the KID. Participant 0 records what it receives. After participants left, a removed one
 * can neither send nor read the new epoch's frames.
 */
#include <stdio.h>
#include <string.h>

#include <sealroom/sframe.h>

#include "demo.h"

#define SENDERS_MAX  5
#define AUDIO_FRAMES 25 /* half a second */
#define AUDIO_LEN    100
#define VIDEO_FRAMES 5
#define VIDEO_LEN    1200
#define FRAME_ROOM   (VIDEO_LEN + 64)

static bool open_frame(struct demo_world *w, unsigned r, const struct demo_msg *msg)
{
    uint8_t out[FRAME_ROOM];
    size_t len = 0;
    uint32_t from = 0, leaf = sr_meeting_own_leaf(w->people[msg->sender].m);
    bool ok = sr_meeting_media_unprotect(w->people[r].m, sr_slice_of(NULL, 0), msg->wire, out,
                                         sizeof(out), &len, &from) == SR_OK &&
              from == leaf && len == msg->pt.len && memcmp(out, msg->pt.p, len) == 0;
    if (ok && r == 0 && w->rec != NULL) {
        enum sr_e2ee_rec_kind kind =
                msg->kind == DEMO_AUDIO ? SR_E2EE_REC_AUDIO : SR_E2EE_REC_VIDEO;
        ok = sr_e2ee_recorder_add_frame(w->rec, kind, w->clock_ms * 1000, from,
                                        sr_slice_of(out, len)) == SR_OK;
        w->rec_records++;
        w->rec_bytes += len;
    }
    return ok;
}

/* Sender `s` protects frame `seq` of `kind` and the relay forwards it. */
static bool send_frame(struct demo_world *w, unsigned s, enum demo_kind kind, unsigned seq,
                       uint64_t *opened, uint64_t *expected)
{
    uint8_t pt[VIDEO_LEN], wire[FRAME_ROOM];
    size_t len = kind == DEMO_AUDIO ? AUDIO_LEN : VIDEO_LEN, wire_len = 0;
    char tag[64];
    snprintf(tag, sizeof(tag), "%s frame %u of leaf %u", kind == DEMO_AUDIO ? "audio" : "video",
             seq, sr_meeting_own_leaf(w->people[s].m));
    demo_fill(pt, len, tag);
    if (sr_meeting_media_protect(w->people[s].m, sr_slice_of(NULL, 0), sr_slice_of(pt, len), wire,
                                 sizeof(wire), &wire_len) != SR_OK) {
        return false;
    }
    struct demo_msg msg = { kind, sr_slice_of(wire, wire_len), sr_slice_of(pt, len), s };
    w->frames_sent++;
    return demo_deliver(w, &msg, open_frame, opened, expected);
}

bool demo_media(struct demo_world *w)
{
    unsigned senders[SENDERS_MAX];
    unsigned k = demo_senders(w, senders, SENDERS_MAX);
    uint64_t opened[2] = { 0 }, expected[2] = { 0 };
    bool ok = true;
    printf("\n== Audio and video frames (SFrame suite %u, keys from the MLS exporter)\n",
           (unsigned)sr_meeting_sframe_suite(w->people[0].m));
    printf("   %u senders, each %u audio frames of %u bytes and %u video frames of %u bytes\n", k,
           AUDIO_FRAMES, AUDIO_LEN, VIDEO_FRAMES, VIDEO_LEN);
    for (unsigned f = 0; f < AUDIO_FRAMES; f++) {
        for (unsigned i = 0; i < k; i++) {
            ok = send_frame(w, senders[i], DEMO_AUDIO, f, &opened[0], &expected[0]) && ok;
            if (f % (AUDIO_FRAMES / VIDEO_FRAMES) == 0) {
                ok = send_frame(w, senders[i], DEMO_VIDEO, f, &opened[1], &expected[1]) && ok;
            }
        }
        w->clock_ms += 20;
    }
    w->frames_decrypted += opened[0] + opened[1];
    demo_check(ok && opened[0] == expected[0],
               "audio: %llu of %llu deliveries decrypted, sender read from the KID",
               (unsigned long long)opened[0], (unsigned long long)expected[0]);
    return demo_check(ok && opened[1] == expected[1], "video: %llu of %llu deliveries decrypted",
                      (unsigned long long)opened[1], (unsigned long long)expected[1]) &&
           ok;
}

bool demo_media_removed(struct demo_world *w)
{
    if (w->first_leaver < 0) {
        return true;
    }
    struct demo_person *gone = &w->people[w->first_leaver];
    uint8_t pt[AUDIO_LEN], wire[FRAME_ROOM], out[FRAME_ROOM];
    size_t wire_len = 0, len = 0;
    uint64_t opened = 0, expected = 0;
    demo_fill(pt, sizeof(pt), "audio after the leaves, leaf 0");
    bool ok = sr_meeting_media_protect(w->people[0].m, sr_slice_of(NULL, 0),
                                       sr_slice_of(pt, sizeof(pt)), wire, sizeof(wire),
                                       &wire_len) == SR_OK;
    struct demo_msg msg = { DEMO_AUDIO, sr_slice_of(wire, wire_len), sr_slice_of(pt, sizeof(pt)),
                            0 };
    ok = ok && demo_deliver(w, &msg, open_frame, &opened, &expected);
    w->frames_sent++;
    w->frames_decrypted += opened;
    demo_check(ok, "a new-epoch frame from %s: %llu of %llu remaining participants decrypt it",
               w->people[0].name, (unsigned long long)opened, (unsigned long long)expected);
    /* The relay forwards it to the removed participant too: it must not open. */
    sr_err read = sr_meeting_media_unprotect(gone->m, sr_slice_of(NULL, 0), msg.wire, out,
                                             sizeof(out), &len, NULL);
    sr_err send = sr_meeting_media_protect(gone->m, sr_slice_of(NULL, 0),
                                           sr_slice_of(pt, sizeof(pt)), wire, sizeof(wire), &len);
    /* Below the meeting's own refusal: its SFrame keys, used directly, lack the new epoch. */
    struct sr_sframe_ctx *keys = sr_meeting_get0_sframe(gone->m);
    sr_err raw = keys == NULL ? SR_ERR_NOT_FOUND
                              : sr_sframe_ctx_unprotect(keys, sr_slice_of(NULL, 0), msg.wire, out,
                                                        sizeof(out), &len, NULL);
    ok = demo_check(read != SR_OK && send != SR_OK,
                    "removed %s can neither read it (%s) nor send (%s)", gone->name,
                    sr_err_name(read), sr_err_name(send)) &&
         ok;
    return demo_check(raw != SR_OK, "nor can its SFrame keys, used directly (%s)",
                      sr_err_name(raw)) &&
           ok;
}
