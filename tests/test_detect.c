// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_detect - the stateful detectors, driven packet by packet with
 * BPF_PROG_TEST_RUN (ingress through ps_xdp, this host's answers through
 * ps_tc_out), asserting the alerts that reach the ring buffer and the state
 * the maps keep.  Each scenario loads a fresh skeleton, so no state leaks
 * from one to the next.  The integration suites (tests/test_attacks.sh)
 * prove the same with real tools; these pin down the rules exactly,
 * including what must NOT alert and what a random-source flood must not
 * cost (no per-source state).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "ps_bitset.h"
#include "ps_hash.h"
#include "portsense.skel.h"
#include "harness.h"
#include "summary.h"
#include "pktbuild.h"

static int failures;
/*
 * NULL: the kernel's own config, as the loader loads.  Else libbpf's
 * kconfig override, and a tag on every check: "CONFIG_HZ=300" has no whole
 * number of ns per tick, so the detectors' clock is the coarse-clock
 * helper (bpf/ps_clock.h), the path a machine without a readable kernel
 * config takes.
 */
static const char *kconfig;

/*
 * Frames are tests/pktbuild.h descriptions.  Peers sit in 198.18.0.0/15
 * (RFC 2544); this host is HOST, the frames' destination MAC 02:..:02.
 */
#define HOST "198.18.0.2"

/* The TCP flags the scenarios send, as description attributes. */
#define SYN	"flags=0x002"
#define SYNACK	"flags=0x012"
#define ACK	"flags=0x010"
#define FIN	"flags=0x001"
#define FINACK	"flags=0x011"
#define RSTACK	"flags=0x014"

/*
 * TCP option bytes, zero (end of list): a header of 24 bytes or less is a
 * SYN scan's, a longer one a connect()'s; the detectors read no option.
 */
#define OPT4	",opt=00000000"
#define OPT12	",opt=000000000000000000000000"
#define OPT20	",opt=0000000000000000000000000000000000000000"

/* Two MACs one address moves between, as pktbuild.h reads them and as bytes. */
#define M1 "02:00:00:00:00:11"
#define M2 "02:00:00:00:00:22"
static const __u8 m1[6] = { 2, 0, 0, 0, 0, 0x11 }, m2[6] = { 2, 0, 0, 0, 0, 0x22 };

/* An IPv4 address in the form a description takes. */
struct addr {
	char s[INET_ADDRSTRLEN];
};

/* A spoofed source inside 198.18.0.0/15 for packet @i. */
static struct addr spoofed(unsigned int i)
{
	struct addr a;

	snprintf(a.s, sizeof(a.s), "198.%u.%u.%u", 18 + (i >> 16 & 1), i >> 8 & 0xff, i & 0xff);
	return a;
}

static void check(bool cond, const char *name, const char *fmt, ...);

/* A fresh sensor; @tune adjusts its thresholds before load.  0, or -1 after a failed check. */
static int setup(struct ht_sensor *x, void (*tune)(struct ps_detect_cfg *))
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

/* The frame a pktbuild.h description gives, into this host (ps_xdp) or out of it (ps_tc_out). */
#define IN(x, ...) (failures += ht_run_desc((x)->in_fd, __VA_ARGS__) != 0)
#define OUT(x, ...) (failures += ht_run_desc((x)->out_fd, __VA_ARGS__) != 0)

/* Alerts of id @a collected so far (and the last one in *last). */
static int alerts(struct ht_sensor *x, enum ps_alert a, const struct ps_event **last)
{
	return ht_alerts_of(&x->al, a, last);
}

static void check(bool cond, const char *name, const char *fmt, ...)
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

/* Counter @g of the sensor itself, ~0ULL when unreadable. */
static __u64 global(struct ht_sensor *x, enum ps_global g)
{
	return ht_global(bpf_map__fd(x->skel->maps.ps_global), g);
}

