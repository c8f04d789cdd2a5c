/* The tool's pure parts, without a network or a disk: the name a link's
 * file gets (store_name) and the exit code each status gives
 * (cli_exit_for), as giofetch(1) lists them. */
#include <stdio.h>

#include "check.h"
#include "../../src/cli/cli.h"
#include "../../src/cli/store.h"

static char names[8][STORE_NAME_MAX];

/* The name link gets as file index, with names[0..taken) already taken. */
static const char *name_for(const char *link, size_t index, size_t taken)
{
    static char out[STORE_NAME_MAX];
    store_name(link, index, names, taken, out);
    return out;
}

static void safe_last_segments_are_kept_raw(void)
{
    CHECK_STR(name_for("https://f.example/b/part-00000-c000.csv.gz?X-Amz-Signature=x", 0, 0),
              "part-00000-c000.csv.gz");
    CHECK_STR(name_for("https://f.example/a_b-C.9", 3, 0), "a_b-C.9");
    static char longest[200];
    snprintf(longest, sizeof(longest), "https://f.example/%0128d", 7);
    CHECK_INT(strlen(name_for(longest, 0, 0)), 128);
}

/* Anything that could escape the folder, hide, collide with our own files
 * or need decoding falls back to part-<index>.csv.gz. */
static void unsafe_segments_fall_back_to_the_index(void)
{
    static const char *const unsafe[] = {
        "https://f.example/.hidden",        "https://f.example/MANIFEST",
        "https://f.example/x.csv.gz.part",  "https://f.example/a%2Fb",
        "https://f.example/",               "https://f.example/dir/",
        "https://f.example/caf%C3%A9.gz",   "https://f.example/a+b",
        "not a url",
    };
    for (size_t k = 0; k < sizeof(unsafe) / sizeof(unsafe[0]); k++) {
        const char *got = name_for(unsafe[k], 4, 0);
        if (strcmp(got, "part-4.csv.gz") != 0)
            check_fail(__FILE__, __LINE__, "%s named %s", unsafe[k], got);
    }
    static char too_long[200];
    snprintf(too_long, sizeof(too_long), "https://f.example/%0129d", 7);
    CHECK_STR(name_for(too_long, 2, 0), "part-2.csv.gz");
    /* MANIFEST in another case is a file of the export, not ours */
    CHECK_STR(name_for("https://f.example/manifest", 0, 0), "manifest");
}

/* A name taken in the folder (ignoring case: case-insensitive file systems)
 * is not given twice; nor is the fallback. */
static void taken_names_are_not_given_twice(void)
{
    snprintf(names[0], STORE_NAME_MAX, "Data.csv.gz");
    CHECK_STR(name_for("https://f.example/x/data.CSV.gz", 1, 1), "part-1.csv.gz");
    snprintf(names[1], STORE_NAME_MAX, "part-1.csv.gz");
    CHECK_STR(name_for("https://f.example/x/data.CSV.gz", 1, 2), "part-1-1.csv.gz");
    snprintf(names[2], STORE_NAME_MAX, "PART-1-1.csv.gz");
    CHECK_STR(name_for("https://f.example/x/data.CSV.gz", 1, 3), "part-1-2.csv.gz");
    CHECK_STR(name_for("https://f.example/x/other.gz", 1, 3), "other.gz");
}

/* The EXIT STATUS table of giofetch(1): an API-stage status and a
 * download's status each to its code. */
static void exit_codes_follow_the_table(void)
{
    static const struct {
        gf_status st;
        int api, download;
    } table[] = {
        {GF_OK, EXIT_DONE, EXIT_DONE},
        {GF_RUNNING, EXIT_RUNNING, EXIT_RUNNING},
        {GF_NOT_EXISTS, EXIT_NOT_EXISTS, EXIT_NOT_EXISTS},
        {GF_E_API_ERROR, EXIT_API_ERROR, EXIT_API_ERROR},
        {GF_E_SINK, EXIT_LOCAL, EXIT_LOCAL},
        {GF_E_RESOURCES, EXIT_LOCAL, EXIT_LOCAL},
        {GF_E_AUTH, EXIT_AUTH, EXIT_DOWNLOAD},
        {GF_E_AI, EXIT_USAGE, EXIT_DOWNLOAD},
        {GF_E_DATE_INVALID, EXIT_USAGE, EXIT_DOWNLOAD},
        {GF_E_URL_USERINFO, EXIT_USAGE, EXIT_DOWNLOAD},
        {GF_E_HEADER_INJECTION, EXIT_USAGE, EXIT_DOWNLOAD},
        {GF_E_JSON, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_ANSWER_MISMATCH, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_TOO_LARGE, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_HTTP_STATUS, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_REDIRECT_LIMIT, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_BUFFER, EXIT_MALFORMED, EXIT_DOWNLOAD},
        {GF_E_DNS, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_TLS_NAME, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_PROXY_AUTH, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_REDIRECT_INSECURE, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_RATE_LIMITED, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_SERVER, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_LINK_EXPIRED, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_MD5_MISMATCH, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
        {GF_E_CANCELLED, EXIT_UNREACHABLE, EXIT_DOWNLOAD},
    };
    for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
        int api = cli_exit_for(table[k].st, false), dl = cli_exit_for(table[k].st, true);
        if (api != table[k].api || dl != table[k].download)
            check_fail(__FILE__, __LINE__, "%s: api %d (want %d), download %d (want %d)",
                       gf_strerror(table[k].st), api, table[k].api, dl, table[k].download);
    }
    /* only connect, proxy and TLS failures say the API cannot be reached at all */
    CHECK(cli_api_unreachable(GF_E_CONNECT_REFUSED));
    CHECK(cli_api_unreachable(GF_E_TLS_UNTRUSTED));
    CHECK(cli_api_unreachable(GF_E_PROXY));
    CHECK(!cli_api_unreachable(GF_E_SERVER));
    CHECK(!cli_api_unreachable(GF_E_AUTH));
}

CHECK_SUITE(cli, CASE(safe_last_segments_are_kept_raw),
            CASE(unsafe_segments_fall_back_to_the_index), CASE(taken_names_are_not_given_twice),
            CASE(exit_codes_follow_the_table));
