# giofetch: plain GNU make.
#
#   make                 libgiofetch.a and the giofetch CLI (in $(O))
#   make test            every test; the last line is "N passed, N failed"
#   make deps            install the Debian packages the build and tests need
#   make install         PREFIX=/usr/local, DESTDIR= for staging
#   make CROSS_COMPILE=mipsel-linux-gnu-   a cross build (in build/<triplet>)
#
# CFLAGS, LDFLAGS, CC, AR, PREFIX, DESTDIR behave as usual; the flags the
# build itself needs live in GF_BUILD_CFLAGS, so a user's CFLAGS never breaks it.

GF_DIR := .
include sources.mk

CROSS_COMPILE ?=
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
PYTHON ?= python3

CFLAGS ?= -O2 -g -Wall -Wextra
LDFLAGS ?=
STATIC ?=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man

# SANITIZE=1: the whole build under AddressSanitizer and UBSan (own folder).
SANITIZE ?=
ifneq ($(SANITIZE),)
GF_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
GF_SAN_FLAGS :=
endif

ifeq ($(CROSS_COMPILE),)
O ?= build$(if $(SANITIZE),/sanitize,)
else
O ?= build/$(patsubst %-,%,$(CROSS_COMPILE))
endif

GF_BUILD_CFLAGS := -std=c99 $(addprefix -I,$(GF_INCLUDE_DIRS)) -MMD -MP $(GF_SAN_FLAGS)
GF_LINK_STATIC := $(if $(STATIC),-static,) $(GF_SAN_FLAGS)

LIB := $(O)/libgiofetch.a
CLI := $(O)/giofetch
UNIT := $(O)/gf_unit
GET := $(O)/gf_get
EXAMPLE := $(O)/gf_example

LIB_SRCS := $(GF_CORE_SRCS) $(GF_TLS_SRCS) $(GF_POSIX_SRCS)
UNIT_SRCS := $(wildcard tests/unit/*.c)

obj = $(patsubst %.c,$(O)/obj/%.o,$(patsubst ./%,%,$(1)))

.PHONY: all lib cli test unit deps install uninstall clean demo

all: $(LIB) $(CLI)
lib: $(LIB)
cli: $(CLI)

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(GF_BUILD_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(call obj,$(GF_CLI_SRCS)) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,$(GF_CLI_SRCS)) $(LIB) $(GF_TLS_LIBS)

$(UNIT): $(call obj,$(UNIT_SRCS)) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,$(UNIT_SRCS)) $(LIB) $(GF_TLS_LIBS)

$(GET): $(call obj,tests/tools/gf_get.c) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,tests/tools/gf_get.c) $(LIB) $(GF_TLS_LIBS)

$(EXAMPLE): $(call obj,tests/tools/gf_example.c) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(call obj,tests/tools/gf_example.c) $(LIB) $(GF_TLS_LIBS)

unit: $(UNIT)
	$(UNIT)

# The end-to-end runner takes the CLI as a command with an optional prefix
# (an emulator); tools such as gf_get are found beside the CLI binary.
E2E_CLI ?= $(CLI)
test: deps
	@$(MAKE) --no-print-directory $(UNIT) $(CLI) $(GET) $(EXAMPLE)
	@tests/tools/total.sh "$(UNIT)" "$(PYTHON) tests/e2e/run.py --cli '$(E2E_CLI)'"

deps:
	@tests/tools/deps.sh $(ARCH)

# The main job without a GrowingIO account: a local export server, one day
# of every data type fetched and verified. The files stay in $(DEMO_OUT).
DEMO_OUT ?= $(O)/demo
demo: deps
	@$(MAKE) --no-print-directory all
	@tests/tools/demo.sh $(CLI) $(DEMO_OUT)

# Every header a caller needs: the API, the port contract, the limits, TLS,
# and the POSIX port's (beside giofetch/, as the build includes it). The
# library is static, so mbedTLS goes in Libs.private: pkg-config --static.
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
	    -e 's|@LIBS_PRIVATE@|$(GF_TLS_LIBS)|' tests/tools/giofetch.pc.in \
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

# Targets of their own areas: cross builds and sizes, fuzzing and coverage,
# benchmarks.
-include tests/edge/edge.mk tests/fuzz/fuzz.mk tests/bench/bench.mk

GF_VERSION := $(shell sed -n 's/^\#define GF_VERSION "\(.*\)"/\1/p' include/giofetch/giofetch.h)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
