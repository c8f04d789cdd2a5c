# giofetch source lists, one per part, for CMake builds (ESP-IDF, Zephyr,
# the Pico SDK, vendor IDEs). The same lists as sources.mk, for GNU make;
# tests/tools/check_lists.sh proves the two name the same files, folders,
# flags and libraries. Set GF_DIR to the top of the giofetch tree first
# (default: the folder of this file), then include(sources.cmake).
#
#   core   the library without mbedTLS: export API, HTTP engine, downloads
#   tls    the mbedTLS glue: TLS transport, MD5/base64/HMAC (needs mbedTLS)
#   posix  the POSIX port (sockets, clocks, entropy)
#   lwip   the lwIP port, port/lwip/ (instead of posix on boards with lwIP)
#   cli    the giofetch command-line tool (needs core, tls, posix)
#
# Each part has GF_<PART>_SRCS, GF_<PART>_INCLUDE_DIRS, GF_<PART>_CFLAGS and
# GF_<PART>_LIBS (lists); see sources.mk for what each means. The core needs
# only a C99 libc and jsmn.h.

if(NOT DEFINED GF_DIR)
  set(GF_DIR ${CMAKE_CURRENT_LIST_DIR})
endif()

# ---- core --------------------------------------------------------------------
set(GF_CORE_SRCS
  ${GF_DIR}/src/status.c
  ${GF_DIR}/src/util.c
  ${GF_DIR}/src/period.c
  ${GF_DIR}/src/request.c
  ${GF_DIR}/src/url.c
  ${GF_DIR}/src/json.c
  ${GF_DIR}/src/answer.c
  ${GF_DIR}/src/client.c
  ${GF_DIR}/src/transport.c
  ${GF_DIR}/src/http_parser.c
  ${GF_DIR}/src/http_writer.c
  ${GF_DIR}/src/http.c
  ${GF_DIR}/src/retry.c
  ${GF_DIR}/src/download.c
  ${GF_DIR}/src/export.c
  ${GF_DIR}/src/flow.c)
set(GF_CORE_INCLUDE_DIRS ${GF_DIR}/include)
set(GF_CORE_CFLAGS)
set(GF_CORE_LIBS)
# The options header of the minimal profile (see sources.mk): compile with
# -DGF_CONFIG_FILE="giofetch/config_minimal.h" (CMakeLists.txt: GF_CONFIG_FILE).
set(GF_MINIMAL_CONFIG ${GF_DIR}/include/giofetch/config_minimal.h)


# ---- tls: the mbedTLS glue ---------------------------------------------------------
set(GF_TLS_SRCS
  ${GF_DIR}/src/tls_mbedtls.c
  ${GF_DIR}/src/crypto_mbedtls.c)
set(GF_TLS_INCLUDE_DIRS ${GF_DIR}/include)
set(GF_TLS_CFLAGS)
# Debian ships no pkg-config file (nor a CMake package) for mbedTLS: this order.
set(GF_TLS_LIBS -lmbedtls -lmbedx509 -lmbedcrypto)

# ---- posix: the port for Linux and other POSIX systems ---------------------------
set(GF_POSIX_SRCS
  ${GF_DIR}/port/posix/port_posix.c)
set(GF_POSIX_INCLUDE_DIRS ${GF_DIR}/include ${GF_DIR}/port/posix)
set(GF_POSIX_CFLAGS)
set(GF_POSIX_LIBS)

# ---- lwip: the port for boards with lwIP -------------------------------------------
# Both files, whatever the board: each compiles to nothing unless lwIP's
# NO_SYS picks it (see sources.mk). Add lwIP's include folders and the folder
# of the board's lwipopts.h to the include path, and link lwIP.
set(GF_LWIP_SRCS
  ${GF_DIR}/port/lwip/port_lwip_socket.c
  ${GF_DIR}/port/lwip/port_lwip_raw.c)
set(GF_LWIP_INCLUDE_DIRS ${GF_DIR}/include ${GF_DIR}/port/lwip)
set(GF_LWIP_CFLAGS)
set(GF_LWIP_LIBS)

# ---- cli: the giofetch tool ------------------------------------------------------------
set(GF_CLI_SRCS
  ${GF_DIR}/src/cli/main.c
  ${GF_DIR}/src/cli/args.c
  ${GF_DIR}/src/cli/creds.c
  ${GF_DIR}/src/cli/net.c
  ${GF_DIR}/src/cli/report.c
  ${GF_DIR}/src/cli/store.c
  ${GF_DIR}/src/cli/commands.c
  ${GF_DIR}/src/cli/jobs.c
  ${GF_DIR}/src/cli/drive.c)
set(GF_CLI_INCLUDE_DIRS ${GF_DIR}/include ${GF_DIR}/port/posix)
# --jobs runs downloads in threads: -pthread when compiling and linking.
set(GF_CLI_CFLAGS -pthread)
set(GF_CLI_LIBS -pthread)

set(GF_INCLUDE_DIRS ${GF_DIR}/include ${GF_DIR}/port/posix)
