#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Suite "privs": least privilege and the start-up checks (docs/robustness.md).
#  - with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN and nothing else (root with
#    a bounding set of three, and the user nobody with them as ambient
#    capabilities) portsense attaches, counts, alerts and exits clean;
#  - without CAP_BPF, CAP_PERFMON or CAP_NET_ADMIN it stops before loading
#    anything, names the capability, exit 1;
#  - once attached it keeps CAP_BPF and CAP_NET_ADMIN only (/proc/PID/status),
#    bounding set included, no_new_privs set; with them the loader still runs
#    the handshake sweep (a SYN nobody answers counts as unanswered);
#  - a kernel without BTF (hidden in a private mount namespace) is refused
#    with the reason and the fix.
. "$(dirname "$0")/lib.sh"

two_hosts privs
# A port B drops: a handshake only the sweep (docs/diagnosis.md) can end.
ip netns exec "$B" nft add table inet psprivs &&
	ip netns exec "$B" nft add chain inet psprivs in '{ type filter hook input priority 0; }' &&
	ip netns exec "$B" nft add rule inet psprivs in tcp dport 7 drop ||
	not_ok "privs setup: nftables drops port 7" "nft failed"
# Where the snapshot goes: root's, or one the user nobody owns (mode 755).
ROOTDIR=$T_TMP/root NOBODYDIR=$T_TMP/nobody
mkdir -p "$ROOTDIR" "$NOBODYDIR" && chown nobody "$NOBODYDIR" && chmod 755 "$T_TMP"
CAP_BPF=39 CAP_PERFMON=38 CAP_NET_ADMIN=12 CAP_DAC_OVERRIDE=1

# cap_hex N...: the /proc/PID/status mask of these capabilities.
cap_hex() {
	local m=0 c
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' $m
}
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# run_limited NAME PREFIX...: start portsense on psb0 under PREFIX (setpriv
# ...), send pings and a SYN to a backdoor port, stop it; checks the run.
run_limited() {
	local name=$1 pid rc i; shift
	rm -f "$OUT" "$LOG" "$SNAPDIR/snap.json"
	nsenter --net="/run/netns/$B" "$@" "$PORTSENSE" psb0 -o json --interval 0 --handshake-timeout 1 \
		--pin-path "$PIN" --stats-json "$SNAPDIR/snap.json" >"$OUT" 2>"$LOG" &
	pid=$!
	T_PIDS+=("$pid")
	for i in $(seq 100); do
		grep -q "portsense: counting" "$LOG" 2>/dev/null && break
		alive "$pid" || break
		sleep 0.1
	done
	if ! grep -q "portsense: counting" "$LOG"; then
		not_ok "$name: attaches" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		kill -INT "$pid" 2>/dev/null; wait "$pid"; forget_pid "$pid"
		return 1
	fi
	ok "$name: attaches"
	grep -q "warning: could not drop" "$LOG" && not_ok "$name: drops what it no longer needs, quietly" "$(grep warning "$LOG")" ||
		ok "$name: drops what it no longer needs, quietly"
	CAPEFF=$(status_of "$pid" CapEff) CAPPRM=$(status_of "$pid" CapPrm)
	CAPBND=$(status_of "$pid" CapBnd) NNP=$(status_of "$pid" NoNewPrivs)
	ip netns exec "$A" ping -q -c 3 -i 0.2 -W 2 198.18.0.2 >/dev/null
	# A SYN to 31337 (data/backdoor-ports.txt): an alert, refused by the host.
	timeout 5 ip netns exec "$A" $PY -c '
import socket
s = socket.socket(); s.settimeout(1)
try: s.connect(("198.18.0.2", 31337))
except OSError: pass' 2>/dev/null
	wait_alert 3 backdoor_port && ok "$name: alerts" || not_ok "$name: alerts" "no backdoor_port alert: $(head -c 300 "$OUT")"
	# A SYN B drops (its SYNs at 0 and 1 s): unanswered once the sweep runs.
	timeout 5 ip netns exec "$A" $PY -c '
import socket
s = socket.socket(); s.settimeout(1.5)
try: s.connect(("198.18.0.2", 7))
except OSError: pass' 2>/dev/null
	sleep 1.5
	kill -INT "$pid"
	for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done
	wait "$pid"; rc=$?
	forget_pid "$pid"
	[ $rc -eq 0 ] && ok "$name: exits 0 on SIGINT" || not_ok "$name: exits 0 on SIGINT" "exit $rc: $(tail -n 2 "$LOG")"
	expect_eq "$name: counts (3 echo requests in)" "$SNAPDIR/snap.json" ingress.icmp.echo_request 3
	expect_eq "$name: the handshake sweep runs with the capabilities kept (a dropped SYN is unanswered)" \
		"$SNAPDIR/snap.json" handshakes.server.by_port_class.well_known.unanswered 1
	expect_eq "$name: the refused SYN to 31337 is a refused handshake" \
		"$SNAPDIR/snap.json" handshakes.server.by_port_class.registered.refused 1
	# Detached; the counters stay pinned for the next start (docs/operations.md).
	if ip -n "$B" link show psb0 | grep -q xdp || tc_progs "$B" psb0 egress | grep -q ps_tc ||
	   [ ! -e "$PIN/ps_stats" ]; then
		not_ok "$name: detached, counters kept pinned" "$(ip -n "$B" link show psb0 | head -n 2 | tr '\n' ' ') $(ls "$PIN" 2>&1)"
	else
		ok "$name: detached, counters kept pinned"
	fi
	rm -rf "$PIN"	# the next scenario counts alone
}

want_eff=$(cap_hex $CAP_BPF $CAP_NET_ADMIN)
want_dac=$(cap_hex $CAP_BPF $CAP_NET_ADMIN $CAP_DAC_OVERRIDE)

