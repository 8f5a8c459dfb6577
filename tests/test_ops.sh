#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# What an operator relies on between starts: interfaces by pattern that
# come and go, SIGHUP reloads (and a bad reload keeping the old settings),
# counters that continue across a restart, alerts to syslog.
. "$(dirname "$0")/lib.sh"

command -v hping3 >/dev/null || { not_ok "hping3 installed" "run: make deps"; exit 0; }
two_hosts ops
hping() { timeout 20 ip netns exec "$A" hping3 -q "$@" 198.18.0.2 >/dev/null 2>&1; }
pings() { timeout 20 ip netns exec "$A" ping -q -c "$1" -i 0.2 -W 2 198.18.0.2 >/dev/null; }
# wait_log PATTERN: until portsense's stderr has it (5 s).
wait_log() {
	local i
	for i in $(seq 50); do grep -q -- "$1" "$LOG" && return 0; sleep 0.1; done
	return 1
}
attached() { ip -n "$B" link show "$1" 2>/dev/null | grep -q "prog/xdp"; }

# --- Interfaces by pattern, now and later; gone ones forgotten. ---
ip -n "$B" link add psn0 type veth peer name psn1 && ip -n "$B" link set psn0 up && ip -n "$B" link set psn1 up
if start_portsense "$B" "$LOG" --interfaces 'psb*,psn*,!psn1' -o json --interval 0 --pin-path "$PIN" \
	--stats-json "$T_TMP/pat.json"; then
	attached psb0 && attached psn0 && ! attached psn1 && ! attached lo &&
		ok "--interfaces: matching interfaces attached at start, '!' excluded" ||
		not_ok "--interfaces: matching interfaces attached at start, '!' excluded" "$(grep ingress "$LOG" | tr '\n' ' ')"
	ip -n "$B" link add psn2 type veth peer name psx2
	if wait_log "psn2: ingress"; then
		attached psn2 && ! attached psx2 && ok "--interfaces: a new matching interface is attached (netlink)" ||
			not_ok "--interfaces: a new matching interface is attached (netlink)" "$(ip -n "$B" -br link)"
	else
		not_ok "--interfaces: a new matching interface is attached (netlink)" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	fi
	ip -n "$B" link del psn2
	wait_log "psn2: gone" && alive "$PS_PID" && ok "--interfaces: a deleted interface is forgotten, the run goes on" ||
		not_ok "--interfaces: a deleted interface is forgotten, the run goes on" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	pings 3
	sleep 0.3
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ok "--interfaces: exits 0 after links came and went" || not_ok "--interfaces: exits 0 after links came and went" "exit $rc"
	expect_eq "--interfaces: psb0 counted the pings" "$T_TMP/pat.json" interfaces.psb0.ingress.icmp.echo_request 3
	[ "$(jget "$T_TMP/pat.json" interfaces.psn2 2>/dev/null)" = "" ] && ok "--interfaces: the deleted interface left the snapshot" ||
		not_ok "--interfaces: the deleted interface left the snapshot" "interfaces.psn2 is still there"
else
	not_ok "--interfaces: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"

# A named interface deleted while attached: forgotten; the others go on.
if start_portsense "$B" "$LOG" psb0 psn0 -o json --interval 0 --pin-path "$PIN" --stats-json "$T_TMP/del.json"; then
	ip -n "$B" link del psn0
	wait_log "psn0: gone" || not_ok "named interface deleted: noticed" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	pings 2
	sleep 0.3
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ok "named interface deleted while attached: the run goes on, exits 0" ||
		not_ok "named interface deleted while attached: the run goes on, exits 0" "exit $rc"
	expect_eq "named interface deleted: psb0 still counts" "$T_TMP/del.json" interfaces.psb0.ingress.icmp.echo_request 2
else
	not_ok "named interface deleted: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"

# --- A restart on the same pins goes on counting. ---
if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN"; then
	pings 3; sleep 0.3
	stop_portsense
	if start_portsense "$B" "$LOG" psb0 --interval 0 --pin-path "$PIN" --stats-json "$T_TMP/restart.json"; then
		pings 2; sleep 0.3
		ps_in "$B" stats --json --pin-path "$PIN" >"$T_TMP/cumulative.json" 2>/dev/null
		stop_portsense
		expect_eq "restart: the pinned counters go on (3 + 2 pings, stats --json)" "$T_TMP/cumulative.json" \
			interfaces.psb0.ingress.icmp.echo_request 5
		expect_eq "restart: --stats-json holds this run's own counts (2 pings)" "$T_TMP/restart.json" \
			ingress.icmp.echo_request 2
		$PY -c '
