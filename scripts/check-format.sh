#!/usr/bin/env bash
# Fail if any C file in the tree differs from clang-format's output (STYLE.md §11).
# Usage: check-format.sh [clang-format] ; run with --fix to rewrite the files instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fmt=clang-format
fix=0
for a in "$@"; do
    case $a in
        --fix) fix=1 ;;
        *) fmt=$a ;;
    esac
done
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build' | sort -u)
if [[ $fix -eq 1 ]]; then
    "$fmt" -i "${files[@]}"
    exit 0
fi
"$fmt" --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
