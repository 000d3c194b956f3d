#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroom kms hold|shred|audit|cmk` against a real `sealroomd --role kms` (SQLite, file
# CMK provider): usage errors, legal holds blocking a shred until released, the audit export
# as JSON Lines with a cursor and a recorded reason, compliance retrieves with a reason and
# on behalf of a user (named in the audit row), CMK status, rotation (old keys still
# open), BYOK public key and import (pending, then active), the kill switch (503 with a hint,
# ping still answers), a refused delete of a revoked CMK under an org hold, and re-activation;
# --kms-ca (or SEALROOM_KMS_CA) accepts the static key's own anchor and refuses another.
# Refusals must exit 1 with the KMS's errorCode and a hint; then the audit chain verifies.
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=kms_cli_lib.sh
. "$here/kms_cli_lib.sh"
kms_cli_require

kms_test_init
kms_test_err_lines=15

kms_cli_idp "$tmp/idp"
tok() { # name sub roles
    kms_cli_token "$tmp/idp" "$2" org-a "$3" >"$tmp/$1.jwt"
}
tok alice alice ""
tok officer carol kms.orgAgent
tok admin dave kms.orgAdmin
data=$tmp/data

kms_cli_start "$tmp/port" "$tmp/err" --data-dir "$data" --jwks "$tmp/idp/jwks.json"
pid=$kms_cli_pid

kms() { # user action args...
    local user=$1
    shift
    "$SEALROOM" kms "$@" --server "https://localhost:$(cat "$tmp/port")" \
        --cacert "$data/tls-cert.pem" --token-file "$tmp/$user.jwt" --client-id "dev-$user"
}
expect_fail() { # exit-status regex user action args...
    local want=$1 re=$2 rc=0
    shift 2
    kms "$@" >"$tmp/o" 2>"$tmp/e" || rc=$?
    [[ $rc -eq $want ]] || fail "exit $rc, not $want: kms $*; stderr: $(cat "$tmp/e")"
    # the message and its hint are matched as one line
    tr '\n' ' ' <"$tmp/e" | grep -Eq -- "$re" ||
        fail "expected '$re' from kms $*; got: $(cat "$tmp/e")"
}

# --- help and usage errors (exit 2, nothing sent) ---------------------------------------
"$SEALROOM" kms --help >"$tmp/help"
for a in 'hold create' 'hold list' 'hold release' 'shred URI' 'audit export' 'audit verify' \
    'cmk status' 'cmk rotate' 'cmk revoke' 'cmk activate' 'cmk delete' 'cmk public-key' \
    'cmk import' 'retrieve --uri-file'; do
    grep -q -- "$a" "$tmp/help" || fail "kms --help does not document '$a'"
done
expect_fail 2 'needs --scope .* --reason' officer hold create --scope org
expect_fail 2 'hold URI and --reason' officer hold release
expect_fail 2 "use 'hold create'" officer hold bogus
expect_fail 2 'one key or resource URI and --reason' admin shred
expect_fail 2 'sealroomd kms audit verify' officer audit verify
expect_fail 2 'needs --org ORG' admin cmk status
expect_fail 2 'needs --org ORG and --key-file' admin cmk import --org org-a
expect_fail 2 'limit wants a number from 1 to 1000' officer audit export --limit 0
expect_fail 2 'since takes an RFC 3339 time' officer audit export --since yesterday

# --- --kms-ca: the static key's certificate must chain to the given anchor ---------------------
grep -q -- '--kms-ca FILE' "$tmp/help" || fail "kms --help does not document --kms-ca"
[[ -s $data/static-1.pem ]] || fail "sealroomd made no development static-key certificate"
kms alice ping --kms-ca "$data/static-1.pem" >"$tmp/o" || fail "ping with the right --kms-ca"
grep -q '^kms://kms.test answers' "$tmp/o" || fail "ping printed: $(cat "$tmp/o")"
SEALROOM_KMS_CA=$data/static-1.pem kms alice ping >/dev/null || fail "ping with SEALROOM_KMS_CA"
expect_fail 1 'does not chain to a trust anchor.*hint: .*--kms-ca the CA that issued' \
    alice ping --kms-ca "$data/tls-cert.pem"
SEALROOM_KMS_CA=$data/tls-cert.pem expect_fail 1 'does not chain to a trust anchor' alice ping
expect_fail 1 'kms-ca .* holds no PEM certificate' alice ping --kms-ca "$tmp/alice.jwt"
expect_fail 1 'cannot read --kms-ca .*no such file' alice ping --kms-ca "$tmp/none.pem"

