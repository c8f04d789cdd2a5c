/*
 * A polled driver for the SMSC LAN9118 Ethernet controller of the
 * mps2-an386 board (qemu-system-arm -M mps2-an386), as an lwIP netif.
 * Written from the controller's register map (SMSC LAN9118 datasheet):
 * no interrupts, the superloop calls fw_lan9118_poll().
 */
#ifndef FW_LAN9118_H
#define FW_LAN9118_H

#include "lwip/err.h"
#include "lwip/netif.h"

#include <stdint.h>

#define FW_LAN9118_BASE 0x40200000u /* mps2-an385/an386 memory map */

typedef struct fw_lan9118_stats {
    uint32_t rx_frames, tx_frames;
    uint32_t rx_errors;   /* frames the controller flagged (error summary) */
    uint32_t rx_no_pbuf;  /* frames dropped for want of a pbuf            */
    uint32_t rx_dropped;  /* the controller's RX_DROP: its FIFO was full  */
} fw_lan9118_stats;

extern fw_lan9118_stats fw_lan9118_stat;

/* netif_add()'s init function: resets the controller, reads its MAC
 * address, enables the transmitter and receiver. ERR_IF when no LAN9118
 * answers at FW_LAN9118_BASE. */
err_t fw_lan9118_init(struct netif *netif);

/* Hand every frame waiting in the receive FIFO to netif->input. */
void fw_lan9118_poll(struct netif *netif);

#endif
