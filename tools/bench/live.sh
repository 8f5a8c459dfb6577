#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tools/bench/live.sh - make bench's end-to-end parts (issue 5, parts 2-5):
#   e2e    received packets/s and receiver CPU: portsense (XDP, tc, the drop
#          variant) against no-op XDP_PASS, tc and XDP_DROP programs
#   alt    tcpdump -w /dev/null and a libpcap counter against portsense:
#          the rate each keeps up with, and the CPU each adds at 100 kpps
#   flood  a SYN flood from 1,000,000 spoofed IPv6 sources with a scan in it
#   mem    each map's memory and the loader's RSS and idle CPU
# Raw measurements go to $BENCH_RAW (tab separated); tools/bench/report.py
# turns them into BENCHMARKS.md's tables.  Progress goes to stderr.
#
# Sandbox: namespace G holds the generator's veth ends, R the receivers'.
# Every configuration has a veth pair of its own, set up once (its program
# attached, its sensor started), so a round measures every configuration
# in turn without re-attaching, and the machine's background load falls on
# all of them alike.  R has 198.18.0.2/32 (and 2001:db8::2/128 for the
# flood) and no route back: its stack's answers (RSTs, ICMP errors) end at
# the route lookup, so receiving is all that is measured.
#
# Receive path: threaded NAPI on every receiving veth, the kthread pinned
# to CPU 1, the generator to CPU 0 (a real NIC receives on a core of its
# own).  All of the receiver's work (the XDP or tc program, the stack,
# packet sockets) is then the kthread's, and its CPU time per packet
# (/proc/PID/schedstat, in ns) is the cost, whatever else runs on the
# machine; packets/s depends on the share of CPU 1 the kthread gets.
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib.sh"

SECS=${BENCH_SECS:-2}			# one measurement
ROUNDS=${BENCH_ROUNDS:-7}
FLOOD_SECS=${BENCH_FLOOD_SECS:-10}
FLOOD_SOURCES=1000000
RAW=${BENCH_RAW:-$T_TMP/raw.tsv}
B=$ROOT/build
GNS=psbench-g-$T_ID RNS=psbench-r-$T_ID
PINB=/sys/fs/bpf/portsense-bench-$T_ID
GEN_CPU=0 RX_CPU=1
declare -A MAC NAPI PIN TOOL

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }
rns() { nsenter --net="/run/netns/$RNS" "$@"; }	# keeps /sys/fs/bpf
rsys() { ip netns exec "$RNS" "$@"; }		# R's /sys/class/net
row() { local IFS=$'\t'; echo "$*" >>"$RAW"; }

# cpu_ns PID: CPU time of all the process's threads so far, ns (softirq
# work done in a thread's context included: no IRQ time accounting here).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
# wakeups PID: times the thread slept, so woke again (NAPI: once per batch).
wakeups() { awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$1"/status; }
# ticks PID: utime + stime, clock ticks (what top and ps report).
ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }
netstat_of() { rsys cat "/sys/class/net/$1/statistics/$2"; }

