/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access by authorization and inheritance (KMS.md §1 rules 1 and 2), as a breadth-first walk
 * from the resource through authIds that are resources: level 0 is R itself, and a principal
 * found at level L reached R through L links. Each resource is read once (visited set).
 */
#include "kms/authz.h"

#include <string.h>

#include "core/alloc.h"

bool sr_kms_authz_is_resource(const char *auth_id)
{
    static const char scheme[] = "kms://";
    if (strncmp(auth_id, scheme, sizeof(scheme) - 1) != 0) {
        return false;
    }
    const char *path = strchr(auth_id + sizeof(scheme) - 1, '/');
    return path != NULL && strncmp(path, "/resources/", 11) == 0;
}

struct walk {
    char (*uris)[SR_STORE_ID_MAX];
    size_t n;
};

static bool seen(const struct walk *w, const char *uri)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->uris[i], uri) == 0) {
            return true;
        }
    }
    return false;
}

/* Look at the authorizations of w->uris[i]: a match ends the walk, resources are queued. */
static sr_err visit(struct sr_store *st, struct walk *w, size_t i, const char *principal,
                    bool follow, bool *allowed)
{
    struct sr_store_authz *list = NULL;
    size_t n = 0;
    SR_TRY(sr_store_authz_list_by_resource(st, w->uris[i], &list, &n));
    for (size_t k = 0; k < n && !*allowed; k++) {
        const char *id = list[k].auth_id;
        if (strcmp(id, principal) == 0) {
            *allowed = true;
        } else if (follow && sr_kms_authz_is_resource(id) && w->n < SR_KMS_AUTHZ_MAX_VISITED &&
                   !seen(w, id)) {
            memcpy(w->uris[w->n++], id, strlen(id) + 1);
        }
    }
    sr_store_free(list);
    return SR_OK;
}

sr_err sr_kms_authz_allows(struct sr_store *st, const char *resource_uri, const char *principal,
                           bool *allowed)
{
    struct sr_store_authz direct;
    *allowed = false;
    size_t len = strlen(resource_uri);
    SR_CHECK(len < SR_STORE_ID_MAX, SR_ERR_ARG);
    /* Rule (1) is one indexed lookup; the walk is only for inheritance. */
    sr_err err = sr_store_authz_find(st, resource_uri, principal, &direct);
    if (err != SR_ERR_NOT_FOUND) {
        *allowed = err == SR_OK;
        return err;
    }
    struct walk w = { sr_calloc(SR_KMS_AUTHZ_MAX_VISITED, SR_STORE_ID_MAX), 1 };
    SR_CHECK(w.uris != NULL, SR_ERR_NOMEM);
    memcpy(w.uris[0], resource_uri, len + 1);
    /* Level L holds the resources L links away; principals are looked for up to level 4. */
    size_t level_start = 0, level_end = 1;
    err = SR_OK;
    for (int level = 0; level <= SR_KMS_AUTHZ_MAX_LINKS && !*allowed && err == SR_OK; level++) {
        for (size_t i = level_start; i < level_end && !*allowed && err == SR_OK; i++) {
            err = visit(st, &w, i, principal, level < SR_KMS_AUTHZ_MAX_LINKS, allowed);
        }
        level_start = level_end;
        level_end = w.n;
    }
    if (err != SR_OK) {
        *allowed = false;
    }
    sr_free(w.uris);
    return err;
}
