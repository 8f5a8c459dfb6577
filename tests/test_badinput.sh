#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Suite "badinput": every option of 'portsense --help' and every key of the
# config file (both from --help, made from the option table) with values it must refuse: empty, wrong type,
# negative, out of range, huge, not a number, unknown interface, missing,
# unreadable, a directory, binary garbage.  Each run must exit 2 with a
# message that names the option (or key and line) and the value; never a
# crash (exit >= 128) or a sanitizer report; never anything left on the
# test interface (XDP, tc filter) or under its pin path.  An option of
# --help without cases here is a failure: add its cases (the list is derived
# from --help, so a new option cannot slip by).
. "$(dirname "$0")/lib.sh"

ensure_bpffs
cd "$T_TMP" || exit 1	# a file name taken as valid lands here, not in the tree
A=ps-bad-a-$T_ID B=ps-bad-b-$T_ID
netns_pair "$A" psa0 "$B" psb0 || { not_ok "badinput setup" "cannot create namespaces"; exit 0; }
new_pin_path PIN badinput

GARBAGE=$T_TMP/garbage.bin DIR=$T_TMP/adir UNREADABLE=$T_TMP/unreadable
head -c 4096 /dev/urandom >"$GARBAGE"
mkdir -p "$DIR"
printf '53\n' >"$UNREADABLE" && chmod 000 "$UNREADABLE"
LONG=$(printf 'x%.0s' $(seq 5000))

# Options whose value is a number of seconds, a count, a choice, a file...
# Each names the invalid values it must refuse (| separated; the generic
# ones below are tried for every option with a value too).
declare -A CASES=(
	[--hook]="tcx|XDP|xdp,tc"
	[--mode]="fast|NATIVE"
	[--tc-attach]="TCX|tc|tcx,clsact|netkit"
	[--duration]="0|-3|1e10|inf|nan|0x|1s"
	[--interval]="0.05|-1|1e10|inf|1s"
	[--output]="xml|JSON"
	[--stats-json]="@dir|/nonexistent/dir/x.json|/proc/version/x.json|@empty|@long"
	[--pin-path]="relative/path|1:/proc/portsense-bad|1:/sys/fs/bpf/../../../tmp/x|@empty|@long"
	[--max-interfaces]="0|4097|-1|1.5|0x10|18446744073709551616"
	[--holddown]="0|0.01|86401|-1|inf"
	[--disable]="nosuch|land,nosuch|,|all"
	[--threshold]="icmp_flood|icmp_flood=|icmp_flood=0|icmp_flood=x|nosuch=5|=5|scan_ports=300|scan_ports=9|icmp_flood=1000000001|icmp_flood=-5"
	[--window]="0|0.001|3601|-1|nan"
	[--scan-window]="0|0.01|3601|-1"
	[--allow]="port_scan|port_scan=|scan=198.18.0.1|port_scan=198.18.0.1/40|port_scan=198.18.0.1/8|all=nothing|port_scan=2001:db8::/129|port_scan=,"
	[--alert-rate]="0|100001|-1|x|1.5"
	[--service-ports]="0|65536|80,80|1,2,3,4,5,6,7,8,9|,|http|80;443|-80|0x50"
	[--handshake-timeout]="0|0.5|601|-1|inf|nan|1s"
	[--bogons]="@missing|@dir|@unreadable|@garbage|@badcidr"
	[--backdoor-ports]="@missing|@dir|@unreadable|@garbage|@badport"
	[--amp-ports]="@missing|@dir|@unreadable|@garbage|@badport"
	[--config]="@missing|@dir|@unreadable|@garbage|@badini"
	[--interfaces]="@empty|,|!|!,eth*|x y z|eth0/1|a:b|@long"
	[--mirror]="@empty|,|!|!,eth*|x y z|eth0/1|a:b|@long"
	[--metrics]="@empty|:0|65536|0|127.0.0.1|127.0.0.1:|[::1]|::1:9662|1.2.3.4.5:80|localhost:9662|+80"
	[--evidence]="@empty|@garbage|@long|/proc/version/x"
	[--evidence-packets]="0|100001|1.5"
	[--evidence-time]="0|0.01|3601|inf|nan"
	[--evidence-snaplen]="0|63|513"
	[--evidence-rate]="0|10001|1.5"
	[--evidence-max-mb]="0|1000001|1.5"
)
# Options whose value is a path: any word is a fine name, so only the cases
# above (no generic ones).  A case "1:VALUE" expects exit 1, not 2: the
# value is well formed but the host cannot serve it (no bpffs there), a
# runtime failure by the exit-status contract (docs/robustness.md).
# --interfaces and --mirror are alike: any word is a fine interface name or glob.
PATHOPTS=" --stats-json --pin-path --bogons --backdoor-ports --amp-ports --config --interfaces --mirror --evidence "
# Flags: given a value they must refuse it.  Options that end the run at
# once (help, version, list-alerts) are flags too.
FLAGS=" --no-egress --list-alerts --verbose --help --version --json --replace --background "
GENERIC="@empty|-1|abc|99999999999999999999999|@long"

