/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * carry.h - add counts into a per-CPU counter map the data path is counting
 * into, losing none of its counts (bpf/ps_carry.bpf.c says how).
 */
#ifndef PS_CARRY_H
#define PS_CARRY_H

#include <linux/types.h>

struct ps_carry;

/*
 * Ready to add into the per-CPU array @map_fd, whose values are 64-bit
 * words.  NULL+errno (-EINVAL: not such a map).
 */
struct ps_carry *ps_carry_open(int map_fd);

/* Add @words (the map's value size) to entry @key.  0 or -errno. */
int ps_carry_add(struct ps_carry *c, __u32 key, const void *words);

void ps_carry_close(struct ps_carry *c);

#endif /* PS_CARRY_H */
