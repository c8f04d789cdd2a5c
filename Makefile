# giofetch: plain GNU make.
#
#   make                 libgiofetch.a and the giofetch CLI (in $(O))
#   make test            every test; the last line is "N passed, N failed"
#   make feature-test    the unit tests with each feature switch off in turn
#   make deps            install the Debian packages the build and tests need
#   make install         PREFIX=/usr/local, DESTDIR= for staging
#   make cmake-test      the CMake build (host, Cortex-M4 firmware example)
#   make CROSS_COMPILE=mipsel-linux-gnu-   a cross build (in build/<triplet>)
#
# Build configurations (any combination; each has a folder of its own under
# build/, named after it, so changing a setting never reuses objects of
# another; O=DIR overrides the folder):
#   ARCH=mipsel|armhf|arm64   cross build for that target (sets CROSS_COMPILE)
#   LIBC=musl                 musl instead of glibc: static, section GC, and
#                             mbedTLS built from source with the client-only
#                             configuration of port/openwrt/gf_mbedtls_config.h
#   STATIC=1                  static binaries
#   MBEDTLS=3.6|2.28          mbedTLS built from Debian's source package of
#                             that line (with glibc: its default configuration)
#                             instead of the installed one
#   SANITIZE=1                AddressSanitizer and UBSan
# e.g. build/ (host), build/sanitize, build/mbedtls-3.6, build/static,
# build/mipsel-linux-gnu, build/mipsel-linux-gnu-static,
# build/x86_64-linux-musl, build/mipsel-linux-musl-mbedtls-3.6.
#
# CFLAGS, LDFLAGS, CC, AR, PREFIX, DESTDIR behave as usual; the flags the
# build itself needs live in GF_BUILD_CFLAGS, so a user's CFLAGS never breaks it.

GF_DIR := .
include sources.mk

ARCH ?=
LIBC ?=
STATIC ?=
MBEDTLS ?=
SANITIZE ?=

GF_TRIPLET_mipsel := mipsel-linux-gnu
GF_TRIPLET_armhf := arm-linux-gnueabihf
GF_TRIPLET_arm64 := aarch64-linux-gnu
GF_MUSL_TRIPLET_mipsel := mipsel-linux-musl
GF_MUSL_TRIPLET_armhf := arm-linux-musleabihf
GF_MUSL_TRIPLET_arm64 := aarch64-linux-musl
GF_MUSL_TRIPLET_ := $(shell uname -m)-linux-musl

ifneq ($(ARCH),)
ifeq ($(GF_TRIPLET_$(ARCH)),)
$(error ARCH=$(ARCH): use mipsel, armhf or arm64 (or none for the host))
endif
CROSS_COMPILE ?= $(GF_TRIPLET_$(ARCH))-
endif
CROSS_COMPILE ?=
ifneq ($(filter-out musl,$(LIBC)),)
$(error LIBC=$(LIBC): only musl (or none for glibc))
endif
ifneq ($(filter-out 2.28 3.6,$(MBEDTLS)),)
$(error MBEDTLS=$(MBEDTLS): use 3.6 or 2.28 (or none for the installed mbedTLS))
endif

ifeq ($(LIBC),musl)
# musl's gcc specs search only musl's headers (-nostdinc): jsmn.h gets a
# folder of its own. Router builds are static, with unused sections dropped.
GF_TRIPLET := $(GF_MUSL_TRIPLET_$(ARCH))
ifeq ($(ARCH),)
GF_MUSL_CC := musl-gcc
else
GF_MUSL_CC := $(CROSS_COMPILE)gcc -specs=/usr/lib/$(GF_TRIPLET)/musl-gcc.specs
endif
ifeq ($(origin CC),default)
CC := $(GF_MUSL_CC)
endif
override STATIC := 1
GF_SYSINC_DIR = $(O)/sysinc
GF_SECTION_FLAGS := -ffunction-sections -fdata-sections
GF_SECTION_LINK := -Wl,--gc-sections
else
GF_TRIPLET := $(patsubst %-,%,$(CROSS_COMPILE))
GF_SYSINC_DIR =
GF_SECTION_FLAGS :=
GF_SECTION_LINK :=
endif
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
PYTHON ?= python3

CFLAGS ?= -O2 -g -Wall -Wextra
LDFLAGS ?=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man