static void flood_and_scan(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* 3000 SYNs to port 80, each from a new source; a scanner among them. */
	for (i = 0; i < 3000; i++) {
		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=80," SYN ",seq=%u",
		   spoofed(0x10000 + i * 7).s, 40000 + i % 20000, i);
		if (i % 50 == 0)
			IN(&x, "ipv4:src=198.18.0.66,dst=" HOST " tcp:sport=51000,dport=%u," SYN
			   ",seq=%u" OPT4, 1 + i / 50, i);
	}
	n = alerts(&x, PS_ALERT_SYN_FLOOD, &e);
	check(n == 1 && e && e->dport == 80 && e->detail == PS_SYNFLOOD_ONE_PORT &&
	      e->count == 1000, "syn_flood: 3000 random-source SYNs, one alert at 1000 for port 80",
	      "%d alerts (port %u, detail %u, count %llu)", n, e ? e->dport : 0,
	      e ? e->detail : 0, e ? (unsigned long long)e->count : 0);
	e = NULL;
	n = alerts(&x, PS_ALERT_PORT_SCAN, &e);
	check(n == 1 && e && e->saddr[3] == 66 && e->detail == PS_SCAN_SYN,
	      "port_scan: a SYN scanner inside the flood is found", "%d alerts, source .%u kind %u",
	      n, e ? e->saddr[3] : 0, e ? e->detail : 0);
	{
		/* The sources spread: a weak hash piles a /16 into a few slots. */
		int fd = bpf_map__fd(x.skel->maps.ps_sketch);
		unsigned int used = 0;
		struct ps_sketch v;
		__u32 k;

		for (k = 0; k < bpf_map__max_entries(x.skel->maps.ps_sketch); k++)
			if (!bpf_map_lookup_elem(fd, &k, &v) && v.start_ns)
				used++;
		check(used >= 2500, "sketch: 3000 sources of one /15 fill at least 2500 of its 16384 slots",
		      "%u slots", used);
	}
	check(global(&x, PS_G_SCAN_ADMITTED) <= 2 &&
	      ht_map_entries(x.skel->maps.ps_scans) <= 2,
	      "sketch: the flood's 3000 sources bought no per-source state",
	      "%llu admitted", (unsigned long long)global(&x, PS_G_SCAN_ADMITTED));
	check(alerts(&x, PS_ALERT_HALF_OPEN, NULL) == 0 && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 0,
	      "syn flood: no half_open (no SYN-ACK seen) and no host_sweep", "%d/%d",
	      alerts(&x, PS_ALERT_HALF_OPEN, NULL), alerts(&x, PS_ALERT_HOST_SWEEP, NULL));
	ht_sensor_close(&x);
}

/* Complete handshakes: many SYNs that all finish are load, not a flood. */
static void handshakes(bool complete)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 1500; i++) {
		struct addr client = spoofed(0x100 + i);
		unsigned int cport = 30000 + i;

		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=443," SYN ",seq=%u" OPT20,
		   client.s, cport, i);
		OUT(&x, "ipv4:src=" HOST ",dst=%s tcp:sport=443,dport=%u," SYNACK ",seq=7" OPT20,
		    client.s, cport);
		if (complete)
			IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=%u,dport=443," ACK ",seq=%u" OPT12,
			   client.s, cport, i + 1);
	}
	if (complete) {
		check(alerts(&x, PS_ALERT_SYN_FLOOD, NULL) == 0 &&
		      alerts(&x, PS_ALERT_HALF_OPEN, NULL) == 0,
		      "1500 completed handshakes in a window: no syn_flood, no half_open", "%d, %d",
		      alerts(&x, PS_ALERT_SYN_FLOOD, NULL), alerts(&x, PS_ALERT_HALF_OPEN, NULL));
	} else {
		n = alerts(&x, PS_ALERT_SYN_FLOOD, &e);
		check(n == 1 && e->aux == 0 && e->aux2 >= 999,
		      "syn_flood: 1500 answered, never completed", "%d alerts, done %llu synacks %llu",
		      n, e ? (unsigned long long)e->aux : 0, e ? (unsigned long long)e->aux2 : 0);
		e = NULL;
		n = alerts(&x, PS_ALERT_HALF_OPEN, &e);
		check(n == 1 && e->sport == 443 && e->count == PS_HALF_OPEN_DEFAULT,
		      "half_open: SYN-ACKs from port 443 never completed", "%d alerts", n);
	}
	ht_sensor_close(&x);
}

