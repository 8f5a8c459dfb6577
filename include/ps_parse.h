/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_parse.h - the one packet parser, shared by the XDP and tc programs.
 *
 * Cursor style (after xdp-tools' parsing_helpers.h): every helper checks that
 * the bytes it reads lie before data_end, advances the cursor and says which
 * byte order its results are in.  The parser never writes to the packet.
 *
 * What it records follows the counting contract stated in docs/counters.md
 * (which also says where tshark, the reference, decodes otherwise); in short:
 *  - at most two VLAN tags (0x8100, 0x88a8, 0x9100) are stripped; a third makes the
 *    frame "other";
 *  - an IPv4 fragment with a non-zero offset carries no L4 header; a first
 *    fragment does when the header is all there;
 *  - an IP packet has an L4 header when its header says payload follows
 *    (IPv4 total length, IPv6 payload length, past the extension headers);
 *  - that header counts only when complete (TCP: 14 bytes, ports to flags;
 *    UDP: 8 bytes) inside both the captured frame and the IP payload length;
 *    a cut-short one is recorded as incomplete, never misread; ICMP counts
 *    with its type unread when not even that byte is there;
 *  - an IPv4 header with an option shorter than its fixed part (which the
 *    kernel's ip_options_compile() rejects too) is malformed: no L4;
 *  - tunnels: outer headers only.
 */
#ifndef PS_PARSE_H
#define PS_PARSE_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_ipv4opts.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define PS_ETH_P_QINQ1 0x9100	/* pre-802.1ad QinQ TPID, still in use */
#define PS_ETH_P_RARP  0x8035

/* linux/icmp.h would pull in libc headers (via linux/if.h). */
#define PS_ICMP_ECHOREPLY	0
#define PS_ICMP_ECHO		8
#define PS_ICMPV6_ECHO_REQUEST	128
#define PS_ICMPV6_ECHO_REPLY	129

#define PS_VLAN_MAX	2	/* tags stripped before the frame is "other" */
#define PS_IPV6_EXT_MAX	8	/* extension headers walked before giving up */

#define PS_IP_MF	0x2000
#define PS_IP_OFFSET	0x1FFF
#define PS_IP6_OFFSET	0xFFF8

/* TCP flag bits as in the low 9 bits of header bytes 12-13 (host order). */
#define PS_TH_FIN 0x001
#define PS_TH_SYN 0x002
#define PS_TH_RST 0x004
#define PS_TH_PSH 0x008
#define PS_TH_ACK 0x010
#define PS_TH_URG 0x020
#define PS_TH_MASK 0x1FF

/* struct ps_pkt.flags */
enum {
	PS_PKT_VLAN_OVERFLOW = 1 << 0,	/* more than PS_VLAN_MAX tags */
	PS_PKT_L3_INCOMPLETE = 1 << 1,	/* L3 header cut short */
	PS_PKT_L3_MALFORMED  = 1 << 2,	/* IP version/length fields invalid */
	PS_PKT_FRAG          = 1 << 3,	/* IPv4 MF/offset, or IPv6 fragment hdr */
	PS_PKT_CUT           = 1 << 4,	/* a header ran past the data we have */
	PS_PKT_L4_INCOMPLETE = 1 << 5,	/* l4_proto's header cut short */
	PS_PKT_L4_DONE       = 1 << 6,	/* l4_proto's header complete */
	PS_PKT_ADDR          = 1 << 7,	/* saddr/daddr were read */
	PS_PKT_ICMP_TYPE     = 1 << 8,	/* icmp_type was read */
	PS_PKT_ZERO_WIN      = 1 << 9,	/* TCP window 0, none of SYN FIN RST (as tshark's zero_window) */
	PS_PKT_L2_MCAST      = 1 << 10,	/* Ethernet group address (incl. broadcast) */
	PS_PKT_JUMBO         = 1 << 11,	/* IPv6 payload length 0: no length bound */
	PS_PKT_BINDING       = 1 << 12,	/* bind/mac: an address-to-MAC claim */
	PS_PKT_RST_SEQ0      = 1 << 13,	/* a TCP RST with sequence number 0 */
};

/* What the parser learned about one frame.  Ports are host byte order. */
struct ps_pkt {
	__u8 l3;		/* enum ps_l3 */
	__u8 vlan_tags;		/* tags seen, including one the NIC stripped */
	__u8 l4_proto;		/* outer IPPROTO_* after IPv6 ext headers */
	__u8 icmp_type;
	__u16 flags;		/* PS_PKT_* */
	__u16 arp_op;		/* host order; 0 when the header is cut short */
	__u16 sport;
	__u16 dport;
	__u16 tcp_flags;	/* PS_TH_* */
	__u8 tcp_doff;		/* TCP header length in 32-bit words */
	__u8 l3_off;		/* where the IP header starts (the parser's, ps_parse()) */
	/*
	 * Fragments: the size the reassembled packet must reach to hold this
	 * one (IPv4: offset + total length; IPv6: offset + fragment data).
	 */
	__u32 frag_end;
	/* Outer addresses, network order; IPv4 in word 0, the rest zero. */
	__be32 saddr[4];
	__be32 daddr[4];
	/*
	 * PS_PKT_BINDING: the frame claims @bind is at @mac (an ARP sender,
	 * an NDP solicitation's source or an advertisement's target).  ARP
	 * also fills saddr/daddr word 0 (sender, target) without PS_PKT_ADDR.
	 */
	__u8 mac[6];
	__u16 l4_off;		/* where the upper-layer header starts */
	__be32 bind[4];
	/*
	 * Not the parser's: the interface's counter slot, 0: none, set by the
	 * counting (ps_account()) for the handshake table's per-interface
	 * counts, which would otherwise look it up a second time.
	 */
	__u16 slot;
	/*
	 * Not the parser's: hashes of saddr and daddr (with the family),
	 * computed once per frame by the detectors (ps_detect()), which
	 * derive every per-address slot and bit from them.
	 */
	__u64 hsrc;
	__u64 hdst;
};

struct ps_cursor {
	void *pos;
	void *end;
	/*
	 * Set when a header ran past @end.  At tc that may only be the end of
	 * the skb's linear part, so the caller can pull and parse again.
	 */
	bool cut;
};

/* True when @len bytes at @p are before the end; else notes the cut. */
static __always_inline bool ps_has(struct ps_cursor *c, void *p, __u32 len)
{
	if (p + len > c->end) {
		c->cut = true;
		return false;
	}
	return true;
}

/*
 * Returns a pointer to @len bytes at the cursor and advances past them, or
 * NULL (cursor unchanged) when the frame ends first.
 */
static __always_inline void *ps_pull(struct ps_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (!ps_has(c, p, len))
		return NULL;
	c->pos = p + len;
	return p;
}

/* Returns the ethertype after at most PS_VLAN_MAX tags, network order. */
static __always_inline __be16 ps_parse_eth(struct ps_cursor *c,
					   struct ps_pkt *p)
{
	struct ethhdr *eth = ps_pull(c, sizeof(*eth));
	__be16 proto;
	int i;

	if (!eth)
		return 0;
	if (eth->h_dest[0] & 1)
		p->flags |= PS_PKT_L2_MCAST;
	proto = eth->h_proto;
	/* One pass more than PS_VLAN_MAX so a third tag is noticed. */
#pragma unroll
	for (i = 0; i <= PS_VLAN_MAX; i++) {
		/* Two bytes TCI, two bytes inner ethertype. */
		__be16 *tag;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD) &&
		    proto != bpf_htons(PS_ETH_P_QINQ1))
			break;
		if (p->vlan_tags >= PS_VLAN_MAX) {
			p->flags |= PS_PKT_VLAN_OVERFLOW;
			p->vlan_tags++;
			return 0;
		}
		tag = ps_pull(c, 4);
		if (!tag)
			return 0;
		p->vlan_tags++;
		proto = tag[1];
	}
	return proto;
}

