/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MLS group object (RFC 9420 §8, §11, §12): its lifecycle, the accessors of the public
 * API, installing a staged epoch, the signature keys of senders and the PSK store.
 *
 *   create (§11) / join (§12.4.3.1)        -> epoch n
 *   process(commit) -> stage epoch n + 1   -> checks pass -> install (swap), old one wiped
 *                                          -> a check fails -> staged epoch wiped, n kept
 */
#include "mls/group.h"

#include <string.h>

#include "core/alloc.h"
#include "mls/schedule_keys.h"
#include "mls/transcript.h"
#include "mls/trust.h"
#include "mls/wire_extension.h"
#include "mls/wire_group_context.h"
#include "mls/wire_limits.h"

static uint32_t dflt(uint32_t v, uint32_t d)
{
    return v == 0 ? d : v;
}

/*
 * The credential check of leaf validation: the built-in validator (X.509 well-formedness,
 * validity and key binding always; levels and require_verified under a trust), then the
 * application's identity check when it set one.
 */
static sr_err group_validator(void *arg, const struct sr_suite *suite,
                              const struct sr_mls_credential *cred, struct sr_slice signature_key,
                              struct sr_mls_credential_result *res)
{
    const struct sr_mls_group *g = arg;
    SR_TRY(sr_mls_trust_validate(g->trust, g->now, suite, cred, signature_key, res));
    if (g->id_fn == NULL) {
        return SR_OK;
    }
    struct sr_slice id = cred->identity;
    if (cred->type == SR_MLS_CREDENTIAL_X509) {
        SR_CHECK(cred->cert_count > 0, SR_ERR_INVALID);
        id = cred->certs[0];
    }
    return g->id_fn(g->id_arg, cred->type, id, signature_key) == SR_OK ? SR_OK : SR_ERR_DENIED;
}

sr_err sr_mls_group_alloc(const struct sr_suite *suite, struct sr_slice group_id,
                          const struct sr_mls_group_limits *limits, struct sr_mls_group **out)
{
    *out = NULL;
    SR_CHECK(suite != NULL, SR_ERR_UNSUPPORTED);
    /* Group ids longer than the wire cap could never be sent (wire_limits.h). */
    SR_CHECK(group_id.len <= SR_MLS_MAX_GROUP_ID, SR_ERR_LIMIT);
    struct sr_mls_group *g = sr_calloc(1, sizeof(*g));
    SR_CHECK(g != NULL, SR_ERR_NOMEM);
    g->suite = suite;
    if (limits != NULL) {
        g->limits = *limits;
    }
    g->limits.max_leaves = dflt(g->limits.max_leaves, SR_MLS_GROUP_DEFAULT_MAX_LEAVES);
    g->limits.max_proposals = dflt(g->limits.max_proposals, SR_MLS_GROUP_DEFAULT_MAX_PROPOSALS);
    if (g->limits.max_message == 0) {
        g->limits.max_message = SR_MLS_GROUP_DEFAULT_MAX_MESSAGE;
    }
    if (g->limits.max_proposals > SR_MLS_GROUP_PROPOSALS_CAP ||
        g->limits.max_leaves > SR_MLS_MAX_TREE_LEAVES) {
        sr_free(g);
        return SR_ERR_ARG;
    }
    g->padding = SR_MLS_GROUP_DEFAULT_PADDING;
    g->cred.fn = group_validator;
    g->cred.arg = g;
    sr_mls_tree_init(&g->ep.tree, suite);
    sr_buf_init(&g->ep.gc_ext, 0, 0);
    sr_buf_init(&g->ep.gc_bytes, 0, 0);
    sr_err err = sr_buf_set(&g->group_id, group_id.p, group_id.len);
    if (err != SR_OK) {
        sr_free(g);
        return err;
    }
    *out = g;
    return SR_OK;
}

void sr_mls_group_epoch_cleanup(struct sr_mls_group_epoch *ep)
{
    sr_mls_protect_ctx_free(ep->pctx);
    sr_mls_secret_tree_free(ep->stree);
    sr_mls_tree_cleanup(&ep->tree);
    sr_mls_treekem_priv_cleanup(&ep->priv);
    sr_mls_epoch_secrets_cleanup(&ep->secrets);
    sr_buf_cleanup(&ep->gc_ext);
    sr_buf_cleanup(&ep->gc_bytes);
    for (size_t i = 0; i < ep->n_pending; i++) {
        sr_mls_authenticated_content_cleanup(&ep->pending[i].ac);
    }
    sr_free(ep->pending);
    sr_wipe(ep, sizeof(*ep)); /* own_updates hold private keys */
}

