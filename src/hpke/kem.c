/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DHKEM(Group, KDF), RFC 9180 §4.1:
 *
 *   Encap(pkR):       skE, pkE = GenerateKeyPair()        (or DeriveKeyPair(ikmE))
 *                     dh = DH(skE, pkR)                     AuthEncap: || DH(skS, pkR)
 *                     kem_context = enc || pkRm             AuthEncap: || pkSm
 *                     shared_secret = ExtractAndExpand(dh, kem_context)
 *   Decap(enc, skR):  the same with dh = DH(skR, pkE)     AuthDecap: || DH(skR, pkS)
 *
 *   ExtractAndExpand(dh, kem_context):
 *       eae_prk = LabeledExtract("", "eae_prk", dh)
 *       shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
 *
 * All labelled steps use the KEM's own KDF and the suite_id "KEM" || kem_id. Public keys
 * are validated by crypto/dh, which also rejects an identity or all-zero DH output (§7.1.4).
 */
#include "hpke/kem.h"

#include <string.h>

#include <sealroom/buf.h>

#include "crypto/dh.h"
#include "crypto/rand.h"
#include "hpke/hpke.h"
#include "hpke/labeled.h"

/* §7.1.3: "bitmask is defined to be 0xFF for P-256 and P-384, and 0x01 for P-521". */
static const struct {
    uint16_t kem_id;
    uint8_t mask;
} candidate_masks[] = {
    { 0x0010, 0xff },
    { 0x0011, 0xff },
    { 0x0012, 0x01 },
};

static uint8_t candidate_mask(const struct sr_kem_alg *kem)
{
    for (size_t i = 0; i < sizeof(candidate_masks) / sizeof(candidate_masks[0]); i++) {
        if (candidate_masks[i].kem_id == kem->hpke_id) {
            return candidate_masks[i].mask;
        }
    }
    return 0;
}

/* §7.1.3 rejection sampling: the first masked candidate in [1, order-1] is the key. */
static sr_err derive_nist(const struct sr_kem_alg *kem, const struct sr_hpke_suite_id *sid,
                          struct sr_slice prk, uint8_t *sk)
{
    uint8_t mask = candidate_mask(kem);
    SR_CHECK(mask != 0, SR_ERR_UNSUPPORTED);
    for (unsigned counter = 0; counter <= 255; counter++) {
        uint8_t c = (uint8_t)counter;
        SR_TRY(sr_hpke_labeled_expand(kem->kdf, sid, prk, "candidate", sr_slice_of(&c, 1), sk,
                                      kem->sk_len));
        sk[0] &= mask;
        if (sr_dh_private_in_range(kem, sr_slice_of(sk, kem->sk_len))) {
            return SR_OK;
        }
    }
    /* DeriveKeyPairError: negligibly likely, but never return an out-of-range key. */
    return SR_ERR_CRYPTO;
}

sr_err sr_hpke_derive_key_pair(const struct sr_kem_alg *kem, struct sr_slice ikm,
                               struct sr_secret *sk, uint8_t *pk)
{
    struct sr_hpke_suite_id sid;
    uint8_t prk[SR_HASH_MAX];
    sr_err err;
    sr_secret_cleanup(sk);
    SR_CHECK(kem->sk_len <= SR_SECRET_MAX && kem->kdf->len <= sizeof(prk), SR_ERR_UNSUPPORTED);
    sr_hpke_kem_suite_id(kem, &sid);
    err = sr_hpke_labeled_extract(kem->kdf, &sid, sr_slice_of(NULL, 0), "dkp_prk", ikm, prk);
    if (err != SR_OK) {
        goto out;
    }
    struct sr_slice prk_s = sr_slice_of(prk, kem->kdf->len);
    if (kem->is_nist) {
        err = derive_nist(kem, &sid, prk_s, sk->p);
    } else {
        err = sr_hpke_labeled_expand(kem->kdf, &sid, prk_s, "sk", sr_slice_of(NULL, 0), sk->p,
                                     kem->sk_len);
    }
    if (err != SR_OK) {
        goto out;
    }
    sk->len = kem->sk_len;
    err = sr_dh_public_from_private(kem, sr_secret_slice(sk), pk);
out:
    sr_wipe(prk, sizeof(prk));
    if (err != SR_OK) {
        sr_secret_cleanup(sk);
    }
    return err;
}

