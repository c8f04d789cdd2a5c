/*
 * Drivers of the library's export flow. The flow (gf_flow: which file next,
 * what a 403 costs, the first error) is the library's; here is only where
 * the downloads run: one after the other on the API client, or --jobs N at
 * once, each on a thread with a client and TLS context of its own.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include "jobs.h"

#if defined(MBEDTLS_THREADING_C) && defined(MBEDTLS_THREADING_PTHREAD) &&                         \
    (MBEDTLS_VERSION_NUMBER < 0x03000000 || MBEDTLS_VERSION_NUMBER >= 0x03060000)
#define TLS_TURNS 0
#else
#define TLS_TURNS 1
#endif

#define JOB_STACK (256u * 1024u) /* mbedTLS's handshake needs tens of KB */
#define PROGRESS_MS 250

/* Where one download runs: a client, and what its messages need. */
typedef struct slot {
    gf_client *cl;
    const gf_tls *tls;
    const cli_peer *peer;
    bool busy;               /* downloading                                 */
    uint64_t done;           /* bytes of its file so far                    */
    char url[GF_URL_MAX];    /* its own copy of the link                    */
} slot;

/* What every slot of one export shares. m is NULL with one slot. */
typedef struct driver {
    gf_flow *flow;
    const gf_answer *ans;
    const jobs_files *jf;
    pthread_mutex_t *m;
} driver;

static void drv_lock(const driver *d)
{
    if (d->m != NULL)
        pthread_mutex_lock(d->m);
}

static void drv_unlock(const driver *d)
{
    if (d->m != NULL)
        pthread_mutex_unlock(d->m);
}

/* One file from its hand-out to its outcome, on slot s. Called, and
 * returns, with the lock held. *bytes: the file's size when it arrived. */
static void run_file(const driver *d, slot *s, size_t i, uint64_t *bytes)
{
    const gf_sink *sink = NULL;
    gf_download_result res;
    gf_flow_step step;
    gf_status st = d->jf->begin(d->jf->user, i, &sink);
    *bytes = 0;
    if (st != GF_OK || sink == NULL) {
        if (st != GF_OK)
            gf_flow_stop(d->flow, st);
        (void)gf_flow_ended(d->flow, i, GF_OK); /* skipped: no outcome */
        return;
    }
    memset(&res, 0, sizeof(res));
    s->busy = true;
    s->done = 0;
    do {
        /* The parser keeps every link shorter than GF_URL_MAX. */
        memcpy(s->url, d->ans->link[i].ptr, d->ans->link[i].len + 1);
        drv_unlock(d);
        st = gf_download(s->cl, s->url, sink, &res);
        drv_lock(d);
    } while ((step = gf_flow_ended(d->flow, i, st)) == GF_FLOW_AGAIN);
    s->busy = false;
    if (step != GF_FLOW_SETTLED) {
        d->jf->drop(d->jf->user, i);
        return;
    }
    if (st == GF_OK)
        *bytes = res.bytes;
    jobs_conn c = {s->cl, s->tls, s->peer};
    gf_status e = d->jf->end(d->jf->user, i, st, &res, &c);
    if (e != GF_OK)
        gf_flow_stop(d->flow, e);
}

/* --jobs 1: no thread, no lock, the API client downloads too. */
static gf_status run_in_turn(cli_net *n, const driver *d)
{
    slot s;
    size_t i;
    uint64_t bytes;
    s.cl = &n->cl;
    s.tls = &n->tls;
    s.peer = &n->peer;
    while (gf_flow_next(d->flow, &i) == GF_FLOW_FILE)
        run_file(d, &s, i, &bytes);
    return gf_flow_result(d->flow);
}

/* ---- --jobs N: threads ---------------------------------------------------- */

struct pool;

typedef struct worker {
    struct pool *pool;
    pthread_t thread;
    gf_tls tls;
    gf_client cl;
    cli_peer peer;
    slot s;
} worker;

typedef struct pool {
    driver d;
    pthread_mutex_t m;
    pthread_cond_t changed;  /* a file ended or a job quit                  */
    pthread_mutex_t tls_turn;
    cli_peer *api_peer;
    worker *w[JOBS_MAX];
    unsigned n, running;
    bool tty, shown;
    size_t files_done;
    uint64_t bytes_done;
    struct timespec start;
    const char *label;
} pool;

static void turn_lock(void *user) { pthread_mutex_lock(user); }
static void turn_unlock(void *user) { pthread_mutex_unlock(user); }

static void progress_clear(pool *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        p->shown = false;
    }
}

