// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fault_flood - the detectors' maps under a million spoofed sources, with a
 * scanner inside the flood (tests/test_faults.sh runs it; docs/robustness.md
 * states the outcome).
 *
 * Every frame goes through ps_xdp with BPF_PROG_TEST_RUN, as arriving on
 * lo.  The flood: TCP SYNs from random sources in 2001:db8::/32 to random
 * hosts of 2001:db8::/64 and random ports (so the scan sketch runs hot and
 * every source asks for per-source state), ICMPv6 echo requests to random
 * hosts (one rate entry per victim), and NDP neighbour adverts for random
 * targets (one binding each).  Among them, one scanner, 2001:db8:ffff::66,
 * sends SYNs to ports 1, 2, 3, ... of 2001:db8::2, one per SCAN_EVERY flood
 * frames.
 *
 * What must hold: the LRU maps full but never over max_entries; the
 * admission budget spent and its denials counted (scan_admit_denied);
 * never more sources admitted than the budget allows; and the scanner
 * still found (a port_scan alert with its address).
 *
 *   fault_flood [FRAMES]     (default 1000000)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"
#include "harness.h"

#define SCAN_EVERY	1000

static struct portsense_bpf *skel;
static unsigned long long scan_alerts, alerts_total, first_scan_probe, probes;
static const __u8 scanner[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x66 };
static const __u8 host[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static int failures;

static __u64 rng = 0x5eed;

static __u64 rnd(void)
{
	return ht_splitmix64(&rng);
}

static void result(int good, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(int good, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s - faults: %s", good ? "ok" : "not ok", name);
	va_start(ap, fmt);
	if (fmt && *fmt) {
		printf(good ? " (" : ": ");
		vprintf(fmt, ap);
		if (good)
			printf(")");
	}
	va_end(ap);
	printf("\n");
	failures += !good;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ps_event *e = data;

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	alerts_total++;
	if (e->alert == PS_ALERT_PORT_SCAN && e->family == 6 && !memcmp(e->saddr, scanner, 16)) {
		if (!scan_alerts++)
			first_scan_probe = probes;
	}
	return 0;
}

/* Ethernet + IPv6 with @nh and @plen, from @src to @dst; returns the L4 header. */
static __u8 *ipv6(__u8 *f, const __u8 *src, const __u8 *dst, __u8 nh, __u16 plen)
{
	memset(f, 0, 14 + 40 + plen);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x86\xdd", 14);
	f[14] = 0x60;
	f[18] = plen >> 8;
	f[19] = plen;
	f[20] = nh;
	f[21] = 64;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	return f + 54;
}

static __u32 syn(__u8 *f, const __u8 *src, const __u8 *dst, __u16 dport)
{
	__u8 *t = ipv6(f, src, dst, 6, 20);

	t[0] = 0xc3;
	t[1] = 0x50;
	t[2] = dport >> 8;
	t[3] = dport;
	t[12] = 5 << 4;
	t[13] = 0x02;
	return 14 + 40 + 20;
}

static void rand_addr(__u8 *a, int host_bits)
{
	int i;

	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
	for (i = 4; i < 16; i++)
		a[i] = i >= 16 - host_bits / 8 ? rnd() : 0;
}

/* Counter @g of the sensor itself, ~0ULL when unreadable. */
static __u64 global(enum ps_global g)
{
	return ht_global(bpf_map__fd(skel->maps.ps_global), g);
}

int main(int argc, char **argv)
{
	unsigned long long frames = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000, i;
	struct ring_buffer *rb = NULL;
	struct timespec t0, t1;
	__u8 f[256], src[16], dst[16];
	double secs;
	long rates, scans, binds;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ht_quiet_libbpf();
	skel = portsense_bpf__open_and_load();
	if (!skel) {
		printf("not ok - faults: flood setup: loading the sensor: %s\n", strerror(errno));
		return 1;
	}
	err = ht_give_slot(skel->obj);
	if (!err) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.ps_events), on_event, NULL, NULL);
		err = rb ? 0 : -errno;
	}
	if (err) {
		printf("not ok - faults: flood setup: %s\n", strerror(-err));
		portsense_bpf__destroy(skel);
		return 1;
	}
	fd = bpf_program__fd(skel->progs.ps_xdp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < frames; i++) {
		__u32 len, verdict;
		unsigned int kind = rnd() % 10;

		rand_addr(src, 96);
		if (i % SCAN_EVERY == SCAN_EVERY - 1) {
			probes++;
			len = syn(f, scanner, host, 1 + probes % 60000);
		} else if (kind < 8) {
			rand_addr(dst, 64);
			len = syn(f, src, dst, rnd());
		} else if (kind == 8) {
			__u8 *icmp;

			rand_addr(dst, 64);
			icmp = ipv6(f, src, dst, 58, 8);
			icmp[0] = 128;
			len = 14 + 40 + 8;
		} else {
			/* NDP advert: target (= source) at a MAC, option right after it. */
			__u8 *nd = ipv6(f, src, host, 58, 32);

			nd[0] = 136;
			nd[4] = 0x20;
			memcpy(nd + 8, src, 16);
			nd[24] = 2;
			nd[25] = 1;
			memcpy(nd + 26, "\x02\x00\x00\x00\x00\x33", 6);
			len = 14 + 40 + 32;
		}
		err = ht_run(fd, f, len, &verdict, NULL, NULL);
		if (err || verdict != XDP_PASS) {
			printf("not ok - faults: flood: test run %llu: %s, verdict %u\n", i,
			       strerror(-err), verdict);
			failures++;
			break;
		}
		if (!(i & 4095))
			ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	rates = ht_map_entries(skel->maps.ps_rates);
	scans = ht_map_entries(skel->maps.ps_scans);
	binds = ht_map_entries(skel->maps.ps_binds);

	printf("# %llu frames in %.1f s (%.0f/s), %llu alerts; scan_admitted %llu, "
	       "scan_admit_denied %llu, alerts_ratelimited %llu, events_lost %llu\n",
	       i, secs, i / secs, alerts_total,
	       (unsigned long long)global(PS_G_SCAN_ADMITTED),
	       (unsigned long long)global(PS_G_SCAN_ADMIT_DENIED),
	       (unsigned long long)global(PS_G_ALERTS_RATELIMITED),
	       (unsigned long long)global(PS_G_EVENTS_LOST));
	/*
	 * Full: an LRU hash evicts in batches (per-CPU free lists), so a full
	 * one holds a little less than max_entries; never more.
	 */
	result(rates >= PS_RATE_KEYS_MAX * 9 / 10 && rates <= PS_RATE_KEYS_MAX,
	       "flood fills ps_rates (LRU evicts, never grows past max_entries)",
	       "%ld of %d entries", rates, PS_RATE_KEYS_MAX);
	result(binds >= PS_BIND_MAX * 9 / 10 && binds <= PS_BIND_MAX,
	       "flood fills ps_binds (LRU evicts, never grows past max_entries)",
	       "%ld of %d entries", binds, PS_BIND_MAX);
	result(scans > 0 && scans <= PS_SCAN_SOURCES_MAX &&
	       (__u64)scans <= global(PS_G_SCAN_ADMITTED),
	       "per-source scan state bounded by max_entries and by admissions",
	       "%ld entries, %llu admitted", scans,
	       (unsigned long long)global(PS_G_SCAN_ADMITTED));
	result(global(PS_G_SCAN_ADMIT_DENIED) > 0 &&
	       global(PS_G_SCAN_ADMITTED) <= PS_SCAN_ADMIT_RATE * ((__u64)secs + 2),
	       "admission budget spent, denials counted",
	       "%llu denied, %llu admitted in %.1f s, budget %d/s",
	       (unsigned long long)global(PS_G_SCAN_ADMIT_DENIED),
	       (unsigned long long)global(PS_G_SCAN_ADMITTED), secs, PS_SCAN_ADMIT_RATE);
	result(scan_alerts >= 1, "a scanner inside a million-source flood is still found",
	       scan_alerts ? "port_scan after %llu of its probes, %llu alerts" :
	       "no port_scan alert for 2001:db8:ffff::66 after %llu probes", scan_alerts ?
	       first_scan_probe : probes, scan_alerts);
	ring_buffer__free(rb);
	portsense_bpf__destroy(skel);
	return failures ? 1 : 0;
}
