/* The HTTP engine's parts: response parser, request writer, transport.
 * Private to the library (and its tests and fuzz targets). */
#ifndef GF_HTTP_H
#define GF_HTTP_H

#include "internal.h"

/* ---- Response parser (RFC 9112) ---------------------------------------- */

/* What the request was, as far as the response's framing is concerned. */
typedef enum gf_http_mode {
    GF_HTTP_MODE_NORMAL,     /* GET, POST                                   */
    GF_HTTP_MODE_HEAD,       /* no body whatever the headers say            */
    GF_HTTP_MODE_CONNECT     /* ends with the headers: a 2xx has no body (RFC
                              * 9110 9.3.6), and on anything else the tunnel
                              * is refused and the connection closed unread */
} gf_http_mode;

void gf_http_parser_init(gf_http_parser *p, gf_http_mode mode);

/*
 * Feed received bytes. Handler callbacks run as headers and body pieces are
 * recognized (1xx responses are consumed silently). *used receives how many
 * bytes were consumed: all of them, unless the response ended inside data.
 * Returns GF_OK (see gf_http_parser_done), a GF_E_HTTP_* error, or the
 * first error a callback returned.
 */
gf_status gf_http_parser_feed(gf_http_parser *p, const unsigned char *data, size_t len,
                              size_t *used, const gf_http_handler *hd);

/* The peer closed the connection: GF_OK when that ends the response (a body
 * delimited by the close), else GF_E_HTTP_TRUNCATED. */
gf_status gf_http_parser_eof(gf_http_parser *p);

bool gf_http_parser_done(const gf_http_parser *p);
/* Any byte of a response seen yet. */
bool gf_http_parser_started(const gf_http_parser *p);
/* The connection may carry another request after this response. */
bool gf_http_parser_reusable(const gf_http_parser *p);

/* ---- Request writer ---------------------------------------------------- */

/* A token character of a header name or method (RFC 9110 section 5.6.2). */
bool gf_http_is_tchar(char c);

/* A header is safe to send: a token name and a value without CR, LF or NUL. */
bool gf_http_header_ok(const char *name, const char *value);

/*
 * Write a request head into buf: request line with the origin-form target
 * (path and query of url), Host (port when not the default), User-Agent,
 * the headers (credentials only when with_credentials), Content-Length when
 * the method sends a body, and the blank line. Returns GF_OK, GF_E_BUFFER or
 * GF_E_HEADER_INJECTION.
 */
gf_status gf_http_write_request(unsigned char *buf, size_t cap, size_t *len, const char *method,
                                const gf_url *url, const gf_header *headers, size_t count,
                                bool with_credentials, bool has_body, size_t body_len);

/* host, or host:port when with_port, as people write it: an IPv6 literal in
 * brackets (RFC 3986 section 3.2.2), so that the port cannot be read as part
 * of the address. For the request head and for event texts alike. */
void gf_http_put_host(gf_writer *o, gf_view host, uint16_t port, bool with_port);

/* Write "CONNECT host:port HTTP/1.1" with Host and an optional
 * Proxy-Authorization. */
gf_status gf_http_write_connect(unsigned char *buf, size_t cap, size_t *len, const gf_url *url,
                                const char *proxy_authorization);

/* ---- Transport: a byte stream over the port, plain or TLS -------------- */

/* Each function waits for the peer at most h->timeout_ms at a time and
 * never past h->deadline_at; a timeout is GF_E_IDLE_TIMEOUT (connect:
 * GF_E_CONNECT_TIMEOUT). */

/* Open TCP to host:port (no TLS yet). */
gf_status gf_transport_connect(gf_http *h, const char *host, uint16_t port);
/* Start TLS on the open connection, verifying host (port keys the session
 * kept for resumption). */
gf_status gf_transport_start_tls(gf_http *h, const char *host, uint16_t port);
/* Send every byte, or fail. */
gf_status gf_transport_send(gf_http *h, const unsigned char *data, size_t len);
/* Receive some bytes; *got = 0 means the peer closed in order. */
gf_status gf_transport_recv(gf_http *h, unsigned char *buf, size_t cap, size_t *got);
void gf_transport_close(gf_http *h, bool graceful);

/* ---- Helpers shared by the engine's files ------------------------------ */

/* Report an event, when the caller asked for them; it names the engine's
 * current peer (gf_http_event_peer). */
void gf_http_event(const gf_http *h, gf_event_kind kind, gf_status st, int http_status,
                   const char *text);
/* Fill ev's host, port and proxy with the peer the engine talks or last
 * talked to: the proxy while connecting to it or asking it for a tunnel,
 * else the origin; nothing before the first connection. */
void gf_http_event_peer(const gf_http *h, gf_event *ev);

#endif /* GF_HTTP_H */
