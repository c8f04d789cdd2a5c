/* links, fetch and sync: one export (or period) at a time through the
 * library's flow, files through store.c, results as messages, JSON Lines
 * and exit codes. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jobs.h"
#include "store.h"

/* One data type's folder within one export. */
typedef struct folder {
    bool involved;           /* asked for                                   */
    bool complete;           /* had a MANIFEST before this run              */
    bool present;            /* listed in the answer                        */
    size_t base, count;      /* its links' positions in type order          */
    size_t fetched;          /* files downloaded by this run                */
    int exit;                /* outcome                                     */
    gf_status st;            /* first failure                               */
    char dir[STORE_PATH_MAX];
} folder;

/* One link's file. Links are in type order, so its index names the same
 * file in a re-ask's answer, whatever order the JSON lists the types in. */
typedef struct file_state {
    char name[STORE_NAME_MAX];
    bool done;
    gf_status st;
    uint64_t bytes;
    char md5[33];
    struct store_file *open; /* its .part while it downloads               */
    const char *verified;    /* how this run checked it; NULL: not fetched  */
} file_state;

typedef struct job {
    const cli_opts *o;
    cli_net *n;
    gf_request req;
    char date[GF_DATE_MAX + 1];
    char label[64];          /* "<data type> <date>" for progress          */
    gf_flow flow;
    gf_answer ans;
    folder f[GF_DATA_TYPES];
    bool planned;
    bool download_failed;
    bool disk_full;          /* no room: later exports cannot do better     */
    gf_status st;            /* the flow's result                           */
    bool api_failed;         /* the ask failed: no links were planned       */
    size_t to_fetch, fetched;
    uint64_t bytes;
    /* One link's file, by its index (links are in type order). */
    file_state files[GF_LINKS_MAX];
    char names[GF_LINKS_MAX][STORE_NAME_MAX]; /* one folder's, for store_name */
    store_entry entries[GF_LINKS_MAX];
    /* The .part files open at once: one per download under way (--jobs). A
     * slot is taken from the file's begin to its end: its fd alone does not
     * say, as the commit closes it before the download returns. */
    store_file open_files[JOBS_MAX];
    bool open_taken[JOBS_MAX];
} job;

static int max_exit(int a, int b) { return a > b ? a : b; }

static bool no_room(int err) { return err == ENOSPC || err == EDQUOT; }

/* How a download was checked, as --json and -v name it: md5-header,
 * content-md5, etag or size. */
static const char *verified_kind(const gf_download_result *res)
{
    return gf_verified_name(res->verified);
}

/* Folder f's k-th link in answer a. */
static const gf_view *link_of(const gf_answer *a, const folder *f, size_t k)
{
    return &a->link[f->base + k];
}

/* The folder that holds the file at index pos. */
static int folder_of(const job *j, size_t pos)
{
    for (int t = 0; t < (int)GF_DATA_TYPES; t++) {
        if (j->f[t].involved && j->f[t].present && pos >= j->f[t].base &&
            pos < j->f[t].base + j->f[t].count)
            return t;
    }
    return -1;
}

/* ---- the files of the flow --------------------------------------------- */

/* The answer is FINISHED: name every file and make the folders. */
static gf_status plan(job *j, const gf_answer *a)
{
    j->planned = true;
    memset(j->files, 0, sizeof(j->files));
    size_t base = 0; /* in type order, the earlier types' links come first */
    for (int t = 0; t < (int)GF_DATA_TYPES; t++) {
        folder *f = &j->f[t];
        f->base = base;
        base += a->all_types ? a->type[t].count : 0;
        if (!f->involved)
            continue;
        if (a->all_types) {
            f->present = a->type[t].present;
            f->count = a->type[t].count;
        } else {
            f->present = true;
            f->count = a->count;
        }
        if (f->complete || !f->present)
            continue;
        for (size_t k = 0; k < f->count; k++) {
            store_name(link_of(a, f, k)->ptr, k, j->names, k, j->names[k]);
            memcpy(j->files[f->base + k].name, j->names[k], STORE_NAME_MAX);
        }
        if (j->o->cmd == CMD_LINKS)
            continue;
        int rc = store_mkdirs(f->dir);
        if (rc != 0) {
            cli_error(j->n->rp, "%s %s: cannot create %s: %s",
                      gf_data_type_name((gf_data_type)t), j->date, f->dir, strerror(rc));
            j->disk_full |= no_room(rc);
            return GF_E_SINK;
        }
        j->to_fetch += f->count;
    }
    return GF_OK;
}