/*
 * @l4_len: bytes the IP header says follow (payload length), so Ethernet
 * padding is never read as an L4 header.  0 means no L4 header at all.
 */
static __always_inline void ps_parse_l4(struct ps_cursor *c, struct ps_pkt *p,
					__u32 l4_len)
{
	__u8 *l4 = c->pos;

	if (!l4_len)
		return;
	switch (p->l4_proto) {
	case IPPROTO_TCP:
		/* Ports, sequence, ack, offset and flags: the first 14 bytes. */
		if (l4_len < 14 || !ps_has(c, l4, 14) || (l4[12] >> 4) < 5) {
			p->flags |= PS_PKT_L4_INCOMPLETE;
			return;
		}
		p->tcp_flags = ((l4[12] << 8) | l4[13]) & PS_TH_MASK;
		p->tcp_doff = l4[12] >> 4;
		/*
		 * A RST answering a SYN carries sequence 0 (RFC 9293 3.10.7.1);
		 * one ending a live connection carries a real one.
		 */
		if ((l4[13] & PS_TH_RST) && !(l4[4] | l4[5] | l4[6] | l4[7]))
			p->flags |= PS_PKT_RST_SEQ0;
		/*
		 * A receiver out of room (the connection diagnosis counts them).
		 * Its own bound, not ps_has(): a header of 14 or 15 bytes is
		 * complete for counting, and no cut for tc to pull.
		 */
		if (l4_len >= 16 && (void *)(l4 + 16) <= c->end && !*(__u16 *)(l4 + 14) &&
		    !(l4[13] & (PS_TH_SYN | PS_TH_FIN | PS_TH_RST)))
			p->flags |= PS_PKT_ZERO_WIN;
		break;
	case IPPROTO_UDP:
		if (l4_len < sizeof(struct udphdr) ||
		    !ps_has(c, l4, sizeof(struct udphdr))) {
			p->flags |= PS_PKT_L4_INCOMPLETE;
			return;
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* The IP header says it is ICMP: count it, type or not. */
		if (ps_has(c, l4, 1)) {
			p->icmp_type = *l4;
			p->flags |= PS_PKT_ICMP_TYPE;
		}
		p->flags |= PS_PKT_L4_DONE;
		return;
	default:
		return;
	}
	/* TCP and UDP both start with source and destination port. */
	p->sport = bpf_ntohs(*(__be16 *)l4);
	p->dport = bpf_ntohs(*(__be16 *)(l4 + 2));
	p->flags |= PS_PKT_L4_DONE;
}

/* The L4 header's length bound, the cursor at it; 0: no L4 header. */
static __always_inline __u32 ps_parse_ipv4(struct ps_cursor *c,
					   struct ps_pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot_len, l4_len;
	__u16 frag;

	p->l3 = PS_L3_IPV4;
	if (!ps_pull(c, sizeof(*iph))) {
		p->flags |= PS_PKT_L3_INCOMPLETE;
		return 0;
	}
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (iph->version != 4 || hlen < sizeof(*iph) ||
	    (tot_len && tot_len < hlen)) {
		p->flags |= PS_PKT_L3_MALFORMED;
		return 0;
	}
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->flags |= PS_PKT_ADDR;
	p->l4_proto = iph->protocol;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & (PS_IP_MF | PS_IP_OFFSET)) {
		p->flags |= PS_PKT_FRAG;
		p->frag_end = (frag & PS_IP_OFFSET) * 8 + tot_len;
	}
	/*
	 * Options: hlen is at most 60, so the bound stays provable.  Every
	 * fragment carries the same kind of header, so a later one is judged
	 * by the same rules (as the kernel's ip_rcv_options() does).
	 */
	if (!ps_pull(c, hlen - sizeof(*iph))) {
		p->flags |= PS_PKT_L3_INCOMPLETE;
		return 0;
	}
	if (hlen > sizeof(*iph)) {
		struct ps_ipv4_opts opts;

		ps_ipv4_opts_copy(&opts, (__u8 *)(iph + 1), c->end,
				  hlen - sizeof(*iph));
		if (ps_ipv4_opts_bad(&opts, hlen - sizeof(*iph))) {
			p->flags |= PS_PKT_L3_MALFORMED;
			return 0;
		}
	}
	if (frag & PS_IP_OFFSET)
		return 0;	/* a later fragment: no L4 header in here */
	/* tot_len 0 is what TSO leaves; then the frame is the only bound. */
	l4_len = tot_len ? tot_len - hlen : 0xFFFF;
	return l4_len;
}