setup() {
	[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (generator and receiver on cores of their own)"
	ensure_bpffs
	ip netns add "$GNS" && T_NETNS+=("$GNS") || die "cannot create namespaces"
	ip netns add "$RNS" && T_NETNS+=("$RNS") || die "cannot create namespaces"
	local ns
	for ns in "$GNS" "$RNS"; do
		# Quiet links: no router solicitations or DAD in the counts.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
	done
	mkdir -p "$PINB" && T_PINS+=("$PINB")
	bpftool prog loadall "$B/bench_base.bpf.o" "$PINB/base" || die "cannot load the baseline programs"
}

# pair CFG: a veth pair g<ID><CFG> (in G) <-> r<ID><CFG> (in R).  One
# letter per configuration keeps "napi/r<ID><CFG>-" within a task name.
pair() {
	local gi=g$T_ID$1 ri=r$T_ID$1
	ip link add "$gi" netns "$GNS" type veth peer name "$ri" netns "$RNS" &&
	ip -n "$GNS" link set "$gi" up && ip -n "$RNS" link set "$ri" up &&
	ip -n "$RNS" addr add 198.18.0.2/32 dev "$ri" || die "cannot create the veth pair for $1"
	MAC[$1]=$(mac_of "$RNS" "$ri")
}

# Receivers without XDP need NAPI (GRO on) for the generator's frames.
gro_on() { rsys ethtool -K "r$T_ID$1" gro on >/dev/null || die "ethtool -K gro on failed"; }
attach_xdp() { rns bpftool net attach xdpdrv pinned "$PINB/base/$2" dev "r$T_ID$1" || die "cannot attach $2"; }
attach_tc() {
	rns tc qdisc add dev "r$T_ID$1" clsact &&
	rns tc filter add dev "r$T_ID$1" ingress bpf direct-action object-pinned "$PINB/base/$2" ||
		die "cannot attach $2"
}

# sensor CFG BINARY ARGS...: portsense on the pair, its own pin path;
# TOOL[CFG] is its PID.
sensor() {
	local cfg=$1 bin=$2; shift 2
	PIN[$cfg]=$PINB-ps$cfg
	T_PINS+=("${PIN[$cfg]}")
	rm -rf "${PIN[$cfg]}"	# counters persist across starts: each run counts alone
	PORTSENSE=$bin start_portsense "$RNS" "$T_TMP/ps$cfg.log" "r$T_ID$cfg" --pin-path "${PIN[$cfg]}" \
		-o json --interval 0 --stats-json "$T_TMP/ps$cfg.json" "$@" ||
		die "portsense ($cfg) did not start: $(tail -n 3 "$T_TMP/ps$cfg.log")"
	TOOL[$cfg]=$PS_PID
}

# napi CFG: threaded NAPI on the receiver, its kthread pinned.  After every
# attach: attaching XDP may re-create the NAPI instance and its thread.
napi() {
	local ri=r$T_ID$1 pid i
	rsys sh -c "echo 1 > /sys/class/net/$ri/threaded" || die "no threaded NAPI on $ri"
	for i in $(seq 20); do
		pid=$(pgrep "^napi/$ri(-|$)" | head -n 1)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] || die "no NAPI thread for $ri"
	taskset -pc "$RX_CPU" "$pid" >/dev/null || die "cannot pin $pid"
	# Real-time, as interrupt threads are: with softirq NAPI a frame preempts
	# whatever runs, and on this PREEMPT_NONE kernel a normal thread woken
	# behind a busy neighbour comes too late and its 256-frame ring overflows.
	chrt -f -p 50 "$pid" || die "cannot make $pid real-time"
	NAPI[$1]=$pid
}

# counted CFG: frames the sensor counted so far (its pins), or -.
counted() {
	[ -n "${PIN[$1]:-}" ] || { echo -; return; }
	rns "$B/portsense" stats --json --pin-path "${PIN[$1]}" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ingress"]["frames"])' 2>/dev/null || echo -
}

# capture_start CFG / capture_stop CFG: tcpdump or pcapcount for one run;
# capture_stop prints "captured dropped" as the tool reports them.
capture_start() {
	local ri=r$T_ID$1 log=$T_TMP/cap$1.log i
	rm -f "$log" "$log.out"
	case $1 in
	# nsenter itself, not rns: $! must be the tool, which gets the signal.
	t) nsenter --net="/run/netns/$RNS" tcpdump -i "$ri" -n -w /dev/null >/dev/null 2>"$log" & ;;
	p) nsenter --net="/run/netns/$RNS" "$B/pcapcount" "$ri" >"$log.out" 2>"$log" & ;;
	*) CAP="- -"; return 0 ;;
	esac
	TOOL[$1]=$!
	T_PIDS+=("$!")
	for i in $(seq 50); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "capture tool for $1 did not start: $(cat "$log")"
}
# (SIGTERM: a background job of a script starts with SIGINT ignored.)
capture_stop() {
	local pid=${TOOL[$1]:-} log=$T_TMP/cap$1.log
	case $1 in t|p) ;; *) return 0 ;; esac
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	forget_pid "$pid"
	if [ "$1" = t ]; then
		CAP="$(awk '/packets captured/ { print $1 }' "$log") $(awk '/dropped by kernel/ { print $1 }' "$log")"
	else
		CAP=$(sed -n 's/.*captured=\([0-9]*\).* drop=\([0-9]*\).*/\1 \2/p' "$log.out")
	fi
	[ -n "$CAP" ] && [ "${CAP# }" = "$CAP" ] || die "capture tool $1 reported nothing: $(cat "$log")"
}

