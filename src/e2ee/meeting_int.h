/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the meeting files of e2ee/: the participant object, the epoch refresh that keeps
 * SFrame keys, content keys and the verification code in step with the MLS group, and the
 * roster snapshot that tells who a commit added and removed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/meeting.h>

/** Who sits in which leaf, to compare before and after a commit. */
struct sr_meeting_roster {
    uint32_t n;         /* leaf slots */
    uint32_t *sig_off;  /* per leaf: offset of its LeafNode signature in `sigs` */
    uint32_t *sig_len;  /* 0: blank */
    struct sr_buf sigs; /* the signatures, one after another */
};

struct sr_meeting {
    struct sr_mls_group *group;
    struct sr_sframe_ctx *sframe;
    struct sr_e2ee_keyring *keyring;
    uint16_t sframe_suite;
    size_t sframe_nk; /* AEAD.Nk of the SFrame suite: the exporter length of §5.2 */
    uint64_t grace_ms;
    sr_meeting_clock_fn clock;
    void *clock_arg;
    bool installed;      /* the keys of `epoch` are in place */
    uint64_t epoch;      /* the epoch whose keys and code are installed */
    bool grace_open;     /* the keyring still holds the previous epoch */
    uint64_t grace_ends; /* ms: when the keyring's previous epoch goes */
    bool sframe_set;     /* the SFrame context holds `sframe_epoch` as current */
    uint64_t sframe_epoch;
    char code[SR_E2EE_CODE_STR_LEN];
    struct sr_meeting_roster roster; /* the leaves of `epoch`, to tell who a commit changed */
};

/** The clock's time in milliseconds since the Unix epoch. */
uint64_t sr_meeting_now(const struct sr_meeting *m);

/** Wrap a new group (consumed on every path) into a meeting with the keys of its epoch. */
SR_MUST_USE sr_err sr_meeting_wrap(const struct sr_meeting_config *cfg, struct sr_mls_group *g,
                                   struct sr_meeting **out);

/**
 * Install the keys and code of the group's epoch when it moved on (sr_meeting_sync). The
 * SFrame epoch goes in first; a failure leaves the meeting on its old epoch, to retry.
 */
SR_MUST_USE sr_err sr_meeting_install(struct sr_meeting *m);

/** Wipe the previous epoch's keys once its grace period is over. */
void sr_meeting_expire(struct sr_meeting *m);

/** Ready for sending or receiving content: active, and its keys in step (SR_ERR_STATE). */
SR_MUST_USE sr_err sr_meeting_ready(struct sr_meeting *m);

/** Snapshot the group's leaves. SR_ERR_NOMEM. */
SR_MUST_USE sr_err sr_meeting_roster_take(const struct sr_mls_group *g,
                                          struct sr_meeting_roster *r);

void sr_meeting_roster_cleanup(struct sr_meeting_roster *r);

/**
 * Fill ev->joined and ev->left from the leaves of `before` and the group now. A leaf joined
 * when it was blank, or now holds a new KeyPackage leaf; it left when it is blank now or was
 * replaced. Updates (new leaves of source update or commit) are neither. SR_ERR_NOMEM.
 */
SR_MUST_USE sr_err sr_meeting_roster_diff(const struct sr_meeting_roster *before,
                                          const struct sr_mls_group *g,
                                          struct sr_meeting_event *ev);

/** Proposals the group has cached in this epoch. */
size_t sr_meeting_pending_count(const struct sr_mls_group *g);

/** Whether a cached proposal removes leaf `leaf`. */
bool sr_meeting_pending_removes(const struct sr_mls_group *g, uint32_t leaf);

/**
 * Check the proposal the group just cached (when its cache grew past `n_before`) as a commit
 * will, and take it out again when refused or when it repeats an earlier one. Errors as the
 * commit would give them: SR_ERR_INVALID, SR_ERR_DENIED, SR_ERR_AUTH.
 */
SR_MUST_USE sr_err sr_meeting_vet_proposal(struct sr_mls_group *g, size_t n_before);
