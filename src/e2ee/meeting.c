/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A meeting participant's lifecycle: configuration defaults, creating the meeting (the group
 * with the relay in external_senders, RFC 9420 §12.1.8.1), joining it from a Welcome or by
 * external commit, and freeing it. Every way in ends in sr_meeting_wrap, which installs the
 * first epoch's keys, so a meeting object never exists without them.
 */
#include <string.h>
#include <time.h>

#include <sealroom/meeting.h>

#include "core/alloc.h"
#include "core/codec.h"
#include "e2ee/meeting_int.h"
#include "mls/wire_common.h"
#include "mls/wire_extension.h"
#include "sframe/cipher.h"

#define DEFAULT_GRACE_MS 2000

static uint64_t system_clock(void *arg)
{
    (void)arg;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* MLS suites 1..3 give 128-bit security; 4..7 give 256 (RFC 9420 §17.1). */
static uint16_t default_sframe_suite(uint16_t mls_suite)
{
    return mls_suite >= 1 && mls_suite <= 3 ? SR_SFRAME_AES_128_GCM_SHA256_128
                                            : SR_SFRAME_AES_256_GCM_SHA512_128;
}

void sr_meeting_config_init(struct sr_meeting_config *cfg, uint16_t mls_suite)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mls_suite = mls_suite;
    cfg->sframe_suite = default_sframe_suite(mls_suite);
    cfg->grace_ms = DEFAULT_GRACE_MS;
}

uint64_t sr_meeting_now(const struct sr_meeting *m)
{
    return m->clock != NULL ? m->clock(m->clock_arg) : system_clock(NULL);
}

static uint64_t config_now_s(const struct sr_meeting_config *cfg)
{
    uint64_t ms = cfg->clock != NULL ? cfg->clock(cfg->clock_arg) : system_clock(NULL);
    return ms / 1000u;
}

static sr_err check_config(const struct sr_meeting_config *cfg)
{
    SR_CHECK(cfg != NULL, SR_ERR_ARG);
    SR_CHECK(cfg->mls_suite >= 1 && cfg->mls_suite <= 7, SR_ERR_UNSUPPORTED);
    uint16_t sframe = cfg->sframe_suite ? cfg->sframe_suite : default_sframe_suite(cfg->mls_suite);
    SR_CHECK(sr_sframe_suite_supported(sframe), SR_ERR_UNSUPPORTED);
    return SR_OK;
}

static sr_err new_sframe(struct sr_meeting *m)
{
    struct sr_sframe_options opt;
    sr_sframe_options_init(&opt, m->sframe_suite);
    opt.mls_grace = m->grace_ms;
    return sr_sframe_ctx_new(&opt, &m->sframe);
}

sr_err sr_meeting_wrap(const struct sr_meeting_config *cfg, struct sr_mls_group *g,
                       struct sr_meeting **out)
{
    sr_err err = SR_ERR_NOMEM;
    struct sr_meeting *m = sr_calloc(1, sizeof(*m));
    if (m == NULL) {
        sr_mls_group_free(g);
        return err;
    }
    m->group = g;
    m->sframe_suite = cfg->sframe_suite ? cfg->sframe_suite : default_sframe_suite(cfg->mls_suite);
    m->sframe_nk = sr_sframe_suite_find(m->sframe_suite)->nk;
    m->grace_ms = cfg->grace_ms;
    m->clock = cfg->clock;
    m->clock_arg = cfg->clock_arg;
    err = sr_mls_group_suite(g) == cfg->mls_suite ? SR_OK : SR_ERR_ARG;
    if (err == SR_OK) {
        sr_mls_group_set_trust(g, cfg->trust);
        err = new_sframe(m);
    }
    if (err == SR_OK) {
        err = sr_e2ee_keyring_new(&m->keyring);
    }
    if (err == SR_OK) {
        err = sr_meeting_install(m);
    }
    if (err != SR_OK) {
        sr_meeting_free(m);
        m = NULL;
    }
    *out = m;
    return err;
}

/*
 * GroupContext extensions (the body of Extension extensions<V>): the relay as external
 * sender 0, and x509 among the required credential types so that certificate holders can
 * always join (§11.1).
 */
