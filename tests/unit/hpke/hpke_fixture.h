/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the HPKE unit tests: a suite with fresh recipient and sender key pairs and a
 * PSK, and a helper that sets up a matching sender and recipient context in any mode.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/suite.h"
#include "hpke/hpke.h"

struct fixture {
    struct sr_hpke_suite suite;
    struct sr_secret sk_r, sk_s;
    uint8_t pk_r[SR_KEM_PK_MAX], pk_s[SR_KEM_PK_MAX];
    uint8_t enc[SR_KEM_PK_MAX];
    uint8_t psk[32];
};

static const uint16_t fx_kems[] = { 0x0010, 0x0011, 0x0012, 0x0020, 0x0021 };
static const uint16_t fx_kdfs[] = { 0x0001, 0x0002, 0x0003 };
static const uint16_t fx_aeads[] = { 0x0001, 0x0002, 0x0003, 0xffff };
#define FX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static inline struct sr_slice fx_none(void)
{
    return sr_slice_of(NULL, 0);
}

static inline struct sr_slice fx_str(const char *s)
{
    return sr_slice_of(s, strlen(s));
}

static inline void fx_init(struct fixture *f, uint16_t kem, uint16_t kdf, uint16_t aead)
{
    memset(f, 0, sizeof(*f));
    assert_int_equal(sr_hpke_suite_from_ids(kem, kdf, aead, &f->suite), SR_OK);
    assert_int_equal(sr_hpke_generate_key_pair(f->suite.kem, &f->sk_r, f->pk_r), SR_OK);
    assert_int_equal(sr_hpke_generate_key_pair(f->suite.kem, &f->sk_s, f->pk_s), SR_OK);
    for (size_t i = 0; i < sizeof(f->psk); i++) {
        f->psk[i] = (uint8_t)(0xa0 + i);
    }
}

static inline void fx_cleanup(struct fixture *f)
{
    sr_secret_cleanup(&f->sk_r);
    sr_secret_cleanup(&f->sk_s);
}

static inline bool fx_is_psk(enum sr_hpke_mode mode)
{
    return mode == SR_HPKE_MODE_PSK || mode == SR_HPKE_MODE_AUTH_PSK;
}

static inline bool fx_is_auth(enum sr_hpke_mode mode)
{
    return mode == SR_HPKE_MODE_AUTH || mode == SR_HPKE_MODE_AUTH_PSK;
}

/* The arguments `mode` needs, for the sender (sender = true) or the recipient. */
static inline struct sr_hpke_mode_args fx_args(const struct fixture *f, enum sr_hpke_mode mode,
                                               bool sender)
{
    struct sr_hpke_mode_args a = { fx_none(), fx_none(), fx_none(), fx_none() };
    if (fx_is_psk(mode)) {
        a.psk = sr_slice_of(f->psk, sizeof(f->psk));
        a.psk_id = fx_str("psk id");
    }
    if (fx_is_auth(mode) && sender) {
        a.sender_sk = sr_secret_slice(&f->sk_s);
    }
    if (fx_is_auth(mode) && !sender) {
        a.sender_pk = sr_slice_of(f->pk_s, f->suite.kem->pk_len);
    }
    return a;
}

/* A sender context and the matching recipient context for `mode` (enc kept in f->enc). */
static inline void fx_setup(struct fixture *f, enum sr_hpke_mode mode, struct sr_hpke_ctx **s,
                            struct sr_hpke_ctx **r)
{
    struct sr_hpke_mode_args sa = fx_args(f, mode, true), ra = fx_args(f, mode, false);
    struct sr_slice info = fx_str("fixture info");
    assert_int_equal(sr_hpke_setup_sender(&f->suite, mode,
                                          sr_slice_of(f->pk_r, f->suite.kem->pk_len), info, &sa,
                                          fx_none(), f->enc, s),
                     SR_OK);
    assert_int_equal(sr_hpke_setup_recipient(&f->suite, mode,
                                             sr_slice_of(f->enc, f->suite.kem->enc_len),
                                             sr_secret_slice(&f->sk_r), info, &ra, r),
                     SR_OK);
}
