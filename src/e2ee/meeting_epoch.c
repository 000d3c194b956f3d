/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keeping a meeting in step with its MLS epoch (DESIGN.md, zero-trust flow step 4). From each
 * new epoch it derives
 *
 *   SFrame base key    MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)   RFC 9605 §5.2
 *   content keys       the keyring's four exporter labels                  (e2ee.h)
 *   verification code  from epoch_authenticator                            RFC 9420 §8.7
 *
 * and keeps the previous epoch's media and content keys for the grace period, so frames sent
 * just before a commit still open on the far side.
 */
#include <string.h>

#include <sealroom/meeting.h>

#include "core/secret.h"
#include "e2ee/meeting_int.h"
#include "sframe/cipher.h"

static const char sframe_label[] = "SFrame 1.0 Base Key";

static sr_err export_from_group(void *arg, struct sr_slice label, struct sr_slice context,
                                uint8_t *out, size_t len)
{
    return sr_mls_group_export(arg, label, context, len, out);
}

/* RFC 9605 §5.2: S is the smallest value such that group_size <= (1 << S). */
static unsigned index_bits(uint32_t leaves)
{
    unsigned s = 0;
    while (s < 32 && ((uint64_t)1 << s) < leaves) {
        s++;
    }
    return s;
}

static sr_err epoch_code(const struct sr_mls_group *g, char code[SR_E2EE_CODE_STR_LEN])
{
    struct sr_buf auth = { 0 };
    sr_err err = sr_mls_group_epoch_authenticator(g, &auth);
    if (err == SR_OK) {
        err = sr_e2ee_verification_code(sr_buf_slice(&auth), code);
    }
    sr_buf_cleanup(&auth);
    return err;
}

sr_err sr_meeting_install(struct sr_meeting *m)
{
    struct sr_mls_group *g = m->group;
    uint64_t epoch = sr_mls_group_epoch(g);
    if ((m->installed && epoch == m->epoch) || !sr_mls_group_active(g)) {
        return SR_OK;
    }
    uint8_t base[SR_SFRAME_KEY_MAX];
    char code[SR_E2EE_CODE_STR_LEN];
    uint64_t now = sr_meeting_now(m);
    struct sr_sframe_mls_epoch ep = {
        .epoch = epoch,
        .base_key = sr_slice_of(base, m->sframe_nk),
        .sender_index = sr_mls_group_own_leaf(g),
        .index_bits = index_bits(sr_mls_group_leaf_count(g)),
    };
    /* Everything that can fail comes before the first change of state. */
    sr_err err = sr_mls_group_export(g, sr_slice_of(sframe_label, strlen(sframe_label)),
                                     sr_slice_of(NULL, 0), m->sframe_nk, base);
    if (err == SR_OK) {
        err = epoch_code(g, code);
    }
    struct sr_meeting_roster roster = { 0 };
    if (err == SR_OK) {
        err = sr_meeting_roster_take(g, &roster);
    }
    /* A retry after a failure below finds the SFrame epoch already in place. */
    if (err == SR_OK && !(m->sframe_set && m->sframe_epoch == epoch)) {
        err = sr_sframe_ctx_mls_epoch_add(m->sframe, &ep, now);
        m->sframe_set = m->sframe_set || err == SR_OK;
        m->sframe_epoch = err == SR_OK ? epoch : m->sframe_epoch;
    }
    if (err == SR_OK) {
        /* Exporting from a live group with the keyring's fixed labels does not fail. */
        err = sr_e2ee_keyring_add_epoch(m->keyring, epoch, export_from_group, g);
    }
    if (err == SR_OK) {
        memcpy(m->code, code, sizeof(code));
        sr_meeting_roster_cleanup(&m->roster);
        m->roster = roster;
        memset(&roster, 0, sizeof(roster));
        m->grace_open = m->installed;
        m->grace_ends = now + m->grace_ms < now ? UINT64_MAX : now + m->grace_ms;
        m->installed = true;
        m->epoch = epoch;
    }
    sr_meeting_roster_cleanup(&roster);
    sr_wipe(base, sizeof(base));
    return err;
}

sr_err sr_meeting_sync(struct sr_meeting *m)
{
    SR_CHECK(m != NULL, SR_ERR_ARG);
    return sr_meeting_install(m);
}

void sr_meeting_expire(struct sr_meeting *m)
{
    uint64_t now = sr_meeting_now(m);
    sr_sframe_ctx_mls_tick(m->sframe, now);
    if (m->grace_open && now >= m->grace_ends) {
        sr_e2ee_keyring_end_grace(m->keyring);
        m->grace_open = false;
    }
}

void sr_meeting_tick(struct sr_meeting *m)
{
    if (m != NULL) {
        sr_meeting_expire(m);
    }
}

sr_err sr_meeting_ready(struct sr_meeting *m)
{
    SR_CHECK(sr_mls_group_active(m->group), SR_ERR_STATE);
    if (!m->installed || m->epoch != sr_mls_group_epoch(m->group)) {
        SR_TRY(sr_meeting_install(m));
    }
    sr_meeting_expire(m);
    return SR_OK;
}