static gf_status fetch_begin(void *user, size_t pos, const jobs_conn *conn, const gf_sink **sink)
{
    job *j = user;
    int t = folder_of(j, pos);
    *sink = NULL;
    if (t < 0 || j->f[t].complete)
        return GF_OK;
    folder *f = &j->f[t];
    file_state *fs = &j->files[pos];
    if (store_exists(f->dir, fs->name)) {
        /* Complete and verified by an earlier run: only its MD5 is needed. */
        int rc = store_md5_file(f->dir, fs->name, fs->md5, &fs->bytes);
        if (rc != 0) {
            cli_error(j->n->rp, "%s %s %s: cannot read %s/%s: %s",
                      gf_data_type_name((gf_data_type)t), j->date, fs->name, f->dir, fs->name,
                      strerror(rc));
            return GF_E_SINK;
        }
        fs->done = true;
        j->fetched++;
        return GF_OK;
    }
    store_file *sf = NULL;
    for (unsigned k = 0; k < j->o->jobs && k < JOBS_MAX && sf == NULL; k++) {
        if (!j->open_taken[k])
            sf = &j->open_files[k];
    }
    if (sf == NULL)
        return GF_E_ARGUMENT; /* more files at once than --jobs */
    int rc = store_open(sf, f->dir, fs->name);
    if (rc != 0) {
        cli_error(j->n->rp, "%s %s %s: cannot write %s/%s.part: %s",
                  gf_data_type_name((gf_data_type)t), j->date, fs->name, f->dir, fs->name,
                  strerror(rc));
        j->disk_full |= no_room(rc);
        return GF_E_SINK;
    }
    fs->open = sf;
    j->open_taken[sf - j->open_files] = true;
    char label[64];
    snprintf(label, sizeof(label), "%s %s", gf_data_type_name((gf_data_type)t), j->date);
    cli_subject(conn->peer, "%s %s", label, fs->name);
    cli_progress_file(conn->peer, label, j->fetched, j->to_fetch, sf->opened_with);
    *sink = &sf->sink;
    return GF_OK;
}

/* Close file pos's .part, if open, and free its slot. */
static void close_part(job *j, size_t pos)
{
    file_state *fs = &j->files[pos];
    if (fs->open != NULL) {
        store_close(fs->open);
        j->open_taken[fs->open - j->open_files] = false;
    }
    fs->open = NULL;
}

/* It needed fresh links and the export stopped: its .part stays for the
 * next run to resume. */
static void fetch_drop(void *user, size_t pos)
{
    job *j = user;
    close_part(j, pos);
    cli_progress_end(j->n->rp);
}

static gf_status fetch_end(void *user, size_t pos, gf_status st, const gf_download_result *res,
                           const jobs_conn *conn)
{
    job *j = user;
    int t = folder_of(j, pos);
    file_state *fs = &j->files[pos];
    int err = fs->open != NULL ? fs->open->err : 0;
    char part[STORE_PATH_MAX] = "";
    if (fs->open != NULL)
        snprintf(part, sizeof(part), "%s", fs->open->part);
    close_part(j, pos);
    cli_progress_end(j->n->rp);
    if (t < 0)
        return GF_OK;
    const char *dname = gf_data_type_name((gf_data_type)t);
    folder *f = &j->f[t];
    cli_subject(conn->peer, "%s %s", dname, j->date); /* a re-ask is about the export */
    if (st == GF_OK) {
        fs->done = true;
        fs->bytes = res->bytes;
        fs->verified = verified_kind(res);
        gf_hex_encode(fs->md5, res->md5, sizeof(res->md5));
        j->fetched++;
        f->fetched++;
        j->bytes += res->bytes;
        if (res->verified == GF_VERIFIED_SIZE)
            cli_note(j->n->rp, "%s %s %s: checked by size only: the server sent no MD5", dname,
                     j->date, fs->name);
        else if (j->o->verbose)
            cli_note(j->n->rp, "%s %s %s: %llu bytes, MD5 %s matches the server's (%s)", dname,
                     j->date, fs->name, (unsigned long long)res->bytes, fs->md5, fs->verified);
        return GF_OK;
    }
    fs->st = st;
    j->download_failed = true;
    if (f->st == GF_OK)
        f->st = st;
    if (st == GF_E_SINK) {
        /* The .part is where the bytes were going: that is what failed. */
        cli_error(j->n->rp, "%s %s %s: %s: %s", dname, j->date, fs->name, part, strerror(err));
        j->disk_full |= no_room(err);
        return st; /* the disk is the problem: stop here */
    }
    if (st == GF_E_HTTP_STATUS) {
        cli_error(j->n->rp, "%s %s %s: HTTP status %d from the file host", dname, j->date, fs->name,
                  conn->peer->last_http);
    } else {
        char why[600];
        cli_explain(conn->cl, conn->tls, conn->peer, st, why, sizeof(why));
        cli_error(j->n->rp, "%s %s %s: %s", dname, j->date, fs->name, why);
    }
    return GF_OK;
}

