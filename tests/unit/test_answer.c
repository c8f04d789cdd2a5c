/* The API's answer: any order, unknown fields ignored, escapes decoded. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static gf_json_token tokens[GF_JSON_TOKENS_MAX];
static gf_answer ans;
static char body[GF_ANSWER_MAX + 1];

static gf_status parse(const char *json)
{
    size_t n = strlen(json);
    memcpy(body, json, n + 1);
    return gf_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &ans);
}

/* parse(), and a refused answer leaves no links behind. */
static gf_status parse_refused_empty(const char *json)
{
    gf_status got = parse(json);
    if (got != GF_OK)
        CHECK(ans.count == 0 && ans.link[0].ptr == NULL);
    return got;
}

#define L1 "https://bucket.s3.amazonaws.com/p/part-00000-a.csv.gz?X-Amz-Date=20261128T070000Z&X-Amz-Signature=abc"
#define L2 "https://bucket.s3.amazonaws.com/p/part-00001-b.csv.gz?X-Amz-Signature=def"

static const char finished[] =
    "{\"status\":\"FINISHED\",\"downloadLinks\":[\"" L1 "\",\"" L2 "\"],"
    "\"exportType\":\"hour\",\"dataType\":\"visit\",\"exportDate\":\"2026112712\","
    "\"exportVersion\":\"v2\",\"requestTime\":\"2026-11-28 15:02\",\"errorMsg\":\"\"}";

static void finished_single_type(void)
{
    CHECK_ST(parse(finished), GF_OK);
    CHECK_INT(ans.state, GF_STATE_FINISHED);
    CHECK(!ans.all_types);
    CHECK_INT(ans.count, 2);
    CHECK_VIEW(ans.link[0], L1);
    CHECK_VIEW(ans.link[1], L2);
    CHECK_STR(ans.link[0].ptr, L1); /* NUL-terminated in place */
    CHECK(ans.link[0].ptr >= body && ans.link[0].ptr < body + sizeof(body));
    CHECK_VIEW(ans.export_type, "hour");
    CHECK_VIEW(ans.data_type, "visit");
    CHECK_VIEW(ans.export_date, "2026112712");
    CHECK_VIEW(ans.export_version, "v2");
    CHECK_VIEW(ans.request_time, "2026-11-28 15:02");
    CHECK_VIEW(ans.error_msg, "");
}

static void other_states(void)
{
    CHECK_ST(parse("{\"status\":\"RUNNING\",\"downloadLinks\":[]}"), GF_OK);
    CHECK_INT(ans.state, GF_STATE_RUNNING);
    CHECK_INT(ans.count, 0);
    CHECK_ST(parse("{\"status\":\"NOT_EXISTS\"}"), GF_OK);
    CHECK_INT(ans.state, GF_STATE_NOT_EXISTS);
    CHECK_VIEW(ans.export_date, ""); /* absent fields are empty views */
    CHECK_ST(parse("{\"status\":\"ERROR\",\"errorMsg\":\"export failed: \\u6570\\u636e\","
                   "\"downloadLinks\":null}"),
             GF_OK);
    CHECK_INT(ans.state, GF_STATE_ERROR);
    CHECK_VIEW(ans.error_msg, "export failed: \xe6\x95\xb0\xe6\x8d\xae");
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":[]}"), GF_OK);
    CHECK_INT(ans.state, GF_STATE_FINISHED);
    CHECK_INT(ans.count, 0);
}

/* Unknown fields ignored, any order, whitespace wherever JSON allows it. */
static void order_whitespace_unknown_fields(void)
{
    CHECK_ST(parse(" \n{ \"future\" : { \"a\" : [ 1 , { } , null ] } ,\r\n"
                   "\t\"exportDate\" : \"20261127\" , \"downloadLinks\" : [ \"" L2 "\" ] ,"
                   " \"extra\":-1.5e3, \"status\" : \"FINISHED\" } \n"),
             GF_OK);
    CHECK_INT(ans.state, GF_STATE_FINISHED);
    CHECK_INT(ans.count, 1);
    CHECK_VIEW(ans.link[0], L2);
    CHECK_VIEW(ans.export_date, "20261127");
}

