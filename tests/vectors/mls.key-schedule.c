/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 key-schedule.json: for every epoch of every suite, the encoded GroupContext,
 * every epoch secret, the external public key and one MLS-Exporter output. One case per epoch.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/secret.h"
#include "crypto/suite.h"
#include "mls/schedule_epoch.h"
#include "mls/schedule_keys.h"
#include "mls/wire_group_context.h"
#include "vectors.h"

struct inputs {
    struct sr_buf tree_hash, commit, psk, cth, gc, ctx, out;
};

static bool expect_secret(const json_t *ep, const char *key, const struct sr_secret *s)
{
    return sr_vec_expect(ep, key, s->p, s->len, key);
}

static bool check_secrets(const json_t *ep, const struct sr_mls_epoch_secrets *s)
{
    bool ok = expect_secret(ep, "joiner_secret", &s->joiner);
    ok = expect_secret(ep, "welcome_secret", &s->welcome) && ok;
    ok = expect_secret(ep, "init_secret", &s->init) && ok;
    ok = expect_secret(ep, "sender_data_secret", &s->sender_data) && ok;
    ok = expect_secret(ep, "encryption_secret", &s->encryption) && ok;
    ok = expect_secret(ep, "exporter_secret", &s->exporter) && ok;
    ok = expect_secret(ep, "epoch_authenticator", &s->epoch_authenticator) && ok;
    ok = expect_secret(ep, "external_secret", &s->external) && ok;
    ok = expect_secret(ep, "confirmation_key", &s->confirmation_key) && ok;
    ok = expect_secret(ep, "membership_key", &s->membership_key) && ok;
    return expect_secret(ep, "resumption_psk", &s->resumption_psk) && ok;
}

static bool check_derived(const struct sr_suite *suite, const json_t *ep,
                          const struct sr_mls_epoch_secrets *s, struct inputs *in)
{
    struct sr_secret sk = { 0 };
    uint8_t pk[SR_KEM_PK_MAX];
    bool ok = sr_mls_external_key_pair(suite, sr_secret_slice(&s->external), &sk, pk) == SR_OK &&
              sr_vec_expect(ep, "external_pub", pk, suite->kem->pk_len, "external_pub");
    sr_secret_cleanup(&sk);
    const json_t *ex = json_object_get(ep, "exporter");
    const char *label = sr_vec_str(ex, "label");
    long long len = sr_vec_int(ex, "length", -1);
    sr_buf_reset(&in->out);
    if (label == NULL || len <= 0 || !sr_vec_hex(ex, "context", &in->ctx) ||
        sr_buf_reserve(&in->out, (size_t)len) != SR_OK) {
        return false;
    }
    /* the vector's label is used as given: its characters are the label bytes */
    sr_err err =
            sr_mls_exporter(suite, sr_secret_slice(&s->exporter), sr_slice_of(label, strlen(label)),
                            sr_buf_slice(&in->ctx), in->out.p, (size_t)len);
    return err == SR_OK && sr_vec_expect(ex, "secret", in->out.p, (size_t)len, "exporter") && ok;
}

/* One epoch: build and compare its GroupContext, advance the schedule, compare the outputs. */
static bool check_epoch(const struct sr_suite *suite, const json_t *ep, struct sr_slice group_id,
                        uint64_t epoch, struct sr_secret *init, struct inputs *in)
{
    struct sr_mls_epoch_secrets s = { 0 };
    if (!sr_vec_hex(ep, "tree_hash", &in->tree_hash) ||
        !sr_vec_hex(ep, "commit_secret", &in->commit) || !sr_vec_hex(ep, "psk_secret", &in->psk) ||
        !sr_vec_hex(ep, "confirmed_transcript_hash", &in->cth)) {
        return false;
    }
    struct sr_mls_group_context gc = {
        SR_MLS_VERSION_10,      suite->id,           group_id, epoch, sr_buf_slice(&in->tree_hash),
        sr_buf_slice(&in->cth), sr_slice_of(NULL, 0)
    };
    sr_buf_reset(&in->gc);
    bool ok = sr_mls_group_context_encode(&gc, &in->gc) == SR_OK &&
              sr_vec_expect(ep, "group_context", in->gc.p, in->gc.len, "group_context");
    ok = ok &&
         sr_mls_key_schedule_advance(suite, sr_secret_slice(init), sr_buf_slice(&in->commit),
                                     sr_buf_slice(&in->psk), sr_buf_slice(&in->gc), &s) == SR_OK;
    ok = ok && check_secrets(ep, &s) && check_derived(suite, ep, &s, in);
    /* Chain our own init_secret into the next epoch; after a failure fall back to the
     * vector's so one bad epoch does not fail the rest. */
    struct sr_buf next = { 0 };
    if (ok) {
        *init = s.init;
    } else if (!sr_vec_hex(ep, "init_secret", &next) ||
               sr_secret_set(init, next.p, next.len) != SR_OK) {
        ok = false;
    }
    sr_buf_cleanup(&next);
    sr_mls_epoch_secrets_cleanup(&s);
    return ok;
}

static void check_suite(const json_t *tc, struct sr_vec_counts *c, struct inputs *in)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    const json_t *epochs = json_object_get(tc, "epochs");
    struct sr_buf group_id = { 0 }, init0 = { 0 };
    struct sr_secret init = { 0 };
    bool ok = suite != NULL && sr_vec_hex(tc, "group_id", &group_id) &&
              sr_vec_hex(tc, "initial_init_secret", &init0) &&
              sr_secret_set(&init, init0.p, init0.len) == SR_OK;
    for (size_t i = 0; i < json_array_size(epochs); i++) {
        sr_vec_count(c, ok && check_epoch(suite, json_array_get(epochs, i), sr_buf_slice(&group_id),
                                          i, &init, in));
    }
    sr_secret_cleanup(&init);
    sr_buf_cleanup(&group_id);
    sr_buf_cleanup(&init0);
}

int main(void)
{
    json_t *root = sr_vec_load("mls/key-schedule.json");
    struct sr_vec_counts c = { 0 };
    struct inputs in = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        check_suite(json_array_get(root, i), &c, &in);
    }
    struct sr_buf *bufs[] = {
        &in.tree_hash, &in.commit, &in.psk, &in.cth, &in.gc, &in.ctx, &in.out
    };
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        sr_buf_cleanup(bufs[i]);
    }
    json_decref(root);
    return sr_vec_report("mls/key-schedule.json", &c);
}
