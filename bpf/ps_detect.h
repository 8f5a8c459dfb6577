/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_detect.h - the detectors: each looks at one parsed frame and the
 * state it keeps, and raises an alert (ps_alert.h) when its rule holds.
 * docs/detection.md states each rule, its key and why.
 *
 * Which detectors run follows one rule.  Each detector tests the enabled
 * bits of its own alerts (ps_alert_enabled()) itself, before any work for
 * them: first thing, or, in a detector that raises several alerts, where
 * each one's work begins.  ps_detect() tests none: it calls every detector
 * a frame can concern, choosing only by what the frame is (a claim,
 * addresses, its direction).  The bits are rodata, resolved by the
 * verifier at load, so a disabled detector's code is dropped there; with
 * each test beside its work, what turning an alert off removes is in
 * sight.  Two exceptions: ps_detect_tcp() follows handshakes (ps_flows,
 * ps_synq, whose evictions the metrics count) whichever of syn_flood,
 * half_open and backscatter is on, even none; and ps_detect_udp() looks
 * the source port up among the amplifiers' once for udp_amplification and
 * the scan detector, when either is on.
 */
#ifndef PS_DETECT_H
#define PS_DETECT_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_arp.h"
#include "ps_bitset.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_ports.h"
#include "ps_rate.h"
#include "ps_scan.h"
#include "ps_tcpstate.h"

static __always_inline bool ps_addr_eq(const struct ps_pkt *p)
{
	return p->saddr[0] == p->daddr[0] && p->saddr[1] == p->daddr[1] &&
	       p->saddr[2] == p->daddr[2] && p->saddr[3] == p->daddr[3];
}

/*
 * land: a packet whose source is its destination (and, for TCP/UDP, the
 * same port) makes an old stack answer itself forever.  No legitimate
 * packet arrives on a wire this way.  Keyed by the victim.
 */
static __always_inline void ps_detect_land(const struct ps_pkt *p, bool ports,
					   __u32 ifindex, enum ps_dir dir)
{
	if (!ps_alert_enabled(PS_ALERT_LAND))
		return;
	if (!ps_addr_eq(p))
		return;
	/* @ports: TCP/UDP with a readable header, whose ports must match too. */
	if (ports && p->sport != p->dport)
		return;
	ps_alert(PS_ALERT_LAND, ps_mix_addr(PS_ALERT_LAND, p->daddr), p,
		 ifindex, dir, 0);
}

/*
 * For a TCP segment with its header (ps_detect_tcp_seg()), as
 * backdoor_port below.
 * invalid_tcp_flags: flag combinations no TCP stack sends (RFC 9293):
 * NULL, XMAS (FIN+PSH+URG), SYN+FIN, SYN+RST.  They are probes (nmap -sN,
 * -sX) or evasion attempts.  Any source can be forged: keyed by the
 * victim and the kind (PS_AGG_ALERTS: one alert, and the period's sources).
 */
static __always_inline void ps_detect_tcp_flags(const struct ps_pkt *p,
						__u32 ifindex, enum ps_dir dir)
{
	__u16 fl;
	__u8 kind;

	if (!ps_alert_enabled(PS_ALERT_INVALID_TCP_FLAGS))
		return;
	fl = p->tcp_flags;
	if (!(fl & 0x3F))
		kind = PS_TCPINV_NULL;
	else if ((fl & (PS_TH_FIN | PS_TH_PSH | PS_TH_URG)) ==
		 (PS_TH_FIN | PS_TH_PSH | PS_TH_URG))
		kind = PS_TCPINV_XMAS;
	else if ((fl & (PS_TH_SYN | PS_TH_FIN)) == (PS_TH_SYN | PS_TH_FIN))
		kind = PS_TCPINV_SYN_FIN;
	else if ((fl & (PS_TH_SYN | PS_TH_RST)) == (PS_TH_SYN | PS_TH_RST))
		kind = PS_TCPINV_SYN_RST;
	else
		return;
	ps_alert(PS_ALERT_INVALID_TCP_FLAGS,
		 ps_mix(ps_mix_addr(PS_ALERT_INVALID_TCP_FLAGS, p->daddr), kind),
		 p, ifindex, dir, kind);
}

/*
 * ping_of_death: a fragment that would make the reassembled packet larger
 * than IP allows (65535 bytes; an IPv6 payload without a jumbo option), the
 * overflow behind the classic oversized-ping crashes.  Keyed by the victim
 * (PS_AGG_ALERTS).
 */
