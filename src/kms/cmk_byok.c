/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BYOK (KMS.md §3 `/publicKey` and `create /cmk`, §7): the KMS keeps one RSA-3072 pair per org
 * and publishes its public half; the customer encrypts its 32-byte key with RSA-OAEP (SHA-256,
 * MGF1-SHA-256, no label) to it, and the upload becomes the org's CMK.
 *
 * In a token the pair is labelled "sealroom-byok:<org>" and the upload is unwrapped with
 * C_UnwrapKey(CKM_RSA_PKCS_OAEP, SHA-256) straight into a sensitive, non-extractable AES-256
 * object. Tokens that refuse SHA-256 OAEP parameters (SoftHSM2 2.6 accepts only SHA-1) get a
 * fallback: raw RSA (CKM_RSA_X_509) in the token, OAEP decoding in software, and C_CreateObject
 * of the same non-extractable object; the key then passes through KMS memory once, and is wiped.
 * Without a token the pair is a 0600 PEM file and the upload is decrypted in software.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "crypto/rsa.h"
#include "kms/cmk.h"
#include "kms/cmk_int.h"
#include "kms/p11.h"

#define PEM_MAX 16384

static sr_err byok_label(const char *org, char *out, size_t cap)
{
    int n = snprintf(out, cap, "sealroom-byok:%s", org);
    SR_CHECK(n > 0 && (size_t)n < cap, SR_ERR_LIMIT);
    return SR_OK;
}

static sr_err p11_unwrap_oaep(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE priv, const char *uri,
                              struct sr_slice wrapped, CK_OBJECT_HANDLE *key);

/*
 * A token that takes SHA-256 OAEP parameters in C_UnwrapKey never needs the raw-RSA
 * fallback, so its pair becomes unwrap-only (CKA_DECRYPT false), as KMS.md §7 wants. The probe
 * unwraps an all-zero block, which no token accepts; only a parameter refusal keeps decrypt.
 */
static void unwrap_only(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE priv)
{
    uint8_t zero[SR_KMS_BYOK_WRAP_LEN] = { 0 };
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE a = { CKA_DECRYPT, &no, 1 };
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

    sr_err err =
            p11_unwrap_oaep(p11, priv, "sealroom-byok-probe", sr_slice_of(zero, sizeof(zero)), &h);
    if (err == SR_OK) {
        (void)p11->f->C_DestroyObject(p11->session, h);
    }
    if (err != SR_ERR_UNSUPPORTED) {
        (void)p11->f->C_SetAttributeValue(p11->session, priv, &a, 1);
    }
}

static sr_err p11_make_pair(struct sr_kms_p11 *p11, const char *label)
{
    CK_ULONG bits = SR_KMS_RSA_BITS;
    CK_BYTE exp[] = { 0x01, 0x00, 0x01 };
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG lab_len = strlen(label);
    void *lab = (void *)(uintptr_t)label;
    CK_ATTRIBUTE pub[] = {
        { CKA_TOKEN, &yes, 1 },          { CKA_MODULUS_BITS, &bits, sizeof(bits) },
        { CKA_PUBLIC_EXPONENT, exp, 3 }, { CKA_ENCRYPT, &yes, 1 },
        { CKA_WRAP, &yes, 1 },           { CKA_VERIFY, &no, 1 },
        { CKA_LABEL, lab, lab_len },
    };
    /* CKA_DECRYPT only for the raw-RSA fallback described above. */
    CK_ATTRIBUTE priv[] = {
        { CKA_TOKEN, &yes, 1 },      { CKA_PRIVATE, &yes, 1 },    { CKA_SENSITIVE, &yes, 1 },
        { CKA_EXTRACTABLE, &no, 1 }, { CKA_UNWRAP, &yes, 1 },     { CKA_DECRYPT, &yes, 1 },
        { CKA_SIGN, &no, 1 },        { CKA_LABEL, lab, lab_len },
    };
    CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_OBJECT_HANDLE hpub, hpriv;

    SR_TRY(sr_kms_p11_err(
            p11->f->C_GenerateKeyPair(p11->session, &mech, pub, sizeof(pub) / sizeof(pub[0]), priv,
                                      sizeof(priv) / sizeof(priv[0]), &hpub, &hpriv)));
    unwrap_only(p11, hpriv);
    return SR_OK;
}

static sr_err p11_attr(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
                       struct sr_buf *out)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    SR_TRY(sr_kms_p11_err(p11->f->C_GetAttributeValue(p11->session, h, &a, 1)));
    SR_CHECK(a.ulValueLen <= 1024, SR_ERR_LIMIT);
    SR_TRY(sr_buf_reserve(out, a.ulValueLen));
    a.pValue = out->p + out->len;
    SR_TRY(sr_kms_p11_err(p11->f->C_GetAttributeValue(p11->session, h, &a, 1)));
    out->len += a.ulValueLen;
    return SR_OK;
}

