#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Suite "upgrade": upgrades and restarts leave no blind window and lose no
# count (docs/operations.md, "Upgrades and restarts").
#  - migration: the pins of the previous release (built here from git) and
#    of a build whose struct ps_counters is reordered and extended and whose
#    talker map is larger are carried over field by field, both ways, every
#    counter going on; another --max-interfaces too, and what cannot fit is
#    refused with the fix;
#  - handover (--replace) under 100 pings a second, the swap 2 s in: every
#    frame sent is counted, with XDP, tcx and clsact, and from the other
#    layout; a third instance without --replace is still refused;
#  - a successor the verifier refuses, or a bad configuration, leaves the
#    running instance counting;
#  - SIGKILL of either side in the middle of a handover, or of both: the
#    survivor or the next start recovers with no manual step and every
#    frame counted; an alert nobody read is printed by whoever comes next;
#  - a replaced instance in another PID namespace (a container) waits to be
#    stopped; 'portsense detach' still removes everything.
# The builds it makes (the previous release is cached in build/) take some
# 20 s; each traffic scenario runs 4 to 10 s.
. "$(dirname "$0")/lib.sh"

PREV_RELEASE=${PS_PREV_RELEASE:-f8d2fd8}
two_hosts upgrade
ip -n "$B" link add psx0 type veth peer name psx1 && ip -n "$B" link set psx0 up &&
	ip -n "$B" link set psx1 up || { not_ok "upgrade setup" "no second veth"; exit 0; }
LOG2=$T_TMP/ps2.log

# --- builds -------------------------------------------------------------------

# build_tree DIR: the portsense of the tree in DIR, by its own Makefile.
build_tree() { make -C "$1" -j2 build/portsense >"$1/make.log" 2>&1; }

# copy_tree DIR: this tree's sources (not its build) into DIR.
copy_tree() { rm -rf "$1" && mkdir -p "$1" && cp -r "$ROOT"/Makefile "$ROOT"/bpf "$ROOT"/include "$ROOT"/user "$ROOT"/data "$1"/; }

PREV_DIR=$ROOT/build/prev-$PREV_RELEASE
PREV=$PREV_DIR/build/portsense
if [ ! -x "$PREV" ]; then
	rm -rf "$PREV_DIR" && mkdir -p "$PREV_DIR"
	git -C "$ROOT" archive "$PREV_RELEASE" 2>"$T_TMP/git.err" | tar -x -C "$PREV_DIR" && build_tree "$PREV_DIR" ||
		rm -f "$PREV"
fi
[ -x "$PREV" ] && ok "the previous release ($PREV_RELEASE) builds from git" ||
	not_ok "the previous release ($PREV_RELEASE) builds from git" \
		"$(cat "$T_TMP/git.err" "$PREV_DIR/make.log" 2>/dev/null | tail -n 3 | tr '\n' ' ') (a shallow clone? fetch its history)"

# Another layout: every member of struct ps_counters, of the TCP/UDP counters
# and of a port class's packets and bytes in reverse order, a new counter in
# the first two, a new counter of the sensor's own (ps_global one entry
# longer) and twice the talkers (a larger map).  Made from this tree.
SYN_DIR=$T_TMP/synthetic SYN=$T_TMP/synthetic/build/portsense
copy_tree "$SYN_DIR" && $PY - "$SYN_DIR" <<'PYEOF' && build_tree "$SYN_DIR" ||
import re, sys
root = sys.argv[1]

def relist(s, name, edit):
    lines = s.split('\n')
    i = next(k for k, l in enumerate(lines) if l.startswith('#define %s(' % name))
    j, body = i + 1, []
    while True:
        body.append(lines[j].rstrip().rstrip('\\').rstrip())
        if not lines[j].rstrip().endswith('\\'):
            break
        j += 1
    body = edit(body)
    return '\n'.join(lines[:i + 1] + [b + '\t\\' for b in body[:-1]] + body[-1:] + lines[j + 1:])

