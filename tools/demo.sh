#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# portsense demo: a sandbox of two network namespaces joined by a veth pair,
# portsense attached to the "host" end, real traffic from the other end
# (ping v4/v6, HTTP on a well-known and a registered port, connections to
# a closed one, a replayed SYN scan when ../shared/pcaps is there), the live
# view, then the handshakes per service, each alert's evidence file, and a
# clean exit.
# Touches no interface but the ones it creates.
#   sudo tools/demo.sh [SECONDS]      (default 12)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PORTSENSE=$ROOT/build/portsense
PY=/usr/bin/python3
SECS=${1:-12}
GEN=psdemo-gen HOST=psdemo-host
PIDS=()

[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (CAP_BPF, CAP_NET_ADMIN): sudo make demo" >&2; exit 1; }
[ -x "$PORTSENSE" ] || { echo "demo: build first: make" >&2; exit 1; }

cleanup() {
	local p ns
	# Everything inside the sandbox namespaces is the demo's own: servers,
	# pings, tcpreplay and portsense (which detaches on SIGTERM).
	for ns in "$GEN" "$HOST"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	done
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$GEN" 2>/dev/null
	ip netns del "$HOST" 2>/dev/null
	rm -rf "$SNAP" "$EVDIR"
	# The sensor keeps its counters pinned for a next start; the demo's
	# sandbox is the demo's own, so they go with it.
	rm -rf /sys/fs/bpf/portsense-demo
}
SNAP=$(mktemp /tmp/portsense-demo.XXXXXX.json)
EVDIR=$(mktemp -d /tmp/portsense-demo-evidence.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
rm -rf /sys/fs/bpf/portsense-demo	# an earlier demo's counters: this one counts alone
for ns in "$GEN" "$HOST"; do
	# A sandbox of this name is an earlier demo's leftover (the demo is
	# the only thing that makes it): start afresh.
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || exit 1
	ip -n "$ns" link set lo up
done
ip link add psdemo0 netns "$GEN" type veth peer name psdemo1 netns "$HOST" || exit 1
ip -n "$GEN" addr add 198.18.0.1/24 dev psdemo0
ip -n "$HOST" addr add 198.18.0.2/24 dev psdemo1
ip -n "$GEN" addr add 2001:db8::1/64 dev psdemo0 nodad
ip -n "$HOST" addr add 2001:db8::2/64 dev psdemo1 nodad
ip -n "$GEN" link set psdemo0 up
ip -n "$HOST" link set psdemo1 up

echo "== sandbox: $GEN (198.18.0.1, 2001:db8::1) <-> $HOST (198.18.0.2, 2001:db8::2)"
echo "== portsense attached to psdemo1 in $HOST for ${SECS}s"
# Servers on the host side: a well-known port and a registered one.
for port in 80 8080; do
	ip netns exec "$HOST" $PY -m http.server --bind :: "$port" >/dev/null 2>&1 &
	PIDS+=($!)
done

nsenter --net="/run/netns/$HOST" "$PORTSENSE" psdemo1 --output text --interval 2 \
	--duration "$SECS" --pin-path /sys/fs/bpf/portsense-demo --stats-json "$SNAP" \
	--service-ports 80,8080,81 --evidence "$EVDIR" &
PS=$!
sleep 1

# Traffic, bounded in count and time.
(
	ip netns exec "$GEN" ping -q -c $((SECS * 4)) -i 0.25 198.18.0.2 >/dev/null 2>&1 &
	ip netns exec "$GEN" ping -q -c $((SECS * 2)) -i 0.5 2001:db8::2 >/dev/null 2>&1 &
	for i in $(seq $((SECS * 2))); do
		ip netns exec "$GEN" $PY -c '
import urllib.request, sys
# Port 81 has no server: its handshakes are refused.
for url in ("http://198.18.0.2:80/", "http://198.18.0.2:8080/", "http://[2001:db8::2]:8080/",
            "http://198.18.0.2:81/"):
    try: urllib.request.urlopen(url, timeout=2).read()
    except Exception: pass' 2>/dev/null
		sleep 0.5
	done &
	scan=$ROOT/../shared/pcaps/scan_syn_nmap_sS_with_replies.pcap
	if [ -f "$scan" ] && command -v tcpreplay >/dev/null; then
		sleep 3
		echo "== replaying a recorded nmap SYN scan ($(basename "$scan")) at 1000 pps"
		ip netns exec "$GEN" timeout 10 tcpreplay -q -i psdemo0 --pps=1000 "$scan" >/dev/null 2>&1
	fi
	wait
) &
PIDS+=($!)

wait "$PS"; rc=$?
echo
if [ $rc -eq 0 ] && [ -s "$SNAP" ]; then
	echo "== final counters (portsense --stats-json; all fields in docs/stats-json.md)"
	$PY - "$SNAP" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
for d in ("ingress", "egress"):
    c = s[d]
    print("%-7s frames %-6d bytes %-9d ipv4 %-5d ipv6 %-5d arp %-4d" % (
        d, c["frames"], c["bytes"], c["l3"]["ipv4"], c["l3"]["ipv6"], c["l3"]["arp"]))
    for p in ("tcp", "udp"):
        cls = c[p]["by_dst_class"]
        print("        %s by dst class: well_known %d  registered %d  dynamic %d" % (
            p, cls["well_known"]["packets"], cls["registered"]["packets"], cls["dynamic"]["packets"]))
    t = c["tcp"]
    print("        tcp flags: syn %d synack %d rst %d fin %d; icmp echo %d/%d; icmpv6 echo %d/%d" % (
        t["syn_noack"], t["synack"], t["rst"], t["fin"], c["icmp"]["echo_request"],
        c["icmp"]["echo_reply"], c["icmpv6"]["echo_request"], c["icmpv6"]["echo_reply"]))
PYEOF
	echo "== handshakes this host answered, per service (--service-ports; docs/diagnosis.md)"
	$PY - "$SNAP" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
for port, v in sorted(s["handshakes"]["server"]["by_port"].items(), key=lambda x: int(x[0])):
    lat = v["latency"]
    mean = "%.3f ms" % (lat["sum_ns"] / lat["count"] / 1e6) if lat["count"] else "-"
    print("        port %-5s completed %-4d refused %-4d unanswered %-4d mean handshake %s" % (
        port, v["completed"], v["refused"], v["unanswered"], mean))
PYEOF
	echo "== each alert's frames (--evidence; docs/detection.md, Evidence)"
	for f in "$EVDIR"/*.pcapng; do
		[ -f "$f" ] || { echo "        (no alert opened a capture)"; break; }
		if command -v tshark >/dev/null; then
			echo "        $(basename "$f"): $(tshark -r "$f" 2>/dev/null | wc -l) frames"
		else
			echo "        $(basename "$f"): $(stat -c %s "$f") bytes"
		fi
	done
	echo "== portsense detached and exited 0; the sandbox is removed now"
else
	echo "demo: portsense exited $rc" >&2
	exit 1
fi