/* The extension headers the IPv6 walk steps over. */
static __always_inline bool ps_ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH ||
	       nexthdr == IPPROTO_FRAGMENT;
}

#define PS_ND_SOLICIT	135
#define PS_ND_ADVERT	136
#define PS_L4_OFF_MAX	4095	/* a bound the verifier can see */
/*
 * Past any header's start (22 bytes of Ethernet and tags, 40 of IPv6,
 * PS_IPV6_EXT_MAX extension headers of at most 2048): a mask that never
 * changes an offset, and bounds it for the verifier.
 */
#define PS_PKT_OFF_MAX	0x7FFF

/*
 * NDP, the IPv6 ARP: a neighbour solicitation names its sender's MAC (source
 * link-layer option), an advertisement its target's (target link-layer
 * option).  Only the usual layout is read: the option right after the
 * 16-byte target, which is where every stack puts it.
 *
 * A second pass from the L4 offset the parser noted, run by the hooks in a
 * function of its own: inside the parser, after the extension-header walk,
 * it would be verified once per walk path (several times the whole parser).
 */
static __always_inline void ps_parse_nd(void *data, void *data_end,
					struct ps_pkt *p)
{
	__u8 *nd;

	if (p->l3 != PS_L3_IPV6 || p->l4_proto != IPPROTO_ICMPV6 ||
	    !(p->flags & PS_PKT_ICMP_TYPE) ||
	    (p->icmp_type != PS_ND_SOLICIT && p->icmp_type != PS_ND_ADVERT) ||
	    p->l4_off > PS_L4_OFF_MAX)
		return;
	nd = data + p->l4_off;
	if ((void *)(nd + 32) > data_end)
		return;
	/* Option type 1 (source) in a solicitation, 2 (target) in an advert; length 1. */
	if (nd[24] != (p->icmp_type == PS_ND_SOLICIT ? 1 : 2) || nd[25] != 1)
		return;
	if (p->icmp_type == PS_ND_ADVERT) {
		__builtin_memcpy(p->bind, nd + 8, 16);
	} else {
		/* Duplicate address detection: no address claimed yet. */
		if (!(p->saddr[0] | p->saddr[1] | p->saddr[2] | p->saddr[3]))
			return;
		__builtin_memcpy(p->bind, p->saddr, 16);
	}
	__builtin_memcpy(p->mac, nd + 26, 6);
	p->flags |= PS_PKT_BINDING;
}

