/*
 * The HTTP/1.1 client: one connection at a time, reused while the server
 * allows it; requests, redirects, deadlines, and CONNECT tunnels through a
 * proxy. Framing is the parser's job, bytes are the transport's.
 */
#include "http.h"

void gf_http_init(gf_http *h, const gf_port *port, struct gf_tls *tls)
{
    memset(h, 0, sizeof(*h));
    h->port = port;
    h->tls = tls;
    h->timeout_ms = GF_TIMEOUT_MS;
    h->handle = -1;
}

void gf_http_close(gf_http *h)
{
    if (h != NULL && h->port != NULL)
        gf_transport_close(h, true);
}

/* No time left for another wait: the deadline has passed (or the idle
 * timeout is 0). */
static bool out_of_time(const gf_http *h)
{
    return gf_wait_ms(h->port, h->timeout_ms, h->deadline_at) == 0;
}

void gf_http_event_peer(const gf_http *h, gf_event *ev)
{
    if (h->at_proxy && h->proxy != NULL) {
        ev->host = h->proxy->host;
        ev->port = h->proxy->port;
        ev->proxy = true;
    } else if (h->conn_host[0] != '\0') {
        ev->host = h->conn_host;
        ev->port = h->conn_port;
        ev->proxy = false;
    }
}

void gf_http_event(const gf_http *h, gf_event_kind kind, gf_status st, int http_status,
                   const char *text)
{
    if (h->on_event == NULL)
        return;
    gf_event ev;
    gf_event_init(&ev, kind, st, text);
    ev.http_status = http_status;
    gf_http_event_peer(h, &ev);
    h->on_event(h->event_user, &ev);
}

/* A host name (NUL-terminated) as a view, for gf_http_put_host. */
static gf_view host_view(const char *host)
{
    gf_view v = {host, strlen(host)};
    return v;
}

/* Event texts are written into the engine's buffer, which is free whenever
 * an event is reported; one byte stays for the NUL. */
static gf_writer event_text(gf_http *h)
{
    gf_writer w = {(char *)h->buf, sizeof(h->buf) - 1, 0, false};
    return w;
}

static void text_event(const gf_http *h, gf_event_kind kind, gf_status st, int http_status,
                       gf_writer *w)
{
    w->buf[w->len] = '\0';
    gf_http_event(h, kind, st, http_status, w->buf);
}

static bool deadline_passed(const gf_http *h)
{
    return h->deadline_at != 0 && h->port->now_ms(h->port->ctx) >= h->deadline_at;
}

/* A timeout that the deadline caused is the deadline's. */
static gf_status timed(const gf_http *h, gf_status st)
{
    if ((st == GF_E_IDLE_TIMEOUT || st == GF_E_CONNECT_TIMEOUT) && deadline_passed(h))
        return GF_E_DEADLINE;
    return st;
}

static bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Event text "METHOD https://host[:port]/path", the query elided: links carry
 * their signature there. */
static void url_event(gf_http *h, gf_event_kind kind, int http_status, const char *method,
                      const gf_url *url)
{
    gf_writer w = event_text(h);
    if (h->on_event == NULL)
        return;
    if (method != NULL) {
        gf_puts(&w, method);
        gf_put(&w, " ", 1);
    }
    gf_puts(&w, url->https ? "https://" : "http://");
    gf_http_put_host(&w, url->host, url->port, url->port != (url->https ? 443 : 80));
    gf_put(&w, url->path.ptr, url->path.len);
    if (url->query.len > 0)
        gf_put(&w, "?...", 4);
    text_event(h, kind, GF_OK, http_status, &w);
}

/* "host:port", or "proxy host:port" while connecting to the proxy. */
static void connect_event(gf_http *h, const char *host, uint16_t port)
{
    gf_writer w = event_text(h);
    if (h->on_event == NULL)
        return;
    if (h->at_proxy)
        gf_put(&w, "proxy ", 6);
    gf_http_put_host(&w, host_view(host), port, true);
    text_event(h, GF_EV_CONNECT, GF_OK, 0, &w);
}

