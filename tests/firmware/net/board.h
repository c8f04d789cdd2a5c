/*
 * The emulated board's side of the lwIP port (mps2-an386): a millisecond
 * clock from a CMSDK timer, lwIP brought up on the LAN9118 with a static
 * address, the poll hook, and the figures the test prints (stack
 * high-water mark, heap peak).
 */
#ifndef FW_NET_BOARD_H
#define FW_NET_BOARD_H

#include "gf_port_lwip.h"

#include <stddef.h>
#include <stdint.h>

/* Bring up the timer, lwIP and the netif (192.0.2.2/24, gateway and DNS
 * server 192.0.2.1). Returns 0, or -1 when no LAN9118 answers. */
int fw_board_net_up(void);

/* The board half of the lwIP port (clock, entropy, poll hook). */
extern const gf_lwip_board fw_board;

uint64_t fw_board_now_ms(void);

/* Fill the stack below the caller's frame with a pattern; later, the
 * deepest byte overwritten. */
void fw_board_stack_paint(void);
size_t fw_board_stack_used(void);

/* The heap newlib took from the system so far (malloc never gives back). */
size_t fw_board_heap_peak(void);

#endif
