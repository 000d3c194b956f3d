/* SPDX-License-Identifier: Apache-2.0 */
/*
 * messages.json (RFC 9420 test vectors, "Messages"): every field of every entry decodes with
 * its structure's decoder and re-encodes to the very same bytes. One case per entry; it
 * passes only when all of its fields do.
 */
#include <stdio.h>
#include <string.h>

#include "mls/wire_message.h"
#include "mls/wire_ratchet_tree.h"
#include "vectors.h"

/* Decode `in`, re-encode into `out`; any error counts as a failure. */
typedef sr_err (*roundtrip_fn)(struct sr_slice in, struct sr_buf *out);

static sr_err rt_message(struct sr_slice in, uint16_t want_wire_format, struct sr_buf *out)
{
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(in, &m));
    sr_err err = m.wire_format == want_wire_format ? SR_OK : SR_ERR_INVALID;
    if (err == SR_OK) {
        err = sr_mls_message_encode(&m, out);
    }
    sr_mls_message_cleanup(&m);
    return err;
}

static sr_err rt_welcome(struct sr_slice in, struct sr_buf *out)
{
    return rt_message(in, SR_MLS_WIRE_WELCOME, out);
}

static sr_err rt_group_info(struct sr_slice in, struct sr_buf *out)
{
    return rt_message(in, SR_MLS_WIRE_GROUP_INFO, out);
}

static sr_err rt_key_package(struct sr_slice in, struct sr_buf *out)
{
    return rt_message(in, SR_MLS_WIRE_KEY_PACKAGE, out);
}

static sr_err rt_private(struct sr_slice in, struct sr_buf *out)
{
    return rt_message(in, SR_MLS_WIRE_PRIVATE_MESSAGE, out);
}

static sr_err rt_public(struct sr_slice in, uint8_t content_type, struct sr_buf *out)
{
    struct sr_mls_message m;
    SR_TRY(sr_mls_message_decode(in, &m));
    sr_err err = SR_ERR_INVALID;
    if (m.wire_format == SR_MLS_WIRE_PUBLIC_MESSAGE &&
        m.u.public_message.content.content_type == content_type) {
        err = sr_mls_message_encode(&m, out);
    }
    sr_mls_message_cleanup(&m);
    return err;
}

static sr_err rt_public_application(struct sr_slice in, struct sr_buf *out)
{
    return rt_public(in, SR_MLS_CONTENT_APPLICATION, out);
}

static sr_err rt_public_proposal(struct sr_slice in, struct sr_buf *out)
{
    return rt_public(in, SR_MLS_CONTENT_PROPOSAL, out);
}

static sr_err rt_public_commit(struct sr_slice in, struct sr_buf *out)
{
    return rt_public(in, SR_MLS_CONTENT_COMMIT, out);
}

static sr_err rt_ratchet_tree(struct sr_slice in, struct sr_buf *out)
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

static sr_err rt_body(struct sr_slice in, uint16_t type, struct sr_buf *out)
{
    struct sr_mls_proposal p;
    SR_TRY(sr_mls_proposal_body_decode(in, type, &p));
    sr_err err = sr_mls_proposal_body_encode(&p, out);
    sr_mls_proposal_cleanup(&p);
    return err;
}

static sr_err rt_add(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_ADD, out);
}

static sr_err rt_update(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_UPDATE, out);
}

static sr_err rt_remove(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_REMOVE, out);
}

static sr_err rt_psk(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_PSK, out);
}

static sr_err rt_reinit(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_REINIT, out);
}

static sr_err rt_external_init(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_EXTERNAL_INIT, out);
}

static sr_err rt_gce(struct sr_slice in, struct sr_buf *out)
{
    return rt_body(in, SR_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS, out);
}

static sr_err rt_commit(struct sr_slice in, struct sr_buf *out)
{
    struct sr_mls_commit c;
    SR_TRY(sr_mls_commit_decode(in, &c));
    sr_err err = sr_mls_commit_encode(&c, out);
    sr_mls_commit_cleanup(&c);
    return err;
}

static const struct {
    const char *key;
    roundtrip_fn fn;
} fields[] = {
    { "mls_welcome", rt_welcome },
    { "mls_group_info", rt_group_info },
    { "mls_key_package", rt_key_package },
    { "ratchet_tree", rt_ratchet_tree },
    { "group_secrets", rt_group_secrets },
    { "add_proposal", rt_add },
    { "update_proposal", rt_update },
    { "remove_proposal", rt_remove },
    { "pre_shared_key_proposal", rt_psk },
    { "re_init_proposal", rt_reinit },
    { "external_init_proposal", rt_external_init },
    { "group_context_extensions_proposal", rt_gce },
    { "commit", rt_commit },
    { "public_message_application", rt_public_application },
    { "public_message_proposal", rt_public_proposal },
    { "public_message_commit", rt_public_commit },
    { "private_message", rt_private },
};

static bool check_field(const json_t *tc, size_t index, size_t f, struct sr_buf *in,
                        struct sr_buf *out)
{
    if (!sr_vec_hex(tc, fields[f].key, in)) {
        fprintf(stderr, "case %zu: missing or bad hex field %s\n", index, fields[f].key);
        return false;
    }
    sr_buf_reset(out);
    sr_err err = fields[f].fn(sr_buf_slice(in), out);
    if (err != SR_OK) {
        fprintf(stderr, "case %zu: %s: %s\n", index, fields[f].key, sr_err_name(err));
        return false;
    }
    return sr_vec_expect(tc, fields[f].key, out->p, out->len, fields[f].key);
}

int main(void)
{
    json_t *root = sr_vec_load("mls/messages.json");
    struct sr_vec_counts counts = { 0 };
    struct sr_buf in = { 0 }, out = { 0 };
    size_t index;
    json_t *tc;
    json_array_foreach(root, index, tc)
    {
        bool ok = true;
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
            ok = check_field(tc, index, f, &in, &out) && ok;
        }
        sr_vec_count(&counts, ok);
    }
    sr_buf_cleanup(&in);
    sr_buf_cleanup(&out);
    json_decref(root);
    return sr_vec_report("messages.json", &counts);
}
