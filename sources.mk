# giofetch source lists, one per part, for this Makefile and for integrators
# who bring their own build (include this file, set GF_DIR first). The same
# lists, for CMake, are in sources.cmake; tests/tools/check_lists.sh proves
# the two name the same files, folders, flags and libraries.
#
#   core   the library without mbedTLS: export API, HTTP engine, downloads
#   tls    the mbedTLS glue: TLS transport, MD5/base64/HMAC (needs mbedTLS)
#   posix  the POSIX port (sockets, clocks, entropy)
#   lwip   the lwIP port, port/lwip/ (instead of posix on boards with lwIP)
#   cli    the giofetch command-line tool (needs core, tls, posix)
#
# Each part has four variables, for the files of that part only:
#   GF_<PART>_SRCS          its .c files
#   GF_<PART>_INCLUDE_DIRS  the folders its files include from
#   GF_<PART>_CFLAGS        the compiler flags it needs (beyond -std=c99)
#   GF_<PART>_LIBS          what a program using it links
# A part may need the folders of the parts below it; those are listed too.
#
# The core needs only a C99 libc and jsmn.h (Debian: libjsmn-dev) on the
# include path.

GF_DIR ?= .

# ---- core -----------------------------------------------------------------
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
GF_CORE_INCLUDE_DIRS := $(GF_DIR)/include
GF_CORE_CFLAGS :=
GF_CORE_LIBS :=
# The options header of the minimal profile: the core's feature switches
# for a single-purpose board (direct connection, a static token, one data
# type per call, no redirects). Compile the core, and everything that
# includes giofetch.h, with -DGF_CONFIG_FILE='"giofetch/config_minimal.h"'.
GF_MINIMAL_CONFIG := $(GF_DIR)/include/giofetch/config_minimal.h


# ---- tls: the mbedTLS glue --------------------------------------------------
GF_TLS_SRCS := \
	$(GF_DIR)/src/tls_mbedtls.c \
	$(GF_DIR)/src/crypto_mbedtls.c
GF_TLS_INCLUDE_DIRS := $(GF_DIR)/include
# mbedTLS's headers where the system keeps them (Debian). The Makefile
# replaces both with its own when it builds mbedTLS from source (MBEDTLS=3.6,
# LIBC=musl). For a static router build with giofetch's client-only mbedTLS
# configuration, compile mbedTLS and the tls part alike with
# -I$(GF_DIR)/port/openwrt -DMBEDTLS_CONFIG_FILE='"gf_mbedtls_config.h"'.
GF_TLS_CFLAGS :=
# Debian ships no pkg-config file for mbedTLS: this order.
GF_TLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto

# ---- posix: the port for Linux and other POSIX systems ----------------------
GF_POSIX_SRCS := \
	$(GF_DIR)/port/posix/port_posix.c
GF_POSIX_INCLUDE_DIRS := $(GF_DIR)/include $(GF_DIR)/port/posix
GF_POSIX_CFLAGS :=
GF_POSIX_LIBS :=

# ---- lwip: the port for boards with lwIP ------------------------------------
# Both files, whatever the board: each compiles to nothing unless lwIP's
# NO_SYS picks it (0: port_lwip_socket.c, sockets; 1: port_lwip_raw.c, raw
# API). Add lwIP's own include folders and the folder of the board's
# lwipopts.h (and arch/cc.h) to the include path, and link lwIP.
GF_LWIP_SRCS := \
	$(GF_DIR)/port/lwip/port_lwip_socket.c \
	$(GF_DIR)/port/lwip/port_lwip_raw.c
GF_LWIP_INCLUDE_DIRS := $(GF_DIR)/include $(GF_DIR)/port/lwip
GF_LWIP_CFLAGS :=
GF_LWIP_LIBS :=

# ---- cli: the giofetch tool ---------------------------------------------------
GF_CLI_SRCS := \
	$(GF_DIR)/src/cli/main.c \
	$(GF_DIR)/src/cli/args.c \
	$(GF_DIR)/src/cli/creds.c \
	$(GF_DIR)/src/cli/net.c \
	$(GF_DIR)/src/cli/report.c \
	$(GF_DIR)/src/cli/store.c \
	$(GF_DIR)/src/cli/commands.c \
	$(GF_DIR)/src/cli/jobs.c \
	$(GF_DIR)/src/cli/drive.c
GF_CLI_INCLUDE_DIRS := $(GF_DIR)/include $(GF_DIR)/port/posix
# --jobs runs downloads in threads: POSIX asks for -pthread when compiling
# and linking (glibc before 2.34 and some libcs have no threads without it).
GF_CLI_CFLAGS := -pthread
GF_CLI_LIBS := -pthread

# Every part's folders at once (for code that uses them all: tests, tools).
GF_INCLUDE_DIRS := $(GF_DIR)/include $(GF_DIR)/port/posix
