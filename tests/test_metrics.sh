#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The Prometheus endpoint, proven with the real thing: portsense serves
# --metrics on the loopback of a test namespace, Debian's prometheus server
# (started here, in that namespace, on a port of its own, with its own
# config and storage in $T_TMP) scrapes it every second while captures are
# replayed from the other namespace, and every series Prometheus then holds
# must equal portsense's own counter snapshot.  Also: promtool's lint,
# /healthz, 404, 405, HEAD, clients that vanish or stall, the map
# evictions, BPF run time, and the Grafana dashboard's expressions.
# No system prometheus is used or touched.
. "$(dirname "$0")/lib.sh"

need_tools prometheus promtool tcpreplay
need_shared_pcaps || exit 0
CHECK="$PY $ROOT/tests/metrics_check.py"
DASHBOARD=$ROOT/deploy/grafana/portsense.json

# kernel.bpf_stats_enabled is turned on for one check; the old value comes
# back whatever happens.
BPF_STATS=/proc/sys/kernel/bpf_stats_enabled
BPF_STATS_OLD=$(cat "$BPF_STATS")
metrics_cleanup() {
	[ "$(cat "$BPF_STATS")" = "$BPF_STATS_OLD" ] || echo "$BPF_STATS_OLD" >"$BPF_STATS"
	t_cleanup
}
trap metrics_cleanup EXIT

