/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS JOSE envelope (KMS.md §2): a round trip for each message kind, and every refusal
 * with its own sr_err and reason: wrong alg or enc, forbidden header members, wrong or
 * missing kid, IV and tag lengths, tampering, size, duplicate JSON members, malformed forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "testutil.h"

#define KID_CH  "kms://kms.example.org/ecdhe/5d0e"
#define KID_STA "kms://kms.example.org/static/1"

static struct sr_jose_key *rsa_priv, *rsa_pub, *chan, *chan2;

static int setup(void **state)
{
    (void)state;
    uint8_t k[32], k2[32];
    memset(k, 0x42, sizeof(k));
    memset(k2, 0x43, sizeof(k2));
    char *pub = NULL;
    if (sr_jose_key_rsa_generate(2048, &rsa_priv) != SR_OK ||
        sr_jose_key_export(rsa_priv, false, &pub) != SR_OK ||
        sr_jose_key_import(pub, strlen(pub), &rsa_pub) != SR_OK ||
        sr_jose_key_oct(sr_slice_of(k, 32), &chan) != SR_OK ||
        sr_jose_key_oct(sr_slice_of(k2, 32), &chan2) != SR_OK) {
        return -1;
    }
    /* The exported public key must not carry the private exponent. */
    int ok = strstr(pub, "\"d\"") == NULL ? 0 : -1;
    sr_free(pub);
    return ok;
}

static int teardown(void **state)
{
    (void)state;
    sr_jose_key_free(rsa_priv);
    sr_jose_key_free(rsa_pub);
    sr_jose_key_free(chan);
    sr_jose_key_free(chan2);
    return 0;
}

static char *seal(enum sr_jose_kind kind, const struct sr_jose_key *key, const char *kid,
                  const char *payload)
{
    char *out = NULL;
    enum sr_jose_reason why = SR_JOSE_INTERNAL;
    assert_int_equal(
            sr_jose_seal(kind, key, kid, sr_slice_of(payload, strlen(payload)), &out, &why), SR_OK);
    assert_int_equal(why, SR_JOSE_OK);
    return out;
}

/* Open and expect `err` with reason `r`; on success check the payload's "requestId". */
static void expect(enum sr_jose_kind kind, const char *msg, const struct sr_jose_key *key,
                   const char *kid, sr_err err, enum sr_jose_reason r)
{
    json_t *p = (json_t *)(uintptr_t)1;
    enum sr_jose_reason why = SR_JOSE_INTERNAL;
    assert_int_equal(sr_jose_open(kind, msg, strlen(msg), key, kid, &p, &why), err);
    assert_int_equal(why, r);
    assert_int_equal(sr_jose_err_of(r), err);
    if (err == SR_OK) {
        assert_string_equal(json_string_value(json_object_get(p, "requestId")), "a-1");
    } else {
        assert_null(p);
    }
    json_decref(p);
}

/* A copy of `msg` with its protected header replaced by `header` (JSON text). */
static char *with_header(const char *msg, const char *header)
{
    struct sr_buf b = { 0 };
    assert_int_equal(sr_jose_b64_encode(sr_slice_of(header, strlen(header)), &b), SR_OK);
    const char *rest = strchr(msg, '.');
    assert_int_equal(sr_buf_append(&b, rest, strlen(rest) + 1), SR_OK);
    return (char *)b.p;
}

/* A copy of `msg` with part `idx` replaced by the base64url of `n` bytes of `fill`. */
static char *with_part(const char *msg, size_t idx, uint8_t fill, size_t n)
{
    struct sr_buf b = { 0 };
    const char *p = msg;
    for (size_t i = 0; i < idx; i++) {
        const char *dot = strchr(p, '.');
        assert_int_equal(sr_buf_append(&b, p, (size_t)(dot - p) + 1), SR_OK);
        p = dot + 1;
    }
    uint8_t raw[64];
    memset(raw, fill, sizeof(raw));
    assert_int_equal(sr_jose_b64_encode(sr_slice_of(raw, n), &b), SR_OK);
    const char *dot = strchr(p, '.');
    assert_int_equal(sr_buf_append(&b, dot ? dot : "", dot ? strlen(dot) + 1 : 1), SR_OK);
    return (char *)b.p;
}

