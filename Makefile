# The two commands of the README, and the recipes behind them.
#   make demo   build, create the demo sub-district, serve it on http://127.0.0.1:8080/
#   make test   install what the tests need, then run every check and test
#   make fuzz   build the fuzz targets and run each for FUZZ_SECONDS (make test runs it too)
#
# Cargo's target directory sits outside the clone so that fresh clones (CI) reuse earlier builds.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/wangge/target
# Incremental compilation caches grow by gigabytes per edited crate and build, and a test run on a
# fresh clone gains nothing from them: off, so the shared target directory stays bounded.
export CARGO_INCREMENTAL ?= 0
ADDR ?= 127.0.0.1:8080
DB ?= demo.gpkg

.PHONY: demo test setup check unit e2e browser web bench fuzz load soak

demo: web
	cargo build --release --bin wangge
	$(CARGO_TARGET_DIR)/release/wangge demo --db $(DB) --addr $(ADDR)

test: setup check unit e2e browser fuzz

# System packages the tests use (GDAL's ogrinfo, Chromium, CJK fonts) and cargo-fuzz; installed
# only where missing.
setup:
	bash tests/setup.sh

check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

unit:
	cargo test --workspace --exclude wangge-e2e

# The end-to-end tests run the built binary.
e2e:
	cargo build --bin wangge
	cargo test -p wangge-e2e

# The leader view: MapLibre and esbuild from npm, built into web/dist.
web:
	npm ci --prefix web --no-audit --no-fund
	npm run build --prefix web

# Debian's Chromium driven by playwright-core against the built binary and web/dist.
browser: web
	cargo build --bin wangge
	npm ci --prefix tests/browser --no-audit --no-fund
	npm test --prefix tests/browser

bench:
	cargo bench --workspace

# The fuzz targets (fuzz/, cargo-fuzz over libFuzzer): each runs FUZZ_SECONDS from its seeds in
# fuzz/corpus plus what earlier runs on this machine found (FUZZ_WORK); a panic, a failed check, a
# 5xx, a 30 s hang or 2 GiB of memory fails, with the input saved under fuzz/artifacts/TARGET/.
# Built without a sanitizer (-s none): the code is safe Rust, so AddressSanitizer would find little
# and would double the build and halve the speed on two cores; debug assertions (-a) stay on, so
# overflows panic. Nightly where installed, else stable (which -s none allows).
FUZZ_SECONDS ?= 45
FUZZ_TARGETS ?= geojson_import csv_import tile_path api_request
FUZZ_TARGET_DIR ?= $(HOME)/.cache/wangge/fuzz-target
FUZZ_WORK ?= $(HOME)/.cache/wangge/fuzz-work
FUZZ_TOOLCHAIN ?= $(shell rustup toolchain list 2>/dev/null | grep -q '^nightly' && echo nightly || echo stable)
# Where api_request keeps its GeoPackage: in memory when /dev/shm is there (a third more requests
# per second than on disk).
FUZZ_TMP ?= $(if $(wildcard /dev/shm/.),/dev/shm,/tmp)
FUZZ = cargo +$(FUZZ_TOOLCHAIN) fuzz
FUZZ_FLAGS = -s none -a --target-dir $(FUZZ_TARGET_DIR)

fuzz:
	cd fuzz && $(FUZZ) build $(FUZZ_FLAGS)
	@tmp=$$(mktemp -d -p $(FUZZ_TMP) wangge-fuzz.XXXXXX); \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_WORK)/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  if (cd fuzz && TMPDIR=$$tmp $(FUZZ) run $(FUZZ_FLAGS) $$t \
	      $(FUZZ_WORK)/corpus/$$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) \
	      -timeout=30 -rss_limit_mb=2048 -print_final_stats=1) > $(FUZZ_WORK)/$$t.log 2>&1; then \
	    grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' $(FUZZ_WORK)/$$t.log; \
	  else \
	    tail -n 80 $(FUZZ_WORK)/$$t.log; \
	    echo "fuzz: $$t failed; the whole log is $(FUZZ_WORK)/$$t.log"; \
	    rm -rf $$tmp; \
	    exit 1; \
	  fi; \
	done; \
	rm -rf $$tmp

# wrk against a release server of the demo: cached tiles, uncached tiles, the JSON API, for
# LOAD_SECONDS (60) each at 64 connections; a markdown table, non-zero exit on any error.
load:
	bash tests/bench/load.sh

# A mixed wrk load for SOAK_MINUTES (10) with the server's memory sampled every 10 s; non-zero
# exit when it grows by more than SOAK_MAX_GROWTH (15) % after the first minute.
soak:
	bash tests/bench/soak.sh
