# giofetch on edge devices: router-class Linux under qemu-user, the core on
# a Cortex-M4 under qemu-system-arm, and what it all weighs. Included by the
# Makefile (which provides CC, O, obj, GF_*_SRCS, PYTHON...).
#
#   make cross-test ARCH=mipsel|armhf|arm64   unit tests and the end-to-end suite
#                          against the cross-built CLI under qemu-user, in the
#                          configuration's folder (STATIC=1: static glibc, in
#                          build/<triplet>-static; LIBC=musl: static musl, in
#                          build/<arch>-linux-musl; MBEDTLS=3.6 ...)
#   make cross ARCH=...    only the cross build
#   make check-linkage     the CLI of this configuration is static exactly when
#                          it should be (readelf), in its own folder
#   make check-lfs ARCH=mipsel|armhf   the 32-bit glibc CLI imports no function
#                          with 32-bit file offsets (open, lseek, fstat, ...)
#   make firmware          the Cortex-M4 images in build/cortex-m4
#   make firmware-test     run them on qemu-system-arm -M mps2-an386
#                          (FW_TLS=: without the mbedTLS images; FW_MBEDTLS=3.6
#                          FW_MBEDTLS_SRC=<3.6 source tree>: against mbedTLS 3.6,
#                          in build/cortex-m4-mbedtls-3.6)
#   make size              code size (all switches on, the minimal profile, each
#                          switch's cost), stack frames, struct sizes, no-malloc check
#
# Every target installs what it needs through tests/tools/deps.sh; the
# mbedTLS images fetch Debian's mbedTLS source (port/build/mbedtls_source.sh).

.PHONY: cross cross-test check-linkage check-lfs firmware firmware-test fw-deps fw-mbedtls-objs fw-mbedtls-loop-objs \
	size size-objs size-musl fw-always

# ===========================================================================
# Cross builds run under qemu-user
# ===========================================================================

EDGE_ARCH_OK = @test -n "$(ARCH)" || { echo "$@: set ARCH to mipsel, armhf or arm64" >&2; exit 2; }
# Programs beside the CLI that the end-to-end suite runs (ctx.tool()).
EDGE_TOOLS := $(GET) $(PART) $(EXAMPLE)

cross:
	$(EDGE_ARCH_OK)
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(CLI) $(UNIT) $(EDGE_TOOLS)

# The end-to-end suite runs unchanged; tests/edge/qemu_known.py names the
# few that cannot pass under qemu-user (and why) and keeps them out of the
# count, loudly. Any other failure counts.
cross-test: cross
	@tests/tools/total.sh "$(GF_RUN) $(UNIT)" \
	    "$(PYTHON) tests/edge/qemu_known.py $(ARCH) $(PYTHON) tests/e2e/run.py --cli '$(GF_RUN) $(CLI)'"

# A static configuration must give a binary without a program interpreter,
# a dynamic one a binary with one: proof that STATIC=1 after a dynamic build
# (or the other way round) did not reuse the other's objects or binary.
READELF ?= $(CROSS_COMPILE)readelf
check-linkage: $(CLI)
	@if $(READELF) -l $(CLI) | grep -q 'Requesting program interpreter'; then got=dynamic; else got=static; fi; \
	want=$(if $(STATIC),static,dynamic); \
	if [ $$got != $$want ]; then echo "check-linkage: $(CLI) is $$got, this configuration wants $$want" >&2; exit 1; fi; \
	echo "check-linkage: $(CLI) is $$got, as $(if $(STATIC),STATIC=1,a dynamic build) wants"

# 32-bit glibc: every file function the CLI imports must be the 64-bit-offset
# one (open64, lseek64, fstat64, ...). tests/edge/check_lfs.sh first proves on
# a probe built without _FILE_OFFSET_BITS=64 that it notices when one is not.
check-lfs: $(CLI)
	$(EDGE_ARCH_OK)
	@tests/edge/check_lfs.sh "$(CROSS_COMPILE)" /usr/$(GF_TRIPLET)/lib $(CLI)

# ===========================================================================
# Cortex-M4 (qemu-system-arm -M mps2-an386, semihosting)
# ===========================================================================

