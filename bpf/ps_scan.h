/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_scan.h - port_scan (one source, many ports) and host_sweep (one
 * source, many hosts), typed by what the probes look like and corroborated
 * by what this host answers on egress.
 *
 * Two stages, so a flood from random spoofed sources never buys state:
 *  1. a sketch: a direct-mapped array indexed by a hash of the source, each
 *     slot holding which (hashed) ports and hosts its sources touched this
 *     scan window.  A flood at one (host, port) sets one bit per slot
 *     whatever its sources; a scanner sets many in its own slot.
 *  2. per-source state in an LRU hash, created only for a source whose
 *     slot has PS_SCAN_ADMIT_BITS ports or hosts set, and at most
 *     PS_SCAN_ADMIT_RATE new sources a second (the excess is counted).
 *     A scanner keeps touching its entry, so the LRU keeps it even while
 *     colliding junk comes and goes.
 * docs/detection.md explains the numbers.
 */
#ifndef PS_SCAN_H
#define PS_SCAN_H

#include "portsense.h"
#include "ps_addr.h"
#include "ps_alert.h"
#include "ps_allow.h"
#include "ps_bitset.h"
#include "ps_budget.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_ports.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_SKETCH_SLOTS);
	__type(key, __u32);
	__type(value, struct ps_sketch);
} ps_sketch SEC(".maps");

struct ps_scan {
	__u64 start_ns;
	__u64 ports[4];		/* 256 bits: distinct destination ports, hashed */
	__u64 hosts[2];		/* 128 bits: distinct destination hosts, hashed */
	__u64 nports;		/* bits set above, i.e. distinct ports seen */
	__u64 nhosts;
	__u64 accepted;		/* SYN-ACKs this host sent the source */
	__u64 refused;		/* RSTs and ICMP unreachables it sent */
	__u64 kinds[PS_SCAN_KIND_MAX];	/* probes by enum ps_scan_kind */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_SCAN_SOURCES_MAX);
	/* Per-CPU free lists: an insert takes no global lock. */
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct ps_src_key);
	__type(value, struct ps_scan);
} ps_scans SEC(".maps");

static const struct ps_scan ps_scan_zero;

/* Admissions to ps_scans in the current second (one shared budget). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_budget);
} ps_admit SEC(".maps");

/* Below it: the ports no reply to this host's own traffic lands on. */
#define PS_SCAN_EPHEMERAL 32768

/*
 * What an ingress packet probes with, or 0 when it is no probe; by
 * protocol, as ps_detect() calls the scan detector.  The TCP kinds are
 * nmap's: -sS (a bare SYN with at most an MSS option: raw scanners build
 * minimal headers), -sT (the OS's SYN, full options), -sF, -sN, -sX, -sA,
 * -sM.  UDP (and ACK, FIN+ACK) only to ports below 32768: replies to this
 * host's own queries land on its ephemeral ports (Linux 32768-60999,
 * Windows 49152+), and must not look like a scan.
 */
static __always_inline __u8 ps_probe_kind_tcp(const struct ps_pkt *p)
{
	switch (p->tcp_flags & 0x3F) {
	case PS_TH_SYN:
		return p->tcp_doff <= 6 ? PS_SCAN_SYN : PS_SCAN_CONNECT;
	case PS_TH_FIN:
		return PS_SCAN_FIN;
	case 0:
		return PS_SCAN_NULL;
	case PS_TH_FIN | PS_TH_PSH | PS_TH_URG:
		return PS_SCAN_XMAS;
	/*
	 * ACK and FIN+ACK are also every server's segments to this
	 * host's own connections, which land on its ephemeral ports:
	 * only below them are they probes.
	 */
	case PS_TH_ACK:
		return p->dport < PS_SCAN_EPHEMERAL ? PS_SCAN_ACK : 0;
	case PS_TH_FIN | PS_TH_ACK:
		return p->dport < PS_SCAN_EPHEMERAL ? PS_SCAN_MAIMON : 0;
	default:
		return 0;
	}
}

/* An echo request: a ping sweep's probe. */
static __always_inline __u8 ps_probe_kind_other(const struct ps_pkt *p)
{
	if ((p->flags & PS_PKT_ICMP_TYPE) &&
	    ((p->l3 == PS_L3_IPV4 && p->l4_proto == IPPROTO_ICMP &&
	      p->icmp_type == PS_ICMP_ECHO) ||
	     (p->l3 == PS_L3_IPV6 && p->l4_proto == IPPROTO_ICMPV6 &&
	      p->icmp_type == PS_ICMPV6_ECHO_REQUEST)))
		return PS_SCAN_PING;
	return 0;
}