static void backscatter(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* This host's own connections: SYN out, SYN-ACK or RST+ACK (seq 0) back. */
	for (i = 0; i < 300; i++) {
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.1.1 tcp:sport=%u,dport=80," SYN ",seq=5" OPT20,
		    40000 + i);
		IN(&x, "ipv4:src=198.18.1.1,dst=" HOST " tcp:sport=80,dport=%u,%s,seq=%u", 40000 + i,
		   i & 1 ? SYNACK : RSTACK, i & 1 ? 99 : 0);
	}
	check(alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "answers to this host's own SYNs are no backscatter", "%d alerts",
	      alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	/* Answers to SYNs someone else sent with this host's address. */
	for (i = 0; i < 150; i++)
		IN(&x, "ipv4:src=%s,dst=" HOST " tcp:sport=80,dport=%u," SYNACK ",seq=%u",
		   spoofed(0x200 + i).s, 20000 + i, 1000 + i);
	n = alerts(&x, PS_ALERT_BACKSCATTER, &e);
	check(n == 1 && e->detail == PS_BACKSCATTER_SYNACK && e->count == PS_BACKSCATTER_DEFAULT,
	      "backscatter: 150 unsolicited SYN-ACKs alert once", "%d alerts", n);
	ht_sensor_close(&x);
}

static void amplification(bool requested)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	if (requested) {
		for (i = 0; i < 100; i++)
			OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.53 udp:sport=%u,dport=53 data:n=30",
			    20000 + i);
	}
	/* 900 DNS answers from 9 resolvers, 1000 bytes each (IP length). */
	for (i = 0; i < 900; i++) {
		/* Below 32768, where a udp scan would be counted. */
		IN(&x, "ipv4:src=198.18.0.%u,dst=" HOST " udp:sport=53,dport=%u data:n=992",
		   53 + i % 9, 20000 + i);
	}
	n = alerts(&x, PS_ALERT_UDP_AMPLIFICATION, &e);
	if (requested)
		check(n == 0, "udp_amplification: 900 answers to 100 requests (9 each) do not alert",
		      "%d alerts", n);
	else
		check(n == 1 && e->sport == 53 && e->aux == 0,
		      "udp_amplification: 900 unrequested DNS answers alert once", "%d alerts", n);
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0,
	      requested ? "answers from port 53 are not a udp scan (requested)" :
			  "answers from port 53 are not a udp scan", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

/* An NDP advert of 2001:db8::T, from itself, at MAC M: arguments T, T, M. */
#define ND_ADVERT "ipv6:src=2001:db8::%x,dst=2001:db8::2,hlim=255" \
	" icmp6:type=136,target=2001:db8::%x,lla=%s"

static void arp_spoof(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 5; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.1,tpa=" HOST);
	check(alerts(&x, PS_ALERT_ARP_SPOOF, NULL) == 0, "arp: a stable binding is quiet",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	IN(&x, "arp:op=2,sha=" M2 ",spa=198.18.0.1,tpa=" HOST);
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(n == 1 && e->detail == PS_ARPSPOOF_MAC_CHANGE && !memcmp(e->mac, m2, 6) &&
	      !memcmp(e->old_mac, m1, 6) && e->saddr[3] == 1,
	      "arp_spoof: 198.18.0.1 moving to another MAC alerts, with both MACs", "%d alerts", n);
	/*
	 * A binding the LRU dropped (as it does to a neighbour only ever
	 * answered from its direct-mapped hint) is still known from the hint.
	 */
	for (i = 0; i < 3; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.2,tpa=" HOST);
	{
		struct ps_src_key k = { .family = 4 };

		inet_pton(AF_INET, "198.18.0.2", k.addr);
		check(!bpf_map_delete_elem(bpf_map__fd(x.skel->maps.ps_binds), &k),
		      "arp: 198.18.0.2's binding is in ps_binds", "%s", strerror(errno));
	}
	IN(&x, "arp:op=2,sha=" M2 ",spa=198.18.0.2,tpa=" HOST);
	e = NULL;
	check(alerts(&x, PS_ALERT_ARP_SPOOF, &e) == n + 1 && e && !memcmp(e->old_mac, m1, 6) &&
	      !memcmp(e->mac, m2, 6) && e->saddr[3] == 2,
	      "arp_spoof: a move after the LRU dropped the binding alerts, with both MACs",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	IN(&x, ND_ADVERT, 9, 9, M1);
	IN(&x, ND_ADVERT, 9, 9, M1);
	IN(&x, ND_ADVERT, 9, 9, M2);
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_MAC_CHANGE && e->family == 6 && e->saddr[15] == 9,
	      "arp_spoof: an NDP advert moving 2001:db8::9 alerts", "last detail %u",
	      e ? e->detail : 0);
	/* Replies nobody asked for, to one target. */
	for (i = 0; i < 60; i++)
		IN(&x, "arp:op=2,sha=" M1 ",spa=198.18.0.%u,tpa=" HOST, 100 + i);
	e = NULL;
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_REPLY_FLOOD && e->count == PS_ARP_REPLIES_DEFAULT,
	      "arp_spoof: 60 unsolicited replies are a reply flood", "%d alerts, last detail %u",
	      n, e ? e->detail : 0);
	/* The NDP analog: adverts nobody solicited, each for its own target. */
	for (i = 0; i < 60; i++)
		IN(&x, ND_ADVERT, 100 + i, 100 + i, M1);
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_ADVERT_FLOOD && e->family == 6,
	      "arp_spoof: 60 unsolicited neighbour adverts are an advert flood", "last detail %u",
	      e ? e->detail : 0);
	ht_sensor_close(&x);
}

