#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The KMS protocol through `sealroomd --role kms` over HTTPS, driven by kms_client.py (an
# independent client written from KMS.md): handshakes with bearer JWTs from a test identity
# provider, keys, a resource, access for an authorized and an unauthorized user, a batch,
# replay, a forged token, channel close and reset; then a restart (old channel reset, key
# still retrievable with the same bytes) and a JWKS reload (new IdP key accepted, old refused);
# then, with --channel-key-file, a channel that survives a restart. The retention sweeper runs
# every second meanwhile. Then a static key rotation keeps the previous key for handshakes.
# `sealroomd kms audit verify` checks the audit chain, and finds an altered or missing row.
set -euo pipefail

if [[ -z ${SEALROOMD:-} ]]; then
    echo "SEALROOMD is not set: skipping" >&2
    exit 77
fi
if ! command -v python3 >/dev/null; then
    echo "python3 is not installed: skipping" >&2
    exit 77
fi
client=$(dirname "$0")/kms_client.py

# shellcheck source=kms_test_lib.sh
. "$(dirname "$0")/kms_test_lib.sh"
kms_test_init
run_client() { kms_test_py "$client" "$@"; }

mkdir "$tmp/idp" "$tmp/idp2"
run_client mkidp "$tmp/idp"
run_client mkidp "$tmp/idp2"
cp "$tmp/idp/jwks.json" "$tmp/jwks.json"
data=$tmp/data

start() { kms_test_start "$data" --jwks "$tmp/jwks.json" --sweep-interval 1 "$@"; }
stop() { kms_test_stop TERM; }

start
run_client flow "$url" "$data/tls-cert.pem" "$tmp/idp" "$tmp/state"
stop
# the audit chain of this node verifies offline
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" || fail "audit verify: $(cat "$tmp/verify")"
grep -Eq '^chain node1: [1-9][0-9]* rows verified$' "$tmp/verify" || fail "audit: $(cat "$tmp/verify")"
start
run_client after-restart "$url" "$data/tls-cert.pem" "$tmp/idp" "$tmp/state"
# a new IdP key set replaces the old one within a second (the file is checked once a second)
cp "$tmp/idp2/jwks.json" "$tmp/jwks.json.new"
mv "$tmp/jwks.json.new" "$tmp/jwks.json"
sleep 1.1
run_client handshake "$url" "$data/tls-cert.pem" "$tmp/idp2" 201
run_client handshake "$url" "$data/tls-cert.pem" "$tmp/idp" 401
grep -q 'reloaded JWKS' "$tmp/err" || fail "no JWKS reload message"
grep -q 'retention sweeper every 1 s' "$tmp/err" || fail "no sweeper"
grep -q 'sweep failed' "$tmp/err" && fail "a sweep failed"
stop

# channels kept in the store under a deployment channel key survive a restart
head -c 32 /dev/urandom >"$tmp/channel.key"
chmod 644 "$tmp/channel.key"
rc=0
"$SEALROOMD" --role kms --listen 127.0.0.1:0 --data-dir "$data" --cmk-provider file \
    --allow-file-cmk --channel-key-file "$tmp/channel.key" >/dev/null 2>"$tmp/e" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q 'channel-key-file' "$tmp/e"; then
    fail "a 0644 channel key was accepted"
fi
chmod 600 "$tmp/channel.key"
start --channel-key-file "$tmp/channel.key"
run_client flow "$url" "$data/tls-cert.pem" "$tmp/idp2" "$tmp/state2"
stop
start --channel-key-file "$tmp/channel.key"
run_client resume "$url" "$data/tls-cert.pem" "$tmp/idp2" "$tmp/state2"
stop

# static key rotation: the new key is published, the previous one still answers handshakes
start --rotate-static-key
[[ -e $data/static-2.jwk && $(stat -c %a "$data/static-2.jwk") == 600 ]] ||
    fail "no 0600 static-2.jwk"
grep -q 'previous static key kms://kms.test/static/1 answers' "$tmp/err" ||
    fail "the previous key is not kept"
KMS_STATIC_N=2 run_client rotated "$url" "$data/tls-cert.pem" "$tmp/idp2" "$tmp/state2"
stop

# --handshakes-per-min reaches the engine: the third handshake in a minute is refused
start --handshakes-per-min 2
KMS_STATIC_N=2 run_client handshake "$url" "$data/tls-cert.pem" "$tmp/idp2" 201
KMS_STATIC_N=2 run_client handshake "$url" "$data/tls-cert.pem" "$tmp/idp2" 201
KMS_STATIC_N=2 run_client handshake "$url" "$data/tls-cert.pem" "$tmp/idp2" 429
stop

# an altered audit row, then a missing one, are found
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" || fail "audit verify at the end"
python3 - "$data/kms.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit SET status = 299 WHERE chain = 'node1' AND seq = 3")
db.commit()
PY
rc=0
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q 'row 3: the mac does not verify' "$tmp/verify"; then
    fail "an altered row passed: $(cat "$tmp/verify")"
fi
python3 - "$data/kms.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM audit WHERE chain = 'node1' AND seq = 3")
db.commit()
PY
rc=0
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q 'row 4 follows row 2' "$tmp/verify"; then
    fail "a missing row passed: $(cat "$tmp/verify")"
fi

echo "kms protocol: ok"