two_hosts metrics
inb() { nsenter --net="/run/netns/$B" "$@"; }
# A port nothing in B listens on (B is new: any would do, but ask).
free_port() { inb $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
MURL=http://127.0.0.1:$MPORT

# --- the endpoint ---------------------------------------------------------
start_portsense "$B" "$LOG" psb0 --interval 0 -o json --holddown 60 --pin-path "$PIN" \
	--metrics "$MPORT" || { not_ok "portsense starts with --metrics $MPORT" "$(tail -n 3 "$LOG" | tr '\n' ' ')"; exit 0; }
grep -q "metrics on http://127.0.0.1:$MPORT/metrics" "$LOG" &&
	ok "--metrics PORT listens on 127.0.0.1 (loopback by default)" ||
	not_ok "--metrics PORT listens on 127.0.0.1" "$(cat "$LOG")"

hdr=$(inb $CHECK fetch GET "$MURL/metrics" "$T_TMP/scrape0.prom")
[ "$(echo "$hdr" | head -n 1)" = 200 ] && echo "$hdr" | grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8$' &&
	ok "/metrics: 200, Content-Type text/plain; version=0.0.4" ||
	not_ok "/metrics: 200 and its Content-Type" "$(echo "$hdr" | tr '\n' ' ')"
if out=$(promtool check metrics <"$T_TMP/scrape0.prom" 2>&1); then
	ok "promtool check metrics passes ($(grep -c '^# TYPE' "$T_TMP/scrape0.prom") families)"
else
	not_ok "promtool check metrics passes" "$(echo "$out" | head -n 5 | tr '\n' ' ')"
fi
hdr=$(inb $CHECK fetch HEAD "$MURL/metrics" "$T_TMP/head.body")
len=$(echo "$hdr" | sed -n 's/^Content-Length: //Ip' | tr -d '\r')
[ "$(echo "$hdr" | head -n 1)" = 200 ] && [ ! -s "$T_TMP/head.body" ] && [ "${len:-0}" -gt 1000 ] &&
	ok "HEAD /metrics: 200, Content-Length $len, no body" ||
	not_ok "HEAD /metrics: 200, no body" "$(echo "$hdr" | tr '\n' ' '), body $(wc -c <"$T_TMP/head.body") bytes"
hdr=$(inb $CHECK fetch GET "$MURL/healthz" "$T_TMP/health.body")
[ "$(echo "$hdr" | head -n 1)" = 200 ] && [ "$(cat "$T_TMP/health.body")" = ok ] &&
	ok "/healthz: 200 ok while attached and polling" ||
	not_ok "/healthz: 200 ok" "$(echo "$hdr" | head -n 1) $(cat "$T_TMP/health.body")"
hdr=$(inb $CHECK fetch GET "$MURL/metricsx")
[ "$(echo "$hdr" | head -n 1)" = 404 ] && ok "other paths: 404" || not_ok "other paths: 404" "$(echo "$hdr" | head -n 1)"
hdr=$(inb $CHECK fetch POST "$MURL/metrics")
[ "$(echo "$hdr" | head -n 1)" = 405 ] && echo "$hdr" | grep -qi '^Allow: GET, HEAD' &&
	ok "POST: 405 with Allow: GET, HEAD" || not_ok "POST: 405" "$(echo "$hdr" | tr '\n' ' ')"
n_ids=$("$PORTSENSE" --list-alerts | awk 'NR > 1 && /^[a-z_]+ / {print $1}' | sort -u | wc -l)
n_series=$(grep -c '^portsense_alerts_total{alert="[a-z_]*"} 0$' "$T_TMP/scrape0.prom")
[ "$n_series" -eq "$n_ids" ] && [ "$n_ids" -ge 16 ] &&
	ok "every alert id of --list-alerts is a series at 0 from the start ($n_series)" ||
	not_ok "alert ids at 0 from the start" "$n_series series, $n_ids ids"

# A second listener on the same port: refused before anything is attached.
new_pin_path PIN2 metrics2
out=$(timeout 30 nsenter --net="/run/netns/$B" "$PORTSENSE" --interval 0 -o json --pin-path "$PIN2" \
	--metrics "127.0.0.1:$MPORT" psb0 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "cannot serve metrics on 127.0.0.1:$MPORT: Address already in use" &&
	! echo "$out" | grep -q "ingress xdp" &&
	ok "port in use: exit 1, named, before anything is attached" ||
	not_ok "port in use: exit 1 before attaching" "exit $rc: $(echo "$out" | head -n 3 | tr '\n' ' ')"

# --- the real Prometheus --------------------------------------------------
PPORT=$(free_port)
PROM=http://127.0.0.1:$PPORT
cat >"$T_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: portsense
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
# nsenter execs prometheus: $! is its PID, which the trap stops.
nsenter --net="/run/netns/$B" prometheus --config.file="$T_TMP/prometheus.yml" \
	--storage.tsdb.path="$T_TMP/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
	--log.level=warn >"$T_TMP/prometheus.log" 2>&1 &
PROM_PID=$!
T_PIDS+=("$PROM_PID")
up=
for _ in $(seq 60); do
	up=$(inb $CHECK query "$PROM" 'up{job="portsense"}' 2>/dev/null |
		$PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ "$up" = 1 ] && break
	alive "$PROM_PID" || break
	sleep 0.5
done
if [ "$up" = 1 ]; then
	ok "prometheus (pid $PROM_PID, 127.0.0.1:$PPORT in the namespace) scrapes portsense: up == 1"
else
	not_ok "prometheus scrapes portsense" "up='$up': $(tail -n 3 "$T_TMP/prometheus.log" | tr '\n' ' ')"
	exit 0
fi

# --- traffic: two captures, an ARP flood, pings ---------------------------
# 9000 ARP replies, each from a new 198.19.x.y: ps_binds (8192 entries) must evict.
$PY - "$T_TMP/arpflood.pcap" "$(mac_of "$B" psb0)" <<'PYEOF'
import sys
from scapy.all import ARP, Ether, wrpcap
dst = sys.argv[2]
wrpcap(sys.argv[1], [Ether(src="02:00:00:%02x:%02x:01" % (i >> 8, i & 255), dst=dst) /
       ARP(op=2, hwsrc="02:00:00:%02x:%02x:01" % (i >> 8, i & 255),
           psrc="198.19.%d.%d" % (i >> 8, i & 255), pdst="198.18.0.2", hwdst=dst)
       for i in range(9000)])
PYEOF
replayed=0
for f in "$SHARED/pcaps/scan_xmas_nmap_sX.pcap" "$SHARED/pcaps/arp_spoof_duplicate_ip_replies.pcap" "$T_TMP/arpflood.pcap"; do
	if ip netns exec "$A" timeout 60 tcpreplay -q -i psa0 --pps=20000 "$f" >/dev/null 2>&1; then
		replayed=$((replayed + 1))
	else
		not_ok "tcpreplay $(basename "$f")" "failed"
	fi
done
ip netns exec "$A" ping -c 5 -i 0.2 -q 198.18.0.2 >/dev/null
sleep 1
pcap_frames() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]]["frames"])' "$SHARED/pcaps/expected.json" "$1"; }
want_frames=$(( $(pcap_frames scan_xmas_nmap_sX.pcap) + $(pcap_frames arp_spoof_duplicate_ip_replies.pcap) + 9000 + 5 ))