static void allow_tune(struct ps_detect_cfg *c)
{
	c->allow = 1;
}

/* The allow-list spares a known scanner, and only for what it names. */
static void allow_list(void)
{
	struct ps_lpm_key k = { .prefixlen = 8 + 32, .family = 4 };
	__u32 mask = 1U << PS_ALERT_PORT_SCAN;
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, allow_tune))
		return;
	k.addr[0] = 198, k.addr[1] = 18, k.addr[2] = 0, k.addr[3] = 66;
	bpf_map_update_elem(bpf_map__fd(x.skel->maps.ps_allow), &k, &mask, BPF_ANY);
	for (i = 0; i < 40; i++) {
		IN(&x, "ipv4:src=198.18.0.66,dst=" HOST " tcp:sport=51000,dport=%u," FIN ",seq=1", 100 + i);
		IN(&x, "ipv4:src=198.18.0.67,dst=" HOST " tcp:sport=51000,dport=%u," FIN ",seq=1", 100 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 1,
	      "--allow port_scan=198.18.0.66: only the other scanner alerts", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

static void sweep(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++)
		IN(&x, "ipv4:src=198.18.0.9,dst=198.18.2.%u icmp:type=8", i);
	n = alerts(&x, PS_ALERT_HOST_SWEEP, &e);
	check(n == 1 && e->detail == PS_SCAN_PING && e->count == PS_SWEEP_HOSTS_DEFAULT,
	      "host_sweep: pings to 40 addresses alert once, typed ping", "%d alerts", n);
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0, "a ping sweep is no port_scan",
	      "%d", alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

/* The thresholds count from a source's first probe, admission or not. */
static void exact_thresholds(void)
{
	const struct ps_event *e = NULL;
	struct ht_sensor x;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/*
	 * Ten scans of scattered port sets: each must alert at its 20th
	 * distinct port or a little later (hashed bits collide, which only
	 * undercounts), never before.
	 */
	unsigned int lo = 99, hi = 0;

	for (n = 0; n < 10; n++) {
		unsigned int at = 0;

		for (i = 0; i < 40 && !at; i++) {
			int before = alerts(&x, PS_ALERT_PORT_SCAN, NULL);

			IN(&x, "ipv4:src=198.18.1.%u,dst=" HOST " tcp:sport=51000,dport=%u," SYN
			   ",seq=1" OPT4, 70 + n, 1000 + (i * 7919 + n * 104729) % 30000);
			if (alerts(&x, PS_ALERT_PORT_SCAN, NULL) > before)
				at = i + 1;
		}
		lo = at && at < lo ? at : lo;
		hi = at > hi ? at : hi;
		if (!at)
			lo = 0;
	}
	check(lo >= PS_SCAN_PORTS_DEFAULT && hi <= PS_SCAN_PORTS_DEFAULT + 5,
	      "port_scan: ten scans alert at their 20th to 25th distinct port", "between %u and %u", lo, hi);
	/*
	 * Hosts are bits of a 128-bit set: two of 16 share one about half the
	 * time, so the alert comes at the 16th distinct bit, a host or two
	 * later.
	 */
	e = NULL;
	unsigned int sweep_at = 0;

	for (i = 0; i < 32 && !sweep_at; i++) {
		IN(&x, "ipv4:src=198.18.0.71,dst=198.18.3.%u tcp:sport=51000,dport=443," SYN
		   ",seq=1" OPT4, i);
		if (alerts(&x, PS_ALERT_HOST_SWEEP, &e))
			sweep_at = i + 1;
	}
	check(sweep_at >= PS_SWEEP_HOSTS_DEFAULT && sweep_at <= PS_SWEEP_HOSTS_DEFAULT + 4 && e &&
	      e->count == PS_SWEEP_HOSTS_DEFAULT && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 1,
	      "host_sweep: a sweep alerts once, at its 16th to 20th host, counting 16", "at host %u, count %llu",
	      sweep_at, e ? (unsigned long long)e->count : 0);
	ht_sensor_close(&x);
}

/* This host's own connections: a server's ACKs and FIN+ACKs to them are no scan. */
static void own_connections(void)
{
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++) {
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.80 tcp:sport=%u,dport=443," SYN ",seq=1" OPT20,
		    40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," SYNACK ",seq=1" OPT20,
		   40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," ACK ",seq=2" OPT12,
		   40000 + i);
		IN(&x, "ipv4:src=198.18.0.80,dst=" HOST " tcp:sport=443,dport=%u," FINACK ",seq=3" OPT12,
		   40000 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0 && alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "40 connections this host opened to one server: no port_scan, no backscatter", "%d, %d",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL), alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	ht_sensor_close(&x);
}

/* A client using 25 services, all of which accept: no scan. */
static void many_services(void)
{
	struct ht_sensor x;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 25; i++) {
		IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=%u,dport=%u," SYN ",seq=1" OPT20,
		   45000 + i, 8000 + i);
		OUT(&x, "ipv4:src=" HOST ",dst=198.18.0.5 tcp:sport=%u,dport=%u," SYNACK ",seq=1" OPT20,
		    8000 + i, 45000 + i);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0,
	      "25 ports that all accept are a client, not a port_scan", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	ht_sensor_close(&x);
}

