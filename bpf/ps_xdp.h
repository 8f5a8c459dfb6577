/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_xdp.h - an XDP frame's length on the wire, all its buffers: what the
 * counters add and what a capture records as the original length.
 */
#ifndef PS_XDP_H
#define PS_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/*
 * The kernel's own XDP context (Linux 6.3+; the verifier turns the call
 * into a register move).  Weak: on an older kernel it is NULL and the
 * helper below is all there is.
 */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

/* The fields of struct xdp_buff read here (CO-RE finds their offsets). */
struct xdp_buff___ps {
	void *data;
	void *data_end;
	__u32 flags;
} __attribute__((preserve_access_index));

#define PS_XDP_FLAGS_HAS_FRAGS 1	/* enum xdp_buff_flags, include/net/xdp.h */

/*
 * The frame's length, all its buffers.  bpf_xdp_get_buff_len() is a
 * helper call, about 10 ns here once its return is paid; the frame in
 * one buffer, nearly all of them, is data_end - data.
 */
static __always_inline __u64 ps_xdp_len(struct xdp_md *ctx)
{
	if (bpf_cast_to_kern_ctx) {
		struct xdp_buff___ps *x = bpf_cast_to_kern_ctx(ctx);

		if (!(x->flags & PS_XDP_FLAGS_HAS_FRAGS))
			return x->data_end - x->data;
	}
	return bpf_xdp_get_buff_len(ctx);
}

#endif /* PS_XDP_H */