#if GF_FEATURE_PROXY
/* The proxy could not be reached: say which and why (st) in an event, and
 * call it what it is, unless the cause was ours (descriptors, memory). */
static gf_status proxy_unreachable(gf_http *h, gf_status st)
{
    if (st == GF_E_RESOURCES)
        return st;
    if (h->on_event != NULL) {
        gf_writer w = event_text(h);
        gf_puts(&w, "cannot connect to the proxy ");
        gf_http_put_host(&w, host_view(h->proxy->host), h->proxy->port, true);
        size_t whole = w.len;
        gf_put(&w, ": ", 2);
        gf_puts(&w, gf_strerror(st));
        if (w.overflow)
            w.len = whole; /* the reason whole or not at all */
        text_event(h, GF_EV_NOTICE, st, 0, &w);
    }
    return GF_E_PROXY_CONNECT;
}

/* no_proxy: comma- or space-separated host names; "*" matches all, an entry
 * matches the host itself and its subdomains (".example.com" or
 * "example.com" alike). */
static bool bypass_proxy(const char *list, const char *host)
{
    size_t hl = strlen(host);
    if (list == NULL)
        return false;
    while (*list != '\0') {
        while (*list == ',' || *list == ' ')
            list++;
        const char *e = list;
        while (*e != '\0' && *e != ',' && *e != ' ')
            e++;
        gf_view entry = {list, (size_t)(e - list)};
        list = e;
        if (entry.len > 0 && entry.ptr[0] == '.') {
            entry.ptr++;
            entry.len--;
        }
        if (gf_view_eq(entry, "*"))
            return true;
        if (entry.len == 0 || entry.len > hl)
            continue;
        const char *tail = host + hl - entry.len;
        if ((tail == host || tail[-1] == '.') && gf_view_ieq(entry, tail))
            return true;
    }
    return false;
}

#endif /* GF_FEATURE_PROXY */

/* Read one response on the open connection into the parser. *extra tells
 * whether bytes followed the response (then the connection is not reused). */
static gf_status read_response(gf_http *h, gf_http_mode mode, const gf_http_handler *hd,
                               bool *extra)
{
    *extra = false;
    gf_http_parser_init(&h->parser, mode);
    for (;;) {
        size_t got = 0, used = 0;
        if (out_of_time(h))
            return GF_E_DEADLINE;
        gf_status st = gf_transport_recv(h, h->buf, sizeof(h->buf), &got);
        if (st != GF_OK)
            return timed(h, st);
        if (got == 0)
            return gf_http_parser_eof(&h->parser);
        st = gf_http_parser_feed(&h->parser, h->buf, got, &used, hd);
        if (st != GF_OK)
            return st;
        if (gf_http_parser_done(&h->parser)) {
            *extra = used < got;
            return GF_OK;
        }
    }
}

static gf_status send_bytes(gf_http *h, const unsigned char *data, size_t len)
{
    if (out_of_time(h))
        return GF_E_DEADLINE;
    return timed(h, gf_transport_send(h, data, len));
}

#if GF_FEATURE_PROXY
/* CONNECT host:port through the proxy on the open connection. */
static gf_status tunnel(gf_http *h, const gf_url *url)
{
    size_t len;
    bool extra = false;
    gf_status st = gf_http_write_connect(h->buf, sizeof(h->buf), &len, url, h->proxy->authorization);
    if (st == GF_OK)
        st = send_bytes(h, h->buf, len);
    if (st == GF_OK)
        st = read_response(h, GF_HTTP_MODE_CONNECT, NULL, &extra);
    if (st == GF_E_HTTP_TRUNCATED || st == GF_E_HTTP_SYNTAX)
        st = GF_E_PROXY;
    if (st == GF_OK) {
        int code = h->parser.status;
        /* Before TLS starts the server has nothing to say: extra bytes are
         * the proxy's, and not to be trusted. 403 is the proxy's access
         * rules, 407 its wish for (other) credentials (RFC 9110 section
         * 15.5.8); tinyproxy sends 401 for wrong ones, and before a tunnel
         * only the proxy can speak. Any other refusal shows its status in
         * the event. */
        if (code == 403)
            st = GF_E_PROXY_DENIED;
        else if (code == 407 || code == 401)
            st = GF_E_PROXY_AUTH;
        else if (code / 100 != 2 || extra)
            st = GF_E_PROXY;
        gf_http_event(h, GF_EV_RESPONSE, st, code, "proxy");
    }
    return st;
}

