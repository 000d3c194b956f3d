/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The channel key agreement (KMS.md §2): each side makes a fresh P-256 pair per handshake,
 * checks the peer point is on the curve, takes Z = the 32-byte x-coordinate of ECDH(own
 * private, peer public) and derives K = HKDF-SHA-256(IKM = Z, salt = empty, info = empty,
 * L = 32). The curve arithmetic is crypto/'s DHKEM P-256 (sr_dh_*); this file only moves
 * between JWK coordinates and uncompressed points.
 */
#include <string.h>

#include "core/alloc.h"
#include "crypto/dh.h"
#include "crypto/hash.h"
#include "crypto/rand.h"
#include "kms/jose_int.h"

#define KEM_P256     0x0010
#define KDF_SHA256   0x0001
#define POINT_LEN    (1 + 2 * SR_JOSE_P256_LEN)
#define GEN_ATTEMPTS 16

void sr_jose_ec_pair_cleanup(struct sr_jose_ec_pair *pair)
{
    sr_secret_cleanup(&pair->priv);
    memset(pair->x, 0, sizeof(pair->x));
    memset(pair->y, 0, sizeof(pair->y));
}

sr_err sr_jose_ecdh_generate(struct sr_jose_ec_pair *out)
{
    const struct sr_kem_alg *kem = sr_kem_get(KEM_P256);
    SR_CHECK(kem != NULL, SR_ERR_UNSUPPORTED);
    memset(out, 0, sizeof(*out));
    uint8_t scalar[SR_JOSE_P256_LEN], point[POINT_LEN];
    sr_err err = SR_ERR_CRYPTO;
    /* A random 256-bit string is out of [1, n-1] with probability about 2^-32: retry. */
    for (int i = 0; i < GEN_ATTEMPTS && err != SR_OK; i++) {
        err = sr_rand_bytes(scalar, sizeof(scalar));
        if (err != SR_OK) {
            goto out;
        }
        err = sr_dh_private_in_range(kem, sr_slice_of(scalar, sizeof(scalar))) ? SR_OK
                                                                               : SR_ERR_CRYPTO;
    }
    if (err == SR_OK) {
        err = sr_dh_public_from_private(kem, sr_slice_of(scalar, sizeof(scalar)), point);
    }
    if (err == SR_OK) {
        err = sr_secret_set(&out->priv, scalar, sizeof(scalar));
    }
    if (err == SR_OK) {
        memcpy(out->x, point + 1, SR_JOSE_P256_LEN);
        memcpy(out->y, point + 1 + SR_JOSE_P256_LEN, SR_JOSE_P256_LEN);
    }
out:
    sr_wipe(scalar, sizeof(scalar));
    if (err != SR_OK) {
        sr_jose_ec_pair_cleanup(out);
    }
    return err;
}

sr_err sr_jose_ecdh_public_jwk(const struct sr_jose_ec_pair *pair, char **out)
{
    *out = NULL;
    struct sr_buf x = { 0 }, y = { 0 };
    sr_err err = sr_jose_b64_encode(sr_slice_of(pair->x, sizeof(pair->x)), &x);
    if (err == SR_OK) {
        err = sr_jose_b64_encode(sr_slice_of(pair->y, sizeof(pair->y)), &y);
    }
    json_t *j = NULL;
    if (err == SR_OK) {
        j = json_pack("{s:s, s:s, s:s%, s:s%}", "kty", "EC", "crv", "P-256", "x", (char *)x.p,
                      x.len, "y", (char *)y.p, y.len);
        err = j != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    /* json_dumpb sizes first, so the text lands in our allocator, not jansson's. */
    size_t n = err == SR_OK ? json_dumpb(j, NULL, 0, JSON_COMPACT) : 0;
    if (err == SR_OK && n == 0) {
        err = SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        *out = sr_malloc(n + 1);
        err = *out != NULL ? SR_OK : SR_ERR_NOMEM;
    }
    if (err == SR_OK) {
        (void)json_dumpb(j, *out, n, JSON_COMPACT);
        (*out)[n] = '\0';
    }
    json_decref(j);
    sr_buf_cleanup(&x);
    sr_buf_cleanup(&y);
    return err;
}

/* One 32-byte coordinate from a JWK member. */
static sr_err coordinate(const json_t *jwk, const char *name, uint8_t *dst)
{
    const json_t *v = json_object_get(jwk, name);
    SR_CHECK(json_is_string(v), SR_ERR_DECODE);
    uint8_t mem[SR_JOSE_P256_LEN + 3];
    struct sr_buf b;
    sr_buf_init_fixed(&b, mem, sizeof(mem));
    sr_err err = sr_jose_b64_decode(sr_slice_of(json_string_value(v), json_string_length(v)), &b);
    SR_CHECK(err == SR_OK || err == SR_ERR_DECODE || err == SR_ERR_BUFFER_TOO_SMALL, err);
    SR_CHECK(err == SR_OK && b.len == SR_JOSE_P256_LEN, SR_ERR_DECODE);
    memcpy(dst, mem, SR_JOSE_P256_LEN);
    return SR_OK;
}

static sr_err peer_point(const json_t *jwk, uint8_t point[POINT_LEN])
{
    SR_CHECK(json_is_object(jwk), SR_ERR_DECODE);
    const json_t *kty = json_object_get(jwk, "kty"), *crv = json_object_get(jwk, "crv");
    SR_CHECK(json_is_string(kty) && strcmp(json_string_value(kty), "EC") == 0, SR_ERR_DECODE);
    SR_CHECK(json_is_string(crv) && strcmp(json_string_value(crv), "P-256") == 0, SR_ERR_DECODE);
    point[0] = 0x04; /* SEC1 uncompressed */
    SR_TRY(coordinate(jwk, "x", point + 1));
    return coordinate(jwk, "y", point + 1 + SR_JOSE_P256_LEN);
}

sr_err sr_jose_ecdh_derive(const struct sr_jose_ec_pair *own, const json_t *peer_jwk,
                           struct sr_secret *k)
{
    const struct sr_kem_alg *kem = sr_kem_get(KEM_P256);
    const struct sr_hash_alg *sha256 = sr_kdf_get(KDF_SHA256);
    SR_CHECK(kem != NULL && sha256 != NULL, SR_ERR_UNSUPPORTED);
    memset(k, 0, sizeof(*k));
    uint8_t point[POINT_LEN], z[SR_JOSE_P256_LEN], prk[SR_HASH_MAX], out[32];
    sr_err err = peer_point(peer_jwk, point);
    if (err != SR_OK) {
        goto out;
    }
    /* sr_dh_derive refuses a point off the curve or at infinity (SR_ERR_INVALID). */
    err = sr_dh_derive(kem, sr_secret_slice(&own->priv), sr_slice_of(point, sizeof(point)), z);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_extract(sha256, sr_slice_of(NULL, 0), sr_slice_of(z, sizeof(z)), prk);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_expand(sha256, sr_slice_of(prk, sha256->len), sr_slice_of(NULL, 0), out,
                         sizeof(out));
    if (err == SR_OK) {
        err = sr_secret_set(k, out, sizeof(out));
    }
out:
    sr_wipe(z, sizeof(z));
    sr_wipe(prk, sizeof(prk));
    sr_wipe(out, sizeof(out));
    return err;
}
