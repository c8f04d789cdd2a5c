#!/bin/sh
# Run each test command given as an argument, show its output, and end with
# one line adding up the "N passed, N failed" lines they ended with.
# Exits non-zero when any command fails or reports a failure.
passed=0
failed=0
rc=0
for cmd in "$@"; do
    out=$(mktemp)
    sh -c "$cmd" 2>&1 | tee "$out"
    status=$(sed -n '$p' "$out")
    case "$status" in
    *" passed, "*" failed")
        p=${status%% passed,*}; p=${p##* }
        f=${status##*passed, }; f=${f%% failed}
        passed=$((passed + p)); failed=$((failed + f)) ;;
    *)
        echo "total: '$cmd' did not end with a result line" >&2
        failed=$((failed + 1)) ;;
    esac
    rm -f "$out"
done
[ "$failed" -eq 0 ] || rc=1
echo "$passed passed, $failed failed"
exit $rc
