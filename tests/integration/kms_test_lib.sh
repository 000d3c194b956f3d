# SPDX-License-Identifier: Apache-2.0
# Sourced by the KMS integration tests (kms_server, kms_protocol, kms_pkcs11, kms_services, and
# through kms_cli_lib.sh the `sealroom kms` ones): the scaffolding each of them needs around a
# `sealroomd --role kms` process. Not a test itself (ctest runs test_*.sh only).
#
#   kms_test_init          make $tmp, set pid= and, on exit, kill -9 a server still in $pid,
#                          call kms_test_on_exit if the test defines it, then remove $tmp
#   fail MESSAGE           print FAIL and $tmp/err (its last $kms_test_err_lines lines when
#                          set), exit 1; a test may define its own after sourcing this
#   kms_test_wait_port PORT-FILE PID
#                          wait up to 30 s for the server PID to write its port
#   kms_test_start DATA-DIR OPTIONS...
#                          start sealroomd on 127.0.0.1:0 with DATA-DIR, name kms.test,
#                          file CMK, 2048-bit static key and issuer https://idp.test, output
#                          in $tmp/out and $tmp/err; sets $pid and url=https://localhost:PORT
#   kms_test_stop [SIGNAL] stop the server in $pid (default TERM); it must exit 0
#   kms_test_py SCRIPT ARGS...
#                          python3 with a 120 s limit; its exit 77 skips the test

kms_test_cleanup() {
    if [[ -n ${pid:-} ]] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if declare -F kms_test_on_exit >/dev/null; then
        kms_test_on_exit
    fi
    rm -rf "$tmp"
}

kms_test_init() {
    tmp=$(mktemp -d)
    pid=
    trap kms_test_cleanup EXIT
}

fail() {
    echo "FAIL: $*" >&2
    if [[ -f $tmp/err && -n ${kms_test_err_lines:-} ]]; then
        tail -n "$kms_test_err_lines" "$tmp/err" | sed 's/^/  sealroomd: /' >&2
    elif [[ -f $tmp/err ]]; then
        sed 's/^/  sealroomd: /' "$tmp/err" >&2
    fi
    exit 1
}

kms_test_wait_port() { # port-file pid
    for _ in $(seq 300); do
        [[ -s $1 ]] && return 0
        kill -0 "$2" 2>/dev/null || fail "sealroomd exited at start"
        sleep 0.1
    done
    fail "no port file after 30 s"
}

kms_test_start() { # data-dir options...
    local data_dir=$1
    shift
    rm -f "$tmp/port"
    "$SEALROOMD" --role kms --listen 127.0.0.1:0 --port-file "$tmp/port" --data-dir "$data_dir" \
        --kms-name kms.test --cmk-provider file --allow-file-cmk --static-key-bits 2048 \
        --issuer https://idp.test "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    kms_test_wait_port "$tmp/port" "$pid"
    url=https://localhost:$(cat "$tmp/port")
}

kms_test_stop() { # [signal]
    local sig=${1:-TERM} rc=0
    kill "-$sig" "$pid"
    wait "$pid" || rc=$?
    pid=
    [[ $rc -eq 0 ]] || fail "exit status $rc after SIG$sig"
}

kms_test_py() { # script args...
    local rc=0
    timeout 120 python3 "$@" || rc=$?
    [[ $rc -eq 77 ]] && exit 77
    [[ $rc -eq 0 ]] || fail "$(basename "$1") $2 (exit $rc)"
}