# SANITIZE=1: the whole build under AddressSanitizer and UBSan (own folder).
ifneq ($(SANITIZE),)
GF_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
GF_SAN_FLAGS :=
endif

# mbedTLS from source: which line, and which configuration (MBEDTLS_CONFIG=
# default: the library's own; client: port/openwrt/gf_mbedtls_config.h).
GF_MBEDTLS_VERSION := $(or $(MBEDTLS),$(if $(LIBC),2.28,))
GF_MBEDTLS_CONFIG_DEFAULT := $(if $(LIBC),client,default)
MBEDTLS_CONFIG ?= $(GF_MBEDTLS_CONFIG_DEFAULT)

# The folder: build/ for the host's default build, else build/ and the
# settings that differ, joined by "-".
GF_CONFIG_PARTS := $(GF_TRIPLET) $(if $(and $(STATIC),$(if $(LIBC),,1)),static,) \
	$(if $(MBEDTLS),mbedtls-$(MBEDTLS),) \
	$(if $(and $(GF_MBEDTLS_VERSION),$(filter-out $(GF_MBEDTLS_CONFIG_DEFAULT),$(MBEDTLS_CONFIG))),mbedtls-$(MBEDTLS_CONFIG),) \
	$(if $(SANITIZE),sanitize,)
GF_EMPTY :=
GF_SPACE := $(GF_EMPTY) $(GF_EMPTY)
GF_CONFIG_NAME := $(subst $(GF_SPACE),-,$(strip $(GF_CONFIG_PARTS)))
O ?= build$(if $(GF_CONFIG_NAME),/$(GF_CONFIG_NAME),)

GF_DEPS_DIR ?= build/deps
ifneq ($(GF_MBEDTLS_VERSION),)
# Debian's source package, unpacked once into build/deps/src/, built once per
# toolchain and configuration into build/deps/mbedtls-<line>-<target>-<config>/.
MBEDTLS_SRC ?= $(GF_DEPS_DIR)/src/mbedtls-$(GF_MBEDTLS_VERSION)
GF_MBEDTLS_TARGET := $(or $(GF_TRIPLET),$(shell $(CC) -dumpmachine))
MBEDTLS_OUT ?= $(GF_DEPS_DIR)/mbedtls-$(GF_MBEDTLS_VERSION)-$(GF_MBEDTLS_TARGET)-$(MBEDTLS_CONFIG)
MBEDTLS_CFLAGS ?= $(if $(filter client,$(MBEDTLS_CONFIG)),-Os,-O2)
GF_MBEDTLS_CONF_FLAGS := $(if $(filter client,$(MBEDTLS_CONFIG)),-Iport/openwrt -DMBEDTLS_CONFIG_FILE='"gf_mbedtls_config.h"',)
# For whatever else links mbedTLS the way the library does (benchmarks):
# compile with GF_TLS_CFLAGS, link GF_TLS_LIBS, and depend on GF_TLS_DEPS.
GF_TLS_CFLAGS := -isystem $(MBEDTLS_SRC)/include $(GF_MBEDTLS_CONF_FLAGS)
GF_TLS_LIBS := $(MBEDTLS_OUT)/libmbedtls.a
GF_TLS_DEPS := $(MBEDTLS_OUT)/libmbedtls.a
GF_TLS_HEADERS := $(MBEDTLS_SRC)/include/mbedtls/ssl.h
else
GF_TLS_CFLAGS :=
GF_TLS_DEPS :=
GF_TLS_HEADERS :=
endif

# 64-bit file offsets everywhere (32-bit glibc would otherwise use 32-bit
# off_t: files past 2 GiB fail with EOVERFLOW).
GF_BUILD_CFLAGS := -std=c99 -D_FILE_OFFSET_BITS=64 \
	$(if $(GF_SYSINC_DIR),-isystem $(GF_SYSINC_DIR),) $(GF_SECTION_FLAGS) \
	-MMD -MP $(GF_SAN_FLAGS)
GF_LINK_STATIC := $(if $(STATIC),-static,) $(GF_SECTION_LINK) $(GF_SAN_FLAGS)

LIB := $(O)/libgiofetch.a
CLI := $(O)/giofetch
UNIT := $(O)/gf_unit
GET := $(O)/gf_get
PART := $(O)/gf_part
EXAMPLE := $(O)/gf_example

