/* A pass-through "TLS" for unit tests: bytes go through the port unchanged,
 * so https URLs, TLS start and proxy tunnels can be tested without mbedTLS. */
#ifndef GF_FAKETLS_H
#define GF_FAKETLS_H

#include "giofetch/giofetch.h"

typedef struct faketls {
    gf_secure base;              /* first: the engine sees a struct gf_tls   */
    const gf_port *port;
    int32_t handle;
    gf_status fail_open;         /* returned by open when not GF_OK          */
    unsigned reconnects;         /* opens still to fail with GF_E_TLS_SIGNATURE
                                  * asking for another connection (reconnect) */
    unsigned opens, closes;
    char host[GF_HOST_MAX];      /* host name of the last open               */
} faketls;

void faketls_init(faketls *t);
#define FAKETLS(t) ((struct gf_tls *)(void *)&(t)->base)

#endif
