/* The network side of the tool: POSIX port, TLS with CA certificates from
 * files, the proxy from --proxy or the environment, the client, and the
 * mapping of a gf_status to an exit code. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "store.h"
#include "gf_port_posix.h"

/* The port the CLI runs on: the POSIX one, unless a build names another
 * with the same signature (make lwip-test builds the CLI on lwIP's sockets
 * with -DGF_CLI_PORT_INIT=gf_cli_lwip_port_init). */
#ifndef GF_CLI_PORT_INIT
#define GF_CLI_PORT_INIT gf_port_posix_init
#else
void GF_CLI_PORT_INIT(gf_port *port);
#endif

#ifndef GF_CA_BUNDLE
#define GF_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#endif

/* Add the certificates of one file. 0, or -1 with why filled in. */
static int add_ca_file(gf_tls *tls, const char *path, char *why, size_t cap)
{
    size_t len;
    unsigned char *buf = store_read_file(path, STORE_CA_MAX, &len);
    if (buf == NULL) {
        if (errno == EFBIG)
            snprintf(why, cap, "%s is over %u MB: not a CA bundle", path, STORE_CA_MAX >> 20);
        else if (errno == ENOMEM)
            snprintf(why, cap, "%s does not fit in memory: %s", path, strerror(ENOMEM));
        else
            snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    gf_status st = gf_tls_add_ca(tls, buf, len);
    free(buf);
    if (st != GF_OK) {
        char reason[sizeof(tls->reason)];
        cli_sanitize(reason, sizeof(reason), tls->reason, strlen(tls->reason));
        snprintf(why, cap, "no CA certificate in %s (%s)", path, reason);
        return -1;
    }
    return 0;
}

/* A directory as OpenWrt keeps them: every *.crt and *.pem in it. A file
 * that holds no certificate is passed over while another one does. */
static int add_ca_dir(gf_tls *tls, const char *dir, char *why, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t tried = 0, added = 0;
    char path[4096];
    if (d == NULL) {
        snprintf(why, cap, "cannot open the folder %s: %s", dir, strerror(errno));
        return -1;
    }
    why[0] = '\0';
    for (;;) {
        errno = 0;
        if ((e = readdir(d)) == NULL)
            break;
        size_t n = strlen(e->d_name);
        if (n < 5 || (strcmp(e->d_name + n - 4, ".crt") != 0 && strcmp(e->d_name + n - 4, ".pem") != 0))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
            continue;
        tried++;
        if (add_ca_file(tls, path, why, cap) == 0)
            added++;
    }
    int err = errno; /* readdir: NULL and errno set is a failure, not the end */
    closedir(d);
    if (err != 0) {
        snprintf(why, cap, "cannot list the folder %s: %s", dir, strerror(err));
        return -1;
    }
    if (added > 0)
        return 0;
    if (tried == 0)
        snprintf(why, cap, "no *.crt or *.pem file in the folder %s", dir);
    /* else why holds the last file's cause */
    return -1;
}

static int load_cas(const cli_opts *o, cli_net *n)
{
    const char *path = o->ca_file != NULL ? o->ca_file : GF_CA_BUNDLE;
    const char *hint = o->ca_file == NULL ? " (give --ca-file)" : "";
    struct stat sb;
    char why[600];
    if (stat(path, &sb) != 0) {
        cli_error(n->rp, "cannot read CA certificates %s: %s%s", path, strerror(errno), hint);
        return EXIT_USAGE;
    }
    int rc = S_ISDIR(sb.st_mode) ? add_ca_dir(&n->tls, path, why, sizeof(why))
                                 : add_ca_file(&n->tls, path, why, sizeof(why));
    if (rc != 0) {
        cli_error(n->rp, "CA certificates: %s%s", why, hint);
        return EXIT_USAGE;
    }
    return 0;
}

/* Percent-decode user information (RFC 3986 section 2.1) into out. */
static bool pct_decode(const char *s, size_t n, char *out, size_t cap, size_t *olen)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            char hex[3] = {0, 0, 0};
            if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
                !isxdigit((unsigned char)s[i + 2]))
                return false;
            hex[0] = s[i + 1];
            hex[1] = s[i + 2];
            c = (char)strtoul(hex, NULL, 16);
            i += 2;
        }
        if (k + 1 >= cap || (unsigned char)c < 0x20)
            return false;
        out[k++] = c;
    }
    out[k] = '\0';
    *olen = k;
    return true;
}

