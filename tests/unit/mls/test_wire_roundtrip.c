/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire codecs on real messages from messages.json: byte-exact round trips, _dup copies that
 * outlive their input, every truncation and any trailing byte rejected as SR_ERR_DECODE with
 * outputs zeroed, and each allocation failing in turn giving SR_ERR_NOMEM (leaks are caught by
 * the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mls/wire_message.h"
#include "mls/wire_ratchet_tree.h"
#include "testutil.h"

/* messages.json[0].mls_key_package */
static const char KEY_PACKAGE_HEX[] =
        "000100050001000120c749ea08b3d33784ecf799c150ed8a43580e1cc12a1a893822547ba3c021ac76201e44"
        "ee2a27540d5c65a3f1e07bcb2ba558959ad22168d4de7f180201a9b666222038a5e7481e20afe7e500cb3065"
        "a67ebe9c2c3ecd537d4479309159fe2215c4b5000105416c696365020001060001000200030200010c000100"
        "02000300040005000702000101000000006408842400000000647750340040404cdfef1fdc8d04758353f3f0"
        "7c2fe7282fa0215ddc72441a33124ef5106df858f86f57aefe08f255450df1243b630b8dd3912cbf2d94af76"
        "12fa4a07420cb70d004040136da188e3b773e12e76c9be654f7b51fc94bb8f7d53059e7ce2421d9226e8d163"
        "7209d3d65ed1ab0a198e1e63e2052dfdae85609f7d06951cf62ef66a12b300";

/* messages.json[0].mls_welcome */
static const char WELCOME_HEX[] =
        "000100030001409820b476143a05c9998ec979b6238fee883a9f465ed4b6ea2c694b2258e51dba7d5f20e141"
        "0ed962d691c2df6625d4ce889f322ae9ebdeff7a20cca524968e78d41c0140544245da924c89675bbc415e71"
        "3ba2daf036bdab200d1dad416de001089cbf99918fb57f26658f117df2e8925aeb60a009636d6f64fab5b66d"
        "ebf02aeefbd0a7e1927196f9bfd2796a1706586b7d0bc39d11d47a0b4102117b239baf2f747e56ac7f8b2868"
        "966ef5507fff8dcf31aaca212734fd903b73f3b4eac307ba16d00afe4e8714ddb9af0e313287b8786df09ed9"
        "9447bcedc8b8fdaa5fff19339f7a176801c1224a0e0c1f701dcc7fe9183a632b88b5f91f2c5780be8f9c2a40"
        "ed9157dd57ebb729733cbdece565f6e00bb59406b531775c66d6c52491de29dd1b64e293046d06c68477e0ec"
        "d1b22d704d1cdc4615b03f98bde98535ac9f0eee6b7c7a0ccb8ac39157aa846be24dcffcb05a5f048b346f04"
        "79f83bcf3bfa23c6a3bb3b7652f565d52295598ccd4714fead52ca595a6d613b907c322079325cd3af24eda3"
        "544457aa76d2930c43c1e40e22d290a57f8f3a9dd6121a7b";

/* messages.json[0].mls_group_info */
static const char GROUP_INFO_HEX[] =
        "00010004000100011057f89bad9b38b906d15100f720422e900000000000000000204791deb51610ceeee433"
        "3b92eb02dbaeff2f29809ba66bfa105233e478f0b70720000000000000000000000000000000000000000000"
        "00000000000000000000000600030300000040d5000240ad40ab010120d64aa6e8d92e72e40f5ee1e4530c5f"
        "15e8b1088fdb27191807ea682dce8722232038a5e7481e20afe7e500cb3065a67ebe9c2c3ecd537d44793091"
        "59fe2215c4b5000105416c696365020001020001000002000101000000006408842400000000647750340040"
        "409126d4860e4813c5cfddc8943406bcf5a6052ee28f48e41d1feebdd6f833cfc9cffcb3d25cb6306060f862"
        "73abce10b21d73c8b48f1868ca0d7311507899a7000004212046f72a2aadd9061959785bde73e922df0de3ba"
        "e3c6aefc29a1e2e7b0f4f4987d203466c4297e35375676e20ccc765b1e46973e9468c1679da707be06be0971"
        "be8500000000404022f616969d2bc9bbf0aa710e211c4e695be3383a3485c31857dcb7cadc40cb690bf12d9a"
        "3eb460134f3b414e8b7a0ebcdd37de2c1c52fb97bb8e376ade02de0b";

/* messages.json[0].public_message_application */
static const char PUBLIC_APPLICATION_HEX[] =
        "000100011057f89bad9b38b906d15100f720422e90000000000000000101000000000361616401036d736740"
        "4069d1761429c48259525c1a7bdda1e92837a8e5f124f37f008ed1f0d9927cc197a708569fd1daccdbe79b5b"
        "9fb2d3eeb0e2da0ae7d3471cc8d85e7063dafda309206c278f9cb0f2bfc369623ed9bb6ed25eccd17037f9a9"
        "d4939a2e8c2960194259";

/* messages.json[0].public_message_proposal */
static const char PUBLIC_PROPOSAL_HEX[] =
        "000100011057f89bad9b38b906d15100f720422e900000000000000000010000000003616164020001000100"
        "012014daaedfec3b04ca1b49695697b85e1e278c2b5851d031afe35ff0611aaec9602024a768c73a100ccceb"
        "3e062790bca6f17d95ae5567c0bfbdd9ba52bbd84e9a18203170de95c16a387572fe5bc68757c56b68537f33"
        "6ece7262b192c8be238da980000103426f62020001060001000200030200010c000100020003000400050007"
        "0200010100000000640884240000000064775034004040f40844a8d907c710f5da6423d30b4a016192424293"
        "1cc213bb2aff6f953550887f16f12d72248690e1cc15045d51b5796a1afc5f521e8f2cf9975ed38ffaa30700"
        "4040b0ffdb7f714e1a040e43f0e493f08eac215269b52b321112edb66a4bd2bd2136c8bf55dd9adbf3fc2a27"
        "395647bc74760d5b5b36c8a19050ad4f7c377b0b1d0e404022d70b9eb5620721c5962b1114270fc6d55fc3b0"
        "82dff3498075bd5c581dd5834d71fd6aa32da7676b6aee108f0e4128f13da7ac4ac2a1806e04ecbd6befba07"
        "206c278f9cb0f2bfc369623ed9bb6ed25eccd17037f9a9d4939a2e8c2960194259";

/* messages.json[0].public_message_commit */
static const char PUBLIC_COMMIT_HEX[] =
        "000100011057f89bad9b38b906d15100f720422e90000000000000000001000000000361616403220220667a"
        "257d4ee521993fefc37ec3b43c8dd5572503134330219943cfcfc1a5a95201207098e821eef3e503ce5f2a54"
        "bfce94cf78b1aac590be0fe685e8dcbc7696d4452038a5e7481e20afe7e500cb3065a67ebe9c2c3ecd537d44"
        "79309159fe2215c4b5000105416c696365020001020001000002000103202e6efd75b8b34836db7d525c7eeb"
        "65dcc11a918f21b5a9724ba63de99ef3b1820040404833e2b7ce5740d84e06dfb6e9bb8c2fa3cec86baf43b0"
        "ed6459e9e4910d6fcd1dda761fb4e43d2a3c70fcf045f95ee86dc7bad9078501c774c0f3cf275d170f22209e"
        "e6d8a7d342c383b16379beb6b4f7d3ce871973b1a3cee77f190fe11fbc394b0040402d8a2583d18875921992"
        "fc08a922ac9eb8fafbb5d7dc7550011d6885fd083f2bdb4fe08dc3b28489dce11aa0500b176cce5c43970a4a"
        "01e1163fb4a5362c390220fd07c4baa82036fe87fe89a47024628e3a1cf1a7f5c76b4782f9ed5a353cc99b20"
        "6c278f9cb0f2bfc369623ed9bb6ed25eccd17037f9a9d4939a2e8c2960194259";

/* messages.json[99].private_message */
static const char PRIVATE_HEX[] =
        "00010002103e16311212988b93ad956895bd0a5ff1000000000000000101036161641cf4b72d316d2dbc2350"
        "c8d1bc87e805ba8d28cbec1dafcc3caa79d15140566b83f4f098c1b9177addb0fe72d8affcdd28cd3b1bafb2"
        "95daee0b77912af4c965330d9f507ca20394702de1b1e59f328d8b0acb4880d068219a581228c56d17b81d26"
        "52d4f4fc03ecfa296464786e40e1e918c1a0ba";

/* messages.json[0].commit */
static const char COMMIT_HEX[] =
        "220220667a257d4ee521993fefc37ec3b43c8dd5572503134330219943cfcfc1a5a95201207098e821eef3e5"
        "03ce5f2a54bfce94cf78b1aac590be0fe685e8dcbc7696d4452038a5e7481e20afe7e500cb3065a67ebe9c2c"
        "3ecd537d4479309159fe2215c4b5000105416c696365020001020001000002000103202e6efd75b8b34836db"
        "7d525c7eeb65dcc11a918f21b5a9724ba63de99ef3b1820040404833e2b7ce5740d84e06dfb6e9bb8c2fa3ce"
        "c86baf43b0ed6459e9e4910d6fcd1dda761fb4e43d2a3c70fcf045f95ee86dc7bad9078501c774c0f3cf275d"
        "170f22209ee6d8a7d342c383b16379beb6b4f7d3ce871973b1a3cee77f190fe11fbc394b00";

/* messages.json[0].ratchet_tree */
static const char RATCHET_TREE_HEX[] =
        "40ab010120d64aa6e8d92e72e40f5ee1e4530c5f15e8b1088fdb27191807ea682dce8722232038a5e7481e20"
        "afe7e500cb3065a67ebe9c2c3ecd537d4479309159fe2215c4b5000105416c69636502000102000100000200"
        "0101000000006408842400000000647750340040409126d4860e4813c5cfddc8943406bcf5a6052ee28f48e4"
        "1d1feebdd6f833cfc9cffcb3d25cb6306060f86273abce10b21d73c8b48f1868ca0d7311507899a700";

/* messages.json[0].group_secrets */
static const char GROUP_SECRETS_HEX[] =
        "202eb97ae1eb1dc7d2edc7abedc1806d51586fd809158efd35750ec0bba07597bb01208e8d7b33c446857909"
        "83f63d6369e27ecc736e5d2dd01d3c0cabef2c024d7bee40430120e3d4395d880476e1e06489bf690796b79a"
        "773ed975fc9af065c0c6d06560346d208c09533add638383daea1225c51ae1b7963eb7ee94a006b1af72655d"
        "8c093785";

/* messages.json[0].update_proposal */
static const char UPDATE_HEX[] =
        "204a0d03e2b803722c73418e923a97dbf75702074f293e71a9c8d734c83be15c312038a5e7481e20afe7e500"
        "cb3065a67ebe9c2c3ecd537d4479309159fe2215c4b5000105416c6963650200010600010002000300020008"
        "02000102004040a78f1a35840ad3bb1371ffc6282a6673e4d625eb3ce62c113792262f59cc93534aa8a6eb16"
        "05c7bc7f73525635b2869d289cddf1e97bf156c47722f0da94b208";

/* messages.json[0].pre_shared_key_proposal */
static const char PSK_HEX[] =
        "01206abe22e1c5874f6e362918f2aa9a177f68160fe18a66edefc390ba9a5a8dfa0e204b9f39b63b44d92b57"
        "f7152036e334386f15622a02ec07d5dd8abdbd4912da7a";

/* messages.json[0].re_init_proposal */
static const char REINIT_HEX[] =
        "1057f89bad9b38b906d15100f720422e900001000140b1000240ad40ab010120d64aa6e8d92e72e40f5ee1e4"
        "530c5f15e8b1088fdb27191807ea682dce8722232038a5e7481e20afe7e500cb3065a67ebe9c2c3ecd537d44"
        "79309159fe2215c4b5000105416c696365020001020001000002000101000000006408842400000000647750"
        "340040409126d4860e4813c5cfddc8943406bcf5a6052ee28f48e41d1feebdd6f833cfc9cffcb3d25cb63060"
        "60f86273abce10b21d73c8b48f1868ca0d7311507899a700";
/* Decode `in` with one decoder, encode into `out`, release; the decoded value never escapes. */
typedef sr_err (*rt_fn)(struct sr_slice in, struct sr_buf *out);

static sr_err rt_message(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(in, &m));
    sr_err err = sr_mls_message_encode(&m, out);
    sr_mls_message_cleanup(&m);
    return err;
}

