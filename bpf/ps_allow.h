/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * ps_allow.h - the allow-list: prefixes (known scanners, monitoring hosts)
 * whose traffic a detector ignores.  Asked by the alert path before an
 * event is sent and by the scan detector before it spends state on a
 * source, so it stands on its own.
 */
#ifndef PS_ALLOW_H
#define PS_ALLOW_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "portsense.h"
#include "ps_addr.h"
#include "ps_config.h"

/* Value: the detectors that ignore the prefix, bit (1 << enum ps_alert). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PS_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ps_lpm_key);
	__type(value, __u32);
} ps_allow SEC(".maps");

/*
 * True when @addr is allow-listed for @a.  An LPM lookup costs tens of
 * nanoseconds, so callers ask only when an alert or new state is at stake,
 * never per packet; with an empty list (the loader says so) never at all.
 */
static __always_inline bool ps_allowed(enum ps_alert a, __u8 l3,
				       const __be32 addr[4])
{
	struct ps_lpm_key k = {};
	__u32 *m;

	if (!ps_cfg.allow)
		return false;
	ps_lpm_key_set(&k, l3, addr);
	m = bpf_map_lookup_elem(&ps_allow, &k);
	return m && (*m & (1U << a));
}

#endif /* PS_ALLOW_H */
