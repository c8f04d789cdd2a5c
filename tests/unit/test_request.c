/* Export requests: the request target the export API expects. */
#include <stdio.h>

#include "check.h"
#include "../../src/internal.h"

static gf_status target(gf_export_type t, gf_data_type d, const char *ai, const char *date,
                        uint32_t expire, char *buf, size_t cap)
{
    gf_request r = {t, d, ai, date, expire};
    return gf_request_target(&r, buf, cap, NULL);
}

/* The target of a day export of visits for date. */
static gf_status day_target(const char *date)
{
    char buf[128];
    return target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", date, 5, buf, sizeof(buf));
}

/* Every export type with every data type gives the documented path. */
static void every_type_combination(void)
{
    char buf[256], want[256];
    for (int t = GF_EXPORT_HOUR; t <= GF_EXPORT_DAY; t++) {
        for (int d = GF_DATA_VISIT; d <= GF_DATA_ALL; d++) {
            const char *date = t == GF_EXPORT_HOUR ? "2026112712" : "20261127";
            CHECK_ST(target((gf_export_type)t, (gf_data_type)d, "my-ai_1", date, 5, buf,
                            sizeof(buf)),
                     GF_OK);
            if (d == GF_DATA_ALL)
                snprintf(want, sizeof(want), "/v2/insights/%s/my-ai_1/%s.json?expire=5",
                         gf_export_type_name((gf_export_type)t), date);
            else
                snprintf(want, sizeof(want), "/v2/insights/%s/%s/my-ai_1/%s.json?expire=5",
                         gf_export_type_name((gf_export_type)t),
                         gf_data_type_name((gf_data_type)d), date);
            CHECK_STR(buf, want);
        }
    }
}

static void literal_targets(void)
{
    char buf[128];
    size_t len = 0;
    gf_request r = {GF_EXPORT_HOUR, GF_DATA_CUSTOM_EVENT, "a1", "2026112712", 60};
    CHECK_ST(gf_request_target(&r, buf, sizeof(buf), &len), GF_OK);
    CHECK_STR(buf, "/v2/insights/hour/custom_event/a1/2026112712.json?expire=60");
    CHECK_INT(len, strlen(buf));
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_ALL, "p", "20260101", 10080, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/day/p/20260101.json?expire=10080");
}

static void type_names_round_trip(void)
{
    gf_export_type t;
    gf_data_type d;
    static const char *const data[] = {"visit", "page", "action", "action_tag", "custom_event",
                                       "ads_track_activation", "ads_track_click", "pvar",
                                       "evar", "vstr", "all"};
    for (int i = 0; i <= GF_DATA_ALL; i++) {
        CHECK_STR(gf_data_type_name((gf_data_type)i), data[i]);
        CHECK_ST(gf_data_type_parse(data[i], strlen(data[i]), &d), GF_OK);
        CHECK_INT(d, i);
    }
    CHECK_ST(gf_export_type_parse("hour", 4, &t), GF_OK);
    CHECK_INT(t, GF_EXPORT_HOUR);
    CHECK_ST(gf_export_type_parse("day", 3, &t), GF_OK);
    CHECK_INT(t, GF_EXPORT_DAY);
    CHECK_ST(gf_export_type_parse("Hour", 4, &t), GF_E_EXPORT_TYPE);
    CHECK_ST(gf_export_type_parse("days", 4, &t), GF_E_EXPORT_TYPE);
    CHECK_ST(gf_export_type_parse("da", 2, &t), GF_E_EXPORT_TYPE);
    CHECK_ST(gf_data_type_parse("Visit", 5, &d), GF_E_DATA_TYPE);
    CHECK_ST(gf_data_type_parse("visits", 6, &d), GF_E_DATA_TYPE);
    CHECK_ST(gf_data_type_parse("", 0, &d), GF_E_DATA_TYPE);
    CHECK(gf_data_type_name((gf_data_type)11) == NULL);
    CHECK(gf_export_type_name((gf_export_type)2) == NULL);
}

static void bad_enum_values_refused(void)
{
    char buf[128];
    CHECK_ST(target((gf_export_type)2, GF_DATA_VISIT, "a", "20261127", 5, buf, sizeof(buf)),
             GF_E_EXPORT_TYPE);
    CHECK_ST(target(GF_EXPORT_DAY, (gf_data_type)11, "a", "20261127", 5, buf, sizeof(buf)),
             GF_E_DATA_TYPE);
    CHECK_ST(gf_request_target(NULL, buf, sizeof(buf), NULL), GF_E_ARGUMENT);
}