BADCIDR=$T_TMP/badcidr BADPORT=$T_TMP/badport BADINI=$T_TMP/bad.ini
printf '198.18.0.0/15\n10.1.2.3/8\n' >"$BADCIDR"
printf '31337\n65536\n' >"$BADPORT"
printf '[detect]\nholddown = 3\nholddown = -1\n' >"$BADINI"

# value TOKEN: the argument a case token stands for.
value() {
	case $1 in
	@empty) echo "" ;;
	@long) echo "$LONG" ;;
	@missing) echo "/nonexistent/$T_ID" ;;
	@dir) echo "$DIR" ;;
	@unreadable) echo "$UNREADABLE" ;;
	@garbage) echo "$GARBAGE" ;;
	@badcidr) echo "$BADCIDR" ;;
	@badport) echo "$BADPORT" ;;
	@badini) echo "$BADINI" ;;
	*) echo "$1" ;;
	esac
}

leftovers() {
	local what=""
	ip -n "$B" link show psb0 | grep -q xdp && what+="XDP on psb0; "
	[ -n "$(tc_progs "$B" psb0 ingress)" ] && what+="tc ingress program; "
	[ -n "$(tc_progs "$B" psb0 egress)" ] && what+="tc egress program; "
	[ -e "$PIN" ] && what+="pin path $PIN; "
	echo "$what"
}

# try NAME PATTERN ARGS...: portsense psb0 ... ARGS must exit 2 with a
# message matching PATTERN (grep -E, case-insensitive), leave nothing.
# PREFIX (an array) runs before portsense (setpriv).
PREFIX=() EXPECT=2
n_tried=0 n_failed=0
try() {
	local name=$1 pat=$2 out rc left; shift 2
	n_tried=$((n_tried + 1))
	out=$(timeout 30 nsenter --net="/run/netns/$B" "${PREFIX[@]}" "$PORTSENSE" psb0 --interval 0 \
		--duration 1 --pin-path "$PIN" "$@" 2>&1 </dev/null); rc=$?
	left=$(leftovers)
	local msg
	msg=$(echo "$out" | grep -a -m1 '^portsense: ' | cut -c1-160)
	if [ $rc -ge 128 ] || echo "$out" | grep -aq "Sanitizer"; then
		not_ok "badinput $name" "crashed: exit $rc: $(echo "$out" | grep -m3 -E 'Sanitizer|runtime error|SUMMARY')"
	elif [ -n "$left" ]; then
		not_ok "badinput $name" "left behind: $left (exit $rc)"
		ip -n "$B" link set psb0 xdp off 2>/dev/null
		nsenter --net="/run/netns/$B" "$PORTSENSE" detach --pin-path "$PIN" psb0 >/dev/null 2>&1
		rm -rf "$PIN"
	elif [ $rc -ne "$EXPECT" ]; then
		not_ok "badinput $name" "exit $rc, want $EXPECT: $(echo "$out" | head -n 2 | tr '\n' ' ' | cut -c1-200)"
	elif ! echo "$out" | grep -aqiE -- "$pat"; then
		not_ok "badinput $name" "exit 2, but the message does not name it ($pat): $msg"
	else
		return 0
	fi
	n_failed=$((n_failed + 1))
	return 1
}

# The options, from --help: "-H, --hook xdp|tc", "--no-egress", ...
# An option takes a value when the word after it is upper case or a choice.
mapfile -t OPTS < <("$PORTSENSE" --help | awk '/^ +-/ {
	for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) break
	if (i > NF) next
	print $i, ($(i + 1) ~ /^[A-Z]/ || $(i + 1) ~ /[|]/ ? "value" : "flag") }')
