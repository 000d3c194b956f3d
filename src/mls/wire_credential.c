/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §5.3 Credential, §7.2 Capabilities and Lifetime codecs.
 *
 *   struct { CredentialType credential_type;
 *            select (credential_type) { case basic: opaque identity<V>;
 *                                       case x509:  Certificate certificates<V>; }; } Credential;
 */
#include "mls/wire_credential.h"

#include <string.h>

#include "mls/wire_limits.h"

static sr_err cert_read(struct sr_reader *r, void *item)
{
    struct sr_slice *cert = item;
    SR_TRY(sr_read_opaque_v(r, SR_MLS_MAX_CREDENTIAL, cert));
    SR_CHECK(cert->len > 0, SR_ERR_DECODE); /* a DER certificate is never empty */
    return SR_OK;
}

static sr_err cert_write(const void *item, struct sr_buf *w)
{
    return sr_write_slice_v(w, *(const struct sr_slice *)item);
}

static const struct sr_mls_item_ops cert_ops = {
    .size = sizeof(struct sr_slice),
    .read = cert_read,
    .write = cert_write,
    .cleanup = NULL,
    .max_items = SR_MLS_MAX_CERTS,
};

static sr_err credential_fields(struct sr_reader *r, struct sr_mls_credential *out)
{
    SR_TRY(sr_read_u16(r, &out->type));
    switch (out->type) {
    case SR_MLS_CREDENTIAL_X509: {
        void *certs;
        SR_TRY(sr_mls_vec_read(r, SR_MLS_MAX_CREDENTIAL, &cert_ops, &certs, &out->cert_count));
        out->certs = certs;
        /* RFC 9420 §5.3: certificates[0] is the end-entity certificate, so one must exist. */
        SR_CHECK(out->cert_count > 0, SR_ERR_DECODE);
        return SR_OK;
    }
    case SR_MLS_CREDENTIAL_BASIC:
    default:
        /* Unknown types: one opaque body, validated (and rejected) by the caller. */
        return sr_read_opaque_v(r, SR_MLS_MAX_CREDENTIAL, &out->identity);
    }
}

sr_err sr_mls_credential_read(struct sr_reader *r, struct sr_mls_credential *out)
{
    memset(out, 0, sizeof(*out));
    sr_err err = credential_fields(r, out);
    if (err != SR_OK) {
        sr_mls_credential_cleanup(out);
    }
    return err;
}

sr_err sr_mls_credential_encode(const struct sr_mls_credential *c, struct sr_buf *w)
{
    SR_TRY(sr_write_u16(w, c->type));
    if (c->type == SR_MLS_CREDENTIAL_X509) {
        return sr_mls_vec_write(w, &cert_ops, c->certs, c->cert_count);
    }
    return sr_write_slice_v(w, c->identity);
}

void sr_mls_credential_cleanup(struct sr_mls_credential *c)
{
    sr_mls_vec_free(&cert_ops, c->certs, c->cert_count);
    memset(c, 0, sizeof(*c));
}

sr_err sr_mls_capabilities_read(struct sr_reader *r, struct sr_mls_capabilities *out)
{
    memset(out, 0, sizeof(*out));
    struct sr_mls_capabilities c;
    /* Unknown and GREASE values are kept (RFC 9420 §13.5); validation compares lists. */
    SR_TRY(sr_mls_u16_list_read(r, SR_MLS_MAX_CAPABILITY_LIST, &c.versions));
    SR_TRY(sr_mls_u16_list_read(r, SR_MLS_MAX_CAPABILITY_LIST, &c.cipher_suites));
    SR_TRY(sr_mls_u16_list_read(r, SR_MLS_MAX_CAPABILITY_LIST, &c.extensions));
    SR_TRY(sr_mls_u16_list_read(r, SR_MLS_MAX_CAPABILITY_LIST, &c.proposals));
    SR_TRY(sr_mls_u16_list_read(r, SR_MLS_MAX_CAPABILITY_LIST, &c.credentials));
    *out = c;
    return SR_OK;
}

sr_err sr_mls_capabilities_encode(const struct sr_mls_capabilities *c, struct sr_buf *w)
{
    SR_TRY(sr_write_slice_v(w, c->versions));
    SR_TRY(sr_write_slice_v(w, c->cipher_suites));
    SR_TRY(sr_write_slice_v(w, c->extensions));
    SR_TRY(sr_write_slice_v(w, c->proposals));
    return sr_write_slice_v(w, c->credentials);
}

sr_err sr_mls_lifetime_read(struct sr_reader *r, struct sr_mls_lifetime *out)
{
    memset(out, 0, sizeof(*out));
    struct sr_mls_lifetime l;
    SR_TRY(sr_read_u64(r, &l.not_before));
    SR_TRY(sr_read_u64(r, &l.not_after));
    *out = l;
    return SR_OK;
}

sr_err sr_mls_lifetime_encode(const struct sr_mls_lifetime *l, struct sr_buf *w)
{
    SR_TRY(sr_write_u64(w, l->not_before));
    return sr_write_u64(w, l->not_after);
}
