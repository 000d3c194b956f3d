/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the KMS JOSE envelope: arbitrary bytes go through sr_jose_inspect, then sr_jose_open
 * for every message kind with fixed keys (the corpus seeds were made under these keys, so the
 * valid ones reach decryption and signature checks), and through the strict JSON parser.
 * Oracles: nothing crashes or leaks; every result's sr_err matches its reason; a success
 * yields a JSON object and a failure yields nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/jose_int.h"

#define KID_CH  "kms://kms.example.org/ecdhe/5d0e"
#define KID_STA "kms://kms.example.org/static/1"

/* The RSA-2048 key the seeds were made with (test-only; never a deployment key). */
static const char v_jwk[] =
        "{\"kty\":\"RSA\",\"n\":\"vEbMPuKS6Ca_ywrrRoPjhFIXL9p2rgtYf0OLQswyy_DTxJEUfPqB-GzCRR-i8a5"
        "pcZ3ey4M_eS3YT4GRmV06-49JDq2_exYpHV350x-SIC4FSo3iTYWum9lWfB82tLgTZLi1eXJfvG2QPNhN9gdRDtp"
        "5HS33lpeRmxgzgk9vpIP3tYT-_1dBOEGrrRqZtbBYEUOIId_VPQ9At3xbbwvVM62qYe-4mZ5u-yn8lO_BEt_5Zxa"
        "bXI-F5_ycBscY9bk2alvleWqGwqkm8Hxt4sud5w6VCRVVnE0s5C0YgzLBbaiYjDmKFmEdxijv3b5-10HfRqbBuDl"
        "snlv74VAgmspdmQ\",\"e\":\"AQAB\",\"d\":\"A2H8Qnb8r7oegQ3pq0MsX9C_xObWcgsXJHY4ttMHaJ2jmGk"
        "I5rPziNyfYvGOEmyRTW7KNXretZUqyUbpMEm6CRIKfH6HrbT4uSPanL34-KYLB0tkUQNBX2B4ytMevwF9q7Yb4Jo"
        "6-R441LcIM47vGGa5fVo5lBWWEqTNLB60QU7ruYMLWczAY3prqBs1813oTP60CVQO3BKISIAVKHuUodgSFixsinS"
        "6MtTTOYcfkVlMeC9ieHmVbN3IJpGEr4oOZidXfFR1Kv8Q4dhhq15OcUxQa1eLN23k4-fMDqKqV4MkN8wtd8lFt7W"
        "ZDKgMgJV47ex5GU20n4J9wCoPGzLsbw\",\"p\":\"_IZ0zp0sSv6iD1rKq5Ta4diqB2S_bXlKGBAH_NG5h7F3Oo"
        "TUosNk7iglAPoVHyLHrAw3v-XpZWPxItovan_uLmfH2qh0O1T1oJ_QGH8DDiZ4psyLu5AzffLFJQaWefR5i2Wjae"
        "G3cRbFMVDTbOq63-_Fhc26EYO8yT5LEfW6hE8\",\"q\":\"vt4FBbJC1f-d149TEfvnsBLE-l9nBcsTrNUH9NSZ"
        "smc1sOzByr9yblTqqf_fuI32pKYEb3D8BovTmGew9FhIDikdvbUJiS7RqY4IusHRhDTz6b7h91JoiJ0eeYjYgbNY"
        "M1HD1TULnee9JvXn4hCfdACW4AAQRoMP-hOSGOpovZc\",\"dp\":\"RVpsFB6ofoRGX-8wgEUmhCZsNBGgXWGVT"
        "tyARRgYW0MLGsBGYdlGC_5sg0Mrr9xueDr2yLZNDnKPVGIV6aru8EHCarQfD_h6aT3a-g9P-H_qXO0KZ13oNmwJZ"
        "uzTQPU6uGUWp0q9hcqaJ7wqBNzGrB_-4Iuq0Yqbu61nEqypKBM\",\"dq\":\"uV5lIEglkzKjeHPxKLkvJhjEh6"
        "laJA07uZJYHNbRwqtsQL1f5OoUV8VO9vXTsKjnjrbR_e2MR0tLoGusN1L6AA68nL8TWNFIvNR98-tC8ZSAA1bonM"
        "vDTFLUAxL9utGUapsRh6Lx-lTTpuASacLdKctcvIYzSFgHj0esj1gxi1c\",\"qi\":\"tm_Eyv5Q7JBMkwkzcpb"
        "Kd_bmEyERV2TJHFthuEDFkfXTcqtjyk4ety93Ne9maiK8hchrvwqtqXnegnRMIbLimd4qlgR2PCaV39yaq-05JC4"
        "gBei60cquGpcPv447NjVnFPSvifxoNY_p9wUUNwnUZWOseYQc_tZJSGonL90qHDs\"}";

static struct sr_jose_key *rsa_priv, *rsa_pub, *oct;

static void keys_once(void)
{
    if (oct != NULL) {
        return;
    }
    uint8_t k[32];
    memset(k, 0x42, sizeof(k));
    char *pub = NULL;
    if (sr_jose_key_import(v_jwk, strlen(v_jwk), &rsa_priv) != SR_OK ||
        sr_jose_key_export(rsa_priv, false, &pub) != SR_OK ||
        sr_jose_key_import(pub, strlen(pub), &rsa_pub) != SR_OK ||
        sr_jose_key_oct(sr_slice_of(k, sizeof(k)), &oct) != SR_OK) {
        abort();
    }
    sr_free(pub);
}

static void check_reason(sr_err err, enum sr_jose_reason why)
{
    if (sr_jose_err_of(why) != err) {
        abort();
    }
}

static void check(sr_err err, enum sr_jose_reason why, json_t *payload)
{
    check_reason(err, why);
    if ((err == SR_OK) != (payload != NULL) || (payload != NULL && !json_is_object(payload))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keys_once();
    /* A private copy with no NUL, so a read past `size` is caught by the sanitizers. */
    char *msg = sr_malloc(size ? size : 1);
    if (msg == NULL) {
        return 0;
    }
    memcpy(msg, data, size);

    struct sr_jose_header hdr;
    enum sr_jose_reason why = SR_JOSE_INTERNAL;
    sr_err err = sr_jose_inspect(msg, size, &hdr, &why);
    check_reason(err, why);
    if (err != SR_OK && hdr.kid[0] != '\0') {
        abort(); /* a refused message leaves no kid behind */
    }

    static const struct {
        enum sr_jose_kind kind;
        const char *kid;
    } kinds[] = {
        { SR_JOSE_HANDSHAKE_REQUEST, KID_STA },
        { SR_JOSE_HANDSHAKE_RESPONSE, KID_STA },
        { SR_JOSE_RESET, KID_STA },
        { SR_JOSE_CHANNEL, KID_CH },
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const struct sr_jose_key *key = kinds[i].kind == SR_JOSE_CHANNEL             ? oct
                                        : kinds[i].kind == SR_JOSE_HANDSHAKE_REQUEST ? rsa_priv
                                                                                     : rsa_pub;
        json_t *payload = NULL;
        err = sr_jose_open(kinds[i].kind, msg, size, key, kinds[i].kid, &payload, &why);
        check(err, why, payload);
        json_decref(payload);
    }

    json_t *j = NULL;
    err = sr_jose_json_parse(sr_slice_of(msg, size), &j, &why);
    check(err, why, j);
    json_decref(j);
    sr_free(msg);
    return 0;
}
