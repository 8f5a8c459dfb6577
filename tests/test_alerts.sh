#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Detectors against a real attack tool (hping3) between two namespaces: the
# right alert id, once per key and hold-down period, within 1 s; nothing on
# benign traffic.  Spoofed sources stay inside 198.18.0.0/15.
. "$(dirname "$0")/lib.sh"

command -v hping3 >/dev/null || { not_ok "hping3 installed" "run: make deps"; exit 0; }
ensure_bpffs
A=ps-aa-$T_ID B=ps-ab-$T_ID
netns_pair "$A" psa0 "$B" psb0 && addr_pair "$A" psa0 "$B" psb0 ||
	{ not_ok "alerts setup" "cannot create namespaces"; exit 0; }
new_pin_path PIN alerts
LOG=$T_TMP/ps.log OUT=$T_TMP/ps.log.out

# hping3 from A, bounded.  Extra arguments are hping3's.
hping() { timeout 20 ip netns exec "$A" hping3 -q -i u20000 "$@" 198.18.0.2 >/dev/null 2>&1; }

rm -rf "$PIN"; if ! start_portsense "$B" "$LOG" psb0 -o json --interval 0 --holddown 3 --pin-path "$PIN"; then
	not_ok "alerts: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"; exit 0
fi

# Benign first: HTTP and pings raise nothing.
timeout 20 ip netns exec "$B" $PY -m http.server --bind 198.18.0.2 8080 >/dev/null 2>&1 &
T_PIDS+=($!)
wait_listen "$B" 8080 || not_ok "benign: HTTP server listens" "not after 5 s"
fetched=0
for i in 1 2 3 4 5; do
	timeout 5 ip netns exec "$A" $PY -c 'import urllib.request; urllib.request.urlopen("http://198.18.0.2:8080/", timeout=3).read()' 2>/dev/null &&
		fetched=$((fetched + 1))
done
timeout 20 ip netns exec "$A" ping -q -c 5 -i 0.2 198.18.0.2 >/dev/null
sleep 0.3
[ $fetched = 5 ] && [ "$(grep -c '"event":"alert"' "$OUT")" = 0 ] && ok "benign: 5 HTTP fetches and 5 pings, no alert" ||
	not_ok "benign: 5 HTTP fetches and 5 pings, no alert" "$fetched fetched; $(grep alert "$OUT" | head -n 2)"

# Each invalid combination from its own (spoofed) source: one alert each,
# within 1 s of the first packet.
check_flags() {
	local name=$1 src=$2 detail=$3; shift 3
	hping -c 5 -a "$src" "$@" -p 80
	if wait_alert 1 invalid_tcp_flags src_ip="$src"; then
		expect_alert "invalid_tcp_flags $name: one alert for 5 packets" 1 invalid_tcp_flags src_ip="$src"
		[ "$($PY -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("src_ip") == sys.argv[2] and e.get("alert") == "invalid_tcp_flags": print(e["detail"])' "$OUT" "$src")" = "$detail" ] &&
			ok "invalid_tcp_flags $name: detail says $detail" ||
			not_ok "invalid_tcp_flags $name: detail says $detail" "$(grep "$src" "$OUT")"
	else
		not_ok "invalid_tcp_flags $name: alert within 1 s" "none: $(tail -n 2 "$OUT")"
	fi
}
check_flags XMAS 198.18.1.1 "TCP XMAS (FIN+PSH+URG), flags 0x029" -F -P -U
check_flags NULL 198.18.1.2 "TCP NULL (no flags), flags 0x000"
check_flags SYN+FIN 198.18.1.3 "TCP SYN+FIN, flags 0x003" -S -F
check_flags SYN+RST 198.18.1.4 "TCP SYN+RST, flags 0x006" -S -R

# LAND: spoofed source = the victim, same port.  Ports differing: not LAND.
hping -c 3 -S -a 198.18.0.2 -s 139 -k -p 139
wait_alert 1 land src_port=139 && expect_alert "land: one alert within 1 s" 1 land dst_ip=198.18.0.2 ||
	not_ok "land: one alert within 1 s" "none"

# Hold-down: after it expires, the next alert carries the held-down count.
sleep 3.2
hping -c 1 -a 198.18.1.1 -F -P -U -p 80
wait_alert 1 invalid_tcp_flags src_ip=198.18.1.1 suppressed=4 &&
	ok "hold-down: the next alert reports 4 held down" ||
	not_ok "hold-down: the next alert reports 4 held down" "$(grep 198.18.1.1 "$OUT" | tail -n 1)"
