/*
 * --jobs N: up to N files of one export downloading at once.
 *
 * Threads, not processes. A job is a download client (a gf_client and a
 * gf_tls of its own, on the heap) and a thread; everything else (the API
 * client and its answer, the file names, the MANIFEST entries, messages)
 * stays single and is touched by the calling thread only, or under the
 * pool's lock. With processes, every child would inherit its parent's RNG
 * state (two children making the same TLS randoms and key shares unless
 * each reseeds, and under mbedTLS 3 each re-creates the PSA core), would
 * have to report progress, results and expired links through pipes, and
 * would live on after a kill -9 of the parent, writing into .part files the
 * next run resumes. Threads die with the process and share the answer.
 *
 * mbedTLS: the contexts are independent, but a build without
 * MBEDTLS_THREADING_C must not be entered by two threads at once (mbedTLS
 * 3's PSA key store and RNG are global; an RSA key caches a value the first
 * time it verifies, and the CA chain is shared), and neither may 3.0-3.5's
 * PSA core. There the jobs take turns inside mbedTLS: one lock is held
 * through every TLS operation and dropped while the port waits for the
 * network, so the waits, MD5 and disk writes still overlap. Debian builds
 * mbedTLS with threads; OpenWrt's default does not.
 *
 * The library stays single-threaded: one client per thread. The API calls
 * (the first ask, and the one re-ask per answer when links expire) are made
 * by the calling thread on its own client, under its rate limit; a job
 * whose link expired waits for that answer and goes on with its file's
 * fresh link, copied under the lock (links are views into the API client's
 * answer buffer, which the re-ask overwrites).
 *
 * --jobs 1 never comes here: no thread, no extra context.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include "jobs.h"

#if defined(GF_JOBS_TLS_LOCK)
#define TLS_SERIAL GF_JOBS_TLS_LOCK
#elif defined(MBEDTLS_THREADING_C) && defined(MBEDTLS_THREADING_PTHREAD) &&                         \
    (MBEDTLS_VERSION_NUMBER < 0x03000000 || MBEDTLS_VERSION_NUMBER >= 0x03060000)
#define TLS_SERIAL 0
#else
#define TLS_SERIAL 1
#endif

#define JOB_STACK (256u * 1024u) /* mbedTLS's handshake needs tens of KB */
#define PROGRESS_MS 250

typedef enum job_state {
    JOB_IDLE,
    JOB_RUN,                 /* downloading w->url into w->sink            */
    JOB_EXPIRED,             /* its link expired: waits for fresh links    */
    JOB_DROPPED,             /* no fresh links: ends without a result      */
    JOB_DONE,                /* w->st, w->res hold the result              */
    JOB_QUIT
} job_state;

struct pool;

typedef struct worker {
    struct pool *pool;
    pthread_t thread;
    bool in_tls;             /* in a TLS operation (holds tls_lock)        */
    gf_port port;
    gf_tls tls;
    gf_client cl;
    /* under pool->m */
    job_state state;
    size_t pos, link;        /* the file: position in type order, index    */
    const gf_sink *sink;
    unsigned gen;            /* the answer its link came from              */
    bool fresh;              /* its link came from a re-ask                */
    gf_status st;
    gf_download_result res;
    int http_status;         /* last status from the file host             */
    uint64_t done;           /* bytes of the file so far                   */
    char url[GF_URL_MAX];
} worker;

typedef struct pool {
    pthread_mutex_t m;
    pthread_cond_t to_main, to_jobs;
    worker *w[JOBS_MAX];
    unsigned n, max;
    unsigned gen;            /* answers so far: 0 the first, 1 a re-ask... */
    gf_status refresh_st;    /* a re-ask that failed ends the export       */
    bool tty, shown;
    size_t files_done;
    uint64_t bytes_done;
    struct timespec start;
    char label[48];
} pool;

bool jobs_tls_serialized(void) { return TLS_SERIAL != 0; }

/* ---- taking turns inside mbedTLS (builds without its threading) --------- */

#if TLS_SERIAL
static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static const gf_secure_ops *real_ops;
static const gf_port *real_port;
static gf_tls *api_tls;

static worker *enter(struct gf_tls *t)
{
    worker *w = t == api_tls ? NULL : (worker *)(void *)((char *)t - offsetof(worker, tls));
    pthread_mutex_lock(&tls_lock);
    if (w != NULL)
        w->in_tls = true;
    return w;
}

