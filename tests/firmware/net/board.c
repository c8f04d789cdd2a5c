/* The emulated board's side of the lwIP port (see board.h). */
#include "board.h"
#include "lan9118.h"

#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include <malloc.h>
#include <string.h>

/* CMSDK APB timer 0 of the mps2 boards, clocked at 25 MHz, counting down
 * from 0xFFFFFFFF: read and accumulated on every call, so it only has to
 * be read once per wrap (171 s). No interrupts. */
#define TIMER0 0x40000000u
#define TIMER_CTRL (*(volatile uint32_t *)(TIMER0 + 0x0u))
#define TIMER_VALUE (*(volatile uint32_t *)(TIMER0 + 0x4u))
#define TIMER_RELOAD (*(volatile uint32_t *)(TIMER0 + 0x8u))
#define TICKS_PER_MS 25000u

static uint64_t ticks;
static uint32_t last_value;

static void timer_start(void)
{
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = 1u;
    last_value = TIMER_VALUE;
}

uint64_t fw_board_now_ms(void)
{
    uint32_t v = TIMER_VALUE;
    ticks += (uint32_t)(last_value - v); /* down-counter: modulo 2^32 */
    last_value = v;
    return ticks / TICKS_PER_MS;
}

u32_t sys_now(void) { return (u32_t)fw_board_now_ms(); }

/* Not a TRNG: qemu has none to offer. A board returns its RNG's bytes. */
static uint32_t rand_state = 0x9E3779B9u;
unsigned long fw_net_rand(void)
{
    rand_state ^= TIMER_VALUE;
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

static int32_t board_entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)fw_net_rand();
    return 0;
}

static uint64_t board_now_ms(void *ctx)
{
    (void)ctx;
    return fw_board_now_ms();
}

static struct netif netif;

/* The poll hook: frames in, timers run. */
static void board_poll(void *ctx)
{
    (void)ctx;
    fw_lan9118_poll(&netif);
    sys_check_timeouts();
}

const gf_lwip_board fw_board = {
    .ctx = NULL,
    .now_ms = board_now_ms,
    .utc_s = NULL,
    .entropy = board_entropy,
    .sleep_ms = NULL,
    .poll = board_poll,
};

int fw_board_net_up(void)
{
    ip4_addr_t ip, mask, gw, dns;
    timer_start();
    lwip_init();
    IP4_ADDR(&ip, 192, 0, 2, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 192, 0, 2, 1);
    IP4_ADDR(&dns, 192, 0, 2, 1);
    if (netif_add(&netif, &ip, &mask, &gw, NULL, fw_lan9118_init, ethernet_input) == NULL)
        return -1;
    netif_set_default(&netif);
    netif_set_up(&netif);
    netif_set_link_up(&netif);
    ip_addr_t server;
    ip_addr_copy_from_ip4(server, dns);
    dns_setserver(0, &server);
    return 0;
}

/* ---- figures ------------------------------------------------------------------ */

/* rdimon's start-up places the stack where the host's semihosting says
 * (SYS_HEAPINFO), so the top is taken from the caller's frame: the figure
 * is the stack used below main(). */
#define STACK_PAINT (96u * 1024u)
#define PAINT 0xA5A5A5A5u

static uintptr_t stack_top;

void fw_board_stack_paint(void)
{
    volatile uint32_t here;
    stack_top = ((uintptr_t)&here - 256u) & ~(uintptr_t)3u;
    for (uintptr_t a = stack_top - STACK_PAINT; a < stack_top; a += 4)
        *(volatile uint32_t *)a = PAINT;
}

size_t fw_board_stack_used(void)
{
    uintptr_t a = stack_top - STACK_PAINT;
    while (a < stack_top && *(volatile uint32_t *)a == PAINT)
        a += 4;
    return stack_top - a;
}

size_t fw_board_heap_peak(void)
{
    struct mallinfo mi = mallinfo();
    return (size_t)mi.arena;
}
