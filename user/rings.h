/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * rings.h - reading an alert ring another instance left pinned (it died, or
 * handed over before reading its last alerts), record by record in this
 * build's event layout, so no alert raised in the kernel goes unreported.
 */
#ifndef PS_RINGS_H
#define PS_RINGS_H

#include <stddef.h>

#include "btfconv.h"

/*
 * Everything in ring @fd now, each record rewritten by @conv (NULL: its
 * layout is unknown) and given to @fn.  Records that cannot be read are
 * counted in *@lost, the rest in *@read.  0 or -errno.
 */
int ps_ring_drain(int fd, const struct ps_conv *conv,
		  int (*fn)(void *ctx, void *data, size_t size), void *ctx,
		  long *read, long *lost);

#endif /* PS_RINGS_H */
