# Build one mbedTLS source tree into one archive, for one toolchain and one
# configuration (called by the Makefile once the source is unpacked):
#   make -f port/build/mbedtls.mk SRC=TREE OUT=DIR CC=... AR=... FLAGS='-Os ...'
# gives OUT/libmbedtls.a: the whole library (crypto, X.509, TLS) in one
# archive. Objects land in OUT/obj; OUT/flags.txt (written by the Makefile)
# changes when the flags do, and then every object is rebuilt.

SRC ?=
OUT ?=
FLAGS ?=
AR ?= ar
MBEDTLS_SRCS := $(wildcard $(SRC)/library/*.c)
MBEDTLS_OBJS := $(patsubst $(SRC)/library/%.c,$(OUT)/obj/%.o,$(MBEDTLS_SRCS))

$(OUT)/libmbedtls.a: $(MBEDTLS_OBJS)
	@test -n "$(MBEDTLS_OBJS)" || { echo "mbedtls.mk: no sources in $(SRC)/library" >&2; exit 1; }
	@rm -f $@
	@echo "  AR $@"
	@$(AR) rcs $@ $^

# 64-bit offsets as mbedTLS's own Makefile builds it; sections apart so that
# a static link keeps only what is used.
$(OUT)/obj/%.o: $(SRC)/library/%.c $(OUT)/flags.txt
	@mkdir -p $(@D)
	@echo "  CC (mbedTLS) $(notdir $<)"
	@$(CC) -std=c99 -D_FILE_OFFSET_BITS=64 -ffunction-sections -fdata-sections $(FLAGS) \
	    -I$(SRC)/include -I$(SRC)/library -MMD -MP -c $< -o $@

-include $(wildcard $(OUT)/obj/*.d)
