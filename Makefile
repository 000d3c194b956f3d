# Convenience wrapper around CMake. Every target installs missing Debian packages first.
#   make          build (RelWithDebInfo, ./build)
#   make check    whole test suite: normal build, short fuzzing, ASan+UBSan build
#   make demo     run the demonstration
#   make bench    run the benchmarks (release build)
#   make fuzz     run every libFuzzer target for FUZZ_SECONDS each
#   make install  install under PREFIX (default /usr/local)
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 10
CHECK_FUZZ_SECONDS ?= 3
CTEST = ctest --output-on-failure -j $(JOBS) --timeout 900
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: all deps build build-asan build-fuzz build-release check demo bench fuzz install clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset dev >/dev/null
	cmake --build build -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	cmake --build build-asan -j $(JOBS)

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target fuzzers

build-release: deps
	@cmake --preset release >/dev/null
	cmake --build build-release -j $(JOBS)

check: build build-fuzz build-asan
	cd build && $(CTEST)
	scripts/run-fuzzers build-fuzz $(CHECK_FUZZ_SECONDS)
	cd build-asan && $(SAN_ENV) $(CTEST)

demo: build
	./build/apps/sealroom demo

bench: build-release
	scripts/run-benches build-release

fuzz: build-fuzz
	scripts/run-fuzzers build-fuzz $(FUZZ_SECONDS)

install: build
	cmake --install build --prefix $(PREFIX)

clean:
	rm -rf build build-asan build-fuzz build-release