import json, sys
c, r = (json.load(open(a)) for a in sys.argv[1:3])
ci, ri = c["interfaces"]["psb0"], r["interfaces"]["psb0"]
sys.exit(not (ci["since"] < ri["since"] and r["since"] <= ri["since"] and c["since"] == ci["since"]
              and "reset" not in ci))' "$T_TMP/cumulative.json" "$T_TMP/restart.json" &&
			ok "restart: since says when each count began (the first run's attach, then this run's)" ||
			not_ok "restart: since says when each count began" "$(grep -h since "$T_TMP/cumulative.json" "$T_TMP/restart.json" | tr -d ' \n')"
	else
		not_ok "restart: the counters go on (3 + 2 pings)" "second start failed"
	fi
	# The pins of 64 interfaces, a run with 8: carried over, the counts go
	# on (tests/test_upgrade.sh has the rest: other layouts, refusals).
	out=$(ps_in "$B" psb0 --max-interfaces 8 --duration 0.5 --interval 0 --pin-path "$PIN" 2>&1); rc=$?
	ps_in "$B" stats --json --pin-path "$PIN" >"$T_TMP/cumulative.json" 2>/dev/null
	[ $rc -eq 0 ] && echo "$out" | grep -q "ps_stats: pinned with another layout or size" &&
		[ "$(jget "$T_TMP/cumulative.json" interfaces.psb0.ingress.icmp.echo_request)" = 5 ] &&
		ok "restart with another --max-interfaces: the pins are carried over, the counts go on" ||
		not_ok "restart with another --max-interfaces: the pins are carried over, the counts go on" \
			"exit $rc: $out"
else
	not_ok "restart: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"

# --- SIGHUP: thresholds, lists and allow-list from the file, live. ---
CONF=$T_TMP/ps.conf PORTS=$T_TMP/backdoor.txt
echo 4444 >"$PORTS"
write_conf() {	# write_conf ICMP_FLOOD [ALLOW]
	printf '[threshold]\nicmp_flood = %s\n[lists]\nbackdoor-ports = %s\n' "$1" "$PORTS" >"$CONF"
	[ -n "${2:-}" ] && printf '[allow]\nbackdoor_port = %s\n' "$2" >>"$CONF"
	return 0
}
reload() {	# reload WHAT: SIGHUP, then wait for the n-th "reloaded"/"reload failed"
	local before
	before=$(grep -c "reload" "$LOG")
	kill -HUP "$PS_PID"
	for _ in $(seq 50); do [ "$(grep -c "reload" "$LOG")" -gt "$before" ] && return 0; sleep 0.1; done
	return 1
}
write_conf 1000000
if start_portsense "$B" "$LOG" psb0 -c "$CONF" -o json --interval 0 --holddown 0.1 --pin-path "$PIN"; then
	hping --icmp -c 300 -i u1000; sleep 0.5
	hping -S -p 5555 -c 1; sleep 0.5
	expect_alert "reload: before, icmp_flood 1000000 and port 5555 raise nothing" 0 icmp_flood
	expect_alert "reload: before, 5555 is no backdoor port" 0 backdoor_port
	write_conf 100
	echo 5555 >>"$PORTS"
	reload && grep -q "reloaded $CONF" "$LOG" && ok "reload: SIGHUP reports what it reloaded" ||
		not_ok "reload: SIGHUP reports what it reloaded" "$(tail -n 2 "$LOG" | tr '\n' ' ')"
	hping --icmp -c 300 -i u1000
	wait_alert 2 icmp_flood && ok "reload: the new icmp_flood threshold (100) applies at once" ||
		not_ok "reload: the new icmp_flood threshold (100) applies at once" "no icmp_flood alert"
	hping -S -p 5555 -c 1
	wait_alert 2 backdoor_port dst_port=5555 && ok "reload: the new backdoor port list applies" ||
		not_ok "reload: the new backdoor port list applies" "no backdoor_port alert for 5555"
	# A bad file: reported with its line, everything kept.
	printf '[threshold]\nicmp_flood = many\n' >"$CONF"
	reload && grep -q "$CONF:2" "$LOG" && grep -q "reload failed; the running configuration is kept" "$LOG" &&
		alive "$PS_PID" && ok "reload: a bad file is reported with its line and the old settings kept" ||
		not_ok "reload: a bad file is reported with its line and the old settings kept" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	n=$(alerts_of backdoor_port dst_port=5555)
	sleep 0.2; hping -S -p 5555 -c 1 -s 2000
	for _ in $(seq 40); do [ "$(alerts_of backdoor_port dst_port=5555)" -gt "$n" ] && break; sleep 0.05; done
	[ "$(alerts_of backdoor_port dst_port=5555)" -gt "$n" ] && ok "reload: after the bad file, the old lists still apply" ||
		not_ok "reload: after the bad file, the old lists still apply" "no new backdoor_port alert"
	# The allow-list, and a setting that needs a restart.
	write_conf 100 198.18.0.1/32
	printf '[sensor]\nhook = tc\n' >>"$CONF"
	reload && grep -q "'hook' changed; it takes effect at the next start" "$LOG" &&
		ok "reload: a restart-only setting is named, not applied" ||
		not_ok "reload: a restart-only setting is named, not applied" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
	n=$(alerts_of backdoor_port)
	sleep 0.2; hping -S -p 5555 -c 1 -s 3000; sleep 0.5
	[ "$(alerts_of backdoor_port)" = "$n" ] && ok "reload: an allow-listed source raises nothing" ||
		not_ok "reload: an allow-listed source raises nothing" "backdoor_port alerts went from $n to $(alerts_of backdoor_port)"
	attached psb0 && ok "reload: still attached with XDP" || not_ok "reload: still attached with XDP" "$(ip -n "$B" link show psb0)"
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && ok "reload: exits 0 after reloads" || not_ok "reload: exits 0 after reloads" "exit $rc"
else
	not_ok "reload: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"

