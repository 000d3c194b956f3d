#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroomd --role kms` end to end over HTTPS with curl: help and option errors, start on
# 127.0.0.1:0 with a config file, GET /kms/v1/details, envelope errors of POST
# /kms/v1/messages and a RESET answer to a bad message, a clean stop on SIGTERM and SIGINT,
# and a restart on the same data dir that keeps the static key and the certificate.
set -euo pipefail

if [[ -z ${SEALROOMD:-} ]]; then
    echo "SEALROOMD is not set: skipping" >&2
    exit 77
fi
if ! command -v curl >/dev/null; then
    echo "curl is not installed: skipping" >&2
    exit 77
fi

# shellcheck source=kms_test_lib.sh
. "$(dirname "$0")/kms_test_lib.sh"
kms_test_init
expect_fail() { # status message-regex command...
    local want_rc=$1 want=$2 rc=0
    shift 2
    "$@" >"$tmp/o" 2>"$tmp/e" || rc=$?
    [[ $rc -eq $want_rc ]] || fail "exit $rc, not $want_rc: $*"
    grep -Eq -- "$want" "$tmp/e" || fail "expected '$want' from: $*; got: $(cat "$tmp/e")"
}

# --- help, roles and option errors --------------------------------------------------
"$SEALROOMD" --help | grep -q 'kms' || fail "sealroomd --help lists no kms role"
"$SEALROOMD" --version | grep -q '^sealroomd ' || fail "no version"
"$SEALROOMD" --role kms --help >"$tmp/help"
for opt in --listen --tls-cert --tls-key --data-dir --store --kms-name --cmk-provider \
    --pkcs11-module --pkcs11-token --pkcs11-pin-file --allow-file-cmk --jwks --audience \
    --issuer --port-file --workers --channel-ttl --channel-key-file --handshakes-per-min \
    --requests-per-s --sweep-interval --config; do
    grep -q -- "$opt" "$tmp/help" || fail "kms --help does not document $opt"
done
expect_fail 2 'unknown option --bogus' "$SEALROOMD" --role kms --bogus
expect_fail 2 'unknown role' "$SEALROOMD" --role nosuch
expect_fail 2 'not available in this build' "$SEALROOMD" --role sfu
expect_fail 2 'no role given' "$SEALROOMD"
expect_fail 2 'allow-file-cmk' "$SEALROOMD" --role kms --cmk-provider file --data-dir "$tmp/x"
expect_fail 2 'bad --listen' "$SEALROOMD" --role kms --listen nowhere --data-dir "$tmp/x"
expect_fail 2 'go together' "$SEALROOMD" --role kms --tls-cert /dev/null --data-dir "$tmp/x"
expect_fail 2 'channel-ttl is out of range' "$SEALROOMD" --role kms --channel-ttl 10 \
    --data-dir "$tmp/x" --cmk-provider file --allow-file-cmk
expect_fail 2 'workers takes a number' "$SEALROOMD" --role kms --workers many
printf 'no-such-setting = 1\n' >"$tmp/bad.conf"
expect_fail 2 'bad.conf:1: unknown setting' "$SEALROOMD" --role kms --config "$tmp/bad.conf"
: >"$tmp/afile"
expect_fail 1 'cannot create data dir .*check --data-dir' "$SEALROOMD" --role kms \
    --listen 127.0.0.1:0 --data-dir "$tmp/afile/sub" --cmk-provider file --allow-file-cmk

# --- start -----------------------------------------------------------------------------
data=$tmp/data
cat >"$tmp/kms.conf" <<EOF
# settings from a file; the command line adds the rest
kms-name = kms.test
cmk_provider = file
kms.allow_file_cmk = true
region = eu-test
static-key-bits = 2048
channel_ttl = 600   # seconds
EOF

