#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/bench/ab.sh - two builds of the sensor side by side in one run:
# is a change faster in the live path?
#
#   sudo tools/bench/ab.sh OLD_PORTSENSE NEW_PORTSENSE [ROUNDS] [TEMPLATES]
#
# OLD and NEW are loader binaries (or scripts that exec one with extra
# options, such as --disable).  Both run on veth pairs of their own in
# make bench's sandbox (live.sh), beside the no-op XDP_PASS receiver, and
# are measured in turn, round by round, with the frames of each livegen
# template (default: udp syn mix; unpaced):
#   prog  the XDP program's own run time per frame (BPF statistics);
#   core  the receiving thread's CPU time per frame (the stack included).
# The machine is shared and noisy: judge a change by the paired
# difference NEW - OLD of each round (median and range), not by one run.
# An A/A run (the same binary twice) shows the noise: about +-5 ns on
# prog with 8 rounds here.
# AB_RATE=PPS paces the generator (default 0: unpaced); AB_KEEP=FILE
# keeps the raw rows.
. "$(dirname "${BASH_SOURCE[0]}")/live.sh"

OLD=${1:?usage: ab.sh OLD_PORTSENSE NEW_PORTSENSE [ROUNDS] [TEMPLATES]}
NEW=${2:?usage: ab.sh OLD_PORTSENSE NEW_PORTSENSE [ROUNDS] [TEMPLATES]}
NR=${3:-8}
TEMPLATES=${4:-udp syn mix}
[ -x "$OLD" ] && [ -x "$NEW" ] || die "OLD and NEW must be executables"
[ "$NR" -ge 1 ] && [ "$NR" -le 30 ] 2>/dev/null || die "ROUNDS: 1 to 30"
RAW=$T_TMP/ab.tsv
SECS=1
RATE=${AB_RATE:-0}

setup
for c in a b v; do pair $c; done
attach_xdp a base_xdp_pass
sensor b "$OLD"
sensor v "$NEW"
for c in a b v; do napi $c; done
for r in $(seq "$NR"); do
	log "round $r of $NR"
	for tpl in $TEMPLATES; do
		for c in $(rotate $((r - 1)) a b v); do
			measure e2e $c "$r" "$tpl" "$RATE"
			progstat $c "$tpl" "$RATE"
		done
	done
done
[ -z "${AB_KEEP:-}" ] || cp "$RAW" "$AB_KEEP"	# the raw rows, for a closer look
/usr/bin/python3 - "$RAW" <<'EOF'
import statistics as st
import sys

prog, core = {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "progstat":      # progstat cfg template rate run_ns runs
        prog.setdefault(f[2], {}).setdefault(f[1], []).append(int(f[4]) / max(int(f[5]), 1))
    elif f[0] == "e2e":         # e2e cfg round template rate sent secs rx drops ns ...
        core.setdefault(f[3], {}).setdefault(f[1], []).append(int(f[9]) / max(int(f[7]), 1))

def paired(x, y):
    d = [j - i for i, j in zip(x, y)]
    return "%+.1f (%+.0f to %+.0f)" % (st.median(d), min(d), max(d))

print("| template | measure | no-op XDP_PASS | OLD | NEW | OLD - no-op | NEW - OLD |")
print("|---|---|---|---|---|---|---|")
for name, d in (("prog", prog), ("core", core)):
    for tpl, v in d.items():
        a, b, n = v["a"], v["b"], v["v"]
        print("| %s | %s ns/frame | %.0f | %.1f | %.1f | %s | %s |" % (
            tpl, name, st.median(a), st.median(b), st.median(n), paired(a, b), paired(b, n)))
print()
print("Differences are paired by round: median and range over the rounds.")
EOF
