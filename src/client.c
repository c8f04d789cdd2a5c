/* The client context: an HTTP engine plus the API's settings and buffers. */
#include "internal.h"

void gf_client_init(gf_client *cl, const gf_port *port, struct gf_tls *tls)
{
    memset(cl, 0, offsetof(gf_client, tokens)); /* the big buffers need no clearing */
    gf_http_init(&cl->http, port, tls);
    cl->base_url = GF_BASE_URL_DEFAULT;
    cl->retries = GF_RETRIES;
    cl->backoff_ms = GF_BACKOFF_MS;
    cl->api_interval_ms = GF_API_INTERVAL_MS;
}

void gf_client_free(gf_client *cl)
{
    if (cl != NULL)
        gf_http_close(&cl->http);
}
