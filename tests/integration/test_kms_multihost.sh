#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two `sealroomd --role kms` nodes on one PostgreSQL (issue 6): the same settings, data dir
# (static key, file CMKs, audit secret) and database, different ports and audit chains.
# Keys made through node A are retrieved through node B; an authorization made on B is
# honoured on A; a legal hold set on B blocks a shred on A until it is released; a CMK revoke
# on A makes B answer 503 CMK_REVOKED on the very next request, and an activate on B restores
# A; a rotation on B leaves A able to open older keys. A third node given A's chain id is refused at start (one writer per chain, so chains
# never race or fork). Both nodes take a concurrent load and each node's audit chain
# verifies; A restarts on its chain once stopped. PostgreSQL is started here from
# Debian's binaries; without them the test is skipped (or fails when CI is set).
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=kms_cli_lib.sh
. "$here/kms_cli_lib.sh"
# shellcheck source=pg_lib.sh
. "$here/pg_lib.sh"
kms_cli_require
pg_require "the multi-node test" || exit 77

kms_test_init
pid_a=
pid_b=
kms_test_on_exit() {
    for p in $pid_a $pid_b; do
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pg_stop
}
fail() {
    echo "FAIL: $*" >&2
    for n in a b; do
        [[ -f $tmp/err-$n ]] && tail -n 15 "$tmp/err-$n" | sed "s/^/  node $n: /" >&2
    done
    exit 1
}

kms_cli_idp "$tmp/idp"
tok() { # name sub roles
    kms_cli_token "$tmp/idp" "$2" org-a "$3" >"$tmp/$1.jwt"
}
tok alice alice ""
tok bob bob ""
tok officer carol kms.orgAgent
tok admin dave kms.orgAdmin
pg_start "$tmp/pg" || fail "cannot start PostgreSQL"
data=$tmp/data

start() { # a|b node-id
    local node=()
    [[ -n $2 ]] && node=(--node "$2")
    : >"$tmp/err-$1"
    kms_cli_start "$tmp/port-$1" "$tmp/err-$1" --data-dir "$data" --store "$pg_url" \
        "${node[@]}" --jwks "$tmp/idp/jwks.json" --handshakes-per-min 100000 \
        --requests-per-s 100000
    if [[ $1 == a ]]; then pid_a=$kms_cli_pid; else pid_b=$kms_cli_pid; fi
}
stop() { # a|b
    local pid
    if [[ $1 == a ]]; then pid=$pid_a; else pid=$pid_b; fi
    kill -TERM "$pid"
    wait "$pid" || fail "node $1: exit status $? after SIGTERM"
    if [[ $1 == a ]]; then pid_a=; else pid_b=; fi
}
kms() { # node user action args...: the CLI against that node as that user
    local node=$1 user=$2
    shift 2
    "$SEALROOM" kms "$@" --server "https://localhost:$(cat "$tmp/port-$node")" \
        --cacert "$data/tls-cert.pem" --token-file "$tmp/$user.jwt" --client-id "dev-$user"
}
expect_fail() { # regex node user args...
    local re=$1 rc=0
    shift
    kms "$@" >"$tmp/o" 2>"$tmp/e" || rc=$?
    [[ $rc -eq 1 ]] || fail "exit $rc, not 1: kms $*"
    grep -Eq -- "$re" "$tmp/e" || fail "expected '$re' from kms $*; got: $(cat "$tmp/e")"
}

# Node A makes the data dir (certificate, static key, audit secret); B reuses it.
start a node-a
start b node-b
[[ $(cat "$tmp/port-a") != $(cat "$tmp/port-b") ]] || fail "one port for both nodes"
# One writer per audit chain: a third node with A's chain id is refused at start.
rc=0
timeout 30 "$SEALROOMD" --role kms --listen 127.0.0.1:0 --data-dir "$data" --store "$pg_url" \
    --node node-a --kms-name kms.test --cmk-provider file --allow-file-cmk \
    >/dev/null 2>"$tmp/err-c" || rc=$?
[[ $rc -eq 1 ]] || fail "a second node on chain node-a started (exit $rc)"
grep -q 'audit chain node-a is in use by another running node.*--node' "$tmp/err-c" ||
    fail "no clear message for a shared chain: $(cat "$tmp/err-c")"

# --- keys made on A are served by B ---------------------------------------------------
kms a alice keys create --count 3 >"$tmp/keys" || fail "keys create on A"
[[ $(grep -c '^kms://kms.test/keys/' "$tmp/keys") -eq 3 ]] || fail "keys: $(cat "$tmp/keys")"
kms b alice retrieve --uri-file "$tmp/keys" >"$tmp/got" || fail "retrieve on B of A's keys"
[[ $(grep -c '^kms://kms.test/keys/' "$tmp/got") -eq 3 ]] || fail "B served: $(cat "$tmp/got")"

