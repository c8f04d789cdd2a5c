/* The answer of POST /auth/token: {"status":"success","code":"<token>"}. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "../../src/json.h"

#if !GF_FEATURE_MINT
/* The parser goes with minting (GF_FEATURE_MINT 0): every case below is
 * skipped then, and this stands in for it so that the file still builds. */
#define gf_token_answer_parse(b, l, t, n, c) \
    ((void)(b), (void)(l), (void)(t), (void)(n), (void)(c), GF_E_FEATURE_OFF)
#endif

static gf_json_token tokens[GF_JSON_TOKENS_MAX];
static char body[1024];
static gf_view code;

static gf_status parse(const char *json)
{
    size_t n = strlen(json);
    memcpy(body, json, n + 1);
    return gf_token_answer_parse(body, n, tokens, GF_JSON_TOKENS_MAX, &code);
}

static void success_gives_the_code(void)
{
    CHECK_ST(parse("{\"status\":\"success\",\"code\":\"tok-123\"}"), GF_OK);
    CHECK_VIEW(code, "tok-123");
    CHECK_STR(code.ptr, "tok-123"); /* NUL-terminated in place */
    CHECK(code.ptr >= body && code.ptr < body + sizeof(body));
}

/* Any order, unknown fields skipped whole (a nested "status" is not the
 * answer's), escapes decoded, keys compared after decoding. */
static void order_unknown_fields_escapes(void)
{
    CHECK_ST(parse(" {\"code\" : \"a\\/b\\u00e9\", \"data\":{\"status\":\"fail\",\"code\":[1]},"
                   "\"list\":[{\"code\":\"x\"}],\"status\":\"success\"}\n"),
             GF_OK);
    CHECK_VIEW(code, "a/b\xc3\xa9");
    CHECK_ST(parse("{\"st\\u0061tus\":\"succ\\u0065ss\",\"c\\u006fde\":\"t\"}"), GF_OK);
    CHECK_VIEW(code, "t");
    CHECK_ST(parse("{\"data\":{\"status\":\"success\",\"code\":\"x\"},\"status\":\"fail\"}"),
             GF_E_AUTH);
}

static void refusals(void)
{
    static const check_status_case cases[] = {
        {"", GF_E_JSON},
        {"{\"status\":\"success\",\"code\":\"t\"", GF_E_JSON},
        {"{\"status\":\"success\",\"code\":\"t\",}", GF_E_JSON},
        {"[\"status\",\"success\"]", GF_E_JSON_TOP},
        {"\"success\"", GF_E_JSON_TOP},
        {"{}", GF_E_STATUS_MISSING},
        {"{\"code\":\"t\"}", GF_E_STATUS_MISSING},
        {"{\"Status\":\"success\",\"code\":\"t\"}", GF_E_STATUS_MISSING},
        {"{\"status\":\"fail\",\"code\":\"t\"}", GF_E_AUTH},
        {"{\"status\":\"Success\",\"code\":\"t\"}", GF_E_AUTH},
        {"{\"status\":\"success \",\"code\":\"t\"}", GF_E_AUTH},
        {"{\"status\":\"success\"}", GF_E_AUTH},
        {"{\"status\":\"success\",\"code\":\"\"}", GF_E_AUTH},
        {"{\"status\":\"success\",\"Code\":\"t\"}", GF_E_AUTH},
        {"{\"status\":\"success\",\"code\":null}", GF_E_FIELD_TYPE},
        {"{\"status\":\"success\",\"code\":123}", GF_E_FIELD_TYPE},
        {"{\"status\":\"success\",\"code\":[\"t\"]}", GF_E_FIELD_TYPE},
        {"{\"status\":true,\"code\":\"t\"}", GF_E_FIELD_TYPE},
        {"{\"status\":null,\"code\":\"t\"}", GF_E_FIELD_TYPE},
        {"{\"status\":\"success\",\"code\":\"t\",\"code\":\"u\"}", GF_E_JSON},
        {"{\"status\":\"fail\",\"code\":\"t\",\"status\":\"success\"}", GF_E_JSON},
        {"{\"\\uDC00\":1,\"status\":\"success\",\"code\":\"t\"}", GF_E_JSON},
        {"{\"status\":\"success\",\"code\":\"t\\uD800\"}", GF_E_JSON},
        {"{\"status\":\"\\uDE00\\uD83D\",\"code\":\"t\"}", GF_E_JSON},
    };
    CHECK_STATUSES(parse, cases);
}

static void token_limit(void)
{
    static const char text[] = "{\"status\":\"success\",\"code\":\"t\",\"x\":[1,2,3]}";
    memcpy(body, text, sizeof(text));
    CHECK_ST(gf_token_answer_parse(body, sizeof(text) - 1, tokens, 9, &code), GF_E_TOO_LARGE);
    memcpy(body, text, sizeof(text));
    CHECK_ST(gf_token_answer_parse(body, sizeof(text) - 1, tokens, 10, &code), GF_OK);
    CHECK_VIEW(code, "t");
}

/* A valid answer cut at every length is refused, never misread; the cut
 * copy ends its allocation so the sanitizers catch a read past it. */
static void every_truncation_refused(void)
{
    static const char text[] = "{\"status\":\"success\",\"code\":\"tok-\\u00e9\"}";
    for (size_t cut = 0; cut < sizeof(text) - 1; cut++) {
        char *copy = malloc(cut + 1);
        CHECK(copy != NULL);
        if (copy == NULL)
            return;
        memcpy(copy, text, cut);
        gf_status st = gf_token_answer_parse(copy, cut, tokens, GF_JSON_TOKENS_MAX, &code);
        if (st == GF_OK)
            check_fail(__FILE__, __LINE__, "accepted a cut at %lu", (unsigned long)cut);
        free(copy);
    }
}

/* Misuse is refused, and a refused answer leaves no code behind. */
static void arguments_and_no_code_on_failure(void)
{
    static const char refused[] = "{\"status\":\"failure\",\"code\":\"not-a-token\"}";
    memcpy(body, refused, sizeof(refused));
    code.ptr = "stale";
    code.len = 5;
    CHECK_ST(gf_token_answer_parse(body, sizeof(refused) - 1, tokens, GF_JSON_TOKENS_MAX, &code),
             GF_E_AUTH);
    CHECK(code.ptr == NULL && code.len == 0);
    CHECK_ST(gf_token_answer_parse(NULL, 2, tokens, GF_JSON_TOKENS_MAX, &code), GF_E_ARGUMENT);
    CHECK_ST(gf_token_answer_parse(body, 2, NULL, GF_JSON_TOKENS_MAX, &code), GF_E_ARGUMENT);
    CHECK_ST(gf_token_answer_parse(body, 2, tokens, GF_JSON_TOKENS_MAX, NULL), GF_E_ARGUMENT);
}

CHECK_SUITE(token_answer, CASE_IF(GF_FEATURE_MINT, success_gives_the_code),
            CASE_IF(GF_FEATURE_MINT, arguments_and_no_code_on_failure),
            CASE_IF(GF_FEATURE_MINT, order_unknown_fields_escapes),
            CASE_IF(GF_FEATURE_MINT, refusals), CASE_IF(GF_FEATURE_MINT, token_limit),
            CASE_IF(GF_FEATURE_MINT, every_truncation_refused));
