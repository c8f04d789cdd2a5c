/*
 * giofetch's minimal profile: the feature switches of config.h for a
 * single-purpose board that fetches one data type of one project with a
 * static token over a direct connection. Name it for the library and for
 * every program that uses it alike:
 *     -DGF_CONFIG_FILE='"giofetch/config_minimal.h"'
 * (sources.mk and sources.cmake name it GF_MINIMAL_CONFIG). The board still
 * does the whole job: ask for an export's links, poll while it is RUNNING,
 * download every file, resume a file after a dropped connection, check each
 * file's size, and its MD5 when the board gives crypto (gf_client.crypto).
 *
 * Left out, and what a call that needs it gets instead:
 *   proxy       a set gf_http.proxy: GF_E_FEATURE_OFF (the board's network
 *               reaches the hosts directly)
 *   minting     gf_mint_token: GF_E_FEATURE_OFF (the token is provisioned)
 *   redirects   a redirect from the API or a file host: GF_E_FEATURE_OFF
 *               (GrowingIO's API and S3 links answer directly)
 *   all types   GF_DATA_ALL: GF_E_FEATURE_OFF (ask one type per call)
 *   S3 reasons  every 403 of a file host is GF_E_LINK_EXPIRED (the flow
 *               asks for fresh links once, as for the others)
 *   messages    gf_strerror says the status's number ("07")
 *
 * Only switches are set here: the limits stay config.h's defaults unless
 * the board sets them too (a header of its own can define them and then
 * include this one; see the sizing table in config.h). Each switch can
 * still be turned back on from the command line (-DGF_FEATURE_RESUME=0,
 * -DGF_FEATURE_MESSAGES=1, ...).
 */
#ifndef GIOFETCH_CONFIG_MINIMAL_H
#define GIOFETCH_CONFIG_MINIMAL_H

#ifndef GF_FEATURE_PROXY
#define GF_FEATURE_PROXY 0
#endif
#ifndef GF_FEATURE_MINT
#define GF_FEATURE_MINT 0
#endif
#ifndef GF_FEATURE_REDIRECTS
#define GF_FEATURE_REDIRECTS 0
#endif
#ifndef GF_FEATURE_ALL_TYPES
#define GF_FEATURE_ALL_TYPES 0
#endif
#ifndef GF_FEATURE_S3_REASONS
#define GF_FEATURE_S3_REASONS 0
#endif
#ifndef GF_FEATURE_MESSAGES
#define GF_FEATURE_MESSAGES 0
#endif
/* Kept: a 64 MB part over a board's link is worth continuing. */
#ifndef GF_FEATURE_RESUME
#define GF_FEATURE_RESUME 1
#endif

#endif /* GIOFETCH_CONFIG_MINIMAL_H */
