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

USER_SRCS := user/alerts.c user/attach.c user/config.c user/fields.c user/host.c user/lists.c user/snapshot.c user/live.c
USER_OBJS := $(USER_SRCS:user/%.c=$(OUT)/%.o)
HDRS := $(wildcard include/*.h) $(wildcard bpf/*.h) $(wildcard user/*.h)

.SECONDARY: $(OUT)/portsense.bpf.o $(OUT)/bench_gen.bpf.o
.PHONY: all clean test test-unit demo deps install bench
all: $(OUT)/portsense

$(OUT):
	mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(HDRS) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(OUT)/%.o: user/%.c $(HDRS) $(OUT)/portsense.skel.h | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/portsense: $(OUT)/portsense.o $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/xdp_pass.bpf.o: tests/xdp_pass.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/test_prog: tests/test_prog.c tests/pktbuild.h $(OUT)/fields.o $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) tests/test_prog.c $(OUT)/fields.o -o $@ $(LDLIBS)

$(OUT)/test_detect: tests/test_detect.c $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) tests/test_detect.c -o $@ $(LDLIBS)

# Benchmarks (tools/bench/): results go to BENCHMARKS.md.
$(OUT)/bench_base.bpf.o: tools/bench/base.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/progbench: tools/bench/progbench.c tests/pktbuild.h $(OUT)/lists.o $(HDRS) $(OUT)/portsense.skel.h
	$(CC) $(CFLAGS) tools/bench/progbench.c $(OUT)/lists.o -o $@ $(LDLIBS)

# The sensor with XDP_DROP as its verdict, run by the real loader: the
# ceiling of the sensor itself, against an XDP_DROP program.
$(OUT)/bench/portsense_drop.bpf.o: bpf/portsense.bpf.c $(HDRS) | $(OUT)
	mkdir -p $(OUT)/bench
	$(CLANG) $(BPF_CFLAGS) -DPS_XDP_VERDICT=XDP_DROP -c $< -o $@

$(OUT)/bench/portsense.skel.h: $(OUT)/bench/portsense_drop.bpf.o
	$(BPFTOOL) gen skeleton $< name portsense_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/portsense-drop: user/portsense.c $(USER_OBJS) $(HDRS) $(OUT)/bench/portsense.skel.h
	$(CC) -I$(OUT)/bench $(CFLAGS) user/portsense.c $(USER_OBJS) -o $@ $(LDLIBS)

$(OUT)/bench_gen.bpf.o: tools/bench/gen.bpf.c | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/livegen: tools/bench/livegen.c tests/pktbuild.h $(OUT)/bench_gen.skel.h
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(OUT)/pcapcount: tools/bench/pcapcount.c | $(OUT)
	$(CC) $(CFLAGS) $< -o $@ -lpcap

$(OUT)/mapcount: tools/bench/mapcount.c | $(OUT)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

BENCH_BINS := $(OUT)/progbench $(OUT)/bench_base.bpf.o $(OUT)/livegen $(OUT)/pcapcount \
	$(OUT)/mapcount $(OUT)/portsense-drop

bench: deps
	$(MAKE) all $(BENCH_BINS)
	tools/bench/run.sh

# Installs the Debian packages the build, the demo and the tests need.
deps:
	tools/install-deps.sh

# The README's commands: each installs what is missing first.
test: deps
	$(MAKE) all $(OUT)/test_prog $(OUT)/test_detect $(OUT)/xdp_pass.bpf.o
	tests/run.sh

test-unit: $(OUT)/test_prog
	$(OUT)/test_prog

demo: deps
	$(MAKE) all
	tools/demo.sh

install: $(OUT)/portsense
	install -D -m 0755 $(OUT)/portsense $(DESTDIR)$(PREFIX)/sbin/portsense
	install -D -m 0644 docs/portsense.8 $(DESTDIR)$(PREFIX)/share/man/man8/portsense.8
	install -D -m 0644 data/backdoor-ports.txt $(DESTDIR)$(PREFIX)/share/portsense/backdoor-ports.txt
	install -D -m 0644 data/amplifier-ports.txt $(DESTDIR)$(PREFIX)/share/portsense/amplifier-ports.txt

clean:
	rm -rf $(OUT)