static sr_err meeting_extensions(const struct sr_meeting_relay *relay, struct sr_buf *ext)
{
    static const uint8_t x509[] = { 0x00, SR_MLS_CREDENTIAL_X509 };
    struct sr_buf body = { 0 };
    sr_err err = SR_OK;
    if (relay != NULL) {
        struct sr_mls_external_sender es = {
            .signature_key = relay->signature_key,
            .credential = { .type = SR_MLS_CREDENTIAL_BASIC, .identity = relay->identity },
        };
        struct sr_mls_external_senders list = { &es, 1 };
        err = sr_mls_external_senders_encode(&list, &body);
        if (err == SR_OK) {
            err = sr_write_u16(ext, SR_MLS_EXT_EXTERNAL_SENDERS);
        }
        if (err == SR_OK) {
            err = sr_write_slice_v(ext, sr_buf_slice(&body));
        }
    }
    sr_buf_reset(&body);
    struct sr_mls_required_capabilities rc = { .credential_types = sr_slice_of(x509, 2) };
    if (err == SR_OK) {
        err = sr_mls_required_capabilities_encode(&rc, &body);
    }
    if (err == SR_OK) {
        err = sr_write_u16(ext, SR_MLS_EXT_REQUIRED_CAPABILITIES);
    }
    if (err == SR_OK) {
        err = sr_write_slice_v(ext, sr_buf_slice(&body));
    }
    sr_buf_cleanup(&body);
    return err;
}

sr_err sr_meeting_create(const struct sr_meeting_config *cfg, struct sr_slice meeting_id,
                         struct sr_slice key_package_priv, const struct sr_meeting_relay *relay,
                         struct sr_meeting **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(check_config(cfg));
    SR_CHECK(relay == NULL || (relay->signature_key.len > 0 && relay->identity.len > 0),
             SR_ERR_ARG);
    struct sr_buf ext = { 0 };
    struct sr_mls_group *g = NULL;
    sr_err err = meeting_extensions(relay, &ext);
    if (err == SR_OK) {
        struct sr_mls_group_create_params p = {
            .key_package_priv = key_package_priv,
            .group_id = meeting_id,
            .extensions = sr_buf_slice(&ext),
            .limits = cfg->limits,
        };
        err = sr_mls_group_create(&p, &g);
    }
    sr_buf_cleanup(&ext);
    if (err == SR_OK) {
        err = sr_meeting_wrap(cfg, g, out);
    }
    return err;
}

sr_err sr_meeting_join(const struct sr_meeting_config *cfg, struct sr_slice welcome,
                       struct sr_slice key_package_priv, struct sr_meeting **out)
{
    SR_CHECK(out != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(check_config(cfg));
    struct sr_mls_group_join_params p = {
        .welcome = welcome,
        .key_package_priv = key_package_priv,
        .limits = cfg->limits,
        .now = config_now_s(cfg),
        .trust = cfg->trust,
    };
    struct sr_mls_group *g = NULL;
    SR_TRY(sr_mls_group_join(&p, &g));
    return sr_meeting_wrap(cfg, g, out);
}

sr_err sr_meeting_join_external(const struct sr_meeting_config *cfg, struct sr_slice group_info,
                                struct sr_slice key_package_priv, struct sr_meeting **out,
                                struct sr_buf *commit)
{
    SR_CHECK(out != NULL && commit != NULL, SR_ERR_ARG);
    *out = NULL;
    SR_TRY(check_config(cfg));
    struct sr_mls_external_join_params p = {
        .group_info = group_info,
        .key_package_priv = key_package_priv,
        .limits = cfg->limits,
        .now = config_now_s(cfg),
        .trust = cfg->trust,
    };
    struct sr_mls_group *g = NULL;
    size_t mark = commit->len;
    SR_TRY(sr_mls_group_join_external(&p, &g, commit));
    sr_err err = sr_meeting_wrap(cfg, g, out);
    if (err != SR_OK) {
        commit->len = mark;
    }
    return err;
}

void sr_meeting_free(struct sr_meeting *m)
{
    if (m == NULL) {
        return;
    }
    sr_mls_group_free(m->group);
    sr_sframe_ctx_free(m->sframe);
    sr_e2ee_keyring_free(m->keyring);
    sr_meeting_roster_cleanup(&m->roster);
    sr_wipe(m, sizeof(*m));
    sr_free(m);
}

bool sr_meeting_active(const struct sr_meeting *m)
{
    return sr_mls_group_active(m->group);
}

uint64_t sr_meeting_epoch(const struct sr_meeting *m)
{
    return m->epoch;
}

uint32_t sr_meeting_own_leaf(const struct sr_meeting *m)
{
    return sr_mls_group_own_leaf(m->group);
}

const char *sr_meeting_verification_code(const struct sr_meeting *m)
{
    return m->code;
}

uint16_t sr_meeting_sframe_suite(const struct sr_meeting *m)
{
    return m->sframe_suite;
}

struct sr_mls_group *sr_meeting_get0_group(struct sr_meeting *m)
{
    return m->group;
}

struct sr_e2ee_keyring *sr_meeting_get0_keyring(struct sr_meeting *m)
{
    return m->keyring;
}

struct sr_sframe_ctx *sr_meeting_get0_sframe(struct sr_meeting *m)
{
    return m->sframe;
}
