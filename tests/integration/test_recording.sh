#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroom recording play|export` on a recording written by the e2ee unit-test program
# (unit_e2ee_recording --write-sample): output, export files, wrong key, truncation, bad file.
set -euo pipefail

if [[ -z ${SEALROOM:-} ]]; then
    echo "SEALROOM is not set: skipping" >&2
    exit 77
fi
build=$(cd "$(dirname "$SEALROOM")/.." && pwd)
writer=$build/tests/unit_e2ee_recording
if [[ ! -x $writer ]]; then
    echo "$writer is not built: skipping" >&2
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
expect_fail() { # message-regex command...
    local want=$1
    shift
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        fail "succeeded: $*"
    fi
    grep -Eq "$want" "$tmp/err" || fail "expected '$want' from: $*; got: $(cat "$tmp/err")"
}

printf 'correct horse battery staple\n' >"$tmp/pass"
printf 'correct horse battery stapler\n' >"$tmp/wrong"
"$writer" --write-sample "$tmp/rec.srrec" --passphrase-file "$tmp/pass"

# play: every record, with chat text, then the verified trailer
"$SEALROOM" recording play --in "$tmp/rec.srrec" --passphrase-file "$tmp/pass" >"$tmp/play"
cat "$tmp/play"
[[ $(grep -c 'sender' "$tmp/play") -eq 5 ]] || fail "expected 5 records"
grep -q 'sender 1 .*chat .* 16 bytes  hello from alice' "$tmp/play" || fail "chat line"
grep -q '0.020000s  sender 1 .*audio .* 160 bytes' "$tmp/play" || fail "audio line"
grep -q 'sender 2 .*video .*1200 bytes' "$tmp/play" || fail "video line"
grep -q 'recording verified: 5 records, complete' "$tmp/play" || fail "trailer line"

# export: frame payloads per kind and sender, index, transcript
"$SEALROOM" recording export --in "$tmp/rec.srrec" --passphrase-file "$tmp/pass" --out "$tmp/x"
[[ $(stat -c %s "$tmp/x/audio-1.bin") -eq 160 ]] || fail "audio-1.bin size"
[[ $(stat -c %s "$tmp/x/audio-2.bin") -eq 80 ]] || fail "audio-2.bin size"
[[ $(stat -c %s "$tmp/x/video-2.bin") -eq 1200 ]] || fail "video-2.bin size"
grep -q 'sender 1: hello from alice' "$tmp/x/chat.txt" || fail "transcript"
grep -q '^\[1.500000\] sender 2: hi alice$' "$tmp/x/chat.txt" || fail "transcript time"
[[ $(wc -l <"$tmp/x/frames.tsv") -eq 4 ]] || fail "frames.tsv rows"

# a raw key file: 32 bytes, or the same key as 64 hex digits; another key fails
head -c 32 /dev/zero | tr '\0' '\7' >"$tmp/key.bin"
printf '07%.0s' {1..32} >"$tmp/key.hex"
printf '%064x\n' 7 >"$tmp/other.hex"
"$writer" --write-sample "$tmp/raw.srrec" --key-file "$tmp/key.bin"
"$SEALROOM" recording play --in "$tmp/raw.srrec" --key-file "$tmp/key.bin" >/dev/null
"$SEALROOM" recording play --in "$tmp/raw.srrec" --key-file "$tmp/key.hex" >/dev/null
expect_fail 'wrong key or corrupted recording' \
    "$SEALROOM" recording play --in "$tmp/raw.srrec" --key-file "$tmp/other.hex"
expect_fail '32 raw bytes or 64 hex digits' \
    "$SEALROOM" recording play --in "$tmp/raw.srrec" --key-file "$tmp/pass"

# wrong passphrase, wrong kind of key
expect_fail 'wrong key or corrupted recording' \
    "$SEALROOM" recording play --in "$tmp/rec.srrec" --passphrase-file "$tmp/wrong"
expect_fail 'wrong key or corrupted recording' \
    "$SEALROOM" recording play --in "$tmp/rec.srrec" --key-file "$tmp/key.bin"

