#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroom mls` with X.509 credentials, through the command-line tool only. A PKI made with
# the openssl command line: an internal CA (Ed25519) with an intermediate, a partner CA
# (P-256) and an unknown CA. For suite 1 (Ed25519 members) and suite 2 (P-256 members):
# alice (internal) creates the group trusting the internal CA at the internal level and the
# partner CA at the external level, adds bob (partner), carol (under the intermediate),
# dave (unknown CA) and erin (basic); each joins with the same trust, and every member's
# `info` shows the same levels. Refused with a non-zero exit and a clear message: a key
# that does not match its certificate, a key of the wrong type for the suite, a Welcome
# into a group with unverified members under --require-verified, and an Add of an
# unverified member by a member that requires verified ones.
set -euo pipefail
if [[ -z ${SEALROOM:-} ]]; then
    echo "SEALROOM is not set: skipping" >&2
    exit 77
fi
command -v openssl >/dev/null || { echo "openssl is needed: skipping" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 is needed: skipping" >&2; exit 77; }
py=$(python3 -c 'import sys; print(sys.executable)')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mls() { "$SEALROOM" mls "$@"; }
ossl() { openssl "$@" 2>>"$work/openssl.log" >/dev/null || fail "openssl $1: $(tail -3 "$work/openssl.log")"; }

pki=$work/pki
mkdir -p "$pki"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$pki/ca.ext"

key() { # $1 name, $2 ed25519 | p256
    if [[ $2 == ed25519 ]]; then
        ossl genpkey -algorithm ed25519 -out "$pki/$1.key"
    else
        ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$1.key"
    fi
}
root_ca() { # $1 name, $2 key type, $3 common name
    key "$1" "$2"
    ossl req -x509 -new -key "$pki/$1.key" -subj "/CN=$3" -days 30 -out "$pki/$1.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
issue() { # $1 subject name, $2 issuer name, $3 extension file, $4 subject
    ossl req -new -key "$pki/$1.key" -subj "$4" -out "$pki/$1.csr"
    ossl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -set_serial "$RANDOM$RANDOM" \
        -days 10 -extfile "$3" -out "$pki/$1.pem"
}
member_cert() { # $1 name, $2 key type, $3 issuer, $4 email
    key "$1" "$2"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=email:%s\n' \
        "$4" >"$pki/$1.ext"
    issue "$1" "$3" "$pki/$1.ext" "/CN=$1"
}

root_ca internal ed25519 "Internal CA"
root_ca partner p256 "Partner CA"
root_ca unknown ed25519 "Unknown CA"
key inter ed25519
issue inter internal "$pki/ca.ext" "/CN=Internal Intermediate CA"

# The levels every member must report, by identity.
levels='{"alice@internal.example": "verified-internal", "bob@partner.example": "verified-external",
  "carol@branch.internal.example": "verified-internal", "dave@unknown.example": "unverified",
  "erin": "unverified"}'

check_levels() { # $1 member directory: its info lists all five at the expected levels
    local out
    out=$(mls info --dir "$1") || fail "info $1"
    "$py" -S -c '
import json, sys
d = json.loads(sys.argv[1]); want = json.loads(sys.argv[2])
assert d["ok"] is True
got = {m["identity"]: m["level"] for m in d["members"]}
if got != want:
    sys.exit("levels of %s: %s" % (sys.argv[3], got))
for m in d["members"]:
    assert m["credential"] == ("basic" if m["identity"] == "erin" else "x509"), m
    if m["identity"].startswith("carol"):
        assert m["certificates"] == 2, m
' "$out" "$levels" "$1" || fail "levels seen by $1"
}

refused() { # $1 expected message part, then the command: it must fail with that message
    local want=$1
    shift
    if "$@" >"$work/out" 2>"$work/err"; then
        fail "accepted: $*"
    fi
    grep -q -- "$want" "$work/err" || fail "no clear message for '$*': $(cat "$work/err")"
    [[ ! -s $work/out ]] || fail "output despite the failure: $(cat "$work/out")"
}

run_suite() {
    local suite=$1 kt=$2 other=$3
    local d=$work/s$suite
    rm -rf "$d"
    mkdir -p "$d"
    member_cert alice$suite "$kt" internal alice@internal.example
    member_cert bob$suite "$kt" partner bob@partner.example
    member_cert carol$suite "$kt" inter carol@branch.internal.example
    member_cert dave$suite "$kt" unknown dave@unknown.example
    cat "$pki/carol$suite.pem" "$pki/inter.pem" >"$pki/carol$suite.chain.pem"
    local trust=(--ca-internal "$pki/internal.pem" --ca-external "$pki/partner.pem")

    mls create --dir "$d/alice" --suite "$suite" --cert "$pki/alice$suite.pem" \
        --key "$pki/alice$suite.key" "${trust[@]}" >/dev/null || fail "create"
    mls keypackage --dir "$d/bob" --suite "$suite" --cert "$pki/bob$suite.pem" \
        --key "$pki/bob$suite.key" --out "$d/bob.kp" | grep -q '"identity":"bob@partner.example"' ||
        fail "keypackage bob"
    mls keypackage --dir "$d/carol" --suite "$suite" --cert "$pki/carol$suite.chain.pem" \
        --key "$pki/carol$suite.key" --out "$d/carol.kp" >/dev/null || fail "keypackage carol"
    mls keypackage --dir "$d/dave" --suite "$suite" --cert "$pki/dave$suite.pem" \
        --key "$pki/dave$suite.key" --out "$d/dave.kp" >/dev/null || fail "keypackage dave"
    mls keypackage --dir "$d/erin" --suite "$suite" --identity erin --out "$d/erin.kp" \
        >/dev/null || fail "keypackage erin"

    # A key that is not the certificate's, and a key of the other scheme.
    refused "does not match the certificate" mls keypackage --dir "$d/x" --suite "$suite" \
        --cert "$pki/bob$suite.pem" --key "$pki/dave$suite.key" --out "$d/x.kp"
    refused "wrong type" mls keypackage --dir "$d/x" --suite "$suite" \
        --cert "$pki/bob$suite.pem" --key "$pki/$other.key" --out "$d/x.kp"
    refused "--cert and --key go together" mls keypackage --dir "$d/x" --suite "$suite" \
        --cert "$pki/bob$suite.pem" --out "$d/x.kp"
    [[ ! -e $d/x.kp ]] || fail "a refused KeyPackage was written"

    mls add --dir "$d/alice" --keypackage "$d/bob.kp" --keypackage "$d/carol.kp" \
        --keypackage "$d/dave.kp" --keypackage "$d/erin.kp" --welcome-out "$d/w" \
        --commit-out "$d/c" >/dev/null || fail "add"
    # A strict joiner refuses a group with unverified members, and keeps no state.
    refused "credential is refused" mls join --dir "$d/bob" --welcome "$d/w" "${trust[@]}" \
        --require-verified
    [[ ! -e $d/bob/group ]] || fail "a refused join left a group"
    for m in bob carol dave erin; do
        mls join --dir "$d/$m" --welcome "$d/w" "${trust[@]}" >/dev/null || fail "join $m"
    done
    for m in alice bob carol dave erin; do
        check_levels "$d/$m"
    done

    # A creator that requires verified members refuses to add dave, and adds bob.
    mls create --dir "$d/strict" --suite "$suite" --cert "$pki/alice$suite.pem" \
        --key "$pki/alice$suite.key" "${trust[@]}" --require-verified >/dev/null ||
        fail "strict create"
    mls keypackage --dir "$d/dave2" --suite "$suite" --cert "$pki/dave$suite.pem" \
        --key "$pki/dave$suite.key" --out "$d/dave2.kp" >/dev/null
    refused "cannot create the commit" mls add --dir "$d/strict" --keypackage "$d/dave2.kp" \
        --welcome-out "$d/w2" --commit-out "$d/c2"
    mls add --dir "$d/strict" --keypackage "$d/bob.kp" --welcome-out "$d/w3" \
        --commit-out "$d/c3" >/dev/null || fail "strict add of a verified member"
}

run_suite 1 ed25519 partner
run_suite 2 p256 internal
echo "mls x509: ok"