/* Flip the first character of part `idx` between 'A' and 'B' (stays canonical); a second
 * call with the same part puts the original back. */
static void flip(char *msg, size_t idx)
{
    static char saved[8];
    char *p = msg;
    for (size_t i = 0; i < idx; i++) {
        p = strchr(p, '.') + 1;
    }
    if (saved[idx] != 0) {
        *p = saved[idx];
        saved[idx] = 0;
        return;
    }
    saved[idx] = *p;
    *p = *p == 'A' ? 'B' : 'A';
}

static const char payload[] = "{\"requestId\":\"a-1\",\"method\":\"create\",\"uri\":\"/keys\"}";

static void round_trips(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    struct sr_jose_header h;
    enum sr_jose_reason why;
    assert_int_equal(sr_jose_inspect(m, strlen(m), &h, &why), SR_OK);
    assert_int_equal(h.kind, SR_JOSE_CHANNEL);
    assert_string_equal(h.kid, KID_CH);
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_OK, SR_JOSE_OK);
    sr_free(m);

    m = seal(SR_JOSE_HANDSHAKE_REQUEST, rsa_pub, KID_STA, payload);
    assert_int_equal(sr_jose_inspect(m, strlen(m), &h, &why), SR_OK);
    assert_int_equal(h.kind, SR_JOSE_HANDSHAKE_REQUEST);
    assert_string_equal(h.kid, KID_STA);
    expect(SR_JOSE_HANDSHAKE_REQUEST, m, rsa_priv, KID_STA, SR_OK, SR_JOSE_OK);
    sr_free(m);

    m = seal(SR_JOSE_HANDSHAKE_RESPONSE, rsa_priv, KID_STA, payload);
    assert_int_equal(sr_jose_inspect(m, strlen(m), &h, &why), SR_OK);
    assert_int_equal(h.kind, SR_JOSE_HANDSHAKE_RESPONSE);
    expect(SR_JOSE_HANDSHAKE_RESPONSE, m, rsa_pub, KID_STA, SR_OK, SR_JOSE_OK);
    sr_free(m);

    m = seal(SR_JOSE_RESET, rsa_priv, KID_STA,
             "{\"status\":499,\"errorCode\":\"RESET\",\"requestId\":\"a-1\"}");
    expect(SR_JOSE_RESET, m, rsa_pub, KID_STA, SR_OK, SR_JOSE_OK);
    sr_free(m);
}

static void wrong_alg_enc(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    /* A channel message offered where a handshake request is expected, and vice versa. */
    expect(SR_JOSE_HANDSHAKE_REQUEST, m, rsa_priv, KID_CH, SR_ERR_UNSUPPORTED, SR_JOSE_WRONG_ALG);
    static const struct {
        const char *header;
        enum sr_jose_reason why;
    } bad[] = {
        { "{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID_CH "\"}", SR_JOSE_WRONG_ALG },
        { "{\"enc\":\"A256GCM\",\"kid\":\"" KID_CH "\"}", SR_JOSE_WRONG_ALG },
        { "{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"kid\":\"" KID_CH "\"}", SR_JOSE_WRONG_ENC },
        { "{\"alg\":\"dir\",\"enc\":\"A256CBC-HS512\",\"kid\":\"" KID_CH "\"}", SR_JOSE_WRONG_ENC },
        { "{\"alg\":\"dir\",\"kid\":\"" KID_CH "\"}", SR_JOSE_WRONG_ENC },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = with_header(m, bad[i].header);
        expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_UNSUPPORTED, bad[i].why);
        sr_free(t);
    }
    sr_free(m);

    m = seal(SR_JOSE_HANDSHAKE_RESPONSE, rsa_priv, KID_STA, payload);
    static const char *const bad_jws[] = {
        "{\"alg\":\"RS256\",\"kid\":\"" KID_STA "\"}",
        "{\"alg\":\"none\",\"kid\":\"" KID_STA "\"}",
        "{\"alg\":\"HS256\",\"kid\":\"" KID_STA "\"}",
    };
    for (size_t i = 0; i < sizeof(bad_jws) / sizeof(bad_jws[0]); i++) {
        char *t = with_header(m, bad_jws[i]);
        expect(SR_JOSE_HANDSHAKE_RESPONSE, t, rsa_pub, KID_STA, SR_ERR_UNSUPPORTED,
               SR_JOSE_WRONG_ALG);
        sr_free(t);
    }
    char *t = with_header(m, "{\"alg\":\"PS256\",\"enc\":\"A256GCM\",\"kid\":\"" KID_STA "\"}");
    expect(SR_JOSE_RESET, t, rsa_pub, KID_STA, SR_ERR_UNSUPPORTED, SR_JOSE_WRONG_ENC);
    sr_free(t);
    sr_free(m);
}

