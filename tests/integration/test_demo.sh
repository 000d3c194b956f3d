#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `sealroom demo`: the whole zero-trust meeting with defaults and with 40 participants on
# suite 2 exits 0 and shows its key lines (codes equal after joins and leaves, levels, the
# relay saw no plaintext, the recording reads back and plays, the summary), every suite runs
# the meeting with three participants, and bad options fail.
set -euo pipefail

if [[ -z ${SEALROOM:-} ]]; then
    echo "SEALROOM is not set: skipping" >&2
    exit 77
fi
tmp=$(mktemp -d)
export TMPDIR=$tmp
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
want() { # file regex [count]
    local n
    n=$(grep -Ec -- "$2" "$1" || true)
    [[ $n -ge ${3:-1} ]] || fail "expected ${3:-1} line(s) matching '$2' in $1, got $n"
}

run_demo() { # output-file least-epochs-checked args...
    local out=$1 epochs=$2
    shift 2
    "$SEALROOM" demo "$@" >"$out" 2>&1 || {
        cat "$out"
        fail "sealroom demo $* exited non-zero"
    }
    cat "$out"
    ! grep -q 'FAIL' "$out" || fail "a check failed in: sealroom demo $*"
    want "$out" '\[ ok \] epoch [0-9]+ \(.*\): all [0-9]+ codes are equal, and new$' "$epochs"
    want "$out" '\[ ok \] epoch [0-9]+ \([0-9]+ left\): all [0-9]+ codes are equal, and new$'
    want "$out" '\[ ok \] the relay never saw a plaintext byte \(0 matches\)'
    want "$out" '\[ ok \] the same search finds a plaintext planted'
    want "$out" '\[ ok \] the recording reads back whole'
    want "$out" '\[ ok \] removed .* can neither read it'
    want "$out" '\[ ok \] as issued, .* see [0-9]+ internal, [0-9]+ external, 1 unverified'
    want "$out" '^== Summary'
    want "$out" '^demo: all checks passed'
}

# Defaults: five participants joining one by one, every code printed (5 joins + 2 leaves).
run_demo "$tmp/default.txt" 7
want "$tmp/default.txt" 'participants +5 joined \(3 internal CA, 1 partner CA, 1 guest\), 2 left'
[[ $(grep -Ec '^ +[a-z:]+@?[a-z.]* +([0-9]{5} ){5}[0-9]{5}$' "$tmp/default.txt") -ge 20 ]] ||
    fail "every participant's code is printed after each join"

# The printed play command works with the key it names.
play=$(sed -n 's/^ *play it: *sealroom //p' "$tmp/default.txt")
[[ -n $play ]] || fail "no play command printed"
# shellcheck disable=SC2086
"$SEALROOM" $play >"$tmp/play.txt" || fail "the printed play command failed: $play"
grep -q 'chat' "$tmp/play.txt" || fail "the recording has no chat records"

# Forty participants on suite 2: waves after eight, then a tenth leave in one commit.
run_demo "$tmp/forty.txt" 10 --participants 40 --suite 2
want "$tmp/forty.txt" 'MLS cipher suite 2 '
want "$tmp/forty.txt" '\+ wave of [0-9]+ in one commit'
want "$tmp/forty.txt" 'participants +40 joined'

# Every other MLS cipher suite runs the whole meeting too, with three participants.
for suite in 1 3 4 5 6 7; do
    run_demo "$tmp/suite$suite.txt" 3 --participants 3 --suite "$suite"
    want "$tmp/suite$suite.txt" "MLS cipher suite $suite "
done

# Bad options are refused with the usage text.
for bad in "--participants 1" "--participants 1001" "--suite 8" "--suite" "--members 5"; do
    # shellcheck disable=SC2086
    if "$SEALROOM" demo $bad >"$tmp/out" 2>&1; then
        fail "accepted: demo $bad"
    fi
    grep -q 'usage: sealroom demo' "$tmp/out" || fail "no usage for: demo $bad"
done
"$SEALROOM" demo --help | grep -q -- '--participants N' || fail "--help"
echo "demo: ok"
