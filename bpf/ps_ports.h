/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_ports.h - port sets: the port lists the loader fills (user/lists.c)
 * and the test of a port against one.
 *
 * A set is an array map of PS_PORT_WORDS 64-bit words in the layout of
 * include/ps_bitset.h, which the loader and the tests use too, so the
 * three agree on where a port's bit lives.  A member test is one array
 * lookup, which the verifier inlines, where a hash lookup would cost tens
 * of nanoseconds on every packet that asks.
 */
#ifndef PS_PORTS_H
#define PS_PORTS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "ps_bitset.h"

#define PS_PORT_BITS_MAP(name)						\
struct {								\
	__uint(type, BPF_MAP_TYPE_ARRAY);				\
	__uint(max_entries, PS_PORT_WORDS);				\
	__type(key, __u32);						\
	__type(value, __u64);						\
} name SEC(".maps")

/*
 * Is @port in the set @map (a pointer to one declared with
 * PS_PORT_BITS_MAP)?  A macro: written as an inline function returning
 * bool, clang 14 lays the lookup's NULL test out as two jumps.  @port is
 * read twice.
 */
#define ps_port_in(map, port) ({					\
	__u32 __w = ps_bit_word((__u16)(port));				\
	__u64 *__m = bpf_map_lookup_elem(map, &__w);			\
	__m && (*__m & ps_bit_mask((__u16)(port)));			\
})

/* TCP ports known for backdoors and trojans (data/backdoor-ports.txt). */
PS_PORT_BITS_MAP(ps_bdports);

/* Amplifier source ports (data/amplifier-ports.txt). */
PS_PORT_BITS_MAP(ps_ampports);

static __always_inline bool ps_amp_port(__u16 port)
{
	return ps_port_in(&ps_ampports, port);
}

#endif /* PS_PORTS_H */