FW_CROSS ?= arm-none-eabi-
FW_CC := $(FW_CROSS)gcc
FW_AR := $(FW_CROSS)ar
# FW_MBEDTLS=3.6: the same images against mbedTLS 3.6 (TLS 1.3 too), in a
# folder of their own, from a 3.6 source tree given as FW_MBEDTLS_SRC.
FW_MBEDTLS ?=
FW_O := build/cortex-m4$(if $(FW_MBEDTLS),-mbedtls-$(FW_MBEDTLS),)
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
FW_MBEDTLS_LINE := $(if $(filter 3.%,$(FW_MBEDTLS)),3.6,2.28)
FW_MBEDTLS_SRC ?= $(GF_DEPS_DIR)/src/mbedtls-$(FW_MBEDTLS_LINE)
# Two builds of mbedTLS: the board's TLS client (tests/firmware/mbedtls_config.h,
# for 3.6 mbedtls_config_36.h), and the same plus a server and a counted heap
# for the TLS loop image (mbedtls_config_loop.h, mbedtls_config_loop_36.h).
FW_MBEDTLS_CONFIG := mbedtls_config$(if $(filter 3.%,$(FW_MBEDTLS)),_36,)
FW_MBEDTLS_LOOP_CONFIG := mbedtls_config_loop$(if $(filter 3.%,$(FW_MBEDTLS)),_36,)
# (both include the client part they share with the router's configuration)
FW_MBEDTLS_CONFIGS := $(wildcard tests/firmware/mbedtls_config*.h) port/openwrt/gf_mbedtls_client.h
fw_mbedtls_flags = -I$(FW_MBEDTLS_SRC)/include -Itests/firmware -DMBEDTLS_CONFIG_FILE='"$(1).h"'
FW_MBEDTLS_FLAGS := $(call fw_mbedtls_flags,$(FW_MBEDTLS_CONFIG))
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
#   core-min, unit-min, glue-min   the same with the minimal profile
#             (GF_MINIMAL_CONFIG of sources.mk: feature switches only)
#   app-min   the example and the core with fw_config.h's limits and the
#             minimal profile's switches (tests/firmware/fw_config_minimal.h)
FW_APP_FLAGS := -Itests/firmware -DGF_CONFIG_FILE='"fw_config.h"'
FW_MIN_FLAGS := -I$(dir $(GF_MINIMAL_CONFIG)) -DGF_CONFIG_FILE='"$(notdir $(GF_MINIMAL_CONFIG))"'
FW_TREE_core :=
FW_TREE_unit := -Itests/unit
FW_TREE_app := $(FW_APP_FLAGS)
FW_TREE_app-tls := $(FW_APP_FLAGS) -DFW_TLS $(FW_MBEDTLS_FLAGS)
FW_TREE_glue := $(FW_MBEDTLS_FLAGS)
FW_TREE_core-min := $(FW_MIN_FLAGS)
FW_TREE_unit-min := -Itests/unit $(FW_MIN_FLAGS)
FW_TREE_glue-min := $(FW_MBEDTLS_FLAGS) $(FW_MIN_FLAGS)
FW_TREE_app-min := -Itests/firmware -DGF_CONFIG_FILE='"fw_config_minimal.h"'
FW_LOOP_SRCS := $(GF_TLS_SRCS) tests/firmware/tls_loop.c tests/firmware/tls_loop_main.c \
	tests/firmware/psa_rng.c
FW_TREE_app-loop := $(FW_APP_FLAGS) -I$(FW_O)/loop $(call fw_mbedtls_flags,$(FW_MBEDTLS_LOOP_CONFIG))

define fw_tree_rule
$(FW_O)/$(1)/%.o: %.c | $(FW_O)/jsmn/jsmn.h
	@mkdir -p $$(@D)
	$$(FW_CC) $$(FW_BUILD) $$(FW_TREE_$(1)) $$(FW_CFLAGS) -c $$< -o $$@
endef
$(foreach t,core unit app app-tls glue app-loop core-min unit-min glue-min app-min,\
	$(eval $(call fw_tree_rule,$(t))))