static void leave(worker *w)
{
    if (w != NULL)
        w->in_tls = false;
    pthread_mutex_unlock(&tls_lock);
}

static gf_status s_open(struct gf_tls *t, const gf_port *port, int32_t handle, const char *host,
                        uint16_t tcp_port, uint32_t idle_ms, uint64_t deadline_at)
{
    worker *w = enter(t);
    gf_status st = real_ops->open(t, port, handle, host, tcp_port, idle_ms, deadline_at);
    leave(w);
    return st;
}

static gf_status s_send(struct gf_tls *t, const unsigned char *buf, size_t len, size_t *sent,
                        uint32_t idle_ms, uint64_t deadline_at)
{
    worker *w = enter(t);
    gf_status st = real_ops->send(t, buf, len, sent, idle_ms, deadline_at);
    leave(w);
    return st;
}

static gf_status s_recv(struct gf_tls *t, unsigned char *buf, size_t cap, size_t *got,
                        uint32_t idle_ms, uint64_t deadline_at)
{
    worker *w = enter(t);
    gf_status st = real_ops->recv(t, buf, cap, got, idle_ms, deadline_at);
    leave(w);
    return st;
}

static void s_close(struct gf_tls *t, bool graceful)
{
    worker *w = enter(t);
    real_ops->close(t, graceful);
    leave(w);
}

static const char *s_describe(struct gf_tls *t)
{
    worker *w = enter(t);
    const char *d = real_ops->describe(t);
    leave(w);
    return d;
}

static const gf_secure_ops serial_ops = {s_open, s_send, s_recv, s_close, s_describe};

/* A job's port: the real one, but the lock is let go while it waits. */
static int32_t p_send(void *ctx, int32_t h, const unsigned char *buf, size_t len, uint32_t ms)
{
    worker *w = ctx;
    if (!w->in_tls)
        return real_port->send(real_port->ctx, h, buf, len, ms);
    pthread_mutex_unlock(&tls_lock);
    int32_t r = real_port->send(real_port->ctx, h, buf, len, ms);
    pthread_mutex_lock(&tls_lock);
    return r;
}

static int32_t p_recv(void *ctx, int32_t h, unsigned char *buf, size_t len, uint32_t ms)
{
    worker *w = ctx;
    if (!w->in_tls)
        return real_port->recv(real_port->ctx, h, buf, len, ms);
    pthread_mutex_unlock(&tls_lock);
    int32_t r = real_port->recv(real_port->ctx, h, buf, len, ms);
    pthread_mutex_lock(&tls_lock);
    return r;
}

static int32_t p_connect(void *ctx, const char *host, uint16_t port, uint32_t ms)
{
    (void)ctx;
    return real_port->connect(real_port->ctx, host, port, ms);
}

static void p_close(void *ctx, int32_t h)
{
    (void)ctx;
    real_port->close(real_port->ctx, h);
}

static uint64_t p_now_ms(void *ctx)
{
    (void)ctx;
    return real_port->now_ms(real_port->ctx);
}

static int64_t p_utc_s(void *ctx)
{
    (void)ctx;
    return real_port->utc_s(real_port->ctx);
}

static void p_sleep_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    real_port->sleep_ms(real_port->ctx, ms);
}

static int32_t p_entropy(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    return real_port->entropy(real_port->ctx, buf, len);
}

#define TLS_TURN_BEGIN() pthread_mutex_lock(&tls_lock)
#define TLS_TURN_END() pthread_mutex_unlock(&tls_lock)
#else
#define TLS_TURN_BEGIN() ((void)0)
#define TLS_TURN_END() ((void)0)
#endif

/* ---- output: every line under the pool's lock, one summary line -------- */

static void progress_clear(pool *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        p->shown = false;
    }
}

