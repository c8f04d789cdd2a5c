/* Command-line arguments, as giofetch(1) lists them. Every value is checked
 * here, so a bad one is exit 2 before anything is sent. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_usage(FILE *f)
{
    fputs("usage: giofetch links --project AI --type hour|day --data TYPE|all [--date DATE] [options]\n"
          "       giofetch fetch --project AI --type hour|day --data TYPE|all [--date DATE] --out DIR [options]\n"
          "       giofetch sync  --project AI --type hour|day --data TYPE[,TYPE...]|all\n"
          "                      [--from DATE] [--to DATE] --out DIR [options]\n",
          f);
}

static void help(void)
{
    printf("giofetch %s: fetch GrowingIO raw-data exports (raw data export v2)\n\n", GF_VERSION);
    cli_usage(stdout);
    fputs("\n"
          "Commands:\n"
          "  links   print the download links of one export, one per line\n"
          "  fetch   download one export's files into DIR, verified, with a MANIFEST\n"
          "  sync    fetch every period from --from to --to that is not complete yet\n"
          "\n"
          "Options:\n"
          "  --project AI        project id (letters, digits, '-', '_')\n"
          "  --type hour|day     export type\n"
          "  --data TYPE         visit page action action_tag custom_event ads_track_activation\n"
          "                      ads_track_click pvar evar vstr, or all (sync: a comma list)\n"
          "  --date DATE         Beijing time yyyyMMdd (day) or yyyyMMddHH (hour); default: the\n"
          "                      last period that should be complete\n"
          "  --from/--to DATE    sync's range; default: the last 15 days up to that period\n"
          "  --out DIR           where files go: DIR/AI/TYPE/hour|day/DATE/NAME\n"
          "  --base-url URL      API base (default https://www.growingio.com; env GIO_BASE_URL)\n"
          "  --expire MIN        link lifetime asked for, 1..10080 (default 5)\n"
          "  --wait SECONDS      ask again while the export is RUNNING, up to this long (default 0;\n"
          "                      not for sync, which leaves it for its next run)\n"
          "  --ca-file FILE      CA certificates, PEM file or directory\n"
          "                      (default /etc/ssl/certs/ca-certificates.crt)\n"
          "  --proxy URL         http://[user:pass@]host:port for https (env https_proxy, no_proxy)\n"
          "  --timeout SECONDS   connect and idle timeout (default 30); API calls: twice that overall\n"
          "  --retries N         retries for 429, 5xx and network errors (default 4)\n"
          "  --token-file FILE   the API token (first line); else env GIO_TOKEN\n"
          "  --lock-wait SECONDS how long to wait for another giofetch on DIR (default 600)\n"
          "  --jobs N            fetch, sync: download up to N files at once (1..8, default 1),\n"
          "                      each on its own connection; API calls stay one at a time\n"
          "  --json              JSON Lines on stdout, one object per export\n"
          "  -q, --quiet         no messages unless something fails\n"
          "  -v, --verbose       show requests (never credentials), statuses, retries and how\n"
          "                      each file was checked\n"
          "  --version, --help\n"
          "\n"
          "Credentials: --token-file FILE, else GIO_TOKEN; GIO_CLIENT_ID (optional); or\n"
          "GIO_PROJECT_UID + GIO_SECRET_FILE to mint a token. Never put the token on the command line.\n"
          "\n"
          "Exit codes: 0 done, 2 usage, 3 still RUNNING, 4 NOT_EXISTS, 5 API ERROR, 6 auth rejected,\n"
          "7 API unreachable, 8 malformed answer, 9 download failed, 10 local I/O or lock.\n"
          "\n"
          "Examples:\n"
          "  export GIO_TOKEN=...   (or --token-file /etc/giofetch/token)\n"
          "  giofetch links --project 9a8b7c --type hour --data visit --date 2026112712\n"
          "  giofetch fetch --project 9a8b7c --type day --data all --out /srv/gio\n"
          "  giofetch sync  --project 9a8b7c --type hour --data visit,page --out /srv/gio -q\n",
          stdout);
}

static int bad(const char *fmt, const char *a, const char *b)
{
    fputs("giofetch: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputs(" (see giofetch --help)\n", stderr);
    return EXIT_USAGE;
}

static bool number(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_data(cli_opts *o, const char *v)
{
    o->all = false;
    memset(o->data, 0, sizeof(o->data));
    if (strcmp(v, "all") == 0) {
        o->all = true;
        return 0;
    }
    const char *p = v;
    size_t count = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        gf_data_type d;
        if (gf_data_type_parse(p, n, &d) != GF_OK || d == GF_DATA_ALL)
            return bad("unknown data type in --data '%s'%s", v, "");
        o->data[d] = true;
        count++;
        p += n;
        if (*p == ',' && *++p == '\0')
            return bad("empty data type in --data '%s'%s", v, "");
    }
    if (count == 0)
        return bad("--data needs a type%s%s", "", "");
    if (count > 1 && o->cmd != CMD_SYNC)
        return bad("--data takes one type or all for %s%s", o->cmd == CMD_LINKS ? "links" : "fetch", "");
    return 0;
}

static int check_date(const cli_opts *o, const char *opt, const char *v)
{
    gf_period p;
    gf_status st = gf_period_parse(o->type, v, strlen(v), &p);
    if (st != GF_OK)
        return bad("%s: %s", opt, gf_strerror(st));
    /* No export exists for a period that has not begun: asking would only
     * cost API calls (a far --to once made hundreds). */
    time_t now = time(NULL); /* an unset clock cannot tell: the API answers */
    if (now >= CLI_CLOCK_SANE_S && gf_period_start_utc(&p) > (int64_t)now)
        return bad("%s %s: that period has not begun yet (Beijing time, UTC+8)", opt, v);
    return 0;
}

