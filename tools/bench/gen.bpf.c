// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The traffic generator's program (tools/bench/livegen.c).  It is never
 * attached: livegen runs it with BPF_PROG_TEST_RUN in live-frames mode,
 * where XDP_TX sends each frame out of the interface named in the test
 * run's context.  One run lasts the whole measurement (each run costs tens
 * of milliseconds to set up: the kernel's XDP dispatcher is updated and
 * waits for RCU), so everything that varies per frame happens here:
 *  - a mix: frame i becomes template i % n_tmpl (its headers copied in,
 *    its length set with bpf_xdp_adjust_tail);
 *  - spoofed sources: a new source address per frame, n_sources of them,
 *    checksums kept right so the receiving stack treats the frames as real;
 *  - pacing: a frame goes out when the clock says it is due, else the
 *    program drops it (the page goes back to the pool at once).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define GEN_TMPL_MAX	8
#define GEN_HDR_MAX	256	/* bytes of a template copied into each frame */

/* Set by livegen before loading. */
const volatile __u32 src_mode;		/* 0 as is, 4 IPv4, 6 IPv6 */
const volatile __u32 n_sources;		/* distinct sources, cycled */
const volatile __u32 ip_off;		/* where the IP header starts */
const volatile __u32 l4_csum_off;	/* TCP/UDP checksum; 0: none */
const volatile __u32 n_tmpl;		/* > 1: a mix, from gen_tmpl */
const volatile __u32 tmpl_len[GEN_TMPL_MAX];
const volatile __u64 interval_ns;	/* 0: as fast as possible */

struct gen_hdr {
	__u8 b[GEN_HDR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GEN_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct gen_hdr);
} gen_tmpl SEC(".maps");

/* Frames sent (XDP_TX); livegen reads it after the run. */
__u64 seq;
/* Pacing: when the next frame is due. */
__u64 next_ns;

/*
 * Frames become due in bursts of this many ns (2^17, 131 us), as a NIC
 * coalesces interrupts, rather than one wake-up of the receiver each.
 */
#define PACE_QUANTUM_MASK (~((1ull << 17) - 1))
/* A generator descheduled for longer owes nothing: no catch-up burst. */
#define PACE_MAX_DEBT_NS 1000000ull

/*
 * Fold one 16-bit word's change into a checksum (RFC 1624, eqn. 3):
 * frames are recycled with whatever the previous run wrote, so the change
 * is computed from the bytes found, never from the template.
 */
static __always_inline __u16 csum_replace(__u16 csum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~csum + (__u16)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static __always_inline int put_src(void *data, void *end, __u32 off, __u32 v)
{
	__u16 *w = data + off, *csum;
	__u16 hi = __builtin_bswap16(v >> 16), lo = __builtin_bswap16(v);
	__u16 *ip4csum = data + ip_off + 10;

	if ((void *)(w + 2) > end)
		return -1;
	if (l4_csum_off) {
		csum = data + l4_csum_off;
		if ((void *)(csum + 1) > end)
			return -1;
		/* A zero UDP checksum means none: leave it so. */
		if (*csum) {
			*csum = csum_replace(*csum, w[0], hi);
			*csum = csum_replace(*csum, w[1], lo);
		}
	}
	if (src_mode == 4) {
		if ((void *)(ip4csum + 1) > end)
			return -1;
		*ip4csum = csum_replace(*ip4csum, w[0], hi);
		*ip4csum = csum_replace(*ip4csum, w[1], lo);
	}
	w[0] = hi;
	w[1] = lo;
	return 0;
}

/* Frame @k of the mix: its headers over the longest template's bytes. */
static __always_inline int use_template(struct xdp_md *ctx, __u32 k)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct gen_hdr *h = bpf_map_lookup_elem(&gen_tmpl, &k);
	__u64 *dst = data;
	__u32 i;

	if (!h || k >= GEN_TMPL_MAX)
		return -1;
	for (i = 0; i < GEN_HDR_MAX / 8; i++) {
		if ((void *)(dst + i + 1) > end)
			break;
		dst[i] = ((__u64 *)h->b)[i];
	}
	return bpf_xdp_adjust_tail(ctx, (int)tmpl_len[k] - (int)(end - data));
}

SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	void *data, *end;
	__u32 i;

	if (interval_ns) {
		__u64 now = bpf_ktime_get_ns() & PACE_QUANTUM_MASK;

		if (now < next_ns)
			return XDP_DROP;
		next_ns = next_ns + PACE_MAX_DEBT_NS < now ? now : next_ns + interval_ns;
	}
	if (n_tmpl > 1 && use_template(ctx, seq % n_tmpl))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (src_mode && n_sources) {
		i = seq % n_sources;
		/*
		 * Multiplying by an odd constant permutes 32-bit (and 17-bit)
		 * values: n distinct indexes give n distinct, scattered
		 * sources, as a random-source flood would.
		 */
		i *= 2654435761u;
		if (src_mode == 4)	/* 198.18.0.0/15 */
			put_src(data, end, ip_off + 12, 0xc6120000u | (i & 0x1ffff));
		else			/* 2001:db8:XXXX:XXXX::1 */
			put_src(data, end, ip_off + 8 + 4, i);
	}
	seq++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
