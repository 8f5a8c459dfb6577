#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Suite "faults": what portsense does when things go wrong around it; each
# outcome is stated in docs/robustness.md ("Faults").
#  - killed with SIGKILL: the programs stay attached and keep counting into
#    the pins; a restart on the same pin path takes them over (they use its
#    pinned map) and the counts go on; 'detach' removes programs and pins;
#  - bpffs missing (a private mount namespace, never the host's mount):
#    mounted when it can be, else a clear error and exit 1;
#  - the ring buffer overflowing: losses counted in sensor.events_lost,
#    alerts resume;
#  - detector maps full under a million spoofed sources (build/fault_flood);
#  - two instances on one interface or one pin path: the second refused, the
#    first keeps working.
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$ROOT/build}
two_hosts faults
SNAP=$T_TMP/snap.json

pings() { ip netns exec "$A" ping -q -c "$1" -i 0.1 -W 2 198.18.0.2 >/dev/null; }
attached() { ip -n "$B" link show psb0 | grep -q xdp || tc_progs "$B" psb0 egress | grep -q ps_tc; }
# stats_of PATH: a counter of the instance's pins ('portsense stats --json').
stats_of() {
	ps_in "$B" stats --json --pin-path "$PIN" >"$T_TMP/stats.json" 2>/dev/null && jget "$T_TMP/stats.json" "$1"
}

# --- SIGKILL ---------------------------------------------------------------
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
	pings 3
	kill_portsense
	attached && [ -e "$PIN/ps_stats" ] && ok "SIGKILL: programs stay attached, pins stay" ||
		not_ok "SIGKILL: programs stay attached, pins stay" "$(ls "$PIN" 2>&1)"
	pings 2
	got=$(stats_of ingress.icmp.echo_request)
	[ "$got" = 5 ] && ok "SIGKILL: the orphaned programs keep counting into the pins (5 echo requests)" ||
		not_ok "SIGKILL: the orphaned programs keep counting" "ingress.icmp.echo_request $got, want 5"
	# The egress tcx link outlives the process too: its pin holds it.
	got=$(stats_of egress.icmp.echo_reply)
	[ "$(tc_progs "$B" psb0 egress)" = ps_tc_out ] && [ "$got" = 5 ] &&
		ok "SIGKILL: the pinned egress link stays and counts (5 echo replies)" ||
		not_ok "SIGKILL: the pinned egress link stays and counts" "egress: $(tc_progs "$B" psb0 egress), echo replies $got"
	# A restart on the same pins takes over the dead instance's programs
	# (those using these pins' map: the directory's lock says no live
	# instance has them), as a crash-looping pod or a systemd restart needs.
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
		grep -q "took over from an instance that died on these pins" "$LOG" &&
			ok "SIGKILL: a restart takes over the dead instance's programs, says so" ||
			not_ok "SIGKILL: a restart takes over the dead instance's programs" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
		pings 1
		got=$(stats_of ingress.icmp.echo_request)
		stop_portsense
		[ "$got" = 6 ] && ok "SIGKILL, restart: the pinned counts go on (5 + 1)" ||
			not_ok "SIGKILL, restart: the pinned counts go on (5 + 1)" "ingress.icmp.echo_request $got, want 6"
		expect_eq "SIGKILL, restart: --stats-json holds the restarted run's own (1)" "$SNAP" \
			ingress.icmp.echo_request 1
	else
		not_ok "SIGKILL: a restart takes over the dead instance's programs" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
	# Programs gone by other hands, pins left: a restart reuses them.
	ip -n "$B" link set dev psb0 xdp off
	tc -n "$B" filter del dev psb0 egress 2>/dev/null
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
		pings 1
		got=$(stats_of ingress.icmp.echo_request)
		stop_portsense
		[ "$got" = 7 ] && ok "SIGKILL, programs removed, pins left: a restart reuses the pins, counts go on (6 + 1)" ||
			not_ok "SIGKILL, programs removed, pins left: a restart reuses the pins, counts go on (6 + 1)" \
				"ingress.icmp.echo_request $got, want 7"
	else
		not_ok "SIGKILL: a restart on the pins" "$(tail -n 2 "$LOG")"
	fi
	# Killed again: detach cleans up programs and pins, then a fresh start.
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
		kill_portsense
		out=$(ps_in "$B" detach --pin-path "$PIN" 2>&1); rc=$?
		[ $rc -eq 0 ] && ! attached && [ ! -e "$PIN" ] &&
			ok "SIGKILL: 'portsense detach' removes the programs and the pins" ||
			not_ok "SIGKILL: detach cleans up" "exit $rc: $out; $(ls "$PIN" 2>&1)"
		rm -f "$SNAP"
		if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
			pings 1
			stop_portsense
			expect_eq "SIGKILL, detach, restart: counts start again from zero" "$SNAP" ingress.icmp.echo_request 1
		else
			not_ok "SIGKILL, detach, restart" "$(tail -n 2 "$LOG")"
		fi
	fi
