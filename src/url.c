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
