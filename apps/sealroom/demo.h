/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom demo`: a whole zero-trust meeting in one process. A test PKI issues the
 * participants' credentials; a relay that holds no meeting key forwards every byte between
 * them and, as the MLS external sender, proposes each Add and Remove; members commit;
 * joiners use the Welcome. Every step checks its own result and prints it as ok or FAIL, so
 * the demo exits non-zero when anything is wrong.
 *
 *   demo.c          options, the order of the acts
 *   demo_pki.c      internal CA, partner CA, credentials and KeyPackages
 *   demo_relay.c    the relay: external proposals, fan-out, traffic counts, traffic log
 *   demo_leak.c     the search for plaintext in everything the relay handled
 *   demo_roster.c   joins one by one and in waves, commits, code checks
 *   demo_leave.c    participants leave or are dropped by the relay
 *   demo_people.c   participant list with identity levels, a certificate
 *   demo_content.c  chat, whiteboard, file; demo_media.c audio and video frames
 *   demo_record.c   one participant's local recording, read back and checked
 *   demo_summary.c  the closing table
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sealroom/buf.h>
#include <sealroom/meeting.h>

#define DEMO_MAX_PARTICIPANTS 1000
/* Up to this many participants every code is printed; above it, one line per wave. */
#define DEMO_VERBOSE_MAX 8

struct demo_opts {
    uint16_t suite; /* MLS cipher suite */
    unsigned participants;
};

enum demo_role {
    DEMO_INTERNAL, /* certificate from the organization's internal CA */
    DEMO_PARTNER,  /* certificate from the partner CA */
    DEMO_GUEST,    /* basic credential */
};

struct demo_person {
    char name[64]; /* e-mail address, or the guest's identity */
    enum demo_role role;
    struct sr_buf key_package; /* MLSMessage(KeyPackage) uploaded to the relay */
    struct sr_buf priv;        /* its private bundle (wiping) */
    struct sr_meeting *m;      /* set once joined; kept after removal for the checks */
    bool leaving;              /* asked to leave or dropped; cannot commit its own removal */
    bool left;
};

/* What the relay carries, counted separately. */
enum demo_kind {
    DEMO_KEY_PACKAGE,
    DEMO_PROPOSAL,
    DEMO_COMMIT,
    DEMO_WELCOME,
    DEMO_AUDIO,
    DEMO_VIDEO,
    DEMO_CHAT,
    DEMO_WHITEBOARD,
    DEMO_FILE,
    DEMO_KINDS,
};

struct demo_traffic {
    uint64_t messages, bytes_in; /* received from senders */
    uint64_t copies, bytes_out;  /* forwarded to receivers */
};

struct demo_leak;

struct demo_relay {
    uint16_t suite;
    struct sr_buf sig_priv, sig_pub; /* its signature key, listed in external_senders */
    struct sr_buf group_id;
    uint64_t epoch;    /* of the last commit it accepted */
    struct sr_buf log; /* every byte it received, for the plaintext search */
    struct demo_traffic traffic[DEMO_KINDS];
};

struct demo_pki;
struct sr_e2ee_recorder;

struct demo_times {
    double pki, joins, content, leaves, total; /* seconds */
};

struct demo_world {
    struct demo_opts opts;
    struct sr_meeting_config cfg;
    struct sr_mls_trust *trust;
    struct demo_pki *pki;
    struct demo_relay relay;
    struct demo_leak *leak; /* every plaintext the demo sent */
    struct demo_person *people;
    unsigned n;
    uint64_t clock_ms;               /* the meeting clock: wall time at start, moved by the demo */
    char code[SR_E2EE_CODE_STR_LEN]; /* the code of the last checked epoch */
    long first_leaver;               /* the first participant removed, or -1 */
    unsigned epochs, codes_checked, joins, leaves, waves;
    uint64_t frames_sent, frames_decrypted, content_sent, content_opened;
    struct sr_e2ee_recorder *rec; /* participant 0 records what it receives */
    uint64_t rec_records, rec_bytes, rec_file_size;
    char rec_dir[256];
    struct demo_times t;
};

/** Print a check line ("[ ok ]" or "[FAIL]") and return `ok`; failures are counted. */
bool demo_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The number of failed checks so far. */
unsigned demo_failures(void);

/** Seconds on a monotonic clock. */
double demo_now(void);

/** The meeting clock (sr_meeting_clock_fn over a struct demo_world). */
uint64_t demo_clock(void *world);

/** Number of participants currently in the meeting. */
unsigned demo_active(const struct demo_world *w);

/* demo_pki.c */
sr_err demo_pki_new(struct demo_world *w);
void demo_pki_free(struct demo_pki *pki);
/** Credentials and a KeyPackage for every person (their roles and names set here too). */
sr_err demo_pki_enrol(struct demo_world *w);

/* demo_relay.c */
sr_err demo_relay_init(struct demo_relay *r, uint16_t suite);
void demo_relay_cleanup(struct demo_relay *r);
/** The relay receives `msg` of `kind` from a sender: logged and counted. */
sr_err demo_relay_receive(struct demo_relay *r, enum demo_kind kind, struct sr_slice msg);
/** The relay forwarded `len` bytes of `kind` to `copies` receivers. */
void demo_relay_forwarded(struct demo_relay *r, enum demo_kind kind, size_t len, uint64_t copies);
/** As the external sender, propose adding `key_package` (or removing `leaf` when empty). */
sr_err demo_relay_propose(struct demo_relay *r, struct sr_slice key_package, uint32_t leaf,
                          struct sr_buf *out);
/**
 * Run fn(arg, i) for every i below `count` on a few threads (the participants are independent
 * clients); fn must touch only what belongs to i.
 */
void demo_parallel(unsigned count, void (*fn)(void *arg, unsigned i), void *arg);
/**
 * Fan a handshake message out to every participant in the meeting but `skip` (-1: none);
 * each processes it. True when everyone accepted it.
 */
bool demo_relay_fanout(struct demo_world *w, enum demo_kind kind, struct sr_slice msg, long skip);

/* demo_leak.c */
sr_err demo_leak_new(struct demo_leak **out);
void demo_leak_free(struct demo_leak *l);
/** Remember a plaintext the relay must never see (at least 16 bytes). */
sr_err demo_leak_add(struct demo_leak *l, struct sr_slice plaintext);
/** Positions in `haystack` where 16 bytes of a remembered plaintext occur. */
uint64_t demo_leak_scan(const struct demo_leak *l, struct sr_slice haystack);
/** Plaintext bytes remembered. */
uint64_t demo_leak_bytes(const struct demo_leak *l);
/** The relay saw no plaintext; a planted one is found (the search works). */
bool demo_leak_check(struct demo_world *w);

/* demo_roster.c */
bool demo_roster_start(struct demo_world *w);
bool demo_roster_join_all(struct demo_world *w);
/** A member to commit: members take turns; one that is leaving never does. */
long demo_roster_committer(struct demo_world *w);
/**
 * Participant `who` commits the pending proposals; the relay accepts the commit and fans it
 * out; `welcome` (may be NULL) receives the Welcome for joiners.
 */
bool demo_roster_commit(struct demo_world *w, long who, struct sr_buf *welcome);

/* demo_leave.c */
bool demo_roster_leave(struct demo_world *w);
/** Check every participant shows the same code and it is new; print it. */
bool demo_roster_codes(struct demo_world *w, const char *event);

/* demo_people.c */
bool demo_people_show(struct demo_world *w);

/* demo_content.c, demo_media.c */

/** One message a participant sends through the relay to everyone else. */
struct demo_msg {
    enum demo_kind kind;
    struct sr_slice wire; /* what the relay carries */
    struct sr_slice pt;   /* what every receiver must get back */
    unsigned sender;      /* index in people */
};

/** Receiver `r` opens `msg`; true when it got exactly msg->pt from the right sender. */
typedef bool (*demo_open_fn)(struct demo_world *w, unsigned r, const struct demo_msg *msg);

/**
 * The relay receives `msg` and forwards it to every other participant in the meeting, each
 * of whom opens it with `open`; adds the receivers to `*expected` and the successes to
 * `*opened`. Every plaintext is remembered for the relay's plaintext search.
 */
bool demo_deliver(struct demo_world *w, const struct demo_msg *msg, demo_open_fn open,
                  uint64_t *opened, uint64_t *expected);
/** Up to `max` participants in the meeting who will send (their indices in `out`). */
unsigned demo_senders(const struct demo_world *w, unsigned *out, unsigned max);
bool demo_content(struct demo_world *w);
bool demo_media(struct demo_world *w);
/** After leaves: a removed participant cannot read the new epoch's media. */
bool demo_media_removed(struct demo_world *w);
/** Deterministic, distinctive bytes for a payload: `tag` then a stream seeded by it. */
void demo_fill(uint8_t *p, size_t len, const char *tag);

/* demo_record.c */
bool demo_record_start(struct demo_world *w);
bool demo_record_finish(struct demo_world *w);

/* demo_summary.c */
void demo_summary(const struct demo_world *w);
