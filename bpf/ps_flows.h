/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_flows.h - follows each TCP handshake in ps_flows and measures
 * it: how it ended (completed, refused, unanswered, reset after the
 * SYN-ACK), how long it took, the SYNs sent again, and beside it the
 * segments advertising a zero window and the RSTs that end no handshake.
 * The counts go to ps_hs (include/ps_handshake.h), per interface, role
 * and service; docs/diagnosis.md defines each figure.
 *
 * ps_flows is the detectors' handshake table (ps_tcpstate.h reads it for
 * syn_flood, half_open and backscatter): a direct-mapped array indexed by
 * a hash of the connection, a store per handshake, no map insert.  A
 * slot holds the handshake's state, its interface, its service port and
 * the time of its first SYN (client) or SYN-ACK (server), taken with
 * bpf_ktime_get_ns() on handshake packets only.  A SYN in that waits for
 * this host's answer is timed by the tick (ps_hs_tick()): only the sweep reads
 * that time, against a timeout of seconds, and in a random-source SYN
 * flood, where every SYN takes a slot, the precise clock was the largest
 * part of what a SYN cost after its two cache misses.  Every step that gives a
 * handshake its outcome is a compare-and-swap of the slot's head (tag,
 * state, interface), so a handshake counts one outcome even when its
 * answer and the sweep that expires it (ps_hs_expire(), run by the loader
 * each second) meet.
 *
 * The work is in ps_hs_step(), a global function: the per-packet path
 * calls it only for a packet that opens, answers or ends a handshake, and
 * pays nothing for it otherwise.
 */
#ifndef PS_FLOWS_H
#define PS_FLOWS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_service.h"

enum {
	PS_FLOW_OPENED = 1,	/* this host sent the SYN (client) */
	PS_FLOW_ANSWERED,	/* this host sent the SYN-ACK (server) */
	PS_FLOW_DONE,		/* the handshake ended; its outcome is counted */
	PS_FLOW_SYN_IN,		/* a SYN came in, not answered yet (server) */
	PS_FLOW_EXPIRED,	/* counted unanswered; a late answer counts nothing */
};

/* Waiting for an answer: the states the sweep expires. */
#define PS_FLOW_PENDING	((1U << PS_FLOW_OPENED) | (1U << PS_FLOW_ANSWERED) | (1U << PS_FLOW_SYN_IN))

struct ps_flow_head {
	__u32 tag;		/* high bits of the connection hash, never 0 */
	__u16 state;
	__u16 slot;		/* the interface's counter slot, for ps_hs */
};

struct ps_flow {
	union {
		struct ps_flow_head h;
		__u64 word;	/* the head as one word, for compare-and-swap */
	};
	__u32 ts;		/* ps_hs_clock() of the first SYN out or SYN-ACK out; ps_hs_tick() of a SYN in */
	__u16 port;		/* the service's: local (server), remote (client) */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_flow);
} ps_flows SEC(".maps");

/* Sized by the loader as ps_ifinfo: (max interfaces + 1); slot 0 unused. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_MAX_IFACES_DEFAULT + 1);
	__type(key, __u32);
	__type(value, struct ps_hs_counters);
} ps_hs SEC(".maps");

/*
 * The slot of a connection, from this host's side (local address and
 * port, remote address and port), whichever way the packet goes.
 */
static __always_inline __u64 ps_flow_hash(const struct ps_pkt *p, enum ps_dir dir)
{
	__u64 local = dir == PS_DIR_EGRESS ? p->hsrc : p->hdst;
	__u64 remote = dir == PS_DIR_EGRESS ? p->hdst : p->hsrc;
	__u32 lport = dir == PS_DIR_EGRESS ? p->sport : p->dport;
	__u32 rport = dir == PS_DIR_EGRESS ? p->dport : p->sport;

	/* Rotated, so local and remote swapped is another connection. */
	return ps_mix(local ^ ((remote << 23) | (remote >> 41)), (lport << 16) | rport);
}

