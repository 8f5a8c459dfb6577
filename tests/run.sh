#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Runs every test and ends with "N passed, N failed, N skipped".
#   tests/run.sh [unit|detect|handshake|loader|cli|fuzz|badinput|privs|faults|live|ops|upgrade|alerts|diagnosis|attacks|benign|replay|metrics|deploy ...]
#   (default: all)
# Needs root (CAP_BPF, CAP_NET_ADMIN) and ../shared/pcaps for the replay.
# BUILD=DIR runs the binaries of another build (make sanitize: build-san);
# the shell suites take PORTSENSE from it too.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit detect handshake loader cli fuzz badinput privs faults live ops upgrade alerts diagnosis attacks benign replay metrics deploy)
BUILD=${BUILD:-$ROOT/build}
[ -d "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)	# absolute: the suites run elsewhere
export BUILD PORTSENSE=${PORTSENSE:-$BUILD/portsense}

pass=0 fail=0 skipped=0
run_suite() {
	local name=$1; shift
	local out=/tmp/portsense-suite-$$.out rc
	echo "# $name: $*"
	# Bounded: no suite may hang CI (the replay takes about 2 minutes).
	timeout --kill-after=10 1200 "$@" >"$out" 2>&1; rc=$?
	grep -E '^(ok|not ok|skip) - ' "$out"
	# Anything a suite printed that is not a result is shown when it failed.
	local p f s
	p=$(grep -c '^ok - ' "$out"); f=$(grep -c '^not ok - ' "$out"); s=$(grep -c '^skip - ' "$out")
	if [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		echo "not ok - $name suite exited $rc"
		grep -vE '^(ok|not ok|skip) - ' "$out" | tail -n 20 | sed 's/^/#   /'
		f=$((f + 1))
	elif [ $f -gt 0 ]; then
		grep -vE '^(ok|not ok|skip) - ' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "not ok - $name suite ran no test"
		f=$((f + 1))
	fi
	pass=$((pass + p)); fail=$((fail + f)); skipped=$((skipped + s))
	rm -f "$out"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok - tests need root (CAP_BPF, CAP_NET_ADMIN): run 'sudo make test'"
	echo "0 passed, 1 failed"
	exit 1
fi
for s in "${suites[@]}"; do
	case $s in
	unit)   run_suite unit "$BUILD/test_prog" ;;
	detect) run_suite detect "$BUILD/test_detect" ;;
	handshake) run_suite handshake "$BUILD/test_handshake" ;;
	loader) run_suite loader "$BUILD/test_loader" ;;
	cli)    run_suite cli "$ROOT/tests/test_cli.sh" ;;
	live)   run_suite live "$ROOT/tests/test_live.sh" ;;
	ops)    run_suite ops "$ROOT/tests/test_ops.sh" ;;
	upgrade) run_suite upgrade "$ROOT/tests/test_upgrade.sh" ;;
	alerts) run_suite alerts "$ROOT/tests/test_alerts.sh" ;;
	diagnosis) run_suite diagnosis "$ROOT/tests/test_diagnosis.sh" ;;
	attacks) run_suite attacks "$ROOT/tests/test_attacks.sh" ;;
	benign) run_suite benign "$ROOT/tests/test_benign.sh" ;;
	replay) run_suite replay "$ROOT/tests/test_replay.sh" ;;
	fuzz)   run_suite fuzz "$ROOT/tests/test_fuzz.sh" ;;
	badinput) run_suite badinput "$ROOT/tests/test_badinput.sh" ;;
	privs)  run_suite privs "$ROOT/tests/test_privs.sh" ;;
	faults) run_suite faults "$ROOT/tests/test_faults.sh" ;;
	metrics) run_suite metrics "$ROOT/tests/test_metrics.sh" ;;
	deploy) run_suite deploy "$ROOT/tests/test_deploy.sh" ;;
	*) echo "unknown suite: $s (unit, detect, handshake, loader, cli, fuzz, badinput, privs, faults, live, ops, upgrade, alerts, diagnosis, attacks, benign, replay, metrics, deploy)" >&2; exit 2 ;;
	esac
done
echo
if [ $skipped -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipped skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
