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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "portsense.h"
#include "portsense.skel.h"

static int failures;
/*
 * NULL: the kernel's own config, as the loader loads.  Else libbpf's
 * kconfig override, and a tag on every check: "CONFIG_HZ=300" has no whole
 * number of ns per tick, so the detectors' clock is the coarse-clock
 * helper (bpf/ps_clock.h), the path a machine without a readable kernel
 * config takes.
 */
static const char *kconfig;

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct frame {
	__u8 b[1100];
	__u32 len;
};

static const __u8 mac_host[6] = { 0x02, 0, 0, 0, 0, 2 };
static const __u8 mac_peer[6] = { 0x02, 0, 0, 0, 0, 1 };

static void put16(__u8 *p, __u16 v) { p[0] = v >> 8; p[1] = v; }
static void put32(__u8 *p, __u32 v) { put16(p, v >> 16); put16(p + 2, v); }

static void eth(struct frame *f, __u16 type)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, mac_host, 6);
	memcpy(f->b + 6, mac_peer, 6);
	put16(f->b + 12, type);
	f->len = 14;
}

/* IPv4 from @src to @dst (host order) with an L4 header of @l4len bytes. */
static __u8 *ipv4(struct frame *f, __u32 src, __u32 dst, __u8 proto, __u32 l4len)
{
	__u8 *ip;

	eth(f, 0x0800);
	ip = f->b + 14;
	ip[0] = 0x45;
	put16(ip + 2, 20 + l4len);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	f->len = 14 + 20 + l4len;
	if (f->len < 60)
		f->len = 60;
	return ip + 20;
}

static void tcp(struct frame *f, __u32 src, __u16 sport, __u32 dst, __u16 dport,
		__u8 flags, __u32 seq, __u8 doff)
{
	__u8 *t = ipv4(f, src, dst, 6, doff * 4);

	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	t[12] = doff << 4;
	t[13] = flags;
	put16(t + 14, 1024);
}

static void udp(struct frame *f, __u32 src, __u16 sport, __u32 dst, __u16 dport,
		__u32 payload)
{
	__u8 *u = ipv4(f, src, dst, 17, 8 + payload);

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, 8 + payload);
}

static void arp(struct frame *f, __u16 op, const __u8 *sha, __u32 spa, __u32 tpa)
{
	__u8 *a;

	eth(f, 0x0806);
	a = f->b + 14;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	put32(a + 24, tpa);
	f->len = 60;
}

/* An NDP neighbour advertisement: @target is at @mac. */
static void nd_advert(struct frame *f, __u8 target_last, const __u8 *mac)
{
	__u8 *ip, *nd;

	eth(f, 0x86dd);
	ip = f->b + 14;
	ip[0] = 0x60;
	put16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	put32(ip + 8, 0x20010db8);		/* source 2001:db8::TARGET */
	ip[23] = target_last;
	put32(ip + 24, 0x20010db8);		/* destination 2001:db8::2 */
	ip[39] = 2;
	nd = ip + 40;
	nd[0] = 136;
	nd[4] = 0x60;				/* solicited, override */
	put32(nd + 8, 0x20010db8);
	nd[23] = target_last;
	nd[24] = 2;				/* target link-layer address */
	nd[25] = 1;
	memcpy(nd + 26, mac, 6);
	f->len = 14 + 40 + 32;
}

#define IP(a, b, c, d) (((__u32)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define HOST IP(198, 18, 0, 2)

struct ctx {
	struct portsense_bpf *skel;
	struct ring_buffer *rb;
	struct ps_event ev[64];
	int n_ev;
	int in_fd, out_fd;
};

static int on_event(void *c, void *data, size_t size)
{
	struct ctx *x = c;

	if (size >= sizeof(struct ps_event) && x->n_ev < 64)
		memcpy(&x->ev[x->n_ev++], data, sizeof(struct ps_event));
	return 0;
}

static void check(bool cond, const char *name, const char *fmt, ...);