static sr_err rt_commit(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_commit c;
    SR_TRY(sr_mls_commit_decode(in, &c));
    sr_err err = sr_mls_commit_encode(&c, out);
    sr_mls_commit_cleanup(&c);
    return err;
}

static sr_err rt_tree(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_ratchet_tree t;
    SR_TRY(sr_mls_ratchet_tree_decode(in, 0, &t));
    sr_err err = sr_mls_ratchet_tree_encode(&t, out);
    sr_mls_ratchet_tree_cleanup(&t);
    return err;
}

static sr_err rt_group_secrets(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_group_secrets gs;
    SR_TRY(sr_mls_group_secrets_decode(in, &gs));
    sr_err err = sr_mls_group_secrets_encode(&gs, out);
    sr_mls_group_secrets_cleanup(&gs);
    return err;
}

static sr_err rt_leaf(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_leaf_node l;
    SR_TRY(sr_mls_leaf_node_decode(in, &l));
    sr_err err = sr_mls_leaf_node_encode(&l, out);
    sr_mls_leaf_node_cleanup(&l);
    return err;
}

static sr_err rt_psk(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_proposal p;
    SR_TRY(sr_mls_proposal_body_decode(in, SR_MLS_PROPOSAL_PSK, &p));
    sr_err err = sr_mls_proposal_body_encode(&p, out);
    sr_mls_proposal_cleanup(&p);
    return err;
}