# --- an authorization made on B is honoured on A ----------------------------------------
kms a alice resource create --kind space --new-keys 2 >"$tmp/res" || fail "resource create on A"
res=$(head -n1 "$tmp/res")
mapfile -t rkeys < <(awk '$1 == "key" { print $2 }' "$tmp/res")
[[ $res == kms://kms.test/resources/* && ${#rkeys[@]} -eq 2 ]] || fail "resource: $(cat "$tmp/res")"
expect_fail 'NOT_AUTHORIZED' a bob retrieve "${rkeys[0]}"
kms b alice authorize --resource "$res" --auth bob >/dev/null || fail "authorize on B"
kms a bob retrieve "${rkeys[0]}" >/dev/null || fail "A does not honour B's authorization"

# --- a hold set on B blocks a shred on A; released on A, the shred on B goes through ------
kms b officer hold create --scope resource --target "$res" --reason "case 17" >"$tmp/hold" ||
    fail "hold create on B"
hold=$(awk '{ print $1 }' "$tmp/hold")
[[ $hold == kms://kms.test/holds/* ]] || fail "hold: $(cat "$tmp/hold")"
expect_fail 'LEGAL_HOLD' a admin shred "${rkeys[1]}" --reason "retention"
kms a officer hold list >"$tmp/holds" || fail "hold list on A"
grep -q "^$hold resource active $res\$" "$tmp/holds" || fail "A does not list B's hold"
kms a officer hold release "$hold" --reason "case closed" >"$tmp/hold" || fail "release on A"
grep -q "^$hold resource released" "$tmp/hold" || fail "hold release: $(cat "$tmp/hold")"
kms b admin shred "${rkeys[1]}" --reason "retention" >/dev/null || fail "shred on B after release"
expect_fail 'SHREDDED' a alice retrieve "${rkeys[1]}"

# --- the kill switch: a revoke on A is seen by B on its next request -----------------------
kms b alice retrieve "${rkeys[0]}" >/dev/null || fail "B serves the key before the revoke"
kms a admin cmk revoke --org org-a >"$tmp/revoked" || fail "cmk revoke on A"
cmk=$(awk '{ print $1 }' "$tmp/revoked")
grep -q "^kms://kms.test/cmk/.* revoked " "$tmp/revoked" || fail "revoke: $(cat "$tmp/revoked")"
expect_fail '503 CMK_REVOKED' b alice retrieve "${rkeys[0]}"
expect_fail '503 CMK_REVOKED' b alice keys create
expect_fail '503 CMK_REVOKED' a alice retrieve "${rkeys[0]}"
kms b alice ping >/dev/null || fail "ping must work while the CMK is revoked"
kms b admin cmk activate "$cmk" >"$tmp/active" || fail "cmk activate on B"
grep -q "^$cmk active " "$tmp/active" || fail "activate: $(cat "$tmp/active")"
kms a alice retrieve "${rkeys[0]}" >/dev/null || fail "A does not serve after the re-activation"
# A rotation on B re-wraps the org's KEKs: A, which has them cached, still opens old keys.
kms b admin cmk rotate --org org-a >"$tmp/rot" || fail "cmk rotate on B"
kms a alice retrieve "${rkeys[0]}" >/dev/null || fail "A after B's rotation"
kms a admin cmk status --org org-a >"$tmp/cmks" || fail "cmk status on A"
grep -qx "$cmk retired v1 file" "$tmp/cmks" || fail "A sees: $(cat "$tmp/cmks")"

# --- a concurrent load on both nodes; each node's chain verifies --------------------------
load() { # node n
    for _ in $(seq "$2"); do
        kms "$1" alice keys create --count 2 >>"$tmp/load-$1" || return 1
    done
}
load a 15 &
la=$!
load b 15 &
lb=$!
wait "$la" || fail "load on A failed: $(cat "$tmp/e" 2>/dev/null)"
wait "$lb" || fail "load on B failed"
[[ $(cat "$tmp/load-a" "$tmp/load-b" | wc -l) -eq 60 ]] || fail "the load lost keys"
kms a alice retrieve --uri-file "$tmp/load-b" >/dev/null || fail "A serves B's load"
stop a
stop b
for n in a b; do
    "$SEALROOMD" kms audit verify --data-dir "$data" --store "$pg_url" --node "node-$n" \
        >"$tmp/verify" || fail "node $n audit: $(cat "$tmp/verify")"
    grep -Eq "^chain node-$n: [1-9][0-9]+ rows verified\$" "$tmp/verify" ||
        fail "node $n audit: $(cat "$tmp/verify")"
done

# --- a stopped node's chain is free again: A restarts on it and serves ------------------
start a node-a
kms a alice retrieve --uri-file "$tmp/load-a" >/dev/null || fail "A after its restart"
stop a

echo "kms multihost: ok"
