# giofetch source lists, one per part, for this Makefile and for integrators
# who bring their own build (include this file, set GF_DIR first).
#
#   core   the library without mbedTLS: export API, HTTP engine, downloads
#   tls    the mbedTLS glue: TLS transport, MD5/base64/HMAC (needs mbedTLS)
#   posix  the POSIX port (sockets, clocks, entropy)
#   cli    the giofetch command-line tool (needs core, tls, posix)
#
# The core needs only a C99 libc and jsmn.h (Debian: libjsmn-dev) on the
# include path.

GF_DIR ?= .

GF_INCLUDE_DIRS := $(GF_DIR)/include $(GF_DIR)/port/posix

GF_CORE_SRCS := \
	$(GF_DIR)/src/status.c \
	$(GF_DIR)/src/util.c \
	$(GF_DIR)/src/period.c \
	$(GF_DIR)/src/request.c \
	$(GF_DIR)/src/url.c \
	$(GF_DIR)/src/json.c \
	$(GF_DIR)/src/answer.c \
	$(GF_DIR)/src/client.c \
	$(GF_DIR)/src/transport.c \
	$(GF_DIR)/src/http_parser.c \
	$(GF_DIR)/src/http_writer.c \
	$(GF_DIR)/src/http.c \
	$(GF_DIR)/src/retry.c \
	$(GF_DIR)/src/download.c \
	$(GF_DIR)/src/export.c \
	$(GF_DIR)/src/flow.c

GF_TLS_SRCS := \
	$(GF_DIR)/src/tls_mbedtls.c \
	$(GF_DIR)/src/crypto_mbedtls.c

GF_POSIX_SRCS := \
	$(GF_DIR)/port/posix/port_posix.c

GF_CLI_SRCS := \
	$(GF_DIR)/src/cli/main.c \
	$(GF_DIR)/src/cli/args.c \
	$(GF_DIR)/src/cli/creds.c \
	$(GF_DIR)/src/cli/net.c \
	$(GF_DIR)/src/cli/report.c \
	$(GF_DIR)/src/cli/store.c \
	$(GF_DIR)/src/cli/commands.c
GF_CLI_SRCS += $(GF_DIR)/src/cli/jobs.c

# Libraries the tls part links against (Debian ships no pkg-config file).
# The Makefile replaces this with its own archive when it builds mbedTLS
# from source (MBEDTLS=3.6, LIBC=musl). For a static router build with
# giofetch's client-only mbedTLS configuration, compile mbedTLS and the tls
# part alike with -I$(GF_DIR)/port/openwrt
# -DMBEDTLS_CONFIG_FILE='"gf_mbedtls_config.h"'.
GF_TLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto
