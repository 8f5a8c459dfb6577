#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The connection diagnosis against ground truth (docs/diagnosis.md): a
# client namespace C and a server namespace S joined through a middle
# namespace M, where tests/delayline.py holds every frame a known time
# (this kernel has no netem).  portsense watches S's interface.  Real
# clients and servers (curl and python's HTTP server, iperf3) both ways:
# S answers (role server) and S connects (role client).
#  - no added delay: every handshake under 5 ms; 20 ms each way (40 ms a
#    round trip): every one in (25 ms, 100 ms];
#  - a capture of the same traffic: tshark's figure of each handshake
#    (tcp.analysis.initial_rtt for the client; SYN-ACK to ACK for the
#    server) within 1 ms of portsense's;
#  - refused (closed ports), unanswered (ports nftables drops), SYNs sent
#    again, zero windows and RSTs after the handshake, each as tshark
#    counts them;
#  - service_refusing, and the diagnosis lines of syn_flood and half_open.
. "$(dirname "$0")/lib.sh"

need_tools curl iperf3 tshark tcpdump nft hping3 ethtool
CHECK="$PY $ROOT/tests/diagnosis_check.py"
ensure_bpffs

# Background jobs of a script ignore SIGINT, which t_cleanup sends first:
# the servers, captures and the relay get SIGTERM.
BG=()
diag_cleanup() {
	local p
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
	t_cleanup
}
trap diag_cleanup EXIT
# forget PID: reaped; never signalled again.
forget() {
	local i
	forget_pid "$1"
	for i in "${!BG[@]}"; do [ "${BG[$i]}" = "$1" ] && unset "BG[$i]"; done
}

# --- the delay line -------------------------------------------------------
C=ps-diag-c-$T_ID M=ps-diag-m-$T_ID S=ps-diag-s-$T_ID
setup() {
	netns_pair "$C" dgc0 "$M" dgmc || return 1
	ip netns add "$S" && T_NETNS+=("$S") || return 1
	ip link add dgs0 netns "$S" type veth peer name dgms netns "$M" || return 1
	ip netns exec "$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 &&
	ip -n "$S" link set lo up && ip -n "$S" link set dgs0 up && ip -n "$M" link set dgms up || return 1
	ip -n "$M" link set dgmc promisc on && ip -n "$M" link set dgms promisc on || return 1
	ip -n "$C" link set dgc0 arp on && ip -n "$S" link set dgs0 arp on || return 1
	ip -n "$C" addr add 198.18.0.1/24 dev dgc0 && ip -n "$S" addr add 198.18.0.2/24 dev dgs0 || return 1
	# The relay copies frames whole: the ends finish their checksums themselves.
	ip netns exec "$C" ethtool -K dgc0 tx off tso off gso off >/dev/null &&
	ip netns exec "$S" ethtool -K dgs0 tx off tso off gso off >/dev/null
}
setup || { not_ok "diagnosis setup" "cannot build the namespaces"; exit 0; }

RELAY=
# relay MS: (re)start the delay line holding each frame MS each way.
relay() {
	if [ -n "$RELAY" ]; then
		kill "$RELAY" 2>/dev/null; wait "$RELAY" 2>/dev/null; forget "$RELAY"
	fi
	ip netns exec "$M" "$PY" "$ROOT/tests/delayline.py" dgmc dgms "$1" >"$T_TMP/relay.log" 2>&1 &
	RELAY=$!
	T_PIDS+=("$RELAY")
	BG+=("$RELAY")
	for _ in $(seq 50); do grep -q "^delayline:" "$T_TMP/relay.log" && break; sleep 0.1; done
	ip netns exec "$C" ping -c 1 -W 2 -q 198.18.0.2 >/dev/null
}

