/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9420 §8, Figure 22:
 *
 *                  init_secret_[n-1]
 *                        |
 *  commit_secret --> KDF.Extract
 *                        |
 *                        V
 *                ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh) = joiner_secret
 *                        |
 *  psk_secret    --> KDF.Extract  ----> DeriveSecret(., "welcome") = welcome_secret
 *                        |
 *                        V
 *                ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh) = epoch_secret
 *                        |
 *                        +--> DeriveSecret(., <label>) = <secret>     (Table 4)
 *                        V
 *                DeriveSecret(., "init") = init_secret_[n]
 */
#include "mls/schedule_epoch.h"

#include <stddef.h>

#include "crypto/hash.h"
#include "crypto/labels.h"

/* §8 Table 4, plus the next init_secret: one DeriveSecret from epoch_secret each. */
static const struct {
    const char *label;
    size_t offset;
} epoch_labels[] = {
    { "sender data", offsetof(struct sr_mls_epoch_secrets, sender_data) },
    { "encryption", offsetof(struct sr_mls_epoch_secrets, encryption) },
    { "exporter", offsetof(struct sr_mls_epoch_secrets, exporter) },
    { "external", offsetof(struct sr_mls_epoch_secrets, external) },
    { "confirm", offsetof(struct sr_mls_epoch_secrets, confirmation_key) },
    { "membership", offsetof(struct sr_mls_epoch_secrets, membership_key) },
    { "resumption", offsetof(struct sr_mls_epoch_secrets, resumption_psk) },
    { "authentication", offsetof(struct sr_mls_epoch_secrets, epoch_authenticator) },
    { "init", offsetof(struct sr_mls_epoch_secrets, init) },
};

/* "0" in §8: the all-zero vector of KDF.Nh bytes stands in for an absent input. */
static const uint8_t zeros[SR_HASH_MAX];

/* An optional Nh-byte input: empty means zeros, any other length than Nh is an error. */
static sr_err nh_or_zero(const struct sr_suite *suite, struct sr_slice in, struct sr_slice *out)
{
    size_t nh = suite->hash->len;
    SR_CHECK(in.len == 0 || in.len == nh, SR_ERR_ARG);
    *out = in.len == 0 ? sr_slice_of(zeros, nh) : in;
    return SR_OK;
}

static struct sr_secret *field(struct sr_mls_epoch_secrets *s, size_t offset)
{
    return (struct sr_secret *)(void *)((uint8_t *)s + offset);
}

/* Everything below joiner_secret: welcome_secret, epoch_secret and the Table 4 secrets. */
static sr_err derive_from_joiner(const struct sr_suite *suite, struct sr_slice joiner,
                                 struct sr_slice psk_secret, struct sr_slice group_context,
                                 struct sr_mls_epoch_secrets *out)
{
    size_t nh = suite->hash->len;
    uint8_t member[SR_HASH_MAX], epoch[SR_HASH_MAX];
    struct sr_slice psk;
    sr_err err = nh_or_zero(suite, psk_secret, &psk);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_extract(suite->hash, joiner, psk, member);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_mls_derive_secret(suite, sr_slice_of(member, nh), "welcome", out->welcome.p);
    if (err != SR_OK) {
        goto out;
    }
    out->welcome.len = nh;
    err = sr_mls_expand_with_label(suite, sr_slice_of(member, nh), "epoch", group_context, epoch,
                                   nh);
    for (size_t i = 0; err == SR_OK && i < sizeof(epoch_labels) / sizeof(epoch_labels[0]); i++) {
        struct sr_secret *s = field(out, epoch_labels[i].offset);
        err = sr_mls_derive_secret(suite, sr_slice_of(epoch, nh), epoch_labels[i].label, s->p);
        s->len = nh;
    }
out:
    sr_wipe(member, sizeof(member));
    sr_wipe(epoch, sizeof(epoch));
    return err;
}

sr_err sr_mls_key_schedule_advance(const struct sr_suite *suite, struct sr_slice init_secret,
                                   struct sr_slice commit_secret, struct sr_slice psk_secret,
                                   struct sr_slice group_context, struct sr_mls_epoch_secrets *out)
{
    struct sr_mls_epoch_secrets tmp = { 0 };
    uint8_t prk[SR_HASH_MAX];
    struct sr_slice commit;
    size_t nh = suite != NULL ? suite->hash->len : 0;
    sr_err err = SR_ERR_ARG;
    if (suite == NULL || init_secret.len != nh) {
        goto out;
    }
    err = nh_or_zero(suite, commit_secret, &commit);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_hkdf_extract(suite->hash, init_secret, commit, prk);
    if (err != SR_OK) {
        goto out;
    }
    err = sr_mls_expand_with_label(suite, sr_slice_of(prk, nh), "joiner", group_context,
                                   tmp.joiner.p, nh);
    if (err != SR_OK) {
        goto out;
    }
    tmp.joiner.len = nh;
    err = derive_from_joiner(suite, sr_secret_slice(&tmp.joiner), psk_secret, group_context, &tmp);
out:
    /* outputs are written only once every derivation succeeded, so inputs may alias `out` */
    sr_wipe(prk, sizeof(prk));
    sr_mls_epoch_secrets_cleanup(out);
    if (err == SR_OK) {
        *out = tmp;
    }
    sr_mls_epoch_secrets_cleanup(&tmp);
    return err;
}

sr_err sr_mls_key_schedule_welcome_secret(const struct sr_suite *suite,
                                          struct sr_slice joiner_secret, struct sr_slice psk_secret,
                                          struct sr_secret *welcome)
{
    uint8_t member[SR_HASH_MAX];
    struct sr_slice psk;
    sr_err err = SR_ERR_ARG;
    sr_secret_cleanup(welcome);
    if (suite == NULL || joiner_secret.len != suite->hash->len) {
        goto out;
    }
    err = nh_or_zero(suite, psk_secret, &psk);
    if (err == SR_OK) {
        err = sr_hkdf_extract(suite->hash, joiner_secret, psk, member);
    }
    if (err == SR_OK) {
        err = sr_mls_derive_secret(suite, sr_slice_of(member, suite->hash->len), "welcome",
                                   welcome->p);
    }
    if (err == SR_OK) {
        welcome->len = suite->hash->len;
    }
out:
    sr_wipe(member, sizeof(member));
    if (err != SR_OK) {
        sr_secret_cleanup(welcome);
    }
    return err;
}

sr_err sr_mls_key_schedule_join(const struct sr_suite *suite, struct sr_slice joiner_secret,
                                struct sr_slice psk_secret, struct sr_slice group_context,
                                struct sr_mls_epoch_secrets *out)
{
    struct sr_mls_epoch_secrets tmp = { 0 };
    sr_err err = SR_ERR_ARG;
    if (suite == NULL || joiner_secret.len != suite->hash->len) {
        goto out;
    }
    err = sr_secret_set(&tmp.joiner, joiner_secret.p, joiner_secret.len);
    if (err == SR_OK) {
        err = derive_from_joiner(suite, joiner_secret, psk_secret, group_context, &tmp);
    }
out:
    sr_mls_epoch_secrets_cleanup(out);
    if (err == SR_OK) {
        *out = tmp;
    }
    sr_mls_epoch_secrets_cleanup(&tmp);
    return err;
}

void sr_mls_epoch_secrets_cleanup(struct sr_mls_epoch_secrets *s)
{
    sr_wipe(s, sizeof(*s));
}
