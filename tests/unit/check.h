/* A very small test harness: suites of named test functions; a failed check
 * prints where and why and marks the running test failed. */
#ifndef GF_CHECK_H
#define GF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "giofetch/giofetch.h"

typedef void check_fn(void);

typedef struct check_case {
    const char *name;
    check_fn *fn;
} check_case;

typedef struct check_suite {
    const char *name;
    const check_case *cases;
    size_t count;
} check_suite;

#define CHECK_SUITE(sname, ...)                                                   \
    static const check_case sname##_cases[] = {__VA_ARGS__};                      \
    const check_suite sname##_suite = {#sname, sname##_cases,                     \
                                       sizeof(sname##_cases) / sizeof(check_case)}
#define CASE(fn) {#fn, fn}
/* A case that runs only when on (a GF_FEATURE_ switch, or its negation for
 * the case that checks the switched-off behaviour); otherwise the runner
 * counts it as skipped and says so. */
#define CASE_IF(on, fn) {#fn, (on) ? fn : NULL}

void check_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond))                                                              \
            check_fail(__FILE__, __LINE__, "%s", #cond);                          \
    } while (0)

#define CHECK_ST(expr, want)                                                      \
    do {                                                                          \
        gf_status got_ = (expr), want_ = (want);                                  \
        if (got_ != want_)                                                        \
            check_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d (%s)", #expr, \
                       (int)got_, gf_strerror(got_), (int)want_, gf_strerror(want_)); \
    } while (0)

#define CHECK_INT(expr, want)                                                     \
    do {                                                                          \
        long long got_ = (long long)(expr), want_ = (long long)(want);            \
        if (got_ != want_)                                                        \
            check_fail(__FILE__, __LINE__, "%s: got %lld, want %lld", #expr, got_, want_); \
    } while (0)

#define CHECK_STR(expr, want)                                                     \
    do {                                                                          \
        const char *got_ = (expr), *want_ = (want);                               \
        if (got_ == NULL || strcmp(got_, want_) != 0)                             \
            check_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #expr,   \
                       got_ ? got_ : "(null)", want_);                            \
    } while (0)

/* A view equal to a string, compared with its length. */
#define CHECK_VIEW(view, want)                                                    \
    do {                                                                          \
        gf_view v_ = (view);                                                      \
        const char *want_ = (want);                                               \
        if (v_.ptr == NULL || v_.len != strlen(want_) || memcmp(v_.ptr, want_, v_.len) != 0) \
            check_fail(__FILE__, __LINE__, "%s: got \"%.*s\", want \"%s\"", #view, \
                       (int)(v_.ptr ? v_.len : 0), v_.ptr ? v_.ptr : "", want_);  \
    } while (0)

/* An input and the status it must give: a row of a table-driven test. */
typedef struct check_status_case {
    const char *input;
    gf_status want;
} check_status_case;

/* Each input of the table through fn; a wrong status fails at file:line
 * and names the input. */
void check_statuses(const char *file, int line, gf_status (*fn)(const char *input),
                    const check_status_case *cases, size_t count);
#define CHECK_STATUSES(fn, cases)                                                 \
    check_statuses(__FILE__, __LINE__, fn, cases, sizeof(cases) / sizeof(cases[0]))

#endif /* GF_CHECK_H */
