/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §7.2 Extension lists and the §17.3 extension bodies.
 *
 *   struct { ExtensionType extension_type; opaque extension_data<V>; } Extension;
 */
#include "mls/wire_extension.h"

#include <string.h>

#include "mls/wire_limits.h"

static sr_err ext_read(struct sr_reader *r, void *item)
{
    struct sr_mls_extension *e = item;
    SR_TRY(sr_read_u16(r, &e->type));
    return sr_read_opaque_v(r, SR_MLS_MAX_TREE_BYTES, &e->data);
}

static sr_err ext_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_extension *e = item;
    SR_TRY(sr_write_u16(w, e->type));
    return sr_write_slice_v(w, e->data);
}

static const struct sr_mls_item_ops ext_ops = {
    .size = sizeof(struct sr_mls_extension),
    .read = ext_read,
    .write = ext_write,
    .cleanup = NULL,
    .max_items = SR_MLS_MAX_EXTENSION_COUNT,
};

sr_err sr_mls_extensions_read(struct sr_reader *r, size_t max, struct sr_mls_extensions *out)
{
    void *items;
    size_t n;
    memset(out, 0, sizeof(*out));
    /* One extension_data is bounded by its list: the list cap is the real limit. */
    SR_TRY(sr_mls_vec_read(r, max, &ext_ops, &items, &n));
    out->items = items;
    out->count = n;
    return SR_OK;
}

sr_err sr_mls_extensions_decode_body(struct sr_slice body, struct sr_mls_extensions *out)
{
    struct sr_reader sub;
    void *items;
    size_t n;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&sub, body);
    SR_TRY(sr_mls_vec_read_body(&sub, &ext_ops, &items, &n));
    out->items = items;
    out->count = n;
    return SR_OK;
}

sr_err sr_mls_extensions_encode(const struct sr_mls_extensions *e, struct sr_buf *w)
{
    return sr_mls_vec_write(w, &ext_ops, e->items, e->count);
}

void sr_mls_extensions_cleanup(struct sr_mls_extensions *e)
{
    sr_mls_vec_free(&ext_ops, e->items, e->count);
    memset(e, 0, sizeof(*e));
}

const struct sr_mls_extension *sr_mls_extensions_find(const struct sr_mls_extensions *e,
                                                      uint16_t type)
{
    for (size_t i = 0; i < e->count; i++) {
        if (e->items[i].type == type) {
            return &e->items[i];
        }
    }
    return NULL;
}

sr_err sr_mls_extensions_check_unique(const struct sr_mls_extensions *e)
{
    /* RFC 9420 §13.4: "... MUST NOT contain more than one instance of any extension type" */
    for (size_t i = 0; i < e->count; i++) {
        for (size_t j = i + 1; j < e->count; j++) {
            SR_CHECK(e->items[i].type != e->items[j].type, SR_ERR_INVALID);
        }
    }
    return SR_OK;
}

/* Decode a body that is exactly one opaque<V>. */
static sr_err single_opaque(struct sr_slice data, size_t max, struct sr_slice *out)
{
    struct sr_reader r;
    struct sr_slice s;
    *out = sr_slice_of(NULL, 0);
    sr_reader_init(&r, data);
    SR_TRY(sr_read_opaque_v(&r, max, &s));
    SR_TRY(sr_reader_done(&r));
    *out = s;
    return SR_OK;
}

sr_err sr_mls_ext_application_id_decode(struct sr_slice data, struct sr_slice *id)
{
    return single_opaque(data, SR_MLS_MAX_EXTENSION_DATA, id);
}

sr_err sr_mls_ext_application_id_encode(struct sr_slice id, struct sr_buf *w)
{
    return sr_write_slice_v(w, id);
}

sr_err sr_mls_ext_external_pub_decode(struct sr_slice data, struct sr_slice *key)
{
    return single_opaque(data, SR_MLS_MAX_PUBKEY, key);
}

sr_err sr_mls_ext_external_pub_encode(struct sr_slice key, struct sr_buf *w)
{
    return sr_write_slice_v(w, key);
}

sr_err sr_mls_required_capabilities_decode(struct sr_slice data,
                                           struct sr_mls_required_capabilities *out)
{
    struct sr_reader r;
    struct sr_mls_required_capabilities rc;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, data);
    SR_TRY(sr_mls_u16_list_read(&r, SR_MLS_MAX_CAPABILITY_LIST, &rc.extension_types));
    SR_TRY(sr_mls_u16_list_read(&r, SR_MLS_MAX_CAPABILITY_LIST, &rc.proposal_types));
    SR_TRY(sr_mls_u16_list_read(&r, SR_MLS_MAX_CAPABILITY_LIST, &rc.credential_types));
    SR_TRY(sr_reader_done(&r));
    *out = rc;
    return SR_OK;
}

sr_err sr_mls_required_capabilities_encode(const struct sr_mls_required_capabilities *rc,
                                           struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, rc->extension_types));
    SR_TRY(sr_write_slice_v(w, rc->proposal_types));
    return sr_write_slice_v(w, rc->credential_types);
}

static sr_err sender_read(struct sr_reader *r, void *item)
{
    struct sr_mls_external_sender *s = item;
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_PUBKEY, &s->signature_key));
    return sr_mls_credential_read(r, &s->credential);
}

static sr_err sender_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_external_sender *s = item;
    SR_TRY(sr_write_slice_v(w, s->signature_key));
    return sr_mls_credential_encode(&s->credential, w);
}

static void sender_cleanup(void *item)
{
    struct sr_mls_external_sender *s = item;
    sr_mls_credential_cleanup(&s->credential);
}

static const struct sr_mls_item_ops sender_ops = {
    .size = sizeof(struct sr_mls_external_sender),
    .read = sender_read,
    .write = sender_write,
    .cleanup = sender_cleanup,
    .max_items = SR_MLS_MAX_EXTERNAL_SENDERS,
};

sr_err sr_mls_external_senders_decode(struct sr_slice data, struct sr_mls_external_senders *out)
{
    struct sr_reader r;
    void *items;
    size_t n;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, data);
    SR_TRY(sr_mls_vec_read(&r, SR_MLS_MAX_EXTENSION_DATA, &sender_ops, &items, &n));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_vec_free(&sender_ops, items, n);
        return SR_ERR_DECODE;
    }
    out->items = items;
    out->count = n;
    return SR_OK;
}

sr_err sr_mls_external_senders_encode(const struct sr_mls_external_senders *es, struct sr_buf *w)
{
    return sr_mls_vec_write(w, &sender_ops, es->items, es->count);
}

void sr_mls_external_senders_cleanup(struct sr_mls_external_senders *es)
{
    sr_mls_vec_free(&sender_ops, es->items, es->count);
    memset(es, 0, sizeof(*es));
}
