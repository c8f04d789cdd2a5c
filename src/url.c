/*
 * Absolute http(s) URLs (RFC 3986 section 3), strict enough for links and
 * Location headers: no user information, no spaces or control bytes, no
 * non-ASCII, a host of DNS characters or a bracketed IPv6 literal.
 */
#include "internal.h"

static bool url_byte_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '\\';
}

static bool host_char_ok(char c)
{
    return gf_is_alpha(c) || gf_is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static bool ipv6_ok(const char *s, size_t n)
{
    bool colon = false;
    if (n < 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ':')
            colon = true;
        else if (gf_hex_value(c) < 0 && c != '.')
            return false;
    }
    return colon;
}

gf_status gf_url_parse(const char *s, size_t len, gf_url *out)
{
    static const char slash[] = "/";
    size_t i, start;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return GF_E_URL;
    for (i = 0; i < len; i++) {
        if (!url_byte_ok((unsigned char)s[i]))
            return GF_E_URL;
    }
    /* Scheme, case-insensitively (RFC 3986 section 3.1). */
    if (len >= 8 && gf_view_ieq((gf_view){s, 8}, "https://")) {
        out->https = true;
        i = 8;
    } else if (len >= 7 && gf_view_ieq((gf_view){s, 7}, "http://")) {
        i = 7;
    } else {
        for (i = 0; i < len && (gf_is_alpha(s[i]) || gf_is_digit(s[i]) || s[i] == '+' ||
                                s[i] == '-' || s[i] == '.');
             i++)
            ;
        return (i > 0 && i < len && s[i] == ':') ? GF_E_URL_SCHEME : GF_E_URL;
    }
    out->port = out->https ? 443 : 80;

    /* Authority: up to the first '/', '?' or '#'; no user information. */
    start = i;
    while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#') {
        if (s[i++] == '@')
            return GF_E_URL_USERINFO;
    }
    size_t auth_end = i;
    size_t host_end;
    if (start < auth_end && s[start] == '[') {
        size_t k = start + 1;
        while (k < auth_end && s[k] != ']')
            k++;
        if (k == auth_end || !ipv6_ok(s + start + 1, k - start - 1))
            return GF_E_URL;
        out->host = (gf_view){s + start + 1, k - start - 1};
        host_end = k + 1;
    } else {
        host_end = start;
        while (host_end < auth_end && s[host_end] != ':') {
            if (!host_char_ok(s[host_end]))
                return GF_E_URL;
            host_end++;
        }
        out->host = (gf_view){s + start, host_end - start};
    }
    if (out->host.len == 0 || out->host.len >= GF_HOST_MAX)
        return GF_E_URL;
    if (host_end < auth_end) {
        uint64_t port;
        if (s[host_end] != ':')
            return GF_E_URL;
        if (host_end + 1 < auth_end) {
            if (!gf_parse_u64(s + host_end + 1, auth_end - host_end - 1, &port) || port == 0 ||
                port > 65535)
                return GF_E_URL;
            out->port = (uint16_t)port;
            out->port_given = true;
        }
    }

    /* Path and query; the fragment is the client's own business. */
    size_t path_start = i;
    while (i < len && s[i] != '?' && s[i] != '#')
        i++;
    if (i > path_start)
        out->path = (gf_view){s + path_start, i - path_start};
    else
        out->path = (gf_view){slash, 1};
    if (i < len && s[i] == '?') {
        size_t q = ++i;
        while (i < len && s[i] != '#')
            i++;
        out->query = (gf_view){s + q, i - q};
    }
    return GF_OK;
}

/* ---- references (Location) ------------------------------------------- */
#if GF_FEATURE_REDIRECTS /* only a redirect resolves a reference */

/* Remove "." and ".." segments of in[0..n) (RFC 3986 section 5.2.4) into
 * out. Returns the length written, or SIZE_MAX when out is too small. */
