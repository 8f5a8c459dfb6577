// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * mapstats.c - the fill of the object's maps and its programs' run-time
 * statistics, read from the kernel at scrape time (mapstats.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "mapstats.h"

/* A map whose fill is exported. */
struct fill_map {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
	enum bpf_map_type type;
	__u32 max_entries, key_size, value_size;
};

struct prog {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
};

struct ps_mapstats {
	struct fill_map *fill;
	int n_fill;
	struct prog *progs;
	int n_progs;
};

static bool is_hash(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool nonzero(const void *v, size_t len)
{
	const unsigned char *b = v;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return true;
	return false;
}

/*
 * Entries in use: keys of a hash or LPM trie; slots of an array holding
 * anything but zeros (direct-mapped tables are never cleared, so a used
 * slot stays used).  Batches where the kernel has them; at most
 * max_entries steps either way, so a map changing underneath cannot keep
 * a scrape busy.  -1 when it cannot be read.
 */
static long long map_entries(const struct fill_map *fm)
{
	const __u32 chunk = 1024;
	bool percpu = fm->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      fm->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	/* A per-CPU value comes out once per CPU, each rounded up to 8 bytes. */
	size_t vsize = percpu ? ((fm->value_size + 7) & ~7U) * libbpf_num_possible_cpus() :
			 fm->value_size;
	__u32 count, steps = 0, i;
	void *keys = NULL, *vals = NULL, *key = NULL, *next = NULL;
	long long n = 0;
	bool batch_ok = true;
	__u64 batch = 0;
	int err;

	if (fm->type == BPF_MAP_TYPE_ARRAY || is_hash(fm->type)) {
		keys = calloc(chunk, fm->key_size);
		vals = calloc(chunk, vsize);
		if (!keys || !vals) {
			n = -1;
			goto out;
		}
		for (;;) {
			count = chunk;
			err = bpf_map_lookup_batch(fm->fd, steps ? &batch : NULL, &batch,
						   keys, vals, &count, NULL) ? -errno : 0;
			if (err && err != -ENOENT) {
				batch_ok = false;	/* no batch ops: walk the keys */
				n = 0;
				break;
			}
			if (fm->type == BPF_MAP_TYPE_ARRAY) {
				for (i = 0; i < count; i++)
					n += nonzero((char *)vals + (size_t)i * fm->value_size,
						     fm->value_size);
			} else {
				n += count;
			}
			steps += count;
			if (err == -ENOENT || !count || steps >= fm->max_entries)
				break;
		}
		if (batch_ok)
			goto out;
	}
	if (fm->type == BPF_MAP_TYPE_ARRAY) {
		/* The same, one lookup per slot. */
		free(vals);
		vals = malloc(fm->value_size);
		if (!vals) {
			n = -1;
			goto out;
		}
		for (i = 0; i < fm->max_entries; i++)
			if (!bpf_map_lookup_elem(fm->fd, &i, vals))
				n += nonzero(vals, fm->value_size);
		goto out;
	}
	key = calloc(1, fm->key_size);
	next = calloc(1, fm->key_size);
	if (!key || !next) {
		n = -1;
		goto out;
	}
	err = bpf_map_get_next_key(fm->fd, NULL, next);
	while (!err && n < fm->max_entries) {
		n++;
		memcpy(key, next, fm->key_size);
		err = bpf_map_get_next_key(fm->fd, key, next);
	}
out:
	free(keys);
	free(vals);
	free(key);
	free(next);
	return n;
}

struct ps_mapstats *ps_mapstats_new(struct bpf_object *obj)
{
	struct ps_mapstats *ms = calloc(1, sizeof(*ms));
	struct bpf_program *p;
	struct bpf_map *map;
	int n = 0;

	if (!ms)
		return NULL;
	bpf_object__for_each_map(map, obj)
		n++;
	ms->fill = calloc(n ? n : 1, sizeof(*ms->fill));
	n = 0;
	bpf_object__for_each_program(p, obj)
		n++;
	ms->progs = calloc(n ? n : 1, sizeof(*ms->progs));
	if (!ms->fill || !ms->progs) {
		ps_mapstats_free(ms);
		errno = ENOMEM;
		return NULL;
	}
	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type t = bpf_map__type(map);
		struct fill_map *fm;

		/* Counters (per-CPU), the ring buffer and .rodata have no fill. */
		if (bpf_map__is_internal(map) || bpf_map__fd(map) < 0 ||
		    (t != BPF_MAP_TYPE_ARRAY && t != BPF_MAP_TYPE_LPM_TRIE && !is_hash(t)))
			continue;
		fm = &ms->fill[ms->n_fill++];
		snprintf(fm->name, sizeof(fm->name), "%s", bpf_map__name(map));
		fm->fd = bpf_map__fd(map);
		fm->type = t;
		fm->max_entries = bpf_map__max_entries(map);
		fm->key_size = bpf_map__key_size(map);
		fm->value_size = bpf_map__value_size(map);
	}
	bpf_object__for_each_program(p, obj) {
		struct prog *pr;

		if (bpf_program__fd(p) < 0)
			continue;	/* not loaded (ps_xdp with --hook tc) */
		pr = &ms->progs[ms->n_progs++];
		snprintf(pr->name, sizeof(pr->name), "%s", bpf_program__name(p));
		pr->fd = bpf_program__fd(p);
	}
	return ms;
}

void ps_mapstats_free(struct ps_mapstats *ms)
{
	if (!ms)
		return;
	free(ms->fill);
	free(ms->progs);
	free(ms);
}

int ps_mapstats_maps(const struct ps_mapstats *ms)
{
	return ms->n_fill;
}

void ps_mapstats_read_maps(const struct ps_mapstats *ms, struct ps_prom_map *out)
{
	int i;

	for (i = 0; i < ms->n_fill; i++) {
		out[i] = (struct ps_prom_map){
			.name = ms->fill[i].name,
			.type = libbpf_bpf_map_type_str(ms->fill[i].type),
			.entries = map_entries(&ms->fill[i]),
			.max_entries = ms->fill[i].max_entries,
		};
	}
}

bool ps_bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

int ps_mapstats_read_progs(const struct ps_mapstats *ms, struct ps_prom_prog *out, int max)
{
	int i, n = 0;

	for (i = 0; i < ms->n_progs && n < max; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(ms->progs[i].fd, &info, &len))
			continue;
		out[n++] = (struct ps_prom_prog){
			.name = ms->progs[i].name,
			.run_time_ns = info.run_time_ns,
			.run_cnt = info.run_cnt,
		};
	}
	return n;
}
