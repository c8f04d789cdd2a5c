/* Runs every unit-test suite; ends with "N passed, N failed". */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

#define SUITES(X) X(request) X(period) X(url) X(json) X(answer) X(token_answer) X(http_parser) X(http) X(download) X(export) X(flow) X(tls) X(config)

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
    {
        printf("  %s:%d: %s: ", file, line, current);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
    }
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    const char *only = argc > 1 ? argv[1] : NULL;

    for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (size_t c = 0; c < suites[s]->count; c++) {
            const check_case *tc = &suites[s]->cases[c];
            if (only != NULL && strstr(tc->name, only) == NULL && strcmp(suites[s]->name, only) != 0)
                continue;
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
    return failed == 0 ? 0 : 1;
}
