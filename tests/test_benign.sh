#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Benign load must raise no alert: thousands of short HTTP connections (wrk),
# bulk transfers both ways (iperf3), DNS bursts with the watched host as
# server and as client, pings, long interactive (SSH-like) sessions, and
# ordinary ARP and NDP resolution.  Several of them cross the rate
# detectors' thresholds on purpose (2000 connections/s to one port, 1000
# DNS answers of 600 bytes in well under a second): only the detectors'
# second conditions (handshakes complete, answers match the host's own
# queries) keep them quiet.  Each load runs against a fresh portsense on
# the watched host B, and its counters prove it happened.  With
# RESULTS=FILE each load adds a line "load, tool and command, alerts raised".
. "$(dirname "$0")/lib.sh"

need_tools wrk iperf3 ping
two_hosts benign

# A minimal DNS server and client: dns.py serve ADDR SECS, or
# dns.py query SERVER N (one socket, so one random source port, per query,
# as a stub resolver does; prints the answers and the milliseconds taken).
cat >"$T_TMP/dns.py" <<'PYEOF'
import socket, struct, sys, time
if sys.argv[1] == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], 53))
    s.settimeout(float(sys.argv[3]))
    txt = b"".join(bytes([250]) + b"v=benign " + b"x" * 241 for _ in range(2))
    while True:
        try:
            q, peer = s.recvfrom(512)
        except socket.timeout:
            break
        qend = q.index(b"\0", 12) + 5          # the question: name, type, class
        ans = struct.pack("!HHHIH", 0xC00C, 16, 1, 60, len(txt)) + txt
        s.sendto(q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + q[12:qend] + ans, peer)
else:
    server, n = sys.argv[2], int(sys.argv[3])
    got, t0 = 0, time.monotonic()
    for i in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(1)
        name = b"".join(bytes([len(l)]) + l for l in (b"host%d" % i, b"example", b"org")) + b"\0"
        c.sendto(struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 16, 1), (server, 53))
        try:
            if c.recv(2048)[:2] == struct.pack("!H", i):
                got += 1
        except socket.timeout:
            pass
        c.close()
    print(got, int((time.monotonic() - t0) * 1000))
    sys.exit(0 if got >= n * 0.99 else 1)
PYEOF

# load NS CMD...: a load's command in NS, bounded; TOOL is its command line.
load() {
	local ns=$1; shift
	TOOL="$*"
	timeout 30 ip netns exec "$ns" "$@" 2>>"$T_TMP/tools.log"
}

# server NS SECS CMD...: a server in NS for at most SECS; SERVER_PID.
server() {
	local ns=$1 secs=$2; shift 2
	timeout "$secs" ip netns exec "$ns" "$@" >/dev/null 2>>"$T_TMP/tools.log" &
	SERVER_PID=$!
	T_PIDS+=("$SERVER_PID")
}
server_stop() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; forget_pid "$SERVER_PID"; }

# quiet: after the load (and a second for the rate windows to close), no
# alert at all; records the result.
quiet() {
	sleep 1
	local seen n
	n=$(grep -c '"event":"alert"' "$OUT")
	seen=$(alerts_seen)
	[ "$n" = 0 ] && ok "$SC: no alert" || not_ok "$SC: no alert" "$n alerts: $seen; first: $(grep -m1 '"event":"alert"' "$OUT")"
	record_result "$SC" "$TOOL" "${seen:-none}"
	stop_ok "$SC: portsense exits 0"
}

# Short HTTP connections: one per request, as many as wrk gets through in 5 s.
mkdir -p "$T_TMP/www" && head -c 1000 /dev/zero | tr '\0' a >"$T_TMP/www/index.html"
if sensor_for "HTTP, a connection per request" "$B" psb0; then
	server "$B" 30 $PY -m http.server --bind 198.18.0.2 --directory "$T_TMP/www" 80
	wait_listen "$B" 80 || not_ok "$SC: HTTP server listens" "not after 5 s"
	reqs=$(load "$A" wrk -t 2 -c 8 -d 5s --timeout 2s -H "Connection: close" http://198.18.0.2/ |
		awk '/requests in/ {print $1}')
	TOOL="wrk -t 2 -c 8 -d 5s -H 'Connection: close' against python3 -m http.server"
	server_stop
	[ "${reqs:-0}" -ge 1000 ] && ok "$SC: wrk completed $reqs requests" ||
		not_ok "$SC: wrk completed at least 1000 requests" "${reqs:-none}"
	quiet
	counter_ge "$SC: a connection per request" "$SNAP" ingress.tcp.syn_noack "${reqs:-1000}"
fi

