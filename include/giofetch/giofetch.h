/*
 * giofetch: fetch GrowingIO raw-data exports (API "raw data export v2").
 *
 * The library never allocates: every struct here is owned by the caller and
 * sized by config.h. Results are views (pointer + length) into the caller's
 * structs. Every function returns the one status enum, gf_status; a
 * gf_status has a readable message from gf_strerror().
 *
 * Layers, each using only the ones below it:
 *   flow      gf_flow_*(), gf_fetch_export(): ask, poll RUNNING, download
 *             every link, one re-ask after a 403
 *   export    gf_request_target(), gf_answer_parse(), gf_export_links()
 *   download  gf_download(): one link into a gf_sink, resumed and verified
 *   http      gf_http_exchange(): HTTP/1.1 over a port, TLS via gf_secure
 *   port      port.h: the platform
 *
 * Threads. The library has no global state: every call works on the
 * structs it is given. Two clients (each with its own gf_tls and port
 * context) can run in two threads at once; one client must not be used by
 * two threads at once, and a gf_tls belongs to one client.
 *
 * Time. The port's now_ms (monotonic) times connects, idle reads, deadlines,
 * backoff and the pacing of API calls. Its utc_s (wall clock) is needed only
 * to mint a token (gf_mint_token: GF_E_NO_CLOCK without it) and by a caller
 * that derives dates from "now" (gf_period_last_complete). Certificate
 * dates are not checked through the port: mbedTLS compares them with its
 * own clock (time() when built with MBEDTLS_HAVE_TIME_DATE; without it,
 * it does not check them at all). A board without a clock, before NTP, sees
 * GF_E_TLS_NOT_YET_VALID or GF_E_TLS_EXPIRED: set the clock first (SNTP,
 * an RTC, the time of the build as a floor), or build mbedTLS without
 * MBEDTLS_HAVE_TIME_DATE and accept that certificate dates go unchecked.
 *
 * Limits. config.h sizes the structs; a program and the library must be
 * built with the same limits (gf_client_init says GF_E_CONFIG otherwise).
 * Its comment has a sizing table.
 */
#ifndef GIOFETCH_H
#define GIOFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "giofetch/config.h"
#include "giofetch/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version as a string, and as a number for #if: 0xMMNNPP (major,
 * minor, patch; 0.1.0 is 0x000100), so a program can require a release
 * with GF_VERSION_NUMBER >= 0x000100 the way it would with
 * MBEDTLS_VERSION_NUMBER or ZLIB_VERNUM. tests/unit/test_request.c checks
 * that the two agree. */
#define GF_VERSION "0.1.0"
#define GF_VERSION_NUMBER 0x000100

/* ======================================================================= */
/* Status                                                                  */
/* ======================================================================= */