/* --proxy or https_proxy: http://[user:pass@]host[:port][/]. The user
 * information goes only into Proxy-Authorization, sent only to the proxy. */
static int setup_proxy(const cli_opts *o, cli_net *n)
{
    const char *p = o->proxy;
    if (p == NULL)
        p = getenv("https_proxy");
    if (p == NULL || p[0] == '\0')
        p = getenv("HTTPS_PROXY");
    if (p == NULL || p[0] == '\0')
        return 0;
    const char *rest = p;
    if (strncmp(rest, "http://", 7) == 0)
        rest += 7;
    else if (strstr(rest, "://") != NULL) {
        cli_error(n->rp, "proxy: only http:// proxies are supported");
        return EXIT_USAGE;
    }
    size_t auth_end = strcspn(rest, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth_end; i++) {
        if (rest[i] == '@')
            at = rest + i;
    }
    char url[GF_URL_MAX];
    const char *hostport = at != NULL ? at + 1 : rest;
    if ((size_t)snprintf(url, sizeof(url), "http://%.*s/", (int)(rest + auth_end - hostport),
                         hostport) >= sizeof(url)) {
        cli_error(n->rp, "proxy: URL too long");
        return EXIT_USAGE;
    }
    gf_url u;
    if (gf_url_parse(url, strlen(url), &u) != GF_OK) {
        cli_error(n->rp, "proxy: cannot parse the proxy URL");
        return EXIT_USAGE;
    }
    memcpy(n->proxy.host, u.host.ptr, u.host.len);
    n->proxy.host[u.host.len] = '\0';
    n->proxy.port = u.port_given ? u.port : 1080;
    if (at != NULL) {
        char user[256];
        unsigned char raw[256];
        size_t len = 0;
        if (!pct_decode(rest, (size_t)(at - rest), user, sizeof(user), &len)) {
            cli_error(n->rp, "proxy: bad user information in the proxy URL");
            return EXIT_USAGE;
        }
        memcpy(raw, user, len);
        memcpy(n->proxy_auth, "Basic ", 6);
        if (!gf_crypto_mbedtls.base64_encode(n->proxy_auth + 6, sizeof(n->proxy_auth) - 6, raw, len)) {
            cli_error(n->rp, "proxy: user information too long");
            return EXIT_USAGE;
        }
        n->proxy.authorization = n->proxy_auth;
    }
    n->proxy.no_proxy = getenv("no_proxy");
    if (n->proxy.no_proxy == NULL || n->proxy.no_proxy[0] == '\0')
        n->proxy.no_proxy = getenv("NO_PROXY");
    n->cl.http.proxy = &n->proxy;
    return 0;
}

int cli_net_setup(const cli_opts *o, cli_report *rp, cli_net *n)
{
    int rc;
    n->rp = rp;
    cli_peer_init(&n->peer, rp);
    GF_CLI_PORT_INIT(&n->port);
    gf_tls_init(&n->tls);
    if (gf_tls_setup(&n->tls, &n->port) != GF_OK) {
        cli_error(n->rp, "TLS setup failed: %s", n->tls.reason);
        return EXIT_UNREACHABLE;
    }
    if ((rc = load_cas(o, n)) != 0)
        return rc;
    gf_client_init(&n->cl, &n->port, &n->tls);
    n->cl.crypto = &gf_crypto_mbedtls;
    n->cl.http.timeout_ms = o->timeout_s * 1000u;
    n->cl.http.on_event = cli_event;
    n->cl.http.event_user = &n->peer;
    n->cl.retries = o->retries;
    if (o->base_url != NULL && o->base_url[0] != '\0') {
        gf_url u;
        if (gf_url_parse(o->base_url, strlen(o->base_url), &u) != GF_OK || u.query.len > 0) {
            cli_error(n->rp, "--base-url '%s' is not an http(s) URL without a query",
                      o->base_url);
            return EXIT_USAGE;
        }
        n->cl.base_url = o->base_url;
    }
    if ((rc = setup_proxy(o, n)) != 0)
        return rc;
    if ((rc = cli_load_creds(o, rp, &n->creds)) != 0)
        return rc;
    n->cl.client_id = n->creds.have_client_id ? n->creds.client_id : NULL;
    if (n->creds.mint) {
        gf_status st = gf_mint_token(&n->cl, n->creds.project_uid, o->project, n->creds.secret,
                                     n->creds.secret_len, n->creds.token, sizeof(n->creds.token));
        memset(n->creds.secret, 0, sizeof(n->creds.secret));
        if (st != GF_OK) {
            char why[600];
            cli_explain(&n->cl, &n->tls, &n->peer, st, why, sizeof(why));
            cli_error(n->rp, "could not mint a token: %s", why);
            return cli_exit_for(st, false);
        }
    }
    n->cl.token = n->creds.token;
    return 0;
}

