/* The POSIX port: BSD sockets with poll, monotonic clock, OS entropy. */
#ifndef GF_PORT_POSIX_H
#define GF_PORT_POSIX_H

#include "giofetch/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill port with the POSIX functions (port->ctx stays NULL). Cannot fail. */
void gf_port_posix_init(gf_port *port);

#ifdef __cplusplus
}
#endif

#endif /* GF_PORT_POSIX_H */