static void progress_draw(pool *p)
{
    if (!p->tty)
        return;
    uint64_t bytes = p->bytes_done;
    unsigned running = 0;
    for (unsigned k = 0; k < p->n; k++) {
        if (p->w[k]->s.busy) {
            running++;
            bytes += p->w[k]->s.done;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
    double mb = (double)bytes / 1e6;
    fprintf(stderr, "\r\033[Kgiofetch: %s: %zu of %zu files done, %u running: %.1f MB, %.1f MB/s",
            p->label, p->files_done, p->d.ans->count, running, mb, s > 0.05 ? mb / s : 0.0);
    p->shown = true;
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
        progress_clear(p);
        cli_event(&w->peer, ev);
    }
    pthread_mutex_unlock(&p->m);
}

/* The API client's events while jobs run: only from a re-ask, inside
 * gf_flow_ended, so the lock is held already. */
static void api_event(void *user, const gf_event *ev)
{
    pool *p = user;
    progress_clear(p);
    cli_event(p->api_peer, ev);
}

static void *job_main(void *arg)
{
    worker *w = arg;
    pool *p = w->pool;
    pthread_mutex_lock(&p->m);
    for (;;) {
        size_t i;
        uint64_t bytes;
        gf_flow_step step = gf_flow_next(p->d.flow, &i);
        if (step == GF_FLOW_DONE)
            break;
        if (step == GF_FLOW_WAIT) {
            pthread_cond_wait(&p->changed, &p->m);
            continue;
        }
        progress_clear(p);
        run_file(&p->d, &w->s, i, &bytes);
        p->files_done++;
        p->bytes_done += bytes;
        pthread_cond_broadcast(&p->changed);
    }
    p->running--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->m);
    return NULL;
}

/* A download client like n->cl (no credentials: downloads never send any),
 * with a TLS context of its own that trusts n's CA chain. Set up before any
 * thread starts: PSA's users are counted without a lock. */
static worker *job_new(pool *p, cli_net *n)
{
    worker *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->pool = p;
    gf_tls_init(&w->tls);
    if (gf_tls_setup(&w->tls, &n->port) != GF_OK || gf_tls_use_ca(&w->tls, &n->tls) != GF_OK) {
        gf_tls_free(&w->tls);
        free(w);
        return NULL;
    }
    gf_client_init(&w->cl, &n->port, &w->tls);
    w->cl.crypto = n->cl.crypto;
    w->cl.retries = n->cl.retries;
    w->cl.backoff_ms = n->cl.backoff_ms;
    w->cl.http.timeout_ms = n->cl.http.timeout_ms;
    w->cl.http.proxy = n->cl.http.proxy;
    w->cl.http.on_event = job_event;
    w->cl.http.event_user = w;
    w->s.cl = &w->cl;
    w->s.tls = &w->tls;
    w->s.peer = &w->peer;
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
static unsigned start_jobs(pool *p, cli_net *n, unsigned want)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return 0;
    pthread_attr_setstacksize(&attr, JOB_STACK);
    for (unsigned k = 0; k < want; k++) {
        worker *w = job_new(p, n);
        if (w != NULL && pthread_create(&w->thread, &attr, job_main, w) != 0) {
            job_free(w);
            w = NULL;
        }
        if (w == NULL) {
            if (p->n > 0)
                cli_warn("could not start job %u of %u; going on with %u", k + 1, want, p->n);
            break;
        }
        pthread_mutex_lock(&p->m);
        p->w[p->n++] = w;
        p->running++;
        pthread_mutex_unlock(&p->m);
    }
    pthread_attr_destroy(&attr);
    return p->n;
}

/* Wait for the jobs to finish, drawing the progress line meanwhile. */
static void wait_jobs(pool *p)
{
    pthread_mutex_lock(&p->m);
    while (p->running > 0) {
        if (!p->tty) {
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
    progress_clear(p);
    pthread_mutex_unlock(&p->m);
    for (unsigned k = 0; k < p->n; k++)
        pthread_join(p->w[k]->thread, NULL);
}

static gf_status run_threads(const cli_opts *o, cli_net *n, pool *p)
{
    unsigned want = o->jobs < JOBS_MAX ? o->jobs : JOBS_MAX;
    if (p->d.ans->count < want)
        want = p->d.ans->count > 0 ? (unsigned)p->d.ans->count : 1u;
    gf_event_fn *event = n->cl.http.on_event;
    void *event_user = n->cl.http.event_user;
    n->cl.http.on_event = api_event;
    n->cl.http.event_user = p;
    p->api_peer = &n->peer;
    if (TLS_TURNS)
        gf_tls_set_turns(turn_lock, turn_unlock, &p->tls_turn);

    gf_status st;
    if (start_jobs(p, n, want) == 0) {
        /* Not one thread: the export still gets done, one file at a time. */
        n->cl.http.on_event = event;
        n->cl.http.event_user = event_user;
        p->d.m = NULL;
        st = run_in_turn(n, &p->d);
    } else {
        wait_jobs(p);
        st = gf_flow_result(p->d.flow);
    }
    for (unsigned k = 0; k < p->n; k++)
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
    driver d = {flow, ans, jf, NULL};
    if (o->jobs <= 1)
        return run_in_turn(n, &d);

    pool p;
    pthread_condattr_t ca;
    memset(&p, 0, sizeof(p));
    p.d = d;
    p.d.m = &p.m;
    p.tty = !o->quiet && isatty(STDERR_FILENO);
    p.label = jf->label;
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    pthread_mutex_init(&p.m, NULL);
    pthread_mutex_init(&p.tls_turn, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.changed, &ca);
    pthread_condattr_destroy(&ca);
    gf_status st = run_threads(o, n, &p);
    pthread_cond_destroy(&p.changed);
    pthread_mutex_destroy(&p.tls_turn);
    pthread_mutex_destroy(&p.m);
    return st;
}
