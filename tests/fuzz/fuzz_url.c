/*
 * libFuzzer target: gf_url_parse, the parser of links, Location headers,
 * base and proxy URLs. The input is the URL (its length given, no NUL).
 *
 * Checks on GF_OK: the host, path and query views lie inside the input
 * (the path may be the static "/"); the port is 1..65535, the scheme's
 * default when none is given; the host is 1..GF_HOST_MAX-1 bytes of DNS
 * characters or an IPv6 literal; no byte is a space, a control, non-ASCII
 * or a backslash; the path starts with '/' and holds no '?' or '#', the
 * query no '#'; and the URL put back together from its parts parses to the
 * same parts.
 *
 * gf_url_resolve, the resolution of a Location: the input as a reference
 * against a fixed base, and fixed references against the input when it
 * parsed. On GF_OK the result is NUL-terminated inside its buffer (ASan
 * sees any write past it); a result of an http(s) base and a reference of
 * URL bytes parses, or is refused as a URL, never read past its end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define FUZZ_NAME "fuzz_url"
#include "fuzz_check.h"

static bool inside(gf_view v, const char *s, size_t n)
{
    return v.ptr != NULL && v.ptr >= s && v.len <= n && v.ptr - s <= (ptrdiff_t)(n - v.len);
}

static bool same_view(gf_view a, gf_view b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void check_parts(const gf_url *u, const char *s, size_t n)
{
    CHECK(inside(u->host, s, n));
    CHECK(u->host.len > 0 && u->host.len < GF_HOST_MAX);
    bool colon = memchr(u->host.ptr, ':', u->host.len) != NULL;
    for (size_t i = 0; i < u->host.len; i++) {
        char c = u->host.ptr[i];
        if (colon) /* an IPv6 literal */
            CHECK(gf_hex_value(c) >= 0 || c == ':' || c == '.');
        else
            CHECK(gf_is_alpha(c) || gf_is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~');
    }
    if (u->port_given)
        CHECK(u->port >= 1); /* uint16_t: <= 65535 by type */
    else
        CHECK(u->port == (u->https ? 443 : 80));
    CHECK(u->path.ptr != NULL && u->path.len >= 1 && u->path.ptr[0] == '/');
    CHECK(inside(u->path, s, n) || (u->path.len == 1 && u->path.ptr[0] == '/'));
    CHECK(memchr(u->path.ptr, '?', u->path.len) == NULL);
    CHECK(memchr(u->path.ptr, '#', u->path.len) == NULL);
    if (u->query.ptr != NULL) {
        CHECK(inside(u->query, s, n));
        CHECK(memchr(u->query.ptr, '#', u->query.len) == NULL);
        CHECK(u->query.ptr > s && u->query.ptr[-1] == '?');
    } else {
        CHECK(u->query.len == 0);
    }
}

/* Resolve ref against base in a buffer of exactly cap bytes. */
static void check_resolve(const char *base, const char *ref, size_t cap)
{
    static char url[GF_URL_MAX], scratch[GF_URL_MAX];
    if (strlen(base) >= cap)
        return;
    memcpy(url, base, strlen(base) + 1);
    gf_status st = gf_url_resolve(url, cap, ref, scratch, sizeof(scratch));
    CHECK(st == GF_OK || st == GF_E_REDIRECT_LOCATION || st == GF_E_URL);
    if (st != GF_OK)
        return;
    size_t n = strnlen(url, cap);
    CHECK(n < cap);
    gf_url u;
    st = gf_url_parse(url, n, &u);
    CHECK(st == GF_OK || st == GF_E_URL || st == GF_E_URL_SCHEME || st == GF_E_URL_USERINFO);
}

static void resolve_both_ways(const char *s, size_t size, bool parsed)
{
    static char ref[GF_URL_MAX];
    static const char *const refs[] = {"", "g", "../../x/./y", "/a/../b?q#f", "//other:8080/p",
                                       "?only", "https://abs.example/z"};
    if (size < sizeof(ref)) {
        memcpy(ref, s, size);
        ref[size] = '\0'; /* a Location is a NUL-terminated header value */
        check_resolve("https://h.example/a/b/c?q", ref, GF_URL_MAX);
        check_resolve("http://h/a", ref, 32);
    }
    if (parsed && size < sizeof(ref)) {
        memcpy(ref, s, size);
        ref[size] = '\0';
        for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
            check_resolve(ref, refs[k], GF_URL_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    gf_url u, v;
    static char again[8192];

    gf_status st = gf_url_parse(s, size, &u);
    CHECK(st == GF_OK || st == GF_E_URL || st == GF_E_URL_SCHEME || st == GF_E_URL_USERINFO);
    resolve_both_ways(s, size, st == GF_OK && memchr(s, '\0', size) == NULL);
    if (st != GF_OK)
        return 0;

    for (size_t i = 0; i < size; i++)
        CHECK(data[i] > 0x20 && data[i] < 0x7f && data[i] != '\\');
    CHECK(u.https == (size >= 8 && gf_view_ieq((gf_view){s, 8}, "https://")));
    CHECK(memchr(s, '@', size) == NULL || memchr(s, '@', size) > (const void *)u.host.ptr);
    check_parts(&u, s, size);

    /* Put it back together and parse that. */
    size_t n = (size_t)snprintf(again, sizeof(again), "%s%s%.*s%s", u.https ? "https://" : "http://",
                                memchr(u.host.ptr, ':', u.host.len) ? "[" : "", (int)u.host.len,
                                u.host.ptr, memchr(u.host.ptr, ':', u.host.len) ? "]" : "");
    if (u.port_given)
        n += (size_t)snprintf(again + n, sizeof(again) - n, ":%u", (unsigned)u.port);
    n += (size_t)snprintf(again + n, sizeof(again) - n, "%.*s", (int)u.path.len, u.path.ptr);
    if (u.query.ptr != NULL)
        n += (size_t)snprintf(again + n, sizeof(again) - n, "?%.*s", (int)u.query.len, u.query.ptr);
    CHECK(n < sizeof(again));
    CHECK(gf_url_parse(again, n, &v) == GF_OK);
    check_parts(&v, again, n);
    CHECK(v.https == u.https && v.port == u.port && v.port_given == u.port_given);
    CHECK(same_view(v.host, u.host) && same_view(v.path, u.path) && same_view(v.query, u.query));
    CHECK((v.query.ptr == NULL) == (u.query.ptr == NULL));
    return 0;
}