gf_status cli_net_download_client(cli_net *n, gf_tls *tls, gf_client *cl, gf_event_fn *on_event,
                                  void *user)
{
    gf_tls_init(tls);
    gf_status st = gf_tls_setup(tls, &n->port);
    if (st == GF_OK)
        st = gf_tls_use_ca(tls, &n->tls);
    if (st != GF_OK) {
        gf_tls_free(tls);
        return st;
    }
    gf_client_init(cl, &n->port, tls);
    cl->crypto = n->cl.crypto;
    cl->retries = n->cl.retries;
    cl->backoff_ms = n->cl.backoff_ms;
    cl->http.timeout_ms = n->cl.http.timeout_ms;
    cl->http.proxy = n->cl.http.proxy;
    cl->http.on_event = on_event;
    cl->http.event_user = user;
    return GF_OK;
}

void cli_net_free(cli_net *n)
{
    gf_client_free(&n->cl);
    gf_tls_free(&n->tls);
    memset(&n->creds, 0, sizeof(n->creds));
}

/* The status in words, with the host and port it is about and the next
 * step where one is obvious. */
/* A handshake with the server that failed on its side or its certificate;
 * cli_explain says more about these. */
static bool tls_failure(gf_status st)
{
    switch (st) {
    case GF_E_TLS:
    case GF_E_TLS_ALERT:
    case GF_E_TLS_UNTRUSTED:
    case GF_E_TLS_NAME:
    case GF_E_TLS_EXPIRED:
    case GF_E_TLS_NOT_YET_VALID:
    case GF_E_TLS_CERT:
    case GF_E_TLS_RECORD_SIZE:
    case GF_E_TLS_VERSION:
    case GF_E_TLS_NO_SHARED:
    case GF_E_TLS_SIGNATURE:
        return true;
    default:
        return false;
    }
}