static void short_holddown(struct ps_detect_cfg *c)
{
	c->holddown_ns = 50ULL * 1000 * 1000;	/* 50 ms: a scenario sees a period end */
}

/*
 * Aggregated alerts (PS_AGG_ALERTS): a flood from random bogon sources is
 * one alert per victim and hold-down period, and the period's ps_agg entry
 * holds every packet, the sources' sketch and four samples; the counts add
 * up with the counters and the held-down count.
 */
static void aggregated(void)
{
	const struct ps_event *e = NULL;
	struct ps_counters in;
	struct ps_agg a = {};
	struct ht_sensor x;
	unsigned int i, regs = 0, j;
	__u32 slot;
	int n, fd;

	if (setup(&x, short_holddown))
		return;
	/* lo's counter slot and the default bogon list, as the loader makes them. */
	if (ht_give_slot(x.skel->obj) || ht_fill_lists(x.skel->obj))
		check(false, "aggregated: setup", "no slot for lo or no lists");
	for (i = 0; i < 2000; i++)
		IN(&x, "ipv4:src=240.%u.%u.%u,dst=" HOST " tcp:sport=%u,dport=80," SYN,
		   i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff, 1024 + i);
	n = alerts(&x, PS_ALERT_BOGON_SOURCE, &e);
	check(n == 1 && e && e->agg && e->count == 1 && e->saddr[0] == 240,
	      "aggregated: 2000 SYNs from 2000 bogon sources to one victim, one bogon_source alert",
	      "%d alerts (agg %u)", n, e ? e->agg : 0);
	if (!e || !e->agg)
		goto out;
	fd = bpf_map__fd(x.skel->maps.ps_agg);
	slot = e->agg - 1;
	bpf_map_lookup_elem(fd, &slot, &a);
	for (j = 0; j < PS_AGG_REGISTERS; j++)
		regs += !!a.cur.hll[j];
	check(a.cur.alert_ts == e->ts_ns && a.cur.packets == 2000 &&
	      a.cur.n_samples == PS_AGG_SAMPLES && a.cur.samples[0][0] == htonl(0xf0000000) &&
	      regs == PS_AGG_REGISTERS,
	      "aggregated: the period holds 2000 packets, the first source among 4 samples, a full sketch",
	      "packets %llu, %u samples, %u registers set", (unsigned long long)a.cur.packets,
	      a.cur.n_samples, regs);
	{
		struct ps_alert_summary sum = {};

		ps_summary_sources(&a.cur, &sum);
		check(!sum.sources_exact && sum.sources >= 1500 && sum.sources <= 2000,
		      "aggregated: the loader's estimate of the sketch: about 2000 sources (-25%, at most the packets)",
		      "%llu", (unsigned long long)sum.sources);
	}
	ht_read_counters(bpf_map__fd(x.skel->maps.ps_stats), PS_DIR_INGRESS, &in);
	check(in.tcp_flags[PS_TCPF_SYN_NOACK] == a.cur.packets &&
	      global(&x, PS_G_ALERTS_SUPPRESSED) == a.cur.packets - 1,
	      "aggregated: the period's packets = the SYNs counted = the alert + the held down",
	      "syn_noack %llu, held down %llu, period %llu",
	      (unsigned long long)in.tcp_flags[PS_TCPF_SYN_NOACK],
	      (unsigned long long)global(&x, PS_G_ALERTS_SUPPRESSED),
	      (unsigned long long)a.cur.packets);
	/* Another victim: its own alert.  The first's period ends: the next one keeps it. */
	IN(&x, "ipv4:src=240.9.9.9,dst=198.18.0.3 tcp:sport=1,dport=80," SYN);
	usleep(100 * 1000);
	IN(&x, "ipv4:src=0.1.2.3,dst=" HOST " tcp:sport=2,dport=80," SYN);
	n = alerts(&x, PS_ALERT_BOGON_SOURCE, &e);
	bpf_map_lookup_elem(fd, &slot, &a);
	check(n == 3 && e && e->agg == slot + 1 && e->suppressed == 1999 &&
	      a.prev.packets == 2000 && a.prev.alert_ts == x.al.ev[0].ts_ns && a.cur.packets == 1,
	      "aggregated: a second victim alerts apart; after the hold-down the next period opens and keeps the last",
	      "%d alerts, suppressed %u, prev %llu packets", n, e ? e->suppressed : 0,
	      (unsigned long long)a.prev.packets);
out:
	ht_sensor_close(&x);
}

