# giofetch on edge devices: router-class Linux under qemu-user, the core on
# a Cortex-M4 under qemu-system-arm, and what it all weighs. Included by the
# Makefile (which provides CC, O, obj, GF_*_SRCS, PYTHON...).
#
#   make cross-test ARCH=mipsel|armhf|arm64   unit tests and the end-to-end suite
#                          against the cross-built CLI under qemu-user (STATIC=1:
#                          static binaries, in build/<triplet>-static)
#   make cross ARCH=...    only the cross build (build/<triplet>)
#   make firmware          the Cortex-M4 images in build/cortex-m4
#   make firmware-test     run them on qemu-system-arm -M mps2-an386
#                          (FW_TLS=: without the mbedTLS images)
#   make size              code size, stack frames, struct sizes, no-malloc check
#
# Every target installs what it needs through tests/tools/deps.sh; the
# mbedTLS images fetch Debian's mbedTLS source (tests/edge/mbedtls_source.sh).

.PHONY: cross cross-test firmware firmware-test fw-deps fw-mbedtls-objs fw-mbedtls-loop-objs \
	size size-objs fw-always

# ===========================================================================
# Cross builds run under qemu-user
# ===========================================================================

EDGE_TRIPLET_mipsel := mipsel-linux-gnu
EDGE_TRIPLET_armhf := arm-linux-gnueabihf
EDGE_TRIPLET_arm64 := aarch64-linux-gnu
EDGE_QEMU_mipsel := qemu-mipsel
EDGE_QEMU_armhf := qemu-arm
EDGE_QEMU_arm64 := qemu-aarch64

EDGE_TRIPLET = $(EDGE_TRIPLET_$(ARCH))
EDGE_O = build/$(EDGE_TRIPLET)$(if $(STATIC),-static,)
EDGE_RUN = $(EDGE_QEMU_$(ARCH)) -L /usr/$(EDGE_TRIPLET)
EDGE_ARCH_OK = @test -n "$(EDGE_TRIPLET)" || { echo "$@: set ARCH to mipsel, armhf or arm64" >&2; exit 2; }

cross:
	$(EDGE_ARCH_OK)
	@tests/tools/deps.sh $(ARCH)
	@$(MAKE) --no-print-directory CROSS_COMPILE=$(EDGE_TRIPLET)- O=$(EDGE_O) \
	    $(EDGE_O)/giofetch $(EDGE_O)/gf_unit $(EDGE_O)/gf_get

# The end-to-end suite runs unchanged; tests/edge/qemu_known.py names the
# few that cannot pass under qemu-user (and why) and keeps them out of the
# count, loudly. Any other failure counts.
cross-test: cross
	@tests/tools/total.sh "$(EDGE_RUN) $(EDGE_O)/gf_unit" \
	    "$(PYTHON) tests/edge/qemu_known.py $(ARCH) $(PYTHON) tests/e2e/run.py --cli '$(EDGE_RUN) $(EDGE_O)/giofetch'"

# ===========================================================================
# Cortex-M4 (qemu-system-arm -M mps2-an386, semihosting)
# ===========================================================================

