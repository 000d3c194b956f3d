#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Service principals (KMS.md §6) through `sealroomd --role kms` over HTTPS. A test service CA
# made with the openssl command line issues P-256 certificates whose SAN URIs name the service
# (urn:sealroom:service:KIND) and its org (urn:sealroom:org:ID); one is revoked by the CA's CRL,
# one is expired, and a second, untrusted CA issues another. kms_service.py (written from
# KMS.md) checks the static key's x5c against the development certificate, then: an indexer
# gets the keys of an org that enables it, and only retrieves; an expired, revoked or untrusted
# chain, a proof by another key, a stale proof and a service its org has not enabled are
# refused with the right status and errorCode. The audit rows name the service.
set -euo pipefail

if [[ -z ${SEALROOMD:-} ]]; then
    echo "SEALROOMD is not set: skipping" >&2
    exit 77
fi
for tool in python3 openssl; do
    if ! command -v $tool >/dev/null; then
        echo "$tool is not installed: skipping" >&2
        exit 77
    fi
done
here=$(dirname "$0")

# shellcheck source=kms_test_lib.sh
. "$(dirname "$0")/kms_test_lib.sh"
kms_test_init
run_py() { kms_test_py "$@"; }

# ---- the test PKI -----------------------------------------------------------------------
pki=$tmp/pki
mkdir -p "$pki"
cat >"$tmp/ca.cnf" <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $ENV::CADIR
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
[ service ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = $ENV::SAN
CNF
make_ca() { # dir name
    mkdir -p "$1/new"
    : >"$1/index.txt"
    echo 1000 >"$1/serial"
    echo 1000 >"$1/crlnumber"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca.key" \
        -out "$1/ca.pem" -subj "/CN=$2" -days 30 -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
issue() { # ca-dir name san [openssl ca dates...]
    local dir=$1 name=$2 san=$3
    shift 3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$name.key" \
        -out "$tmp/$name.csr" -subj "/CN=$name" 2>/dev/null
    CADIR=$dir SAN=$san openssl ca -batch -config "$tmp/ca.cnf" -cert "$dir/ca.pem" \
        -keyfile "$dir/ca.key" -extensions service -notext -in "$tmp/$name.csr" \
        -out "$pki/$name.pem" "$@" 2>/dev/null || fail "openssl ca: cannot issue $name"
}
make_ca "$tmp/ca" "Test Service CA"
make_ca "$tmp/rogue" "Rogue CA"
svc=URI:urn:sealroom:service
org=URI:urn:sealroom:org:org-a
issue "$tmp/ca" indexer "$svc:indexer,$org" -days 10
issue "$tmp/ca" indexer2 "$svc:indexer,$org" -days 10
issue "$tmp/ca" dlp "$svc:dlp,$org" -days 10
issue "$tmp/ca" archiver "$svc:archiver" -days 10
issue "$tmp/ca" revoked "$svc:indexer,$org" -days 10
issue "$tmp/ca" expired "$svc:indexer,$org" -startdate 20200101000000Z -enddate 20210101000000Z
issue "$tmp/rogue" rogue "$svc:indexer,$org" -days 10
CADIR=$tmp/ca SAN= openssl ca -config "$tmp/ca.cnf" -cert "$tmp/ca/ca.pem" -keyfile "$tmp/ca/ca.key" \
    -revoke "$pki/revoked.pem" 2>/dev/null || fail "openssl ca -revoke"
CADIR=$tmp/ca SAN= openssl ca -config "$tmp/ca.cnf" -cert "$tmp/ca/ca.pem" -keyfile "$tmp/ca/ca.key" \
    -gencrl -out "$tmp/ca/crl.pem" 2>/dev/null || fail "openssl ca -gencrl"
cat "$tmp/ca/ca.pem" "$tmp/ca/crl.pem" >"$tmp/service-ca.pem"

# ---- the KMS ----------------------------------------------------------------------------
mkdir "$tmp/idp"
run_py "$here/kms_client.py" mkidp "$tmp/idp"
data=$tmp/data
start() { kms_test_start "$data" --jwks "$tmp/idp/jwks.json" --sweep-interval 0 "$@"; }
stop() { kms_test_stop TERM; }

# an unreadable or empty --service-ca stops the start with a message
: >"$tmp/empty.pem"
rc=0
"$SEALROOMD" --role kms --listen 127.0.0.1:0 --data-dir "$data" --cmk-provider file \
    --allow-file-cmk --static-key-bits 2048 --service-ca "$tmp/empty.pem" >/dev/null \
    2>"$tmp/e" || rc=$?
[[ $rc -eq 1 ]] && grep -q 'service-ca' "$tmp/e" || fail "an empty --service-ca was accepted"

start --service-ca "$tmp/service-ca.pem"
[[ -s $data/static-1.pem ]] || fail "no development certificate for the static key"
run_py "$here/kms_service.py" walk "$url" "$data/tls-cert.pem" "$tmp/idp" "$pki" \
    "$data/static-1.pem"
stop

# every service call that reached a judgement is audited, naming the service
python3 - "$data/kms.db" <<'PY' || fail "audit rows"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT actor, actor_role, status, org_id FROM audit "
                  "WHERE actor LIKE 'urn:sealroom:service:%'").fetchall()
idx = [r for r in rows if r[0] == "urn:sealroom:service:indexer"]
assert all(r[1] == "service" for r in rows), rows
assert sum(1 for r in idx if r[2] == 200) >= 2, rows       # the two retrieves
assert any(r[2] == 403 and r[3] == "org-a" for r in idx), rows   # before org-a enabled it
assert any(r[0] == "urn:sealroom:service:dlp" and r[2] == 403 for r in rows), rows
PY
"$SEALROOMD" kms audit verify --data-dir "$data" >"$tmp/verify" || fail "audit verify"

# a configured chain for the static key must be for that key
start --service-ca "$tmp/service-ca.pem" --static-cert "$data/static-1.pem"
stop
rc=0
"$SEALROOMD" --role kms --listen 127.0.0.1:0 --data-dir "$data" --kms-name kms.test \
    --cmk-provider file --allow-file-cmk --static-cert "$pki/indexer.pem" >/dev/null \
    2>"$tmp/e" || rc=$?
[[ $rc -eq 1 ]] && grep -q 'not for the current static key' "$tmp/e" ||
    fail "a static certificate for another key was accepted"

echo "kms services: ok"