static __always_inline struct ps_flow *ps_flow_of(__u64 h)
{
	__u32 slot = (__u32)h & (PS_FLOW_SLOTS - 1);

	return bpf_map_lookup_elem(&ps_flows, &slot);
}

static __always_inline __u32 ps_flow_tag(__u64 h)
{
	return (__u32)(h >> 32) | 1;
}

/*
 * Handshake time: CLOCK_MONOTONIC in units of 1024 ns, 32 bits (a
 * handshake up to 73 minutes long).  A shift, not a division.
 */
#define PS_HS_TICK_SHIFT 10

static __always_inline __u32 ps_hs_clock(void)
{
	return (__u32)(bpf_ktime_get_ns() >> PS_HS_TICK_SHIFT);
}

/*
 * The same units at the tick's resolution, no helper call (but without a
 * known tick length): a waiting SYN's, on the clock the sweep, a syscall
 * program, can read too.
 */
static __always_inline __u32 ps_hs_tick(void)
{
	return (__u32)(ps_now_anywhere() >> PS_HS_TICK_SHIFT);
}

static __always_inline __u64 ps_hs_ns(__u32 now, __u32 then)
{
	return (__u64)(__u32)(now - then) << PS_HS_TICK_SHIFT;
}

/* The slot's head, read as one word. */
static __always_inline struct ps_flow_head ps_flow_head(const struct ps_flow *f)
{
	__u64 w = *(volatile const __u64 *)&f->word;
	struct ps_flow_head h;

	__builtin_memcpy(&h, &w, sizeof(h));
	return h;
}

/* Move the slot from head @was to state @to; false: it changed meanwhile. */
static __always_inline bool ps_flow_claim(struct ps_flow *f, struct ps_flow_head was, __u16 to)
{
	struct ps_flow_head next = was;
	__u64 old, new;

	next.state = to;
	__builtin_memcpy(&old, &was, sizeof(old));
	__builtin_memcpy(&new, &next, sizeof(new));
	return __sync_val_compare_and_swap(&f->word, old, new) == old;
}

/*
 * A new handshake in the slot: its time and port first, then its head.
 * A waiting SYN in is timed by the tick, the others precisely (ps_hs_tick()).
 */
static __always_inline void ps_flow_start(struct ps_flow *f, __u32 tag, __u16 state,
					  __u32 slot, __u16 port)
{
	struct ps_flow_head h = { .tag = tag, .state = state, .slot = slot };
	__u64 w;

	f->ts = state == PS_FLOW_SYN_IN ? ps_hs_tick() : ps_hs_clock();
	f->port = port;
	__builtin_memcpy(&w, &h, sizeof(w));
	f->word = w;
}

/* The series of a handshake of @role to service port @port. */
static __always_inline struct ps_hs_series *ps_hs_series_of(struct ps_hs_counters *c,
							    __u32 role, __u16 port)
{
	struct ps_hs_role_counters *r = &c->role[role & 1];
	int i;

	/* Rodata: the verifier knows each port, and drops the unused places. */
#pragma unroll
	for (i = 0; i < PS_HS_SVC_PORTS; i++)
		if (ps_svc_ports[i] && ps_svc_ports[i] == port)
			return &r->svc[i];
	return &r->cls[ps_port_class(port)];
}

/* The counters of slot @slot; NULL: none (an interface without one). */
static __always_inline struct ps_hs_counters *ps_hs_at(__u32 slot)
{
	return slot ? bpf_map_lookup_elem(&ps_hs, &slot) : NULL;
}

/* Outcome @o of a handshake of @role to @port, counted in slot @slot. */
static __always_inline void ps_hs_outcome(__u32 slot, __u32 role, __u16 port, __u32 o)
{
	struct ps_hs_counters *c = ps_hs_at(slot);

	if (c)
		__sync_fetch_and_add(&ps_hs_series_of(c, role, port)->outcome[o], 1);
}