# The TLS trees need the mbedTLS headers first, the loop its certificates.
$(call fw_obj,app-tls,$(GF_TLS_SRCS) tests/firmware/example.c tests/firmware/psa_rng.c): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
$(call fw_obj,glue,$(GF_TLS_SRCS) tests/firmware/psa_rng.c): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
$(call fw_obj,glue-min,$(GF_TLS_SRCS) tests/firmware/psa_rng.c): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h
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
endef
# The runner of suite list $(1), in tree $(2) (unit, or unit-min for the
# minimal profile: its cases skip what a switch left out).
define fw_runner_rule
$(FW_O)/$(2)/main-$(1).o: tests/unit/main.c $(FW_O)/unit/suites-$(1).txt | $(FW_O)/jsmn/jsmn.h
	@mkdir -p $$(@D)
	$$(FW_CC) $$(FW_BUILD) $$(FW_TREE_$(2)) $$(FW_CFLAGS) \
	    "-DFW_SUITES(X)=$$$$(cat $(FW_O)/unit/suites-$(1).txt)" -c $$< -o $$@
endef
$(eval $(call fw_suites_rule,core,$$(FW_UNIT_SUITES)))
$(eval $(call fw_suites_rule,crypto,$$(FW_UNIT_CRYPTO_SUITES)))
$(foreach l,core crypto,$(foreach t,unit unit-min,$(eval $(call fw_runner_rule,$(l),$(t)))))
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
	$(call fw_obj,app-tls,tests/firmware/example.c tests/firmware/psa_rng.c $(GF_TLS_SRCS))
FW_TLS_LOOP_OBJS := $(FW_APP_CORE_OBJS) $(FW_START) $(call fw_obj,app-loop,$(FW_LOOP_SRCS))
FW_UNIT_TLS_OBJS := $(FW_CORE_OBJS) $(FW_START) $(FW_PRINTF) $(FW_O)/unit/main-crypto.o \
	$(call fw_obj,unit,$(call fw_unit_srcs,$(FW_UNIT_CRYPTO_SUITES),$(FW_UNIT_CRYPTO_HELPERS))) \
	$(call fw_obj,glue,src/crypto_mbedtls.c tests/firmware/psa_rng.c)

# The minimal profile: the example (no crypto: sizes checked), the core
# suites, and with mbedTLS the suites that check MD5s.
FW_MIN_CORE_OBJS := $(call fw_obj,core-min,$(GF_CORE_SRCS))
FW_EXAMPLE_MIN_OBJS := $(call fw_obj,app-min,$(GF_CORE_SRCS) tests/firmware/steps.c \
	tests/firmware/example.c tests/firmware/memport.c) $(FW_START)
FW_UNIT_MIN_OBJS := $(FW_MIN_CORE_OBJS) $(FW_START) $(FW_PRINTF) $(FW_O)/unit-min/main-core.o \
	$(call fw_obj,unit-min,$(call fw_unit_srcs,$(FW_UNIT_SUITES),$(FW_UNIT_HELPERS)))
FW_UNIT_TLS_MIN_OBJS := $(FW_MIN_CORE_OBJS) $(FW_START) $(FW_PRINTF) $(FW_O)/unit-min/main-crypto.o \
	$(call fw_obj,unit-min,$(call fw_unit_srcs,$(FW_UNIT_CRYPTO_SUITES),$(FW_UNIT_CRYPTO_HELPERS))) \
	$(call fw_obj,glue-min,src/crypto_mbedtls.c tests/firmware/psa_rng.c)

FW_IMAGES := $(FW_O)/fw_example.elf $(FW_O)/fw_unit.elf \
	$(if $(FW_TLS),$(FW_O)/fw_example_tls.elf $(FW_O)/fw_unit_tls.elf $(FW_O)/fw_tls_loop.elf,) \
	$(FW_O)/fw_example_min.elf $(FW_O)/fw_unit_min.elf $(if $(FW_TLS),$(FW_O)/fw_unit_tls_min.elf,)

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
$(FW_O)/fw_example_min.elf: $(FW_EXAMPLE_MIN_OBJS)
	$(FW_CC) $(FW_LINK) --specs=nano.specs -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_unit_min.elf: $(FW_UNIT_MIN_OBJS)
	$(FW_CC) $(FW_LINK) $(FW_PRINTF_WRAP) -Wl,-Map,$(@:.elf=.map) -o $@ $^