static void forbidden_headers(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    static const char *const members[] = { "\"zip\":\"DEF\"", "\"crit\":[\"exp\"]",
                                           "\"jku\":\"https://x\"", "\"x5u\":\"https://x\"",
                                           "\"jwk\":{\"kty\":\"oct\"}" };
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        char h[256];
        snprintf(h, sizeof(h), "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"%s\",%s}", KID_CH,
                 members[i]);
        char *t = with_header(m, h);
        expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DENIED, SR_JOSE_FORBIDDEN_HEADER);
        struct sr_jose_header hdr;
        enum sr_jose_reason why;
        assert_int_equal(sr_jose_inspect(t, strlen(t), &hdr, &why), SR_ERR_DENIED);
        assert_string_equal(hdr.kid, "");
        sr_free(t);
    }
    /* Unknown members that KMS.md does not forbid are ignored. */
    char *t = with_header(m, "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID_CH
                             "\",\"typ\":\"kms\"}");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED); /* AAD changed */
    sr_free(t);
    sr_free(m);
}

static void wrong_kid(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    expect(SR_JOSE_CHANNEL, m, chan, "kms://kms.example.org/ecdhe/other", SR_ERR_NOT_FOUND,
           SR_JOSE_WRONG_KID);
    static const char *const bad[] = {
        "{\"alg\":\"dir\",\"enc\":\"A256GCM\"}",
        "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *t = with_header(m, bad[i]);
        expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_NOT_FOUND, SR_JOSE_WRONG_KID);
        sr_free(t);
    }
    char *t = with_header(m, "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":7}");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_HEADER);
    sr_free(t);
    /* A NUL inside the kid would let two kids compare equal as C strings. */
    t = with_header(m, "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"kms://x\\u0000y\"}");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_HEADER);
    sr_free(t);
    sr_free(m);
    char *out = NULL;
    enum sr_jose_reason why;
    assert_int_equal(sr_jose_seal(SR_JOSE_CHANNEL, chan, "", sr_slice_of(payload, 3), &out, &why),
                     SR_ERR_NOT_FOUND);
    assert_null(out);
}

static void iv_tag_lengths(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    static const size_t ivs[] = { 0, 8, 11, 13, 16 };
    for (size_t i = 0; i < sizeof(ivs) / sizeof(ivs[0]); i++) {
        char *t = with_part(m, 2, 0x11, ivs[i]);
        expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_INVALID, SR_JOSE_BAD_IV);
        sr_free(t);
    }
    static const size_t tags[] = { 0, 12, 15, 17, 32 };
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        char *t = with_part(m, 4, 0x22, tags[i]);
        expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_INVALID, SR_JOSE_BAD_TAG);
        sr_free(t);
    }
    /* dir carries no encrypted key; RSA-OAEP must carry one. */
    char *t = with_part(m, 1, 0x33, 32);
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_INVALID, SR_JOSE_BAD_KEY);
    sr_free(t);
    sr_free(m);
    m = seal(SR_JOSE_HANDSHAKE_REQUEST, rsa_pub, KID_STA, payload);
    t = with_part(m, 1, 0, 0);
    expect(SR_JOSE_HANDSHAKE_REQUEST, t, rsa_priv, KID_STA, SR_ERR_INVALID, SR_JOSE_BAD_KEY);
    sr_free(t);
    /* The wrong key type for the kind is refused before cjose sees it. */
    expect(SR_JOSE_HANDSHAKE_REQUEST, m, chan, KID_STA, SR_ERR_INVALID, SR_JOSE_BAD_KEY);
    sr_free(m);
}

