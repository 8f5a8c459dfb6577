# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# portsense: bpf/*.bpf.c -> build/*.bpf.o -> bpftool gen skeleton -> binary.

CLANG   ?= clang
BPFTOOL ?= bpftool
CC      ?= gcc
PREFIX  ?= /usr/local

OUT := build
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -dumpmachine)

# -g: BTF goes into the object, so pinned maps show field names in bpftool.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -I/usr/include/$(MULTIARCH)
CFLAGS  ?= -g -O2
CFLAGS  += -Wall -Wextra -Werror -std=gnu11 -Iinclude -I$(OUT) -Iuser \
	-DPS_DATADIR='"$(PREFIX)/share/portsense"'
LDLIBS  := -lbpf -lelf -lz -lm -linih
# The sensor alone serves metrics (libmicrohttpd, its own thread).
PS_LDLIBS := $(LDLIBS) -lmicrohttpd -lpthread

USER_SRCS := user/alerts.c user/attach.c user/capture.c user/catalogue.c user/cmdline.c user/config.c user/detach.c user/evfile.c user/evidence.c user/fields.c user/handshakes.c user/host.c user/ifaces.c user/lists.c user/live.c user/mapstats.c user/metrics.c user/options.c user/patterns.c user/pcapng.c user/privs.c user/prom.c user/run.c user/sensor.c user/slots.c user/snapshot.c user/stats.c user/summary.c user/top.c \
	user/btfconv.c user/carry.c user/handover.c user/migrate.c user/pins.c user/rings.c user/takeover.c user/upgrade.c
