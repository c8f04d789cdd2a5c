/*
 * lwIP's options for the host proof (make lwip-test): the socket flavour
 * (NO_SYS=0) on the unix port's pthreads, one tapif netif, IPv4 only.
 * Written for giofetch; the lines a socket-flavour integrator needs are
 * marked "giofetch:", the rest sizes the stack for a 64 MB download at a
 * host's pace.
 */
#ifndef GF_TEST_LWIPOPTS_H
#define GF_TEST_LWIPOPTS_H

/* giofetch: the socket flavour needs an OS (threads, mailboxes). */
#define NO_SYS 0
#define LWIP_SOCKET 1
#define LWIP_NETCONN 1
#define LWIP_COMPAT_SOCKETS 0 /* the port calls lwip_* by name; keep the
                                 host's own socket() untouched */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_TCPIP_CORE_LOCKING 1

/* giofetch: names through lwip_getaddrinfo. */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 1
#define DNS_TABLE_SIZE 4
/* Each try waits DNS_TMR_INTERVAL (1 s) times its retry number: 2 retries
 * bound an unanswered name to a few seconds, below giofetch's timeouts. */
#define DNS_MAX_RETRIES 2

/* giofetch: a socket per connection. --jobs 4 plus a re-ask and the DNS
 * socket: 8 leaves room. Each socket is a netconn and a TCP pcb. */
#define MEMP_NUM_NETCONN 8
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 1

/* giofetch: TCP windows. The receive window bounds the download rate per
 * connection (window / round trip); 16 MSS is lwIP's own upper comfort. */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG TCP_SND_QUEUELEN
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 0

/* giofetch: pbufs for a full receive window on every open connection. */
#define PBUF_POOL_SIZE 96
#define PBUF_POOL_BUFSIZE 1536
#define MEM_SIZE (64 * 1024)
#define MEM_ALIGNMENT 8
#define MEMP_NUM_PBUF 32

/* giofetch: the port bounds its waits with lwip_select, so these two are
 * optional; SO_RCVTIMEO stays on for integrators who time recv that way. */
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 0

/* Mailboxes between the socket layer and the tcpip thread. */
#define TCPIP_MBOX_SIZE 32
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 8
#define DEFAULT_ACCEPTMBOX_SIZE 4
#define DEFAULT_RAW_RECVMBOX_SIZE 4
#define TCPIP_THREAD_STACKSIZE 16384
#define DEFAULT_THREAD_STACKSIZE 16384

/* IPv4 over Ethernet only; no DHCP (the address is static). */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_UDP 1
#define LWIP_ICMP 1
#define LWIP_DHCP 0
#define LWIP_RAW 0
#define LWIP_IGMP 0

/* The host's errno: the port and the CLI read the same errno. */
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_NETIF_API 0
#define LWIP_STATS 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define SYS_LIGHTWEIGHT_PROT 1
/* LWIP_RAND and struct timeval come from the unix port's arch/cc.h. */

#endif /* GF_TEST_LWIPOPTS_H */