sr_err sr_hpke_generate_key_pair(const struct sr_kem_alg *kem, struct sr_secret *sk, uint8_t *pk)
{
    /* §7.1.3: an ikm of Nsk random bytes carries Nsk bytes of entropy. */
    uint8_t ikm[SR_KEM_SK_MAX];
    sr_err err = SR_ERR_UNSUPPORTED;
    sr_secret_cleanup(sk);
    if (kem->sk_len > sizeof(ikm)) {
        goto out;
    }
    err = sr_rand_bytes(ikm, kem->sk_len);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hpke_derive_key_pair(kem, sr_slice_of(ikm, kem->sk_len), sk, pk);
out:
    sr_wipe(ikm, sizeof(ikm));
    return err;
}

sr_err sr_hpke_kem_check_public(const struct sr_kem_alg *kem, struct sr_slice pk)
{
    /* §7.1.1 DeserializePublicKey, then §7.1.4 partial public key validation. */
    SR_CHECK(pk.len == kem->pk_len, SR_ERR_DECODE);
    return sr_dh_check_public(kem, pk);
}

sr_err sr_hpke_kem_check_private(const struct sr_kem_alg *kem, struct sr_slice sk)
{
    /* §7.1.2: "ensure that deserialized private keys are not equivalent to 0 (mod order)". */
    SR_CHECK(sk.len == kem->sk_len, SR_ERR_DECODE);
    SR_CHECK(sr_dh_private_in_range(kem, sk), SR_ERR_INVALID);
    return SR_OK;
}

/* ExtractAndExpand(dh, kem_context) with kem_context = enc || pkRm [|| pkSm]. */
static sr_err extract_and_expand(const struct sr_kem_alg *kem, struct sr_slice dh,
                                 const uint8_t *enc, const uint8_t *pk_rm, struct sr_slice pk_sm,
                                 uint8_t *shared)
{
    struct sr_hpke_suite_id sid;
    uint8_t kem_context[3 * SR_KEM_PK_MAX];
    uint8_t prk[SR_HASH_MAX];
    sr_err err;
    size_t n = 0;
    memcpy(kem_context, enc, kem->enc_len);
    n += kem->enc_len;
    memcpy(kem_context + n, pk_rm, kem->pk_len);
    n += kem->pk_len;
    if (pk_sm.len) {
        memcpy(kem_context + n, pk_sm.p, pk_sm.len);
        n += pk_sm.len;
    }
    sr_hpke_kem_suite_id(kem, &sid);
    err = sr_hpke_labeled_extract(kem->kdf, &sid, sr_slice_of(NULL, 0), "eae_prk", dh, prk);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hpke_labeled_expand(kem->kdf, &sid, sr_slice_of(prk, kem->kdf->len), "shared_secret",
                                 sr_slice_of(kem_context, n), shared, kem->secret_len);
out:
    sr_wipe(prk, sizeof(prk));
    return err;
}

static sr_err check_sizes(const struct sr_kem_alg *kem)
{
    /* The stack buffers below are sized by crypto/suite.h's maxima. */
    SR_CHECK(kem->pk_len <= SR_KEM_PK_MAX && kem->enc_len == kem->pk_len &&
                     kem->dh_len <= SR_DH_MAX && kem->kdf->len <= SR_HASH_MAX,
             SR_ERR_UNSUPPORTED);
    return SR_OK;
}