# measure PART CFG ROUND TEMPLATE RATE [LIVEGEN ARGS...]: one generator run
# into CFG's pair; one row: part cfg round template rate sent secs rx
# rx_dropped receiver_ns tool_ns captured cap_dropped counted wakeups.
# DMAC: the frames' destination MAC, when not the receiver's own.
measure() {
	local part=$1 cfg=$2 round=$3 tpl=$4 rate=$5; shift 5
	local gi=g$T_ID$cfg ri=r$T_ID$cfg np=${NAPI[$cfg]} out sent secs
	local rx0 rx1 dr0 dr1 n0 n1 w0 w1 t0=0 t1=0 c0 c1 counted=-
	capture_start "$cfg"
	c0=$(counted "$cfg")
	rx0=$(netstat_of "$ri" rx_packets) dr0=$(netstat_of "$ri" rx_dropped)
	n0=$(cpu_ns "$np") w0=$(wakeups "$np")
	[ -n "${TOOL[$cfg]:-}" ] && t0=$(cpu_ns "${TOOL[$cfg]}")
	out=$(timeout $((${SECS%.*} + 30)) "$B/livegen" -n "/run/netns/$GNS" -i "$gi" -m "${DMAC:-${MAC[$cfg]}}" \
		-c "$GEN_CPU" -d "$SECS" -t "$tpl" -r "$rate" "$@" 2>&1) || die "livegen: $out"
	n1=$(cpu_ns "$np") w1=$(wakeups "$np")
	[ -n "${TOOL[$cfg]:-}" ] && t1=$(cpu_ns "${TOOL[$cfg]}")
	rx1=$(netstat_of "$ri" rx_packets) dr1=$(netstat_of "$ri" rx_dropped)
	c1=$(counted "$cfg")
	[ "$c0" != - ] && [ "$c1" != - ] && counted=$((c1 - c0))
	capture_stop "$cfg"
	sent=$(sed -n 's/^sent=//p' <<<"$out") secs=$(sed -n 's/^secs=//p' <<<"$out")
	row "$part" "$cfg" "$round" "$tpl" "$rate" "$sent" "$secs" $((rx1 - rx0)) $((dr1 - dr0)) \
		$((n1 - n0)) $((t1 - t0)) $CAP "$counted" $((w1 - w0))
}

# profile CFG SECS: where the receiver's kthread spends its time during an
# unpaced run (perf, cpu-clock samples of that thread only).
profile() {
	local cfg=$1 np=${NAPI[$1]} data=$T_TMP/perf-$1.data
	command -v perf >/dev/null || return 0
	perf record -q -e cpu-clock -t "$np" -o "$data" -- sleep "$2" >/dev/null 2>&1 &
	local pp=$!
	sleep 0.2
	timeout 60 "$B/livegen" -n "/run/netns/$GNS" -i "g$T_ID$cfg" -m "${MAC[$cfg]}" -c "$GEN_CPU" \
		-d "$(awk -v s="$2" 'BEGIN { print s - 0.5 }')" >/dev/null 2>&1
	wait "$pp"
	perf report -i "$data" --sort sym --stdio 2>/dev/null |
		awk -v c="$cfg" '/^ *[0-9.]+%/ { sub(/^ +/, ""); print "profile\t" c "\t" $0 }' |
		head -n 25 >>"$RAW"
}