/* A fresh sensor; @tune adjusts its thresholds before load.  0, or -1 after a failed check. */
static int setup(struct ctx *x, void (*tune)(struct ps_detect_cfg *))
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .kconfig = kconfig);

	memset(x, 0, sizeof(*x));
	x->skel = portsense_bpf__open_opts(&oo);
	if (!x->skel)
		goto fail;
	/* Windows long enough that a slow run never splits a scenario. */
	x->skel->data->ps_cfg.window_ns = 5ULL * 1000 * 1000 * 1000;
	x->skel->data->ps_cfg.alert_rate = 100000;
	if (tune)
		tune(&x->skel->data->ps_cfg);
	if (portsense_bpf__load(x->skel))
		goto fail;
	x->rb = ring_buffer__new(bpf_map__fd(x->skel->maps.ps_events), on_event, x, NULL);
	if (!x->rb)
		goto fail;
	/* What the loader puts there from data/amplifier-ports.txt, in part. */
	{
		__u32 w = 53 >> 6;
		__u64 bits = 1ULL << (53 & 63);

		bpf_map_update_elem(bpf_map__fd(x->skel->maps.ps_ampports), &w, &bits, BPF_ANY);
	}
	x->in_fd = bpf_program__fd(x->skel->progs.ps_xdp);
	x->out_fd = bpf_program__fd(x->skel->progs.ps_tc_out);
	if (kconfig && (!x->skel->kconfig || PS_NS_PER_TICK(x->skel->kconfig->CONFIG_HZ))) {
		check(false, "setup", "the kconfig override did not take: CONFIG_HZ %u",
		      x->skel->kconfig ? x->skel->kconfig->CONFIG_HZ : 0);
		goto fail;
	}
	return 0;
fail:
	check(false, "setup", "%s", strerror(errno));
	portsense_bpf__destroy(x->skel);
	x->skel = NULL;
	return -1;
}

static void teardown(struct ctx *x)
{
	ring_buffer__free(x->rb);
	portsense_bpf__destroy(x->skel);
}

static void run(int fd, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o)) {
		printf("# test run failed: %s\n", strerror(errno));
		failures++;
	}
}

#define IN(x, f) run((x)->in_fd, f)
#define OUT(x, f) run((x)->out_fd, f)

/* Alerts of id @a collected so far (and the last one in *last). */
static int alerts(struct ctx *x, enum ps_alert a, const struct ps_event **last)
{
	int i, n = 0;

	ring_buffer__consume(x->rb);
	for (i = 0; i < x->n_ev; i++) {
		if (x->ev[i].alert == a) {
			n++;
			if (last)
				*last = &x->ev[i];
		}
	}
	return n;
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

static __u64 global(struct ctx *x, enum ps_global g)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u64 v[512], sum = 0;
	__u32 k = g;

	if (ncpu > 512 || bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.ps_global), &k, v))
		return ~0ULL;
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static int map_entries(int fd, size_t key_size)
{
	__u8 key[64], next[64];
	int n = 0;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

/* A spoofed source inside 198.18.0.0/15 for packet @i. */
static __u32 spoofed(unsigned int i)
{
	return IP(198, 18 + (i >> 16 & 1), i >> 8 & 0xff, i & 0xff);
}

static void flood_and_scan(void)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* 3000 SYNs to port 80, each from a new source; a scanner among them. */
	for (i = 0; i < 3000; i++) {
		tcp(&f, spoofed(0x10000 + i * 7), 40000 + i % 20000, HOST, 80, TH_SYN, i, 5);
		IN(&x, &f);
		if (i % 50 == 0) {
			tcp(&f, IP(198, 18, 0, 66), 51000, HOST, 1 + i / 50, TH_SYN, i, 6);
			IN(&x, &f);
		}
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
	      map_entries(bpf_map__fd(x.skel->maps.ps_scans), bpf_map__key_size(x.skel->maps.ps_scans)) <= 2,
	      "sketch: the flood's 3000 sources bought no per-source state",
	      "%llu admitted", (unsigned long long)global(&x, PS_G_SCAN_ADMITTED));
	check(alerts(&x, PS_ALERT_HALF_OPEN, NULL) == 0 && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 0,
	      "syn flood: no half_open (no SYN-ACK seen) and no host_sweep", "%d/%d",
	      alerts(&x, PS_ALERT_HALF_OPEN, NULL), alerts(&x, PS_ALERT_HOST_SWEEP, NULL));
	teardown(&x);
}