typedef enum gf_status {
    GF_OK = 0,               /* done (an export: FINISHED)                  */
    GF_RUNNING,              /* the export is still being prepared          */
    GF_NOT_EXISTS,           /* the API has no such export                  */
    GF_E_API_ERROR,          /* the API answered status ERROR (errorMsg)    */

    /* A request the caller built is refused before a byte is sent. */
    GF_E_EXPORT_TYPE,        /* export type is not hour or day              */
    GF_E_DATA_TYPE,          /* data type is not one of the ten (or all)    */
    GF_E_AI,                 /* project id: 1..64 of [A-Za-z0-9_-]          */
    GF_E_DATE_FORMAT,        /* date is not yyyyMMdd[HH[mm]]                */
    GF_E_DATE_NEEDS_HOUR,    /* an hour export given only yyyyMMdd          */
    GF_E_DATE_INVALID,       /* month 13, Feb 30, hour 24, minute 60...     */
    GF_E_EXPIRE,             /* expire is not 1..10080 minutes              */
    GF_E_BUFFER,             /* a caller buffer is too small                */
    GF_E_ARGUMENT,           /* any other invalid argument                  */
    GF_E_NO_CLOCK,           /* the wall-clock time is needed, not known    */
    GF_E_CONFIG,             /* built with other limits than the library    */
    GF_E_CRYPTO,             /* the crypto glue failed (MD5, HMAC)          */

    /* The API's answer is malformed or over the limits. */
    GF_E_JSON,               /* not valid JSON, or truncated                */
    GF_E_JSON_TOP,           /* the top level is not an object              */
    GF_E_STATUS_MISSING,     /* no "status" field                           */
    GF_E_STATUS_UNKNOWN,     /* "status" is not one of the four             */
    GF_E_LINKS_TYPE,         /* "downloadLinks" has the wrong JSON type     */
    GF_E_FIELD_TYPE,         /* another known field has the wrong type      */
    GF_E_LINK_URL,           /* a link is not an absolute http(s) URL       */
    GF_E_ANSWER_MISMATCH,    /* the answer is about another export          */
    GF_E_TOO_LARGE,          /* over GF_ANSWER_MAX, tokens, links or depth  */

    /* URLs */
    GF_E_URL,                /* malformed URL                               */
    GF_E_URL_SCHEME,         /* not http or https                           */
    GF_E_URL_USERINFO,       /* user:password@ in a URL                     */

    /* HTTP */
    GF_E_HEADER_INJECTION,   /* a request header holds CR, LF or NUL        */
    GF_E_HTTP_SYNTAX,        /* the response breaks HTTP/1.1 syntax         */
    GF_E_HTTP_LINE_TOO_LONG, /* a response line is over GF_HTTP_LINE_MAX    */
    GF_E_HTTP_TOO_MANY_HEADERS, /* more than GF_HTTP_HEADERS_MAX headers    */
    GF_E_HTTP_CONTENT_LENGTH,/* Content-Length invalid or conflicting       */
    GF_E_HTTP_CHUNK,         /* invalid chunked transfer coding             */
    GF_E_HTTP_TRUNCATED,     /* closed before the response was complete     */
    GF_E_HTTP_STATUS,        /* an HTTP status the caller did not expect    */
    GF_E_REDIRECT_LIMIT,     /* more than GF_REDIRECTS_MAX redirects        */
    GF_E_REDIRECT_INSECURE,  /* a redirect from https to http               */
    GF_E_REDIRECT_LOCATION,  /* a redirect without a usable Location        */

    /* Network */
    GF_E_DNS,                /* the host name did not resolve               */
    GF_E_CONNECT_REFUSED,    /* the connection was refused                  */
    GF_E_CONNECT_TIMEOUT,    /* no connection within the timeout            */
    GF_E_IDLE_TIMEOUT,       /* no byte within the idle timeout             */
    GF_E_DEADLINE,           /* the overall deadline passed                 */
    GF_E_RESET,              /* the connection was reset                    */
    GF_E_NETWORK,            /* any other network failure                   */
    GF_E_PROXY,              /* the proxy refused (other than 403/407, the
                              * status is in the GF_EV_RESPONSE event) or
                              * broke the tunnel                            */
    GF_E_NO_TLS,             /* an https URL but no TLS context             */

    /* TLS */
    GF_E_TLS,                /* handshake or record failure                 */
    GF_E_TLS_ALERT,          /* the peer sent a fatal alert                 */
    GF_E_TLS_UNTRUSTED,      /* unknown CA or self-signed certificate       */
    GF_E_TLS_NAME,           /* the certificate is for another host         */
    GF_E_TLS_EXPIRED,        /* the certificate has expired                 */
    GF_E_TLS_NOT_YET_VALID,  /* the certificate is not valid yet            */
    GF_E_TLS_CERT,           /* the certificate is refused for another cause*/
    GF_E_TLS_RECORD_SIZE,    /* a TLS record or handshake message over the
                              * build's buffer (MBEDTLS_SSL_IN_CONTENT_LEN) */
    GF_E_TLS_VERSION,        /* the server needs a TLS version this build
                              * does not speak                              */
    GF_E_TLS_NO_SHARED,      /* no cipher suite or group in common          */
    GF_E_TLS_SIGNATURE,      /* the server's handshake signature refused    */
    GF_E_TLS_CA,             /* the CA certificates could not be loaded     */

    /* The server said no */
    GF_E_AUTH,               /* 401/403 from the API or /auth/token         */
    GF_E_RATE_LIMITED,       /* 429 after the whole retry budget            */
    GF_E_SERVER,             /* 5xx after the whole retry budget            */
    GF_E_LINK_EXPIRED,       /* 403 from the file host: the link expired    */
    GF_E_LINK_SIGNATURE,     /* 403: S3's SignatureDoesNotMatch             */
    GF_E_LINK_DENIED,        /* 403: any other refusal of the file host     */

    /* Downloads */
    GF_E_SIZE_MISMATCH,      /* fewer or more bytes than announced          */
    GF_E_MD5_MISMATCH,       /* the MD5 differs from the server's           */
    GF_E_RANGE,              /* a range answer that does not fit the ask    */
    GF_E_SINK,               /* the caller's sink failed (disk full...)     */

    /* The platform, and proxies (appended: the values above keep theirs) */
    GF_E_RESOURCES,          /* out of file descriptors or memory (port)    */
    GF_E_PROXY_CONNECT,      /* the proxy could not be reached              */
    GF_E_PROXY_DENIED,       /* the proxy refused the tunnel: 403 (its ACL) */
    GF_E_PROXY_AUTH,         /* the proxy wants other credentials: 407 (or
                              * 401, which some proxies send for wrong ones)*/
    GF_E_FEATURE_OFF,        /* needs a feature this build left out
                              * (a GF_FEATURE_ switch of config.h is 0)     */
    GF_E_CANCELLED,          /* the caller's cancel hook stopped the call   */

    GF_STATUS_COUNT
} gf_status;

/* A one-line English message for a status; never NULL. */
const char *gf_strerror(gf_status st);

/* A view of bytes owned by someone else. ptr is NUL-terminated where said. */
typedef struct gf_view {
    const char *ptr;
    size_t len;
} gf_view;

/* ======================================================================= */
/* Export requests and periods (Beijing time, UTC+8, no DST)               */
/* ======================================================================= */

typedef enum gf_export_type {
    GF_EXPORT_HOUR = 0,
    GF_EXPORT_DAY = 1
} gf_export_type;

typedef enum gf_data_type {
    GF_DATA_VISIT = 0,
    GF_DATA_PAGE,
    GF_DATA_ACTION,
    GF_DATA_ACTION_TAG,
    GF_DATA_CUSTOM_EVENT,
    GF_DATA_ADS_TRACK_ACTIVATION,
    GF_DATA_ADS_TRACK_CLICK,
    GF_DATA_PVAR,
    GF_DATA_EVAR,
    GF_DATA_VSTR,
    GF_DATA_ALL              /* the all-types call; not a type of its own */
} gf_data_type;

#define GF_DATA_TYPES 10u    /* the real types, GF_DATA_VISIT..GF_DATA_VSTR */

#define GF_EXPIRE_DEFAULT 5u
#define GF_EXPIRE_MAX 10080u /* minutes: 7 days */
#define GF_AI_MAX 64u
#define GF_DATE_MAX 12u      /* yyyyMMddHHmm */

/* "hour", "day"; NULL for an invalid value. */
const char *gf_export_type_name(gf_export_type t);
/* "visit", ..., "vstr", "all"; NULL for an invalid value. */
const char *gf_data_type_name(gf_data_type d);
/* Parse a name of the lists above (exactly, case-sensitive).
 * Returns GF_OK, GF_E_EXPORT_TYPE or GF_E_DATA_TYPE. */
gf_status gf_export_type_parse(const char *s, size_t len, gf_export_type *out);
gf_status gf_data_type_parse(const char *s, size_t len, gf_data_type *out);