# progstat CFG TEMPLATE RATE: one run with the kernel's BPF statistics on
# (livegen -S), and the receiver's own program's run time and runs over it:
# what the program costs per frame in the live path, apart from the rest.
# Its rows are kept apart: the statistics cost two clock reads per run.
progstat() {
	local cfg=$1 tpl=$2 rate=$3 id t0 c0 t1 c1 out
	# XDP and clsact filters are in 'bpftool net show'; a sensor's tcx link
	# (bpftool 7.1 predates tcx) is pinned in its pin path.
	id=$(rns bpftool -j net show dev "r$T_ID$cfg" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
p = d.get("xdp") or [t for t in d.get("tc", []) if "ingress" in t.get("kind", "")]
print(p[0]["id"])' 2>/dev/null) ||
	id=$(bpftool -j link show pinned "$(ls -d "${PIN[$cfg]:-/nonexistent}"/tcx_in_* 2>/dev/null | head -n 1)" |
		/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["prog_id"])') ||
		die "no program on r$T_ID$cfg"
	read -r t0 c0 < <(prog_runtime "$id")
	out=$(timeout $((${SECS%.*} + 30)) "$B/livegen" -n "/run/netns/$GNS" -i "g$T_ID$cfg" -m "${MAC[$cfg]}" \
		-c "$GEN_CPU" -d "$SECS" -t "$tpl" -r "$rate" -S 2>&1) || die "livegen: $out"
	read -r t1 c1 < <(prog_runtime "$id")
	row progstat "$cfg" "$tpl" "$rate" $((t1 - t0)) $((c1 - c0))
}
prog_runtime() {
	bpftool -j prog show id "$1" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("run_time_ns", 0), d.get("run_cnt", 0))'
}

# --- part 2 and 3: the receivers ------------------------------------------
# a  no-op XDP_PASS          b  portsense, XDP          c  no-op tc
# d  portsense, tc           e  no-op XDP_DROP          f  portsense drop variant
# h  XDP_DROP after reading the frame's first bytes
# n  nothing attached        t  tcpdump -w /dev/null    p  pcapcount
# w  portsense, XDP, --mirror (its frames for other hosts dropped once counted)
# l  XDP_PASS after a register loop as long as portsense's program
RECEIVERS="a b c d e f h n t p w l"
receivers() {
	local c
	for c in $RECEIVERS; do pair $c; done
	for c in c d n t p; do gro_on $c; done
	attach_xdp a base_xdp_pass
	attach_xdp e base_xdp_drop
	attach_xdp h base_xdp_peek
	attach_xdp l base_xdp_spin
	attach_tc c base_tc_pass
	log "starting four sensors (XDP, tc, drop variant, XDP --mirror), evidence and handshakes on"
	op_sensor b "$B/portsense"
	op_sensor d "$B/portsense" --hook tc
	op_sensor f "$B/portsense-drop"
	op_sensor w "$B/portsense" --mirror "r${T_ID}w"
	for c in $RECEIVERS; do napi $c; done
}

# op_sensor CFG BINARY ARGS...: a sensor as an operator runs one, all it
# measures on: the evidence capture (each alert's frames written to a
# directory of its own as the run goes) and the connection diagnosis with
# a service port (80, the SYN template's) of its own series.  The row
# tells report.py what ran.
OP_ARGS=(--service-ports 80 --handshake-timeout 10)
op_sensor() {
	local cfg=$1 bin=$2; shift 2
	local shown="--evidence DIR ${OP_ARGS[*]} $*"
	shown=${shown% }
	sensor "$cfg" "$bin" --evidence "$T_TMP/evidence-$cfg" "${OP_ARGS[@]}" "$@"
	# The run's own interface names say nothing on the page.
	row sensor-args "$cfg" "${shown//r$T_ID$cfg/IF}"
}

# op_state CFG: what the evidence capture and the handshake figures of
# CFG's sensor did so far (its pins; the files in its evidence directory).
op_state() {
	rns "$B/portsense" stats --json --pin-path "${PIN[$1]}" 2>/dev/null |
		/usr/bin/python3 -c '
import json, os, sys
s, cfg, ev = json.load(sys.stdin), sys.argv[1], sys.argv[2]
hs = {"completed": 0, "refused": 0, "unanswered": 0, "syn_retransmits": 0}
for role in s["handshakes"].values():
    if not isinstance(role, dict) or "by_port" not in role:
        continue
    hs["syn_retransmits"] += role.get("syn_retransmits", 0)
    for series in list(role["by_port"].values()) + list(role["by_port_class"].values()):
        for k in ("completed", "refused", "unanswered"):
            hs[k] += series.get(k, 0)
files = len(os.listdir(ev)) if os.path.isdir(ev) else 0
print("op-state\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s" % (cfg, s["sensor"].get("evidence_captures", 0), files,
      hs["completed"], hs["refused"], hs["unanswered"], hs["syn_retransmits"],
      ",".join(sorted(s["handshakes"]["server"]["by_port"]))))' "$1" "$T_TMP/evidence-$1" >>"$RAW" ||
		log "no state from the sensor of $1"
}