static size_t remove_dots(const char *in, size_t n, char *out, size_t cap)
{
    size_t i = 0, o = 0;
#define REST_IS(s) (n - i == sizeof(s) - 1 && memcmp(in + i, s, sizeof(s) - 1) == 0)
#define STARTS(s) (n - i >= sizeof(s) - 1 && memcmp(in + i, s, sizeof(s) - 1) == 0)
    while (i < n) {
        if (STARTS("../")) {
            i += 3;
        } else if (STARTS("./")) {
            i += 2;
        } else if (STARTS("/./")) {
            i += 2;
        } else if (REST_IS("/.")) {
            i = n;
            if (o >= cap)
                return SIZE_MAX;
            out[o++] = '/';
        } else if (STARTS("/../") || REST_IS("/..")) {
            bool last = REST_IS("/..");
            i += 3;
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            if (last) {
                if (o >= cap)
                    return SIZE_MAX;
                out[o++] = '/';
            }
        } else if (REST_IS(".") || REST_IS("..")) {
            i = n;
        } else {
            do {
                if (o >= cap)
                    return SIZE_MAX;
                out[o++] = in[i++];
            } while (i < n && in[i] != '/');
        }
    }
#undef REST_IS
#undef STARTS
    return o;
}

gf_status gf_url_resolve(char *url, size_t cap, const char *ref, char *scratch, size_t scratch_cap)
{
    size_t rlen = strcspn(ref, "#"), k, m = 0;

    /* An absolute reference: a scheme before any '/', '?' or '#'. */
    for (k = 0; k < rlen && (gf_is_alpha(ref[k]) || gf_is_digit(ref[k]) || ref[k] == '+' ||
                             ref[k] == '-' || ref[k] == '.');
         k++)
        ;
    if (k > 0 && k < rlen && ref[k] == ':' && gf_is_alpha(ref[0])) {
        if (rlen >= cap)
            return GF_E_REDIRECT_LOCATION;
        memcpy(url, ref, rlen);
        url[rlen] = '\0';
        return GF_OK;
    }
    size_t scheme_end = strcspn(url, ":");
    if (strncmp(url + scheme_end, "://", 3) != 0)
        return GF_E_URL; /* not an absolute base: the caller's mistake */
    if (rlen >= 2 && ref[0] == '/' && ref[1] == '/') {
        if (scheme_end + 1 + rlen >= cap)
            return GF_E_REDIRECT_LOCATION;
        memcpy(url + scheme_end + 1, ref, rlen);
        url[scheme_end + 1 + rlen] = '\0';
        return GF_OK;
    }

    /* Path-relative: merge with the base path in scratch (RFC 3986 section
     * 5.2.3), then remove dot segments back into url after the authority. */
    size_t auth_end = scheme_end + 3 + strcspn(url + scheme_end + 3, "/?#");
    size_t path_end = auth_end + strcspn(url + auth_end, "?#");
    size_t query_end = path_end + strcspn(url + path_end, "#");
    size_t keep; /* bytes of the base kept before the reference */
    if (rlen == 0) {
        keep = query_end - auth_end; /* the same resource */
    } else if (ref[0] == '/') {
        keep = 0;
    } else if (ref[0] == '?') {
        keep = path_end - auth_end;
    } else {
        size_t dir = path_end;
        while (dir > auth_end && url[dir - 1] != '/')
            dir--;
        keep = dir - auth_end;
    }
    if (keep == 0 && (rlen == 0 || ref[0] != '/'))
        m = 1; /* an empty base path counts as "/" */
    if (m + keep + rlen > scratch_cap)
        return GF_E_REDIRECT_LOCATION;
    if (m == 1)
        scratch[0] = '/';
    memcpy(scratch + m, url + auth_end, keep);
    m += keep;
    memcpy(scratch + m, ref, rlen);
    m += rlen;

    size_t plen = 0;
    while (plen < m && scratch[plen] != '?')
        plen++;
    size_t room = cap - auth_end - 1;
    size_t w = remove_dots(scratch, plen, url + auth_end, room);
    if (w == SIZE_MAX || m - plen > room - w)
        return GF_E_REDIRECT_LOCATION;
    memcpy(url + auth_end + w, scratch + plen, m - plen);
    url[auth_end + w + (m - plen)] = '\0';
    return GF_OK;
}
#endif /* GF_FEATURE_REDIRECTS */
