# The two commands (README): `make run` and `make test`.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: run test build bootstrap bench clean

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@if [ ! -f $(BUILD)/build.ninja ]; then cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS); fi
	@cmake --build $(BUILD)

run: build
	@scripts/run.sh

test: build
	@cd $(BUILD) && ctest --output-on-failure --timeout 900

bench: build
	@bench/archive_bench.py

clean:
	rm -rf $(BUILD)