start() { # extra options...
    rm -f "$tmp/port"
    "$SEALROOMD" --role kms --config "$tmp/kms.conf" --listen 127.0.0.1:0 \
        --port-file "$tmp/port" --data-dir "$data" --workers 2 "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    kms_test_wait_port "$tmp/port" "$pid"
    port=$(cat "$tmp/port")
    [[ $port =~ ^[0-9]+$ && $port -gt 0 ]] || fail "bad port '$port'"
    grep -q "^listening on 127.0.0.1:$port\$" "$tmp/out" || fail "no 'listening on' line"
    base=https://localhost:$port
}
stop() { # signal
    kms_test_stop "$1"
    [[ ! -e $tmp/port ]] || fail "port file left behind"
}
http() { # method path [body]: prints the body, then the status on the last line
    local args=(-sS --max-time 10 --cacert "$data/tls-cert.pem" -X "$1" -w '\n%{http_code}')
    [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    curl "${args[@]}" "$base$2"
}
expect_http() { # status body-regex method path [body]
    local want=$1 re=$2 out
    shift 2
    out=$(http "$@") || fail "curl $*"
    [[ $(tail -n1 <<<"$out") == "$want" ]] || fail "$*: status $(tail -n1 <<<"$out"), not $want"
    grep -Eq -- "$re" <<<"$(sed '$d' <<<"$out")" || fail "$*: body '$out' lacks $re"
}
b64url_json() { # one base64url segment to text
    local s
    s=$(tr '_-' '/+' <<<"$1")
    while ((${#s} % 4)); do s+='='; done
    base64 -d <<<"$s"
}

start
grep -q 'DEVELOPMENT CERTIFICATE' "$tmp/err" || fail "no development certificate warning"
grep -q 'DEVELOPMENT ONLY' "$tmp/err" || fail "no file CMK warning"
grep -q 'retention sweeper every 300 s' "$tmp/err" || fail "no retention sweeper"
[[ $(stat -c %a "$data") == 700 ]] || fail "data dir is not 0700"
[[ $(stat -c %a "$data/static-1.jwk") == 600 ]] || fail "static key is not 0600"
[[ $(stat -c %a "$data/tls-key.pem") == 600 ]] || fail "TLS key is not 0600"

# details (KMS.md §5), over a verified TLS connection to the development certificate
details=$(http GET /kms/v1/details)
[[ $(tail -n1 <<<"$details") == 200 ]] || fail "details: $details"
for re in '"kmsCluster": *"kms://kms.test"' '"region": *"eu-test"' '"cmkProvider": *"file"' \
    '"rsaPublicKey": *"\{' 'kid\\": *\\"kms://kms.test/static/1\\"' '\\"kty\\": *\\"RSA\\"' \
    '\\"n\\": *\\"[A-Za-z0-9_-]{300,}\\"'; do
    grep -Eq -- "$re" <<<"$details" || fail "details lacks $re: $details"
done
grep -q '\\"d\\"' <<<"$details" && fail "details publishes the private key"
key1=$(grep -Eo '\\"n\\": *\\"[A-Za-z0-9_-]+' <<<"$details")

# the envelope's errors are HTTP errors with a JSON body; a bad message gets a RESET
expect_http 400 '"errorCode": *"BAD_REQUEST"' POST /kms/v1/messages 'not json'
expect_http 400 BAD_REQUEST POST /kms/v1/messages '{"kmsMessages": []}'
expect_http 400 BAD_REQUEST POST /kms/v1/messages '{"destination":"kms://kms.test","kmsMessages":[1]}'
expect_http 421 '"errorCode": *"WRONG_KMS"' POST /kms/v1/messages \
    '{"destination": "kms://elsewhere", "kmsMessages": []}'
many=$(printf '"x",%.0s' $(seq 51))
expect_http 413 TOO_LARGE POST /kms/v1/messages "{\"destination\":\"kms://kms.test\",\"kmsMessages\":[${many%,}]}"
expect_http 200 '^\{"kmsMessages": *\[\]\}$' POST /kms/v1/messages \
    '{"destination": "kms://kms.test", "kmsMessages": []}'
out=$(http POST /kms/v1/messages '{"destination":"kms://kms.test","kmsMessages":["abc.def"]}')
[[ $(tail -n1 <<<"$out") == 200 ]] || fail "one bad message: $out"
jws=$(grep -Eo '"kmsMessages": *\["[^"]+"\]' <<<"$out" | grep -Eo '[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+')
[[ -n $jws ]] || fail "no compact answer in $out"
hdr=$(b64url_json "${jws%%.*}")
payload=$(b64url_json "$(cut -d. -f2 <<<"$jws")")
grep -q '"PS256"' <<<"$hdr" || fail "reset is not PS256: $hdr"
grep -q 'kms://kms.test/static/1' <<<"$hdr" || fail "reset kid: $hdr"
grep -Eq '"status": *499' <<<"$payload" || fail "reset status: $payload"
grep -Eq '"errorCode": *"RESET"' <<<"$payload" || fail "reset code: $payload"
expect_http 405 '' GET /kms/v1/messages
expect_http 404 '' GET /kms/v1/nothing

expect_fail 1 "cannot listen on 127.0.0.1:$port.*check --listen" "$SEALROOMD" --role kms \
    --config "$tmp/kms.conf" --listen "127.0.0.1:$port" --data-dir "$data"

cert1=$(sha256sum <"$data/tls-cert.pem")
stop TERM
grep -q stopping "$tmp/err" || fail "no stop message"

# --- restart on the same data dir: same static key and certificate ----------------------
start
grep -q 'generating the static' "$tmp/err" && fail "static key generated again"
details=$(http GET /kms/v1/details)
[[ $(tail -n1 <<<"$details") == 200 ]] || fail "details after restart: $details"
[[ $(grep -Eo '\\"n\\": *\\"[A-Za-z0-9_-]+' <<<"$details") == "$key1" ]] ||
    fail "the static key changed across a restart"
[[ $(sha256sum <"$data/tls-cert.pem") == "$cert1" ]] || fail "the certificate changed"
stop INT

# --- given certificate and key: no development warning, and they are served --------------
cp "$data/tls-cert.pem" "$tmp/given-cert.pem"
cp "$data/tls-key.pem" "$tmp/given-key.pem"
rm "$data/tls-cert.pem" "$data/tls-key.pem"
start --tls-cert "$tmp/given-cert.pem" --tls-key "$tmp/given-key.pem"
grep -q 'DEVELOPMENT CERTIFICATE' "$tmp/err" && fail "development warning with a given certificate"
[[ ! -e $data/tls-cert.pem ]] || fail "a development certificate was made anyway"
curl -sS --max-time 10 --cacert "$tmp/given-cert.pem" "$base/kms/v1/details" | grep -q kmsCluster ||
    fail "details over the given certificate"
stop TERM

# --- plain HTTP, for tests on loopback only ---------------------------------------------
expect_fail 2 'plain-http is for loopback' "$SEALROOMD" --role kms --plain-http \
    --listen 0.0.0.0:0 --data-dir "$data" --cmk-provider file --allow-file-cmk
start --plain-http
grep -q 'DEVELOPMENT CERTIFICATE' "$tmp/err" && fail "certificate warning with --plain-http"
out=$(curl -sS --max-time 10 -w '\n%{http_code}' "http://127.0.0.1:$port/kms/v1/details")
if [[ $(tail -n1 <<<"$out") != 200 ]] || ! grep -q '"kmsCluster"' <<<"$out"; then
    fail "details over plain HTTP: $out"
fi
stop TERM

echo "kms server: ok"
