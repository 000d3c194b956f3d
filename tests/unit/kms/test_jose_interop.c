/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Interoperability of the JOSE envelope with an independent implementation: messages made
 * outside this project (Python "cryptography": AES-256-GCM, RSA-OAEP with SHA-1, RSASSA-PSS
 * with SHA-256 and a 32-byte salt, P-256 ECDH and HKDF-SHA-256) under the fixed RSA-2048 key
 * below must open, and the ECDH derivation must give the same K (KMS.md §2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "kms/jose_int.h"
#include "testutil.h"

#define KID_CH  "kms://kms.example.org/ecdhe/5d0e"
#define KID_STA "kms://kms.example.org/static/1"

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

static const char v_channel[] =
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoia21zOi8va21zLmV4YW1wbGUub3JnL2VjZGhlLzVk"
        "MGUifQ..s1ittkELUk3Saond.iuBzPDL7oCxIQbWwO9wtxkuw-cFadMUTM4N-eR7zQl-VD8aIn1RkLS7es0y1dly"
        "lWaTAH9mgIt3aGHIIAA.9cWWKrLI4q7TzvGAeiyL8g";

static const char v_handshake[] =
        "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00iLCJraWQiOiJrbXM6Ly9rbXMuZXhhbXBsZS5vcmcvc3Rh"
        "dGljLzEifQ.Q6GBCt-Usp2ENkX8nTl2N5xXLbsuqn53iKSeHnpND0ATBPAkqfOfSJ_rIr2BkKPRVpTGz8ceTnrdK"
        "CCmHt2ogZVdAWdOyFbv80i6yCa-e4pPORRpYHQiZR-zEZBdF72bW_FDZXx5nXsJknfDz8q5YieCTizfSM7zGHuiR"
        "_DU-6yJSHcKXZAaCK2HNfj1S_9MAMddgLBK8TOLc_eXe81R-QPdSacSbm4mucx5wp_6j1OxfJRJZqk9cYkXT92JE"
        "L68ZRuW2fzbi68GU__K5LBKt8_-WNSAI5oxB3OQ9Txwyd2Vf-H7lsH175Fvjt5Mx6_WxIMROq4oZvW3wa9XhrN-M"
        "Q.yO2w6X_yLt5dmnEB.N3HbVzWIwM1BRNQR_3Ee1im-S0V5_5Vs6VdSgb_OWpgQknWWW5LA0jGDaCHcdXxiSUm01"
        "9nMkQSJHm7g-_zIryEY7mF-R5X27Iizm6bYEyMyQxGSxe3D7P9PH15kCoA5nawUomxx2bPdZZd1Htf34fqu-JbKy"
        "Qoje8n2b9PYWrw.hSpHED18cOnCRqAraFc70Q";

static const char v_response[] =
        "eyJhbGciOiJQUzI1NiIsImtpZCI6ImttczovL2ttcy5leGFtcGxlLm9yZy9zdGF0aWMvMSJ9.eyJzdGF0dXMiOjI"
        "wMSwicmVxdWVzdElkIjoiYS0xIn0.lrUexHf3ryPeuUA-W3jO9BOKmcExD3ff9jLLlV5sysr8yI3AvTkj1YCRdKx"
        "BwBMwdT1qcVpEthy5xhSY3wKwONAOJt3KZPG9cg01KJKB7aPb4UQWouUG8t2mVUCjb0t4EBj2A98zVrB7sXwfWPH"
        "Zi6Bs_j68NzI0F-1mU275P48b0unGXnTAu-E6vnORuiN6dtq2vJYPPKFktIKaidL0OqdE9-huPxtJ9N21qzsQgUD"
        "PI6TKh72VfengaJiXyYq6oZJaUAL9gYPL-KqZnEdoLCICx96vDtxKsy1jqL6l7iit4MV_1p6y6ANavwUDBpYpAtN"
        "oy2fL43ko3lTsKRssiw";

static const char v_reset[] =
        "eyJhbGciOiJQUzI1NiIsImtpZCI6ImttczovL2ttcy5leGFtcGxlLm9yZy9zdGF0aWMvMSJ9.eyJzdGF0dXMiOjQ"
        "5OSwiZXJyb3JDb2RlIjoiUkVTRVQiLCJyZXF1ZXN0SWQiOiJhLTEifQ.SvvgXuo-7BFSKs3fC2jc9SYkTCT2kJ27"
        "Sv4UPeuAaO8InCy4B9t0bTsThXZD4kqj76w8A9UqMwD-GgI_oDkDFdTa9zTq4azM4dkcoTwD5Gh_slr_8MfPB-E3"
        "6eqeYENNgwYipaHTtsuz0s9OXY4hh51e0044v3W8kE-boTASJew8RWxa83acL315I9RIwmi-stnY53WiItzZxKrS"
        "0tCPeQNP3tql9a03tEUUag6lNUaMXmkY41kOWEe_8vSjN_2EeOQGyT5cVAaSeqMJ7nPSuoOVK2dkGrVXqu0J9YsN"
        "RtKr3yWnIwZMQbttEzIn7s40qpcJlPuR7gP876V_H5WSwQ";

static const char v_ecdh_a_priv[] =
        "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
static const char v_ecdh_b_x[] = "HxQBRr-xslH4T03b4NTNz9d6_ZhKlSDjV5QCH4MSu54";
static const char v_ecdh_b_y[] = "7JlaCLH6dwTfPcwLUKlmUmP7dxH5X5-KRJxQluR8iSs";
static const char v_ecdh_K[] = "163719bdbc8a63698b6df772596cef08a53838cb13c8ebcd9ca2e24896746964";

static void open_ok(enum sr_jose_kind kind, const char *msg, const struct sr_jose_key *key,
                    const char *kid)
{
    json_t *p = NULL;
    enum sr_jose_reason why = SR_JOSE_INTERNAL;
    assert_int_equal(sr_jose_open(kind, msg, strlen(msg), key, kid, &p, &why), SR_OK);
    assert_int_equal(why, SR_JOSE_OK);
    assert_string_equal(json_string_value(json_object_get(p, "requestId")), "a-1");
    json_decref(p);
}

static void foreign_messages(void **state)
{
    (void)state;
    struct sr_jose_key *rsa = NULL, *pub = NULL, *oct = NULL;
    uint8_t k[32];
    memset(k, 0x42, sizeof(k));
    assert_int_equal(sr_jose_key_import(v_jwk, strlen(v_jwk), &rsa), SR_OK);
    char *pub_json = NULL;
    assert_int_equal(sr_jose_key_export(rsa, false, &pub_json), SR_OK);
    assert_int_equal(sr_jose_key_import(pub_json, strlen(pub_json), &pub), SR_OK);
    assert_int_equal(sr_jose_key_oct(sr_slice_of(k, sizeof(k)), &oct), SR_OK);
    open_ok(SR_JOSE_CHANNEL, v_channel, oct, KID_CH);
    open_ok(SR_JOSE_HANDSHAKE_REQUEST, v_handshake, rsa, KID_STA);
    open_ok(SR_JOSE_HANDSHAKE_RESPONSE, v_response, pub, KID_STA);
    open_ok(SR_JOSE_RESET, v_reset, pub, KID_STA);
    sr_free(pub_json);
    sr_jose_key_free(rsa);
    sr_jose_key_free(pub);
    sr_jose_key_free(oct);
}

static void ecdh_known_answer(void **state)
{
    (void)state;
    struct sr_buf priv = { 0 }, want = { 0 };
    sr_test_hex(v_ecdh_a_priv, &priv);
    sr_test_hex(v_ecdh_K, &want);
    struct sr_jose_ec_pair a;
    memset(&a, 0, sizeof(a));
    assert_int_equal(sr_secret_set(&a.priv, priv.p, priv.len), SR_OK);
    json_t *peer = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", v_ecdh_b_x,
                             "y", v_ecdh_b_y);
    assert_non_null(peer);
    struct sr_secret key;
    assert_int_equal(sr_jose_ecdh_derive(&a, peer, &key), SR_OK);
    assert_int_equal(key.len, want.len);
    assert_memory_equal(key.p, want.p, want.len);
    sr_secret_cleanup(&key);
    sr_jose_ec_pair_cleanup(&a);
    json_decref(peer);
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(foreign_messages),
        cmocka_unit_test(ecdh_known_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
