/*
 * libFuzzer target: the CLI's arguments (cli_parse in src/cli/args.c) and
 * Beijing-time dates (gf_period_parse, gf_period_last_complete).
 *
 * Input: byte 0 (mod 5) chooses what the rest is:
 *   0, 1  a date for gf_period_parse, export type hour (0) or day (1)
 *   2     a date with an invalid export type
 *   3     argv after "giofetch", the arguments separated by NUL bytes
 *   4     8 bytes: a UTC instant for gf_period_last_complete
 *
 * Dates are checked against the C library's calendar (timegm): the status
 * is exactly the one the contract names, the period is the right count of
 * hours or days, and it formats back to the date it came from. cli_parse
 * must answer -1, 0 or 2, and 0 only with options that keep every rule of
 * the CLI's contract (giofetch(1)). cli_parse prints usage and help; the fuzz.mk
 * recipe closes stdout and stderr (-close_fd_mask=3).
 */
#define _DEFAULT_SOURCE /* timegm */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "giofetch/tls.h"

/* args.c names the TLS library in --version; this target links the core
 * only (no mbedTLS), so it answers for the glue. */
const char *gf_tls_library(void) { return "no TLS library (fuzz target)"; }

/* Where failed checks are told: a copy of stderr taken before libFuzzer
 * closes it (-close_fd_mask=3 silences only what the CLI prints). */
static FILE *diag;

#define FUZZ_NAME "fuzz_cli"
#define FUZZ_DIAG diag
#include "fuzz_check.h"

#define BEIJING (8 * 3600)
#define MAX_ARGS 64

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The status gf_period_parse must give, worked out with timegm; *utc gets
 * the civil instant of the date (as if it were UTC). */
static gf_status expected(gf_export_type t, const char *s, size_t len, int64_t *utc)
{
    if (t != GF_EXPORT_HOUR && t != GF_EXPORT_DAY)
        return GF_E_EXPORT_TYPE;
    if (len != 8 && len != 10 && len != 12)
        return GF_E_DATE_FORMAT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return GF_E_DATE_FORMAT;
    }
    struct tm tm = {0}, back;
    tm.tm_year = num(s, 4) - 1900;
    tm.tm_mon = num(s + 4, 2) - 1;
    tm.tm_mday = num(s + 6, 2);
    tm.tm_hour = len >= 10 ? num(s + 8, 2) : 0;
    tm.tm_min = len == 12 ? num(s + 10, 2) : 0;
    int year = num(s, 4), mon = tm.tm_mon, mday = tm.tm_mday, hour = tm.tm_hour, min = tm.tm_min;
    time_t when = timegm(&tm);
    if (year < 1970 || year > 9999 || gmtime_r(&when, &back) == NULL ||
        back.tm_year != year - 1900 || back.tm_mon != mon || back.tm_mday != mday ||
        back.tm_hour != hour || back.tm_min != min)
        return GF_E_DATE_INVALID;
    if (t == GF_EXPORT_HOUR && len == 8)
        return GF_E_DATE_NEEDS_HOUR;
    *utc = (int64_t)when;
    return GF_OK;
}

static void check_period(gf_export_type t, const char *s, size_t len)
{
    gf_period p = {GF_EXPORT_DAY, -12345};
    int64_t civil = 0;
    gf_status want = expected(t, s, len, &civil);
    gf_status got = gf_period_parse(t, s, len, &p);
    if (got != want) {
        fprintf(diag, "fuzz_cli: gf_period_parse(%d, \"%.*s\") = %s, want %s\n", (int)t,
                (int)len, s, gf_strerror(got), gf_strerror(want));
        abort();
    }
    if (got != GF_OK) {
        CHECK(p.index == -12345); /* untouched on refusal */
        return;
    }
    char out[GF_DATE_MAX + 1];
    CHECK(p.type == t);
    if (t == GF_EXPORT_DAY) {
        CHECK(p.index == civil / 86400);
        gf_period_format(&p, out);
        CHECK(strlen(out) == 8 && memcmp(out, s, 8) == 0);
        CHECK(gf_period_start_utc(&p) == civil / 86400 * 86400 - BEIJING);
    } else {
        CHECK(p.index == civil / 3600);
        gf_period_format(&p, out);
        CHECK(strlen(out) == 10 && memcmp(out, s, 10) == 0);
        CHECK(gf_period_start_utc(&p) == civil / 3600 * 3600 - BEIJING);
    }
}

