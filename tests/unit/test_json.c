/* The JSON validator and string decoder under the answer parser (RFC 8259). */
#include <stdlib.h>

#include "check.h"
#include "../../src/json.h"

static gf_status validate(const char *s) { return gf_json_validate(s, strlen(s)); }

static void valid_texts(void)
{
    static const char *const ok[] = {
        "{}", "[]", " { } ", "\t\r\n{\"a\":1}\n", "{\"a\":[1,2.5,-0.1e+3,true,false,null,\"x\"]}",
        "\"just a string\"", "0", "-0", "1E5", "[[[]]]", "{\"a\":{\"b\":{}}}",
        "{\"\\u00e9\\\"\\\\\\/\\b\\f\\n\\r\\t\":\"\\uD83D\\uDE00\"}", "[\"\xe4\xb8\xad\"]",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (validate(ok[i]) != GF_OK)
            check_fail(__FILE__, __LINE__, "refused valid JSON: %s", ok[i]);
    }
}

/* Texts jsmn accepts (some even in strict mode) that are not JSON. */
static void invalid_texts(void)
{
    static const char *const bad[] = {
        "", " ", "{", "}", "[", "{\"a\":1", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":1,}",
        "[1,]", "[,1]", "[1 2]", "{\"a\"}", "{1:2}", "{\"a\":}", "[\"a\":\"b\"]", "{\"a\":tru}",
        "{\"a\":nul}", "{\"a\":truex}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}",
        "{\"a\":+1}", "{\"a\":-}", "{\"a\":0x1}", "{} {}", "{}x", "{\"a\":\"b\\x\"}",
        "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"line\nbreak\"}", "{'a':1}",
        "{\"a\":\"unterminated}", "{\"a\":[}", "[{]", "{\"a\":1]", "[1}", "\"\\\"",
        "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":\"\t\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (validate(bad[i]) != GF_E_JSON)
            check_fail(__FILE__, __LINE__, "accepted invalid JSON: %s", bad[i]);
    }
    /* A NUL byte inside the length is not an end of text. */
    CHECK_ST(gf_json_validate("{}\0{}", 5), GF_E_JSON);
    CHECK_ST(gf_json_validate("{\"a\":\"\0\"}", 9), GF_E_JSON);
}

static void depth_is_limited(void)
{
    char deep[2 * GF_JSON_DEPTH_MAX + 8];
    size_t n = 0;
    for (unsigned i = 0; i < GF_JSON_DEPTH_MAX; i++)
        deep[n++] = '[';
    for (unsigned i = 0; i < GF_JSON_DEPTH_MAX; i++)
        deep[n++] = ']';
    CHECK_ST(gf_json_validate(deep, n), GF_OK);
    n = 0;
    for (unsigned i = 0; i <= GF_JSON_DEPTH_MAX; i++)
        deep[n++] = '[';
    for (unsigned i = 0; i <= GF_JSON_DEPTH_MAX; i++)
        deep[n++] = ']';
    CHECK_ST(gf_json_validate(deep, n), GF_E_TOO_LARGE);
}

static const char *unescape(const char *in, bool *ok)
{
    static char buf[128];
    size_t n;
    strcpy(buf, in);
    *ok = gf_json_unescape(buf, strlen(buf), &n);
    return buf;
}

/* A string's inside and what it decodes to; NULL: refused. */
typedef struct unescape_case {
    const char *in, *want;
} unescape_case;

static void check_unescapes(const unescape_case *cases, size_t count, int line)
{
    for (size_t i = 0; i < count; i++) {
        bool ok;
        const char *got = unescape(cases[i].in, &ok);
        if (cases[i].want == NULL ? ok : (!ok || strcmp(got, cases[i].want) != 0))
            check_fail(__FILE__, line, "\"%s\": got %s%s%s, want %s%s%s", cases[i].in,
                       ok ? "\"" : "", ok ? got : "refused", ok ? "\"" : "",
                       cases[i].want ? "\"" : "", cases[i].want ? cases[i].want : "refused",
                       cases[i].want ? "\"" : "");
    }
}
#define CHECK_UNESCAPES(cases) check_unescapes(cases, sizeof(cases) / sizeof(cases[0]), __LINE__)

static void escapes_decode(void)
{
    static const unescape_case cases[] = {
        {"https:\\/\\/h\\/p?a=1\\u0026b=2", "https://h/p?a=1&b=2"},
        {"\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t"},
        {"\\u0041\\u00e9\\u4e2d", "A\xc3\xa9\xe4\xb8\xad"},
        {"x\\uD83D\\uDE00y", "x\xf0\x9f\x98\x80y"},
        {"\\udbff\\udfff", "\xf4\x8f\xbf\xbf"},
        {"plain", "plain"},
        {"\\uDE00\\uD83D", NULL}, /* reversed pair */
        {"\\uD83D", NULL},          /* lone high surrogate */
        {"\\uD83Dx\\uDE00", NULL},
        {"\\uD83D\\u0041", NULL},   /* high followed by a non-surrogate */
        {"\\uDC00", NULL},
    };
    CHECK_UNESCAPES(cases);
}

