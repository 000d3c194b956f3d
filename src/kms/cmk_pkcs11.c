/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `pkcs11` CMK provider (KMS.md §7). The CMK is an AES-256 secret key object generated in
 * the token with CKA_SENSITIVE true and CKA_EXTRACTABLE false, labelled with the CMK URI, that
 * may only encrypt and decrypt. KEKs are sealed and opened inside the token with CKM_AES_GCM
 * (96-bit IV chosen by us, 128-bit tag, the §7 AAD), through C_Encrypt/C_Decrypt: the KEK has to
 * come back to the KMS as bytes (content keys are wrapped in software), which C_UnwrapKey into
 * a token object would not give, and SoftHSM2 2.6 offers GCM only on C_Encrypt/C_Decrypt.
 * The CMK value never leaves the token.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/cmk.h"
#include "kms/cmk_int.h"
#include "kms/p11.h"

/*
 * The key reference: the object handle, and the label to find it again, since handles may
 * change when a token's last session closes (SoftHSM2 drops them). `h` is only read or
 * written under the token lock.
 */
struct p11_key {
    CK_OBJECT_HANDLE h;
    char *label;
};

static void key_free(struct p11_key *k)
{
    if (k != NULL) {
        sr_free(k->label);
        sr_free(k);
    }
}

static sr_err adopt(CK_OBJECT_HANDLE h, const char *label, void **key)
{
    size_t n = strlen(label) + 1;
    struct p11_key *k = sr_calloc(1, sizeof(*k));
    if (k != NULL) {
        k->label = sr_malloc(n);
    }
    if (k == NULL || k->label == NULL) {
        key_free(k);
        return SR_ERR_NOMEM;
    }
    memcpy(k->label, label, n);
    k->h = h;
    *key = k;
    return SR_OK;
}

static sr_err p_find(void *be, const char *uri, void **key)
{
    struct sr_kms_p11 *p11 = be;
    CK_OBJECT_HANDLE h;
    sr_err err;

    sr_kms_p11_lock(p11);
    err = sr_kms_p11_find(p11, CKO_SECRET_KEY, uri, &h);
    if (err == SR_ERR_IO && sr_kms_p11_recover(p11) == SR_OK) {
        err = sr_kms_p11_find(p11, CKO_SECRET_KEY, uri, &h);
    }
    sr_kms_p11_unlock(p11);
    SR_TRY(err);
    return adopt(h, uri, key);
}

static sr_err generate_locked(struct sr_kms_p11 *p11, const char *uri, CK_OBJECT_HANDLE *h)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_ULONG len = SR_KMS_CMK_KEY_LEN;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_KEY_TYPE, &kt, sizeof(kt) },
        { CKA_VALUE_LEN, &len, sizeof(len) },
        { CKA_TOKEN, &yes, 1 },
        { CKA_PRIVATE, &yes, 1 },
        { CKA_SENSITIVE, &yes, 1 },
        { CKA_EXTRACTABLE, &no, 1 },
        { CKA_ENCRYPT, &yes, 1 },
        { CKA_DECRYPT, &yes, 1 },
        { CKA_WRAP, &no, 1 },
        { CKA_UNWRAP, &no, 1 },
        { CKA_SIGN, &no, 1 },
        { CKA_VERIFY, &no, 1 },
        { CKA_DERIVE, &no, 1 },
        { CKA_LABEL, (void *)(uintptr_t)uri, strlen(uri) },
    };
    CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_OBJECT_HANDLE old;
    sr_err err = sr_kms_p11_find(p11, CKO_SECRET_KEY, uri, &old);

    if (err != SR_ERR_NOT_FOUND) {
        return err == SR_OK ? SR_ERR_EXISTS : err;
    }
    return sr_kms_p11_err(
            p11->f->C_GenerateKey(p11->session, &mech, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), h));
}

static sr_err p_generate(void *be, const char *uri, void **key)
{
    struct sr_kms_p11 *p11 = be;
    CK_OBJECT_HANDLE h;
    sr_err err;

    sr_kms_p11_lock(p11);
    err = generate_locked(p11, uri, &h);
    sr_kms_p11_unlock(p11);
    SR_TRY(err);
    return adopt(h, uri, key);
}

static sr_err p_import(void *be, const char *uri, const char *org, struct sr_slice wrapped,
                       void **key)
{
    CK_OBJECT_HANDLE h;
    SR_TRY(sr_kms_byok_p11_import(be, uri, org, wrapped, &h));
    return adopt(h, uri, key);
}

static void gcm_params(CK_GCM_PARAMS *gcm, const uint8_t *iv, struct sr_slice aad)
{
    gcm->pIv = (CK_BYTE *)(uintptr_t)iv;
    gcm->ulIvLen = SR_KMS_GCM_IV_LEN;
    gcm->ulIvBits = (CK_ULONG)SR_KMS_GCM_IV_LEN * 8;
    gcm->pAAD = (CK_BYTE *)(uintptr_t)aad.p;
    gcm->ulAADLen = aad.len;
    gcm->ulTagBits = (CK_ULONG)SR_KMS_GCM_TAG_LEN * 8;
}

/* One AES-GCM operation in the token, encrypting or decrypting; the caller holds the lock. */
struct gcm_op {
    bool encrypt;
    struct p11_key *key;
    const uint8_t *iv;
    struct sr_slice aad, in;
    uint8_t *out;
    CK_ULONG out_len; /* in: capacity; out: length */
};

