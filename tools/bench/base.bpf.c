// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The baselines portsense is measured against, in the same run: programs
 * that do nothing but return their verdict.
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

SEC("tc")
int base_tc_pass(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
