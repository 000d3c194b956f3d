/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A self-signed P-256 development certificate for a server's first start. The key file is
 * created fresh with mode 0600 (never through an existing file or symlink), so the key is
 * never readable by others even for a moment. Clients trust the certificate by loading
 * the certificate file itself as their CA file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sealroom/net.h>

static bool is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* Host names go into an OpenSSL config string, so only plain name characters pass. */
static bool host_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 200 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-:") == n;
}

static sr_err add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL) {
        return SR_ERR_CRYPTO;
    }
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? SR_OK : SR_ERR_CRYPTO;
}

static sr_err set_serial_and_names(X509 *x, const char *cn)
{
    unsigned char serial[16];
    SR_CHECK(RAND_bytes(serial, sizeof(serial)) == 1, SR_ERR_CRYPTO);
    serial[0] &= 0x7f; /* RFC 5280 §4.1.2.2: a positive integer */
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    SR_CHECK(bn != NULL, SR_ERR_CRYPTO);
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    SR_CHECK(ai != NULL, SR_ERR_CRYPTO);
    X509_NAME *name = X509_get_subject_name(x);
    SR_CHECK(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                        (const unsigned char *)"Sealroom development", -1, -1,
                                        0) == 1,
             SR_ERR_CRYPTO);
    SR_CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                        0) == 1,
             SR_ERR_CRYPTO);
    SR_CHECK(X509_set_issuer_name(x, name) == 1, SR_ERR_CRYPTO);
    return SR_OK;
}

static sr_err build_cert(X509 *x, EVP_PKEY *key, const char *host, unsigned days)
{
    char san[320];
    const char *cn = host != NULL ? host : "localhost";

    SR_CHECK(X509_set_version(x, 2) == 1, SR_ERR_CRYPTO);
    SR_TRY(set_serial_and_names(x, cn));
    /* Backdate an hour so small clock skew between hosts does not reject it. */
    SR_CHECK(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL, SR_ERR_CRYPTO);
    SR_CHECK(X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400L) != NULL, SR_ERR_CRYPTO);
    SR_CHECK(X509_set_pubkey(x, key) == 1, SR_ERR_CRYPTO);
    snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1%s%s%s", host != NULL ? "," : "",
             host == NULL ? "" : (is_ip(host) ? "IP:" : "DNS:"), host != NULL ? host : "");
    SR_TRY(add_ext(x, NID_basic_constraints, "critical,CA:FALSE"));
    SR_TRY(add_ext(x, NID_key_usage, "critical,digitalSignature"));
    SR_TRY(add_ext(x, NID_ext_key_usage, "serverAuth"));
    SR_TRY(add_ext(x, NID_subject_key_identifier, "hash"));
    SR_TRY(add_ext(x, NID_subject_alt_name, san));
    SR_CHECK(X509_sign(x, key, EVP_sha256()) > 0, SR_ERR_CRYPTO);
    return SR_OK;
}

/* Open `path` for writing with `mode`; `fresh` replaces the file instead of truncating. */
static FILE *open_out(const char *path, mode_t mode, bool fresh)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
    if (fresh) {
        if (unlink(path) != 0 && errno != ENOENT) {
            return NULL;
        }
        flags |= O_EXCL;
    } else {
        flags |= O_TRUNC;
    }
    int fd = open(path, flags, mode);
    if (fd < 0) {
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
    }
    return f;
}

static sr_err write_pem(const char *cert_file, const char *key_file, X509 *x, EVP_PKEY *key)
{
    FILE *kf = open_out(key_file, 0600, true);
    SR_CHECK(kf != NULL, SR_ERR_IO);
    int ok = PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL);
    SR_CHECK(fclose(kf) == 0 && ok == 1, SR_ERR_IO);
    FILE *cf = open_out(cert_file, 0644, false);
    SR_CHECK(cf != NULL, SR_ERR_IO);
    ok = PEM_write_X509(cf, x);
    SR_CHECK(fclose(cf) == 0 && ok == 1, SR_ERR_IO);
    return SR_OK;
}

sr_err sr_net_selfsigned_write(const char *cert_file, const char *key_file, const char *host,
                               unsigned days)
{
    sr_err err = SR_ERR_CRYPTO;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;

    SR_CHECK(cert_file != NULL && key_file != NULL && days > 0 && days <= 3650, SR_ERR_ARG);
    SR_CHECK(host == NULL || host_ok(host), SR_ERR_ARG);
    key = EVP_EC_gen("P-256");
    x = X509_new();
    if (key == NULL || x == NULL) {
        goto out;
    }
    err = build_cert(x, key, host, days);
    if (err == SR_OK) {
        err = write_pem(cert_file, key_file, x, key);
    }
out:
    X509_free(x);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return err;
}