inc() { ip netns exec "$C" "$@"; }
ins() { ip netns exec "$S" "$@"; }
bg_in() { local ns=$1; shift; ip netns exec "$ns" "$@" >/dev/null 2>&1 & T_PIDS+=("$!"); BG+=("$!"); }
# capture FILE: tcpdump on S's interface into FILE, in $DUMP (ip execs it:
# $! is tcpdump itself, which flushes and ends on SIGTERM).
capture() {
	ip netns exec "$S" tcpdump -i dgs0 -nn -s 128 --time-stamp-precision=nano -w "$1" tcp >/dev/null 2>&1 &
	DUMP=$!
	T_PIDS+=("$DUMP")
	BG+=("$DUMP")
	sleep 1
}
end_capture() { kill -TERM "$DUMP"; wait "$DUMP" 2>/dev/null; forget "$DUMP"; }

bg_in "$S" "$PY" -m http.server 8080 --bind 198.18.0.2
bg_in "$S" iperf3 -s -p 5201 -B 198.18.0.2
bg_in "$C" "$PY" -m http.server 9000 --bind 198.18.0.1
bg_in "$C" iperf3 -s -p 5202 -B 198.18.0.1
wait_listen "$S" 8080 && wait_listen "$S" 5201 && wait_listen "$C" 9000 && wait_listen "$C" 5202 ||
	{ not_ok "servers listen" "http.server or iperf3 did not start"; exit 0; }

new_pin_path PIN diag
LOG=$T_TMP/ps.log OUT=$T_TMP/ps.log.out
relay 0
start_portsense "$S" "$LOG" dgs0 -o json --interval 0 --pin-path "$PIN" --holddown 60 \
	--service-ports 8080,5201,9000,5202 --handshake-timeout 2 --scan-window 3 \
	--threshold syn_flood=200 ||
	{ not_ok "portsense starts on the delay line" "$(tail -n 3 "$LOG" | tr '\n' ' ')"; exit 0; }

snap() { timeout 30 nsenter --net="/run/netns/$S" "$PORTSENSE" stats --json --pin-path "$PIN" >"$1"; }
delta() { $CHECK delta dgs0 "$1" "$2" "$3"; }
# within NAME A B ROLE SERIES N LO HI: a check on the handshakes between A and B.
within() {
	local name=$1 out; shift
	if out=$($CHECK within dgs0 "$@" 2>&1); then ok "$name: $out"; else not_ok "$name" "$out"; fi
}
curls() {	# curls NS URL N
	local i
	for i in $(seq "$3"); do ip netns exec "$1" curl -s -o /dev/null --max-time 5 "$2"; done
}

# --- no added delay: every handshake under 5 ms -----------------------------
snap "$T_TMP/s0.json"
curls "$C" http://198.18.0.2:8080/ 20
curls "$S" http://198.18.0.1:9000/ 20
inc iperf3 -c 198.18.0.2 -p 5201 -n 200K >/dev/null 2>&1
ins iperf3 -c 198.18.0.1 -p 5202 -n 200K >/dev/null 2>&1
snap "$T_TMP/s1.json"
within "no delay, server: 20 curls to this host's HTTP server" "$T_TMP/s0.json" "$T_TMP/s1.json" server 8080 20 0 0.005
within "no delay, client: 20 curls from this host" "$T_TMP/s0.json" "$T_TMP/s1.json" client 9000 20 0 0.005
within "no delay, server: iperf3 to this host (control and data)" "$T_TMP/s0.json" "$T_TMP/s1.json" server 5201 2+ 0 0.005
within "no delay, client: iperf3 from this host" "$T_TMP/s0.json" "$T_TMP/s1.json" client 5202 2+ 0 0.005