p = root + '/include/ps_counters.h'
s = open(p).read()
s = relist(s, 'PS_COUNTERS_LIST', lambda b: b[::-1][:5] + ['\tU(upgrade_probe, "upgrade_probe", "")'] + b[::-1][5:])
s = relist(s, 'PS_L4_LIST', lambda b: b[::-1] + ['\tU(upgrade_l4, "upgrade_l4", "")'])
s = relist(s, 'PS_PKTS_BYTES_LIST', lambda b: b[::-1])
s = relist(s, 'PS_G_LIST', lambda b: b + ['\tE(PS_G_UPGRADE_PROBE, upgrade_probe)'])
open(p, 'w').write(s)
p = root + '/include/portsense.h'
s, n = re.subn(r'(#define PS_TALKERS_MAX\s+)4096', r'\g<1>8192', open(p).read())
assert n == 1
open(p, 'w').write(s)
PYEOF
	rm -f "$SYN"
[ -x "$SYN" ] && ok "a build with a reordered, extended struct ps_counters and a larger map builds" ||
	not_ok "a build with a reordered, extended struct ps_counters and a larger map builds" \
		"$(tail -n 3 "$SYN_DIR/make.log" 2>/dev/null | tr '\n' ' ')"

# A build whose XDP program the verifier refuses: it reads the packet
# unchecked.  It compiles; only the load fails.
BAD_DIR=$T_TMP/refused BAD=$T_TMP/refused/build/portsense
copy_tree "$BAD_DIR" && $PY - "$BAD_DIR/bpf/portsense.bpf.c" <<'PYEOF' && build_tree "$BAD_DIR" ||
import sys
p = sys.argv[1]
s = open(p).read()
old = 'int ps_xdp(struct xdp_md *ctx)\n{\n\tstruct ps_pkt pkt;\n'
assert old in s
s = s.replace(old, old + '\tif (*(volatile __u8 *)(long)ctx->data_end)\n\t\treturn XDP_ABORTED;\n')
open(p, 'w').write(s)
PYEOF
	rm -f "$BAD"
[ -x "$BAD" ] || not_ok "a build the verifier refuses builds" "$(tail -n 3 "$BAD_DIR/make.log" 2>/dev/null | tr '\n' ' ')"

# --- helpers ------------------------------------------------------------------

# mix: a little of everything: pings, a UDP datagram, a TCP SYN to a closed port.
mix() {
	ip netns exec "$A" ping -q -c 3 -i 0.01 -W 1 198.18.0.2 >/dev/null
	ip netns exec "$A" bash -c 'echo x >/dev/udp/198.18.0.2/5353; timeout 1 bash -c "</dev/tcp/198.18.0.2/80"' 2>/dev/null
	sleep 0.2
}

# stats_json FILE [BIN]: the pins' cumulative snapshot, read by BIN.
stats_json() { PORTSENSE=${2:-$PORTSENSE} ps_in "$B" stats --json --pin-path "$PIN" >"$1" 2>/dev/null; }

# sums_go_on NAME BEFORE OWN AFTER: every counter of psb0 in AFTER (its
# frames and its handshakes, ps_hs) is its value in BEFORE plus the run's
# own; counters BEFORE lacks (new fields, a build before ps_hs) hold the
# run's own counts alone.  Says how many counters it compared.
sums_go_on() {
	local name=$1 out
	if out=$($PY - "$2" "$3" "$4" <<'PYEOF'
import json, sys
def leaves(d, p=''):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from leaves(v, p + k + '.')
        elif isinstance(v, int):
            yield p + k, v
def side(f):
    i = json.load(open(f))['interfaces']['psb0']
    return {k: v for s in ('ingress', 'egress', 'handshakes') if s in i for k, v in leaves(i[s], s + '.')}
before, own, after = (side(f) for f in sys.argv[1:4])
bad = [k for k in after if k in before and after[k] != before[k] + own.get(k, 0)]
bad += [k for k in after if k not in before and after[k] != own.get(k, 0)]
n = sum(1 for k in after if k in before)
hs = sum(v for k, v in after.items() if k.startswith('handshakes.') and k.endswith('.refused'))
print('%d counters, %d non-zero, frames in %d, handshakes refused %d%s' % (
    n, sum(1 for k in after if after[k]), after['ingress.frames'], hs, '; wrong: ' + ' '.join(bad[:5]) if bad else ''))
sys.exit(1 if bad or n < 50 or not before['ingress.icmp.echo_request'] else 0)
PYEOF
	); then ok "$name ($out)"; else not_ok "$name" "$out"; fi
}

