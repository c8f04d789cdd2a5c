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

#endif /* GIOFETCH_CONFIG_H */
