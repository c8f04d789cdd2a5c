/*
 * giofetch port contract: everything the library needs from the platform.
 *
 * A new platform is one gf_port filled with the functions below. The library
 * calls them from the thread that called into it, never concurrently, and
 * never keeps a handle beyond gf_http_close()/gf_client_free().
 *
 * Return contract for the byte-moving functions (send, recv):
 *   > 0   that many bytes were moved (possibly fewer than asked);
 *     0   recv only: the peer closed the connection in order (EOF);
 *   < 0   one of the GF_PORT_E_* codes below, nothing was moved.
 * connect returns a handle >= 0 or a GF_PORT_E_* code.
 * Timeouts are in milliseconds; 0 means "do not wait" (poll once).
 */
#ifndef GIOFETCH_PORT_H
#define GIOFETCH_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes of the port functions. Each is distinct so that the library
 * can tell the user what went wrong. */
#define GF_PORT_E_TIMEOUT     (-1) /* nothing happened within the timeout     */
#define GF_PORT_E_WOULD_BLOCK (-2) /* try again (non-blocking I/O, EINTR...)  */
#define GF_PORT_E_RESET       (-3) /* connection reset or broken by the peer  */
#define GF_PORT_E_REFUSED     (-4) /* connect: every address refused          */
#define GF_PORT_E_DNS         (-5) /* connect: the host name did not resolve  */
#define GF_PORT_E_FAILED      (-6) /* any other failure of the platform       */
#define GF_PORT_E_RESOURCES   (-7) /* out of descriptors, sockets or memory:
                                    * EMFILE, ENFILE, ENOBUFS, ENOMEM; also when
                                    * the resolver failed for want of them     */

/* Returned by utc_s on a board that does not know the wall-clock time. */
#define GF_PORT_NO_TIME INT64_MIN

/*
 * Open a TCP connection to host:port. host is a DNS name or an IP literal
 * (IPv6 without brackets). Each resolved address is tried in turn until one
 * connects or timeout_ms has passed in all.
 * Returns a handle >= 0, or GF_PORT_E_DNS, GF_PORT_E_REFUSED,
 * GF_PORT_E_TIMEOUT, GF_PORT_E_RESOURCES (never GF_PORT_E_DNS for a name
 * that failed to resolve only because descriptors or memory ran out),
 * GF_PORT_E_FAILED.
 */
typedef int32_t gf_port_connect_fn(void *ctx, const char *host, uint16_t port,
                                   uint32_t timeout_ms);

/*
 * Send up to len bytes, waiting at most timeout_ms for the socket to accept
 * any. Returns the bytes sent (> 0) or GF_PORT_E_TIMEOUT, GF_PORT_E_RESET,
 * GF_PORT_E_WOULD_BLOCK, GF_PORT_E_RESOURCES, GF_PORT_E_FAILED. Must never
 * raise SIGPIPE.
 */
typedef int32_t gf_port_send_fn(void *ctx, int32_t handle, const unsigned char *buf,
                                size_t len, uint32_t timeout_ms);

/*
 * Receive up to len bytes, waiting at most timeout_ms for the first one.
 * Returns the bytes received (> 0), 0 when the peer closed the connection,
 * or GF_PORT_E_TIMEOUT, GF_PORT_E_RESET, GF_PORT_E_WOULD_BLOCK,
 * GF_PORT_E_RESOURCES, GF_PORT_E_FAILED.
 */
typedef int32_t gf_port_recv_fn(void *ctx, int32_t handle, unsigned char *buf,
                                size_t len, uint32_t timeout_ms);

/* Close a handle returned by connect. Cannot fail. */
typedef void gf_port_close_fn(void *ctx, int32_t handle);

/* Monotonic milliseconds since an arbitrary start; never goes back. Times
 * connects, idle reads, deadlines, backoff and the pacing of API calls. */
typedef uint64_t gf_port_now_ms_fn(void *ctx);

/* Wall-clock UTC seconds since 1970, or GF_PORT_NO_TIME when unknown.
 * Used only to mint tokens (gf_mint_token). Certificate dates are checked
 * with mbedTLS's own clock, not this one (see giofetch.h, "Time"). */
typedef int64_t gf_port_utc_s_fn(void *ctx);

/* Sleep (or otherwise wait) for ms milliseconds. */
typedef void gf_port_sleep_ms_fn(void *ctx, uint32_t ms);

/*
 * Fill buf with len bytes of unpredictable entropy (seeds the TLS RNG and
 * the retry jitter). Returns 0, or GF_PORT_E_FAILED when none is available.
 */
typedef int32_t gf_port_entropy_fn(void *ctx, unsigned char *buf, size_t len);

/* One platform. ctx is handed back to every function unchanged. */
typedef struct gf_port {
    void *ctx;
    gf_port_connect_fn *connect;
    gf_port_send_fn *send;
    gf_port_recv_fn *recv;
    gf_port_close_fn *close;
    gf_port_now_ms_fn *now_ms;
    gf_port_utc_s_fn *utc_s;
    gf_port_sleep_ms_fn *sleep_ms;
    gf_port_entropy_fn *entropy;
} gf_port;

#ifdef __cplusplus
}
#endif

#endif /* GIOFETCH_PORT_H */