static void tampering(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    for (size_t part = 2; part <= 4; part++) {
        flip(m, part);
        expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED);
        flip(m, part);
    }
    expect(SR_JOSE_CHANNEL, m, chan2, KID_CH, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED);
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_OK, SR_JOSE_OK);
    sr_free(m);

    m = seal(SR_JOSE_HANDSHAKE_REQUEST, rsa_pub, KID_STA, payload);
    flip(m, 1);
    expect(SR_JOSE_HANDSHAKE_REQUEST, m, rsa_priv, KID_STA, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED);
    flip(m, 1);
    sr_free(m);

    m = seal(SR_JOSE_HANDSHAKE_RESPONSE, rsa_priv, KID_STA, payload);
    flip(m, 2);
    expect(SR_JOSE_HANDSHAKE_RESPONSE, m, rsa_pub, KID_STA, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED);
    flip(m, 2);
    flip(m, 1);
    expect(SR_JOSE_HANDSHAKE_RESPONSE, m, rsa_pub, KID_STA, SR_ERR_AUTH, SR_JOSE_AUTH_FAILED);
    flip(m, 1);
    expect(SR_JOSE_HANDSHAKE_RESPONSE, m, rsa_pub, KID_STA, SR_OK, SR_JOSE_OK);
    sr_free(m);
}

static void sizes(void **state)
{
    (void)state;
    size_t big = SR_JOSE_PAYLOAD_MAX + 1;
    char *text = sr_malloc(big + 1);
    assert_non_null(text);
    memset(text, ' ', big);
    text[0] = '{';
    text[big - 1] = '}';
    text[big] = '\0';
    char *out = NULL;
    enum sr_jose_reason why;
    assert_int_equal(
            sr_jose_seal(SR_JOSE_CHANNEL, chan, KID_CH, sr_slice_of(text, big), &out, &why),
            SR_ERR_LIMIT);
    assert_int_equal(why, SR_JOSE_TOO_LARGE);
    assert_null(out);
    json_t *j = NULL;
    assert_int_equal(sr_jose_json_parse(sr_slice_of(text, big), &j, &why), SR_ERR_LIMIT);
    /* The largest payload passes; a compact form past the limit is refused unread. */
    assert_int_equal(
            sr_jose_seal(SR_JOSE_CHANNEL, chan, KID_CH, sr_slice_of(text, big - 1), &out, &why),
            SR_OK);
    sr_free(out);
    char *huge = sr_malloc(SR_JOSE_COMPACT_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'A', SR_JOSE_COMPACT_MAX + 1);
    huge[SR_JOSE_COMPACT_MAX + 1] = '\0';
    expect(SR_JOSE_CHANNEL, huge, chan, KID_CH, SR_ERR_LIMIT, SR_JOSE_TOO_LARGE);
    sr_free(huge);
    sr_free(text);
}

static void duplicates(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, "{\"requestId\":\"a-1\",\"requestId\":\"b\"}");
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_DUPLICATE_MEMBER);
    sr_free(m);
    m = seal(SR_JOSE_CHANNEL, chan, KID_CH, "{\"requestId\":\"a-1\",\"c\":{\"x\":1,\"x\":2}}");
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_DUPLICATE_MEMBER);
    char *t = with_header(
            m, "{\"alg\":\"dir\",\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID_CH "\"}");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_DUPLICATE_MEMBER);
    sr_free(t);
    sr_free(m);
    m = seal(SR_JOSE_CHANNEL, chan, KID_CH, "[\"requestId\"]");
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_PAYLOAD);
    sr_free(m);
    m = seal(SR_JOSE_CHANNEL, chan, KID_CH, "{\"requestId\":\"\xff\"}");
    expect(SR_JOSE_CHANNEL, m, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_PAYLOAD);
    sr_free(m);
}