static void escapes_in_links_and_fields(void)
{
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":["
                   "\"https:\\/\\/h.example\\/a\\/part-0.csv.gz?X-Amz-Date=1\\u0026X-Amz-Signature=z\"],"
                   "\"errorMsg\":\"q\\\"b\\\\s\\/ \\b\\f\\n\\r\\t \\uD83D\\uDE00 \\u00e9\","
                   "\"st\\u0061tus\":\"x\"}"),
             GF_E_JSON); /* "status" spelled with an escape is the same key: given twice */
    CHECK_ST(parse("{\"st\\u0061tus\":\"FINISHED\",\"downloadLinks\":["
                   "\"https:\\/\\/h.example\\/a\\/part-0.csv.gz?X-Amz-Date=1\\u0026X-Amz-Signature=z\"],"
                   "\"errorMsg\":\"q\\\"b\\\\s\\/ \\b\\f\\n\\r\\t \\uD83D\\uDE00 \\u00e9\"}"),
             GF_OK);
    CHECK_VIEW(ans.link[0], "https://h.example/a/part-0.csv.gz?X-Amz-Date=1&X-Amz-Signature=z");
    CHECK_VIEW(ans.error_msg, "q\"b\\s/ \b\f\n\r\t \xf0\x9f\x98\x80 \xc3\xa9");
    CHECK_ST(parse("{\"status\":\"ERROR\",\"errorMsg\":\"\\uD83D\"}"), GF_E_JSON);
    CHECK_ST(parse("{\"status\":\"ERROR\",\"errorMsg\":\"\\uDE00\\uD83D\"}"), GF_E_JSON);
}

static const char all_types[] =
    "{\"status\":\"FINISHED\",\"downloadLinks\":{"
    "\"page\":[\"https://f/page-0\",\"https://f/page-1\"],"
    "\"visit\":[\"https://f/visit-0\"],"
    "\"unknown_type\":[\"https://f/x\", 5],"
    "\"vstr\":[],"
    "\"custom_event\":null,"
    "\"all\":[\"https://f/all\"]},"
    "\"exportType\":\"day\",\"dataType\":\"\",\"exportDate\":\"20261127\"}";

static void all_types_grouped(void)
{
    CHECK_ST(parse(all_types), GF_OK);
    CHECK(ans.all_types);
    CHECK_INT(ans.count, 3);
    CHECK(ans.type[GF_DATA_PAGE].present);
    CHECK_INT(ans.type[GF_DATA_PAGE].count, 2);
    CHECK_VIEW(ans.link[ans.type[GF_DATA_PAGE].first], "https://f/page-0");
    CHECK_VIEW(ans.link[ans.type[GF_DATA_PAGE].first + 1], "https://f/page-1");
    CHECK(ans.type[GF_DATA_VISIT].present);
    CHECK_INT(ans.type[GF_DATA_VISIT].count, 1);
    CHECK_VIEW(ans.link[ans.type[GF_DATA_VISIT].first], "https://f/visit-0");
    CHECK(ans.type[GF_DATA_VSTR].present); /* present with zero links: complete */
    CHECK_INT(ans.type[GF_DATA_VSTR].count, 0);
    CHECK(!ans.type[GF_DATA_CUSTOM_EVENT].present); /* null: not there */
    CHECK(!ans.type[GF_DATA_ACTION].present);        /* missing: not complete */
    CHECK_VIEW(ans.data_type, "");
}

static void all_types_refusals(void)
{
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[\"https://f/a\"],"
                   "\"visit\":[\"https://f/b\"]}}"),
             GF_E_JSON);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":\"https://f/a\"}}"),
             GF_E_LINKS_TYPE);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[1]}}"),
             GF_E_LINKS_TYPE);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[\"/rel\"]}}"),
             GF_E_LINK_URL);
}

