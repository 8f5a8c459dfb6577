#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Suite "fuzz": hostile frames through the BPF programs (build/fuzz_prog),
# proof that its checker fails when it should (--plant), and each libFuzzer
# target over its seed corpus and what it finds in a few seconds.
#   FUZZ_SECONDS  random phase of fuzz_prog (default 20; make fuzz: longer)
#   LIBFUZZER_SECONDS  per libFuzzer target (default 8)
. "$(dirname "$0")/lib.sh"

BUILD=${BUILD:-$ROOT/build}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LIBFUZZER_SECONDS=${LIBFUZZER_SECONDS:-8}

pcaps=()
if [ -d "$SHARED/pcaps" ]; then
	pcaps=(--pcaps "$SHARED/pcaps")
elif [ -n "${CI:-}" ]; then
	not_ok "fuzz: captures present" "$SHARED/pcaps missing: CI needs ../shared beside the clone"
else
	skip "fuzz: captures present" "$SHARED/pcaps missing (set SHARED=...); crafted frames only"
fi

# The harness prints its own ok/not ok lines (and the seed to rerun with).
timeout $((FUZZ_SECONDS + 120)) "$BUILD/fuzz_prog" --seconds "$FUZZ_SECONDS" "${pcaps[@]}"
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || not_ok "fuzz_prog" "exited $rc"

# Self-test: each planted lie must fail the run with the check that sees it.
plant() {
	local what=$1 pat=$2 out rc
	out=$(timeout 120 "$BUILD/fuzz_prog" --seed 1 --no-random --plant "$what" 2>&1); rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep '^not ok' | grep -q -- "$pat"; then
		ok "fuzz self-test: planted '$what' is caught ($pat)"
	else
		not_ok "fuzz self-test: planted '$what' is caught" "exit $rc, no '$pat': $(echo "$out" | grep '^not ok' | head -n 2)"
	fi
}
plant class "registered.packets moved by 0, the model says 1"
plant double "tcp.by_dst_class packets sum to 2, tcp.packets 1"
plant frames "runs fed"
plant event "planted expectation"

# libFuzzer targets: the seeds, then new inputs for a few seconds.  New
# inputs go to a scratch corpus, never into tools/fuzz/corpus.
for t in fuzz_config fuzz_lists fuzz_alert; do
	bin=$BUILD/fuzz/$t seeds=$ROOT/tools/fuzz/corpus/${t#fuzz_}
	if [ ! -x "$bin" ]; then
		skip "libFuzzer $t" "$bin not built (clang's fuzzer runtime: libclang-rt-14-dev, make deps)"
		continue
	fi
	mkdir -p "$T_TMP/$t"
	out=$(cd "$T_TMP" && timeout $((LIBFUZZER_SECONDS + 60)) "$bin" -max_total_time="$LIBFUZZER_SECONDS" \
		-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$T_TMP/$t-" "$T_TMP/$t" "$seeds" 2>&1); rc=$?
	runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
	if [ $rc -eq 0 ] && [ "${runs:-0}" -gt 0 ]; then
		ok "libFuzzer $t: $runs inputs, no crash, no sanitizer report, no failed assertion"
	else
		not_ok "libFuzzer $t" "exit $rc: $(echo "$out" | grep -E 'assertion|ERROR|SUMMARY|runtime error' | head -n 3 | tr '\n' ' ')"
		for a in "$T_TMP/$t-"*; do [ -f "$a" ] && echo "#   input: $(xxd -p "$a" | head -c 400)"; done
	fi
done
