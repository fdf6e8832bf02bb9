# sluice - the two commands of README.md, and the builds behind them.
#   make             optimised build/sluice
#   make quickstart  install what is missing, build, run examples/quickstart.yaml
#   make test        install test dependencies, build, run every test
#                    (unit tests again under ASan + UBSan)
#   make fuzz        build libFuzzer harnesses with clang (build-fuzz/)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps test-deps quickstart test test-release test-asan fuzz bench clean

all: build

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $(JOBS)

quickstart: build
	@scripts/quickstart.sh

test: test-deps
	@scripts/test.sh

fuzz: test-deps
	@CC=clang cmake -S . -B build-fuzz -DSL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

bench: build
	@for b in bench/*/run.sh; do bash $$b || exit 1; done

clean:
	rm -rf build build-asan build-fuzz