# Quiet now: the snapshot from the pins and what Prometheus scraped must agree.
snapshot() { timeout 30 nsenter --net="/run/netns/$B" "$PORTSENSE" stats --json --pin-path "$PIN" >"$1" 2>/dev/null; }
snapshot "$T_TMP/stats.json"
got_frames=$(jget "$T_TMP/stats.json" interfaces.psb0.ingress.frames)
[ "$got_frames" = "$want_frames" ] && ok "the replay arrived: $got_frames ingress frames (captures + ARP flood + pings)" ||
	not_ok "the replay arrived" "$got_frames ingress frames, want $want_frames"
# Three HTTP requests to B: handshakes for the diagnosis series (docs/diagnosis.md).
nsenter --net="/run/netns/$B" "$PY" -m http.server 8080 --bind 198.18.0.2 >/dev/null 2>&1 &
HTTPD=$!
T_PIDS+=("$HTTPD")
wait_listen "$B" 8080
for _ in 1 2 3; do ip netns exec "$A" curl -s -o /dev/null --max-time 5 http://198.18.0.2:8080/; done
kill -TERM "$HTTPD"; wait "$HTTPD" 2>/dev/null; forget_pid "$HTTPD"
sleep 1
cmp_out=
for _ in $(seq 20); do
	snapshot "$T_TMP/stats.json"
	cmp_out=$(inb $CHECK compare "$PROM" "$T_TMP/stats.json" 2>&1) && break
	sleep 0.5
done
if echo "$cmp_out" | grep -q " 0 differences"; then
	ok "prometheus holds every counter of 'stats --json', equal: $(echo "$cmp_out" | tail -n 1)"
else
	not_ok "prometheus equals 'stats --json'" "$(echo "$cmp_out" | head -n 6 | tr '\n' ';')"
fi