static void refusals(void)
{
    static const check_status_case cases[] = {
        {"", GF_E_JSON},
        {"not json", GF_E_JSON},
        {"<html>502 Bad Gateway</html>", GF_E_JSON},
        {"[]", GF_E_JSON_TOP},
        {"\"FINISHED\"", GF_E_JSON_TOP},
        {"42", GF_E_JSON_TOP},
        {"null", GF_E_JSON_TOP},
        {"{}", GF_E_STATUS_MISSING},
        {"{\"downloadLinks\":[]}", GF_E_STATUS_MISSING},
        {"{\"Status\":\"FINISHED\"}", GF_E_STATUS_MISSING},
        {"{\"status\":\"finished\"}", GF_E_STATUS_UNKNOWN},
        {"{\"status\":\"DONE\"}", GF_E_STATUS_UNKNOWN},
        {"{\"status\":\"FINISHED \"}", GF_E_STATUS_UNKNOWN},
        {"{\"status\":\"\"}", GF_E_STATUS_UNKNOWN},
        {"{\"status\":1}", GF_E_FIELD_TYPE},
        {"{\"status\":null}", GF_E_FIELD_TYPE},
        {"{\"status\":[\"FINISHED\"]}", GF_E_FIELD_TYPE},
        {"{\"status\":\"FINISHED\",\"status\":\"RUNNING\"}", GF_E_JSON},
        {"{\"status\":\"FINISHED\"}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":null}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":\"https://f/a\"}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":true}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":7}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[[\"https://f/a\"]]}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[{\"url\":\"https://f/a\"}]}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[null]}", GF_E_LINKS_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"/relative\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"ftp://f/a\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a b\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://u:p@f/a\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\\u0000b\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\\nb\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"\"]}", GF_E_LINK_URL},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],\"exportDate\":20261127}", GF_E_FIELD_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],\"errorMsg\":{}}", GF_E_FIELD_TYPE},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],\"exportDate\":\"a\",\"exportDate\":\"b\"}", GF_E_JSON},
        /* What jsmn lets through must still be refused. */
        {"{\"status\":\"FINISHED\" \"downloadLinks\":[]}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\",]}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\" \"https://f/b\"]}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"a\":\"https://f/b\"]}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],\"x\":tru}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[],\"x\":01}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[]} {\"status\":\"ERROR\"}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[]}x", GF_E_JSON},
        {"{\"status\":\"RUN\tNING\"}", GF_E_JSON},
        {"{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\\q\"]}", GF_E_JSON},
        {"{\"status\" \"FINISHED\"}", GF_E_JSON},
        {"{\"status\":\"FINISHED\"", GF_E_JSON},
    };
    CHECK_STATUSES(parse_refused_empty, cases);
}

/* A NUL byte anywhere is not an end of text (jsmn would stop there). */
static void nul_bytes_refused(void)
{
    static const char text[] = "{\"status\":\"FINISHED\",\"downloadLinks\":[]}\0{\"x\":1}";
    memcpy(body, text, sizeof(text));
    CHECK_ST(gf_answer_parse(body, sizeof(text) - 1, tokens, GF_JSON_TOKENS_MAX, &ans), GF_E_JSON);
}

/* A valid answer cut at every length is refused, never misread. The cut
 * copy sits at the end of its own allocation so a read past it is caught
 * by the sanitizers. */
static void every_truncation_refused(void)
{
    const char *texts[] = {finished, all_types};
    for (size_t t = 0; t < 2; t++) {
        size_t n = strlen(texts[t]);
        for (size_t cut = 0; cut < n; cut++) {
            char *copy = malloc(cut + 1);
            CHECK(copy != NULL);
            if (copy == NULL)
                return;
            memcpy(copy, texts[t], cut);
            gf_status st = gf_answer_parse(copy, cut, tokens, GF_JSON_TOKENS_MAX, &ans);
            if (st == GF_OK)
                check_fail(__FILE__, __LINE__, "accepted a cut at %zu: %.*s", cut, (int)cut,
                           texts[t]);
            free(copy);
        }
    }
}

