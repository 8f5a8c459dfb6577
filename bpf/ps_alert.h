/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_alert.h - from "a detector fired" to an event in the ring buffer:
 * the allow-list asked (ps_allow.h), the key held down (one alert per key
 * per period, the next one carrying how many were held down; for the
 * aggregated ids the period's packets, sources and samples gathered in
 * ps_agg), the id's budget spent (ps_budget.h), the event filled and kept
 * among the recent.
 *
 * The hold-down table is a direct-mapped array indexed by a hash of the
 * key, not a hash map: a spoofed flood makes every packet a new key, and an
 * array slot costs a load and a compare where a map insert costs hundreds
 * of nanoseconds.  Two keys sharing a slot only cost an extra alert when
 * they alternate.  Two CPUs firing the same key at the same instant may
 * both alert: a duplicate, never a loss.
 */
#ifndef PS_ALERT_H
#define PS_ALERT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_addr.h"
#include "ps_allow.h"
#include "ps_budget.h"
#include "ps_capture.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"

struct ps_hold {
	__u64 key;
	__u64 until_ns;
	__u32 suppressed;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_HOLD_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_hold);
} ps_hold SEC(".maps");

/* The periods of aggregated alerts (PS_AGG_ALERTS in portsense.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_AGG_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_agg);
} ps_agg SEC(".maps");

/* Per alert id: the alerts it may still send this second. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_ALERT_MAX);
	__type(key, __u32);
	__type(value, struct ps_budget);
} ps_budget SEC(".maps");

/* The last alerts sent (PS_RECENT_SIZE in portsense.h says why). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_RECENT_SIZE);
	__type(key, __u32);
	__type(value, struct ps_event);
} ps_recent SEC(".maps");

__u64 ps_recent_seq;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} ps_events SEC(".maps");

/* Which of the packet's addresses an alert means (struct ps_evidence). */
enum ps_addr_sel {
	PS_ADDR_SRC = 0,	/* saddr */
	PS_ADDR_DST,		/* daddr */
	PS_ADDR_BIND,		/* bind: an ARP/NDP claim */
};

struct ps_evidence {
	__u64 count;		/* packets in the window, or 1 */
	__u64 window_ns;	/* 0 for per-packet detectors */
	__u64 aux;		/* struct ps_event says what aux and aux2 hold */
	__u64 aux2;
	/* Filled by ps_alert_ev(): the alert, its hold-down key, where. */
	__u64 key;
	__u32 alert;
	__u32 ifindex;
	__u8 dir;
	__u8 detail;
	/*
	 * enum ps_addr_sel: the address the allow-list is matched against
	 * (the source for a detector keyed by source, the victim for one
	 * keyed by victim), and the event's source address.
	 */
	__u8 who;
	__u8 src;
	__u8 mac[6];
	__u8 old_mac[6];
	__u16 cap_port;		/* --evidence: the port of the capture's key (0: any) */
};

static __always_inline const __be32 *ps_addr_of(const struct ps_pkt *p, __u8 sel)
{
	return sel == PS_ADDR_DST ? p->daddr : sel == PS_ADDR_BIND ? p->bind : p->saddr;
}

/*
 * One more packet into an aggregated period: its peer (the other end from
 * this host: the source in, the destination out) into the HyperLogLog
 * registers, by its address hash @h, and among the samples while there is
 * room for one not yet there.  Unlocked: two CPUs at once may lose a
 * register raise or a sample, never a packet (that is an atomic add).
 */
static __always_inline void ps_agg_add(struct ps_agg_period *c, const __be32 peer[4], __u64 h)
{
	__u32 j, n, k;
	__u64 w, rank;

	__sync_fetch_and_add(&c->packets, 1);
	/*
	 * The frame's address hash spreads slots, not bits: its finaliser
	 * first, so that both the register and the rank are uniform.
	 */
	h = ps_fmix(h);
	j = h & (PS_AGG_REGISTERS - 1);
	w = h >> 6;
	/* Trailing zeros of w, plus one: the lowest set bit, less one, counted. */
	rank = __builtin_popcountll((w & -w) - 1) + 1;
	if (rank > c->hll[j])
		c->hll[j] = rank;
	n = c->n_samples;
	if (n >= PS_AGG_SAMPLES)
		return;
#pragma unroll
	for (k = 0; k < PS_AGG_SAMPLES; k++)
		if (k < n && c->samples[k][0] == peer[0] && c->samples[k][1] == peer[1] &&
		    c->samples[k][2] == peer[2] && c->samples[k][3] == peer[3])
			return;
	__builtin_memcpy(c->samples[n & (PS_AGG_SAMPLES - 1)], peer, 16);
	c->n_samples = n + 1;
}

/* The peer of an alert's packet: the other end from this host. */
static __always_inline const __be32 *ps_peer(const struct ps_pkt *p, __u8 dir)
{
	return dir == PS_DIR_EGRESS ? p->daddr : p->saddr;
}

static __always_inline __u64 ps_peer_hash(const struct ps_pkt *p, __u8 dir)
{
	return dir == PS_DIR_EGRESS ? p->hdst : p->hsrc;
}

/*
 * Emit the alert @ev describes for @p unless its key was alerted within
 * the hold-down period.  A global function, called only when a detector
 * fires: the per-packet paths stay small (code, stack, verifier states)
 * and pay nothing for it.
 */
