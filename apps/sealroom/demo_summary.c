/* SPDX-License-Identifier: Apache-2.0 */
/* The closing table of `sealroom demo`: who took part, epochs, traffic, recording, timings. */
#include <stdio.h>

#include "demo.h"

static const char *const kind_names[DEMO_KINDS] = {
    "key packages", "proposals", "commits",    "welcomes", "audio frames",
    "video frames", "chat",      "whiteboard", "file",
};

static void traffic_table(const struct demo_relay *r)
{
    struct demo_traffic sum = { 0 };
    printf("   relay traffic     %10s %12s %10s %14s\n", "messages", "bytes in", "copies",
           "bytes out");
    for (int k = 0; k < DEMO_KINDS; k++) {
        const struct demo_traffic *t = &r->traffic[k];
        printf("     %-15s %10llu %12llu %10llu %14llu\n", kind_names[k],
               (unsigned long long)t->messages, (unsigned long long)t->bytes_in,
               (unsigned long long)t->copies, (unsigned long long)t->bytes_out);
        sum.messages += t->messages;
        sum.bytes_in += t->bytes_in;
        sum.copies += t->copies;
        sum.bytes_out += t->bytes_out;
    }
    printf("     %-15s %10llu %12llu %10llu %14llu\n", "total", (unsigned long long)sum.messages,
           (unsigned long long)sum.bytes_in, (unsigned long long)sum.copies,
           (unsigned long long)sum.bytes_out);
}

void demo_summary(const struct demo_world *w)
{
    unsigned roles[3] = { 0 };
    for (unsigned i = 0; i < w->n; i++) {
        roles[w->people[i].role]++;
    }
    printf("\n== Summary\n");
    printf("   participants      %u joined (%u internal CA, %u partner CA, %u guest), %u left,"
           " %u at the end\n",
           w->joins, roles[DEMO_INTERNAL], roles[DEMO_PARTNER], roles[DEMO_GUEST], w->leaves,
           demo_active(w));
    printf("   epochs            %u, each checked: every participant's code equal and new\n"
           "                     (%u codes compared); last code %s\n",
           w->epochs, w->codes_checked, w->code);
    traffic_table(&w->relay);
    printf("   media frames      %llu sent, %llu decryptions\n", (unsigned long long)w->frames_sent,
           (unsigned long long)w->frames_decrypted);
    printf("   content           %llu messages and files sent, %llu opened\n",
           (unsigned long long)w->content_sent, (unsigned long long)w->content_opened);
    printf("   recording         %llu records, %llu bytes on disk\n",
           (unsigned long long)w->rec_records, (unsigned long long)w->rec_file_size);
    printf("   time              PKI %.2f s, joins %.2f s, content %.2f s, leaves %.2f s; total "
           "%.2f s\n",
           w->t.pki, w->t.joins, w->t.content, w->t.leaves, w->t.total);
    printf("   checks            %s\n", demo_failures() == 0 ? "all passed" : "SOME FAILED");
}