static void token_limit(void)
{
    memcpy(body, finished, sizeof(finished));
    CHECK_ST(gf_answer_parse(body, strlen(finished), tokens, 8, &ans), GF_E_TOO_LARGE);
    memcpy(body, finished, sizeof(finished));
    CHECK_ST(gf_answer_parse(body, strlen(finished), tokens, 21, &ans), GF_OK);
}

static void link_limit(void)
{
    size_t n = 0;
    n += (size_t)sprintf(body, "{\"status\":\"FINISHED\",\"downloadLinks\":[");
    for (unsigned i = 0; i <= GF_LINKS_MAX; i++)
        n += (size_t)sprintf(body + n, "%s\"https://f/%u\"", i ? "," : "", i);
    n += (size_t)sprintf(body + n, "]}");
    CHECK_ST(gf_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &ans), GF_E_TOO_LARGE);

    n = (size_t)sprintf(body, "{\"status\":\"FINISHED\",\"downloadLinks\":[");
    for (unsigned i = 0; i < GF_LINKS_MAX; i++)
        n += (size_t)sprintf(body + n, "%s\"https://f/%u\"", i ? "," : "", i);
    n += (size_t)sprintf(body + n, "]}");
    CHECK_ST(gf_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &ans), GF_OK);
    CHECK_INT(ans.count, GF_LINKS_MAX);
    CHECK_VIEW(ans.link[GF_LINKS_MAX - 1], "https://f/255");
}

static void long_link_refused(void)
{
    size_t n = (size_t)sprintf(body, "{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/");
    memset(body + n, 'a', GF_URL_MAX);
    n += GF_URL_MAX;
    n += (size_t)sprintf(body + n, "\"]}");
    CHECK_ST(gf_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &ans), GF_E_TOO_LARGE);
}

static void deep_nesting_refused(void)
{
    size_t n = (size_t)sprintf(body, "{\"status\":\"FINISHED\",\"downloadLinks\":[],\"x\":");
    for (int i = 0; i < 1000; i++)
        body[n++] = '[';
    for (int i = 0; i < 1000; i++)
        body[n++] = ']';
    body[n++] = '}';
    CHECK_ST(gf_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &ans), GF_E_TOO_LARGE);
}

/* A text field given as null reads as absent: an empty view. */
static void null_text_fields_are_empty(void)
{
    CHECK_ST(parse("{\"status\":\"ERROR\",\"errorMsg\":null,\"exportDate\":null}"), GF_OK);
    CHECK_INT(ans.state, GF_STATE_ERROR);
    CHECK_VIEW(ans.error_msg, "");
    CHECK_VIEW(ans.export_date, "");
}

/* An escape that decodes to no character (a lone surrogate) is refused
 * wherever it is: in a key, a status, a link, a type's name. */
static void lone_surrogates_refused_everywhere(void)
{
    static const char *const bad[] = {
        "{\"\\uDC00\":1,\"status\":\"RUNNING\"}",
        "{\"status\":\"\\uD800\"}",
        "{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/\\uD800\"]}",
        "{\"status\":\"FINISHED\",\"downloadLinks\":{\"\\uDC00\":[]}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gf_status got = parse(bad[i]);
        if (got != GF_E_JSON)
            check_fail(__FILE__, __LINE__, "%s: got %s, want %s", bad[i], gf_strerror(got),
                       gf_strerror(GF_E_JSON));
        CHECK(ans.count == 0 && ans.link[0].ptr == NULL);
    }
}

/* Each type's links are an array or null; no other value will do. */
static void all_types_values_other_than_array_or_null(void)
{
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":true}}"),
             GF_E_LINKS_TYPE);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":0}}"), GF_E_LINKS_TYPE);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":{}}}"), GF_E_LINKS_TYPE);
}

