# Build lwIP (a Debian source tree under build/deps) for the host's unix
# port, NO_SYS=0, into one archive (called by tests/lwip/lwip.mk once the
# source is unpacked):
#   make -f tests/lwip/lwip_lib.mk SRC=TREE OUT=DIR CC=... AR=... OPTS=DIR
# lwIP's own sources get its own relaxed flags: they are not ours to fix.

SRC ?=
OUT ?=
OPTS ?=
AR ?= ar
LWIP_SRCS := $(wildcard $(SRC)/src/core/*.c $(SRC)/src/core/ipv4/*.c $(SRC)/src/api/*.c) \
	$(SRC)/src/netif/ethernet.c \
	$(SRC)/contrib/ports/unix/port/sys_arch.c \
	$(SRC)/contrib/ports/unix/port/netif/tapif.c
LWIP_OBJS := $(patsubst $(SRC)/%.c,$(OUT)/obj/%.o,$(LWIP_SRCS))

$(OUT)/liblwip.a: $(LWIP_OBJS)
	@rm -f $@
	@echo "  AR $@"
	@$(AR) rcs $@ $^

$(OUT)/obj/%.o: $(SRC)/%.c $(OPTS)/lwipopts.h
	@mkdir -p $(@D)
	@echo "  CC (lwIP) $(notdir $<)"
	@$(CC) -O2 -g -std=gnu99 -w -I$(OPTS) -I$(SRC)/src/include \
	    -I$(SRC)/contrib/ports/unix/port/include -MMD -MP -c $< -o $@

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
