/* HTTP/1.1 request heads (RFC 9112 section 3, RFC 9110 section 7.2). */
#include "http.h"

static void putv(gf_writer *o, gf_view v) { gf_put(o, v.ptr, v.len); }

bool gf_http_header_ok(const char *name, const char *value)
{
    if (name == NULL || value == NULL || name[0] == '\0')
        return false;
    for (const char *c = name; *c != '\0'; c++) {
        if (!gf_http_is_tchar(*c))
            return false;
    }
    /* CR or LF in a value would end the header early (header injection), and
     * no other control byte belongs there either; a NUL ends the C string,
     * so it cannot hide anything after it. */
    for (const char *c = value; *c != '\0'; c++) {
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return false;
    }
    return true;
}

bool gf_http_is_tchar(char c)
{
    /* token characters, RFC 9110 section 5.6.2 */
    return gf_is_alpha(c) || gf_is_digit(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

void gf_http_put_host(gf_writer *o, gf_view host, uint16_t port, bool with_port)
{
    char num[GF_U64_TEXT];
    bool v6 = memchr(host.ptr, ':', host.len) != NULL;
    if (v6)
        gf_put(o, "[", 1);
    putv(o, host);
    if (v6)
        gf_put(o, "]", 1);
    if (with_port) {
        gf_put(o, ":", 1);
        gf_put(o, num, gf_format_u64(num, port));
    }
}

/* host[:port] as the Host header and CONNECT's authority want it. */
static void put_authority(gf_writer *o, const gf_url *url, bool always_port)
{
    gf_http_put_host(o, url->host, url->port, always_port || url->port != (url->https ? 443 : 80));
}

gf_status gf_http_write_request(unsigned char *buf, size_t cap, size_t *len, const char *method,
                                const gf_url *url, const gf_header *headers, size_t count,
                                bool with_credentials, bool has_body, size_t body_len)
{
    gf_writer o = {(char *)buf, cap, 0, false};
    char num[GF_U64_TEXT];

    for (size_t i = 0; i < count; i++) {
        if (!gf_http_header_ok(headers[i].name, headers[i].value))
            return GF_E_HEADER_INJECTION;
    }
    gf_puts(&o, method);
    gf_puts(&o, " ");
    putv(&o, url->path);
    if (url->query.len > 0) {
        gf_puts(&o, "?");
        putv(&o, url->query);
    }
    gf_puts(&o, " HTTP/1.1\r\nHost: ");
    put_authority(&o, url, false);
    gf_puts(&o, "\r\nUser-Agent: giofetch/" GF_VERSION "\r\n");
    for (size_t i = 0; i < count; i++) {
        if (headers[i].credential && !with_credentials)
            continue;
        gf_puts(&o, headers[i].name);
        gf_puts(&o, ": ");
        gf_puts(&o, headers[i].value);
        gf_puts(&o, "\r\n");
    }
    if (has_body) {
        gf_format_u64(num, body_len);
        gf_puts(&o, "Content-Length: ");
        gf_puts(&o, num);
        gf_puts(&o, "\r\n");
    }
    gf_puts(&o, "\r\n");
    if (o.overflow)
        return GF_E_BUFFER;
    *len = o.len;
    return GF_OK;
}

#if GF_FEATURE_PROXY
gf_status gf_http_write_connect(unsigned char *buf, size_t cap, size_t *len, const gf_url *url,
                                const char *proxy_authorization)
{
    gf_writer o = {(char *)buf, cap, 0, false};
    if (proxy_authorization != NULL && !gf_http_header_ok("Proxy-Authorization", proxy_authorization))
        return GF_E_HEADER_INJECTION;
    /* authority-form target (RFC 9112 section 3.2.3) */
    gf_puts(&o, "CONNECT ");
    put_authority(&o, url, true);
    gf_puts(&o, " HTTP/1.1\r\nHost: ");
    put_authority(&o, url, true);
    gf_puts(&o, "\r\nUser-Agent: giofetch/" GF_VERSION "\r\n");
    if (proxy_authorization != NULL) {
        gf_puts(&o, "Proxy-Authorization: ");
        gf_puts(&o, proxy_authorization);
        gf_puts(&o, "\r\n");
    }
    gf_puts(&o, "\r\n");
    if (o.overflow)
        return GF_E_BUFFER;
    *len = o.len;
    return GF_OK;
}
#endif
