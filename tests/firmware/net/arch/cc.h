/*
 * lwIP's architecture header for the board image (Cortex-M4, newlib,
 * little-endian). Diagnostics go to the semihosted console; an assertion
 * ends the run with a distinct exit code, so a broken invariant is a failed
 * test rather than a hang.
 */
#ifndef FW_NET_ARCH_CC_H
#define FW_NET_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                \
    do {                                                                       \
        printf("lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
        exit(125);                                                             \
    } while (0)

/* TCP's initial sequence numbers, DNS query ids and source ports. */
unsigned long fw_net_rand(void);
#define LWIP_RAND() ((u32_t)fw_net_rand())

#endif
