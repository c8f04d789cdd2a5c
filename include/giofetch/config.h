/*
 * giofetch compile-time limits.
 *
 * Every option has one default here. To change them, define the macro on
 * the compiler command line, or name a header of your own in GF_CONFIG_FILE
 * (-DGF_CONFIG_FILE='"my_giofetch_config.h"') that defines the ones you want.
 * Buffers sized here live inside the caller-owned structs of giofetch.h:
 * the library never allocates.
 *
 * The library and every program that uses it must be compiled with the
 * same limits (the same GF_CONFIG_FILE or -D flags): they shape the structs
 * both sides touch. A program built with other limits is refused at run
 * time by its first gf_client_init (GF_E_CONFIG; see GF_CONFIG_ID in
 * giofetch.h), never left to write past a struct.
 *
 * Sizing. The answer's JSON holds every link of one export, escaped ('/' is
 * sent as "\/"): a pre-signed S3 link is about 400 bytes (SigV4: host, path,
 * date, credential, expiry, signature), 450 in the JSON, plus about 300
 * bytes for the other fields. So
 *     GF_ANSWER_MAX      >= 300 + 450 x links of the largest export asked for
 *     GF_LINKS_MAX       >= those links (all data types together for "all")
 *     GF_JSON_TOKENS_MAX >= GF_LINKS_MAX + 32 (single type; + 32 for "all")
 *     GF_URL_MAX         >= the longest link (1024 leaves room for 400-800)
 *     GF_IO_BUF_SIZE     >= GF_URL_MAX + 512 (the request head is built there)
 * Examples (sizeof(gf_client) on x86_64; 32-bit targets are about the same):
 *
 *   use                         LINKS  ANSWER  TOKENS  URL   LINE  IO    gf_client
 *   smallest: hour, one type       8    4 KB     40    1024  1024  2 KB   11 KB
 *   board: hour, one type         16    8 KB     80    1024  1024  2 KB   16 KB
 *   day, all ten types            96   48 KB    192    2048  4096  16 KB  78 KB
 *   the defaults (CLI, gateways) 256  128 KB    352    2048  4096  16 KB 162 KB
 *
 * (LINE is GF_HTTP_LINE_MAX, IO GF_IO_BUF_SIZE; the rows leave the other
 * limits at their defaults except GF_HOST_MAX 128 and GF_TLS_SESSIONS 1 in
 * the first two.) An answer larger than GF_ANSWER_MAX, or with more links
 * than GF_LINKS_MAX, is refused with GF_E_TOO_LARGE, never truncated.
 * gf_tls (tls.h) adds mbedTLS's own structs, and mbedTLS allocates its
 * record buffers and certificates on its heap (about 25 KB for a client).
 */
#ifndef GIOFETCH_CONFIG_H
#define GIOFETCH_CONFIG_H

#ifdef GF_CONFIG_FILE
#include GF_CONFIG_FILE
#endif

/* ---- API answers ------------------------------------------------------ */

/* Largest API answer body in bytes (the JSON with the download links). */
#ifndef GF_ANSWER_MAX
#define GF_ANSWER_MAX (128u * 1024u)
#endif

/* Most download links kept from one answer (all data types together). */
#ifndef GF_LINKS_MAX
#define GF_LINKS_MAX 256u
#endif

/* JSON tokens for one answer: one per link plus the fields around them. */
#ifndef GF_JSON_TOKENS_MAX
#define GF_JSON_TOKENS_MAX (GF_LINKS_MAX + 96u)
#endif

/* Deepest JSON nesting accepted in an answer (the API needs 3). */
#ifndef GF_JSON_DEPTH_MAX
#define GF_JSON_DEPTH_MAX 16u
#endif

/* ---- HTTP ------------------------------------------------------------- */

/* Longest URL (a link, a Location, a base URL plus the API path). */
#ifndef GF_URL_MAX
#define GF_URL_MAX 2048u
#endif

/* Longest response status or header line, CRLF excluded. */
#ifndef GF_HTTP_LINE_MAX
#define GF_HTTP_LINE_MAX 4096u
#endif

/* Most header lines in one response. */
#ifndef GF_HTTP_HEADERS_MAX
#define GF_HTTP_HEADERS_MAX 64u
#endif

/* Bytes read from the network at once; also the size of the request buffer. */
#ifndef GF_IO_BUF_SIZE
#define GF_IO_BUF_SIZE (16u * 1024u)
#endif

