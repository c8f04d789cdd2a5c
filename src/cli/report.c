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

static struct {
    bool quiet, verbose, tty;
    bool progress_shown;
    char label[96];
    size_t index, count;
    uint64_t held;             /* bytes on disk when the file was opened    */
    struct timespec start;
    char subject[200];         /* what retries are about: export, file      */
} r;

void cli_report_init(const cli_opts *o)
{
    memset(&r, 0, sizeof(r));
    r.quiet = o->quiet;
    r.verbose = o->verbose;
    r.tty = !o->quiet && isatty(STDERR_FILENO);
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

static void line(const char *prefix, const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    cli_progress_end();
    fprintf(stderr, "giofetch: %s%s\n", prefix, text);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line("", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line("warning: ", fmt, ap);
    va_end(ap);
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    if (r.quiet)
        return;
    va_start(ap, fmt);
    line("", fmt, ap);
    va_end(ap);
}

void cli_subject(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.subject, sizeof(r.subject), fmt, ap);
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

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void cli_progress_file(const char *label, size_t index, size_t count, uint64_t held)
{
    snprintf(r.label, sizeof(r.label), "%s", label);
    r.index = index;
    r.count = count;
    r.held = held;
    clock_gettime(CLOCK_MONOTONIC, &r.start);
}

void cli_progress_end(void)
{
    if (r.progress_shown) {
        fputs("\r\033[K", stderr);
        r.progress_shown = false;
    }
}

/* Amounts in MB from 1 MB on, else in KB (a 40 KB file is not "0.0 MB"). */
static const char *unit_of(uint64_t bytes, double *div)
{
    *div = bytes >= 1000000u ? 1e6 : 1e3;
    return bytes >= 1000000u ? "MB" : "KB";
}

static void progress(const gf_event *ev)
{
    if (!r.tty)
        return;
    double s = seconds_since(&r.start), div, rdiv;
    /* Only bytes fetched by this run count for the speed: a resumed file
     * starts with the bytes already on disk (fewer if it restarted). */
    if (ev->done < r.held)
        r.held = 0;
    uint64_t now = ev->done - r.held;
    uint64_t per_s = s > 0.05 ? (uint64_t)((double)now / s) : 0;
    const char *unit = unit_of(ev->total > 0 ? ev->total : ev->done, &div);
    const char *runit = unit_of(per_s, &rdiv);
    if (ev->total > 0)
        fprintf(stderr, "\r\033[Kgiofetch: %s file %zu of %zu: %.1f of %.1f %s, %.1f %s/s",
                r.label, r.index + 1, r.count, (double)ev->done / div, (double)ev->total / div,
                unit, (double)per_s / rdiv, runit);
    else
        fprintf(stderr, "\r\033[Kgiofetch: %s file %zu of %zu: %.1f %s, %.1f %s/s", r.label,
                r.index + 1, r.count, (double)ev->done / div, unit, (double)per_s / rdiv, runit);
    r.progress_shown = true;
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
    cli_peer none, *peer = user != NULL ? user : &none;
    memset(&none, 0, sizeof(none));
    cli_sanitize(text, sizeof(text), ev->text, strlen(ev->text));
    switch (ev->kind) {
    case GF_EV_RESPONSE:
        peer->last_http = ev->http_status;
        if (r.verbose)
            cli_note("< %d%s%s", ev->http_status, text[0] ? " " : "", text);
        break;
    case GF_EV_PROGRESS:
        progress(ev);
        break;
    case GF_EV_RETRY:
        if (!r.quiet)
            cli_note("%s%sretrying in %.1f s: %s%s%s", r.subject, r.subject[0] ? ": " : "",
                     ev->delay_ms / 1000.0, network_failure(ev->status) ? peer->connect : "",
                     network_failure(ev->status) ? ": " : "", text);
        break;
    case GF_EV_WAIT:
        cli_note("%s%sexport still running; asking again in %.0f s", r.subject,
                 r.subject[0] ? ": " : "", ev->delay_ms / 1000.0);
        break;
    case GF_EV_CONNECT:
        remember_connect(peer, ev, text);
        if (r.verbose)
            cli_note("connecting to %s%s", peer->connect_proxy ? "proxy " : "", peer->connect);
        break;
    case GF_EV_REQUEST:
        if (r.verbose)
            cli_note("> %s", text);
        break;
    case GF_EV_REDIRECT:
        if (r.verbose)
            cli_note("redirected (%d) to %s", ev->http_status, text);
        break;
    case GF_EV_TLS:
        if (r.verbose)
            cli_note("TLS: %s", text);
        break;
    case GF_EV_NOTICE:
        if (ev->proxy && ev->status != GF_OK)
            peer->proxy_cause = ev->status;
        if (r.verbose)
            cli_note("%s", text);
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
