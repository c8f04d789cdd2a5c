/*
 * lwIP options of the board image (make firmware-net-test): NO_SYS=1, the
 * raw API under giofetch's raw port (port/lwip/port_lwip_raw.c), IPv4 with
 * ARP over the LAN9118, lwIP's DNS client. Sized for one HTTPS download at
 * a time; the lines giofetch itself needs are marked "giofetch:".
 */
#ifndef FW_NET_LWIPOPTS_H
#define FW_NET_LWIPOPTS_H

/* ---- a superloop, no RTOS -------------------------------------------------- */
#define NO_SYS 1                 /* giofetch: selects the raw flavour        */
#define SYS_LIGHTWEIGHT_PROT 0   /* nothing runs in interrupts here          */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_TIMERS 1            /* the poll hook calls sys_check_timeouts() */

/* ---- protocols ---------------------------------------------------------------- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1              /* answers ping: the first proof of the driver */
#define LWIP_UDP 1               /* DNS                                      */
#define LWIP_TCP 1
#define LWIP_DHCP 0              /* static 192.0.2.2/24 in the test's namespace */
#define LWIP_DNS 1               /* giofetch: names through dns_gethostbyname */
#define DNS_TABLE_SIZE 2         /* the API's host and the file host's       */
#define DNS_MAX_NAME_LENGTH 128
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_STATS 0
#define LWIP_NETIF_HOSTNAME 0

/* ---- memory: lwIP's own heap and pools, no malloc ----------------------------- */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (12 * 1024)     /* tcp_write copies (TCP_SND_BUF) and ARP/DNS */
#define MEMP_NUM_TCP_PCB 4       /* one open, the rest in TIME_WAIT           */
#define MEMP_NUM_TCP_PCB_LISTEN 0
#define MEMP_NUM_UDP_PCB 2
#define PBUF_POOL_SIZE 8         /* received frames; the port copies at once  */

/* ---- TCP ---------------------------------------------------------------------- */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)    /* giofetch: the raw port's ring per connection
                                  * is this size (GF_LWIP_RAW_RING)           */
#define TCP_SND_BUF (2 * TCP_MSS) /* requests and TLS handshakes are small    */
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define MEMP_NUM_TCP_SEG (TCP_SND_QUEUELEN + 8)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 0

/* ---- checks: lwIP's asserts stay on in the test image ------------------------ */
#define LWIP_NOASSERT_ON_ERROR 0

#endif