/* The NUL written after the decoded text never passes the closing quote. */
static void decoded_text_stays_inside(void)
{
    char buf[] = "\"\\u00e9\\/\"#";
    size_t n;
    CHECK(gf_json_unescape(buf + 1, 8, &n));
    CHECK_INT(n, 3);
    CHECK(buf[10] == '#');
    CHECK(memcmp(buf + 1, "\xc3\xa9/", 4) == 0);
}

/* A JSON text is UTF-8 (RFC 8259 section 8.1); anything else is refused. */
static void strings_must_be_utf8(void)
{
    static const char *const ok[] = {"[\"\xc3\xa9\"]", "[\"\xe4\xb8\xad\"]",
                                     "[\"\xf0\x9f\x98\x80\"]", "[\"\xf4\x8f\xbf\xbf\"]",
                                     "[\"\xef\xbf\xbd\"]"};
    static const char *const bad[] = {
        "[\"\xff\"]",             /* never in UTF-8 */
        "[\"\xc3\"]",             /* cut short */
        "[\"\xc3(\"]",            /* not a continuation */
        "[\"\x80\"]",             /* a lone continuation */
        "[\"\xc0\xaf\"]",        /* overlong '/' */
        "[\"\xe0\x80\xaf\"]",   /* overlong */
        "[\"\xed\xa0\x80\"]",   /* a surrogate */
        "[\"\xf4\x90\x80\x80\"]", /* beyond U+10FFFF */
        "[\"\xf8\x88\x80\x80\x80\"]",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (validate(ok[i]) != GF_OK)
            check_fail(__FILE__, __LINE__, "refused UTF-8 case %zu", i);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (validate(bad[i]) != GF_E_JSON)
            check_fail(__FILE__, __LINE__, "accepted bad UTF-8 case %zu", i);
    }
}

/* Validate a copy that ends its allocation, so the sanitizers catch a
 * read past the end of the text. */
static gf_status validate_exact(const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    if (copy == NULL)
        return GF_E_ARGUMENT;
    memcpy(copy, s, n);
    gf_status st = gf_json_validate(copy, n);
    free(copy);
    return st;
}

/* A text that ends inside a string is refused, wherever in the string it
 * ends: after a backslash, inside \uXXXX, inside a UTF-8 sequence. */
static void text_ends_inside_a_string(void)
{
    static const char *const cut[] = {
        "[\"\\",      "[\"\\u",     "[\"\\u00",       "[\"\\u00e", "[\"\\u00e9",
        "[\"\xc3",    "[\"\xe4",    "[\"\xe4\xb8",    "[\"\xf0\x9f\x98", "[\"ab",
    };
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        if (validate_exact(cut[i], strlen(cut[i])) != GF_E_JSON)
            check_fail(__FILE__, __LINE__, "accepted a text cut inside a string, case %lu",
                       (unsigned long)i);
    }
}

/* exp = e [ minus / plus ] 1*DIGIT; int = zero / ( digit1-9 *DIGIT )
 * (RFC 8259 section 6). */
static void number_edges(void)
{
    CHECK_ST(validate_exact("1e-5", 4), GF_OK);
    CHECK_ST(validate_exact("[-1E-07,2e+0,3E9]", 17), GF_OK);
    CHECK_ST(validate_exact("-", 1), GF_E_JSON);
    CHECK_ST(validate_exact("1e", 2), GF_E_JSON);
    CHECK_ST(validate_exact("1e+", 3), GF_E_JSON);
    CHECK_ST(validate_exact("1e-", 3), GF_E_JSON);
    CHECK_ST(validate_exact("1.", 2), GF_E_JSON);
    CHECK_ST(validate_exact("[-]", 3), GF_E_JSON);
}

/* Code points above the surrogates decode as themselves; a high surrogate
 * must be followed by a \u escape of a low one (RFC 8259 section 7). */
static void escapes_around_the_surrogates(void)
{
    static const unescape_case cases[] = {
        {"\\uE000", "\xee\x80\x80"},
        {"\\uFFFF", "\xef\xbf\xbf"},
        {"\\uD7FF", "\xed\x9f\xbf"},
        {"\\uD83D\\nabcd", NULL}, /* high, then another escape */
        {"\\uD83D\\uE000", NULL}, /* high, then a code point above the low ones */
        {"\\uDBFF\\uDC00", "\xf4\x8f\xb0\x80"},
    };
    CHECK_UNESCAPES(cases);
}

CHECK_SUITE(json, CASE(valid_texts), CASE(invalid_texts), CASE(depth_is_limited),
            CASE(strings_must_be_utf8),
            CASE(escapes_decode), CASE(decoded_text_stays_inside), CASE(text_ends_inside_a_string),
            CASE(number_edges), CASE(escapes_around_the_surrogates));