# rotate N WORDS...: the words, starting at the (N mod count)th.  Round r
# measures in the order rotated by r, so no receiver always runs first
# (after a template change) or always right after the same neighbour.
rotate() {
	local n=$1; shift
	local w=("$@") i
	for i in "${!w[@]}"; do echo "${w[$(((i + n) % ${#w[@]}))]}"; done
}

e2e() {
	local r c tpl
	log "e2e: $ROUNDS rounds x 8 receivers x ${SECS}s, 64-byte UDP"
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate $((r - 1)) a b l c d e h f); do measure e2e $c "$r" udp 0; done
	done
	for tpl in syn mix; do
		log "e2e: $ROUNDS rounds x 6 receivers x ${SECS}s, template $tpl"
		for r in $(seq "$ROUNDS"); do
			for c in $(rotate $((r - 1)) a b l e h f); do measure e2e $c "$r" $tpl 0; done
		done
	done
	log "e2e: profiles of the receiving thread"
	for c in a b e h f; do profile $c 3; done
	log "e2e: the programs' own run time (BPF statistics), 3 rounds x 10 runs x 1s"
	for r in 1 2 3; do
		for c in a b l c d e f; do SECS=1 progstat $c udp 0; done
		for c in a b l e f; do SECS=1 progstat $c syn 0; done
	done
	for c in b d f; do op_state $c; done
}

alt() {
	local r c
	log "alt: $ROUNDS rounds x 5 receivers x ${SECS}s unpaced"
	for r in $(seq "$ROUNDS"); do
		# a: a sensor that costs nothing, for the bound.
		for c in $(rotate $((r - 1)) n t p a b); do measure alt-max $c "$r" udp 0; done
	done
	# A mirror port's frames are for other hosts: the stack drops them at
	# once, capture tools and the sensor see them all (report.py's MIRROR_MAC).
	log "alt: $ROUNDS rounds x 6 receivers x ${SECS}s unpaced, frames for another MAC (mirror port)"
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate $((r - 1)) n t p a b w); do DMAC=00:00:5e:00:53:01 measure alt-mirror $c "$r" udp 0; done
	done
	log "alt: $ROUNDS rounds x 4 receivers x 4s at 100 kpps"
	for r in $(seq "$ROUNDS"); do
		for c in $(rotate $((r - 1)) n t p b); do SECS=4 measure alt-100k $c "$r" udp 100000; done
	done
	profile t 3
	# The no-op too: its run time is the statistics' own clock reads.
	for r in 1 2 3; do SECS=2 progstat a udp 100000; SECS=2 progstat b udp 100000; done
	op_state w
}

# --- part 4: the flood ----------------------------------------------------
# v6_victim CFG: 2001:db8::2 on the receiver (IPv6 on that link only).
v6_victim() {
	rsys sysctl -qw "net.ipv6.conf.r$T_ID$1.disable_ipv6=0" &&
	ip -n "$RNS" -6 addr add 2001:db8::2/128 dev "r$T_ID$1" nodad || die "flood: no IPv6 on r$T_ID$1"
}

