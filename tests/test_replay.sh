#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Exactness against real captures: replay every capture of ../shared/pcaps
# from one namespace onto a veth whose peer has portsense attached, and
# compare the ingress snapshot with the tshark oracle (expected.json) field
# by field.  Once with XDP, once with the tc ingress hook.
#
#   tests/test_replay.sh [xdp|tc ...] [-- PCAP_NAME ...]
. "$(dirname "$0")/lib.sh"

hooks=()
files=()
while [ $# -gt 0 ]; do
	case $1 in
	xdp|tc) hooks+=("$1") ;;
	--) shift; files=("$@"); break ;;
	*) echo "usage: $0 [xdp|tc ...] [-- PCAP ...]" >&2; exit 2 ;;
	esac
	shift
done
[ ${#hooks[@]} -gt 0 ] || hooks=(xdp tc)

need_shared_pcaps || exit 0
command -v tcpreplay >/dev/null || { not_ok "tcpreplay installed" "run: make deps"; exit 0; }
ensure_bpffs
PCAPS=$SHARED/pcaps
EXPECTED=$PCAPS/expected.json
[ ${#files[@]} -gt 0 ] || mapfile -t files < <($PY -c '
import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["files"])))' "$EXPECTED")

# One pin path for all, never emptied: each capture in namespaces of its own
# (a veth that often gets the index the last one had) must still count
# alone, in --stats-json (this run's counts) and in the pinned slot.
new_pin_path PIN replay
n=0 resets=0 dropped=0

for hook in "${hooks[@]}"; do
	for f in "${files[@]}"; do
		name="replay $hook $f"
		n=$((n + 1))
		TX=ps-tx-$T_ID-$n RX=ps-rx-$T_ID-$n
		if ! netns_pair "$TX" pstx0 "$RX" psrx0; then
			not_ok "$name" "cannot create namespaces"
			continue
		fi
		# REPLAY.md: MTU >= largest frame - 14, + 8 for VLAN room.
		maxlen=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][sys.argv[2]]["extras"]["max_cap_len"])' "$EXPECTED" "$f")
		mtu=$(( maxlen - 14 + 8 )); [ $mtu -lt 1500 ] && mtu=1500
		ip -n "$TX" link set pstx0 mtu $mtu && ip -n "$RX" link set psrx0 mtu $mtu
		log=$T_TMP/ps.log snap=$T_TMP/snap.json
		rm -f "$snap"
		if ! start_portsense "$RX" "$log" psrx0 --hook "$hook" --interval 0 -o json \
			--pin-path "$PIN" --stats-json "$snap"; then
			not_ok "$name" "portsense did not start: $(tail -n 3 "$log" | tr '\n' ' ')"
			continue
		fi
		# Bounded: 20 kpps, the largest capture takes about 2 s.
		if ! out=$(ip netns exec "$TX" timeout 120 tcpreplay -q -i pstx0 --pps=20000 "$PCAPS/$f" 2>&1); then
			stop_portsense
			not_ok "$name" "tcpreplay failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
			continue
		fi
		sleep 0.5
		stop_portsense; rc=$?
		# The pinned counts too: from a namespace of no instance's, by the names it recorded.
		ps_in "$TX" stats --json --pin-path "$PIN" >"$T_TMP/pinned.json" 2>/dev/null
		ip netns del "$TX"; ip netns del "$RX"
		resets=$((resets + $(grep -c "start again from zero" "$log")))
		dropped=$((dropped + $(grep -c "are dropped" "$log")))
		if [ $rc -ne 0 ] || [ ! -s "$snap" ]; then
			not_ok "$name" "portsense exited $rc: $(tail -n 3 "$log" | tr '\n' ' ')"
			continue
		fi
		pinned=$($PY -c '
import json, sys
s, p = (json.load(open(a)) for a in sys.argv[1:3])
print("ok" if list(p["interfaces"]) == ["psrx0"] and p["ingress"] == s["ingress"]
      and s["since"] and s["interfaces"]["psrx0"]["since"] else
      "interfaces %s, since %s" % (list(p["interfaces"]), s.get("since")))' "$snap" "$T_TMP/pinned.json" 2>&1)
		[ "$pinned" = ok ] || { not_ok "$name" "the pins hold more than this capture: $pinned"; continue; }
		# Alerts each capture raised, for docs/detection.md (tools/ can rerun).
		n_alerts=$(grep -c '"event":"alert"' "$log.out")
		[ -n "${ALERT_LOG:-}" ] && grep '"event":"alert"' "$log.out" | sed "s|^|$hook $f |" >>"$ALERT_LOG"
		case $f in
		normal_*)
			[ "$n_alerts" = 0 ] && ok "no alert on benign capture ($hook) $f" ||
				not_ok "no alert on benign capture ($hook) $f" "$n_alerts alerts: $(grep -m1 alert "$log.out")" ;;
		esac
		if diff=$($PY "$ROOT/tests/compare_stats.py" "$EXPECTED" "$f" "$snap"); then
			ok "$name"
		else
			# With what the sensor said of itself, and its log: a flake must be readable.
			not_ok "$name" "$(echo "$diff" | head -n 8 | tr '\n' ';') sensor: $(jget "$snap" sensor 2>&1) interfaces: $(jget "$snap" interfaces 2>&1 | cut -c1-80) log: $(tr '\n' ' ' <"$log")"
			[ -n "${KEEP_SNAPSHOTS:-}" ] && cp "$snap" "/tmp/snap-$hook-$f.json"
		fi
	done
done
[ $((resets + dropped)) -gt 0 ] &&
	ok "replay: pins kept across $n namespaces: $resets slots found holding another namespace's counts were reset, $dropped dropped" ||
	not_ok "replay: pins kept across namespaces" "no slot was ever reset or dropped: the test no longer reproduces the reuse"
