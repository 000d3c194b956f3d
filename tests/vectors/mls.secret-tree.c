/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 secret-tree.json: the sender-data key and nonce from a ciphertext sample, and the
 * handshake and application key and nonce of every listed generation of every leaf. One case
 * per sender_data block and one per (leaf, generation) entry.
 */
#include <stdio.h>

#include <jansson.h>

#include "crypto/suite.h"
#include "mls/schedule_keys.h"
#include "mls/secret_tree.h"
#include "vectors.h"

static bool check_sender_data(const struct sr_suite *suite, const json_t *sd)
{
    struct sr_buf secret = { 0 }, ct = { 0 };
    struct sr_secret key = { 0 }, nonce = { 0 };
    bool ok = sr_vec_hex(sd, "sender_data_secret", &secret) && sr_vec_hex(sd, "ciphertext", &ct) &&
              sr_mls_sender_data_key_nonce(suite, sr_buf_slice(&secret), sr_buf_slice(&ct), &key,
                                           &nonce) == SR_OK;
    ok = ok && sr_vec_expect(sd, "key", key.p, key.len, "sender data key");
    ok = ok && sr_vec_expect(sd, "nonce", nonce.p, nonce.len, "sender data nonce");
    sr_secret_cleanup(&key);
    sr_secret_cleanup(&nonce);
    sr_buf_cleanup(&secret);
    sr_buf_cleanup(&ct);
    return ok;
}

static bool check_ratchet(struct sr_mls_secret_tree *t, const json_t *e, uint32_t leaf,
                          enum sr_mls_ratchet_type type, const char *key_name,
                          const char *nonce_name)
{
    struct sr_mls_ratchet_key k = { 0 };
    long long gen = sr_vec_int(e, "generation", -1);
    bool ok = gen >= 0 && gen <= UINT32_MAX &&
              sr_mls_secret_tree_get(t, leaf, type, (uint32_t)gen, &k) == SR_OK &&
              sr_vec_expect(e, key_name, k.key.p, k.key.len, key_name) &&
              sr_vec_expect(e, nonce_name, k.nonce.p, k.nonce.len, nonce_name);
    sr_mls_ratchet_key_cleanup(&k);
    return ok;
}

static void check_case(const json_t *tc, struct sr_vec_counts *c)
{
    const struct sr_suite *suite = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    const json_t *leaves = json_object_get(tc, "leaves");
    struct sr_buf enc = { 0 };
    struct sr_mls_secret_tree *t = NULL;
    sr_vec_count(c, suite != NULL && check_sender_data(suite, json_object_get(tc, "sender_data")));
    bool ok = suite != NULL && sr_vec_hex(tc, "encryption_secret", &enc) &&
              sr_mls_secret_tree_new(suite, sr_buf_slice(&enc), (uint32_t)json_array_size(leaves),
                                     NULL, &t) == SR_OK;
    for (size_t i = 0; i < json_array_size(leaves); i++) {
        const json_t *gens = json_array_get(leaves, i);
        for (size_t j = 0; j < json_array_size(gens); j++) {
            const json_t *e = json_array_get(gens, j);
            bool hs = ok && check_ratchet(t, e, (uint32_t)i, SR_MLS_RATCHET_HANDSHAKE,
                                          "handshake_key", "handshake_nonce");
            bool app = ok && check_ratchet(t, e, (uint32_t)i, SR_MLS_RATCHET_APPLICATION,
                                           "application_key", "application_nonce");
            sr_vec_count(c, hs && app);
        }
    }
    sr_mls_secret_tree_free(t);
    sr_buf_cleanup(&enc);
}

int main(void)
{
    json_t *root = sr_vec_load("mls/secret-tree.json");
    struct sr_vec_counts c = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        check_case(json_array_get(root, i), &c);
    }
    json_decref(root);
    return sr_vec_report("mls/secret-tree.json", &c);
}
