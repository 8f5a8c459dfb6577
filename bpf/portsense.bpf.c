// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * portsense.bpf.c - entry points: XDP (ingress), tc ingress and tc egress.
 *
 * Each hook finds the frame's bytes and length its own way, then runs the
 * same parser (include/ps_parse.h), the same counting (ps_count.h) and the
 * same detectors (ps_detect.h).  The sensor observes only: no byte of the
 * packet is written, and every verdict is XDP_PASS or TC_ACT_UNSPEC, except
 * on an interface the operator declared a mirror port (--mirror), where a
 * frame for another host, which the stack would discard, is dropped once
 * counted.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_addr.h"
#include "ps_global.h"
#include "ps_parse.h"
#include "ps_xdp.h"
#include "ps_count.h"
#include "ps_detect.h"

/*
 * Bytes tc makes linear when the headers run past the skb's linear part:
 * Ethernet + 2 VLAN tags + a 60-byte IPv4 header or an IPv6 header with a
 * long extension chain + TCP.
 */
#define PS_TC_PULL_LEN 512

/* make bench builds a second object with XDP_DROP: the sensor's ceiling. */
#ifndef PS_XDP_VERDICT
#define PS_XDP_VERDICT XDP_PASS
#endif

/* Sized by the loader: (max interfaces + 1) x PS_DIR_MAX; slot 0 unused. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (PS_MAX_IFACES_DEFAULT + 1) * PS_DIR_MAX);
	__type(key, __u32);
	__type(value, struct ps_counters);
} ps_stats SEC(".maps");

/* Filled by the loader for each interface it attaches. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_IFSLOT_SIZE);
	__type(key, __u32);
	__type(value, struct ps_ifslot);
} ps_ifslot SEC(".maps");

/*
 * Whose counts each slot holds (struct ps_ifinfo): the loader's alone, no
 * program reads it; here so it is pinned with its BTF.  Sized as ps_stats.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PS_MAX_IFACES_DEFAULT + 1);
	__type(key, __u32);
	__type(value, struct ps_ifinfo);
} ps_ifinfo SEC(".maps");

/* Unused (one entry) unless --mirror: then the loader makes it PS_IFSLOT_SIZE. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_mirror);
} ps_mirror SEC(".maps");

/* Set by the loader when --mirror names interfaces: else no code for it. */
const volatile __u32 ps_mirror_on = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PS_TALKERS_MAX);
	__type(key, struct ps_talker_key);
	__type(value, struct ps_talker);
} ps_talkers SEC(".maps");

/* One frame in PS_TALKER_SAMPLE (struct ps_talker in portsense.h). */
static __always_inline void ps_talk(const struct ps_pkt *p, __u64 len, __u32 dir)
{
	struct ps_talker_key k = {};
	struct ps_talker *t, z = {};

	if (p->l3 != PS_L3_IPV4 && p->l3 != PS_L3_IPV6)
		return;
	k.family = ps_family(p->l3);
	__builtin_memcpy(k.addr, dir == PS_DIR_INGRESS ? p->saddr : p->daddr, 16);
	t = bpf_map_lookup_elem(&ps_talkers, &k);
	if (!t) {
		bpf_map_update_elem(&ps_talkers, &k, &z, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&ps_talkers, &k);
		if (!t)
			return;
	}
	__sync_fetch_and_add(&t->samples[dir & 1], 1);
	__sync_fetch_and_add(&t->bytes[dir & 1], len);
}

/*
 * The interface's counters in one direction; NULL: it has no slot.  Its
 * slot goes to *@slot unless @slot is NULL.
 */
static __always_inline struct ps_counters *ps_counters_of(__u32 ifindex, __u32 dir,
							  __u16 *slot)
{
	__u32 i = ifindex & (PS_IFSLOT_SIZE - 1);
	struct ps_ifslot *s = bpf_map_lookup_elem(&ps_ifslot, &i);

	if (!s || s->ifindex != ifindex || !s->slot)
		return NULL;
	if (slot)
		*slot = s->slot;
	i = ps_stats_index(s->slot, dir);
	return bpf_map_lookup_elem(&ps_stats, &i);
}

static __always_inline void ps_account(struct ps_pkt *p, __u64 len,
				       __u32 ifindex, __u32 dir)
{
	struct ps_counters *c = ps_counters_of(ifindex, dir, &p->slot);

	/* An interface attached by another path has no slot: counted as such. */
	if (!c) {
		ps_global_add(PS_G_UNSLOTTED);
		return;
	}
	ps_count(c, p, len);
	/* The frame counter is per CPU and slot: a free sampling clock. */
	if (!(c->frames & (PS_TALKER_SAMPLE - 1)))
		ps_talk(p, len, dir);
}

/* Count the frame, then run the detectors on it (the counting gives them p->slot). */
static __always_inline void ps_process(struct ps_pkt *p, __u64 len,
				       __u32 ifindex, __u32 dir)
{
	ps_account(p, len, ifindex, dir);
	ps_detect(p, len, ifindex, dir);
}

/*
 * On a mirror port (--mirror): is this a unicast frame for another host?
 * Then the stack would only discard it (PACKET_OTHERHOST), after building
 * an skb for it; counted, it is dropped here.  After the detectors, which
 * must see it, and looked up again rather than carried through them (one
 * more live value there multiplies the verifier's states).
 */