static sr_err rt_reinit(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_proposal p;
    SR_TRY(sr_mls_proposal_body_decode(in, SR_MLS_PROPOSAL_REINIT, &p));
    sr_err err = sr_mls_proposal_body_encode(&p, out);
    sr_mls_proposal_cleanup(&p);
    return err;
}

static const struct sample {
    const char *name;
    const char *hex;
    rt_fn rt;
} samples[] = {
    { "key_package", KEY_PACKAGE_HEX, rt_message },
    { "welcome", WELCOME_HEX, rt_message },
    { "group_info", GROUP_INFO_HEX, rt_message },
    { "public_application", PUBLIC_APPLICATION_HEX, rt_message },
    { "public_proposal", PUBLIC_PROPOSAL_HEX, rt_message },
    { "public_commit", PUBLIC_COMMIT_HEX, rt_message },
    { "private", PRIVATE_HEX, rt_message },
    { "commit", COMMIT_HEX, rt_commit },
    { "ratchet_tree", RATCHET_TREE_HEX, rt_tree },
    { "group_secrets", GROUP_SECRETS_HEX, rt_group_secrets },
    { "leaf_node", UPDATE_HEX, rt_leaf },
    { "psk", PSK_HEX, rt_psk },
    { "reinit", REINIT_HEX, rt_reinit },
};
#define SAMPLE_COUNT (sizeof(samples) / sizeof(samples[0]))

