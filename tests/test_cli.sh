#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Command line: usage errors exit 2 and name the problem and the fix;
# runtime failures exit 1.  Nothing here attaches anything.
. "$(dirname "$0")/lib.sh"

# expect_exit NAME STATUS PATTERN CMD...: exit status and a message match.
expect_exit() {
	local name=$1 want=$2 pat=$3 out rc; shift 3
	out=$("$@" 2>&1); rc=$?
	# Messages span lines (problem, then fix): match them as one.
	if [ $rc -eq "$want" ] && echo "$out" | tr "\n" " " | grep -qE -- "$pat"; then ok "$name"
	else not_ok "$name" "exit $rc (want $want), output: $(echo "$out" | head -n 3 | tr '\n' ' ')"; fi
}

expect_exit "--help exits 0 and lists options" 0 "--stats-json FILE" "$PORTSENSE" --help
expect_exit "--version exits 0" 0 "^portsense [0-9]" "$PORTSENSE" --version
expect_exit "unknown interface: exit 2, named" 2 "no such interface: nosuch0" "$PORTSENSE" nosuch0
expect_exit "bad --mode: exit 2" 2 "--mode must be native, skb or auto" "$PORTSENSE" --mode fast lo
expect_exit "bad --hook: exit 2" 2 "--hook must be xdp or tc" "$PORTSENSE" --hook tcx lo
expect_exit "bad --duration: exit 2" 2 "--duration needs a positive number" "$PORTSENSE" --duration -3 lo
expect_exit "bad --interval: exit 2" 2 "--interval needs seconds" "$PORTSENSE" --interval abc lo
expect_exit "bad --output: exit 2" 2 "--output must be text, json or syslog" "$PORTSENSE" -o xml lo
expect_exit "relative --pin-path: exit 2" 2 "--pin-path must be an absolute path" "$PORTSENSE" --pin-path rel lo
expect_exit "bad --max-interfaces: exit 2" 2 "--max-interfaces must be" "$PORTSENSE" --max-interfaces 0 lo
expect_exit "unknown option: exit 2" 2 "unknown option" "$PORTSENSE" --frobnicate
expect_exit "interface named twice: exit 2" 2 "named twice" "$PORTSENSE" lo lo
expect_exit "stats without an instance: exit 1, says how" 1 "no running portsense.*start one" \
	"$PORTSENSE" stats --pin-path /sys/fs/bpf/portsense-test-none-$T_ID
expect_exit "stats takes no interface: exit 2" 2 "takes no interface" "$PORTSENSE" stats lo
expect_exit "--evidence on a file: exit 2" 2 "--evidence: '/etc/hostname' is not a directory" \
	"$PORTSENSE" --evidence /etc/hostname lo
expect_exit "capture without a key: exit 2" 2 "capture needs a key: --host, --src or --dst" \
	"$PORTSENSE" capture -w /dev/null
expect_exit "capture, two addresses: exit 2" 2 "already has an address" \
	"$PORTSENSE" capture --src 198.18.0.1 --host 198.18.0.2 -w /dev/null
expect_exit "capture without an instance: exit 1, says how" 1 "no running portsense.*start one" \
	"$PORTSENSE" capture --src 198.18.0.1 -w /dev/null --pin-path /sys/fs/bpf/portsense-test-none-$T_ID
[ ! -e /sys/fs/bpf/portsense-test-none-$T_ID ] && ok "capture without an instance leaves no pin directory" ||
	not_ok "capture without an instance leaves no pin directory" "/sys/fs/bpf/portsense-test-none-$T_ID is there"
# Not root: checked before anything is loaded, so 'lo' is never touched.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	expect_exit "not root: exit 1, names capabilities and the fix" 1 "missing capabilities: CAP_BPF CAP_PERFMON CAP_NET_ADMIN.*sudo" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$PORTSENSE" lo
	# Root without CAP_PERFMON: refused up front, not by a verifier error.
	expect_exit "no CAP_PERFMON: exit 1, named" 1 "missing capabilities: CAP_PERFMON.*setcap" \
		setpriv --bounding-set=-all,+bpf,+net_admin --inh-caps=-all "$PORTSENSE" lo
else
	skip "not root: exit 1" "setpriv or user nobody missing"
fi

# Detector lists and options: a bad entry is a configuration error (exit 2)
# naming the file and line, found before anything is loaded.
printf '# ok\n10.0.0.0/8\n10.1.0.0/8\n' >"$T_TMP/bogons"
expect_exit "--bogons: host bits set: exit 2, file:line" 2 "bogons:3: not valid: '10.1.0.0/8'" \
	"$PORTSENSE" --bogons "$T_TMP/bogons" lo