/* Dates are truncated to what the export type keeps. */
static void dates_truncated_to_the_type(void)
{
    char buf[128];
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "2026112712", 5, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/day/visit/a/20261127.json?expire=5");
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "202611271259", 5, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/day/visit/a/20261127.json?expire=5");
    CHECK_ST(target(GF_EXPORT_HOUR, GF_DATA_VISIT, "a", "202611272359", 5, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/hour/visit/a/2026112723.json?expire=5");
    CHECK_ST(target(GF_EXPORT_HOUR, GF_DATA_VISIT, "a", "20261127", 5, buf, sizeof(buf)),
             GF_E_DATE_NEEDS_HOUR);
}

static void impossible_dates_refused(void)
{
    static const check_status_case cases[] = {
        {"20261301", GF_E_DATE_INVALID},   /* month 13 */
        {"20260001", GF_E_DATE_INVALID},   /* month 0 */
        {"20261100", GF_E_DATE_INVALID},   /* day 0 */
        {"20261131", GF_E_DATE_INVALID},   /* Nov 31 */
        {"20260431", GF_E_DATE_INVALID},   /* Apr 31 */
        {"20260229", GF_E_DATE_INVALID},   /* Feb 29 outside a leap year */
        {"21000229", GF_E_DATE_INVALID},   /* 2100 is not a leap year */
        {"20240230", GF_E_DATE_INVALID},   /* Feb 30 */
        {"2026112724", GF_E_DATE_INVALID}, /* hour 24 */
        {"202611272360", GF_E_DATE_INVALID}, /* minute 60 */
        {"19691231", GF_E_DATE_INVALID},   /* before 1970 */
        {"2026112", GF_E_DATE_FORMAT},
        {"202611271", GF_E_DATE_FORMAT},
        {"20261127123", GF_E_DATE_FORMAT},
        {"2026112712301", GF_E_DATE_FORMAT},
        {"", GF_E_DATE_FORMAT},
        {"2026-11-27", GF_E_DATE_FORMAT},
        {"2026112 ", GF_E_DATE_FORMAT},
        {"+2026112", GF_E_DATE_FORMAT},
        {"20261127\n", GF_E_DATE_FORMAT},
    };
    CHECK_STATUSES(day_target, cases);
    char buf[128];
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", NULL, 5, buf, sizeof(buf)),
             GF_E_DATE_FORMAT);
}

static void leap_days_accepted(void)
{
    char buf[128];
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20240229", 5, buf, sizeof(buf)), GF_OK);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20000229", 5, buf, sizeof(buf)), GF_OK);
    CHECK_ST(target(GF_EXPORT_HOUR, GF_DATA_VISIT, "a", "2028022923", 5, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/hour/visit/a/2028022923.json?expire=5");
}

static void project_id_rules(void)
{
    char buf[256], ai[80];
    memset(ai, 'x', 64);
    ai[64] = '\0';
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, ai, "20261127", 5, buf, sizeof(buf)), GF_OK);
    ai[64] = 'x';
    ai[65] = '\0';
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, ai, "20261127", 5, buf, sizeof(buf)), GF_E_AI);
    static const char *const bad[] = {"", "a b", "a/b", "a.b", "a%2f", "..", "a?b", "\xc3\xa9",
                                      "a\nb", "a:b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gf_status got = target(GF_EXPORT_DAY, GF_DATA_VISIT, bad[i], "20261127", 5, buf,
                               sizeof(buf));
        if (got != GF_E_AI)
            check_fail(__FILE__, __LINE__, "ai \"%s\" accepted: %s", bad[i], gf_strerror(got));
    }
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, NULL, "20261127", 5, buf, sizeof(buf)), GF_E_AI);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "AZaz09-_", "20261127", 5, buf, sizeof(buf)),
             GF_OK);
}

static void expire_range(void)
{
    char buf[128];
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 0, buf, sizeof(buf)), GF_OK);
    CHECK(strstr(buf, "?expire=5") != NULL);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 1, buf, sizeof(buf)), GF_OK);
    CHECK(strstr(buf, "?expire=1") != NULL);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 10080, buf, sizeof(buf)), GF_OK);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 10081, buf, sizeof(buf)),
             GF_E_EXPIRE);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", UINT32_MAX, buf, sizeof(buf)),
             GF_E_EXPIRE);
}

/* The target fits exactly or is refused; never a truncated path. */
static void buffer_exact_fit(void)
{
    char buf[128];
    const char *want = "/v2/insights/day/visit/a/20261127.json?expire=5";
    size_t n = strlen(want);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 5, buf, n + 1), GF_OK);
    CHECK_STR(buf, want);
    for (size_t cap = 0; cap <= n; cap++) {
        memset(buf, '#', sizeof(buf));
        CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VISIT, "a", "20261127", 5, buf, cap), GF_E_BUFFER);
        CHECK(buf[cap] == '#');
        CHECK(cap == 0 || buf[0] == '\0');
    }
}

