// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * carry.c - loads bpf/ps_carry.bpf.c against one per-CPU counter map and
 * runs it once per entry to add (carry.h).
 */
#include <errno.h>
#include <stdlib.h>
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
