/* giofetch command-line tool. The commands arrive with their issue; until
 * then the tool answers --help and --version and says so. */
#include <stdio.h>
#include <string.h>

#include "giofetch/giofetch.h"

static void usage(FILE *f)
{
    fputs("usage: giofetch links|fetch|sync [options]   (see giofetch --help)\n", f);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("giofetch %s\n", GF_VERSION);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        printf("giofetch %s: fetch GrowingIO raw-data exports\n\n", GF_VERSION);
        usage(stdout);
        puts("\nThe links, fetch and sync commands are not built yet; this version\n"
             "only answers --help and --version.");
        return 0;
    }
    fputs("giofetch: the links, fetch and sync commands are not built yet\n", stderr);
    usage(stderr);
    return 2;
}
