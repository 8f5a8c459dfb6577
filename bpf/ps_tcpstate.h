/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_tcpstate.h - detectors that need to know how handshakes end:
 *  - syn_flood: SYNs to one (address, port) of this host above a rate
 *    while few handshakes complete;
 *  - half_open: SYN-ACKs this host sends that are never completed;
 *  - backscatter: SYN-ACKs and RSTs for connections this host never
 *    opened (someone floods a third party with this host's address).
 *
 * Handshakes are followed in ps_flows (ps_flows.h, which also measures
 * them for the connection diagnosis), a direct-mapped array indexed by a
 * hash of the connection: a SYN in, or this host's SYN or SYN-ACK out,
 * stores a tag, the answer finds it.  A store per handshake, no map
 * insert, so a SYN flood from random sources costs no state per source:
 * the per-address counters (ps_synq) are keyed by this host's own
 * addresses.  Colliding connections overwrite each other's slot, which can
 * only lose a completion (the flood looks a little worse, never better).
 */
#ifndef PS_TCPSTATE_H
#define PS_TCPSTATE_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_flows.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_rate.h"

struct ps_synq_port {
	__u64 port;
	__u64 syns;		/* SYNs in */
	__u64 synacks;		/* SYN-ACKs out */
	__u64 done;		/* handshakes completed (final ACK in) */
};

/* One of this host's addresses, this window. */
struct ps_synq {
	struct ps_src_key addr;	/* whose slot this is */
	__u32 pad;
	__u64 start_ns;
	__u64 syns;
	__u64 synacks;
	__u64 done;
	/*
	 * SYNs from the same source as the SYN before: high for one scanner
	 * sweeping the ports (port_scan's business), low for a flood.
	 */
	__u64 last_src;
	__u64 same_src;
	/* Direct-mapped by port: a flood at one port gets a slot of its own. */
	struct ps_synq_port ports[PS_SYNQ_PORTS];
};

/*
 * Direct-mapped by a hash of the address: an array load where an LRU hash
 * lookup would cost tens of nanoseconds on every SYN.  A host has few
 * addresses; two that share a slot take it in turns (the slot says whose
 * it is), each losing its window's counts when the other takes over.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_SYNQ_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_synq);
} ps_synq SEC(".maps");

/*
 * The counters of local address @addr, window restarted if it ran out.
 * @create: take the slot over when another address holds it.
 */
static __always_inline struct ps_synq *ps_synq_of(const struct ps_pkt *p,
						  const __be32 addr[4], __u64 h,
						  __u64 now, bool create)
{
	/* Bits of @h (addr's hash) the sketch and the flows do not index by. */
	__u32 slot = (__u32)(h >> 40) & (PS_SYNQ_SLOTS - 1);
	struct ps_synq *q = bpf_map_lookup_elem(&ps_synq, &slot);

	if (!q)
		return NULL;
	if (!ps_key_eq(&q->addr, p->l3, addr)) {
		if (!create)
			return NULL;
		if (q->start_ns)
			ps_global_add(PS_G_SYNQ_EVICTIONS);
		__builtin_memset(q, 0, sizeof(*q));
		q->addr.family = ps_family(p->l3);
		__builtin_memcpy(q->addr.addr, addr, 16);
		q->start_ns = now;
	}
	if (ps_window_over(now, q->start_ns, ps_cfg.window_ns)) {
		/* Everything after the address: its counts start again. */
		__builtin_memset(&q->start_ns, 0, sizeof(*q) - offsetof(struct ps_synq, start_ns));
		q->start_ns = now;
	}
	return q;
}

/*
 * The port's slot, taken over when it holds another port that saw little
 * this window; NULL when another, busy port holds it (totals still count).
 */
static __always_inline struct ps_synq_port *ps_synq_port(struct ps_synq *q,
							 __u16 port, bool take)
{
	struct ps_synq_port *s = &q->ports[ps_mix(0x5E, port) & (PS_SYNQ_PORTS - 1)];

	if (s->port == port)
		return s;
	if (!take || s->syns + s->synacks >= 8)
		return NULL;
	s->port = port;
	s->syns = 0;
	s->synacks = 0;
	s->done = 0;
	return s;
}

static __always_inline void ps_synq_alert(enum ps_alert a, const struct ps_pkt *p,
					  __u8 victim, __u16 port,
					  __u64 n, __u64 done, __u64 synacks,
					  __u32 ifindex, enum ps_dir dir, __u8 detail)
{
	struct ps_evidence ev = {
		.count = n,
		.window_ns = ps_cfg.window_ns,
		.aux = done,
		.aux2 = synacks,
		.who = victim,
		.cap_port = port,
		.src = PS_ADDR_SRC,
	};

	ps_alert_ev(a, ps_mix(ps_mix_addr(a, ps_addr_of(p, victim)), ((__u64)detail << 16) | port),
		    p, ifindex, dir, detail, &ev);
}

/*
 * An ingress SYN.  syn_flood fires when a port's SYNs reach the threshold
 * in the window and fewer than a quarter of them completed; or, for a
 * flood spread over many ports from many sources, when the address's
 * total does.  Without
 * egress no completion is seen and the rate alone decides.
 */
static __always_inline void ps_syn_in(const struct ps_pkt *p, __u32 ifindex,
				      enum ps_dir dir)
{
	__u64 now = ps_now(), n, t, h;
	struct ps_synq *q = ps_synq_of(p, p->daddr, p->hdst, now, true);
	struct ps_synq_port *s;
	__u32 thr = ps_cfg.syn_flood;

	if (!q)
		return;
	/*
	 * Past the threshold a counter has had its say this window: loads
	 * only, so a flood does not keep every CPU writing one cache line.
	 */
	s = ps_synq_port(q, p->dport, true);
	n = s ? s->syns : 0;
	if (s && n < thr) {
		n = __sync_fetch_and_add(&s->syns, 1) + 1;
		if (n == thr && s->done * 4 < n) {
			ps_synq_alert(PS_ALERT_SYN_FLOOD, p, PS_ADDR_DST, p->dport, n,
				      s->done, s->synacks, ifindex, dir,
				      PS_SYNFLOOD_ONE_PORT);
			return;
		}
	}
	if (q->syns >= thr)
		return;
	t = __sync_fetch_and_add(&q->syns, 1) + 1;
	h = p->hsrc;
	if (q->last_src == h)
		q->same_src++;
	else
		q->last_src = h;
	/* Many ports from mostly one source is a scan: port_scan names it. */
	if (t == thr && n * 2 < t && q->done * 4 < t && q->same_src * 2 < t)
		ps_synq_alert(PS_ALERT_SYN_FLOOD, p, PS_ADDR_DST, 0, t, q->done,
			      q->synacks, ifindex, dir, PS_SYNFLOOD_MANY_PORTS);
}

/* An egress SYN-ACK: this host answers; half_open when few complete. */
static __always_inline void ps_synack_out(const struct ps_pkt *p, __u32 ifindex,
					  enum ps_dir dir)
{
	__u64 now = ps_now(), n;
	struct ps_synq *q = ps_synq_of(p, p->saddr, p->hsrc, now, true);
	struct ps_synq_port *s;

	if (!q)
		return;
	__sync_fetch_and_add(&q->synacks, 1);
	s = ps_synq_port(q, p->sport, true);
	if (!s)
		return;
	/* Counted on: syn_flood reports it (the host's SYN-ACK rate is bounded). */
	n = __sync_fetch_and_add(&s->synacks, 1) + 1;
	if (n == ps_cfg.half_open && s->done * 2 < n &&
	    ps_alert_enabled(PS_ALERT_HALF_OPEN))
		ps_synq_alert(PS_ALERT_HALF_OPEN, p, PS_ADDR_SRC, p->sport, n, s->done,
			      n, ifindex, dir, 0);
}

/* An ingress ACK that completes a handshake this host answered. */
static __always_inline void ps_handshake_done(const struct ps_pkt *p)
{
	struct ps_synq *q = ps_synq_of(p, p->daddr, p->hdst, ps_now(), false);
	struct ps_synq_port *s;

	if (!q)
		return;
	__sync_fetch_and_add(&q->done, 1);
	s = ps_synq_port(q, p->dport, false);
	if (s)
		__sync_fetch_and_add(&s->done, 1);
}

/*
 * backscatter: per local address and window, SYN-ACKs that answer no SYN
 * of ours, and RSTs that answer a SYN (sequence 0) we never sent.
 */
static __always_inline void ps_backscatter(const struct ps_pkt *p, __u32 ifindex,
					   enum ps_dir dir, __u8 kind)
{
	if (ps_alert_enabled(PS_ALERT_BACKSCATTER))
		ps_rate_hit(PS_ALERT_BACKSCATTER, p, ps_cfg.backscatter,
			    ifindex, dir, kind);
}

/*
 * For ps_detect(), each TCP segment with its header.  Each alert's bit is tested
 * where its work begins; following handshakes is no one alert's work and
 * runs whatever is on (ps_detect.h).  What a packet does to its handshake
 * is ps_hs_step()'s (ps_flows.h), called only for a packet that changes
 * one: a data segment pays the slot's load and a compare, as before.
 */
static __always_inline void ps_detect_tcp(const struct ps_pkt *p,
					  __u32 ifindex, __u32 dir)
{
	struct ps_flow *f;
	__u16 fl;
	__u64 h;
	__u32 tag;

	fl = p->tcp_flags & (PS_TH_SYN | PS_TH_ACK | PS_TH_RST);
	/* Only the packets that open, answer or end a handshake. */
	if (fl != PS_TH_SYN && fl != (PS_TH_SYN | PS_TH_ACK) && fl != PS_TH_ACK &&
	    !(fl & PS_TH_RST))
		return;
	if (dir == PS_DIR_INGRESS && fl == PS_TH_SYN &&
	    ps_alert_enabled(PS_ALERT_SYN_FLOOD))
		ps_syn_in(p, ifindex, dir);
	/* The rest needs egress: what this host sent. */
	if (!ps_egress)
		return;
	h = ps_flow_hash(p, dir);
	tag = ps_flow_tag(h);
	f = ps_flow_of(h);
	if (!f)
		return;
	if (dir == PS_DIR_EGRESS) {
		if ((fl != PS_TH_ACK || (p->flags & PS_PKT_ZERO_WIN)) &&
		    ps_hs_step(p, f, tag, dir) == PS_HS_REFUSED_OUT)
			ps_svc_refused(p, ifindex);
		if (fl == (PS_TH_SYN | PS_TH_ACK))
			ps_synack_out(p, ifindex, dir);
		return;
	}
	if (fl == PS_TH_ACK) {
		/* Most ingress packets: one load and a compare. */
		if ((f->h.tag == tag && f->h.state == PS_FLOW_ANSWERED) ||
		    (p->flags & PS_PKT_ZERO_WIN)) {
			if (ps_hs_step(p, f, tag, dir) == PS_HS_SERVER_DONE)
				ps_handshake_done(p);
		}
	} else if (fl == PS_TH_SYN) {
		ps_hs_step(p, f, tag, dir);
	} else if (fl == (PS_TH_SYN | PS_TH_ACK)) {
		if (f->h.tag == tag &&
		    (f->h.state == PS_FLOW_OPENED || f->h.state == PS_FLOW_EXPIRED))
			ps_hs_step(p, f, tag, dir);
		else
			ps_backscatter(p, ifindex, dir, PS_BACKSCATTER_SYNACK);
	} else {
		if ((p->flags & PS_PKT_RST_SEQ0) && (fl & PS_TH_ACK) &&
		    !(f->h.tag == tag && f->h.state == PS_FLOW_OPENED))
			ps_backscatter(p, ifindex, dir, PS_BACKSCATTER_RST);
		ps_hs_step(p, f, tag, dir);
	}
}

#endif /* PS_TCPSTATE_H */
