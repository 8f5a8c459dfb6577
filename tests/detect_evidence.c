// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * detect_evidence.c - test_detect's scenarios of what an alert leaves
 * beside its event: the aggregated period a flood's alerts share (ps_agg,
 * its counts adding up with the counters) and the evidence capture an
 * alert or 'portsense capture' opens.
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ps_bitset.h"
#include "ps_hash.h"
#include "summary.h"
#include "detect.h"

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
void aggregated(void)
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
void evidence(void)
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
