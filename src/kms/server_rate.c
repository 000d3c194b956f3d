/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-principal rate limits (KMS.md §4: 429 RATE_LIMITED; defaults 60 handshakes a minute and
 * 100 requests a second). Fixed windows counted in a bounded table; when it is full the
 * principal seen longest ago gives up its slot, so memory stays bounded whatever the load.
 * The time is the one passed in with each message.
 */
#include <string.h>

#include "kms/server_int.h"

#define HS_WINDOW_MS ((int64_t)60 * 1000)
#define RQ_WINDOW_MS ((int64_t)1000)

static struct sr_kms_rate *slot(struct sr_kms_server *srv, const char *user, int64_t now)
{
    size_t oldest = 0;
    for (size_t i = 0; i < srv->n_rates; i++) {
        if (strcmp(srv->rates[i].user, user) == 0) {
            return &srv->rates[i];
        }
        oldest = srv->rates[i].last < srv->rates[oldest].last ? i : oldest;
    }
    size_t at = srv->n_rates < srv->rates_max ? srv->n_rates++ : oldest;
    struct sr_kms_rate *r = &srv->rates[at];
    memset(r, 0, sizeof(*r));
    memcpy(r->user, user, strlen(user) + 1);
    r->hs_start = r->rq_start = now;
    return r;
}

/* Count one event in a fixed window; false when it is over `limit`. */
static bool count(int64_t *start, uint32_t *n, int64_t window, uint32_t limit, int64_t now)
{
    if (now - *start >= window || now < *start) {
        *start = now;
        *n = 0;
    }
    if (*n >= limit) {
        return false;
    }
    (*n)++;
    return true;
}

bool sr_kms_rate_allow(struct sr_kms_server *srv, const char *user, bool handshake, int64_t now)
{
    if (srv->rates_max == 0 || strlen(user) >= SR_STORE_ID_MAX) {
        return true;
    }
    struct sr_kms_rate *r = slot(srv, user, now);
    r->last = now;
    return handshake ? count(&r->hs_start, &r->hs_n, HS_WINDOW_MS, srv->handshakes_per_min, now)
                     : count(&r->rq_start, &r->rq_n, RQ_WINDOW_MS, srv->requests_per_s, now);
}
