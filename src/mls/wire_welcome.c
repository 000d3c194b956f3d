/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §12.4.3.1 Welcome and GroupSecrets.
 *
 *   struct { opaque path_secret<V>; } PathSecret;
 *   struct { opaque joiner_secret<V>; optional<PathSecret> path_secret;
 *            PreSharedKeyID psks<V>; } GroupSecrets;
 *   struct { KeyPackageRef new_member;
 *            HPKECiphertext encrypted_group_secrets; } EncryptedGroupSecrets;
 *   struct { CipherSuite cipher_suite; EncryptedGroupSecrets secrets<V>;
 *            opaque encrypted_group_info<V>; } Welcome;
 */
#include "mls/wire_welcome.h"

#include <string.h>

#include "mls/wire_limits.h"

static sr_err egs_read(struct sr_reader *r, void *item)
{
    struct sr_mls_encrypted_group_secrets *e = item;
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &e->new_member));
    return sr_mls_hpke_ciphertext_read(r, &e->encrypted_group_secrets);
}

static sr_err egs_write(const void *item, struct sr_buf *w)
{
    const struct sr_mls_encrypted_group_secrets *e = item;
    SR_TRY(sr_write_slice_v(w, e->new_member));
    return sr_mls_hpke_ciphertext_encode(&e->encrypted_group_secrets, w);
}

static const struct sr_mls_item_ops egs_ops = {
    .size = sizeof(struct sr_mls_encrypted_group_secrets),
    .read = egs_read,
    .write = egs_write,
    .cleanup = NULL,
    .max_items = SR_MLS_MAX_TREE_LEAVES,
};

static sr_err welcome_fields(struct sr_reader *r, struct sr_mls_welcome *wl)
{
    void *items;
    SR_TRY(sr_read_u16(r, &wl->cipher_suite));
    SR_TRY(sr_mls_vec_read(r, SR_MLS_MAX_WELCOME_SECRETS, &egs_ops, &items, &wl->secret_count));
    wl->secrets = items;
    return sr_read_opaque_v(r, SR_MLS_MAX_ENCRYPTED_GROUP_INFO, &wl->encrypted_group_info);
}

sr_err sr_mls_welcome_read(struct sr_reader *r, struct sr_mls_welcome *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = welcome_fields(r, out);
    if (err != SR_OK) {
        sr_mls_welcome_cleanup(out);
    }
    return err;
}

sr_err sr_mls_welcome_decode(struct sr_slice in, struct sr_mls_welcome *out)
{
    struct sr_reader r;
    sr_reader_init(&r, in);
    SR_TRY(sr_mls_welcome_read(&r, out));
    if (sr_reader_done(&r) != SR_OK) {
        sr_mls_welcome_cleanup(out);
        return SR_ERR_DECODE;
    }
    return SR_OK;
}

sr_err sr_mls_welcome_encode(const struct sr_mls_welcome *wl, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, wl->cipher_suite));
    SR_TRY(sr_mls_vec_write(w, &egs_ops, wl->secrets, wl->secret_count));
    return sr_write_slice_v(w, wl->encrypted_group_info);
}

void sr_mls_welcome_cleanup(struct sr_mls_welcome *wl)
{
    sr_mls_vec_free(&egs_ops, wl->secrets, wl->secret_count);
    sr_buf_cleanup(&wl->owned);
    memset(wl, 0, sizeof(*wl));
}

static sr_err dup_encode(const void *x, struct sr_buf *w)
{
    return sr_mls_welcome_encode(x, w);
}

static sr_err dup_decode(struct sr_slice in, void *out)
{
    return sr_mls_welcome_decode(in, out);
}

sr_err sr_mls_welcome_dup(const struct sr_mls_welcome *src, struct sr_mls_welcome *dst)
{
    return sr_mls_dup_via(src, dst, sizeof(*dst), &dst->owned, dup_encode, dup_decode);
}

const struct sr_mls_encrypted_group_secrets *sr_mls_welcome_find(const struct sr_mls_welcome *wl,
                                                                 struct sr_slice ref)
{
    for (size_t i = 0; i < wl->secret_count; i++) {
        struct sr_slice nm = wl->secrets[i].new_member;
        if (nm.len == ref.len && (ref.len == 0 || memcmp(nm.p, ref.p, ref.len) == 0)) {
            return &wl->secrets[i];
        }
    }
    return NULL;
}

static sr_err psk_item_read(struct sr_reader *r, void *item)
{
    return sr_mls_psk_id_read(r, item);
}

static sr_err psk_item_write(const void *item, struct sr_buf *w)
{
    return sr_mls_psk_id_encode(item, w);
}

static const struct sr_mls_item_ops psk_ops = {
    .size = sizeof(struct sr_mls_psk_id),
    .read = psk_item_read,
    .write = psk_item_write,
    .cleanup = NULL,
    .max_items = SR_MLS_MAX_PSK_COUNT,
};

static sr_err gs_fields(struct sr_reader *r, struct sr_mls_group_secrets *gs)
{
    void *items;
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &gs->joiner_secret));
    SR_TRY(sr_read_optional(r, &gs->has_path_secret));
    if (gs->has_path_secret) {
        SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_HASH, &gs->path_secret));
    }
    SR_TRY(sr_mls_vec_read(r, SR_MLS_MAX_PSKS, &psk_ops, &items, &gs->psk_count));
    gs->psks = items;
    return sr_reader_done(r);
}

sr_err sr_mls_group_secrets_decode(struct sr_slice in, struct sr_mls_group_secrets *out)
{
    struct sr_reader r;
    memset(out, 0, sizeof(*out));
    sr_reader_init(&r, in);
    sr_err err = gs_fields(&r, out);
    if (err != SR_OK) {
        sr_mls_group_secrets_cleanup(out);
    }
    return err;
}

sr_err sr_mls_group_secrets_encode(const struct sr_mls_group_secrets *gs, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, gs->joiner_secret));
    SR_TRY(sr_write_bool(w, gs->has_path_secret));
    if (gs->has_path_secret) {
        SR_TRY(sr_write_slice_v(w, gs->path_secret));
    }
    return sr_mls_vec_write(w, &psk_ops, gs->psks, gs->psk_count);
}

void sr_mls_group_secrets_cleanup(struct sr_mls_group_secrets *gs)
{
    sr_mls_vec_free(&psk_ops, gs->psks, gs->psk_count);
    memset(gs, 0, sizeof(*gs));
}