$(FW_O)/fw_unit_tls_min.elf: $(FW_UNIT_TLS_MIN_OBJS) $(FW_MBEDTLS_LIB)
	$(FW_CC) $(FW_LINK) $(FW_PRINTF_WRAP) -Wl,-Map,$(@:.elf=.map) -o $@ $^

# ---- mbedTLS for Cortex-M4, from Debian's source package -------------------

# (The Makefile has the same rule when this build uses that tree too.)
ifneq ($(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h,$(GF_TLS_HEADERS))
$(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h:
	@port/build/mbedtls_source.sh $(FW_MBEDTLS_LINE) $(FW_MBEDTLS_SRC)
endif

FW_MBEDTLS_CFLAGS := $(FW_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -MMD -MP
fw_mbedtls_objs = $(patsubst $(FW_MBEDTLS_SRC)/library/%.c,$(FW_O)/$(1)/%.o,$(wildcard $(FW_MBEDTLS_SRC)/library/*.c))

# $(1): object folder, $(2): config header (in tests/firmware), $(3): library.
# Its file list is known only once the source is unpacked: a second make
# compiles it, and the archive takes the folder's objects by a shell glob
# (this make's wildcard may have cached the folder from before the unpack,
# which gave an empty archive when `make size` was the first target).
define fw_mbedtls_rule
$(3): $(FW_MBEDTLS_SRC)/include/mbedtls/ssl.h $(FW_MBEDTLS_CONFIGS)
	@$$(MAKE) --no-print-directory fw-$(1)-objs
	@rm -f $$@
	@echo "  AR $$@"
	@$$(FW_AR) rcs $$@ $(FW_O)/$(1)/*.o
fw-$(1)-objs: $$(call fw_mbedtls_objs,$(1))
$(FW_O)/$(1)/%.o: $(FW_MBEDTLS_SRC)/library/%.c $(FW_MBEDTLS_CONFIGS)
	@mkdir -p $$(@D)
	@echo "  CC (mbedTLS $(2), cortex-m4) $$*.c"
	@$$(FW_CC) $$(FW_MBEDTLS_CFLAGS) $$(call fw_mbedtls_flags,$(2)) -c $$< -o $$@
endef
$(eval $(call fw_mbedtls_rule,mbedtls,$(FW_MBEDTLS_CONFIG),$(FW_MBEDTLS_LIB)))
$(eval $(call fw_mbedtls_rule,mbedtls-loop,$(FW_MBEDTLS_LOOP_CONFIG),$(FW_MBEDTLS_LOOP_LIB)))

# ---- targets ------------------------------------------------------------------

firmware: $(FW_IMAGES)
	@$(FW_CROSS)size $(FW_IMAGES)

fw-deps:
	@tests/tools/deps.sh cortex-m
	@$(if $(FW_TLS),port/build/mbedtls_source.sh $(FW_MBEDTLS_LINE) $(FW_MBEDTLS_SRC),true)

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

# The feature switches' costs: the core once more per switch turned off on
# its own (no-PROXY, ...), and with the minimal profile, for both targets,
# in build/size/{cm4,mipsel}-<variant>. The "all on" figures are the trees
# above.
SIZE_VARIANTS := minimal $(addprefix no-,$(GF_FEATURE_SWITCHES))
size_variant_flags = $(if $(filter minimal,$(1)),$(FW_MIN_FLAGS),-DGF_FEATURE_$(patsubst no-%,%,$(1))=0)
size_variant_objs = $(patsubst %.c,$(SIZE_O)/$(2)-$(1)/%.o,$(patsubst ./%,%,$(GF_CORE_SRCS)))
define size_variant_rule
$(SIZE_O)/cm4-$(1)/%.o: %.c | $(FW_O)/jsmn/jsmn.h
	@mkdir -p $$(@D)
	@$(FW_CC) $(FW_CPU) -std=c99 -Os -ffunction-sections -fdata-sections -MMD -MP -Iinclude \
	    -I$(FW_O)/jsmn $(call size_variant_flags,$(1)) -c $$< -o $$@
$(SIZE_O)/mipsel-$(1)/%.o: %.c
	@mkdir -p $$(@D)
	@$(SIZE_MIPS)gcc -std=c99 -Iinclude -Os -ffunction-sections -fdata-sections -MMD -MP \
	    $(call size_variant_flags,$(1)) -c $$< -o $$@
endef
$(foreach v,$(SIZE_VARIANTS),$(eval $(call size_variant_rule,$(v))))
SIZE_VARIANT_OBJS := $(foreach v,$(SIZE_VARIANTS),$(call size_variant_objs,$(v),cm4) \
	$(call size_variant_objs,$(v),mipsel))

size-objs: $(FW_CORE_OBJS) $(SIZE_MIPS_OBJS) $(SIZE_O)/sizes-host $(SIZE_O)/sizes-mipsel \
	$(SIZE_O)/sizes-cm4.o $(SIZE_O)/sizes-cm4-small.o $(FW_IMAGES) $(SIZE_VARIANT_OBJS)

# The static musl CLI as a router build makes it (-Os, section GC, the
# client-only mbedTLS), for the host (x86-64) and mipsel, each with its link
# map; its RSS is measured on the host over the demo's fetch.
SIZE_MUSL_HOST := $(SIZE_O)/$(shell uname -m)-linux-musl
SIZE_MUSL_MIPS := $(SIZE_O)/mipsel-linux-musl
size_musl = $(MAKE) --no-print-directory LIBC=musl $(1) O=$(2) CFLAGS=-Os \
	LDFLAGS=-Wl,-Map,$(2)/giofetch.map $(2)/giofetch

size-musl:
	@$(call size_musl,,$(SIZE_MUSL_HOST))
	@$(call size_musl,ARCH=mipsel,$(SIZE_MUSL_MIPS))

size:
	@DEPS_EXTRA="time $(DEPS_EXTRA)" tests/tools/deps.sh mipsel cortex-m musl mbedtls-source
	@$(MAKE) --no-print-directory size-objs size-musl >/dev/null
	@rss_musl=$$(tests/edge/rss.sh $(SIZE_MUSL_HOST)/giofetch); \
	$(MAKE) --no-print-directory all >/dev/null && rss_host=$$(tests/edge/rss.sh $(CLI)); \
	$(PYTHON) tests/edge/size_report.py \
	    --core 'Cortex-M4=$(FW_CROSS):$(FW_O)/core' \
	    --core 'mipsel=$(SIZE_MIPS):$(SIZE_O)/mipsel' \
	    --switches '$(GF_FEATURE_SWITCHES)' \
	    --variants 'Cortex-M4=$(FW_CROSS):$(FW_O)/core:$(SIZE_O)/cm4-' \
	    --variants 'mipsel=$(SIZE_MIPS):$(SIZE_O)/mipsel:$(SIZE_O)/mipsel-' \
	    --sizeof-run 'host $(shell uname -m)=$(SIZE_O)/sizes-host' \
	    --sizeof-run 'mipsel=qemu-mipsel $(SIZE_O)/sizes-mipsel' \
	    --sizeof-nm 'Cortex-M4=$(FW_CROSS)nm $(SIZE_O)/sizes-cm4.o' \
	    --sizeof-nm 'Cortex-M4, fw_config.h=$(FW_CROSS)nm $(SIZE_O)/sizes-cm4-small.o' \
	    --images '$(FW_CROSS)size $(FW_IMAGES)' \
	    --maps '$(FW_O)/fw_example.map $(if $(FW_TLS),$(FW_O)/fw_example_tls.map,)' \
	    --static '$(shell uname -m) musl=:$(SIZE_MUSL_HOST)/giofetch:$(SIZE_MUSL_HOST)/giofetch.map' \
	    --static 'mipsel musl=mipsel-linux-gnu-:$(SIZE_MUSL_MIPS)/giofetch:$(SIZE_MUSL_MIPS)/giofetch.map' \
	    --rss "$(shell uname -m) static musl CLI, over make demo's fetch (10 files)=$$rss_musl" \
	    --rss "$(shell uname -m) glibc CLI ($(CLI), dynamic, Debian's mbedTLS), the same fetch=$$rss_host" \
	    --reference "uclient-fetch (OpenWrt's fetcher, no verification): 145 KB with its own libraries, plus the shared mbedTLS and musl it loads (a quoted figure, not measured here)" \
	    --sources '$(GF_CORE_SRCS)'

-include $(shell find $(FW_O) $(SIZE_O) -path $(FW_MBEDTLS_SRC) -prune -o -type f -name '*.d' -print 2>/dev/null)
