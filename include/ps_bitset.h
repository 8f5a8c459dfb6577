/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_bitset.h - the one layout of a bit set kept as 64-bit words: member i
 * is bit (i & 63) of word (i >> 6).  The port lists (a BPF array map of
 * PS_PORT_WORDS words) and the bogon first-byte sets use it in the kernel
 * (bpf/), the loader that fills them (user/lists.c) and the tests that
 * read them back, so the three can never disagree on where a port lives.
 */
#ifndef PS_BITSET_H
#define PS_BITSET_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * Port lists in the kernel are 65536-bit sets in an array map of this many
 * words: a member test is one inlined array load, where a hash lookup
 * costs tens of nanoseconds per packet.
 */
#define PS_PORT_WORDS	(65536 / 64)

/* The word that holds member @i. */
static inline __u32 ps_bit_word(__u32 i)
{
	return i >> 6;
}

/* Member @i's bit within its word. */
static inline __u64 ps_bit_mask(__u32 i)
{
	return 1ULL << (i & 63);
}

static inline void ps_bitset_add(__u64 *words, __u32 i)
{
	words[ps_bit_word(i)] |= ps_bit_mask(i);
}

static inline bool ps_bitset_has(const __u64 *words, __u32 i)
{
	return words[ps_bit_word(i)] & ps_bit_mask(i);
}

#endif /* PS_BITSET_H */
