/*
 * The LAN9118 as an lwIP netif, polled (see lan9118.h).
 *
 * The controller is programmed through 32-bit registers at its base and
 * through indirect "MAC CSR" registers; frames go through FIFOs: to send,
 * command words A and B then the frame's dwords into the TX data FIFO; to
 * receive, one status word from the RX status FIFO (length, error bit),
 * then the frame's dwords from the RX data FIFO. The received length
 * includes the 4-byte FCS, which lwIP does not want.
 */
#include "lan9118.h"

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include <string.h>

/* System control and status registers (offsets from the base). */
#define RX_DATA_FIFO 0x00u
#define TX_DATA_FIFO 0x20u
#define RX_STATUS_FIFO 0x40u
#define TX_STATUS_FIFO 0x48u
#define ID_REV 0x50u
#define INT_EN 0x5Cu
#define BYTE_TEST 0x64u
#define RX_CFG 0x6Cu
#define TX_CFG 0x70u
#define HW_CFG 0x74u
#define RX_FIFO_INF 0x7Cu
#define TX_FIFO_INF 0x80u
#define PMT_CTRL 0x84u
#define RX_DROP 0xA0u
#define MAC_CSR_CMD 0xA4u
#define MAC_CSR_DATA 0xA8u

/* MAC CSR registers (indices for MAC_CSR_CMD). */
#define MAC_CR 1u
#define ADDRH 2u
#define ADDRL 3u

#define HW_CFG_SRST (1u << 0)
#define PMT_CTRL_READY (1u << 0)
#define TX_CFG_TX_ON (1u << 1)
#define MAC_CSR_BUSY (1u << 31)
#define MAC_CSR_READ (1u << 30)
#define MAC_CR_RXEN (1u << 2)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_FDPX (1u << 20)
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST (1u << 12)
#define RX_STS_ERROR (1u << 15)
#define BYTE_TEST_VALUE 0x87654321u
#define ID_9118 0x0118u /* ID_REV's upper half */

#define FRAME_MAX 1536u /* a VLAN-tagged frame and its FCS, rounded to dwords */

fw_lan9118_stats fw_lan9118_stat;

/* A frame in dwords: the FIFOs move 32 bits at a time, and a pbuf chain
 * has no alignment to give them. */
static uint32_t frame[FRAME_MAX / 4u];

static volatile uint32_t *reg(uint32_t off)
{
    return (volatile uint32_t *)(FW_LAN9118_BASE + off);
}

static uint32_t rd(uint32_t off) { return *reg(off); }
static void wr(uint32_t off, uint32_t v) { *reg(off) = v; }

static void mac_wait(void)
{
    for (unsigned i = 0; i < 100000u && (rd(MAC_CSR_CMD) & MAC_CSR_BUSY); i++)
        ;
}

static uint32_t mac_read(uint32_t index)
{
    mac_wait();
    wr(MAC_CSR_CMD, MAC_CSR_BUSY | MAC_CSR_READ | index);
    mac_wait();
    return rd(MAC_CSR_DATA);
}

static void mac_write(uint32_t index, uint32_t v)
{
    mac_wait();
    wr(MAC_CSR_DATA, v);
    wr(MAC_CSR_CMD, MAC_CSR_BUSY | index);
    mac_wait();
}

static int reset(void)
{
    if (rd(BYTE_TEST) != BYTE_TEST_VALUE || (rd(ID_REV) >> 16) != ID_9118)
        return -1;
    wr(HW_CFG, HW_CFG_SRST);
    for (unsigned i = 0; i < 100000u && (rd(HW_CFG) & HW_CFG_SRST); i++)
        ;
    for (unsigned i = 0; i < 100000u && !(rd(PMT_CTRL) & PMT_CTRL_READY); i++)
        ;
    if (rd(HW_CFG) & HW_CFG_SRST)
        return -1;
    wr(INT_EN, 0); /* polled */
    return 0;
}

static err_t link_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    if (p->tot_len > FRAME_MAX - 4u)
        return ERR_BUF;
    uint32_t len = p->tot_len;
    uint32_t words = (len + 3u) / 4u;
    /* Wait for room in the TX data FIFO (TDFREE, bytes): the frame and
     * its two command words. */
    for (unsigned i = 0; i < 1000000u && (rd(TX_FIFO_INF) & 0xFFFFu) < words * 4u + 8u; i++)
        ;
    if ((rd(TX_FIFO_INF) & 0xFFFFu) < words * 4u + 8u)
        return ERR_MEM;
    pbuf_copy_partial(p, frame, (u16_t)len, 0);
    wr(TX_DATA_FIFO, TX_CMD_A_FIRST | TX_CMD_A_LAST | len); /* one segment, offset 0 */
    wr(TX_DATA_FIFO, (len << 16) | len);                     /* tag = length, length  */
    for (uint32_t i = 0; i < words; i++)
        wr(TX_DATA_FIFO, frame[i]);
    /* Each frame sent leaves a status word; drain them so the status FIFO
     * never fills and stops the transmitter. */
    while ((rd(TX_FIFO_INF) >> 16) & 0xFFu)
        (void)rd(TX_STATUS_FIFO);
    fw_lan9118_stat.tx_frames++;
    return ERR_OK;
}

err_t fw_lan9118_init(struct netif *netif)
{
    if (reset() != 0)
        return ERR_IF;
    /* The MAC address the board was given (qemu's -nic mac=, or its
     * default): the controller holds it after reset. */
    uint32_t lo = mac_read(ADDRL), hi = mac_read(ADDRH);
    if (lo == 0 && (hi & 0xFFFFu) == 0) { /* none: a locally administered one */
        lo = 0x12005402u;
        hi = 0x5634u;
        mac_write(ADDRL, lo);
        mac_write(ADDRH, hi);
    }
    for (int i = 0; i < 4; i++)
        netif->hwaddr[i] = (u8_t)(lo >> (8 * i));
    netif->hwaddr[4] = (u8_t)hi;
    netif->hwaddr[5] = (u8_t)(hi >> 8);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = link_output;

    wr(RX_CFG, 0); /* no data offset, no end alignment */
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX);
    wr(TX_CFG, TX_CFG_TX_ON);
    return ERR_OK;
}

/* Read one frame of len bytes (FCS included) out of the RX data FIFO. */
static void receive(struct netif *netif, uint32_t status)
{
    uint32_t len = (status >> 16) & 0x3FFFu;
    uint32_t words = (len + 3u) / 4u;
    if (words > FRAME_MAX / 4u) { /* cannot be a frame of ours: drain it */
        for (uint32_t i = 0; i < words; i++)
            (void)rd(RX_DATA_FIFO);
        fw_lan9118_stat.rx_errors++;
        return;
    }
    for (uint32_t i = 0; i < words; i++)
        frame[i] = rd(RX_DATA_FIFO);
    if ((status & RX_STS_ERROR) || len < 4u + 14u) {
        fw_lan9118_stat.rx_errors++;
        return;
    }
    len -= 4u; /* the FCS */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL) {
        fw_lan9118_stat.rx_no_pbuf++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    fw_lan9118_stat.rx_frames++;
    if (netif->input(p, netif) != ERR_OK)
        pbuf_free(p);
}

void fw_lan9118_poll(struct netif *netif)
{
    /* RXSUSED: status words waiting, one per frame. */
    while ((rd(RX_FIFO_INF) >> 16) & 0xFFu)
        receive(netif, rd(RX_STATUS_FIFO));
    fw_lan9118_stat.rx_dropped += rd(RX_DROP); /* clears on read */
}
