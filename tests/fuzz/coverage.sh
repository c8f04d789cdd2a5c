#!/bin/sh
# make coverage: the unit tests built with gcov into $COVERAGE_O, line and
# branch coverage of the library (src/) and of the tool (src/cli/) from lcov,
# the parsers file by file with what is not covered; then the end-to-end
# suite on the same build and the figures again, with both (COVERAGE_E2E=
# empty: the unit tests only).
# An HTML report lands in $COVERAGE_O/html.
set -eu
O=${COVERAGE_O:-build/coverage}
MAKE=${MAKE:-make}
PYTHON=${PYTHON:-python3}
RC="--rc lcov_branch_coverage=1"

# The end-to-end suite runs too unless COVERAGE_E2E is set empty: the unit
# figure is taken first, then the figure with the end-to-end suite added.
E2E=${COVERAGE_E2E-1}
targets="$O/gf_unit"
[ -n "$E2E" ] && targets="$targets $O/giofetch $O/gf_get $O/gf_part $O/gf_example"
# -O0: every branch of the source is a branch of the object code.
$MAKE --no-print-directory O="$O" SANITIZE= CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" $targets

# Line, branch and function figures of the library (src/ without the tool)
# and of the tool (src/cli/), from what has run so far; $1 names the run.
report() {
    # (lcov 1.16 from Debian warns about its own Perl; keep that out of sight)
    lcov $RC --quiet --capture --directory "$O/obj" --base-directory . --output-file "$O/all.info" \
        2>"$O/lcov.log" || { cat "$O/lcov.log"; exit 1; }
    lcov $RC --quiet --extract "$O/all.info" "$(pwd)/src/*" --output-file "$O/src.info"
    lcov $RC --quiet --remove "$O/src.info" "$(pwd)/src/cli/*" --output-file "$O/lib.info"
    lcov $RC --quiet --extract "$O/src.info" "$(pwd)/src/cli/*" --output-file "$O/cli.info"
    echo "coverage of src/ without src/cli/ (the library; $1)"
    lcov $RC --summary "$O/lib.info" 2>&1 | grep -E 'lines|branches|functions'
    echo "coverage of src/cli/ (the tool; $1)"
    lcov $RC --summary "$O/cli.info" 2>&1 | grep -E 'lines|branches|functions'
}

find "$O" -name '*.gcda' -exec rm -f {} +
status=0
"$O/gf_unit" >"$O/unit.log" 2>&1 || status=$?
tail -n 1 "$O/unit.log"
[ "$status" -eq 0 ] || echo "coverage: the unit tests failed (exit $status); see $O/unit.log"
report "unit tests"
"$PYTHON" tests/fuzz/covreport.py "$O/lib.info" src/http_parser.c src/url.c src/json.c src/answer.c
if [ -n "$E2E" ]; then
    e2e=0
    "$PYTHON" tests/e2e/run.py --cli "$O/giofetch" >"$O/e2e.log" 2>&1 || e2e=$?
    tail -n 1 "$O/e2e.log"
    [ "$e2e" -eq 0 ] || echo "coverage: the end-to-end suite failed (exit $e2e); see $O/e2e.log"
    report "unit tests + end-to-end suite"
fi
genhtml $RC --quiet --output-directory "$O/html" "$O/src.info" >/dev/null 2>&1 || true
echo "coverage: HTML report in $O/html/index.html"
exit "$status"
