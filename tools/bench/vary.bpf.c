// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A new source on every packet inside one BPF_PROG_TEST_RUN kernel loop
 * (progbench's "new source" rows).  The kernel hands every repetition the
 * same buffer, so a program that rewrites the frame's IPv4 source and then
 * tail-calls the program under test shows that program a new source on
 * every run, with its code and the rest of its state as warm as in the
 * warm rows.  The old way, one run per call with the source changed from
 * user space, measured the syscall's boundary too: with PTI and no PCID
 * (this VM) every call starts with an empty TLB, and that, not the new
 * source, was most of the figure.
 *
 * The baseline runs the same wrapper into a PASS program (vary_*_pass):
 * the rewrite and the tail call are in both, so the difference is what the
 * sensor adds.  progbench puts the program under test in slot 0 of the
 * hook's program array before each loop.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * The sources walk 198.18.0.0/15 (131072 addresses; 131071 is prime, so a
 * step below it visits every address but .0 once per 131071 runs): a source
 * comes back only after more others than any of the sensor's per-source
 * tables holds, so each one is new to the sensor's state.
 */
#define VARY_SPAN	131071u
#define VARY_STEP	40503u		/* about 0.31 of the span: neighbours land far apart */
#define VARY_BASE	0xC6120000u	/* 198.18.0.0 */
#define IP4_SRC_OFF	(14 + 12)	/* untagged Ethernet, then the IPv4 header's source */

/* Off (0): the same source every time, for the control row (the wrapper's work without the new source). */
const volatile __u32 vary_on = 1;
__u32 vary_idx;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vary_xdp_next SEC(".maps"), vary_tc_next SEC(".maps");

/* The next source into @data's IPv4 header, or -1 when the frame is too short. */
static __always_inline int vary_src(void *data, void *end)
{
	__u32 i = vary_idx;

	if (data + IP4_SRC_OFF + 4 > end)
		return -1;
	if (vary_on) {
		i += VARY_STEP;
		if (i >= VARY_SPAN)
			i -= VARY_SPAN;
		vary_idx = i;
	}
	*(__u32 *)(data + IP4_SRC_OFF) = bpf_htonl(VARY_BASE + 1 + i);
	return 0;
}

/* xdp.frags, as ps_xdp is: a program array takes programs of one kind only. */
SEC("xdp.frags")
int vary_xdp(struct xdp_md *ctx)
{
	if (vary_src((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &vary_xdp_next, 0);
	return XDP_ABORTED;	/* slot empty: progbench checks the verdict */
}

SEC("xdp.frags")
int vary_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int vary_tc(struct __sk_buff *skb)
{
	if (vary_src((void *)(long)skb->data, (void *)(long)skb->data_end))
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &vary_tc_next, 0);
	return TC_ACT_SHOT;
}

SEC("tc")
int vary_tc_pass(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
