# eiw: `make run` and `make test` do all set-up on a fresh Debian 12 machine
# with the Rust toolchain. Everything builds in one release target dir, so
# wasmer compiles once per machine.

CARGO    ?= cargo
VERSION  := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
MAJOR    := $(firstword $(subst ., ,$(VERSION)))
PREFIX   ?= /usr/local
CC       ?= gcc
RELEASE  := target/release
WASM_DIR := target/wasm32-unknown-unknown/release
EXAMPLES := passthrough add_fields drop_debug split rename
GUESTS   := $(EXAMPLES) hostile poc w1_transform w2_filter w1_wire w2_wire
CBUILD   := c-tests/build

C_FLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -Iinclude -I$(CBUILD) -Ic-tests
C_LINK   := -L$(RELEASE) -leiw -Wl,-rpath,$(abspath $(RELEASE)) -lprotobuf-c -lpthread -ldl
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# ASan's runtime unmaps whatever alternate signal stack a thread has when
# the thread exits; wasmer installs its own (64 KiB) on threads whose stack
# is smaller and unmaps it too, so under ASan a freed range could be unmapped
# twice (seen as rare crashes of c-tests/hostile under load). ASan then runs
# without its own alternate stacks.
ASAN_ENV := ASAN_OPTIONS=use_sigaltstack=0
VALGRIND := valgrind -q --error-exitcode=3 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
            --suppressions=c-tests/valgrind.supp
