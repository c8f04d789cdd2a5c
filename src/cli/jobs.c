/*
 * Where an export's downloads run: one after the other on the API client,
 * or --jobs N at once, each on a thread with a client and TLS context of
 * its own. What happens to one file is drive.c's; the flow (which file
 * next, what a 403 costs, the first error) is the library's.
 *
 * Threads, not processes. With processes, every child would inherit its
 * parent's RNG state (two children making the same TLS randoms and key
 * shares unless each reseeds, and under mbedTLS 3 each re-creates the PSA
 * core), would have to report progress, results and expired links through
 * pipes, and would live on after a kill -9 of the parent, writing into
 * .part files the next run resumes. Threads die with the process and share
 * the answer.
 *
 * One lock (pool.m) covers the flow, the answer, the tool's per-file
 * callbacks and every line of output; a thread drops it only while it
 * downloads. The re-ask after a 403 runs on the API client inside
 * gf_flow_ended, so under that lock: jobs refused meanwhile wait for that
 * one answer, then go on with their own file's fresh link, copied under the
 * lock (links are views into the API client's buffer, which a re-ask
 * rewrites).
 *
 * mbedTLS: the contexts are independent, but a build without
 * MBEDTLS_THREADING_C must not be entered by two threads at once (mbedTLS
 * 3's PSA key store and RNG are global; an RSA key caches a value the first
 * time it verifies, and the CA chain is shared), and neither may 3.0-3.5's
 * PSA core. There the jobs take turns inside mbedTLS through the TLS glue's
 * hook (gf_tls_set_turns), which gives the turn away while the port waits
 * for the network, so the waits, MD5 and disk writes still overlap. Debian
 * builds mbedTLS with threads; OpenWrt's default does not.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/version.h>

#include "drive.h"

#if defined(MBEDTLS_THREADING_C) && defined(MBEDTLS_THREADING_PTHREAD) &&                         \
    (MBEDTLS_VERSION_NUMBER < 0x03000000 || MBEDTLS_VERSION_NUMBER >= 0x03060000)
#define TLS_TURNS 0
#else
#define TLS_TURNS 1
#endif

#define JOB_STACK (256u * 1024u) /* mbedTLS's handshake needs tens of KB */
#define PROGRESS_MS 250

struct pool;

typedef struct worker {
    struct pool *pool;
    pthread_t thread;
    gf_tls tls;
    gf_client cl;
    cli_peer peer;
    drive_slot s;
} worker;

typedef struct pool {
    drive d;
    pthread_mutex_t m;
    pthread_cond_t changed;  /* a file ended or a job quit                  */
    pthread_mutex_t tls_turn;
    cli_net *n;
    worker *w[JOBS_MAX];
    unsigned count, running;
    size_t files_done;
    uint64_t bytes_done;
    double start_s;
} pool;

static void turn_lock(void *user) { pthread_mutex_lock(user); }
static void turn_unlock(void *user) { pthread_mutex_unlock(user); }

static void progress_draw(pool *p)
{
    uint64_t bytes = p->bytes_done;
    unsigned running = 0;
    for (unsigned k = 0; k < p->count; k++) {
        if (p->w[k]->s.busy) {
            running++;
            bytes += p->w[k]->s.done;
        }
    }
    cli_progress_jobs(p->n->rp, p->d.jf->label, p->files_done, p->d.ans->count, running, bytes,
                      p->start_s);
}

/* A job's events: progress is counted, everything else goes to the tool's
 * report (-v lines, retries) one whole line at a time. Jobs send events
 * only while they download, without the lock. */
static void job_event(void *user, const gf_event *ev)
{
    worker *w = user;
    pool *p = w->pool;
    pthread_mutex_lock(&p->m);
    if (ev->kind == GF_EV_PROGRESS) {
        w->s.done = ev->done;
    } else {
        cli_progress_end(p->n->rp);
        cli_event(&w->peer, ev);
    }
    pthread_mutex_unlock(&p->m);
}

/* The API client's events while jobs run: only from a re-ask, inside
 * gf_flow_ended, so the lock is held already. */
static void api_event(void *user, const gf_event *ev)
{
    pool *p = user;
    cli_progress_end(p->n->rp);
    cli_event(&p->n->peer, ev);
}

