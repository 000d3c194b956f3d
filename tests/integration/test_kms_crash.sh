#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash safety of `sealroomd --role kms` (issue 6): several `sealroom kms keys create` loops
# run against the server and record each key URI once the CLI has printed it (the KMS
# acknowledged it); the server gets `kill -9` in the middle of the load and is restarted on
# the same store. Every acknowledged key must then be retrievable, and `sealroomd kms audit
# verify` must pass. Runs on SQLite, then on PostgreSQL (started here from Debian's binaries;
# skipped with a message when they are missing and CI is unset). A store can be picked with
# the first argument: sqlite or postgres.
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=kms_cli_lib.sh
. "$here/kms_cli_lib.sh"
# shellcheck source=pg_lib.sh
. "$here/pg_lib.sh"
kms_cli_require

kms_test_init
kms_test_err_lines=20
loops=()
kms_test_on_exit() {
    for l in "${loops[@]}"; do
        kill "$l" 2>/dev/null || true
    done
    pg_stop
}

kms_cli_idp "$tmp/idp"
kms_cli_token "$tmp/idp" alice org-a >"$tmp/alice.jwt"

start() { # data-dir store-url
    local store=()
    [[ -n $2 ]] && store=(--store "$2")
    kms_cli_start "$tmp/port" "$tmp/err" --data-dir "$1" "${store[@]}" \
        --jwks "$tmp/idp/jwks.json" --handshakes-per-min 1000000 --requests-per-s 1000000 \
        --workers 2
    pid=$kms_cli_pid
    common=(--server "https://localhost:$kms_cli_port" --cacert "$1/tls-cert.pem"
        --token-file "$tmp/alice.jwt" --client-id crash)
}

# One loop of key creations: each printed URI was acknowledged by the KMS.
load() { # n out-file
    while [[ ! -e $tmp/stop ]]; do
        "$SEALROOM" kms keys create --count 3 "${common[@]}" >>"$2" 2>>"$tmp/load-$1.err" ||
            sleep 0.05
    done
}

crash_case() { # name store-url ("" for SQLite in the data dir)
    local name=$1 url=$2 data=$tmp/data-$1
    rm -f "$tmp/stop" "$tmp"/acked-* "$tmp"/load-*.err
    : >"$tmp/err"
    start "$data" "$url"
    loops=()
    for n in 1 2 3 4; do
        : >"$tmp/acked-$n"
        load "$n" "$tmp/acked-$n" &
        loops+=($!)
    done
    # Let the load build up, then kill the server in the middle of it.
    for _ in $(seq 200); do
        [[ $(cat "$tmp"/acked-* | wc -l) -ge 150 ]] && break
        sleep 0.1
    done
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    sleep 0.5 # requests in flight fail; the loops go on failing until stopped
    touch "$tmp/stop"
    for l in "${loops[@]}"; do
        wait "$l" || true
    done
    loops=()
    cat "$tmp"/acked-* >"$tmp/acked"
    local n
    n=$(wc -l <"$tmp/acked")
    [[ $n -ge 30 ]] || fail "$name: only $n keys acknowledged before the kill; the CLI said:
$(sort "$tmp"/load-*.err | uniq -c | head -5)"
    grep -Evq '^kms://kms.test/keys/[0-9a-f-]{36}$' "$tmp/acked" &&
        fail "$name: a line that is not a key URI: $(grep -Ev '^kms://' "$tmp/acked" | head -1)"
    [[ $(sort -u "$tmp/acked" | wc -l) -eq $n ]] || fail "$name: a key URI was given twice"

    # Restart on the same store: every acknowledged key is there and opens.
    start "$data" "$url"
    "$SEALROOM" kms retrieve --uri-file "$tmp/acked" "${common[@]}" >"$tmp/got" 2>"$tmp/e" ||
        fail "$name: retrieving the acknowledged keys after the crash: $(cat "$tmp/e")"
    grep -E '^kms://' "$tmp/got" | sort >"$tmp/got-uris"
    sort "$tmp/acked" | diff - "$tmp/got-uris" >/dev/null ||
        fail "$name: the keys retrieved are not the keys acknowledged"
    # A key that was never created is still refused (the check can fail).
    rc=0
    "$SEALROOM" kms retrieve kms://kms.test/keys/00000000-0000-4000-8000-000000000000 \
        "${common[@]}" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 1 ]] || fail "$name: an unknown key was retrieved (exit $rc)"
    kill -TERM "$pid"
    wait "$pid" || fail "$name: exit status $? after SIGTERM"
    pid=

    local store=()
    [[ -n $url ]] && store=(--store "$url")
    "$SEALROOMD" kms audit verify --data-dir "$data" "${store[@]}" >"$tmp/verify" ||
        fail "$name: audit verify after the crash: $(cat "$tmp/verify")"
    grep -Eq '^chain node1: [1-9][0-9]* rows verified$' "$tmp/verify" ||
        fail "$name: audit: $(cat "$tmp/verify")"
    echo "$name: $n acknowledged keys retrievable after kill -9; $(cat "$tmp/verify")"
}

which=${1:-all}
if [[ $which == all || $which == sqlite ]]; then
    crash_case sqlite ""
fi
if [[ $which == all || $which == postgres ]]; then
    if pg_require "the PostgreSQL run"; then
        pg_start "$tmp/pg" || fail "cannot start PostgreSQL"
        crash_case postgres "$pg_url"
    elif [[ $which == postgres ]]; then
        exit 77
    fi
fi
echo "kms crash: ok"
