# greentune: the two set-up commands of the README are `make quickstart` and `make test`.
#   make deps        install the Debian 12 packages greentune builds with (idempotent; root)
#   make test-deps   deps + what only the tests need (Chromium, wrk)
#   make build       configure and build into build/
#   make quickstart  deps + build + run examples/quickstart.toml on the SQLite default
#   make test        deps + a -Werror, clang-tidy checked build (no debug info, no
#                    benchmarks but the one that is a test) + the whole test suite
#   make analyze     clang's static analyzer over the sources (not part of `make test`)
BUILD    ?= build
JOBS     ?= $(shell nproc)
CMAKE_FLAGS ?=

DEBIAN_PACKAGES := cmake ninja-build g++ make pkg-config python3 \
  libeigen3-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev \
  libsqlite3-dev sqlite3 libboost-dev libexpected-dev \
  libgtest-dev libgmock-dev libbenchmark-dev clang-tidy time liblbfgspp-dev \
  libxgboost-dev liblinear-dev libtorch-dev python3-sklearn python3-pandas \
  libcpp-httplib-dev
# The report's charts (ECharts) come from npm at build time: Debian's nodejs and npm,
# unless a Node.js with npm is there already (its npm is not a Debian package).
NODE_PACKAGES := $(shell command -v npm >/dev/null 2>&1 || echo nodejs npm)
# Only the tests need these: the page tests drive Chromium, the load test runs wrk.
TEST_PACKAGES := chromium wrk

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps test-deps install-packages build quickstart test analyze bench format clean

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEBIAN_PACKAGES) $(NODE_PACKAGES)"

test-deps: deps
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(TEST_PACKAGES)"

install-packages:
	@missing=$$(for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

quickstart: build
	rm -f quickstart.db quickstart.db-wal quickstart.db-shm
	$(BUILD)/greentune tune examples/quickstart.toml --storage sqlite:///quickstart.db
	$(BUILD)/greentune trials --study quickstart --storage sqlite:///quickstart.db

test: test-deps
	cmake -S . -B $(BUILD)-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DGREENTUNE_BUILD_BENCH=OFF \
	  -DGREENTUNE_WERROR=ON -DGREENTUNE_CLANG_TIDY=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD)-test -j $(JOBS)
	cd $(BUILD)-test && ctest --output-on-failure -j $(JOBS) --timeout 600

# clang's static analyzer (null dereferences, uninitialised values, new/delete) over the
# library and the command: too slow to run inside `make test` on CI's 2 cores.  Its own
# build folder, without precompiled headers (clang cannot read GCC's).
ANALYZER_CHECKS := -*,clang-analyzer-core.*,clang-analyzer-cplusplus.NewDelete*
analyze: deps
	cmake -S . -B $(BUILD)-analyze -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGREENTUNE_PCH=OFF -DGREENTUNE_BUILD_TESTS=OFF -DGREENTUNE_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)-analyze -j $(JOBS) --target greentune_web_assets
	run-clang-tidy -quiet -p $(BUILD)-analyze -j $(JOBS) -checks='$(ANALYZER_CHECKS)' \
	  '$(CURDIR)/src/[a-z]+/[a-z_]+\.cpp$$'

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; $$b; done

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BUILD)-test
