// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The baselines portsense is measured against, in the same run: programs
 * that do nothing but return their verdict, and two controls that do one
 * thing more (read the frame, spin).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int base_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* The ceiling the sensor's drop variant is measured against. */
SEC("xdp")
int base_xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/*
 * XDP_DROP after reading the frame's first bytes, as any parser must:
 * between this and base_xdp_drop lies the cost of bringing the frame into
 * the receiving core's cache, which no sensor avoids.
 */
SEC("xdp")
int base_xdp_peek(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	volatile __u8 sink;

	if (data + 24 <= end)
		sink = ((__u8 *)data)[12] ^ ((__u8 *)data)[23];
	(void)sink;
	return XDP_DROP;
}

/*
 * XDP_PASS after a loop on registers that runs about as long as portsense's
 * program does on a SYN (BENCHMARKS.md prints both run times), touching no
 * memory and 100-odd bytes of code.  Beside the sensor it separates what a
 * program's run time costs the receiver from what the sensor's maps and
 * code cost the stack that runs after it (cache it takes from the stack).
 */
#define SPIN_ROUNDS 120

SEC("xdp")
int base_xdp_spin(struct xdp_md *ctx)
{
	__u64 x = ctx->rx_queue_index;
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < SPIN_ROUNDS; i++) {
		/* Opaque to the compiler: the loop is neither folded nor cut. */
		asm volatile("" : "+r"(x));
		/* Never true (queue indexes are small); the verifier cannot know. */
		if (x == 0xfff00000ULL + i)
			return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("tc")
int base_tc_pass(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