/* A TCP connection to the origin of an https URL through the proxy, unless
 * no_proxy names the host: then straight to it (*proxied false). */
static gf_status connect_via_proxy(gf_http *h, const gf_url *url, bool *proxied)
{
    gf_status st;
    *proxied = !bypass_proxy(h->proxy->no_proxy, h->conn_host);
    if (!*proxied)
        return GF_OK;
    h->at_proxy = true;
    connect_event(h, h->proxy->host, h->proxy->port);
    st = gf_transport_connect(h, h->proxy->host, h->proxy->port);
    if (st != GF_OK)
        return proxy_unreachable(h, timed(h, st));
    if ((st = tunnel(h, url)) == GF_OK)
        h->at_proxy = false; /* from here on the origin speaks */
    return st;
}
#endif /* GF_FEATURE_PROXY */

static gf_status connect_once(gf_http *h, const gf_url *url, bool *reconnect)
{
    gf_status st;
    bool late = out_of_time(h);

    if (url->https && h->tls == NULL)
        return GF_E_NO_TLS;
    if (late)
        return GF_E_DEADLINE;
    memcpy(h->conn_host, url->host.ptr, url->host.len);
    h->conn_host[url->host.len] = '\0';
    h->conn_port = url->port;

    bool proxied = false;
    h->at_proxy = false;
    st = GF_OK;
    /* A proxy carries https only: plain http goes straight to the origin. */
    if (url->https && h->proxy != NULL) {
#if GF_FEATURE_PROXY
        st = connect_via_proxy(h, url, &proxied);
#else
        return GF_E_FEATURE_OFF;
#endif
    }
    if (st == GF_OK && !proxied) {
        connect_event(h, h->conn_host, h->conn_port);
        st = gf_transport_connect(h, h->conn_host, h->conn_port);
    }
    if (st == GF_OK && url->https) {
        const gf_secure *sec = (const gf_secure *)(const void *)h->tls;
        bool late_tls = out_of_time(h);
        st = late_tls ? GF_E_DEADLINE : gf_transport_start_tls(h, h->conn_host, h->conn_port);
        /* only this open's answer counts, never one of an earlier connection */
        *reconnect = !late_tls && st != GF_OK && sec != NULL && sec->reconnect;
        if (sec != NULL && !*reconnect) /* else open_conn says it */
            gf_http_event(h, GF_EV_TLS, st, 0, sec->ops->describe(h->tls));
    }
    if (st != GF_OK)
        gf_transport_close(h, false);
    return timed(h, st);
}

/* A connection to the URL's origin, through the proxy when one is set. The
 * TLS implementation may ask for one more connection to the same host after
 * a failed handshake (gf_secure.reconnect: it now offers that server
 * something else, see tls.h); the reconnection happens here, where the
 * connection (and a proxy tunnel) is made, once. */
static gf_status open_conn(gf_http *h, const gf_url *url)
{
    bool reconnect = false;
    gf_status st = connect_once(h, url, &reconnect);
    if (reconnect) {
        const gf_secure *sec = (const gf_secure *)(const void *)h->tls;
        gf_http_event(h, GF_EV_NOTICE, st, 0, sec->ops->describe(h->tls));
        st = connect_once(h, url, &reconnect);
    }
    return st;
}

