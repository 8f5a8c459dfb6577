#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make bench: runs the benchmarks and writes BENCHMARKS.md from what they
# measured (nothing in it is typed by hand).  Needs root (BPF test runs).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF_PROG_TEST_RUN): sudo make bench" >&2; exit 1; }
out=$(mktemp /tmp/portsense-bench.XXXXXX)
trap 'rm -f "$out"' EXIT
echo "bench: per-packet cost (BPF_PROG_TEST_RUN), about a minute"
build/progbench 15 >"$out"
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (tools/bench/run.sh); run it again to refresh this page."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- kernel: $(uname -r) ($(uname -m)), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo
	echo "## Per-packet cost"
	echo
	echo "BPF_PROG_TEST_RUN, median of 15 kernel loops of 200000 runs per packet; the baseline"
	echo "programs (tools/bench/base.bpf.c) only return PASS and run in the same process, on the"
	echo "same packets. \"no detectors\" is the same sensor with every detector off: parse and count."
	echo
	cat "$out"
	echo
	echo "## Not measured yet"
	echo
	echo "End to end on a veth with a live-frames generator, the tcpdump and libpcap comparison, the"
	echo "million-source flood with all detectors on, and the loader's CPU and RSS: see issue 5."
} >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
grep -E '^Budget' BENCHMARKS.md