stop_ok "alerts: portsense exits 0"

# Detectors with lists and fragments: a bogon list of our own (inside the
# test range), the shipped backdoor ports, oversized fragments.
printf '# test bogons\n198.19.0.0/16\n2001:db8:bad::/48\n' >"$T_TMP/bogons.txt"
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --bogons "$T_TMP/bogons.txt" --pin-path "$PIN"; then
	hping -c 3 -S -a 198.19.7.7 -p 80
	wait_alert 1 bogon_source src_ip=198.19.7.7 && expect_alert "bogon_source: one alert within 1 s (--bogons file)" 1 bogon_source ||
		not_ok "bogon_source: one alert within 1 s (--bogons file)" "none"
	hping -c 2 -S -a 198.18.9.9 -p 80
	sleep 0.3
	expect_alert "bogon_source: a source outside the list is fine" 0 bogon_source src_ip=198.18.9.9

	# ping of death: a fragment at offset 65512 (hping3 -g takes bytes)
	# holding 228 bytes.
	hping -1 -c 2 -g 65512 -d 200
	wait_alert 1 ping_of_death && expect_alert "ping_of_death (IPv4, hping3): one alert within 1 s" 1 ping_of_death ||
		not_ok "ping_of_death (IPv4, hping3): one alert within 1 s" "none: $(tail -n 1 "$OUT")"
	# Another source: the first alert's hold-down must not hide a mistake.
	hping -1 -c 2 -g 800 -d 200 -a 198.18.0.77
	sleep 0.3
	expect_alert "a fragment that fits is not ping_of_death" 0 ping_of_death src_ip=198.18.0.77
	if $PY -c 'import scapy' 2>/dev/null; then
		mac=$(ip -n "$B" -br link show psb0 | awk '{print $3}')
		timeout 30 ip netns exec "$A" $PY -c '
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IPv6, IPv6ExtHdrFragment, ICMPv6EchoRequest, Raw, sendp
p = (Ether(dst=sys.argv[1]) / IPv6(src="2001:db8::1", dst="2001:db8::2") /
     IPv6ExtHdrFragment(offset=8189, m=0, nh=58) / Raw(b"X" * 200))
sendp(p, iface="psa0", count=2, verbose=False)' "$mac"
		wait_alert 1 ping_of_death src_ip=2001:db8::1 &&
			ok "ping_of_death (IPv6, scapy): alert within 1 s" ||
			not_ok "ping_of_death (IPv6, scapy): alert within 1 s" "none: $(tail -n 1 "$OUT")"
	else
		not_ok "ping_of_death (IPv6, scapy)" "python3-scapy missing: make deps"
	fi

	# Backdoor ports: a probe (SYN in), and something listening (SYN-ACK out).
	hping -c 2 -S -p 31337
	wait_alert 1 backdoor_port dst_port=31337 direction=ingress &&
		ok "backdoor_port: SYN to 31337 alerts within 1 s" ||
		not_ok "backdoor_port: SYN to 31337 alerts within 1 s" "none"
	timeout 20 ip netns exec "$B" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 12345)); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.close()' &
	srv=$!
	wait_listen "$B" 12345 || not_ok "backdoor listener up" "not after 5 s"
	timeout 10 ip netns exec "$A" $PY -c 'import socket; socket.create_connection(("198.18.0.2", 12345), timeout=5).close()'
	wait $srv
	wait_alert 1 backdoor_port src_port=12345 direction=egress &&
		ok "backdoor_port: a listener on 12345 (SYN-ACK out) alerts" ||
		not_ok "backdoor_port: a listener on 12345 (SYN-ACK out) alerts" "none: $(tail -n 1 "$OUT")"
	stop_ok "list detectors run exits 0"
else
	not_ok "list detectors: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# The default bogon list is what the kernel holds (the rule itself is
