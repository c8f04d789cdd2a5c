/* The giofetch tool: shared declarations of its files. */
#ifndef GF_CLI_H
#define GF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "giofetch/giofetch.h"
#include "giofetch/tls.h"

/* Exit codes, as giofetch(1) and README.md list them. */
enum {
    EXIT_DONE = 0,
    EXIT_USAGE = 2,
    EXIT_RUNNING = 3,
    EXIT_NOT_EXISTS = 4,
    EXIT_API_ERROR = 5,
    EXIT_AUTH = 6,
    EXIT_UNREACHABLE = 7,
    EXIT_MALFORMED = 8,
    EXIT_DOWNLOAD = 9,
    EXIT_LOCAL = 10
};

/* Before this, the clock cannot be right: a board that has not synced
 * yet. GrowingIO keeps 15 days of data, none of it this old. */
#define CLI_CLOCK_SANE_S 1577836800 /* 2020-01-01 */

typedef enum cli_command { CMD_LINKS, CMD_FETCH, CMD_SYNC } cli_command;

typedef struct cli_opts {
    cli_command cmd;
    const char *project;
    gf_export_type type;
    bool all;                      /* --data all                            */
    bool data[GF_DATA_TYPES];      /* the types asked for                   */
    const char *date, *from, *to;  /* as given, or NULL                     */
    const char *out;
    const char *base_url;
    const char *ca_file;
    const char *proxy;
    const char *token_file;
    uint32_t expire_min, wait_s, timeout_s, retries, lock_wait_s;
    uint32_t jobs;                 /* fetch, sync: downloads at once, 1..8  */
    bool json, quiet, verbose;
} cli_opts;

/* args.c: parse argv (and GIO_BASE_URL) into o. Returns -1 when --help or
 * --version was answered, 0 to go on, or EXIT_USAGE after a message. */
int cli_parse(int argc, char **argv, cli_opts *o);
void cli_usage(FILE *f);

/* report.c: what the tool tells its user on stderr (one line per message,
 * "giofetch: "), -v lines, and a progress line on a terminal. main owns the
 * one report of a run and hands it down; with --jobs it is used under the
 * jobs' lock. */
typedef struct cli_report {
    bool quiet, verbose;
    bool tty;                /* stderr is a terminal and -q is not given   */
    bool shown;              /* a progress line is on it now               */
} cli_report;
void cli_report_init(cli_report *rp, const cli_opts *o);
void cli_error(cli_report *rp, const char *fmt, ...);   /* always shown */
void cli_warn(cli_report *rp, const char *fmt, ...);    /* always shown */
void cli_note(cli_report *rp, const char *fmt, ...);    /* hidden by -q */
/* What one client's events told of its connection, and what its lines are
 * about: each client (the API's, each job's) has its own, so that a message
 * names the connection that failed and the file it was for, whatever ran
 * meanwhile. */
typedef struct cli_peer {
    cli_report *rp;          /* where its lines go                         */
    char connect[GF_HOST_MAX + 16]; /* host:port of the last connect attempt
                                     * (the proxy's when tunnelling), IPv6
                                     * literals in brackets; "" before one */
    bool connect_proxy;      /* ... and it was the proxy's                 */
    gf_status proxy_cause;   /* why the proxy could not be reached         */
    int last_http;           /* the last HTTP status received              */
    char subject[200];       /* what retry and wait lines are about        */
    /* The file it downloads, for the progress line (--jobs 1). */
    char label[96];
    size_t index, count;
    uint64_t held;           /* bytes on disk when the file was opened     */
    double start_s;          /* when its download began (monotonic)        */
} cli_peer;
void cli_peer_init(cli_peer *peer, cli_report *rp);
/* The library's events; user is the client's cli_peer. */
void cli_event(void *user, const gf_event *ev);
/* What peer's retry and wait lines are about ("visit 20261130 part-1.csv.gz"). */
void cli_subject(cli_peer *peer, const char *fmt, ...);
/* Peer begins a file's download; held: the bytes already on disk (a resume). */
void cli_progress_file(cli_peer *peer, const char *label, size_t index, size_t count,
                       uint64_t held);
/* --jobs: the export's one progress line, for all its downloads. */
void cli_progress_jobs(cli_report *rp, const char *label, size_t done, size_t count,
                       unsigned running, uint64_t bytes, double since_s);
void cli_progress_end(cli_report *rp);
/* Seconds on a monotonic clock, for progress. */
double cli_now_s(void);
void cli_host_port(char *out, size_t cap, const char *host, unsigned port);
/* Copy untrusted text for a terminal: control bytes become '?', at most
 * cap-1 bytes. */
void cli_sanitize(char *dst, size_t cap, const char *src, size_t len);
/* Write s as a JSON string (with quotes) to f. */
void cli_json_str(FILE *f, const char *s, size_t len);

/* creds.c: the Authorization token (--token-file, GIO_TOKEN, or minted). */
typedef struct cli_creds {
    char token[1024];
    char client_id[256];
    bool have_client_id;
    bool mint;                     /* GIO_PROJECT_UID + GIO_SECRET_FILE      */
    char project_uid[GF_AI_MAX + 1];
    unsigned char secret[512];
    size_t secret_len;
} cli_creds;
int cli_load_creds(const cli_opts *o, cli_report *rp, cli_creds *c);

/* net.c: the client, TLS, CA certificates, proxy. */
typedef struct cli_net {
    cli_report *rp;
    gf_port port;
    gf_tls tls;
    gf_client cl;
    cli_peer peer;                 /* what cl's events told                 */
    gf_proxy proxy;
    char proxy_auth[512];
    cli_creds creds;
} cli_net;
int cli_net_setup(const cli_opts *o, cli_report *rp, cli_net *n);
/* A download client like n->cl (no credentials: downloads never send any)
 * with a TLS context of its own that trusts n's CA chain; its events go to
 * on_event with user. */
gf_status cli_net_download_client(cli_net *n, gf_tls *tls, gf_client *cl, gf_event_fn *on_event,
                                  void *user);
void cli_net_free(cli_net *n);

/* st in words for a message: the host and port it is about, and the next
 * step where one is obvious (--ca-file, the clock, the token). cl, tls and
 * peer are those of the connection that ended with st (the API client's,
 * or the job's whose download ended). */
void cli_explain(const gf_client *cl, const gf_tls *tls, const cli_peer *peer, gf_status st,
                 char *out, size_t cap);
/* st says the API cannot be reached or trusted at all (connect, proxy, TLS):
 * every later call would fail the same way. */
bool cli_api_unreachable(gf_status st);

/* Exit code for a status of the API stage (download == false) or of a
 * download. */
int cli_exit_for(gf_status st, bool download);

/* commands.c */
int cli_links(const cli_opts *o, cli_net *n);
int cli_fetch(const cli_opts *o, cli_net *n);
int cli_sync(const cli_opts *o, cli_net *n);

#endif /* GF_CLI_H */
