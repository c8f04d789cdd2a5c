# Fuzzing, memory checking and coverage (included by the top-level Makefile).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="http url"]
#                     each libFuzzer target for FUZZ_SECONDS under ASan+UBSan;
#                     a crash fails that target and keeps the input in
#                     build/fuzz/artifacts/; the corpus grows in build/fuzz/corpus/
#   make fuzz-ci      every target for about 12 s, then the JSON differential
#   make fuzz-build   only build the targets (build/fuzz/fuzz_<target>)
#   make fuzz-regress run each target over its checked-in corpus once
#   make fuzz-json-diff  every answer input of the corpora through Python's json:
#                     what Python refuses must not be GF_OK for us
#   make valgrind     the unit-test binary under valgrind memcheck
#   make coverage [COVERAGE_E2E=]
#                     unit tests built with gcov: line and branch coverage of
#                     the library (src/) and the tool (src/cli/), the parsers
#                     in detail; then the same with the end-to-end suite run
#                     too (COVERAGE_E2E= empty: unit tests only)
#
# Targets (tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/):
#   http     a response through the scripted test port and gf_http_exchange
#   chunked  the chunked decoder of gf_http_parser_feed
#   url      gf_url_parse
#   answer   gf_answer_parse (single and all types) and the token answer
#   cli      cli_parse (argv from the input) and gf_period_parse

FUZZ_CC ?= clang
FUZZ_O := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_ALL := http chunked url answer cli
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS ?= -O1 -g
FUZZ_BUILD_CFLAGS := -std=c99 $(addprefix -I,$(GF_INCLUDE_DIRS)) -Isrc -Itests/unit -MMD -MP \
	$(FUZZ_SAN)
# Longest input per target: past the HTTP line limit, past the link limit.
FUZZ_MAXLEN_http := 12000
FUZZ_MAXLEN_chunked := 8192
FUZZ_MAXLEN_url := 1024
FUZZ_MAXLEN_answer := 8192
FUZZ_MAXLEN_cli := 512
# The CLI prints usage and help: keep it off the terminal (libFuzzer's own
# output and sanitizer reports still show).
FUZZ_OPTS_cli := -close_fd_mask=3
FUZZ_FLAGS ?=

fuzz_obj = $(patsubst %.c,$(FUZZ_O)/obj/%.o,$(patsubst ./%,%,$(1)))
FUZZ_LIB_OBJS := $(call fuzz_obj,$(GF_CORE_SRCS))
FUZZ_SRCS_http := tests/fuzz/fuzz_http.c tests/unit/testport.c
FUZZ_SRCS_chunked := tests/fuzz/fuzz_chunked.c
FUZZ_SRCS_url := tests/fuzz/fuzz_url.c
FUZZ_SRCS_answer := tests/fuzz/fuzz_answer.c
FUZZ_SRCS_cli := tests/fuzz/fuzz_cli.c src/cli/args.c
FUZZ_BINS := $(addprefix $(FUZZ_O)/fuzz_,$(FUZZ_ALL))
FUZZ_PRINT := $(FUZZ_O)/answer_print

.PHONY: fuzz fuzz-ci fuzz-build fuzz-bins fuzz-regress fuzz-json-diff fuzz-deps valgrind coverage

fuzz-deps:
	@DEPS_EXTRA="libclang-rt-14-dev $(DEPS_EXTRA)" tests/tools/deps.sh

# The library is instrumented for coverage feedback; the targets get libFuzzer.
$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_BUILD_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_CFLAGS) -c $< -o $@

define fuzz_target_rule
$(FUZZ_O)/fuzz_$(1): $(call fuzz_obj,$(FUZZ_SRCS_$(1))) $(FUZZ_LIB_OBJS)
	$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer $$(FUZZ_CFLAGS) -o $$@ $$^
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call fuzz_target_rule,$(t))))

# The answer target with a plain main: prints each input's status and text.
$(FUZZ_PRINT): $(FUZZ_O)/obj/print/fuzz_answer.o $(FUZZ_O)/obj/tests/fuzz/standalone.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(FUZZ_CFLAGS) -o $@ $^
$(FUZZ_O)/obj/print/fuzz_answer.o: tests/fuzz/fuzz_answer.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_BUILD_CFLAGS) -DGF_FUZZ_PRINT $(FUZZ_CFLAGS) -c $< -o $@

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory fuzz-bins

fuzz-bins: $(FUZZ_BINS) $(FUZZ_PRINT)

fuzz: fuzz-build
	@FUZZ_O=$(FUZZ_O) tests/fuzz/run.sh $(FUZZ_SECONDS) \
	    $(foreach t,$(FUZZ_TARGETS),'$(t):-max_len=$(FUZZ_MAXLEN_$(t)) $(FUZZ_OPTS_$(t)) $(FUZZ_FLAGS)')

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=12 FUZZ_TARGETS="$(FUZZ_ALL)"
	@$(MAKE) --no-print-directory fuzz-json-diff

fuzz-regress: fuzz-build
	@FUZZ_O=$(FUZZ_O) tests/fuzz/run.sh 0 \
	    $(foreach t,$(FUZZ_TARGETS),'$(t):-max_len=$(FUZZ_MAXLEN_$(t)) $(FUZZ_OPTS_$(t))')

fuzz-json-diff: fuzz-build
	@$(PYTHON) tests/fuzz/json_diff.py --strict-utf8 $(FUZZ_PRINT) tests/fuzz/corpus/answer $(FUZZ_O)/corpus/answer

-include $(shell find $(FUZZ_O)/obj -name '*.d' 2>/dev/null)

# ---- valgrind: the unit tests under memcheck (a build without sanitizers) ----

VALGRIND_O := build
valgrind: deps
	@if [ -n "$(SANITIZE)" ]; then echo "make valgrind: not with SANITIZE=1 (ASan and valgrind do not mix)" >&2; exit 2; fi
	@command -v valgrind >/dev/null || DEPS_EXTRA=valgrind tests/tools/deps.sh
	@$(MAKE) --no-print-directory O=$(VALGRIND_O) SANITIZE= $(VALGRIND_O)/gf_unit
	valgrind -q --leak-check=full --errors-for-leak-kinds=all --show-leak-kinds=all \
	    --error-exitcode=1 $(VALGRIND_O)/gf_unit

# ---- coverage: gcov + lcov ---------------------------------------------------

COVERAGE_O := build/coverage
COVERAGE_E2E ?= 1
coverage: deps
	@DEPS_EXTRA=lcov tests/tools/deps.sh
	@COVERAGE_O=$(COVERAGE_O) COVERAGE_E2E=$(COVERAGE_E2E) PYTHON=$(PYTHON) \
	    MAKE="$(MAKE)" tests/fuzz/coverage.sh
