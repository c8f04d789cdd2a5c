/* HTTP/1.1 request heads (RFC 9112 section 3, RFC 9110 section 7.2). */
#include "http.h"

typedef struct out {
    unsigned char *buf;
    size_t cap, len;
    bool overflow;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }
static void putv(out *o, gf_view v) { put(o, v.ptr, v.len); }

bool gf_http_header_ok(const char *name, const char *value)
{
    if (name == NULL || value == NULL || name[0] == '\0')
        return false;
    for (const char *c = name; *c != '\0'; c++) {
        if (!(gf_is_alpha(*c) || gf_is_digit(*c) || strchr("!#$%&'*+-.^_`|~", *c) != NULL))
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

/* host[:port] as the Host header and CONNECT's authority want it. */
static void put_authority(out *o, const gf_url *url, bool always_port)
{
    char num[21];
    bool v6 = memchr(url->host.ptr, ':', url->host.len) != NULL;
    if (v6)
        puts_(o, "[");
    putv(o, url->host);
    if (v6)
        puts_(o, "]");
    if (always_port || url->port != (url->https ? 443 : 80)) {
        gf_format_u64(num, url->port);
        puts_(o, ":");
        puts_(o, num);
    }
}

gf_status gf_http_write_request(unsigned char *buf, size_t cap, size_t *len, const char *method,
                                const gf_url *url, const gf_header *headers, size_t count,
                                bool with_credentials, bool has_body, size_t body_len)
{
    out o = {buf, cap, 0, false};
    char num[21];

    for (size_t i = 0; i < count; i++) {
        if (!gf_http_header_ok(headers[i].name, headers[i].value))
            return GF_E_HEADER_INJECTION;
    }
    puts_(&o, method);
    puts_(&o, " ");
    putv(&o, url->path);
    if (url->query.len > 0) {
        puts_(&o, "?");
        putv(&o, url->query);
    }
    puts_(&o, " HTTP/1.1\r\nHost: ");
    put_authority(&o, url, false);
    puts_(&o, "\r\nUser-Agent: giofetch/" GF_VERSION "\r\n");
    for (size_t i = 0; i < count; i++) {
        if (headers[i].credential && !with_credentials)
            continue;
        puts_(&o, headers[i].name);
        puts_(&o, ": ");
        puts_(&o, headers[i].value);
        puts_(&o, "\r\n");
    }
    if (has_body) {
        gf_format_u64(num, body_len);
        puts_(&o, "Content-Length: ");
        puts_(&o, num);
        puts_(&o, "\r\n");
    }
    puts_(&o, "\r\n");
    if (o.overflow)
        return GF_E_BUFFER;
    *len = o.len;
    return GF_OK;
}

gf_status gf_http_write_connect(unsigned char *buf, size_t cap, size_t *len, const gf_url *url,
                                const char *proxy_authorization)
{
    out o = {buf, cap, 0, false};
    if (proxy_authorization != NULL && !gf_http_header_ok("Proxy-Authorization", proxy_authorization))
        return GF_E_HEADER_INJECTION;
    /* authority-form target (RFC 9112 section 3.2.3) */
    puts_(&o, "CONNECT ");
    put_authority(&o, url, true);
    puts_(&o, " HTTP/1.1\r\nHost: ");
    put_authority(&o, url, true);
    puts_(&o, "\r\nUser-Agent: giofetch/" GF_VERSION "\r\n");
    if (proxy_authorization != NULL) {
        puts_(&o, "Proxy-Authorization: ");
        puts_(&o, proxy_authorization);
        puts_(&o, "\r\n");
    }
    puts_(&o, "\r\n");
    if (o.overflow)
        return GF_E_BUFFER;
    *len = o.len;
    return GF_OK;
}
