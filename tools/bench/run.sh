#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make bench: runs the benchmarks and writes BENCHMARKS.md from what they
# measured (nothing in it is typed by hand).  Needs root (BPF test runs,
# namespaces).  About 14 minutes: part 1 takes one or two, live.sh the rest.
#   tools/bench/run.sh [PARTS]   PARTS of live.sh (e2e alt flood mem; all by default)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (BPF_PROG_TEST_RUN, namespaces): sudo make bench" >&2; exit 1; }
out=$(mktemp /tmp/portsense-bench.XXXXXX)
cap=$(mktemp /tmp/portsense-bench.XXXXXX)
ver=$(mktemp /tmp/portsense-bench.XXXXXX)
raw=$ROOT/build/bench-raw.tsv
trap 'rm -f "$out" "$cap" "$ver"' EXIT
# others: what else used over 5% of a CPU in a 1 s sample.  Another
# engineer's benchmark on these two cores moves every figure; the page
# says what ran besides.
others() {
	top -b -n 2 -d 1 -w 512 2>/dev/null | awk '/^top -/ { n++ }
		n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 && $12 != "top" { printf "%s%s %.0f%%", sep, $12, $9; sep = ", " }
		END { if (!sep) printf "none" }'
}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
busy0=$(others)
# What was measured: the build is of the working tree, so say when it
# differs from the commit (the page itself is the usual difference).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null || commit="$commit with uncommitted changes"
t0=$(date +%s)
echo "bench: part 1, per-packet cost (BPF_PROG_TEST_RUN), about a minute"
build/progbench 15 >"$out"
# The capture check against the same object with the capture code pruned
# at load, at both hooks a frame of the host's own meets.
for prog in ps_xdp ps_tc_in; do
	build/progbench --ab-capture 31 $prog >>"$cap"
	echo >>"$cap"
done
# Which detectors the verifier's work comes from: each one off alone.
build/progbench --verifier >"$ver"
busy1=$(others)
echo "bench: parts 2-5 on veth pairs (tools/bench/live.sh), about twelve minutes"
rm -f "$raw"
BENCH_RAW=$raw tools/bench/live.sh "$@"	# parts (live.sh): all by default
load1=$(cut -d' ' -f1-3 /proc/loadavg)
busy2=$(others)
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` (tools/bench/run.sh); run it again to refresh this page. The raw"
	echo "measurements of parts 2-5 stay in build/bench-raw.tsv."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(( ($(date +%s) - t0) / 60 )) minutes"
	echo "- kernel: $(uname -r) ($(uname -m)), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "- commit measured: $commit"
	echo "- load average (1, 5, 15 min) before: $load0; after: $load1. Other work on the machine"
	echo "  (other engineers' builds and tests share these two cores) makes absolute numbers noisy;"
	echo "  every comparison below is against a baseline measured in the same run, interleaved."
	echo "- other processes over 5% of a CPU (1 s samples): before part 1: $busy0; before parts 2-5:"
	echo "  $busy1; after: $busy2."
	echo
	echo "## Per-packet cost"
	echo
	echo "BPF_PROG_TEST_RUN (\`build/progbench\`), all detectors on at their defaults, the issue-5 packet"
	echo "mix. The figure judged is the **ns the sensor adds** to a run of a program that only returns PASS"
	echo "(tools/bench/base.bpf.c), measured beside it in the same process, on the same packets, round by"
	echo "round. What the test run itself costs a run is in both and moves with the kernel (the PASS"
	echo "columns; docs/performance.md, \"The test run's own cost\"), so the difference is what a user"
	echo "pays for the sensor, and a ratio to the baseline is not. Ratios stay beside, as information."
	echo "\"no detectors\" is the same sensor with every detector off: parse and count. The kernel"
	echo "reports whole ns per run."
	echo
	sed '/^Budget: /,$d' "$out"
	echo "### The evidence capture's check"
	echo
	echo "\`build/progbench --ab-capture 31 PROG\`: this build against the same object with its capture code"
	echo "pruned at load (\`ps_capture_on = 0\`), no capture open, warm, 31 rounds; each loaded twice (this,"
	echo "other, other, this: where the first instance's maps land moves a SYN by 3 ns), the four take turns"
	echo "within each round, the order reversed every other round, each side the mean of its two; the"
	echo "median of the rounds' paired differences."
	echo
	grep -v '^Budget: ' "$cap"
	echo "### The verifier, detector by detector"
	echo
	echo "\`build/progbench --verifier\`: instructions processed at load / kept after the verifier removed"
	echo "dead code. Each *N off* row loads the object with every detector on but number N of enum ps_alert"
	echo "(include/portsense.h): how far it falls below *all on* is that detector's share of the"
	echo "verifier's work; *all off* is the parser's, the counting's and the handshakes'."
	echo
	sed -n '/^|/p' "$ver"
	echo
	echo "### Budgets (per packet)"
	echo
	echo "| budget | measured | met? |"
	echo "|---|---|---|"
	grep -h '^Budget: ' "$out" "$cap" | sed -E -f tools/bench/budget_rows.sed
	echo
	sed -n '/^What bounds/,$p' "$out"
	echo
	/usr/bin/python3 -B tools/bench/report.py "$raw"	# -B: no root-owned __pycache__ in the tree
} >BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
# Every budget row of the page, met or not.
grep -E '^\| [^|]* \| [^|]* \| (met|\*\*MISSED\*\*) \|$' BENCHMARKS.md | cut -d'|' -f2- || true