# portsense top's services view, live: a loop of curls while it draws.
( for _ in $(seq 30); do inc curl -s -o /dev/null --max-time 5 http://198.18.0.2:8080/; sleep 0.05; done ) &
LOOP=$!
timeout 30 nsenter --net="/run/netns/$S" "$PORTSENSE" top --pin-path "$PIN" -i 1 -d 2.5 >"$T_TMP/top.out" 2>&1
wait "$LOOP"
row=$(grep -E '^  server +8080 +[0-9.]+ +[0-9.]+ms +[0-9.]+ms +[0-9.]+ms +0% +0%$' "$T_TMP/top.out" | head -n 1)
[ -n "$row" ] &&
	ok "top: the services view shows port 8080's handshakes/s, mean, p50, p99 and shares ($(echo $row))" ||
	not_ok "top: services view" "$(grep -E '^  (role|server|client) ' "$T_TMP/top.out" | tr -s ' ' | tr '\n' ';')"

# --- 40 ms added (20 ms each way): every handshake in (25, 100] ms ---------
relay 20
capture "$T_TMP/delay.pcap"
snap "$T_TMP/s2.json"
# One at a time, a snapshot after each: portsense's figure per handshake.
measure() {	# measure NS URL ROLE PORT N FILE
	local i prev=$T_TMP/m-prev.json cur=$T_TMP/m-cur.json
	snap "$prev"
	: >"$6"
	for i in $(seq "$5"); do
		ip netns exec "$1" curl -s -o /dev/null --max-time 5 "$2"
		snap "$cur"
		[ "$(delta "$prev" "$cur" "$3.by_port.$4.latency.count")" = 1 ] &&
			delta "$prev" "$cur" "$3.by_port.$4.latency.sum_ns" >>"$6"
		mv "$cur" "$prev"
	done
}
measure "$C" http://198.18.0.2:8080/ server 8080 10 "$T_TMP/lat-server"
measure "$S" http://198.18.0.1:9000/ client 9000 10 "$T_TMP/lat-client"
inc iperf3 -c 198.18.0.2 -p 5201 -n 200K >/dev/null 2>&1
ins iperf3 -c 198.18.0.1 -p 5202 -n 200K >/dev/null 2>&1
sleep 0.5
snap "$T_TMP/s3.json"
end_capture
within "40 ms added, server: 10 curls to this host" "$T_TMP/s2.json" "$T_TMP/s3.json" server 8080 10 0.025 0.1
within "40 ms added, client: 10 curls from this host" "$T_TMP/s2.json" "$T_TMP/s3.json" client 9000 10 0.025 0.1
within "40 ms added, server: iperf3 to this host" "$T_TMP/s2.json" "$T_TMP/s3.json" server 5201 2+ 0.025 0.1
within "40 ms added, client: iperf3 from this host" "$T_TMP/s2.json" "$T_TMP/s3.json" client 5202 2+ 0.025 0.1
for role in server client; do
	port=8080; [ $role = client ] && port=9000
	if out=$($CHECK crosscheck "$T_TMP/delay.pcap" $role $port "$T_TMP/lat-$role" 1000000 2>&1); then
		ok "tshark cross-check, $role: each handshake within 1 ms ($out)"
	else
		not_ok "tshark cross-check, $role" "$out"
	fi
done

# --- refused, unanswered, sent again, zero windows, resets ------------------
relay 0
ins nft add table inet psdiag && ins nft add chain inet psdiag in '{ type filter hook input priority 0; }' &&
	ins nft add rule inet psdiag in tcp dport 83 drop &&
	inc nft add table inet psdiag && inc nft add chain inet psdiag in '{ type filter hook input priority 0; }' &&
	inc nft add rule inet psdiag in tcp dport 84 drop ||
	not_ok "nftables drops ports 83 (S) and 84 (C)" "nft failed"
capture "$T_TMP/fail.pcap"
snap "$T_TMP/s4.json"
curls "$C" http://198.18.0.2:81/ 5
curls "$S" http://198.18.0.1:82/ 5
# Unanswered: curl gives up after 3.5 s, its SYN sent at 0, 1 and 3 s.
inc curl -s -o /dev/null --connect-timeout 3.5 http://198.18.0.2:83/ &
CURL1=$!
ins curl -s -o /dev/null --connect-timeout 3.5 http://198.18.0.1:84/ &
CURL2=$!
# A receiver that does not read: S's window closes; then S closes with data
# unread (RST out).  And a client that resets its connection (RST in).
ip netns exec "$S" "$PY" - <<'PYEOF' &
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("198.18.0.2", 7000))
s.listen(1)
c, _ = s.accept()
time.sleep(2.5)
c.close()
PYEOF
SINK=$!
T_PIDS+=("$SINK")
BG+=("$SINK")
wait_listen "$S" 7000
inc "$PY" - <<'PYEOF'
import select, socket, struct, time
s = socket.create_connection(("198.18.0.2", 7000))
s.setblocking(False)
end = time.time() + 4
while time.time() < end:
    try:
        s.send(b"x" * 65536)
    except BlockingIOError:
        select.select([], [s], [], 0.2)
    except OSError:
        break