static void roundtrip(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        sr_test_hex(samples[i].hex, &in);
        sr_buf_reset(&out);
        assert_int_equal(samples[i].rt(sr_buf_slice(&in), &out), SR_OK);
        assert_int_equal(out.len, in.len);
        assert_memory_equal(out.p, in.p, in.len);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void every_truncation_fails(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        sr_test_hex(samples[i].hex, &in);
        for (size_t n = 0; n < in.len; n++) {
            sr_buf_reset(&out);
            /* A copy of exactly n bytes, so the sanitizer sees any read past the end. */
            uint8_t *cut = malloc(n ? n : 1);
            assert_non_null(cut);
            memcpy(cut, in.p, n);
            sr_err err = samples[i].rt(sr_slice_of(cut, n), &out);
            free(cut);
            if (err != SR_ERR_DECODE) {
                print_error("%s truncated to %zu: %s\n", samples[i].name, n, sr_err_name(err));
            }
            assert_int_equal(err, SR_ERR_DECODE);
            assert_int_equal(out.len, 0);
        }
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
}

static void trailing_byte_fails(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        sr_test_hex(samples[i].hex, &in);
        static const uint8_t zero = 0;
        assert_int_equal(sr_buf_append(&in, &zero, 1), SR_OK);
        sr_buf_reset(&out);
        assert_int_equal(samples[i].rt(sr_buf_slice(&in), &out), SR_ERR_DECODE);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
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

/* A failed decode leaves its output zeroed, at every cut of every MLSMessage sample. */
static void failed_decode_zeroes_output(void **state)
{
    (void)state;
    struct sr_buf in = { 0 };
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        if (samples[i].rt != rt_message) {
            continue;
        }
        sr_test_hex(samples[i].hex, &in);
        for (size_t n = 0; n < in.len; n += 7) {
            struct sr_mls_message m;
            memset(&m, 0xa5, sizeof(m));
            assert_int_equal(sr_mls_message_decode(sr_slice_of(in.p, n), &m), SR_ERR_DECODE);
            assert_true(all_zero(&m, sizeof(m)));
        }
    }
    sr_buf_cleanup(&in);
}

/* A _dup copy encodes identically after its input is wiped and freed. */
static void dup_outlives_input(void **state)
{
    (void)state;
    struct sr_buf in = { 0 }, out = { 0 };
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        if (samples[i].rt != rt_message) {
            continue;
        }
        sr_test_hex(samples[i].hex, &in);
        struct sr_buf keep = { 0 };
        assert_int_equal(sr_buf_set(&keep, in.p, in.len), SR_OK);
        struct sr_mls_message m, copy;
        assert_int_equal(sr_mls_message_decode(sr_buf_slice(&in), &m), SR_OK);
        assert_int_equal(sr_mls_message_dup(&m, &copy), SR_OK);
        sr_mls_message_cleanup(&m);
        sr_wipe(in.p, in.len);
        sr_buf_cleanup(&in);
        sr_buf_reset(&out);
        assert_int_equal(sr_mls_message_encode(&copy, &out), SR_OK);
        assert_int_equal(out.len, keep.len);
        assert_memory_equal(out.p, keep.p, keep.len);
        sr_mls_message_cleanup(&copy);
        sr_buf_cleanup(&keep);
    }
    sr_buf_cleanup(&out);
}

