/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Optional worker threads for handlers, so slow handlers (key unwrapping, database writes)
 * run on every core while the service thread keeps doing I/O and TLS. Each connection owns
 * one job, reused for all its requests:
 *
 *   service thread                      worker
 *   IDLE --submit--> QUEUED --------->  handler runs
 *                                       FINISHED, wake the service thread
 *   drain: READY, ask for writeable
 *   writeable: respond, IDLE
 *
 * A connection that closes while its job is QUEUED or FINISHED only marks it orphaned; the
 * drain frees it once the worker is done. States move under pool_lock; `orphaned` and
 * READY/IDLE are only touched on the service thread.
 *
 * Without workers, requests with a body use the same job, run at once on the service
 * thread and go straight to READY (sr_net_pool_defer): see server_http.c for why.
 */
#include <string.h>

#include "core/alloc.h"
#include "net/server_int.h"

enum {
    JOB_IDLE,
    JOB_QUEUED,
    JOB_FINISHED,
    JOB_READY
};

struct sr_net_job {
    struct sr_net_job *next;
    struct lws *wsi;
    const struct sr_net_route_int *route;
    const char *method;
    struct sr_net_req_strs strs;
    struct sr_buf body;
    struct sr_net_http_response resp;
    sr_err err;
    int state;
    bool orphaned;
};

static void job_free(struct sr_net_job *j)
{
    sr_buf_cleanup(&j->strs.buf);
    sr_buf_cleanup(&j->body);
    sr_buf_cleanup(&j->resp.body);
    sr_free(j);
}

static void push(struct sr_net_job **head, struct sr_net_job **tail, struct sr_net_job *j)
{
    j->next = NULL;
    if (*tail != NULL) {
        (*tail)->next = j;
    } else {
        *head = j;
    }
    *tail = j;
}

static void run_job(struct sr_net_server *srv, struct sr_net_job *j)
{
    struct sr_net_http_request req;
    sr_net_http_request_fill(&req, j->method, &j->strs, &j->body, NULL);
    sr_net_http_response_reset(&j->resp);
    j->err = j->route->handler(j->route->arg, &req, &j->resp);
    pthread_mutex_lock(&srv->pool_lock);
    j->state = JOB_FINISHED;
    push(&srv->done_head, &srv->done_tail, j);
    pthread_mutex_unlock(&srv->pool_lock);
    lws_cancel_service(srv->ctx);
}

static void *worker(void *arg)
{
    struct sr_net_server *srv = arg;
    pthread_mutex_lock(&srv->pool_lock);
    for (;;) {
        while (!srv->pool_quit && srv->work_head == NULL) {
            pthread_cond_wait(&srv->pool_cond, &srv->pool_lock);
        }
        if (srv->pool_quit) {
            break;
        }
        struct sr_net_job *j = srv->work_head;
        srv->work_head = j->next;
        if (srv->work_head == NULL) {
            srv->work_tail = NULL;
        }
        pthread_mutex_unlock(&srv->pool_lock);
        run_job(srv, j);
        pthread_mutex_lock(&srv->pool_lock);
    }
    pthread_mutex_unlock(&srv->pool_lock);
    return NULL;
}

sr_err sr_net_pool_start(struct sr_net_server *srv, unsigned n)
{
    SR_CHECK(n <= 256, SR_ERR_ARG);
    srv->workers = sr_calloc(n, sizeof(pthread_t));
    SR_CHECK(srv->workers != NULL, SR_ERR_NOMEM);
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&srv->workers[i], NULL, worker, srv) != 0) {
            return SR_ERR_NOMEM; /* sr_net_pool_stop joins the ones that started */
        }
        srv->n_workers = i + 1;
    }
    return SR_OK;
}

/* After the service loop ended: join the workers, then settle the jobs they left. */
void sr_net_pool_stop(struct sr_net_server *srv)
{
    pthread_mutex_lock(&srv->pool_lock);
    srv->pool_quit = true;
    pthread_cond_broadcast(&srv->pool_cond);
    pthread_mutex_unlock(&srv->pool_lock);
    for (unsigned i = 0; i < srv->n_workers; i++) {
        pthread_join(srv->workers[i], NULL);
    }
    sr_free(srv->workers);
    srv->workers = NULL;
    struct sr_net_job *lists[2] = { srv->work_head, srv->done_head };
    srv->work_head = srv->work_tail = srv->done_head = srv->done_tail = NULL;
    for (int l = 0; l < 2; l++) {
        for (struct sr_net_job *j = lists[l], *next; j != NULL; j = next) {
            next = j->next;
            if (j->orphaned) {
                job_free(j);
            } else {
                j->state = JOB_IDLE; /* its connection frees it when it closes */
            }
        }
    }
}