a = socket.create_connection(("198.18.0.2", 8080))
a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
a.close()
PYEOF
wait "$CURL1" "$CURL2" "$SINK"
forget "$SINK"
sleep 1.5	# the sweep (each second, 2 s timeout) has expired the unanswered
snap "$T_TMP/s5.json"
end_capture
cap() { $CHECK count "$T_TMP/fail.pcap" "$1"; }
d() { delta "$T_TMP/s4.json" "$T_TMP/s5.json" "$1"; }
# expect_delta NAME PATH WANT [MIN]: the figure moved by WANT (at least MIN).
expect_delta() {
	local got
	got=$(d "$2")
	[ "$got" = "$3" ] && [ "$got" -ge "${4:-0}" ] && ok "$1 ($2 +$got)" || not_ok "$1" "$2 +$got, want $3"
}
expect_delta "refused: 5 curls to a closed port of this host" server.by_port_class.well_known.refused 5 5
expect_delta "refused: 5 curls from this host to a closed port" client.by_port_class.well_known.refused 5 5
expect_delta "unanswered: a port this host's nftables drops" server.by_port_class.well_known.unanswered 1 1
expect_delta "unanswered: a port the peer's nftables drops" client.by_port_class.well_known.unanswered 1 1
expect_delta "syn_retransmits in: as tshark counts the SYNs to port 83 sent again" server.syn_retransmits \
	"$(cap 'tcp.dstport == 83 && tcp.flags.syn == 1 && tcp.analysis.retransmission')" 2
expect_delta "syn_retransmits out: as tshark counts the SYNs to port 84 sent again" client.syn_retransmits \
	"$(cap 'tcp.dstport == 84 && tcp.flags.syn == 1 && tcp.analysis.retransmission')" 2
expect_delta "zero_window out: as tshark's tcp.analysis.zero_window from this host" zero_window.egress \
	"$(cap 'tcp.analysis.zero_window && ip.src == 198.18.0.2')" 1
expect_delta "zero_window in: none, as tshark says" zero_window.ingress \
	"$(cap 'tcp.analysis.zero_window && ip.src == 198.18.0.1')"
expect_delta "resets after the handshake, out: the receiver closing on unread data, as tshark counts" \
	resets_after_handshake.egress "$(cap 'tcp.flags.reset == 1 && tcp.seq_raw != 0 && ip.src == 198.18.0.2')" 1
expect_delta "resets after the handshake, in: the client's SO_LINGER 0 close, as tshark counts" \
	resets_after_handshake.ingress "$(cap 'tcp.flags.reset == 1 && tcp.seq_raw != 0 && ip.src == 198.18.0.1')" 1
expect_delta "no handshake counted completed twice or lost: completed to 8080 is the one reset client's" \
	server.by_port.8080.completed 1 1

# diag_of ID PORT: the diagnosis of the first alert ID about this host's PORT.
diag_of() {
	$PY -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l) if l.startswith("{") else {}
    if e.get("alert") == sys.argv[2] and str(e.get("dst_port") if e.get("direction") == "ingress" else e.get("src_port")) == sys.argv[3]:
        print(e.get("diagnosis", "")); break' "$OUT" "$1" "$2"
}