# exercised above with a list inside the test range).
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --pin-path "$PIN"; then
	# This instance's maps (another portsense may run beside the tests):
	# those of the program attached to our interface.
	prog=$(nsenter --net="/run/netns/$B" bpftool -j net show dev psb0 | $PY -c 'import json,sys
print(json.load(sys.stdin)[0]["xdp"][0]["id"])')
	map_of() {
		bpftool -j prog show id "$prog" | $PY -c 'import json,sys,subprocess
for m in json.load(sys.stdin)["map_ids"]:
    i = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(m)], capture_output=True).stdout)
    if i["name"] == sys.argv[1]: print(m)' "$1"
	}
	n=$(bpftool map dump id "$(map_of ps_bogons)" 2>/dev/null | grep -c '"prefixlen"')
	[ "$n" = 7 ] && ok "default bogon list: 7 prefixes in the kernel" ||
		not_ok "default bogon list: 7 prefixes in the kernel" "$n"
	# A bitmap: count the bits of its 64-bit words.
	n=$(bpftool -j map dump id "$(map_of ps_bdports)" 2>/dev/null | $PY -c 'import json,sys
print(sum(bin(e["formatted"]["value"]).count("1") for e in json.load(sys.stdin)))')
	list=$ROOT/data/backdoor-ports.txt
	[ -r /usr/local/share/portsense/backdoor-ports.txt ] && list=/usr/local/share/portsense/backdoor-ports.txt
	want=$(grep -c '^[0-9]' "$list")
	[ "$n" = "$want" ] && ok "backdoor port list: $want ports in the kernel" ||
		not_ok "backdoor port list: $want ports in the kernel" "$n"
	stop_ok "default lists run exits 0"
else
	not_ok "default lists: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# Floods and reflections, per victim and 1 s window (hping3 --faster, bounded
# counts; scapy for broadcast triggers).
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --pin-path "$PIN"; then
	# (Fresh hold-down: a LAND look-alike with different ports must not alert.)
	hping -c 2 -S -a 198.18.0.2 -s 139 -k -p 140
	hping -1 -c 5 -i u200000
	sleep 0.2
	expect_alert "5 pings are no icmp_flood" 0 icmp_flood
	timeout 20 ip netns exec "$A" hping3 -q -1 --faster -c 3000 198.18.0.2 >/dev/null 2>&1
	wait_alert 1 icmp_flood dst_ip=198.18.0.2 && expect_alert "icmp_flood: 3000 echo requests at full speed, one alert" 1 icmp_flood ||
		not_ok "icmp_flood: 3000 echo requests at full speed, one alert" "none"
	timeout 20 ip netns exec "$A" hping3 -q -R --faster -c 3000 -p 80 198.18.0.2 >/dev/null 2>&1
	wait_alert 1 rst_flood dst_ip=198.18.0.2 && expect_alert "rst_flood: 3000 RSTs at full speed, one alert" 1 rst_flood ||
		not_ok "rst_flood: 3000 RSTs at full speed, one alert" "none"
	# The victim pinging fast itself: its replies are no Smurf (requests seen on egress).
	timeout 20 ip netns exec "$B" ping -q -f -c 2000 198.18.0.1 >/dev/null
	sleep 0.3
	expect_alert "smurf: replies to the host's own ping -f are not reflection" 0 smurf dst_ip=198.18.0.2
	sleep 1.1	# a new window for the flood below
	# Spoofed echo replies to B, which asked nothing: the reflected half of Smurf.
	timeout 20 ip netns exec "$A" hping3 -q -1 -C 0 --faster -c 3000 198.18.0.2 >/dev/null 2>&1
	wait_alert 1 smurf dst_ip=198.18.0.2 && ok "smurf (victim): unsolicited echo reply flood alerts" ||
		not_ok "smurf (victim): unsolicited echo reply flood alerts" "none"
	mac=ff:ff:ff:ff:ff:ff
	timeout 30 ip netns exec "$A" $PY -c '
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, ICMP, UDP, sendp
b = "ff:ff:ff:ff:ff:ff"
sendp(Ether(dst=b) / IP(src="198.18.0.50", dst="198.18.0.255") / ICMP(), iface="psa0",
      count=20, inter=0.01, verbose=False)
sendp(Ether(dst=b) / IP(src="198.18.0.51", dst="198.18.0.255") / UDP(sport=7, dport=7), iface="psa0",
      count=2, verbose=False)' || not_ok "scapy broadcast triggers sent" "scapy failed"
	wait_alert 1 smurf dst_ip=198.18.0.255 && ok "smurf (amplifier): 20 echo requests to the broadcast address alert" ||
		not_ok "smurf (amplifier): 20 echo requests to the broadcast address alert" "none: $(tail -n 1 "$OUT")"
	wait_alert 1 fraggle dst_port=7 && expect_alert "fraggle: UDP echo to the broadcast address, one alert" 1 fraggle ||
		not_ok "fraggle: UDP echo to the broadcast address, one alert" "none"
	expect_alert "same address pair but different ports: not land" 0 land
	stop_ok "flood run exits 0"
else
	not_ok "floods: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# --threshold: a lower icmp_flood threshold fires on less.
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --threshold icmp_flood=20 --pin-path "$PIN"; then
	hping -1 -c 30 -i u5000
	wait_alert 1 icmp_flood && ok "--threshold icmp_flood=20: 30 fast pings alert" ||
		not_ok "--threshold icmp_flood=20: 30 fast pings alert" "none"
	stop_ok "threshold run exits 0"
else
	not_ok "threshold: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# XMAS packets from random spoofed sources (inside 198.18.0.0/15), scapy: to
# random victims, each packet is a new key (invalid_tcp_flags aggregates
# per victim), so the per-id budget caps the alerts, the rest is counted,
# and the loader stays responsive; to one victim, they are one alert and
# one summary that counts them all.
xmas_flood() {	# xmas_flood random|one
	timeout 60 ip netns exec "$A" $PY -c '
import logging, random, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, TCP, sendp
r = random.Random(7)
def addr(): return "198.%d.%d.%d" % (r.choice((18, 19)), r.randrange(256), r.randrange(1, 255))
pkts = [Ether(dst=sys.argv[1]) / IP(src=addr(), dst=addr() if sys.argv[2] == "random" else "198.18.0.2") /
        TCP(sport=r.randrange(1024, 65535), dport=80, flags="FPU") for _ in range(2000)]
sendp(pkts, iface="psa0", verbose=False)' "$(ip -n "$B" -br link show psb0 | awk '{print $3}')" "$1"
}
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --alert-rate 50 --pin-path "$PIN" \
	--stats-json "$T_TMP/budget.json"; then
	xmas_flood random
	sleep 0.5
	n=$(alerts_of invalid_tcp_flags)
	stop_ok "random-source flood: portsense still stops cleanly"
	limited=$(jget "$T_TMP/budget.json" sensor.alerts_ratelimited 2>/dev/null)
	[ "$n" -ge 1 ] && [ "$n" -le 150 ] && [ "${limited:-0}" -gt 0 ] &&
		ok "random-source flood to random victims: $n alerts (budget 50/s), $limited counted as rate-limited" ||
		not_ok "random-source flood: alerts capped and the rest counted" "$n alerts, $limited rate-limited"
else
	not_ok "budget: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --pin-path "$PIN" \
	--stats-json "$T_TMP/agg.json"; then
	xmas_flood one
	sleep 0.5
	stop_ok "random-source flood to one victim: portsense stops cleanly"
	got=$($PY - "$OUT" "$T_TMP/agg.json" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
a = [e for e in ev if e.get("event") == "alert" and e["alert"] == "invalid_tcp_flags"]
s = [e for e in ev if e.get("event") == "alert_summary" and e["alert"] == "invalid_tcp_flags"]
xmas = json.load(open(sys.argv[2]))["ingress"]["tcp"]["xmas"]
print("ok" if len(a) == 1 and len(s) == 1 and s[0]["count"] == xmas == 2000 and
      1400 <= s[0]["sources"] <= 2000 else "%d alerts, summaries %s, %d xmas counted" % (len(a), s, xmas))
PYEOF
)
	[ "$got" = ok ] && ok "random-source flood to one victim: one alert, one summary counting all 2000 (~2000 sources)" ||
		not_ok "random-source flood to one victim: one alert and a summary of all" "$got"
else
	not_ok "aggregation: portsense starts" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# --disable: the detector is off in the kernel.
rm -rf "$PIN"; if start_portsense "$B" "$LOG" psb0 -o json --interval 0 --disable invalid_tcp_flags --pin-path "$PIN"; then
	hping -c 3 -a 198.18.1.9 -F -P -U -p 80
	hping -c 2 -S -a 198.18.0.2 -s 7 -k -p 7
	wait_alert 1 land src_port=7 >/dev/null
	expect_alert "--disable invalid_tcp_flags: no such alert" 0 invalid_tcp_flags
	expect_alert "--disable leaves the others on" 1 land src_port=7
	stop_ok "--disable run exits 0"
fi
