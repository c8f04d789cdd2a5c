#!/bin/sh
# Run libFuzzer targets one after another and sum up each run in one line.
#   run.sh SECONDS 'name:libFuzzer options' ...
# SECONDS 0: run each target once over its checked-in corpus (a regression
# run). A target fails when libFuzzer stops on a crash, a leak, a timeout or
# a failed check; the input is kept in $FUZZ_O/artifacts/. Exit 1 if any did.
set -u
O=${FUZZ_O:-build/fuzz}
secs=$1
shift
mkdir -p "$O/artifacts" "$O/logs"
failed=""
for spec in "$@"; do
    t=${spec%%:*}
    opts=${spec#*:}
    log="$O/logs/$t.log"
    if [ "$secs" -gt 0 ]; then
        mkdir -p "$O/corpus/$t"
        # New inputs go to the first folder; the checked-in seeds are only read.
        set -- -max_total_time="$secs" "$O/corpus/$t" "tests/fuzz/corpus/$t"
    else
        set -- -runs=0 "tests/fuzz/corpus/$t"
    fi
    start=$(date +%s)
    # shellcheck disable=SC2086 # opts is a list of options
    "$O/fuzz_$t" -timeout=10 -print_final_stats=1 -artifact_prefix="$O/artifacts/$t-" \
        $opts "$@" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corp=$(grep -E '^#[0-9]+.*(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -n 1 |
        sed -n 's/.*corp: \([0-9]*\)\/\([^ ]*\).*/\1 inputs (\2)/p')
    cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*ft: \([0-9]*\).*/cov \1 ft \2/p')
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $t: ok, ${execs:-?} execs in ${took}s (${speed:-?}/s), corpus ${corp:-?}, ${cov:-}"
    else
        echo "fuzz $t: FAILED (exit $rc) after ${took}s; log $log"
        grep -E 'ERROR: |SUMMARY: |check failed|fuzz_[a-z]+: |Test unit written to|^artifact_prefix' "$log" | head -n 20
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed (inputs in $O/artifacts/)"
    exit 1
fi
exit 0
