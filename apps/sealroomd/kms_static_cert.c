/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The certificate chain of the static key (KMS.md §5: discovery publishes the static JWK with
 * its kid and x5c; clients check the chain against their anchors, that the leaf is for the
 * kid's host, and that n/e are the leaf's key). With --static-cert the chain comes from that
 * PEM file; otherwise each static key gets a self-issued DEVELOPMENT certificate,
 * DATA_DIR/static-N.pem, made once and reused, which a client takes as its anchor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "crypto/pem.h"
#include "crypto/x509_jwk.h"
#include "kms/jose_int.h"
#include "kms/jwk.h"
#include "kms_files.h"
#include "kms_static.h"

#define PEM_MAX        ((size_t)64 * 1024)
#define DEV_VALIDITY_S ((int64_t)825 * 24 * 3600) /* the longest a TLS leaf may live */
#define DEV_RENEW_S    ((int64_t)30 * 24 * 3600)  /* remake it this long before it ends */

/* A JWK member (base64url) decoded into `out`. */
static bool member(const json_t *jwk, const char *name, struct sr_buf *out)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    return s != NULL && sr_jose_b64_decode(sr_slice_of(s, strlen(s)), out) == SR_OK;
}

/* DER as a PEM CERTIFICATE block (64 base64 characters a line). */
static bool to_pem(struct sr_slice der, struct sr_buf *pem)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n",
                      end[] = "-----END CERTIFICATE-----\n";
    struct sr_buf b64;
    sr_buf_init(&b64, 0, 0);
    bool ok = sr_kms_b64std_encode(der, &b64) == SR_OK &&
              sr_buf_append(pem, begin, sizeof(begin) - 1) == SR_OK;
    for (size_t at = 0; ok && at < b64.len; at += 64) {
        size_t n = b64.len - at < 64 ? b64.len - at : 64;
        ok = sr_buf_append(pem, b64.p + at, n) == SR_OK && sr_buf_append(pem, "\n", 1) == SR_OK;
    }
    ok = ok && sr_buf_append(pem, end, sizeof(end) - 1) == SR_OK;
    sr_buf_cleanup(&b64);
    return ok;
}

/* Self-issue the development certificate of `key` for the KMS name and write it to `path`. */
static bool self_issue(const struct kms_config *cfg, const struct sr_jose_key *key, int64_t now_ms,
                       const char *path)
{
    char *priv = NULL;
    json_t *jwk = NULL;
    struct sr_buf n, e, d, der, pem;
    sr_buf_init(&n, 0, 0);
    sr_buf_init(&e, 0, 0);
    sr_buf_init(&d, 0, SR_BUF_WIPE);
    sr_buf_init(&der, 0, 0);
    sr_buf_init(&pem, 0, 0);
    bool ok = sr_jose_key_export(key, true, &priv) == SR_OK &&
              (jwk = json_loads(priv, 0, NULL)) != NULL && member(jwk, "n", &n) &&
              member(jwk, "e", &e) && member(jwk, "d", &d);
    if (ok) {
        int64_t now = now_ms / 1000;
        struct sr_x509_self_rsa c = {
            .n = sr_buf_slice(&n),
            .e = sr_buf_slice(&e),
            .d = sr_buf_slice(&d),
            .host = cfg->kms_name,
            .not_before = now - 3600,
            .not_after = now + DEV_VALIDITY_S,
            .serial = (uint64_t)now_ms,
        };
        ok = sr_crypto_x509_self_issue_rsa(&c, &der) == SR_OK && to_pem(sr_buf_slice(&der), &pem) &&
             kms_files_write_secret(path, pem.p, pem.len);
    }
    if (priv != NULL) {
        sr_wipe(priv, strlen(priv));
    }
    sr_free(priv);
    json_decref(jwk); /* jansson does not wipe: d was only base64url text there */
    sr_buf_cleanup(&n);
    sr_buf_cleanup(&e);
    sr_buf_cleanup(&d);
    sr_buf_cleanup(&der);
    sr_buf_cleanup(&pem);
    if (!ok) {
        fprintf(stderr, "sealroomd: cannot write the static key's certificate %s: %s\n", path,
                strerror(errno));
    }
    return ok;
}