# --- holds and shredding ------------------------------------------------------------------
kms alice resource create --kind space --new-keys 2 >"$tmp/res" || fail "resource create"
res=$(head -n1 "$tmp/res")
mapfile -t keys < <(awk '$1 == "key" { print $2 }' "$tmp/res")
[[ ${#keys[@]} -eq 2 ]] || fail "resource: $(cat "$tmp/res")"
expect_fail 1 'NOT_AUTHORIZED.*hint: holds and the audit are for compliance officers' \
    alice hold create --scope org --reason "mine"
kms officer hold create --scope user --target alice --reason "case 9" >"$tmp/hold" ||
    fail "hold create"
hold=$(awk '{ print $1 }' "$tmp/hold")
grep -Eq '^kms://kms.test/holds/[0-9a-f-]{36} user active alice$' "$tmp/hold" ||
    fail "hold create printed: $(cat "$tmp/hold")"
expect_fail 1 '409 LEGAL_HOLD.*' admin shred "${keys[1]}" --reason "retention"
grep -q 'hint: a legal hold covers it' "$tmp/e" || fail "no hint for LEGAL_HOLD: $(cat "$tmp/e")"
expect_fail 1 'NOT_AUTHORIZED.*hint: shredding is for org admins' alice shred "${keys[1]}" \
    --reason "mine"
kms officer hold list >"$tmp/holds" || fail "hold list"
grep -qx "$hold user active alice" "$tmp/holds" || fail "hold list: $(cat "$tmp/holds")"
kms officer hold release "$hold" --reason "case closed" >"$tmp/hold" || fail "hold release"
grep -qx "$hold user released alice" "$tmp/hold" || fail "release printed: $(cat "$tmp/hold")"
expect_fail 1 '409 CONFLICT' officer hold release "$hold" --reason "again"
kms admin shred "${keys[1]}" --reason "retention" >"$tmp/o" || fail "shred after the release"
grep -qx "shredded ${keys[1]}" "$tmp/o" || fail "shred printed: $(cat "$tmp/o")"
expect_fail 1 '410 SHREDDED' alice retrieve "${keys[1]}"

# --- compliance retrieves (eDiscovery): with a reason, optionally on behalf of a user -------
expect_fail 1 '400 REASON_REQUIRED.*hint: add --reason' officer retrieve "${keys[0]}"
expect_fail 2 'on-behalf needs --reason' officer retrieve "${keys[0]}" --on-behalf alice
kms officer retrieve "${keys[0]}" --reason "case 9" >"$tmp/o" || fail "compliance retrieve"
grep -qx "${keys[0]}" "$tmp/o" || fail "compliance retrieve printed: $(cat "$tmp/o")"
kms officer retrieve "${keys[0]}" --reason "case 9" --on-behalf alice >/dev/null ||
    fail "retrieve on behalf of alice"
expect_fail 1 '403 NOT_AUTHORIZED.*no user of this organization' officer retrieve "${keys[0]}" \
    --reason "case 9" --on-behalf mallory

# --- the audit export ---------------------------------------------------------------------
expect_fail 1 'NOT_AUTHORIZED' alice audit export
kms officer audit export --limit 2 >"$tmp/page" 2>"$tmp/e" || fail "audit export one page"
[[ $(wc -l <"$tmp/page") -eq 2 ]] || fail "a page of 2: $(cat "$tmp/page")"
cursor=$(sed -n 's/^next-cursor //p' "$tmp/e")
[[ -n $cursor ]] || fail "no next-cursor on stderr: $(cat "$tmp/e")"
kms officer audit export --limit 2 --cursor "$cursor" >"$tmp/page2" 2>"$tmp/e" ||
    fail "second page"
cmp -s "$tmp/page" "$tmp/page2" && fail "the cursor gave the same page again"
kms officer audit export --all --limit 5 --reason "quarterly review" >"$tmp/all" ||
    fail "audit export --all"
python3 - "$tmp/all" "${keys[0]}" "${keys[1]}" "$hold" <<'PY' || fail "the JSON Lines export"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
keys, hold = sys.argv[2:4], sys.argv[4]
assert len(rows) >= 10, len(rows)
assert all(r["orgId"] == "org-a" and len(r["mac"]) == 64 for r in rows)
assert [(r["chain"], r["seq"]) for r in rows] == sorted((r["chain"], r["seq"]) for r in rows)
released = [u for r in rows for u in r.get("released", [])]
assert all(k in released for k in keys), released
shreds = [r for r in rows if r["method"] == "delete" and r["uri"] == keys[1]]
assert [r["status"] for r in shreds] == [409, 403, 200], shreds
assert shreds[0]["errorCode"] == "LEGAL_HOLD" and shreds[2]["reason"] == "retention"
assert any(r["uri"] == hold and r.get("reason") == "case 9" for r in rows)
obo = [r for r in rows if r.get("onBehalfOf") == "alice"]
assert len(obo) == 1 and obo[0]["actor"] == "carol" and obo[0]["reason"] == "case 9", obo
assert obo[0]["released"] == [keys[0]] and obo[0]["actorRole"] == "compliance", obo
assert not any("jwk" in json.dumps(r) or '"k":' in json.dumps(r) for r in rows)
PY
kms officer audit export --all >"$tmp/all2" || fail "audit export after the review"
grep -q '"reason":"quarterly review"' "$tmp/all2" || fail "the export's reason is not audited"
kms officer audit export --since 2099-01-01T00:00:00Z >"$tmp/none" || fail "export --since"
[[ ! -s $tmp/none ]] || fail "rows from the future: $(cat "$tmp/none")"

# --- CMKs: status, rotation, BYOK ------------------------------------------------------------
expect_fail 1 'NOT_AUTHORIZED.*hint: CMKs are managed with a token that has the kms.orgAdmin' \
    alice cmk status --org org-a
kms admin cmk status --org org-a >"$tmp/cmks" || fail "cmk status"
grep -Eq '^kms://kms.test/cmk/[0-9a-f-]{36} active v1 file$' "$tmp/cmks" ||
    fail "cmk status: $(cat "$tmp/cmks")"
v1=$(awk '{ print $1 }' "$tmp/cmks")
kms admin cmk rotate --org org-a >"$tmp/rot" || fail "cmk rotate"
grep -Eq ' active v2 file$' "$tmp/rot" || fail "rotate printed: $(cat "$tmp/rot")"
kms admin cmk status --org org-a >"$tmp/cmks" || fail "cmk status after the rotation"
grep -qx "$v1 retired v1 file" "$tmp/cmks" || fail "v1 not retired: $(cat "$tmp/cmks")"
kms alice retrieve "${keys[0]}" >/dev/null || fail "a key made under v1 after the rotation"
kms admin cmk public-key --org org-a >"$tmp/jwk" || fail "cmk public-key"
python3 - "$tmp/jwk" <<'PY' || fail "public key: $(cat "$tmp/jwk")"
import json, sys
k = json.load(open(sys.argv[1]))
assert k["kty"] == "RSA" and len(k["n"]) > 300 and "d" not in k
PY
printf 'not hex\n' >"$tmp/bad.hex"
expect_fail 1 'key-file .* must hold the key as 64 hex' admin cmk import --org org-a \
    --key-file "$tmp/bad.hex"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/cmk.hex"
kms admin cmk import --org org-a --key-file "$tmp/cmk.hex" >"$tmp/imp" || fail "cmk import"
grep -Eq ' pending v3 file$' "$tmp/imp" || fail "import printed: $(cat "$tmp/imp")"
v3=$(awk '{ print $1 }' "$tmp/imp")
expect_fail 1 '409 CONFLICT' admin cmk import --org org-a --key-file "$tmp/cmk.hex"
kms admin cmk activate "$v3" >"$tmp/act" || fail "cmk activate"
grep -qx "$v3 active v3 file" "$tmp/act" || fail "activate printed: $(cat "$tmp/act")"
kms alice retrieve "${keys[0]}" >/dev/null || fail "a key after the BYOK activation"
kms alice keys create >/dev/null || fail "a key under the imported CMK"

# --- the kill switch, and a delete refused under an org hold ----------------------------------
kms admin cmk revoke --org org-a >"$tmp/rev" || fail "cmk revoke"
grep -qx "$v3 revoked v3 file" "$tmp/rev" || fail "revoke printed: $(cat "$tmp/rev")"
expect_fail 1 '503 CMK_REVOKED' alice retrieve "${keys[0]}"
grep -q "hint: .*sealroom kms cmk activate" "$tmp/e" || fail "no hint for CMK_REVOKED"
kms alice ping >/dev/null || fail "ping while revoked"
expect_fail 1 "the org has no active CMK" admin cmk revoke --org org-a
kms officer hold create --scope org --reason "litigation" >"$tmp/hold" || fail "org hold"
expect_fail 1 '409 LEGAL_HOLD' admin cmk delete "$v3"
kms admin cmk activate "$v3" >/dev/null || fail "activate after the revoke"
kms alice retrieve "${keys[0]}" >/dev/null || fail "a key after the re-activation"

kms_test_stop TERM
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" ||
    fail "audit verify: $(cat "$tmp/verify")"
echo "kms cli admin: ok"