static void progress_draw(pool *p, size_t files)
{
    if (!p->tty)
        return;
    uint64_t bytes = p->bytes_done;
    unsigned running = 0;
    for (unsigned k = 0; k < p->n; k++) {
        if (p->w[k]->state == JOB_RUN || p->w[k]->state == JOB_EXPIRED) {
            running++;
            bytes += p->w[k]->done;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
    double mb = (double)bytes / 1e6;
    char line[160];
    int len = snprintf(line, sizeof(line),
                       "\r\033[Kgiofetch: %s: %zu of %zu files done, %u running: %.1f MB, %.1f MB/s",
                       p->label, p->files_done, files, running, mb, s > 0.05 ? mb / s : 0.0);
    if (len > 0)
        fwrite(line, 1, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1, stderr);
    p->shown = true;
}

/* The jobs' events: progress is counted, everything else goes to the
 * tool's report (-v lines, retries) one whole line at a time. */
static void job_event(void *user, const gf_event *ev)
{
    worker *w = user;
    pool *p = w->pool;
    pthread_mutex_lock(&p->m);
    if (ev->kind == GF_EV_PROGRESS) {
        w->done = ev->done;
    } else {
        if (ev->kind == GF_EV_RESPONSE)
            w->http_status = ev->http_status;
        progress_clear(p);
        cli_event(NULL, ev);
    }
    pthread_mutex_unlock(&p->m);
}

/* The API client's events while jobs run. */
static void api_event(void *user, const gf_event *ev)
{
    pool *p = user;
    pthread_mutex_lock(&p->m);
    progress_clear(p);
    cli_event(NULL, ev);
    pthread_mutex_unlock(&p->m);
}

/* ---- one job ----------------------------------------------------------- */

static void *job_main(void *arg)
{
    worker *w = arg;
    pool *p = w->pool;
    pthread_mutex_lock(&p->m);
    for (;;) {
        while (w->state != JOB_RUN && w->state != JOB_QUIT)
            pthread_cond_wait(&p->to_jobs, &p->m);
        if (w->state == JOB_QUIT)
            break;
        gf_status st;
        for (;;) {
            /* w->url is this job's own copy; nobody changes it while it runs */
            pthread_mutex_unlock(&p->m);
            st = gf_download(&w->cl, w->url, w->sink, &w->res);
            pthread_mutex_lock(&p->m);
            /* A 403 of any reason gets the one re-ask, as in gf_fetch_export. */
            bool refused = st == GF_E_LINK_EXPIRED || st == GF_E_LINK_SIGNATURE ||
                           st == GF_E_LINK_DENIED;
            if (!refused || w->fresh)
                break; /* a fresh link that expires again fails the file */
            w->state = JOB_EXPIRED;
            pthread_cond_signal(&p->to_main);
            while (w->state == JOB_EXPIRED)
                pthread_cond_wait(&p->to_jobs, &p->m);
            if (w->state != JOB_RUN)
                break;
        }
        if (w->state == JOB_RUN) {
            w->st = st;
            w->state = JOB_DONE;
        } else if (w->state == JOB_DROPPED) {
            w->state = JOB_IDLE;
        }
        pthread_cond_signal(&p->to_main);
    }
    pthread_mutex_unlock(&p->m);
    return NULL;
}

static void job_free(worker *w)
{
    gf_client_free(&w->cl); /* its TLS close takes its own turn */
    TLS_TURN_BEGIN();
    gf_tls_free(&w->tls);
    TLS_TURN_END();
    free(w);
}

/* A new job: a download client like n->cl (no credentials: downloads
 * never send any), its own TLS context trusting n's CA chain, a thread. */
static worker *job_new(pool *p, cli_net *n)
{
    worker *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->pool = p;
    w->state = JOB_IDLE;
#if TLS_SERIAL
    w->port = (gf_port){w, p_connect, p_send, p_recv, p_close, p_now_ms, p_utc_s, p_sleep_ms, p_entropy};
#else
    w->port = n->port;
#endif
    TLS_TURN_BEGIN();
    gf_tls_init(&w->tls);
    bool ok = gf_tls_setup(&w->tls, &w->port) == GF_OK && gf_tls_use_ca(&w->tls, &n->tls) == GF_OK;
#if TLS_SERIAL
    w->tls.base.ops = &serial_ops;
#endif
    TLS_TURN_END();
    gf_client_init(&w->cl, &w->port, &w->tls);
    w->cl.crypto = n->cl.crypto;
    w->cl.retries = n->cl.retries;
    w->cl.backoff_ms = n->cl.backoff_ms;
    w->cl.http.timeout_ms = n->cl.http.timeout_ms;
    w->cl.http.proxy = n->cl.http.proxy;
    w->cl.http.on_event = job_event;
    w->cl.http.event_user = w;

    pthread_attr_t attr;
    if (ok && pthread_attr_init(&attr) == 0) {
        pthread_attr_setstacksize(&attr, JOB_STACK);
        ok = pthread_create(&w->thread, &attr, job_main, w) == 0;
        pthread_attr_destroy(&attr);
    } else {
        ok = false;
    }
    if (!ok) {
        job_free(w);
        return NULL;
    }
    return w;
}

/* An idle job, started if there is room for one more; NULL when all are
 * busy. A job that cannot start (no memory, no thread) leaves the others:
 * one is enough to go on. */
static worker *job_idle(pool *p, cli_net *n)
{
    for (unsigned k = 0; k < p->n; k++) {
        if (p->w[k]->state == JOB_IDLE)
            return p->w[k];
    }
    if (p->n >= p->max)
        return NULL;
    worker *w = job_new(p, n);
    if (w == NULL) {
        p->max = p->n;
        progress_clear(p);
        cli_warn("could not start job %u of %u; going on with %u", p->n + 1, p->max, p->n);
        return NULL;
    }
    p->w[p->n++] = w;
    return w;
}

/* ---- the export --------------------------------------------------------- */

typedef struct run {
    const cli_opts *o;
    cli_net *n;
    const gf_request *req;
    const gf_fetch_handler *fh;
    gf_answer *ans;
    size_t busy;             /* jobs in JOB_RUN or JOB_EXPIRED             */
    bool stop;               /* hand out no more files                     */
    gf_status stop_st;       /* why (a callback's or a re-ask's status)    */
    gf_status first_error;   /* the first file that failed                 */
} run;

static void finish(pool *p, run *r, worker *w)
{
    w->state = JOB_IDLE;
    r->busy--;
    p->files_done++;
    if (w->st == GF_OK)
        p->bytes_done += w->res.bytes;
    if (r->first_error == GF_OK)
        r->first_error = w->st;
    progress_clear(p);
    cli_set_last_http_status(w->http_status);
    if (r->fh->done != NULL) {
        /* By position: a re-ask since this file started may have moved its
         * link in the current answer (another JSON key order). */
        gf_status d = r->fh->done(r->fh->user, r->ans, gf_answer_link_at(r->ans, w->pos),
                                  w->st, &w->res);
        if (d != GF_OK && !r->stop) {
            r->stop = true;
            r->stop_st = d;
        }
    }
}

/* Jobs whose links expired: one re-ask per answer, however many jobs
 * found their links expired; each goes on with its own file's new link. */
static void refresh(pool *p, run *r, worker *asking)
{
    if (asking->gen == p->gen && p->refresh_st == GF_OK && !r->stop) {
        if (r->o->verbose) {
            progress_clear(p);
            cli_note("link expired; asking for fresh links");
        }
        pthread_mutex_unlock(&p->m);
        gf_status st = gf_export_refresh(&r->n->cl, r->req, r->ans);
        pthread_mutex_lock(&p->m);
        if (st == GF_OK) {
            p->gen++;
        } else {
            p->refresh_st = st;
            r->stop = true;
            r->stop_st = st;
        }
    }
    for (unsigned k = 0; k < p->n; k++) {
        worker *w = p->w[k];
        if (w->state != JOB_EXPIRED)
            continue;
        if (p->refresh_st != GF_OK || r->stop) {
            w->state = JOB_DROPPED; /* as the flow does: no result for it */
            r->busy--;
        } else if (w->gen < p->gen) {
            w->link = gf_answer_link_at(r->ans, w->pos);
            memcpy(w->url, r->ans->link[w->link].ptr, r->ans->link[w->link].len + 1);
            w->gen = p->gen;
            w->fresh = true;
            w->state = JOB_RUN;
        }
    }
    pthread_cond_broadcast(&p->to_jobs);
}

/* Hand the next files to idle jobs. */
static void hand_out(pool *p, run *r, size_t *next)
{
    while (!r->stop && *next < r->ans->count) {
        worker *w = job_idle(p, r->n);
        if (w == NULL) {
            if (p->n == 0) { /* not even one job */
                r->stop = true;
                r->stop_st = GF_E_ARGUMENT;
            }
            return;
        }
        size_t pos = (*next)++, i = gf_answer_link_at(r->ans, pos);
        const gf_sink *sink = NULL;
        progress_clear(p);
        gf_status st = r->fh->sink(r->fh->user, r->ans, i, &sink);
        if (st != GF_OK) {
            r->stop = true;
            r->stop_st = st;
            return;
        }
        if (sink == NULL) {
            p->files_done++;
            continue;
        }
        w->pos = pos;
        w->link = i;
        w->sink = sink;
        w->gen = p->gen;
        w->fresh = false;
        w->done = 0;
        w->http_status = 0;
        memset(&w->res, 0, sizeof(w->res));
        r->busy++;
        if (r->ans->link[i].len >= sizeof(w->url)) {
            w->st = GF_E_URL; /* what gf_download says of it */
            finish(p, r, w);
            continue;
        }
        memcpy(w->url, r->ans->link[i].ptr, r->ans->link[i].len + 1);
        w->state = JOB_RUN;
        pthread_cond_broadcast(&p->to_jobs);
    }
}

static void run_jobs(pool *p, run *r)
{
    size_t next = 0;
    pthread_mutex_lock(&p->m);
    for (;;) {
        /* Results first and new files handed out before a re-ask, which
         * holds up new files (the answer is rewritten meanwhile): jobs
         * whose new links expire too then wait for the same answer. */
        bool acted = false;
        for (unsigned k = 0; k < p->n; k++) {
            if (p->w[k]->state == JOB_DONE) {
                finish(p, r, p->w[k]);
                acted = true;
            }
        }
        hand_out(p, r, &next);
        if (r->busy == 0 && (r->stop || next >= r->ans->count))
            break;
        for (unsigned k = 0; k < p->n && !acted; k++) {
            if (p->w[k]->state == JOB_EXPIRED) {
                refresh(p, r, p->w[k]); /* serves every job waiting */
                acted = true;
            }
        }
        if (acted)
            continue;
        if (p->tty) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            t.tv_nsec += PROGRESS_MS * 1000000L;
            if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p->to_main, &p->m, &t);
            progress_draw(p, r->ans->count);
        } else {
            pthread_cond_wait(&p->to_main, &p->m);
        }
    }
    progress_clear(p);
    for (unsigned k = 0; k < p->n; k++)
        p->w[k]->state = JOB_QUIT;
    pthread_cond_broadcast(&p->to_jobs);
    pthread_mutex_unlock(&p->m);
    for (unsigned k = 0; k < p->n; k++) {
        pthread_join(p->w[k]->thread, NULL);
        job_free(p->w[k]);
    }
    p->n = 0;
}

