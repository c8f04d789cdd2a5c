/* One export end to end as a state object its caller drives: ask, poll
 * while RUNNING, hand out each link, and decide the one re-ask per answer
 * when a file host refuses a link. The only copy of the flow: the blocking
 * gf_fetch_export below, the CLI's threads and a firmware superloop all
 * drive this one. */
#include "http.h"

/* What became of a file; file_state holds one of these, plus FRESH. */
enum {
    FILE_WAITING = 0,        /* not handed out yet                          */
    FILE_ACTIVE = 1,         /* handed out, not ended                       */
    FILE_ENDED = 2,
    FILE_STATE = 3,          /* the bits above                              */
    FILE_FRESH = 4,          /* already had its one fresh link              */
    FILE_CURRENT = 8         /* its link is of the latest answer: a refusal
                              * of it needs a re-ask; one of an older link
                              * is served by the answer already there      */
};

/* A fingerprint of which files an answer lists, ignoring the query (the
 * signature changes when links are issued again). Links are in type order
 * (answer.c), so the JSON key order of the types does not count. */
static uint64_t files_of(const gf_answer *ans)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t k = 0; k < ans->count; k++) {
        const gf_view *l = &ans->link[k];
        size_t n = strcspn(l->ptr, "?");
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)l->ptr[i]) * 1099511628211ull;
        h = (h ^ 0xffu) * 1099511628211ull;
    }
    if (ans->all_types) {
        for (unsigned t = 0; t < GF_DATA_TYPES; t++)
            h = (h ^ (ans->type[t].present ? 1u + t : 0u)) * 1099511628211ull;
    }
    return h;
}

static gf_status wait_finished(gf_client *cl, const gf_request *req, uint32_t wait_ms,
                               gf_answer *ans)
{
    const gf_port *p = cl->http.port;
    uint64_t end = p->now_ms(p->ctx) + wait_ms;
    uint32_t delay = cl->backoff_ms > 0 ? cl->backoff_ms : 1000u;
    for (;;) {
        gf_status st = gf_export_links(cl, req, ans);
        uint64_t now = p->now_ms(p->ctx);
        if (st != GF_RUNNING || now >= end)
            return st;
        /* Exports take minutes to hours: ask again with a growing pause. */
        uint32_t d = delay;
        if (d > end - now)
            d = (uint32_t)(end - now);
        if (cl->http.on_event != NULL) {
            gf_event ev;
            gf_event_init(&ev, GF_EV_WAIT, GF_RUNNING, "export still running");
            ev.delay_ms = d;
            cl->http.on_event(cl->http.event_user, &ev);
        }
        if ((st = gf_pause(&cl->http, d)) != GF_OK)
            return st;
        delay = delay >= GF_BACKOFF_MAX_MS / 2 ? GF_BACKOFF_MAX_MS : delay * 2;
    }
}

