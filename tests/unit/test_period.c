/* Beijing-time periods: the default date (giofetch(1), --date) and sync's stepping. */
#include "check.h"

static const char *fmt(gf_export_type t, int64_t index)
{
    static char out[GF_DATE_MAX + 1];
    gf_period p = {t, index};
    gf_period_format(&p, out);
    return out;
}

static const char *step(gf_export_type t, const char *date, int64_t n)
{
    gf_period p;
    if (gf_period_parse(t, date, strlen(date), &p) != GF_OK)
        return "(refused)";
    return fmt(t, p.index + n);
}

static const char *last(gf_export_type t, int64_t utc)
{
    gf_period p = gf_period_last_complete(t, utc);
    return fmt(p.type, p.index);
}

/* Hour exports: the hour that began 2 hours before now, Beijing time. */
static void last_complete_hour(void)
{
    CHECK_STR(last(GF_EXPORT_HOUR, 1795850400), "2026112813");      /* BJ 11-28 15:20 */
    CHECK_STR(last(GF_EXPORT_HOUR, 1795816799), "2026112803");      /* BJ 11-28 05:59:59 */
    CHECK_STR(last(GF_EXPORT_HOUR, 1798732800), "2026123122");      /* BJ 2027-01-01 00:00 */
    CHECK_STR(last(GF_EXPORT_HOUR, 1798732800 + 7199), "2026123123");
    CHECK_STR(last(GF_EXPORT_HOUR, 1798732800 + 7200), "2027010100");
    CHECK_STR(last(GF_EXPORT_HOUR, 0), "1970010106");               /* BJ 1970-01-01 08:00 */
}

/* Day exports: yesterday from 06:00 Beijing time, else the day before. */
static void last_complete_day(void)
{
    CHECK_STR(last(GF_EXPORT_DAY, 1795850400), "20261127");
    CHECK_STR(last(GF_EXPORT_DAY, 1795816799), "20261126"); /* 05:59:59 */
    CHECK_STR(last(GF_EXPORT_DAY, 1795816800), "20261127"); /* 06:00:00 */
    CHECK_STR(last(GF_EXPORT_DAY, 1798732800), "20261230"); /* BJ new year 00:00 */
    CHECK_STR(last(GF_EXPORT_DAY, 1709218800), "20240228"); /* BJ 2024-02-29 23:00 */
    CHECK_STR(last(GF_EXPORT_DAY, 1709218800 + 7 * 3600), "20240229"); /* BJ 03-01 06:00 */
}

static void stepping_across_boundaries(void)
{
    /* a period, a number of steps, the period they lead to */
    static const struct {
        gf_export_type type;
        const char *from;
        int64_t n;
        const char *want;
    } cases[] = {
        {GF_EXPORT_DAY, "20231231", 1, "20240101"},
        {GF_EXPORT_DAY, "20240101", -1, "20231231"},
        {GF_EXPORT_DAY, "20240228", 1, "20240229"},
        {GF_EXPORT_DAY, "20240229", 1, "20240301"},
        {GF_EXPORT_DAY, "20230228", 1, "20230301"},
        {GF_EXPORT_DAY, "21000228", 1, "21000301"},
        {GF_EXPORT_DAY, "20000228", 1, "20000229"},
        {GF_EXPORT_DAY, "20260430", 1, "20260501"},
        {GF_EXPORT_DAY, "20261128", -15, "20261113"},
        {GF_EXPORT_DAY, "20260310", -15, "20260223"},
        {GF_EXPORT_HOUR, "2026123123", 1, "2027010100"},
        {GF_EXPORT_HOUR, "2024022823", 1, "2024022900"},
        {GF_EXPORT_HOUR, "2024022823", 25, "2024030100"},
        {GF_EXPORT_HOUR, "2023022823", 1, "2023030100"},
        {GF_EXPORT_HOUR, "2027010100", -1, "2026123123"},
        {GF_EXPORT_HOUR, "2026112812", -360, "2026111312"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = step(cases[i].type, cases[i].from, cases[i].n);
        if (strcmp(got, cases[i].want) != 0)
            check_fail(__FILE__, __LINE__, "%s %+d: got %s, want %s", cases[i].from,
                       (int)cases[i].n, got, cases[i].want);
    }
}

/* yyyyMMdd of any day number, valid or not (d up to 99). */
static void yyyymmdd(char s[9], int y, int m, int d)
{
    const int digits[8] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10,
                           m / 10,   m % 10,       d / 10,      d % 10};
    for (int i = 0; i < 8; i++)
        s[i] = (char)('0' + digits[i]);
    s[8] = '\0';
}