/* Complete handshakes: many SYNs that all finish are load, not a flood. */
static void handshakes(bool complete)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 1500; i++) {
		__u32 client = spoofed(0x100 + i);
		__u16 cport = 30000 + i;

		tcp(&f, client, cport, HOST, 443, TH_SYN, i, 10);
		IN(&x, &f);
		tcp(&f, HOST, 443, client, cport, TH_SYN | TH_ACK, 7, 10);
		OUT(&x, &f);
		if (complete) {
			tcp(&f, client, cport, HOST, 443, TH_ACK, i + 1, 8);
			IN(&x, &f);
		}
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
	teardown(&x);
}

static void backscatter(void)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	/* This host's own connections: SYN out, SYN-ACK or RST+ACK (seq 0) back. */
	for (i = 0; i < 300; i++) {
		tcp(&f, HOST, 40000 + i, IP(198, 18, 1, 1), 80, TH_SYN, 5, 10);
		OUT(&x, &f);
		tcp(&f, IP(198, 18, 1, 1), 80, HOST, 40000 + i,
		    i & 1 ? TH_SYN | TH_ACK : TH_RST | TH_ACK, i & 1 ? 99 : 0, 5);
		IN(&x, &f);
	}
	check(alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "answers to this host's own SYNs are no backscatter", "%d alerts",
	      alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	/* Answers to SYNs someone else sent with this host's address. */
	for (i = 0; i < 150; i++) {
		tcp(&f, spoofed(0x200 + i), 80, HOST, 20000 + i, TH_SYN | TH_ACK, 1000 + i, 5);
		IN(&x, &f);
	}
	n = alerts(&x, PS_ALERT_BACKSCATTER, &e);
	check(n == 1 && e->detail == PS_BACKSCATTER_SYNACK && e->count == PS_BACKSCATTER_DEFAULT,
	      "backscatter: 150 unsolicited SYN-ACKs alert once", "%d alerts", n);
	teardown(&x);
}

static void amplification(bool requested)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	if (requested) {
		for (i = 0; i < 100; i++) {
			udp(&f, HOST, 20000 + i, IP(198, 18, 0, 53), 53, 30);
			OUT(&x, &f);
		}
	}
	/* 900 DNS answers from 9 resolvers, 1000 bytes each (IP length). */
	for (i = 0; i < 900; i++) {
		/* Below 32768, where a udp scan would be counted. */
		udp(&f, IP(198, 18, 0, 53 + i % 9), 53, HOST, 20000 + i, 992);
		IN(&x, &f);
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
	teardown(&x);
}