/* ---- output ------------------------------------------------------------ */

static void json_begin(const job *j, int t, const char *status)
{
    printf("{\"project\":");
    cli_json_str(stdout, j->req.ai, strlen(j->req.ai));
    printf(",\"type\":\"%s\",\"data\":\"%s\",\"date\":\"%s\",\"status\":",
           gf_export_type_name(j->req.type), gf_data_type_name((gf_data_type)t), j->date);
    if (status != NULL)
        printf("\"%s\"", status);
    else
        printf("null");
}

static void json_end(int exit_code, const char *error)
{
    printf(",\"exit\":%d,\"error\":", exit_code);
    if (error != NULL)
        cli_json_str(stdout, error, strlen(error));
    else
        printf("null");
    printf("}\n");
}

/* The error text of an API-stage failure, with the details that help. */
static void api_error_text(const job *j, gf_status st, char *out, size_t cap)
{
    const cli_net *n = j->n;
    if (st == GF_E_API_ERROR) {
        char msg[512];
        cli_sanitize(msg, sizeof(msg), j->ans.error_msg.ptr ? j->ans.error_msg.ptr : "",
                     j->ans.error_msg.len);
        snprintf(out, cap, "the API reported an error: %s", msg[0] ? msg : "(no errorMsg)");
    } else if (st == GF_E_HTTP_STATUS) {
        snprintf(out, cap, "%s (HTTP %d from the API)", gf_strerror(st), n->peer.last_http);
    } else {
        cli_explain(&n->cl, &n->tls, &n->peer, st, out, cap);
    }
}

/* ---- one export -------------------------------------------------------- */

static int folder_path(const cli_opts *o, job *j, int t)
{
    if ((size_t)snprintf(j->f[t].dir, sizeof(j->f[t].dir), "%s/%s/%s/%s/%s", o->out, o->project,
                         gf_data_type_name((gf_data_type)t), gf_export_type_name(o->type),
                         j->date) >= sizeof(j->f[t].dir)) {
        cli_error(j->n->rp, "--out path too long");
        return EXIT_USAGE;
    }
    return 0;
}

/* Sync's counts of folders (done, waiting, missing, failed). */
typedef struct tally {
    unsigned done, waiting, missing, failed;
    bool disk_full;          /* out of room: stop                           */
    bool unreachable;        /* the API cannot be reached or trusted: stop  */
} tally;

/* Set the job up for one export, every .part slot free. */
static void job_start(job *j, const cli_opts *o, cli_net *n, const char *date, int only_type)
{
    memset(j, 0, sizeof(*j));
    for (unsigned k = 0; k < JOBS_MAX; k++)
        j->open_files[k].fd = -1;
    j->o = o;
    j->n = n;
    snprintf(j->date, sizeof(j->date), "%s", date);
    j->req.type = o->type;
    j->req.data = only_type >= 0 ? (gf_data_type)only_type : GF_DATA_ALL;
    j->req.ai = o->project;
    j->req.date = j->date;
    j->req.expire_min = o->expire_min;
    if (only_type >= 0)
        snprintf(j->label, sizeof(j->label), "%s %s", gf_data_type_name((gf_data_type)only_type),
                 j->date);
    else
        snprintf(j->label, sizeof(j->label), "all types %s", j->date);
}

