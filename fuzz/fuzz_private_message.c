/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz PrivateMessage (and PublicMessage) unprotect (RFC 9420 §6.2, §6.3) against one fixed
 * group: suite 1 of message-protection.json, two leaves, leaf 1 the only known signer, so
 * the seeds taken from that file decrypt and verify. Every input gets a fresh secret tree.
 * Oracles: success only ever names leaf 1, a rejection leaves the output zeroed and the
 * plaintext buffer empty, and the same input opened twice is then a replay.
 */
#include <stdlib.h>
#include <string.h>

#include "mls/protect.h"
#include "mls/wire_group_context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hex[] = {
    "42e4c3a73738d838cb4f9dc550cb81406206943f9e6870ee150f2000ae8aa780", /* group_id */
    "a257a326c7b632ce7ccdea8d3a3b5c3c2daa53a21029b3673ee05e9a3cea5934", /* tree_hash */
    "59b10f7a137e853c4ef7ce43d2fe0a481bb80652f648c5efab11c3141a1ba60c", /* cth */
    "62087f5b047e5292d5d29ded0977442788633c196a607988238b8c4374b4b4be", /* signature_pub */
    "4db33574f514024e61e2a15e71527182f62561d84b4d8230501b623d848df998", /* encryption */
    "b21dfbbf69da2fec93299d8bd0795ad0aec22b42d83ff10a2e5e3f997672b8b3", /* sender_data */
    "1f338b39337d019ab52c797bc836875998387e88fe711287df2258bc8f9967fb", /* membership */
};
enum {
    GID,
    TREE,
    CTH,
    PUB,
    ENC,
    SDS,
    MEM,
    N
};

static struct sr_buf v[N], gc;

static sr_err lookup(void *arg, const struct sr_mls_sender *s,
                     const struct sr_mls_framed_content *c, struct sr_slice *pub)
{
    (void)arg;
    (void)c;
    if (s->type != SR_MLS_SENDER_MEMBER || s->index != 1) {
        return SR_ERR_NOT_FOUND;
    }
    *pub = sr_buf_slice(&v[PUB]);
    return SR_OK;
}

static void init_once(void)
{
    static int done;
    if (done) {
        return;
    }
    done = 1;
    for (int i = 0; i < N; i++) {
        if (sr_hex_decode(hex[i], strlen(hex[i]), &v[i]) != SR_OK) {
            abort();
        }
    }
    struct sr_mls_group_context g = { SR_MLS_VERSION_10,      1,
                                      sr_buf_slice(&v[GID]),  1184274,
                                      sr_buf_slice(&v[TREE]), sr_buf_slice(&v[CTH]),
                                      sr_slice_of(NULL, 0) };
    if (sr_mls_group_context_encode(&g, &gc) != SR_OK) {
        abort();
    }
}

static void check_private(struct sr_mls_protect_ctx *ctx, struct sr_slice in)
{
    struct sr_mls_authenticated_content ac;
    struct sr_buf pt;
    sr_buf_init(&pt, 0, SR_BUF_WIPE);
    sr_err err = sr_mls_private_message_unprotect(ctx, in, &pt, &ac);
    if (err == SR_OK) {
        if (ac.content.sender.type != SR_MLS_SENDER_MEMBER || ac.content.sender.index != 1) {
            abort();
        }
        sr_mls_authenticated_content_cleanup(&ac);
        if (sr_mls_private_message_unprotect(ctx, in, &pt, &ac) != SR_ERR_REPLAY) {
            abort(); /* §9.2: the generation's key is gone */
        }
    } else if (pt.len != 0 || ac.content.content_type != 0) {
        abort();
    }
    sr_mls_authenticated_content_cleanup(&ac);
    sr_buf_cleanup(&pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    const struct sr_suite *suite = sr_suite_get(1);
    struct sr_mls_secret_tree *tree = NULL;
    struct sr_mls_protect_ctx *ctx = NULL;
    if (sr_mls_secret_tree_new(suite, sr_buf_slice(&v[ENC]), 2, NULL, &tree) != SR_OK) {
        abort();
    }
    struct sr_mls_protect_params p = { suite,
                                       sr_buf_slice(&gc),
                                       sr_buf_slice(&v[MEM]),
                                       sr_buf_slice(&v[SDS]),
                                       tree,
                                       2,
                                       0,
                                       sr_slice_of(NULL, 0),
                                       lookup,
                                       NULL,
                                       0 };
    if (sr_mls_protect_ctx_new(&p, &ctx) != SR_OK) {
        abort();
    }
    struct sr_slice in = sr_slice_of(size ? data : (const uint8_t *)"", size);
    check_private(ctx, in);
    struct sr_mls_authenticated_content ac;
    if (sr_mls_public_message_unprotect(ctx, in, &ac) == SR_OK &&
        ac.content.content_type == SR_MLS_CONTENT_APPLICATION) {
        abort(); /* §6: never application data in a PublicMessage */
    }
    sr_mls_authenticated_content_cleanup(&ac);
    sr_mls_protect_ctx_free(ctx);
    sr_mls_secret_tree_free(tree);
    return 0;
}
