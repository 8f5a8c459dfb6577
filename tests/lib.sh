# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# tests/lib.sh - shared by the shell tests: reporting, namespaces, cleanup.
#
# Reporting: every check prints one line, "ok - NAME", "not ok - NAME: why"
# or "skip - NAME # why"; tests/run.sh counts them.
# Network rule: traffic only between namespaces made here, veth pairs,
# 198.18.0.0/15 and 2001:db8::/32.  Everything made is removed by the EXIT
# trap, also when a test fails half way.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORTSENSE=${PORTSENSE:-$ROOT/build/portsense}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
PY=/usr/bin/python3
T_ID=$$
T_NETNS=()
T_PIDS=()
T_PINS=()
T_MOUNTS=()	# mount points a test made (a small tmpfs), unmounted before T_TMP goes
T_TMP=$(mktemp -d /tmp/portsense-test.XXXXXX)

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; }
skip() { echo "skip - $1 # $2"; }
# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi
}

# alive PID: running (a zombie child still answers kill -0, so look at its state).
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
}

t_cleanup() {
	local p ns
	for p in "${T_PIDS[@]}"; do
		alive "$p" && kill -INT "$p" 2>/dev/null
	done
	for p in "${T_PIDS[@]}"; do
		for _ in $(seq 50); do alive "$p" || break; sleep 0.1; done
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	for ns in "${T_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	for p in "${T_PINS[@]}"; do
		rm -rf "$p" 2>/dev/null
	done
	for p in "${T_MOUNTS[@]}"; do
		umount "$p" 2>/dev/null
	done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

ensure_bpffs() {
	mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
}

# netns_pair NS_A IF_A NS_B IF_B [MTU]: a veth pair with one end in each
# new namespace, both quiet (no IPv6, no ARP) until the test adds addresses.
netns_pair() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 mtu=${5:-1500}
	ip netns add "$nsa" && T_NETNS+=("$nsa") || return 1
	ip netns add "$nsb" && T_NETNS+=("$nsb") || return 1
	ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" || return 1
	local ns ifc
	for pair in "$nsa:$ifa" "$nsb:$ifb"; do
		ns=${pair%%:*}; ifc=${pair##*:}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" \
			"net.ipv6.conf.all.disable_ipv6=1" "net.ipv6.conf.default.disable_ipv6=1"
		ip -n "$ns" link set "$ifc" arp off mtu "$mtu" up || return 1
		ip -n "$ns" link set lo up
	done
}

# tc_progs NS DEV ingress|egress: names of the BPF programs on DEV's tc
# hook on that side, clsact filters and tcx links alike, one per line.
tc_progs() {
	tc -n "$1" filter show dev "$2" "$3" 2>/dev/null | grep -o '[A-Za-z0-9_]*:\[[0-9]*\]' | cut -d: -f1
	nsenter --net="/run/netns/$1" "$PY" "$ROOT/tests/tcx.py" "$2" "$3"
}

# ps_in NS ARGS...: run portsense in NS, bounded to 30 s.  nsenter keeps
# /sys/fs/bpf visible ('ip netns exec' remounts /sys and hides it).
ps_in() {
	local ns=$1; shift
	timeout 30 nsenter --net="/run/netns/$ns" "$PORTSENSE" "$@"
}

# forget_pid PID: reaped, so cleanup must never signal it (PIDs get reused).
forget_pid() {
	local i
	for i in "${!T_PIDS[@]}"; do
		[ "${T_PIDS[$i]}" = "$1" ] && unset "T_PIDS[$i]"
	done
}

# kill_portsense: SIGKILL, as a crash would; nothing is cleaned up.
kill_portsense() {
	kill -KILL "$PS_PID"
	wait "$PS_PID" 2>/dev/null
	forget_pid "$PS_PID"
}

# start_portsense NS LOG ARGS...: start in the background, wait until it
# counts; sets PS_PID.  Returns 1 (with the log) if it did not start.
start_portsense() {
	local ns=$1 log=$2; shift 2
	# Emptied here, not by the child's redirection: the wait below must
	# never read the "counting" line a previous instance left in $log.
	: >"$log"
	: >"$log.out"
	# nsenter itself (not a shell function) so $! is the process that
	# becomes portsense and receives our signals.
	nsenter --net="/run/netns/$ns" "$PORTSENSE" "$@" >"$log.out" 2>"$log" &
	PS_PID=$!
	T_PIDS+=("$PS_PID")
	local i
	for i in $(seq 100); do
		grep -q "portsense: counting" "$log" 2>/dev/null && return 0
		alive "$PS_PID" || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# stop_portsense [SIGNAL]: SIGINT (or SIGNAL), wait (bounded); returns
# portsense's exit status.
stop_portsense() {
	local pid=$PS_PID rc i
	kill -"${1:-INT}" "$pid" 2>/dev/null
	for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done
	if alive "$pid"; then
		kill -KILL "$pid"; wait "$pid"; forget_pid "$pid"
		return 124
	fi
	wait "$pid"; rc=$?
	forget_pid "$pid"
	return $rc
}

# new_pin_path VAR NAME: a pin directory for this test in $VAR, removed at
# exit (not a $(...) function: the list of pins must live in this shell).
# stop_ok NAME: stop_portsense, and a check that it exited 0.
stop_ok() {
	local rc
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ok "$1" || not_ok "$1" "portsense exited $rc"
}

new_pin_path() {
	printf -v "$1" '%s' "/sys/fs/bpf/portsense-test-$T_ID-$2"
	T_PINS+=("/sys/fs/bpf/portsense-test-$T_ID-$2")
}

need_shared_pcaps() {
	if [ ! -f "$SHARED/pcaps/expected.json" ]; then
		if [ -n "${CI:-}" ]; then
			not_ok "shared pcaps present" "$SHARED/pcaps/expected.json missing: CI needs ../shared beside the clone"
		else
			skip "shared pcaps present" "$SHARED/pcaps/expected.json missing (set SHARED=...)"
		fi
		return 1
	fi
}

# addr_pair NS_A IF_A NS_B IF_B: 198.18.0.1 on A, 198.18.0.2 on B, with
# permanent neighbour entries so no ARP is sent: the tests can then count
# exactly the packets they make.
addr_pair() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 maca macb
	ip -n "$nsa" addr add 198.18.0.1/24 dev "$ifa" || return 1
	ip -n "$nsb" addr add 198.18.0.2/24 dev "$ifb" || return 1
	maca=$(ip -n "$nsa" -br link show "$ifa" | awk '{print $3}')
	macb=$(ip -n "$nsb" -br link show "$ifb" | awk '{print $3}')
	ip -n "$nsa" link set "$ifa" arp on && ip -n "$nsb" link set "$ifb" arp on
	ip -n "$nsa" neigh replace 198.18.0.2 lladdr "$macb" dev "$ifa" nud permanent &&
	ip -n "$nsb" neigh replace 198.18.0.1 lladdr "$maca" dev "$ifb" nud permanent
}

# jget FILE PATH: one value of a JSON file ("ingress.icmp.echo_reply").
jget() {
	$PY -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$1" "$2"
}

# expect_eq NAME FILE PATH WANT
expect_eq() {
	local got
	got=$(jget "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1" "$3 is '$got', want '$4'"; fi
}

# The alert helpers read the JSON lines portsense printed to $OUT.
# alerts_of ID [FIELD=VALUE...]: count JSON alert lines matching all.
alerts_of() {
	$PY - "$OUT" "$@" <<'PYEOF'
import json, sys
path, aid, conds = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") != "alert" or e.get("alert") != aid:
        continue
    if all(str(e.get(k)) == v for k, v in (c.split("=", 1) for c in conds)):
        n += 1
print(n)
PYEOF
}

# wait_alert SECS ID [COND...]: true once such an alert is printed.
wait_alert() {
	local secs=$1 i; shift
	for i in $(seq $((secs * 20))); do
		[ "$(alerts_of "$@")" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_listen NS PORT: until something listens on TCP PORT in NS (5 s).
wait_listen() {
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -ltnH "sport = :$2" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

# expect_alert NAME WANT ID [COND...]: exactly WANT matching alerts.
expect_alert() {
	local name=$1 want=$2 got; shift 2
	got=$(alerts_of "$@")
	[ "$got" = "$want" ] && ok "$name" || not_ok "$name" "$got alerts $*, want $want: $(grep -c alert "$OUT") alert lines"
}

# alert_poll SECS ID [COND...]: waits up to SECS for an alert in $OUT that
# matches, and prints "N FIRST KINDS": how many match, the first one's
# timestamp in seconds since the epoch (- if none) and their kinds (comma
# separated).  COND is FIELD=VALUE; FIELD may be A|B (either field matches).
alert_poll() {
	$PY - "$OUT" "$@" <<'PYEOF'
import datetime, json, sys, time
path, secs, aid, conds = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
conds = [(k.split("|"), v) for k, v in (c.split("=", 1) for c in conds)]
end = time.monotonic() + secs
while True:
    hits = []
    for line in open(path):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "alert" and e.get("alert") == aid and \
           all(any(str(e.get(f)) == v for f in fields) for fields, v in conds):
            hits.append(e)
    if hits or time.monotonic() >= end:
        break
    time.sleep(0.02)
if not hits:
    print("0 - -")
else:
    t = datetime.datetime.strptime(hits[0]["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    first = t.replace(tzinfo=datetime.timezone.utc).timestamp()
    print(len(hits), "%.6f" % first, ",".join(sorted({str(e.get("kind")) for e in hits})))
PYEOF
}

# now_s: seconds since the epoch, to the microsecond (alert timestamps' clock).
now_s() { date +%s.%6N; }

# ms_since T0 T1: whole milliseconds from T0 to T1 (seconds since the epoch).
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 + 0.5 }'; }

# record_result FIELD...: one tab-separated line in $RESULTS, when it is set
# (tools/detection-report.sh collects them).
record_result() {
	[ -n "${RESULTS:-}" ] || return 0
	local IFS=$'\t'
	echo "$*" >>"$RESULTS"
}

# mac_of NS IF: the interface's MAC address.
mac_of() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

# enable_ipv6 NS IF ADDR: IPv6 back on (netns_pair turns it off) with ADDR/64,
# no duplicate address detection.
enable_ipv6() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 "net.ipv6.conf.$2.disable_ipv6=0" &&
	ip -n "$1" -6 addr add "$3/64" dev "$2" nodad
}

# counter_ge NAME FILE PATH MIN: ok when the snapshot's counter is >= MIN.
counter_ge() {
	local got
	got=$(jget "$2" "$3" 2>&1)
	if [ "$got" -ge "$4" ] 2>/dev/null; then ok "$1 ($3 = $got)"; else not_ok "$1" "$3 is '$got', want >= $4"; fi
}

# sensor_for NAME NS IF [ARGS...]: a fresh portsense on IF in NS for one
# scenario, $SC = NAME: JSON alerts in $OUT, hold-down 60 s (longer than any
# scenario, so a second alert is a second key), final counters in $SNAP.
# When it does not start: says so, records it, returns 1.
sensor_for() {
	SC=$1; local ns=$2 ifc=$3; shift 3
	SNAP=$T_TMP/snap-${SC//[^a-zA-Z0-9]/_}.json
	rm -rf "$PIN"	# counters persist across runs: this scenario counts alone
	start_portsense "$ns" "$LOG" "$ifc" -o json --interval 0 --holddown 60 --pin-path "$PIN" \
		--stats-json "$SNAP" "$@" && return 0
	not_ok "$SC: portsense starts" "$(tail -n 2 "$LOG" | tr '\n' ' ')"
	record_result "$SC" "portsense $*" - "not run (portsense did not start)" ""
	return 1
}

# alerts_seen: how many alerts of each id $OUT holds ("3 land 1 smurf").
alerts_seen() { grep -o '"alert":"[a-z_]*"' "$OUT" | cut -d'"' -f4 | sort | uniq -c | tr -s ' \n' ' '; }

# need_tools TOOL...: each on PATH, else a failed check and exit.
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { not_ok "$t installed" "run: make deps"; exit 0; }
	done
}

# two_hosts NAME: the usual sandbox: namespaces $A and $B joined by psa0 and
# psb0, 198.18.0.1 and .2 (netns_pair, addr_pair), a pin path $PIN and the
# logs $LOG and $OUT of start_portsense.  Exits with a failed check if not.
two_hosts() {
	ensure_bpffs
	A=ps-$1-a-$T_ID B=ps-$1-b-$T_ID
	netns_pair "$A" psa0 "$B" psb0 && addr_pair "$A" psa0 "$B" psb0 ||
		{ not_ok "$1 setup" "cannot create namespaces"; exit 0; }
	new_pin_path PIN "$1"
	LOG=$T_TMP/ps.log OUT=$T_TMP/ps.log.out
}
