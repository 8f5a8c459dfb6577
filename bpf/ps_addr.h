/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_addr.h - an address as the key of state: the family every key and
 * event carries, 4 or 6, and the comparisons and LPM keys built on it.
 *
 * The parser's enum ps_l3 (0 IPv4, 1 IPv6, 2 ARP) is a frame's kind, not
 * an address family: keys hold 4 or 6, as struct ps_lpm_key, the talker
 * keys and the events always have, so `bpftool map dump` of any map, and
 * user space reading one, see one convention.  An ARP claim is an IPv4
 * address.
 */
#ifndef PS_ADDR_H
#define PS_ADDR_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"

_Static_assert(PS_L3_IPV4 == 0 && PS_L3_IPV6 == 1 && PS_L3_ARP == 2,
	       "ps_family() maps enum ps_l3 by its low bit");

/*
 * The family of the addresses of a frame of kind @l3: IPv4, IPv6 or ARP,
 * the kinds with addresses.  Arithmetic, not a branch: inlined at every
 * key, a branch on the frame's kind would double the paths the verifier
 * walks from there.
 */
static __always_inline __u8 ps_family(__u8 l3)
{
	return 4 + ((l3 & 1) << 1);
}

/* Is @k the address @addr of a frame of kind @l3? */
static __always_inline bool ps_key_eq(const struct ps_src_key *k, __u8 l3,
				      const __be32 addr[4])
{
	return k->family == ps_family(l3) && k->addr[0] == addr[0] &&
	       k->addr[1] == addr[1] && k->addr[2] == addr[2] && k->addr[3] == addr[3];
}

/*
 * @k: the key of the whole address @addr of a frame of kind @l3 in an LPM
 * trie of struct ps_lpm_key, whose family byte counts in the prefix.
 * @addr is as struct ps_pkt holds it, zero past an IPv4 address, so one
 * copy serves both families.
 */
static __always_inline void ps_lpm_key_set(struct ps_lpm_key *k, __u8 l3,
					   const __be32 addr[4])
{
	k->family = ps_family(l3);
	k->prefixlen = 8 + (l3 == PS_L3_IPV6 ? 128 : 32);
	__builtin_memcpy(k->addr, addr, 16);
}

#endif /* PS_ADDR_H */
