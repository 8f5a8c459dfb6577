// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * rings.c - drains an alert ring another instance left pinned (rings.h).
 * The consumer position lives in the ring itself, so reading it here
 * starts where its last reader stopped.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

#include "rings.h"

struct drain {
	const struct ps_conv *conv;
	void *buf;
	int (*fn)(void *ctx, void *data, size_t size);
	void *ctx;
	long read, lost;
};

static int one(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;

	if (!d->conv || size < d->conv->from_size) {
		d->lost++;
		return 0;
	}
	ps_conv_apply(d->conv, data, d->buf);
	d->read++;
	d->fn(d->ctx, d->buf, d->conv->to_size);
	return 0;
}

int ps_ring_drain(int fd, const struct ps_conv *conv,
		  int (*fn)(void *ctx, void *data, size_t size), void *ctx,
		  long *read, long *lost)
{
	struct drain d = { .conv = conv, .fn = fn, .ctx = ctx };
	struct ring_buffer *rb;
	int err = 0;

	d.buf = calloc(1, conv ? conv->to_size : 1);
	rb = d.buf ? ring_buffer__new(fd, one, &d, NULL) : NULL;
	if (!rb)
		err = -errno;
	else if (ring_buffer__consume(rb) < 0)
		err = -errno;
	ring_buffer__free(rb);
	free(d.buf);
	*read = d.read;
	*lost = d.lost;
	return err;
}
