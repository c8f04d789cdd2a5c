/*
 * What the README's lwIP raw-port integration (section "Firmware with
 * lwIP") assumes of the board, so that the build compiles that very text
 * (net.mk extracts it): a doc example that does not compile is a wrong one.
 */
#include "giofetch/giofetch.h"
#include "giofetch/tls.h"

#include "gf_port_lwip.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

extern struct netif netif;
void my_eth_poll(struct netif *n);
uint64_t my_ms_tick64(void);
int32_t my_trng(unsigned char *b, size_t n);
extern const unsigned char ca_pem[1024];
#define MY_TOKEN "a token"
