#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Attack tools nobody here wrote (nmap, masscan, hping3, ping, and scapy-built
# captures replayed by tcpreplay) against a victim namespace watched by
# portsense.  Each attack, against a fresh portsense (no state or hold-down
# left from the one before):
#   - its alert id, printed at most 1 s after the tool's end (waited for up
#     to 2 s), with the latency from the attack's start to the alert's
#     timestamp;
#   - exactly one alert for the key (--holddown 60 outlasts every attack), of
#     the right kind;
#   - the tool's packets in the counters, so a missed alert is the
#     detector's fault and not the test's.
# With RESULTS=FILE each attack adds a line "attack, tool and command, alert
# id, ok|missed|late, latency ms" (tools/detection-report.sh).
# Traffic stays between the two namespaces made here; spoofed sources are in
# 198.18.0.0/15 and outside the test link 198.18.0.0/24, so the victim's
# answers go to its router (the attacker's namespace, which does not forward
# them) and to no ARP.
. "$(dirname "$0")/lib.sh"

need_tools nmap masscan hping3 tcpreplay ping tshark tcpdump
$PY -c 'import scapy' 2>/dev/null || { not_ok "python3-scapy installed" "run: make deps"; exit 0; }
two_hosts attacks
V=198.18.0.2
MA=$(mac_of "$A" psa0) MB=$(mac_of "$B" psb0)
# The victim answers spoofed sources as a real host would, via its router.
ip -n "$B" route add default via 198.18.0.1
# 32 more addresses on the victim for the sweeps, 198.18.0.64/27; the
# attacker knows their MAC, so no ARP.
for i in $(seq 64 95); do
	ip -n "$B" addr add 198.18.0.$i/32 dev psb0
	ip -n "$A" neigh replace 198.18.0.$i lladdr "$MB" dev psa0 nud permanent
done
# The attacker's second scanner address (--allow), and the neighbour whose
# ARP binding the spoofing test changes.
ip -n "$A" addr add 198.18.0.9/24 dev psa0
ip -n "$A" addr add 198.18.0.3/24 dev psa0
CAP=$T_TMP/cap
mkdir -p "$CAP"

# scapy builds the captures while nmap and hping3 run.
$PY - "$CAP" "$MA" "$MB" >"$T_TMP/gen.log" 2>&1 <<'PYEOF' &
import logging, random, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ARP, DNS, DNSQR, DNSRR, Ether, ICMP, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr,
                       IP, IPv6, TCP, UDP, Raw, fragment, wrpcap)

out, ma, mb = sys.argv[1:4]
victim = "198.18.0.2"
r = random.Random(42)
def spoofed():
    return "198.%d.%d.%d" % (r.choice((18, 19)), r.randrange(1, 256), r.randrange(1, 255))
def eth():
    return Ether(src=ma, dst=mb)
fake = "02:00:00:00:66:66"

