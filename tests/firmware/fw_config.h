/*
 * giofetch limits for the firmware example, as a board with little RAM
 * would set them (named by -DGF_CONFIG_FILE='"fw_config.h"'; the core must
 * be compiled with the same file). An hourly export of one data type has a
 * few links; its answer is a few kilobytes.
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#define GF_ANSWER_MAX (8u * 1024u)
#define GF_LINKS_MAX 16u
#define GF_JSON_TOKENS_MAX (GF_LINKS_MAX + 64u)
#define GF_URL_MAX 1024u
#define GF_HTTP_LINE_MAX 1024u
#define GF_HTTP_HEADERS_MAX 48u
#define GF_IO_BUF_SIZE (2u * 1024u)
#define GF_HOST_MAX 128u
#define GF_TLS_SESSIONS 1u

#endif