static void *job_main(void *arg)
{
    worker *w = arg;
    pool *p = w->pool;
    pthread_mutex_lock(&p->m);
    for (;;) {
        size_t i;
        gf_flow_step step = gf_flow_next(p->d.flow, &i);
        if (step == GF_FLOW_DONE)
            break;
        if (step == GF_FLOW_WAIT) {
            pthread_cond_wait(&p->changed, &p->m);
            continue;
        }
        cli_progress_end(p->n->rp);
        p->bytes_done += drive_file(&p->d, &w->s, i);
        p->files_done++;
        pthread_cond_broadcast(&p->changed);
    }
    p->running--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* A worker and its download client, set up before any thread starts:
 * PSA's users are counted without a lock. */
static worker *job_new(pool *p)
{
    worker *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->pool = p;
    if (cli_net_download_client(p->n, &w->tls, &w->cl, job_event, w) != GF_OK) {
        free(w);
        return NULL;
    }
    cli_peer_init(&w->peer, p->n->rp);
    w->s.conn = (jobs_conn){&w->cl, &w->tls, &w->peer};
    return w;
}

static void job_free(worker *w)
{
    gf_client_free(&w->cl);
    gf_tls_free(&w->tls);
    free(w);
}

/* Start up to want jobs; one that cannot start (no memory, no thread)
 * leaves the others: one is enough to go on. Returns how many run. */
static unsigned start_jobs(pool *p, unsigned want)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return 0;
    pthread_attr_setstacksize(&attr, JOB_STACK);
    for (unsigned k = 0; k < want; k++) {
        worker *w = job_new(p);
        if (w != NULL && pthread_create(&w->thread, &attr, job_main, w) != 0) {
            job_free(w);
            w = NULL;
        }
        if (w == NULL) {
            if (p->count > 0)
                cli_warn(p->n->rp, "could not start job %u of %u; going on with %u", k + 1, want,
                         p->count);
            break;
        }
        pthread_mutex_lock(&p->m);
        p->w[p->count++] = w;
        p->running++;
        pthread_mutex_unlock(&p->m);
    }
    pthread_attr_destroy(&attr);
    return p->count;
}

/* Wait for the jobs to finish, drawing the progress line meanwhile. */
static void wait_jobs(pool *p)
{
    bool tty = p->n->rp->tty;
    pthread_mutex_lock(&p->m);
    while (p->running > 0) {
        if (!tty) {
            pthread_cond_wait(&p->changed, &p->m);
            continue;
        }
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += PROGRESS_MS * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->changed, &p->m, &t);
        if (p->running > 0)
            progress_draw(p);
    }
    cli_progress_end(p->n->rp);
    pthread_mutex_unlock(&p->m);
    for (unsigned k = 0; k < p->count; k++)
        pthread_join(p->w[k]->thread, NULL);
}

/* The API client's own slot: --jobs 1, or no thread could start. */
static gf_status run_in_turn(cli_net *n, const drive *d)
{
    drive_slot s;
    memset(&s, 0, sizeof(s));
    s.conn = (jobs_conn){&n->cl, &n->tls, &n->peer};
    return drive_in_turn(d, &s);
}

static gf_status run_threads(const cli_opts *o, pool *p)
{
    cli_net *n = p->n;
    unsigned want = o->jobs < JOBS_MAX ? o->jobs : JOBS_MAX;
    if (p->d.ans->count < want)
        want = p->d.ans->count > 0 ? (unsigned)p->d.ans->count : 1u;
    gf_event_fn *event = n->cl.http.on_event;
    void *event_user = n->cl.http.event_user;
    n->cl.http.on_event = api_event;
    n->cl.http.event_user = p;
    if (TLS_TURNS)
        gf_tls_set_turns(turn_lock, turn_unlock, &p->tls_turn);

    gf_status st;
    if (start_jobs(p, want) == 0) {
        /* Not one thread: the export still gets done, one file at a time. */
        n->cl.http.on_event = event;
        n->cl.http.event_user = event_user;
        p->d.m = NULL;
        st = run_in_turn(n, &p->d);
    } else {
        wait_jobs(p);
        st = gf_flow_result(p->d.flow);
    }
    for (unsigned k = 0; k < p->count; k++)
        job_free(p->w[k]);
    if (TLS_TURNS)
        gf_tls_set_turns(NULL, NULL, NULL);
    n->cl.http.on_event = event;
    n->cl.http.event_user = event_user;
    return st;
}

gf_status jobs_run(const cli_opts *o, cli_net *n, gf_flow *flow, const gf_answer *ans,
                   const jobs_files *jf)
{
    drive d = {flow, ans, jf, NULL};
    if (o->jobs <= 1)
        return run_in_turn(n, &d);

    pool p;
    pthread_condattr_t ca;
    memset(&p, 0, sizeof(p));
    p.d = d;
    p.d.m = &p.m;
    p.n = n;
    p.start_s = cli_now_s();
    pthread_mutex_init(&p.m, NULL);
    pthread_mutex_init(&p.tls_turn, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.changed, &ca);
    pthread_condattr_destroy(&ca);
    gf_status st = run_threads(o, &p);
    pthread_cond_destroy(&p.changed);
    pthread_mutex_destroy(&p.tls_turn);
    pthread_mutex_destroy(&p.m);
    return st;
}
