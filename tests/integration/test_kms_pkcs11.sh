#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroomd --role kms --cmk-provider pkcs11` on a SoftHSM2 token made in a temp dir (its own
# SOFTHSM2_CONF, no system token touched): a wrong PIN and an unknown token stop the start
# with a hint; with the right PIN kms_client.py's protocol walk runs and keys survive a
# restart. Skips without softhsm2-util, python3 or curl.
set -euo pipefail

if [[ -z ${SEALROOMD:-} ]]; then
    echo "SEALROOMD is not set: skipping" >&2
    exit 77
fi
if ! command -v softhsm2-util >/dev/null || ! command -v python3 >/dev/null ||
    ! command -v curl >/dev/null; then
    echo "softhsm2-util, python3 or curl is not installed: skipping" >&2
    exit 77
fi
client=$(dirname "$0")/kms_client.py

# shellcheck source=kms_test_lib.sh
. "$(dirname "$0")/kms_test_lib.sh"
kms_test_init
run_client() { kms_test_py "$client" "$@"; }

mkdir -p "$tmp/tokens" "$tmp/idp"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$tmp" >"$tmp/softhsm2.conf"
export SOFTHSM2_CONF=$tmp/softhsm2.conf
softhsm2-util --init-token --free --label sealroom-kms --pin 1234 --so-pin 5678 >/dev/null
printf '1234\n' >"$tmp/pin"
printf '9999\n' >"$tmp/wrong-pin"
chmod 600 "$tmp/pin" "$tmp/wrong-pin"
run_client mkidp "$tmp/idp"
data=$tmp/data

args() { # token pin-file: sets argv
    argv=(--role kms --listen 127.0.0.1:0 --port-file "$tmp/port" --data-dir "$data" \
        --kms-name kms.test --cmk-provider pkcs11 --pkcs11-token "$1" --pkcs11-pin-file "$2" \
        --static-key-bits 2048 --jwks "$tmp/idp/jwks.json" --issuer https://idp.test)
}
expect_start_fail() { # message-regex token pin-file
    local rc=0
    args "$2" "$3"
    "$SEALROOMD" "${argv[@]}" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [[ $rc -eq 1 ]] || fail "exit $rc, not 1, with token $2 and $3"
    grep -Eq -- "$1" "$tmp/err" || fail "expected '$1'"
}
start() {
    rm -f "$tmp/port"
    args sealroom-kms "$tmp/pin"
    "$SEALROOMD" "${argv[@]}" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    kms_test_wait_port "$tmp/port" "$pid"
    url=https://localhost:$(cat "$tmp/port")
}
stop() { kms_test_stop TERM; }

expect_start_fail 'pkcs11 CMK provider.*check the PIN' sealroom-kms "$tmp/wrong-pin"
expect_start_fail 'pkcs11 CMK provider.*check --pkcs11-token' no-such-token "$tmp/pin"
start
grep -q 'DEVELOPMENT ONLY' "$tmp/err" && fail "file CMK warning with pkcs11"
curl -sS --max-time 10 --cacert "$data/tls-cert.pem" "$url/kms/v1/details" |
    grep -q '"cmkProvider": *"pkcs11"' || fail "details do not name pkcs11"
run_client flow "$url" "$data/tls-cert.pem" "$tmp/idp" "$tmp/state"
stop
start
run_client after-restart "$url" "$data/tls-cert.pem" "$tmp/idp" "$tmp/state"
stop
[[ ! -e $data/cmk ]] || fail "a cmk/ dir was made for the pkcs11 provider"

echo "kms pkcs11: ok"
