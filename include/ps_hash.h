/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_hash.h - the hashes every direct-mapped table and hold-down key is
 * taken from.  One set of mixing functions, so that which bits of a hash
 * one table indexes by, and which another, can be chosen apart (the slots
 * of ps_sketch, ps_flows and ps_synq take different bits of the same
 * address hash) and checked in one place (test_detect checks the spread).
 * Shared with the loader, which rebuilds the evidence filter from them.
 */
#ifndef PS_HASH_H
#define PS_HASH_H

#include <linux/types.h>

#include "portsense.h"

/* The loader computes the same hashes (the capture filter, user/evidence.c). */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* 64-bit mixing step (splitmix64's finaliser): cheap and well spread. */
static __always_inline __u64 ps_mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 31);
}

static __always_inline __u64 ps_mix_addr(__u64 h, const __be32 a[4])
{
	h = ps_mix(h, ((__u64)a[0] << 32) | a[1]);
	return ps_mix(h, ((__u64)a[2] << 32) | a[3]);
}

/* MurmurHash3's 64-bit finaliser: every input bit reaches every output bit. */
static __always_inline __u64 ps_fmix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	return h ^ (h >> 33);
}

/*
 * An address's hash (struct ps_pkt's hsrc, hdst), from which slots and
 * bits are taken at both ends of the word.  IPv4 (words 1-3 zero): one
 * mixing step of the address in the low half, whose product's high bits
 * the step folds into the low ones.  IPv6: two steps and the finaliser.
 * (An address in the high half of one step would leave the low bits
 * nearly constant: a whole /16 in a few slots; test_detect checks.)
 */
static __always_inline __u64 ps_addr_hash(__u8 l3, const __be32 a[4])
{
	if (l3 != PS_L3_IPV6)
		return ps_mix(0xADD5 + l3, a[0]);
	return ps_fmix(ps_mix(ps_mix(0xADD5 + l3, ((__u64)a[0] << 32) | a[1]),
			      ((__u64)a[2] << 32) | a[3]));
}

#endif /* PS_HASH_H */