/* Read the PEM chain at `path` and check its leaf is the key, for the KMS name, and lasts past
 * `until` (seconds); `quiet`: no messages (a development certificate that no longer fits is
 * simply made again). */
static bool read_chain(const struct kms_config *cfg, const char *path, const json_t *pub,
                       int64_t until, bool quiet, struct sr_pem_chain *out)
{
    char *text = NULL;
    size_t len = 0;
    struct sr_x509_jwk_key *leaf = sr_calloc(1, sizeof(*leaf));
    bool host = false;
    bool read = leaf != NULL && kms_files_read(path, PEM_MAX, false, &text, &len);
    bool parsed =
            read && sr_crypto_pem_chain_read(sr_slice_of(text, len), out) == SR_OK &&
            out->count <= SR_KMS_X5C_MAX &&
            sr_crypto_x509_jwk_key(sr_buf_slice(&out->der[0]), leaf) == SR_OK &&
            sr_crypto_x509_for_host(sr_buf_slice(&out->der[0]), cfg->kms_name, &host) == SR_OK;
    bool fits = parsed && host && sr_kms_jwk_is_key(pub, leaf) && leaf->not_after > until;
    if (quiet || fits) {
        /* nothing to say */
    } else if (!read) {
        fprintf(stderr, "sealroomd: cannot read %s: %s\n", path, strerror(errno));
    } else if (!parsed) {
        fprintf(stderr, "sealroomd: %s is not a PEM certificate chain (at most %d)\n", path,
                SR_X509_CHAIN_MAX);
    } else {
        fprintf(stderr,
                "sealroomd: the certificate in %s is not for the current static key and "
                "--kms-name %s: clients would refuse it; issue one for this key and name\n",
                path, cfg->kms_name);
    }
    sr_free(text);
    sr_free(leaf);
    return fits;
}

bool kms_static_chain(const struct kms_config *cfg, unsigned n, const struct sr_jose_key *key,
                      int64_t now_ms, json_t **x5c)
{
    char path[KMS_PATH_MAX], name[32];
    char *pub_text = NULL;
    json_t *pub = NULL;
    struct sr_pem_chain ch;
    struct sr_buf b64;
    memset(&ch, 0, sizeof(ch));
    sr_buf_init(&b64, 0, 0);
    *x5c = NULL;
    (void)snprintf(name, sizeof(name), "static-%u.pem", n);
    bool ok = cfg->static_cert[0] != '\0'
                      ? (size_t)snprintf(path, sizeof(path), "%s", cfg->static_cert) < sizeof(path)
                      : kms_files_path(path, sizeof(path), cfg->data_dir, name);
    ok = ok && sr_jose_key_export(key, false, &pub_text) == SR_OK &&
         (pub = json_loads(pub_text, 0, NULL)) != NULL;
    /* A development certificate is made again when the key or --kms-name changed. */
    bool dev = cfg->static_cert[0] == '\0';
    if (ok && dev && !read_chain(cfg, path, pub, now_ms / 1000 + DEV_RENEW_S, true, &ch)) {
        sr_crypto_pem_chain_cleanup(&ch);
        ok = self_issue(cfg, key, now_ms, path) && read_chain(cfg, path, pub, 0, false, &ch);
    } else if (ok && !dev) {
        ok = read_chain(cfg, path, pub, 0, false, &ch);
    }
    if (ok && dev) {
        fprintf(stderr,
                "sealroomd: WARNING: the static key has a self-issued DEVELOPMENT certificate "
                "%s; give --static-cert in production\n",
                path);
    }
    ok = ok && (*x5c = json_array()) != NULL;
    for (size_t i = 0; ok && i < ch.count; i++) {
        sr_buf_reset(&b64);
        ok = sr_kms_b64std_encode(sr_buf_slice(&ch.der[i]), &b64) == SR_OK &&
             json_array_append_new(*x5c, json_stringn((const char *)b64.p, b64.len)) == 0;
    }
    if (!ok) {
        json_decref(*x5c);
        *x5c = NULL;
    }
    sr_buf_cleanup(&b64);
    sr_crypto_pem_chain_cleanup(&ch);
    json_decref(pub);
    sr_free(pub_text);
    return ok;
}