USER_OBJS := $(USER_SRCS:user/%.c=$(OUT)/%.o)
HDRS := $(wildcard include/*.h) $(wildcard bpf/*.h) $(wildcard user/*.h)

.SECONDARY: $(OUT)/portsense.bpf.o $(OUT)/bench_gen.bpf.o $(OUT)/ps_carry.bpf.o
.PHONY: all clean test test-unit demo deps deps-demo install bench bench-check fuzz fuzz-targets sanitize
all: $(OUT)/portsense

$(OUT):
	mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(HDRS) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(OUT)/%.o: user/%.c $(HDRS) $(OUT)/portsense.skel.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

# The loader's second object: adds carried-over counts into per-CPU maps (user/carry.c).
$(OUT)/carry.o: $(OUT)/ps_carry.skel.h

$(OUT)/portsense: $(OUT)/portsense.o $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(PS_LDLIBS)

$(OUT)/xdp_pass.bpf.o: tests/xdp_pass.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The test programs' shared fixtures (tests/harness.h).  It fills the
# detectors' lists with the loader's own code, so its users link lists.o.
HARNESS_OBJS := $(OUT)/harness.o $(OUT)/lists.o

$(OUT)/harness.o: tests/harness.c tests/harness.h $(HDRS) $(OUT)/portsense.skel.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

# The runner, its table of crafted frames, and the expectations they imply.
TEST_PROG_SRCS := tests/test_prog.c tests/prog_cases.c tests/prog_want.c
$(OUT)/test_prog: $(TEST_PROG_SRCS) tests/prog_cases.h tests/pktbuild.h tests/harness.h $(HARNESS_OBJS) \
		$(OUT)/fields.o $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) $(TEST_PROG_SRCS) $(HARNESS_OBJS) $(OUT)/fields.o -o $@ $(LDLIBS)

# The loader's tables and pure modules, without BPF (tests/test_loader.c).
$(OUT)/test_loader: tests/test_loader.c $(USER_OBJS) $(HDRS)
	$(CC) $(CFLAGS) tests/test_loader.c $(USER_OBJS) -o $@ $(PS_LDLIBS)

# With the loader's summary of aggregated alerts: the estimate of the real sketch.
DETECT_OBJS := $(OUT)/summary.o $(OUT)/alerts.o $(OUT)/catalogue.o
# The suite's frame and its scenarios, a file per family of detectors.
TEST_DETECT_SRCS := tests/test_detect.c tests/detect_floods.c tests/detect_scans.c tests/detect_arp.c \
	tests/detect_evidence.c
$(OUT)/test_detect: $(TEST_DETECT_SRCS) tests/detect.h tests/pktbuild.h tests/harness.h $(HARNESS_OBJS) \
		$(DETECT_OBJS) $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) $(TEST_DETECT_SRCS) $(HARNESS_OBJS) $(DETECT_OBJS) -o $@ $(LDLIBS)

# The connection diagnosis in the kernel, packet by packet.
$(OUT)/test_handshake: tests/test_handshake.c tests/pktbuild.h tests/harness.h $(HARNESS_OBJS) \
		$(OUT)/handshakes.o $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) tests/test_handshake.c $(HARNESS_OBJS) $(OUT)/handshakes.o -o $@ $(LDLIBS)

# Benchmarks (tools/bench/): results go to BENCHMARKS.md.
$(OUT)/bench_base.bpf.o: tools/bench/base.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# A new source on every run of a kernel loop (progbench's "new source" rows).
$(OUT)/bench_vary.bpf.o: tools/bench/vary.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

PROGBENCH_SRCS := tools/bench/progbench.c tools/bench/pb_ab.c tools/bench/pb_lines.c tools/bench/pb_util.c tools/bench/pb_budget.c
$(OUT)/progbench: $(PROGBENCH_SRCS) tools/bench/pb.h tests/pktbuild.h tests/harness.h $(HARNESS_OBJS) \
		$(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) $(PROGBENCH_SRCS) $(HARNESS_OBJS) -o $@ $(LDLIBS)

# The sensor with XDP_DROP as its verdict, run by the real loader: the
# ceiling of the sensor itself, against an XDP_DROP program.
$(OUT)/bench/portsense_drop.bpf.o: bpf/portsense.bpf.c $(HDRS) | $(OUT)
	mkdir -p $(OUT)/bench
	$(CLANG) $(BPF_CFLAGS) -DPS_XDP_VERDICT=XDP_DROP -c $< -o $@

$(OUT)/bench/portsense.skel.h: $(OUT)/bench/portsense_drop.bpf.o
	$(BPFTOOL) gen skeleton $< name portsense_bpf > $@.tmp && mv $@.tmp $@

# Only sensor.c embeds the object (the skeleton's ELF bytes); the rest of
# the loader is the same build's.
$(OUT)/portsense-drop: user/sensor.c $(OUT)/portsense.o $(filter-out $(OUT)/sensor.o,$(USER_OBJS)) \
		$(HDRS) $(OUT)/bench/portsense.skel.h
	$(CC) -I$(OUT)/bench $(CFLAGS) user/sensor.c $(OUT)/portsense.o \
		$(filter-out $(OUT)/sensor.o,$(USER_OBJS)) -o $@ $(PS_LDLIBS)

$(OUT)/bench_gen.bpf.o: tools/bench/gen.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/livegen: tools/bench/livegen.c tests/pktbuild.h $(OUT)/bench_gen.skel.h
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(OUT)/pcapcount: tools/bench/pcapcount.c | $(OUT)
	$(CC) $(CFLAGS) $< -o $@ -lpcap

$(OUT)/mapcount: tools/bench/mapcount.c | $(OUT)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

BENCH_BINS := $(OUT)/progbench $(OUT)/bench_base.bpf.o $(OUT)/bench_vary.bpf.o $(OUT)/livegen $(OUT)/pcapcount \
	$(OUT)/mapcount $(OUT)/portsense-drop

bench: deps
	$(MAKE) all $(BENCH_BINS)
	tools/bench/run.sh

# make bench's pieces fit together (progbench's budget lines as run.sh
# reads them, report.py on the last run's raw file): under a minute.
bench-check: all $(BENCH_BINS)
	tools/bench/selfcheck.sh

# Installs the Debian packages the build, the demo and the tests need
# (deps-demo: the build and the demo only).
deps:
	tools/install-deps.sh

deps-demo:
	tools/install-deps.sh demo

# The README's commands: each installs what is missing first.
test: deps
	$(MAKE) all $(OUT)/test_prog $(OUT)/test_detect $(OUT)/test_handshake $(OUT)/test_loader $(OUT)/xdp_pass.bpf.o $(ROBUST_BINS)
	tests/run.sh

test-unit: $(OUT)/test_prog
	$(OUT)/test_prog

demo: deps-demo
	$(MAKE) all
	tools/demo.sh

install: $(OUT)/portsense
	install -D -m 0755 $(OUT)/portsense $(DESTDIR)$(PREFIX)/sbin/portsense
	install -D -m 0644 docs/portsense.8 $(DESTDIR)$(PREFIX)/share/man/man8/portsense.8
	install -D -m 0644 data/backdoor-ports.txt $(DESTDIR)$(PREFIX)/share/portsense/backdoor-ports.txt
	install -D -m 0644 data/amplifier-ports.txt $(DESTDIR)$(PREFIX)/share/portsense/amplifier-ports.txt

clean:
	rm -rf $(OUT) build-san

# Robustness (docs/robustness.md): the BPF fuzz harness, libFuzzer targets
# for the loader's parsers, and a sanitizer build of the loader and tests.
FUZZ_SECONDS ?= 300
SHARED ?= $(abspath ..)/shared

# The BPF side's parser and counting compiled for user space (the model the
# harness checks the kernel against): BPF-only pragmas are ignored here.
$(OUT)/fuzz_model.o: tests/fuzz_model.c tests/fuzz_model.h $(HDRS) | $(OUT)
	$(CC) $(CFLAGS) -Wno-unknown-pragmas -Wno-sign-compare -Ibpf -c $< -o $@

$(OUT)/pcapfile.o: tests/pcapfile.c tests/pcapfile.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

# The harness's sources by job: running and checking (fuzz_prog.c), the
# frames (fuzz_frames.c), what must hold whatever the frame (fuzz_invariants.c).
FUZZ_PROG_SRCS := tests/fuzz_prog.c tests/fuzz_frames.c tests/fuzz_invariants.c

$(OUT)/fuzz_prog: $(FUZZ_PROG_SRCS) tests/fuzz_frames.h tests/fuzz_invariants.h tests/pktbuild.h \
		tests/harness.h tests/fuzz_model.h tests/pcapfile.h \
		$(HARNESS_OBJS) $(OUT)/fuzz_model.o $(OUT)/pcapfile.o $(OUT)/fields.o $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) $(FUZZ_PROG_SRCS) $(HARNESS_OBJS) $(OUT)/fuzz_model.o $(OUT)/pcapfile.o \
		$(OUT)/fields.o -o $@ $(LDLIBS)

# libFuzzer targets (tools/fuzz/): the parsers built with the fuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (clang's runtime,
# Debian's libclang-rt-14-dev).
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -std=gnu11 -Iinclude -Iuser
FUZZ_TARGETS := fuzz_config fuzz_lists fuzz_alert
FUZZ_SRC_fuzz_config := user/config.c
FUZZ_SRC_fuzz_lists := user/lists.c
FUZZ_SRC_fuzz_alert := user/alerts.c user/catalogue.c

$(OUT)/fuzz:
	mkdir -p $@

$(OUT)/fuzz/%: tools/fuzz/%.c tools/fuzz/fuzz_file.h user/config.c user/lists.c user/alerts.c user/catalogue.c \
		$(HDRS) | $(OUT)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_SRC_$*) -o $@ -lbpf -linih

fuzz-targets: $(FUZZ_TARGETS:%=$(OUT)/fuzz/%)

# What 'make test' builds for the fuzz, faults, badinput and privs suites.
ROBUST_BINS := $(OUT)/fuzz_prog $(OUT)/fault_flood $(FUZZ_TARGETS:%=$(OUT)/fuzz/%)

# Longer than 'make test': the BPF harness for FUZZ_SECONDS, each libFuzzer
# target for LIBFUZZER_SECONDS; new libFuzzer inputs stay in a scratch dir.
LIBFUZZER_SECONDS ?= 120
fuzz: all $(OUT)/fuzz_prog fuzz-targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) LIBFUZZER_SECONDS=$(LIBFUZZER_SECONDS) tests/test_fuzz.sh | tee $(OUT)/fuzz.log
	@! grep -q '^not ok' $(OUT)/fuzz.log

# The loader and the unit tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang) into build-san/, then the suites that
# drive them: unit, detect, loader, cli, badinput and ops (1000 reloads of
# a running sensor: LeakSanitizer fails its exit on a leak).  Any report
# fails the run.
SAN_OUT := build-san
SAN_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize:
	CFLAGS="$(SAN_CFLAGS)" $(MAKE) OUT=$(SAN_OUT) CC=clang MULTIARCH=$(MULTIARCH) $(SAN_OUT)/portsense \
		$(SAN_OUT)/test_prog $(SAN_OUT)/test_detect $(SAN_OUT)/test_loader
	BUILD=$(SAN_OUT) ASAN_OPTIONS=abort_on_error=0:exitcode=86:detect_leaks=1 \
		LSAN_OPTIONS=suppressions=$(abspath tools/fuzz/lsan.supp) \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
		tests/run.sh unit detect loader cli badinput ops

$(OUT)/fault_flood: tests/fault_flood.c tests/harness.h $(HARNESS_OBJS) $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) tests/fault_flood.c $(HARNESS_OBJS) -o $@ $(LDLIBS)


# Container image (deploy/container/, docs/deploy.md).  A fully static
# binary where Debian ships a static archive of every library it links
# (libbpf, libelf, zlib, libinih, glibc do); libmicrohttpd's TLS side needs
# p11-kit, of which Debian 12 ships no libp11-kit.a, so with it linked in
# `make static` fails and `make image` uses the dynamic binary and the
# libraries ldd lists instead.
STATIC_LDLIBS = $(LDLIBS) $(shell pkg-config --static --libs-only-l libmicrohttpd) -lpthread

$(OUT)/portsense-static: $(OUT)/portsense.o $(USER_OBJS)
	$(CC) $(CFLAGS) -static $^ -o $@ $(STATIC_LDLIBS)

.PHONY: static image
static: $(OUT)/portsense-static

# localhost/portsense:VERSION with podman (sudo make deps installs it).
image: all
	deploy/container/build-image.sh