gf_status gf_flow_begin(gf_flow *f, gf_client *cl, const gf_request *req, uint32_t wait_ms,
                        gf_answer *ans)
{
    gf_status st;
    if (f == NULL)
        return GF_E_ARGUMENT;
    memset(f, 0, sizeof(*f));
    f->priv.stop = GF_E_ARGUMENT; /* until it has begun: nothing to hand out */
    if ((st = gf_client_ready(cl)) != GF_OK) {
        f->priv.stop = st;
        return st;
    }
    if (req == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    f->priv.cl = cl;
    f->priv.req = req;
    f->priv.ans = ans;
    if ((st = wait_finished(cl, req, wait_ms, ans)) != GF_OK) {
        f->priv.stop = st;
        return st;
    }
    f->priv.stop = GF_OK;
    f->priv.begun = true;
    f->priv.files = files_of(ans);
    return GF_OK;
}

gf_flow_step gf_flow_next(gf_flow *f, size_t *index)
{
    struct gf_flow_private *p = &f->priv;
    if (p->stop == GF_OK && p->begun && p->next < p->ans->count) {
        size_t i = p->next++;
        p->file_state[i] = FILE_ACTIVE | FILE_CURRENT;
        p->busy++;
        *index = i;
        return GF_FLOW_FILE;
    }
    return p->busy > 0 ? GF_FLOW_WAIT : GF_FLOW_DONE;
}

void gf_flow_stop(gf_flow *f, gf_status why)
{
    if (f->priv.stop == GF_OK)
        f->priv.stop = why != GF_OK ? why : GF_E_ARGUMENT;
}

/* Fresh links for every file refused since the last answer: ask once more
 * and check that the answer lists the same files. */
static gf_status reask(struct gf_flow_private *p, gf_status why)
{
    gf_http_event(&p->cl->http, GF_EV_NOTICE, why, 403,
                  why == GF_E_LINK_EXPIRED     ? "link expired; asking for fresh links"
                  : why == GF_E_LINK_SIGNATURE ? "link signature refused; asking for fresh links"
                                               : "link denied; asking for fresh links");
    gf_status st = gf_export_links(p->cl, p->req, p->ans);
    if (st == GF_OK && files_of(p->ans) != p->files)
        st = GF_E_ANSWER_MISMATCH; /* other files than before: start over later */
    if (st == GF_OK) /* every link handed out so far is of an older answer */
        for (size_t k = 0; k < p->ans->count; k++)
            p->file_state[k] = (uint8_t)(p->file_state[k] & ~FILE_CURRENT);
    return st;
}

gf_flow_step gf_flow_ended(gf_flow *f, size_t index, gf_status st)
{
    struct gf_flow_private *p = &f->priv;
    if (index >= GF_LINKS_MAX || (p->file_state[index] & FILE_STATE) != FILE_ACTIVE) {
        gf_flow_stop(f, GF_E_ARGUMENT); /* not a file under way: a driver's bug */
        return GF_FLOW_DROPPED;
    }
    bool refused = st == GF_E_LINK_EXPIRED || st == GF_E_LINK_SIGNATURE || st == GF_E_LINK_DENIED;
    if (refused && !(p->file_state[index] & FILE_FRESH)) {
        /* Whatever S3's reason, fresh links are the one remedy to try, and
         * one answer serves every file refused meanwhile. */
        if (p->stop == GF_OK && (p->file_state[index] & FILE_CURRENT)) {
            gf_status again = reask(p, st);
            if (again != GF_OK)
                gf_flow_stop(f, again);
        }
        if (p->stop != GF_OK) {
            p->file_state[index] = FILE_ENDED;
            p->busy--;
            return GF_FLOW_DROPPED;
        }
        p->file_state[index] |= FILE_FRESH | FILE_CURRENT;
        return GF_FLOW_AGAIN;
    }
    p->file_state[index] = FILE_ENDED;
    p->busy--;
    if (p->first_error == GF_OK)
        p->first_error = st;
    if (st == GF_E_CANCELLED)
        gf_flow_stop(f, st); /* the caller wants the export to stop */
    return GF_FLOW_SETTLED;
}

gf_status gf_flow_result(const gf_flow *f)
{
    return f->priv.stop != GF_OK ? f->priv.stop : f->priv.first_error;
}

gf_status gf_fetch_export(gf_client *cl, const gf_request *req, uint32_t wait_ms,
                          const gf_fetch_handler *fh, gf_answer *ans)
{
    gf_flow f;
    gf_status st;
    size_t i;

    if ((st = gf_client_ready(cl)) != GF_OK)
        return st;
    if (req == NULL || fh == NULL || ans == NULL || fh->sink == NULL)
        return GF_E_ARGUMENT;
    if ((st = gf_flow_begin(&f, cl, req, wait_ms, ans)) != GF_OK)
        return st;
    if (fh->plan != NULL && (st = fh->plan(fh->user, ans)) != GF_OK)
        return st;
    while (gf_flow_next(&f, &i) == GF_FLOW_FILE) {
        const gf_sink *sink = NULL;
        gf_download_result res;
        gf_flow_step step;
        if ((st = fh->sink(fh->user, ans, i, &sink)) != GF_OK)
            return st;
        if (sink == NULL) {
            (void)gf_flow_ended(&f, i, GF_OK); /* skipped */
            continue;
        }
        do
            st = gf_download(cl, ans->link[i].ptr, sink, &res);
        while ((step = gf_flow_ended(&f, i, st)) == GF_FLOW_AGAIN);
        if (step == GF_FLOW_SETTLED && fh->done != NULL &&
            (st = fh->done(fh->user, ans, i, st, &res)) != GF_OK)
            return st;
    }
    return gf_flow_result(&f);
}
