#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroom mls` end to end: alice, bob, carol, dave, erin and frank run a group through the
# command-line tool only (keypackage, create, add, join, commit, remove, encrypt, process,
# tree, groupinfo, external-join), for cipher suite 1 and suite 2. After every step all
# members must agree on epoch, epoch authenticator, tree hash and an exporter; application
# messages must decrypt for everyone else; tampered messages are refused with the state
# unchanged; a removed member can process nothing new; state files are 0600.
set -euo pipefail
if [[ -z ${SEALROOM:-} ]]; then
    echo "SEALROOM is not set: skipping" >&2
    exit 77
fi
command -v python3 >/dev/null || { echo "python3 is needed: skipping" >&2; exit 77; }
# The interpreter itself (not a version-manager shim), without site packages: it starts fast.
py=$(python3 -c 'import sys; print(sys.executable)')
pyj() { "$py" -S "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mls() { "$SEALROOM" mls "$@"; }

# A field of a JSON line given on stdin (which must start {"ok":true).
field() {
    pyj -c '
import json, sys
line = sys.stdin.readline()
if not line.startswith("{\"ok\":true"):
    sys.exit("not an ok line: " + line)
v = json.loads(line)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (list, dict)) else v)' "$1"
}

# Checks of JSON lines are queued (a Python condition on d, the line) and run in one batch.
expect() { printf '%s\t%s\n' "$1" "$2" >>"$work/expect"; }
flush() {
    [[ -s $work/expect ]] || return 0
    pyj -c '
import json, sys
for l in open(sys.argv[1]):
    cond, line = l.rstrip("\n").split("\t", 1)
    if not line.startswith("{\"ok\":true"):
        sys.exit("not an ok line: " + line)
    d = json.loads(line)
    if not eval(cond, {"d": d}):
        sys.exit("check failed: %s on %s" % (cond, line))' "$work/expect" || fail "checks"
    : >"$work/expect"
}

# All members in $@ show the same epoch, authenticator, tree hash, exporter and roster.
agree() {
    local m out=()
    flush
    for m in "$@"; do
        out+=("$(mls info --dir "$work/$m" --exporter-label test --exporter-context 0a0b \
            --exporter-length 24)") || fail "info $m"
    done
    printf '%s\n' "${out[@]}" | pyj -c '
import json, sys
keys = ("epoch", "epoch_authenticator", "tree_hash", "exporter", "members", "suite")
lines = [json.loads(l) for l in sys.stdin]
ref = {k: lines[0][k] for k in keys}
for l in lines:
    assert l["ok"] is True
    got = {k: l[k] for k in keys}
    if got != ref:
        sys.exit("members disagree:\n%s\n%s" % (ref, got))
    assert len(l["exporter"]) == 48, l
    names = [x["identity"] for x in l["members"]]
    assert names[[x["index"] for x in l["members"]].index(l["own_index"])] in sys.argv[1:], l
' "$@" || fail "agreement among $*"
}

epoch_of() { mls info --dir "$work/$1" | field epoch; }

# Deliver a handshake message file $1 from $2 to every other member listed after it.
deliver() {
    local msg=$1 from=$2 m out
    shift 2
    for m in "$@"; do
        [[ $m == "$from" ]] && continue
        out=$(mls process --dir "$work/$m" --in "$msg") || fail "$m processing $msg"
        expect "d['kind'] == 'handshake'" "$out"
    done
}

# Every member sends a message that every other member decrypts to the same text.
chat() {
    local s r n=0 out
    for s in "$@"; do
        n=$((n + 1))
        mls encrypt --dir "$work/$s" --text "hello from $s #$n" --out "$work/app.$s" \
            >/dev/null || fail "encrypt by $s"
        for r in "$@"; do
            [[ $r == "$s" ]] && continue
            out=$(mls process --dir "$work/$r" --in "$work/app.$s") ||
                fail "$r decrypting from $s"
            expect "d['kind'] == 'application' and d['text'] == 'hello from $s #$n'" "$out"
        done
    done
}

# $2 must refuse message $3 with a non-zero exit and an unchanged state.
refused() {
    local who=$1 msg=$2 before after
    before=$(mls info --dir "$work/$who" --exporter-label t)
    if mls process --dir "$work/$who" --in "$msg" >/dev/null 2>"$work/err"; then
        fail "$who accepted $msg"
    fi
    # A clear message, not a crash (under sanitizers a crash also exits non-zero).
    grep -q "^sealroom mls process: message refused" "$work/err" ||
        fail "no clear message for a refused message: $(cat "$work/err")"
    after=$(mls info --dir "$work/$who" --exporter-label t)
    [[ $before == "$after" ]] || fail "$who's state changed after a refused message"
}

flip() { # copy $1 to $2 with the byte at offset $3 flipped
    pyj -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read()); i = int(sys.argv[3]) % len(b); b[i] ^= 1
open(sys.argv[2], "wb").write(b)' "$1" "$2" "$3"
}

