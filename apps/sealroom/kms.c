/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom kms ...`: talk to a Sealroom KMS (KMS.md) with the client library, over the
 * net HTTPS client plugged in as the client's transport. Actions: ping, keys create,
 * resource create, resource keys, authorize, deauthorize, retrieve, encrypt, decrypt; and
 * for administrators hold, shred, audit and cmk (kms_admin.c, kms_cmk.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sealroom/kms.h>
#include <sealroom/net.h>

#include "commands.h"
#include "core/alloc.h"
#include "kms_cli.h"
#include "mls_cli.h"

#define TOKEN_MAX ((size_t)64 * 1024)
/* How the client library's refusals of the static key's certificate begin (client_x5c.c). */
#define STATIC_KEY_REFUSAL "the KMS static key"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sealroom kms <action> [options] --server URL --token-file FILE\n\n"
            "actions:\n"
            "  ping                            check the KMS answers on an authenticated channel\n"
            "  keys create [--count N]         create N unbound keys (default 1), print their "
            "URIs\n"
            "  resource create [--kind K] [--ttl S] [--auth ID]... [--key URI]... [--new-keys N]\n"
            "                                  create a resource authorizing the IDs and binding\n"
            "                                  the keys (N fresh ones with --new-keys)\n"
            "  resource keys URI               list a resource's keys, newest first\n"
            "  authorize --resource URI --auth ID [--auth ID]... [--role ROLE]\n"
            "  deauthorize --resource URI --auth ID\n"
            "  retrieve URI [--key-out FILE]   show a key's metadata; --key-out writes its\n"
            "                                  32 bytes as hex to FILE (mode 0600)\n"
            "  retrieve URI --reason TEXT [--on-behalf USER]\n"
            "                                  as a compliance officer (kms.orgAgent): any key\n"
            "                                  of your org, or one USER can reach; audited\n"
            "  retrieve --uri-file FILE        retrieve every key URI listed in FILE (one a\n"
            "                                  line) in batches; fails if any is refused\n"
            "  encrypt --key URI (--message TEXT | --message - | --in FILE --out FILE)\n"
            "                                  a message prints a JWE (- reads it from stdin);\n"
            "                                  a file is streamed in chunks\n"
            "  decrypt (--message JWE | --message - | --in FILE --out FILE)\n"
            "                                  the key named in the input is fetched from the\n"
            "                                  KMS; a file is written only once it verifies\n");
    kms_cli_admin_usage(out);
    fprintf(out,
            "\ncommon options:\n"
            "  --server URL       the KMS, e.g. https://127.0.0.1:8443 (env SEALROOM_KMS_SERVER)\n"
            "  --cacert FILE      PEM trust anchors for the server's certificate\n"
            "  --token-file FILE  the bearer JWT from your identity provider\n"
            "  --client-id ID     this device's id (default sealroom-cli)\n"
            "  --kms-key-thumbprint T\n"
            "                     refuse a KMS whose static key has another RFC 7638 thumbprint\n"
            "                     ('ping' prints it; pin it once you have checked it)\n"
            "  --kms-ca FILE      PEM trust anchors for the KMS static key's certificate (x5c):\n"
            "                     refuse a KMS whose static key does not chain to one of them\n"
            "                     or is not for the server's KMS name (env SEALROOM_KMS_CA)\n");
}

/* ---- options ------------------------------------------------------------------------------ */

static const char **str_slot(struct kms_opts *o, const char *a)
{
    static const char *const names[] = { "--server",    "--cacert",   "--token-file",
                                         "--client-id", "--kind",     "--role",
                                         "--resource",  "--message",  "--in",
                                         "--out",       "--key-out",  "--kms-key-thumbprint",
                                         "--uri-file",  "--scope",    "--target",
                                         "--reason",    "--org",      "--since",
                                         "--cursor",    "--key-file", "--backup-file",
                                         "--on-behalf", "--kms-ca" };
    const char **slots[] = { &o->server,      &o->cacert,    &o->token_file, &o->client_id,
                             &o->kind,        &o->role,      &o->resource,   &o->message,
                             &o->in,          &o->out,       &o->key_out,    &o->thumbprint,
                             &o->uri_file,    &o->scope,     &o->target,     &o->reason,
                             &o->org,         &o->since,     &o->cursor,     &o->key_file,
                             &o->backup_file, &o->on_behalf, &o->kms_ca };
    _Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(slots) / sizeof(slots[0]),
                   "one slot per option");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(a, names[i]) == 0) {
            return slots[i];
        }
    }
    return NULL;
}

static int num(const char *name, const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
        fprintf(stderr, "sealroom kms: %s wants a number from %ld to %ld, not '%s'\n", name, lo, hi,
                v);
        return 2;
    }
    *out = n;
    return -1;
}

static int add_list(const char **list, size_t *n, const char *name, const char *v)
{
    if (*n >= KMS_CLI_LIST_MAX) {
        fprintf(stderr, "sealroom kms: at most %d %s options\n", KMS_CLI_LIST_MAX, name);
        return 2;
    }
    list[(*n)++] = v;
    return -1;
}

/* -1: go on; 0: --help printed; 2: usage error (printed). */
static int parse(int argc, char **argv, int first, struct kms_opts *o)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int rc = -1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (o->n_args >= sizeof(o->args) / sizeof(o->args[0])) {
                fprintf(stderr, "sealroom kms: unexpected argument '%s'\n", a);
                return 2;
            }
            o->args[o->n_args++] = a;
            continue;
        }
        if (strcmp(a, "--all") == 0) {
            o->all = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "sealroom kms: %s needs a value (see 'sealroom kms --help')\n", a);
            return 2;
        }
        const char *v = argv[++i];
        const char **slot = str_slot(o, a);
        if (slot != NULL) {
            *slot = v;
        } else if (strcmp(a, "--count") == 0) {
            rc = num(a, v, 1, 100, &o->count);
        } else if (strcmp(a, "--new-keys") == 0) {
            rc = num(a, v, 0, 100, &o->new_keys);
        } else if (strcmp(a, "--ttl") == 0) {
            rc = num(a, v, 0, 10L * 366 * 24 * 3600, &o->ttl);
        } else if (strcmp(a, "--limit") == 0) {
            rc = num(a, v, 1, 1000, &o->limit);
        } else if (strcmp(a, "--auth") == 0) {
            rc = add_list(o->auth, &o->n_auth, a, v);
        } else if (strcmp(a, "--key") == 0) {
            o->key = v;
            rc = add_list(o->keys, &o->n_keys, a, v);
        } else {
            fprintf(stderr, "sealroom kms: unknown option '%s' (see 'sealroom kms --help')\n", a);
            rc = 2;
        }
        if (rc != -1) {
            return rc;
        }
    }
    return -1;
}

/* ---- transport -------------------------------------------------------------------------- */

static sr_err transport(void *arg, const char *path, struct sr_slice body, int *status,
                        struct sr_buf *out)
{
    struct sr_net_client *net = arg;
    struct sr_net_client_response resp;
    bool get = strcmp(path, "/kms/v1/details") == 0;
    sr_net_client_response_init(&resp);
    sr_err err =
            sr_net_client_request(net, get ? "GET" : "POST", path, get ? NULL : "application/json",
                                  NULL, body.p, body.len, &resp);
    if (err == SR_OK) {
        *status = resp.status;
        err = sr_buf_append(out, resp.body.p, resp.body.len);
    } else {
        fprintf(stderr, "sealroom kms: %s: %s\n", path, sr_net_client_error_detail(net));
    }
    sr_net_client_response_cleanup(&resp);
    return err;
}

static int64_t clock_ms(void *arg)
{
    struct timespec ts;
    (void)arg;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void *arg, unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    (void)arg;
    (void)nanosleep(&ts, NULL);
}

/* The JWT from the token file, trailing whitespace removed (wiped by the caller). */
static int read_token(const char *path, struct sr_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "sealroom kms: cannot open the token file %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t tmp[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        rc = sr_buf_append(out, tmp, n) == SR_OK ? 0 : 1;
    }
    rc = rc != 0 || ferror(f) ? 1 : 0;
    (void)fclose(f);
    sr_wipe(tmp, sizeof(tmp));
    while (out->len > 0 && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == '\r' ||
                            out->p[out->len - 1] == ' ')) {
        out->len--;
    }
    if (rc != 0 || out->len == 0 || sr_buf_append(out, "", 1) != SR_OK) {
        fprintf(stderr, "sealroom kms: the token file %s is empty, unreadable or over %zu bytes\n",
                path, TOKEN_MAX);
        return 1;
    }
    return 0;
}

/* The --kms-ca file as NUL-terminated PEM text. */
static int read_anchors(const char *path, struct sr_buf *out)
{
    sr_err err = mls_read_file(path, 0, out);
    if (err == SR_OK) {
        err = sr_buf_append(out, "", 1);
    }
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: cannot read --kms-ca %s: %s\n", path,
                err == SR_ERR_NOT_FOUND ? "no such file" : sr_err_str(err));
        return 1;
    }
    return 0;
}

int kms_cli_fail(struct sr_kms_client *c, const char *what, sr_err err)
{
    const struct sr_kms_client_error *e = sr_kms_client_last_error(c);
    fprintf(stderr, "sealroom kms: %s failed: %s", what, sr_err_str(err));
    if (e->status != 0) {
        fprintf(stderr, " (%d%s%s%s%s)", e->status, e->code[0] != '\0' ? " " : "", e->code,
                e->reason[0] != '\0' ? ": " : "", e->reason);
    } else if (e->reason[0] != '\0') {
        fprintf(stderr, " (%s)", e->reason);
    }
    fprintf(stderr, "\n");
    const char *hint =
            err == SR_ERR_AUTH && e->status == 401
                    ? "get a fresh token and pass it with --token-file"
            : strcmp(e->code, "CMK_REVOKED") == 0
                    ? "the org's CMK is revoked (the kill switch); an org admin can undo it "
                      "with 'sealroom kms cmk activate URI' (see 'sealroom kms cmk status')"
            : strcmp(e->code, "LEGAL_HOLD") == 0
                    ? "a legal hold covers it; a compliance officer can list and release holds "
                      "with 'sealroom kms hold list' and 'hold release'"
            : strcmp(e->code, "REASON_REQUIRED") == 0 ? "add --reason TEXT"
            : err == SR_ERR_DENIED && strncmp(what, "cmk", 3) == 0
                    ? "CMKs are managed with a token that has the kms.orgAdmin role"
            : err == SR_ERR_DENIED &&
                            (strncmp(what, "hold", 4) == 0 || strncmp(what, "audit", 5) == 0)
                    ? "holds and the audit are for compliance officers (the kms.orgAgent role)"
            : err == SR_ERR_DENIED && strcmp(what, "shred") == 0
                    ? "shredding is for org admins (the kms.orgAdmin role)"
            : err == SR_ERR_DENIED ? "ask someone authorized on the resource to run 'sealroom kms "
                                     "authorize' for you"
            : err == SR_ERR_NOT_FOUND   ? "check the URI"
            : err == SR_ERR_WRONG_GROUP ? "this is not the KMS you expect: check --server and "
                                          "--kms-key-thumbprint"
            : err == SR_ERR_AUTH && e->status == 0 &&
                            strncmp(e->reason, STATIC_KEY_REFUSAL, strlen(STATIC_KEY_REFUSAL)) == 0
                    ? "the KMS's static key failed the --kms-ca check: if --server is the KMS "
                      "you trust, give --kms-ca the CA that issued its static-key certificate "
                      "(sealroomd --static-cert, or a development KMS's DATA_DIR/static-N.pem); "
                      "otherwise do not use this server"
            : err == SR_ERR_IO && e->status == 0
                    ? "check --server, that 'sealroomd --role kms' runs there, and "
                      "--cacert for https"
            : err == SR_ERR_AUTH && e->status == 0
                    ? "check --cacert names the KMS's CA certificate and --server "
                      "points at the KMS you trust"
                    : NULL;
    if (hint != NULL) {
        fprintf(stderr, "  hint: %s\n", hint);
    }
    return 1;
}

/* ---- actions ------------------------------------------------------------------------------ */

static void print_time(const char *label, int64_t ms)
{
    if (ms != 0) {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        char buf[32];
        (void)gmtime_r(&t, &tm);
        (void)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("  %-12s %s\n", label, buf);
    }
}

static void print_key(const struct sr_kms_key *k)
{
    printf("%s\n", k->uri);
    printf("  %-12s %s\n", "resource", k->resource_uri[0] != '\0' ? k->resource_uri : "(unbound)");
    printf("  %-12s %s (%s)\n", "created by", k->user_id, k->client_id);
    print_time("created", k->create_ms);
    print_time("bound", k->bind_ms);
    print_time("expires", k->expiration_ms);
    printf("  %-12s <secret %d bytes>\n", "key", SR_KMS_KEY_LEN);
}

static int write_key_hex(const char *path, const struct sr_kms_key *k)
{
    char hex[2 * SR_KMS_KEY_LEN + 1];
    int rc = 1;
    if (sr_hex_encode(k->k, SR_KMS_KEY_LEN, hex, sizeof(hex)) == SR_OK) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL && fd >= 0) {
            (void)close(fd);
        }
        if (f != NULL) {
            rc = fprintf(f, "%s\n", hex) > 0 ? 0 : 1;
            rc = fclose(f) == 0 ? rc : 1;
        }
    }
    sr_wipe(hex, sizeof(hex));
    if (rc != 0) {
        fprintf(stderr, "sealroom kms: cannot write %s: %s (it must not exist yet)\n", path,
                strerror(errno));
    }
    return rc;
}

/* Up to URI_FILE_MAX URIs, one a line, into `uris` (each sr_free'd by the caller). */
#define URI_FILE_MAX 100000
static int read_uris(const char *path, char ***uris, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[SR_KMS_URI_MAX + 2];
    size_t cap = 0;
    *uris = NULL;
    *n = 0;
    if (f == NULL) {
        fprintf(stderr, "sealroom kms retrieve: cannot open --uri-file %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\r\n");
        if (line[len] == '\0' && !feof(f)) {
            fprintf(stderr, "sealroom kms retrieve: %s: a line is longer than a key URI\n", path);
            rc = 1;
        } else if (len > 0 && *n >= URI_FILE_MAX) {
            fprintf(stderr, "sealroom kms retrieve: %s: over %d URIs\n", path, URI_FILE_MAX);
            rc = 1;
        } else if (len > 0) {
            line[len] = '\0';
            if (*n == cap) {
                cap = cap != 0 ? cap * 2 : 64;
                char **grown = sr_realloc(*uris, cap * sizeof(**uris));
                rc = grown != NULL ? 0 : 1;
                *uris = grown != NULL ? grown : *uris;
            }
            char *copy = rc == 0 ? sr_malloc(len + 1) : NULL;
            rc = copy != NULL ? 0 : 1;
            if (copy != NULL) {
                memcpy(copy, line, len + 1);
                (*uris)[(*n)++] = copy;
            }
        }
    }
    (void)fclose(f);
    return rc;
}

static int retrieve_file(struct sr_kms_client *c, const char *path)
{
    char **uris = NULL;
    size_t n = 0;
    int rc = read_uris(path, &uris, &n);
    struct sr_kms_key *keys = rc == 0 && n > 0 ? sr_calloc(n, sizeof(*keys)) : NULL;
    if (rc == 0 && n > 0 && keys == NULL) {
        fprintf(stderr, "sealroom kms retrieve: out of memory\n");
        rc = 1;
    }
    if (rc == 0 && n > 0) {
        sr_err err = sr_kms_client_keys_retrieve(c, (const char *const *)uris, n, keys);
        rc = err == SR_OK ? 0 : kms_cli_fail(c, "retrieve", err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            print_key(&keys[i]);
        }
        sr_wipe(keys, n * sizeof(*keys));
    }
    for (size_t i = 0; i < n; i++) {
        sr_free(uris[i]);
    }
    sr_free(uris);
    sr_free(keys);
    return rc;
}

static int do_retrieve(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_key k;
    if (o->uri_file != NULL && o->n_args == 0 && o->key_out == NULL) {
        return retrieve_file(c, o->uri_file);
    }
    if (o->n_args != 1) {
        fprintf(stderr, "sealroom kms retrieve: give exactly one key URI, or --uri-file FILE "
                        "(without --key-out)\n");
        return 2;
    }
    if (o->on_behalf != NULL && o->reason == NULL) {
        fprintf(stderr, "sealroom kms retrieve: --on-behalf needs --reason TEXT (it is audited)\n");
        return 2;
    }
    /* With a reason: a compliance officer's retrieve (KMS.md §9 eDiscovery). */
    sr_err err = o->reason != NULL ? sr_kms_client_key_retrieve_compliance(
                                             c, o->args[0], o->on_behalf, o->reason, &k)
                                   : sr_kms_client_key_retrieve(c, o->args[0], &k);
    if (err != SR_OK) {
        return kms_cli_fail(c, "retrieve", err);
    }
    print_key(&k);
    int rc = o->key_out != NULL ? write_key_hex(o->key_out, &k) : 0;
    sr_kms_key_cleanup(&k);
    return rc;
}

static int do_keys_create(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_key_list keys;
    sr_err err = sr_kms_client_keys_create(c, o->count > 0 ? (size_t)o->count : 1, &keys);
    if (err != SR_OK) {
        return kms_cli_fail(c, "keys create", err);
    }
    for (size_t i = 0; i < keys.n; i++) {
        printf("%s\n", keys.keys[i].uri);
    }
    sr_kms_key_list_cleanup(&keys);
    return 0;
}

static void print_resource(const struct sr_kms_resource *r)
{
    printf("%s\n  %-12s %s\n  %-12s %lld\n", r->uri, "kind", r->kind, "ttl", (long long)r->ttl_s);
    for (size_t i = 0; i < r->n_keys; i++) {
        printf("  %-12s %s\n", "key", r->key_uris[i]);
    }
    for (size_t i = 0; i < r->n_authorizations; i++) {
        printf("  %-12s %s\n", "authz", r->authorization_uris[i]);
    }
}

static int do_resource_create(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_key_list fresh = { 0 };
    struct sr_kms_resource res;
    const char *uris[KMS_CLI_LIST_MAX + 100];
    size_t n = 0;
    sr_err err = SR_OK;
    if (o->new_keys > 0) {
        err = sr_kms_client_keys_create(c, (size_t)o->new_keys, &fresh);
        if (err != SR_OK) {
            return kms_cli_fail(c, "keys create", err);
        }
    }
    for (size_t i = 0; i < o->n_keys; i++) {
        uris[n++] = o->keys[i];
    }
    for (size_t i = 0; i < fresh.n; i++) {
        uris[n++] = fresh.keys[i].uri;
    }
    struct sr_kms_resource_spec spec = { .kind = o->kind,
                                         .ttl_s = o->ttl,
                                         .auth_ids = o->auth,
                                         .n_auth_ids = o->n_auth,
                                         .key_uris = uris,
                                         .n_key_uris = n };
    err = sr_kms_client_resource_create(c, &spec, &res);
    sr_kms_key_list_cleanup(&fresh);
    if (err != SR_OK) {
        return kms_cli_fail(c, "resource create", err);
    }
    print_resource(&res);
    sr_kms_resource_cleanup(&res);
    return 0;
}

static int do_resource_keys(struct sr_kms_client *c, const struct kms_opts *o)
{
    struct sr_kms_key_list keys;
    if (o->n_args != 1) {
        fprintf(stderr, "sealroom kms resource keys: give exactly one resource URI\n");
        return 2;
    }
    sr_err err = sr_kms_client_resource_keys(c, o->args[0], 0, &keys);
    if (err != SR_OK) {
        return kms_cli_fail(c, "resource keys", err);
    }
    for (size_t i = 0; i < keys.n; i++) {
        print_key(&keys.keys[i]);
    }
    sr_kms_key_list_cleanup(&keys);
    return 0;
}

static int do_authorize(struct sr_kms_client *c, const struct kms_opts *o, bool add)
{
    if (o->resource == NULL || o->n_auth == 0 || (!add && o->n_auth != 1)) {
        fprintf(stderr, "sealroom kms: %s needs --resource URI and %s --auth ID\n",
                add ? "authorize" : "deauthorize", add ? "at least one" : "one");
        return 2;
    }
    if (!add) {
        struct sr_kms_authorization a;
        sr_err err = sr_kms_client_deauthorize(c, o->resource, o->auth[0], &a);
        if (err != SR_OK) {
            return kms_cli_fail(c, "deauthorize", err);
        }
        printf("removed %s (%s)\n", a.uri, a.auth_id);
        return 0;
    }
    struct sr_kms_authorization_list list;
    sr_err err = sr_kms_client_authorize(c, o->resource, o->auth, o->n_auth, o->role, &list);
    if (err != SR_OK) {
        return kms_cli_fail(c, "authorize", err);
    }
    for (size_t i = 0; i < list.n; i++) {
        printf("%s %s\n", list.items[i].uri, list.items[i].auth_id);
    }
    sr_kms_authorization_list_cleanup(&list);
    return 0;
}

static int dispatch(struct sr_kms_client *c, const char *action, struct kms_opts *o)
{
    if (strcmp(action, "ping") == 0) {
        sr_err err = sr_kms_client_ping(c);
        if (err != SR_OK) {
            return kms_cli_fail(c, "ping", err);
        }
        printf("%s answers (static key thumbprint %s)\n", sr_kms_client_cluster(c),
               sr_kms_client_static_thumbprint(c));
        return 0;
    }
    if (strcmp(action, "retrieve") == 0) {
        return do_retrieve(c, o);
    }
    if (strcmp(action, "authorize") == 0 || strcmp(action, "deauthorize") == 0) {
        return do_authorize(c, o, action[0] == 'a');
    }
    if (strcmp(action, "shred") == 0) {
        return kms_cli_shred(c, o);
    }
    if (strcmp(action, "encrypt") == 0) {
        return kms_cli_encrypt(c, o);
    }
    if (strcmp(action, "decrypt") == 0) {
        return kms_cli_decrypt(c, o);
    }
    const char *sub = o->n_args > 0 ? o->args[0] : "";
    if (o->n_args > 0) {
        memmove(o->args, o->args + 1, (o->n_args - 1) * sizeof(o->args[0]));
        o->n_args--;
    }
    if (strcmp(action, "keys") == 0 && strcmp(sub, "create") == 0) {
        return do_keys_create(c, o);
    }
    if (strcmp(action, "resource") == 0 && strcmp(sub, "create") == 0) {
        return do_resource_create(c, o);
    }
    if (strcmp(action, "resource") == 0 && strcmp(sub, "keys") == 0) {
        return do_resource_keys(c, o);
    }
    if (strcmp(action, "hold") == 0) {
        return kms_cli_hold(c, sub, o);
    }
    if (strcmp(action, "audit") == 0) {
        return kms_cli_audit(c, sub, o);
    }
    if (strcmp(action, "cmk") == 0) {
        return kms_cli_cmk(c, sub, o);
    }
    fprintf(stderr, "sealroom kms: unknown action '%s%s%s' (see 'sealroom kms --help')\n", action,
            sub[0] != '\0' ? " " : "", sub);
    return 2;
}

static int run(const char *action, struct kms_opts *o)
{
    struct sr_net_client *net = NULL;
    struct sr_kms_client *c = NULL;
    struct sr_buf token, anchors;
    int rc = 1;
    sr_buf_init(&token, TOKEN_MAX, SR_BUF_WIPE);
    sr_buf_init(&anchors, 0, 0);
    if (read_token(o->token_file, &token) != 0 ||
        (o->kms_ca != NULL && read_anchors(o->kms_ca, &anchors) != 0)) {
        goto out;
    }
    /* Without --cacert, trust the system store (a KMS with a public certificate). */
    struct sr_net_client_config ncfg = { .base_url = o->server,
                                         .ca_file = o->cacert,
                                         .use_system_ca = o->cacert == NULL };
    sr_err err = sr_net_client_new(&ncfg, &net);
    if (err != SR_OK) {
        fprintf(stderr,
                "sealroom kms: cannot use --server %s%s%s: %s\n  hint: the URL is "
                "https://HOST:PORT (no path); the --cacert file must be readable PEM\n",
                o->server, o->cacert != NULL ? " with --cacert " : "",
                o->cacert != NULL ? o->cacert : "", sr_err_str(err));
        goto out;
    }
    struct sr_kms_client_config cfg = {
        .client_id = o->client_id != NULL ? o->client_id : "sealroom-cli",
        .bearer = (const char *)token.p,
        .transport = transport,
        .transport_arg = net,
        .clock = clock_ms,
        .sleep = nap,
        .static_key_thumbprint = o->thumbprint,
        .static_key_anchors = o->kms_ca != NULL ? (const char *)anchors.p : NULL,
    };
    err = sr_kms_client_new(&cfg, &c);
    if (err == SR_ERR_DECODE && o->kms_ca != NULL) {
        fprintf(stderr, "sealroom kms: --kms-ca %s holds no PEM certificate\n", o->kms_ca);
        goto out;
    }
    if (err != SR_OK) {
        fprintf(stderr, "sealroom kms: bad client settings (--client-id is 1-128 characters): %s\n",
                sr_err_str(err));
        goto out;
    }
    rc = dispatch(c, action, o);
    /* Let the KMS forget the channel key; a failure here changes nothing for the user. */
    if (sr_kms_client_close(c) != SR_OK && rc == 0) {
        fprintf(stderr, "sealroom kms: note: the KMS channel was not closed; it expires on "
                        "its own\n");
    }
out:
    sr_kms_client_free(c);
    sr_net_client_free(net);
    sr_buf_cleanup(&token);
    sr_buf_cleanup(&anchors);
    return rc;
}

int cmd_kms(int argc, char **argv)
{
    struct kms_opts o;
    memset(&o, 0, sizeof(o));
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int rc = parse(argc, argv, 2, &o);
    if (rc != -1) {
        return rc;
    }
    if (o.server == NULL) {
        o.server = getenv("SEALROOM_KMS_SERVER");
    }
    if (o.kms_ca == NULL) {
        o.kms_ca = getenv("SEALROOM_KMS_CA");
    }
    if (o.server == NULL || o.token_file == NULL) {
        fprintf(stderr, "sealroom kms: need --server URL (or SEALROOM_KMS_SERVER) and "
                        "--token-file FILE (see 'sealroom kms --help')\n");
        return 2;
    }
    return run(argv[1], &o);
}
