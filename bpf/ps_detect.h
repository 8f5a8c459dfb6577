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

/* Run every enabled detector on one frame.  Ingress: what others send us. */
static __always_inline void ps_detect(const struct ps_pkt *p, __u32 ifindex,
				      enum ps_dir dir)
{
	if (dir != PS_DIR_INGRESS || !(p->flags & PS_PKT_ADDR))
		return;
	if (ps_alert_enabled(PS_ALERT_LAND))
		ps_detect_land(p, ifindex, dir);
	if (ps_alert_enabled(PS_ALERT_INVALID_TCP_FLAGS))
		ps_detect_tcp_flags(p, ifindex, dir);
}

#endif /* PS_DETECT_H */