C_TESTS  := linked dlopen threads hostile legacy corpus quickstart msgpack swap address_space
# The address space 16 threads x 4 hosts (68 guest instances) fit in: each
# instance reserves 16 MiB + 64 KiB (the default cap and its guard); most of
# the rest is glibc's per-thread malloc arenas (64 MiB each) and thread
# stacks (8 MiB each). Measured: 2.2 GB. docs/DESIGN.md.
AS_LIMIT_16X4 := 3000000000
# The hostile corpus as modules, for c-tests/corpus.c.
CORPUS_WAT  := $(wildcard tests/hostile-corpus/*.wat)
CORPUS_WASM := $(patsubst tests/hostile-corpus/%.wat,$(CBUILD)/corpus-wasm/%.wasm,$(CORPUS_WAT))
# Go links the same libeiw.so; no Go module is fetched (the package uses
# only the standard library).
GO_VENDOR_CHECK := $(abspath target/go-vendor-check)
GO_ENV   := PKG_CONFIG_PATH=$(abspath $(RELEASE))/pkgconfig \
            GOPROXY=off EIW_WASM_DIR=$(abspath $(WASM_DIR))
, := ,

.PHONY: all setup lib install syslog-ng syslog-ng-test bench-syslog-ng wasm run test rust-test c-test go-test fuzz fuzz-smoke fuzz-build bench bench-peers fmt-check lint header clean

all: lib wasm

setup:
	@scripts/setup.sh

# eiw.pc from eiw.pc.in: $(call pc,PREFIX,LIBDIR,INCLUDEDIR,RPATH-FLAGS)
pc = sed -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
         -e 's|@VERSION@|$(VERSION)|' -e 's|@RPATH@|$(4)|' eiw.pc.in

# The cdylib (soname libeiw.so.MAJOR, linked beside it), staticlib and the
# `eiw` CLI, and a pkg-config file for the build tree (Go uses it).
lib: setup
	$(CARGO) build --release
	ln -sf libeiw.so $(RELEASE)/libeiw.so.$(MAJOR)
	@mkdir -p $(RELEASE)/pkgconfig
	$(call pc,$(abspath .),$(abspath $(RELEASE)),$(abspath include),-Wl$(,)-rpath$(,)$(abspath $(RELEASE)) ) \
	    > $(RELEASE)/pkgconfig/eiw.pc

# Installs libeiw.so (with its soname links), libeiw.a, eiw.h and eiw.pc
# under PREFIX (/usr/local); DESTDIR for staging.
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(RELEASE)/libeiw.so $(DESTDIR)$(PREFIX)/lib/libeiw.so.$(VERSION)
	ln -sf libeiw.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libeiw.so.$(MAJOR)
	ln -sf libeiw.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libeiw.so
	install -m 0644 $(RELEASE)/libeiw.a $(DESTDIR)$(PREFIX)/lib/libeiw.a
	install -m 0644 include/eiw.h $(DESTDIR)$(PREFIX)/include/eiw.h
	$(call pc,$(PREFIX),$(PREFIX)/lib,$(PREFIX)/include,) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/eiw.pc

# The C guest SDK (sdk-c/, docs/GUEST-SDKS.md): each example as
# target/wasm32-c/<example>.wasm, freestanding (no libc) with clang and
# wasm-ld.
C_GUEST_DIR := target/wasm32-c
C_SDK       := sdk-c/abi.c sdk-c/buf.c sdk-c/wire.c sdk-c/patch.c sdk-c/event.c
C_GUESTS    := $(addprefix $(C_GUEST_DIR)/,$(addsuffix .wasm,$(EXAMPLES) w1_transform w2_filter scripted quickstart))
C_GUEST_CC  := clang --target=wasm32 -mbulk-memory -nostdlib -O3 -flto -std=c11 -Wall -Wextra -Werror -Isdk-c \
               -Wl,--no-entry -Wl,--strip-debug -Wl,--lto-O3
$(C_GUEST_DIR)/%.wasm: sdk-c/examples/%.c $(C_SDK) sdk-c/eiw_guest.h sdk-c/internal.h | setup
	@mkdir -p $(C_GUEST_DIR)
	$(C_GUEST_CC) -o $@ $< $(C_SDK)
# The SDK's test guests (tests/guest_sdks.rs): scripted, and the quick
# start of docs/GUEST-SDKS.md.
$(C_GUEST_DIR)/%.wasm: sdk-c/tests/%.c $(C_SDK) sdk-c/eiw_guest.h sdk-c/internal.h | setup
	@mkdir -p $(C_GUEST_DIR)
	$(C_GUEST_CC) -o $@ $< $(C_SDK)
# The benchmark workloads in C, beside the Rust ones (make bench).
$(C_GUEST_DIR)/%.wasm: sdk-c/bench/%.c $(C_SDK) sdk-c/eiw_guest.h sdk-c/internal.h | setup
	@mkdir -p $(C_GUEST_DIR)
	$(C_GUEST_CC) -o $@ $< $(C_SDK)

# The AssemblyScript guest SDK (sdk-as/, docs/GUEST-SDKS.md): the same
# modules as target/wasm32-as/<name>.wasm, with the asc compiler from the
# package's node_modules (scripts/setup.sh runs `npm ci`). abort (a failed
# bounds check, out of memory) becomes a trap: the host imports nothing from
# `env`. A warning fails the build, as -Werror does for C.
AS_GUEST_DIR := target/wasm32-as
AS_SDK       := $(wildcard sdk-as/assembly/*.ts) sdk-as/package-lock.json
AS_GUESTS    := $(addprefix $(AS_GUEST_DIR)/,$(addsuffix .wasm,$(EXAMPLES) w1_transform w2_filter scripted quickstart keys typed))
ASC          := sdk-as/node_modules/.bin/asc
asc = out=$$($(ASC) $(1) -o $(2) -O3 --runtime incremental --use abort= 2>&1); rc=$$?; \
      printf '%s' "$$out"; [ $$rc -eq 0 ] && [ -z "$$out" ] || { rm -f $(2); exit 1; }
$(AS_GUEST_DIR)/%.wasm: sdk-as/examples/%.ts $(AS_SDK) | setup
	@mkdir -p $(AS_GUEST_DIR)
	@$(call asc,$<,$@)
# The quick start of docs/GUEST-SDKS.md imports the SDK as a package.
$(AS_GUEST_DIR)/quickstart.wasm: sdk-as/tests/quickstart.ts $(AS_SDK) | setup
	@mkdir -p $(AS_GUEST_DIR) target/as-packages
	ln -sfn ../../sdk-as target/as-packages/eiw-guest
	@$(call asc,$< --path target/as-packages,$@)
$(AS_GUEST_DIR)/%.wasm: sdk-as/tests/%.ts $(AS_SDK) | setup
	@mkdir -p $(AS_GUEST_DIR)
	@$(call asc,$<,$@)
$(AS_GUEST_DIR)/%.wasm: sdk-as/bench/%.ts $(AS_SDK) | setup
	@mkdir -p $(AS_GUEST_DIR)
	@$(call asc,$<,$@)

# The example guest modules and the test guests, as target/wasm32-unknown-unknown/release/*.wasm.
# Guests are built with whole-program LTO (small crates, fast to link): it
# inlines prost and the SDK into the module's code, which measured 10-15%
# faster on W1 (docs/PERFORMANCE.md). The host library keeps the workspace
# profile (LTO of wasmer would take many minutes).
GUEST_PROFILE := CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
wasm: setup $(C_GUESTS) $(AS_GUESTS)
	$(GUEST_PROFILE) $(CARGO) build --release --target wasm32-unknown-unknown $(addprefix -p ,$(GUESTS))

run: lib wasm
	$(RELEASE)/eiw run $(WASM_DIR)/add_fields.wasm --config examples/add_fields/config.json \
	    < examples/events.ndjson

test: lib wasm rust-test c-test go-test syslog-ng-test fuzz-smoke fmt-check
	@echo "make test: all passed"

# The syslog-ng parser module (integrations/syslog-ng, docs/INTEGRATIONS.md):
# target/syslog-ng/libeiwparser.so, on syslog-ng's native connector, linked
# against libeiw in the build tree. syslog-ng's headers are included as
# system headers: they do not build warning-free.
SNG_BUILD := target/syslog-ng
SNG_SRC   := integrations/syslog-ng/eiw-parser.c integrations/syslog-ng/mapping.c
$(SNG_BUILD)/libeiwparser.so: $(SNG_SRC) integrations/syslog-ng/mapping.h include/eiw.h | setup
	@mkdir -p $(SNG_BUILD)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -fPIC -shared -o $@ $(SNG_SRC) -Iinclude \
	    $$(pkg-config --cflags syslog-ng | sed 's/-I/-isystem /g') \
	    $$(pkg-config --libs syslog-ng-native-connector) \
	    -L$(RELEASE) -leiw -Wl,-rpath,$(abspath $(RELEASE)) -lmsgpackc
syslog-ng: lib $(SNG_BUILD)/libeiwparser.so

# The module in the real daemon: tests/syslog_ng.rs starts syslog-ng with
# its own config, sockets and files in a temporary directory.
syslog-ng-test: syslog-ng wasm
	EIW_SYSLOG_NG_MODULES=$(abspath $(SNG_BUILD)):$$(pkg-config --variable=moduledir syslog-ng) \
	    $(CARGO) test --release --test syslog_ng -- --ignored --test-threads=1

# Messages per second and CPU per message through syslog-ng, by parser.
bench-syslog-ng: syslog-ng wasm
	python3 bench/syslog_ng.py $(abspath $(SNG_BUILD)):$$(pkg-config --variable=moduledir syslog-ng) \
	    $(abspath $(WASM_DIR)) 100000

# Rust tests of every crate, the FFI called from Rust, and the header check.
rust-test: lib wasm
	$(CARGO) test --release --workspace

$(CBUILD)/eiw.pb-c.c: proto/eiw.proto | setup
	mkdir -p $(CBUILD)
	protoc-c --c_out=$(CBUILD) -Iproto proto/eiw.proto

$(CBUILD)/%: c-tests/%.c c-tests/support.h include/eiw.h $(CBUILD)/eiw.pb-c.c
	$(CC) $(C_FLAGS) $< $(CBUILD)/eiw.pb-c.c -o $@ $(C_LINK)

# The format tests link no protobuf library: what a C agent in JSON or
# msgpack needs is eiw alone (and msgpack-c to build its records).
FORMAT_LINK := -L$(RELEASE) -leiw -Wl,-rpath,$(abspath $(RELEASE)) -lmsgpackc -lpthread -ldl
$(CBUILD)/quickstart $(CBUILD)/msgpack $(CBUILD)/swap $(CBUILD)/address_space: $(CBUILD)/%: c-tests/%.c c-tests/check.h include/eiw.h | setup
	@mkdir -p $(CBUILD)
	$(CC) $(C_FLAGS) $< -o $@ $(FORMAT_LINK)

$(CBUILD)/quickstart-asan $(CBUILD)/msgpack-asan $(CBUILD)/swap-asan $(CBUILD)/address_space-asan: $(CBUILD)/%-asan: c-tests/%.c c-tests/check.h include/eiw.h | setup
	@mkdir -p $(CBUILD)
	$(CC) $(C_FLAGS) $(SANITIZE) $< -o $@ $(FORMAT_LINK)

$(CBUILD)/%-asan: c-tests/%.c c-tests/support.h include/eiw.h $(CBUILD)/eiw.pb-c.c
	$(CC) $(C_FLAGS) $(SANITIZE) $< $(CBUILD)/eiw.pb-c.c -o $@ $(C_LINK)

$(RELEASE)/eiw-wat2wasm: tests/wat2wasm/src/main.rs | setup
	$(CARGO) build --release -p eiw-wat2wasm

$(CBUILD)/corpus-wasm/%.wasm: tests/hostile-corpus/%.wat $(RELEASE)/eiw-wat2wasm
	@mkdir -p $(CBUILD)/corpus-wasm
	$(RELEASE)/eiw-wat2wasm $< $@

# Each C program runs plain, under AddressSanitizer/UBSan, and under
# valgrind (the corpus, whose modules spend whole CPU budgets, plain and
# under ASan only).
c-test: lib wasm $(addprefix $(CBUILD)/,$(C_TESTS)) $(addprefix $(CBUILD)/,$(addsuffix -asan,$(C_TESTS))) $(CORPUS_WASM)
	$(CBUILD)/linked $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/drop_debug.wasm
	$(CBUILD)/dlopen $(RELEASE)/libeiw.so $(WASM_DIR)/passthrough.wasm
	$(CBUILD)/threads $(WASM_DIR)/rename.wasm
	$(CBUILD)/hostile $(WASM_DIR)/hostile.wasm
	$(CBUILD)/legacy $(WASM_DIR)/poc.wasm
	$(CBUILD)/corpus tests/hostile-corpus $(CBUILD)/corpus-wasm
	$(CBUILD)/quickstart $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(CBUILD)/msgpack $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(CBUILD)/swap $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm 200 8
	@# The quick start built against an installed copy, found by pkg-config.
	rm -rf $(CBUILD)/prefix && $(MAKE) --no-print-directory install PREFIX=$(abspath $(CBUILD)/prefix)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ic-tests c-tests/quickstart.c -o $(CBUILD)/quickstart-installed \
	    $$(PKG_CONFIG_PATH=$(abspath $(CBUILD)/prefix/lib/pkgconfig) pkg-config --cflags --libs eiw) \
	    -Wl,-rpath,$(abspath $(CBUILD)/prefix/lib)
	readelf -d $(CBUILD)/quickstart-installed | grep -q 'NEEDED.*\[libeiw.so.$(MAJOR)\]'
	$(CBUILD)/quickstart-installed $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	prlimit --as=2000000000 $(CBUILD)/address_space $(WASM_DIR)/passthrough.wasm 1 1
	prlimit --as=$(AS_LIMIT_16X4) $(CBUILD)/address_space $(WASM_DIR)/passthrough.wasm 16 4
	$(ASAN_ENV) $(CBUILD)/swap-asan $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm 200 8 --no-rss
	$(ASAN_ENV) $(CBUILD)/address_space-asan $(WASM_DIR)/passthrough.wasm 16 4
	$(ASAN_ENV) $(CBUILD)/quickstart-asan $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(ASAN_ENV) $(CBUILD)/msgpack-asan $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(ASAN_ENV) $(CBUILD)/corpus-asan tests/hostile-corpus $(CBUILD)/corpus-wasm
	$(ASAN_ENV) $(CBUILD)/linked-asan $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/drop_debug.wasm
	$(ASAN_ENV) $(CBUILD)/dlopen-asan $(RELEASE)/libeiw.so $(WASM_DIR)/passthrough.wasm
	$(ASAN_ENV) $(CBUILD)/threads-asan $(WASM_DIR)/rename.wasm
	$(ASAN_ENV) $(CBUILD)/hostile-asan $(WASM_DIR)/hostile.wasm 2
	$(ASAN_ENV) $(CBUILD)/legacy-asan $(WASM_DIR)/poc.wasm
	$(VALGRIND) $(CBUILD)/linked $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/drop_debug.wasm
	$(VALGRIND) $(CBUILD)/dlopen $(RELEASE)/libeiw.so $(WASM_DIR)/passthrough.wasm
	$(VALGRIND) $(CBUILD)/threads $(WASM_DIR)/rename.wasm 50
	$(VALGRIND) $(CBUILD)/hostile $(WASM_DIR)/hostile.wasm 2 --skip-oob
	$(VALGRIND) $(CBUILD)/legacy $(WASM_DIR)/poc.wasm
	$(VALGRIND) $(CBUILD)/quickstart $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(VALGRIND) $(CBUILD)/msgpack $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm
	$(VALGRIND) $(CBUILD)/swap $(WASM_DIR)/add_fields.wasm $(WASM_DIR)/passthrough.wasm 20 4 --no-rss
	$(VALGRIND) $(CBUILD)/address_space $(WASM_DIR)/passthrough.wasm 4 2

# The Go binding: vet, then the tests three times in a row.
go-test: lib wasm
	cd go && $(GO_ENV) go vet ./... && $(GO_ENV) go test -count=3 ./...
	@# A program that uses the package vendored (`go mod vendor`), finding
	@# libeiw and its header with no CGO_ flags.
	rm -rf $(GO_VENDOR_CHECK) && mkdir -p $(GO_VENDOR_CHECK)
	printf 'module vendorcheck\n\ngo 1.19\n\nrequire eiw v0.0.0\n\nreplace eiw => %s\n' $(abspath go) > $(GO_VENDOR_CHECK)/go.mod
	printf 'package main\n\nimport (\n\t"fmt"\n\n\t"eiw"\n)\n\nfunc main() { fmt.Println("eiw", eiw.Version()) }\n' > $(GO_VENDOR_CHECK)/main.go
	cd $(GO_VENDOR_CHECK) && $(GO_ENV) go mod vendor && $(GO_ENV) go build -mod=vendor -o vendorcheck . \
	    && test -f vendor/eiw/eiw.h && ./vendorcheck | grep -qx 'eiw $(VERSION)'

# Coverage-guided fuzzing (fuzz/, cargo-fuzz on the nightly toolchain; its
# own workspace and target directory). Without AddressSanitizer: wasmer
# switches to its own stack for guest code and back without telling ASan,
# which then reports a stack-buffer-underflow in its trap handling after
# every guest stack overflow (found by smith_module; the same module is a
# typed error in a plain build, now in the hostile corpus). Panics, aborts,
# hangs (-timeout) and debug assertions are caught. Each
# target starts from its seeds in fuzz/corpus/ and writes what it finds to
# fuzz/target/found/TARGET (merge worthwhile inputs into the seeds with
# `cargo fuzz cmin`). A crash stops the run and leaves its input in
# fuzz/artifacts/. `make fuzz` runs each target FUZZ_SECONDS (300);
# `make test` runs each for FUZZ_SMOKE_SECONDS (5).
FUZZ_TARGETS       := validate process poc_json load_bytes smith_module json_transcode msgpack_transcode
FUZZ_SECONDS       ?= 300
FUZZ_SMOKE_SECONDS ?= 5
FUZZ := cd fuzz && cargo +nightly fuzz

fuzz-build: wasm
	$(FUZZ) build -O -s none

define fuzz-run
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/target/found/$$target; \
	  log=fuzz/target/fuzz-$$target.log; \
	  ( $(FUZZ) run -O -s none $$target target/found/$$target corpus/$$target -- \
	      -max_total_time=$(1) -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 ) > $$log 2>&1 \
	    || { tail -n 60 $$log; echo "fuzz: $$target failed (full log: $$log)"; exit 1; }; \
	  echo "fuzz: $$target ran $(1) s: $$(grep -h -E '^stat::(number_of_executed_units|peak_rss_mb)' $$log | tr '\n' ' ')"; \
	done
endef

fuzz: fuzz-build
	$(call fuzz-run,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call fuzz-run,$(FUZZ_SMOKE_SECONDS))

# The benchmark suite (workloads W0-W3 natively and in eiw, module loading,
# trap recovery), then single-thread latency of eiw_process from C and of
# Process from Go, side by side in one run (see docs/PERFORMANCE.md).
bench: lib wasm $(CBUILD)/bench
	$(CARGO) build --release -p eiw-bench
	EIW_WASM_DIR=$(WASM_DIR) EIW_C_WASM_DIR=$(C_GUEST_DIR) EIW_AS_WASM_DIR=$(AS_GUEST_DIR) $(RELEASE)/eiw-bench
	$(CBUILD)/bench $(WASM_DIR)/passthrough.wasm $(WASM_DIR)/add_fields.wasm
	cd go && $(GO_ENV) go test -run '^$$' -bench Process -benchtime 200000x -count 3 ./...

# eiw against Extism (wasmtime). A workspace of its own, so `make test`
# never builds wasmtime, with a target directory of its own: that workspace
# resolves eiw's dependencies with other features, and sharing `target/`
# let its build of eiw overwrite the main one's under the same file name.
# (The first run builds wasmer and wasmtime there: many minutes.)
PEERS_TARGET := $(abspath target/peers)
bench-peers: wasm
	cd bench/peers && $(GUEST_PROFILE) CARGO_TARGET_DIR=$(PEERS_TARGET) $(CARGO) build --release \
	    --target wasm32-unknown-unknown -p extism_workloads
	cd bench/peers && CARGO_TARGET_DIR=$(PEERS_TARGET) $(CARGO) build --release -p eiw-bench-peers
	EIW_WASM_DIR=$(WASM_DIR) EIW_PEER_PLUGIN=$(PEERS_TARGET)/wasm32-unknown-unknown/release/extism_workloads.wasm \
	    $(PEERS_TARGET)/release/eiw-bench-peers

fmt-check:
	$(CARGO) fmt --all --check
	@test -z "$$(gofmt -l go)" || { gofmt -l go; echo "gofmt: the files above need formatting"; exit 1; }
	cd sdk-as && node_modules/.bin/prettier --check --log-level warn .

lint: setup
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
	$(CARGO) clippy --release --target wasm32-unknown-unknown $(addprefix -p ,eiw-sdk $(GUESTS)) -- -D warnings

# Regenerates include/eiw.h from src/ffi (the header test compares them).
header:
	EIW_UPDATE_HEADER=1 $(CARGO) test --release --test header

clean:
	$(CARGO) clean
	rm -rf $(CBUILD)