printf '2001:db8::/129\n' >"$T_TMP/bogons"
expect_exit "--bogons: prefix too long: exit 2" 2 "bogons:1: not valid" "$PORTSENSE" --bogons "$T_TMP/bogons" lo
expect_exit "--bogons: unreadable file: exit 2" 2 "cannot read /nonexistent/bogons" \
	"$PORTSENSE" --bogons /nonexistent/bogons lo
printf '31337\n70000\n' >"$T_TMP/ports"
expect_exit "--backdoor-ports: port out of range: exit 2" 2 "ports:2: not valid: '70000'" \
	"$PORTSENSE" --backdoor-ports "$T_TMP/ports" lo
expect_exit "--disable: unknown alert id: exit 2" 2 "no alert called 'nosuch'" "$PORTSENSE" --disable land,nosuch lo
expect_exit "--holddown: out of range: exit 2" 2 "--holddown needs seconds" "$PORTSENSE" --holddown 100000 lo
expect_exit "--list-alerts prints every id" 0 "land.*invalid_tcp_flags.*ping_of_death.*bogon_source.*backdoor_port" \
	"$PORTSENSE" --list-alerts
expect_exit "--threshold: unknown name: exit 2" 2 "no threshold called 'foo'" "$PORTSENSE" --threshold foo=3 lo
expect_exit "--threshold: not a number: exit 2" 2 "--threshold needs NAME=N" "$PORTSENSE" --threshold icmp_flood=x lo
expect_exit "--window: out of range: exit 2" 2 "--window needs seconds" "$PORTSENSE" --window 0 lo
expect_exit "--holddown below 0.1 s: exit 2" 2 "--holddown needs seconds \(0.1" "$PORTSENSE" --holddown 0 lo
expect_exit "--alert-rate 0: exit 2" 2 "--alert-rate must be" "$PORTSENSE" --alert-rate 0 lo
expect_exit "--list-alerts prints the stateful detectors" 0 "syn_flood.*half_open.*backscatter.*port_scan.*host_sweep.*udp_amplification.*arp_spoof.*service_refusing" \
	"$PORTSENSE" --list-alerts
expect_exit "--service-ports: a port out of range: exit 2" 2 "--service-ports needs ports 1..65535, comma separated, not '70000'" \
	"$PORTSENSE" --service-ports 80,70000 nosuch0
expect_exit "--service-ports: nine ports: exit 2" 2 "--service-ports takes at most 8 ports" \
	"$PORTSENSE" --service-ports 1,2,3,4,5,6,7,8,9 nosuch0
expect_exit "--handshake-timeout: out of range: exit 2" 2 "--handshake-timeout needs seconds \(1..600\)" \
	"$PORTSENSE" --handshake-timeout 601 nosuch0
cfg() { printf "$1" >"$T_TMP/ps.ini"; }
cfg '[diagnosis]\nservice-ports = 80, 443\nhandshake-timeout = 30\n'
expect_exit "config: [diagnosis] is taken (then the unknown interface stops it)" 2 "no such interface: nosuch0" \
	"$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
expect_exit "--scan-window: out of range: exit 2" 2 "--scan-window needs seconds" "$PORTSENSE" --scan-window 0 nosuch0
expect_exit "--allow: unknown alert id: exit 2" 2 "--allow: no alert called 'scan'" "$PORTSENSE" --allow scan=198.18.0.1 nosuch0
expect_exit "--allow: not a prefix: exit 2" 2 "--allow: '198.18.0.1/40' is not" "$PORTSENSE" --allow port_scan=198.18.0.1/40 nosuch0
expect_exit "--allow: no prefix: exit 2" 2 "--allow needs ALERT_ID=CIDR" "$PORTSENSE" --allow port_scan= nosuch0
printf '53\n0\n' >"$T_TMP/amp"
expect_exit "--amp-ports: port 0: exit 2, file:line" 2 "amp:2: not valid: '0'" "$PORTSENSE" --amp-ports "$T_TMP/amp" lo

# The config file: every key is an option, checked by the same code; errors
# name the file and line.
cfg() { printf "$1" >"$T_TMP/ps.ini"; }
cfg '[sensor]\nhook = tc\negress = no\n[detect]\nholddown = 3\n[threshold]\nsyn_flood = 5000\n[allow]\nport_scan = 198.18.7.0/24, 2001:db8:7::/48\n[lists]\namp-ports = '"$T_TMP/amp-ok"'\n'
printf '53\n' >"$T_TMP/amp-ok"
expect_exit "config: a good file is taken (then the unknown interface stops it)" 2 "no such interface: nosuch0" \
	"$PORTSENSE" --config "$T_TMP/ps.ini" nosuch0
cfg '[detect]\nholddown = 3\n\n[threshold]\nscan_port = 30\n'
expect_exit "config: unknown threshold: exit 2, file:line" 2 "ps.ini:5: --threshold: no threshold called 'scan_port'" \
	"$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