/* A type listed twice is refused whatever the first listing said, null
 * included: either could be the right one. */
static void all_types_listed_twice_after_null(void)
{
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":null,"
                   "\"visit\":[\"https://f/b\"]}}"),
             GF_E_JSON);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[\"https://f/a\"],"
                   "\"visit\":null}}"),
             GF_E_JSON);
}

/* JSON whitespace is space, tab, LF and CR (RFC 8259 section 2), before
 * the top-level object as anywhere else. */
static void every_whitespace_before_the_object(void)
{
    CHECK_ST(parse("\t\r\n {\"status\":\"RUNNING\"}"), GF_OK);
    CHECK_INT(ans.state, GF_STATE_RUNNING);
    CHECK_ST(parse("\t\r\n [\"status\",\"RUNNING\"]"), GF_E_JSON_TOP);
}

/* API misuse is a status, not a crash. */
static void missing_arguments(void)
{
    memcpy(body, finished, sizeof(finished));
    CHECK_ST(gf_answer_parse(NULL, 0, tokens, GF_JSON_TOKENS_MAX, &ans), GF_E_ARGUMENT);
    CHECK_ST(gf_answer_parse(body, strlen(finished), NULL, GF_JSON_TOKENS_MAX, &ans),
             GF_E_ARGUMENT);
    CHECK_ST(gf_answer_parse(body, strlen(finished), tokens, GF_JSON_TOKENS_MAX, NULL),
             GF_E_ARGUMENT);
}

/* Sizes jsmn's int and unsigned counts cannot hold are refused before a
 * byte of the body or a token is touched. */
static void sizes_beyond_int_refused(void)
{
    memcpy(body, finished, sizeof(finished));
    CHECK_ST(gf_answer_parse(body, (size_t)INT_MAX / 2 + 1, tokens, GF_JSON_TOKENS_MAX, &ans),
             GF_E_TOO_LARGE);
    CHECK_ST(gf_answer_parse(body, strlen(finished), tokens, (size_t)INT_MAX / 2 + 1, &ans),
             GF_E_TOO_LARGE);
    CHECK_ST(gf_answer_parse(body, strlen(finished), tokens, GF_JSON_TOKENS_MAX, &ans), GF_OK);
}

/* A build without GF_FEATURE_ALL_TYPES: downloadLinks keyed by type is
 * the wrong shape for the only calls it makes. */
static void all_types_answer_refused_when_switched_off(void)
{
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":{\"visit\":[\"https://f/a\"]}}"),
             GF_E_LINKS_TYPE);
    CHECK_ST(parse("{\"status\":\"FINISHED\",\"downloadLinks\":[\"https://f/a\"]}"), GF_OK);
}

CHECK_SUITE(answer, CASE(finished_single_type), CASE(other_states),
            CASE(order_whitespace_unknown_fields), CASE(escapes_in_links_and_fields),
            CASE_IF(GF_FEATURE_ALL_TYPES, all_types_grouped), CASE_IF(GF_FEATURE_ALL_TYPES, all_types_refusals), CASE(refusals),
            CASE(nul_bytes_refused), CASE(every_truncation_refused), CASE(token_limit),
            CASE(link_limit), CASE(long_link_refused), CASE(deep_nesting_refused),
            CASE(null_text_fields_are_empty), CASE_IF(GF_FEATURE_ALL_TYPES, lone_surrogates_refused_everywhere),
            CASE(all_types_values_other_than_array_or_null),
            CASE_IF(GF_FEATURE_ALL_TYPES, all_types_listed_twice_after_null), CASE(every_whitespace_before_the_object),
            CASE(missing_arguments), CASE(sizes_beyond_int_refused),
            CASE_IF(!GF_FEATURE_ALL_TYPES, all_types_answer_refused_when_switched_off));
