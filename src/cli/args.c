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

/* Room for an option's name: longer ones are unknown. */
#define OPTION_MAX 32

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

static void set_defaults(cli_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->expire_min = GF_EXPIRE_DEFAULT;
    o->timeout_s = 30;
    o->retries = GF_RETRIES;
    o->lock_wait_s = 600;
    o->jobs = 1;
    o->base_url = getenv("GIO_BASE_URL");
}

/* --help and --version print and end the run: -1; anything else 0. */
static int help_or_version(const char *a)
{
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        help();
        return -1;
    }
    if (strcmp(a, "--version") == 0) {
        printf("giofetch %s (%s)\n", GF_VERSION, gf_tls_library());
        return -1;
    }
    return 0;
}

/* The command, argv[1]. Returns 0, an exit code, or -1 after --help or
 * --version. */
static int parse_command(int argc, char **argv, cli_opts *o)
{
    if (argc >= 2 && help_or_version(argv[1]) < 0)
        return -1;
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
    return 0;
}

/* An argument that takes no value: 1 when a was one, -1 after --help or
 * --version, 0 for anything else. */
static int parse_flag(const char *a, cli_opts *o)
{
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        o->quiet = true;
        return 1;
    }
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
        o->verbose = true;
        return 1;
    }
    if (strcmp(a, "--json") == 0) {
        o->json = true;
        return 1;
    }
    return help_or_version(a);
}

/* argv[*i] as an option of this command and its value: "--name=value", or
 * "--name value" (which takes the next argument). Returns 0 or an exit code. */
static int option_value(int argc, char **argv, int *i, cli_command cmd, char name[OPTION_MAX],
                        const char **v)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0)
        return bad("unexpected argument '%s'%s", a, "");
    size_t n = strcspn(a, "=");
    if (n >= OPTION_MAX)
        return bad("unknown option '%s'%s", a, "");
    memcpy(name, a, n);
    name[n] = '\0';
    if (!known_option(name, cmd))
        return bad("unknown option '%s' for %s", name, argv[1]);
    if (a[n] == '=')
        *v = a + n + 1;
    else if (*i + 1 < argc)
        *v = argv[++*i];
    else
        return bad("%s needs a value%s", name, "");
    return 0;
}

/* The value of an option that takes a number, checked against its range.
 * *taken: name was one of them. Returns 0 or an exit code. */
static int set_number(cli_opts *o, const char *name, const char *v, bool *taken)
{
    const struct {
        const char *name;
        uint32_t lo, hi;
        uint32_t *out;
        const char *bad; /* for bad(): the value, then "" */
    } numbers[] = {
        {"--expire", 1, GF_EXPIRE_MAX, &o->expire_min,
         "--expire must be 1..10080 minutes, not '%s'%s"},
        {"--wait", 0, 7 * 86400, &o->wait_s, "--wait must be 0..604800 seconds, not '%s'%s"},
        {"--timeout", 1, 3600, &o->timeout_s, "--timeout must be 1..3600 seconds, not '%s'%s"},
        {"--retries", 0, 100, &o->retries, "--retries must be 0..100, not '%s'%s"},
        {"--jobs", 1, 8, &o->jobs, "--jobs must be 1..8, not '%s'%s"},
        {"--lock-wait", 0, 86400, &o->lock_wait_s,
         "--lock-wait must be 0..86400 seconds, not '%s'%s"},
    };
    if (strcmp(name, "--wait") == 0 && o->cmd == CMD_SYNC)
        return bad("sync never waits: a RUNNING period is fetched by the next run "
                   "(--wait is for links and fetch)%s%s", "", "");
    for (size_t k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++) {
        if (strcmp(name, numbers[k].name) != 0)
            continue;
        *taken = true;
        if (!number(v, numbers[k].lo, numbers[k].hi, numbers[k].out))
            return bad(numbers[k].bad, v, "");
        return 0;
    }
    *taken = false;
    return 0;
}

/* Keep the value of a known option (--type and --data as text, checked
 * once every option is in). Returns 0 or an exit code. */
static int set_option(cli_opts *o, const char *name, const char *v, const char *cmd_name,
                      const char **type, const char **data)
{
    const struct {
        const char *name;
        const char **out;
    } texts[] = {
        {"--project", &o->project},   {"--type", type},        {"--data", data},
        {"--date", &o->date},         {"--from", &o->from},    {"--to", &o->to},
        {"--out", &o->out},           {"--base-url", &o->base_url},
        {"--ca-file", &o->ca_file},   {"--proxy", &o->proxy},  {"--token-file", &o->token_file},
    };
    bool taken;
    for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
        if (strcmp(name, texts[k].name) == 0) {
            *texts[k].out = v;
            return 0;
        }
    }
    int rc = set_number(o, name, v, &taken);
    if (rc != 0 || taken)
        return rc;
    return bad("unknown option '%s' for %s", name, cmd_name);
}

/* What every run needs, and the values checked together. */
static int check_options(cli_opts *o, const char *type, const char *data)
{
    int rc;
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

int cli_parse(int argc, char **argv, cli_opts *o)
{
    const char *type = NULL, *data = NULL;
    int rc;

    set_defaults(o);
    if ((rc = parse_command(argc, argv, o)) != 0)
        return rc;
    for (int i = 2; i < argc; i++) {
        char name[OPTION_MAX];
        const char *v = NULL;
        if ((rc = parse_flag(argv[i], o)) < 0)
            return -1;
        if (rc > 0)
            continue;
        if ((rc = option_value(argc, argv, &i, o->cmd, name, &v)) != 0)
            return rc;
        if ((rc = set_option(o, name, v, argv[1], &type, &data)) != 0)
            return rc;
    }
    return check_options(o, type, data);
}
