/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_detect.h - the detectors: each looks at one parsed frame and the
 * state it keeps, and raises an alert (ps_alert.h) when its rule holds.
 * docs/detection.md states each rule, its key and why.
 */
#ifndef PS_DETECT_H
#define PS_DETECT_H

#include "portsense.h"
#include "ps_alert.h"
#include "ps_parse.h"

static __always_inline bool ps_addr_eq(const struct ps_pkt *p)
{
	return p->saddr[0] == p->daddr[0] && p->saddr[1] == p->daddr[1] &&
	       p->saddr[2] == p->daddr[2] && p->saddr[3] == p->daddr[3];
}

static __always_inline bool ps_is_tcp_udp(const struct ps_pkt *p)
{
	return p->l4_proto == IPPROTO_TCP || p->l4_proto == IPPROTO_UDP;
}

/*
 * land: a packet whose source is its destination (and, for TCP/UDP, the
 * same port) makes an old stack answer itself forever.  No legitimate
 * packet arrives on a wire this way.  Keyed by the victim.
 */
static __always_inline void ps_detect_land(const struct ps_pkt *p,
					   __u32 ifindex, enum ps_dir dir)
{
	if (!ps_addr_eq(p))
		return;
	/* TCP/UDP with a readable header: the ports must match too. */
	if (ps_is_tcp_udp(p) && (p->flags & PS_PKT_L4_DONE) &&
	    p->sport != p->dport)
		return;
	ps_alert(PS_ALERT_LAND, ps_mix_addr(PS_ALERT_LAND, p->daddr), p,
		 ifindex, dir, 0);
}

/*
 * invalid_tcp_flags: flag combinations no TCP stack sends (RFC 9293):
 * NULL, XMAS (FIN+PSH+URG), SYN+FIN, SYN+RST.  They are probes (nmap -sN,
 * -sX) or evasion attempts.  Keyed by source and destination.
 */
static __always_inline void ps_detect_tcp_flags(const struct ps_pkt *p,
						__u32 ifindex, enum ps_dir dir)
{
	__u16 fl = p->tcp_flags;
	__u8 kind;

	if (p->l4_proto != IPPROTO_TCP || !(p->flags & PS_PKT_L4_DONE))
		return;
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
		 ps_mix_addr(ps_mix_addr(PS_ALERT_INVALID_TCP_FLAGS, p->saddr),
			     p->daddr),
		 p, ifindex, dir, kind);
}

/*
 * ping_of_death: a fragment that would make the reassembled packet larger
 * than IP allows (65535 bytes; an IPv6 payload without a jumbo option), the
 * overflow behind the classic oversized-ping crashes.  Keyed by source and
 * destination.
 */
static __always_inline void ps_detect_pod(const struct ps_pkt *p,
					  __u32 ifindex, enum ps_dir dir)
{
	if (!(p->flags & PS_PKT_FRAG) || p->frag_end <= 65535)
		return;
	ps_alert(PS_ALERT_PING_OF_DEATH,
		 ps_mix_addr(ps_mix_addr(PS_ALERT_PING_OF_DEATH, p->saddr),
			     p->daddr),
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

/*
 * bogon_source: a source address from the bogon list (default: 0/8,
 * 127/8, 224/4, 240/4, ::1, ff00::/8, ::ffff:0:0/96) on ingress is
 * spoofed or misrouted.  Protocols that legitimately use an unspecified
 * source are exempt: DHCP discovery (0.0.0.0:68 -> :67) and IPv6
 * duplicate address detection / MLD (:: with ICMPv6).  Keyed by source.
 */
static __always_inline void ps_detect_bogon(const struct ps_pkt *p,
					    __u32 ifindex, enum ps_dir dir)
{
	struct ps_lpm_key k = {};

	if (p->l3 == PS_L3_IPV4) {
		if (!p->saddr[0] && p->l4_proto == IPPROTO_UDP &&
		    p->sport == 68 && p->dport == 67)
			return;
		k.prefixlen = 8 + 32;
		k.family = 4;
	} else {
		if (!(p->saddr[0] | p->saddr[1] | p->saddr[2] | p->saddr[3]) &&
		    p->l4_proto == IPPROTO_ICMPV6)
			return;
		k.prefixlen = 8 + 128;
		k.family = 6;
	}
	/* saddr is zero past an IPv4 address, so one copy serves both. */
	__builtin_memcpy(k.addr, p->saddr, 16);
	if (!bpf_map_lookup_elem(&ps_bogons, &k))
		return;
	ps_alert(PS_ALERT_BOGON_SOURCE, ps_mix_addr(PS_ALERT_BOGON_SOURCE, p->saddr),
		 p, ifindex, dir, 0);
}

/* TCP ports known for backdoors and trojans (data/backdoor-ports.txt). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PS_BACKDOOR_PORTS_MAX);
	__type(key, __u16);
	__type(value, __u8);
} ps_bdports SEC(".maps");

/*
 * backdoor_port: a connection attempt to a known backdoor port (SYN in),
 * or this host accepting one (SYN-ACK out from such a port: something
 * listens there).  TCP only: UDP replies land on ephemeral ports, which
 * overlap the list.  Keyed by the pair and the kind, so a scan of many
 * such ports is one alert per period.
 */
static __always_inline void ps_detect_backdoor(const struct ps_pkt *p,
					       __u32 ifindex, enum ps_dir dir)
{
	__u16 fl = p->tcp_flags, port;
	__u8 kind;

	if (p->l4_proto != IPPROTO_TCP || !(p->flags & PS_PKT_L4_DONE) ||
	    !(fl & PS_TH_SYN) || (fl & (PS_TH_RST | PS_TH_FIN)))
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
	if (!bpf_map_lookup_elem(&ps_bdports, &port))
		return;
	ps_alert(PS_ALERT_BACKDOOR_PORT,
		 ps_mix(ps_mix_addr(ps_mix_addr(PS_ALERT_BACKDOOR_PORT, p->saddr),
				    p->daddr), kind),
		 p, ifindex, dir, kind);
}

/*
 * Run every enabled detector on one frame.  A global function: the frame
 * arrives parsed (plain values, no packet pointers), so the verifier checks
 * the detectors once instead of once per parser path.
 */
__attribute__((noinline)) int ps_detect(const struct ps_pkt *p, __u32 ifindex,
					 __u32 dir)
{
	if (!p || !(p->flags & PS_PKT_ADDR))
		return 0;
	/* Egress: only what says something about this host itself. */
	if (dir == PS_DIR_EGRESS) {
		if (ps_alert_enabled(PS_ALERT_BACKDOOR_PORT))
			ps_detect_backdoor(p, ifindex, dir);
		return 0;
	}
	if (ps_alert_enabled(PS_ALERT_LAND))
		ps_detect_land(p, ifindex, dir);
	if (ps_alert_enabled(PS_ALERT_INVALID_TCP_FLAGS))
		ps_detect_tcp_flags(p, ifindex, dir);
	if (ps_alert_enabled(PS_ALERT_PING_OF_DEATH))
		ps_detect_pod(p, ifindex, dir);
	if (ps_alert_enabled(PS_ALERT_BOGON_SOURCE))
		ps_detect_bogon(p, ifindex, dir);
	if (ps_alert_enabled(PS_ALERT_BACKDOOR_PORT))
		ps_detect_backdoor(p, ifindex, dir);
	return 0;
}

#endif /* PS_DETECT_H */
