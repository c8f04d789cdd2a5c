/* URLs of links and Location headers (RFC 3986), as the engine needs them. */
#include <stdio.h>

#include "check.h"
#include "../../src/internal.h" /* gf_url_resolve */

static gf_status parse(const char *s, gf_url *u) { return gf_url_parse(s, strlen(s), u); }

/* parse() for a table of refusals: only the status counts. */
static gf_status parse_only(const char *s)
{
    gf_url u;
    return parse(s, &u);
}

static void https_with_everything(void)
{
    gf_url u;
    CHECK_ST(parse("https://bucket.s3.cn-north-1.amazonaws.com.cn:8443/a/b.csv.gz?X-Amz-Date=1&x=y#frag", &u), GF_OK);
    CHECK(u.https);
    CHECK_VIEW(u.host, "bucket.s3.cn-north-1.amazonaws.com.cn");
    CHECK_INT(u.port, 8443);
    CHECK(u.port_given);
    CHECK_VIEW(u.path, "/a/b.csv.gz");
    CHECK_VIEW(u.query, "X-Amz-Date=1&x=y");
}

static void defaults(void)
{
    gf_url u;
    CHECK_ST(parse("http://localhost", &u), GF_OK);
    CHECK(!u.https);
    CHECK_INT(u.port, 80);
    CHECK(!u.port_given);
    CHECK_VIEW(u.path, "/");
    CHECK_INT(u.query.len, 0);
    CHECK_ST(parse("HTTPS://LocalHost?q", &u), GF_OK);
    CHECK(u.https);
    CHECK_INT(u.port, 443);
    CHECK_VIEW(u.host, "LocalHost");
    CHECK_VIEW(u.path, "/");
    CHECK_VIEW(u.query, "q");
    CHECK_ST(parse("https://h:/x", &u), GF_OK);
    CHECK_INT(u.port, 443);
}

static void ipv6_literals(void)
{
    gf_url u;
    CHECK_ST(parse("http://[::1]:8080/x", &u), GF_OK);
    CHECK_VIEW(u.host, "::1");
    CHECK_INT(u.port, 8080);
    CHECK_ST(parse("https://[2001:db8::7]/", &u), GF_OK);
    CHECK_VIEW(u.host, "2001:db8::7");
    CHECK_ST(parse("http://[::1/x", &u), GF_E_URL);
    CHECK_ST(parse("http://[zz::1]/", &u), GF_E_URL);
    CHECK_ST(parse("http://[]/", &u), GF_E_URL);
    CHECK_ST(parse("http://[::1]x/", &u), GF_E_URL);
}

static void refused(void)
{
    gf_url u;
    static const check_status_case cases[] = {
        {"ftp://host/x", GF_E_URL_SCHEME},
        {"file:///etc/passwd", GF_E_URL_SCHEME},
        {"javascript:alert(1)", GF_E_URL_SCHEME},
        {"https://user:pw@host/x", GF_E_URL_USERINFO},
        {"https://user@host/x", GF_E_URL_USERINFO},
        {"/relative/path", GF_E_URL},
        {"host/x", GF_E_URL},
        {"", GF_E_URL},
        {"https://", GF_E_URL},
        {"https:///path", GF_E_URL},
        {"https://:443/", GF_E_URL},
        {"https://host:0/", GF_E_URL},
        {"https://host:65536/", GF_E_URL},
        {"https://host:99999999999999999999/", GF_E_URL},
        {"https://host:8a/", GF_E_URL},
        {"https://ho st/", GF_E_URL},
        {"https://host/a b", GF_E_URL},
        {"https://host/a\tb", GF_E_URL},
        {"https://host/a\x7f", GF_E_URL},
        {"https://host/\xc3\xa9", GF_E_URL},
        {"https://host\\evil/", GF_E_URL},
        {"https://ho%73t/", GF_E_URL},
    };
    CHECK_STATUSES(parse_only, cases);
    /* A NUL inside the given length is a control byte, not an end. */
    CHECK_ST(gf_url_parse("https://h/\0x", 12, &u), GF_E_URL);
    CHECK_ST(gf_url_parse(NULL, 0, &u), GF_E_URL);
}

static void length_is_respected(void)
{
    gf_url u;
    /* Only the first 16 bytes are the URL; the rest must not be read. */
    CHECK_ST(gf_url_parse("https://h/abc?de GARBAGE", 16, &u), GF_OK);
    CHECK_VIEW(u.path, "/abc");
    CHECK_VIEW(u.query, "de");
}

static void long_host_refused(void)
{
    char url[GF_HOST_MAX + 32];
    gf_url u;
    strcpy(url, "https://");
    memset(url + 8, 'a', GF_HOST_MAX);
    strcpy(url + 8 + GF_HOST_MAX, "/x");
    CHECK_ST(parse(url, &u), GF_E_URL);
    url[8 + GF_HOST_MAX - 1] = '/';
    url[8 + GF_HOST_MAX] = '\0';
    CHECK_ST(parse(url, &u), GF_OK);
    CHECK_INT(u.host.len, GF_HOST_MAX - 1);
}

/* reg-name may hold any unreserved character: ALPHA DIGIT "-" "." "_" "~"
 * (RFC 3986 sections 2.3 and 3.2.2). */
static void host_unreserved_characters(void)
{
    gf_url u;
    CHECK_ST(parse("http://my_host~1.example-2/x", &u), GF_OK);
    CHECK_VIEW(u.host, "my_host~1.example-2");
    CHECK_VIEW(u.path, "/x");
}

