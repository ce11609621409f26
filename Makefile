# TikTok Shop Connect. The two commands: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

PKG_DIR := extension/pkg
PKG_NAME := tiktok_shop_connect
WASM_TARGET := target/wasm32-unknown-unknown/release/$(PKG_NAME).wasm
# Features of the wasm-bindgen output that wasm-opt must accept (see shared toolchain notes).
WASM_OPT_FLAGS := -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	--enable-mutable-globals --enable-reference-types --enable-multivalue

.PHONY: help setup build size test lint test-native test-wasm test-js test-mock test-e2e test-firefox package test-package demo bench clean fuzz

help:
	@echo "make demo   - build everything, run the extension against the mock TikTok server, print a transcript"
	@echo "make test   - install what is needed and run every check and test"
	@echo "make build  - build the wasm package into $(PKG_DIR)/"
	@echo "make package - dist/tiktok-shop-connect-<version>-{chrome,firefox}.zip, the installable extension"
	@echo "make size   - the release .wasm size (raw and gzip), failing above the budget"
	@echo "make bench  - issue 8's figures: the client beside its peers (Node) and the extension (Chromium), one table"

setup:
	scripts/setup.sh

build:
	scripts/setup.sh rust wasm-bindgen node
	cargo build --lib --release --target wasm32-unknown-unknown
	rm -rf $(PKG_DIR)
	wasm-bindgen --target web --out-dir $(PKG_DIR) $(WASM_TARGET)
	wasm-opt $(WASM_OPT_FLAGS) $(PKG_DIR)/$(PKG_NAME)_bg.wasm -o $(PKG_DIR)/$(PKG_NAME)_bg.wasm
	@$(MAKE) --no-print-directory size SIZE_ENFORCE=0

# The release .wasm's size against its budget (issue 10): a new derive or dependency that costs
# a few KB fails `make test` here. Issue 10 asked for at most 260 KB raw and 110 KB gzip; the
# module is 242,130 / 105,214 B (as measured here), and the budget sits about 1% above it
# (240 KiB raw, 104 KiB gzip) so that it keeps following the module down: lower these numbers
# with every cut.
WASM_BUDGET_RAW := 245760
WASM_BUDGET_GZIP := 106496
size:
	@f=$(PKG_DIR)/$(PKG_NAME)_bg.wasm; test -f $$f || { echo "no $$f: run make build"; exit 1; }; \
	  raw=$$(stat -c %s $$f); gz=$$(gzip -9c $$f | wc -c); \
	  printf 'wasm size: %s bytes raw (budget %s), %s bytes gzip (budget %s) (%s)\n' "$$raw" "$(WASM_BUDGET_RAW)" "$$gz" "$(WASM_BUDGET_GZIP)" "$$f"; \
	  if [ "$$raw" -gt $(WASM_BUDGET_RAW) ] || [ "$$gz" -gt $(WASM_BUDGET_GZIP) ]; then \
	    echo "size: over budget (twiggy top on a -g build says what grew; see ARCHITECTURE.md)"; \
	    [ "$(SIZE_ENFORCE)" = 0 ] || { echo "size: FAILED"; exit 1; }; fi

lint:
	scripts/setup.sh rust node
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
	@# The gloo-net transport, kept to measure against, is linted too so that it keeps building.
	cargo clippy --lib --target wasm32-unknown-unknown --features gloo-transport -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --test wasm_browser --test wasm_service_worker -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	@# The TypeScript declarations (types/) are what the Rust structs say (src/typescript.rs).
	cargo test --lib --quiet typescript
	eslint .
	@# Errors fail; its two warnings are Chrome-only manifest keys Firefox ignores.
	web-ext lint --source-dir extension --ignore-files 'pkg/**' --output text

# Native Rust tests: the core with fixtures and the client with fakes.
test-native:
	scripts/run-tests.sh native cargo test

test-mock:
	scripts/run-tests.sh mock node --test tests/mock-tiktok/

# wasm-bindgen tests in headless Chromium, in a page and in a service worker, against the mock.
test-wasm:
	scripts/run-tests.sh wasm scripts/with-mock.sh env \
	  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --target wasm32-unknown-unknown --test wasm_browser --test wasm_service_worker -- --nocapture

# JS tests of the built (wasm-opt optimised) package in Node, and the .d.ts type checks (the
# package's, and the page client's www/tiktok-shop-connect.d.ts).
test-js: build
	scripts/run-tests.sh js node --test tests/js/
	tsc -p tests/types --noEmit
	tsc -p tests/types/tsconfig.page-client.json --noEmit

# The real extension in Chromium, driven through its UI, against the mock.
test-e2e: build
	scripts/run-tests.sh e2e node --test tests/e2e/

# The Firefox package of the extension in Firefox ESR (Debian's firefox-esr), over WebDriver
# BiDi (puppeteer-core), against the mock: options, connect, signed call, expiry, one refresh.
test-firefox: build
	scripts/setup.sh firefox node
	scripts/run-tests.sh firefox node --test tests/firefox/

# The two installable zips in dist/ (git-ignored), from scripts/package.mjs; then their check.
package: build
	node scripts/package.mjs

test-package: package
	scripts/run-tests.sh package node --test tests/package/

test: setup
	@rm -f test-output/test-counts.txt
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-native
	$(MAKE) --no-print-directory test-mock
	$(MAKE) --no-print-directory test-wasm
	$(MAKE) --no-print-directory test-js
	$(MAKE) --no-print-directory size
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-firefox
	$(MAKE) --no-print-directory test-package
	@scripts/test-summary.sh

# Figures of issue 8, side by side in one run (scripts/bench.mjs): in Node the client beside
# @badgateway/oauth2-client, axios-auth-refresh and a naive wrapper; in headless Chromium the
# extension with 1 and 1,000 accounts; each target beside its figure. Prints one table, writes it
# with an SVG chart to bench-output/ (git-ignored), asserts nothing. Then the package size.
bench: build
	scripts/setup.sh browser
	node scripts/bench.mjs
	@$(MAKE) --no-print-directory size

# Fuzzing (issue 9), not part of `make test`: installs a nightly toolchain and cargo-fuzz when
# missing, then runs each target of fuzz/ for FUZZ_SECONDS (default 60) from the committed seeds
# (fuzz/seeds/); prints executions, seconds and crashes per target. `make fuzz FUZZ_SECONDS=10`.
fuzz:
	scripts/fuzz.sh

demo: setup build
	node scripts/demo.mjs

clean:
	cargo clean
	rm -rf $(PKG_DIR) test-output demo-output dist