caps = {
    # A flooder's SYNs from random sources (bare 20-byte header, as hping3
    # and most flooders send): to one port, then to any port.
    "synflood": [eth() / IP(src=spoofed(), dst=victim) /
                 TCP(sport=r.randrange(1024, 65536), dport=80, flags="S", seq=r.getrandbits(32))
                 for _ in range(8000)],
    "synflood_ports": [eth() / IP(src=spoofed(), dst=victim) /
                       TCP(sport=r.randrange(1024, 65536), dport=r.randrange(1, 65536), flags="S")
                       for _ in range(3000)],
    # Backscatter: a flood elsewhere spoofs the victim's address, and the
    # flooded hosts answer it: SYN-ACKs, or RST+ACKs from closed ports.
    "backscatter_synack": [eth() / IP(src=spoofed(), dst=victim) /
                           TCP(sport=r.choice((80, 443)), dport=r.randrange(1024, 65536), flags="SA",
                               seq=r.getrandbits(32), ack=r.getrandbits(32)) for _ in range(500)],
    "backscatter_rst": [eth() / IP(src=spoofed(), dst=victim) /
                        TCP(sport=r.choice((80, 443)), dport=r.randrange(1024, 65536), flags="RA",
                            ack=r.getrandbits(32)) for _ in range(500)],
    # DNS amplification: 2000 answers of 1082 bytes from 20 resolvers, to
    # queries the victim never sent.
    "dns_amp": [eth() / IP(src="198.19.53.%d" % (i % 20 + 1), dst=victim) /
                UDP(sport=53, dport=r.randrange(1024, 65536)) /
                DNS(id=r.getrandbits(16), qr=1, rd=1, ra=1, qd=DNSQR(qname="example.org", qtype="ANY"),
                    an=DNSRR(rrname="example.org", type="TXT", ttl=300, rdata=[b"v=amp " + b"x" * 240] * 4))
                for i in range(2000)],
    # ARP spoofing as arpspoof does it: unsolicited replies binding
    # 198.18.0.3 (the attacker namespace's, learnt by the victim) to
    # another MAC.
    "arp_change": [Ether(src=fake, dst=mb) /
                   ARP(op=2, psrc="198.18.0.3", hwsrc=fake, pdst=victim, hwdst=mb)] * 3,
    # A burst of 200 unsolicited replies (one binding, said again and again).
    "arp_flood": [eth() / ARP(op=2, psrc="198.18.0.4", hwsrc=ma, pdst=victim, hwdst=mb)] * 200,
    # NDP spoofing: unsolicited override adverts moving 2001:db8::1.
    "nd_change": [Ether(src=fake, dst=mb) / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=255) /
                  ICMPv6ND_NA(tgt="2001:db8::1", R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=fake)] * 3,
    # A SYN flood from 2000 distinct bogon sources (240.0.0.0/4).
    "bogon_flood": [eth() / IP(src="240.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255), dst=victim) /
                    TCP(sport=r.randrange(1024, 65536), dport=80, flags="S") for i in range(2000)],
    # The classic ping of death: a 65608-byte echo request in fragments.
    "ping_of_death": [eth() / f for f in
                      fragment(IP(src="198.18.0.1", dst=victim) / ICMP(id=7) / Raw(b"X" * 65600),
                               fragsize=1480)],
}
for name, pkts in caps.items():
    wrpcap("%s/%s.pcap" % (out, name), pkts)
PYEOF
GEN_PID=$!
T_PIDS+=("$GEN_PID")
# What each capture holds, for the results.
declare -A WHAT=(
	[synflood]="8000 SYNs to port 80 from random sources in 198.18.0.0/15"
	[synflood_ports]="3000 SYNs to random ports from random sources in 198.18.0.0/15"
	[backscatter_synack]="500 SYN-ACKs from random sources, for connections never opened"
	[backscatter_rst]="500 RST+ACKs from random sources, for connections never opened"
	[dns_amp]="2000 DNS answers of 1082 bytes from port 53 of 20 resolvers, never asked"
	[arp_change]="3 unsolicited ARP replies moving 198.18.0.3 to another MAC"
	[arp_flood]="200 unsolicited ARP replies"
	[nd_change]="3 unsolicited override neighbour adverts moving 2001:db8::1 to another MAC"
	[ping_of_death]="fragment() of a 65608-byte echo request, 45 fragments"
	[bogon_flood]="2000 SYNs to port 80 from 2000 bogon sources in 240.0.0.0/4"
)