/*
 * One period of an export type: index counts hours (GF_EXPORT_HOUR) or days
 * (GF_EXPORT_DAY) since 1970-01-01 00:00 Beijing time. Stepping a period is
 * index + n; comparing two of one type is comparing indexes.
 */
typedef struct gf_period {
    gf_export_type type;
    int64_t index;
} gf_period;

/*
 * Parse a Beijing-time date yyyyMMdd, yyyyMMddHH or yyyyMMddHHmm (len bytes,
 * no NUL needed) into the period of type t that holds it: an hour export
 * drops the minutes, a day export the hour and minutes.
 * Returns GF_OK, GF_E_DATE_FORMAT (not 8, 10 or 12 digits), GF_E_DATE_NEEDS_HOUR
 * (an hour export given yyyyMMdd), GF_E_DATE_INVALID (no such date or time;
 * years 1970..9999), GF_E_EXPORT_TYPE.
 */
gf_status gf_period_parse(gf_export_type t, const char *s, size_t len, gf_period *out);

/*
 * Write the period as the API wants it: yyyyMMdd (day) or yyyyMMddHH (hour),
 * NUL-terminated. out must hold GF_DATE_MAX + 1 bytes. A period outside the
 * years 1970..9999 is written as an empty string.
 */
void gf_period_format(const gf_period *p, char out[GF_DATE_MAX + 1]);

/*
 * The last period that should be complete at UTC instant utc_s: for hour
 * exports the hour that began 2 hours before, Beijing time; for day exports
 * yesterday from 06:00 Beijing time on, else the day before yesterday.
 */
gf_period gf_period_last_complete(gf_export_type t, int64_t utc_s);

/* The first UTC second of a period. */
int64_t gf_period_start_utc(const gf_period *p);

/* What to ask the API for. date is yyyyMMdd[HH[mm]] Beijing time. */
typedef struct gf_request {
    gf_export_type type;
    gf_data_type data;       /* a type, or GF_DATA_ALL                      */
    const char *ai;          /* project id, NUL-terminated                  */
    const char *date;        /* NUL-terminated                              */
    uint32_t expire_min;     /* link lifetime, 1..10080; 0 = default (5)    */
} gf_request;

/*
 * Validate a request and write its request target (path and query, no
 * host), NUL-terminated, into buf:
 *   /v2/insights/{hour|day}/{data}/{ai}/{date}.json?expire={n}
 *   /v2/insights/{hour|day}/{ai}/{date}.json?expire={n}          (all types)
 * *len (optional) receives the length without the NUL.
 * Returns GF_OK, one of the request refusals above, or GF_E_BUFFER.
 */
gf_status gf_request_target(const gf_request *req, char *buf, size_t cap, size_t *len);

/* ======================================================================= */
/* The API's answer                                                        */
/* ======================================================================= */

typedef enum gf_export_state {
    GF_STATE_FINISHED = 0,
    GF_STATE_RUNNING,
    GF_STATE_NOT_EXISTS,
    GF_STATE_ERROR
} gf_export_state;

/* The API's name of a state ("FINISHED", ...); NULL when out of range. */
const char *gf_export_state_name(gf_export_state s);

/* Storage for one JSON token (jsmn's jsmntok_t without parent links; the
 * export parser checks the layout at compile time). */
typedef struct gf_json_token {
    int type;
    int start;
    int end;
    int size;
} gf_json_token;

/* Where one data type's links sit in gf_answer.link. The parser stores the
 * links in type order (visit, page, action, ... as gf_data_type counts),
 * whatever order the JSON object lists the types in, so that an index names
 * the same file in every answer to the same request. */
typedef struct gf_type_links {
    uint16_t first;
    uint16_t count;
    bool present;            /* the all-types answer listed this type       */
} gf_type_links;

/*
 * A parsed answer. Every view points into the body buffer handed to
 * gf_answer_parse(), JSON escapes decoded in place, NUL-terminated and
 * valid UTF-8 (an answer that is not is refused); an absent field is an
 * empty view.
 */
typedef struct gf_answer {
    gf_export_state state;
    bool all_types;          /* downloadLinks was an object keyed by type   */
    gf_view export_type, data_type, export_date, export_version;
    gf_view request_time, error_msg;
    size_t count;            /* links, all types together                   */
    gf_view link[GF_LINKS_MAX]; /* in type order for all-types answers      */
    gf_type_links type[GF_DATA_TYPES]; /* all-types answers only            */
} gf_answer;

/*
 * Parse an API answer held in body[0..len). The body is modified (escapes
 * decoded in place); it must stay alive as long as the answer is used.
 * tokens/ntokens is scratch space for the tokenizer.
 * Returns GF_OK (out->state tells FINISHED, RUNNING, ...), or GF_E_JSON,
 * GF_E_JSON_TOP, GF_E_STATUS_MISSING, GF_E_STATUS_UNKNOWN, GF_E_LINKS_TYPE,
 * GF_E_FIELD_TYPE, GF_E_LINK_URL, GF_E_TOO_LARGE; GF_E_CONFIG (out untouched)
 * when the program was built with other limits (GF_CONFIG_ID). On any other
 * error *out is cleared.
 */
#define gf_answer_parse(body, len, tokens, ntokens, out) \
    gf_answer_parse_for((body), (len), (tokens), (ntokens), (out), sizeof(gf_answer), GF_CONFIG_ID)
gf_status gf_answer_parse_for(char *body, size_t len, gf_json_token *tokens, size_t ntokens,
                              gf_answer *out, size_t size, uint32_t config_id);

/* ======================================================================= */
/* URLs                                                                    */
/* ======================================================================= */