static void malformed(void **state)
{
    (void)state;
    char *m = seal(SR_JOSE_CHANNEL, chan, KID_CH, payload);
    static const char *const bad[] = { "", ".", "a.b.c.d", "a.b.c.d.e.f", "....", "e30.a.b" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect(SR_JOSE_CHANNEL, bad[i], chan, KID_CH, SR_ERR_DECODE, SR_JOSE_MALFORMED);
    }
    /* A JWE where a JWS is expected, padding, a stray character, non-canonical bits. */
    expect(SR_JOSE_RESET, m, rsa_pub, KID_CH, SR_ERR_DECODE, SR_JOSE_MALFORMED);
    char *t = with_part(m, 3, 0x44, 4);
    memmove(strrchr(t, '.') + 1, strrchr(t, '.'), strlen(strrchr(t, '.')) + 1);
    *strrchr(t, '.') = '=';
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_MALFORMED);
    sr_free(t);
    t = with_part(m, 4, 0x55, 16);
    t[strlen(t) - 1] = 'B'; /* a 16-byte tag leaves 4 unused bits in its last character */
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_MALFORMED);
    sr_free(t);
    t = with_header(m, "not json");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_HEADER);
    sr_free(t);
    t = with_header(m, "[1]");
    expect(SR_JOSE_CHANNEL, t, chan, KID_CH, SR_ERR_DECODE, SR_JOSE_BAD_HEADER);
    sr_free(t);
    sr_free(m);
    struct sr_jose_header h;
    enum sr_jose_reason why;
    assert_int_equal(sr_jose_inspect("a.b", 3, &h, &why), SR_ERR_DECODE);
    assert_int_equal(why, SR_JOSE_MALFORMED);
    assert_string_equal(sr_jose_reason_str(SR_JOSE_BAD_IV), "IV is not 12 bytes");
}

static void ecdh(void **state)
{
    (void)state;
    struct sr_jose_ec_pair a, b;
    assert_int_equal(sr_jose_ecdh_generate(&a), SR_OK);
    assert_int_equal(sr_jose_ecdh_generate(&b), SR_OK);
    char *ja = NULL, *jb = NULL;
    assert_int_equal(sr_jose_ecdh_public_jwk(&a, &ja), SR_OK);
    assert_int_equal(sr_jose_ecdh_public_jwk(&b, &jb), SR_OK);
    json_t *pa = NULL, *pb = NULL;
    assert_int_equal(sr_jose_json_parse(sr_slice_of(ja, strlen(ja)), &pa, NULL), SR_OK);
    assert_int_equal(sr_jose_json_parse(sr_slice_of(jb, strlen(jb)), &pb, NULL), SR_OK);
    assert_string_equal(json_string_value(json_object_get(pa, "crv")), "P-256");
    struct sr_secret ka, kb;
    assert_int_equal(sr_jose_ecdh_derive(&a, pb, &ka), SR_OK);
    assert_int_equal(sr_jose_ecdh_derive(&b, pa, &kb), SR_OK);
    assert_int_equal(ka.len, 32);
    assert_memory_equal(ka.p, kb.p, 32);

    /* Off the curve: y + 1. Wrong curve and short coordinates are decode errors. */
    json_t *bad = json_deep_copy(pb);
    struct sr_jose_ec_pair off = b;
    off.y[31] ^= 1;
    char *joff = NULL;
    assert_int_equal(sr_jose_ecdh_public_jwk(&off, &joff), SR_OK);
    json_t *poff = json_loads(joff, 0, NULL);
    assert_int_equal(sr_jose_ecdh_derive(&a, poff, &ka), SR_ERR_INVALID);
    json_object_set_new(bad, "crv", json_string("P-384"));
    assert_int_equal(sr_jose_ecdh_derive(&a, bad, &ka), SR_ERR_DECODE);
    json_object_set_new(bad, "crv", json_string("P-256"));
    json_object_set_new(bad, "x", json_string("AAAA"));
    assert_int_equal(sr_jose_ecdh_derive(&a, bad, &ka), SR_ERR_DECODE);

    /* The derived K seals a channel message the peer opens. */
    struct sr_jose_key *k1 = NULL, *k2 = NULL;
    assert_int_equal(sr_jose_key_oct(sr_secret_slice(&kb), &k1), SR_OK);
    assert_int_equal(sr_jose_ecdh_derive(&a, pb, &ka), SR_OK);
    assert_int_equal(sr_jose_key_oct(sr_secret_slice(&ka), &k2), SR_OK);
    char *m = seal(SR_JOSE_CHANNEL, k1, KID_CH, payload);
    expect(SR_JOSE_CHANNEL, m, k2, KID_CH, SR_OK, SR_JOSE_OK);
    sr_free(m);
    sr_jose_key_free(k1);
    sr_jose_key_free(k2);
    json_decref(poff);
    json_decref(bad);
    json_decref(pa);
    json_decref(pb);
    sr_free(ja);
    sr_free(jb);
    sr_free(joff);
    sr_secret_cleanup(&ka);
    sr_secret_cleanup(&kb);
    sr_jose_ec_pair_cleanup(&a);
    sr_jose_ec_pair_cleanup(&b);
    sr_jose_ec_pair_cleanup(&off);
}