__attribute__((noinline)) int ps_emit(const struct ps_pkt *p, struct ps_evidence *ev)
{
	__u32 slot, id, suppressed = 0, rs, aslot, cap = 0;
	struct ps_event *e, *r;
	struct ps_budget *b;
	struct ps_hold *h;
	struct ps_agg *a = NULL;
	__u64 now, key;

	if (!p || !ev || ev->alert >= PS_ALERT_MAX)
		return 0;
	key = ev->key;
	id = ev->alert;
	slot = (__u32)(key >> 32) & (PS_HOLD_SLOTS - 1);
	aslot = (__u32)(key >> 32) & (PS_AGG_SLOTS - 1);
	h = bpf_map_lookup_elem(&ps_hold, &slot);
	b = bpf_map_lookup_elem(&ps_budget, &id);
	if (!h || !b)
		return 0;
	if (ps_allowed(id, p->l3, ps_addr_of(p, ev->who)))
		return 0;
	if ((1U << id) & PS_AGG_ALERTS)
		a = bpf_map_lookup_elem(&ps_agg, &aslot);
	now = ps_now();
	if (h->key == key && ps_time_after(h->until_ns, now)) {
		__sync_fetch_and_add(&h->suppressed, 1);
		ps_global_add(PS_G_ALERTS_SUPPRESSED);
		if (a && a->key == key)
			ps_agg_add(&a->cur, ps_peer(p, ev->dir), ps_peer_hash(p, ev->dir));
		return 0;
	}
	/*
	 * Beyond the id's budget (a spoofed flood, each packet a new key)
	 * alerts are counted, not sent, so neither the ring buffer nor the
	 * reader drowns.
	 */
	if (!ps_budget_take(b, now, ps_cfg.alert_rate)) {
		ps_global_add(PS_G_ALERTS_RATELIMITED);
		return 0;
	}
	if (h->key == key)
		suppressed = h->suppressed;
	else if (ps_time_after(h->until_ns, now))
		ps_global_add(PS_G_HOLD_EVICTIONS);	/* that key may alert again early */
	h->key = key;
	h->until_ns = now + ps_cfg.holddown_ns;
	h->suppressed = 0;

	/*
	 * The alert's capture: its key's frames from this one on.  An
	 * aggregated alert's key is its victim, this host's end; the others'
	 * the address the allow-list asks about (the scanner, the victim, the
	 * binding).
	 */
	if (ps_capture_on && ps_cfg.evidence)
		cap = ps_cap_start(p->l3, (1U << id) & PS_AGG_ALERTS ?
				   (ev->dir == PS_DIR_EGRESS ? p->saddr : p->daddr) :
				   ps_addr_of(p, ev->who), ev->cap_port, id, now);
	e = bpf_ringbuf_reserve(&ps_events, sizeof(*e), 0);
	if (!e) {
		/* Counted, never silent; the next packet of the key retries
		 * and still carries the held-down count. */
		h->until_ns = 0;
		h->suppressed = suppressed;
		ps_global_add(PS_G_EVENTS_LOST);
		return 0;
	}
	/* Precise: alerts are few, and the coarse clock repeats its last digits. */
	e->ts_ns = bpf_ktime_get_ns();
	e->alert = id;
	e->ifindex = ev->ifindex;
	e->dir = ev->dir;
	e->family = ps_family(p->l3);
	e->proto = p->l4_proto;
	e->detail = ev->detail;
	e->sport = p->sport;
	e->dport = p->dport;
	__builtin_memcpy(e->saddr, ps_addr_of(p, ev->src), 16);
	__builtin_memcpy(e->daddr, p->daddr, 16);
	e->tcp_flags = p->tcp_flags;
	e->frag_end = p->frag_end;
	e->suppressed = suppressed;
	e->agg = 0;
	/*
	 * A new period opens with this packet; the one it ends waits in
	 * prev for the loader, whose summary of it this event prompts.
	 */
	if (a) {
		if (a->key == key)
			a->prev = a->cur;
		else
			__builtin_memset(&a->prev, 0, sizeof(a->prev));
		__builtin_memset(&a->cur, 0, sizeof(a->cur));
		a->key = key;
		a->cur.alert_ts = e->ts_ns;
		ps_agg_add(&a->cur, ps_peer(p, ev->dir), ps_peer_hash(p, ev->dir));
		e->agg = aslot + 1;
	}
	e->holddown_ns = ps_cfg.holddown_ns;
	e->count = ev->count;
	e->window_ns = ev->window_ns;
	e->aux = ev->aux;
	e->aux2 = ev->aux2;
	__builtin_memcpy(e->mac, ev->mac, 6);
	__builtin_memcpy(e->old_mac, ev->old_mac, 6);
	e->cap = cap;
	rs = __sync_fetch_and_add(&ps_recent_seq, 1) & (PS_RECENT_SIZE - 1);
	r = bpf_map_lookup_elem(&ps_recent, &rs);
	if (r)
		__builtin_memcpy(r, e, sizeof(*e));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Alert @a for @p with hold-down key @key; @detail is alert-specific
 * (struct ps_event), @ev the evidence with who/src set.
 */
static __always_inline void ps_alert_ev(enum ps_alert a, __u64 key,
					const struct ps_pkt *p, __u32 ifindex,
					enum ps_dir dir, __u8 detail,
					struct ps_evidence *ev)
{
	ev->alert = a;
	ev->key = key;
	ev->ifindex = ifindex;
	ev->dir = dir;
	ev->detail = detail;
	ps_emit(p, ev);
}

/* A per-packet detector's alert: this packet is the whole evidence. */
static __always_inline void ps_alert(enum ps_alert a, __u64 key,
				     const struct ps_pkt *p, __u32 ifindex,
				     enum ps_dir dir, __u8 detail)
{
	struct ps_evidence ev = { .count = 1, .who = PS_ADDR_SRC, .src = PS_ADDR_SRC };

	ps_alert_ev(a, key, p, ifindex, dir, detail, &ev);
}

#endif /* PS_ALERT_H */
