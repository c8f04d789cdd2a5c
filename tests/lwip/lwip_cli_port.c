/*
 * The giofetch CLI on lwIP (make lwip-test): brings up lwIP's stack on the
 * unix port (tcpip thread, a tapif netif on the TAP the test made) and hands
 * the CLI the socket flavour of port/lwip instead of the POSIX port.
 *
 * The netif's address, gateway and DNS server come from the environment so
 * that the test, not this file, owns the addressing:
 *   GF_LWIP_ADDR (default 192.0.2.2), GF_LWIP_GW (192.0.2.1),
 *   GF_LWIP_DNS (192.0.2.1), PRECONFIGURED_TAPIF (tap0; read by tapif.c).
 * Clocks and entropy are the host's, as a board's tick and RNG would be.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "gf_port_lwip.h"
#include "gf_port_posix.h"

#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include <stdio.h>
#include <stdlib.h>

void gf_cli_lwip_port_init(gf_port *port);

static gf_port_lwip lwip_port;
static struct netif tap_netif;
static gf_port host; /* the POSIX port, for its clock and entropy only */

static void addr_from_env(ip4_addr_t *a, const char *name, const char *fallback)
{
    const char *v = getenv(name);
    if (v == NULL || !ip4addr_aton(v, a)) {
        if (!ip4addr_aton(fallback, a)) {
            fprintf(stderr, "lwip: bad address %s\n", fallback);
            exit(2);
        }
    }
}

static void stack_up(void *arg)
{
    sys_sem_t *done = (sys_sem_t *)arg;
    ip4_addr_t addr, mask, gw, dns;
    ip_addr_t dns_ip;
    addr_from_env(&addr, "GF_LWIP_ADDR", "192.0.2.2");
    addr_from_env(&gw, "GF_LWIP_GW", "192.0.2.1");
    addr_from_env(&dns, "GF_LWIP_DNS", "192.0.2.1");
    IP4_ADDR(&mask, 255, 255, 255, 0);
    /* Runs in the tcpip thread: netif_add and dns_setserver need its lock. */
    netif_add(&tap_netif, &addr, &mask, &gw, NULL, tapif_init, tcpip_input);
    netif_set_default(&tap_netif);
    netif_set_up(&tap_netif);
    netif_set_link_up(&tap_netif);
    ip_addr_copy_from_ip4(dns_ip, dns);
    dns_setserver(0, &dns_ip);
    sys_sem_signal(done);
}

static uint64_t board_now_ms(void *ctx) { (void)ctx; return host.now_ms(host.ctx); }
static int64_t board_utc_s(void *ctx) { (void)ctx; return host.utc_s(host.ctx); }
static int32_t board_entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return host.entropy(host.ctx, buf, len);
}

void gf_cli_lwip_port_init(gf_port *port)
{
    static int started;
    if (!started) {
        sys_sem_t done;
        gf_lwip_board board = {NULL, board_now_ms, board_utc_s, board_entropy, NULL};
        gf_port_posix_init(&host);
        if (sys_sem_new(&done, 0) != ERR_OK) {
            fprintf(stderr, "lwip: no semaphore\n");
            exit(2);
        }
        tcpip_init(stack_up, &done);
        sys_sem_wait(&done);
        sys_sem_free(&done);
        gf_port_lwip_init(&lwip_port, &board);
        started = 1;
    }
    *port = lwip_port.port;
}
