// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* A program somebody else attached: portsense must refuse to replace it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int other_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
