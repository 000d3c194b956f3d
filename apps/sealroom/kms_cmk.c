/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom kms cmk ...`: an org's Customer Main Keys (KMS.md §7) for org and KMS admins.
 * status lists them ("<uri> <state> v<version> <provider>" per line, newest first); rotate
 * makes a generated one active; revoke is the kill switch and activate undoes it (or
 * activates a BYOK upload); delete destroys one; public-key and import are BYOK's two steps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sealroom/kms.h>

#include "core/alloc.h"
#include "kms_cli.h"

static void print_cmk(const struct sr_kms_cmk_info *k)
{
    printf("%s %s v%lld %s\n", k->uri, k->state, (long long)k->version, k->provider);
}

static int status(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_cmk_list list;
    sr_err err = sr_kms_client_cmk_list(c, o->org, &list);
    if (err != SR_OK) {
        return kms_cli_fail(c, "cmk status", err);
    }
    for (size_t i = 0; i < list.n; i++) {
        print_cmk(&list.items[i]);
    }
    sr_kms_cmk_list_cleanup(&list);
    return 0;
}

/* The URI given, or that of the org's CMK in state `state`; 0 when found. */
static int pick(struct sr_kms_client *c, const struct kms_opts *o, const char *state,
                char uri[SR_KMS_URI_MAX])
{
    if (o->n_args == 1) {
        (void)snprintf(uri, SR_KMS_URI_MAX, "%s", o->args[0]);
        return 0;
    }
    struct sr_kms_cmk_list list;
    sr_err err = sr_kms_client_cmk_list(c, o->org, &list);
    if (err != SR_OK) {
        return kms_cli_fail(c, "cmk status", err);
    }
    int rc = 1;
    for (size_t i = 0; rc != 0 && i < list.n; i++) {
        if (strcmp(list.items[i].state, state) == 0) {
            memcpy(uri, list.items[i].uri, SR_KMS_URI_MAX);
            rc = 0;
        }
    }
    sr_kms_cmk_list_cleanup(&list);
    if (rc != 0) {
        fprintf(stderr,
                "sealroom kms cmk: the org has no %s CMK; give its URI (see 'sealroom kms "
                "cmk status')\n",
                state);
    }
    return rc;
}

static int set_state(struct sr_kms_client *c, const struct kms_opts *o, const char *what,
                     const char *from, const char *to)
{
    char uri[SR_KMS_URI_MAX];
    struct sr_kms_cmk_info k;
    if (o->n_args > 1 || (from == NULL && o->n_args != 1)) {
        fprintf(stderr, "sealroom kms cmk %s: give %s CMK URI\n", what,
                from == NULL ? "the" : "at most one");
        return 2;
    }
    int rc = pick(c, o, from != NULL ? from : "", uri);
    if (rc != 0) {
        return rc;
    }
    sr_err err = sr_kms_client_cmk_set_state(c, uri, to, &k);
    if (err != SR_OK) {
        return kms_cli_fail(c, what, err);
    }
    print_cmk(&k);
    return 0;
}

static int public_key(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_buf jwk;
    if (o->org == NULL || o->org[0] == '\0') {
        fprintf(stderr, "sealroom kms cmk public-key: needs --org ORG\n");
        return 2;
    }
    sr_buf_init(&jwk, 0, 0);
    sr_err err = sr_kms_client_cmk_public_key(c, o->org, &jwk);
    if (err == SR_OK) {
        printf("%.*s\n", (int)jwk.len, (const char *)jwk.p);
    }
    sr_buf_cleanup(&jwk);
    return err == SR_OK ? 0 : kms_cli_fail(c, "cmk public-key", err);
}

/* The 32-byte key from a file of 64 hex characters (and an optional newline). */
static int read_key_hex(const char *path, uint8_t key[SR_KMS_KEY_LEN])
{
    char text[2 * SR_KMS_KEY_LEN + 3];
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
    int saved = errno;
    if (f != NULL) {
        (void)fclose(f);
    }
    text[n] = '\0';
    n = strcspn(text, "\r\n");
    text[n] = '\0';
    struct sr_buf b;
    sr_buf_init(&b, SR_KMS_KEY_LEN, SR_BUF_WIPE);
    int rc = f != NULL && n == 2 * SR_KMS_KEY_LEN && sr_hex_decode(text, n, &b) == SR_OK &&
                             b.len == SR_KMS_KEY_LEN
                     ? 0
                     : 1;
    if (rc == 0) {
        memcpy(key, b.p, SR_KMS_KEY_LEN);
    }
    sr_buf_cleanup(&b);
    sr_wipe(text, sizeof(text));
    if (rc != 0) {
        fprintf(stderr,
                "sealroom kms cmk import: --key-file %s must hold the key as 64 hex "
                "characters%s%s\n",
                path, f == NULL ? ": " : "", f == NULL ? strerror(saved) : "");
    }
    return rc;
}

/* The optional backup copy, kept by the KMS as given (at most 512 bytes). */
static int read_backup(const char *path, struct sr_buf *out)
{
    uint8_t tmp[600];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(tmp, 1, sizeof(tmp), f) : 0;
    if (f != NULL) {
        (void)fclose(f);
    }
    if (f == NULL || n == 0 || n > 512 || sr_buf_append(out, tmp, n) != SR_OK) {
        fprintf(stderr, "sealroom kms cmk import: --backup-file %s must be 1-512 bytes\n", path);
        return 1;
    }
    return 0;
}

static int import(struct sr_kms_client *c, const struct kms_opts *o)
{
    uint8_t key[SR_KMS_KEY_LEN];
    struct sr_buf jwk, wrapped, backup;
    struct sr_kms_cmk_info k;
    if (o->org == NULL || o->org[0] == '\0' || o->key_file == NULL) {
        fprintf(stderr, "sealroom kms cmk import: needs --org ORG and --key-file FILE\n");
        return 2;
    }
    if (read_key_hex(o->key_file, key) != 0) {
        return 1;
    }
    sr_buf_init(&jwk, 0, 0);
    sr_buf_init(&wrapped, 0, 0);
    sr_buf_init(&backup, 0, 0);
    int rc = o->backup_file != NULL ? read_backup(o->backup_file, &backup) : 0;
    sr_err err = SR_OK;
    if (rc == 0) {
        err = sr_kms_client_cmk_public_key(c, o->org, &jwk);
        rc = err == SR_OK ? 0 : kms_cli_fail(c, "cmk public-key", err);
    }
    if (rc == 0 && sr_kms_cmk_wrap_for_import(sr_buf_slice(&jwk), key, &wrapped) != SR_OK) {
        fprintf(stderr, "sealroom kms cmk import: the KMS's public key is not usable\n");
        rc = 1;
    }
    if (rc == 0) {
        err = sr_kms_client_cmk_create(c, o->org, sr_buf_slice(&wrapped), sr_buf_slice(&backup),
                                       &k);
        rc = err == SR_OK ? 0 : kms_cli_fail(c, "cmk import", err);
    }
    if (rc == 0) {
        print_cmk(&k);
    }
    sr_wipe(key, sizeof(key));
    sr_buf_cleanup(&jwk);
    sr_buf_cleanup(&wrapped);
    sr_buf_cleanup(&backup);
    return rc;
}

int kms_cli_cmk(struct sr_kms_client *c, const char *sub, const struct kms_opts *o)
{
    /* The KMS reads a missing assignedOrgId as the service CMK: make the choice explicit. */
    if (o->org == NULL && !(strcmp(sub, "activate") == 0 || strcmp(sub, "delete") == 0 ||
                            (strcmp(sub, "revoke") == 0 && o->n_args == 1))) {
        fprintf(stderr,
                "sealroom kms cmk %s: needs --org ORG (--org '' names the service CMK, "
                "for kms.kmsAdmin)\n",
                sub);
        return 2;
    }
    if (strcmp(sub, "status") == 0 && o->n_args == 0) {
        return status(c, o);
    }
    if ((strcmp(sub, "rotate") == 0 || strcmp(sub, "create") == 0) && o->n_args == 0) {
        struct sr_kms_cmk_info k;
        sr_err err =
                sr_kms_client_cmk_create(c, o->org, sr_slice_of(NULL, 0), sr_slice_of(NULL, 0), &k);
        if (err != SR_OK) {
            return kms_cli_fail(c, "cmk rotate", err);
        }
        print_cmk(&k);
        return 0;
    }
    if (strcmp(sub, "revoke") == 0) {
        return set_state(c, o, "revoke", "active", "revoked");
    }
    if (strcmp(sub, "activate") == 0) {
        return set_state(c, o, "activate", NULL, "active");
    }
    if (strcmp(sub, "delete") == 0) {
        return set_state(c, o, "delete", NULL, "deleted");
    }
    if (strcmp(sub, "public-key") == 0) {
        return public_key(c, o);
    }
    if (strcmp(sub, "import") == 0) {
        return import(c, o);
    }
    fprintf(stderr, "sealroom kms cmk: use status, rotate, revoke, activate, delete, public-key "
                    "or import (see 'sealroom kms --help')\n");
    return 2;
}