/* Mark the folders asked for, and those a MANIFEST says are complete
 * (*all_complete: nothing to ask the API). Returns 0 or an exit code. */
static int find_folders(job *j, int only_type, bool *all_complete)
{
    int rc;
    *all_complete = true;
    for (int t = 0; t < (int)GF_DATA_TYPES; t++) {
        j->f[t].involved = only_type < 0 || t == only_type;
        if (!j->f[t].involved)
            continue;
        if (j->o->cmd != CMD_LINKS) {
            if ((rc = folder_path(j->o, j, t)) != 0)
                return rc;
            j->f[t].complete = store_exists(j->f[t].dir, "MANIFEST");
        }
        *all_complete &= j->f[t].complete;
    }
    return 0;
}

/* Ask, and download unless only the links are wanted: the library's flow,
 * driven one file at a time or by --jobs threads (jobs.c). */
static gf_status run_flow(job *j)
{
    const cli_opts *o = j->o;
    uint32_t wait_ms = o->cmd == CMD_SYNC ? 0 : o->wait_s * 1000u;
    gf_status st = gf_flow_begin(&j->flow, &j->n->cl, &j->req, wait_ms, &j->ans);
    if (st == GF_OK)
        st = plan(j, &j->ans);
    if (st != GF_OK || o->cmd == CMD_LINKS)
        return st;
    jobs_files jf = {j, j->label, fetch_begin, fetch_end, fetch_drop};
    st = jobs_run(o, j->n, &j->flow, &j->ans, &jf);
    for (unsigned k = 0; k < JOBS_MAX; k++) {
        store_close(&j->open_files[k]); /* those of files the flow left mid-way */
        j->open_taken[k] = false;
    }
    return st;
}

/* A folder this run downloaded into: its MANIFEST once every file is there,
 * else the worst failure. Sets f->exit; returns the error text or NULL. */
static const char *fetched_outcome(job *j, int t)
{
    folder *f = &j->f[t];
    const char *type_error = NULL;
    size_t ok = 0;
    int worst = EXIT_DONE;
    for (size_t k = 0; k < f->count; k++) {
        file_state *fs = &j->files[f->base + k];
        if (fs->done) {
            memcpy(j->entries[ok].name, fs->name, STORE_NAME_MAX);
            memcpy(j->entries[ok].md5, fs->md5, 33);
            j->entries[ok].bytes = fs->bytes;
            ok++;
        } else if (fs->st != GF_OK) {
            worst = max_exit(worst, cli_exit_for(fs->st, true));
        }
    }
    if (ok == f->count) {
        int e = store_write_manifest(f->dir, j->entries, ok);
        if (e != 0) {
            cli_error(j->n->rp, "%s %s: cannot write %s/MANIFEST: %s",
                      gf_data_type_name((gf_data_type)t), j->date, f->dir, strerror(e));
            j->disk_full |= no_room(e);
            worst = EXIT_LOCAL;
            type_error = "cannot write the MANIFEST";
        }
    } else if (worst == EXIT_DONE) {
        /* Stopped before this folder's turn (a later API failure, a full
         * disk elsewhere). */
        worst = j->st != GF_OK ? cli_exit_for(j->st, j->download_failed) : EXIT_DOWNLOAD;
        if (worst == EXIT_DONE)
            worst = EXIT_DOWNLOAD;
    }
    if (worst != EXIT_DONE && type_error == NULL)
        type_error = f->st != GF_OK ? gf_strerror(f->st) : gf_strerror(j->st);
    f->exit = worst;
    return type_error;
}

/* What became of folder t: sets its exit code and returns its error text
 * (NULL: none); api_error is the text of an API-stage failure. */
