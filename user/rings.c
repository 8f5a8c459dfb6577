// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * rings.c - drains an alert ring another instance left pinned (rings.h).
 * The consumer position lives in the ring itself, so reading it here
 * starts where its last reader stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The pin that says what ring pin @ring's records are: @type_map with its suffix, else without. */
static struct ps_pin *record_type(struct ps_pins *p, const struct ps_pin *ring, const char *type_map)
{
	char name[128];
	struct ps_pin *t;

	snprintf(name, sizeof(name), "%s%s", type_map, ring->name + strlen(ring->base));
	t = ps_pins_find(p, name);
	return t ? t : ps_pins_find(p, type_map);
}

void ps_rings_drain(struct ps_pins *p, const char *ring, const char *ring_type,
		    struct bpf_object *obj, __u32 own_id, bool leftovers_only,
		    ps_record_fn fn, void *ctx)
{
	const struct bpf_map *own = bpf_object__find_map_by_name(obj, ring_type);
	long read, lost;
	int i;

	for (i = 0; i < p->n; i++) {
		struct ps_pin *r = &p->v[i], *t;
		struct ps_conv conv = {};
		const struct btf *btf;
		bool known;

		if (strcmp(r->base, ring) || r->info.id == own_id || r->info.type != BPF_MAP_TYPE_RINGBUF ||
		    (leftovers_only && !r->leftover))
			continue;
		t = record_type(p, r, ring_type);
		/* First: it finds t->value_type. */
		btf = t ? ps_pin_btf(p, t) : NULL;
		known = t && own && !ps_conv_plan(&conv, btf, t->value_type, t->info.value_size,
						  bpf_object__btf(obj), bpf_map__btf_value_type_id(own),
						  bpf_map__value_size(own));
		ps_ring_drain(r->fd, known ? &conv : NULL, fn, ctx, &read, &lost);
		ps_conv_free(&conv);
		if (read)
			fprintf(stderr, "portsense: %ld alerts an instance before this one had not read, taken"
				" from %s\n", read, r->name);
		if (lost)
			fprintf(stderr, "portsense: %ld alerts in %s are lost: their layout is unknown\n",
				lost, r->name);
	}
}
