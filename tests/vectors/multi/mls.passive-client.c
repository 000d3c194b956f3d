/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 passive-client vectors, one file per run (argv[1]: passive-client-welcome,
 * -handling-commit or -random, all in one format): join from the Welcome with the given
 * KeyPackage private keys and the ratchet tree (in the GroupInfo or out of band), compare the
 * initial epoch_authenticator, then for each epoch process every proposal and the commit as
 * a receiving member (§12.4.2) and compare that epoch's epoch_authenticator.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "crypto/suite.h"
#include "mls/group.h"
#include "mls/wire_message.h"
#include "vectors.h"

#define MAX_PSKS 64

struct psks {
    struct sr_buf id[MAX_PSKS], secret[MAX_PSKS];
    struct sr_mls_psk v[MAX_PSKS];
    size_t n;
};

static void psks_cleanup(struct psks *p)
{
    for (size_t i = 0; i < MAX_PSKS; i++) {
        sr_buf_cleanup(&p->id[i]);
        sr_buf_cleanup(&p->secret[i]);
    }
}

static bool load_psks(const json_t *tc, struct psks *p)
{
    const json_t *arr = json_object_get(tc, "external_psks");
    if (!json_is_array(arr) || json_array_size(arr) > MAX_PSKS) {
        return false;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        if (!sr_vec_hex(e, "psk_id", &p->id[i]) || !sr_vec_hex(e, "psk", &p->secret[i])) {
            return false;
        }
        p->v[i].id = sr_buf_slice(&p->id[i]);
        p->v[i].secret = sr_buf_slice(&p->secret[i]);
    }
    p->n = json_array_size(arr);
    return true;
}

static bool set_secret(const json_t *tc, const char *key, struct sr_secret *s)
{
    struct sr_buf b = { 0 };
    bool ok = sr_vec_hex(tc, key, &b) && sr_secret_set(s, b.p, b.len) == SR_OK;
    sr_buf_cleanup(&b);
    return ok;
}

/* The private bundle from the file's KeyPackage and its three private keys. */
static bool make_priv(const struct sr_suite *s, const json_t *tc,
                      struct sr_mls_key_package_priv *priv)
{
    struct sr_buf kpb = { 0 };
    struct sr_mls_message m = { 0 };
    bool ok = sr_vec_hex(tc, "key_package", &kpb) &&
              sr_mls_message_decode(sr_buf_slice(&kpb), &m) == SR_OK &&
              m.wire_format == SR_MLS_WIRE_KEY_PACKAGE;
    ok = ok && sr_mls_key_package_ref(s, &m.u.key_package, priv->ref) == SR_OK &&
         sr_mls_key_package_encode(&m.u.key_package, &priv->key_package) == SR_OK;
    priv->cipher_suite = s->id;
    priv->ref_len = s->hash->len;
    ok = ok && set_secret(tc, "init_priv", &priv->init_priv) &&
         set_secret(tc, "encryption_priv", &priv->encryption_priv) &&
         set_secret(tc, "signature_priv", &priv->signature_priv);
    sr_mls_message_cleanup(&m);
    sr_buf_cleanup(&kpb);
    return ok;
}

static bool expect_auth(const struct sr_mls_group *g, const json_t *obj, const char *key,
                        const char *what)
{
    struct sr_buf ea = { 0 };
    bool ok = sr_mls_group_epoch_authenticator(g, &ea) == SR_OK &&
              sr_vec_expect(obj, key, ea.p, ea.len, what);
    sr_buf_cleanup(&ea);
    return ok;
}

static bool process_hex(struct sr_mls_group *g, const json_t *msg, size_t ep, const char *what)
{
    struct sr_buf b = { 0 };
    struct sr_mls_processed res = { 0 };
    bool ok = json_is_string(msg) &&
              sr_hex_decode(json_string_value(msg), json_string_length(msg), &b) == SR_OK;
    sr_err err = ok ? sr_mls_group_process(g, sr_buf_slice(&b), &res) : SR_ERR_DECODE;
    if (err != SR_OK) {
        fprintf(stderr, "suite %u epoch %zu %s: %s\n", sr_mls_group_suite(g), ep, what,
                sr_err_name(err));
    }
    sr_mls_processed_cleanup(&res);
    sr_buf_cleanup(&b);
    return err == SR_OK;
}

static bool run_epochs(struct sr_mls_group *g, const json_t *tc)
{
    const json_t *epochs = json_object_get(tc, "epochs");
    bool ok = json_is_array(epochs);
    for (size_t i = 0; ok && i < json_array_size(epochs); i++) {
        const json_t *e = json_array_get(epochs, i);
        const json_t *props = json_object_get(e, "proposals");
        for (size_t k = 0; ok && k < json_array_size(props); k++) {
            ok = process_hex(g, json_array_get(props, k), i, "proposal");
        }
        ok = ok && process_hex(g, json_object_get(e, "commit"), i, "commit") &&
             expect_auth(g, e, "epoch_authenticator", "epoch_authenticator");
    }
    return ok;
}

static bool check_case(const json_t *tc)
{
    const struct sr_suite *s = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    struct sr_mls_key_package_priv priv = { 0 };
    struct psks psks = { 0 };
    struct sr_buf welcome = { 0 }, tree = { 0 };
    struct sr_mls_group *g = NULL;
    bool ok = s != NULL && make_priv(s, tc, &priv) && load_psks(tc, &psks) &&
              sr_vec_hex(tc, "welcome", &welcome);
    if (ok && !json_is_null(json_object_get(tc, "ratchet_tree"))) {
        ok = sr_vec_hex(tc, "ratchet_tree", &tree);
    }
    if (ok) {
        struct sr_mls_group_join_args a = {
            .welcome = sr_buf_slice(&welcome),
            .key_package = &priv,
            .ratchet_tree = sr_buf_slice(&tree),
            .psks = psks.v,
            .psk_count = psks.n,
        };
        sr_err err = sr_mls_group_join_priv(&a, &g);
        if (err != SR_OK) {
            fprintf(stderr, "suite %u: join: %s\n", s->id, sr_err_name(err));
        }
        ok = err == SR_OK;
    }
    ok = ok && expect_auth(g, tc, "initial_epoch_authenticator", "initial_epoch_authenticator");
    ok = ok && run_epochs(g, tc);
    sr_mls_group_free(g);
    sr_secret_cleanup(&priv.init_priv);
    sr_secret_cleanup(&priv.encryption_priv);
    sr_secret_cleanup(&priv.signature_priv);
    sr_buf_cleanup(&priv.key_package);
    psks_cleanup(&psks);
    sr_buf_cleanup(&welcome);
    sr_buf_cleanup(&tree);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s mls/passive-client-<kind>.json\n", argv[0]);
        return 2;
    }
    const char *file = argv[1];
    json_t *root = sr_vec_load(file);
    struct sr_vec_counts c = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        sr_vec_count(&c, check_case(json_array_get(root, i)));
    }
    json_decref(root);
    return sr_vec_report(file, &c);
}