flood() {
	local cfg=s ri=r${T_ID}s gi=g${T_ID}s out=$T_TMP/pss.log.out pid i
	# The baseline: the same flood into a no-op XDP_PASS receiver.
	pair q
	v6_victim q
	attach_xdp q base_xdp_pass
	napi q
	log "flood: ${FLOOD_SECS}s into the no-op XDP_PASS receiver"
	SECS=$FLOOD_SECS measure flood q 1 syn6 0 -s "v6:$FLOOD_SOURCES"
	pair $cfg
	v6_victim $cfg
	# The scanner speaks IPv4 from G.
	ip -n "$GNS" addr add 198.18.0.1/24 dev "$gi" &&
	ip -n "$GNS" neigh replace 198.18.0.2 lladdr "${MAC[$cfg]}" dev "$gi" nud permanent ||
		die "flood: cannot address the pair"
	log "flood: portsense with every detector on, and --evidence"
	# Evidence on: the alerts' captures fill while the flood runs, and the
	# loader writes them (its CPU below is with that).
	sensor $cfg "$B/portsense" --evidence "$T_TMP/evidence"
	pid=${TOOL[$cfg]}
	napi $cfg
	sleep 1
	local cpu0 t0 rss_idle hwm_idle flood_start scan_start
	rss_idle=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status)
	hwm_idle=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
	# The alerts' first appearance on stdout, to the millisecond.
	/usr/bin/python3 - "$out" "$T_TMP/seen" $((FLOOD_SECS + 10)) <<'PYEOF' &
import sys, time
path, seen, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
want = {"syn_flood": '"alert":"syn_flood"', "port_scan": '"alert":"port_scan"'}
found, end, pos, buf = {}, time.monotonic() + secs, 0, ""
while time.monotonic() < end and len(found) < len(want):
    with open(path) as f:
        f.seek(pos); buf += f.read(); pos = f.tell()
    lines = buf.split("\n"); buf = lines.pop()
    for line in lines:
        for k, s in want.items():
            if k not in found and s in line and (k != "port_scan" or '"src_ip":"198.18.0.1"' in line):
                found[k] = time.time()
    time.sleep(0.005)
with open(seen, "w") as f:
    for k, t in found.items():
        print(k, "%.6f" % t, file=f)
