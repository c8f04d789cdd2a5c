/*
 * sizeof of giofetch's public structs on one target. Run, it prints
 * "name bytes" lines; cross-compiled for a board that cannot run it, the
 * same numbers are the sizes of the gf_sizeof_* objects (nm -S).
 * GF_SIZES_TLS: gf_tls too (needs mbedTLS's headers).
 */
#include "giofetch/giofetch.h"
#ifdef GF_SIZES_TLS
#include "giofetch/tls.h"
#define TLS_STRUCTS(X) X(gf_tls)
#else
#define TLS_STRUCTS(X)
#endif

#include <stdio.h>

#define STRUCTS(X)                                                                 \
    X(gf_client) X(gf_http) X(gf_http_parser) X(gf_answer) X(gf_request) X(gf_sink) \
    X(gf_url) X(gf_port) X(gf_proxy) X(gf_http_request) X(gf_download_result)       \
    X(gf_fetch_handler) X(gf_crypto) X(gf_md5_ctx) X(gf_event) X(gf_period)         \
    X(gf_view) TLS_STRUCTS(X)

#define OBJECT(t) char gf_sizeof_##t[sizeof(t)];
STRUCTS(OBJECT)

int main(void)
{
#define PRINT(t) printf("%s %lu\n", #t, (unsigned long)sizeof(gf_sizeof_##t));
    STRUCTS(PRINT)
    return 0;
}