# truncated: the last byte, the whole trailer, inside the header
size=$(stat -c %s "$tmp/rec.srrec")
for cut in 1 41 $((size - 80)); do
    head -c $((size - cut)) "$tmp/rec.srrec" >"$tmp/cut.srrec"
    expect_fail 'truncated' \
        "$SEALROOM" recording play --in "$tmp/cut.srrec" --passphrase-file "$tmp/pass"
    expect_fail 'truncated' "$SEALROOM" recording export --in "$tmp/cut.srrec" \
        --passphrase-file "$tmp/pass" --out "$tmp/y"
    [[ ! -e $tmp/y ]] || fail "export wrote files from a truncated recording"
done

# a flipped byte in the middle, and a file that is not a recording
cp "$tmp/rec.srrec" "$tmp/flip.srrec"
printf '\xff' | dd of="$tmp/flip.srrec" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_fail 'wrong key or corrupted recording|truncated or malformed' \
    "$SEALROOM" recording play --in "$tmp/flip.srrec" --passphrase-file "$tmp/pass"
head -c 500 /dev/urandom >"$tmp/noise"
expect_fail 'truncated or malformed' \
    "$SEALROOM" recording play --in "$tmp/noise" --passphrase-file "$tmp/pass"
expect_fail 'no such file' \
    "$SEALROOM" recording play --in "$tmp/absent" --passphrase-file "$tmp/pass"

# An independent reading of the documented formats (include/sealroom/e2ee.h), when Python
# has the `cryptography` package: the raw-key recording, and a file-stream seed made under the
# fuzzer's exporter secret (32 x 'F', suite 1).
src=$(cd "$(dirname "$0")/../.." && pwd)
if python3 -c 'import cryptography' 2>/dev/null; then
    python3 - "$tmp/raw.srrec" "$src/fuzz/corpus/e2ee_file/stream_100" <<'PY' || fail "formats"
import hashlib, hmac, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

def expand(prk, info):
    return HKDFExpand(hashes.SHA256(), 32, info).derive(prk)

d = open(sys.argv[1], "rb").read()
f, mac = d[:42], d[42:74]
assert f[:4] == b"SRRC" and f[4] == 1 and f[5] == 0
prk = hmac.new(f[26:42], b"\x07" * 32, hashlib.sha256).digest()
assert hmac.new(expand(prk, b"Sealroom recording header"), f, hashlib.sha256).digest() == mac
gcm, pos, i, kinds = AESGCM(expand(prk, b"Sealroom recording v1")), 74, 0, []
while pos < len(d):
    (n,) = struct.unpack(">I", d[pos:pos + 4])
    pt = gcm.decrypt(bytes(4) + struct.pack(">Q", i), d[pos + 4:pos + 4 + n],
                     mac + struct.pack(">QI", i, n))
    kinds.append(pt[0])
    pos, i = pos + 4 + n, i + 1
assert kinds == [3, 1, 2, 1, 3, 255] and pt[13:] == struct.pack(">Q", 5), kinds

def label(secret, lbl, ctx, n):
    info = struct.pack(">H", n) + bytes([8 + len(lbl)]) + b"MLS 1.0 " + lbl + bytes([len(ctx)]) + ctx
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)

content = label(label(b"F" * 32, b"Sealroom file transfer key", b"", 32), b"exported",
                hashlib.sha256(b"").digest(), 32)
d = open(sys.argv[2], "rb").read()
h = d[:102]
(sender,) = struct.unpack(">I", h[14:18])
(total,) = struct.unpack(">Q", h[34:42])
sender_key = expand(content, b"Sealroom sender key" + bytes([2]) + struct.pack(">I", sender))
file_key = AESGCM(sender_key).decrypt(h[42:54], h[54:102], h[:42])
pt = AESGCM(file_key).decrypt(bytes(4) + bytes(8), d[102:], h[18:34] + struct.pack(">QQB", total, 0, 1))
assert len(pt) == total == 100
PY
fi

# usage
"$SEALROOM" recording play --help | grep -q 'passphrase-file' || fail "help"
expect_fail 'need --in' "$SEALROOM" recording play --passphrase-file "$tmp/pass"
echo "recording: all checks passed"
