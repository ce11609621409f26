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

.PHONY: help setup build size test lint test-native test-wasm test-js test-mock test-e2e test-types demo bench clean

help:
	@echo "make demo   - build everything, run the extension against the mock TikTok server, print a transcript"
	@echo "make test   - install what is needed and run every check and test"
	@echo "make build  - build the wasm package into $(PKG_DIR)/"
	@echo "make size   - print the release .wasm size (raw and gzip)"
	@echo "make bench  - run the benchmarks"

setup:
	scripts/setup.sh

build:
	scripts/setup.sh rust wasm-bindgen node
	cargo build --lib --release --target wasm32-unknown-unknown
	rm -rf $(PKG_DIR)
	wasm-bindgen --target web --out-dir $(PKG_DIR) $(WASM_TARGET)
	wasm-opt $(WASM_OPT_FLAGS) $(PKG_DIR)/$(PKG_NAME)_bg.wasm -o $(PKG_DIR)/$(PKG_NAME)_bg.wasm
	@$(MAKE) --no-print-directory size

size:
	@f=$(PKG_DIR)/$(PKG_NAME)_bg.wasm; test -f $$f || { echo "no $$f: run make build"; exit 1; }; \
	  printf 'wasm size: %s bytes raw, %s bytes gzip (%s)\n' "$$(stat -c %s $$f)" "$$(gzip -9c $$f | wc -c)" "$$f"

lint:
	scripts/setup.sh rust
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

test-native:
	cargo test

test: setup lint test-native
	@echo "make test: all checks passed"

clean:
	cargo clean
	rm -rf $(PKG_DIR) test-output demo-output
