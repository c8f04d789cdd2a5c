/*
 * Runs the unit-test suites and ends with "N passed, N failed"; the exit
 * code is the number of failed tests (at most 125). An argument keeps only
 * the tests whose name contains it, or the suite of that name.
 *
 * The host's gf_unit runs every suite. The Cortex-M4 images build this same
 * file with FW_SUITES(X) set to the suites they can run, one X(name) each
 * (tests/edge/edge.mk chooses them).
 */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

#ifdef FW_SUITES
#define SUITES(X) FW_SUITES(X)
#else
#define SUITES(X) X(request) X(period) X(url) X(json) X(answer) X(token_answer) X(http_parser) X(http) X(download) X(export) X(flow) X(tls) X(config) X(schedule) X(cli) X(tls_glue)
#endif

#define DECLARE(s) extern const check_suite s##_suite;
SUITES(DECLARE)
#define LIST(s) &s##_suite,
static const check_suite *const suites[] = {SUITES(LIST)};

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

void check_statuses(const char *file, int line, gf_status (*fn)(const char *input),
                    const check_status_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        gf_status got = fn(cases[i].input);
        if (got != cases[i].want)
            check_fail(file, line, "\"%s\": got %s, want %s", cases[i].input, gf_strerror(got),
                       gf_strerror(cases[i].want));
    }
}

static bool selected(const check_suite *s, const check_case *tc, const char *only)
{
    return only == NULL || strstr(tc->name, only) != NULL || strcmp(s->name, only) == 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    const char *only = argc > 1 ? argv[1] : NULL;

    printf("suites:");
    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
        printf(" %s", suites[s]->name);
    putchar('\n');

    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (size_t c = 0; c < suites[s]->count; c++) {
            const check_case *tc = &suites[s]->cases[c];
            if (!selected(suites[s], tc, only))
                continue;
            if (tc->fn == NULL) {
                skipped++;
                printf("skip %s.%s (not for this build's feature switches)\n", suites[s]->name, tc->name);
                continue;
            }
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
    if (skipped > 0)
        printf("%d skipped: not for this build's feature switches\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed < 125 ? failed : 125;
}