/* cli_explain for a tls_failure: what to check, or mbedTLS's reason. */
static void explain_tls(const gf_client *cl, const gf_tls *tls, gf_status st, const char *origin,
                        char *out, size_t cap)
{
    char reason[sizeof(tls->reason)], clock[64];
    /* mbedTLS's verify text comes in lines: one line here. */
    cli_sanitize(reason, sizeof(reason), tls->reason, strlen(tls->reason));
    for (char *c = reason; *c != '\0'; c++)
        *c = *c == '?' ? ' ' : *c;
    if (st == GF_E_TLS_UNTRUSTED) {
        snprintf(out, cap, "TLS with %s: %s; if its CA is not in the system's bundle, "
                 "give it with --ca-file", origin, gf_strerror(st));
    } else if (st == GF_E_TLS_EXPIRED || st == GF_E_TLS_NOT_YET_VALID) {
        int64_t now = cl->http.port->utc_s(cl->http.port->ctx);
        time_t t = (time_t)now;
        struct tm tm;
        if (now == GF_PORT_NO_TIME || gmtime_r(&t, &tm) == NULL ||
            strftime(clock, sizeof(clock), "%Y-%m-%d %H:%M UTC", &tm) == 0)
            snprintf(clock, sizeof(clock), "not set");
        snprintf(out, cap, "TLS with %s: %s; check the system clock (it says %s)", origin,
                 gf_strerror(st), clock);
    } else {
        snprintf(out, cap, "TLS with %s: %s%s%s%s", origin, gf_strerror(st),
                 reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
    }
}

void cli_explain(const gf_client *cl, const gf_tls *tls, const cli_peer *peer, gf_status st,
                 char *out, size_t cap)
{
    char origin[GF_HOST_MAX + 16], proxy[GF_HOST_MAX + 16];
    const char *target = peer->connect;
    cli_host_port(origin, sizeof(origin), cl->http.conn_host, cl->http.conn_port);
    proxy[0] = '\0';
    if (cl->http.proxy != NULL)
        cli_host_port(proxy, sizeof(proxy), cl->http.proxy->host, cl->http.proxy->port);
    bool via_proxy = peer->connect_proxy || (proxy[0] != '\0' && strcmp(proxy, target) == 0);
    if (tls_failure(st)) {
        explain_tls(cl, tls, st, origin, out, cap);
        return;
    }
    switch (st) {
    case GF_E_DNS:
    case GF_E_CONNECT_REFUSED:
    case GF_E_CONNECT_TIMEOUT:
        snprintf(out, cap, "cannot connect to %s%s: %s", via_proxy ? "the proxy " : "", target,
                 gf_strerror(st));
        return;
    case GF_E_RESET:
    case GF_E_IDLE_TIMEOUT:
    case GF_E_NETWORK:
    case GF_E_DEADLINE:
    case GF_E_HTTP_TRUNCATED:
        snprintf(out, cap, "%s: %s", target, gf_strerror(st));
        return;
    case GF_E_PROXY:
    case GF_E_PROXY_DENIED:
    case GF_E_PROXY_AUTH:
        snprintf(out, cap, "%s (%s)", gf_strerror(st), proxy[0] != '\0' ? proxy : target);
        return;
    case GF_E_PROXY_CONNECT:
        snprintf(out, cap, "%s %s: %s", gf_strerror(st), proxy,
                 gf_strerror(peer->proxy_cause != GF_OK ? peer->proxy_cause : st));
        return;
    case GF_E_AUTH:
        snprintf(out, cap, "%s (HTTP %d from %s); check the token (--token-file or GIO_TOKEN)",
                 gf_strerror(st), peer->last_http, origin);
        return;
    default:
        snprintf(out, cap, "%s", gf_strerror(st));
        return;
    }
}

bool cli_api_unreachable(gf_status st)
{
    if (tls_failure(st))
        return true;
    switch (st) {
    case GF_E_DNS:
    case GF_E_CONNECT_REFUSED:
    case GF_E_CONNECT_TIMEOUT:
    case GF_E_PROXY:
    case GF_E_NO_TLS:
    case GF_E_TLS_CA:
        return true;
    default:
        return false;
    }
}

int cli_exit_for(gf_status st, bool download)
{
    switch (st) {
    case GF_OK:
        return EXIT_DONE;
    case GF_RUNNING:
        return EXIT_RUNNING;
    case GF_NOT_EXISTS:
        return EXIT_NOT_EXISTS;
    case GF_E_API_ERROR:
        return EXIT_API_ERROR;
    case GF_E_SINK:
    case GF_E_RESOURCES: /* out of descriptors or memory: this machine's */
        return EXIT_LOCAL;
    default:
        break;
    }
    if (download)
        return EXIT_DOWNLOAD;
    switch (st) {
    case GF_E_AUTH:
        return EXIT_AUTH;
    case GF_E_EXPORT_TYPE:
    case GF_E_DATA_TYPE:
    case GF_E_AI:
    case GF_E_DATE_FORMAT:
    case GF_E_DATE_NEEDS_HOUR:
    case GF_E_DATE_INVALID:
    case GF_E_EXPIRE:
    case GF_E_ARGUMENT:
    case GF_E_URL:
    case GF_E_URL_SCHEME:
    case GF_E_URL_USERINFO:
    case GF_E_HEADER_INJECTION:
        return EXIT_USAGE;
    case GF_E_JSON:
    case GF_E_JSON_TOP:
    case GF_E_STATUS_MISSING:
    case GF_E_STATUS_UNKNOWN:
    case GF_E_LINKS_TYPE:
    case GF_E_FIELD_TYPE:
    case GF_E_LINK_URL:
    case GF_E_ANSWER_MISMATCH:
    case GF_E_TOO_LARGE:
    case GF_E_HTTP_SYNTAX:
    case GF_E_HTTP_LINE_TOO_LONG:
    case GF_E_HTTP_TOO_MANY_HEADERS:
    case GF_E_HTTP_CONTENT_LENGTH:
    case GF_E_HTTP_CHUNK:
    case GF_E_HTTP_STATUS:
    case GF_E_REDIRECT_LIMIT:
    case GF_E_REDIRECT_LOCATION:
    case GF_E_BUFFER:
        return EXIT_MALFORMED;
    default:
        return EXIT_UNREACHABLE; /* network, TLS, proxy, refused redirect, 429/5xx */
    }
}
