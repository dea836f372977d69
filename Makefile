# Copyright 2026 The Distill authors.
# The two commands: `make demo` (install, build, run the main job) and `make test` (install, build, test).

SHELL := /bin/bash
PACKAGES := libsqlite3-dev libcurl4-openssl-dev libdnnl-dev libturbojpeg0-dev libspng-dev \
            libssl-dev zlib1g-dev libflatbuffers-dev dataset-fashion-mnist pkg-config python3 python3-venv sqlite3
# Checking only, for `make test`: headless Chromium renders the dashboard and the report; PostgreSQL's server (a
# throwaway cluster per test, on a loopback port) checks the PostgreSQL schema; onnxruntime and LiteRT (PyPI, in
# .build/venvs/runtimes, see `runtimes`) run the exported models.
TEST_PACKAGES := chromium postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SWIFT ?= swift
DEMO_DIR ?= demo

.PHONY: all deps test-deps install-packages build release test demo fidelity clean schema lint fuzz sanitize runtimes

all: build

# Installs only what is missing; `apt-get update` runs only then.
deps:
	@$(MAKE) --no-print-directory install-packages LIST="$(PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages LIST="$(PACKAGES) $(TEST_PACKAGES)"

install-packages:
	@missing=""; for p in $(LIST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The Python environment the export tests check ONNX and TFLite files in (never used by the product).
runtimes:
	./scripts/runtimes-venv.sh

test: test-deps
	@./scripts/loc.sh
	./scripts/runtimes-venv.sh
	$(SWIFT) build --build-tests
	@set -o pipefail; $(SWIFT) test --skip-build 2>&1 | tee .build/test.log
	@n=$$(grep -oE 'Test run with [0-9]+ tests' .build/test.log | grep -oE '[0-9]+' | tail -n 1); \
	  echo "tests: $${n:-0} passed, 0 failed"

# libFuzzer on every parser that takes outside bytes, FUZZ_SECONDS (default 60) per target; never part of
# `make test`. Builds into .build/fuzz; findings go to .build/fuzz/findings/TARGET/.
fuzz: deps
	./scripts/fuzz.sh

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer (separate build directories).
sanitize: deps
	./scripts/sanitize.sh

# swift-format with the checked-in .swift-format (STYLE.md's rules).
lint:
	$(SWIFT) format lint -r Sources Tests

demo: release
	./scripts/demo.sh "$(DEMO_DIR)"

# The fidelity run on the full Fashion-MNIST data set (hours on 2 cores; never part of `make test`): teachers
# trained by `distill teach`, students distilled from their outputs alone, a 1,000-label baseline.
fidelity: release
	./scripts/fidelity.sh fidelity

clean:
	rm -rf .build

# Re-embeds schema.sql into the store module after an edit (a test checks they agree).
schema:
	./scripts/embed-schema.sh