/*
 * IPv6: walk hop-by-hop, routing, fragment, destination-options and AH
 * headers (at most PS_IPV6_EXT_MAX) to the upper-layer header.  As
 * ps_parse_ipv4(): the L4 bound, the cursor at the header; 0: none.
 */
static __always_inline __u32 ps_parse_ipv6(struct ps_cursor *c,
					   struct ps_pkt *p)
{
	struct ipv6hdr *ip6h = c->pos;
	__u32 left;
	__u8 nexthdr;
	int i;

	p->l3 = PS_L3_IPV6;
	if (!ps_pull(c, sizeof(*ip6h))) {
		p->flags |= PS_PKT_L3_INCOMPLETE;
		return 0;
	}
	if (ip6h->version != 6) {
		p->flags |= PS_PKT_L3_MALFORMED;
		return 0;
	}
	__builtin_memcpy(p->saddr, &ip6h->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6h->daddr, 16);
	p->flags |= PS_PKT_ADDR;
	/* Payload length 0 announces a jumbogram: the frame is the bound. */
	left = bpf_ntohs(ip6h->payload_len);
	if (!left) {
		left = 0xFFFF;
		p->flags |= PS_PKT_JUMBO;
	}
	nexthdr = ip6h->nexthdr;

#pragma unroll
	for (i = 0; i < PS_IPV6_EXT_MAX; i++) {
		__u8 *eh = c->pos;
		__u32 len;

		if (!ps_ipv6_is_ext(nexthdr))
			goto upper;
		/* Next header and length (or reserved) come first in all five. */
		if (!ps_has(c, eh, 2))
			return 0;
		if (nexthdr == IPPROTO_FRAGMENT) {
			__be16 *off;

			len = 8;
			if (!ps_has(c, eh, 8))
				return 0;
			p->flags |= PS_PKT_FRAG;
			off = (__be16 *)(eh + 2);
			if (left >= 8)
				p->frag_end = (bpf_ntohs(*off) & PS_IP6_OFFSET) +
					      left - 8;
			if (bpf_ntohs(*off) & PS_IP6_OFFSET)
				return 0;	/* a later fragment: no L4 header */
		} else if (nexthdr == IPPROTO_AH) {
			len = ((__u32)eh[1] + 2) * 4;	/* RFC 4302: 4-octet units */
		} else {
			len = ((__u32)eh[1] + 1) * 8;	/* RFC 8200: 8-octet units */
		}
		if (!ps_pull(c, len) || len > left)
			return 0;
		left -= len;
		nexthdr = eh[0];
	}
	/* Chain longer than we walk: upper layer unknown, like a tunnel. */
	if (ps_ipv6_is_ext(nexthdr))
		return 0;
upper:
	p->l4_proto = nexthdr;
	return left;
}

