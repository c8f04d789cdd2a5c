/* Retry policy shared by API calls and downloads. Private. */
#ifndef GF_RETRY_H
#define GF_RETRY_H

#include "internal.h"

/* Worth another try: network failures, 429 and 5xx. Verification and
 * protocol errors of a broken peer are not. */
bool gf_retryable(gf_status st);

/* The status a final HTTP answer of 429 or 5xx stands for. */
gf_status gf_status_of_http(int http_status);

/*
 * Wait before retry number `attempt` (1 for the first retry): exponential
 * backoff from cl->backoff_ms with jitter, at least Retry-After when the
 * server gave one (retry_after_ms, 0 when none), capped at
 * GF_BACKOFF_MAX_MS. Reports a GF_EV_RETRY event with why. Returns GF_OK,
 * or GF_E_CANCELLED when the caller's cancel hook cut the wait short.
 */
gf_status gf_retry_wait(gf_client *cl, uint32_t attempt, uint32_t retry_after_ms, gf_status why);

/* Retry-After (RFC 9110 section 10.2.3) as delta-seconds, in ms; 0 when
 * absent or not a number (an HTTP-date falls back to the backoff). */
uint32_t gf_retry_after_ms(gf_view value);

#endif
