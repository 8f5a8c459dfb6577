/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ps_global.h - counters of the sensor itself (enum ps_global). */
#ifndef PS_GLOBAL_H
#define PS_GLOBAL_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PS_G_MAX);
	__type(key, __u32);
	__type(value, __u64);
} ps_global SEC(".maps");

static __always_inline void ps_global_add(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&ps_global, &idx);

	if (v)
		(*v)++;
}

#endif /* PS_GLOBAL_H */
