/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a PKCS#11 module and logging in to one token (PKCS#11 v2.40 §5.4 C_GetFunctionList,
 * §5.4 C_Initialize with CKF_OS_LOCKING_OK since the KMS is threaded, §5.6 C_OpenSession and
 * C_Login). The module is never named at link time, so a deployment picks its HSM's library.
 */
#include "kms/p11.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sealroom/buf.h>

#include "core/alloc.h"

sr_err sr_kms_p11_err(CK_RV rv)
{
    switch (rv) {
    case CKR_OK:
        return SR_OK;
    case CKR_HOST_MEMORY:
        return SR_ERR_NOMEM;
    case CKR_ENCRYPTED_DATA_INVALID:
    case CKR_ENCRYPTED_DATA_LEN_RANGE:
    case CKR_WRAPPED_KEY_INVALID:
    case CKR_WRAPPED_KEY_LEN_RANGE:
        return SR_ERR_AUTH;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LOCKED:
    case CKR_USER_NOT_LOGGED_IN:
        return SR_ERR_DENIED;
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_ARGUMENTS_BAD:
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_TEMPLATE_INCONSISTENT:
        return SR_ERR_UNSUPPORTED;
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
        return SR_ERR_IO;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
        return SR_ERR_NOT_FOUND;
    default:
        return SR_ERR_CRYPTO;
    }
}

/* The PIN for a login: the configured one, or the PIN file's first line. */
static sr_err read_pin(const struct sr_kms_p11 *p11, char pin[SR_KMS_P11_PIN_MAX])
{
    FILE *fp;
    size_t n;

    if (p11->pin_file == NULL) {
        memcpy(pin, p11->pin, SR_KMS_P11_PIN_MAX);
        return SR_OK;
    }
    fp = fopen(p11->pin_file, "r");
    SR_CHECK(fp != NULL, SR_ERR_IO);
    n = fread(pin, 1, SR_KMS_P11_PIN_MAX - 1, fp);
    (void)fclose(fp);
    pin[n] = '\0';
    while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r')) {
        pin[--n] = '\0';
    }
    return SR_OK;
}

static sr_err keep_config(struct sr_kms_p11 *p11, const struct sr_kms_p11_config *cfg)
{
    size_t n = strlen(cfg->token_label);

    SR_CHECK(n < SR_KMS_P11_LABEL_MAX, SR_ERR_LIMIT);
    memcpy(p11->token_label, cfg->token_label, n + 1);
    if (cfg->pin != NULL) {
        n = strlen(cfg->pin);
        SR_CHECK(n < SR_KMS_P11_PIN_MAX, SR_ERR_LIMIT);
        memcpy(p11->pin, cfg->pin, n + 1);
        return SR_OK;
    }
    SR_CHECK(cfg->pin_file != NULL, SR_ERR_ARG);
    n = strlen(cfg->pin_file) + 1;
    p11->pin_file = sr_malloc(n);
    SR_CHECK(p11->pin_file != NULL, SR_ERR_NOMEM);
    memcpy(p11->pin_file, cfg->pin_file, n);
    return SR_OK;
}

/* CK_TOKEN_INFO.label is 32 bytes padded with blanks, not NUL-terminated. */
static bool label_is(const unsigned char lab[32], const char *want)
{
    size_t n = strlen(want);
    if (n > 32 || memcmp(lab, want, n) != 0) {
        return false;
    }
    for (size_t i = n; i < 32; i++) {
        if (lab[i] != ' ') {
            return false;
        }
    }
    return true;
}

static sr_err find_slot(struct sr_kms_p11 *p11, const char *label, CK_SLOT_ID *out)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    CK_TOKEN_INFO info;

    SR_TRY(sr_kms_p11_err(p11->f->C_GetSlotList(CK_TRUE, slots, &n)));
    for (CK_ULONG i = 0; i < n; i++) {
        if (p11->f->C_GetTokenInfo(slots[i], &info) == CKR_OK && label_is(info.label, label)) {
            *out = slots[i];
            return SR_OK;
        }
    }
    return SR_ERR_NOT_FOUND;
}

/*
 * C_Initialize and C_Finalize are per process, and login state is per token for the whole
 * process (PKCS#11 v2.40 §5.4, §6.7.3), so connections that share a module share one
 * initialisation: the last one closed finalises. Modules initialised by someone else
 * (CKR_CRYPTOKI_ALREADY_INITIALIZED) are never finalised by us.
 */
struct module_ref {
    CK_FUNCTION_LIST *f;
    unsigned refs;
};

#define MODULES_MAX 8

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct module_ref modules[MODULES_MAX];

static struct module_ref *module_find(CK_FUNCTION_LIST *f)
{
    struct module_ref *free_slot = NULL;
    for (size_t i = 0; i < MODULES_MAX; i++) {
        if (modules[i].refs > 0 && modules[i].f == f) {
            return &modules[i];
        }
        if (modules[i].refs == 0 && free_slot == NULL) {
            free_slot = &modules[i];
        }
    }
    return free_slot;
}