cfg '[detect]\nholdown = 3\n'
expect_exit "config: unknown key: exit 2, file:line" 2 "ps.ini:2: no setting 'holdown' in \[detect\]" \
	"$PORTSENSE" --config="$T_TMP/ps.ini" nosuch0
cfg '[detectors]\nholddown = 3\n'
expect_exit "config: unknown section: exit 2" 2 "ps.ini:2: no section \[detectors\]" "$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
cfg '[detect]\nholddown = -1\n'
expect_exit "config: bad value: exit 2, the option's own message" 2 "ps.ini:2: --holddown needs seconds" \
	"$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
cfg '[sensor]\negress = maybe\n'
expect_exit "config: egress must be yes or no" 2 "ps.ini:2: egress must be yes or no" "$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
cfg '[detect]\nholddown\n'
expect_exit "config: a line that is not key = value: exit 2" 2 "ps.ini:2: not 'key = value'" "$PORTSENSE" -c "$T_TMP/ps.ini" nosuch0
expect_exit "config: missing file: exit 2" 2 "cannot read config file /nonexistent.ini" "$PORTSENSE" -c /nonexistent.ini nosuch0
# The command line wins: a bad file value is not rescued, a good one is overridden.
cfg '[detect]\nholddown = 3\n'
expect_exit "config then CLI: the CLI's bad value is reported" 2 "^portsense: --holddown needs" \
	"$PORTSENSE" -c "$T_TMP/ps.ini" --holddown 0 nosuch0
expect_exit "--threshold scan_ports above what a source's map can count: exit 2" 2 "--threshold scan_ports must be 10..128" \
	"$PORTSENSE" --threshold scan_ports=300 nosuch0
expect_exit "-cFILE (a spelling read_config does not take): exit 2, not ignored" 2 "give the config file as -c FILE" \
	"$PORTSENSE" "-c$T_TMP/ps.ini" nosuch0

# --metrics: bad values are usage errors (exit 2) naming the problem; the
# config file's key is the option.
expect_exit "--help lists --metrics" 0 "--metrics ADDR:PORT" "$PORTSENSE" --help
expect_exit "--metrics ADDR without a port: exit 2" 2 "--metrics '127.0.0.1': no port" "$PORTSENSE" --metrics 127.0.0.1 nosuch0
expect_exit "--metrics port 0: exit 2" 2 "the port must be 1..65535, not '0'" "$PORTSENSE" --metrics 0 nosuch0
expect_exit "--metrics port 70000: exit 2" 2 "the port must be 1..65535, not '70000'" "$PORTSENSE" --metrics :70000 nosuch0
expect_exit "--metrics IPv6 without brackets: exit 2" 2 "put an IPv6 address in brackets" "$PORTSENSE" --metrics ::1:9662 nosuch0
expect_exit "--metrics [IPv6] without a port: exit 2" 2 "the port must follow the address" "$PORTSENSE" --metrics '[::1]' nosuch0
expect_exit "--metrics a host name: exit 2, numeric only" 2 "'localhost' is not a numeric IPv4 address" "$PORTSENSE" --metrics localhost:9662 nosuch0
expect_exit "--metrics [not IPv6]: exit 2" 2 "'1.2.3.4' is not a numeric IPv6 address" "$PORTSENSE" --metrics '[1.2.3.4]:9662' nosuch0
expect_exit "--metrics good values pass (then the unknown interface stops it)" 2 "no such interface: nosuch0" \
	"$PORTSENSE" --metrics '[::1]:9662' --metrics :9662 --metrics 9662 --metrics 0.0.0.0:9662 nosuch0
printf '[output]\nmetrics = 127.0.0.1:9662\n' >"$T_TMP/metrics.ini"
expect_exit "config: metrics = ADDR:PORT is taken" 2 "no such interface: nosuch0" "$PORTSENSE" -c "$T_TMP/metrics.ini" nosuch0
printf '[output]\ninterval = 1\nmetrics = 99999\n' >"$T_TMP/metrics.ini"
expect_exit "config: bad metrics: exit 2, file:line" 2 "metrics.ini:3: --metrics '99999': the port must be" \
	"$PORTSENSE" -c "$T_TMP/metrics.ini" nosuch0

# The man page against the option table (as every subcommand's --help shows it).
"$PY" "$ROOT/tests/man_check.py" "$PORTSENSE" "$ROOT/docs/portsense.8" ||
	not_ok "man page check" "tests/man_check.py failed to run"
expect_exit "a subcommand refuses another's option, naming whose it is" 2 \
	"unknown option --hook: it belongs to 'portsense \[IFACE...\]'" "$PORTSENSE" stats --hook tc
