/* --jobs N: several downloads of one export at once (see jobs.c). */
#ifndef GF_JOBS_H
#define GF_JOBS_H

#include "cli.h"

#define JOBS_MAX 8u

/*
 * What gf_fetch_export does, with up to o->jobs (2..JOBS_MAX) files
 * downloading at once, each on a thread with a client and TLS context of
 * its own. The API calls (the first ask, polling, and the one re-ask per
 * answer when links expire) stay on n->cl, in the calling thread, under
 * its rate limit. fh's callbacks run in the calling thread, one at a time;
 * the sink fh->sink gives for a file must stay valid until fh->done for
 * that file, while other files' sinks are open. Returns what
 * gf_fetch_export would.
 */
gf_status jobs_fetch_export(const cli_opts *o, cli_net *n, const gf_request *req,
                            uint32_t wait_ms, const gf_fetch_handler *fh, gf_answer *ans);

/* True when this build's mbedTLS is not thread-safe, so the jobs take
 * turns inside it (see jobs.c). */
bool jobs_tls_serialized(void);

#endif