/* Most redirects followed for one request. */
#ifndef GF_REDIRECTS_MAX
#define GF_REDIRECTS_MAX 5u
#endif

/* Longest host name (RFC 1035: 253 characters, plus brackets for IPv6). */
#ifndef GF_HOST_MAX
#define GF_HOST_MAX 256u
#endif

/* ---- Timing and retries (defaults; the caller may change them at run time) */

/* Connect and idle timeout in milliseconds. */
#ifndef GF_TIMEOUT_MS
#define GF_TIMEOUT_MS 30000u
#endif

/* Retry budget for 429, 5xx and network errors. */
#ifndef GF_RETRIES
#define GF_RETRIES 4u
#endif

/* First backoff delay in milliseconds; it doubles on each retry. */
#ifndef GF_BACKOFF_MS
#define GF_BACKOFF_MS 1000u
#endif

/* Longest single backoff or Retry-After wait honoured, in milliseconds. */
#ifndef GF_BACKOFF_MAX_MS
#define GF_BACKOFF_MAX_MS 60000u
#endif

/* Shortest time between two API calls (the API allows 2 calls per second). */
#ifndef GF_API_INTERVAL_MS
#define GF_API_INTERVAL_MS 500u
#endif

/* Extra time before a third API call may follow two others (the API counts
 * 2 calls per second as its server sees them): absorbs coarse clocks. */
#ifndef GF_API_MARGIN_MS
#define GF_API_MARGIN_MS 100u
#endif

/* ---- Crypto glue ------------------------------------------------------ */

/* Bytes reserved for one MD5 context of the crypto glue (mbedTLS needs 88). */
#ifndef GF_MD5_CTX_SIZE
#define GF_MD5_CTX_SIZE 128u
#endif

/* TLS sessions remembered for resumption (one per host, least recent out). */
#ifndef GF_TLS_SESSIONS
#define GF_TLS_SESSIONS 2u
#endif

/* ---- Features ----------------------------------------------------------
 * Each optional feature is a switch: 1 (the default: the CLI and gateways
 * keep everything) or 0, which leaves its code out of the build, not just
 * unused. A call that needs a feature this build left out returns
 * GF_E_FEATURE_OFF, never a silent no-op. The switches shape the library as
 * the limits do, so they are part of GF_CONFIG_ID: a program built with
 * other switches than its library is refused with GF_E_CONFIG. Each line
 * says what the feature costs in Cortex-M4 text (-Os, make size prints the
 * figures of the current tree). include/giofetch/config_minimal.h turns
 * off all that a single-purpose board can do without.
 */

/* CONNECT tunnels through an HTTP proxy (gf_http.proxy, no_proxy). Off: a
 * set proxy gives GF_E_FEATURE_OFF. About 0.9 KB. */
#ifndef GF_FEATURE_PROXY
#define GF_FEATURE_PROXY 1
#endif

/* gf_mint_token: a 30-day token from POST /auth/token, signed with
 * HMAC-SHA256 (older deployments). Off: it returns GF_E_FEATURE_OFF; the
 * caller gives a static token. About 1.0 KB. */
#ifndef GF_FEATURE_MINT
#define GF_FEATURE_MINT 1
#endif

/* Following 301/302/303/307/308 (RFC 9110 section 15.4), up to
 * GF_REDIRECTS_MAX. Off: a redirect the caller asked to follow gives
 * GF_E_FEATURE_OFF; gf_http is GF_URL_MAX bytes smaller. About 1.4 KB. */
#ifndef GF_FEATURE_REDIRECTS
#define GF_FEATURE_REDIRECTS 1
#endif

/* Resuming a file from the bytes its sink holds (Range, If-Range, a 416
 * answered by checking the held file). Off: a download always starts from
 * zero. About 1.3 KB. */
#ifndef GF_FEATURE_RESUME
#define GF_FEATURE_RESUME 1
#endif

/* Reading S3's XML error body of a 403 to tell an expired link, a bad
 * signature and another refusal apart. Off: every 403 from a file host is
 * GF_E_LINK_EXPIRED (asked for again once, as the others are), and
 * gf_client is GF_ERROR_BODY_MAX bytes smaller. About 0.3 KB. */
#ifndef GF_FEATURE_S3_REASONS
#define GF_FEATURE_S3_REASONS 1
#endif