static sr_err module_init(struct sr_kms_p11 *p11)
{
    CK_C_INITIALIZE_ARGS args = { 0 };
    struct module_ref *m;
    sr_err err = SR_OK;

    (void)pthread_mutex_lock(&modules_mu);
    m = module_find(p11->f);
    if (m == NULL) {
        err = SR_ERR_LIMIT;
    } else if (m->refs == 0) {
        args.flags = CKF_OS_LOCKING_OK;
        CK_RV rv = p11->f->C_Initialize(&args);
        if (rv == CKR_OK) {
            m->f = p11->f;
            m->refs = 1;
            p11->finalize = true;
        } else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            err = sr_kms_p11_err(rv);
        }
    } else {
        m->refs++;
        p11->finalize = true;
    }
    (void)pthread_mutex_unlock(&modules_mu);
    return err;
}

static void module_fini(struct sr_kms_p11 *p11)
{
    (void)pthread_mutex_lock(&modules_mu);
    struct module_ref *m = module_find(p11->f);
    if (m != NULL && m->refs > 0 && --m->refs == 0) {
        (void)p11->f->C_Finalize(NULL);
        m->f = NULL;
    }
    (void)pthread_mutex_unlock(&modules_mu);
}

static sr_err load(struct sr_kms_p11 *p11, const char *path)
{
    CK_C_GetFunctionList get;

    p11->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    SR_CHECK(p11->dl != NULL, SR_ERR_IO);
    *(void **)&get = dlsym(p11->dl, "C_GetFunctionList");
    SR_CHECK(get != NULL, SR_ERR_IO);
    SR_TRY(sr_kms_p11_err(get(&p11->f)));
    return module_init(p11);
}

static sr_err login(struct sr_kms_p11 *p11)
{
    char pin[SR_KMS_P11_PIN_MAX];
    CK_SLOT_ID slot;
    CK_RV rv;
    sr_err err;

    err = find_slot(p11, p11->token_label, &slot);
    if (err != SR_OK) {
        return err;
    }
    err = sr_kms_p11_err(p11->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
                                               NULL, &p11->session));
    if (err != SR_OK) {
        return err;
    }
    err = read_pin(p11, pin);
    if (err == SR_OK) {
        rv = p11->f->C_Login(p11->session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
        err = rv == CKR_USER_ALREADY_LOGGED_IN ? SR_OK : sr_kms_p11_err(rv);
    }
    sr_wipe(pin, sizeof(pin));
    return err;
}

sr_err sr_kms_p11_open(const struct sr_kms_p11_config *cfg, struct sr_kms_p11 **out)
{
    struct sr_kms_p11 *p11;
    sr_err err;

    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_CHECK(cfg != NULL && cfg->token_label != NULL, SR_ERR_ARG);
    p11 = sr_calloc(1, sizeof(*p11));
    SR_CHECK(p11 != NULL, SR_ERR_NOMEM);
    p11->session = CK_INVALID_HANDLE;
    if (pthread_mutex_init(&p11->mu, NULL) != 0) {
        sr_free(p11);
        return SR_ERR_NOMEM;
    }
    err = keep_config(p11, cfg);
    if (err == SR_OK) {
        err = load(p11, cfg->module != NULL ? cfg->module : SR_KMS_P11_DEFAULT_MODULE);
    }
    if (err == SR_OK) {
        err = login(p11);
    }
    if (err != SR_OK) {
        sr_kms_p11_close(p11);
        return err;
    }
    *out = p11;
    return SR_OK;
}

void sr_kms_p11_close(struct sr_kms_p11 *p11)
{
    if (p11 == NULL) {
        return;
    }
    /* No C_Logout: it would log out every other connection to the token as well. */
    if (p11->f != NULL && p11->session != CK_INVALID_HANDLE) {
        (void)p11->f->C_CloseSession(p11->session);
    }
    if (p11->f != NULL && p11->finalize) {
        module_fini(p11);
    }
    if (p11->dl != NULL) {
        (void)dlclose(p11->dl);
    }
    pthread_mutex_destroy(&p11->mu);
    sr_free(p11->pin_file);
    sr_wipe(p11->pin, sizeof(p11->pin));
    sr_free(p11);
}

sr_err sr_kms_p11_recover(struct sr_kms_p11 *p11)
{
    if (p11->session != CK_INVALID_HANDLE) {
        (void)p11->f->C_CloseSession(p11->session);
        p11->session = CK_INVALID_HANDLE;
    }
    return login(p11);
}

void sr_kms_p11_lock(struct sr_kms_p11 *p11)
{
    (void)pthread_mutex_lock(&p11->mu);
}

void sr_kms_p11_unlock(struct sr_kms_p11 *p11)
{
    (void)pthread_mutex_unlock(&p11->mu);
}

sr_err sr_kms_p11_find(struct sr_kms_p11 *p11, CK_OBJECT_CLASS cls, const char *label,
                       CK_OBJECT_HANDLE *out)
{
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof(cls) },
        { CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
    };
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n = 0;
    sr_err err;

    SR_TRY(sr_kms_p11_err(p11->f->C_FindObjectsInit(p11->session, tmpl, 2)));
    err = sr_kms_p11_err(p11->f->C_FindObjects(p11->session, found, 2, &n));
    (void)p11->f->C_FindObjectsFinal(p11->session);
    SR_TRY(err);
    SR_CHECK(n > 0, SR_ERR_NOT_FOUND);
    SR_CHECK(n == 1, SR_ERR_EXISTS);
    *out = found[0];
    return SR_OK;
}