# Bulk TCP both ways.
for dir in to from; do
	if sensor_for "bulk TCP $dir the host" "$B" psb0; then
		server "$B" 30 iperf3 -s -1 -B 198.18.0.2
		wait_listen "$B" 5201 || not_ok "$SC: iperf3 server listens" "not after 5 s"
		rev=(); [ $dir = from ] && rev=(-R)
		load "$A" iperf3 -c 198.18.0.2 -t 5 "${rev[@]}" >/dev/null || not_ok "$SC: iperf3 ran" "exit $?"
		wait "$SERVER_PID"; forget_pid "$SERVER_PID"
		quiet
		path=ingress.tcp.bytes; [ $dir = from ] && path=egress.tcp.bytes
		counter_ge "$SC: over 100 MB" "$SNAP" $path 100000000
	fi
done

# DNS bursts: 1000 queries and answers of 600 bytes; the host as server,
# then as client (answers from port 53 it asked for: no amplification).
dns() {
	local server_ns=$1 server=$2 client_ns=$3 out
	server "$server_ns" 20 $PY "$T_TMP/dns.py" serve "$server" 5
	sleep 0.5
	if out=$(load "$client_ns" $PY "$T_TMP/dns.py" query "$server" 1000); then
		ok "$SC: ${out% *} answers in ${out#* } ms"
	else
		not_ok "$SC: 1000 queries answered" "${out:-no output}"
	fi
	TOOL="python DNS client, 1000 queries (one socket each) to a python DNS server ($server:53)"
	server_stop
	quiet
}
if sensor_for "DNS, the host serving" "$B" psb0; then
	dns "$B" 198.18.0.2 "$A"
	counter_ge "$SC: queries in" "$SNAP" ingress.udp.by_dst_class.well_known.packets 1000
fi
if sensor_for "DNS, the host resolving" "$B" psb0; then
	dns "$A" 198.18.0.1 "$B"
	counter_ge "$SC: answers from port 53 in" "$SNAP" ingress.udp.by_src_class.well_known.packets 1000
	counter_ge "$SC: over 256 KiB of answers" "$SNAP" ingress.udp.by_src_class.well_known.bytes 262144
fi

# Pings both ways.
if sensor_for "pings" "$B" psb0; then
	load "$A" ping -q -c 5 -i 0.2 198.18.0.2 >/dev/null
	load "$B" ping -q -c 5 -i 0.2 198.18.0.1 >/dev/null
	TOOL="ping -c 5 -i 0.2, both ways"
	quiet
	counter_ge "$SC: echo requests both ways" "$SNAP" ingress.icmp.echo_request 5
fi

# Long interactive sessions: 5 connections to port 22, a line each way
# every 100 ms for 4 s.
if sensor_for "SSH-like sessions" "$B" psb0; then
	server "$B" 30 $PY -c 'import socket, threading
def echo(c):
    while True:
        d = c.recv(512)
        if not d: break
        c.sendall(d)
    c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 22)); s.listen(8)
for _ in range(5):
    threading.Thread(target=echo, args=(s.accept()[0],)).start()'
	wait_listen "$B" 22 || not_ok "$SC: server listens" "not after 5 s"
	load "$A" $PY -c 'import socket, threading, time
def session():
    c = socket.create_connection(("198.18.0.2", 22), timeout=5)
    for _ in range(40):
        c.sendall(b"ls -l\n"); c.recv(512); time.sleep(0.1)
    c.close()
ts = [threading.Thread(target=session) for _ in range(5)]
[t.start() for t in ts]; [t.join() for t in ts]' || not_ok "$SC: sessions ran" "client failed"
	TOOL="5 python TCP sessions to port 22, a line each way every 100 ms for 4 s"
	wait "$SERVER_PID"; forget_pid "$SERVER_PID"
	quiet
	counter_ge "$SC: 200 lines in" "$SNAP" ingress.tcp.packets 200
fi

# Ordinary address resolution: the permanent neighbours go, IPv6 comes
# on, and pings both ways over both make real ARP and NDP exchanges.
ip -n "$A" neigh del 198.18.0.2 dev psa0 && ip -n "$B" neigh del 198.18.0.1 dev psb0
enable_ipv6 "$A" psa0 2001:db8::1 && enable_ipv6 "$B" psb0 2001:db8::2 ||
	not_ok "IPv6 on the test link" "cannot enable it"
if sensor_for "ARP and NDP resolution" "$B" psb0; then
	load "$A" ping -q -c 3 -i 0.2 198.18.0.2 >/dev/null
	load "$A" ping -q -6 -c 3 -i 0.2 2001:db8::2 >/dev/null
	ip -n "$B" neigh flush dev psb0
	load "$B" ping -q -c 3 -i 0.2 198.18.0.1 >/dev/null
	load "$B" ping -q -6 -c 3 -i 0.2 2001:db8::1 >/dev/null
	TOOL="ping and ping -6 both ways, neighbour caches empty"
	quiet
	counter_ge "$SC: ARP requests and replies" "$SNAP" ingress.arp.reply 1
	counter_ge "$SC: NDP" "$SNAP" ingress.icmpv6.packets 4
fi