static bool same_origin(const gf_http *h, const gf_url *url)
{
    return h->conn_port == url->port && h->secure == url->https &&
           gf_view_ieq(url->host, h->conn_host);
}

/* Send the request and read its response, on a reused connection when the
 * last one to this origin is still good. A reused connection that fails
 * before any response byte (the server closed it while idle) is retried
 * once on a fresh one. */
static gf_status roundtrip(gf_http *h, const gf_url *url, const char *method, bool creds,
                           const gf_http_request *req, const unsigned char *body, size_t body_len,
                           const gf_http_handler *hd)
{
    bool has_body = strcmp(method, "POST") == 0;
    gf_http_mode mode = strcmp(method, "HEAD") == 0 ? GF_HTTP_MODE_HEAD : GF_HTTP_MODE_NORMAL;

    for (int attempt = 0;; attempt++) {
        gf_status st;
        size_t len;
        bool extra = false;
        bool reused = h->open && h->reusable && same_origin(h, url);

        if (h->open && !reused)
            gf_transport_close(h, true);
        if (!reused && (st = open_conn(h, url)) != GF_OK)
            return st;
        h->reusable = false;
        url_event(h, GF_EV_REQUEST, 0, method, url);
        st = gf_http_write_request(h->buf, sizeof(h->buf), &len, method, url, req->headers,
                                   req->header_count, creds, has_body, body_len);
        if (st == GF_OK)
            st = send_bytes(h, h->buf, len);
        if (st == GF_OK && has_body && body_len > 0)
            st = send_bytes(h, body, body_len);
        if (st == GF_OK)
            st = read_response(h, mode, hd, &extra);
        if (st != GF_OK) {
            bool early = !gf_http_parser_started(&h->parser) &&
                         (st == GF_E_RESET || st == GF_E_NETWORK || st == GF_E_HTTP_TRUNCATED);
            gf_transport_close(h, false);
            if (reused && early && attempt == 0) {
                gf_http_event(h, GF_EV_NOTICE, st, 0, "kept-alive connection closed; reconnecting");
                continue;
            }
            return st;
        }
        gf_http_event(h, GF_EV_RESPONSE, GF_OK, h->parser.status, NULL);
        h->reusable = gf_http_parser_reusable(&h->parser) && !extra;
        if (!h->reusable)
            gf_transport_close(h, true);
        return GF_OK;
    }
}

/* ---- Redirects --------------------------------------------------------- */
#if GF_FEATURE_REDIRECTS

typedef struct follow {
    const gf_http_handler *user;
    gf_http *h;
    bool follow;
    bool have_location;      /* a Location that fits h->location            */
} follow;

static gf_status follow_header(void *user, int status, gf_view name, gf_view value)
{
    follow *f = user;
    if (f->follow && is_redirect(status)) {
        if (gf_view_ieq(name, "location")) {
            /* One that does not fit is no usable Location: the redirect
             * fails with GF_E_REDIRECT_LOCATION. */
            if (value.len < sizeof(f->h->location)) {
                memcpy(f->h->location, value.ptr, value.len);
                f->h->location[value.len] = '\0';
                f->have_location = value.len > 0;
            }
        }
        return GF_OK;
    }
    return f->user != NULL && f->user->header != NULL
               ? f->user->header(f->user->user, status, name, value)
               : GF_OK;
}

static gf_status follow_head(void *user, int status)
{
    follow *f = user;
    if (f->follow && is_redirect(status))
        return GF_OK;
    return f->user != NULL && f->user->head != NULL ? f->user->head(f->user->user, status) : GF_OK;
}

static gf_status follow_body(void *user, const unsigned char *data, size_t len)
{
    follow *f = user;
    if (f->follow && is_redirect(f->h->parser.status))
        return GF_OK; /* a redirect's body is not the caller's */
    return f->user != NULL && f->user->body != NULL ? f->user->body(f->user->user, data, len)
                                                    : GF_OK;
}