/*
 * The destination's bit in a 128-bit host set: the top bits of its hash
 * (the sketch slot takes the bottom ones).
 */
static __always_inline __u64 ps_host_bit(const struct ps_pkt *p)
{
	return p->hdst >> 57;
}

static __always_inline struct ps_sketch *ps_sketch_of(__u64 h)
{
	__u32 slot = (__u32)h & (PS_SKETCH_SLOTS - 1);

	return bpf_map_lookup_elem(&ps_sketch, &slot);
}

static __always_inline struct ps_scan *ps_scan_of(const struct ps_pkt *p,
						  const __be32 addr[4])
{
	struct ps_src_key k = { .family = ps_family(p->l3) };

	__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(&ps_scans, &k);
}

/* Spend one admission of this second's budget; false when it is spent. */
static __always_inline bool ps_admit_one(__u64 now)
{
	__u32 zero = 0;
	struct ps_budget *b = bpf_map_lookup_elem(&ps_admit, &zero);

	if (!b)
		return false;
	if (!ps_budget_take(b, now, PS_SCAN_ADMIT_RATE)) {
		ps_global_add(PS_G_SCAN_ADMIT_DENIED);
		return false;
	}
	ps_global_add(PS_G_SCAN_ADMITTED);
	return true;
}

/* Per-source state for p's source, created when admitted. */
static __always_inline struct ps_scan *ps_scan_admit(const struct ps_pkt *p,
						     __u64 now)
{
	struct ps_src_key k = { .family = ps_family(p->l3) };
	struct ps_scan *e;

	__builtin_memcpy(k.addr, p->saddr, 16);
	e = bpf_map_lookup_elem(&ps_scans, &k);
	if (e)
		return e;
	/* Known scanners and monitoring hosts never cost an entry. */
	if (ps_allowed(PS_ALERT_PORT_SCAN, p->l3, p->saddr) &&
	    ps_allowed(PS_ALERT_HOST_SWEEP, p->l3, p->saddr))
		return NULL;
	if (!ps_admit_one(now))
		return NULL;
	/* Zeroed from .rodata; ps_scan_track() starts its window. */
	bpf_map_update_elem(&ps_scans, &k, &ps_scan_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&ps_scans, &k);
}

/* Set @bit in *@w; true when it was clear (a new port or host). */
static __always_inline bool ps_bit_new(__u64 *w, __u64 bit)
{
	if (*w & bit)
		return false;
	__sync_fetch_and_or(w, bit);
	return true;
}

/* The kind most of the source's probes had. */
static __always_inline __u8 ps_scan_kind_of(const struct ps_scan *e)
{
	__u8 best = PS_SCAN_SYN;
	int k;

#pragma unroll
	for (k = PS_SCAN_SYN + 1; k < PS_SCAN_KIND_MAX; k++)
		if (e->kinds[k] > e->kinds[best])
			best = k;
	return best;
}

/*
 * Check at the threshold and again at each doubling: a source whose first
 * probes met open ports (and so was spared) is judged again as it goes on;
 * the hold-down keeps it to one alert per period.
 */
static __always_inline bool ps_at_checkpoint(__u64 n, __u32 threshold)
{
	return n >= threshold && (n == threshold || !(n & (n - 1)));
}

static __always_inline void ps_scan_alert(enum ps_alert a, const struct ps_pkt *p,
					  const struct ps_scan *e, __u64 n,
					  __u32 ifindex, enum ps_dir dir)
{
	struct ps_evidence ev = {
		.count = n,
		.window_ns = ps_cfg.scan_window_ns,
		.aux = e->refused,
		.aux2 = e->accepted,
	};

	ps_alert_ev(a, ps_mix_addr(a, p->saddr), p, ifindex, dir,
		    ps_scan_kind_of(e), &ev);
}

/* One probe of a tracked source. */
static __always_inline void ps_scan_track(const struct ps_pkt *p, struct ps_scan *e,
					  __u8 kind, __u64 now, __u32 ifindex,
					  enum ps_dir dir)
{
	__u64 h, n;

	if (ps_window_over(now, e->start_ns, ps_cfg.scan_window_ns)) {
		/* A racing CPU may lose a count or two at the boundary. */
		__builtin_memset(e, 0, sizeof(*e));
		e->start_ns = now;
	}
	if (kind < PS_SCAN_KIND_MAX)
		__sync_fetch_and_add(&e->kinds[kind], 1);

