/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom kms hold|shred|audit`: the compliance side of the KMS (KMS.md §3, §9) for people
 * and scripts. Holds print one line each ("<uri> <scope> <state> <target>"), the audit export
 * prints JSON Lines (one row per line, every column the KMS exports), so `jq` and `grep` work.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <sealroom/kms.h>

#include "kms/proto.h"
#include "kms_cli.h"

void kms_cli_admin_usage(FILE *out)
{
    fprintf(out,
            "\nadministration (tokens with kms.orgAgent, kms.orgAdmin or kms.kmsAdmin roles):\n"
            "  hold create --scope resource|user|org [--target T] --reason TEXT [--org ORG]\n"
            "                                  place a legal hold (target: a resource URI, a\n"
            "                                  user id, or nothing for the org); prints its URI\n"
            "  hold list [--org ORG]           '<uri> <scope> active|released <target>' lines\n"
            "  hold release URI --reason TEXT  release a hold (holds are never erased)\n"
            "  shred URI --reason TEXT         crypto-shred a key or a resource (refused while\n"
            "                                  a legal hold covers it)\n"
            "  audit export [--org ORG] [--since TIME] [--limit N] [--cursor C] [--all]\n"
            "               [--reason TEXT]    audit rows as JSON Lines, oldest first; without\n"
            "                                  --all one page, and 'next-cursor C' on stderr\n"
            "  audit verify                    the MAC chain is checked on the KMS host with\n"
            "                                  'sealroomd kms audit verify' (it needs the key)\n"
            "  cmk status --org ORG            '<uri> <state> v<version> <provider>' lines\n"
            "  cmk rotate --org ORG            a new generated CMK, active at once\n"
            "  cmk revoke (URI | --org ORG)    the kill switch: the org's keys answer 503 on\n"
            "                                  every node until 'cmk activate'\n"
            "  cmk activate URI                activate a pending upload, or undo a revoke\n"
            "  cmk delete URI                  destroy a pending, retired or revoked CMK\n"
            "  cmk public-key --org ORG        the org's BYOK RSA public key (JWK)\n"
            "  cmk import --org ORG --key-file FILE [--backup-file FILE]\n"
            "                                  BYOK: encrypt the 32-byte key in FILE (64 hex\n"
            "                                  characters) to the public key and upload it;\n"
            "                                  it is pending until 'cmk activate'\n"
            "  (hold and audit default to your own org; for cmk, --org '' names the\n"
            "   service CMK, which only kms.kmsAdmin may manage)\n");
}

static void print_hold(const struct sr_kms_hold *h)
{
    printf("%s %s %s %s\n", h->uri, h->scope, h->release_ms != 0 ? "released" : "active",
           h->target);
}

int kms_cli_hold(struct sr_kms_client *c, const char *sub, const struct kms_opts *o)
{
    struct sr_kms_hold h;
    sr_err err;
    if (strcmp(sub, "create") == 0) {
        if (o->scope == NULL || o->reason == NULL || o->n_args != 0) {
            fprintf(stderr, "sealroom kms hold create: needs --scope resource|user|org and "
                            "--reason TEXT (and --target for resource and user)\n");
            return 2;
        }
        err = sr_kms_client_hold_create(c, o->org, o->scope, o->target, o->reason, &h);
        if (err != SR_OK) {
            return kms_cli_fail(c, "hold create", err);
        }
        print_hold(&h);
        return 0;
    }
    if (strcmp(sub, "release") == 0) {
        if (o->n_args != 1 || o->reason == NULL) {
            fprintf(stderr, "sealroom kms hold release: needs the hold URI and --reason TEXT\n");
            return 2;
        }
        err = sr_kms_client_hold_release(c, o->args[0], o->reason, &h);
        if (err != SR_OK) {
            return kms_cli_fail(c, "hold release", err);
        }
        print_hold(&h);
        return 0;
    }
    if (strcmp(sub, "list") == 0 && o->n_args == 0) {
        struct sr_kms_hold_list list;
        err = sr_kms_client_holds_list(c, o->org, &list);
        if (err != SR_OK) {
            return kms_cli_fail(c, "hold list", err);
        }
        for (size_t i = 0; i < list.n; i++) {
            print_hold(&list.items[i]);
        }
        sr_kms_hold_list_cleanup(&list);
        return 0;
    }
    fprintf(stderr, "sealroom kms hold: use 'hold create', 'hold list' or 'hold release URI' "
                    "(see 'sealroom kms --help')\n");
    return 2;
}

int kms_cli_shred(struct sr_kms_client *c, const struct kms_opts *o)
{
    if (o->n_args != 1 || o->reason == NULL) {
        fprintf(stderr, "sealroom kms shred: needs one key or resource URI and --reason TEXT\n");
        return 2;
    }
    sr_err err = sr_kms_client_shred(c, o->args[0], o->reason);
    if (err != SR_OK) {
        return kms_cli_fail(c, "shred", err);
    }
    printf("shredded %s\n", o->args[0]);
    return 0;
}

/* "2026-03-02T09:00:00.000Z" into out[32]. */
static void iso_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char base[24];
    (void)gmtime_r(&t, &tm);
    (void)strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* One row as a JSON line; empty optional columns are left out. */
static int print_entry(const struct sr_kms_audit_entry *e)
{
    char ts[32];
    iso_time(e->ts_ms, ts);
    json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s}", "ts", ts, "chain",
                          e->chain, "seq", (json_int_t)e->seq, "orgId", e->org_id, "actor",
                          e->actor, "actorRole", e->actor_role, "method", e->method, "uri", e->uri,
                          "status", e->status, "requestId", e->request_id, "mac", e->mac);
    const char *opt[][2] = { { "onBehalfOf", e->on_behalf_of },
                             { "errorCode", e->error_code },
                             { "reason", e->reason } };
    for (size_t i = 0; o != NULL && i < sizeof(opt) / sizeof(opt[0]); i++) {
        if (opt[i][1][0] != '\0' && json_object_set_new(o, opt[i][0], json_string(opt[i][1]))) {
            json_decref(o);
            o = NULL;
        }
    }
    if (o != NULL && e->released != NULL &&
        json_object_set_new(o, "released", json_loads(e->released, 0, NULL)) != 0) {
        json_decref(o);
        o = NULL;
    }
    int rc = o != NULL && json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS) == 0 ? 0 : 1;
    json_decref(o);
    putchar('\n');
    return rc;
}

/* An RFC 3339 time into ms since the epoch. */
static int parse_since(const char *s, int64_t *ms)
{
    if (sr_kms_time_parse(s, ms) != SR_OK) {
        fprintf(stderr,
                "sealroom kms audit export: --since takes an RFC 3339 time such as "
                "2026-03-02T09:00:00Z, not '%s'\n",
                s);
        return 2;
    }
    return 0;
}

static int audit_export(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_audit_query q = {
        .org_id = o->org, .cursor = o->cursor, .limit = (size_t)o->limit, .reason = o->reason
    };
    if (o->since != NULL && parse_since(o->since, &q.since_ms) != 0) {
        return 2;
    }
    char cursor[SR_KMS_URI_MAX + 64];
    for (;;) {
        struct sr_kms_audit_page page;
        sr_err err = sr_kms_client_audit_export(c, &q, &page);
        if (err != SR_OK) {
            return kms_cli_fail(c, "audit export", err);
        }
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < page.n; i++) {
            rc = print_entry(&page.entries[i]);
        }
        memcpy(cursor, page.next_cursor, sizeof(cursor));
        sr_kms_audit_page_cleanup(&page);
        if (rc != 0) {
            fprintf(stderr, "sealroom kms audit export: cannot write the rows\n");
            return 1;
        }
        if (cursor[0] == '\0') {
            return 0;
        }
        if (!o->all) {
            fprintf(stderr, "next-cursor %s\n", cursor);
            return 0;
        }
        q.cursor = cursor;
    }
}

int kms_cli_audit(struct sr_kms_client *c, const char *sub, const struct kms_opts *o)
{
    if (strcmp(sub, "export") == 0 && o->n_args == 0) {
        return audit_export(c, o);
    }
    if (strcmp(sub, "verify") == 0) {
        fprintf(stderr, "sealroom kms audit verify: the chain's MAC key never leaves the KMS, so "
                        "the chain is checked there:\n  sealroomd kms audit verify --data-dir "
                        "DIR [--store URL] [--node ID]\n");
        return 2;
    }
    fprintf(stderr, "sealroom kms audit: use 'audit export' (see 'sealroom kms --help')\n");
    return 2;
}
