/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A PKCS#11 token connection for the KMS (KMS.md §7, `pkcs11` provider): the module is loaded
 * with dlopen, the token found by label, one read/write session opened and logged in as the
 * user. The session is shared and every use is serialised by a mutex (sr_kms_p11_lock), which
 * also serialises key creation as §7 asks. Several connections to one module may coexist in a
 * process (e.g. the CMK provider and the static key); they share its C_Initialize. Only kms/
 * files and the tests include this header.
 */
#pragma once

#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdbool.h>

#include <sealroom/err.h>

/* Debian's SoftHSM2; used when the configuration names no module. */
#define SR_KMS_P11_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"

struct sr_kms_p11_config {
    const char *module;      /* path of the PKCS#11 module; NULL: the SoftHSM2 default */
    const char *token_label; /* CKA_LABEL of the token (padded with blanks in the slot info) */
    const char *pin;         /* the user PIN, or NULL to read it from pin_file */
    const char *pin_file;    /* a file holding the PIN (a trailing newline is dropped) */
};

#define SR_KMS_P11_PIN_MAX   256
#define SR_KMS_P11_LABEL_MAX 33 /* CK_TOKEN_INFO.label and a NUL */

struct sr_kms_p11 {
    void *dl;
    CK_FUNCTION_LIST *f;
    CK_SESSION_HANDLE session;
    bool finalize; /* holds a reference on the module's initialisation */
    pthread_mutex_t mu;
    /* Kept to log in again after the token went away (sr_kms_p11_recover). */
    char token_label[SR_KMS_P11_LABEL_MAX];
    char *pin_file;               /* read again at each login, or NULL */
    char pin[SR_KMS_P11_PIN_MAX]; /* when no pin_file; wiped by close */
};

/**
 * Load the module, find the token and log in. SR_ERR_IO when the module cannot be loaded or
 * the token is absent, SR_ERR_DENIED for a wrong PIN, SR_ERR_NOT_FOUND for no such token.
 */
SR_MUST_USE sr_err sr_kms_p11_open(const struct sr_kms_p11_config *cfg, struct sr_kms_p11 **out);

/** Log out, close the session, finalise and unload. NULL does nothing. */
void sr_kms_p11_close(struct sr_kms_p11 *p11);

void sr_kms_p11_lock(struct sr_kms_p11 *p11);
void sr_kms_p11_unlock(struct sr_kms_p11 *p11);

/**
 * After an SR_ERR_IO (session closed, device removed, token reinserted): close the session,
 * find the token again and log in with a new session. The caller holds the lock and retries
 * its operation once. Object handles stay those of the same token.
 */
SR_MUST_USE sr_err sr_kms_p11_recover(struct sr_kms_p11 *p11);

/** A PKCS#11 return value as an sr_err (CKR_OK is SR_OK). */
sr_err sr_kms_p11_err(CK_RV rv);

/**
 * The one object of class `cls` whose CKA_LABEL is `label`; the caller holds the lock.
 * SR_ERR_NOT_FOUND if none, SR_ERR_EXISTS if more than one.
 */
SR_MUST_USE sr_err sr_kms_p11_find(struct sr_kms_p11 *p11, CK_OBJECT_CLASS cls, const char *label,
                                   CK_OBJECT_HANDLE *out);