/* Every day from 1970 to 2200 parses, formats back to itself, and follows
 * the day before it by exactly one. */
static void every_day_round_trips(void)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expect = 0;
    int bad = 0;
    for (int y = 1970; y <= 2200; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int n = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= n; d++) {
                char s[9];
                gf_period p;
                yyyymmdd(s, y, m, d);
                if (gf_period_parse(GF_EXPORT_DAY, s, 8, &p) != GF_OK || p.index != expect ||
                    strcmp(fmt(GF_EXPORT_DAY, p.index), s) != 0) {
                    if (bad++ < 5)
                        check_fail(__FILE__, __LINE__, "day %s does not round-trip", s);
                }
                expect++;
            }
            /* The day after the last one of the month is refused. */
            char s[9];
            gf_period p;
            yyyymmdd(s, y, m, n + 1);
            if (gf_period_parse(GF_EXPORT_DAY, s, 8, &p) != GF_E_DATE_INVALID && bad++ < 5)
                check_fail(__FILE__, __LINE__, "day %.8s accepted", s);
        }
    }
}

static void hours_and_minutes(void)
{
    gf_period p;
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "202611271259", 12, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "2026112712");
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "2026112700", 10, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "2026112700");
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "2026112723", 10, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "2026112723");
    CHECK_ST(gf_period_parse(GF_EXPORT_DAY, "2026112723", 10, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "20261127");
    CHECK_ST(gf_period_parse((gf_export_type)5, "20261127", 8, &p), GF_E_EXPORT_TYPE);
    CHECK_ST(gf_period_parse(GF_EXPORT_DAY, NULL, 8, &p), GF_E_DATE_FORMAT);
    CHECK_ST(gf_period_parse(GF_EXPORT_DAY, "99991231", 8, &p), GF_OK);
}

/* A clock near 1970 gives periods gf_period_parse would refuse: they are
 * written as nothing rather than as a date that cannot be asked for. */
static void periods_before_1970_format_empty(void)
{
    CHECK_STR(last(GF_EXPORT_DAY, 0), "");     /* 1969-12-31 */
    CHECK_STR(last(GF_EXPORT_DAY, 57599), "");  /* BJ 1970-01-01 23:59:59 */
    CHECK_STR(last(GF_EXPORT_DAY, 86399), "19700101"); /* BJ 01-02 07:59 */
    CHECK_STR(fmt(GF_EXPORT_HOUR, -1), "");
    CHECK_STR(fmt(GF_EXPORT_DAY, 0), "19700101");
}

/* The last day of 9999 is the last period written; the calendar works in
 * 32 bits up to it, and anything past (or far past) is written as nothing. */
static void periods_after_9999_format_empty(void)
{
    gf_period p;
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "9999123123", 10, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "9999123123");
    CHECK_STR(fmt(p.type, p.index + 1), "");
    CHECK_ST(gf_period_parse(GF_EXPORT_DAY, "99991231", 8, &p), GF_OK);
    CHECK_STR(fmt(p.type, p.index), "99991231");
    CHECK_STR(fmt(p.type, p.index + 1), "");
    CHECK_STR(fmt(GF_EXPORT_DAY, INT64_MAX), "");
    CHECK_STR(fmt(GF_EXPORT_HOUR, INT64_MIN), "");
}

static void start_instants(void)
{
    gf_period p;
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "1970010100", 10, &p), GF_OK);
    CHECK_INT(gf_period_start_utc(&p), -28800);
    CHECK_ST(gf_period_parse(GF_EXPORT_DAY, "20261128", 8, &p), GF_OK);
    CHECK_INT(gf_period_start_utc(&p), 1795824000 - 28800); /* 2026-11-28 00:00 BJ */
    CHECK_ST(gf_period_parse(GF_EXPORT_HOUR, "2026112815", 10, &p), GF_OK);
    CHECK_INT(gf_period_start_utc(&p), 1795850400 - 20 * 60);   /* 07:00 UTC */
}

CHECK_SUITE(period, CASE(last_complete_hour), CASE(last_complete_day),
            CASE(stepping_across_boundaries), CASE(every_day_round_trips),
            CASE(hours_and_minutes), CASE(periods_before_1970_format_empty),
            CASE(periods_after_9999_format_empty),
            CASE(start_instants));