static void arp_spoof(void)
{
	static const __u8 m1[6] = { 2, 0, 0, 0, 0, 0x11 }, m2[6] = { 2, 0, 0, 0, 0, 0x22 };
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 5; i++) {
		arp(&f, 2, m1, IP(198, 18, 0, 1), HOST);
		IN(&x, &f);
	}
	check(alerts(&x, PS_ALERT_ARP_SPOOF, NULL) == 0, "arp: a stable binding is quiet",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	arp(&f, 2, m2, IP(198, 18, 0, 1), HOST);
	IN(&x, &f);
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(n == 1 && e->detail == PS_ARPSPOOF_MAC_CHANGE && !memcmp(e->mac, m2, 6) &&
	      !memcmp(e->old_mac, m1, 6) && e->saddr[3] == 1,
	      "arp_spoof: 198.18.0.1 moving to another MAC alerts, with both MACs", "%d alerts", n);
	/*
	 * A binding the LRU dropped (as it does to a neighbour only ever
	 * answered from its direct-mapped hint) is still known from the hint.
	 */
	for (i = 0; i < 3; i++) {
		arp(&f, 2, m1, IP(198, 18, 0, 2), HOST);
		IN(&x, &f);
	}
	{
		struct ps_src_key k = { .family = 4, .addr = { htonl(IP(198, 18, 0, 2)) } };

		check(!bpf_map_delete_elem(bpf_map__fd(x.skel->maps.ps_binds), &k),
		      "arp: 198.18.0.2's binding is in ps_binds", "%s", strerror(errno));
	}
	arp(&f, 2, m2, IP(198, 18, 0, 2), HOST);
	IN(&x, &f);
	e = NULL;
	check(alerts(&x, PS_ALERT_ARP_SPOOF, &e) == n + 1 && e && !memcmp(e->old_mac, m1, 6) &&
	      !memcmp(e->mac, m2, 6) && e->saddr[3] == 2,
	      "arp_spoof: a move after the LRU dropped the binding alerts, with both MACs",
	      "%d alerts", alerts(&x, PS_ALERT_ARP_SPOOF, NULL));
	nd_advert(&f, 9, m1);
	IN(&x, &f);
	nd_advert(&f, 9, m1);
	IN(&x, &f);
	nd_advert(&f, 9, m2);
	IN(&x, &f);
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_MAC_CHANGE && e->family == 6 && e->saddr[15] == 9,
	      "arp_spoof: an NDP advert moving 2001:db8::9 alerts", "last detail %u",
	      e ? e->detail : 0);
	/* Replies nobody asked for, to one target. */
	for (i = 0; i < 60; i++) {
		arp(&f, 2, m1, IP(198, 18, 0, 100 + i), HOST);
		IN(&x, &f);
	}
	e = NULL;
	n = alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_REPLY_FLOOD && e->count == PS_ARP_REPLIES_DEFAULT,
	      "arp_spoof: 60 unsolicited replies are a reply flood", "%d alerts, last detail %u",
	      n, e ? e->detail : 0);
	/* The NDP analog: adverts nobody solicited, each for its own target. */
	for (i = 0; i < 60; i++) {
		nd_advert(&f, 100 + i, m1);
		IN(&x, &f);
	}
	e = NULL;
	alerts(&x, PS_ALERT_ARP_SPOOF, &e);
	check(e && e->detail == PS_ARPSPOOF_ND_ADVERT_FLOOD && e->family == 6,
	      "arp_spoof: 60 unsolicited neighbour adverts are an advert flood", "last detail %u",
	      e ? e->detail : 0);
	teardown(&x);
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
	struct ctx x;
	struct frame f;
	unsigned int i;

	if (setup(&x, allow_tune))
		return;
	k.addr[0] = 198, k.addr[1] = 18, k.addr[2] = 0, k.addr[3] = 66;
	bpf_map_update_elem(bpf_map__fd(x.skel->maps.ps_allow), &k, &mask, BPF_ANY);
	for (i = 0; i < 40; i++) {
		tcp(&f, IP(198, 18, 0, 66), 51000, HOST, 100 + i, TH_FIN, 1, 5);
		IN(&x, &f);
		tcp(&f, IP(198, 18, 0, 67), 51000, HOST, 100 + i, TH_FIN, 1, 5);
		IN(&x, &f);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 1,
	      "--allow port_scan=198.18.0.66: only the other scanner alerts", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	teardown(&x);
}

