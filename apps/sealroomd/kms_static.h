/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS static RSA key (KMS.md §2): DATA_DIR/static-N.jwk (0600, a private JWK), kid
 * kms://HOST/static/N. The highest N is current; the first start makes static-1, and
 * --rotate-static-key makes the next one. After a rotation the previous key still answers
 * handshakes to its kid for 24 h from the new file's time.
 */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include "kms/jose.h"
#include "kms_config.h"

#define KMS_KID_MAX 300

struct kms_static {
    struct sr_jose_key *key;
    char kid[KMS_KID_MAX];
    char *published;          /* the public JWK with its kid, for details (sr_malloc) */
    struct sr_jose_key *prev; /* NULL: none, or past its 24 h */
    char prev_kid[KMS_KID_MAX];
    int64_t prev_until; /* ms */
};

/** Load (or make, or rotate) the static keys at `now_ms`. Prints what is wrong on failure. */
bool kms_static_load(const struct kms_config *cfg, int64_t now_ms, struct kms_static *out);

/**
 * The x5c of static key `n` (kms_static_cert.c): the chain of --static-cert, or the self-issued
 * development certificate DATA_DIR/static-N.pem (made on first use). The leaf must be for the
 * key and the KMS name. Prints what is wrong on failure.
 */
bool kms_static_chain(const struct kms_config *cfg, unsigned n, const struct sr_jose_key *key,
                      int64_t now_ms, json_t **x5c);

/** Free the keys (cjose wipes them). A zeroed struct is fine. */
void kms_static_cleanup(struct kms_static *st);