else
	not_ok "SIGKILL: start" "$(tail -n 2 "$LOG")"
fi

# --- bpffs missing (private mount namespaces only) -------------------------
# in_mntns SCRIPT: run SCRIPT in a private mount namespace where
# /sys/fs/bpf is unmounted (the host's mount is not touched).
in_mntns() {
	timeout 60 unshare -m --propagation private sh -c "umount /sys/fs/bpf 2>/dev/null;
		mount | grep -q ' /sys/fs/bpf type bpf' && { echo 'still mounted'; exit 9; }; $1" 2>&1
}
out=$(in_mntns "nsenter --net=/run/netns/$B $PORTSENSE psb0 --duration 0.5 --interval 0 --pin-path /sys/fs/bpf/ps-mnt-$T_ID"); rc=$?
[ $rc -eq 0 ] && ok "bpffs not mounted, root: portsense mounts it and runs" || not_ok "bpffs not mounted, root: mounts it" "exit $rc: $out"
out=$(in_mntns "nsenter --net=/run/netns/$B setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin --inh-caps=-all \
	$PORTSENSE psb0 --duration 0.5 --interval 0 --pin-path /sys/fs/bpf/ps-mnt-$T_ID"); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "bpffs is not mounted at /sys/fs/bpf and mounting it failed" &&
	echo "$out" | grep -q "fix: mount -t bpf bpf /sys/fs/bpf" && ! attached &&
	ok "bpffs not mounted, no CAP_SYS_ADMIN to mount it: exit 1, says so and the fix, attaches nothing" ||
	not_ok "bpffs not mounted, cannot mount: exit 1" "exit $rc: $out"
out=$(in_mntns "mkdir -p /run/ps-nobpf-$T_ID && mount -t tmpfs none /run/ps-nobpf-$T_ID &&
	nsenter --net=/run/netns/$B $PORTSENSE psb0 --duration 0.5 --interval 0 --pin-path /run/ps-nobpf-$T_ID/pins"); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "is not on a bpf filesystem" && echo "$out" | grep -q "fix: mount -t bpf" && ! attached &&
	ok "--pin-path on a filesystem that is not bpffs: exit 1, says so and the fix" ||
	not_ok "--pin-path not on bpffs: exit 1" "exit $rc: $out"
mount | grep -q ' /sys/fs/bpf type bpf' && ok "the host's /sys/fs/bpf is still mounted" ||
	not_ok "the host's /sys/fs/bpf is still mounted" "it is not"
rmdir "/run/ps-nobpf-$T_ID" 2>/dev/null

# --- the ring buffer overflowing --------------------------------------------
# 100000 TCP NULL segments from spoofed sources, each to another victim
# (invalid_tcp_flags aggregates per victim): each its own key, faster than
# the loader reads (every 100 ms).
$PY - "$T_TMP/null.pcap" 100000 <<'PYEOF'
import struct, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    eth = b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00'
    for i in range(n):
        src = bytes([198, 18 + (i >> 16 & 1), i >> 8 & 255, i & 255])
        dst = bytes([198, 19, i >> 8 & 255, i & 255])
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, i & 0xffff, 0, 64, 6, 0, src, dst)
        tcp = struct.pack('!HHIIBBHHH', 40000 + i % 20000, 80, i, 0, 5 << 4, 0, 1024, 0, 0)
        fr = eth + ip + tcp
        f.write(struct.pack('<IIII', 0, i, len(fr), len(fr)) + fr)
PYEOF
rm -f "$SNAP"
if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --holddown 0.1 --alert-rate 100000 \
	--pin-path "$PIN" --stats-json "$SNAP"; then
	timeout 60 ip netns exec "$A" tcpreplay -i psa0 --topspeed -q "$T_TMP/null.pcap" >/dev/null 2>&1
	sleep 1
	flood_alerts=$(grep -c '"alert":"invalid_tcp_flags"' "$OUT")
	# After the flood: one LAND packet (198.18.0.2 to itself) must alert.
	$PY -c '