/* gf_strerror's English messages. Off: it says the status's number, two
 * digits ("07", "42": the enum in giofetch.h). About 2.3 KB. */
#ifndef GF_FEATURE_MESSAGES
#define GF_FEATURE_MESSAGES 1
#endif

/* The all-types call (GF_DATA_ALL: every data type's links in one answer,
 * kept in type order). Off: GF_DATA_ALL gives GF_E_FEATURE_OFF before a
 * byte is sent. About 0.2 KB. */
#ifndef GF_FEATURE_ALL_TYPES
#define GF_FEATURE_ALL_TYPES 1
#endif

/* The switches as one number, for GF_CONFIG_ID. */
#define GF_FEATURES                                                              \
    ((GF_FEATURE_PROXY ? 1u : 0u) | (GF_FEATURE_MINT ? 2u : 0u) |              \
     (GF_FEATURE_REDIRECTS ? 4u : 0u) | (GF_FEATURE_RESUME ? 8u : 0u) |        \
     (GF_FEATURE_S3_REASONS ? 16u : 0u) | (GF_FEATURE_MESSAGES ? 32u : 0u) |   \
     (GF_FEATURE_ALL_TYPES ? 64u : 0u))

/* ---- Checks ----------------------------------------------------------- */

#if GF_ANSWER_MAX < GF_URL_MAX
#error "GF_ANSWER_MAX must hold at least a URL (the API URL is built there)"
#endif
#if GF_LINKS_MAX < 1u || GF_LINKS_MAX > 65535u
#error "GF_LINKS_MAX must be 1..65535"
#endif
#if GF_JSON_TOKENS_MAX < GF_LINKS_MAX + 32u
#error "GF_JSON_TOKENS_MAX must leave room for the answer's fields beside the links"
#endif
#if GF_JSON_DEPTH_MAX < 4u || GF_JSON_DEPTH_MAX > 32u
#error "GF_JSON_DEPTH_MAX must be 4..32"
#endif
#if GF_URL_MAX < 128u
#error "GF_URL_MAX must be at least 128"
#endif
#if GF_HTTP_LINE_MAX < 128u
#error "GF_HTTP_LINE_MAX must be at least 128"
#endif
#if GF_IO_BUF_SIZE < GF_URL_MAX + 512u
#error "GF_IO_BUF_SIZE must hold a request line with the longest URL"
#endif
#if GF_MD5_CTX_SIZE < 64u
#error "GF_MD5_CTX_SIZE is too small for any MD5 context"
#endif
#if GF_TLS_SESSIONS < 1u
#error "GF_TLS_SESSIONS must be at least 1"
#endif
#if (GF_FEATURE_PROXY != 0 && GF_FEATURE_PROXY != 1) || (GF_FEATURE_MINT != 0 && GF_FEATURE_MINT != 1) || \
    (GF_FEATURE_REDIRECTS != 0 && GF_FEATURE_REDIRECTS != 1) ||                                   \
    (GF_FEATURE_RESUME != 0 && GF_FEATURE_RESUME != 1) ||                                         \
    (GF_FEATURE_S3_REASONS != 0 && GF_FEATURE_S3_REASONS != 1) ||                                 \
    (GF_FEATURE_MESSAGES != 0 && GF_FEATURE_MESSAGES != 1) ||                                     \
    (GF_FEATURE_ALL_TYPES != 0 && GF_FEATURE_ALL_TYPES != 1)
#error "each GF_FEATURE_ switch is 0 or 1"
#endif
#if GF_FEATURE_REDIRECTS && GF_REDIRECTS_MAX < 1u
#error "GF_FEATURE_REDIRECTS follows at least one redirect: set GF_FEATURE_REDIRECTS 0 instead"
#endif
#if GF_FEATURE_ALL_TYPES && GF_LINKS_MAX < 10u
#error "GF_FEATURE_ALL_TYPES needs GF_LINKS_MAX >= 10 (a link per data type)"
#endif
#if GF_FEATURE_ALL_TYPES && GF_JSON_TOKENS_MAX < GF_LINKS_MAX + 52u
#error "GF_FEATURE_ALL_TYPES needs GF_JSON_TOKENS_MAX >= GF_LINKS_MAX + 52 (a key and an array per type)"
#endif

#endif /* GIOFETCH_CONFIG_H */
