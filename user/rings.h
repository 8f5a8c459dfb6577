/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * rings.h - reading an alert ring another instance left pinned (it died, or
 * handed over before reading its last alerts), record by record in this
 * build's event layout, so no alert raised in the kernel goes unreported.
 */
#ifndef PS_RINGS_H
#define PS_RINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

#include "btfconv.h"
#include "pins.h"

/* An alert record of another instance's ring, in this build's layout. */
typedef int (*ps_record_fn)(void *ctx, void *data, size_t size);

/*
 * Everything in ring @fd now, each record rewritten by @conv (NULL: its
 * layout is unknown) and given to @fn.  Records that cannot be read are
 * counted in *@lost, the rest in *@read.  0 or -errno.
 */
int ps_ring_drain(int fd, const struct ps_conv *conv,
		  int (*fn)(void *ctx, void *data, size_t size), void *ctx,
		  long *read, long *lost);

/*
 * Every alert ring among @p (pins named @ring, temporary ones too; only
 * those with @leftovers_only) but @own_id drained into @fn.  Their records
 * are rewritten into @obj's @ring_type map's value type, from the value
 * type of the @ring_type pin that came with each ring.  Says how many.
 */
void ps_rings_drain(struct ps_pins *p, const char *ring, const char *ring_type,
		    struct bpf_object *obj, __u32 own_id, bool leftovers_only,
		    ps_record_fn fn, void *ctx);

#endif /* PS_RINGS_H */
