/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks a KMS message passes before any key touches it (KMS.md §2): size, compact form,
 * protected header (strict JSON, forbidden members, pinned alg and enc, kid), IV and tag
 * lengths. Running them before cjose sees the message means cjose only ever decrypts or
 * verifies the few forms the KMS allows, and a refusal names its exact reason.
 */
#include <string.h>

#include "kms/jose_int.h"

/* KMS.md §2: "no `zip`, `crit`, `jku`, `x5u`, `jwk` allowed". */
static const char *const forbidden[] = { "zip", "crit", "jku", "x5u", "jwk" };

static const struct sr_jose_rule rules[] = {
    [SR_JOSE_HANDSHAKE_REQUEST] = { true, "RSA-OAEP", "A256GCM" },
    [SR_JOSE_HANDSHAKE_RESPONSE] = { false, "PS256", NULL },
    [SR_JOSE_RESET] = { false, "PS256", NULL },
    [SR_JOSE_CHANNEL] = { true, "dir", "A256GCM" },
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

#define HEADER_MAX 4096

static const struct {
    enum sr_jose_reason why;
    sr_err err;
    const char *text;
} reasons[] = {
    { SR_JOSE_OK, SR_OK, "ok" },
    { SR_JOSE_TOO_LARGE, SR_ERR_LIMIT, "message larger than 64 KiB" },
    { SR_JOSE_MALFORMED, SR_ERR_DECODE, "not a compact JWE/JWS of the expected form" },
    { SR_JOSE_BAD_HEADER, SR_ERR_DECODE, "protected header is not a valid JSON object" },
    { SR_JOSE_DUPLICATE_MEMBER, SR_ERR_DECODE, "JSON object repeats a member name" },
    { SR_JOSE_FORBIDDEN_HEADER, SR_ERR_DENIED, "header uses zip, crit, jku, x5u or jwk" },
    { SR_JOSE_WRONG_ALG, SR_ERR_UNSUPPORTED, "alg is not the one allowed for this message" },
    { SR_JOSE_WRONG_ENC, SR_ERR_UNSUPPORTED, "enc is not the one allowed for this message" },
    { SR_JOSE_WRONG_KID, SR_ERR_NOT_FOUND, "kid is missing or names another key" },
    { SR_JOSE_BAD_IV, SR_ERR_INVALID, "IV is not 12 bytes" },
    { SR_JOSE_BAD_TAG, SR_ERR_INVALID, "authentication tag is not 16 bytes" },
    { SR_JOSE_BAD_KEY, SR_ERR_INVALID, "key or encrypted key of the wrong kind" },
    { SR_JOSE_AUTH_FAILED, SR_ERR_AUTH, "decryption or signature check failed" },
    { SR_JOSE_BAD_PAYLOAD, SR_ERR_DECODE, "payload is not a UTF-8 JSON object" },
    { SR_JOSE_INTERNAL, SR_ERR_CRYPTO, "JOSE library failure" },
};

const char *sr_jose_reason_str(enum sr_jose_reason why)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].why == why) {
            return reasons[i].text;
        }
    }
    return "unknown reason";
}

sr_err sr_jose_err_of(enum sr_jose_reason why)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].why == why) {
            return reasons[i].err;
        }
    }
    return SR_ERR_CRYPTO;
}

sr_err sr_jose_fail(enum sr_jose_reason *why, enum sr_jose_reason r)
{
    if (why != NULL) {
        *why = r;
    }
    return sr_jose_err_of(r);
}

const struct sr_jose_rule *sr_jose_rule_of(enum sr_jose_kind kind)
{
    return (size_t)kind < N_RULES ? &rules[kind] : NULL;
}

sr_err sr_jose_json_parse(struct sr_slice text, json_t **out, enum sr_jose_reason *why)
{
    *out = NULL;
    if (text.len > SR_JOSE_PAYLOAD_MAX) {
        return sr_jose_fail(why, SR_JOSE_TOO_LARGE);
    }
    json_error_t e;
    json_t *j = json_loadb((const char *)text.p, text.len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        return sr_jose_fail(why, json_error_code(&e) == json_error_duplicate_key
                                         ? SR_JOSE_DUPLICATE_MEMBER
                                         : (json_error_code(&e) == json_error_out_of_memory
                                                    ? SR_JOSE_INTERNAL
                                                    : SR_JOSE_BAD_PAYLOAD));
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return sr_jose_fail(why, SR_JOSE_BAD_PAYLOAD);
    }
    *out = j;
    return sr_jose_fail(why, SR_JOSE_OK);
}

static bool split(const char *compact, size_t len, struct sr_jose_parts *parts)
{
    parts->n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || compact[i] == '.') {
            if (parts->n == 5) {
                return false;
            }
            parts->part[parts->n++] = sr_slice_of(compact + start, i - start);
            start = i + 1;
        }
    }
    return parts->n == 5 || parts->n == 3;
}

/* Validate one part's base64url and demand an exact length (0: any); `bad` is the reason for a
 * length. */
static enum sr_jose_reason part_len(struct sr_slice part, size_t want, enum sr_jose_reason bad)
{
    size_t len = 0;
    if (sr_jose_b64_len(part, &len) != SR_OK) {
        return SR_JOSE_MALFORMED;
    }
    return want != 0 && len != want ? bad : SR_JOSE_OK;
}