struct alloc_case {
    const struct sample *s;
    struct sr_buf in;
    struct sr_buf out;
};

static sr_err alloc_op(void *arg)
{
    struct alloc_case *c = arg;
    return c->s->rt(sr_buf_slice(&c->in), &c->out);
}

static void alloc_reset(void *arg)
{
    struct alloc_case *c = arg;
    sr_buf_cleanup(&c->out);
}

static void each_allocation_failing(void **state)
{
    (void)state;
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        struct alloc_case c = { &samples[i], { 0 }, { 0 } };
        sr_test_hex(samples[i].hex, &c.in);
        unsigned failures = sr_test_each_alloc_failure(alloc_op, alloc_reset, &c);
        assert_true(failures > 0);
        sr_buf_cleanup(&c.in);
    }
}

struct dup_case {
    struct sr_mls_message m;
    struct sr_mls_message copy;
};

static sr_err dup_op(void *arg)
{
    struct dup_case *c = arg;
    sr_err err = sr_mls_message_dup(&c->m, &c->copy);
    if (err != SR_OK) {
        assert_true(all_zero(&c->copy, sizeof(c->copy)));
    }
    return err;
}

static void dup_reset(void *arg)
{
    struct dup_case *c = arg;
    sr_mls_message_cleanup(&c->copy);
}

static void dup_each_allocation_failing(void **state)
{
    (void)state;
    struct sr_buf in = { 0 };
    struct dup_case c;
    sr_test_hex(PUBLIC_COMMIT_HEX, &in);
    assert_int_equal(sr_mls_message_decode(sr_buf_slice(&in), &c.m), SR_OK);
    assert_true(sr_test_each_alloc_failure(dup_op, dup_reset, &c) > 0);
    sr_mls_message_cleanup(&c.m);
    sr_buf_cleanup(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roundtrip),
        cmocka_unit_test(every_truncation_fails),
        cmocka_unit_test(trailing_byte_fails),
        cmocka_unit_test(failed_decode_zeroes_output),
        cmocka_unit_test(dup_outlives_input),
        cmocka_unit_test(each_allocation_failing),
        cmocka_unit_test(dup_each_allocation_failing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
