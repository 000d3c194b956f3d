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

# usage
"$SEALROOM" recording play --help | grep -q 'passphrase-file' || fail "help"
expect_fail 'need --in' "$SEALROOM" recording play --passphrase-file "$tmp/pass"
echo "recording: all checks passed"