# --- 1000 reloads: each one applied, and nothing kept from one to the next
# (make sanitize runs this suite with LeakSanitizer, which fails the exit). ---
write_conf 100
if start_portsense "$B" "$LOG" psb0 -c "$CONF" -o json --interval 0 --pin-path "$PIN"; then
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$PS_PID/status")
	# The stats-json key is live: a reload that adds it makes the exit write it.
	printf '[output]\nstats-json = %s\n' "$T_TMP/reloaded.json" >>"$CONF"
	done_n=0
	for k in $(seq 1000); do
		kill -HUP "$PS_PID"
		# One at a time: SIGHUPs sent faster than taken merge into one.
		for _ in $(seq 400); do
			[ "$(grep -c '^portsense: reloaded' "$LOG")" -ge "$k" ] && break
			alive "$PS_PID" || break
			sleep 0.005
		done
		[ "$(grep -c '^portsense: reloaded' "$LOG")" -ge "$k" ] || break
		done_n=$k
	done
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$PS_PID/status")
	[ "$done_n" = 1000 ] && ! grep -q "reload failed" "$LOG" &&
		ok "reload: 1000 SIGHUPs, 1000 reloads applied (RSS ${rss0} kB before, ${rss1} kB after)" ||
		not_ok "reload: 1000 SIGHUPs, 1000 reloads applied" "$done_n applied: $(tail -n 2 "$LOG" | tr '\n' ' ')"
	hping --icmp -c 300 -i u1000
	wait_alert 2 icmp_flood && ok "reload: after 1000 reloads the detectors run on the file's threshold" ||
		not_ok "reload: after 1000 reloads the detectors run on the file's threshold" "no icmp_flood alert"
	stop_portsense; rc=$?
	[ $rc -eq 0 ] && [ -s "$T_TMP/reloaded.json" ] &&
		ok "reload: exits 0 (no leak report) and writes the stats-json a reload named" ||
		not_ok "reload: exits 0 (no leak report) and writes the stats-json a reload named" \
			"exit $rc: $(grep -m3 -E 'Sanitizer|SUMMARY|leak' "$LOG" | tr '\n' ' ')"
else
	not_ok "reload x1000: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"

# --- --output syslog: each alert one line at the severity's priority. ---
# A private /dev with our own /dev/log socket: a host's real syslog is never touched.
SYSLOG=$T_TMP/syslog.sock
$PY - "$SYSLOG" >"$T_TMP/syslog.txt" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
try:
    while True:
        print(s.recv(65536).decode(errors="replace"), flush=True)
