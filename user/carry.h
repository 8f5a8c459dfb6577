/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * carry.h - add counts into a per-CPU counter map the data path is counting
 * into, losing none of its counts (bpf/ps_carry.bpf.c says how).
 */
#ifndef PS_CARRY_H
#define PS_CARRY_H

#include <linux/types.h>
#include <bpf/libbpf.h>

#include "btfconv.h"
#include "pins.h"

struct ps_carry;

/*
 * Ready to add into the per-CPU array @map_fd, whose values are 64-bit
 * words.  NULL+errno (-EINVAL: not such a map).
 */
struct ps_carry *ps_carry_open(int map_fd);

/* Add @words (the map's value size) to entry @key.  0 or -errno. */
int ps_carry_add(struct ps_carry *c, __u32 key, const void *words);

void ps_carry_close(struct ps_carry *c);

/*
 * Called for each entry carried into a per-CPU map: @value is what was
 * added, in this build's layout.
 */
typedef void (*ps_carried_fn)(void *ctx, const char *map, __u32 key, const void *value);

/*
 * The counters of the pinned per-CPU array @src, rewritten by @conv, added
 * into @map entry by entry (all CPUs' words summed, added on this CPU),
 * each entry then given to @fn (NULL: none).  Entries past @map's end that
 * hold counts are dropped with a warning.  0 or -errno after a message.
 */
int ps_carry_pin(struct ps_pin *src, struct bpf_map *map, const struct ps_conv *conv,
		 ps_carried_fn fn, void *ctx);

#endif /* PS_CARRY_H */