run_suite() {
    local suite=$1
    rm -rf "${work:?}"/*
    cd "$work"
    mls keypackage --dir bob --identity bob --suite "$suite" --out bob.kp | field bundle >/dev/null
    mls keypackage --dir carol --identity carol --suite "$suite" --out carol.kp >/dev/null
    [[ $(mls create --dir alice --identity alice --suite "$suite" --group-id g1 |
        field suite) == "$suite" ]] || fail "create"
    # Two KeyPackages in one commit; the tree travels in the Welcome.
    mls add --dir alice --keypackage bob.kp --keypackage carol.kp --welcome-out w1 \
        --commit-out c1 >/dev/null
    [[ $(mls join --dir bob --welcome w1 | field epoch) == 1 ]] || fail "bob join"
    mls join --dir carol --welcome w1 >/dev/null
    agree alice bob carol
    chat alice bob carol
    chat bob carol alice # a second round: the senders' ratchets carry on across runs

    # An empty commit that updates bob's path (PrivateMessage).
    mls commit --dir bob --commit-out c2 >/dev/null
    # A tampered commit is refused and changes nothing; then the genuine one is accepted.
    flip c2 c2.bad 40
    refused alice c2.bad
    flip c2 c2.bad 9999
    refused carol c2.bad
    deliver c2 bob alice carol
    [[ $(epoch_of alice) == 2 ]] || fail "epoch after the empty commit"
    agree alice bob carol
    chat alice bob carol

    # dave is added by a PublicMessage commit without the tree; he gets it out of band.
    mls keypackage --dir dave --identity dave --suite "$suite" --out dave.kp >/dev/null
    mls add --dir carol --keypackage dave.kp --welcome-out w3 --commit-out c3 --no-tree-ext \
        --public >/dev/null
    deliver c3 carol alice bob
    mls tree --dir carol --out tree3 >/dev/null
    mls join --dir dave --welcome w3 --tree tree3 >/dev/null
    agree alice bob carol dave
    chat alice bob carol dave

    # A tampered application message is refused, with the state unchanged.
    mls encrypt --dir dave --text "secret" --out app.bad.src >/dev/null
    flip app.bad.src app.bad 30
    refused alice app.bad
    [[ $(mls process --dir alice --in app.bad.src | field text) == secret ]] ||
        fail "the genuine message after a tampered one"

    # alice removes carol; carol learns she was removed and can process nothing new.
    carol_idx=$(mls info --dir carol | field own_index)
    mls commit --dir alice --remove "$carol_idx" --commit-out c4 >/dev/null
    deliver c4 alice bob dave
    [[ $(mls process --dir carol --in c4 | field removed) == True ]] || fail "carol removed"
    agree alice bob dave
    chat alice bob dave
    mls encrypt --dir bob --text "after carol" --out app5 >/dev/null
    if mls process --dir carol --in app5 >/dev/null 2>err; then
        fail "a removed member processed a new message"
    fi
    grep -q "^sealroom mls process: message refused" err || fail "removed: $(cat err)"

    # erin joins by external commit from a GroupInfo carrying the tree; frank with the
    # tree out of band.
    mls groupinfo --dir bob --out gi5 >/dev/null
    mls external-join --dir erin --identity erin --groupinfo gi5 --commit-out c5 >/dev/null
    deliver c5 erin alice bob dave
    agree alice bob dave erin
    chat alice bob dave erin
    mls groupinfo --dir dave --out gi6 --no-tree-ext >/dev/null
    mls tree --dir dave --out tree6 >/dev/null
    mls external-join --dir frank --identity frank --groupinfo gi6 --tree tree6 \
        --commit-out c6 >/dev/null
    deliver c6 frank alice bob dave erin
    mls commit --dir erin --commit-out c7 --public >/dev/null
    deliver c7 erin alice bob dave frank
    agree alice bob dave erin frank
    chat alice bob dave erin frank
    [[ $(epoch_of frank) == 7 ]] || fail "final epoch"

    # Non-text application data comes back as hex, and --out writes the raw bytes.
    printf 'a\001b' >bin.in
    mls encrypt --dir frank --in bin.in --out app8 >/dev/null
    [[ $(mls process --dir alice --in app8 --out bin.out | field hex) == 610162 ]] ||
        fail "hex output"
    cmp -s bin.in bin.out || fail "--out bytes"

    # Every state file is 0600, and no temporary file is left behind.
    for f in */*; do
        [[ $(stat -c %a "$f") == 600 ]] || fail "$f has mode $(stat -c %a "$f")"
        [[ $f != *.tmp.* ]] || fail "temporary file $f left"
    done
    flush
    cd /
}

# Usage errors, help and refusals that do not need a group.
mls --help >/dev/null || fail "mls --help"
mls info --help | grep -q "usage: sealroom mls info" || fail "info --help"
set +e
mls info --dir "$work/nobody" --bogus >/dev/null 2>"$work/err"
rc=$?
mls frobnicate >/dev/null 2>"$work/err2"
rc2=$?
mls keypackage --dir "$work/x" --identity x --suite 9 --out "$work/x.kp" >/dev/null 2>>"$work/err2"
rc3=$?
mls info --dir "$work/nobody" >/dev/null 2>>"$work/err2"
rc4=$?
set -e
[[ $rc == 2 ]] && grep -q "unknown option '--bogus'" "$work/err" || fail "bad option: $rc"
[[ $rc2 == 2 ]] || fail "unknown subcommand: $rc2"
[[ $rc3 == 2 ]] || fail "bad suite: $rc3"
[[ $rc4 == 1 ]] || fail "missing state: $rc4"
if grep -qi "sanitizer\|runtime error" "$work/err" "$work/err2"; then
    fail "sanitizer report: $(cat "$work/err2")"
fi

run_suite 1
run_suite 2
echo "mls cli: suites 1 and 2 passed"