PYEOF
	local watcher=$!
	T_PIDS+=("$watcher")
	cpu0=$(ticks "$pid") t0=$(now_s)
	local rx0 dr0 n0
	rx0=$(netstat_of "$ri" rx_packets) dr0=$(netstat_of "$ri" rx_dropped) n0=$(cpu_ns "${NAPI[$cfg]}")
	log "flood: ${FLOOD_SECS}s of SYNs from $FLOOD_SOURCES sources, nmap -sS after 3s"
	timeout $((FLOOD_SECS + 30)) "$B/livegen" -n "/run/netns/$GNS" -i "$gi" -m "${MAC[$cfg]}" -c "$GEN_CPU" \
		-d "$FLOOD_SECS" -t syn6 -s "v6:$FLOOD_SOURCES" >"$T_TMP/flood.out" 2>&1 &
	local gen=$!
	T_PIDS+=("$gen")
	local rss_max=0 hwm=0 v
	for i in 1 2 3; do
		sleep 1
		v=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status); [ "$v" -gt "$rss_max" ] && rss_max=$v
	done
	scan_start=$(now_s)
	# Retries and a floor on the rate: most of its SYNs share the fate of
	# the flood's (the receiver's ring overflows), and nobody answers.
	timeout 60 ip netns exec "$GNS" nmap -sS -Pn -n --disable-arp-ping --max-retries 2 -T4 \
		--min-rate 500 --host-timeout 30s -p 1-200 198.18.0.2 >"$T_TMP/nmap.log" 2>&1 &
	local nm=$!
	T_PIDS+=("$nm")
	while alive "$gen"; do
		v=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status); [ "$v" -gt "$rss_max" ] && rss_max=$v
		sleep 0.5
	done
	wait "$gen"; forget_pid "$gen"
	local rx1 dr1 n1 cpu1 t1
	rx1=$(netstat_of "$ri" rx_packets) dr1=$(netstat_of "$ri" rx_dropped) n1=$(cpu_ns "${NAPI[$cfg]}")
	cpu1=$(ticks "$pid") t1=$(now_s)
	hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
	wait "$nm"; forget_pid "$nm"
	sleep 1.5	# the loader polls the ring buffer every 100 ms
	wait "$watcher"; forget_pid "$watcher"
	# Live entries of the LRU maps the flood could fill.
	local ids
	ids=$(for fd in /proc/"$pid"/fdinfo/*; do awk '/^map_id:/ { print $2 }' "$fd"; done 2>/dev/null | sort -un)
	"$B/mapcount" $ids 2>/dev/null | awk '$3 ~ /hash/ { print "lru\t" $2 "\t" $4 "\t" $5 }' >>"$RAW"
	PS_PID=$pid stop_portsense || log "flood: portsense exited $?"
	flood_start=$(sed -n 's/^start=//p' "$T_TMP/flood.out")
	row flood-run "$(sed -n 's/^sent=//p' "$T_TMP/flood.out")" "$(sed -n 's/^secs=//p' "$T_TMP/flood.out")" \
		$((rx1 - rx0)) $((dr1 - dr0)) $((n1 - n0)) $((cpu1 - cpu0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		"$(getconf CLK_TCK)" "$rss_idle" "$hwm_idle" "$rss_max" "$hwm" "$flood_start" "$scan_start" $FLOOD_SOURCES
	while read -r k t; do row flood-seen "$k" "$t"; done <"$T_TMP/seen"
	/usr/bin/python3 - "$out" "$T_TMP/ps$cfg.json" <<'PYEOF' >>"$RAW"
import json, sys
out, snap = sys.argv[1], sys.argv[2]
alerts = {}
first = {}
for line in open(out):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") != "alert":
        continue
    key = e["alert"] + ("" if e["alert"] != "port_scan" else " " + str(e.get("src_ip")))
    alerts[key] = alerts.get(key, 0) + 1
    first.setdefault(key, e["timestamp"])
for k, n in sorted(alerts.items()):
    print("flood-alert\t%s\t%d\t%s" % (k, n, first[k]))
s = json.load(open(snap))
for k, v in s["sensor"].items():
    print("flood-sensor\t%s\t%d" % (k, v))
print("flood-counted\t%d\t%d" % (s["ingress"]["frames"], s["ingress"]["tcp"]["syn_noack"]))
PYEOF
	grep -E "^Nmap done|ports? (filtered|scanned)" "$T_TMP/nmap.log" | head -n 2 | sed 's/^/flood-nmap\t/' >>"$RAW"
}

# --- part 5: memory and idle CPU ---------------------------------------
mem() {
	local n pid ids fd
	pair m
	for n in 64 1024; do
		log "mem: portsense --max-interfaces $n, idle 10s"
		sensor m "$B/portsense" --max-interfaces "$n"
		pid=${TOOL[m]}
		sleep 1
		local c0 s0 c1
		c0=$(ticks "$pid") s0=$(cpu_ns "$pid")
		sleep 10
		c1=$(ticks "$pid")
		row mem-loader "$n" $((c1 - c0)) $(($(cpu_ns "$pid") - s0)) 10 "$(getconf CLK_TCK)" \
			"$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status)" "$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)"
		ids=$(for fd in /proc/"$pid"/fdinfo/*; do awk '/^map_id:/ { print $2 }' "$fd"; done 2>/dev/null | sort -un)
		for id in $ids; do
			bpftool -j map show id "$id" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
print("mem-map\t%s\t%s\t%s\t%d\t%d\t%d\t%d" % (sys.argv[1], m.get("name", "?"), m["type"], m["max_entries"],
      m["bytes_key"], m["bytes_value"], m["bytes_memlock"]))' "$n" >>"$RAW"
		done
		PS_PID=$pid stop_portsense || log "mem: portsense exited $?"
		# Counter pins may outlive the sensor (a restart goes on counting
		# from them) and would not fit the next --max-interfaces.
		rm -rf "${PIN[m]}"
	done
	row mem-cpus "$(nproc)" "$(cat /sys/devices/system/cpu/possible)"
}

# Sourced (an A/B script that reuses the functions above): stop here.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

parts=${*:-e2e alt flood mem}
setup
row meta secs "$SECS" rounds "$ROUNDS" id "$T_ID"
# What this machine offers for finding costs beyond CPU time.
row probe hw_counters "$(perf stat -e instructions true 2>&1 | grep -q 'not supported' && echo no || echo yes)"
row probe prog_profile "$(bpftool prog profile 2>&1 | grep -q 'not supported' && echo no || echo yes)"
case " $parts " in *" e2e "*|*" alt "*) receivers ;; esac
for p in $parts; do
	case $p in
	e2e|alt|flood|mem) $p ;;
	*) die "unknown part $p (e2e alt flood mem)" ;;
	esac
done
log "measurements in $RAW"