static __always_inline void ps_parse_arp(struct ps_cursor *c, struct ps_pkt *p,
					 bool rarp)
{
	/* htype, ptype, hlen, plen, then the opcode at bytes 6-7. */
	__u8 *arp = ps_pull(c, 8);

	p->l3 = PS_L3_ARP;
	if (!arp) {
		p->flags |= PS_PKT_L3_INCOMPLETE;
		return;
	}
	p->arp_op = bpf_ntohs(*(__be16 *)(arp + 6));
	/*
	 * Ethernet/IPv4 (htype 1, ptype 0x0800, sizes 6 and 4): the sender's
	 * claim and the target.  A short body is no error: the op counted.
	 * RARP asks for an address by MAC: no claim of one.
	 */
	if (rarp || arp[0] || arp[1] != 1 || arp[2] != 0x08 || arp[3] || arp[4] != 6 ||
	    arp[5] != 4 || (void *)(arp + 28) > c->end)
		return;
	__builtin_memcpy(p->mac, arp + 8, 6);
	__builtin_memcpy(p->saddr, arp + 14, 4);
	__builtin_memcpy(p->daddr, arp + 24, 4);
	p->bind[0] = p->saddr[0];
	p->flags |= PS_PKT_BINDING;
}

/*
 * The cursor at @off bytes into the frame, an offset read back from the
 * frame's record.  Each layer starts from one: the verifier then checks
 * the layer once, not once for each way the layers below ended (VLAN
 * depth, IPv4 options, the IPv6 extension walk), the parser's paths
 * multiplying.  The record's offset fields sit at no multiple of 8 bytes
 * in struct ps_pkt, where the verifier keeps no value for what is stored:
 * read back, an offset is a number it knows only the bounds of, and all
 * the paths reach the layer alike.
 */
static __always_inline void ps_cursor_at(struct ps_cursor *c, void *data, __u32 off)
{
	c->pos = data + (off & PS_PKT_OFF_MAX);
}

/*
 * Parse one frame.  @hw_tags: VLAN tags already removed from the data by the
 * kernel (an skb's accelerated tag at tc), counted toward PS_VLAN_MAX.
 */
static __always_inline void ps_parse(void *data, void *data_end, __u8 hw_tags,
				     struct ps_pkt *p)
{
	struct ps_cursor c = { .pos = data, .end = data_end };
	__u32 l4_len = 0;
	__be16 proto;

	__builtin_memset(p, 0, sizeof(*p));
	p->l3 = PS_L3_OTHER;
	p->vlan_tags = hw_tags;
	proto = ps_parse_eth(&c, p);
	p->l3_off = c.pos - data;
	ps_cursor_at(&c, data, p->l3_off);
	if (proto == bpf_htons(ETH_P_IP))
		l4_len = ps_parse_ipv4(&c, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		l4_len = ps_parse_ipv6(&c, p);
	else if (proto == bpf_htons(ETH_P_ARP) ||
		 proto == bpf_htons(PS_ETH_P_RARP))
		ps_parse_arp(&c, p, proto == bpf_htons(PS_ETH_P_RARP));
	if (l4_len) {
		p->l4_off = c.pos - data;
		ps_cursor_at(&c, data, p->l4_off);
		ps_parse_l4(&c, p, l4_len);
	}
	if (c.cut)
		p->flags |= PS_PKT_CUT;
}

/*
 * Broadcast or multicast at L2 or L3: what a Smurf or Fraggle trigger
 * uses, and what no scan of a host is (discovery protocols live there).
 */
static __always_inline bool ps_to_group(const struct ps_pkt *p)
{
	__u8 first = ((const __u8 *)p->daddr)[0];

	if (p->flags & PS_PKT_L2_MCAST)
		return true;
	if (p->l3 == PS_L3_IPV4)
		return p->daddr[0] == 0xffffffff || (first & 0xf0) == 0xe0;
	return first == 0xff;
}

#endif /* PS_PARSE_H */