static void sweep(void)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
	unsigned int i;
	int n;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++) {
		__u8 *icmp = ipv4(&f, IP(198, 18, 0, 9), IP(198, 18, 2, i), 1, 8);

		icmp[0] = 8;
		IN(&x, &f);
	}
	n = alerts(&x, PS_ALERT_HOST_SWEEP, &e);
	check(n == 1 && e->detail == PS_SCAN_PING && e->count == PS_SWEEP_HOSTS_DEFAULT,
	      "host_sweep: pings to 40 addresses alert once, typed ping", "%d alerts", n);
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0, "a ping sweep is no port_scan",
	      "%d", alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	teardown(&x);
}

/* The thresholds count from a source's first probe, admission or not. */
static void exact_thresholds(void)
{
	const struct ps_event *e = NULL;
	struct ctx x;
	struct frame f;
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

			tcp(&f, IP(198, 18, 1, 70 + n), 51000, HOST, 1000 + (i * 7919 + n * 104729) % 30000,
			    TH_SYN, 1, 6);
			IN(&x, &f);
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
		tcp(&f, IP(198, 18, 0, 71), 51000, IP(198, 18, 3, i), 443, TH_SYN, 1, 6);
		IN(&x, &f);
		if (alerts(&x, PS_ALERT_HOST_SWEEP, &e))
			sweep_at = i + 1;
	}
	check(sweep_at >= PS_SWEEP_HOSTS_DEFAULT && sweep_at <= PS_SWEEP_HOSTS_DEFAULT + 4 && e &&
	      e->count == PS_SWEEP_HOSTS_DEFAULT && alerts(&x, PS_ALERT_HOST_SWEEP, NULL) == 1,
	      "host_sweep: a sweep alerts once, at its 16th to 20th host, counting 16", "at host %u, count %llu",
	      sweep_at, e ? (unsigned long long)e->count : 0);
	teardown(&x);
}

/* This host's own connections: a server's ACKs and FIN+ACKs to them are no scan. */
static void own_connections(void)
{
	struct ctx x;
	struct frame f;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 40; i++) {
		tcp(&f, HOST, 40000 + i, IP(198, 18, 0, 80), 443, TH_SYN, 1, 10);
		OUT(&x, &f);
		tcp(&f, IP(198, 18, 0, 80), 443, HOST, 40000 + i, TH_SYN | TH_ACK, 1, 10);
		IN(&x, &f);
		tcp(&f, IP(198, 18, 0, 80), 443, HOST, 40000 + i, TH_ACK, 2, 8);
		IN(&x, &f);
		tcp(&f, IP(198, 18, 0, 80), 443, HOST, 40000 + i, TH_FIN | TH_ACK, 3, 8);
		IN(&x, &f);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0 && alerts(&x, PS_ALERT_BACKSCATTER, NULL) == 0,
	      "40 connections this host opened to one server: no port_scan, no backscatter", "%d, %d",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL), alerts(&x, PS_ALERT_BACKSCATTER, NULL));
	teardown(&x);
}

/* A client using 25 services, all of which accept: no scan. */
static void many_services(void)
{
	struct ctx x;
	struct frame f;
	unsigned int i;

	if (setup(&x, NULL))
		return;
	for (i = 0; i < 25; i++) {
		tcp(&f, IP(198, 18, 0, 5), 45000 + i, HOST, 8000 + i, TH_SYN, 1, 10);
		IN(&x, &f);
		tcp(&f, HOST, 8000 + i, IP(198, 18, 0, 5), 45000 + i, TH_SYN | TH_ACK, 1, 10);
		OUT(&x, &f);
	}
	check(alerts(&x, PS_ALERT_PORT_SCAN, NULL) == 0,
	      "25 ports that all accept are a client, not a port_scan", "%d alerts",
	      alerts(&x, PS_ALERT_PORT_SCAN, NULL));
	teardown(&x);
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(quiet);
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
	/* The fallback clock: the scenarios whose windows and hold-downs it times. */
	kconfig = "CONFIG_HZ=300\n";
	flood_and_scan();
	handshakes(false);
	backscatter();
	arp_spoof();
	return failures ? 1 : 0;
}
