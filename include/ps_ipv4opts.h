/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_ipv4opts.h - whether an IPv4 header's options are well formed: each
 * option at least as long as its fixed part.  ps_parse.h copies the
 * options out of the frame and asks; kept apart because the walk is a
 * verifier-shaped loop of its own (a global function checked once), not
 * part of the cursor's layer-by-layer parse.
 */
#ifndef PS_IPV4OPTS_H
#define PS_IPV4OPTS_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* Minimum length of each IPv4 option that has a fixed part (RFC 791 etc.). */
static __always_inline __u8 ps_ipv4_opt_min(__u8 type)
{
	switch (type) {
	case 7:		/* record route: type, len, pointer */
	case 130:	/* security (RFC 1108) */
	case 131:	/* loose source route */
	case 133:	/* extended security */
	case 137:	/* strict source route */
		return 3;
	case 11:	/* MTU probe (RFC 1063) */
	case 12:	/* MTU reply */
	case 68:	/* timestamp: type, len, pointer, overflow/flags */
	case 136:	/* stream id */
	case 148:	/* router alert (RFC 2113) */
		return 4;
	case 134:	/* CIPSO */
		return 6;
	case 25:	/* quick-start (RFC 4782) */
		return 8;
	case 82:	/* traceroute (RFC 1393) */
		return 12;
	default:
		return 2;
	}
}

#define PS_IPV4_OPT_MAX 40	/* 60-byte header minus the fixed 20 */

struct ps_ipv4_opts {
	__u8 b[64];		/* PS_IPV4_OPT_MAX bytes used; 64 for masking */
};

/*
 * Returns 1 when an option is shorter than its fixed part, else 0.  A
 * zero/one length or one running past the header ends the walk without
 * verdict, as the kernel's walk does when the header is otherwise intact.
 *
 * A global function, so the verifier checks it once instead of once per
 * parser path that reaches it (those differ in VLAN depth and offsets).
 */
__attribute__((noinline)) int ps_ipv4_opts_bad(const struct ps_ipv4_opts *o,
					       __u32 olen)
{
	__u32 next = 0;	/* where the next option starts */
	int pos;

	if (!o || olen > PS_IPV4_OPT_MAX)
		return 0;
	/*
	 * Walk by byte position, not by a running offset: every read index
	 * is known to the verifier, which keeps its state count small.  Bytes
	 * past olen are zero (end of list), so they stop the walk.
	 */
	for (pos = 0; pos < PS_IPV4_OPT_MAX; pos++) {
		__u8 type, len;

		if ((__u32)pos != next)
			continue;
		type = o->b[pos];
		if (type == 0)		/* end of option list */
			return 0;
		if (type == 1) {	/* no-operation */
			next = pos + 1;
			continue;
		}
		if ((__u32)pos + 1 >= olen)
			return 0;
		len = o->b[pos + 1];
		if (len < 2 || pos + len > olen)
			return 0;
		if (len < ps_ipv4_opt_min(type))
			return 1;
		next = pos + len;
	}
	return 0;
}

/* Copy the @olen (a multiple of 4, at most 40) option bytes to @o. */
static __always_inline void ps_ipv4_opts_copy(struct ps_ipv4_opts *o,
					      __u8 *opt, void *end, __u32 olen)
{
	int k;

	__builtin_memset(o, 0, sizeof(*o));
	/* A bounded loop: at most 10 words, each checked against the end. */
	for (k = 0; k < PS_IPV4_OPT_MAX; k += 4) {
		if ((__u32)k >= olen || (void *)(opt + k + 4) > end)
			break;
		__builtin_memcpy(&o->b[k], opt + k, 4);
	}
}

#endif /* PS_IPV4OPTS_H */