/* The options that take a value, for this command. */
static bool known_option(const char *name, cli_command cmd)
{
    static const char *const any[] = {"--project", "--type",    "--data",       "--base-url",
                                      "--ca-file", "--proxy",   "--token-file", "--expire",
                                      "--wait",    "--timeout", "--retries",    "--lock-wait"};
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
        if (strcmp(name, any[i]) == 0)
            return true;
    }
    if (strcmp(name, "--date") == 0)
        return cmd != CMD_SYNC;
    if (strcmp(name, "--from") == 0 || strcmp(name, "--to") == 0)
        return cmd == CMD_SYNC;
    if (strcmp(name, "--out") == 0 || strcmp(name, "--jobs") == 0)
        return cmd != CMD_LINKS;
    return false;
}

int cli_parse(int argc, char **argv, cli_opts *o)
{
    int rc;

    memset(o, 0, sizeof(*o));
    o->expire_min = GF_EXPIRE_DEFAULT;
    o->timeout_s = 30;
    o->retries = GF_RETRIES;
    o->lock_wait_s = 600;
    o->jobs = 1;
    o->base_url = getenv("GIO_BASE_URL");

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        help();
        return -1;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("giofetch %s (%s)\n", GF_VERSION, gf_tls_library());
        return -1;
    }
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "links") == 0)
        o->cmd = CMD_LINKS;
    else if (strcmp(argv[1], "fetch") == 0)
        o->cmd = CMD_FETCH;
    else if (strcmp(argv[1], "sync") == 0)
        o->cmd = CMD_SYNC;
    else
        return bad("unknown command '%s'%s", argv[1], "");

    const char *type = NULL, *data = NULL;
    for (int i = 2; i < argc; i++) {
        char *a = argv[i];
        const char *v = NULL;
        char name[32];
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return -1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("giofetch %s (%s)\n", GF_VERSION, gf_tls_library());
            return -1;
        }
        if (strncmp(a, "--", 2) != 0)
            return bad("unexpected argument '%s'%s", a, "");
        size_t n = strcspn(a, "=");
        if (n >= sizeof(name))
            return bad("unknown option '%s'%s", a, "");
        memcpy(name, a, n);
        name[n] = '\0';
        if (!known_option(name, o->cmd))
            return bad("unknown option '%s' for %s", name, argv[1]);
        if (a[n] == '=')
            v = a + n + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else
            return bad("%s needs a value%s", name, "");

        if (strcmp(name, "--project") == 0) {
            o->project = v;
        } else if (strcmp(name, "--type") == 0) {
            type = v;
        } else if (strcmp(name, "--data") == 0) {
            data = v;
        } else if (strcmp(name, "--date") == 0 && o->cmd != CMD_SYNC) {
            o->date = v;
        } else if (strcmp(name, "--from") == 0 && o->cmd == CMD_SYNC) {
            o->from = v;
        } else if (strcmp(name, "--to") == 0 && o->cmd == CMD_SYNC) {
            o->to = v;
        } else if (strcmp(name, "--out") == 0 && o->cmd != CMD_LINKS) {
            o->out = v;
        } else if (strcmp(name, "--base-url") == 0) {
            o->base_url = v;
        } else if (strcmp(name, "--ca-file") == 0) {
            o->ca_file = v;
        } else if (strcmp(name, "--proxy") == 0) {
            o->proxy = v;
        } else if (strcmp(name, "--token-file") == 0) {
            o->token_file = v;
        } else if (strcmp(name, "--expire") == 0) {
            if (!number(v, 1, GF_EXPIRE_MAX, &o->expire_min))
                return bad("--expire must be 1..10080 minutes, not '%s'%s", v, "");
        } else if (strcmp(name, "--wait") == 0) {
            if (o->cmd == CMD_SYNC)
                return bad("sync never waits: a RUNNING period is fetched by the next run "
                           "(--wait is for links and fetch)%s%s", "", "");
            if (!number(v, 0, 7 * 86400, &o->wait_s))
                return bad("--wait must be 0..604800 seconds, not '%s'%s", v, "");
        } else if (strcmp(name, "--timeout") == 0) {
            if (!number(v, 1, 3600, &o->timeout_s))
                return bad("--timeout must be 1..3600 seconds, not '%s'%s", v, "");
        } else if (strcmp(name, "--retries") == 0) {
            if (!number(v, 0, 100, &o->retries))
                return bad("--retries must be 0..100, not '%s'%s", v, "");
        } else if (strcmp(name, "--jobs") == 0 && o->cmd != CMD_LINKS) {
            if (!number(v, 1, 8, &o->jobs))
                return bad("--jobs must be 1..8, not '%s'%s", v, "");
        } else if (strcmp(name, "--lock-wait") == 0) {
            if (!number(v, 0, 86400, &o->lock_wait_s))
                return bad("--lock-wait must be 0..86400 seconds, not '%s'%s", v, "");
        } else {
            return bad("unknown option '%s' for %s", name, argv[1]);
        }
    }

    if (o->project == NULL)
        return bad("--project is required%s%s", "", "");
    gf_request probe = {GF_EXPORT_DAY, GF_DATA_VISIT, o->project, "20260101", 0};
    char target[160];
    if (gf_request_target(&probe, target, sizeof(target), NULL) == GF_E_AI)
        return bad("--project '%s': %s", o->project, gf_strerror(GF_E_AI));
    if (type == NULL)
        return bad("--type is required (hour or day)%s%s", "", "");
    if (gf_export_type_parse(type, strlen(type), &o->type) != GF_OK)
        return bad("--type must be hour or day, not '%s'%s", type, "");
    if (data == NULL)
        return bad("--data is required (a data type, or all)%s%s", "", "");
    if ((rc = parse_data(o, data)) != 0)
        return rc;
    if (o->date != NULL && (rc = check_date(o, "--date", o->date)) != 0)
        return rc;
    if (o->from != NULL && (rc = check_date(o, "--from", o->from)) != 0)
        return rc;
    if (o->to != NULL && (rc = check_date(o, "--to", o->to)) != 0)
        return rc;
    if (o->cmd != CMD_LINKS && (o->out == NULL || o->out[0] == '\0'))
        return bad("--out DIR is required%s%s", "", "");
    return 0;
}
