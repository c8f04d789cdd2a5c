# Benchmarks (included by the Makefile; not part of `make test`).
#
#   make bench                 install what is missing, build, measure, and write
#                              tests/bench/RESULTS.md (about 6 minutes)
#   make bench BENCH_RUNS=9    more timed rounds (default 7)
#   make bench BENCH_ARGS='--skip memory --keep'   see tests/bench/bench.py --help
#   make bench-tls             only section 4: the default build beside the one in
#                              build/mbedtls-3.6 (when there): TLS version and suite,
#                              resumption, 256 MiB over HTTPS, heap (about 1 minute)
#
# giofetch, gf_get and the floor program are built with the project's flags
# (CFLAGS, default -O2). The floor links mbedTLS like the library does.

BENCH_FLOOR := $(O)/gf_floor
BENCH_RUNS ?= 7
BENCH_ARGS ?=
BENCH_RESULTS ?= tests/bench/RESULTS.md
BENCH_DEPS := curl wget time valgrind strace ca-certificates

.PHONY: bench bench-build bench-tls

# The include and define flags of the build (an mbedTLS of its own) too.
$(BENCH_FLOOR): tests/bench/floor.c
	@mkdir -p $(@D)
	$(CC) -std=c99 $(filter -D%,$(GF_BUILD_CFLAGS)) $(addprefix -I,$(GF_INCLUDE_DIRS)) $(CFLAGS) $(LDFLAGS) -o $@ $< $(GF_TLS_LIBS)

bench-build: $(CLI) $(GET) $(BENCH_FLOOR)

BENCH_TLS_RUNS ?= 3
bench-tls:
	@DEPS_EXTRA="$(BENCH_DEPS) $(DEPS_EXTRA)" tests/tools/deps.sh
	@$(MAKE) --no-print-directory bench-build
	@$(PYTHON) tests/bench/bench.py --bin $(O) --runs $(BENCH_TLS_RUNS) \
	    --skip timing,instructions,memory,syscalls $(BENCH_ARGS)

bench:
	@DEPS_EXTRA="$(BENCH_DEPS) $(DEPS_EXTRA)" tests/tools/deps.sh
	@$(MAKE) --no-print-directory bench-build
	@$(PYTHON) tests/bench/bench.py --bin $(O) --runs $(BENCH_RUNS) \
	    --results $(BENCH_RESULTS) $(BENCH_ARGS)
	@$(PYTHON) tests/bench/bench_jobs.py --bin $(O) --results tests/bench/RESULTS-jobs.md $(BENCH_JOBS_ARGS)

# --jobs alone: make bench-jobs [BENCH_JOBS_ARGS='--runs 3 --relay-mib-s 32']
.PHONY: bench-jobs
bench-jobs: bench-build
	@$(PYTHON) tests/bench/bench_jobs.py --bin $(O) --results tests/bench/RESULTS-jobs.md $(BENCH_JOBS_ARGS)
