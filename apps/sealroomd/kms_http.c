/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS HTTP transport (KMS.md §5): the two routes, each a thin adapter from the net
 * server's request to the engine under the daemon's lock (for a message batch, only its
 * serving step: the wait for durable audit rows and the sealing run unlocked), with the
 * engine's status and JSON body as the response. The engine owns every protocol decision; this file
 * only adds the clock and the JWKS reload (the file is checked at most once a second).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "kms_daemon.h"
#include "kms_files.h"

#define JWKS_MAX         ((size_t)1 << 20)
#define KMS_JWKS_POLL_MS 1000

int64_t kms_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool kms_http_reload_jwks(struct kms_daemon *d, bool at_start)
{
    const char *path = d->cfg.jwks;
    struct stat st;
    if (path[0] == '\0') {
        return true;
    }
    if (stat(path, &st) != 0) {
        fprintf(stderr, "sealroomd: cannot read JWKS %s: %s%s\n", path, strerror(errno),
                at_start ? " — check --jwks" : "; keeping the keys loaded before");
        return false;
    }
    if (!at_start && st.st_mtim.tv_sec == d->jwks_mtime.tv_sec &&
        st.st_mtim.tv_nsec == d->jwks_mtime.tv_nsec) {
        return true;
    }
    char *text = NULL;
    size_t len = 0;
    bool ok = kms_files_read(path, JWKS_MAX, false, &text, &len) &&
              sr_kms_authn_set_issuer(d->authn, d->cfg.issuer, text, len) == SR_OK;
    sr_free(text);
    if (!ok) {
        fprintf(stderr, "sealroomd: JWKS %s is not a usable key set%s\n", path,
                at_start ? " — check --jwks" : "; keeping the keys loaded before");
        return false;
    }
    d->jwks_mtime = st.st_mtim;
    if (!at_start) {
        fprintf(stderr, "sealroomd: reloaded JWKS %s\n", path);
    }
    return true;
}

void kms_http_poll_jwks(struct kms_daemon *d, int64_t now_ms)
{
    /* A clock stepped back also checks, so a jump cannot stop the reloads. */
    if (now_ms - d->jwks_checked_ms >= KMS_JWKS_POLL_MS || now_ms < d->jwks_checked_ms) {
        d->jwks_checked_ms = now_ms;
        (void)kms_http_reload_jwks(d, false);
    }
}

/* Hand the engine's reply to the net server (its body buffer is reused between requests). */
static sr_err answer(struct sr_kms_http_reply *reply, struct sr_net_http_response *resp)
{
    resp->status = reply->status;
    resp->content_type = "application/json";
    sr_err err = sr_buf_append(&resp->body, reply->body.p, reply->body.len);
    sr_buf_cleanup(&reply->body);
    return err;
}

static sr_err on_details(void *arg, const struct sr_net_http_request *req,
                         struct sr_net_http_response *resp)
{
    struct kms_daemon *d = arg;
    struct sr_kms_http_reply reply;
    (void)req;
    pthread_mutex_lock(&d->lock);
    sr_err err = sr_kms_server_details(d->engine, &reply);
    pthread_mutex_unlock(&d->lock);
    return err == SR_OK ? answer(&reply, resp) : err;
}

static sr_err on_messages(void *arg, const struct sr_net_http_request *req,
                          struct sr_net_http_response *resp)
{
    struct kms_daemon *d = arg;
    struct sr_kms_http_reply reply;
    struct sr_kms_batch *batch = NULL;
    int64_t now = kms_now_ms();
    pthread_mutex_lock(&d->lock);
    kms_http_poll_jwks(d, now);
    sr_err err = sr_kms_server_messages_stage(d->engine, req->body, now, &batch, &reply);
    pthread_mutex_unlock(&d->lock);
    /* Waiting for the audit rows' fsync and sealing need no lock: the requests staged
     * meanwhile share that fsync (group commit). */
    if (err == SR_OK && batch != NULL) {
        err = sr_kms_server_messages_finish(d->engine, batch, &reply);
    }
    return err == SR_OK ? answer(&reply, resp) : err;
}

const struct sr_net_route kms_http_routes[] = {
    { "GET", "/kms/v1/details", on_details, NULL, NULL },
    { "POST", "/kms/v1/messages", on_messages, NULL, NULL },
};
const size_t kms_http_n_routes = sizeof(kms_http_routes) / sizeof(kms_http_routes[0]);
