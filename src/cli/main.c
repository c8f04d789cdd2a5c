/* giofetch: fetch GrowingIO raw-data exports. See giofetch --help and
 * giofetch(1); exit codes are the enum in cli.h. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    cli_opts o;
    cli_report report;
    static cli_net net; /* its TLS context and buffers: tens of KB, off the stack */
    int rc = cli_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? EXIT_DONE : rc;
    /* A closed stdout (giofetch links | head -1) must not kill us mid-file. */
    signal(SIGPIPE, SIG_IGN);
    cli_report_init(&report, &o);
    rc = cli_net_setup(&o, &report, &net);
    if (rc == 0) {
        switch (o.cmd) {
        case CMD_LINKS:
            rc = cli_links(&o, &net);
            break;
        case CMD_FETCH:
            rc = cli_fetch(&o, &net);
            break;
        case CMD_SYNC:
            rc = cli_sync(&o, &net);
            break;
        }
    }
    cli_net_free(&net);
    if (fflush(stdout) != 0 && rc == EXIT_DONE)
        rc = EXIT_LOCAL;
    return rc;
}
