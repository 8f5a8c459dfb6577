// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_invariants - what the fuzz harness holds the sensor to whatever the
 * frame (fuzz_invariants.h), independent of the parser and counting code
 * the model shares with the BPF programs, so that a bug in that shared
 * code is seen too:
 *
 *  - the relations docs/counters.md promises: frames = runs fed, bytes =
 *    the lengths fed, one L3 class per frame, the port classes by
 *    destination and by source each sum to the TCP (UDP) packets and
 *    bytes, at most one L4 header per frame, flag counters within the TCP
 *    packets, frames_over_1514 = frames fed longer than 1514;
 *  - every ring-buffer event well formed: its size, a known alert id,
 *    direction, family, the test interface, the configured hold-down and
 *    windows, a count, a detail within its enum;
 *  - the detectors' state within its bounds: per-source scan entries never
 *    more than were admitted, admissions within PS_SCAN_ADMIT_RATE a
 *    second, each alert within --alert-rate a second.
 *
 * Pure checks: each says why in an sbuf and reads no BPF state.
 */
#include <stdbool.h>
#include <stddef.h>

#include "portsense.h"
#include "harness.h"
#include "fuzz_invariants.h"

#define CHK(cond, ...) do { if (!(cond)) sb_add(why, __VA_ARGS__); } while (0)

static void l4_relations(const char *name, const struct ps_l4_counters *l,
			 struct sbuf *why)
{
	__u64 dp = 0, db = 0, sp = 0, sbytes = 0;
	int k, ndst = 0, nsrc = 0;

	for (k = 0; k < PS_PCLASS_MAX; k++) {
		dp += l->by_dst_class[k].packets;
		db += l->by_dst_class[k].bytes;
		sp += l->by_src_class[k].packets;
		sbytes += l->by_src_class[k].bytes;
		ndst += !!l->by_dst_class[k].packets;
		nsrc += !!l->by_src_class[k].packets;
	}
	CHK(dp == l->packets, "%s.by_dst_class packets sum to %llu, %s.packets %llu; ",
	    name, (unsigned long long)dp, name, (unsigned long long)l->packets);
	CHK(sp == l->packets, "%s.by_src_class packets sum to %llu, %s.packets %llu; ",
	    name, (unsigned long long)sp, name, (unsigned long long)l->packets);
	CHK(db == l->bytes, "%s.by_dst_class bytes sum to %llu, %s.bytes %llu; ",
	    name, (unsigned long long)db, name, (unsigned long long)l->bytes);
	CHK(sbytes == l->bytes, "%s.by_src_class bytes sum to %llu, %s.bytes %llu; ",
	    name, (unsigned long long)sbytes, name, (unsigned long long)l->bytes);
	CHK(l->ipv4_packets + l->ipv6_packets == l->packets,
	    "%s ipv4_packets + ipv6_packets != packets; ", name);
	/* One frame: one class each way, never two. */
	CHK(l->packets > 1 || (ndst <= 1 && nsrc <= 1),
	    "one %s packet counted in %d destination and %d source classes; ", name, ndst, nsrc);
}

/* They hold for one frame and so for sums: checking a batch checks each frame's. */
void fuzz_invariants_counters(const struct ps_counters *d, const struct fuzz_fed *f,
			      struct sbuf *why)
{
	const __u64 *x = d->extras, *tf = d->tcp_flags;
	__u64 l3 = d->l3[PS_L3_IPV4] + d->l3[PS_L3_IPV6] + d->l3[PS_L3_ARP] + d->l3[PS_L3_OTHER];
	__u64 ip = d->l3[PS_L3_IPV4] + d->l3[PS_L3_IPV6];
	__u64 syn = tf[PS_TCPF_SYN_NOACK] + tf[PS_TCPF_SYNACK];