sr_err sr_hpke_kem_encap(const struct sr_kem_alg *kem, struct sr_slice pk_r, struct sr_slice sk_s,
                         struct sr_slice ikm_e, uint8_t *enc, uint8_t *shared)
{
    struct sr_secret sk_e = { .len = 0 };
    uint8_t dh[2 * SR_DH_MAX];
    uint8_t pk_sm[SR_KEM_PK_MAX];
    size_t dh_len = kem->dh_len;
    sr_err err = check_sizes(kem);
    if (err == SR_OK) {
        err = sr_hpke_kem_check_public(kem, pk_r);
    }
    if (err == SR_OK && sk_s.len) {
        err = sr_hpke_kem_check_private(kem, sk_s);
    }
    if (err != SR_OK) {
        goto out;
    }
    err = ikm_e.len ? sr_hpke_derive_key_pair(kem, ikm_e, &sk_e, enc)
                    : sr_hpke_generate_key_pair(kem, &sk_e, enc);
    if (err != SR_OK) {
        goto out;
    }
    /* enc is pkE: with our public key at hand, X25519/X448 skip recomputing it */
    err = sr_dh_derive_with_public(kem, sr_secret_slice(&sk_e), sr_slice_of(enc, kem->enc_len),
                                   pk_r, dh);
    if (err == SR_OK && sk_s.len) {
        /* AuthEncap: dh = DH(skE, pkR) || DH(skS, pkR); pkSm = pk(skS). */
        err = sr_dh_public_from_private(kem, sk_s, pk_sm);
        if (err == SR_OK) {
            err = sr_dh_derive_with_public(kem, sk_s, sr_slice_of(pk_sm, kem->pk_len), pk_r,
                                           dh + dh_len);
        }
        dh_len *= 2;
    }
    if (err != SR_OK) {
        goto out;
    }
    err = extract_and_expand(kem, sr_slice_of(dh, dh_len), enc, pk_r.p,
                             sr_slice_of(pk_sm, sk_s.len ? kem->pk_len : 0), shared);
out:
    sr_secret_cleanup(&sk_e);
    sr_wipe(dh, sizeof(dh));
    return err;
}

sr_err sr_hpke_kem_decap(const struct sr_kem_alg *kem, struct sr_slice enc, struct sr_slice sk_r,
                         struct sr_slice pk_s, uint8_t *shared)
{
    uint8_t dh[2 * SR_DH_MAX];
    uint8_t pk_rm[SR_KEM_PK_MAX];
    size_t dh_len = kem->dh_len;
    sr_err err = check_sizes(kem);
    if (err == SR_OK) {
        err = sr_hpke_kem_check_private(kem, sk_r);
    }
    if (err == SR_OK && enc.len != kem->enc_len) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK && pk_s.len) {
        err = sr_hpke_kem_check_public(kem, pk_s);
    }
    if (err != SR_OK) {
        goto out;
    }
    /* pkRm is needed for kem_context anyway; computed first, it also speeds up the DHs. */
    err = sr_dh_public_from_private(kem, sk_r, pk_rm);
    struct sr_slice pk_r = sr_slice_of(pk_rm, kem->pk_len);
    /* The recipient MUST validate pkE (§7.1.4); crypto/dh does so before deriving. */
    if (err == SR_OK) {
        err = sr_dh_derive_with_public(kem, sk_r, pk_r, enc, dh);
    }
    if (err == SR_OK && pk_s.len) {
        /* AuthDecap: dh = DH(skR, pkE) || DH(skR, pkS). */
        err = sr_dh_derive_with_public(kem, sk_r, pk_r, pk_s, dh + dh_len);
        dh_len *= 2;
    }
    if (err != SR_OK) {
        goto out;
    }
    err = extract_and_expand(kem, sr_slice_of(dh, dh_len), enc.p, pk_rm, pk_s, shared);
out:
    sr_wipe(dh, sizeof(dh));
    return err;
}