static const __u64 ps_hs_bounds[PS_HS_BOUNDS] = {
#define PS_HS_BOUND_NS(le, ns) ns,
	PS_HS_BOUNDS_LIST(PS_HS_BOUND_NS)
#undef PS_HS_BOUND_NS
};

/* A completed handshake of @role to @port, @ns long. */
static __always_inline void ps_hs_completed(__u32 slot, __u32 role, __u16 port, __u64 ns)
{
	struct ps_hs_counters *c = ps_hs_at(slot);
	struct ps_hs_series *s;
	int i;

	if (!c)
		return;
	s = ps_hs_series_of(c, role, port);
#pragma unroll
	for (i = 0; i < PS_HS_BOUNDS; i++)
		if (ns <= ps_hs_bounds[i])
			break;
	__sync_fetch_and_add(&s->bucket[i], 1);
	__sync_fetch_and_add(&s->sum_ns, ns);
	__sync_fetch_and_add(&s->outcome[PS_HS_COMPLETED], 1);
}

/* A packet-level count of the interface: the word at @off of its ps_hs entry. */
static __always_inline void ps_hs_add(__u32 slot, __u32 off)
{
	struct ps_hs_counters *c = ps_hs_at(slot);

	if (c && off < sizeof(*c))
		__sync_fetch_and_add((__u64 *)((char *)c + off), 1);
}

#define PS_HS_OFF_RETRANS(r) \
	(offsetof(struct ps_hs_counters, role) + (r) * sizeof(struct ps_hs_role_counters) + \
	 offsetof(struct ps_hs_role_counters, syn_retransmits))
#define PS_HS_OFF_ZWIN(dir)	(offsetof(struct ps_hs_counters, zero_window) + (dir) * 8)
#define PS_HS_OFF_RESET(dir)	(offsetof(struct ps_hs_counters, resets) + (dir) * 8)

/* A SYN in: a server's handshake starts, or its client sends the SYN again. */
static __always_inline void ps_hs_syn_in(const struct ps_pkt *p, struct ps_flow *f, __u32 tag,
					 __u32 slot)
{
	struct ps_flow_head h = ps_flow_head(f);

	if (h.tag == tag) {
		if (h.state == PS_FLOW_SYN_IN || h.state == PS_FLOW_ANSWERED ||
		    h.state == PS_FLOW_EXPIRED) {
			ps_hs_add(slot, PS_HS_OFF_RETRANS(PS_HS_SERVER));
			return;
		}
		if (h.state == PS_FLOW_OPENED)
			return;		/* a simultaneous open: this host's SYN times it */
	} else if (h.state == PS_FLOW_OPENED || h.state == PS_FLOW_ANSWERED) {
		/*
		 * A handshake this host takes part in keeps its slot: this
		 * one goes unfollowed (a random-source flood cannot push the
		 * host's own handshakes out).
		 */
		ps_global_add(PS_G_FLOW_EVICTIONS);
		return;
	} else if (h.state == PS_FLOW_SYN_IN) {
		ps_global_add(PS_G_FLOW_EVICTIONS);
	}
	ps_flow_start(f, tag, PS_FLOW_SYN_IN, slot, p->dport);
}

/* A SYN out: a client's handshake starts, or this host sends its SYN again. */
static __always_inline void ps_hs_syn_out(const struct ps_pkt *p, struct ps_flow *f, __u32 tag,
					  __u32 slot)
{
	struct ps_flow_head h = ps_flow_head(f);

	if (h.tag == tag && (h.state == PS_FLOW_OPENED || h.state == PS_FLOW_EXPIRED)) {
		ps_hs_add(slot, PS_HS_OFF_RETRANS(PS_HS_CLIENT));
		return;
	}
	if (h.tag != tag && ((1U << h.state) & PS_FLOW_PENDING))
		ps_global_add(PS_G_FLOW_EVICTIONS);
	ps_flow_start(f, tag, PS_FLOW_OPENED, slot, p->dport);
}

