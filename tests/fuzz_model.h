/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz_model.h - the counting of one frame as the BPF programs do it,
 * computed in user space from the same source (include/ps_parse.h,
 * bpf/ps_count.h) compiled natively.  The fuzz harness compares the
 * kernel's counters with it: a difference is the verifier, the BPF
 * compiler or a helper disagreeing with the C, or the hooks feeding the
 * parser something else than the frame.
 */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

#include <linux/types.h>

#include "portsense.h"

/*
 * Add to @c what a frame of @len bytes counts when the program sees its
 * first @linear bytes (XDP multi-buffer: the first buffer; else @len).
 */
void fuzz_model_count(const __u8 *frame, __u32 linear, __u32 len,
		      struct ps_counters *c);

#endif /* FUZZ_MODEL_H */
