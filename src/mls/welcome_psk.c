/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The psk_secret of a Welcome (RFC 9420 §8.4, §12.4.3.1): every PreSharedKeyID listed in
 * GroupSecrets.psks, looked up through the application and chained in order.
 */
#include "core/alloc.h"
#include "mls/schedule_psk.h"
#include "mls/welcome.h"

/* One PSK: its encoded PreSharedKeyID into `id`, the key into `psk`. */
static sr_err load_psk(const struct sr_mls_psk_id *pid, sr_mls_psk_lookup_fn lookup, void *arg,
                       struct sr_buf *id, struct sr_secret *psk)
{
    SR_TRY(sr_mls_psk_id_encode(pid, id));
    /* §12.4.3.1: a joiner without a PSK named in GroupSecrets MUST fail. */
    SR_CHECK(lookup != NULL, SR_ERR_NOT_FOUND);
    return lookup(arg, pid, psk);
}

/* §12.4.3.1: "if a PreSharedKeyID has type resumption with usage reinit or branch, verify
 * that it is the only such PSK". */
static sr_err check_psk_usage(const struct sr_mls_group_secrets *gs)
{
    size_t special = 0;
    for (size_t i = 0; i < gs->psk_count; i++) {
        const struct sr_mls_psk_id *p = &gs->psks[i];
        if (p->type == SR_MLS_PSK_RESUMPTION &&
            (p->usage == SR_MLS_RESUMPTION_REINIT || p->usage == SR_MLS_RESUMPTION_BRANCH)) {
            special++;
        }
    }
    return special <= 1 ? SR_OK : SR_ERR_INVALID;
}

sr_err sr_mls_welcome_psk_secret(const struct sr_suite *suite,
                                 const struct sr_mls_group_secrets *gs, sr_mls_psk_lookup_fn lookup,
                                 void *arg, struct sr_secret *psk_secret)
{
    size_t n = gs->psk_count;
    sr_secret_cleanup(psk_secret);
    SR_CHECK(n <= 0xffff, SR_ERR_LIMIT);
    SR_TRY(check_psk_usage(gs));
    struct sr_buf *ids = n > 0 ? sr_calloc(n, sizeof(*ids)) : NULL;
    struct sr_secret *keys = n > 0 ? sr_calloc(n, sizeof(*keys)) : NULL;
    struct sr_mls_psk_input *in = n > 0 ? sr_calloc(n, sizeof(*in)) : NULL;
    sr_err err = n > 0 && (ids == NULL || keys == NULL || in == NULL) ? SR_ERR_NOMEM : SR_OK;
    for (size_t i = 0; err == SR_OK && i < n; i++) {
        err = load_psk(&gs->psks[i], lookup, arg, &ids[i], &keys[i]);
        in[i] = (struct sr_mls_psk_input){ sr_buf_slice(&ids[i]), sr_secret_slice(&keys[i]) };
    }
    if (err == SR_OK) {
        err = sr_mls_psk_secret(suite, in, n, psk_secret);
    }
    for (size_t i = 0; i < n && ids != NULL && keys != NULL; i++) {
        sr_buf_cleanup(&ids[i]);
        sr_secret_cleanup(&keys[i]);
    }
    sr_free(ids);
    sr_free(keys);
    sr_free(in);
    return err;
}
