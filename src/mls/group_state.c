/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Saving and restoring a group: a versioned byte form of everything a member needs to go on
 * (the output is secret: store it encrypted).
 *
 *   "SRMG" u16 version=2 u16 suite  group_id<V> sig_priv<V>  limits, padding, clock, flags
 *   epoch: u64 epoch u32 own_leaf tree<V> gc_ext<V> confirmed<V> confirmation_tag<V>
 *          11 epoch secrets<V> (§8 Table 4)
 *   TreeKEM: u32 leaf leaf_sk<V> u32 n (u32 node, sk<V>)*  own Updates: u32 n (pk<V>, sk<V>)*
 *   proposals: u32 n (ref<V>, AuthenticatedContent<V>)*
 *   external PSKs: u32 n (id<V>, secret<V>)*   resumption PSKs: KEEP x (u64 epoch, psk<V>)
 *   version 2 adds: reinit<V> (the committed ReInit body, empty without one)
 *                   secret_tree<V> (progress in the epoch, see secret_tree_state.c)
 *
 * With the secret tree's progress a restored member carries on in the same epoch: its own
 * ratchets go on past every generation it used (a key and nonce are never used twice),
 * late messages still decrypt and consumed generations are still replays. Version 1 had no
 * progress: such a group is rebuilt from encryption_secret and, to never reuse a key and
 * nonce, sends no PrivateMessage until the next epoch (PublicMessage commits are fine).
 * A staged own commit is not saved.
 */
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "mls/group.h"

#define STATE_VERSION 2u /* 1: no secret tree progress, still restored */
#define STATE_MAGIC   "SRMG"
#define MAX_FIELD     (64u << 20)

static const size_t secret_offsets[] = {
    offsetof(struct sr_mls_epoch_secrets, joiner),
    offsetof(struct sr_mls_epoch_secrets, welcome),
    offsetof(struct sr_mls_epoch_secrets, sender_data),
    offsetof(struct sr_mls_epoch_secrets, encryption),
    offsetof(struct sr_mls_epoch_secrets, exporter),
    offsetof(struct sr_mls_epoch_secrets, external),
    offsetof(struct sr_mls_epoch_secrets, confirmation_key),
    offsetof(struct sr_mls_epoch_secrets, membership_key),
    offsetof(struct sr_mls_epoch_secrets, resumption_psk),
    offsetof(struct sr_mls_epoch_secrets, epoch_authenticator),
    offsetof(struct sr_mls_epoch_secrets, init),
};
#define N_SECRETS (sizeof(secret_offsets) / sizeof(secret_offsets[0]))

static struct sr_secret *secret_at(struct sr_mls_epoch_secrets *s, size_t i)
{
    return (struct sr_secret *)((uint8_t *)s + secret_offsets[i]);
}

static const struct sr_secret *secret_at_c(const struct sr_mls_epoch_secrets *s, size_t i)
{
    return (const struct sr_secret *)((const uint8_t *)s + secret_offsets[i]);
}

static sr_err put_secret(struct sr_buf *w, const struct sr_secret *s)
{
    return sr_write_slice_v(w, sr_secret_slice(s));
}

static sr_err get_secret(struct sr_reader *r, struct sr_secret *s)
{
    struct sr_slice v;
    SR_TRY(sr_read_opaque_v(r, SR_SECRET_MAX, &v));
    return sr_secret_set(s, v.p, v.len);
}

static sr_err save_head(const struct sr_mls_group *g, struct sr_buf *w)
{
    SR_TRY(sr_buf_append(w, STATE_MAGIC, 4));
    SR_TRY(sr_write_u16(w, STATE_VERSION));
    SR_TRY(sr_write_u16(w, g->suite->id));
    SR_TRY(sr_write_slice_v(w, sr_buf_slice(&g->group_id)));
    SR_TRY(put_secret(w, &g->sig_priv));
    SR_TRY(sr_write_u32(w, g->limits.max_leaves));
    SR_TRY(sr_write_u32(w, g->limits.max_proposals));
    SR_TRY(sr_write_u64(w, g->limits.max_message));
    SR_TRY(sr_write_u64(w, g->padding));
    SR_TRY(sr_write_u64(w, g->now));
    return sr_write_u8(w, (uint8_t)((g->removed ? 1u : 0u) | (g->reinit ? 2u : 0u)));
}