/* --evidence: captures of 5 frames of 64 bytes, 2 new ones a second. */
static void evidence_tune(struct ps_detect_cfg *c)
{
	c->evidence = 1;
	c->evidence_packets = 5;
	c->evidence_snap = 64;
	c->evidence_rate = 2;
}

struct recs {
	struct ps_caprec r[16];
	int n;
};

static int on_rec(void *c, void *data, size_t size)
{
	struct recs *x = c;

	if (size >= sizeof(struct ps_caprec) && x->n < 16)
		memcpy(&x->r[x->n++], data, sizeof(struct ps_caprec));
	return 0;
}

/* What ring @map holds, read out. */
static struct recs drain(struct bpf_map *map)
{
	struct recs got = {};
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(map), on_rec, &got, NULL);

	if (rb)
		ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return got;
}

/* A scan of 40 ports from @src: port_scan about its 20th SYN (ports are hashed to bits). */
static void scan_from(struct ht_sensor *x, const char *src)
{
	int p;

	for (p = 1; p <= 40; p++)
		IN(x, "ipv4:src=%s,dst=" HOST " tcp:sport=4000,dport=%d," SYN ",seq=%d" OPT4, src, p, p);
}

/*
 * Evidence (bpf/ps_capture.h): an alert opens a capture of its key whose
 * first frame is the alert's own, that takes its count of frames cut to
 * the snap length and nothing of another key; the second's budget of new
 * captures holds; a capture 'portsense capture' opened goes to its own
 * ring, and an alert of its key opens none beside it.
 */