FW_CROSS ?= arm-none-eabi-
FW_CC := $(FW_CROSS)gcc
FW_AR := $(FW_CROSS)ar
FW_O := build/cortex-m4
FW_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
# Flags the build needs (like GF_BUILD_CFLAGS); FW_CFLAGS is the user's.
FW_CFLAGS ?= -g -Wall -Wextra
FW_BUILD := $(FW_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -fstack-usage -MMD -MP \
	-Iinclude -I$(FW_O)/jsmn
FW_LINK := $(FW_CPU) --specs=rdimon.specs -Wl,--gc-sections \
	-Wl,--section-start=.vectors=0x0 -Wl,-u,vector_table
# jsmn.h is not on the bare-metal include path: a folder with a link to it.
JSMN_H ?= /usr/include/jsmn.h
FW_QEMU ?= qemu-system-arm
FW_RUN := timeout 600 $(FW_QEMU) -M mps2-an386 -nographic -monitor none -serial none \
	-semihosting-config enable=on,target=native -kernel
# FW_TLS=1: also the images with mbedTLS (built from Debian's source).
FW_TLS ?= 1
FW_MBEDTLS_SRC ?= $(FW_O)/mbedtls-src
# Two builds of mbedTLS: the board's TLS client (tests/firmware/mbedtls_config.h),
# and the same plus a server and a counted heap for the TLS loop image.
fw_mbedtls_flags = -I$(FW_MBEDTLS_SRC)/include -Itests/firmware -DMBEDTLS_CONFIG_FILE='"$(1).h"'
FW_MBEDTLS_FLAGS := $(call fw_mbedtls_flags,mbedtls_config)
FW_MBEDTLS_LIB := $(FW_O)/libmbedtls-cm4.a
FW_MBEDTLS_LOOP_LIB := $(FW_O)/libmbedtls-cm4-loop.a

# Unit-test suites of tests/unit that need only the core (with the scripted
# port, tests/unit/testport.c, and the pass-through TLS, faketls.c).
FW_UNIT_SUITES := request period url json answer http_parser http export
FW_UNIT_HELPERS := testport faketls scripted
# Suites that need the crypto glue (gf_crypto_mbedtls: MD5, base64): they
# run in an image linked with mbedTLS for Cortex-M4 (FW_TLS=1).
FW_UNIT_CRYPTO_SUITES := download flow
FW_UNIT_CRYPTO_HELPERS := testport faketls memsink scripted

fw_obj = $(patsubst %.c,$(FW_O)/$(1)/%.o,$(patsubst ./%,%,$(2)))
fw_unit_srcs = $(patsubst %,tests/unit/test_%.c,$(1)) $(patsubst %,tests/unit/%.c,$(2))

# Object trees, one per set of flags:
#   core      the core, default config.h (size report, unit images)
#   unit      unit-test files, default config.h
#   app       the firmware example and the core, with tests/firmware/fw_config.h
#   app-tls   the same with FW_TLS and the mbedTLS glue
#   glue      the mbedTLS glue with the default config.h (crypto unit image)
#   app-loop  the mbedTLS glue and the TLS loop, fw_config.h, mbedTLS with a server
FW_APP_FLAGS := -Itests/firmware -DGF_CONFIG_FILE='"fw_config.h"'
FW_TREE_core :=
FW_TREE_unit := -Itests/unit
FW_TREE_app := $(FW_APP_FLAGS)
FW_TREE_app-tls := $(FW_APP_FLAGS) -DFW_TLS $(FW_MBEDTLS_FLAGS)
FW_TREE_glue := $(FW_MBEDTLS_FLAGS)
FW_LOOP_SRCS := $(GF_TLS_SRCS) tests/firmware/tls_loop.c tests/firmware/tls_loop_main.c
FW_TREE_app-loop := $(FW_APP_FLAGS) -I$(FW_O)/loop $(call fw_mbedtls_flags,mbedtls_config_loop)

define fw_tree_rule
$(FW_O)/$(1)/%.o: %.c | $(FW_O)/jsmn/jsmn.h
	@mkdir -p $$(@D)
	$$(FW_CC) $$(FW_BUILD) $$(FW_TREE_$(1)) $$(FW_CFLAGS) -c $$< -o $$@
endef
$(foreach t,core unit app app-tls glue app-loop,$(eval $(call fw_tree_rule,$(t))))

# The TLS trees need the mbedTLS headers first, the loop its certificates.
$(call fw_obj,app-tls,$(GF_TLS_SRCS) tests/firmware/example.c): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
$(call fw_obj,glue,$(GF_TLS_SRCS)): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
$(call fw_obj,app-loop,$(FW_LOOP_SRCS)): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h $(FW_O)/loop/loop_certs.h

$(FW_O)/loop/loop_certs.h: tests/edge/loop_certs.sh
	@tests/edge/loop_certs.sh $(@D)

$(FW_O)/jsmn/jsmn.h:
	@test -f $(JSMN_H) || { echo "jsmn.h not found at $(JSMN_H): make deps (libjsmn-dev)" >&2; exit 1; }
	@mkdir -p $(@D)
	ln -sf $(JSMN_H) $@

# The suite list goes in through a file that changes only when the list
# does, so the suite runner is rebuilt exactly then. $(1): core or crypto.
define fw_suites_rule
$(FW_O)/unit/suites-$(1).txt: fw-always
	@mkdir -p $$(@D)
	@echo '$$(foreach s,$(2),X($$(s)))' > $$@.new
	@cmp -s $$@.new $$@ && rm -f $$@.new || mv $$@.new $$@
$(FW_O)/unit/main-$(1).o: tests/unit/main.c $(FW_O)/unit/suites-$(1).txt | $(FW_O)/jsmn/jsmn.h
	$$(FW_CC) $$(FW_BUILD) $$(FW_TREE_unit) $$(FW_CFLAGS) \
	    "-DFW_SUITES(X)=$$$$(cat $(FW_O)/unit/suites-$(1).txt)" -c $$< -o $$@
endef
$(eval $(call fw_suites_rule,core,$$(FW_UNIT_SUITES)))
$(eval $(call fw_suites_rule,crypto,$$(FW_UNIT_CRYPTO_SUITES)))
fw-always:

FW_CORE_OBJS := $(call fw_obj,core,$(GF_CORE_SRCS))
FW_START := $(FW_O)/core/tests/firmware/startup.o

FW_APP_CORE_OBJS := $(call fw_obj,app,$(GF_CORE_SRCS) tests/firmware/steps.c)

FW_EXAMPLE_OBJS := $(FW_APP_CORE_OBJS) $(call fw_obj,app,tests/firmware/example.c tests/firmware/memport.c) \
	$(FW_START)
# Debian's newlib has no C99 printf modifiers (%zu); the unit tests use them.
FW_PRINTF := $(FW_O)/unit/tests/firmware/printf_c99.o
FW_PRINTF_WRAP := $(foreach f,printf vprintf sprintf vsprintf snprintf vsnprintf fprintf vfprintf,-Wl,--wrap=$(f))

FW_UNIT_OBJS := $(FW_CORE_OBJS) $(FW_START) $(FW_PRINTF) $(FW_O)/unit/main-core.o \
	$(call fw_obj,unit,$(call fw_unit_srcs,$(FW_UNIT_SUITES),$(FW_UNIT_HELPERS)))
FW_EXAMPLE_TLS_OBJS := $(FW_APP_CORE_OBJS) $(call fw_obj,app,tests/firmware/memport.c) $(FW_START) \
	$(call fw_obj,app-tls,tests/firmware/example.c $(GF_TLS_SRCS))
FW_TLS_LOOP_OBJS := $(FW_APP_CORE_OBJS) $(FW_START) $(call fw_obj,app-loop,$(FW_LOOP_SRCS))
FW_UNIT_TLS_OBJS := $(FW_CORE_OBJS) $(FW_START) $(FW_PRINTF) $(FW_O)/unit/main-crypto.o \
	$(call fw_obj,unit,$(call fw_unit_srcs,$(FW_UNIT_CRYPTO_SUITES),$(FW_UNIT_CRYPTO_HELPERS))) \
	$(call fw_obj,glue,src/crypto_mbedtls.c)

FW_IMAGES := $(FW_O)/fw_example.elf $(FW_O)/fw_unit.elf \
	$(if $(FW_TLS),$(FW_O)/fw_example_tls.elf $(FW_O)/fw_unit_tls.elf $(FW_O)/fw_tls_loop.elf,)

# The example links newlib-nano (what a board would ship); the unit images
# link the full newlib, whose printf knows %llu (and %zu through printf_c99.c).
$(FW_O)/fw_example.elf: $(FW_EXAMPLE_OBJS)
	$(FW_CC) $(FW_LINK) --specs=nano.specs -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_unit.elf: $(FW_UNIT_OBJS)
	$(FW_CC) $(FW_LINK) $(FW_PRINTF_WRAP) -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_example_tls.elf: $(FW_EXAMPLE_TLS_OBJS) $(FW_MBEDTLS_LIB)
	$(FW_CC) $(FW_LINK) --specs=nano.specs -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_unit_tls.elf: $(FW_UNIT_TLS_OBJS) $(FW_MBEDTLS_LIB)
	$(FW_CC) $(FW_LINK) $(FW_PRINTF_WRAP) -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_tls_loop.elf: $(FW_TLS_LOOP_OBJS) $(FW_MBEDTLS_LOOP_LIB)
	$(FW_CC) $(FW_LINK) --specs=nano.specs -Wl,-Map,$(@:.elf=.map) -o $@ $^

# ---- mbedTLS for Cortex-M4, from Debian's source package -------------------

$(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h:
	@tests/edge/mbedtls_source.sh $(FW_MBEDTLS_SRC)

FW_MBEDTLS_CFLAGS := $(FW_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -MMD -MP
fw_mbedtls_objs = $(patsubst $(FW_MBEDTLS_SRC)/library/%.c,$(FW_O)/$(1)/%.o,$(wildcard $(FW_MBEDTLS_SRC)/library/*.c))

# $(1): object folder, $(2): config header (in tests/firmware), $(3): library.
# Its file list is known only once the source is unpacked: a second make
# compiles it.
define fw_mbedtls_rule
$(3): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h tests/firmware/mbedtls_config.h tests/firmware/$(2).h
	@$$(MAKE) --no-print-directory fw-$(1)-objs
	@rm -f $$@
	@echo "  AR $$@"
	@$$(FW_AR) rcs $$@ $$(call fw_mbedtls_objs,$(1))
fw-$(1)-objs: $$(call fw_mbedtls_objs,$(1))
$(FW_O)/$(1)/%.o: $(FW_MBEDTLS_SRC)/library/%.c tests/firmware/mbedtls_config.h tests/firmware/$(2).h
	@mkdir -p $$(@D)
	@echo "  CC (mbedTLS $(2), cortex-m4) $$*.c"
	@$$(FW_CC) $$(FW_MBEDTLS_CFLAGS) $$(call fw_mbedtls_flags,$(2)) -c $$< -o $$@
endef
$(eval $(call fw_mbedtls_rule,mbedtls,mbedtls_config,$(FW_MBEDTLS_LIB)))
$(eval $(call fw_mbedtls_rule,mbedtls-loop,mbedtls_config_loop,$(FW_MBEDTLS_LOOP_LIB)))

# ---- targets ------------------------------------------------------------------

firmware: $(FW_IMAGES)
	@$(FW_CROSS)size $(FW_IMAGES)

fw-deps:
	@tests/tools/deps.sh cortex-m
	@$(if $(FW_TLS),tests/edge/mbedtls_source.sh $(FW_MBEDTLS_SRC),true)

# Each image prints "N passed, N failed" and exits with its failures.
firmware-test: fw-deps
	@$(MAKE) --no-print-directory firmware
	@tests/tools/total.sh $(foreach i,$(FW_IMAGES),"$(FW_RUN) $(i)")

# ===========================================================================
# Sizes: the core on Cortex-M4 and on mipsel, both -Os
# ===========================================================================

SIZE_O := build/size
SIZE_MIPS := mipsel-linux-gnu-
SIZE_MIPS_OBJS := $(patsubst %.c,$(SIZE_O)/mipsel/%.o,$(patsubst ./%,%,$(GF_CORE_SRCS)))

$(SIZE_O)/mipsel/%.o: %.c
	@mkdir -p $(@D)
	$(SIZE_MIPS)gcc -std=c99 -Iinclude -Os -ffunction-sections -fdata-sections -fstack-usage \
	    -MMD -MP -c $< -o $@

# sizeof of the public structs: run on the host and on mipsel (qemu-user);
# for Cortex-M4 read from the symbol sizes of an object (nm -S).
$(SIZE_O)/sizes-host: tests/edge/sizes.c include/giofetch/*.h
	@mkdir -p $(@D)
	gcc -std=c99 -Iinclude -DGF_SIZES_TLS -o $@ $<
$(SIZE_O)/sizes-mipsel: tests/edge/sizes.c include/giofetch/*.h
	@mkdir -p $(@D)
	$(SIZE_MIPS)gcc -std=c99 -Iinclude -DGF_SIZES_TLS -static -o $@ $<
$(SIZE_O)/sizes-cm4.o: tests/edge/sizes.c include/giofetch/*.h $(if $(FW_TLS),$(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h,)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_CPU) -std=c99 -Iinclude $(if $(FW_TLS),-DGF_SIZES_TLS $(FW_MBEDTLS_FLAGS),) -c -o $@ $<
$(SIZE_O)/sizes-cm4-small.o: tests/edge/sizes.c include/giofetch/*.h $(if $(FW_TLS),$(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h,)
	@mkdir -p $(@D)
	$(FW_CC) $(FW_CPU) -std=c99 -Iinclude $(FW_APP_FLAGS) $(if $(FW_TLS),-DGF_SIZES_TLS $(FW_MBEDTLS_FLAGS),) -c -o $@ $<

size-objs: $(FW_CORE_OBJS) $(SIZE_MIPS_OBJS) $(SIZE_O)/sizes-host $(SIZE_O)/sizes-mipsel \
	$(SIZE_O)/sizes-cm4.o $(SIZE_O)/sizes-cm4-small.o $(FW_IMAGES)

size:
	@tests/tools/deps.sh mipsel cortex-m
	@$(MAKE) --no-print-directory size-objs >/dev/null
	@$(PYTHON) tests/edge/size_report.py \
	    --core 'Cortex-M4=$(FW_CROSS):$(FW_O)/core' \
	    --core 'mipsel=$(SIZE_MIPS):$(SIZE_O)/mipsel' \
	    --sizeof-run 'host $(shell uname -m)=$(SIZE_O)/sizes-host' \
	    --sizeof-run 'mipsel=qemu-mipsel $(SIZE_O)/sizes-mipsel' \
	    --sizeof-nm 'Cortex-M4=$(FW_CROSS)nm $(SIZE_O)/sizes-cm4.o' \
	    --sizeof-nm 'Cortex-M4, fw_config.h=$(FW_CROSS)nm $(SIZE_O)/sizes-cm4-small.o' \
	    --images '$(FW_CROSS)size $(FW_IMAGES)' \
	    --maps '$(FW_O)/fw_example.map $(if $(FW_TLS),$(FW_O)/fw_example_tls.map,)' \
	    --sources '$(GF_CORE_SRCS)'

-include $(shell find $(FW_O) $(SIZE_O) -path $(FW_MBEDTLS_SRC) -prune -o -type f -name '*.d' -print 2>/dev/null)