/* An absolute http(s) URL, as views into the string it was parsed from. */
typedef struct gf_url {
    bool https;
    gf_view host;            /* without the brackets of an IPv6 literal     */
    uint16_t port;           /* the scheme's default when absent            */
    bool port_given;
    gf_view path;            /* "/..." ; "/" when absent (ptr may be static)*/
    gf_view query;           /* after '?', without it; may be empty         */
} gf_url;

/*
 * Parse an absolute http:// or https:// URL of len bytes. The fragment is
 * dropped. Refused: other schemes (GF_E_URL_SCHEME), user:password@
 * (GF_E_URL_USERINFO), empty or invalid hosts, bad ports, spaces and control
 * characters anywhere (GF_E_URL).
 */
gf_status gf_url_parse(const char *s, size_t len, gf_url *out);

/* ======================================================================= */
/* Events: what the library tells a caller who wants to know               */
/* ======================================================================= */

typedef enum gf_event_kind {
    GF_EV_CONNECT,           /* text: host:port, "proxy host:port" for the
                              * proxy (IPv6: [::1]:443)                     */
    GF_EV_REQUEST,           /* text: "GET https://host/path" (no query)    */
    GF_EV_RESPONSE,          /* http_status                                 */
    GF_EV_REDIRECT,          /* http_status, text: the new URL (no query)   */
    GF_EV_TLS,               /* text: protocol and cipher suite, resumed    */
    GF_EV_RETRY,             /* status: why; delay_ms: wait before retry    */
    GF_EV_WAIT,              /* export RUNNING: delay_ms before next ask    */
    GF_EV_PROGRESS,          /* done and total bytes (total 0: unknown)     */
    GF_EV_NOTICE             /* text: anything else worth a -v line         */
} gf_event_kind;

typedef struct gf_event {
    gf_event_kind kind;
    gf_status status;
    int http_status;
    uint32_t delay_ms;
    uint64_t done;
    uint64_t total;
    const char *text;        /* NUL-terminated, valid during the call only  */
    /* The peer the HTTP engine's events are about, for messages that name
     * the host and port: the proxy while the engine talks to the proxy
     * itself (connecting, CONNECT), else the origin. host is bare (an IPv6
     * literal without brackets), valid during the call only; NULL when the
     * event is about no peer (GF_EV_WAIT, GF_EV_PROGRESS). */
    const char *host;
    uint16_t port;
    bool proxy;              /* host:port is the proxy's                    */
} gf_event;

typedef void gf_event_fn(void *user, const gf_event *ev);

/*
 * The caller's way to stop the library mid-way (a watchdog, a user's
 * button, a signal). Asked before every wait the library makes on its own
 * (retry pauses, RUNNING polls, the pacing of API calls: long waits are
 * slept in slices of GF_CANCEL_SLICE_MS and asked between them), before
 * each connect and before each read from the network. Return true to stop:
 * the call under way then returns GF_E_CANCELLED within one slice or one
 * port timeout, and a download under way is not committed (its sink keeps
 * the bytes it holds, to be resumed later).
 */
typedef bool gf_cancel_fn(void *user);

/* Longest single sleep while a cancel hook is set (milliseconds). */
#ifndef GF_CANCEL_SLICE_MS
#define GF_CANCEL_SLICE_MS 100u
#endif

/* ======================================================================= */
/* Transport security (TLS): implemented by tls.h, reached through these    */
/* ======================================================================= */

struct gf_tls;

/*
 * The operations a TLS implementation gives the HTTP engine. The engine
 * connects through the port, then calls open() to start TLS on that handle,
 * so the same code serves a direct connection and a proxy tunnel. All
 * return gf_status; recv sets *got to 0 on an orderly close.
 * Time: every wait for the peer lasts at most idle_ms, and nothing goes on
 * past deadline_at (a now_ms value; 0: no deadline). A timeout is
 * GF_E_IDLE_TIMEOUT; the engine tells a passed deadline apart itself.
 */
typedef struct gf_secure_ops {
    gf_status (*open)(struct gf_tls *tls, const gf_port *port, int32_t handle,
                      const char *host, uint16_t tcp_port, uint32_t idle_ms,
                      uint64_t deadline_at);
    gf_status (*send)(struct gf_tls *tls, const unsigned char *buf, size_t len,
                      size_t *sent, uint32_t idle_ms, uint64_t deadline_at);
    gf_status (*recv)(struct gf_tls *tls, unsigned char *buf, size_t cap, size_t *got,
                      uint32_t idle_ms, uint64_t deadline_at);
    /* Send close_notify (best effort) and drop the connection state; the
     * engine closes the port handle afterwards. */
    void (*close)(struct gf_tls *tls, bool graceful);
    /* Protocol and cipher suite of the open connection, or a readable reason
     * for the last failure. Never NULL. */
    const char *(*describe)(struct gf_tls *tls);
} gf_secure_ops;

/* Every gf_tls starts with this, so the engine reaches it without tls.h. */
typedef struct gf_secure {
    const gf_secure_ops *ops;
    /* Set by open() when it failed in a way that one more connection to the
     * same host may cure (the implementation now offers that host something
     * else; tls.h says when): the engine connects once more and says so in a
     * GF_EV_NOTICE. Cleared by every open(). */
    bool reconnect;
} gf_secure;

/* ======================================================================= */
/* Crypto glue: MD5, base64, HMAC-SHA256 (mbedTLS's in gf_crypto_mbedtls)   */
/* ======================================================================= */

typedef union gf_md5_ctx {
    unsigned char bytes[GF_MD5_CTX_SIZE];
    uint64_t align_u64;
    void *align_ptr;
} gf_md5_ctx;

/* The hashes return GF_OK, or GF_E_CRYPTO when the implementation failed
 * (a hardware accelerator, say); the library checks every call. */
