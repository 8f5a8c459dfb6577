#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The loader on live veths: both directions, both hooks, jumbo frames, not
# replacing others' programs, stats from pins, clean detach.
. "$(dirname "$0")/lib.sh"

ensure_bpffs
A=ps-a-$T_ID B=ps-b-$T_ID
netns_pair "$A" psa0 "$B" psb0 && addr_pair "$A" psa0 "$B" psb0 ||
	{ not_ok "live setup" "cannot create namespaces"; exit 0; }
new_pin_path PIN live
LOG=$T_TMP/ps.log SNAP=$T_TMP/snap.json

# One TCP connection B -> A:8080 and three pings B -> A.
traffic() {
	timeout 20 ip netns exec "$A" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8080)); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.recv(100); c.close()' &
	local srv=$! client
	sleep 0.3
	timeout 20 ip netns exec "$B" $PY -c '
import socket
c = socket.create_connection(("198.18.0.1", 8080), timeout=5); c.sendall(b"x"); c.recv(100); c.close()'
	client=$?
	wait $srv && [ $client -eq 0 ] &&
		timeout 20 ip netns exec "$B" ping -q -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null
}

# Counters stay pinned across runs (a restart goes on counting): a check
# that wants this run's counts alone starts from no pins.
fresh() { rm -f "$SNAP"; rm -rf "$PIN"; }

for hook in xdp tc; do
	fresh
	if ! start_portsense "$B" "$LOG" psb0 --hook $hook --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
		not_ok "live $hook start" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		continue
	fi
	if traffic; then ok "live $hook traffic passes through the sensor"; else not_ok "live $hook traffic passes through the sensor" "ping or TCP failed"; fi
	# While running: the same snapshot from the pins.
	if ps_in "$B" stats --json --pin-path "$PIN" >"$T_TMP/pinned.json" 2>"$T_TMP/stats.err"; then
		expect_eq "live $hook stats --json from pins" "$T_TMP/pinned.json" egress.icmp.echo_request 3
	else
		not_ok "live $hook stats --json from pins" "$(cat "$T_TMP/stats.err")"
	fi
	sleep 0.3
	# Both stop signals: SIGINT (a terminal) for xdp, SIGTERM (systemd, kubelet) for tc.
	sig=INT; [ $hook = tc ] && sig=TERM
	stop_portsense $sig; rc=$?
	[ $rc -eq 0 ] && ok "live $hook exits 0 on SIG$sig" || not_ok "live $hook exits 0 on SIG$sig" "exit $rc"
	expect_eq "live $hook egress echo requests" "$SNAP" egress.icmp.echo_request 3
	expect_eq "live $hook ingress echo replies" "$SNAP" ingress.icmp.echo_reply 3
	expect_eq "live $hook egress SYN" "$SNAP" egress.tcp.syn_noack 1
	expect_eq "live $hook ingress SYN-ACK" "$SNAP" ingress.tcp.synack 1
	expect_eq "live $hook egress SYN to a registered port" "$SNAP" egress.tcp.by_dst_class.registered.packets \
		"$(jget "$SNAP" egress.tcp.packets)"
	expect_eq "live $hook ingress only IPv4 (quiet link)" "$SNAP" ingress.frames "$(jget "$SNAP" ingress.l3.ipv4)"
	expect_eq "live $hook per-interface equals total" "$SNAP" interfaces.psb0.egress.frames "$(jget "$SNAP" egress.frames)"
	# Nothing left behind.
	if ip -n "$B" link show psb0 | grep -q xdp; then not_ok "live $hook detached XDP" "$(ip -n "$B" link show psb0)"; else ok "live $hook detached XDP"; fi
	if [ -n "$(tc_progs "$B" psb0 ingress)$(tc_progs "$B" psb0 egress)" ] || ls "$PIN" | grep -q tcx_; then
		not_ok "live $hook removed its tc programs and their pins" "$(tc_progs "$B" psb0 egress; ls "$PIN")"
	else ok "live $hook removed its tc programs and their pins"; fi
	[ -e "$PIN/ps_stats" ] && ok "live $hook kept its counters pinned" || not_ok "live $hook kept its counters pinned" "no $PIN/ps_stats"
	out=$(ps_in "$B" detach --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 0 ] && [ ! -e "$PIN" ] && ok "live $hook: detach removes the kept pins" ||
		not_ok "live $hook: detach removes the kept pins" "exit $rc: $out"
