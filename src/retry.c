/* Backoff with jitter, honouring Retry-After, through the port's clock. */
#include "retry.h"
#include "http.h" /* gf_http_event_peer: the retry event names its peer */

bool gf_retryable(gf_status st)
{
    switch (st) {
    case GF_E_DNS:
    case GF_E_CONNECT_REFUSED:
    case GF_E_CONNECT_TIMEOUT:
    case GF_E_IDLE_TIMEOUT:
    case GF_E_DEADLINE:
    case GF_E_RESET:
    case GF_E_NETWORK:
    case GF_E_PROXY_CONNECT:
    case GF_E_HTTP_TRUNCATED:
    case GF_E_RATE_LIMITED:
    case GF_E_SERVER:
        return true;
    default:
        return false;
    }
}

gf_status gf_status_of_http(int http_status)
{
    return http_status == 429 ? GF_E_RATE_LIMITED : GF_E_SERVER;
}

uint32_t gf_retry_after_ms(gf_view value)
{
    uint64_t s;
    if (!gf_parse_u64(value.ptr, value.len, &s))
        return 0;
    return s >= GF_BACKOFF_MAX_MS / 1000u ? GF_BACKOFF_MAX_MS : (uint32_t)s * 1000u;
}

gf_status gf_retry_wait(gf_client *cl, uint32_t attempt, uint32_t retry_after_ms, gf_status why)
{
    const gf_port *port = cl->http.port;
    uint64_t delay = cl->backoff_ms;
    for (uint32_t i = 1; i < attempt && delay < GF_BACKOFF_MAX_MS; i++)
        delay *= 2;
    /* Jitter: a random point in the upper half, so clients that failed
     * together do not come back together. */
    unsigned char r[2] = {0, 0};
    if (port->entropy(port->ctx, r, sizeof(r)) != 0) {
        uint64_t t = port->now_ms(port->ctx);
        r[0] = (unsigned char)t;
        r[1] = (unsigned char)(t >> 8);
    }
    delay = delay / 2 + (delay / 2) * (uint64_t)(r[0] | r[1] << 8) / 65535u;
    if (delay < retry_after_ms)
        delay = retry_after_ms;
    if (delay > GF_BACKOFF_MAX_MS)
        delay = GF_BACKOFF_MAX_MS;

    if (cl->http.on_event != NULL) {
        gf_event ev;
        /* gf_strerror speaks of the final outcome ("after every retry");
         * a retry under way is about this one answer. */
        gf_event_init(&ev, GF_EV_RETRY, why,
                      why == GF_E_RATE_LIMITED ? "rate limited (429)"
                      : why == GF_E_SERVER     ? "server error (5xx)"
                                               : gf_strerror(why));
        ev.delay_ms = (uint32_t)delay;
        gf_http_event_peer(&cl->http, &ev);
        cl->http.on_event(cl->http.event_user, &ev);
    }
    return gf_pause(&cl->http, (uint32_t)delay);
}