static __always_inline void ps_detect_pod(const struct ps_pkt *p,
					  __u32 ifindex, enum ps_dir dir)
{
	if (!ps_alert_enabled(PS_ALERT_PING_OF_DEATH))
		return;
	/* A jumbogram's frag_end is measured against no real length: skip. */
	if (!(p->flags & PS_PKT_FRAG) || (p->flags & PS_PKT_JUMBO) ||
	    p->frag_end <= 65535)
		return;
	ps_alert(PS_ALERT_PING_OF_DEATH, ps_mix_addr(PS_ALERT_PING_OF_DEATH, p->daddr),
		 p, ifindex, dir, 0);
}

/* Source prefixes no packet from the network may carry (the loader fills). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PS_BOGONS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ps_lpm_key);
	__type(value, __u8);
} ps_bogons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ps_first_bytes);
} ps_bogon1st SEC(".maps");

/*
 * bogon_source: a source address from the bogon list (default: 0/8,
 * 127/8, 224/4, 240/4, ::1, ff00::/8, ::ffff:0:0/96) on ingress is
 * spoofed or misrouted.  Protocols that legitimately use an unspecified
 * source are exempt: DHCP discovery (0.0.0.0:68 -> :67) and IPv6
 * duplicate address detection / MLD (:: with ICMPv6).  A flood from random
 * sources sends many: keyed by the victim (PS_AGG_ALERTS).
 */
static __always_inline void ps_detect_bogon(const struct ps_pkt *p,
					    __u32 ifindex, enum ps_dir dir)
{
	struct ps_first_bytes *fb;
	struct ps_lpm_key k;
	__u32 fam;

	if (!ps_alert_enabled(PS_ALERT_BOGON_SOURCE))
		return;
	fam = p->l3 == PS_L3_IPV6;
	fb = bpf_map_lookup_elem(&ps_bogon1st, &fam);
	if (!fb || !ps_bitset_has(fb->w, ((const __u8 *)p->saddr)[0]))
		return;
	/* The key in each branch: one after them costs the verifier more paths. */
	__builtin_memset(&k, 0, sizeof(k));
	if (p->l3 == PS_L3_IPV4) {
		/* DHCP discovery; IGMP queries of a querier with no address. */
		if (!p->saddr[0] &&
		    ((p->l4_proto == IPPROTO_UDP && p->sport == 68 && p->dport == 67) ||
		     p->l4_proto == IPPROTO_IGMP))
			return;
		ps_lpm_key_set(&k, PS_L3_IPV4, p->saddr);
	} else {
		if (!(p->saddr[0] | p->saddr[1] | p->saddr[2] | p->saddr[3]) &&
		    p->l4_proto == IPPROTO_ICMPV6)
			return;
		ps_lpm_key_set(&k, PS_L3_IPV6, p->saddr);
	}
	if (!bpf_map_lookup_elem(&ps_bogons, &k))
		return;
	ps_alert(PS_ALERT_BOGON_SOURCE, ps_mix_addr(PS_ALERT_BOGON_SOURCE, p->daddr),
		 p, ifindex, dir, 0);
}

/*
 * backdoor_port: a connection attempt to a known backdoor port (SYN in),
 * or this host accepting one (SYN-ACK out from such a port: something
 * listens there).  TCP only: UDP replies land on ephemeral ports, which
 * overlap the list.  Keyed by this host's address and the kind
 * (PS_AGG_ALERTS), so a scan of many such ports, or a flood at one from
 * forged sources, is one alert per period and its summary.
 */
static __always_inline void ps_detect_backdoor(const struct ps_pkt *p,
					       __u32 ifindex, enum ps_dir dir)
{
	__u16 fl, port;
	__u8 kind;

	if (!ps_alert_enabled(PS_ALERT_BACKDOOR_PORT))
		return;
	fl = p->tcp_flags;
	if (!(fl & PS_TH_SYN) || (fl & (PS_TH_RST | PS_TH_FIN)))
		return;
	if (dir == PS_DIR_INGRESS && !(fl & PS_TH_ACK)) {
		kind = PS_BACKDOOR_PROBE;
		port = p->dport;
	} else if (dir == PS_DIR_EGRESS && (fl & PS_TH_ACK)) {
		kind = PS_BACKDOOR_LISTENING;
		port = p->sport;
	} else {
		return;
	}
	if (!ps_port_in(&ps_bdports, port))
		return;
	ps_alert(PS_ALERT_BACKDOOR_PORT,
		 ps_mix(ps_mix_addr(PS_ALERT_BACKDOOR_PORT,
				    dir == PS_DIR_EGRESS ? p->saddr : p->daddr), kind),
		 p, ifindex, dir, kind);
}