	if (kind != PS_SCAN_PING && ps_alert_enabled(PS_ALERT_PORT_SCAN)) {
		h = ps_mix(0x9087, p->dport);
		if (ps_bit_new(&e->ports[ps_bit_word(h) & 3], ps_bit_mask(h))) {
			n = __sync_fetch_and_add(&e->nports, 1) + 1;
			/* Mostly accepted: a client of many services, no scan. */
			if (ps_at_checkpoint(n, ps_cfg.scan_ports) &&
			    e->accepted * 2 < n)
				ps_scan_alert(PS_ALERT_PORT_SCAN, p, e, n, ifindex, dir);
		}
	}
	if (ps_alert_enabled(PS_ALERT_HOST_SWEEP) && kind != PS_SCAN_ACK &&
	    kind != PS_SCAN_MAIMON) {
		h = ps_host_bit(p);
		if (ps_bit_new(&e->hosts[ps_bit_word(h) & 1], ps_bit_mask(h))) {
			n = __sync_fetch_and_add(&e->nhosts, 1) + 1;
			/*
			 * Mostly accepted: a client of many servers (a browser
			 * behind a gateway sensor), no sweep.  Echo replies are
			 * not acceptance: finding live hosts is what a sweep does.
			 */
			if (ps_at_checkpoint(n, ps_cfg.sweep_hosts) && e->accepted * 2 < n)
				ps_scan_alert(PS_ALERT_HOST_SWEEP, p, e, n, ifindex, dir);
		}
	}
}

/* Ingress: a probe, through the sketch to per-source state. */
static __always_inline void ps_scan_probe(const struct ps_pkt *p, __u8 kind,
					  __u32 ifindex, enum ps_dir dir)
{
	__u64 h = p->hsrc, now, pbit = 0, hbit;
	struct ps_sketch *s = ps_sketch_of(h);
	struct ps_scan *e;
	bool hot;

	if (!s)
		return;
	/*
	 * Bits hash the port and host only, never the source: a flood at one
	 * (host, port) from a million sources sets the same bit everywhere.
	 */
	if (kind != PS_SCAN_PING)
		pbit = ps_bit_mask(ps_mix(0x9087, p->dport));
	/* Hosts: new contacts only, not a client's segments to its servers. */
	hbit = kind == PS_SCAN_ACK || kind == PS_SCAN_MAIMON ? 0 :
	       ps_bit_mask(ps_host_bit(p));
	/*
	 * The common case, a packet of a conversation the slot has seen:
	 * nothing new, nobody tracked, nothing to admit.  No clock read, no
	 * write.  (Bits from an old window only make admission come earlier.)
	 */
	if ((s->ports & pbit) == pbit && (s->hosts & hbit) == hbit && !s->hot &&
	    !s->tracked_until)
		return;
	now = ps_now();
	if (ps_window_over(now, s->start_ns, ps_cfg.scan_window_ns)) {
		s->start_ns = now;
		s->ports = 0;
		s->hosts = 0;
		s->accepted = 0;
		s->hot = 0;
	}
	if ((s->ports & pbit) != pbit)
		__sync_fetch_and_or(&s->ports, pbit);
	if ((s->hosts & hbit) != hbit)
		__sync_fetch_and_or(&s->hosts, hbit);
	hot = __builtin_popcountll(s->ports) >= PS_SCAN_ADMIT_BITS ||
	      __builtin_popcountll(s->hosts) >= PS_SCAN_ADMIT_BITS;
	if (hot && !s->hot)
		s->hot = 1;

	if (s->tracked_until && !ps_time_after(s->tracked_until, now))
		s->tracked_until = 0;	/* its source went quiet: back to the fast path */
	if (s->tracked_until) {
		e = ps_scan_of(p, p->saddr);
		/* Another source of this slot: it has to earn its state too. */
		if (!e && !hot)
			return;
		if (!e)
			e = ps_scan_admit(p, now);
	} else {
		if (!hot)
			return;
		e = ps_scan_admit(p, now);
		/*
		 * The first source of the slot: the sketch saw its probes before
		 * admission, so it starts with them (less this one, counted
		 * next), and the thresholds mean what they say.
		 */
		if (e && !e->nports && !e->nhosts) {
			ps_scan_track(p, e, kind, now, ifindex, dir);
			e->nports += __builtin_popcountll(s->ports) - (pbit != 0);
			e->nhosts += __builtin_popcountll(s->hosts) - (hbit != 0);
			e->accepted += s->accepted;
			s->tracked_until = now + ps_cfg.scan_window_ns;
			return;
		}
	}
	if (!e)
		return;
	s->tracked_until = now + ps_cfg.scan_window_ns;
	ps_scan_track(p, e, kind, now, ifindex, dir);
}