done

# How tc programs attach: tcx links by default (no clsact qdisc, which would
# put every received frame through the ingress tc hook), pinned beside the
# maps; clsact on request, as on kernels before 6.6.
IDX=$(ip netns exec "$B" cat /sys/class/net/psb0/ifindex)
for how in auto clsact; do
	fresh
	if ! start_portsense "$B" "$LOG" psb0 --tc-attach $how --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
		not_ok "--tc-attach $how: start" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		continue
	fi
	qdisc=$(tc -n "$B" qdisc show dev psb0 | grep -c clsact)
	if [ $how = auto ]; then
		[ "$(tc_progs "$B" psb0 egress)" = ps_tc_out ] && [ "$qdisc" = 0 ] && [ -e "$PIN/tcx_out_$IDX" ] &&
			[ -z "$(tc -n "$B" filter show dev psb0 egress)" ] &&
			ok "--tc-attach auto: egress is a tcx link, pinned, and no clsact qdisc" ||
			not_ok "--tc-attach auto: egress is a tcx link, pinned, and no clsact qdisc" \
				"progs: $(tc_progs "$B" psb0 egress) clsact: $qdisc pins: $(ls "$PIN" | tr '\n' ' ')"
	else
		tc -n "$B" filter show dev psb0 egress | grep -q ps_tc_out && [ "$qdisc" = 1 ] && ! ls "$PIN" | grep -q tcx_ &&
			ok "--tc-attach clsact: egress is a clsact filter" ||
			not_ok "--tc-attach clsact: egress is a clsact filter" "$(tc -n "$B" filter show dev psb0 egress) clsact: $qdisc"
	fi
	ip netns exec "$B" ping -q -c 2 -i 0.2 -W 2 198.18.0.1 >/dev/null
	stop_ok "--tc-attach $how run exits 0 on SIGINT"
	expect_eq "--tc-attach $how: egress counted" "$SNAP" egress.icmp.echo_request 2
	[ -z "$(tc_progs "$B" psb0 egress)" ] && ! ls "$PIN" | grep -q tcx_ &&
		ok "--tc-attach $how: removed at exit, pins too" ||
		not_ok "--tc-attach $how: removed at exit, pins too" "$(tc_progs "$B" psb0 egress; ls "$PIN")"
	tc -n "$B" qdisc del dev psb0 clsact 2>/dev/null
