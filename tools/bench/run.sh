#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make bench: runs the benchmarks and writes BENCHMARKS.md from what they
# measured (nothing in it is typed by hand).  Needs root (BPF test runs,
# namespaces).  About 10 minutes: part 1 takes one, live.sh the rest.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF_PROG_TEST_RUN, namespaces): sudo make bench" >&2; exit 1; }
out=$(mktemp /tmp/portsense-bench.XXXXXX)
raw=$ROOT/build/bench-raw.tsv
trap 'rm -f "$out"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
echo "bench: part 1, per-packet cost (BPF_PROG_TEST_RUN), about a minute"
build/progbench 15 >"$out"
echo "bench: parts 2-5 on veth pairs (tools/bench/live.sh), about nine minutes"
rm -f "$raw"
BENCH_RAW=$raw tools/bench/live.sh
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (tools/bench/run.sh); run it again to refresh this page. The raw"
	echo "measurements of parts 2-5 stay in build/bench-raw.tsv."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(( ($(date +%s) - t0) / 60 )) minutes"
	echo "- kernel: $(uname -r) ($(uname -m)), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "- load average (1, 5, 15 min) before: $load0; after: $load1. Other work on the machine"
	echo "  (other engineers' builds and tests share these two cores) makes absolute numbers noisy;"
	echo "  every comparison below is against a baseline measured in the same run, interleaved."
	echo
	echo "## Per-packet cost"
	echo
	echo "BPF_PROG_TEST_RUN, median of 15 kernel loops of 200000 runs per packet; the baseline"
	echo "programs (tools/bench/base.bpf.c) only return PASS and run in the same process, on the"
	echo "same packets. \"no detectors\" is the same sensor with every detector off: parse and count."
	echo
	cat "$out"
	echo
	/usr/bin/python3 tools/bench/report.py "$raw"
} >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
grep -E '^Budget|MISSED' BENCHMARKS.md || true