void sr_mls_group_free(struct sr_mls_group *g)
{
    if (g == NULL) {
        return;
    }
    sr_mls_group_commit_discard(g);
    sr_mls_group_epoch_cleanup(&g->ep);
    for (size_t i = 0; i < g->n_psks; i++) {
        sr_buf_cleanup(&g->psks[i].id);
        sr_secret_cleanup(&g->psks[i].secret);
    }
    sr_free(g->psks);
    sr_buf_cleanup(&g->group_id);
    sr_buf_cleanup(&g->reinit_proposal);
    sr_wipe(g, sizeof(*g));
    sr_free(g);
}

sr_err sr_mls_group_epoch_encode_gc(const struct sr_mls_group *g, struct sr_mls_group_epoch *ep)
{
    size_t nh = g->suite->hash->len;
    SR_TRY(sr_mls_tree_root_hash(&ep->tree, ep->tree_hash));
    struct sr_mls_group_context gc = {
        .version = SR_MLS_VERSION_10,
        .cipher_suite = g->suite->id,
        .group_id = sr_buf_slice(&g->group_id),
        .epoch = ep->epoch,
        .tree_hash = sr_slice_of(ep->tree_hash, nh),
        .confirmed_transcript_hash = sr_slice_of(ep->confirmed, ep->confirmed_len),
        .extensions = sr_buf_slice(&ep->gc_ext),
    };
    sr_buf_reset(&ep->gc_bytes);
    return sr_mls_group_context_encode(&gc, &ep->gc_bytes);
}

sr_err sr_mls_group_epoch_finish(struct sr_mls_group *g, struct sr_mls_group_epoch *ep)
{
    size_t nh = g->suite->hash->len;
    /* §8.2: interim_transcript_hash = Hash(confirmed || InterimTranscriptHashInput). */
    SR_TRY(sr_mls_transcript_interim(g->suite, sr_slice_of(ep->confirmed, ep->confirmed_len),
                                     sr_slice_of(ep->confirmation_tag, nh), ep->interim));
    SR_TRY(sr_mls_secret_tree_new(g->suite, sr_secret_slice(&ep->secrets.encryption),
                                  ep->tree.n_leaves, NULL, &ep->stree));
    struct sr_mls_protect_params pp = {
        .suite = g->suite,
        .group_context = sr_buf_slice(&ep->gc_bytes),
        .membership_key = sr_secret_slice(&ep->secrets.membership_key),
        .sender_data_secret = sr_secret_slice(&ep->secrets.sender_data),
        .secret_tree = ep->stree,
        .n_leaves = ep->tree.n_leaves,
        .own_leaf = ep->own_leaf,
        .signature_priv = sr_secret_slice(&g->sig_priv),
        .signature_key = sr_mls_group_signature_key,
        .signature_key_arg = g,
        .padding_block = g->padding,
    };
    return sr_mls_protect_ctx_new(&pp, &ep->pctx);
}

void sr_mls_group_epoch_install(struct sr_mls_group *g, struct sr_mls_group_epoch *ep)
{
    /* §8.6: keep the resumption_psk of the epoch we leave, oldest dropped first. */
    struct sr_mls_group_resumption *r = g->resumption;
    sr_secret_cleanup(&r[SR_MLS_GROUP_RESUMPTION_KEEP - 1].psk);
    memmove(&r[1], &r[0], sizeof(r[0]) * (SR_MLS_GROUP_RESUMPTION_KEEP - 1));
    r[0].epoch = g->ep.epoch;
    r[0].psk = g->ep.secrets.resumption_psk;
    struct sr_mls_group_epoch old = g->ep;
    g->restored = false; /* a new epoch has a new secret tree */
    g->ep = *ep;
    memset(ep, 0, sizeof(*ep));
    sr_mls_group_epoch_cleanup(&old);
}

sr_err sr_mls_group_signature_key(void *arg, const struct sr_mls_sender *sender,
                                  const struct sr_mls_framed_content *content, struct sr_slice *pub)
{
    const struct sr_mls_group *g = arg;
    switch (sender->type) {
    case SR_MLS_SENDER_MEMBER: {
        const struct sr_mls_leaf_node *ln = sr_mls_tree_get0_leaf(&g->ep.tree, sender->index);
        SR_CHECK(ln != NULL, SR_ERR_NOT_FOUND);
        *pub = ln->signature_key;
        return SR_OK;
    }
    case SR_MLS_SENDER_NEW_MEMBER_COMMIT:
        /* §12.4.3.2: the joiner signs with the key of the LeafNode in its UpdatePath. */
        SR_CHECK(content != NULL && content->content_type == SR_MLS_CONTENT_COMMIT &&
                         content->commit.has_path,
                 SR_ERR_NOT_FOUND);
        *pub = content->commit.path.leaf_node.signature_key;
        return SR_OK;
    case SR_MLS_SENDER_NEW_MEMBER_PROPOSAL:
        /* §12.1.8: an Add of itself, signed with the KeyPackage's leaf key. */
        SR_CHECK(content != NULL && content->content_type == SR_MLS_CONTENT_PROPOSAL &&
                         content->proposal.type == SR_MLS_PROPOSAL_ADD,
                 SR_ERR_NOT_FOUND);
        *pub = content->proposal.u.add.leaf_node.signature_key;
        return SR_OK;
    case SR_MLS_SENDER_EXTERNAL:
        return sr_mls_group_external_sender_key(g, sender->index, pub);
    default:
        return SR_ERR_NOT_FOUND;
    }
}

