/* What the tool tells its user: one line per message on stderr with a
 * stable prefix, -v lines from the library's events, progress only on a
 * terminal. The token never passes through here: the library's events
 * carry no credentials. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_report_init(cli_report *rp, const cli_opts *o)
{
    memset(rp, 0, sizeof(*rp));
    rp->quiet = o->quiet;
    rp->verbose = o->verbose;
    rp->tty = !o->quiet && isatty(STDERR_FILENO);
}

void cli_peer_init(cli_peer *peer, cli_report *rp)
{
    memset(peer, 0, sizeof(*peer));
    peer->rp = rp;
}

void cli_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

static void line(cli_report *rp, const char *prefix, const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    cli_progress_end(rp);
    fprintf(stderr, "giofetch: %s%s\n", prefix, text);
}

void cli_error(cli_report *rp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(rp, "", fmt, ap);
    va_end(ap);
}

void cli_warn(cli_report *rp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(rp, "warning: ", fmt, ap);
    va_end(ap);
}

void cli_note(cli_report *rp, const char *fmt, ...)
{
    va_list ap;
    if (rp->quiet)
        return;
    va_start(ap, fmt);
    line(rp, "", fmt, ap);
    va_end(ap);
}

void cli_subject(cli_peer *peer, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(peer->subject, sizeof(peer->subject), fmt, ap);
    va_end(ap);
}

void cli_host_port(char *out, size_t cap, const char *host, unsigned port)
{
    bool v6 = strchr(host, ':') != NULL && host[0] != '[';
    snprintf(out, cap, v6 ? "[%s]:%u" : "%s:%u", host, port);
}

/* The event's "host:port", with an IPv6 literal put in brackets. */
static void remember_connect(cli_peer *peer, const gf_event *ev, const char *text)
{
    peer->connect_proxy = ev->proxy;
    if (ev->host != NULL) {
        cli_host_port(peer->connect, sizeof(peer->connect), ev->host, ev->port);
        return;
    }
    const char *colon = strrchr(text, ':');
    char host[GF_HOST_MAX];
    if (colon == NULL || (size_t)(colon - text) >= sizeof(host)) {
        cli_sanitize(peer->connect, sizeof(peer->connect), text, strlen(text));
        return;
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    cli_host_port(peer->connect, sizeof(peer->connect), host, (unsigned)strtoul(colon + 1, NULL, 10));
}

double cli_now_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void cli_progress_file(cli_peer *peer, const char *label, size_t index, size_t count,
                       uint64_t held)
{
    snprintf(peer->label, sizeof(peer->label), "%s", label);
    peer->index = index;
    peer->count = count;
    peer->held = held;
    peer->start_s = cli_now_s();
}

void cli_progress_end(cli_report *rp)
{
    if (rp->shown) {
        fputs("\r\033[K", stderr);
        rp->shown = false;
    }
}

/* Amounts in MB from 1 MB on, else in KB (a 40 KB file is not "0.0 MB"). */
static const char *unit_of(uint64_t bytes, double *div)
{
    *div = bytes >= 1000000u ? 1e6 : 1e3;
    return bytes >= 1000000u ? "MB" : "KB";
}

static void progress(cli_peer *peer, const gf_event *ev)
{
    if (!peer->rp->tty)
        return;
    double s = cli_now_s() - peer->start_s, div, rdiv;
    /* Only bytes fetched by this run count for the speed: a resumed file
     * starts with the bytes already on disk (fewer if it restarted). */
    if (ev->done < peer->held)
        peer->held = 0;
    uint64_t now = ev->done - peer->held;
    uint64_t per_s = s > 0.05 ? (uint64_t)((double)now / s) : 0;
    const char *unit = unit_of(ev->total > 0 ? ev->total : ev->done, &div);
    const char *runit = unit_of(per_s, &rdiv);
    if (ev->total > 0)
        fprintf(stderr, "\r\033[Kgiofetch: %s file %zu of %zu: %.1f of %.1f %s, %.1f %s/s",
                peer->label, peer->index + 1, peer->count, (double)ev->done / div,
                (double)ev->total / div, unit, (double)per_s / rdiv, runit);
    else
        fprintf(stderr, "\r\033[Kgiofetch: %s file %zu of %zu: %.1f %s, %.1f %s/s", peer->label,
                peer->index + 1, peer->count, (double)ev->done / div, unit,
                (double)per_s / rdiv, runit);
    peer->rp->shown = true;
}

void cli_progress_jobs(cli_report *rp, const char *label, size_t done, size_t count,
                       unsigned running, uint64_t bytes, double since_s)
{
    if (!rp->tty)
        return;
    double s = cli_now_s() - since_s, mb = (double)bytes / 1e6;
    fprintf(stderr, "\r\033[Kgiofetch: %s: %zu of %zu files done, %u running: %.1f MB, %.1f MB/s",
            label, done, count, running, mb, s > 0.05 ? mb / s : 0.0);
    rp->shown = true;
}

/* A failure of the connection itself: the message names where it went. */
static bool network_failure(gf_status st)
{
    return st == GF_E_DNS || st == GF_E_CONNECT_REFUSED || st == GF_E_CONNECT_TIMEOUT ||
           st == GF_E_RESET || st == GF_E_IDLE_TIMEOUT || st == GF_E_NETWORK ||
           st == GF_E_HTTP_TRUNCATED;
}

void cli_event(void *user, const gf_event *ev)
{
    char text[600];
    cli_peer *peer = user;
    cli_report *rp = peer->rp;
    cli_sanitize(text, sizeof(text), ev->text, strlen(ev->text));
    switch (ev->kind) {
    case GF_EV_RESPONSE:
        peer->last_http = ev->http_status;
        if (rp->verbose)
            cli_note(rp, "< %d%s%s", ev->http_status, text[0] ? " " : "", text);
        break;
    case GF_EV_PROGRESS:
        progress(peer, ev);
        break;
    case GF_EV_RETRY:
        cli_note(rp, "%s%sretrying in %.1f s: %s%s%s", peer->subject,
                 peer->subject[0] ? ": " : "", ev->delay_ms / 1000.0,
                 network_failure(ev->status) ? peer->connect : "",
                 network_failure(ev->status) ? ": " : "", text);
        break;
    case GF_EV_WAIT:
        cli_note(rp, "%s%sexport still running; asking again in %.0f s", peer->subject,
                 peer->subject[0] ? ": " : "", ev->delay_ms / 1000.0);
        break;
    case GF_EV_CONNECT:
        remember_connect(peer, ev, text);
        if (rp->verbose)
            cli_note(rp, "connecting to %s%s", peer->connect_proxy ? "proxy " : "", peer->connect);
        break;
    case GF_EV_REQUEST:
        if (rp->verbose)
            cli_note(rp, "> %s", text);
        break;
    case GF_EV_REDIRECT:
        if (rp->verbose)
            cli_note(rp, "redirected (%d) to %s", ev->http_status, text);
        break;
    case GF_EV_TLS:
        if (rp->verbose)
            cli_note(rp, "TLS: %s", text);
        break;
    case GF_EV_NOTICE:
        if (ev->proxy && ev->status != GF_OK)
            peer->proxy_cause = ev->status;
        if (rp->verbose)
            cli_note(rp, "%s", text);
        break;
    }
}

/* Strings reaching here are UTF-8: the library refuses answers that are not
 * (json.c), and names, links and ids are ASCII. Only escaping is left. */
void cli_json_str(FILE *f, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            putc(c, f);
        }
    }
    putc('"', f);
}
