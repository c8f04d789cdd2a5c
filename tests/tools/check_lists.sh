#!/bin/sh
# sources.mk and sources.cmake must name the same files, folders, flags and
# libraries for every part: each file is read by its own tool (make, cmake
# -P), every variable printed one word a line, and the two printouts
# compared. A part or variable in one file and not in the other fails too.
#   check_lists.sh [TOP]     TOP: the tree (default: the one holding this script)
set -eu
top=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The variables are whatever sources.mk defines with a GF_ prefix (GF_DIR aside).
vars=$(sed -n 's/^\(GF_[A-Z0-9_]*\) *[:+?]*=.*/\1/p' "$top/sources.mk" | grep -v '^GF_DIR$' | sort -u)
cvars=$(sed -n 's/^ *set(\(GF_[A-Z0-9_]*\)\([ )].*\)\{0,1\}$/\1/p' "$top/sources.cmake" | grep -v '^GF_DIR$' | sort -u)
if [ "$vars" != "$cvars" ]; then
    echo "check_lists: the two files define different variables:" >&2
    printf '%s\n' "$vars" >"$tmp/mk.vars"
    printf '%s\n' "$cvars" >"$tmp/cmake.vars"
    diff "$tmp/mk.vars" "$tmp/cmake.vars" | sed 's/^/  /' >&2 || true
    exit 1
fi

{
    echo "GF_DIR := /gf"
    echo "include $top/sources.mk"
    echo "gf-print:"
    for v in $vars; do
        printf '\t@for w in $(%s); do echo "%s $$w"; done\n' "$v" "$v"
    done
} >"$tmp/print.mk"
make --no-print-directory -s -f "$tmp/print.mk" gf-print | sed "s|/gf/|/|" >"$tmp/mk.txt"

{
    echo "set(GF_DIR /gf)"
    echo "include($top/sources.cmake)"
    for v in $vars; do
        printf 'foreach(w IN LISTS %s)\n  message("%s ${w}")\nendforeach()\n' "$v" "$v"
    done
} >"$tmp/print.cmake"
cmake -P "$tmp/print.cmake" 2>&1 | sed "s|/gf/|/|" >"$tmp/cmake.txt"

n=$(wc -l <"$tmp/mk.txt")
if ! diff -u "$tmp/mk.txt" "$tmp/cmake.txt" >"$tmp/diff"; then
    echo "check_lists: sources.mk (-) and sources.cmake (+) differ:" >&2
    cat "$tmp/diff" >&2
    exit 1
fi
[ "$n" -gt 0 ] || { echo "check_lists: nothing read from sources.mk" >&2; exit 1; }
echo "check_lists: sources.mk and sources.cmake agree ($(echo $vars | wc -w) variables, $n entries)"