/* A SYN-ACK out: the server answers; its first SYN-ACK starts the clock. */
static __always_inline void ps_hs_synack_out(const struct ps_pkt *p, struct ps_flow *f, __u32 tag,
					     __u32 slot)
{
	struct ps_flow_head h = ps_flow_head(f);

	if (h.tag == tag) {
		if (h.state == PS_FLOW_ANSWERED)
			return;		/* sent again: the first one times */
		if (h.state == PS_FLOW_SYN_IN) {
			/* Lost to the sweep meanwhile: it has its outcome already. */
			f->ts = ps_hs_clock();
			ps_flow_claim(f, h, PS_FLOW_ANSWERED);
			return;
		}
	} else if ((1U << h.state) & PS_FLOW_PENDING) {
		ps_global_add(PS_G_FLOW_EVICTIONS);
	}
	ps_flow_start(f, tag, PS_FLOW_ANSWERED, slot, p->sport);
}

/* The answer to a handshake: latency from the slot's time to now. */
static __always_inline void ps_hs_complete(struct ps_flow *f, struct ps_flow_head h, __u32 role)
{
	__u32 then = f->ts, now = ps_hs_clock();
	__u16 port = f->port;

	if (ps_flow_claim(f, h, PS_FLOW_DONE))
		ps_hs_completed(h.slot, role, port, ps_hs_ns(now, then));
}

#define PS_HS_SERVER_DONE 1	/* ps_hs_step(): a handshake this host answered completed */
#define PS_HS_REFUSED_OUT 2	/* ... this host refused one (service_refusing's to count) */

/*
 * A RST: a refusal, a reset after the SYN-ACK, or the end of a connection.
 * Returns PS_HS_REFUSED_OUT when this host refused a handshake (RST out).
 */
static __always_inline int ps_hs_rst(const struct ps_pkt *p, struct ps_flow *f, __u32 tag,
				      __u32 slot, __u32 dir)
{
	struct ps_flow_head h = ps_flow_head(f);
	__u16 port = f->port;	/* before the claim: then the slot may be another's */

	if (h.tag == tag) {
		/* This host refuses (out), or is refused (in). */
		if (h.state == (dir == PS_DIR_EGRESS ? PS_FLOW_SYN_IN : PS_FLOW_OPENED)) {
			if (ps_flow_claim(f, h, PS_FLOW_DONE)) {
				ps_hs_outcome(h.slot, dir == PS_DIR_EGRESS ? PS_HS_SERVER : PS_HS_CLIENT,
					      port, PS_HS_REFUSED);
				if (dir == PS_DIR_EGRESS)
					return PS_HS_REFUSED_OUT;
			}
			return 0;
		}
		if (h.state == PS_FLOW_ANSWERED) {
			if (ps_flow_claim(f, h, PS_FLOW_DONE))
				ps_hs_outcome(h.slot, PS_HS_SERVER, port, PS_HS_RESET_AFTER_SYNACK);
			return 0;
		}
		if (h.state != PS_FLOW_DONE)
			return 0;
	}
	/* Sequence 0 answers a SYN (or a probe) no handshake here holds. */
	if (!(p->flags & PS_PKT_RST_SEQ0))
		ps_hs_add(slot, PS_HS_OFF_RESET(dir & 1));
	return 0;
}

/*
 * One packet of a handshake, or a zero window or RST (ps_detect_tcp()
 * says which call here): @f is its connection's slot, @tag its tag.
 * Returns PS_HS_SERVER_DONE when the packet completed a handshake this
 * host answered (the detectors count that too), PS_HS_REFUSED_OUT when
 * this host refused one: the caller raises what that raises, so no alert
 * is sent from inside this call (ps_emit() would run a call deeper, and
 * tc ingress's deepest chain would pass the verifier's 512 bytes of stack).
 */