# scenario NAME [PORTSENSE ARGS...]: a fresh portsense on the victim, its
# evidence (--evidence) in a directory of its own, $EV.
scenario() {
	EV=$T_TMP/evidence/${1//[^a-zA-Z0-9]/_}
	sensor_for "$1" "$B" psb0 --evidence "$EV" "${@:2}"
}

# attacker CMD...: the tool in the attacker's namespace, bounded; sets T0 and
# T_END (the attack's start and end) and TOOL (its command line).
attacker() {
	local rc
	TOOL="$*" T0=$(now_s)
	TOOL=${TOOL//$MA/MAC_A} TOOL=${TOOL//$MB/MAC_B}
	timeout 30 ip netns exec "$A" "$@" >>"$T_TMP/tools.log" 2>&1
	rc=$? T_END=$(now_s)
	return $rc
}

replayed_as() { echo "scapy: ${WHAT[$1]}; tcpreplay $2"; }

# replay CAPTURE [TCPREPLAY RATE]: a scapy-built capture into the attacker's
# veth (default --topspeed).
replay() {
	local rate=${2:---topspeed}
	attacker tcpreplay -q -i psa0 "$rate" "$CAP/$1.pcap"
	TOOL=$(replayed_as "$1" "$rate")
}

# expect ID KIND [COND...]: the alert, waited for up to 2 s after the
# tool's end, and printed at most 1 s after that end (the threshold was
# crossed before it, so later is too slow); exactly one for the key (the
# CONDs), of KIND (- for any).  Records the result
# with the latency from the attack's start.
expect() {
	local id=$1 kind=$2 n first kinds lat late; shift 2
	read -r n first kinds < <(alert_poll 2 "$id" "$@")
	if [ "$n" = 0 ]; then
		not_ok "$SC: $id within 1 s of the attack's end" "no $id alert $* after 2 s; alerts seen: $(alerts_seen)"
		record_result "$SC" "$TOOL" "$id" missed ""
		return 1
	fi
	lat=$(ms_since "$T0" "$first") late=$(ms_since "$T_END" "$first")
	if [ "$late" -le 1000 ]; then
		ok "$SC: $id within 1 s of the attack's end, $lat ms after its start"
		record_result "$SC" "$TOOL" "$id" ok "$lat"
	else
		not_ok "$SC: $id within 1 s of the attack's end" "$late ms after it"
		record_result "$SC" "$TOOL" "$id" "late ($late ms after the end)" "$lat"
	fi
	if [ "$kind" = - ]; then
		[ "$n" = 1 ] && ok "$SC: one $id alert $*" || not_ok "$SC: one $id alert $*" "$n alerts"
	else
		[ "$n" = 1 ] && [ "$kinds" = "$kind" ] && ok "$SC: one $id alert $*, kind $kind" ||
			not_ok "$SC: one $id alert $*, kind $kind" "$n alerts, kinds $kinds"
	fi
}

# finish: portsense stops cleanly and writes $SNAP; the attack read as at
# most 8 alert lines (alerts and the summaries of aggregated ones, which
# portsense prints at exit for periods still open); each alert's evidence
# read by tshark and tcpdump (tests/evidence_check.py says what is checked).
ALERT_LINES_MAX=8
finish() {
	local n
	stop_ok "$SC: portsense exits 0"
	n=$(grep -c '"event":"alert' "$OUT")
	[ "$n" -le $ALERT_LINES_MAX ] && ok "$SC: $n alert lines (at most $ALERT_LINES_MAX)" ||
		not_ok "$SC: at most $ALERT_LINES_MAX alert lines" "$n: $(alerts_seen)"
	record_result "$SC" - "(alert lines)" "$n" -
	$PY "$ROOT/tests/evidence_check.py" alerts "$SC" "$OUT" ||
		not_ok "$SC: evidence_check.py runs" "exit $?"
}

# attack NAME PATH MIN EXPECTATION... -- CMD...: a fresh portsense, the
# attack (CMD: attacker, replay, or a function around them), each
# EXPECTATION ("ID KIND COND...", see expect), and the counter PATH >= MIN
# that proves the attack's packets reached the victim.
attack() {
	local name=$1 path=$2 min=$3 e exps=(); shift 3
	while [ "$1" != -- ]; do exps+=("$1"); shift; done
	shift
	scenario "$name" || return
	"$@"
	for e in "${exps[@]}"; do expect $e; done
	finish
	counter_ge "$SC: the attack's packets reached the victim" "$SNAP" "$path" "$min"
}

# listen PORT: a TCP listener on the victim (backlog 1024, accepts nothing)
# for the SYN floods, whose SYN-ACKs are half_open's evidence; LISTEN_PID.
listen() {
	timeout 60 ip netns exec "$B" $PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("198.18.0.2", int(sys.argv[1]))); s.listen(1024); time.sleep(60)' "$1" &
	LISTEN_PID=$!
	T_PIDS+=("$LISTEN_PID")
	wait_listen "$B" "$1" || not_ok "$SC: listener on $1" "not listening after 5 s"
}
unlisten() { kill "$LISTEN_PID"; wait "$LISTEN_PID" 2>/dev/null; forget_pid "$LISTEN_PID"; }
# on_port80 CMD...: CMD while the victim listens on port 80.
on_port80() { local rc; listen 80; "$@"; rc=$?; unlisten; return $rc; }

# The nmap options every scan here uses: no discovery (no ARP ping), no DNS,
# no retries, bounded.
NMAP=(-Pn -n --disable-arp-ping --max-retries 0 -T4 --host-timeout 20s)
SCANNER="src_ip=198.18.0.1"

# Port scans, one per nmap scan type, 200 ports each: port_scan from the
# scanner, and invalid_tcp_flags for the NULL and XMAS scans.
nmap_scan() {
	local type=$1 kind=$2 path=$3; shift 3
	attack "nmap $type" "$path" 200 "port_scan $kind $SCANNER" "$@" -- attacker nmap "$type" "${NMAP[@]}" -p 1-200 $V
}
nmap_scan -sS syn ingress.tcp.syn_noack
nmap_scan -sT connect ingress.tcp.syn_noack
nmap_scan -sF fin ingress.tcp.fin
nmap_scan -sN null ingress.tcp.null "invalid_tcp_flags - $SCANNER"
nmap_scan -sX xmas ingress.tcp.xmas "invalid_tcp_flags - $SCANNER"
nmap_scan -sA ack ingress.tcp.packets
nmap_scan -sM maimon ingress.tcp.fin
nmap_scan -sU udp ingress.udp.packets

# masscan has its own TCP/IP stack: it needs the interface, the source
# address and the next hop's MAC (without --router-mac it waits, silently
# and for ever, for the ARP answer of a router this namespace does not have).
attack "masscan" ingress.tcp.syn_noack 200 "port_scan syn $SCANNER" -- attacker masscan -e psa0 \
	--adapter-ip 198.18.0.1 --adapter-mac "$MA" --router-mac "$MB" -p 1-200 --rate 2000 --wait 0 $V

# Host sweeps over the victim's 32 addresses.  On a directly connected
# subnet nmap discovers hosts by ARP unless told --disable-arp-ping.
attack "nmap -sn ping sweep" ingress.icmp.echo_request 32 "host_sweep ping $SCANNER" -- \
	attacker nmap -sn -PE -n --disable-arp-ping --max-retries 0 -T4 198.18.0.64/27
attack "nmap -sS -p 80 sweep" ingress.tcp.syn_noack 32 "host_sweep syn $SCANNER" -- \
	attacker nmap -sS "${NMAP[@]}" -p 80 198.18.0.64/27

# Floods from hping3 and ping, bounded in count.
attack "RST flood" ingress.tcp.rst 3000 "rst_flood - dst_ip=$V" -- attacker hping3 -q -R --faster -c 3000 -p 80 $V
attack "ICMP flood (hping3)" ingress.icmp.echo_request 3000 "icmp_flood - dst_ip=$V" -- \
	attacker hping3 -q -1 --faster -c 3000 $V
attack "ICMP flood (ping -f)" ingress.icmp.echo_request 3000 "icmp_flood - dst_ip=$V" -- attacker ping -q -f -c 3000 $V
# Smurf, the victim's side: echo replies it never asked for; the
# amplifiers' side: echo requests to the broadcast address, from the
# victim's spoofed address.
attack "smurf (victim)" ingress.icmp.echo_reply 3000 "smurf - dst_ip=$V" -- attacker hping3 -q -1 -C 0 --faster -c 3000 $V
attack "smurf (broadcast)" ingress.icmp.echo_request 20 "smurf - dst_ip=198.18.0.255" -- \
	attacker hping3 -q -1 -a $V -c 20 -i u10000 198.18.0.255
attack "land" ingress.extras.land 3 "land - dst_ip=$V" -- attacker hping3 -q -S -a $V -s 139 -k -p 139 -c 3 -i u20000 $V
attack "ping of death (hping3)" ingress.ipv4_fragments 2 "ping_of_death - $SCANNER" -- \
	attacker hping3 -q -1 -c 2 -i u20000 -g 65512 -d 200 $V
# From a real address: the attacker's kernel resets each SYN-ACK, so the
# victim sees an RST flood too.
attack "SYN flood (hping3)" ingress.tcp.syn_noack 3000 "syn_flood one_port dst_ip=$V dst_port=80" -- \
	on_port80 attacker hping3 -q -S --faster -c 3000 -p 80 $V

# From random sources (hping3 --rand-source: any IPv4 address, an eighth of
# them bogons), where nothing routes the victim's answers on.  Each source
# is a new key to a per-source detector: these read as a few lines only
# because bogon_source aggregates per victim (one alert, one summary).
attack "random-source SYN flood (hping3)" ingress.tcp.syn_noack 20000 "syn_flood one_port dst_ip=$V dst_port=80" \
	"bogon_source - dst_ip=$V" -- on_port80 attacker hping3 -q -S --rand-source --faster -c 20000 -p 80 $V
attack "random-source RST flood (hping3)" ingress.tcp.rst 20000 "rst_flood - dst_ip=$V" "bogon_source - dst_ip=$V" -- \
	attacker hping3 -q -R --rand-source --faster -c 20000 -p 80 $V

# From here on, scapy's captures.
wait "$GEN_PID"; rc=$?
forget_pid "$GEN_PID"
[ $rc = 0 ] && ok "scapy built the attack captures" ||
	{ not_ok "scapy built the attack captures" "$(tail -n 3 "$T_TMP/gen.log" | tr '\n' ' ')"; exit 0; }

attack "ping of death (scapy)" ingress.ipv4_fragments 45 "ping_of_death - $SCANNER" -- replay ping_of_death

# A SYN flood from random sources (4000/s for 2 s, a scapy capture in
# 198.18.0.0/15) and, during it, an nmap scan from 198.18.0.1: the flood
# must not blind the scan detector, and its spoofed sources (one probe
# each) are no scanners.  Then the same with hping3 --rand-source (any
# address, bogons among them).
flood_and_scan() {
	local flood=$1; shift
	listen 80
	"$@" &
	flood_pid=$!
	T_FLOOD=$(now_s)
	sleep 0.5
	attacker nmap -sS "${NMAP[@]}" -p 1-200 $V
	wait $flood_pid
	T_FLOOD_END=$(now_s)
	expect port_scan syn $SCANNER
	T0=$T_FLOOD T_END=$T_FLOOD_END TOOL=$flood
	expect syn_flood one_port dst_ip=$V dst_port=80
	expect half_open - "src_ip|dst_ip=$V"
	expect_alert "$SC: no port_scan from the spoofed sources" 1 port_scan
	unlisten
}
if scenario "random-source SYN flood + nmap -sS"; then
	flood_and_scan "$(replayed_as synflood --pps=4000)" replay synflood --pps=4000
	finish
	counter_ge "$SC: the flood and the scan reached the victim" "$SNAP" ingress.tcp.syn_noack 8200
	counter_ge "$SC: the victim answered with SYN-ACKs" "$SNAP" egress.tcp.synack 1000
fi
if scenario "random-source SYN flood (hping3) + nmap -sS"; then
	flood_and_scan "hping3 -q -S --rand-source -i u250 -c 8000 -p 80 $V" \
		timeout 30 ip netns exec "$A" hping3 -q -S --rand-source -i u250 -c 8000 -p 80 $V
	expect bogon_source - dst_ip=$V
	finish
	counter_ge "$SC: the flood and the scan reached the victim" "$SNAP" ingress.tcp.syn_noack 8200
fi
# Aggregated: 2000 bogon sources are one alert and one summary, and the
# summary's count is every packet the counters saw.
if scenario "bogon sources"; then
	replay bogon_flood
	expect bogon_source - dst_ip=$V
	finish
	counter_ge "$SC: the flood reached the victim" "$SNAP" ingress.tcp.syn_noack 2000
	sum=$($PY - "$OUT" "$SNAP" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
alerts = [e for e in lines if e.get("event") == "alert" and e["alert"] == "bogon_source"]
sums = [e for e in lines if e.get("event") == "alert_summary" and e["alert"] == "bogon_source"]
syns = json.load(open(sys.argv[2]))["ingress"]["tcp"]["syn_noack"]
ok = len(alerts) == 1 and len(sums) == 1 and sums[0]["count"] == syns and \
     sums[0]["victim"] == "198.18.0.2" and len(sums[0]["samples"]) == 4 and \
     1400 <= sums[0]["sources"] <= 2000 and sums[0]["samples"][0] == alerts[0]["src_ip"]
print("ok" if ok else "alerts %d, summaries %s, syn_noack %d" % (len(alerts), sums, syns))
PYEOF
)
	[ "$sum" = ok ] && ok "$SC: the summary counts every SYN the counters saw, ~2000 sources, 4 samples" ||
		not_ok "$SC: the summary counts every SYN the counters saw" "$sum"
fi
attack "random-source SYN flood, random ports" ingress.tcp.syn_noack 3000 "syn_flood many_ports dst_ip=$V" -- \
	replay synflood_ports
attack "backscatter (SYN-ACK)" ingress.tcp.synack 500 "backscatter syn_ack dst_ip=$V" -- replay backscatter_synack
attack "backscatter (RST)" ingress.tcp.rst 500 "backscatter rst dst_ip=$V" -- replay backscatter_rst
attack "DNS amplification" ingress.udp.by_src_class.well_known.packets 2000 "udp_amplification - dst_ip=$V" -- \
	replay dns_amp
attack "ARP reply flood" ingress.arp.reply 200 "arp_spoof reply_flood" -- replay arp_flood

# ARP and NDP spoofing: the victim learns 198.18.0.3 (2001:db8::1) from a
# real exchange, as it pings it; then the spoofed replies (adverts) move it
# to another MAC.
learn_then() { local ping=$1; shift; timeout 10 ip netns exec "$B" $ping >/dev/null || not_ok "$SC: $ping" "failed"; "$@"; }
attack "ARP spoofing (binding change)" ingress.arp.reply 4 "arp_spoof mac_change src_ip=198.18.0.3" -- \
	learn_then "ping -q -c 1 -W 2 198.18.0.3" replay arp_change
enable_ipv6 "$A" psa0 2001:db8::1 && enable_ipv6 "$B" psb0 2001:db8::2 ||
	not_ok "IPv6 on the test link" "cannot enable it"
attack "NDP spoofing (binding change)" ingress.icmpv6.packets 4 "arp_spoof nd_mac_change src_ip=2001:db8::1" -- \
	learn_then "ping -q -6 -c 1 -W 2 2001:db8::1" replay nd_change

# --allow: the allowed scanner raises nothing, another one still does.
if scenario "--allow port_scan=198.18.0.1" --allow port_scan=198.18.0.1; then
	attacker nmap -sS "${NMAP[@]}" -p 1-200 $V
	allowed=$TOOL
	attacker nmap -sS "${NMAP[@]}" -e psa0 -S 198.18.0.9 -p 1-200 $V
	expect port_scan syn src_ip=198.18.0.9
	n=$(alerts_of port_scan src_ip=198.18.0.1)
	[ "$n" = 0 ] && ok "$SC: no port_scan from the allowed scanner" ||
		not_ok "$SC: no port_scan from the allowed scanner" "$n alerts"
	record_result "$SC" "$allowed" "none (allowed)" "$([ "$n" = 0 ] && echo ok || echo "$n alerts")" ""
	finish
	counter_ge "$SC: both scans reached the victim" "$SNAP" ingress.tcp.syn_noack 400
fi

# Evidence under its cap through a long random-source flood: 60000 SYNs
# and their SYN-ACKs, all the flood capture's to take (--evidence-packets
# 100000), several MB of frames for a 1 MB directory; its size sampled
# while the flood runs, the frames past the cap counted.
if scenario "evidence cap (random-source SYN flood)" --evidence-max-mb 1 --evidence-packets 100000 \
	--evidence-time 60; then
	listen 80
	TOOL="hping3 -q -S --rand-source --faster -c 60000 -p 80 $V" T0=$(now_s)
	timeout 60 ip netns exec "$A" $TOOL >>"$T_TMP/tools.log" 2>&1 &
	flood=$!
	T_PIDS+=("$flood")
	max=0 samples=0
	while kill -0 "$flood" 2>/dev/null; do
		b=$(find "$EV" -name 'portsense-*.pcapng' -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}')
		[ "$b" -gt "$max" ] && max=$b
		samples=$((samples + 1))
		sleep 0.1
	done
	wait "$flood"; forget_pid "$flood"; T_END=$(now_s)
	unlisten
	expect syn_flood one_port dst_ip=$V dst_port=80
	finish
	b=$(find "$EV" -name 'portsense-*.pcapng' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
	[ "$max" -le 1048576 ] && [ "$b" -le 1048576 ] && [ "$samples" -ge 5 ] &&
		ok "$SC: the directory stayed under 1 MiB ($max bytes at most in $samples samples, $b at the end)" ||
		not_ok "$SC: the directory stayed under 1 MiB" "$max bytes at most in $samples samples, $b at the end"
	counter_ge "$SC: the frames past the cap are counted" "$SNAP" sensor.evidence_unwritten 1000
	# Made by portsense (the scenario's directory did not exist): 0750, its files 0640.
	modes=$(stat -c %a "$EV" "$EV"/portsense-*.pcapng | sort -u | tr '\n' ' ')
	[ "$modes" = "640 750 " ] && ok "$SC: the directory made 0750, the files 0640" ||
		not_ok "$SC: the directory made 0750, the files 0640" "modes $modes"
fi

# A full disk: the alerts still come, the sensor runs on, the write error is
# said once (not once a frame), and every frame not written is counted.
FULL=$T_TMP/full
mkdir -p "$FULL" && mount -t tmpfs -o size=16k tmpfs "$FULL" && T_MOUNTS+=("$FULL")
dd if=/dev/zero of="$FULL/filler" bs=4k count=16 2>/dev/null
# The scenario's own --evidence, then this one: the last given wins.
if mountpoint -q "$FULL" && scenario "evidence on a full disk" --evidence "$FULL"; then
	attacker nmap -sS "${NMAP[@]}" -p 1-200 $V
	attacker nmap -sS "${NMAP[@]}" -e psa0 -S 198.18.0.9 -p 1-200 $V
	expect port_scan syn $SCANNER
	expect port_scan syn src_ip=198.18.0.9
	alive "$PS_PID" && ok "$SC: portsense runs on" || not_ok "$SC: portsense runs on" "it exited"
	stop_ok "$SC: portsense exits 0"
	n=$(grep -c "portsense: evidence: " "$LOG")
	[ "$n" = 1 ] && ok "$SC: the write error said once" ||
		not_ok "$SC: the write error said once" "$n times: $(grep "evidence:" "$LOG" | head -3 | tr '\n' ' ')"
	# Two captures of 100 frames, none of which fits.
	counter_ge "$SC: the frames not written are counted" "$SNAP" sensor.evidence_unwritten 150
else
	not_ok "evidence on a full disk: a 16k tmpfs" "cannot mount one at $FULL"
fi

# portsense capture through the running instance, no alert needed: what
# 198.18.0.9 sends (its pings), and nothing of 198.18.0.1 pinging at the
# same time; read back by tshark and tcpdump.
if scenario "portsense capture --src"; then
	nsenter --net="/run/netns/$B" "$PORTSENSE" capture --src 198.18.0.9 -c 30 -w "$T_TMP/od.pcapng" \
		--pin-path "$PIN" -d 20 2>"$T_TMP/od.log" &
	cap=$!
	T_PIDS+=("$cap")
	for _ in $(seq 50); do grep -q "capturing" "$T_TMP/od.log" && break; sleep 0.1; done
	grep -q "capturing frames from 198.18.0.9" "$T_TMP/od.log" && ok "$SC: the instance opens the capture" ||
		not_ok "$SC: the instance opens the capture" "$(tr '\n' ' ' <"$T_TMP/od.log")"
	timeout 10 ip netns exec "$A" ping -q -c 40 -i 0.02 -I 198.18.0.9 $V >/dev/null &
	p9=$!
	timeout 10 ip netns exec "$A" ping -q -c 40 -i 0.02 $V >/dev/null
	wait "$p9"
	wait "$cap"; rc=$?
	forget_pid "$cap"
	[ $rc = 0 ] && grep -q "30 frames written" "$T_TMP/od.log" && ok "$SC: exits 0 after -c 30 frames" ||
		not_ok "$SC: exits 0 after -c 30 frames" "exit $rc: $(tr '\n' ' ' <"$T_TMP/od.log")"
	all=$(tshark -n -r "$T_TMP/od.pcapng" 2>/dev/null | wc -l)
	mine=$(tshark -n -r "$T_TMP/od.pcapng" -Y "ip.src == 198.18.0.9 && icmp.type == 8" 2>/dev/null | wc -l)
	dump=$(tcpdump -nn -r "$T_TMP/od.pcapng" 2>/dev/null | wc -l)
	[ "$all" = 30 ] && [ "$mine" = 30 ] && [ "$dump" = 30 ] &&
		ok "$SC: 30 frames, each an echo request from 198.18.0.9 (tshark, tcpdump)" ||
		not_ok "$SC: 30 echo requests from 198.18.0.9" "tshark: $all frames, $mine from .9; tcpdump: $dump"
	finish
fi