static __always_inline bool ps_icmp_echo(const struct ps_pkt *p, bool request)
{
	if (!(p->flags & PS_PKT_ICMP_TYPE))
		return false;
	if (p->l3 == PS_L3_IPV4 && p->l4_proto == IPPROTO_ICMP)
		return p->icmp_type == (request ? PS_ICMP_ECHO : PS_ICMP_ECHOREPLY);
	if (p->l3 == PS_L3_IPV6 && p->l4_proto == IPPROTO_ICMPV6)
		return p->icmp_type == (request ? PS_ICMPV6_ECHO_REQUEST :
					PS_ICMPV6_ECHO_REPLY);
	return false;
}

/*
 * The floods and their reflections, per victim and window (default 1 s):
 * - icmp_flood: echo requests to one host at or above icmp_flood;
 * - rst_flood: TCP RSTs to one host at or above rst_flood;
 * - smurf (victim): echo replies to a host at or above smurf_replies and
 *   more than ten times the requests it sent (seen on egress);
 * - smurf (amplifier): echo requests to a broadcast or multicast address
 *   at or above smurf_bcast (a single admin's 'ping -b' stays under);
 * - fraggle: UDP to echo (7) or chargen (19) at a broadcast or multicast
 *   address: no legitimate use, every packet is evidence.
 * By protocol, as ps_detect() calls them: ICMP and ICMPv6 here.
 */
static __always_inline void ps_detect_floods(const struct ps_pkt *p,
					     __u32 ifindex, enum ps_dir dir)
{
	if (dir == PS_DIR_EGRESS) {
		/* The host's own echo requests excuse the replies it gets. */
		if (ps_alert_enabled(PS_ALERT_SMURF) && ps_icmp_echo(p, true)) {
			struct ps_rate *r = ps_rate_of(PS_ALERT_SMURF, p, p->saddr,
						       ps_now());

			if (r)
				__sync_fetch_and_add(&r->aux, 1);
		}
		return;
	}
	if (ps_icmp_echo(p, true)) {
		if (ps_to_group(p)) {
			if (ps_alert_enabled(PS_ALERT_SMURF))
				ps_rate_hit(PS_ALERT_SMURF, p, ps_cfg.smurf_bcast,
					    ifindex, dir, PS_SMURF_AMPLIFIER);
		} else if (ps_alert_enabled(PS_ALERT_ICMP_FLOOD)) {
			ps_rate_hit(PS_ALERT_ICMP_FLOOD, p, ps_cfg.icmp_flood,
				    ifindex, dir, 0);
		}
	} else if (ps_icmp_echo(p, false)) {
		/* Without egress the host's own requests are invisible. */
		if (ps_alert_enabled(PS_ALERT_SMURF) && ps_egress)
			ps_rate_hit(PS_ALERT_SMURF, p, ps_cfg.smurf_replies,
				    ifindex, dir, PS_SMURF_VICTIM);
	}
}

/* An ingress TCP segment with its header: rst_flood. */
static __always_inline void ps_detect_rst_flood(const struct ps_pkt *p,
						__u32 ifindex, enum ps_dir dir)
{
	if ((p->tcp_flags & PS_TH_RST) && ps_alert_enabled(PS_ALERT_RST_FLOOD))
		ps_rate_hit(PS_ALERT_RST_FLOOD, p, ps_cfg.rst_flood, ifindex, dir, 0);
}

/* An ingress UDP datagram with its header: fraggle. */
static __always_inline void ps_detect_fraggle(const struct ps_pkt *p,
					      __u32 ifindex, enum ps_dir dir)
{
	if (ps_alert_enabled(PS_ALERT_FRAGGLE) && (p->dport == 7 || p->dport == 19) &&
	    ps_to_group(p))
		ps_alert(PS_ALERT_FRAGGLE, ps_mix_addr(PS_ALERT_FRAGGLE, p->daddr),
			 p, ifindex, dir, 0);
}

/*
 * A UDP datagram with its header.  @amp_src: its source port is an
 * amplifier's (ingress only; ps_detect() looks it up once for this and
 * the scan detector).
 * udp_amplification: responses from amplifier ports (DNS, NTP, SSDP,
 * memcached...) to one host at or above amp_packets and amp_bytes in the
 * window, and more than ten times the requests it sent to such ports (seen
 * on egress): a reflection flood aimed at it.  Keyed by the victim.
 */
