/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz joining by Welcome (sr_mls_welcome_join, RFC 9420 §12.4.3.1): arbitrary bytes as a
 * Welcome MLSMessage, answered with a fixed joiner bundle per cipher suite (welcome.json's
 * init_priv, KeyPackage and signer_pub, see seed_welcome_join.py), so seeds from that file
 * get through decryption, the GroupInfo signature and the confirmation tag, and mutations
 * fail at each step. External PSKs are found (a fixed value) so the PSK path runs too.
 * Oracles are the sanitizers: no crash, no leak, and the output is empty after a failure.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mls/welcome.h"
#include "mls/wire_message.h"
#include "welcome_join_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_KEYS (sizeof(welcome_join_keys) / sizeof(welcome_join_keys[0]))

struct joiner {
    struct sr_mls_key_package_priv priv; /* only what joining reads: suite, ref, init_priv */
    struct sr_buf signer_pub;
};

static struct joiner joiners[N_KEYS];

static void hex(const char *s, struct sr_buf *out)
{
    if (sr_hex_decode(s, strlen(s), out) != SR_OK) {
        abort();
    }
}

/* The fixture is built once and kept for the process (still reachable, so no leak report). */
static void load_joiners(void)
{
    static bool loaded;
    if (loaded) {
        return;
    }
    for (size_t i = 0; i < N_KEYS; i++) {
        const struct welcome_join_key *k = &welcome_join_keys[i];
        const struct sr_suite *s = sr_suite_get(k->suite);
        struct sr_buf init = { 0 }, kp_bytes = { 0 };
        struct sr_mls_message kp;
        hex(k->init_priv, &init);
        hex(k->key_package, &kp_bytes);
        hex(k->signer_pub, &joiners[i].signer_pub);
        if (s == NULL || sr_mls_message_decode(sr_buf_slice(&kp_bytes), &kp) != SR_OK) {
            abort();
        }
        struct sr_mls_key_package_priv *p = &joiners[i].priv;
        p->cipher_suite = k->suite;
        p->ref_len = s->hash->len;
        if (kp.wire_format != SR_MLS_WIRE_KEY_PACKAGE ||
            sr_mls_key_package_ref(s, &kp.u.key_package, p->ref) != SR_OK ||
            sr_secret_set(&p->init_priv, init.p, init.len) != SR_OK) {
            abort();
        }
        sr_mls_message_cleanup(&kp);
        sr_buf_cleanup(&kp_bytes);
        sr_buf_cleanup(&init);
    }
    loaded = true;
}

static sr_err psk_lookup(void *arg, const struct sr_mls_psk_id *id, struct sr_secret *psk)
{
    static const uint8_t value[32] = { 0x42 };
    (void)arg;
    if (id->type != SR_MLS_PSK_EXTERNAL) {
        return SR_ERR_NOT_FOUND;
    }
    return sr_secret_set(psk, value, sizeof(value));
}

/* The joiner of the Welcome's suite; another one when none matches (a suite mismatch). */
static const struct joiner *joiner_for(uint16_t suite)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (joiners[i].priv.cipher_suite == suite) {
            return &joiners[i];
        }
    }
    return &joiners[0];
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_joiners();
    struct sr_mls_message m;
    if (sr_mls_message_decode(sr_slice_of(data, size), &m) != SR_OK) {
        return 0;
    }
    if (m.wire_format == SR_MLS_WIRE_WELCOME) {
        const struct joiner *j = joiner_for(m.u.welcome.cipher_suite);
        struct sr_mls_welcome_join_args a = {
            .welcome = &m.u.welcome,
            .key_package = &j->priv,
            .psk_lookup = psk_lookup,
            .signer_pub = sr_buf_slice(&j->signer_pub),
        };
        struct sr_mls_welcome_joined joined;
        memset(&joined, 0, sizeof(joined));
        sr_err err = sr_mls_welcome_join(&a, &joined);
        /* "on error it is cleaned up": no plaintext or secret may be left behind */
        if (err != SR_OK && (joined.secrets_plain.p != NULL || joined.group_info_plain.p != NULL ||
                             joined.group_secrets.joiner_secret.len != 0 ||
                             !all_zero(&joined.epoch, sizeof(joined.epoch)))) {
            abort();
        }
        sr_mls_welcome_joined_cleanup(&joined);
    }
    sr_mls_message_cleanup(&m);
    return 0;
}
