/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz a service principal's credential (KMS.md §6): arbitrary bytes are parsed as the
 * credential JSON ({"jwk": {..., "x5c": [...]}, "proof": "<JWS>"}) and verified against a fixed
 * service CA at a fixed time, as a handshake (with the proof) and as a later request (without),
 * which runs the x5c decoder, the chain and SAN checks, the JWK comparison and the proof's
 * parser. The seeds (fuzz/corpus/kms_service/, from fuzz/seed_kms_service.py) were made under
 * this CA with the handshake key below; `valid` passes. Oracles: nothing crashes or leaks; a
 * success names the indexer of org-a (the only service the CA certified); a failure outputs
 * nothing; what passes as a handshake also passes as a later request.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "kms/authn_service.h"
#include "kms/jose_int.h"

#define NOW_MS ((int64_t)1772442000 * 1000) /* the seeds' proof time */

/* The fuzzing CA (test-only; its key was thrown away after issuing the seeds' certificate). */
static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBRDCB7KADAgECAgEBMAoGCCqGSM49BAMCMBoxGDAWBgNVBAMMD0Z1enogU2Vy\n"
                             "dmljZSBDQTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBoxGDAWBgNV\n"
                             "BAMMD0Z1enogU2VydmljZSBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEkN\n"
                             "rszahlsLchVFtUNb/BLWTqNjg0CTdLwQk8qmqkWR8RpjBDD4BXGEPUDLikByfaI7\n"
                             "m60/2MR/Px4NQC3VlgejIzAhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n"
                             "AgEGMAoGCCqGSM49BAMCA0cAMEQCIEbpoIQvdbPr7gdqJDnJtYDx1tHKcoSrF03h\n"
                             "NRw2tiMjAiBJTW8C+jFfcF9sIet0KL0/nlCWPIIBINkKKx0PxrJOBQ==\n"
                             "-----END CERTIFICATE-----\n";

static struct sr_kms_services *svcs;
static json_t *epk;

static void once(void)
{
    if (svcs != NULL) {
        return;
    }
    epk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256", "x",
                    "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0", "y",
                    "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps");
    if (epk == NULL || sr_kms_services_new(&svcs) != SR_OK ||
        sr_kms_services_add_pem(svcs, sr_slice_of(ca_pem, strlen(ca_pem))) != SR_OK) {
        abort();
    }
}

static bool zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

static sr_err check(const json_t *cred, const struct sr_kms_proof_expect *want)
{
    struct sr_kms_principal who;
    uint8_t thumb[SR_KMS_THUMB_LEN];
    enum sr_kms_authn_fail why = SR_KMS_AUTHN_OK;
    sr_err err = sr_kms_service_verify(svcs, cred, want, NOW_MS, &who, thumb, &why);
    if (err == SR_OK) {
        if (why != SR_KMS_AUTHN_OK || strcmp(who.user_id, "urn:sealroom:service:indexer") != 0 ||
            strcmp(who.service, "indexer") != 0 || strcmp(who.org_id, "org-a") != 0) {
            abort();
        }
    } else if ((err != SR_ERR_AUTH && err != SR_ERR_NOMEM) || why == SR_KMS_AUTHN_OK ||
               !zero(&who, sizeof(who)) || !zero(thumb, sizeof(thumb))) {
        abort();
    }
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *cred = NULL;
    once();
    if (sr_jose_json_parse(sr_slice_of(data, size), &cred, NULL) != SR_OK) {
        return 0;
    }
    const struct sr_kms_proof_expect want = { "kms://kms.example.org", "hs-1", epk };
    if (check(cred, &want) == SR_OK && check(cred, NULL) != SR_OK) {
        abort();
    }
    json_decref(cred);
    return 0;
}