static sr_err save_epoch(const struct sr_mls_group *g, struct sr_buf *w, struct sr_buf *tmp)
{
    const struct sr_mls_group_epoch *ep = &g->ep;
    size_t nh = g->suite->hash->len;
    SR_TRY(sr_write_u64(w, ep->epoch));
    SR_TRY(sr_write_u32(w, ep->own_leaf));
    sr_buf_reset(tmp);
    SR_TRY(sr_mls_tree_export(&ep->tree, tmp));
    SR_TRY(sr_write_slice_v(w, sr_buf_slice(tmp)));
    SR_TRY(sr_write_slice_v(w, sr_buf_slice(&ep->gc_ext)));
    SR_TRY(sr_write_slice_v(w, sr_slice_of(ep->confirmed, ep->confirmed_len)));
    SR_TRY(sr_write_slice_v(w, sr_slice_of(ep->confirmation_tag, nh)));
    for (size_t i = 0; i < N_SECRETS; i++) {
        SR_TRY(put_secret(w, secret_at_c(&ep->secrets, i)));
    }
    SR_TRY(sr_write_u32(w, ep->priv.leaf));
    SR_TRY(put_secret(w, &ep->priv.leaf_sk));
    SR_TRY(sr_write_u32(w, (uint32_t)ep->priv.path_len));
    for (size_t i = 0; i < ep->priv.path_len; i++) {
        SR_TRY(sr_write_u32(w, ep->priv.path[i].node));
        SR_TRY(put_secret(w, &ep->priv.path[i].sk));
    }
    SR_TRY(sr_write_u32(w, (uint32_t)ep->n_own_updates));
    for (size_t i = 0; i < ep->n_own_updates; i++) {
        const struct sr_mls_group_own_update *u = &ep->own_updates[i];
        SR_TRY(sr_write_slice_v(w, sr_slice_of(u->pk, u->pk_len)));
        SR_TRY(put_secret(w, &u->sk));
    }
    SR_TRY(sr_write_u32(w, (uint32_t)ep->n_pending));
    for (size_t i = 0; i < ep->n_pending; i++) {
        SR_TRY(sr_write_slice_v(w, sr_slice_of(ep->pending[i].ref, nh)));
        sr_buf_reset(tmp);
        SR_TRY(sr_mls_authenticated_content_encode(&ep->pending[i].ac, tmp));
        SR_TRY(sr_write_slice_v(w, sr_buf_slice(tmp)));
    }
    return SR_OK;
}

static sr_err save_psks(const struct sr_mls_group *g, struct sr_buf *w)
{
    SR_TRY(sr_write_u32(w, (uint32_t)g->n_psks));
    for (size_t i = 0; i < g->n_psks; i++) {
        SR_TRY(sr_write_slice_v(w, sr_buf_slice(&g->psks[i].id)));
        SR_TRY(put_secret(w, &g->psks[i].secret));
    }
    for (size_t i = 0; i < SR_MLS_GROUP_RESUMPTION_KEEP; i++) {
        SR_TRY(sr_write_u64(w, g->resumption[i].epoch));
        SR_TRY(put_secret(w, &g->resumption[i].psk));
    }
    return SR_OK;
}

/* Version 2: the committed ReInit and where the secret tree stands in this epoch. */
static sr_err save_progress(const struct sr_mls_group *g, struct sr_buf *w, struct sr_buf *tmp)
{
    SR_TRY(sr_write_slice_v(w, sr_buf_slice(&g->reinit_proposal)));
    sr_buf_reset(tmp);
    SR_TRY(sr_mls_secret_tree_save(g->ep.stree, tmp));
    return sr_write_slice_v(w, sr_buf_slice(tmp));
}

sr_err sr_mls_group_save(const struct sr_mls_group *g, struct sr_buf *out)
{
    SR_CHECK(g != NULL && out != NULL, SR_ERR_ARG);
    struct sr_buf w, tmp;
    sr_buf_init(&w, 0, SR_BUF_WIPE);
    sr_buf_init(&tmp, 0, SR_BUF_WIPE);
    sr_err err = save_head(g, &w);
    if (err == SR_OK) {
        err = save_epoch(g, &w, &tmp);
    }
    if (err == SR_OK) {
        err = save_psks(g, &w);
    }
    if (err == SR_OK) {
        err = save_progress(g, &w, &tmp);
    }
    if (err == SR_OK) {
        err = sr_buf_append(out, w.p, w.len);
    }
    sr_buf_cleanup(&w);
    sr_buf_cleanup(&tmp);
    return err;
}