typedef struct gf_crypto {
    gf_status (*md5_start)(gf_md5_ctx *ctx);
    gf_status (*md5_update)(gf_md5_ctx *ctx, const unsigned char *data, size_t len);
    gf_status (*md5_finish)(gf_md5_ctx *ctx, unsigned char digest[16]);
    /* Decode base64 src[0..slen) into dst; false when invalid or too long. */
    bool (*base64_decode)(unsigned char *dst, size_t cap, size_t *olen,
                          const char *src, size_t slen);
    /* Encode src into dst (NUL-terminated); false when dst is too small. */
    bool (*base64_encode)(char *dst, size_t cap, const unsigned char *src, size_t slen);
    gf_status (*hmac_sha256)(const unsigned char *key, size_t keylen, const unsigned char *msg,
                             size_t len, unsigned char mac[32]);
} gf_crypto;

/* The mbedTLS implementation (src/crypto_mbedtls.c; not in the core). */
extern const gf_crypto gf_crypto_mbedtls;

/* ======================================================================= */
/* HTTP/1.1 engine                                                         */
/* ======================================================================= */

/* One request header. A credential is dropped when a redirect changes the
 * origin (scheme, host or port). */
typedef struct gf_header {
    const char *name;
    const char *value;
    bool credential;
} gf_header;

typedef struct gf_http_request {
    const char *method;      /* "GET", "POST" or "HEAD"                     */
    const char *url;         /* absolute http(s) URL, NUL-terminated        */
    const gf_header *headers;
    size_t header_count;
    const unsigned char *body; /* POST body, or NULL                        */
    size_t body_len;
    uint32_t deadline_ms;    /* whole exchange, redirects included; 0: none */
    bool follow_redirects;
} gf_http_request;

/*
 * Where a response goes. Every callback may be NULL and may return an error
 * status to stop the exchange (the connection is then closed).
 * header: each header of the final response, name and value trimmed.
 * head:   once, after the headers, with the status code.
 * body:   the body, in whatever pieces arrive (chunked coding removed).
 */
typedef struct gf_http_handler {
    void *user;
    gf_status (*header)(void *user, int status, gf_view name, gf_view value);
    gf_status (*head)(void *user, int status);
    gf_status (*body)(void *user, const unsigned char *data, size_t len);
} gf_http_handler;

/* Response parser state (RFC 9112). Fields are private. */
typedef struct gf_http_parser {
    uint8_t state;
    uint8_t flags;
    uint16_t headers;
    int status;
    uint64_t length;         /* Content-Length                              */
    uint64_t remaining;      /* of the body or the current chunk            */
    size_t line_len;
    char line[GF_HTTP_LINE_MAX + 1];
} gf_http_parser;

/* An HTTP proxy for https URLs (a CONNECT tunnel). */
typedef struct gf_proxy {
    char host[GF_HOST_MAX];  /* a name or IP literal (IPv6 without brackets) */
    uint16_t port;
    const char *authorization; /* Proxy-Authorization value, or NULL       */
    const char *no_proxy;    /* hosts reached directly: "a.com,.b.com", "*" */
} gf_proxy;

/* One HTTP engine: one connection at a time, reused while it can be. */
typedef struct gf_http {
    const gf_port *port;
    struct gf_tls *tls;      /* NULL: https URLs fail with GF_E_NO_TLS      */
    gf_event_fn *on_event;
    void *event_user;
    uint32_t timeout_ms;     /* connect and idle timeout                    */
    const gf_proxy *proxy;   /* NULL: direct                                */
    gf_cancel_fn *cancel;    /* NULL: never cancelled (see gf_cancel_fn)    */
    void *cancel_user;
    /* Private from here on: the engine's own state and buffers. A caller
     * never reads or writes these; they change without notice. */
    int32_t handle;
    bool open;
    bool secure;
    bool reusable;
    bool at_proxy;           /* talking to the proxy itself, not the origin */
    uint16_t conn_port;
    char conn_host[GF_HOST_MAX];
    uint64_t deadline_at;    /* now_ms value, 0: none                       */
    gf_http_parser parser;
    char url[GF_URL_MAX];
#if GF_FEATURE_REDIRECTS
    char location[GF_URL_MAX];
#endif
    unsigned char buf[GF_IO_BUF_SIZE];
} gf_http;

/* Set up an engine on a port; tls may be NULL. Cannot fail. gf_http is
 * sized by config.h too: inside a gf_client it is checked by
 * gf_client_init; an engine used on its own needs the library's limits. */
void gf_http_init(gf_http *h, const gf_port *port, struct gf_tls *tls);

/*
 * Send one request and read its response to the end, following redirects
 * when asked. *status (optional) receives the final HTTP status.
 * Returns GF_OK when a whole response arrived, whatever its status code
 * (200..999: 600..999 have no class, and RFC 9110 section 15 has a client
 * treat them as 5xx, as gf_export_links and gf_download do);
 * otherwise the URL, HTTP, network, TLS or redirect error, or the first
 * error a handler callback returned.
 */
gf_status gf_http_exchange(gf_http *h, const gf_http_request *req, const gf_http_handler *hd,
                           int *status);

/* Close the connection, if any. Safe to call twice and on NULL. */
void gf_http_close(gf_http *h);

/* ======================================================================= */
/* Downloads                                                               */
/* ======================================================================= */

/* Longest ETag kept as a file's validator, quotes included; a longer one
 * is treated as absent. */
#define GF_ETAG_MAX 80u