except socket.timeout:
    pass
PYEOF
T_PIDS+=($!)
for _ in $(seq 50); do [ -S "$SYSLOG" ] && break; sleep 0.1; done
timeout 20 unshare -m sh -c "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && touch /dev/log &&
	mount --bind '$SYSLOG' /dev/log &&
	exec nsenter --net=/run/netns/$B $PORTSENSE psb0 -o syslog --duration 4 --interval 0.2 --pin-path '$PIN'" \
	</dev/null >"$T_TMP/syslog.out" 2>"$T_TMP/syslog.err" &
SPID=$!
T_PIDS+=($SPID)
for _ in $(seq 100); do grep -q "portsense: counting" "$T_TMP/syslog.err" && break; sleep 0.1; done
hping -S -p 31337 -c 1
wait "$SPID"; rc=$?
forget_pid "$SPID"
sleep 0.2
# <PRI>: facility daemon (3) * 8 + severity; backdoor_port is high: LOG_ERR (3).
grep -q '^<27>.*portsense\[[0-9]*\]: .*ALERT backdoor_port \[high\]' "$T_TMP/syslog.txt" &&
	ok "--output syslog: the alert reaches syslog as daemon.err" ||
	not_ok "--output syslog: the alert reaches syslog as daemon.err" "exit $rc: $(head -c 300 "$T_TMP/syslog.txt") $(tail -n 2 "$T_TMP/syslog.err")"
[ $rc -eq 0 ] && [ ! -s "$T_TMP/syslog.out" ] && ok "--output syslog: nothing on stdout, no stats reports" ||
	not_ok "--output syslog: nothing on stdout, no stats reports" "exit $rc: $(head -c 200 "$T_TMP/syslog.out")"
! grep -q "likely:" "$T_TMP/syslog.txt" && [ "$(grep -c ALERT "$T_TMP/syslog.txt")" = 1 ] &&
	ok "--output syslog: one line per alert" || not_ok "--output syslog: one line per alert" "$(cat "$T_TMP/syslog.txt")"
rm -rf "$PIN"

# --- portsense top: from the pins alone, beside a running instance. ---
if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --pin-path "$PIN"; then
	hping --icmp -c 2000 -i u500
	hping -S -p 31337 -c 1
	wait_alert 2 backdoor_port
	out=$(ps_in "$B" top --interval 0.5 --duration 1.2 --pin-path "$PIN" 2>&1); rc=$?
	frames=$(echo "$out" | grep -c "^portsense top:")
	[ $rc -eq 0 ] && [ "$frames" -ge 2 ] && ok "top: a frame per interval, exits 0 after --duration" ||
		not_ok "top: a frame per interval, exits 0 after --duration" "exit $rc, $frames frames: $(echo "$out" | tail -n 3)"
	echo "$out" | sed -n '/^top talkers/,/^recent alerts/p' | grep -q "^  198\.18\.0\.1 " &&
		ok "top: the pinging host is a top talker (sampled)" ||
		not_ok "top: the pinging host is a top talker (sampled)" "$(echo "$out" | sed -n '/^top talkers/,/^recent/p' | head -n 5)"
	echo "$out" | sed -n '/^recent alerts/,$p' | grep -q "ALERT backdoor_port \[high\] psb0 in tcp 198.18.0.1:" &&
		ok "top: the alert is among the recent ones, without taking the ring buffer" ||
		not_ok "top: the alert is among the recent ones, without taking the ring buffer" "$(echo "$out" | sed -n '/^recent alerts/,$p' | head -n 4)"
	[ "$(alerts_of backdoor_port)" = 1 ] && ok "top: the running instance still printed the alert itself" ||
		not_ok "top: the running instance still printed the alert itself" "$(alerts_of backdoor_port) alerts"
	echo "$out" | grep -q "^psb0 " && ok "top: per-interface rates" || not_ok "top: per-interface rates" "no psb0 line"
	stop_portsense
else
	not_ok "top: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
out=$(ps_in "$B" top --duration 1 --pin-path "$T_TMP/nothing" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "no portsense pins in" && ok "top: without pins, exit 1 naming the fix" ||
	not_ok "top: without pins, exit 1 naming the fix" "exit $rc: $out"
rm -rf "$PIN"