static sr_err gcm_locked(struct sr_kms_p11 *p11, struct gcm_op *op)
{
    CK_GCM_PARAMS gcm;
    CK_MECHANISM mech = { CKM_AES_GCM, &gcm, sizeof(gcm) };
    CK_ULONG cap = op->out_len;
    CK_RV rv;

    gcm_params(&gcm, op->iv, op->aad);
    rv = op->encrypt ? p11->f->C_EncryptInit(p11->session, &mech, op->key->h)
                     : p11->f->C_DecryptInit(p11->session, &mech, op->key->h);
    SR_TRY(sr_kms_p11_err(rv));
    op->out_len = cap;
    rv = op->encrypt ? p11->f->C_Encrypt(p11->session, (CK_BYTE *)(uintptr_t)op->in.p, op->in.len,
                                         op->out, &op->out_len)
                     : p11->f->C_Decrypt(p11->session, (CK_BYTE *)(uintptr_t)op->in.p, op->in.len,
                                         op->out, &op->out_len);
    return sr_kms_p11_err(rv);
}

/*
 * A token that went away (SR_ERR_IO) gets a new session and login; a handle that no longer
 * names the key (SR_ERR_NOT_FOUND) is looked up again by label. Then one retry.
 */
static sr_err gcm(struct sr_kms_p11 *p11, struct gcm_op *op)
{
    CK_ULONG cap = op->out_len;

    sr_kms_p11_lock(p11);
    sr_err err = gcm_locked(p11, op);
    if (err == SR_ERR_IO) {
        err = sr_kms_p11_recover(p11);
        err = err == SR_OK ? SR_ERR_NOT_FOUND : err;
    }
    if (err == SR_ERR_NOT_FOUND) {
        err = sr_kms_p11_find(p11, CKO_SECRET_KEY, op->key->label, &op->key->h);
        if (err == SR_OK) {
            op->out_len = cap;
            err = gcm_locked(p11, op);
        }
    }
    sr_kms_p11_unlock(p11);
    return err;
}

static sr_err p_seal(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                     struct sr_slice pt, uint8_t *out)
{
    struct gcm_op op = { true, key, iv, aad, pt, out, pt.len + SR_KMS_GCM_TAG_LEN };
    SR_TRY(gcm(be, &op));
    SR_CHECK(op.out_len == pt.len + SR_KMS_GCM_TAG_LEN, SR_ERR_CRYPTO);
    return SR_OK;
}

static sr_err p_open(void *be, void *key, const uint8_t *iv, struct sr_slice aad,
                     struct sr_slice ct, uint8_t *out)
{
    uint8_t pt[SR_KMS_KEK_LEN + SR_KMS_GCM_TAG_LEN];
    struct gcm_op op = { false, key, iv, aad, ct, pt, sizeof(pt) };

    SR_CHECK(ct.len == SR_KMS_KEK_LEN + SR_KMS_GCM_TAG_LEN, SR_ERR_DECODE);
    sr_err err = gcm(be, &op);
    /* SoftHSM2 reports a failed GCM tag as a general failure: nothing else can fail here. */
    if (err == SR_ERR_CRYPTO || (err == SR_OK && op.out_len != SR_KMS_KEK_LEN)) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        memcpy(out, pt, SR_KMS_KEK_LEN);
    }
    sr_wipe(pt, sizeof(pt));
    return err;
}

static sr_err p_public_key(void *be, const char *org, struct sr_buf *n, struct sr_buf *e)
{
    return sr_kms_byok_p11_public_key(be, org, n, e);
}

static sr_err p_destroy(void *be, void *key)
{
    struct sr_kms_p11 *p11 = be;
    sr_err err;

    sr_kms_p11_lock(p11);
    err = sr_kms_p11_err(p11->f->C_DestroyObject(p11->session, ((struct p11_key *)key)->h));
    sr_kms_p11_unlock(p11);
    SR_TRY(err);
    key_free(key);
    return SR_OK;
}

static void p_release(void *be, void *key)
{
    (void)be;
    key_free(key);
}

static void p_free(void *be)
{
    sr_kms_p11_close(be);
}

static const struct sr_kms_cmk_ops pkcs11_ops = {
    .name = "pkcs11",
    .find = p_find,
    .generate = p_generate,
    .import_wrapped = p_import,
    .seal = p_seal,
    .open = p_open,
    .public_key = p_public_key,
    .destroy = p_destroy,
    .release = p_release,
    .free = p_free,
};

sr_err sr_kms_cmk_provider_new_pkcs11(const struct sr_kms_p11_config *cfg,
                                      struct sr_kms_cmk_provider **out)
{
    struct sr_kms_cmk_provider *prov;
    struct sr_kms_p11 *p11 = NULL;

    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    prov = sr_calloc(1, sizeof(*prov));
    SR_CHECK(prov != NULL, SR_ERR_NOMEM);
    sr_err err = sr_kms_p11_open(cfg, &p11);
    if (err != SR_OK) {
        sr_free(prov);
        return err;
    }
    prov->ops = &pkcs11_ops;
    prov->be = p11;
    *out = prov;
    return SR_OK;
}

struct sr_kms_p11 *sr_kms_cmk_provider_p11(struct sr_kms_cmk_provider *prov)
{
    return prov != NULL && prov->ops == &pkcs11_ops ? prov->be : NULL;
}