# Spot checks through PromQL, as an operator would write them.
promval() { inb $CHECK query "$PROM" "$1" | $PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'; }
v=$(promval 'sum(portsense_tcp_flags_total{direction="ingress",flag="xmas_exact"})')
[ "$v" = "$(jget "$T_TMP/stats.json" ingress.tcp.xmas_exact)" ] && [ "$v" -gt 1000 ] &&
	ok "PromQL: xmas_exact packets in = $v, as the snapshot" || not_ok "PromQL xmas_exact" "$v"
v=$(promval 'sum(portsense_port_class_packets_total{direction="ingress",proto="tcp",side="dst"})')
[ "$v" = "$(jget "$T_TMP/stats.json" ingress.tcp.packets)" ] &&
	ok "PromQL: TCP packets in by destination port class sum to tcp.packets ($v)" || not_ok "PromQL class sum" "$v"
v=$(promval 'sum(portsense_tcp_handshakes_total{interface="psb0",role="server",port_class="registered",outcome="completed"})')
q=$(promval 'histogram_quantile(0.5, sum by (le) (portsense_tcp_handshake_seconds_bucket{interface="psb0",role="server",port_class="registered"}))')
[ "$v" = 3 ] && $PY -c "import sys; sys.exit(not 0 < float('$q') <= 0.005)" 2>/dev/null &&
	ok "PromQL: 3 handshakes completed to B's HTTP server, median $q s by histogram_quantile" ||
	not_ok "PromQL handshakes" "completed $v, median $q"

# Alerts: the loader's count per id equals the alert lines it printed.
bad=
for id in port_scan invalid_tcp_flags backscatter arp_spoof; do
	printed=$(alerts_of "$id")
	v=$(promval "portsense_alerts_total{alert=\"$id\"}")
	[ "$v" = "$printed" ] && [ "$printed" -ge 1 ] || bad+="$id: $v series vs $printed printed; "
done
[ -z "$bad" ] && ok "portsense_alerts_total by id equals the alerts printed (port_scan, invalid_tcp_flags, backscatter, arp_spoof)" ||
	not_ok "alerts by id" "$bad"
total=$(grep -c '"event":"alert"' "$OUT")
v=$(promval 'sum(portsense_alerts_total)')
[ "$v" = "$total" ] && ok "sum(portsense_alerts_total) = $total alert lines" || not_ok "sum of alerts" "$v vs $total"

# Evictions: 9000 new addresses into an 8192-entry LRU.
ins=$(promval 'portsense_map_inserts_total{map="ps_binds"}')
ent=$(promval 'portsense_map_entries{map="ps_binds"}')
ev=$(promval 'portsense_map_evictions_total{map="ps_binds"}')
max=$(promval 'portsense_map_max_entries{map="ps_binds"}')
if [ "$ins" -ge 9000 ] && [ "$ent" -le "$max" ] && [ "$ev" -ge $((ins - max)) ] && [ $((ins - ent)) -eq "$ev" ]; then
	ok "ps_binds: $ins inserts, $ent of $max entries, $ev evictions (= inserts - entries)"
else
	not_ok "ps_binds evictions" "inserts $ins entries $ent max $max evictions $ev"
fi
ent=$(promval 'portsense_map_entries{map="ps_rates"}')
ins=$(promval 'portsense_map_inserts_total{map="ps_rates"}')
ev=$(promval 'portsense_map_evictions_total{map="ps_rates"}')
[ "$ent" -ge 1 ] && [ "$ent" = "$ins" ] && [ "$ev" = 0 ] &&
	ok "ps_rates: $ent entries = inserts, no eviction" || not_ok "ps_rates fill" "entries $ent inserts $ins evictions $ev"
v=$(promval 'portsense_interface_attached{interface="psb0",hook="xdp",direction="ingress"}')
v2=$(promval 'portsense_interface_attached{interface="psb0",hook="tc",direction="egress"}')
[ "$v" = 1 ] && [ "$v2" = 1 ] && ok "portsense_interface_attached: xdp ingress and tc egress on psb0" ||
	not_ok "attach state" "xdp $v tc $v2"

# --- BPF run time, and the dashboard against real data -------------------
scrape() { inb $CHECK fetch GET "$MURL/metrics" "$1" >/dev/null; }
echo 1 >"$BPF_STATS"
ip netns exec "$A" ping -c 5 -i 0.2 -q 198.18.0.2 >/dev/null
sleep 2.5	# two scrapes with run time, for rate()
scrape "$T_TMP/scrape1.prom"
runs=$(sed -n 's/^portsense_bpf_prog_runs_total{program="ps_xdp"} //p' "$T_TMP/scrape1.prom")
runs_out=$(sed -n 's/^portsense_bpf_prog_runs_total{program="ps_tc_out"} //p' "$T_TMP/scrape1.prom")
rt=$(sed -n 's/^portsense_bpf_prog_run_time_seconds_total{program="ps_xdp"} //p' "$T_TMP/scrape1.prom")
grep -q '^portsense_bpf_stats_enabled 1$' "$T_TMP/scrape1.prom" && [ "${runs:-0}" -ge 5 ] &&
	[ "${runs_out:-0}" -ge 5 ] && $PY -c "import sys; sys.exit(not float('${rt:-0}') > 0)" &&
	ok "bpf_stats_enabled=1: ps_xdp ran $runs times in ${rt}s, ps_tc_out $runs_out times" ||
	not_ok "BPF run time with bpf_stats_enabled" "runs '$runs' '$runs_out' time '$rt'"
if [ -f "$DASHBOARD" ]; then
	if out=$(inb $CHECK dashboard "$DASHBOARD" "$T_TMP/scrape1.prom" "$PROM" 2>&1); then
		ok "grafana dashboard: $(echo "$out" | tail -n 1)"
	else
		not_ok "grafana dashboard" "$(echo "$out" | head -n 5 | tr '\n' ';')"
	fi
else
	not_ok "grafana dashboard" "$DASHBOARD missing"
fi
echo "$BPF_STATS_OLD" >"$BPF_STATS"
scrape "$T_TMP/scrape2.prom"
if [ "$BPF_STATS_OLD" = 0 ]; then
	grep -q '^portsense_bpf_stats_enabled 0$' "$T_TMP/scrape2.prom" && ! grep -q '^portsense_bpf_prog_runs_total' "$T_TMP/scrape2.prom" &&
		ok "bpf_stats_enabled back to 0: the gauge says 0, no run-time series" ||
		not_ok "bpf_stats off" "$(grep bpf_ "$T_TMP/scrape2.prom" | grep -v '^#' | tr '\n' ' ')"
fi

# --- clients that go away or stall ----------------------------------------
# Send buffers of 4 KiB in B (tcp_wmem is per namespace) and a 1 KiB receive
# window: a 21 KB reply cannot sit whole in the kernel, so the server is
# still writing when the client resets (strace showed 1728 bytes sent, then
# ECONNRESET).
wmem=$(ip netns exec "$B" sysctl -n net.ipv4.tcp_wmem)
ip netns exec "$B" sysctl -qw net.ipv4.tcp_wmem="4096 4096 4096"
out=$(inb $CHECK disconnect 127.0.0.1 "$MPORT" 20 2>&1); rc=$?
before=$(jget "$T_TMP/stats.json" interfaces.psb0.ingress.frames)
ip netns exec "$A" ping -c 3 -i 0.2 -q 198.18.0.2 >/dev/null
hdr=$(inb $CHECK fetch GET "$MURL/healthz")
scrape "$T_TMP/scrape3.prom"
after=$(sed -n 's/^portsense_frames_total{interface="psb0",direction="ingress"} //p' "$T_TMP/scrape3.prom")
[ $rc -eq 0 ] && alive "$PS_PID" && [ "$(echo "$hdr" | head -n 1)" = 200 ] && [ "${after:-0}" -ge $((before + 3)) ] &&
	ok "clients that reset mid-response (after 100 bytes): portsense serves and counts on ($out; frames $before -> $after)" ||
	not_ok "clients that reset after 100 bytes" "rc $rc, $out, healthz $(echo "$hdr" | head -n 1), frames $before -> $after"
out=$(inb $CHECK stall 127.0.0.1 "$MPORT" 8 "$MURL/metrics" 2>&1) &&
	ok "clients that never read do not block a scrape ($out)" || not_ok "stalled clients" "$out"
ip netns exec "$B" sysctl -qw net.ipv4.tcp_wmem="$wmem"
alive "$PS_PID" && alive "$PROM_PID" && ok "portsense and prometheus still run" || not_ok "still running" "portsense or prometheus died"

# --- health: a program removed behind portsense's back ---------------------
ip -n "$B" link set dev psb0 xdp off
hdr=$(inb $CHECK fetch GET "$MURL/healthz" "$T_TMP/health.body")
scrape "$T_TMP/scrape4.prom"
[ "$(echo "$hdr" | head -n 1)" = 503 ] && grep -q "psb0: the XDP program is gone" "$T_TMP/health.body" &&
	grep -q '^portsense_interface_attached{interface="psb0",direction="ingress",hook="xdp",mode="native"} 0$' "$T_TMP/scrape4.prom" &&
	ok "XDP program removed: /healthz 503 ($(cat "$T_TMP/health.body")), attached gauge 0" ||
	not_ok "XDP removed: 503" "$(echo "$hdr" | head -n 1) $(cat "$T_TMP/health.body")"

stop_ok "portsense exits 0 after all of it"
hdr=$(inb $CHECK fetch GET "$MURL/metrics" 2>&1)
echo "$hdr" | grep -q "Connection refused" && ok "the metrics port is closed after exit" ||
	not_ok "port closed after exit" "$(echo "$hdr" | tail -n 1)"

# IPv6: [::1]:PORT (IPv6 on B's loopback only; psb0 stays quiet).
ip netns exec "$B" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
if start_portsense "$B" "$LOG" psb0 --hook tc --interval 0 -o json --pin-path "$PIN" --metrics "[::1]:$MPORT"; then
	hdr=$(inb $CHECK fetch GET "http://[::1]:$MPORT/healthz" "$T_TMP/health.body")
	v4=$(inb $CHECK fetch GET "$MURL/healthz" 2>&1 | tail -n 1)
	[ "$(echo "$hdr" | head -n 1)" = 200 ] && echo "$v4" | grep -q "Connection refused" &&
		ok "--metrics [::1]:PORT serves on IPv6 loopback only" ||
		not_ok "--metrics [::1]:PORT" "$(echo "$hdr" | head -n 1) $(cat "$T_TMP/health.body"), 127.0.0.1: $v4"
	stop_ok "portsense with [::1] exits 0"
else
	not_ok "portsense starts with --metrics [::1]:$MPORT" "$(tail -n 3 "$LOG" | tr '\n' ' ')"
fi

# A run loop that stops polling (here: stuck writing reports to a pipe
# nobody reads) fails /healthz while the server thread still answers.
mkfifo "$T_TMP/stdout.fifo"
sleep 60 <"$T_TMP/stdout.fifo" &
READER=$!
T_PIDS+=("$READER")
nsenter --net="/run/netns/$B" "$PORTSENSE" psb0 --hook tc -o json --interval 0.1 --pin-path "$PIN" \
	--metrics "$MPORT" >"$T_TMP/stdout.fifo" 2>"$LOG" &
PS_PID=$!
T_PIDS+=("$PS_PID")
first= last=
for _ in $(seq 100); do
	hdr=$(inb $CHECK fetch GET "$MURL/healthz" "$T_TMP/health.body" 2>/dev/null)
	hdr=$(echo "$hdr" | head -n 1)
	[ "$hdr" = 200 ] && [ -z "$first" ] && first=200
	[ "$hdr" = 503 ] && [ -n "$first" ] && { last=503; break; }
	sleep 0.2
done
[ "$first" = 200 ] && [ "$last" = 503 ] && grep -q "not polling: the run loop last polled" "$T_TMP/health.body" &&
	ok "run loop stuck (stdout blocked): /healthz 200, then 503 ($(cat "$T_TMP/health.body"))" ||
	not_ok "stuck run loop fails /healthz" "first '$first' then '$last': $(cat "$T_TMP/health.body" 2>/dev/null)"
# The reader goes: the blocked write fails and portsense ends by itself.
kill "$READER"; wait "$READER" 2>/dev/null; forget_pid "$READER"
for _ in $(seq 50); do alive "$PS_PID" || break; sleep 0.1; done
if alive "$PS_PID"; then
	not_ok "portsense ends when its stdout closes" "still running"
else
	wait "$PS_PID"; rc=$?; forget_pid "$PS_PID"
	grep -q "standard output closed; stopping" "$LOG" && ok "portsense then stops cleanly (exit $rc)" ||
		not_ok "portsense stops when stdout closes" "exit $rc: $(tail -n 2 "$LOG" | tr '\n' ' ')"
fi
