// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * carry.c - loads bpf/ps_carry.bpf.c against one per-CPU counter map and
 * runs it once per entry to add (carry.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "carry.h"
#include "ps_carry.skel.h"

struct ps_carry {
	struct ps_carry_bpf *skel;
	int delta_fd, prog_fd;
};

struct ps_carry *ps_carry_open(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct ps_carry *c;
	int err;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return NULL;
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY || !info.value_size || info.value_size % 8) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->skel = ps_carry_bpf__open();
	if (!c->skel)
		goto fail;
	c->skel->rodata->ps_words = info.value_size / 8;
	err = bpf_map__reuse_fd(c->skel->maps.ps_target, map_fd) ?:
	      bpf_map__set_value_size(c->skel->maps.ps_delta, info.value_size) ?:
	      ps_carry_bpf__load(c->skel);
	if (err) {
		errno = -err;
		goto fail;
	}
	c->delta_fd = bpf_map__fd(c->skel->maps.ps_delta);
	c->prog_fd = bpf_program__fd(c->skel->progs.ps_carry);
	return c;
fail:
	err = errno;
	ps_carry_close(c);
	errno = err;
	return NULL;
}

int ps_carry_add(struct ps_carry *c, __u32 key, const void *words)
{
	struct { __u32 key; } args = { key };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args, .ctx_size_in = sizeof(args));
	__u32 zero = 0;

	if (bpf_map_update_elem(c->delta_fd, &zero, words, BPF_ANY) ||
	    bpf_prog_test_run_opts(c->prog_fd, &o))
		return -errno;
	return o.retval ? -ENOENT : 0;
}

void ps_carry_close(struct ps_carry *c)
{
	if (!c)
		return;
	ps_carry_bpf__destroy(c->skel);
	free(c);
}

int ps_carry_pin(struct ps_pin *src, struct bpf_map *map, const struct ps_conv *conv,
		 ps_carried_fn fn, void *ctx)
{
	size_t per = (src->info.value_size + 7) & ~7U, nlen = bpf_map__value_size(map);
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	__u64 *sum = calloc(1, nlen), *one = calloc(1, nlen);
	__u8 *old = calloc(ncpu, per);
	struct ps_carry *c = NULL;
	__u32 k, w, dropped = 0;

	if (!sum || !one || !old || !(c = ps_carry_open(bpf_map__fd(map))))
		err = -errno ?: -ENOMEM;
	for (k = 0; !err && k < src->info.max_entries; k++) {
		if (bpf_map_lookup_elem(src->fd, &k, old)) {
			err = -errno;
			break;
		}
		memset(sum, 0, nlen);
		for (cpu = 0; cpu < ncpu; cpu++) {
			ps_conv_apply(conv, old + cpu * per, one);
			for (w = 0; w < nlen / 8; w++)
				sum[w] += one[w];
		}
		for (w = 0; w < nlen / 8 && !sum[w]; w++)
			;
		if (w == nlen / 8)
			continue;
		if (k >= bpf_map__max_entries(map)) {
			dropped++;
			continue;
		}
		err = ps_carry_add(c, k, sum);
		if (!err && fn)
			fn(ctx, bpf_map__name(map), k, sum);
	}
	if (dropped)
		fprintf(stderr, "portsense: %s: the counts of %u entries past its %u (of %s) are dropped\n",
			bpf_map__name(map), dropped, bpf_map__max_entries(map), src->name);
	if (err)
		fprintf(stderr, "portsense: cannot add the counters of %s into %s: %s\n", src->name,
			bpf_map__name(map), strerror(-err));
	ps_carry_close(c);
	free(sum);
	free(one);
	free(old);
	return err;
}