__attribute__((noinline)) int ps_hs_step(const struct ps_pkt *p, struct ps_flow *f, __u32 tag,
					  __u32 dir)
{
	struct ps_flow_head h;
	__u32 slot;
	__u16 fl;

	if (!p || !f)
		return 0;
	fl = p->tcp_flags & (PS_TH_SYN | PS_TH_ACK | PS_TH_RST);
	slot = p->slot;		/* the counting's (ps_account()) */
	if (fl & PS_TH_RST)
		return ps_hs_rst(p, f, tag, slot, dir);
	if (dir == PS_DIR_EGRESS) {
		if (fl == PS_TH_SYN)
			ps_hs_syn_out(p, f, tag, slot);
		else if (fl == (PS_TH_SYN | PS_TH_ACK))
			ps_hs_synack_out(p, f, tag, slot);
		else if (p->flags & PS_PKT_ZERO_WIN)
			ps_hs_add(slot, PS_HS_OFF_ZWIN(PS_DIR_EGRESS));
		return 0;
	}
	if (fl == PS_TH_SYN) {
		ps_hs_syn_in(p, f, tag, slot);
		return 0;
	}
	h = ps_flow_head(f);
	if (fl == (PS_TH_SYN | PS_TH_ACK)) {
		if (h.tag == tag && h.state == PS_FLOW_OPENED)
			ps_hs_complete(f, h, PS_HS_CLIENT);
		else if (h.tag == tag && h.state == PS_FLOW_EXPIRED)
			ps_flow_claim(f, h, PS_FLOW_DONE);	/* late: counted unanswered */
		return 0;
	}
	if (p->flags & PS_PKT_ZERO_WIN)
		ps_hs_add(slot, PS_HS_OFF_ZWIN(PS_DIR_INGRESS));
	if (h.tag != tag || h.state != PS_FLOW_ANSWERED)
		return 0;
	ps_hs_complete(f, h, PS_HS_SERVER);
	ps_svc_done(p);
	return PS_HS_SERVER_DONE;
}

/* The sweep's state across the slots (bpf_loop's context). */
struct ps_hs_sweep {
	__u32 now;
	__u32 now_tick;		/* for a waiting SYN in's time (ps_flow_start()) */
	__u32 timeout;		/* in ps_hs_clock() units */
	__u64 expired;
};

/* Slot @index: a handshake waiting longer than the timeout gets its outcome. */
static long ps_hs_expire(__u64 index, void *ctx)
{
	struct ps_hs_sweep *x = ctx;
	__u32 i = index, role, o;
	struct ps_flow_head h;
	struct ps_flow *f = bpf_map_lookup_elem(&ps_flows, &i);
	__u16 port;

	if (!f)
		return 1;
	h = ps_flow_head(f);
	port = f->port;
	if (!((1U << h.state) & PS_FLOW_PENDING) ||
	    (__u32)((h.state == PS_FLOW_SYN_IN ? x->now_tick : x->now) - f->ts) < x->timeout)
		return 0;
	if (!ps_flow_claim(f, h, PS_FLOW_EXPIRED))
		return 0;
	role = h.state == PS_FLOW_OPENED ? PS_HS_CLIENT : PS_HS_SERVER;
	o = h.state == PS_FLOW_ANSWERED ? PS_HS_SYNACK_UNANSWERED : PS_HS_UNANSWERED;
	ps_hs_outcome(h.slot, role, port, o);
	x->expired++;
	return 0;
}

/* Every slot of ps_flows once (the ps_hs_sweep program). */
static __always_inline __u64 ps_hs_sweep_all(__u64 timeout_ns)
{
	struct ps_hs_sweep x = {
		.now = ps_hs_clock(),
		.now_tick = ps_hs_tick(),
		.timeout = (__u32)(timeout_ns >> PS_HS_TICK_SHIFT),
	};

	bpf_loop(PS_FLOW_SLOTS, ps_hs_expire, &x, 0);
	return x.expired;
}

#endif /* PS_FLOWS_H */
