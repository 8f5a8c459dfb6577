/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_count.h - turn one parsed frame into counter increments.
 *
 * The counters are per-CPU, so plain increments are exact without atomics.
 */
#ifndef PS_COUNT_H
#define PS_COUNT_H

#include "portsense.h"
#include "ps_parse.h"

static __always_inline void ps_count_l4(struct ps_l4_counters *l4,
					const struct ps_pkt *p, __u64 len)
{
	enum ps_pclass dc = ps_port_class(p->dport);
	enum ps_pclass sc = ps_port_class(p->sport);

	l4->packets++;
	l4->bytes += len;
	if (p->l3 == PS_L3_IPV4)
		l4->ipv4_packets++;
	else
		l4->ipv6_packets++;
	l4->by_dst_class[dc].packets++;
	l4->by_dst_class[dc].bytes += len;
	l4->by_src_class[sc].packets++;
	l4->by_src_class[sc].bytes += len;
}

static __always_inline void ps_count_tcp_flags(__u64 *f, __u16 fl)
{
	if (fl & PS_TH_SYN) {
		if (fl & PS_TH_ACK)
			f[PS_TCPF_SYNACK]++;
		else
			f[PS_TCPF_SYN_NOACK]++;
		if (fl & PS_TH_FIN)
			f[PS_TCPF_SYN_FIN]++;
	}
	if (fl & PS_TH_RST)
		f[PS_TCPF_RST]++;
	if (fl & PS_TH_FIN)
		f[PS_TCPF_FIN]++;
	if (!(fl & 0x3F)) {
		f[PS_TCPF_NULL]++;
		if (!fl)
			f[PS_TCPF_NULL_ALL_BITS_ZERO]++;
	}
	if ((fl & (PS_TH_FIN | PS_TH_PSH | PS_TH_URG)) ==
	    (PS_TH_FIN | PS_TH_PSH | PS_TH_URG)) {
		f[PS_TCPF_XMAS]++;
		if ((fl & 0x3F) == (PS_TH_FIN | PS_TH_PSH | PS_TH_URG))
			f[PS_TCPF_XMAS_EXACT]++;
	}
}

static __always_inline void ps_count_icmp(struct ps_icmp_counters *ic,
					  const struct ps_pkt *p, __u8 req, __u8 rep)
{
	__u8 type = p->icmp_type;

	ic->packets++;
	if (!(p->flags & PS_PKT_ICMP_TYPE))
		return;
	if (type == req)
		ic->echo[PS_ECHO_REQUEST]++;
	else if (type == rep)
		ic->echo[PS_ECHO_REPLY]++;
}

static __always_inline void ps_count(struct ps_counters *c,
				     const struct ps_pkt *p, __u64 len)
{
	int l4_done = p->flags & PS_PKT_L4_DONE;

	c->frames++;
	c->bytes += len;
	c->l3[p->l3 & 3]++;	/* & 3: PS_L3_MAX == 4, a bound the verifier sees */
	if (p->vlan_tags)
		c->extras[PS_X_VLAN_TAGGED]++;
	if (p->flags & PS_PKT_VLAN_OVERFLOW)
		c->extras[PS_X_OVER_2_VLAN_TAGS]++;
	if (len > 1514)
		c->extras[PS_X_OVER_1514]++;
	if (p->flags & PS_PKT_L3_INCOMPLETE)
		c->extras[PS_X_L3_INCOMPLETE]++;
	if (p->flags & PS_PKT_L3_MALFORMED)
		c->extras[PS_X_L3_MALFORMED]++;

	switch (p->l3) {
	case PS_L3_ARP:
		if (p->arp_op == 1)
			c->arp[PS_ARP_REQUEST]++;
		else if (p->arp_op == 2)
			c->arp[PS_ARP_REPLY]++;
		return;
	case PS_L3_IPV4:
		if (p->flags & PS_PKT_FRAG)
			c->ipv4_fragments++;
		if ((p->flags & PS_PKT_ADDR) && p->saddr[0] == p->daddr[0])
			c->extras[PS_X_IPV4_SRC_EQ_DST]++;
		break;
	case PS_L3_IPV6:
		if (p->flags & PS_PKT_FRAG)
			c->ipv6_fragments++;
		break;
	default:
		return;
	}

	switch (p->l4_proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!l4_done) {
			/* No header, or one cut short: no ports to judge. */
			if (p->flags & PS_PKT_L4_INCOMPLETE) {
				if (p->l4_proto == IPPROTO_TCP)
					c->tcp.header_incomplete++;
				else
					c->udp.header_incomplete++;
			}
			return;
		}
		if (p->l4_proto == IPPROTO_TCP) {
			ps_count_l4(&c->tcp, p, len);
			ps_count_tcp_flags(c->tcp_flags, p->tcp_flags);
		} else {
			ps_count_l4(&c->udp, p, len);
		}
		if (p->l3 == PS_L3_IPV4 && (p->flags & PS_PKT_ADDR) &&
		    p->saddr[0] == p->daddr[0] && p->sport == p->dport)
			c->extras[PS_X_LAND]++;
		return;
	case IPPROTO_ICMP:
		if (l4_done && p->l3 == PS_L3_IPV4)
			ps_count_icmp(&c->icmp, p,
				      PS_ICMP_ECHO, PS_ICMP_ECHOREPLY);
		return;
	case IPPROTO_ICMPV6:
		if (l4_done && p->l3 == PS_L3_IPV6)
			ps_count_icmp(&c->icmpv6, p,
				      PS_ICMPV6_ECHO_REQUEST, PS_ICMPV6_ECHO_REPLY);
		return;
	}
}

#endif /* PS_COUNT_H */