/*
 * An answer to a tracked source: from this host on egress, or from the
 * hosts behind a router or bridge sensor on either side.  A SYN-ACK
 * accepts; a RST or an ICMP destination unreachable refuses (what closed
 * ports say to a scanner).  Lookups only: nothing is created here.
 */
static __always_inline void ps_scan_answer(const struct ps_pkt *p)
{
	__u64 now, *ctr;
	struct ps_sketch *s;
	struct ps_scan *e;
	bool accept = false;

	if (p->l4_proto == IPPROTO_TCP && (p->flags & PS_PKT_L4_DONE)) {
		if ((p->tcp_flags & (PS_TH_SYN | PS_TH_ACK)) == (PS_TH_SYN | PS_TH_ACK))
			accept = true;
		else if (!(p->tcp_flags & PS_TH_RST))
			return;
	} else if (!(p->flags & PS_PKT_ICMP_TYPE) ||
		   !((p->l4_proto == IPPROTO_ICMP && p->icmp_type == 3) ||
		     (p->l4_proto == IPPROTO_ICMPV6 && p->icmp_type == 1))) {
		return;
	}
	s = ps_sketch_of(p->hdst);
	if (!s)
		return;
	/* Kept before admission too: an admitted source starts with them. */
	if (accept)
		__sync_fetch_and_add(&s->accepted, 1);
	if (!s->tracked_until)
		return;		/* most answers: to nobody we track, no clock read */
	now = ps_now();
	if (!ps_time_after(s->tracked_until, now))
		return;
	e = ps_scan_of(p, p->daddr);
	if (!e)
		return;
	ctr = accept ? &e->accepted : &e->refused;
	__sync_fetch_and_add(ctr, 1);
}

static __always_inline bool ps_scan_on(void)
{
	return ps_alert_enabled(PS_ALERT_PORT_SCAN) || ps_alert_enabled(PS_ALERT_HOST_SWEEP);
}

/*
 * An ingress SYN, before its handshake is followed: start the fetch of its
 * source's sketch slot.  From a new source (a flood, a scan) that slot and
 * the connection's ps_flows slot both come from L3 or memory; read one
 * after the other, behind the handshake's call and clock read, the two
 * waits add up, and started here they overlap.  The value is not used: a
 * load nothing waits for.
 */
static __always_inline void ps_scan_prefetch(const struct ps_pkt *p)
{
	struct ps_sketch *s;

	if (!ps_scan_on())
		return;
	s = ps_sketch_of(p->hsrc);
	if (s)
		(void)*(volatile __u64 *)&s->ports;
}

/*
 * For ps_detect(), by protocol: an ingress probe goes through the sketch;
 * what is no probe may be an answer (on a router or bridge the answers to
 * a source pass inward too), and egress has only answers.  Group
 * destinations are no scan of a host (ps_to_group()).
 */
static __always_inline void ps_detect_scan_tcp(const struct ps_pkt *p,
					       __u32 ifindex, __u32 dir)
{
	__u8 kind = 0;

	if (!ps_scan_on())
		return;
	if (dir == PS_DIR_INGRESS && !ps_to_group(p))
		kind = ps_probe_kind_tcp(p);
	if (kind)
		ps_scan_probe(p, kind, ifindex, dir);
	else if ((p->tcp_flags & PS_TH_RST) ||
		 (p->tcp_flags & (PS_TH_SYN | PS_TH_ACK)) == (PS_TH_SYN | PS_TH_ACK))
		ps_scan_answer(p);
}

/* @amp_src: the source port is an amplifier's (ps_detect_udp()). */
static __always_inline void ps_detect_scan_udp(const struct ps_pkt *p, bool amp_src,
					       __u32 ifindex, __u32 dir)
{
	/* Nor are answers from amplifier ports (a reflection hits random ports). */
	if (!ps_scan_on() || dir != PS_DIR_INGRESS || p->dport >= PS_SCAN_EPHEMERAL ||
	    amp_src || ps_to_group(p))
		return;
	ps_scan_probe(p, PS_SCAN_UDP, ifindex, dir);
}

static __always_inline void ps_detect_scan_other(const struct ps_pkt *p,
						 __u32 ifindex, __u32 dir)
{
	__u8 kind = 0;

	if (!ps_scan_on())
		return;
	if (dir == PS_DIR_INGRESS) {
		kind = ps_probe_kind_other(p);
		if (kind && ps_to_group(p))
			kind = 0;
	}
	if (kind)
		ps_scan_probe(p, kind, ifindex, dir);
	else
		ps_scan_answer(p);
}

#endif /* PS_SCAN_H */
