/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The participant list as participants see it: each identity with its level, judged by
 * each viewer's own trust configuration (internal CA: verified internally; partner CA:
 * verified externally; basic credential: unverified), and `show certificate` for one
 * participant. The host and the last joiner must both see every level as issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo.h"

#define LIST_MAX 12 /* longer lists show their head and a count per level */

static const char *level_text(enum sr_mls_identity_level level)
{
    switch (level) {
    case SR_MLS_LEVEL_INTERNAL:
        return "verified internally";
    case SR_MLS_LEVEL_EXTERNAL:
        return "verified externally";
    case SR_MLS_LEVEL_UNVERIFIED:
        return "unverified";
    default:
        return "?";
    }
}

static enum sr_mls_identity_level expected(enum demo_role role)
{
    return role == DEMO_INTERNAL  ? SR_MLS_LEVEL_INTERNAL
           : role == DEMO_PARTNER ? SR_MLS_LEVEL_EXTERNAL
                                  : SR_MLS_LEVEL_UNVERIFIED;
}

/* The person whose name is `identity`, or NULL. */
static const struct demo_person *person(const struct demo_world *w, const char *identity)
{
    for (unsigned i = 0; i < w->n; i++) {
        if (strcmp(w->people[i].name, identity) == 0) {
            return &w->people[i];
        }
    }
    return NULL;
}

/* Check (and with `print`, show) the list as `viewer` sees it; counts per level. */
static bool check_list(const struct demo_world *w, const struct demo_person *viewer, bool print,
                       unsigned count[3])
{
    size_t n = sr_meeting_participant_count(viewer->m), got = 0;
    struct sr_meeting_participant *list = calloc(n ? n : 1, sizeof(*list));
    if (list == NULL || sr_meeting_participants(viewer->m, list, n, &got) != SR_OK) {
        free(list);
        return false;
    }
    unsigned right = 0;
    for (size_t i = 0; i < got; i++) {
        const struct demo_person *p = person(w, list[i].identity);
        right += p != NULL && list[i].level == expected(p->role) &&
                 list[i].credential_type == (p->role == DEMO_GUEST ? 1 : 2);
        count[list[i].level <= 2 ? list[i].level : 0]++;
        if (print && (got <= LIST_MAX || i < LIST_MAX / 2)) {
            printf("   %5u  %-28s %-6s %s%s\n", list[i].leaf, list[i].identity,
                   list[i].credential_type == 2 ? "x509" : "basic", level_text(list[i].level),
                   list[i].self ? "  (me)" : "");
        }
    }
    if (print && got > LIST_MAX) {
        printf("   ...    %zu more\n", got - LIST_MAX / 2);
    }
    free(list);
    return got == demo_active(w) && right == got;
}

static void print_time(const char *what, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char text[32] = "?";
    if (gmtime_r(&tt, &tm) != NULL) {
        strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
    }
    printf("      %-10s %s\n", what, text);
}

/* `show certificate` for the first partner, else the first internal participant. */
static bool show_certificate(const struct demo_world *w)
{
    const struct demo_person *viewer = &w->people[0], *subject = NULL;
    for (unsigned i = 1; i < w->n && subject == NULL; i++) {
        subject = w->people[i].role == DEMO_PARTNER ? &w->people[i] : NULL;
    }
    subject = subject != NULL ? subject : &w->people[0];
    struct sr_meeting_certificate c;
    if (sr_meeting_certificate(viewer->m, sr_meeting_own_leaf(subject->m), &c) != SR_OK) {
        return demo_check(false, "show certificate of %s", subject->name);
    }
    printf("   show certificate of leaf %u:\n", sr_meeting_own_leaf(subject->m));
    printf("      %-10s %s\n      %-10s %s\n      %-10s %s\n      %-10s %s\n", "subject", c.subject,
           "issuer", c.issuer, "serial", c.serial, "identity", c.email);
    print_time("valid from", c.not_before);
    print_time("until", c.not_after);
    char fp[3 * 32 + 1] = "";
    for (int i = 0; i < 32; i++) {
        snprintf(fp + 3 * i, sizeof(fp) - 3 * (size_t)i, "%02x%s", c.sha256[i], i < 31 ? ":" : "");
    }
    printf("      %-10s %.47s\n      %-10s %s\n", "sha-256", fp, "", fp + 48);
    printf("      %-10s %s, chain of %zu\n", "level", level_text(c.level), c.chain_len);
    return demo_check(strcmp(c.email, subject->name) == 0 && c.level == expected(subject->role),
                      "the certificate names %s, issued by %s", subject->name,
                      subject->role == DEMO_PARTNER ? "the partner CA" : "the internal CA");
}

bool demo_people_show(struct demo_world *w)
{
    const struct demo_person *host = &w->people[0], *last = &w->people[w->n - 1];
    unsigned count[3] = { 0 }, ignored[3] = { 0 };
    printf("\n== Participant list, as %s sees it\n", host->name);
    printf("   %5s  %-28s %-6s %s\n", "leaf", "identity", "cred", "level");
    bool ok = check_list(w, host, true, count);
    ok = check_list(w, last, false, ignored) && ok;
    ok = demo_check(ok, "as issued, %s and %s see %u internal, %u external, %u unverified",
                    host->name, last->name, count[SR_MLS_LEVEL_INTERNAL],
                    count[SR_MLS_LEVEL_EXTERNAL], count[SR_MLS_LEVEL_UNVERIFIED]);
    return show_certificate(w) && ok;
}
