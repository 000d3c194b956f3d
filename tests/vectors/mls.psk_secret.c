/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9420 psk_secret.json: psk_secret from external PSKs (§8.4), zero or more per case. */
#include <stdio.h>

#include <jansson.h>

#include "crypto/suite.h"
#include "mls/schedule_psk.h"
#include "mls/wire_proposal.h"
#include "vectors.h"

/* The most PSKs a case of the official file carries is far below this. */
#define MAX_PSKS 64

/* PreSharedKeyID{psktype = external, psk_id, psk_nonce} */
static bool encode_external(const struct sr_buf *psk_id, const struct sr_buf *nonce,
                            struct sr_buf *out)
{
    struct sr_mls_psk_id id = { .type = SR_MLS_PSK_EXTERNAL,
                                .psk_id = sr_buf_slice(psk_id),
                                .psk_nonce = sr_buf_slice(nonce) };
    return sr_mls_psk_id_encode(&id, out) == SR_OK;
}

static bool check_case(const json_t *tc)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    const json_t *arr = json_object_get(tc, "psks");
    size_t n = json_array_size(arr);
    struct sr_buf ids[MAX_PSKS] = { 0 }, keys[MAX_PSKS] = { 0 }, psk_id = { 0 }, nonce = { 0 };
    struct sr_mls_psk_input in[MAX_PSKS];
    struct sr_secret out = { 0 };
    bool ok = suite != NULL && json_is_array(arr) && n <= MAX_PSKS;
    for (size_t i = 0; ok && i < n; i++) {
        const json_t *p = json_array_get(arr, i);
        ok = sr_vec_hex(p, "psk_id", &psk_id) && sr_vec_hex(p, "psk_nonce", &nonce) &&
             sr_vec_hex(p, "psk", &keys[i]) && encode_external(&psk_id, &nonce, &ids[i]);
        in[i].id = sr_buf_slice(&ids[i]);
        in[i].psk = sr_buf_slice(&keys[i]);
    }
    ok = ok && sr_mls_psk_secret(suite, in, n, &out) == SR_OK &&
         sr_vec_expect(tc, "psk_secret", out.p, out.len, "psk_secret");
    for (size_t i = 0; i < MAX_PSKS; i++) {
        sr_buf_cleanup(&ids[i]);
        sr_buf_cleanup(&keys[i]);
    }
    sr_buf_cleanup(&psk_id);
    sr_buf_cleanup(&nonce);
    sr_secret_cleanup(&out);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/psk_secret.json");
    struct sr_vec_counts c = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        sr_vec_count(&c, check_case(json_array_get(root, i)));
    }
    json_decref(root);
    return sr_vec_report("mls/psk_secret.json", &c);
}