[ ${#OPTS[@]} -ge 20 ] && ok "badinput: ${#OPTS[@]} options read from --help" ||
	not_ok "badinput: options read from --help" "only ${#OPTS[@]}: the --help format changed?"

for line in "${OPTS[@]}"; do
	opt=${line% *} kind=${line#* }
	if [[ "$FLAGS" == *" $opt "* ]]; then
		before=$n_failed
		try "$opt=value" "$opt|doesn't allow an argument|takes no value|unknown option" "$opt=value"
		[ $n_failed -eq $before ] && ok "badinput $opt: refuses a value"
		continue
	fi
	if [ "$kind" = flag ] || [ -z "${CASES[$opt]+x}" ]; then
		not_ok "badinput $opt" "no bad-input cases for this option of --help: add them to tests/test_badinput.sh"
		continue
	fi
	before=$n_failed count=0
	all=${CASES[$opt]}
	[[ "$PATHOPTS" == *" $opt "* ]] || all+="|$GENERIC"
	IFS='|' read -ra toks <<<"$all"
	for tok in "${toks[@]}"; do
		EXPECT=2
		case $tok in 1:*) EXPECT=1 tok=${tok#1:} ;; esac
		v=$(value "$tok")
		PREFIX=()
		# Unreadable to root: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
		[ "$tok" = @unreadable ] && PREFIX=(setpriv --bounding-set=-dac_override,-dac_read_search --inh-caps=-all)
		shown=$tok
		[ "$tok" = @long ] && shown="<5000 x>"
		# The message names the option, or (files) the file it could not use.
		pat="$opt|${v:0:40}"
		[ "$opt" = --config ] && pat="config|$v"
		[ -z "$v" ] && pat="$opt|''|empty"
		[ $EXPECT = 1 ] && pat="not on a bpf filesystem"
		try "$opt '$shown'" "$pat" "$opt" "$v"
		count=$((count + 1))
	done
	PREFIX=() EXPECT=2
	[ $n_failed -eq $before ] && ok "badinput $opt: $count invalid values refused (exit 2, named, nothing left)"
done

# An option missing its value at the end of the line.
before=$n_failed
try "--hook without a value" "--hook|requires an argument|option requires" --hook
[ $n_failed -eq $before ] && ok "badinput: an option without its value: exit 2"

# Interfaces: unknown, too long, named twice, a name that is a path.
before=$n_failed
for ifc in nosuch0 "$LONG" "../../etc" "" "psb0 "; do
	try "interface '${ifc:0:20}'" "no such interface|interface" "$ifc"
done
try "interface named twice" "named twice" psb0
[ $n_failed -eq $before ] && ok "badinput: unknown, overlong and repeated interfaces: exit 2, named"

# The config file: every key of every section (from --help, made from the option table) with bad values.
mapfile -t KEYS < <("$PORTSENSE" --help | sed -nE "s/^  \\[([a-z]+)\\] +([a-z].*)/\\1 \\2/p" | grep -v " = " | tr -d ",")
nkeys=0
ini() { printf '%b' "$1" >"$T_TMP/bad-$T_ID.ini"; }
for row in "${KEYS[@]}"; do
	read -ra w <<<"$row"
	section=${w[0]}
	for key in "${w[@]:1}"; do
		before=$n_failed
		# Any word is a fine path: paths get the empty, overlong and directory cases.
		case $key in
		pin-path|stats-json|bogons|backdoor-ports|amp-ports) bads=("" "$LONG" "$DIR") ;;
		# A directory: a file is what it cannot be.
		evidence) bads=("" "$LONG" "$GARBAGE") ;;
		# Any word is a fine interface name or glob too: only what no name can hold.
		interfaces|mirror) bads=("" "," "$LONG" "x y z" "a/b") ;;
		*) bads=("" "-1" "abc" "99999999999999999999" "$LONG" "x y z") ;;
		esac
		for bad in "${bads[@]}"; do
			[ $key = pin-path ] && [ "$bad" = "$DIR" ] && continue	# absolute: exit 1 above
			ini "# bad value\n[$section]\n$key = $bad\n"
			# Lists are read after the file: their errors name the list file.
			pat="bad-$T_ID.ini:3"
			[ $section = lists ] && pat="$pat|cannot read|${bad:0:40}"
			try "config [$section] $key = '${bad:0:12}'" "$pat" --config "$T_TMP/bad-$T_ID.ini"
		done
		nkeys=$((nkeys + 1))
		[ $n_failed -eq $before ] && ok "badinput config [$section] $key: invalid values refused with the file and line"
	done
done
[ $nkeys -ge 15 ] && ok "badinput: $nkeys config keys read from --help" ||
	not_ok "badinput: config keys read from --help" "only $nkeys: the --help format changed?"
for section in threshold allow; do
	before=$n_failed
	for bad in "nosuch = 5" "= 5" "x" "icmp_flood = 0" "port_scan = 198.18.0.1/40"; do
		ini "[$section]\n$bad\n"
		try "config [$section] '$bad'" "bad-$T_ID.ini:2" --config "$T_TMP/bad-$T_ID.ini"
	done
	[ $n_failed -eq $before ] && ok "badinput config [$section]: invalid entries refused with the file and line"
done

echo "# $n_tried invalid inputs tried, $n_failed not refused as they should be"