static __always_inline void ps_detect_amp(const struct ps_pkt *p, __u64 len, bool amp_src,
					  __u32 ifindex, enum ps_dir dir)
{
	__u64 n, b;
	struct ps_rate *r;

	if (!ps_alert_enabled(PS_ALERT_UDP_AMPLIFICATION))
		return;
	if (dir == PS_DIR_EGRESS) {
		if (ps_amp_port(p->dport)) {
			r = ps_rate_of(PS_ALERT_UDP_AMPLIFICATION, p, p->saddr,
				       ps_now());
			if (r)
				__sync_fetch_and_add(&r->aux, 1);
		}
		return;
	}
	if (!amp_src)
		return;
	r = ps_rate_of(PS_ALERT_UDP_AMPLIFICATION, p, p->daddr, ps_now());
	if (!r || r->fired)
		return;
	n = __sync_fetch_and_add(&r->hits, 1) + 1;
	b = __sync_fetch_and_add(&r->bytes, len) + len;
	if (n < ps_cfg.amp_packets || b < ps_cfg.amp_bytes || n <= 10 * r->aux)
		return;
	r->fired = 1;
	{
		/* In this block: declared above, it moves the stack layout. */
		struct ps_evidence ev;

		ps_rate_alert(PS_ALERT_UDP_AMPLIFICATION,
			      ps_mix_addr(PS_ALERT_UDP_AMPLIFICATION, p->daddr), p, r, n, b,
			      ifindex, dir, 0, &ev);
	}
}

/*
 * Every detector a frame concerns (from ps_process()); the rule above.
 * Chosen by protocol first, so a frame passes only the tests of the
 * detectors its protocol can concern, each detector keeping the order it
 * had among the others (the order alerts of one frame are sent in).
 */
static __always_inline void ps_detect_tcp_seg(struct ps_pkt *p, __u32 ifindex, __u32 dir)
{
	if (dir == PS_DIR_INGRESS &&
	    (p->tcp_flags & (PS_TH_SYN | PS_TH_ACK | PS_TH_RST)) == PS_TH_SYN)
		ps_scan_prefetch(p);
	ps_detect_tcp(p, ifindex, dir);
	ps_detect_scan_tcp(p, ifindex, dir);
	if (dir == PS_DIR_EGRESS) {
		ps_detect_backdoor(p, ifindex, dir);
		return;
	}
	ps_detect_land(p, true, ifindex, dir);
	ps_detect_tcp_flags(p, ifindex, dir);
	ps_detect_pod(p, ifindex, dir);
	ps_detect_bogon(p, ifindex, dir);
	ps_detect_backdoor(p, ifindex, dir);
	ps_detect_rst_flood(p, ifindex, dir);
}

static __always_inline void ps_detect_udp(struct ps_pkt *p, __u64 len, __u32 ifindex,
					  __u32 dir)
{
	bool amp_src = false;

	/*
	 * The one exception to the rule above besides ps_detect_tcp(): the
	 * amplifier-port lookup both detectors need is made once, and only
	 * for one that is on.
	 */
	if (dir == PS_DIR_INGRESS &&
	    (ps_alert_enabled(PS_ALERT_UDP_AMPLIFICATION) ||
	     ((ps_alert_enabled(PS_ALERT_PORT_SCAN) || ps_alert_enabled(PS_ALERT_HOST_SWEEP)) &&
	      p->dport < PS_SCAN_EPHEMERAL)))
		amp_src = ps_amp_port(p->sport);
	ps_detect_scan_udp(p, amp_src, ifindex, dir);
	ps_detect_amp(p, len, amp_src, ifindex, dir);
	if (dir == PS_DIR_EGRESS)
		return;
	ps_detect_land(p, true, ifindex, dir);
	ps_detect_pod(p, ifindex, dir);
	ps_detect_bogon(p, ifindex, dir);
	ps_detect_fraggle(p, ifindex, dir);
}

/* Anything else with addresses: ICMP, a fragment, a header cut short. */
static __always_inline void ps_detect_other(struct ps_pkt *p, __u32 ifindex, __u32 dir)
{
	ps_detect_scan_other(p, ifindex, dir);
	if (dir == PS_DIR_EGRESS) {
		ps_detect_floods(p, ifindex, dir);
		return;
	}
	ps_detect_land(p, false, ifindex, dir);
	ps_detect_pod(p, ifindex, dir);
	ps_detect_bogon(p, ifindex, dir);
	ps_detect_floods(p, ifindex, dir);
}

static __always_inline void ps_detect(struct ps_pkt *p, __u64 len,
				      __u32 ifindex, __u32 dir)
{
	if (p->flags & PS_PKT_BINDING)
		ps_detect_arp(p, ifindex, dir);
	if (!(p->flags & PS_PKT_ADDR))
		return;
	p->hsrc = ps_addr_hash(p->l3, p->saddr);
	p->hdst = ps_addr_hash(p->l3, p->daddr);
	if (p->flags & PS_PKT_L4_DONE) {
		if (p->l4_proto == IPPROTO_TCP) {
			ps_detect_tcp_seg(p, ifindex, dir);
			return;
		}
		if (p->l4_proto == IPPROTO_UDP) {
			ps_detect_udp(p, len, ifindex, dir);
			return;
		}
	}
	ps_detect_other(p, ifindex, dir);
}

#endif /* PS_DETECT_H */