static sr_err p11_public_locked(struct sr_kms_p11 *p11, const char *org, struct sr_buf *n,
                                struct sr_buf *e)
{
    char label[300];
    CK_OBJECT_HANDLE h;

    SR_TRY(byok_label(org, label, sizeof(label)));
    sr_err err = sr_kms_p11_find(p11, CKO_PUBLIC_KEY, label, &h);
    if (err == SR_ERR_NOT_FOUND) {
        SR_TRY(p11_make_pair(p11, label));
        err = sr_kms_p11_find(p11, CKO_PUBLIC_KEY, label, &h);
    }
    SR_TRY(err);
    SR_TRY(p11_attr(p11, h, CKA_MODULUS, n));
    return p11_attr(p11, h, CKA_PUBLIC_EXPONENT, e);
}

sr_err sr_kms_byok_p11_public_key(struct sr_kms_p11 *p11, const char *org, struct sr_buf *n,
                                  struct sr_buf *e)
{
    sr_kms_p11_lock(p11);
    sr_err err = p11_public_locked(p11, org, n, e);
    sr_kms_p11_unlock(p11);
    return err;
}

#define AES_TEMPLATE(uri, value, value_len)                                                      \
    {                                                                                            \
        { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },                     \
                { CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 }, { CKA_SENSITIVE, &yes, 1 },    \
                { CKA_EXTRACTABLE, &no, 1 }, { CKA_ENCRYPT, &yes, 1 }, { CKA_DECRYPT, &yes, 1 }, \
                { CKA_WRAP, &no, 1 }, { CKA_UNWRAP, &no, 1 },                                    \
                { CKA_LABEL, (void *)(uintptr_t)(uri), strlen(uri) },                            \
                { CKA_VALUE, (value), (value_len) },                                             \
    }

static sr_err p11_unwrap_oaep(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE priv, const char *uri,
                              struct sr_slice wrapped, CK_OBJECT_HANDLE *key)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = AES_TEMPLATE(uri, NULL, 0);
    CK_RSA_PKCS_OAEP_PARAMS oaep = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
    CK_MECHANISM mech = { CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep) };

    /* The last template entry (CKA_VALUE) is for C_CreateObject only. */
    return sr_kms_p11_err(p11->f->C_UnwrapKey(p11->session, &mech, priv,
                                              (CK_BYTE *)(uintptr_t)wrapped.p, wrapped.len, tmpl,
                                              sizeof(tmpl) / sizeof(tmpl[0]) - 1, key));
}

static sr_err p11_unwrap_raw(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE priv, const char *uri,
                             struct sr_slice wrapped, CK_OBJECT_HANDLE *key)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_MECHANISM mech = { CKM_RSA_X_509, NULL, 0 };
    uint8_t em[SR_KMS_BYOK_WRAP_LEN], value[SR_KMS_CMK_KEY_LEN + 1];
    CK_ULONG em_len = sizeof(em);
    size_t n = 0;
    CK_ATTRIBUTE tmpl[] = AES_TEMPLATE(uri, value, SR_KMS_CMK_KEY_LEN);
    sr_err err;

    SR_CHECK(wrapped.len == SR_KMS_BYOK_WRAP_LEN, SR_ERR_AUTH);
    err = sr_kms_p11_err(p11->f->C_DecryptInit(p11->session, &mech, priv));
    if (err == SR_OK) {
        err = sr_kms_p11_err(p11->f->C_Decrypt(p11->session, (CK_BYTE *)(uintptr_t)wrapped.p,
                                               wrapped.len, em, &em_len));
    }
    if (err == SR_OK) {
        err = em_len == sizeof(em)
                      ? sr_rsa_oaep_sha256_decode(sr_slice_of(em, em_len), value, sizeof(value), &n)
                      : SR_ERR_AUTH;
    }
    if (err == SR_OK && n != SR_KMS_CMK_KEY_LEN) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        err = sr_kms_p11_err(
                p11->f->C_CreateObject(p11->session, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), key));
    }
    sr_wipe(em, sizeof(em));
    sr_wipe(value, sizeof(value));
    return err;
}

/* Anything but a 32-byte AES key is a bad upload: the object is removed again. */
static sr_err p11_check_len(struct sr_kms_p11 *p11, CK_OBJECT_HANDLE key)
{
    CK_ULONG len = 0;
    CK_ATTRIBUTE a = { CKA_VALUE_LEN, &len, sizeof(len) };
    sr_err err = sr_kms_p11_err(p11->f->C_GetAttributeValue(p11->session, key, &a, 1));
    if (err == SR_OK && len != SR_KMS_CMK_KEY_LEN) {
        err = SR_ERR_AUTH;
    }
    if (err != SR_OK) {
        (void)p11->f->C_DestroyObject(p11->session, key);
    }
    return err;
}

static sr_err p11_import_locked(struct sr_kms_p11 *p11, const char *uri, const char *org,
                                struct sr_slice wrapped, CK_OBJECT_HANDLE *key)
{
    char label[300];
    CK_OBJECT_HANDLE priv, old;