static const char *folder_outcome(job *j, int t, const char *api_error)
{
    folder *f = &j->f[t];
    if (f->complete) {
        f->exit = EXIT_DONE;
        return NULL;
    }
    if (j->api_failed) {
        f->exit = cli_exit_for(j->st, false);
        return api_error;
    }
    if (!f->present) {
        f->exit = EXIT_RUNNING; /* not in the all-types answer: asked again next time */
        return "not in the all-types answer yet";
    }
    if (j->o->cmd == CMD_LINKS) {
        f->exit = EXIT_DONE;
        return NULL;
    }
    return fetched_outcome(j, t);
}

/* Count the folder's outcome in sync's tally (none for links and fetch). */
static void count_folder(tally *tl, const job *j, const folder *f)
{
    if (tl == NULL)
        return;
    tl->disk_full |= j->disk_full;
    if (j->api_failed && cli_api_unreachable(j->st))
        tl->unreachable = true;
    if (f->exit == EXIT_DONE)
        tl->done++;
    else if (f->exit == EXIT_RUNNING)
        tl->waiting++;
    else if (f->exit == EXIT_NOT_EXISTS)
        tl->missing++;
    else
        tl->failed++;
}

/* The export's state as --json names it: the answer's, or what the API
 * stage's failure tells; NULL when not known. */
static const char *folder_state(const job *j, const folder *f)
{
    bool api_failed = j->api_failed;
    gf_status st = j->st;
    return f->complete                          ? "FINISHED"
           : api_failed && st == GF_RUNNING     ? "RUNNING"
           : api_failed && st == GF_NOT_EXISTS  ? "NOT_EXISTS"
           : api_failed && st == GF_E_API_ERROR ? "ERROR"
           : api_failed                         ? NULL
           : !f->present                        ? "RUNNING"
                                                : gf_export_state_name(j->ans.state);
}

static void json_links(const job *j, const folder *f)
{
    printf(",\"links\":[");
    for (size_t k = 0; !j->api_failed && f->present && k < f->count; k++) {
        if (k)
            putchar(',');
        cli_json_str(stdout, link_of(&j->ans, f, k)->ptr, link_of(&j->ans, f, k)->len);
    }
    printf("]");
}

/* One entry of "files"; verified is NULL for a file this run did not fetch
 * (it was checked when an earlier run fetched it). */
static void json_file(bool first, const char *name, uint64_t bytes, const char *md5,
                      const char *verified)
{
    printf("%s{\"name\":", first ? "" : ",");
    cli_json_str(stdout, name, strlen(name));
    printf(",\"bytes\":%llu,\"md5\":\"%s\",\"verified\":", (unsigned long long)bytes, md5);
    if (verified != NULL)
        printf("\"%s\"}", verified);
    else
        printf("null}");
}

/* The folder and its files: from its MANIFEST when it was complete before
 * this run, else those this run has. */
static void json_files(job *j, const folder *f)
{
    printf(",\"dir\":");
    cli_json_str(stdout, f->dir, strlen(f->dir));
    printf(",\"files\":[");
    if (f->complete) {
        size_t count = store_read_manifest(f->dir, j->entries, GF_LINKS_MAX);
        for (size_t k = 0; k < count; k++)
            json_file(k == 0, j->entries[k].name, j->entries[k].bytes, j->entries[k].md5, NULL);
    } else {
        for (size_t k = 0, shown = 0; k < f->count; k++) {
            const file_state *fs = &j->files[f->base + k];
            if (!fs->done || j->api_failed)
                continue;
            json_file(shown++ == 0, fs->name, fs->bytes, fs->md5, fs->verified);
        }
    }
    printf("],\"fetched\":%zu", f->fetched);
}

/* The folder on stdout: a JSON line with --json, else the links for links. */
static void print_folder(job *j, int t, const char *type_error)
{
    const folder *f = &j->f[t];
    if (j->o->json) {
        json_begin(j, t, folder_state(j, f));
        if (j->o->cmd == CMD_LINKS)
            json_links(j, f);
        else
            json_files(j, f);
        json_end(f->exit, f->exit == EXIT_DONE ? NULL : type_error);
    } else if (j->o->cmd == CMD_LINKS && f->exit == EXIT_DONE && !f->complete) {
        for (size_t k = 0; k < f->count; k++)
            printf("%s\n", link_of(&j->ans, f, k)->ptr);
    }
}

