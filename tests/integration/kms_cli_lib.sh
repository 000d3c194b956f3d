# SPDX-License-Identifier: Apache-2.0
# Sourced by the integration tests that drive `sealroom kms` against `sealroomd --role kms`
# (kms_cli_admin, kms_crash, kms_multihost). Not a test itself (ctest runs test_*.sh only).
#
#   kms_cli_require              skip (77) without $SEALROOM, $SEALROOMD or python3
#   kms_cli_idp DIR              a test identity provider in DIR (skip without cryptography)
#   kms_cli_token DIR SUB ORG [ROLES] >FILE   a bearer for SUB, roles comma-separated
#   kms_cli_start PORT-FILE ERR-FILE OPTIONS...
#                                start sealroomd on 127.0.0.1:0 (issuer https://idp.test,
#                                name kms.test, file CMK) and wait for its port; the process
#                                id is in $kms_cli_pid, the port in $kms_cli_port
# It sources kms_test_lib.sh (kms_test_init, fail, ...).

kms_cli_dir=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=kms_test_lib.sh
. "$kms_cli_dir/kms_test_lib.sh"

kms_cli_require() {
    if [[ -z ${SEALROOMD:-} || -z ${SEALROOM:-} ]]; then
        echo "SEALROOMD or SEALROOM is not set: skipping" >&2
        exit 77
    fi
    if ! command -v python3 >/dev/null; then
        echo "python3 is not installed: skipping" >&2
        exit 77
    fi
}

kms_cli_idp() { # dir
    local rc=0
    mkdir -p "$1"
    python3 "$kms_cli_dir/kms_jwt.py" mkidp "$1" || rc=$?
    [[ $rc -eq 77 ]] && exit 77
    [[ $rc -eq 0 ]] || fail "kms_jwt.py mkidp"
}

kms_cli_token() { # dir sub org [roles]
    python3 "$kms_cli_dir/kms_jwt.py" token "$@"
}

kms_cli_start() { # port-file err-file options...
    local port_file=$1 err_file=$2
    shift 2
    rm -f "$port_file"
    "$SEALROOMD" --role kms --listen 127.0.0.1:0 --port-file "$port_file" --kms-name kms.test \
        --cmk-provider file --allow-file-cmk --static-key-bits 2048 --issuer https://idp.test \
        "$@" >/dev/null 2>>"$err_file" &
    kms_cli_pid=$!
    kms_test_wait_port "$port_file" "$kms_cli_pid"
    kms_cli_port=$(cat "$port_file")
}