bool sr_net_pool_busy(struct sr_net_server *srv, const struct sr_net_pss *pss)
{
    if (pss->job == NULL) {
        return false;
    }
    pthread_mutex_lock(&srv->pool_lock);
    bool busy = pss->job->state != JOB_IDLE;
    pthread_mutex_unlock(&srv->pool_lock);
    return busy;
}

/* Give the connection's job this request: strings copied, body buffers traded. */
static struct sr_net_job *prepare(struct sr_net_server *srv, struct lws *wsi,
                                  struct sr_net_pss *pss, const char *method, int *status)
{
    struct sr_net_job *j = pss->job;
    *status = 0;
    if (j == NULL) {
        j = sr_calloc(1, sizeof(*j));
        if (j == NULL) {
            *status = 503;
            return NULL;
        }
        pss->job = j;
    }
    *status = sr_net_http_gather(wsi, pss->path, &j->strs);
    if (*status != 0) {
        sr_buf_reset(&pss->body);
        return NULL;
    }
    /* Trade buffers instead of copying the body; both keep their memory for reuse. */
    struct sr_buf tmp = j->body;
    j->body = pss->body;
    pss->body = tmp;
    sr_buf_reset(&pss->body);
    j->wsi = wsi;
    j->route = pss->route;
    j->method = method;
    (void)srv;
    return j;
}

int sr_net_pool_submit(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss,
                       const char *method)
{
    int status;
    struct sr_net_job *j = prepare(srv, wsi, pss, method, &status);
    if (j == NULL) {
        return sr_net_http_respond_error(wsi, srv, status, false);
    }
    pthread_mutex_lock(&srv->pool_lock);
    j->state = JOB_QUEUED;
    push(&srv->work_head, &srv->work_tail, j);
    pthread_cond_signal(&srv->pool_cond);
    pthread_mutex_unlock(&srv->pool_lock);
    return 0;
}

int sr_net_pool_defer(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss,
                      const char *method)
{
    int status;
    struct sr_net_http_request req;
    struct sr_net_job *j = prepare(srv, wsi, pss, method, &status);
    if (j == NULL) {
        return sr_net_http_respond_error(wsi, srv, status, false);
    }
    sr_net_http_request_fill(&req, method, &j->strs, &j->body, wsi);
    sr_net_http_response_reset(&j->resp);
    j->err = j->route->handler(j->route->arg, &req, &j->resp);
    pthread_mutex_lock(&srv->pool_lock);
    j->state = JOB_READY;
    pthread_mutex_unlock(&srv->pool_lock);
    lws_callback_on_writable(wsi);
    return 0;
}

void sr_net_pool_drain(struct sr_net_server *srv)
{
    if (srv->n_workers == 0) {
        return;
    }
    pthread_mutex_lock(&srv->pool_lock);
    struct sr_net_job *j = srv->done_head;
    srv->done_head = srv->done_tail = NULL;
    pthread_mutex_unlock(&srv->pool_lock);
    for (struct sr_net_job *next; j != NULL; j = next) {
        next = j->next;
        if (j->orphaned) {
            job_free(j);
            continue;
        }
        j->state = JOB_READY;
        lws_callback_on_writable(j->wsi);
    }
}

int sr_net_pool_writeable(struct sr_net_server *srv, struct lws *wsi, struct sr_net_pss *pss)
{
    struct sr_net_job *j = pss != NULL ? pss->job : NULL;
    if (j == NULL || j->state != JOB_READY) {
        return 0;
    }
    pthread_mutex_lock(&srv->pool_lock);
    j->state = JOB_IDLE;
    pthread_mutex_unlock(&srv->pool_lock);
    sr_buf_reset(&j->body);
    return sr_net_http_respond_result(wsi, srv, j->err, &j->resp);
}

void sr_net_pool_release(struct sr_net_server *srv, struct sr_net_pss *pss)
{
    struct sr_net_job *j = pss->job;
    if (j == NULL) {
        return;
    }
    pss->job = NULL;
    pthread_mutex_lock(&srv->pool_lock);
    bool busy = j->state == JOB_QUEUED || j->state == JOB_FINISHED;
    if (busy) {
        j->orphaned = true;
    }
    pthread_mutex_unlock(&srv->pool_lock);
    if (!busy) {
        job_free(j);
    }
}