/* The folder on stderr: a note, or the error of a failed ask. */
static void tell_folder(const job *j, int t, int only_type, const char *type_error)
{
    const folder *f = &j->f[t];
    const char *dname = gf_data_type_name((gf_data_type)t);
    if (f->exit == EXIT_DONE && j->o->cmd != CMD_LINKS) {
        if (f->complete)
            cli_note(j->n->rp, "%s %s: already complete in %s", dname, j->date, f->dir);
        else
            cli_note(j->n->rp, "%s %s: %zu file%s in %s", dname, j->date, f->count,
                     f->count == 1 ? "" : "s", f->dir);
    } else if (f->exit == EXIT_RUNNING || f->exit == EXIT_NOT_EXISTS) {
        cli_note(j->n->rp, "%s %s: %s", dname, j->date, type_error ? type_error : "");
    } else if (f->exit != EXIT_DONE && (j->api_failed || j->o->cmd == CMD_LINKS)) {
        if (t == only_type || only_type < 0) {
            /* one message for an API failure, not ten */
            if (!(j->api_failed && only_type < 0 && t != (int)GF_DATA_VISIT))
                cli_error(j->n->rp, "%s %s: %s", only_type < 0 ? "all types" : dname, j->date,
                          type_error ? type_error : "");
        }
    }
}

/* One export whose job is set up: ask, download, report. */
static int export_job(job *j, int only_type, tally *tl)
{
    bool all_complete;
    int rc, code = EXIT_DONE;

    if ((rc = find_folders(j, only_type, &all_complete)) != 0)
        return rc;
    cli_subject(&j->n->peer, "%s", j->label);
    j->st = all_complete ? GF_OK : run_flow(j);
    j->api_failed = !all_complete && !j->planned;

    char error[700];
    error[0] = '\0';
    if (j->api_failed)
        api_error_text(j, j->st, error, sizeof(error));
    for (int t = 0; t < (int)GF_DATA_TYPES; t++) {
        if (!j->f[t].involved)
            continue;
        const char *type_error = folder_outcome(j, t, error);
        code = max_exit(code, j->f[t].exit);
        count_folder(tl, j, &j->f[t]);
        print_folder(j, t, type_error);
        tell_folder(j, t, only_type, type_error);
    }
    fflush(stdout);
    return code;
}

/* Run one export: one data type or all, one period. Returns the exit code;
 * counts per type go to tl when set. */
static int run_export(const cli_opts *o, cli_net *n, const char *date, int only_type, tally *tl)
{
    job *j = malloc(sizeof(*j)); /* its file table is large; one per export */
    if (j == NULL) {
        cli_error(n->rp, "%s: %s", date, strerror(ENOMEM));
        return EXIT_LOCAL;
    }
    job_start(j, o, n, date, only_type);
    int code = export_job(j, only_type, tl);
    free(j);
    return code;
}

/* ---- commands ---------------------------------------------------------- */

/* The period a date option gives (given NULL: the last one that should be
 * complete by the clock). Returns 0 or an exit code after a message. */
static int period_of(const cli_opts *o, cli_net *n, const char *given, gf_period *p)
{
    if (given != NULL) {
        gf_status st = gf_period_parse(o->type, given, strlen(given), p);
        if (st != GF_OK) {
            cli_error(n->rp, "%s: %s", given, gf_strerror(st));
            return EXIT_USAGE;
        }
        return 0;
    }
    int64_t now = n->port.utc_s(n->port.ctx);
    if (now == GF_PORT_NO_TIME || now < CLI_CLOCK_SANE_S) {
        cli_error(n->rp, "the clock is not set: give --date (or --from and --to)");
        return EXIT_USAGE;
    }
    *p = gf_period_last_complete(o->type, now);
    return 0;
}

static int single_type(const cli_opts *o)
{
    if (o->all)
        return -1;
    for (int t = 0; t < (int)GF_DATA_TYPES; t++) {
        if (o->data[t])
            return t;
    }
    return -1;
}

int cli_links(const cli_opts *o, cli_net *n)
{
    gf_period p;
    char date[GF_DATE_MAX + 1];
    int rc = period_of(o, n, o->date, &p);
    if (rc != 0)
        return rc;
    gf_period_format(&p, date);
    return run_export(o, n, date, single_type(o), NULL);
}