/* The exchange, following redirects when the request asks: credentials
 * stay with the first origin, https never drops to http. */
static gf_status exchange_following(gf_http *h, gf_url *url, const gf_http_request *req,
                                    const gf_http_handler *hd, int *status)
{
    gf_status st;
    const char *method = req->method;
    const unsigned char *body = req->body;
    size_t body_len = req->body_len;
    bool creds = true;
    unsigned redirects = 0;
    /* Every field named: GCC clears the whole struct first otherwise. */
    follow f = {.user = hd, .h = h, .follow = req->follow_redirects, .have_location = false};
    const gf_http_handler wrap = {
        .user = &f, .header = follow_header, .head = follow_head, .body = follow_body};

    for (;;) {
        f.have_location = false;
        st = roundtrip(h, url, method, creds, req, body, body_len, &wrap);
        if (st != GF_OK)
            break;
        int code = h->parser.status;
        if (!req->follow_redirects || !is_redirect(code)) {
            if (status != NULL)
                *status = code;
            break;
        }
        if (!f.have_location) {
            st = GF_E_REDIRECT_LOCATION;
            break;
        }
        if (++redirects > GF_REDIRECTS_MAX) {
            st = GF_E_REDIRECT_LIMIT;
            break;
        }
        bool was_https = url->https;
        uint16_t old_port = url->port;
        /* h->conn_host still names the origin just used */
        if ((st = gf_url_resolve(h->url, sizeof(h->url), h->location, (char *)h->buf,
                                  sizeof(h->buf))) != GF_OK)
            break;
        if (gf_url_parse(h->url, strlen(h->url), url) != GF_OK) {
            st = GF_E_REDIRECT_LOCATION;
            break;
        }
        url_event(h, GF_EV_REDIRECT, code, NULL, url);
        if (was_https && !url->https) {
            st = GF_E_REDIRECT_INSECURE;
            break;
        }
        if (url->https != was_https || url->port != old_port || !gf_view_ieq(url->host, h->conn_host))
            creds = false; /* credentials never cross origins, not even back */
        if (code == 303 || ((code == 301 || code == 302) && strcmp(method, "POST") == 0)) {
            method = "GET";
            body = NULL;
            body_len = 0;
        }
    }
    return st;
}
#endif /* GF_FEATURE_REDIRECTS */

gf_status gf_http_exchange(gf_http *h, const gf_http_request *req, const gf_http_handler *hd,
                           int *status)
{
    gf_url url;
    gf_status st;
    size_t n;

    if (h == NULL || req == NULL || req->url == NULL || req->method == NULL)
        return GF_E_ARGUMENT;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0 &&
        strcmp(req->method, "HEAD") != 0)
        return GF_E_ARGUMENT;
    for (size_t i = 0; i < req->header_count; i++) {
        if (!gf_http_header_ok(req->headers[i].name, req->headers[i].value))
            return GF_E_HEADER_INJECTION;
    }
    n = strlen(req->url);
    if (n >= sizeof(h->url))
        return GF_E_URL;
    memmove(h->url, req->url, n + 1);
    if ((st = gf_url_parse(h->url, n, &url)) != GF_OK)
        return st;

    h->deadline_at = req->deadline_ms != 0 ? h->port->now_ms(h->port->ctx) + req->deadline_ms : 0;
#if GF_FEATURE_REDIRECTS
    st = exchange_following(h, &url, req, hd, status);
#else
    st = roundtrip(h, &url, req->method, true, req, req->body, req->body_len, hd);
    if (st == GF_OK && req->follow_redirects && is_redirect(h->parser.status))
        st = GF_E_FEATURE_OFF; /* the build cannot follow it, and says so */
    else if (st == GF_OK && status != NULL)
        *status = h->parser.status;
#endif
    if (st != GF_OK)
        gf_transport_close(h, false);
    return st;
}

