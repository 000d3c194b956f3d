/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store over PostgreSQL: starts a private server (initdb + pg_ctl) in a temporary
 * directory, listening on 127.0.0.1 at a free port, and runs the shared operation cases on
 * a fresh database each. initdb refuses to run as root, so as root the server runs as the
 * "postgres" (else "nobody") user through runuser. Without the server binaries the test is
 * skipped (exit 77), or fails when CI=true.
 */
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_cases_more.h"

static char dir[] = "/tmp/sr-pg-XXXXXX";
static char bin[512], url[600];
static const char *run_as; /* NULL: run the server as ourselves */
static int port;
static unsigned counter;

static bool find_bin(void)
{
    const char *env = getenv("SR_PG_BIN");
    if (env != NULL) {
        snprintf(bin, sizeof(bin), "%s", env);
        return true;
    }
    glob_t g;
    bool found = glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0 && g.gl_pathc > 0;
    if (found) {
        /* The last match is the newest major version; keep its folder. */
        snprintf(bin, sizeof(bin), "%s", g.gl_pathv[g.gl_pathc - 1]);
        *strrchr(bin, '/') = '\0';
    }
    globfree(&g);
    return found;
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int p = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0) {
        p = ntohs(a.sin_port);
    }
    if (s >= 0) {
        close(s);
    }
    return p;
}

/* Run a server tool (argv[0] names a file in bin/) and wait; true when it exits 0. */
static bool run(const char *const *argv)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", bin, argv[0]);
    const char *args[16];
    size_t n = 0;
    if (run_as != NULL) {
        args[n++] = "runuser";
        args[n++] = "-u";
        args[n++] = run_as;
        args[n++] = "--";
    }
    args[n++] = path;
    for (size_t i = 1; argv[i] != NULL && n < 15; i++) {
        args[n++] = argv[i];
    }
    args[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(args[0], (char *const *)(uintptr_t)args);
        _exit(127);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

static bool start_server(void)
{
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        run_as = pw != NULL ? "postgres" : "nobody";
        pw = getpwnam(run_as);
        if (pw == NULL || chown(dir, pw->pw_uid, pw->pw_gid) != 0) {
            return false;
        }
    }
    port = free_port();
    char data[600], log[600], opts[700];
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(log, sizeof(log), "%s/server.log", dir);
    snprintf(opts, sizeof(opts), "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port,
             dir);
    const char *init[] = { "initdb", "-D", data,   "-U",        "postgres", "-A",
                           "trust",  "-E", "UTF8", "--no-sync", "-N",       NULL };
    const char *start[] = {
        "pg_ctl", "-D", data, "-l", log, "-o", opts, "-w", "-s", "start", NULL
    };
    /* initdb chatters on stdout; the ctest log does not need it. */
    fflush(stdout);
    int saved = dup(1);
    FILE *devnull = freopen("/dev/null", "w", stdout);
    bool ok = devnull != NULL && run(init);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return ok && run(start);
}

static void stop_server(void)
{
    char data[600];
    snprintf(data, sizeof(data), "%s/data", dir);
    const char *stop[] = { "pg_ctl", "-D", data, "-m", "immediate", "-s", "stop", NULL };
    (void)run(stop);
}

static const char *store_url(void)
{
    char admin[200], sql[64];
    unsigned n = counter++;
    snprintf(admin, sizeof(admin), "postgresql://postgres@127.0.0.1:%d/postgres", port);
    PGconn *c = PQconnectdb(admin);
    snprintf(sql, sizeof(sql), "CREATE DATABASE t%u", n);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
    snprintf(url, sizeof(url), "postgres://postgres@127.0.0.1:%d/t%u", port, n);
    return url;
}

static void backend_name(void **state)
{
    (void)state;
    struct sr_store *st = fresh();
    assert_string_equal(sr_store_backend(st), "postgres");
    sr_store_close(st);
    char bad[200];
    snprintf(bad, sizeof(bad), "postgres://postgres@127.0.0.1:%d/no_such_db", port);
    assert_int_equal(sr_store_open(bad, &st), SR_ERR_STORE);
    assert_null(st);
}

static int teardown(void **state)
{
    (void)state;
    stop_server();
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const char *ci = getenv("CI");
    bool under_ci = ci != NULL && strcmp(ci, "true") == 0;
    if (!find_bin()) {
        fprintf(stderr, "test_pg: PostgreSQL server binaries not found "
                        "(install the postgresql package or set SR_PG_BIN)\n");
        return under_ci ? 1 : 77;
    }
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    if (!start_server()) {
        fprintf(stderr, "test_pg: could not start PostgreSQL from %s; see %s/server.log\n", bin,
                dir);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        STORE_CASES,
        cmocka_unit_test(backend_name),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
