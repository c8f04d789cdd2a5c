/*
 * Periods of Beijing time (UTC+8 all year: China has no daylight saving since
 * 1991). A period is an index of hours or days since 1970-01-01 00:00 Beijing
 * time, so stepping and comparing are integer arithmetic; calendar rules only
 * matter when parsing and formatting.
 */
#include "internal.h"

#define BEIJING_OFFSET_S (8 * 3600)
#define YEAR_MIN 1970
#define YEAR_MAX 9999

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* The last day gf_period_parse takes, 9999-12-31, in days since 1970-01-01.
 * Between 0 and this the calendar needs neither negative numbers nor more
 * than 32 bits, which a 32-bit board computes in far fewer instructions
 * than 64-bit division. */
#define DAY_MAX 2932896

/* Days since 1970-01-01 of a date of the years 1970..9999. The 400-year
 * cycle (146097 days) starting on March 1 puts the leap day last in each
 * year. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= m <= 2;
    int32_t era = y / 400;
    int32_t yoe = y - era * 400;
    int32_t mp = (m + 9) % 12; /* March = 0 */
    int32_t doy = (153 * mp + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The date of day z, 0 <= z <= DAY_MAX. */
static void civil_from_days(int32_t z, int32_t *y, int32_t *m, int32_t *d)
{
    z += 719468;
    int32_t era = z / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

gf_status gf_period_parse(gf_export_type t, const char *s, size_t len, gf_period *out)
{
    if (t != GF_EXPORT_HOUR && t != GF_EXPORT_DAY)
        return GF_E_EXPORT_TYPE;
    if (s == NULL || (len != 8 && len != 10 && len != 12))
        return GF_E_DATE_FORMAT;
    for (size_t i = 0; i < len; i++) {
        if (!gf_is_digit(s[i]))
            return GF_E_DATE_FORMAT;
    }
    int y = digits(s, 4), m = digits(s + 4, 2), d = digits(s + 6, 2);
    int hh = len >= 10 ? digits(s + 8, 2) : 0;
    int mm = len == 12 ? digits(s + 10, 2) : 0;
    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) ||
        hh > 23 || mm > 59)
        return GF_E_DATE_INVALID;
    if (t == GF_EXPORT_HOUR && len == 8)
        return GF_E_DATE_NEEDS_HOUR;
    int64_t day = days_from_civil(y, m, d);
    out->type = t;
    out->index = t == GF_EXPORT_DAY ? day : day * 24 + hh;
    return GF_OK;
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void gf_period_format(const gf_period *p, char out[GF_DATE_MAX + 1])
{
    int64_t day = p->type == GF_EXPORT_DAY ? p->index : floor_div(p->index, 24);
    int32_t y, m, d;
    if (day < 0 || day > DAY_MAX) {
        /* Out of what gf_period_parse takes: only a clock near 1970 or
         * stepping far away gets here. */
        out[0] = '\0';
        return;
    }
    civil_from_days((int32_t)day, &y, &m, &d);
    put2(out, (int)(y / 100));
    put2(out + 2, (int)(y % 100));
    put2(out + 4, (int)m);
    put2(out + 6, (int)d);
    if (p->type == GF_EXPORT_HOUR) {
        put2(out + 8, (int)(p->index - day * 24));
        out[10] = '\0';
    } else {
        out[8] = '\0';
    }
}

gf_period gf_period_last_complete(gf_export_type t, int64_t utc_s)
{
    gf_period p;
    int64_t bj = utc_s + BEIJING_OFFSET_S;
    p.type = t;
    if (t == GF_EXPORT_HOUR) {
        /* The hour that began 2 hours before now: ready 30-60 min after it ends. */
        p.index = floor_div(bj, 3600) - 2;
    } else {
        /* Day data is ready 1-4 h after the day: trust yesterday from 06:00. */
        int64_t day = floor_div(bj, 86400);
        p.index = (bj - day * 86400) >= 6 * 3600 ? day - 1 : day - 2;
    }
    return p;
}

int64_t gf_period_start_utc(const gf_period *p)
{
    int64_t per = p->type == GF_EXPORT_DAY ? 86400 : 3600;
    return p->index * per - BEIJING_OFFSET_S;
}
