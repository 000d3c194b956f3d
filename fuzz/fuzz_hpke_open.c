/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz HPKE SetupR and Open (RFC 9180 §5.1, §5.2) with attacker-chosen enc and ciphertext.
 *
 * Input: byte 0 picks the suite (KEM x KDF x AEAD), byte 1 the mode; the rest is used twice.
 *   1. As enc || ct against a fixed recipient key: SetupR may only fail with SR_ERR_DECODE or
 *      SR_ERR_INVALID, and Open with SR_ERR_AUTH (a failed Open must leave the context
 *      usable, which part 2 checks on a fresh pair).
 *   2. Oracle: its first bytes as ikmE and all of it as plaintext. Seal then Open must give
 *      the plaintext back, after a forged Open of the raw input failed without moving seq,
 *      and both sides must export the same secret.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sealroom/buf.h>

#include "hpke/hpke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t kems[] = { 0x0010, 0x0011, 0x0012, 0x0020, 0x0021 };
static const uint16_t aeads[] = { 0x0001, 0x0002, 0x0003 };

struct keys {
    struct sr_hpke_suite suite;
    enum sr_hpke_mode mode;
    struct sr_secret sk_r, sk_s;
    uint8_t pk_r[SR_KEM_PK_MAX], pk_s[SR_KEM_PK_MAX];
};

static void require(bool cond)
{
    if (!cond) {
        abort();
    }
}

static struct sr_slice str(const char *s)
{
    return sr_slice_of(s, strlen(s));
}

static struct sr_hpke_mode_args args_for(const struct keys *k, bool sender)
{
    struct sr_hpke_mode_args a = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
    if (k->mode == SR_HPKE_MODE_PSK || k->mode == SR_HPKE_MODE_AUTH_PSK) {
        a.psk = str("a fuzzing psk of thirty-two bytes");
        a.psk_id = str("fuzz psk");
    }
    if (k->mode == SR_HPKE_MODE_AUTH || k->mode == SR_HPKE_MODE_AUTH_PSK) {
        if (sender) {
            a.sender_sk = sr_secret_slice(&k->sk_s);
        } else {
            a.sender_pk = sr_slice_of(k->pk_s, k->suite.kem->pk_len);
        }
    }
    return a;
}

static void keys_init(struct keys *k, uint8_t sel, uint8_t mode)
{
    size_t nk = sizeof(kems) / sizeof(kems[0]);
    size_t na = sizeof(aeads) / sizeof(aeads[0]);
    require(sr_hpke_suite_from_ids(kems[sel % nk], (uint16_t)(1 + (sel / nk) % 3),
                                   aeads[(sel / (nk * 3)) % na], &k->suite) == SR_OK);
    k->mode = (enum sr_hpke_mode)(mode & 3);
    require(sr_hpke_derive_key_pair(k->suite.kem, str("sealroom fuzz recipient key ikm"), &k->sk_r,
                                    k->pk_r) == SR_OK);
    require(sr_hpke_derive_key_pair(k->suite.kem, str("sealroom fuzz sender key ikm...."), &k->sk_s,
                                    k->pk_s) == SR_OK);
}

/* Part 1: the raw input as enc || ct. */
static void open_raw(const struct keys *k, const uint8_t *data, size_t size)
{
    size_t enc_len = k->suite.kem->enc_len;
    struct sr_hpke_mode_args ra = args_for(k, false);
    struct sr_hpke_ctx *r = NULL;
    struct sr_buf pt = { 0 };
    if (size < enc_len) {
        return;
    }
    sr_err err = sr_hpke_setup_recipient(&k->suite, k->mode, sr_slice_of(data, enc_len),
                                         sr_secret_slice(&k->sk_r), str("fuzz"), &ra, &r);
    if (err != SR_OK) {
        require((err == SR_ERR_DECODE || err == SR_ERR_INVALID) && r == NULL);
        return;
    }
    err = sr_hpke_open(r, str("aad"), sr_slice_of(data + enc_len, size - enc_len), &pt);
    require(err == SR_OK || (err == SR_ERR_AUTH && pt.len == 0));
    sr_buf_cleanup(&pt);
    sr_hpke_ctx_free(r);
}

/* Part 2: a genuine round trip, with a forged Open in between that must not disturb it. */
static void round_trip(const struct keys *k, const uint8_t *data, size_t size)
{
    struct sr_hpke_mode_args sa = args_for(k, true), ra = args_for(k, false);
    struct sr_hpke_ctx *s = NULL, *r = NULL;
    struct sr_buf ct = { 0 }, pt = { 0 };
    uint8_t enc[SR_KEM_PK_MAX], e1[32], e2[32];
    struct sr_slice ikm_e = size ? sr_slice_of(data, size < 32 ? size : 32) : str("e");
    require(sr_hpke_setup_sender(&k->suite, k->mode, sr_slice_of(k->pk_r, k->suite.kem->pk_len),
                                 str("fuzz"), &sa, ikm_e, enc, &s) == SR_OK);
    require(sr_hpke_setup_recipient(&k->suite, k->mode, sr_slice_of(enc, k->suite.kem->enc_len),
                                    sr_secret_slice(&k->sk_r), str("fuzz"), &ra, &r) == SR_OK);
    require(sr_hpke_seal(s, str("aad"), sr_slice_of(data, size), &ct) == SR_OK);
    require(ct.len == size + k->suite.aead->tag_len);
    if (size != ct.len || memcmp(data, ct.p, size) != 0) {
        require(sr_hpke_open(r, str("aad"), sr_slice_of(data, size), &pt) == SR_ERR_AUTH);
    }
    require(sr_hpke_open(r, str("aad"), sr_buf_slice(&ct), &pt) == SR_OK);
    require(pt.len == size && (size == 0 || memcmp(pt.p, data, size) == 0));
    require(sr_hpke_export(s, sr_slice_of(data, size), e1, sizeof(e1)) == SR_OK);
    require(sr_hpke_export(r, sr_slice_of(data, size), e2, sizeof(e2)) == SR_OK);
    require(memcmp(e1, e2, sizeof(e1)) == 0);
    sr_buf_cleanup(&ct);
    sr_buf_cleanup(&pt);
    sr_hpke_ctx_free(s);
    sr_hpke_ctx_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct keys k;
    if (size < 2 || size > 4096) {
        return 0;
    }
    keys_init(&k, data[0], data[1]);
    open_raw(&k, data + 2, size - 2);
    round_trip(&k, data + 2, size - 2);
    sr_secret_cleanup(&k.sk_r);
    sr_secret_cleanup(&k.sk_s);
    return 0;
}