done
out=$(ps_in "$B" psb0 --tc-attach bogus --duration 0.5 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "tc-attach must be auto, tcx or clsact" && ok "--tc-attach with a bad value: usage error" ||
	not_ok "--tc-attach with a bad value: usage error" "exit $rc: $out"

# --no-egress: no egress filter, nothing counted there.
fresh
if start_portsense "$B" "$LOG" psb0 --no-egress --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
	tc_progs "$B" psb0 egress | grep -q ps_tc_out &&
		not_ok "--no-egress attaches no egress program" "ps_tc_out is attached" ||
		ok "--no-egress attaches no egress program"
	ip netns exec "$B" ping -q -c 2 -i 0.2 -W 2 198.18.0.1 >/dev/null
	stop_ok "--no-egress run exits 0 on SIGINT"
	expect_eq "--no-egress: egress counts nothing" "$SNAP" egress.frames 0
	expect_eq "--no-egress: ingress still counts" "$SNAP" ingress.icmp.echo_reply 2
else
	not_ok "--no-egress attaches no egress program" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# Least privilege: CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN are enough, both hooks.
for hook in xdp tc; do
	out=$(timeout 30 nsenter --net="/run/netns/$B" setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin \
		--inh-caps=-all "$PORTSENSE" psb0 --hook $hook --duration 0.5 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 0 ] && ok "$hook runs with only CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN" ||
		not_ok "$hook runs with only CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN" "exit $rc: $(echo "$out" | tail -n 2)"
done

# Jumbo frames: MTU 9000, native XDP (multi-buffer), whole-frame bytes.
ip -n "$A" link set psa0 mtu 9000 && ip -n "$B" link set psb0 mtu 9000
fresh
if start_portsense "$B" "$LOG" psb0 --mode native --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
	ok "jumbo: native XDP attaches at MTU 9000"
	# 8972 bytes of ICMP data: 9000-byte IP packets, 9014-byte frames.
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 2 -s 8972 -M do 198.18.0.2 >/dev/null
	sleep 0.3
	stop_ok "jumbo run exits 0 on SIGINT"
	expect_eq "jumbo: echo requests counted" "$SNAP" ingress.icmp.echo_request 2
	expect_eq "jumbo: bytes are whole 9014-byte frames" "$SNAP" ingress.bytes 18028
	expect_eq "jumbo: frames over 1514" "$SNAP" ingress.extras.frames_over_1514 2
else
	not_ok "jumbo: native XDP attaches at MTU 9000" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
ip -n "$A" link set psa0 mtu 1500 && ip -n "$B" link set psb0 mtu 1500

# skb mode is what --mode skb asks for.
if start_portsense "$B" "$LOG" psb0 --mode skb --interval 0 --pin-path "$PIN"; then
	ip -n "$B" link show psb0 | grep -q xdpgeneric && ok "--mode skb attaches generic XDP" ||
		not_ok "--mode skb attaches generic XDP" "$(ip -n "$B" link show psb0 | head -n 3)"
	# A second instance on the same interface is refused.
	new_pin_path PIN2 second
	out=$(ps_in "$B" psb0 --interval 0 --duration 1 --pin-path "$PIN2" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "already has an XDP program" && ok "second instance refused (exit 1)" ||
		not_ok "second instance refused (exit 1)" "exit $rc: $out"
	# Pins are one instance's state: a second one on the same pin path is refused
	# before it loads anything, and 'detach' does not pull a live instance away.
	out=$(ps_in "$B" psb0 --hook tc --no-egress --interval 0 --duration 1 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "another portsense is running with --pin-path" &&
		ok "second instance on the same pin path refused" ||
		not_ok "second instance on the same pin path refused" "exit $rc: $out"
	out=$(ps_in "$B" detach --pin-path "$PIN" psb0 2>&1); rc=$?
	[ $rc -eq 1 ] && ip -n "$B" link show psb0 | grep -q xdpgeneric && [ -e "$PIN/ps_stats" ] &&
		ok "detach refuses while an instance runs" ||
		not_ok "detach refuses while an instance runs" "exit $rc: $out"
	stop_ok "skb-mode run exits 0 on SIGINT"
else
	not_ok "--mode skb attaches generic XDP" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# Somebody else's XDP program: refused, and left in place; tc hook works beside it.
if ip -n "$B" link set dev psb0 xdpgeneric obj "$ROOT/build/xdp_pass.bpf.o" sec xdp 2>"$T_TMP/ip.err"; then
	out=$(ps_in "$B" psb0 --interval 0 --duration 1 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "other_xdp" && ok "foreign XDP program: refused with exit 1, named" ||
		not_ok "foreign XDP program: refused with exit 1, named" "exit $rc: $out"
	ip -n "$B" link show psb0 | grep -q "xdpgeneric" && ok "foreign XDP program left in place" ||
		not_ok "foreign XDP program left in place" "it is gone"
	out=$(ps_in "$B" psb0 --hook tc --interval 0 --duration 0.5 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 0 ] && ok "--hook tc works beside a foreign XDP program" || not_ok "--hook tc works beside a foreign XDP program" "exit $rc: $out"
	ip -n "$B" link set dev psb0 xdpgeneric off
else
	not_ok "foreign XDP program setup" "$(cat "$T_TMP/ip.err")"
fi

# --duration ends the run by itself; json reports on stdout are one object a line.
out=$(ps_in "$B" psb0 --duration 1 --interval 0.3 -o json --pin-path "$PIN" 2>/dev/null); rc=$?
lines=$(echo "$out" | grep -c '"event":"stats"')
if [ $rc -eq 0 ] && [ "$lines" -ge 2 ] && echo "$out" | $PY -c 'import json,sys; [json.loads(l) for l in sys.stdin]'; then
	ok "--duration exits 0; --output json prints stats lines"
else
	not_ok "--duration exits 0; --output json prints stats lines" "exit $rc, $lines lines"
fi

# SIGHUP reloads (tests/test_ops.sh tests what); a closed pipe on stdout
# (as when a terminal closes) detaches and exits like SIGTERM.
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
	kill -HUP "$PS_PID"
	for _ in $(seq 50); do grep -q "reloaded" "$LOG" && break; sleep 0.1; done
	alive "$PS_PID" && grep -q "reloaded" "$LOG" && ok "SIGHUP: reloads and keeps running" ||
		not_ok "SIGHUP: reloads and keeps running" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ! ip -n "$B" link show psb0 | grep -q xdp &&
		ok "after SIGHUP, SIGINT detaches and exits 0" || not_ok "after SIGHUP, SIGINT detaches and exits 0" "exit $rc"
else
	not_ok "SIGHUP: reloads and keeps running" "could not start"
fi
ps_in "$B" psb0 -o json --interval 0.2 --duration 15 \
	--pin-path "$PIN" 2>"$T_TMP/pipe.err" | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && grep -q "standard output closed" "$T_TMP/pipe.err" && ! ip -n "$B" link show psb0 | grep -q xdp &&
	ok "stdout closed (| head -1): detaches and exits 0" ||
	not_ok "stdout closed (| head -1): detaches and exits 0" "exit $rc: $(cat "$T_TMP/pipe.err")"

# Default interface: the default route's.
ip -n "$B" route add default via 198.18.0.1 dev psb0
out=$(ps_in "$B" --duration 0.5 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q "psb0: ingress xdp" && ok "default interface is the default route's" ||
	not_ok "default interface is the default route's" "exit $rc: $out"

# bpffs not mounted: portsense mounts it (in a private mount namespace here).
out=$(timeout 30 unshare -m sh -c "umount /sys/fs/bpf 2>/dev/null; mount | grep -q ' /sys/fs/bpf type bpf' && exit 9;
	nsenter --net=/run/netns/$B $PORTSENSE psb0 --duration 0.5 --interval 0 --pin-path /sys/fs/bpf/ps-mnt-test" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "bpffs not mounted: portsense mounts it" || not_ok "bpffs not mounted: portsense mounts it" "exit $rc: $out"

# Crash leftovers: 'portsense detach' removes them.
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
	kill_portsense
	out=$(ps_in "$B" detach --pin-path "$PIN" psb0 2>&1); rc=$?
	if [ $rc -eq 0 ] && ! ip -n "$B" link show psb0 | grep -q xdp && [ ! -e "$PIN" ] &&
	   [ -z "$(tc_progs "$B" psb0 egress)" ]; then
		ok "detach cleans up after a killed instance"
	else
		not_ok "detach cleans up after a killed instance" "exit $rc: $out"
	fi
else
	not_ok "detach cleans up after a killed instance" "could not start"
fi

# 'detach' removes only the dead instance's programs (those using its pinned
# map), not those of a live instance with another pin path.
ip -n "$B" link add psd0 type veth peer name psd1 && ip -n "$B" link set psd0 up
new_pin_path PIN_DEAD dead
PS_LIVE=
if start_portsense "$B" "$LOG" psb0 --hook tc --interval 0 --pin-path "$PIN"; then
	PS_LIVE=$PS_PID
	if start_portsense "$B" "$LOG.2" psd0 --mode skb --interval 0 --pin-path "$PIN_DEAD"; then
		kill_portsense
		out=$(ps_in "$B" detach --pin-path "$PIN_DEAD" 2>&1); rc=$?
		if [ $rc -eq 0 ] && ! ip -n "$B" link show psd0 | grep -q xdp &&
		   tc_progs "$B" psb0 ingress | grep -q ps_tc_in && tc_progs "$B" psb0 egress | grep -q ps_tc_out; then
			ok "detach leaves a live instance with another pin path alone"
		else
			not_ok "detach leaves a live instance with another pin path alone" "exit $rc: $out"
		fi
	else
		not_ok "detach leaves a live instance with another pin path alone" "second start failed"
	fi
	PS_PID=$PS_LIVE; stop_portsense
fi
out=$(ps_in "$B" detach --pin-path "$PIN_DEAD" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "nothing is pinned" && ok "detach without pins or interfaces refuses to guess" ||
	not_ok "detach without pins or interfaces refuses to guess" "exit $rc: $out"

# JSON stays valid whatever the interface is called.
ip -n "$B" link add 'q"x\y' type veth peer name psq1 && ip -n "$B" link set 'q"x\y' up
out=$(ps_in "$B" 'q"x\y' --mode skb --duration 0.3 --interval 0 \
	--pin-path "$PIN" --stats-json - 2>/dev/null)
echo "$out" | $PY -c 'import json,sys; assert "q\"x\\y" in json.load(sys.stdin)["interfaces"]' 2>/dev/null &&
	ok "JSON escapes interface names" || not_ok "JSON escapes interface names" "$(echo "$out" | grep q.x)"

# Leftover pins of another shape (here: another --max-interfaces, of an
# instance that was killed) are carried over; 'detach' removes every pin.
new_pin_path PIN_INC incompatible
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN_INC"; then
	kill_portsense
	out=$(ps_in "$B" psb0 --hook tc --max-interfaces 8 --duration 0.3 \
		--interval 0 --pin-path "$PIN_INC" 2>&1); rc=$?
	[ $rc -eq 0 ] && echo "$out" | grep -q "ps_stats: pinned with another layout or size" &&
		bpftool map show pinned "$PIN_INC/ps_stats" | grep -q "max_entries 18 " &&
		ok "leftover pins of another --max-interfaces: carried over, resized" ||
		not_ok "leftover pins of another --max-interfaces: carried over, resized" "exit $rc: $out"
	ps_in "$B" detach --pin-path "$PIN_INC" >/dev/null 2>&1
	[ ! -e "$PIN_INC" ] && ok "detach removes every pin" || not_ok "detach removes every pin" "$(ls "$PIN_INC")"
else
	not_ok "leftover pins of another --max-interfaces: carried over, resized" "could not start"
fi

# --mirror: frames for another MAC are counted, seen by the detectors and
# dropped at XDP; the host's own frames pass.  A packet socket on the
# mirror port is what shows the drop: it sees such frames without --mirror.
FOREIGN=00:00:5e:00:53:01	# documentation range (RFC 7042)
# foreign_frames N: N UDP frames A -> 198.18.0.2 for $FOREIGN; prints how
# many of them a packet socket on psb0 in B saw.
foreign_frames() {
	ip netns exec "$B" timeout 10 $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("psb0", 0)); s.settimeout(0.2)
print("ready", flush=True)
want = bytes.fromhex(sys.argv[1].replace(":", ""))
n, end = 0, time.time() + 2.5
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    n += f[:6] == want
print(n)' "$FOREIGN" >"$T_TMP/sniff.out" 2>&1 &
	local sn=$! i
	for i in $(seq 50); do grep -q ready "$T_TMP/sniff.out" && break; sleep 0.1; done
	timeout 20 ip netns exec "$A" $PY -c '
import sys
from scapy.all import Ether, IP, UDP, Raw, sendp
sendp(Ether(dst=sys.argv[1]) / IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=40000, dport=9) / Raw(b"m" * 18),
      iface="psa0", count=int(sys.argv[2]), inter=0.01, verbose=False)' "$FOREIGN" "$1" >/dev/null 2>&1
	wait $sn
	tail -n 1 "$T_TMP/sniff.out"
}
fresh
if start_portsense "$B" "$LOG" psb0 --mirror 'psb*' --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
	grep -q "psb0: .*mirror port: frames for other hosts dropped" "$LOG" &&
		ok "mirror: the start line says psb0 is a mirror port" ||
		not_ok "mirror: the start line says psb0 is a mirror port" "$(grep psb0 "$LOG" | tr '\n' ' ')"
	seen=$(foreign_frames 20)
	[ "$seen" = 0 ] && ok "mirror: frames for another MAC never reach the stack" ||
		not_ok "mirror: frames for another MAC never reach the stack" "a packet socket saw '$seen' of 20"
	timeout 20 ip netns exec "$B" ping -q -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null &&
		ok "mirror: the host's own traffic passes" || not_ok "mirror: the host's own traffic passes" "ping failed"
	# The MAC changes under the sensor: it follows, the host's frames still pass.
	ip -n "$B" link set psb0 address 02:00:00:00:5e:02 &&
		ip -n "$A" neigh replace 198.18.0.2 lladdr 02:00:00:00:5e:02 dev psa0 nud permanent
	for i in $(seq 30); do grep -q "psb0: new MAC address 02:00:00:00:5e:02" "$LOG" && break; sleep 0.1; done
	timeout 20 ip netns exec "$B" ping -q -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null &&
		grep -q "psb0: new MAC address 02:00:00:00:5e:02; --mirror follows" "$LOG" &&
		ok "mirror: a new MAC address is followed" ||
		not_ok "mirror: a new MAC address is followed" "$(grep psb0 "$LOG" | tail -n 2 | tr '\n' ' ')"
	stop_portsense
	expect_eq "mirror: every frame for another MAC counted as dropped" "$SNAP" ingress.extras.mirror_dropped 20
	counter_ge "mirror: ... and counted before it" "$SNAP" ingress.udp.by_dst_class.well_known.packets 20
	expect_eq "mirror: the echo replies to the host passed and were counted" "$SNAP" ingress.icmp.echo_reply 6
else
	not_ok "mirror: start" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
# Without --mirror the same frames reach the stack (so the check above can fail).
fresh
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
	seen=$(foreign_frames 20)
	[ "$seen" = 20 ] && ok "without --mirror a packet socket sees the 20 frames for another MAC" ||
		not_ok "without --mirror a packet socket sees the 20 frames for another MAC" "it saw '$seen'"
	stop_portsense
	expect_eq "without --mirror nothing is dropped" "$SNAP" ingress.extras.mirror_dropped 0
fi
# A bridge port forwards frames for other MACs: --mirror refuses it.
ip -n "$B" link add psbr0 type bridge && ip -n "$B" link add psm0 type veth peer name psm1 &&
	ip -n "$B" link set psm0 master psbr0 && ip -n "$B" link set psm0 up
out=$(ps_in "$B" psm0 --mirror psm0 --duration 0.3 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "psm0: --mirror refused: it is a port of interface index" &&
	! ip -n "$B" link show psm0 | grep -q xdp &&
	ok "mirror: a bridge port is refused, nothing attached" ||
	not_ok "mirror: a bridge port is refused, nothing attached" "exit $rc: $out"
out=$(ps_in "$B" psb0 --hook tc --mirror psb0 --duration 0.3 --pin-path "$PIN" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "needs --hook xdp" && ok "mirror: --hook tc is a usage error" ||
	not_ok "mirror: --hook tc is a usage error" "exit $rc: $out"
# A mirror port that joins a bridge afterwards: its frames pass again.  (Its
# veth peer sits in the same namespace: a peer is no link stacked on it.)
# --mirror from the config file this time.
fresh
printf '[sensor]\nmirror = psn*\n' >"$T_TMP/mirror.ini"
ip -n "$B" link add psn0 type veth peer name psn1 && ip -n "$B" link set psn0 up && ip -n "$B" link set psn1 up
if start_portsense "$B" "$LOG" psn0 --config "$T_TMP/mirror.ini" --interval 0 --pin-path "$PIN" &&
   grep -q "psn0: .*mirror port" "$LOG"; then
	ip -n "$B" link set psn0 master psbr0
	for i in $(seq 30); do grep -q "psn0: now a port of interface index" "$LOG" && break; sleep 0.1; done
	grep -q "psn0: now a port of interface index [0-9]*: frames for other hosts pass again" "$LOG" &&
		ok "mirror: a port that joins a bridge stops dropping" ||
		not_ok "mirror: a port that joins a bridge stops dropping" "$(tail -n 2 "$LOG" | tr '\n' ' ')"
	stop_portsense
else
	not_ok "mirror: a port that joins a bridge stops dropping" "start: $(tail -n 2 "$LOG" | tr '\n' ' ')"
fi
# An interface that appears later, matched by --interfaces and --mirror.
fresh
if start_portsense "$B" "$LOG" --interfaces 'psh*' --mirror 'psh0' --interval 0 --pin-path "$PIN"; then
	ip -n "$B" link add psh0 type veth peer name psh1 && ip -n "$B" link set psh0 up && ip -n "$B" link set psh1 up
	for i in $(seq 50); do grep -q "psh1: ingress" "$LOG" && grep -q "psh0: ingress" "$LOG" && break; sleep 0.1; done
	grep -q "psh0: ingress .*mirror port" "$LOG" && grep "psh1: ingress" "$LOG" | grep -vq "mirror port" &&
		ok "mirror: a new interface matching --mirror is a mirror port, its peer not" ||
		not_ok "mirror: a new interface matching --mirror is a mirror port, its peer not" "$(grep psh "$LOG" | tr '\n' ' ')"
	stop_portsense
else
	not_ok "mirror: a new interface matching --mirror is a mirror port, its peer not" "start: $(tail -n 2 "$LOG" | tr '\n' ' ')"
fi
