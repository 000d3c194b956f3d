#!/usr/bin/env bash
# House rules a compiler does not check (STYLE.md §13). Prints each offence as
# file:line: rule, and exits 1 if there is any.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.c' 'src/*.h' 'include/*.h' \
    'apps/*.c' 'apps/*.h' | sort -u)
status=0
report() { # pattern rule [exclude-regex]
    local hits
    hits=$(grep -nE "$1" "${files[@]}" /dev/null 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' || true)
    if [[ -n ${3:-} ]]; then hits=$(grep -vE "$3" <<<"$hits" || true); fi
    if [[ -n $hits ]]; then
        sed "s|\$|   <- $2|" <<<"$hits"
        status=1
    fi
}
report '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|alloca)\s*\(' 'banned function'
report '(^|[^_a-z])rand\s*\(' 'rand(): use sr_rand_bytes'
report '(^|[^_a-z.>])(malloc|calloc|realloc|free)\s*\(' 'raw allocation: use sr_malloc/sr_free' \
    '^src/core/alloc\.c:|^apps/'
report '\b(memcmp|memset)\s*\([^;]*(key|secret|tag|mac)' 'memcmp/memset on a secret: use sr_ct_equal/sr_wipe'
exit $status