static sr_err load_head(struct sr_reader *r, const struct sr_mls_group_limits *lim,
                        struct sr_mls_group **out, uint16_t *version)
{
    struct sr_slice magic, gid;
    uint16_t suite;
    SR_TRY(sr_read_fixed(r, 4, &magic));
    SR_CHECK(memcmp(magic.p, STATE_MAGIC, 4) == 0, SR_ERR_DECODE);
    SR_TRY(sr_read_u16(r, version));
    SR_CHECK(*version >= 1 && *version <= STATE_VERSION, SR_ERR_UNSUPPORTED);
    SR_TRY(sr_read_u16(r, &suite));
    SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &gid));
    struct sr_mls_group_limits limits = *lim;
    SR_TRY(sr_mls_group_alloc(sr_suite_get(suite), gid, &limits, out));
    struct sr_mls_group *g = *out;
    uint64_t max_message, padding;
    uint8_t flags;
    SR_TRY(get_secret(r, &g->sig_priv));
    SR_TRY(sr_read_u32(r, &g->limits.max_leaves));
    SR_TRY(sr_read_u32(r, &g->limits.max_proposals));
    SR_TRY(sr_read_u64(r, &max_message));
    SR_TRY(sr_read_u64(r, &padding));
    SR_TRY(sr_read_u64(r, &g->now));
    SR_TRY(sr_read_u8(r, &flags));
    SR_CHECK(g->limits.max_proposals <= SR_MLS_GROUP_PROPOSALS_CAP && flags <= 3, SR_ERR_DECODE);
    g->limits.max_message = (size_t)max_message;
    g->padding = (size_t)padding;
    g->removed = (flags & 1u) != 0;
    g->reinit = (flags & 2u) != 0;
    return SR_OK;
}

static sr_err load_pending(struct sr_mls_group *g, struct sr_reader *r)
{
    struct sr_mls_group_epoch *ep = &g->ep;
    uint32_t n;
    size_t nh = g->suite->hash->len;
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(n <= g->limits.max_proposals, SR_ERR_DECODE);
    ep->pending = sr_calloc(n + 1, sizeof(*ep->pending));
    SR_CHECK(ep->pending != NULL, SR_ERR_NOMEM);
    for (uint32_t i = 0; i < n; i++) {
        struct sr_slice ref, acb;
        struct sr_mls_authenticated_content ac = { 0 };
        SR_TRY(sr_read_opaque_v(r, SR_HASH_MAX, &ref));
        SR_CHECK(ref.len == nh, SR_ERR_DECODE);
        SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &acb));
        SR_TRY(sr_mls_authenticated_content_decode(acb, &ac));
        sr_err err = sr_mls_authenticated_content_dup(&ac, &ep->pending[i].ac);
        sr_mls_authenticated_content_cleanup(&ac);
        SR_TRY(err);
        memcpy(ep->pending[i].ref, ref.p, nh);
        ep->n_pending++;
    }
    return SR_OK;
}

static sr_err load_epoch(struct sr_mls_group *g, struct sr_reader *r)
{
    struct sr_mls_group_epoch *ep = &g->ep;
    struct sr_slice tree, ext, conf, tag;
    uint32_t n;
    SR_TRY(sr_read_u64(r, &ep->epoch));
    SR_TRY(sr_read_u32(r, &ep->own_leaf));
    SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &tree));
    sr_mls_tree_cleanup(&ep->tree);
    SR_TRY(sr_mls_tree_import(&ep->tree, g->suite, tree));
    SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &ext));
    SR_TRY(sr_buf_set(&ep->gc_ext, ext.p, ext.len));
    SR_TRY(sr_read_opaque_v(r, SR_HASH_MAX, &conf));
    SR_TRY(sr_read_opaque_v(r, SR_HASH_MAX, &tag));
    SR_CHECK(tag.len == g->suite->hash->len, SR_ERR_DECODE);
    ep->confirmed_len = conf.len;
    if (conf.len > 0) {
        memcpy(ep->confirmed, conf.p, conf.len);
    }
    memcpy(ep->confirmation_tag, tag.p, tag.len);
    for (size_t i = 0; i < N_SECRETS; i++) {
        SR_TRY(get_secret(r, secret_at(&ep->secrets, i)));
    }
    SR_TRY(sr_read_u32(r, &ep->priv.leaf));
    SR_TRY(get_secret(r, &ep->priv.leaf_sk));
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(n <= SR_MLS_TREE_PATH_MAX, SR_ERR_DECODE);
    for (uint32_t i = 0; i < n; i++) {
        SR_TRY(sr_read_u32(r, &ep->priv.path[i].node));
        SR_TRY(get_secret(r, &ep->priv.path[i].sk));
        ep->priv.path_len = i + 1;
    }
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(n <= SR_MLS_GROUP_OWN_UPDATES, SR_ERR_DECODE);
    for (uint32_t i = 0; i < n; i++) {
        struct sr_mls_group_own_update *u = &ep->own_updates[i];
        struct sr_slice pk;
        SR_TRY(sr_read_opaque_v(r, SR_KEM_PK_MAX, &pk));
        SR_CHECK(pk.len > 0, SR_ERR_DECODE);
        memcpy(u->pk, pk.p, pk.len);
        u->pk_len = pk.len;
        SR_TRY(get_secret(r, &u->sk));
        ep->n_own_updates = i + 1;
    }
    return load_pending(g, r);
}