/*
 * Where one file goes. A sink belongs to one file: give each link a sink of
 * its own (or one reset to empty between files). What a sink must do:
 *
 * held:      report the bytes it holds from an earlier try of this file and
 *            copy into etag (GF_ETAG_MAX + 1 bytes) the validator that
 *            restart() gave with them ("" when none or when forgotten, as
 *            after a reboot). An empty sink reports 0 and "".
 * read_back: copy held bytes [off, off+len) into buf, so the MD5 of a
 *            resumed file covers every byte; NULL when the sink cannot, and
 *            then, with a crypto glue set, a download starts from zero.
 * write:     append bytes.
 * restart:   drop every byte held and start the file from zero; remember
 *            etag ("" when the server sent none) as the validator of what
 *            follows, to hand back from held.
 * commit:    the whole file arrived and is verified: make it final. After a
 *            commit the sink holds a finished file, not bytes to continue.
 * Each returns GF_OK or an error (GF_E_SINK for a local failure). Only
 * read_back may be NULL.
 *
 * Held bytes are continued (Range) only when the end result is checked: the
 * request carries the held bytes' ETag as If-Range (a changed object comes
 * back whole, and a 206 must carry the same ETag), or the server's MD5 of
 * the whole file (x-amz-meta-md5-hash, or an S3 ETag of 32 hex digits)
 * covers the result. Otherwise the download starts over from zero. So a
 * sink handed bytes of another file cannot splice two files together; it
 * only costs a download from zero.
 */
typedef struct gf_sink {
    void *ctx;
    gf_status (*held)(void *ctx, uint64_t *bytes, char etag[GF_ETAG_MAX + 1]);
    gf_status (*read_back)(void *ctx, uint64_t off, unsigned char *buf, size_t len);
    gf_status (*write)(void *ctx, const unsigned char *data, size_t len);
    gf_status (*restart)(void *ctx, const char *etag);
    gf_status (*commit)(void *ctx);
} gf_sink;

/* What vouched for a downloaded file, strongest first. */
typedef enum gf_verified {
    GF_VERIFIED_SIZE = 0,    /* its size only: no MD5 from the server      */
    GF_VERIFIED_ETAG,        /* an S3 ETag of 32 hex digits is its MD5      */
    GF_VERIFIED_CONTENT_MD5, /* Content-MD5 of the answer's body            */
    GF_VERIFIED_MD5_HEADER   /* x-amz-meta-md5-hash of the whole file       */
} gf_verified;

/* "size", "etag", "content-md5", "md5-header"; "size" for other values. */
const char *gf_verified_name(gf_verified v);

typedef struct gf_download_result {
    uint64_t bytes;          /* size of the whole file                      */
    unsigned char md5[16];   /* MD5 of the whole file (when md5_known)      */
    bool md5_known;          /* a crypto glue was set                       */
    bool md5_checked;        /* an MD5 from the server matched (verified)   */
    gf_verified verified;    /* what vouched for the file                   */
    bool resumed;            /* part of the file came from an earlier try   */
    uint32_t attempts;
} gf_download_result;

/* Lowercase hex of in[0..n) into out, which holds 2n + 1: the digits and a NUL. */
void gf_hex_encode(char *out, const unsigned char *in, size_t n);

/* ======================================================================= */
/* The client: API calls, downloads, whole exports                         */
/* ======================================================================= */

/* Bytes of a file host's error answer kept to read S3's <Code>. */
#define GF_ERROR_BODY_MAX 512u

typedef struct gf_client {
    uint32_t priv_init;      /* private: gf_client_init's verdict; first so
                              * that it sits at the same place whatever the
                              * limits a program was built with            */
    gf_http http;
    const gf_crypto *crypto; /* NULL: no MD5 (downloads are size-checked)   */
    const char *base_url;    /* "https://www.growingio.com" by default      */
    const char *token;       /* Authorization value, sent to base_url only  */
    const char *client_id;   /* X-Client-Id, or NULL                        */
    uint32_t retries;        /* retry budget for 429, 5xx, network errors   */
    uint32_t backoff_ms;     /* first backoff; doubles, with jitter         */
    uint32_t api_interval_ms;/* from the end of one API call to the next;   */
                             /* 0: no pacing (see gf_export_links)          */
    /* Private: the library's own state and buffers. A caller never reads or
     * writes these; their names and layout change without notice. */
    struct gf_client_private {
        uint8_t api_ends;    /* API calls ended so far, counted up to 2     */
        uint64_t api_end_ms[2]; /* when they ended: [0] the last, [1] the one before */
        size_t answer_len;
        gf_md5_ctx md5;      /* the whole file                              */
        gf_md5_ctx md5_body; /* one answer's body, for Content-MD5          */
        char etag[GF_ETAG_MAX + 1];      /* validator of the bytes held     */
        char resp_etag[GF_ETAG_MAX + 1]; /* the answer's ETag               */
#if GF_FEATURE_S3_REASONS
        size_t error_len;
        char error_body[GF_ERROR_BODY_MAX + 1];
#endif
        gf_json_token tokens[GF_JSON_TOKENS_MAX];
        char answer[GF_ANSWER_MAX + 1];
    } priv;
} gf_client;

#define GF_BASE_URL_DEFAULT "https://www.growingio.com"

/*
 * The limits and feature switches that shape the public structs and the
 * library (config.h), as one number. A
 * program and the library it links must agree on it: gf_client_init and
 * gf_answer_parse are macros that hand the library the caller's number and
 * struct size, and the library refuses a mismatch with GF_E_CONFIG instead
 * of writing past the caller's struct (zlib's inflateInit does the same).
 * The other limits (timeouts, retries, depth, headers, redirects) are the
 * library's own business: a program's values for them are not used.
 */
#define GF_CONFIG_MIX_(h, v) ((((uint32_t)(h)) ^ (uint32_t)(v)) * 16777619u)
#define GF_CONFIG_ID                                                                    \
    GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(          \
    GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(GF_CONFIG_MIX_(          \
    2166136261u, GF_ANSWER_MAX), GF_LINKS_MAX), GF_JSON_TOKENS_MAX), GF_URL_MAX),       \
    GF_HTTP_LINE_MAX), GF_IO_BUF_SIZE), GF_HOST_MAX), GF_MD5_CTX_SIZE),                 \
    GF_TLS_SESSIONS), GF_FEATURES)