/* IPv6address may end in an IPv4 address (RFC 3986 section 3.2.2). */
static void ipv6_with_embedded_ipv4(void)
{
    gf_url u;
    CHECK_ST(parse("http://[::ffff:192.0.2.128]:8080/x", &u), GF_OK);
    CHECK_VIEW(u.host, "::ffff:192.0.2.128");
    CHECK_INT(u.port, 8080);
    CHECK_ST(parse("http://[::ffff:192.0.2.128/]/x", &u), GF_E_URL);
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section
 * 3.1): any other scheme is refused as a scheme, a text with no scheme at
 * all as not a URL. */
static void other_schemes_and_no_scheme(void)
{
    gf_url u;
    CHECK_ST(parse("svn+ssh://host/x", &u), GF_E_URL_SCHEME);
    CHECK_ST(parse("coap-tcp://host/x", &u), GF_E_URL_SCHEME);
    CHECK_ST(parse("z39.50r://host/x", &u), GF_E_URL_SCHEME);
    CHECK_ST(parse("h323:host", &u), GF_E_URL_SCHEME);
    CHECK_ST(parse("localhost", &u), GF_E_URL);
    CHECK_ST(parse("a+b-c.d9", &u), GF_E_URL);
}

/* The fragment is not sent: it ends the authority and the path, and a '?'
 * inside it is not a query (RFC 3986 section 3.5). */
static void fragment_ends_authority_and_path(void)
{
    gf_url u;
    CHECK_ST(parse("https://h#top?x=1", &u), GF_OK);
    CHECK_VIEW(u.host, "h");
    CHECK_VIEW(u.path, "/");
    CHECK(u.query.ptr == NULL && u.query.len == 0);
    CHECK_ST(parse("https://h:8443#f", &u), GF_OK);
    CHECK_INT(u.port, 8443);
    CHECK_ST(parse("https://h/p#a?b", &u), GF_OK);
    CHECK_VIEW(u.path, "/p");
    CHECK(u.query.ptr == NULL && u.query.len == 0);
}

/* ---- references (Location), RFC 3986 section 5.4 ----------------------- */

/* ref resolved against base into a buffer of cap bytes. */
static gf_status resolve(const char *base, const char *ref, char *out, size_t cap)
{
    char scratch[GF_URL_MAX];
    snprintf(out, cap, "%s", base);
    return gf_url_resolve(out, cap, ref, scratch, sizeof(scratch));
}

static void references_resolve_as_rfc_3986_says(void)
{
    static const char *const cases[][2] = {
        {"g", "http://a/b/c/g"},           {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},         {"/g", "http://a/g"},
        {"//g", "http://g"},               {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},       {"#s", "http://a/b/c/d;p?q"},
        {"g#s", "http://a/b/c/g"},         {";x", "http://a/b/c/;x"},
        {"", "http://a/b/c/d;p?q"},        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},           {"..", "http://a/b/"},
        {"../", "http://a/b/"},            {"../g", "http://a/b/g"},
        {"../..", "http://a/"},            {"../../", "http://a/"},
        {"../../g", "http://a/g"},         {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},   {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},           {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},         {"g..", "http://a/b/c/g.."},
        {"./../g", "http://a/b/g"},        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},     {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"https://x.example/p?q#f", "https://x.example/p?q"},
    };
    char out[GF_URL_MAX];
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        gf_status st = resolve("http://a/b/c/d;p?q", cases[k][0], out, sizeof(out));
        if (st != GF_OK || strcmp(out, cases[k][1]) != 0)
            check_fail(__FILE__, __LINE__, "\"%s\": %s, got %s", cases[k][0], gf_strerror(st), out);
    }
    /* a base without a path counts as "/" */
    CHECK_ST(resolve("https://h.example", "x", out, sizeof(out)), GF_OK);
    CHECK_STR(out, "https://h.example/x");
    CHECK_ST(resolve("https://h.example:8443?q", "", out, sizeof(out)), GF_OK);
    CHECK_STR(out, "https://h.example:8443?q"); /* the same resource, as it was written */
}

/* What does not fit is refused, never cut: the URL's buffer, the scratch
 * space; a base that is not absolute is the caller's mistake. */
static void references_that_do_not_fit_are_refused(void)
{
    char out[24], scratch[8];
    CHECK_ST(resolve("http://a/b", "https://longer.example/path", out, sizeof(out)),
             GF_E_REDIRECT_LOCATION);
    CHECK_ST(resolve("http://a/b", "//a-much-longer-host.example", out, sizeof(out)),
             GF_E_REDIRECT_LOCATION);
    CHECK_ST(resolve("http://a/b", "/0123456789abcdef", out, sizeof(out)), GF_E_REDIRECT_LOCATION);
    CHECK_ST(resolve("http://a/b", "x?0123456789abcdef", out, sizeof(out)), GF_E_REDIRECT_LOCATION);
    CHECK_ST(resolve("http://a/b", "/0123456", out, sizeof(out)), GF_OK);
    CHECK_STR(out, "http://a/0123456");
    snprintf(out, sizeof(out), "http://a/b/c");
    CHECK_ST(gf_url_resolve(out, sizeof(out), "0123456789", scratch, sizeof(scratch)),
             GF_E_REDIRECT_LOCATION);
    snprintf(out, sizeof(out), "a/b");
    CHECK_ST(gf_url_resolve(out, sizeof(out), "c", scratch, sizeof(scratch)), GF_E_URL);
}

CHECK_SUITE(url, CASE(https_with_everything), CASE(defaults), CASE(ipv6_literals), CASE(refused),
            CASE(length_is_respected), CASE(long_host_refused), CASE(host_unreserved_characters),
            CASE(ipv6_with_embedded_ipv4), CASE(other_schemes_and_no_scheme),
            CASE(fragment_ends_authority_and_path),
            CASE_IF(GF_FEATURE_REDIRECTS, references_resolve_as_rfc_3986_says),
            CASE_IF(GF_FEATURE_REDIRECTS, references_that_do_not_fit_are_refused));
