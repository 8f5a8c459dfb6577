#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# make bench-check: that make bench's pieces still fit together, in well
# under a minute and without the veth parts.  make bench takes 12 minutes
# and writes the page only at the end, so a report that no longer matches
# the measurements would otherwise show up that late.
#   - progbench's budget lines parse as run.sh turns them into rows, and
#     every budget missed has its "What bounds" line;
#   - report.py renders a raw file (RAW, default: the last make bench's
#     build/bench-raw.tsv) with no error and no undefined figure.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 if any failed.
#   tools/bench/selfcheck.sh [RAW]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
raw=${1:-build/bench-raw.tsv}
out=$(mktemp /tmp/portsense-bench-check.XXXXXX)
trap 'rm -f "$out"' EXIT
fail=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fail=1; }

if [ "$(id -u)" -ne 0 ]; then
	no "progbench needs root (BPF_PROG_TEST_RUN)"
elif ! timeout 120 build/progbench 2 >"$out" 2>&1; then
	no "progbench 2 failed: $(tail -n 2 "$out")"
else
	n=$(grep -c '^Budget: ' "$out")
	[ "$n" -ge 10 ] && ok "progbench prints $n budget lines" || no "progbench prints $n budget lines, 10 or more expected"
	bad=$(grep '^Budget: ' "$out" | sed -E -f tools/bench/budget_rows.sed | grep -v '^| [^|]* | [^|]* | \(met\|\*\*MISSED\*\*\) |$')
	[ -z "$bad" ] && ok "every budget line becomes a table row" || no "budget lines run.sh cannot read: $bad"
	# Each budget missed names what bounds it: its bullet, by kind.
	while IFS= read -r line; do
		what=${line#Budget: }
		case $what in
		"warm, "*) want="Warm, ${what#warm, }" ;;
		"a new source on every packet, "*) want="New source, ${what#a new source on every packet, }" ;;
		"cold "*) want="Cold, ${what#*), }" ;;
		"verifier, "*) want="Verifier, ${what#verifier, }" ;;
		*) continue ;;
		esac
		want=${want%%:*}
		grep -qF -- "- **$want**" "$out" && ok "what bounds: $want" || no "no 'What bounds' line for the missed budget: $want"
	done < <(grep '^Budget: .*: MISSED$' "$out")
fi

if [ ! -s "$raw" ]; then
	echo "skip - report.py: no raw measurements at $raw (run make bench, or give a raw file)"
elif ! /usr/bin/python3 -B tools/bench/report.py "$raw" >"$out" 2>&1; then
	no "report.py $raw failed: $(tail -n 3 "$out")"
else
	ok "report.py renders $raw"
	# A figure that was never measured prints as nan or inf.
	grep -qwiE 'nan|inf' "$out" && no "report.py printed an undefined figure: $(grep -wiE -m1 'nan|inf' "$out" | cut -c1-160)" ||
		ok "no undefined figure"
	grep -q '^## Budgets (parts 2-5)' "$out" && ok "the budgets of parts 2-5" || no "no budgets of parts 2-5"
	if grep -q '^sensor-args' "$raw"; then
		grep -q 'as an operator runs one' "$out" && ok "the sensors' arguments are on the page" ||
			no "the sensors' arguments are missing"
	fi
fi
exit $fail