/*
 * Set up a client on a port; tls may be NULL (http only). Clears the whole
 * struct first. Set token, client_id, base_url, crypto and the options
 * afterwards.
 * Returns GF_OK, or GF_E_CONFIG when the program was compiled with other
 * limits than the library (see GF_CONFIG_ID): then nothing but the first
 * field of *cl is written, and every later call with this client returns
 * GF_E_CONFIG too, so a caller that ignores this status still learns it
 * from the first real call. A client never set up returns GF_E_ARGUMENT.
 */
#define gf_client_init(cl, port, tls) \
    gf_client_init_for((cl), (port), (tls), sizeof(gf_client), GF_CONFIG_ID)
gf_status gf_client_init_for(gf_client *cl, const gf_port *port, struct gf_tls *tls,
                             size_t size, uint32_t config_id);

/* Close the connection. Safe to call twice, on NULL and on a refused client. */
void gf_client_free(gf_client *cl);

/*
 * Ask the API for the links of one export: one call (plus retries for 429,
 * 5xx and network errors, with backoff). Calls are paced from the ends of
 * earlier ones: a call starts at least cl->api_interval_ms after the last
 * call's answer arrived, and 2 * api_interval_ms + GF_API_MARGIN_MS after
 * the answer of the call before it, so that no three calls reach the server
 * within 2 * api_interval_ms whatever the network's delays. Sends Authorization and X-Client-Id to the base
 * URL's origin only. The answer lives in cl's buffer until the next call.
 * Returns GF_OK (FINISHED: ans holds the links), GF_RUNNING, GF_NOT_EXISTS,
 * GF_E_API_ERROR (ans->error_msg), GF_E_AUTH (401/403), GF_E_RATE_LIMITED
 * or GF_E_SERVER (after the retry budget), GF_E_HTTP_STATUS (any other
 * status), GF_E_TOO_LARGE, an answer error (GF_E_JSON...), a request
 * refusal (GF_E_AI...), or a network/TLS error.
 */
gf_status gf_export_links(gf_client *cl, const gf_request *req, gf_answer *ans);

/*
 * Download one link into a sink (one sink per file: see gf_sink), resuming
 * what the sink holds (Range, with If-Range when the held bytes have an
 * ETag) only when the end result can be checked, verifying the size
 * (Content-Length or Content-Range) and, when cl->crypto is set, the MD5
 * (x-amz-meta-md5-hash, Content-MD5, or else an S3 ETag of 32 hex digits),
 * retrying network errors, 429 and 5xx with backoff, and restarting from
 * zero on a mismatch. A 416 to a sink that holds the whole file is checked
 * by asking for its last byte (headers and ETag), then committed; a sink
 * holding more than the whole file starts over (a GF_EV_NOTICE says so).
 * On success the sink is committed and res->verified says what vouched for
 * the file. res may be NULL.
 * Returns GF_OK; for a 403 from the file host (no retry; the bytes held are
 * kept; ask for fresh links) GF_E_LINK_EXPIRED (S3's AccessDenied "Request
 * has expired", ExpiredToken, or a 403 without S3's XML),
 * GF_E_LINK_SIGNATURE (SignatureDoesNotMatch) or GF_E_LINK_DENIED (any other
 * code); GF_E_SIZE_MISMATCH / GF_E_MD5_MISMATCH / GF_E_RANGE (after the
 * retry budget; nothing is kept), GF_E_HTTP_STATUS, GF_E_SERVER,
 * GF_E_RATE_LIMITED, a network or TLS error, GF_E_CRYPTO, the sink's own
 * error, or GF_E_CONFIG / GF_E_ARGUMENT (see gf_client_init).
 */
gf_status gf_download(gf_client *cl, const char *url, const gf_sink *sink,
                      gf_download_result *res);

/*
 * Mint a token for older deployments: POST {base}/auth/token with
 * X-Client-Id (cl->client_id) and project=<uid>&ai=<ai>&tm=<ms>&auth=<hex
 * HMAC-SHA256(secret, "POST\n/auth/token\nproject=...&tm=<ms>")>, tm from
 * the port's wall clock. The token is written NUL-terminated into token.
 * Returns GF_OK, GF_E_AUTH (refused), GF_E_NO_CLOCK, GF_E_AI, GF_E_ARGUMENT
 * (bad uid, no crypto), GF_E_BUFFER, or an HTTP/network/answer error.
 */
gf_status gf_mint_token(gf_client *cl, const char *project_uid, const char *ai,
                        const unsigned char *secret, size_t secret_len, char *token, size_t cap);

/* ======================================================================= */
/* The export flow: one export end to end, driven by its caller             */
/* ======================================================================= */

/*
 * One export as a state object the caller drives, in the caller's memory,
 * without allocation: begin (ask, and ask again while RUNNING), then "which
 * file next" and "this file ended" until the flow says it is done. The
 * library decides what happens after a 403 (one re-ask per answer, fresh
 * links checked to list the same files) and keeps the first error; the
 * caller decides when and where each download runs: gf_fetch_export is one
 * such driver, a thread pool or a firmware superloop are others.
 *
 *     gf_flow f;
 *     size_t i;
 *     if (gf_flow_begin(&f, &cl, &req, wait_ms, &ans) == GF_OK)
 *         while (gf_flow_next(&f, &i) == GF_FLOW_FILE) {
 *             gf_status st;
 *             do
 *                 st = gf_download(&cl, ans.link[i].ptr, &sink[i], NULL);
 *             while (gf_flow_ended(&f, i, st) == GF_FLOW_AGAIN);
 *         }
 *     st = gf_flow_result(&f);
 *
 * Files are handed out by index into ans->link, in link order, which is
 * type order for all-types answers (see gf_type_links). A re-ask rewrites
 * ans and the client's answer buffer: every link view of the old answer is
 * gone, so a driver that downloads several files at once copies each link
 * before the download, and calls gf_flow_next and gf_flow_ended under one
 * lock, with a client of its own per download (the re-ask runs on the
 * flow's client, inside gf_flow_ended). All fields are private.
 */
