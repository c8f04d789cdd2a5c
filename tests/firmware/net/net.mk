# The board on a real network stack (issue 24): giofetch on lwIP (NO_SYS=1,
# the raw port) on the emulated mps2-an386 board's LAN9118, against the
# export API, nginx and a DNS responder in a network namespace the test
# makes. Included by the Makefile after tests/edge/edge.mk (FW_* come from
# there).
#
#   make firmware-net-test                 mbedTLS 2.28 (TLS 1.2)
#   make firmware-net-test FW_MBEDTLS=3.6  mbedTLS 3.6 (TLS 1.3, 16 KB input buffer)
#
# lwIP is compiled from Debian's source package (port/build/debian_source.sh),
# under build/deps: nothing of it is in the repository.

.PHONY: firmware-net firmware-net-test fwn-deps

FWN_LWIP_SRC ?= $(GF_DEPS_DIR)/src/lwip-2.2
FWN_O := $(FW_O)/net
FWN_ELF := $(FWN_O)/fw_net.elf
FWN_INC := -Itests/firmware/net -Iport/lwip -isystem $(FWN_LWIP_SRC)/src/include

# lwIP's IPv4 core and Ethernet, named (not globbed) so that the list is
# known before the source is unpacked.
FWN_LWIP_FILES := $(addprefix src/core/,def.c dns.c inet_chksum.c init.c ip.c mem.c memp.c \
	netif.c pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix src/core/ipv4/,acd.c autoip.c dhcp.c etharp.c icmp.c igmp.c ip4.c ip4_addr.c \
	ip4_frag.c) src/netif/ethernet.c
FWN_LWIP_OBJS := $(patsubst %.c,$(FWN_O)/lwip/%.o,$(FWN_LWIP_FILES))
FWN_LWIP_LIB := $(FWN_O)/liblwip-cm4.a
FWN_LWIP_HDR := $(FWN_LWIP_SRC)/src/include/lwip/init.h

# The raw port is held to the project's strictest warnings; lwIP's own
# sources get the firmware's flags without them (they are not ours).
FWN_STRICT := -Wall -Wextra -Wpedantic -Wshadow -Wconversion
FWN_BOARD_SRCS := tests/firmware/net/net_main.c tests/firmware/net/board.c \
	tests/firmware/net/lan9118.c
FWN_OBJS := $(FW_APP_CORE_OBJS) $(FW_START) \
	$(call fw_obj,app-tls,$(GF_TLS_SRCS) tests/firmware/psa_rng.c) \
	$(patsubst %.c,$(FWN_O)/%.o,$(FWN_BOARD_SRCS) port/lwip/port_lwip_raw.c) \
	$(call fw_obj,app,tests/firmware/memport.c)

$(FWN_LWIP_HDR):
	@port/build/debian_source.sh lwip trixie 2.2 $(FWN_LWIP_SRC)

$(FWN_O)/lwip/%.o: $(FWN_LWIP_SRC)/%.c tests/firmware/net/lwipopts.h tests/firmware/net/arch/cc.h
	@mkdir -p $(@D)
	@echo "  CC (lwIP, cortex-m4) $*.c"
	@$(FW_CC) $(FW_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -fstack-usage \
	    -Itests/firmware/net -I$(FWN_LWIP_SRC)/src/include -c $< -o $@
$(FWN_LWIP_OBJS): | $(FWN_LWIP_HDR)

$(FWN_LWIP_LIB): $(FWN_LWIP_OBJS)
	@rm -f $@
	$(FW_AR) rcs $@ $^

$(FWN_O)/port/lwip/port_lwip_raw.o: port/lwip/port_lwip_raw.c | $(FWN_LWIP_HDR) $(FW_O)/jsmn/jsmn.h
	@mkdir -p $(@D)
	$(FW_CC) $(FW_BUILD) $(FWN_INC) $(FWN_STRICT) $(FW_CFLAGS) -c $< -o $@

$(FWN_O)/tests/%.o: tests/%.c | $(FWN_LWIP_HDR) $(FW_O)/jsmn/jsmn.h $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
	@mkdir -p $(@D)
	$(FW_CC) $(FW_BUILD) $(FW_TREE_app-tls) $(FWN_INC) $(FW_CFLAGS) -c $< -o $@

$(FWN_ELF): $(FWN_OBJS) $(FWN_LWIP_LIB) $(FW_MBEDTLS_LIB)
	$(FW_CC) $(FW_LINK) --specs=nano.specs -Wl,-Map,$(@:.elf=.map) -o $@ $^

# The README's integration example, compiled as it is written (not linked).
FWN_README_OBJ := $(FWN_O)/readme_example.o
$(FWN_O)/readme_example.c: README.md
	@mkdir -p $(@D)
	@awk '/^static void poll\(void \*ctx\)/ {on = 1} on && /^```/ {exit} on {print}' $< > $@
	@test -s $@ || { echo "README.md: the lwIP integration example was not found" >&2; exit 1; }
$(FWN_README_OBJ): $(FWN_O)/readme_example.c tests/firmware/net/readme_prelude.h | $(FWN_LWIP_HDR) \
		$(FW_O)/jsmn/jsmn.h $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
	$(FW_CC) $(FW_BUILD) $(FW_TREE_app-tls) $(FWN_INC) $(FWN_STRICT) $(FW_CFLAGS) \
	    -include tests/firmware/net/readme_prelude.h -c $< -o $@

firmware-net: $(FWN_ELF) $(FWN_README_OBJ)
	@$(FW_CROSS)size $(FWN_ELF)

fwn-deps: fw-deps
	@DEPS_EXTRA="nginx-light iproute2 xz-utils $(DEPS_EXTRA)" tests/tools/deps.sh cortex-m mbedtls-source
	@port/build/debian_source.sh lwip trixie 2.2 $(FWN_LWIP_SRC)

# The image runs under qemu in a namespace the test makes and removes
# (tests/server/netns.py); the test ends with "N passed, N failed".
firmware-net-test: fwn-deps
	@$(MAKE) --no-print-directory $(FWN_ELF) $(FWN_README_OBJ)
	@$(PYTHON) tests/firmware/net/net_test.py --image $(FWN_ELF) --qemu $(FW_QEMU) \
	    --size $(FW_CROSS)size --map $(FWN_ELF:.elf=.map) --label "mbedTLS $(FW_MBEDTLS_LINE)"

-include $(shell find $(FWN_O) -name '*.d' 2>/dev/null)
