/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's test PKI: the organization's internal CA and a partner organization's CA, each
 * a self-signed certificate over a fresh key in the meeting suite's signature scheme. Every
 * participant gets a fresh signature key and a certificate from one of them (e-mail SAN),
 * except one guest who has only a basic credential. The trust configuration lists the
 * internal CA as "verified internally" and the partner CA as "verified externally".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/suite.h"
#include "crypto/x509.h"
#include "demo.h"

struct demo_pki {
    struct sr_buf priv[2]; /* CA keys: internal, partner (wiping) */
    struct sr_buf cert[2]; /* CA certificates (DER) */
    uint64_t serial;
};

static const char *const ca_names[2] = { "Example Corp Internal CA", "Partner Inc CA" };
static const char *const domains[2] = { "example.com", "partner.example" };
static const char *const first_names[] = { "alice", "bob",    "carol",   "dave",  "erin",
                                           "frank", "grace",  "heidi",   "ivan",  "judy",
                                           "ken",   "laura",  "mallory", "niaj",  "olivia",
                                           "peggy", "rupert", "sybil",   "trent", "victor" };

static const struct sr_sig_alg *sig_alg(const struct demo_world *w)
{
    return sr_suite_get(w->opts.suite)->sig;
}

static sr_err make_ca(struct demo_world *w, int which)
{
    struct demo_pki *pki = w->pki;
    struct sr_buf pub = { 0 };
    int64_t now = (int64_t)time(NULL);
    sr_err err = sr_mls_signature_key_new(w->opts.suite, &pki->priv[which], &pub);
    struct sr_x509_test_cert c = {
        .common_name = ca_names[which],
        .is_ca = true,
        .not_before = now - 86400,
        .not_after = now + 365 * 86400,
        .alg = sig_alg(w),
        .subject_priv = sr_buf_slice(&pki->priv[which]),
        .issuer_alg = sig_alg(w),
        .issuer_priv = sr_buf_slice(&pki->priv[which]),
        .serial = ++pki->serial,
    };
    if (err == SR_OK) {
        err = sr_crypto_x509_test_issue(&c, &pki->cert[which]);
    }
    if (err == SR_OK) {
        err = sr_mls_trust_add_anchor(w->trust, sr_buf_slice(&pki->cert[which]),
                                      which == 0 ? SR_MLS_LEVEL_INTERNAL : SR_MLS_LEVEL_EXTERNAL);
    }
    sr_buf_cleanup(&pub);
    return err;
}

sr_err demo_pki_new(struct demo_world *w)
{
    w->pki = calloc(1, sizeof(*w->pki));
    if (w->pki == NULL) {
        return SR_ERR_NOMEM;
    }
    for (int i = 0; i < 2; i++) {
        sr_buf_init(&w->pki->priv[i], 0, SR_BUF_WIPE);
        SR_TRY(make_ca(w, i));
    }
    printf("\n== Test PKI\n");
    printf("   %-26s -> participants shown as \"verified internally\"\n", ca_names[0]);
    printf("   %-26s -> participants shown as \"verified externally\"\n", ca_names[1]);
    printf("   %-26s -> shown as \"unverified\"\n", "a guest, basic credential");
    printf("   the participants in this process share one trust configuration, which\n"
           "   remembers each judged chain (signatures are still checked by everyone)\n");
    return SR_OK;
}

void demo_pki_free(struct demo_pki *pki)
{
    if (pki == NULL) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        sr_buf_cleanup(&pki->priv[i]);
        sr_buf_cleanup(&pki->cert[i]);
    }
    free(pki);
}

/* Roles: the last to join is the guest; every third of the others is a partner. */
static void name_person(struct demo_world *w, unsigned i)
{
    struct demo_person *p = &w->people[i];
    size_t names = sizeof(first_names) / sizeof(first_names[0]);
    char local[32];
    p->role = i + 1 == w->n ? DEMO_GUEST : i % 3 == 2 ? DEMO_PARTNER : DEMO_INTERNAL;
    if (i < names) {
        snprintf(local, sizeof(local), "%s", first_names[i]);
    } else {
        snprintf(local, sizeof(local), "user%04u", i);
    }
    if (p->role == DEMO_GUEST) {
        snprintf(p->name, sizeof(p->name), "guest:%s", local);
    } else {
        snprintf(p->name, sizeof(p->name), "%s@%s", local, domains[p->role == DEMO_PARTNER]);
    }
}

/* A fresh signature key and a certificate from the person's CA, then the KeyPackage. */
static sr_err enrol_x509(struct demo_world *w, struct demo_person *p)
{
    struct demo_pki *pki = w->pki;
    int ca = p->role == DEMO_PARTNER;
    struct sr_buf priv, pub = { 0 }, cert = { 0 };
    sr_buf_init(&priv, 0, SR_BUF_WIPE);
    int64_t now = (int64_t)(w->clock_ms / 1000);
    sr_err err = sr_mls_signature_key_new(w->opts.suite, &priv, &pub);
    struct sr_x509_test_cert c = {
        .common_name = p->name,
        .email = p->name,
        .not_before = now - 3600,
        .not_after = now + 30 * 86400,
        .alg = sig_alg(w),
        .subject_priv = sr_buf_slice(&priv),
        .issuer_alg = sig_alg(w),
        .issuer_priv = sr_buf_slice(&pki->priv[ca]),
        .issuer_der = sr_buf_slice(&pki->cert[ca]),
        .serial = ++pki->serial,
    };
    if (err == SR_OK) {
        err = sr_crypto_x509_test_issue(&c, &cert);
    }
    struct sr_slice chain = sr_buf_slice(&cert);
    struct sr_meeting_credential cred = {
        .certs = &chain,
        .cert_count = 1,
        .signature_priv = sr_buf_slice(&priv),
    };
    if (err == SR_OK) {
        err = sr_meeting_key_package_new(&w->cfg, &cred, &p->key_package, &p->priv);
    }
    sr_buf_cleanup(&priv);
    sr_buf_cleanup(&pub);
    sr_buf_cleanup(&cert);
    return err;
}

static sr_err enrol_guest(struct demo_world *w, struct demo_person *p)
{
    struct sr_meeting_credential cred = { .identity = sr_slice_of(p->name, strlen(p->name)) };
    return sr_meeting_key_package_new(&w->cfg, &cred, &p->key_package, &p->priv);
}

sr_err demo_pki_enrol(struct demo_world *w)
{
    unsigned count[3] = { 0 };
    for (unsigned i = 0; i < w->n; i++) {
        struct demo_person *p = &w->people[i];
        name_person(w, i);
        sr_err err = p->role == DEMO_GUEST ? enrol_guest(w, p) : enrol_x509(w, p);
        if (err != SR_OK) {
            printf("   %s: %s\n", p->name, sr_err_str(err));
            return err;
        }
        count[p->role]++;
        /* Each joiner uploads its KeyPackage to the relay's directory. */
        SR_TRY(demo_relay_receive(&w->relay, DEMO_KEY_PACKAGE, sr_buf_slice(&p->key_package)));
    }
    printf("   issued: %u internal, %u partner certificates, %u basic credential\n",
           count[DEMO_INTERNAL], count[DEMO_PARTNER], count[DEMO_GUEST]);
    return SR_OK;
}
