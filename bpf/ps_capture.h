/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_capture.h - evidence (--evidence): the frames behind an alert, copied
 * at the hook that saw them.  include/portsense.h ("--evidence") says what
 * a capture is; here is how it stays free for the frames it does not want.
 *
 * Alerts open captures only with --evidence (ps_cfg.evidence); 'portsense
 * capture' opens them through the running instance at any time.  A frame
 * first loads ps_cap_live,
 * the number of captures open (almost always 0).  While some are open, it
 * tests its source's and destination's bits in ps_cap_mask, a 4096-bit
 * filter of the addresses under capture kept in .bss: memory, no helper
 * call.  Only a frame whose bits are set looks its keys up in ps_capkeys.
 * The bits are set here when a capture opens, and rebuilt by the loader
 * when captures end (ps_cap_gen tells it a capture opened meanwhile).
 */
#ifndef PS_CAPTURE_H
#define PS_CAPTURE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_addr.h"
#include "ps_budget.h"
#include "ps_clock.h"
#include "ps_config.h"
#include "ps_global.h"
#include "ps_hash.h"
#include "ps_parse.h"
#include "ps_xdp.h"

/* The capture code is loaded (a test may leave it out to measure it). */
const volatile __u32 ps_capture_on = 1;

__u32 ps_cap_live;				/* captures opened the loader has not closed */
__u64 ps_cap_gen;				/* captures ever opened */
__u64 ps_cap_mask[PS_CAP_MASK_WORDS];		/* addresses under capture, hashed */
__u64 ps_cap_seq;				/* the last capture id */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PS_CAP_KEYS);
	__type(key, struct ps_capkey);
	__type(value, struct ps_cap);
} ps_capkeys SEC(".maps");

/* The alerts' captures, read by the running instance. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} ps_caps SEC(".maps");

/* 'portsense capture''s, read by the subcommand through its pin. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} ps_capod SEC(".maps");

/* 'portsense capture''s requests to the running instance (not read here). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_CAP_REQS);
	__type(key, __u32);
	__type(value, struct ps_capreq);
} ps_capreq SEC(".maps");

/* Where a new capture's entry is built (per CPU: the stack is short). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_cap);
} ps_capscr SEC(".maps");

/* New captures in the current second (--evidence-rate). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_budget);
} ps_capbud SEC(".maps");

static __always_inline bool ps_cap_maybe(__u64 h)
{
	__u32 b = ps_cap_bit(h);

	return ps_cap_mask[ps_bit_word(b) & (PS_CAP_MASK_WORDS - 1)] & ps_bit_mask(b);
}

/*
 * An alert: open a capture of its key, address @addr (of frame kind @l3)
 * and @port (0: any), or join the one open.  Returns the capture's id, 0
 * when none (no room, the second's budget spent).  From ps_emit() alone;
 * a call of its own, so its locals never add to ps_emit()'s frame (the
 * handshake code calls ps_emit() from a call already).
 */
static __attribute__((noinline)) __u32 ps_cap_start(__u8 l3, const __be32 addr[4], __u16 port,
						     __u32 alert, __u64 now)
{
	struct ps_cap *c, *n;
	struct ps_budget *b;
	__u32 zero = 0, bit;

	/* Built in ps_capscr, not on the stack: ps_emit() runs deep in some call chains. */
	n = bpf_map_lookup_elem(&ps_capscr, &zero);
	if (!n)
		return 0;
	__builtin_memset(n, 0, sizeof(*n));
	n->key.family = ps_family(l3);
	n->key.port = port;
	__builtin_memcpy(n->key.addr, addr, 16);
	c = bpf_map_lookup_elem(&ps_capkeys, &n->key);
	if (c && c->ondemand)
		return 0;	/* 'portsense capture' holds the key: the frames go to it */
	if (c && c->left > 0 && ps_time_after(c->until_ns, now))
		return c->id;	/* a held-down repeat: the same capture, the same file */
	b = bpf_map_lookup_elem(&ps_capbud, &zero);
	if (!b || !ps_budget_take(b, now, ps_cfg.evidence_rate)) {
		ps_global_add(PS_G_CAP_RATELIMITED);
		return 0;
	}
	n->id = __sync_fetch_and_add(&ps_cap_seq, 1) + 1;
	n->left = ps_cfg.evidence_packets;
	n->until_ns = now + ps_cfg.evidence_ns;
	n->alert = alert;
	n->cpu = bpf_get_smp_processor_id();
	if (bpf_map_update_elem(&ps_capkeys, &n->key, n, BPF_ANY)) {
		ps_global_add(PS_G_CAP_TABLE_FULL);
		return 0;
	}
	bit = ps_cap_bit(ps_addr_hash(l3 == PS_L3_IPV6 ? PS_L3_IPV6 : PS_L3_IPV4, addr));
	__sync_fetch_and_or(&ps_cap_mask[ps_bit_word(bit) & (PS_CAP_MASK_WORDS - 1)],
			    ps_bit_mask(bit));
	__sync_fetch_and_add(&ps_cap_gen, 1);
	__sync_fetch_and_add(&ps_cap_live, 1);
	ps_global_add(PS_G_CAP_OPENED);
	return n->id;
}

#define PS_CAP_FIND_MAX 4	/* captures a frame can belong to: address and port, each end */

/*
 * The captures @p belongs to: of its source or its destination, with or
 * without the port (an alert of the scanner and one of the victim may
 * both be open: the frame goes to each).  Returns how many, in @c.
 */
