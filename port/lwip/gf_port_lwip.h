/*
 * The lwIP port: giofetch's gf_port on lwIP (2.1 or later), in the flavour
 * lwIP itself is built for:
 *
 *   NO_SYS=0  (an RTOS: FreeRTOS, ESP-IDF, STM32Cube, NXP MCUXpresso)
 *             lwIP's socket API: lwip_socket/connect/send/recv, names through
 *             lwip_getaddrinfo. Needs LWIP_SOCKET=1, LWIP_SO_RCVTIMEO=1,
 *             LWIP_SO_SNDTIMEO=1, LWIP_DNS=1.                (port_lwip_socket.c)
 *   NO_SYS=1  (bare metal, a superloop: Pico W, small Cortex-M boards)
 *             lwIP's raw TCP API: tcp_connect/tcp_write/tcp_recv callbacks
 *             into a receive ring per connection, dns_gethostbyname for names.
 *             While it waits, the port keeps the stack running through the
 *             board's poll hook. Received data is acknowledged to the peer
 *             (tcp_recved) only as the library consumes it, so a slow sink
 *             slows the sender instead of losing data.    (port_lwip_raw.c)
 *
 * Build exactly one of the two files, with lwIP's include folders and the
 * board's lwipopts.h on the include path. Clocks, sleep and entropy are the
 * board's: lwIP has no RNG and its sys_now() may be a 32-bit tick.
 */
#ifndef GF_PORT_LWIP_H
#define GF_PORT_LWIP_H

#include "giofetch/port.h"
#include "lwip/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the board supplies, in both flavours. */
typedef struct gf_lwip_board {
    void *ctx;                       /* handed back to each function below    */
    gf_port_now_ms_fn *now_ms;       /* monotonic ms, 64-bit (required)       */
    gf_port_utc_s_fn *utc_s;         /* wall clock, or NULL: not known        */
    gf_port_entropy_fn *entropy;     /* the board's RNG (required for TLS)    */
    gf_port_sleep_ms_fn *sleep_ms;   /* NULL: NO_SYS=0 sleeps with sys_msleep,
                                      * NO_SYS=1 polls the stack until due    */
#if NO_SYS
    /* Run the stack once: hand received frames to the netif and call
     * sys_check_timeouts(). Called in a loop while the port waits. */
    void (*poll)(void *ctx);
#endif
} gf_lwip_board;

/* --- NO_SYS=1 (raw API): per-connection state, sized at compile time. --- */
#if NO_SYS
#include "lwip/ip_addr.h"

/* Connections open at once. One gf_client holds one connection at a time
 * (it closes the API's before it opens a file host's), so 1 is enough for a
 * board with one client; each slot costs GF_LWIP_RAW_RING bytes. */
#ifndef GF_LWIP_RAW_CONNS
#define GF_LWIP_RAW_CONNS 1
#endif

/* Bytes received but not yet read by the library, per connection. Data is
 * acknowledged to the peer's window only as the library reads it, so the
 * peer never has more than TCP_WND bytes in flight past what was read: a
 * ring of TCP_WND bytes can never overflow. Smaller is refused below. */
#ifndef GF_LWIP_RAW_RING
#define GF_LWIP_RAW_RING TCP_WND
#endif
#if GF_LWIP_RAW_RING < TCP_WND
#error "GF_LWIP_RAW_RING must hold a whole receive window (TCP_WND)"
#endif

struct tcp_pcb;

/* One connection: the raw API's callbacks write here, the port's recv
 * reads here. Private to port_lwip_raw.c. */
typedef struct gf_lwip_conn {
    struct tcp_pcb *pcb;     /* NULL once lwIP freed it (error) or closed */
    uint8_t state;           /* free, connecting, open, peer closed, broken */
    int8_t error;            /* GF_PORT_E_* once broken                    */
    uint32_t head, len;      /* ring[head..] holds len unread bytes        */
    unsigned char ring[GF_LWIP_RAW_RING];
} gf_lwip_conn;

/* The name lookup in progress (lwIP's DNS answers through a callback that
 * may come after the port stopped waiting for it). Private. */
typedef struct gf_lwip_dns {
    const char *host;        /* the name waited for, NULL when none        */
    uint8_t state;           /* waiting, found, failed                     */
    ip_addr_t addr;
} gf_lwip_dns;
#endif

/* One lwIP port: hand &lp->port to the library. Caller-owned. */
typedef struct gf_port_lwip {
    gf_port port;
    gf_lwip_board board;
#if NO_SYS
    gf_lwip_conn conn[GF_LWIP_RAW_CONNS]; /* a handle is an index here  */
    gf_lwip_dns dns;
#endif
} gf_port_lwip;

/* Fill lp->port with the lwIP functions of the flavour built; board is
 * copied. Cannot fail. The stack (netif up, DNS server set) is the caller's
 * to bring up before the first connect. */
void gf_port_lwip_init(gf_port_lwip *lp, const gf_lwip_board *board);

#ifdef __cplusplus
}
#endif

#endif /* GF_PORT_LWIP_H */
