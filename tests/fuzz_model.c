// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_model.c - the BPF side's parser and counting compiled for user
 * space (fuzz_model.h).  A file of its own: bpf_helpers.h declares helpers
 * under the names libbpf's user-space API uses.
 */
#include "ps_parse.h"
#include "ps_count.h"
#include "fuzz_model.h"

void fuzz_model_count(const __u8 *frame, __u32 linear, __u32 len,
		      struct ps_counters *c)
{
	struct ps_pkt p;

	ps_parse((void *)frame, (void *)(frame + linear), 0, &p);
	ps_count(c, &p, len);
}
