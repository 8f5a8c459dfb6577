// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_detect - the stateful detectors, driven packet by packet with
 * BPF_PROG_TEST_RUN (ingress through ps_xdp, this host's answers through
 * ps_tc_out), asserting the alerts that reach the ring buffer and the state
 * the maps keep.  The integration suites (tests/test_attacks.sh) prove the
 * same with real tools; these pin down the rules exactly, including what
 * must NOT alert and what a random-source flood must not cost (no
 * per-source state).
 *
 * This file is the suite's frame: the fresh skeleton each scenario loads,
 * so no state leaks from one to the next, the check that reports, and the
 * order the scenarios (detect_*.c) run in, twice for those a coarse clock
 * times.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ps_bitset.h"
#include "detect.h"

int failures;

/*
 * NULL: the kernel's own config, as the loader loads.  Else libbpf's
 * kconfig override, and a tag on every check: "CONFIG_HZ=300" has no whole
 * number of ns per tick, so the detectors' clock is the coarse-clock
 * helper (bpf/ps_clock.h), the path a machine without a readable kernel
 * config takes.
 */
static const char *kconfig;

/* A fresh sensor; @tune adjusts its thresholds before load.  0, or -1 after a failed check. */
int setup(struct ht_sensor *x, void (*tune)(struct ps_detect_cfg *))
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .kconfig = kconfig);

	if (ht_sensor_open(x, &oo))
		goto fail;
	/* Windows long enough that a slow run never splits a scenario. */
	x->skel->data->ps_cfg.window_ns = 5ULL * 1000 * 1000 * 1000;
	if (tune)
		tune(&x->skel->data->ps_cfg);
	if (ht_sensor_load(x))
		goto fail;
	/* What the loader puts there from data/amplifier-ports.txt, in part: DNS. */
	{
		__u32 w = ps_bit_word(53);
		__u64 bits = ps_bit_mask(53);

		if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.ps_ampports), &w, &bits, BPF_ANY))
			goto fail;
	}
	if (kconfig && (!x->skel->kconfig || PS_NS_PER_TICK(x->skel->kconfig->CONFIG_HZ))) {
		check(false, "setup", "the kconfig override did not take: CONFIG_HZ %u",
		      x->skel->kconfig ? x->skel->kconfig->CONFIG_HZ : 0);
		goto fail;
	}
	return 0;
fail:
	check(false, "setup", "%s", strerror(errno));
	ht_sensor_close(x);
	return -1;
}

void check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	const char *tag = kconfig ? " [coarse clock]" : "";

	if (cond) {
		printf("ok - detect %s%s\n", name, tag);
		return;
	}
	failures++;
	printf("not ok - detect %s%s: ", name, tag);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ht_quiet_libbpf();
	flood_and_scan();
	handshakes(true);
	handshakes(false);
	backscatter();
	amplification(false);
	amplification(true);
	arp_spoof();
	sweep();
	many_services();
	exact_thresholds();
	own_connections();
	allow_list();
	aggregated();
	evidence();
	/* The fallback clock: the scenarios whose windows and hold-downs it times. */
	kconfig = "CONFIG_HZ=300\n";
	flood_and_scan();
	handshakes(false);
	backscatter();
	arp_spoof();
	aggregated();
	return failures ? 1 : 0;
}
