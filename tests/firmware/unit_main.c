/*
 * The unit-test suites of tests/unit, on the Cortex-M4: the same suites and
 * harness (check.h) as the host's gf_unit, with the suite list given by the
 * build (FW_SUITES(X), one X(name) per suite: tests/edge/edge.mk chooses
 * them). Ends with "N passed, N failed"; the exit code is the number of
 * failed tests.
 */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

#ifndef FW_SUITES
#error "define FW_SUITES(X) as the suites to run, e.g. X(request) X(url)"
#endif

#define DECLARE(s) extern const check_suite s##_suite;
FW_SUITES(DECLARE)
#define LIST(s) &s##_suite,
static const check_suite *const suites[] = {FW_SUITES(LIST)};

static int failures;
static const char *current;

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    failures++;
    printf("  %s:%d: %s: ", file, line, current);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

int main(void)
{
    int passed = 0, failed = 0;
    printf("suites:");
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
        printf(" %s", suites[s]->name);
    putchar('\n');
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (size_t c = 0; c < suites[s]->count; c++) {
            const check_case *tc = &suites[s]->cases[c];
            current = tc->name;
            failures = 0;
            tc->fn();
            if (failures == 0) {
                passed++;
            } else {
                failed++;
                printf("FAIL %s.%s\n", suites[s]->name, tc->name);
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed;
}