static void check_last_complete(const uint8_t *d, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        v = v << 8 | d[i];
    int64_t utc = (int64_t)(v % 253402300800u); /* 1970 .. 9999-12-31 */
    for (int t = GF_EXPORT_HOUR; t <= GF_EXPORT_DAY; t++) {
        gf_period p = gf_period_last_complete((gf_export_type)t, utc);
        int64_t start = gf_period_start_utc(&p);
        if (t == GF_EXPORT_HOUR) {
            /* the hour that began 2 hours before the current one */
            CHECK(start + 2 * 3600 <= utc && utc < start + 3 * 3600);
        } else {
            /* yesterday (Beijing) from 06:00 on, else the day before */
            int64_t since = utc - start; /* from the start of that day */
            CHECK(since >= 86400 + 6 * 3600 && since < 2 * 86400 + 6 * 3600);
        }
        char out[GF_DATE_MAX + 1];
        gf_period_format(&p, out);
        /* What gf_period_format writes, gf_period_parse takes back; a
         * period before 1970 (a clock near the epoch) is written as "". */
        if (out[0] != '\0') {
            gf_period q;
            CHECK(gf_period_parse(p.type, out, strlen(out), &q) == GF_OK);
            CHECK(q.index == p.index);
        } else {
            /* before 1970-01-01 or from 10000-01-01, Beijing time */
            CHECK(start < -BEIJING || start >= 253402300800 - BEIJING);
        }
    }
}

static bool ai_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GF_AI_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* A value cli_parse kept is one of the arguments or the tail of one. */
static bool from_argv(const char *v, char **argv, int argc)
{
    for (int i = 1; i < argc; i++) {
        if (v >= argv[i] && v <= argv[i] + strlen(argv[i]))
            return true;
    }
    return false;
}

static void check_cli(const uint8_t *d, size_t n)
{
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    static char name[] = "giofetch";
    argv[argc++] = name;
    size_t start = 0;
    for (size_t i = 0; n > 0 && i <= n && argc <= MAX_ARGS; i++) {
        if (i == n || d[i] == '\0') {
            if (i == n && start == n && n > 0)
                break; /* a trailing NUL ends the last argument */
            size_t len = i - start;
            char *a = malloc(len + 1); /* each its own block: overreads are caught */
            CHECK(a != NULL);
            memcpy(a, d + start, len);
            a[len] = '\0';
            argv[argc++] = a;
            start = i + 1;
        }
    }
    argv[argc] = NULL;

    cli_opts o;
    int rc = cli_parse(argc, argv, &o);
    CHECK(rc == -1 || rc == 0 || rc == EXIT_USAGE);
    if (rc == 0) {
        CHECK(o.cmd == CMD_LINKS || o.cmd == CMD_FETCH || o.cmd == CMD_SYNC);
        CHECK(o.project != NULL && from_argv(o.project, argv, argc) && ai_ok(o.project));
        CHECK(o.type == GF_EXPORT_HOUR || o.type == GF_EXPORT_DAY);
        size_t types = 0;
        for (unsigned k = 0; k < GF_DATA_TYPES; k++)
            types += o.data[k];
        CHECK(o.all ? types == 0 : types >= 1);
        if (o.cmd != CMD_SYNC)
            CHECK(o.all || types == 1);
        const char *dates[] = {o.date, o.from, o.to};
        for (size_t k = 0; k < 3; k++) {
            gf_period p;
            if (dates[k] == NULL)
                continue;
            CHECK(from_argv(dates[k], argv, argc));
            CHECK(gf_period_parse(o.type, dates[k], strlen(dates[k]), &p) == GF_OK);
        }
        CHECK(o.cmd != CMD_SYNC || o.date == NULL);
        CHECK(o.cmd == CMD_SYNC || (o.from == NULL && o.to == NULL));
        if (o.cmd == CMD_LINKS)
            CHECK(o.out == NULL);
        else
            CHECK(o.out != NULL && o.out[0] != '\0' && from_argv(o.out, argv, argc));
        CHECK(o.expire_min >= 1 && o.expire_min <= GF_EXPIRE_MAX);
        CHECK(o.wait_s <= 7 * 86400);
        CHECK(o.timeout_s >= 1 && o.timeout_s <= 3600);
        CHECK(o.retries <= 100);
        CHECK(o.lock_wait_s <= 86400);
        const char *paths[] = {o.ca_file, o.proxy, o.token_file};
        for (size_t k = 0; k < 3; k++)
            CHECK(paths[k] == NULL || from_argv(paths[k], argv, argc));
    }
    for (int i = 1; i < argc; i++)
        free(argv[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int fd = dup(2);
    diag = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (diag == NULL)
        diag = stderr;
    setvbuf(diag, NULL, _IONBF, 0);
    unsetenv("GIO_BASE_URL");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 5u) {
    case 0:
        check_period(GF_EXPORT_HOUR, rest, n);
        break;
    case 1:
        check_period(GF_EXPORT_DAY, rest, n);
        break;
    case 2:
        check_period((gf_export_type)(2 + data[0] / 5u), rest, n);
        break;
    case 3:
        check_cli(data + 1, n);
        break;
    default:
        check_last_complete(data + 1, n);
        break;
    }
    return 0;
}