static void every_status_has_a_message(void)
{
    for (int i = 0; i < GF_STATUS_COUNT; i++) {
        const char *m = gf_strerror((gf_status)i);
        CHECK(m != NULL && strcmp(m, "unknown status") != 0 && m[0] != '\0');
        for (int k = 0; k < i; k++)
            CHECK(strcmp(m, gf_strerror((gf_status)k)) != 0);
    }
    CHECK_STR(gf_strerror(GF_STATUS_COUNT), "unknown status");
    CHECK_STR(gf_strerror((gf_status)-1), "unknown status");
}

/* Without GF_FEATURE_MESSAGES gf_strerror says the number, two digits. */
static void status_numbers_without_messages(void)
{
    CHECK_STR(gf_strerror(GF_OK), "00");
    CHECK_STR(gf_strerror(GF_E_JSON), "16");
    for (int i = 0; i < GF_STATUS_COUNT; i++) {
        char want[3] = {(char)('0' + i / 10), (char)('0' + i % 10), '\0'};
        CHECK_STR(gf_strerror((gf_status)i), want);
    }
}

/* GF_VERSION_NUMBER is GF_VERSION as 0xMMNNPP: a release that changes
 * one and forgets the other fails here. */
static void version_number_matches_string(void)
{
    char want[16];
    snprintf(want, sizeof(want), "%d.%d.%d", (GF_VERSION_NUMBER >> 16) & 0xff,
             (GF_VERSION_NUMBER >> 8) & 0xff, GF_VERSION_NUMBER & 0xff);
    CHECK_STR(GF_VERSION, want);
}

/* The small helpers the library's files share (internal.h). */
static void shared_helpers(void)
{
    static const unsigned char bytes[] = {0x00, 0x9f, 0xa0, 0xff};
    static const char *const names[] = {"hour", "day"};
    char hex[2 * sizeof(bytes) + 1], buf[8];

    memset(hex, '#', sizeof(hex));
    gf_hex_encode(hex, bytes, sizeof(bytes));
    CHECK_STR(hex, "009fa0ff");

    gf_writer w = {buf, 6, 0, false};
    memset(buf, '#', sizeof(buf));
    gf_puts(&w, "abcd");
    gf_put(&w, "ef", 2);
    CHECK(!w.overflow && w.len == 6 && memcmp(buf, "abcdef", 6) == 0);
    gf_put(&w, "g", 1);
    CHECK(w.overflow && w.len == 6 && buf[6] == '#');
    gf_put(&w, "", 0);
    CHECK(w.overflow); /* an overflow stays */

    CHECK_INT(gf_id_len("my-ai_1"), 7);
    CHECK_INT(gf_id_len(""), 0);
    CHECK_INT(gf_id_len(NULL), 0);
    CHECK_INT(gf_id_len("a.b"), 0);

    CHECK_INT(gf_view_index((gf_view){"day!", 3}, names, 2), 1);
    CHECK_INT(gf_view_index((gf_view){"da", 2}, names, 2), -1);
    CHECK_STR(gf_export_state_name(GF_STATE_NOT_EXISTS), "NOT_EXISTS");
    CHECK(gf_export_state_name((gf_export_state)4) == NULL);
}

/* A build without GF_FEATURE_ALL_TYPES refuses the all-types call before
 * a byte is sent; single types are asked as before. */
static void all_types_refused_when_switched_off(void)
{
    char buf[128];
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_ALL, "p", "20260101", 5, buf, sizeof(buf)),
             GF_E_FEATURE_OFF);
    CHECK_ST(target(GF_EXPORT_DAY, GF_DATA_VSTR, "p", "20260101", 5, buf, sizeof(buf)), GF_OK);
    CHECK_STR(buf, "/v2/insights/day/vstr/p/20260101.json?expire=5");
}

CHECK_SUITE(request, CASE_IF(GF_FEATURE_ALL_TYPES, every_type_combination), CASE_IF(GF_FEATURE_ALL_TYPES, literal_targets),
            CASE(type_names_round_trip), CASE(bad_enum_values_refused),
            CASE(dates_truncated_to_the_type), CASE(impossible_dates_refused),
            CASE(leap_days_accepted), CASE(project_id_rules), CASE(expire_range),
            CASE(buffer_exact_fit), CASE(every_status_has_a_message), CASE(shared_helpers),
            CASE(version_number_matches_string),
            CASE_IF(!GF_FEATURE_MESSAGES, status_numbers_without_messages),
            CASE_IF(!GF_FEATURE_ALL_TYPES, all_types_refused_when_switched_off));