gf_status jobs_fetch_export(const cli_opts *o, cli_net *n, const gf_request *req,
                            uint32_t wait_ms, const gf_fetch_handler *fh, gf_answer *ans)
{
    pool p;
    run r;
    pthread_condattr_t ca;

    if (o == NULL || n == NULL || req == NULL || fh == NULL || fh->sink == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    memset(&p, 0, sizeof(p));
    memset(&r, 0, sizeof(r));
    p.max = o->jobs < JOBS_MAX ? o->jobs : JOBS_MAX;
    p.tty = !o->quiet && isatty(STDERR_FILENO);
    snprintf(p.label, sizeof(p.label), "%s %s", gf_data_type_name(req->data), req->date);
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    pthread_mutex_init(&p.m, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.to_main, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&p.to_jobs, NULL);
    r.o = o;
    r.n = n;
    r.req = req;
    r.fh = fh;
    r.ans = ans;

    gf_event_fn *event = n->cl.http.on_event;
    void *event_user = n->cl.http.event_user;
    n->cl.http.on_event = api_event;
    n->cl.http.event_user = &p;
#if TLS_SERIAL
    const gf_secure_ops *ops = n->tls.base.ops;
    real_ops = ops;
    real_port = &n->port;
    api_tls = &n->tls;
    n->tls.base.ops = &serial_ops;
#endif

    gf_status st = gf_export_wait(&n->cl, req, wait_ms, ans);
    if (st == GF_OK && fh->plan != NULL)
        st = fh->plan(fh->user, ans);
    if (st == GF_OK) {
        run_jobs(&p, &r);
        st = r.stop_st != GF_OK ? r.stop_st : r.first_error;
    }

#if TLS_SERIAL
    n->tls.base.ops = ops;
#endif
    n->cl.http.on_event = event;
    n->cl.http.event_user = event_user;
    pthread_cond_destroy(&p.to_jobs);
    pthread_cond_destroy(&p.to_main);
    pthread_mutex_destroy(&p.m);
    return st;
}
