/* Drivers of the library's export flow (gf_flow): one file after the other,
 * or --jobs N files at once on threads (see jobs.c). */
#ifndef GF_JOBS_H
#define GF_JOBS_H

#include "cli.h"

#define JOBS_MAX 8u

/* The connection a file's download runs on, for its messages. */
typedef struct jobs_conn {
    gf_client *cl;
    const gf_tls *tls;
    cli_peer *peer;
} jobs_conn;

/* What the tool does with each file the flow hands out (commands.c). The
 * driver calls these one at a time, under its lock when it has threads. */
typedef struct jobs_files {
    void *user;
    const char *label;       /* the export, for the --jobs progress line   */
    /* File index is handed out, to be downloaded on conn: its sink, or
     * *sink NULL to skip it. A sink stays open until end() or drop() for
     * that file, while other files' sinks are open. Anything but GF_OK
     * stops the export with it. */
    gf_status (*begin)(void *user, size_t index, const jobs_conn *conn, const gf_sink **sink);
    /* Its download ended with st (its outcome). Anything but GF_OK stops
     * the export with it (the files under way still end). */
    gf_status (*end)(void *user, size_t index, gf_status st, const gf_download_result *res,
                     const jobs_conn *conn);
    /* It needed fresh links and the export stopped instead: no outcome. */
    void (*drop)(void *user, size_t index);
} jobs_files;

/*
 * Download the files of a flow that has begun (gf_flow_begin said GF_OK
 * about n->cl and ans) until it is done: with o->jobs 1 one after the
 * other on n->cl, else up to o->jobs (at most JOBS_MAX) at once, each on a
 * thread with a client and TLS context of its own. The re-ask after a 403
 * runs on n->cl, inside gf_flow_ended, under the one lock. Returns
 * gf_flow_result, or GF_E_RESOURCES when not one thread could start.
 */
gf_status jobs_run(const cli_opts *o, cli_net *n, gf_flow *flow, const gf_answer *ans,
                   const jobs_files *jf);

#endif