/* Every truncation and every single-character change of a valid message is refused. */
static void each_offset(enum sr_jose_kind kind, const struct sr_jose_key *seal_key,
                        const struct sr_jose_key *open_key, const char *kid)
{
    char *m = seal(kind, seal_key, kid, payload);
    size_t len = strlen(m);
    for (size_t i = 0; i < len; i++) {
        json_t *p = NULL;
        assert_int_not_equal(sr_jose_open(kind, m, i, open_key, kid, &p, NULL), SR_OK);
        assert_null(p);
        char c = m[i];
        m[i] = c == 'A' ? 'B' : 'A';
        assert_int_not_equal(sr_jose_open(kind, m, len, open_key, kid, &p, NULL), SR_OK);
        assert_null(p);
        m[i] = c;
    }
    expect(kind, m, open_key, kid, SR_OK, SR_JOSE_OK);
    sr_free(m);
}

static void truncations_and_changes(void **state)
{
    (void)state;
    each_offset(SR_JOSE_CHANNEL, chan, chan, KID_CH);
    each_offset(SR_JOSE_HANDSHAKE_RESPONSE, rsa_priv, rsa_pub, KID_STA);
    each_offset(SR_JOSE_HANDSHAKE_REQUEST, rsa_pub, rsa_priv, KID_STA);
}

/* Key, seal, open and JWK export with each of our allocations failing in turn. */
static sr_err alloc_op(void *arg)
{
    (void)arg;
    uint8_t k[32] = { 1 };
    struct sr_jose_key *key = NULL;
    char *m = NULL, *jwk = NULL;
    json_t *p = NULL;
    struct sr_jose_ec_pair pair;
    sr_err err = sr_jose_key_oct(sr_slice_of(k, sizeof(k)), &key);
    if (err == SR_OK) {
        err = sr_jose_seal(SR_JOSE_CHANNEL, key, KID_CH, sr_slice_of(payload, strlen(payload)), &m,
                           NULL);
    }
    if (err == SR_OK) {
        err = sr_jose_open(SR_JOSE_CHANNEL, m, strlen(m), key, KID_CH, &p, NULL);
    }
    if (err == SR_OK) {
        err = sr_jose_ecdh_generate(&pair);
        if (err == SR_OK) {
            err = sr_jose_ecdh_public_jwk(&pair, &jwk);
            sr_jose_ec_pair_cleanup(&pair);
        }
    }
    json_decref(p);
    sr_free(jwk);
    sr_free(m);
    sr_jose_key_free(key);
    return err;
}

static void alloc_failures(void **state)
{
    (void)state;
    assert_true(sr_test_each_alloc_failure(alloc_op, NULL, NULL) >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips),
        cmocka_unit_test(wrong_alg_enc),
        cmocka_unit_test(forbidden_headers),
        cmocka_unit_test(wrong_kid),
        cmocka_unit_test(iv_tag_lengths),
        cmocka_unit_test(tampering),
        cmocka_unit_test(sizes),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(malformed),
        cmocka_unit_test(ecdh),
        cmocka_unit_test(truncations_and_changes),
        cmocka_unit_test(alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