import struct, sys
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([198,18,0,2]), bytes([198,18,0,2]))
tcp = struct.pack("!HHIIBBHHH", 139, 139, 1, 0, 5 << 4, 2, 1024, 0, 0)
sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
fr = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp
sys.stdout.buffer.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)' >"$T_TMP/land.pcap"
	ip netns exec "$A" tcpreplay -i psa0 -q "$T_TMP/land.pcap" >/dev/null 2>&1
	wait_alert 2 land && resumed=1 || resumed=0
	stop_portsense; rc=$?
	lost=$(jget "$SNAP" sensor.events_lost 2>/dev/null)
	nul=$(jget "$SNAP" ingress.tcp.null 2>/dev/null)
	echo "# ring buffer flood: $nul NULL segments counted, $flood_alerts alerts printed, $lost lost"
	[ "${lost:-0}" -gt 0 ] && [ "$flood_alerts" -gt 0 ] && [ "$nul" -ge 100000 ] &&
		ok "ring buffer full: $lost alerts lost and counted in sensor.events_lost, $flood_alerts delivered, every segment counted" ||
		not_ok "ring buffer full: losses counted" "events_lost '$lost', $flood_alerts alerts, tcp.null '$nul'"
	[ $resumed = 1 ] && ok "ring buffer full: alerts resume after the flood (land within 2 s)" ||
		not_ok "ring buffer full: alerts resume" "no land alert after the flood"
	[ $rc -eq 0 ] && $PY -c 'import json,sys
for l in open(sys.argv[1]):
    json.loads(l)' "$OUT" && ok "ring buffer full: exit 0, every output line is whole JSON" ||
		not_ok "ring buffer full: exit 0, output whole" "exit $rc"
else
	not_ok "ring buffer full: start" "$(tail -n 2 "$LOG")"
fi

# --- detector maps full under a million spoofed sources ---------------------
"$BUILD/fault_flood" 1000000

# --- two instances ----------------------------------------------------------
new_pin_path PIN2 faults2
rm -f "$SNAP"
rm -rf "$PIN"	# counters persist across runs: this scenario counts alone
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$SNAP"; then
	FIRST=$PS_PID
	out=$(ps_in "$B" psb0 --interval 0 --duration 1 --pin-path "$PIN2" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "already has an XDP program" && ok "second instance, same interface (XDP): refused, exit 1, says why" ||
		not_ok "second instance, same interface (XDP): refused" "exit $rc: $out"
	out=$(ps_in "$B" psb0 --hook tc --interval 0 --duration 1 --pin-path "$PIN2" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "already has a portsense tc program" && ok "second instance, same interface (tc): refused, exit 1, says why" ||
		not_ok "second instance, same interface (tc): refused" "exit $rc: $out"
	[ ! -e "$PIN2" ] && ok "the refused instances left no pins" || not_ok "the refused instances left no pins" "$(ls "$PIN2")"
	out=$(ps_in "$B" psb0 --hook tc --no-egress --interval 0 --duration 1 --pin-path "$PIN" 2>&1); rc=$?
	[ $rc -eq 1 ] && echo "$out" | grep -q "another portsense is running with --pin-path" && ok "second instance, same pin path: refused, exit 1, says why" ||
		not_ok "second instance, same pin path: refused" "exit $rc: $out"
	# The first keeps working: its programs are all there and count.
	ip -n "$B" link show psb0 | grep -q xdp && [ "$(tc_progs "$B" psb0 egress)" = ps_tc_out ] &&
		[ -z "$(tc_progs "$B" psb0 ingress)" ] &&
		ok "after the refusals the first instance's programs are in place, nothing of the others" ||
		not_ok "the first instance's programs are in place" "$(tc_progs "$B" psb0 egress; ip -n "$B" link show psb0)"
	pings 4
	PS_PID=$FIRST
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ok "the first instance exits 0" || not_ok "the first instance exits 0" "exit $rc"
	expect_eq "the first instance counted through it all (4 echo requests)" "$SNAP" ingress.icmp.echo_request 4
else
	not_ok "two instances: start" "$(tail -n 2 "$LOG")"
fi