static enum sr_jose_reason header_json(struct sr_slice part, json_t **hdr)
{
    uint8_t mem[HEADER_MAX];
    struct sr_buf b;
    sr_buf_init_fixed(&b, mem, sizeof(mem));
    if (part.len == 0 || sr_jose_b64_decode(part, &b) != SR_OK) {
        return SR_JOSE_MALFORMED;
    }
    enum sr_jose_reason why = SR_JOSE_OK;
    if (sr_jose_json_parse(sr_buf_slice(&b), hdr, &why) != SR_OK) {
        return why == SR_JOSE_BAD_PAYLOAD ? SR_JOSE_BAD_HEADER : why;
    }
    return SR_JOSE_OK;
}

/* Forbidden members, then alg (choosing the kind when any_kind), enc and kid. */
static enum sr_jose_reason header_rules(json_t *h, size_t nparts, bool any_kind,
                                        struct sr_jose_header *hdr)
{
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
        if (json_object_get(h, forbidden[i]) != NULL) {
            return SR_JOSE_FORBIDDEN_HEADER;
        }
    }
    json_t *alg = json_object_get(h, "alg"), *enc = json_object_get(h, "enc");
    json_t *kid = json_object_get(h, "kid");
    if ((alg && !json_is_string(alg)) || (enc && !json_is_string(enc)) ||
        (kid && !json_is_string(kid))) {
        return SR_JOSE_BAD_HEADER;
    }
    bool jwe = nparts == 5;
    const struct sr_jose_rule *r = any_kind ? NULL : &rules[hdr->kind];
    for (size_t k = 0; any_kind && k < N_RULES && r == NULL; k++) {
        if (rules[k].jwe == jwe && alg && strcmp(json_string_value(alg), rules[k].alg) == 0) {
            r = &rules[k];
            hdr->kind = (enum sr_jose_kind)k;
        }
    }
    if (r == NULL || alg == NULL || strcmp(json_string_value(alg), r->alg) != 0) {
        return SR_JOSE_WRONG_ALG;
    }
    if (r->enc != NULL ? enc == NULL || strcmp(json_string_value(enc), r->enc) != 0 : enc != NULL) {
        return SR_JOSE_WRONG_ENC;
    }
    size_t kid_len = kid ? json_string_length(kid) : 0;
    if (kid_len == 0 || kid_len >= sizeof(hdr->kid) || strlen(json_string_value(kid)) != kid_len) {
        return SR_JOSE_WRONG_KID;
    }
    memcpy(hdr->kid, json_string_value(kid), kid_len + 1);
    return SR_JOSE_OK;
}

/* The JWE body: encrypted key (empty for dir), IV of 12 bytes, ciphertext, tag of 16. */
static enum sr_jose_reason jwe_body(const struct sr_jose_parts *p, enum sr_jose_kind kind)
{
    bool dir = kind == SR_JOSE_CHANNEL;
    if (dir != (p->part[1].len == 0)) {
        return SR_JOSE_BAD_KEY;
    }
    enum sr_jose_reason r = part_len(p->part[1], 0, SR_JOSE_OK);
    if (r == SR_JOSE_OK) {
        r = part_len(p->part[2], SR_JOSE_IV_LEN, SR_JOSE_BAD_IV);
    }
    if (r == SR_JOSE_OK) {
        r = part_len(p->part[4], SR_JOSE_TAG_LEN, SR_JOSE_BAD_TAG);
    }
    if (r == SR_JOSE_OK) {
        r = part_len(p->part[3], 0, SR_JOSE_OK);
    }
    return r;
}

sr_err sr_jose_check(const char *compact, size_t len, enum sr_jose_kind kind, bool any_kind,
                     struct sr_jose_header *hdr, struct sr_jose_parts *parts,
                     enum sr_jose_reason *why)
{
    memset(hdr, 0, sizeof(*hdr));
    SR_CHECK(compact != NULL && (any_kind || sr_jose_rule_of(kind) != NULL), SR_ERR_ARG);
    if (len > SR_JOSE_COMPACT_MAX) {
        return sr_jose_fail(why, SR_JOSE_TOO_LARGE);
    }
    if (!split(compact, len, parts) || (!any_kind && rules[kind].jwe != (parts->n == 5))) {
        return sr_jose_fail(why, SR_JOSE_MALFORMED);
    }
    hdr->kind = kind;
    json_t *h = NULL;
    enum sr_jose_reason r = header_json(parts->part[0], &h);
    if (r == SR_JOSE_OK) {
        r = header_rules(h, parts->n, any_kind, hdr);
    }
    json_decref(h);
    if (r == SR_JOSE_OK && parts->n == 5) {
        r = jwe_body(parts, hdr->kind);
    } else if (r == SR_JOSE_OK) {
        r = part_len(parts->part[1], 0, SR_JOSE_OK);
        if (r == SR_JOSE_OK && parts->part[2].len == 0) {
            r = SR_JOSE_MALFORMED;
        }
        if (r == SR_JOSE_OK) {
            r = part_len(parts->part[2], 0, SR_JOSE_OK);
        }
    }
    if (r != SR_JOSE_OK) {
        memset(hdr, 0, sizeof(*hdr));
    }
    return sr_jose_fail(why, r);
}

sr_err sr_jose_inspect(const char *compact, size_t len, struct sr_jose_header *out,
                       enum sr_jose_reason *why)
{
    struct sr_jose_parts parts;
    return sr_jose_check(compact, len, SR_JOSE_HANDSHAKE_REQUEST, true, out, &parts, why);
}
