/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit row of each request that reached a method (KMS.md §8): appended to this node's
 * chain with mac = HMAC-SHA-256(K_chain, prev_mac | row), the bytes of the row being the
 * store's (sr_store_audit_mac_input), so `sealroomd kms audit verify` agrees. Appending
 * outside a transaction is durable before the store returns, which is what lets a key
 * leave only after its row is on disk. Keys, tokens and proofs never enter a row.
 */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "crypto/hash.h"
#include "kms/server_int.h"

static void put(char *dst, size_t cap, const char *src)
{
    if (src != NULL) {
        (void)snprintf(dst, cap, "%s", src);
    }
}

static sr_err fill(const struct sr_kms_req *rq, struct sr_store_audit *row)
{
    const struct sr_kms_server *srv = rq->srv;
    put(row->chain, sizeof(row->chain), srv->audit_chain);
    row->ts = rq->now;
    put(row->org_id, sizeof(row->org_id), rq->who.org_id);
    put(row->actor, sizeof(row->actor), rq->who.user_id);
    put(row->actor_role, sizeof(row->actor_role), rq->compliance ? "compliance" : "user");
    if (rq->on_behalf_of != NULL && rq->as_user[0] != '\0') {
        put(row->on_behalf_of, sizeof(row->on_behalf_of), rq->as_user);
    }
    put(row->method, sizeof(row->method), rq->method);
    put(row->uri, sizeof(row->uri), rq->audit_uri[0] != '\0' ? rq->audit_uri : rq->raw_uri);
    row->status = rq->status;
    put(row->error_code, sizeof(row->error_code), rq->error_code);
    put(row->request_id, sizeof(row->request_id), rq->request_id);
    put(row->reason, sizeof(row->reason), rq->reason_in);
    if (json_array_size(rq->released) > 0) {
        row->released = json_dumps(rq->released, JSON_COMPACT);
        SR_CHECK(row->released != NULL, SR_ERR_NOMEM);
    }
    return SR_OK;
}

sr_err sr_kms_audit_write(struct sr_kms_req *rq)
{
    struct sr_store_audit *row = sr_calloc(1, sizeof(*row));
    struct sr_buf mac_in;
    SR_CHECK(row != NULL, SR_ERR_NOMEM);
    sr_buf_init(&mac_in, 0, 0);
    sr_err err = fill(rq, row);
    if (err == SR_OK) {
        err = sr_store_audit_last(rq->srv->store, row->chain, &row->seq, row->prev_mac);
    }
    if (err == SR_OK) {
        row->seq++;
        err = sr_store_audit_mac_input(row, &mac_in);
    }
    if (err == SR_OK) {
        err = sr_hmac(&sr_hash_sha256, sr_slice_of(rq->srv->audit_key, SR_KMS_AUDIT_KEY_LEN),
                      sr_buf_slice(&mac_in), row->mac);
    }
    if (err == SR_OK) {
        err = sr_store_audit_append(rq->srv->store, row);
    }
    sr_buf_cleanup(&mac_in);
    sr_free(row->released);
    sr_free(row);
    return err;
}