static void evidence(void)
{
	const struct ps_event *e = NULL;
	struct ps_capkey k = { .family = 4 };
	struct ps_cap od = { .left = 3, .alert = PS_ALERT_MAX, .ondemand = 1, .armed = 1 };
	struct recs got;
	struct ht_sensor x;
	__u32 bit;
	int n, i, bad = 0;

	if (setup(&x, evidence_tune))
		return;
	ht_give_slot(x.skel->obj);
	scan_from(&x, "198.18.0.1");
	IN(&x, "ipv4:src=198.18.0.5,dst=" HOST " tcp:sport=4000,dport=80," SYN);
	n = alerts(&x, PS_ALERT_PORT_SCAN, &e);
	check(n == 1 && e && e->cap && x.skel->bss->ps_cap_live == 1 &&
	      ht_map_entries(x.skel->maps.ps_capkeys) == 1 && global(&x, PS_G_CAP_OPENED) == 1,
	      "evidence: port_scan opens a capture (one key, the live count, the counter)",
	      "%d alerts, cap %u, live %u", n, e ? e->cap : 0, x.skel->bss->ps_cap_live);
	got = drain(x.skel->maps.ps_caps);
	for (i = 0; i < got.n; i++)
		bad += got.r[i].cap != (e ? e->cap : 0) || got.r[i].caplen != 60 ||
		       got.r[i].wire_len != 60 || got.r[i].alert != PS_ALERT_PORT_SCAN ||
		       got.r[i].key.family != 4 || got.r[i].key.addr[0] != inet_addr("198.18.0.1") ||
		       got.r[i].data[12] != 0x08 || got.r[i].data[26 + 3] != 1;
	check(got.n == 5 && !bad && e && got.r[0].data[36] == (e->dport >> 8) &&
	      got.r[0].data[37] == (e->dport & 0xff) && got.r[0].ts_ns >= e->ts_ns,
	      "evidence: 5 frames, the first the alert's (its port), all from the scanner, none of another source",
	      "%d records, %d not the scanner's or cut wrong", got.n, bad);

	/* Two new captures a second: the scanners .6 and .7, the second refused. */
	scan_from(&x, "198.18.0.6");
	scan_from(&x, "198.18.0.7");
	n = alerts(&x, PS_ALERT_PORT_SCAN, &e);
	check(n == 3 && e && !e->cap && global(&x, PS_G_CAP_RATELIMITED) == 1 &&
	      global(&x, PS_G_CAP_OPENED) == 2,
	      "evidence: --evidence-rate 2: the third capture in a second is refused and counted",
	      "%d alerts, last cap %u, ratelimited %llu", n, e ? e->cap : 0,
	      (unsigned long long)global(&x, PS_G_CAP_RATELIMITED));
	drain(x.skel->maps.ps_caps);

	/* On demand, as the loader opens it: the key, its filter bit, the live count. */
	k.addr[0] = inet_addr("198.18.0.8");
	od.id = 1000;
	od.key = k;
	bit = ps_cap_bit(ps_addr_hash(PS_L3_IPV4, k.addr));
	x.skel->bss->ps_cap_mask[ps_bit_word(bit)] |= ps_bit_mask(bit);
	x.skel->bss->ps_cap_live++;
	bpf_map_update_elem(bpf_map__fd(x.skel->maps.ps_capkeys), &k, &od, BPF_NOEXIST);
	sleep(1);	/* a new second of the budget */
	scan_from(&x, "198.18.0.8");
	n = alerts(&x, PS_ALERT_PORT_SCAN, &e);
	got = drain(x.skel->maps.ps_capod);
	check(got.n == 3 && got.r[0].cap == 1000 && got.r[2].data[26 + 3] == 8 &&
	      drain(x.skel->maps.ps_caps).n == 0 && n == 4 && e && !e->cap,
	      "evidence: an on-demand capture takes its 3 frames through ps_capod; its key's alert opens none",
	      "%d on-demand records, %d alerts, last cap %u", got.n, n, e ? e->cap : 0);
	ht_sensor_close(&x);
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
