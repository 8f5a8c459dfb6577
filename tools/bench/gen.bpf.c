// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The traffic generator's program (tools/bench/livegen.c).  It is never
 * attached: livegen runs it with BPF_PROG_TEST_RUN in live-frames mode,
 * where XDP_TX sends each frame out of the interface named in the test
 * run's context.  It only rewrites the source address when the run asks
 * for many distinct sources (a spoofed flood), keeping the checksums
 * right so the receiving stack treats the frames as it would real ones.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set by livegen before loading (the template's layout). */
const volatile __u32 src_mode;		/* 0 as is, 4 IPv4, 6 IPv6 */
const volatile __u32 n_sources;		/* distinct sources, cycled */
const volatile __u32 ip_off;		/* where the IP header starts */
const volatile __u32 l4_csum_off;	/* TCP/UDP checksum; 0: none */

/* Frames sent by this program; livegen may read it. */
__u64 seq;

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

SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 i;

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