LIB_SRCS := $(GF_CORE_SRCS) $(GF_TLS_SRCS) $(GF_POSIX_SRCS)
# The host's unit tests cover the tool's pure parts too (test_cli.c): its
# files but main.c, which the unit runner replaces.
UNIT_SRCS := $(wildcard tests/unit/*.c) $(filter-out %/src/cli/main.c,$(GF_CLI_SRCS))

obj = $(patsubst %.c,$(O)/obj/%.o,$(patsubst ./%,%,$(1)))

# Each part compiles with its own folders and flags from sources.mk, so the
# build itself proves them (the core sees include/ only, no port header).
# Whatever includes tls.h needs mbedTLS's headers: the cli and tests too.
# Everything else (tests, tools) gets every folder.
GF_PART_CFLAGS = $(addprefix -I,$(GF_INCLUDE_DIRS)) $(GF_TLS_CFLAGS)
$(call obj,$(GF_CORE_SRCS)): GF_PART_CFLAGS = $(addprefix -I,$(GF_CORE_INCLUDE_DIRS)) $(GF_CORE_CFLAGS)
$(call obj,$(GF_TLS_SRCS)): GF_PART_CFLAGS = $(addprefix -I,$(GF_TLS_INCLUDE_DIRS)) $(GF_TLS_CFLAGS)
$(call obj,$(GF_POSIX_SRCS)): GF_PART_CFLAGS = $(addprefix -I,$(GF_POSIX_INCLUDE_DIRS)) $(GF_POSIX_CFLAGS)
$(call obj,$(GF_CLI_SRCS)): GF_PART_CFLAGS = $(addprefix -I,$(GF_CLI_INCLUDE_DIRS)) $(GF_CLI_CFLAGS) \
	$(GF_TLS_CFLAGS)
# What a program linking the library links after it.
GF_LIB_LIBS = $(GF_TLS_LIBS) $(GF_POSIX_LIBS) $(GF_CORE_LIBS)

.PHONY: all lib cli test unit feature-test deps install uninstall clean demo

all: $(LIB) $(CLI)
lib: $(LIB)
cli: $(CLI)

# Every object depends on the flags it was built with: a build with other
# flags in the same folder (O=, CFLAGS=) rebuilds rather than mixes.
GF_FLAGS_FILE := $(O)/flags.txt
GF_FLAGS_TEXT := $(CC) $(GF_BUILD_CFLAGS) $(CPPFLAGS) $(CFLAGS) | $(LDFLAGS) $(GF_LINK_STATIC) | \
	$(foreach p,CORE TLS POSIX CLI,$(GF_$(p)_INCLUDE_DIRS) $(GF_$(p)_CFLAGS) $(GF_$(p)_LIBS) |)
$(GF_FLAGS_FILE): gf-always
	@mkdir -p $(@D)
	@echo '$(subst ','\'',$(GF_FLAGS_TEXT))' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@
.PHONY: gf-always
gf-always:

$(O)/obj/%.o: %.c $(GF_FLAGS_FILE) | $(GF_TLS_HEADERS) $(GF_SYSINC_DIR)
	@mkdir -p $(@D)
	$(CC) $(GF_BUILD_CFLAGS) $(GF_PART_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# musl's include path is musl's only: a folder with a link to jsmn.h.
JSMN_H ?= /usr/include/jsmn.h
$(O)/sysinc:
	@test -f $(JSMN_H) || { echo "jsmn.h not found at $(JSMN_H): make deps (libjsmn-dev)" >&2; exit 1; }
	@mkdir -p $@
	ln -sf $(JSMN_H) $@/jsmn.h

ifneq ($(GF_MBEDTLS_VERSION),)
$(GF_TLS_HEADERS):
	@port/build/mbedtls_source.sh $(GF_MBEDTLS_VERSION) $(MBEDTLS_SRC)

GF_MBEDTLS_FLAGS_TEXT := $(CC) $(MBEDTLS_CFLAGS) $(GF_MBEDTLS_CONF_FLAGS)
$(MBEDTLS_OUT)/flags.txt: gf-always
	@mkdir -p $(@D)
	@echo '$(subst ','\'',$(GF_MBEDTLS_FLAGS_TEXT))' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@

# Its file list is known once the source is unpacked: a make of its own.
$(MBEDTLS_OUT)/libmbedtls.a: $(GF_TLS_HEADERS) $(MBEDTLS_OUT)/flags.txt port/build/mbedtls.mk \
		$(if $(GF_MBEDTLS_CONF_FLAGS),port/openwrt/gf_mbedtls_config.h port/openwrt/gf_mbedtls_client.h,)
	@$(MAKE) --no-print-directory -f port/build/mbedtls.mk SRC=$(MBEDTLS_SRC) OUT=$(MBEDTLS_OUT) \
	    CC="$(CC)" AR="$(AR)" FLAGS="$(MBEDTLS_CFLAGS) $(subst ",\",$(GF_MBEDTLS_CONF_FLAGS))"
endif

$(LIB): $(call obj,$(LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(call obj,$(GF_CLI_SRCS)) $(LIB) $(GF_TLS_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,$(GF_CLI_SRCS)) $(LIB) $(GF_CLI_LIBS) $(GF_LIB_LIBS)

$(UNIT): $(call obj,$(UNIT_SRCS)) $(LIB) $(GF_TLS_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,$(UNIT_SRCS)) $(LIB) $(GF_LIB_LIBS)

$(GET): $(call obj,tests/tools/gf_get.c src/cli/store.c) $(LIB) $(GF_TLS_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,tests/tools/gf_get.c src/cli/store.c) $(LIB) $(GF_LIB_LIBS)

# gf_part: downloads through the CLI's .part sink (large-file tests).
$(PART): $(call obj,tests/tools/gf_part.c src/cli/store.c) $(LIB) $(GF_TLS_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,tests/tools/gf_part.c src/cli/store.c) $(LIB) $(GF_LIB_LIBS)

$(EXAMPLE): $(call obj,tests/tools/gf_example.c) $(LIB) $(GF_TLS_DEPS)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,tests/tools/gf_example.c) $(LIB) $(GF_LIB_LIBS)

unit: $(UNIT)
	$(UNIT)

# Each feature switch of config.h turned off on its own: the library and
# the unit tests build (warning-free with CI's flags), and the cases that
# apply pass; the cases of the feature left out are skipped, the cases of
# its switched-off behaviour run. One folder per switch.
GF_FEATURE_SWITCHES := PROXY MINT REDIRECTS RESUME S3_REASONS MESSAGES ALL_TYPES
feature-test:
	@tests/tools/total.sh $(foreach f,$(GF_FEATURE_SWITCHES),\
	    "$(MAKE) -s --no-print-directory O=build/feature-$(f)-off CPPFLAGS=-DGF_FEATURE_$(f)=0 \
	    build/feature-$(f)-off/gf_unit && build/feature-$(f)-off/gf_unit")

# Cross-built programs run under qemu-user (binfmt is not assumed): with the
# target's glibc from /usr/<triplet>, or on their own when static.
GF_QEMU_mipsel := qemu-mipsel
GF_QEMU_armhf := qemu-arm
GF_QEMU_arm64 := qemu-aarch64
GF_RUN ?= $(if $(ARCH),$(GF_QEMU_$(ARCH))$(if $(STATIC),, -L /usr/$(GF_TRIPLET)),)

# The end-to-end runner takes the CLI as a command with an optional prefix
# (an emulator); tools such as gf_get are found beside the CLI binary.
E2E_CLI ?= $(strip $(GF_RUN) $(CLI))
test: deps
	@$(MAKE) --no-print-directory $(UNIT) $(CLI) $(GET) $(PART) $(EXAMPLE)
	@tests/tools/total.sh "$(strip $(GF_RUN) $(UNIT))" "$(PYTHON) tests/e2e/run.py --cli '$(E2E_CLI)'"

deps:
	@tests/tools/deps.sh $(ARCH) $(if $(LIBC),musl,) $(if $(GF_MBEDTLS_VERSION),mbedtls-source,)

# The main job without a GrowingIO account: a local export server, one day
# of every data type fetched and verified. The files stay in $(DEMO_OUT).
DEMO_OUT ?= $(O)/demo
demo: deps
	@$(MAKE) --no-print-directory all
	@tests/tools/demo.sh $(CLI) $(DEMO_OUT)

# Every header a caller needs: the API, the port contract, the limits, TLS,
# and the POSIX port's (beside giofetch/, as the build includes it). The
# library is static, so mbedTLS goes in Libs.private: pkg-config --static.
# giofetch.pc: against an mbedTLS built here, the headers and archive it was
# built with, by absolute path (they stay in this tree's build/deps).
GF_PC_LIBS = $(foreach w,$(GF_TLS_LIBS),$(if $(filter -%,$(w)),$(w),$(abspath $(w))))
GF_PC_CFLAGS = $(if $(GF_MBEDTLS_VERSION),-I$(abspath $(MBEDTLS_SRC)/include),)

install: $(LIB) $(CLI)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/giofetch
	install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/giofetch
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libgiofetch.a
	install -m 644 include/giofetch/*.h $(DESTDIR)$(INCLUDEDIR)/giofetch/
	install -m 644 port/posix/gf_port_posix.h $(DESTDIR)$(INCLUDEDIR)/gf_port_posix.h
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 src/cli/giofetch.1 $(DESTDIR)$(MANDIR)/man1/giofetch.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(GF_VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(GF_PC_LIBS)|' -e 's|@TLS_CFLAGS@|$(GF_PC_CFLAGS)|' \
	    port/build/giofetch.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/giofetch.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/giofetch.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/giofetch $(DESTDIR)$(LIBDIR)/libgiofetch.a \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/giofetch.pc $(DESTDIR)$(MANDIR)/man1/giofetch.1 \
	    $(DESTDIR)$(INCLUDEDIR)/gf_port_posix.h
	rm -rf $(DESTDIR)$(INCLUDEDIR)/giofetch

clean:
	rm -rf build


# The core must never allocate: no core object may reference the allocator.
CORE_OBJS = $(call obj,$(GF_CORE_SRCS))
NM ?= $(CROSS_COMPILE)nm
.PHONY: check-core
check-core: $(CORE_OBJS)
	@bad=$$($(NM) -u $(CORE_OBJS) | grep -wE 'malloc|calloc|realloc|free' || true); \
	if [ -n "$$bad" ]; then echo "core objects reference the allocator:"; echo "$$bad"; exit 1; fi; \
	echo "check-core: no core object references malloc, calloc, realloc or free"

# No function of the library, the port or the CLI over 100 lines (kept apart
# from check-core: it reads the sources, not the objects).
.PHONY: check-functions
check-functions:
	@$(PYTHON) tests/tools/func_lengths.py --max 100 $(wildcard src/*.c src/cli/*.c port/*/*.c) && \
	echo "check-functions: no function in src/, src/cli/ or port/ over 100 lines"

