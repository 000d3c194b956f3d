/* SPDX-License-Identifier: Apache-2.0 */
/* `sealroom demo`: options, check reporting, and the order of the meeting's acts. */
#include "demo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sealroom/sframe.h>

#include "commands.h"
#include "crypto/suite.h"

static unsigned failures;

bool demo_check(bool ok, const char *fmt, ...)
{
    va_list ap;
    printf("   [%s] ", ok ? " ok " : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failures += !ok;
    return ok;
}

unsigned demo_failures(void)
{
    return failures;
}

double demo_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t demo_clock(void *world)
{
    return ((const struct demo_world *)world)->clock_ms;
}

unsigned demo_active(const struct demo_world *w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w->n; i++) {
        n += w->people[i].m != NULL && !w->people[i].left;
    }
    return n;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sealroom demo [--participants N] [--suite N]\n\n"
            "Runs a whole zero-trust meeting in this process: a test PKI (internal CA, partner\n"
            "CA, a guest with a basic credential), a relay that holds no key and proposes each\n"
            "Add and Remove, joins, Security Verification Codes, identity levels, chat, a file,\n"
            "whiteboard strokes, audio and video frames, a local recording, leaves and a\n"
            "summary. Every step checks its result; the exit status is 1 if any check fails.\n"
            "  --participants N  2-%d (default 5); large meetings join in waves\n"
            "  --suite N         MLS cipher suite 1-7 (default 1)\n",
            DEMO_MAX_PARTICIPANTS);
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/* -1 to run, otherwise the exit status. */
static int parse(int argc, char **argv, struct demo_opts *opts)
{
    for (int i = 1; i < argc; i += 2) {
        const char *opt = argv[i];
        unsigned long v;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        bool is_suite = strcmp(opt, "--suite") == 0;
        bool is_count = strcmp(opt, "--participants") == 0;
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_suite && val != NULL && parse_uint(val, 1, 7, &v)) {
            opts->suite = (uint16_t)v;
        } else if (is_count && val != NULL && parse_uint(val, 2, DEMO_MAX_PARTICIPANTS, &v)) {
            opts->participants = (unsigned)v;
        } else {
            fprintf(stderr, "sealroom demo: %s '%s'\n\n",
                    is_suite || is_count ? "missing or out-of-range value for" : "unknown option",
                    opt);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

static void world_free(struct demo_world *w)
{
    for (unsigned i = 0; w->people != NULL && i < w->n; i++) {
        sr_meeting_free(w->people[i].m);
        sr_buf_cleanup(&w->people[i].key_package);
        sr_buf_cleanup(&w->people[i].priv);
    }
    free(w->people);
    demo_pki_free(w->pki);
    sr_mls_trust_free(w->trust);
    demo_relay_cleanup(&w->relay);
    demo_leak_free(w->leak);
}

static bool world_init(struct demo_world *w, const struct demo_opts *opts)
{
    memset(w, 0, sizeof(*w));
    w->opts = *opts;
    w->n = opts->participants;
    w->clock_ms = (uint64_t)time(NULL) * 1000;
    sr_meeting_config_init(&w->cfg, opts->suite);
    w->cfg.clock = demo_clock;
    w->cfg.clock_arg = w;
    w->people = calloc(w->n, sizeof(*w->people));
    if (w->people == NULL) {
        return false;
    }
    for (unsigned i = 0; i < w->n; i++) {
        sr_buf_init(&w->people[i].priv, 0, SR_BUF_WIPE);
    }
    return sr_mls_trust_new(&w->trust) == SR_OK && demo_leak_new(&w->leak) == SR_OK &&
           demo_relay_init(&w->relay, opts->suite) == SR_OK;
}

/* The acts in order; a failed join or leave ends the meeting early. */
static void run(struct demo_world *w)
{
    double t0 = demo_now();
    printf("Sealroom demo: a zero-trust meeting of %u participants\n", w->n);
    uint16_t sf = w->cfg.sframe_suite;
    printf("   MLS cipher suite %u (%s)\n   SFrame suite %u (%s)\n", w->opts.suite,
           sr_suite_get(w->opts.suite)->name, (unsigned)sf,
           sf == SR_SFRAME_AES_128_GCM_SHA256_128   ? "AES_128_GCM_SHA256_128"
           : sf == SR_SFRAME_AES_256_GCM_SHA512_128 ? "AES_256_GCM_SHA512_128"
                                                    : "RFC 9605");
    printf("   the relay forwards every byte between participants and holds no meeting key\n");
    w->cfg.trust = w->trust;
    bool ok = demo_pki_new(w) == SR_OK;
    ok = demo_check(ok && demo_pki_enrol(w) == SR_OK, "%u credentials and KeyPackages issued",
                    w->n) &&
         ok;
    w->t.pki = demo_now() - t0;
    ok = ok && demo_roster_start(w) && demo_roster_join_all(w);
    if (ok) {
        demo_people_show(w);
        ok = demo_record_start(w);
    }
    /* Content checks that fail are counted; the meeting itself goes on. */
    double t1 = demo_now();
    if (ok) {
        demo_content(w);
        demo_media(w);
    }
    demo_record_finish(w);
    w->t.content = demo_now() - t1;
    if (ok && demo_roster_leave(w)) {
        demo_media_removed(w);
    }
    demo_leak_check(w);
    w->t.total = demo_now() - t0;
    if (!ok) {
        demo_check(false, "the meeting could not go on");
    }
    demo_summary(w);
}

int cmd_demo(int argc, char **argv)
{
    struct demo_opts opts = { .suite = 1, .participants = 5 };
    int rc = parse(argc, argv, &opts);
    if (rc >= 0) {
        return rc;
    }
    struct demo_world *w = calloc(1, sizeof(*w));
    if (w == NULL || !world_init(w, &opts)) {
        fprintf(stderr, "sealroom demo: cannot set up the meeting\n");
        if (w != NULL) {
            world_free(w);
        }
        free(w);
        return 1;
    }
    run(w);
    world_free(w);
    free(w);
    unsigned f = demo_failures();
    if (f == 0) {
        printf("\ndemo: all checks passed\n");
    } else {
        printf("\ndemo: %u CHECK%s FAILED\n", f, f == 1 ? "" : "S");
    }
    return f == 0 ? 0 : 1;
}
