# make lwip-test: the giofetch CLI on lwIP's socket API (port/lwip, NO_SYS=0)
# compiled with lwIP 2.2 from Debian's source (build/deps, never in the
# repository), on the unix port's threads and a TAP inside a network
# namespace the test makes (needs root, /dev/net/tun and ip).
#
#   make lwip-test              against the installed mbedTLS (TLS 1.2)
#   make lwip-test MBEDTLS=3.6  against mbedTLS 3.6 (TLS 1.3 too)
#   LWIP_TEST_ARGS="--skip big"  more arguments for tests/lwip/run.py (--only, --skip)

LWIP_SRC ?= $(GF_DEPS_DIR)/src/lwip-2.2
LWIP_OUT ?= $(GF_DEPS_DIR)/lwip-2.2-$(shell $(CC) -dumpmachine)-unix
LWIP_HEADER := $(LWIP_SRC)/src/include/lwip/opt.h
LWIP_INC := -isystem tests/lwip -isystem $(LWIP_SRC)/src/include \
	-isystem $(LWIP_SRC)/contrib/ports/unix/port/include -Iport/lwip
LWIP_CLI := $(O)/giofetch-lwip
LWIP_PORT_SRCS := port/lwip/port_lwip_socket.c tests/lwip/lwip_cli_port.c
# The CLI's own files, net.c compiled again to pick the lwIP port.
LWIP_CLI_OBJS := $(call obj,$(filter-out %/net.c,$(GF_CLI_SRCS))) \
	$(O)/lwip/obj/net.o $(patsubst %.c,$(O)/lwip/obj/%.o,$(notdir $(LWIP_PORT_SRCS)))

.PHONY: lwip-test lwip-cli
lwip-cli: $(LWIP_CLI)

$(LWIP_HEADER):
	@port/build/debian_source.sh lwip trixie 2.2 $(LWIP_SRC)

$(LWIP_OUT)/liblwip.a: $(LWIP_HEADER) tests/lwip/lwipopts.h tests/lwip/lwip_lib.mk
	@$(MAKE) --no-print-directory -f tests/lwip/lwip_lib.mk SRC=$(LWIP_SRC) OUT=$(LWIP_OUT) \
	    CC="$(CC)" AR="$(AR)" OPTS=tests/lwip

$(O)/lwip/obj/net.o: src/cli/net.c $(GF_FLAGS_FILE) | $(GF_TLS_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(GF_BUILD_CFLAGS) $(addprefix -I,$(GF_CLI_INCLUDE_DIRS)) $(GF_CLI_CFLAGS) $(GF_TLS_CFLAGS) \
	    $(CPPFLAGS) $(CFLAGS) -DGF_CLI_PORT_INIT=gf_cli_lwip_port_init -c $< -o $@

$(O)/lwip/obj/%.o: port/lwip/%.c $(GF_FLAGS_FILE) $(LWIP_HEADER) tests/lwip/lwipopts.h
	@mkdir -p $(@D)
	$(CC) $(GF_BUILD_CFLAGS) $(addprefix -I,$(GF_LWIP_INCLUDE_DIRS)) $(GF_LWIP_CFLAGS) $(LWIP_INC) \
	    $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The stack's start-up is test code; the unix port's headers want gnu99.
$(O)/lwip/obj/%.o: tests/lwip/%.c $(GF_FLAGS_FILE) $(LWIP_HEADER) tests/lwip/lwipopts.h
	@mkdir -p $(@D)
	$(CC) $(GF_BUILD_CFLAGS) $(GF_PART_CFLAGS) $(LWIP_INC) $(CPPFLAGS) $(CFLAGS) -std=gnu99 -c $< -o $@

$(LWIP_CLI): $(LWIP_CLI_OBJS) $(LIB) $(GF_TLS_DEPS) $(LWIP_OUT)/liblwip.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(GF_LINK_STATIC) -o $@ $(LWIP_CLI_OBJS) $(LIB) \
	    $(LWIP_OUT)/liblwip.a $(GF_LIB_LIBS) $(GF_CLI_LIBS)

lwip-test:
	@tests/tools/deps.sh $(ARCH) lwip $(if $(GF_MBEDTLS_VERSION),mbedtls-source,)
	@$(MAKE) --no-print-directory $(LWIP_CLI) $(CLI) $(GET)
	@$(PYTHON) tests/lwip/run.py --cli $(LWIP_CLI) --posix-cli $(CLI) \
	    --tls $(if $(filter 3.6,$(GF_MBEDTLS_VERSION)),1.3,1.2) $(LWIP_TEST_ARGS)