typedef enum gf_flow_step {
    GF_FLOW_FILE = 0,        /* gf_flow_next: download ans->link[*index]   */
    GF_FLOW_WAIT,            /* gf_flow_next: nothing to start until a file
                              * under way ends (drivers of several files)  */
    GF_FLOW_DONE,            /* gf_flow_next: over; see gf_flow_result      */
    GF_FLOW_SETTLED,         /* gf_flow_ended: the file's outcome is st     */
    GF_FLOW_AGAIN,           /* gf_flow_ended: download the same file again
                              * into the same sink, from ans->link[index],
                              * a fresh link                                */
    GF_FLOW_DROPPED          /* gf_flow_ended: it needed fresh links and the
                              * flow stopped instead; it has no outcome and
                              * its sink keeps what it holds                */
} gf_flow_step;

typedef struct gf_flow {
    struct gf_flow_private {
        gf_client *cl;
        const gf_request *req;
        gf_answer *ans;
        bool begun;          /* gf_flow_begin succeeded                     */
        size_t next;         /* the next index to hand out                  */
        size_t busy;         /* handed out, not ended                       */
        uint64_t files;      /* which files the answers list (fingerprint)  */
        gf_status first_error; /* the first file that failed                */
        gf_status stop;      /* why no more files are handed out            */
        uint8_t file_state[GF_LINKS_MAX]; /* per file: its state, and whether
                                           * its link is of the latest answer */
    } priv;
} gf_flow;

/*
 * Start the flow of one export: ask for its links, and ask again while it
 * is RUNNING (with a growing pause, GF_EV_WAIT each time) for at most
 * wait_ms. cl, req and ans must outlive the flow; ans receives the answer.
 * Returns GF_OK (FINISHED: gf_flow_next hands out ans's links), or what
 * gf_export_links returned for the last ask (GF_RUNNING after wait_ms,
 * GF_NOT_EXISTS, GF_E_API_ERROR, ...), GF_E_CANCELLED (the cancel hook
 * stopped a pause or the call), GF_E_ARGUMENT (NULL) or GF_E_CONFIG.
 */
gf_status gf_flow_begin(gf_flow *f, gf_client *cl, const gf_request *req, uint32_t wait_ms,
                        gf_answer *ans);

/*
 * Which file next. *index receives the index into ans->link to download
 * (with GF_FLOW_FILE only).
 * Returns GF_FLOW_FILE, GF_FLOW_WAIT (files are under way and none is left
 * to start, or the flow stopped: end those first) or GF_FLOW_DONE (every
 * file handed out has ended, and there is none left or the flow stopped;
 * also for a flow that did not begin).
 */
gf_flow_step gf_flow_next(gf_flow *f, size_t *index);

/*
 * The download of file index ended with st; a file the caller skips ends
 * with GF_OK. After a 403 of any of the three reasons (GF_E_LINK_EXPIRED,
 * GF_E_LINK_SIGNATURE, GF_E_LINK_DENIED) the file gets fresh links once:
 * when no other file has asked for them since this file's link was handed
 * out, the API is asked once more here (a GF_EV_NOTICE names the reason; it
 * blocks like gf_export_links), and the answer must list the same files.
 * Returns GF_FLOW_AGAIN (download it again from ans->link[index]),
 * GF_FLOW_SETTLED (st is the file's outcome; the first failure is kept for
 * gf_flow_result) or GF_FLOW_DROPPED (the re-ask failed, or the flow was
 * stopped: gf_flow_result says why).
 */
gf_flow_step gf_flow_ended(gf_flow *f, size_t index, gf_status st);

/* Hand out no more files (a callback failed, the disk is full): the files
 * under way still end through gf_flow_ended. The first why is kept. */
void gf_flow_stop(gf_flow *f, gf_status why);

/*
 * The outcome once gf_flow_next said GF_FLOW_DONE: GF_OK when every file
 * ended well, else why the flow stopped (gf_flow_stop's why, a failed
 * re-ask's status, GF_E_ANSWER_MISMATCH when fresh links list other files,
 * GF_E_CANCELLED), else the first file's error; what gf_flow_begin
 * returned when it failed.
 */
gf_status gf_flow_result(const gf_flow *f);

/* How gf_fetch_export hands files to the caller. */
typedef struct gf_fetch_handler {
    void *user;
    /* The answer is FINISHED; called once, before any download. */
    gf_status (*plan)(void *user, const gf_answer *ans);
    /* The sink for ans->link[link]: one of its own (see gf_sink), which may
     * hold bytes of that file from an earlier run. Set *sink to NULL to
     * skip that file. After a 403 the same sink is used for the fresh link. */
    gf_status (*sink)(void *user, const gf_answer *ans, size_t link, const gf_sink **sink);
    /* The download of ans->link[link] ended with st. Return GF_OK to go on
     * with the next file, anything else to stop with it. */
    gf_status (*done)(void *user, const gf_answer *ans, size_t link, gf_status st,
                      const gf_download_result *res);
} gf_fetch_handler;

/*
 * One export end to end, blocking: a driver of gf_flow that downloads one
 * file after the other on cl. Asks for the links, asks again while RUNNING
 * for at most wait_ms, downloads every link in type order; a link refused
 * with a 403 gets fresh links once (see gf_flow_ended). A failed file does
 * not stop the others. ans receives the (last) answer.
 * Returns GF_OK when every file is done, else what gf_flow_result returns,
 * what gf_flow_begin returned, or what a handler callback returned to stop.
 */
gf_status gf_fetch_export(gf_client *cl, const gf_request *req, uint32_t wait_ms,
                          const gf_fetch_handler *fh, gf_answer *ans);

#ifdef __cplusplus
}
#endif

#endif /* GIOFETCH_H */
