/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 welcome.json: validate the KeyPackage (§10.1, without a clock: the file has none),
 * find our EncryptedGroupSecrets by KeyPackageRef, decrypt them with
 * init_priv, decrypt the GroupInfo, verify its signature with signer_pub, and check its
 * confirmation_tag against a key schedule started from joiner_secret with no PSKs (§12.4.3.1).
 */
#include <stdio.h>

#include <jansson.h>

#include "crypto/suite.h"
#include "mls/welcome.h"
#include "mls/wire_message.h"
#include "vectors.h"

struct case_bufs {
    struct sr_buf init_priv, signer_pub, kp_bytes, welcome_bytes;
    struct sr_mls_message kp, welcome;
};

static bool load(const json_t *tc, struct case_bufs *b)
{
    return sr_vec_hex(tc, "init_priv", &b->init_priv) &&
           sr_vec_hex(tc, "signer_pub", &b->signer_pub) &&
           sr_vec_hex(tc, "key_package", &b->kp_bytes) &&
           sr_vec_hex(tc, "welcome", &b->welcome_bytes) &&
           sr_mls_message_decode(sr_buf_slice(&b->kp_bytes), &b->kp) == SR_OK &&
           sr_mls_message_decode(sr_buf_slice(&b->welcome_bytes), &b->welcome) == SR_OK &&
           b->kp.wire_format == SR_MLS_WIRE_KEY_PACKAGE &&
           b->welcome.wire_format == SR_MLS_WIRE_WELCOME;
}

/* A private bundle holding only what a joiner needs here: the ref and the init key. */
static bool make_priv(const struct sr_suite *s, struct case_bufs *b,
                      struct sr_mls_key_package_priv *priv)
{
    priv->cipher_suite = s->id;
    priv->ref_len = s->hash->len;
    return sr_mls_key_package_ref(s, &b->kp.u.key_package, priv->ref) == SR_OK &&
           sr_secret_set(&priv->init_priv, b->init_priv.p, b->init_priv.len) == SR_OK;
}

static bool check_case(const json_t *tc)
{
    const struct sr_suite *s = sr_suite_get((uint16_t)sr_vec_int(tc, "cipher_suite", 0));
    struct case_bufs b = { 0 };
    struct sr_mls_key_package_priv priv = { 0 };
    struct sr_mls_welcome_joined joined = { 0 };
    bool ok = s != NULL && load(tc, &b) && make_priv(s, &b, &priv);
    if (ok) {
        /* The KeyPackage itself is valid (§10.1); the file gives no clock, so no lifetime. */
        struct sr_mls_leaf_validate_ctx v = { .suite = s };
        sr_err err = sr_mls_key_package_validate(&b.kp.u.key_package, &v, NULL);
        if (err != SR_OK) {
            fprintf(stderr, "suite %u: key_package: %s\n", s->id, sr_err_name(err));
            ok = false;
        }
    }
    if (ok) {
        struct sr_mls_welcome_join_args a = {
            .welcome = &b.welcome.u.welcome,
            .key_package = &priv,
            .signer_pub = sr_buf_slice(&b.signer_pub),
        };
        sr_err err = sr_mls_welcome_join(&a, &joined);
        if (err != SR_OK) {
            fprintf(stderr, "suite %u: join: %s\n", s->id, sr_err_name(err));
            ok = false;
        }
    }
    sr_mls_welcome_joined_cleanup(&joined);
    sr_secret_cleanup(&priv.init_priv);
    sr_mls_message_cleanup(&b.kp);
    sr_mls_message_cleanup(&b.welcome);
    sr_buf_cleanup(&b.init_priv);
    sr_buf_cleanup(&b.signer_pub);
    sr_buf_cleanup(&b.kp_bytes);
    sr_buf_cleanup(&b.welcome_bytes);
    return ok;
}

int main(void)
{
    json_t *root = sr_vec_load("mls/welcome.json");
    struct sr_vec_counts c = { 0 };
    for (size_t i = 0; i < json_array_size(root); i++) {
        sr_vec_count(&c, check_case(json_array_get(root, i)));
    }
    json_decref(root);
    return sr_vec_report("mls/welcome.json", &c);
}
