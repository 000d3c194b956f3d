/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sealroom mls`: a command-line MLS member for scripting, debugging and interop. Each
 * member keeps its state in a directory; every message file holds one TLS-serialized
 * MLSMessage. This file holds the subcommand table, option parsing, help and JSON output.
 *
 * A commit made by `add` or `commit` is merged into the committer's state at once: in this
 * tool the committer's own commit is final for it (there is no delivery service to wait for).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/alloc.h"
#include "mls_cli.h"

enum opt_kind {
    OPT_STR,    /* const char * field */
    OPT_FLAG,   /* bool field */
    OPT_SUITE,  /* 1..7 */
    OPT_LENGTH, /* exporter length */
    OPT_KP,     /* repeated --keypackage */
    OPT_REMOVE, /* repeated --remove */
    OPT_CA_INT, /* repeated --ca-internal */
    OPT_CA_EXT, /* repeated --ca-external */
};

struct opt {
    const char *name; /* without the leading "--" */
    enum opt_kind kind;
    size_t off;
};

static const struct opt opts[] = {
    { "dir", OPT_STR, offsetof(struct mls_opts, dir) },
    { "identity", OPT_STR, offsetof(struct mls_opts, identity) },
    { "suite", OPT_SUITE, 0 },
    { "out", OPT_STR, offsetof(struct mls_opts, out) },
    { "group-id", OPT_STR, offsetof(struct mls_opts, group_id) },
    { "keypackage", OPT_KP, 0 },
    { "welcome-out", OPT_STR, offsetof(struct mls_opts, welcome_out) },
    { "commit-out", OPT_STR, offsetof(struct mls_opts, commit_out) },
    { "no-tree-ext", OPT_FLAG, offsetof(struct mls_opts, no_tree_ext) },
    { "public", OPT_FLAG, offsetof(struct mls_opts, public_msg) },
    { "welcome", OPT_STR, offsetof(struct mls_opts, welcome) },
    { "tree", OPT_STR, offsetof(struct mls_opts, tree) },
    { "remove", OPT_REMOVE, 0 },
    { "in", OPT_STR, offsetof(struct mls_opts, in) },
    { "text", OPT_STR, offsetof(struct mls_opts, text) },
    { "exporter-label", OPT_STR, offsetof(struct mls_opts, exp_label) },
    { "exporter-context", OPT_STR, offsetof(struct mls_opts, exp_context) },
    { "exporter-length", OPT_LENGTH, 0 },
    { "groupinfo", OPT_STR, offsetof(struct mls_opts, groupinfo) },
    { "cert", OPT_STR, offsetof(struct mls_opts, cert) },
    { "key", OPT_STR, offsetof(struct mls_opts, key) },
    { "ca-internal", OPT_CA_INT, 0 },
    { "ca-external", OPT_CA_EXT, 0 },
    { "require-verified", OPT_FLAG, offsetof(struct mls_opts, require_verified) },
};

struct subcommand {
    const char *name;
    int (*fn)(struct mls_opts *o);
    const char *help;
    const char *allowed;  /* space-separated option names */
    const char *required; /* space-separated option names */
    const char *usage;
};

static const struct subcommand subcommands[] = {
    { "keypackage", mls_cmd_keypackage, "create a KeyPackage (its private bundle stays in --dir)",
      "dir identity suite out cert key", "dir out",
      "--dir D (--identity NAME | --cert CHAIN.pem --key KEY.pem) [--suite N] --out KP" },
    { "create", mls_cmd_create, "create a one-member group at epoch 0",
      "dir identity suite group-id cert key ca-internal ca-external require-verified", "dir",
      "--dir D (--identity NAME | --cert CHAIN.pem --key KEY.pem) [--suite N] [--group-id TEXT] "
      "[--ca-internal PEM ...] [--ca-external PEM ...] [--require-verified]" },
    { "add", mls_cmd_add, "commit Adds of KeyPackages; write the commit and the Welcome",
      "dir keypackage welcome-out commit-out no-tree-ext public",
      "dir keypackage welcome-out commit-out",
      "--dir D --keypackage KP [--keypackage KP ...] --welcome-out W --commit-out C "
      "[--no-tree-ext] [--public]" },
    { "join", mls_cmd_join, "join from a Welcome with a KeyPackage made in --dir",
      "dir welcome tree ca-internal ca-external require-verified", "dir welcome",
      "--dir D --welcome W [--tree TREE] [--ca-internal PEM ...] [--ca-external PEM ...] "
      "[--require-verified]" },
    { "commit", mls_cmd_commit, "commit with a fresh path, removing --remove leaves",
      "dir commit-out remove public", "dir commit-out",
      "--dir D --commit-out C [--remove LEAF ...] [--public]" },
    { "process", mls_cmd_process, "process a commit or an application message", "dir in out",
      "dir in", "--dir D --in MSG [--out PLAINTEXT]" },
    { "encrypt", mls_cmd_encrypt, "encrypt application data as a PrivateMessage", "dir text in out",
      "dir out", "--dir D (--text STR | --in FILE) --out MSG" },
    { "info", mls_cmd_info, "print epoch, authenticator, tree hash, members, exporter",
      "dir exporter-label exporter-context exporter-length", "dir",
      "--dir D [--exporter-label L] [--exporter-context HEX] [--exporter-length N]" },
    { "tree", mls_cmd_tree, "write the ratchet tree (the ratchet_tree extension's vector)",
      "dir out", "dir out", "--dir D --out TREE" },
    { "groupinfo", mls_cmd_groupinfo, "write a GroupInfo for external joins (with the tree)",
      "dir out no-tree-ext", "dir out", "--dir D --out GI [--no-tree-ext]" },
    { "external-join", mls_cmd_external_join, "join by external commit from a GroupInfo",
      "dir identity suite groupinfo tree commit-out cert key ca-internal ca-external "
      "require-verified",
      "dir groupinfo commit-out",
      "--dir D (--identity NAME | --cert CHAIN.pem --key KEY.pem) --groupinfo GI [--tree TREE] "
      "--commit-out C [--ca-internal PEM ...] [--ca-external PEM ...] [--require-verified]" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: sealroom mls <subcommand> [options]\n\nsubcommands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        fprintf(f, "  %-14s %s\n", subcommands[i].name, subcommands[i].help);
    }
    fprintf(f, "\nEach member keeps its state (0600 files) in --dir; message files hold one\n"
               "MLSMessage. --suite is 1..7 (default 1). Commits are PrivateMessage unless\n"
               "--public. The committer merges its own commit at once. On success one JSON\n"
               "line starting {\"ok\":true is printed; on failure a message goes to stderr\n"
               "and the exit status is 1 (2 for a usage error).\n"
               "X.509: --cert (PEM chain, end-entity first) with --key (PKCS#8 PEM) instead\n"
               "of --identity; --ca-internal/--ca-external PEM (repeatable) and\n"
               "--require-verified set the member's trust, kept in --dir; info reports each\n"
               "member's level: verified-external, verified-internal or unverified.\n"
               "Run 'sealroom mls <subcommand> --help' for its options.\n");
}

static void sub_usage(FILE *f, const struct subcommand *s)
{
    fprintf(f, "usage: sealroom mls %s %s\n  %s\n", s->name, s->usage, s->help);
}

/* Is `name` one of the space-separated words of `list`? */
static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0';) {
        const char *e = strchr(p, ' ');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) {
            return true;
        }
        p += len;
        while (*p == ' ') {
            p++;
        }
    }
    return false;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

/* Store the value of option `op`; false for a bad value. */
static bool set_opt(struct mls_opts *o, const struct opt *op, const char *val)
{
    unsigned long v = 0;
    switch (op->kind) {
    case OPT_STR:
        *(const char **)((char *)o + op->off) = val;
        return true;
    case OPT_SUITE:
        if (!parse_uint(val, 7, &v) || v == 0) {
            return false;
        }
        o->suite = (unsigned)v;
        return true;
    case OPT_LENGTH:
        if (!parse_uint(val, 65535, &v) || v == 0) {
            return false;
        }
        o->exp_length = (size_t)v;
        return true;
    case OPT_KP:
        if (o->n_keypackages == MLS_MAX_MULTI) {
            return false;
        }
        o->keypackages[o->n_keypackages++] = val;
        return true;
    case OPT_REMOVE:
        if (o->n_removes == MLS_MAX_MULTI || !parse_uint(val, UINT32_MAX, &v)) {
            return false;
        }
        o->removes[o->n_removes++] = (uint32_t)v;
        return true;
    case OPT_CA_INT:
    case OPT_CA_EXT: {
        bool internal = op->kind == OPT_CA_INT;
        size_t *n = internal ? &o->n_ca_internal : &o->n_ca_external;
        if (*n == MLS_MAX_CA) {
            return false;
        }
        (internal ? o->ca_internal : o->ca_external)[(*n)++] = val;
        return true;
    }
    case OPT_FLAG:
    default:
        return false;
    }
}

static const struct opt *find_opt(const char *name)
{
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (strcmp(opts[i].name, name) == 0) {
            return &opts[i];
        }
    }
    return NULL;
}

/* Parse argv (after the subcommand name) into `o`; prints the usage error itself. */
static bool parse(const struct subcommand *s, int argc, char **argv, struct mls_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const struct opt *op = NULL;
        if (strncmp(a, "--", 2) == 0) {
            op = find_opt(a + 2);
        }
        if (op == NULL || !in_list(s->allowed, op->name)) {
            fprintf(stderr, "sealroom mls %s: unknown option '%s'\n", s->name, a);
            return false;
        }
        if (op->kind == OPT_FLAG) {
            *(bool *)((char *)o + op->off) = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "sealroom mls %s: %s needs a value\n", s->name, a);
            return false;
        }
        if (!set_opt(o, op, argv[++i])) {
            fprintf(stderr, "sealroom mls %s: bad value '%s' for %s\n", s->name, argv[i], a);
            return false;
        }
    }
    for (const char *p = s->required; *p != '\0';) {
        const char *e = strchr(p, ' ');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        char name[32] = { 0 };
        if (len >= sizeof(name)) {
            return false;
        }
        memcpy(name, p, len);
        const struct opt *op = find_opt(name);
        bool have =
                op != NULL && (op->kind == OPT_KP ? o->n_keypackages > 0
                                                  : *(const char **)((char *)o + op->off) != NULL);
        if (!have) {
            fprintf(stderr, "sealroom mls %s: --%s is required\n", s->name, name);
            return false;
        }
        p += len;
        while (*p == ' ') {
            p++;
        }
    }
    return true;
}

int cmd_mls(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MLS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_SUBCOMMANDS; i++) {
        const struct subcommand *s = &subcommands[i];
        struct mls_opts o = { .cmd = s->name };
        if (strcmp(argv[1], s->name) != 0) {
            continue;
        }
        for (int k = 2; k < argc; k++) {
            if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
                sub_usage(stdout, s);
                return 0;
            }
        }
        if (!parse(s, argc - 2, argv + 2, &o)) {
            sub_usage(stderr, s);
            return MLS_EXIT_USAGE;
        }
        return s->fn(&o);
    }
    fprintf(stderr, "sealroom mls: unknown subcommand '%s'\n\n", argv[1]);
    usage(stderr);
    return MLS_EXIT_USAGE;
}

int mls_fail(const struct mls_opts *o, const char *what, sr_err err)
{
    if (err == SR_OK) {
        fprintf(stderr, "sealroom mls %s: %s\n", o->cmd, what);
    } else {
        fprintf(stderr, "sealroom mls %s: %s: %s (%s)\n", o->cmd, what, sr_err_str(err),
                sr_err_name(err));
    }
    return MLS_EXIT_FAIL;
}

int mls_print(json_t *obj)
{
    json_t *line = json_object();
    char *s = NULL;
    if (line == NULL || obj == NULL || json_object_set_new(line, "ok", json_true()) != 0 ||
        json_object_update(line, obj) != 0 ||
        (s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
        json_decref(line);
        json_decref(obj);
        fprintf(stderr, "sealroom mls: out of memory\n");
        return MLS_EXIT_FAIL;
    }
    printf("%s\n", s);
    free(s);
    json_decref(line);
    json_decref(obj);
    return fflush(stdout) == 0 ? 0 : MLS_EXIT_FAIL;
}

json_t *mls_hex(const uint8_t *p, size_t n)
{
    char *h = NULL;
    json_t *j = NULL;
    if (n > (SIZE_MAX - 1) / 2) {
        return NULL;
    }
    h = sr_malloc(2 * n + 1);
    if (h != NULL && sr_hex_encode(p, n, h, 2 * n + 1) == SR_OK) {
        j = json_stringn(h, 2 * n);
    }
    sr_free(h);
    return j;
}

json_t *mls_text_or_null(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            return NULL;
        }
    }
    /* jansson refuses invalid UTF-8. */
    return json_stringn((const char *)p, n);
}