# counts FILE: psb0's echo requests in, replies out, frames in, frames out
# (0 0 0 0 when the snapshot has no psb0 yet).
counts() {
	$PY - "$1" <<'PYEOF'
import json, sys
try:
    i = json.load(open(sys.argv[1]))['interfaces']['psb0']
except (ValueError, KeyError, OSError):
    print('0 0 0 0'); sys.exit()
print(i['ingress']['icmp']['echo_request'], i['egress']['icmp']['echo_reply'],
      i['ingress']['frames'], i['egress']['frames'])
PYEOF
}

# traffic N [BIN]: N echo requests A -> B, 10 ms apart, in the background;
# the pins' counts before it (read by BIN) are the baseline of exact().
traffic() {
	stats_json "$T_TMP/base.json" "${2:-}"
	ip netns exec "$A" ping -q -c "$1" -i 0.01 -W 1 198.18.0.2 >"$T_TMP/ping.out" 2>&1 &
	PING=$!
}

# exact NAME [EXTRA [BIN]]: waits for the traffic; then the pins (read by
# BIN) counted every echo request sent and reply received since the
# baseline, and no other frame but EXTRA each way (a SYN and its RST, say).
exact() {
	local name=$1 extra=${2:-0} sent rcvd got want
	wait "$PING"
	sent=$(awk '/packets transmitted/ {print $1}' "$T_TMP/ping.out")
	rcvd=$(awk '/packets transmitted/ {print $4}' "$T_TMP/ping.out")
	sleep 0.2
	stats_json "$T_TMP/exact.json" "${3:-}"
	got=$(paste -d' ' <(counts "$T_TMP/base.json" | tr ' ' '\n') <(counts "$T_TMP/exact.json" | tr ' ' '\n') |
		awk '{ print $2 - $1 }' | tr '\n' ' ')
	got=${got% }
	want="$sent $rcvd $((sent + extra)) $((rcvd + extra))"
	if [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$got" = "$want" ]; then
		ok "$name: every frame counted ($sent requests sent, $rcvd replies; counted $got)"
	else
		not_ok "$name: every frame counted" "sent $sent, replies $rcvd; counted requests, replies, frames in, out: $got, want $want"
	fi
}

# spawn LOG ARGS...: portsense in B, in the background (not waited for); $SPID.
spawn() {
	local log=$1; shift
	: >"$log"
	nsenter --net="/run/netns/$B" "$PORTSENSE" "$@" >"$log.out" 2>"$log" &
	SPID=$!
	T_PIDS+=("$SPID")
}

# wait_log FILE PATTERN [SECS]: until FILE has a line matching PATTERN.
wait_log() {
	local i
	for i in $(seq $((${3:-10} * 50))); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# reap PID: its exit status, waited for (5 s at most: then 124).
reap() {
	local i
	for i in $(seq 50); do alive "$1" || break; sleep 0.1; done
	alive "$1" && { kill -KILL "$1"; wait "$1" 2>/dev/null; forget_pid "$1"; return 124; }
	wait "$1"; local rc=$?
	forget_pid "$1"
	return $rc
}

# limited BIN: a wrapper that runs BIN as root with CAP_BPF, CAP_PERFMON and
# CAP_NET_ADMIN only, as the DaemonSet and the systemd unit do: without
# CAP_SYS_ADMIN no program can be looked up by id, so a handover finds the
# old programs by their pins.
limited() {
	local w
	w=$T_TMP/limited-$(basename "$(dirname "$(dirname "$1")")")
	printf '#!/bin/sh\nexec setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all %s "$@"\n' "$1" >"$w"
	chmod +x "$w"
	echo "$w"
}
NEW=$(limited "$PORTSENSE")
[ -x "$SYN" ] && LSYN=$(limited "$SYN")

xdp_id() { ip -n "$B" -d link show psb0 | awk '/prog\/xdp/ {for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1)}' | head -n 1; }

# fresh: no pins, nothing attached (the scenario before left a clean stop).
fresh() { rm -rf "$PIN"; }

# --- migration ----------------------------------------------------------------

if [ -x "$PREV" ]; then
	fresh
	if PORTSENSE=$PREV start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
		mix
		stats_json "$T_TMP/before.json"
		stop_ok "previous release: counts, exits 0"
		if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json --stats-json "$T_TMP/own.json"; then
			mix
			stats_json "$T_TMP/after.json"
			stop_ok "this build on the previous release's pins: exits 0"
			sums_go_on "previous release -> this build: every counter goes on" \
				"$T_TMP/before.json" "$T_TMP/own.json" "$T_TMP/after.json"
			grep -q "ps_recent: pinned with another layout.*new, from zero: agg, cap; dropped: pad, pad2" "$LOG" &&
				ok "previous release: its ps_recent (struct ps_event's pads are agg and cap now) carried over by field name, said" ||
				not_ok "previous release: its ps_recent carried over by field name, said" "$(grep ps_recent "$LOG")"
		else
			not_ok "this build on the previous release's pins: starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		fi
	else
		not_ok "previous release: starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
fi

# global_grew_by_one LOG: the synthetic build's ps_global (one counter more) was said.
global_grew_by_one() {
	local n
	n=$(sed -n 's/.*ps_global: pinned with another layout or size (\([0-9]*\) entries of 8 bytes; this build: \([0-9]*\) of 8).*/\1 \2/p' "$1" | head -n 1)
	[ -n "$n" ] && [ $((${n% *} + 1)) -eq "${n#* }" ]
}

TALKER_KEY="hex 04 00 00 00 c6 12 09 09 00 00 00 00 00 00 00 00 00 00 00 00"
TALKER_VAL="hex 07 00 00 00 00 00 00 00 09 00 00 00 00 00 00 00 bc 02 00 00 00 00 00 00 84 03 00 00 00 00 00 00"
# talker_kept NAME: the talker put in before is there with its counts (7, 9, 700, 900).
talker_kept() {
	bpftool -j map lookup pinned "$PIN/ps_talkers" key $TALKER_KEY 2>&1 | $PY -c '
import json, struct, sys
v = json.load(sys.stdin)["value"]
b = bytes(int(x, 16) for x in v) if isinstance(v, list) else None
sys.exit(b is None or struct.unpack("<4Q", b[:32]) != (7, 9, 700, 900))' && ok "$1" || not_ok "$1" "not found, or other counts"
}

if [ -x "$SYN" ]; then
	fresh
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
		mix
		bpftool map update pinned "$PIN/ps_talkers" key $TALKER_KEY value $TALKER_VAL
		stats_json "$T_TMP/before.json"
		stop_portsense
		PORTSENSE=$SYN start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json \
			--stats-json "$T_TMP/own.json" && mix
		stats_json "$T_TMP/after.json" "$SYN"
		PORTSENSE=$SYN stop_ok "the reordered, extended build on this build's pins: exits 0"
		sums_go_on "this build -> reordered, extended layout: every counter goes on, new ones from 0" \
			"$T_TMP/before.json" "$T_TMP/own.json" "$T_TMP/after.json"
		grep -q "ps_stats: pinned with another layout.*new, from zero: .*upgrade_probe" "$LOG" &&
			grep -q "ps_talkers: pinned with another layout or size (4096 entries of 32 bytes; this build: 8192" "$LOG" &&
			global_grew_by_one "$LOG" &&
			ok "the new fields and the larger map are said" ||
			not_ok "the new fields and the larger map are said" "$(grep pinned "$LOG" | tr '\n' ' ')"
		talker_kept "a talker in an LRU map twice as large: carried with its counts"
		if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json --stats-json "$T_TMP/own2.json"; then
			mix
			stats_json "$T_TMP/after2.json"
			stop_ok "this build on the reordered, extended build's pins: exits 0"
			sums_go_on "reordered, extended layout -> this build: every counter goes on" \
				"$T_TMP/after.json" "$T_TMP/own2.json" "$T_TMP/after2.json"
			grep -q "ps_stats: pinned with another layout.*dropped: .*upgrade_probe" "$LOG" &&
				ok "the fields this build lacks are dropped and said" ||
				not_ok "the fields this build lacks are dropped and said" "$(grep ps_stats "$LOG")"
			talker_kept "the talker, back into a map half as large: kept"
		else
			not_ok "this build on the reordered, extended build's pins: starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		fi
	else
		not_ok "migration: this build starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
fi

# Two interfaces in slots 1 and 2: a run for one refuses them (with the
# fix), one for two carries them over.
fresh
if start_portsense "$B" "$LOG" psb0 psx0 --interval 0 --pin-path "$PIN"; then
	mix
	stop_portsense
	out=$(ps_in "$B" psb0 --max-interfaces 1 --duration 0.3 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "holds data in entry 2.*" && echo "$out" | grep -q "fix: start with the --max-interfaces" &&
		bpftool map show pinned "$PIN/ps_stats" | grep -q "max_entries 130 " &&
		ok "pins that do not fit a smaller --max-interfaces: refused with the fix, kept" ||
		not_ok "pins that do not fit a smaller --max-interfaces: refused with the fix, kept" "exit $rc: $out"
	out=$(ps_in "$B" psb0 psx0 --max-interfaces 2 --duration 0.3 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	stats_json "$T_TMP/s.json"
	[ $rc -eq 0 ] && bpftool map show pinned "$PIN/ps_stats" | grep -q "max_entries 6 " &&
		[ "$(jget "$T_TMP/s.json" interfaces.psb0.ingress.icmp.echo_request)" = 3 ] &&
		ok "--max-interfaces 64 -> 2: carried over, resized, the counts go on" ||
		not_ok "--max-interfaces 64 -> 2: carried over, resized, the counts go on" "exit $rc: $out"
else
	not_ok "--max-interfaces: starts on two interfaces" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# --- handover under traffic ---------------------------------------------------

# handover NAME OLD_BIN NEW_BIN ARGS...: 600 pings 10 ms apart, --replace 2 s in.
handover() {
	local name=$1 old_bin=$2 new_bin=$3 old rc id0 out; shift 3
	fresh
	if ! PORTSENSE=$old_bin start_portsense "$B" "$LOG" psb0 "$@" --interval 0 --pin-path "$PIN" -o json; then
		not_ok "$name: the running instance starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		return
	fi
	old=$PS_PID id0=$(xdp_id)
	traffic 600
	sleep 2
	if ! PORTSENSE=$new_bin start_portsense "$B" "$LOG2" psb0 "$@" --interval 0 --pin-path "$PIN" -o json --replace; then
		not_ok "$name: --replace starts" "$(tail -n 3 "$LOG2" | tr '\n' ' ')"
		wait "$PING"
		PS_PID=$old stop_portsense
		return
	fi
	reap "$old"; rc=$?
	[ $rc -eq 0 ] && grep -q "nothing detached" "$LOG" && ! grep -q "^portsense: detached" "$LOG" &&
		grep -q "took over from the running instance, in place" "$LOG2" &&
		ok "$name: the old instance exits 0 without detaching, the new one took over in place" ||
		not_ok "$name: the old instance exits 0 without detaching" "exit $rc: $(tail -n 2 "$LOG" | tr '\n' ' ')"
	exact "$name"
	if [ -n "$id0" ]; then
		[ -n "$(xdp_id)" ] && [ "$(xdp_id)" != "$id0" ] && ok "$name: another XDP program in place (id $id0 -> $(xdp_id))" ||
			not_ok "$name: another XDP program in place" "id $id0 -> $(xdp_id)"
	else
		[ "$(tc_progs "$B" psb0 ingress)" = ps_tc_in ] && [ "$(tc_progs "$B" psb0 egress)" = ps_tc_out ] &&
			ok "$name: one ps_tc_in, one ps_tc_out in place" ||
			not_ok "$name: one ps_tc_in, one ps_tc_out in place" "$(tc_progs "$B" psb0 ingress) / $(tc_progs "$B" psb0 egress)"
	fi
	out=$(PORTSENSE=$new_bin ps_in "$B" psb0 "$@" --duration 0.3 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "another portsense is running" &&
		ok "$name: a third instance without --replace is refused" ||
		not_ok "$name: a third instance without --replace is refused" "exit $rc: $out"
	PORTSENSE=$new_bin stop_ok "$name: the new instance stops, exit 0"
}

handover "handover, XDP" "$NEW" "$NEW" --hook xdp
handover "handover, tc (tcx links)" "$NEW" "$NEW" --hook tc
handover "handover, tc (clsact filters)" "$NEW" "$NEW" --hook tc --tc-attach clsact
[ -x "$SYN" ] && handover "handover from the reordered, extended layout, XDP" "$LSYN" "$NEW" --hook xdp
# As root the old programs can also be found by id: the same without the pins' help.
handover "handover as root, XDP" "$PORTSENSE" "$PORTSENSE" --hook xdp

# --- a successor that fails -----------------------------------------------------

fresh
if [ -x "$BAD" ] && PORTSENSE=$NEW start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
	old=$PS_PID id0=$(xdp_id)
	traffic 600
	sleep 2
	out=$(PORTSENSE=$BAD ps_in "$B" psb0 --replace --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "cannot load the BPF programs" &&
		echo "$out" | grep -q "the verifier refused prog 'ps_xdp': .*pkt_end" &&
		ok "a successor the verifier refuses exits 1 with the reason ($(echo "$out" | grep -o "refused prog.*"))" ||
		not_ok "a successor the verifier refuses exits 1 with the reason" "exit $rc: $out"
	out=$(ps_in "$B" psb0 --replace --threshold nosuch=1 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 2 ] && ok "a successor with a bad configuration exits 2" || not_ok "a successor with a bad configuration exits 2" "exit $rc: $out"
	alive "$old" && [ "$(xdp_id)" = "$id0" ] && grep -q "went away before taking over; still counting" "$LOG" &&
		ok "after the failed successor the old instance runs on, untouched (XDP id $id0)" ||
		not_ok "after the failed successor the old instance runs on, untouched" "xdp $(xdp_id), was $id0: $(tail -n 2 "$LOG" | tr '\n' ' ')"
	exact "failed successor"
	stop_ok "failed successor: the old instance stops, exit 0"
fi

# --- SIGKILL in the middle ----------------------------------------------------

# With the capabilities of the DaemonSet and the unit, from here on.
ROOT_PORTSENSE=$PORTSENSE PORTSENSE=$NEW

# stalled BIN STEP [READ_BIN]: an instance of BIN counting 400 pings (its
# pins read by READ_BIN) and a --replace successor ($SPID); the old one
# ($old, its XDP program $id0) stopped (SIGSTOP) once it logged STEP, so
# the successor can be killed exactly there.  False, said, when the old
# one does not start.
stalled() {
	fresh
	if ! PORTSENSE=$1 start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
		not_ok "$2: the running instance starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		return 1
	fi
	old=$PS_PID id0=$(xdp_id)
	traffic 400 "${3:-}"
	spawn "$LOG2" psb0 --replace --interval 0 --pin-path "$PIN" -o json
	wait_log "$LOG" "$2" && kill -STOP "$old"
}

# wait_swap: until the successor's XDP program replaced the old one's (5 s).
wait_swap() { for _ in $(seq 100); do [ "$(xdp_id)" != "$id0" ] && break; sleep 0.05; done; }

if stalled "$NEW" "announced itself"; then
	sleep 2		# it loads, then waits for an answer
	kill -KILL "$SPID"; reap "$SPID"
	kill -CONT "$old"
	wait_log "$LOG" "went away before taking over; still counting" 5 && [ "$(xdp_id)" = "$id0" ] &&
		ok "successor killed before its swap: the old instance goes on, untouched" ||
		not_ok "successor killed before its swap: the old instance goes on" "$(tail -n 2 "$LOG" | tr '\n' ' ')"
	exact "successor killed before its swap"
	stop_portsense
fi

if stalled "$NEW" "frozen: the successor replaces"; then
	wait_swap
	swapped=$(xdp_id)
	# Raised by the successor's programs into its ring, which it never reads.
	ip netns exec "$A" bash -c 'timeout 0.3 bash -c "</dev/tcp/198.18.0.2/31337"' 2>/dev/null
	sleep 0.3
	kill -KILL "$SPID"; reap "$SPID"
	kill -CONT "$old"
	wait_log "$LOG" "taken back in place" 5 && [ "$swapped" != "$id0" ] && [ "$(xdp_id)" = "$id0" ] &&
		ok "successor killed after its swap: the old instance takes its hooks back in place (XDP $id0 -> $swapped -> $(xdp_id))" ||
		not_ok "successor killed after its swap: the old instance takes its hooks back" "xdp $id0 -> $swapped -> $(xdp_id): $(tail -n 3 "$LOG" | tr '\n' ' ')"
	OUT=$LOG.out
	wait_alert 3 backdoor_port && ok "... and prints the alert the successor's programs raised and nobody read" ||
		not_ok "... and prints the alert the successor's programs raised" "$(grep -c alert "$LOG.out") alerts"
	exact "successor killed after its swap" 1
	# The next start needs no manual step: another --replace takes over.
	traffic 200
	if start_portsense "$B" "$LOG2" psb0 --replace --interval 0 --pin-path "$PIN" -o json; then
		reap "$old"; rc=$?
		[ $rc -eq 0 ] && ok "... a later --replace takes over (the old one exits 0)" || not_ok "... a later --replace takes over" "exit $rc"
		exact "... and the later --replace"
		stop_portsense
	else
		not_ok "... a later --replace takes over" "$(tail -n 3 "$LOG2" | tr '\n' ' ')"
		PS_PID=$old stop_portsense
	fi
fi

# The same across layouts: the successor counted into maps of its own
# (ps_stats_hPID), which the old instance adds into its own once it has
# its hooks back, with the capabilities it kept (CAP_BPF, CAP_NET_ADMIN).
if [ -x "$SYN" ] && stalled "$LSYN" "frozen: the successor replaces" "$SYN"; then
	wait_swap
	sleep 0.5	# it counts into its own maps meanwhile
	kill -KILL "$SPID"; reap "$SPID"
	kill -CONT "$old"
	wait_log "$LOG" "taken back in place" 5 && grep -q "ps_stats_h[0-9]*: left by a handover that did not finish; its counters are added" "$LOG" &&
		[ "$(xdp_id)" = "$id0" ] &&
		ok "successor killed after a migrating swap: the old instance (other layout) takes back, adds what it counted" ||
		not_ok "successor killed after a migrating swap: the old instance takes back, adds what it counted" \
			"xdp $id0 -> $(xdp_id): $(tail -n 4 "$LOG" | tr '\n' ' ')"
	exact "successor killed after a migrating swap" 0 "$SYN"
	PORTSENSE=$LSYN stop_ok "... the old instance stops, exit 0"
fi

if stalled "$NEW" "frozen: the successor replaces"; then
	kill -KILL "$old"; reap "$old"
	wait_log "$LOG2" "portsense: counting" 10 &&
		ok "the old instance killed in the middle: the successor carries on and counts" ||
		not_ok "the old instance killed in the middle: the successor carries on" "$(tail -n 3 "$LOG2" | tr '\n' ' ')"
	exact "the old instance killed in the middle"
	PS_PID=$SPID stop_ok "... the successor stops, exit 0"
fi

# both_killed NAME OLD_BIN [READ_BIN]: the old instance stopped, the
# successor killed after its swap, the old one killed too; a plain start
# recovers.
both_killed() {
	stalled "$2" "frozen: the successor replaces" "${3:-}" || return
	wait_swap
	kill -KILL "$SPID" "$old"; reap "$SPID"; reap "$old"
	sleep 0.5
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
		grep -q "took over from an instance that died on these pins" "$LOG" &&
			ok "$1: the next start takes over, no manual step" ||
			not_ok "$1: the next start takes over" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		exact "$1"
		ls "$PIN" | grep -q '_h[0-9]' && not_ok "$1: no temporary pin left" "$(ls "$PIN" | tr '\n' ' ')" ||
			ok "$1: no temporary pin left"
		stop_portsense
	else
		not_ok "$1: the next start takes over" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
}
both_killed "both killed after the swap" "$NEW"
[ -x "$SYN" ] && both_killed "both killed after a swap from the other layout (its temporary pins taken in)" "$LSYN" "$SYN"

# An alert raised while no loader reads (the instance is stopped, then
# killed) is printed by the next start, from the ring it left pinned.
fresh
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
	kill -STOP "$PS_PID"
	ip netns exec "$A" bash -c 'timeout 0.3 bash -c "</dev/tcp/198.18.0.2/31337"' 2>/dev/null
	sleep 0.3
	kill_portsense	# stopped still: it must not read its ring first
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" -o json; then
		OUT=$LOG.out
		wait_alert 3 backdoor_port && grep -q "alerts an instance before this one had not read, taken from ps_events" "$LOG" &&
			ok "an alert a killed instance never read is printed by the next start" ||
			not_ok "an alert a killed instance never read is printed by the next start" "$(grep -c alert "$LOG.out") alerts: $(tail -n 2 "$LOG" | tr '\n' ' ')"
		stop_portsense
	fi
fi

# --- another PID namespace; detach ------------------------------------------------

PORTSENSE=$ROOT_PORTSENSE

fresh
: >"$LOG"
nsenter --net="/run/netns/$B" unshare --pid --fork --kill-child "$PORTSENSE" psb0 --interval 0 \
	--pin-path "$PIN" -o json >/dev/null 2>"$LOG" &
ushare=$!
T_PIDS+=("$ushare")
if wait_log "$LOG" "portsense: counting" 10 && start_portsense "$B" "$LOG2" psb0 --replace --interval 0 --pin-path "$PIN" -o json; then
	sleep 1
	inner=$(pgrep -P "$ushare" | head -n 1)
	alive "$ushare" && grep -q "handed over to another container; waiting to be stopped" "$LOG" &&
		ok "replaced from another PID namespace: waits to be stopped (its runtime would restart it)" ||
		not_ok "replaced from another PID namespace: waits to be stopped" "$(tail -n 2 "$LOG" | tr '\n' ' ')"
	# The next rollout: the successor answers a successor of its own
	# while the first still waits (it let the socket's name go).
	second=$PS_PID
	if start_portsense "$B" "$T_TMP/ps3.log" psb0 --replace --interval 0 --pin-path "$PIN" -o json; then
		reap "$second"; rc=$?
		[ $rc -eq 0 ] && ok "... meanwhile the successor is replaced in turn (the next rollout)" ||
			not_ok "... meanwhile the successor is replaced in turn" "exit $rc: $(tail -n 2 "$LOG2" | tr '\n' ' ')"
	else
		not_ok "... meanwhile the successor is replaced in turn" "$(tail -n 3 "$T_TMP/ps3.log" | tr '\n' ' ')"
	fi
	[ -n "$inner" ] && kill -TERM "$inner"
	reap "$ushare"; rc=$?
	[ $rc -eq 0 ] && [ -n "$(xdp_id)" ] && ok "... SIGTERM: exits 0, the successor's programs stay" ||
		not_ok "... SIGTERM: exits 0, the successor's programs stay" "exit $rc, xdp '$(xdp_id)'"
	# What a killed owner leaves, 'portsense detach' removes: all of it.
	kill_portsense
	ps_in "$B" detach --pin-path "$PIN" >/dev/null 2>&1
	[ ! -e "$PIN" ] && [ -z "$(xdp_id)" ] && [ -z "$(tc_progs "$B" psb0 egress)" ] &&
		ok "after handovers, 'portsense detach' removes every program and pin" ||
		not_ok "after handovers, 'portsense detach' removes every program and pin" "$(ls "$PIN" 2>&1 | tr '\n' ' ') xdp '$(xdp_id)'"
else
	not_ok "replaced from another PID namespace" "$(tail -n 3 "$LOG" "$LOG2" | tr '\n' ' ')"
fi
