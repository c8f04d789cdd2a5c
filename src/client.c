/* The client context: an HTTP engine plus the API's settings and buffers,
 * and the check that the caller's gf_client has the library's layout. */
#include "internal.h"

/* priv_init values. Anything else: the client was never set up. */
#define INIT_DONE 0x67664f4bu    /* "gfOK" */
#define INIT_REFUSED 0x67664e4fu /* "gfNO" */

gf_status gf_client_init_for(gf_client *cl, const gf_port *port, struct gf_tls *tls,
                             size_t size, uint32_t config_id)
{
    if (cl == NULL)
        return GF_E_ARGUMENT;
    if (size != sizeof(gf_client) || config_id != GF_CONFIG_ID) {
        /* The caller's struct has another layout: only its first field is
         * known to be where ours is. */
        cl->priv_init = INIT_REFUSED;
        return GF_E_CONFIG;
    }
    memset(cl, 0, sizeof(*cl));
    gf_http_init(&cl->http, port, tls);
    cl->base_url = GF_BASE_URL_DEFAULT;
    cl->retries = GF_RETRIES;
    cl->backoff_ms = GF_BACKOFF_MS;
    cl->api_interval_ms = GF_API_INTERVAL_MS;
    cl->priv_init = INIT_DONE;
    return GF_OK;
}

gf_status gf_client_ready(const gf_client *cl)
{
    if (cl == NULL)
        return GF_E_ARGUMENT;
    if (cl->priv_init == INIT_DONE)
        return GF_OK;
    return cl->priv_init == INIT_REFUSED ? GF_E_CONFIG : GF_E_ARGUMENT;
}

void gf_client_free(gf_client *cl)
{
    if (gf_client_ready(cl) == GF_OK)
        gf_http_close(&cl->http);
}