# --- service_refusing: a service that served, then stops -------------------
bg_in "$S" "$PY" -m http.server 8081 --bind 198.18.0.2
SRV=$!
wait_listen "$S" 8081 || not_ok "a server on 8081" "did not start"
curls "$C" http://198.18.0.2:8081/ 5
sleep 3.5	# --scan-window 3: its completions are now the windows before
kill "$SRV"; wait "$SRV" 2>/dev/null; forget "$SRV"
curls "$C" http://198.18.0.2:8081/ 25
n=$(alert_poll 3 service_refusing src_port=8081 | cut -d' ' -f1)
diag=$(diag_of service_refusing 8081)
[ "$n" = 1 ] && echo "$diag" | grep -q "port 8081 answered 20 SYNs with RST after 5 completed handshakes" &&
	ok "service_refusing: port 8081 served 5, then refused: one alert, diagnosis: $diag" ||
	not_ok "service_refusing" "$n alerts, diagnosis '$diag'"

# --- syn_flood and half_open say whether this host answered -----------------
inc hping3 -q -S -p 8080 -i u2000 -c 400 198.18.0.2 >/dev/null 2>&1
inc hping3 -q -S -p 83 -i u2000 -c 400 198.18.0.2 >/dev/null 2>&1
sleep 0.5
diag=$(diag_of syn_flood 8080)
echo "$diag" | grep -qE "this host answered [0-9]+ of 200 SYNs with a SYN-ACK .* but only 0 completed" &&
	ok "syn_flood at an open port: the diagnosis says this host answered ($diag)" ||
	not_ok "syn_flood diagnosis, answered" "'$diag'"
diag=$(diag_of syn_flood 83)
echo "$diag" | grep -q "this host answered none of the 200 SYNs (no SYN-ACK out)" &&
	ok "syn_flood at a dropped port: the diagnosis says this host did not answer ($diag)" ||
	not_ok "syn_flood diagnosis, silent" "'$diag'"
diag=$(diag_of half_open 8080)
echo "$diag" | grep -q "this host answered all 200 with a SYN-ACK (the service is up) and 0 completed" &&
	ok "half_open: the diagnosis says the service is up and the clients do not complete ($diag)" ||
	not_ok "half_open diagnosis" "'$diag'"

stop_ok "portsense exits 0 after the delay line"

# --- a restart: the figures go on; a service port that changed starts again -
snap "$T_TMP/stopped.json"
if start_portsense "$S" "$LOG" dgs0 -o json --interval 0 --pin-path "$PIN" --service-ports 8080,7777; then
	snap "$T_TMP/restarted.json"
	out=$($PY - "$T_TMP/stopped.json" "$T_TMP/restarted.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(f))["interfaces"]["dgs0"]["handshakes"]["server"] for f in sys.argv[1:3])
zero = all(v == 0 for k, v in b["by_port"]["7777"].items() if k != "latency") and \
    b["by_port"]["7777"]["latency"]["count"] == 0
ok = sorted(b["by_port"]) == ["7777", "8080"] and b["by_port"]["8080"] == a["by_port"]["8080"] and \
    zero and b["by_port_class"] == a["by_port_class"] and b["by_port"]["8080"]["completed"] > 0
print("ok" if ok else "ports %s, 8080 %s -> %s, by class equal: %s" % (
    sorted(b["by_port"]), a["by_port"]["8080"]["completed"], b["by_port"]["8080"]["completed"],
    b["by_port_class"] == a["by_port_class"]))
PYEOF
)
	[ "$out" = ok ] &&
		ok "restart with --service-ports 8080,7777: 8080 and the classes go on, 7777 starts at 0, the ports dropped are gone" ||
		not_ok "restart with other service ports" "$out"
	stop_ok "portsense exits 0 after the restart"
else
	not_ok "portsense restarts on the same pins" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