static __always_inline int ps_cap_find(const struct ps_pkt *p, struct ps_cap *c[PS_CAP_FIND_MAX])
{
	struct ps_capkey k = { .family = ps_family(p->l3) };
	__u64 hs = p->hsrc, hd = p->hdst;
	struct ps_cap *x;
	int n = 0, side, port;

	/* ARP: its sender and target, which the detectors do not hash. */
	if (p->l3 == PS_L3_ARP) {
		hs = ps_addr_hash(PS_L3_IPV4, p->saddr);
		hd = ps_addr_hash(PS_L3_IPV4, p->daddr);
	}
#pragma unroll
	for (side = 0; side < 2; side++) {
		if (!ps_cap_maybe(side ? hd : hs))
			continue;
		__builtin_memcpy(k.addr, side ? p->daddr : p->saddr, 16);
#pragma unroll
		for (port = 0; port < 2; port++) {
			k.port = port ? (side ? p->dport : p->sport) : 0;
			if (port && !k.port)
				continue;
			x = bpf_map_lookup_elem(&ps_capkeys, &k);
			if (x && (!n || x != c[0]) && (n < 2 || x != c[1]) && (n < 3 || x != c[2]))
				c[n++ & (PS_CAP_FIND_MAX - 1)] = x;
		}
	}
	return n;
}

/*
 * A record for capture @c if it still takes frames: its header filled,
 * its data for the caller to load.  NULL: none.
 */
static __always_inline struct ps_caprec *ps_cap_record(struct ps_cap *c, __u64 len,
						       __u32 ifindex, __u32 dir, __u32 *caplen)
{
	struct ps_caprec *r;
	__u32 snap;

	/* An on-demand capture's time is the subcommand's: it ends it. */
	if (c->left <= 0 || (!c->ondemand && !ps_time_after(c->until_ns, ps_now())))
		return NULL;
	/* The opener's CPU runs its frame to the end before another: that frame is first. */
	if (!c->armed && c->cpu != bpf_get_smp_processor_id())
		return NULL;
	if (__sync_fetch_and_add(&c->left, -1) <= 0)
		return NULL;	/* another CPU took the last one */
	r = bpf_ringbuf_reserve(c->ondemand ? (void *)&ps_capod : (void *)&ps_caps, sizeof(*r), 0);
	if (!r) {
		ps_global_add(PS_G_CAP_RING_LOST);
		c->armed = 1;	/* the first is lost: the rest still count */
		return NULL;
	}
	c->armed = 1;	/* after the reservation: every later one follows it in the ring */
	snap = ps_cfg.evidence_snap;
	if (snap > PS_CAP_SNAP_MAX)
		snap = PS_CAP_SNAP_MAX;
	*caplen = len < snap ? len : snap;
	r->ts_ns = bpf_ktime_get_ns();
	r->cap = c->id;
	r->ifindex = ifindex;
	r->wire_len = len;
	r->caplen = *caplen;
	r->dir = dir;
	r->alert = c->alert;
	__builtin_memcpy(&r->key, &c->key, sizeof(r->key));
	return r;
}

/*
 * The capture check, once the frame is parsed and the detectors ran (an
 * alert of this frame has opened its capture, so the frame itself is its
 * first).  Calls, not inline: only frames of a capture get this far.
 */
__attribute__((noinline)) int ps_capture_xdp(struct xdp_md *ctx, const struct ps_pkt *p)
{
	struct ps_cap *c[PS_CAP_FIND_MAX];
	struct ps_caprec *r;
	__u64 len;
	__u32 n;
	int i, k;

	if (!ctx || !p)
		return 0;
	k = ps_cap_find(p, c);
	len = ps_xdp_len(ctx);
	for (i = 0; i < k && i < PS_CAP_FIND_MAX; i++) {
		r = ps_cap_record(c[i], len, ctx->ingress_ifindex, PS_DIR_INGRESS, &n);
		if (!r)
			continue;
		/* 1..PS_CAP_SNAP_MAX as arithmetic, not a test: a bound the verifier keeps. */
		n = ((n - 1) & (PS_CAP_SNAP_MAX - 1)) + 1;
		if (bpf_xdp_load_bytes(ctx, 0, r->data, n))
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
	}
	return 0;
}

__attribute__((noinline)) int ps_capture_skb(struct __sk_buff *skb, const struct ps_pkt *p,
					     __u32 dir)
{
	struct ps_cap *c[PS_CAP_FIND_MAX];
	struct ps_caprec *r;
	__u32 n, len;
	int i, k;

	if (!skb || !p)
		return 0;
	k = ps_cap_find(p, c);
	/* On the wire: with the VLAN tag the kernel moved into metadata (ps_tc()). */
	len = skb->len + (skb->vlan_present ? 4 : 0);
	for (i = 0; i < k && i < PS_CAP_FIND_MAX; i++) {
		r = ps_cap_record(c[i], len, skb->ifindex, dir, &n);
		if (!r)
			continue;
		/* The skb lacks a stripped VLAN tag's 4 bytes: what it holds, at most. */
		if (n > skb->len)
			n = skb->len;
		n = ((n - 1) & (PS_CAP_SNAP_MAX - 1)) + 1;	/* frames have 14 bytes at least */
		r->caplen = n;
		if (bpf_skb_load_bytes(skb, 0, r->data, n))
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
	}
	return 0;
}

#endif /* PS_CAPTURE_H */
