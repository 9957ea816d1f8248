# The two commands of the README, and the recipes behind them.
#   make demo   build, create the demo sub-district, serve it on http://127.0.0.1:8080/
#   make test   install what the tests need, then run every check and test
#
# Cargo's target directory sits outside the clone so that fresh clones (CI) reuse earlier builds.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/wangge/target
# Incremental compilation caches grow by gigabytes per edited crate and build, and a test run on a
# fresh clone gains nothing from them: off, so the shared target directory stays bounded.
export CARGO_INCREMENTAL ?= 0
ADDR ?= 127.0.0.1:8080
DB ?= demo.gpkg

.PHONY: demo test setup check unit e2e browser web bench load soak

demo: web
	cargo build --release --bin wangge
	$(CARGO_TARGET_DIR)/release/wangge demo --db $(DB) --addr $(ADDR)

test: setup check unit e2e browser

# System packages the tests use (GDAL's ogrinfo, Chromium, CJK fonts); installed only where missing.
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

# wrk against a release server of the demo: cached tiles, uncached tiles, the JSON API, for
# LOAD_SECONDS (60) each at 64 connections; a markdown table, non-zero exit on any error.
load:
	bash tests/bench/load.sh

# A mixed wrk load for SOAK_MINUTES (10) with the server's memory sampled every 10 s; non-zero
# exit when it grows by more than SOAK_MAX_GROWTH (15) % after the first minute.
soak:
	bash tests/bench/soak.sh