# sources.mk and sources.cmake name the same files, folders, flags and
# libraries per part (tests/tools/check_lists.sh reads each with its own tool).
.PHONY: check-lists cmake-test
check-lists:
	@tests/tools/check_lists.sh

# The CMake build (CMakeLists.txt) as an integrator runs it: the host's
# library and CLI in build/cmake, and with port/build/cortex-m4.cmake the
# firmware example in build/cmake-cortex-m4, run on qemu-system-arm by ctest.
# CFLAGS and FW_CFLAGS reach them as CMAKE_C_FLAGS.
GF_CMAKE_FW_CFLAGS = $(or $(FW_CFLAGS),-g -Wall -Wextra)
cmake-test: check-lists
	@tests/tools/deps.sh cmake cortex-m
	cmake -S . -B build/cmake -DCMAKE_C_FLAGS="$(CFLAGS)"
	cmake --build build/cmake -j2
	build/cmake/giofetch --version
	cmake -S . -B build/cmake-cortex-m4 -DCMAKE_TOOLCHAIN_FILE=port/build/cortex-m4.cmake \
	    -DCMAKE_C_FLAGS="$(GF_CMAKE_FW_CFLAGS)"
	cmake --build build/cmake-cortex-m4 -j2
	cd build/cmake-cortex-m4 && ctest --output-on-failure

# Targets of their own areas: cross builds and sizes, fuzzing and coverage,
# benchmarks.
-include tests/edge/edge.mk tests/firmware/net/net.mk tests/fuzz/fuzz.mk tests/bench/bench.mk \
	tests/lwip/lwip.mk

GF_VERSION := $(shell sed -n 's/^\#define GF_VERSION "\(.*\)"/\1/p' include/giofetch/giofetch.h)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