	CHK(d->frames == f->runs, "frames moved by %llu, %llu runs fed; ",
	    (unsigned long long)d->frames, (unsigned long long)f->runs);
	CHK(d->bytes == f->bytes, "bytes moved by %llu, %llu bytes fed; ",
	    (unsigned long long)d->bytes, (unsigned long long)f->bytes);
	CHK(l3 == d->frames, "l3 classes sum to %llu, frames %llu; ",
	    (unsigned long long)l3, (unsigned long long)d->frames);
	l4_relations("tcp", &d->tcp, why);
	l4_relations("udp", &d->udp, why);
	CHK(d->tcp.packets + d->tcp.header_incomplete + d->udp.packets +
	    d->udp.header_incomplete + d->icmp.packets + d->icmpv6.packets <= ip,
	    "more L4 headers than IP frames; ");
	CHK(d->icmp.echo[0] + d->icmp.echo[1] <= d->icmp.packets, "icmp echo > icmp packets; ");
	CHK(d->icmpv6.echo[0] + d->icmpv6.echo[1] <= d->icmpv6.packets,
	    "icmpv6 echo > icmpv6 packets; ");
	CHK(d->arp[0] + d->arp[1] <= d->l3[PS_L3_ARP], "arp ops > arp frames; ");
	CHK(d->ipv4_fragments <= d->l3[PS_L3_IPV4], "ipv4_fragments > ipv4 frames; ");
	CHK(d->ipv6_fragments <= d->l3[PS_L3_IPV6], "ipv6_fragments > ipv6 frames; ");
	CHK(syn + tf[PS_TCPF_NULL] <= d->tcp.packets, "syn + null flag counts > tcp packets; ");
	CHK(tf[PS_TCPF_RST] <= d->tcp.packets && tf[PS_TCPF_FIN] <= d->tcp.packets,
	    "rst or fin > tcp packets; ");
	CHK(tf[PS_TCPF_NULL_ALL_BITS_ZERO] <= tf[PS_TCPF_NULL], "null_all_bits_zero > null; ");
	CHK(tf[PS_TCPF_XMAS_EXACT] <= tf[PS_TCPF_XMAS] && tf[PS_TCPF_XMAS] <= tf[PS_TCPF_FIN],
	    "xmas_exact <= xmas <= fin broken; ");
	CHK(tf[PS_TCPF_SYN_FIN] <= tf[PS_TCPF_FIN] && tf[PS_TCPF_SYN_FIN] <= syn,
	    "syn_fin > fin or syn; ");
	CHK(x[PS_X_VLAN_TAGGED] <= d->frames, "vlan_tagged_frames > frames; ");
	CHK(x[PS_X_OVER_2_VLAN_TAGS] <= x[PS_X_VLAN_TAGGED] &&
	    x[PS_X_OVER_2_VLAN_TAGS] <= d->l3[PS_L3_OTHER],
	    "frames_over_2_vlan_tags not within vlan-tagged 'other' frames; ");
	CHK(x[PS_X_OVER_1514] == f->over_1514, "frames_over_1514 moved by %llu, %llu such frames fed; ",
	    (unsigned long long)x[PS_X_OVER_1514], (unsigned long long)f->over_1514);
	CHK(x[PS_X_LAND] <= x[PS_X_IPV4_SRC_EQ_DST] && x[PS_X_IPV4_SRC_EQ_DST] <= d->l3[PS_L3_IPV4],
	    "land <= ipv4_src_eq_dst <= ipv4 broken; ");
	CHK(x[PS_X_L3_INCOMPLETE] + x[PS_X_L3_MALFORMED] <= ip + d->l3[PS_L3_ARP],
	    "l3_header_incomplete + l3_malformed > ip and arp frames; ");
}

/* Highest detail of the alerts that carry an enum in it (0: any). */
static unsigned int detail_max(__u32 alert)
{
	switch (alert) {
	case PS_ALERT_INVALID_TCP_FLAGS: return PS_TCPINV_SYN_RST;
	case PS_ALERT_BACKDOOR_PORT: return PS_BACKDOOR_LISTENING;
	case PS_ALERT_SMURF: return PS_SMURF_AMPLIFIER;
	case PS_ALERT_SYN_FLOOD: return PS_SYNFLOOD_MANY_PORTS;
	case PS_ALERT_BACKSCATTER: return PS_BACKSCATTER_RST;
	case PS_ALERT_PORT_SCAN:
	case PS_ALERT_HOST_SWEEP: return PS_SCAN_KIND_MAX - 1;
	case PS_ALERT_ARP_SPOOF: return PS_ARPSPOOF_ND_ADVERT_FLOOD;
	default: return 0;
	}
}

bool fuzz_invariants_event(const void *data, size_t size, const struct ps_detect_cfg *cfg,
			   struct sbuf *why)
{
	const struct ps_event *e = data;
	unsigned int dmax;

	if (size != sizeof(*e)) {
		sb_add(why, "size %zu, want %zu; ", size, sizeof(*e));
		return false;
	}
	if (e->alert >= PS_ALERT_MAX) {
		sb_add(why, "alert id %u; ", e->alert);
		return false;
	}
	dmax = detail_max(e->alert);
	if (e->dir >= PS_DIR_MAX)
		sb_add(why, "dir %u; ", e->dir);
	if (e->family != 4 && e->family != 6)
		sb_add(why, "family %u; ", e->family);
	if (e->ifindex != HT_IFINDEX)
		sb_add(why, "ifindex %u; ", e->ifindex);
	/* No --evidence here: no alert opens a capture. */
	if (e->cap)
		sb_add(why, "capture %u without --evidence; ", e->cap);
	if (e->holddown_ns != cfg->holddown_ns)
		sb_add(why, "holddown_ns %llu; ", (unsigned long long)e->holddown_ns);
	if (e->window_ns && e->window_ns != cfg->window_ns && e->window_ns != cfg->scan_window_ns)
		sb_add(why, "window_ns %llu; ", (unsigned long long)e->window_ns);
	if (!e->count)
		sb_add(why, "count 0; ");
	if (dmax && (e->detail < 1 || e->detail > dmax))
		sb_add(why, "detail %u outside 1..%u; ", e->detail, dmax);
	return true;
}

void fuzz_invariants_detectors(const __u64 *g, long scans, double secs,
			       const __u64 *events_by_id, const struct ps_detect_cfg *cfg,
			       struct sbuf *why)
{
	size_t i;

	if (g) {
		if (scans > (long)g[PS_G_SCAN_ADMITTED])
			sb_add(why, "ps_scans holds %ld entries, only %llu admitted; ", scans,
			       (unsigned long long)g[PS_G_SCAN_ADMITTED]);
		/* One budget per second (coarse clock), one thread feeding. */
		if (g[PS_G_SCAN_ADMITTED] > PS_SCAN_ADMIT_RATE * ((__u64)secs + 2))
			sb_add(why, "%llu sources admitted in %.0f s, budget %d/s; ",
			       (unsigned long long)g[PS_G_SCAN_ADMITTED], secs, PS_SCAN_ADMIT_RATE);
	}
	for (i = 0; i < PS_ALERT_MAX; i++)
		if (events_by_id[i] > cfg->alert_rate * ((__u64)secs + 2))
			sb_add(why, "%llu events of alert %zu in %.0f s, --alert-rate %u; ",
			       (unsigned long long)events_by_id[i], i, secs, cfg->alert_rate);
}