sr_err sr_mls_group_psk_store(struct sr_mls_group *g, struct sr_slice id, struct sr_slice secret)
{
    SR_CHECK(g != NULL && id.len > 0 && id.len <= SR_MLS_MAX_PSK_ID, SR_ERR_ARG);
    SR_CHECK(secret.len > 0 && secret.len <= SR_SECRET_MAX, SR_ERR_ARG);
    for (size_t i = 0; i < g->n_psks; i++) {
        if (g->psks[i].id.len == id.len && memcmp(g->psks[i].id.p, id.p, id.len) == 0) {
            return sr_secret_set(&g->psks[i].secret, secret.p, secret.len);
        }
    }
    struct sr_mls_group_psk *n = sr_calloc(g->n_psks + 1, sizeof(*n));
    SR_CHECK(n != NULL, SR_ERR_NOMEM);
    /* The length was checked above, so sr_secret_set cannot fail. */
    sr_err err = sr_buf_set(&n[g->n_psks].id, id.p, id.len);
    if (err == SR_OK) {
        err = sr_secret_set(&n[g->n_psks].secret, secret.p, secret.len);
    }
    if (err != SR_OK) {
        sr_buf_cleanup(&n[g->n_psks].id);
        sr_free(n);
        return err;
    }
    if (g->n_psks > 0) {
        memcpy(n, g->psks, g->n_psks * sizeof(*n));
    }
    sr_wipe(g->psks, g->n_psks * sizeof(*n));
    sr_free(g->psks);
    g->psks = n;
    g->n_psks++;
    return SR_OK;
}

sr_err sr_mls_group_psk_find(const struct sr_mls_group *g, const struct sr_mls_psk_id *id,
                             struct sr_secret *out)
{
    if (id->type == SR_MLS_PSK_EXTERNAL) {
        for (size_t i = 0; i < g->n_psks; i++) {
            const struct sr_buf *b = &g->psks[i].id;
            if (b->len == id->psk_id.len && memcmp(b->p, id->psk_id.p, b->len) == 0) {
                *out = g->psks[i].secret;
                return SR_OK;
            }
        }
        return SR_ERR_NOT_FOUND;
    }
    if (id->type == SR_MLS_PSK_RESUMPTION && id->usage == SR_MLS_RESUMPTION_REINIT &&
        g->reinit_link != NULL) {
        return sr_mls_group_reinit_psk(g->reinit_link, id, out); /* §11.2: the old group's */
    }
    /* §8.6: a resumption PSK of this group: the current or a retained past epoch. */
    bool same = id->psk_group_id.len == g->group_id.len &&
                memcmp(id->psk_group_id.p, g->group_id.p, g->group_id.len) == 0;
    SR_CHECK(id->type == SR_MLS_PSK_RESUMPTION && same, SR_ERR_NOT_FOUND);
    if (id->psk_epoch == g->ep.epoch) {
        *out = g->ep.secrets.resumption_psk;
        return SR_OK;
    }
    for (size_t i = 0; i < SR_MLS_GROUP_RESUMPTION_KEEP; i++) {
        if (g->resumption[i].psk.len > 0 && g->resumption[i].epoch == id->psk_epoch) {
            *out = g->resumption[i].psk;
            return SR_OK;
        }
    }
    return SR_ERR_NOT_FOUND;
}

sr_err sr_mls_group_add_psk(struct sr_mls_group *g, struct sr_slice id, struct sr_slice secret)
{
    return sr_mls_group_psk_store(g, id, secret);
}

void sr_mls_group_set_identity_check(struct sr_mls_group *g, sr_mls_identity_check_fn fn, void *arg)
{
    g->id_fn = fn;
    g->id_arg = arg;
}

void sr_mls_group_set_trust(struct sr_mls_group *g, const struct sr_mls_trust *t)
{
    g->trust = t;
}

const struct sr_mls_credential_check *sr_mls_group_cred(const struct sr_mls_group *g)
{
    return &g->cred;
}

void sr_mls_group_set_padding(struct sr_mls_group *g, size_t block)
{
    g->padding = block;
}

void sr_mls_group_set_time(struct sr_mls_group *g, uint64_t now)
{
    g->now = now;
}
