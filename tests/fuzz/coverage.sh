#!/bin/sh
# make coverage: the unit tests (and with COVERAGE_E2E=1 the end-to-end suite
# too) built with gcov into $COVERAGE_O, then line and branch coverage of
# src/ from lcov, and the parsers file by file with what is not covered.
# An HTML report lands in $COVERAGE_O/html.
set -eu
O=${COVERAGE_O:-build/coverage}
MAKE=${MAKE:-make}
PYTHON=${PYTHON:-python3}
RC="--rc lcov_branch_coverage=1"

targets="$O/gf_unit"
[ -n "${COVERAGE_E2E:-}" ] && targets="$targets $O/giofetch $O/gf_get"
# -O0: every branch of the source is a branch of the object code.
$MAKE --no-print-directory O="$O" SANITIZE= CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" $targets

find "$O" -name '*.gcda' -exec rm -f {} +
status=0
"$O/gf_unit" >"$O/unit.log" 2>&1 || status=$?
tail -n 1 "$O/unit.log"
[ "$status" -eq 0 ] || echo "coverage: the unit tests failed (exit $status); see $O/unit.log"
if [ -n "${COVERAGE_E2E:-}" ]; then
    e2e=0
    "$PYTHON" tests/e2e/run.py --cli "$O/giofetch" >"$O/e2e.log" 2>&1 || e2e=$?
    tail -n 1 "$O/e2e.log"
    [ "$e2e" -eq 0 ] || echo "coverage: the end-to-end suite failed (exit $e2e); see $O/e2e.log"
fi

# (lcov 1.16 from Debian warns about its own Perl; keep that out of sight)
lcov $RC --quiet --capture --directory "$O/obj" --base-directory . --output-file "$O/all.info" \
    2>"$O/lcov.log" || { cat "$O/lcov.log"; exit 1; }
lcov $RC --quiet --extract "$O/all.info" "$(pwd)/src/*" --output-file "$O/src.info"
echo "coverage of src/ ($( [ -n "${COVERAGE_E2E:-}" ] && echo "unit + e2e" || echo "unit tests"))"
lcov $RC --summary "$O/src.info" 2>&1 | grep -E 'lines|branches|functions'
genhtml $RC --quiet --output-directory "$O/html" "$O/src.info" >/dev/null 2>&1 || true
"$PYTHON" tests/fuzz/covreport.py "$O/src.info" src/http_parser.c src/url.c src/json.c src/answer.c
echo "coverage: HTML report in $O/html/index.html"
exit "$status"