    SR_TRY(byok_label(org, label, sizeof(label)));
    SR_TRY(sr_kms_p11_find(p11, CKO_PRIVATE_KEY, label, &priv));
    sr_err err = sr_kms_p11_find(p11, CKO_SECRET_KEY, uri, &old);
    if (err != SR_ERR_NOT_FOUND) {
        return err == SR_OK ? SR_ERR_EXISTS : err;
    }
    err = p11_unwrap_oaep(p11, priv, uri, wrapped, key);
    if (err == SR_ERR_UNSUPPORTED) {
        err = p11_unwrap_raw(p11, priv, uri, wrapped, key);
    } else if (err == SR_ERR_CRYPTO) {
        err = SR_ERR_AUTH; /* a bad OAEP block is all an unwrap of valid arguments can hit */
    }
    SR_TRY(err);
    return p11_check_len(p11, *key);
}

sr_err sr_kms_byok_p11_import(struct sr_kms_p11 *p11, const char *uri, const char *org,
                              struct sr_slice wrapped, CK_OBJECT_HANDLE *key)
{
    sr_kms_p11_lock(p11);
    sr_err err = p11_import_locked(p11, uri, org, wrapped, key);
    sr_kms_p11_unlock(p11);
    return err;
}

static sr_err pem_read(const char *path, struct sr_buf *pem)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    sr_err err = SR_ERR_IO;

    if (fd < 0) {
        return errno == ENOENT ? SR_ERR_NOT_FOUND : SR_ERR_IO;
    }
    if (fstat(fd, &st) == 0) {
        err = (st.st_mode & 077) != 0 ? SR_ERR_DENIED : SR_OK;
    }
    if (err == SR_OK && (st.st_size <= 0 || st.st_size > PEM_MAX)) {
        err = SR_ERR_DECODE;
    }
    if (err == SR_OK) {
        err = sr_buf_reserve(pem, (size_t)st.st_size);
    }
    if (err == SR_OK) {
        ssize_t n = read(fd, pem->p, (size_t)st.st_size);
        err = n == st.st_size ? SR_OK : SR_ERR_IO;
        pem->len = n == st.st_size ? (size_t)n : 0;
    }
    (void)close(fd);
    return err;
}

static sr_err pem_write(const char *path, struct sr_slice pem)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return errno == EEXIST ? SR_ERR_EXISTS : SR_ERR_IO;
    }
    ssize_t n = write(fd, pem.p, pem.len);
    int rc = fsync(fd);
    (void)close(fd);
    if (n != (ssize_t)pem.len || rc != 0) {
        (void)unlink(path);
        return SR_ERR_IO;
    }
    return SR_OK;
}

static sr_err file_load(const char *dir, const char *org, bool create, struct sr_rsa_key **out)
{
    struct sr_buf pem;
    char *path = NULL;
    sr_err err;

    sr_buf_init(&pem, PEM_MAX, SR_BUF_WIPE);
    err = sr_kms_cmk_path(dir, "byok-", org, ".pem", &path);
    if (err == SR_OK) {
        err = pem_read(path, &pem);
    }
    if (err == SR_OK) {
        err = sr_rsa_private_from_pem(sr_buf_slice(&pem), out);
    } else if (err == SR_ERR_NOT_FOUND && create) {
        err = sr_rsa_generate(SR_KMS_RSA_BITS, out);
        if (err == SR_OK) {
            err = sr_rsa_private_to_pem(*out, &pem);
        }
        if (err == SR_OK) {
            err = pem_write(path, sr_buf_slice(&pem));
        }
        if (err != SR_OK) {
            sr_rsa_key_free(*out);
            *out = NULL;
        }
    }
    sr_free(path);
    sr_buf_cleanup(&pem);
    return err;
}

sr_err sr_kms_byok_file_public_key(const char *dir, const char *org, struct sr_buf *n,
                                   struct sr_buf *e)
{
    struct sr_rsa_key *key = NULL;
    SR_TRY(file_load(dir, org, true, &key));
    sr_err err = sr_rsa_public_ne(key, n, e);
    sr_rsa_key_free(key);
    return err;
}

sr_err sr_kms_byok_file_import(const char *dir, const char *org, struct sr_slice wrapped,
                               uint8_t key[SR_KMS_CMK_KEY_LEN])
{
    struct sr_rsa_key *rsa = NULL;
    uint8_t pt[SR_KMS_BYOK_WRAP_LEN];
    size_t n = 0;

    SR_TRY(file_load(dir, org, false, &rsa));
    sr_err err = sr_rsa_oaep_sha256_decrypt(rsa, wrapped, pt, sizeof(pt), &n);
    if (err == SR_OK && n != SR_KMS_CMK_KEY_LEN) {
        err = SR_ERR_AUTH;
    }
    if (err == SR_OK) {
        memcpy(key, pt, SR_KMS_CMK_KEY_LEN);
    }
    sr_wipe(pt, sizeof(pt));
    sr_rsa_key_free(rsa);
    return err;
}
