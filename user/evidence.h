/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * evidence.h - the packets behind each alert, as pcapng files
 * (--evidence DIR), and the requests of 'portsense capture'.
 *
 * The kernel opens a capture when an alert fires (bpf/ps_capture.h) and
 * sends its frames through the ps_caps ring buffer.  Here each capture
 * becomes a file in DIR (evfile.h: the directory, its cap, what cannot be
 * written); a capture that has all its frames, or has run its time, is
 * closed (its key deleted, the kernel's filter rebuilt).
 */
#ifndef PS_EVIDENCE_H
#define PS_EVIDENCE_H

#include <stdbool.h>
#include <linux/types.h>

#include "portsense.h"

struct ps_evidence;

struct ps_evidence_opts {
	const char *dir;		/* NULL: no alert captures, requests only */
	const char *version;		/* for the Section Header */
	int capkeys_fd, capreq_fd, global_fd;
	/* The kernel's side of the filter, in its .bss (mmaped by the skeleton). */
	__u32 *live;
	__u64 *gen, *mask, *seq;
};

/* NULL after a message (DIR not usable).  Then ps_evidence_tune(), before the first poll. */
struct ps_evidence *ps_evidence_new(const struct ps_evidence_opts *o);

/* Close every file; the kernel's open captures are closed too. */
void ps_evidence_free(struct ps_evidence *ev);

/* ring_buffer_sample_fn for ps_caps: one captured frame. */
int ps_evidence_record(void *ctx, void *data, size_t size);

/*
 * The file of capture @cap, which alert @alert opened (or joined), opened
 * now if it is new ("" when none: no DIR, @cap 0, or it could not be made).
 */
const char *ps_evidence_file(struct ps_evidence *ev, __u32 cap, __u32 alert);

/* A reload's live settings: the cap, the snap length, a capture's time (captures opened from now on). */
void ps_evidence_tune(struct ps_evidence *ev, unsigned long long max_bytes, __u32 snaplen,
		      __u64 capture_ns);

/* Each tick: end finished captures, take 'portsense capture' requests. */
void ps_evidence_poll(struct ps_evidence *ev);

#endif /* PS_EVIDENCE_H */