static __always_inline bool ps_mirror_drop(struct xdp_md *ctx)
{
	__u8 *d = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 ifindex = ctx->ingress_ifindex, i = ifindex & (PS_IFSLOT_SIZE - 1);
	struct ps_mirror *m = bpf_map_lookup_elem(&ps_mirror, &i);
	struct ps_counters *c;

	if (!m || m->ifindex != ifindex || d + 6 > end || (d[0] & 1))
		return false;
	if (*(__u32 *)d == *(__u32 *)m->mac && *(__u16 *)(d + 4) == *(__u16 *)(m->mac + 4))
		return false;
	c = ps_counters_of(ifindex, PS_DIR_INGRESS, NULL);
	if (c)
		c->extras[PS_X_MIRROR_DROPPED]++;
	return true;
}

/* NDP's second pass (ps_parse_nd), apart from the parser's paths. */
__attribute__((noinline)) int ps_nd_xdp(struct xdp_md *ctx, struct ps_pkt *p)
{
	if (!p)
		return 0;
	ps_parse_nd((void *)(long)ctx->data, (void *)(long)ctx->data_end, p);
	return 0;
}

__attribute__((noinline)) int ps_nd_skb(struct __sk_buff *skb, struct ps_pkt *p)
{
	if (!p)
		return 0;
	ps_parse_nd((void *)(long)skb->data, (void *)(long)skb->data_end, p);
	return 0;
}

__attribute__((noinline)) int ps_parse_skb(struct __sk_buff *skb, __u32 hw_tags,
					    struct ps_pkt *p)
{
	if (!p)
		return 0;
	ps_parse((void *)(long)skb->data, (void *)(long)skb->data_end,
		 hw_tags & 1, p);
	return 0;
}

SEC("xdp.frags")
int ps_xdp(struct xdp_md *ctx)
{
	struct ps_pkt pkt;
	__u64 len;

	/*
	 * Parser and counting inline, in one function: under the kernel's
	 * return-stack mitigations (SRSO "safe RET" here) every call and
	 * return costs about 8 ns, more than the parse itself.  The rare
	 * paths (IPv4 options, NDP's second pass, an alert) stay calls.
	 */
	ps_parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, 0, &pkt);
	if (pkt.l4_proto == IPPROTO_ICMPV6)
		ps_nd_xdp(ctx, &pkt);
	/* Whole frame: headers are in the first buffer, bytes are in all. */
	len = ps_xdp_len(ctx);
	ps_process(&pkt, len, ctx->ingress_ifindex, PS_DIR_INGRESS);
	/* The length again inside, not kept here: one value less live across ps_process(). */
	if (ps_capture_on && ps_cap_live)
		ps_capture_xdp(ctx, &pkt);
	if (ps_mirror_on && ps_mirror_drop(ctx))
		return XDP_DROP;
	return PS_XDP_VERDICT;
}

static __always_inline int ps_tc(struct __sk_buff *skb, enum ps_dir dir)
{
	__u32 len = skb->len, hw_tags = 0;
	struct ps_pkt pkt;

	/*
	 * On receive the kernel moves the outer VLAN tag into skb metadata
	 * before tc runs; put it back into the count and the length so tc
	 * sees the frame as it was on the wire, as XDP does.
	 */
	if (skb->vlan_present) {
		hw_tags = 1;
		len += 4;
	}
	ps_parse_skb(skb, hw_tags, &pkt);

	/*
	 * A header ran past the linear data while the skb holds more (a jumbo
	 * frame from a packet socket keeps only 14 bytes linear): pull and
	 * parse again.  Only then, so a TCP segment whose payload sits in page
	 * fragments, the common case, is never copied.
	 */
	if (pkt.flags & PS_PKT_CUT) {
		__u32 want = skb->len < PS_TC_PULL_LEN ? skb->len : PS_TC_PULL_LEN;
		void *data = (void *)(long)skb->data;
		void *data_end = (void *)(long)skb->data_end;

		if (data + want > data_end && !bpf_skb_pull_data(skb, want))
			ps_parse_skb(skb, hw_tags, &pkt);
	}
	if (pkt.l4_proto == IPPROTO_ICMPV6)
		ps_nd_skb(skb, &pkt);
	ps_process(&pkt, len, skb->ifindex, dir);
	if (ps_capture_on && ps_cap_live)
		ps_capture_skb(skb, &pkt, dir);
	/*
	 * UNSPEC, not OK: OK would end the filter chain and hide the packet
	 * from filters other tools attached after us; UNSPEC passes it on,
	 * and with no further filter the packet goes on exactly as with OK.
	 */
	return TC_ACT_UNSPEC;
}

SEC("tc")
int ps_tc_in(struct __sk_buff *skb)
{
	return ps_tc(skb, PS_DIR_INGRESS);
}

SEC("tc")
int ps_tc_out(struct __sk_buff *skb)
{
	return ps_tc(skb, PS_DIR_EGRESS);
}

/*
 * Handshakes that waited past the timeout get their outcome (ps_flows.h).
 * Attached nowhere: the loader runs it once a second (BPF_PROG_TEST_RUN).
 */
SEC("syscall")
int ps_hs_sweep(struct ps_hs_sweep_args *a)
{
	a->expired = ps_hs_sweep_all(a->timeout_ns);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
