/* One export end to end: poll while RUNNING, download each link, ask for
 * fresh links once when one has expired. */
#include "http.h"

/* The index in ans->link of position pos in type order. */
static size_t link_at(const gf_answer *ans, size_t pos)
{
    if (!ans->all_types)
        return pos;
    for (unsigned t = 0; t < GF_DATA_TYPES; t++) {
        if (pos < ans->type[t].count)
            return ans->type[t].first + pos;
        pos -= ans->type[t].count;
    }
    return ans->count; /* not reached for pos < count */
}

/* A fingerprint of which files an answer lists, in type order, ignoring
 * the query (the signature changes when links are issued again) and the
 * order of the types in the JSON object. */
static uint64_t files_of(const gf_answer *ans)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t pos = 0; pos < ans->count; pos++) {
        const gf_view *l = &ans->link[link_at(ans, pos)];
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
        p->sleep_ms(p->ctx, d);
        delay = delay >= GF_BACKOFF_MAX_MS / 2 ? GF_BACKOFF_MAX_MS : delay * 2;
    }
}

gf_status gf_fetch_export(gf_client *cl, const gf_request *req, uint32_t wait_ms,
                          const gf_fetch_handler *fh, gf_answer *ans)
{
    gf_status st, first_error = GF_OK;

    if ((st = gf_client_ready(cl)) != GF_OK)
        return st;
    if (req == NULL || fh == NULL || ans == NULL || fh->sink == NULL)
        return GF_E_ARGUMENT;
    if ((st = wait_finished(cl, req, wait_ms, ans)) != GF_OK)
        return st;
    if (fh->plan != NULL && (st = fh->plan(fh->user, ans)) != GF_OK)
        return st;

    uint64_t files = files_of(ans);
    for (size_t pos = 0; pos < ans->count; pos++) {
        size_t i = link_at(ans, pos);
        const gf_sink *sink = NULL;
        gf_download_result res;
        if ((st = fh->sink(fh->user, ans, i, &sink)) != GF_OK)
            return st;
        if (sink == NULL)
            continue;
        st = gf_download(cl, ans->link[i].ptr, sink, &res);
        if (st == GF_E_LINK_EXPIRED || st == GF_E_LINK_SIGNATURE || st == GF_E_LINK_DENIED) {
            /* Whatever S3's reason, fresh links are the one remedy to try. */
            gf_http_event(&cl->http, GF_EV_NOTICE, st, 403,
                          st == GF_E_LINK_EXPIRED     ? "link expired; asking for fresh links"
                          : st == GF_E_LINK_SIGNATURE ? "link signature refused; asking for fresh links"
                                                      : "link denied; asking for fresh links");
            gf_status again = gf_export_links(cl, req, ans);
            if (again != GF_OK)
                return again;
            if (files_of(ans) != files)
                return GF_E_ANSWER_MISMATCH; /* other files than before: start over later */
            i = link_at(ans, pos);
            st = gf_download(cl, ans->link[i].ptr, sink, &res);
        }
        if (first_error == GF_OK)
            first_error = st;
        if (fh->done != NULL) {
            gf_status d = fh->done(fh->user, ans, i, st, &res);
            if (d != GF_OK)
                return d;
        }
    }
    return first_error;
}

/* ---- pieces of the flow for callers who schedule downloads themselves --- */

gf_status gf_export_wait(gf_client *cl, const gf_request *req, uint32_t wait_ms, gf_answer *ans)
{
    if (cl == NULL || req == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    return wait_finished(cl, req, wait_ms, ans);
}

size_t gf_answer_link_at(const gf_answer *ans, size_t pos)
{
    if (ans == NULL || pos >= ans->count)
        return ans != NULL ? ans->count : 0;
    return link_at(ans, pos);
}

size_t gf_answer_pos_of(const gf_answer *ans, size_t i)
{
    if (ans == NULL || i >= ans->count)
        return ans != NULL ? ans->count : 0;
    if (!ans->all_types)
        return i;
    size_t pos = 0;
    for (unsigned t = 0; t < GF_DATA_TYPES; t++) {
        const gf_type_links *tl = &ans->type[t];
        if (i >= tl->first && i - tl->first < tl->count)
            return pos + (i - tl->first);
        pos += tl->count;
    }
    return ans->count; /* not reached: the types' links cover every index */
}

gf_status gf_export_refresh(gf_client *cl, const gf_request *req, gf_answer *ans)
{
    if (cl == NULL || req == NULL || ans == NULL)
        return GF_E_ARGUMENT;
    /* Taken before the call: the answer's views point into cl's buffer,
     * which the call overwrites. */
    uint64_t files = files_of(ans);
    gf_status st = gf_export_links(cl, req, ans);
    if (st == GF_OK && files_of(ans) != files)
        return GF_E_ANSWER_MISMATCH;
    return st;
}