static sr_err load_psks(struct sr_mls_group *g, struct sr_reader *r)
{
    uint32_t n;
    SR_TRY(sr_read_u32(r, &n));
    SR_CHECK(n <= 4096, SR_ERR_DECODE);
    for (uint32_t i = 0; i < n; i++) {
        struct sr_slice id, s;
        SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &id));
        SR_TRY(sr_read_opaque_v(r, SR_SECRET_MAX, &s));
        SR_TRY(sr_mls_group_psk_store(g, id, s));
    }
    for (size_t i = 0; i < SR_MLS_GROUP_RESUMPTION_KEEP; i++) {
        SR_TRY(sr_read_u64(r, &g->resumption[i].epoch));
        SR_TRY(get_secret(r, &g->resumption[i].psk));
    }
    return SR_OK;
}

/*
 * Version 2, once the epoch is rebuilt: the committed ReInit (only in a group frozen by one;
 * such a group restored from version 1 and saved again has none) and the secret tree's
 * progress, loaded into the fresh tree.
 */
static sr_err load_progress(struct sr_mls_group *g, struct sr_slice reinit, struct sr_slice tree)
{
    struct sr_mls_group_reinit_params rp;
    struct sr_reader r;
    SR_CHECK(g->reinit || reinit.len == 0, SR_ERR_DECODE);
    if (reinit.len > 0) {
        SR_TRY(sr_mls_group_reinit_parse(reinit, &rp));
        SR_TRY(sr_buf_set(&g->reinit_proposal, reinit.p, reinit.len));
    }
    sr_reader_init(&r, tree);
    SR_TRY(sr_mls_secret_tree_load(g->ep.stree, &r));
    return sr_reader_done(&r);
}

static sr_err load_rest(struct sr_mls_group *g, struct sr_reader *r, uint16_t version)
{
    struct sr_slice reinit = { 0 }, tree = { 0 };
    SR_TRY(load_epoch(g, r));
    SR_TRY(load_psks(g, r));
    if (version >= 2) {
        SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &reinit));
        SR_TRY(sr_read_opaque_v(r, MAX_FIELD, &tree));
    }
    SR_TRY(sr_reader_done(r));
    SR_TRY(sr_mls_group_epoch_encode_gc(g, &g->ep));
    SR_TRY(sr_mls_group_epoch_finish(g, &g->ep));
    /* Version 1 does not say which generations were used: no PrivateMessage this epoch. */
    g->restored = version < 2;
    return version >= 2 ? load_progress(g, reinit, tree) : SR_OK;
}

sr_err sr_mls_group_restore(struct sr_slice in, struct sr_mls_group **out)
{
    SR_CHECK(out != NULL && (in.p != NULL || in.len == 0), SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(in.len > 0, SR_ERR_DECODE);
    struct sr_mls_group_limits none = { 0 };
    struct sr_mls_group *g = NULL;
    struct sr_reader r;
    uint16_t version = 0;
    sr_reader_init(&r, in);
    sr_err err = load_head(&r, &none, &g, &version);
    if (err == SR_OK) {
        err = load_rest(g, &r, version);
    }
    if (err != SR_OK) {
        sr_mls_group_free(g);
        return err;
    }
    *out = g;
    return SR_OK;
}
