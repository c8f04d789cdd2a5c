/* One file of an export flow on one connection. The flow (which file next,
 * what a 403 costs, the first error) is the library's; here it meets the
 * tool's per-file callbacks (commands.c) and the lock that --jobs adds. */
#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "drive.h"

static void drive_lock(const drive *d)
{
    if (d->m != NULL)
        pthread_mutex_lock(d->m);
}

static void drive_unlock(const drive *d)
{
    if (d->m != NULL)
        pthread_mutex_unlock(d->m);
}

uint64_t drive_file(const drive *d, drive_slot *s, size_t i)
{
    const gf_sink *sink = NULL;
    gf_download_result res;
    gf_flow_step step;
    gf_status st = d->jf->begin(d->jf->user, i, &s->conn, &sink);
    if (st != GF_OK || sink == NULL) {
        if (st != GF_OK)
            gf_flow_stop(d->flow, st);
        (void)gf_flow_ended(d->flow, i, GF_OK); /* skipped: no outcome */
        return 0;
    }
    memset(&res, 0, sizeof(res));
    s->busy = true;
    s->done = 0;
    do {
        /* The parser keeps every link shorter than GF_URL_MAX. A re-ask
         * rewrites the answer, so the download reads a copy. */
        memcpy(s->url, d->ans->link[i].ptr, d->ans->link[i].len + 1);
        drive_unlock(d);
        st = gf_download(s->conn.cl, s->url, sink, &res);
        drive_lock(d);
    } while ((step = gf_flow_ended(d->flow, i, st)) == GF_FLOW_AGAIN);
    s->busy = false;
    if (step != GF_FLOW_SETTLED) {
        d->jf->drop(d->jf->user, i);
        return 0;
    }
    gf_status e = d->jf->end(d->jf->user, i, st, &res, &s->conn);
    if (e != GF_OK)
        gf_flow_stop(d->flow, e);
    return st == GF_OK ? res.bytes : 0;
}

gf_status drive_in_turn(const drive *d, drive_slot *s)
{
    size_t i;
    while (gf_flow_next(d->flow, &i) == GF_FLOW_FILE)
        (void)drive_file(d, s, i);
    return gf_flow_result(d->flow);
}