# Root with three capabilities in its bounding set: nothing else to start with.
SNAPDIR=$ROOTDIR
if run_limited "root with CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN only" \
	setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all; then
	[ "$CAPEFF" = "$want_eff" ] && [ "$CAPPRM" = "$want_eff" ] &&
		ok "three capabilities: after attach CapEff = CapPrm = $CAPEFF (CAP_BPF, CAP_NET_ADMIN; CAP_PERFMON dropped)" ||
		not_ok "three capabilities: after attach only CAP_BPF and CAP_NET_ADMIN" "CapEff $CAPEFF CapPrm $CAPPRM, want $want_eff"
fi

# Full root: everything else is dropped after attach, the bounding set too;
# CAP_DAC_OVERRIDE stays while a --stats-json file is to be written at exit
# (here into a directory the user nobody owns, as a home directory would be).
SNAPDIR=$NOBODYDIR
if run_limited "root with every capability, --stats-json in another user's directory"; then
	[ "$CAPEFF" = "$want_dac" ] && [ "$CAPPRM" = "$want_dac" ] && [ "$CAPBND" = "$want_dac" ] &&
		ok "root with --stats-json FILE: after attach CapEff = CapPrm = CapBnd = $CAPEFF (CAP_BPF, CAP_NET_ADMIN, CAP_DAC_OVERRIDE)" ||
		not_ok "root with --stats-json FILE: after attach CAP_BPF, CAP_NET_ADMIN, CAP_DAC_OVERRIDE" \
			"CapEff $CAPEFF CapPrm $CAPPRM CapBnd $CAPBND, want $want_dac"
fi
rm -f "$OUT" "$LOG"
rm -rf "$PIN"
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
	CAPEFF=$(status_of "$PS_PID" CapEff) CAPPRM=$(status_of "$PS_PID" CapPrm)
	CAPBND=$(status_of "$PS_PID" CapBnd) NNP=$(status_of "$PS_PID" NoNewPrivs)
	[ "$CAPEFF" = "$want_eff" ] && [ "$CAPPRM" = "$want_eff" ] && [ "$CAPBND" = "$want_eff" ] && [ "$NNP" = 1 ] &&
		ok "root: after attach CapEff = CapPrm = CapBnd = $CAPEFF (CAP_BPF, CAP_NET_ADMIN), NoNewPrivs 1" ||
		not_ok "root: after attach only CAP_BPF and CAP_NET_ADMIN" \
			"CapEff $CAPEFF CapPrm $CAPPRM CapBnd $CAPBND NoNewPrivs $NNP, want $want_eff and 1"
	stop_ok "root: detaches and exits 0 with only CAP_BPF and CAP_NET_ADMIN left"
	ip -n "$B" link show psb0 | grep -q xdp &&
		not_ok "root: nothing left attached after the drop" "$(ip -n "$B" link show psb0)" ||
		ok "root: nothing left attached after the drop"
	rm -rf "$PIN"
else
	not_ok "root: after attach only CAP_BPF and CAP_NET_ADMIN" "did not start: $(tail -n 2 "$LOG")"
fi

# Not root at all: the user nobody with the three as ambient capabilities
# (as a systemd unit's AmbientCapabilities= gives them), its own pin directory.
mkdir -p "$PIN" && chown nobody "$PIN"
SNAPDIR=$NOBODYDIR
if run_limited "user nobody with ambient CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,+bpf,+perfmon,+net_admin \
	--ambient-caps=-all,+bpf,+perfmon,+net_admin; then
	[ "$CAPEFF" = "$want_eff" ] && ok "nobody: after attach CapEff = $CAPEFF" ||
		not_ok "nobody: after attach CapEff" "$CAPEFF, want $want_eff"
fi
rm -rf "$PIN"

# One capability missing: refused before anything is loaded, named, exit 1.
for miss in bpf perfmon net_admin; do
	keep=$(echo "bpf perfmon net_admin" | tr ' ' '\n' | grep -vx $miss | sed 's/^/+/' | paste -sd,)
	out=$(timeout 30 nsenter --net="/run/netns/$B" setpriv --bounding-set=-all,$keep --inh-caps=-all \
		"$PORTSENSE" psb0 --duration 1 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	name=CAP_$(echo $miss | tr a-z A-Z)
	if [ $rc -eq 1 ] && echo "$out" | grep -q "missing capabilities: $name\$" &&
	   echo "$out" | grep -q "setcap cap_bpf,cap_perfmon,cap_net_admin+ep" &&
	   ! ip -n "$B" link show psb0 | grep -q xdp && [ ! -e "$PIN" ]; then
		ok "without $name: exit 1, names it and the fix, attaches nothing"
	else
		not_ok "without $name: exit 1, names it" "exit $rc: $out"
	fi
done

# A kernel without BTF: /sys/kernel/btf hidden in a private mount namespace.
out=$(timeout 30 unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf &&
	nsenter --net=/run/netns/$B $PORTSENSE psb0 --duration 1 --interval 0 --pin-path $PIN" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "the kernel has no BTF" && echo "$out" | grep -q "fix: .*BTF" && echo "$out" | grep -q CONFIG_DEBUG_INFO_BTF &&
   ! ip -n "$B" link show psb0 | grep -q xdp; then
	ok "no kernel BTF: exit 1, says so and the fix, attaches nothing"
else
	not_ok "no kernel BTF: exit 1, says so" "exit $rc: $out"
fi
[ -e /sys/kernel/btf/vmlinux ] && ok "the host's /sys/kernel/btf is untouched" ||
	not_ok "the host's /sys/kernel/btf is untouched" "vmlinux missing"