static void lock_waiting(void *user, const char *path, uint32_t wait_s)
{
    cli_note(user, "%s is held by another giofetch; waiting up to %u s", path, (unsigned)wait_s);
}

static int with_lock(const cli_opts *o, cli_net *n, int *fd)
{
    char path[STORE_PATH_MAX];
    const char *step = "";
    path[0] = '\0';
    int rc = store_lock(o->out, o->lock_wait_s, fd, path, sizeof(path), &step, lock_waiting,
                        n->rp);
    if (rc == EWOULDBLOCK) {
        cli_error(n->rp, "could not get the lock %s: another giofetch still holds it after %u s",
                  path, (unsigned)o->lock_wait_s);
        return EXIT_LOCAL;
    }
    if (rc != 0) {
        cli_error(n->rp, "cannot %s %s: %s", step, path[0] != '\0' ? path : o->out, strerror(rc));
        return EXIT_LOCAL;
    }
    return 0;
}

int cli_fetch(const cli_opts *o, cli_net *n)
{
    gf_period p;
    char date[GF_DATE_MAX + 1];
    int fd = -1, rc = period_of(o, n, o->date, &p);
    if (rc != 0)
        return rc;
    gf_period_format(&p, date);
    if ((rc = with_lock(o, n, &fd)) != 0)
        return rc;
    rc = run_export(o, n, date, single_type(o), NULL);
    store_unlock(fd);
    return rc;
}

int cli_sync(const cli_opts *o, cli_net *n)
{
    gf_period from, to;
    int rc, fd = -1, code = EXIT_DONE;
    tally tl;
    memset(&tl, 0, sizeof(tl));

    if ((rc = period_of(o, n, o->to, &to)) != 0)
        return rc;
    if (o->from != NULL) {
        if ((rc = period_of(o, n, o->from, &from)) != 0)
            return rc;
    } else {
        /* The API keeps data 15 days: look back that far. */
        from = to;
        from.index -= o->type == GF_EXPORT_DAY ? 14 : 15 * 24 - 1;
    }
    if (from.index > to.index) {
        cli_error(n->rp, "--from is after --to");
        return EXIT_USAGE;
    }
    if ((rc = with_lock(o, n, &fd)) != 0) {
        if (o->json)
            printf("{\"summary\":{\"done\":0,\"waiting\":0,\"missing\":0,\"failed\":0},"
                   "\"exit\":%d}\n", rc);
        return rc;
    }

    bool stop = false;
    for (gf_period p = from; p.index <= to.index && !stop; p.index++) {
        char date[GF_DATE_MAX + 1];
        gf_period_format(&p, date);
        for (int t = o->all ? -1 : 0; t < (int)GF_DATA_TYPES && !stop; t++) {
            if (t >= 0 && !o->data[t])
                continue;
            int e = run_export(o, n, date, t, &tl);
            if (e != EXIT_DONE && e != EXIT_RUNNING && e != EXIT_NOT_EXISTS)
                code = max_exit(code, e);
            /* Nothing later can go better after these. A folder that cannot
             * be written is that folder's problem: go on with the others. */
            if (e == EXIT_AUTH || e == EXIT_USAGE || tl.disk_full) {
                stop = true;
            } else if (tl.unreachable) {
                cli_error(n->rp, "sync: stopping at %s: the API cannot be reached or trusted, and "
                          "the later periods would fail the same way", date);
                stop = true;
            }
            if (o->all)
                break;
        }
    }
    store_unlock(fd);
    if (o->json)
        printf("{\"summary\":{\"done\":%u,\"waiting\":%u,\"missing\":%u,\"failed\":%u},\"exit\":%d}\n",
               tl.done, tl.waiting, tl.missing, tl.failed, code);
    if (code != EXIT_DONE)
        cli_error(n->rp, "sync: %u done, %u waiting, %u missing, %u failed", tl.done, tl.waiting,
                  tl.missing, tl.failed);
    else
        cli_note(n->rp, "sync: %u done, %u waiting, %u missing, %u failed", tl.done, tl.waiting,
                 tl.missing, tl.failed);
    return code;
}
