#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Runs the attack and benign suites and writes docs/detection-results.md from
# what they measured: each attack's tool, command, alert id, latency and
# result, and the alerts each benign load raised, with the date, the kernel
# and the tools' versions.  Nothing in it is written by hand: run it again
# to refresh it.
#   sudo tools/detection-report.sh [OUTPUT]     (default docs/detection-results.md)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DOC=$(realpath -m "${1:-$ROOT/docs/detection-results.md}")
cd "$ROOT" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "detection-report: needs root (the suites load BPF): sudo $0" >&2; exit 1; }
tools/install-deps.sh || exit 1
make -s all || exit 1

work=$(mktemp -d /tmp/portsense-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
summary=()
for suite in attacks benign; do
	echo "detection-report: running the $suite suite"
	RESULTS=$work/$suite.tsv tests/run.sh "$suite" >"$work/$suite.out" 2>&1
	grep -E '^(not ok|skip) - ' "$work/$suite.out" | sed 's/^/  /'
	summary+=("$suite: $(tail -n 1 "$work/$suite.out")")
	touch "$work/$suite.tsv"
done

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- bpf include user 2>/dev/null)" ] && commit="$commit (with uncommitted changes to the sensor)"

{
	echo "# Detection results"
	echo
	echo "Written by \`tools/detection-report.sh\` (run it as root to refresh this page); nothing here is"
	echo "typed by hand. The attack suite (\`tests/test_attacks.sh\`) runs each attack against a fresh"
	echo "portsense watching a victim network namespace; the benign suite (\`tests/test_benign.sh\`) runs"
	echo "ordinary load that must raise no alert. All traffic stays between two namespaces joined by a"
	echo "veth pair, in 198.18.0.0/15 and 2001:db8::/32."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- kernel: $(uname -r) ($(uname -m)), $(nproc) CPUs"
	echo "- portsense: $(build/portsense -V 2>&1 | head -n 1), commit $commit"
	echo "- tools (Debian packages): nmap $(pkgver nmap), masscan $(pkgver masscan), hping3 $(pkgver hping3),"
	echo "  tcpreplay $(pkgver tcpreplay), scapy $(pkgver python3-scapy), iputils-ping $(pkgver iputils-ping),"
	echo "  wrk $(pkgver wrk), iperf3 $(pkgver iperf3), python3 $(pkgver python3)"
	for s in "${summary[@]}"; do echo "- suite $s"; done
	echo
	echo "## Attacks"
	echo
	echo "Latency: from the attack tool's start to the alert's timestamp. An alert must come within 2 s"
	echo "of the tool's end to count (\`missed\` otherwise)."
	echo
	echo "| attack | tool and command | alert | latency | result |"
	echo "|---|---|---|---|---|"
	while IFS=$'\t' read -r attack tool id result lat; do
		[ "$id" = "(alert lines)" ] && continue
		[ -n "$lat" ] && lat="$lat ms" || lat="-"
		echo "| $attack | \`${tool//|/\\|}\` | $id | $lat | $result |"
	done <"$work/attacks.tsv"
	echo
	echo "## Alert lines per attack"
	echo
	echo "Every line an attack made portsense print: alerts, and the summaries of the aggregated ones"
	echo "(docs/detection.md, \"Aggregated alerts\"), which it prints at exit for periods still open. The"
	echo "attack suite fails an attack that needs more than 8."
	echo
	echo "| attack | alert lines |"
	echo "|---|---|"
	while IFS=$'\t' read -r attack tool id result lat; do
		[ "$id" = "(alert lines)" ] && echo "| $attack | $result |"
	done <"$work/attacks.tsv"
	echo
	echo "## Benign load"
	echo
	echo "| load | tool and command | alerts raised |"
	echo "|---|---|---|"
	while IFS=$'\t' read -r load tool alerts; do
		echo "| $load | \`${tool//|/\\|}\` | $alerts |"
	done <"$work/benign.tsv"
} >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
echo "detection-report: wrote $DOC"
printf '  %s\n' "${summary[@]}"
