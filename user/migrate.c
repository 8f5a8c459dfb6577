// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * migrate.c - pins of another layout or size carried over by field name,
 * and what an unfinished handover left taken in (migrate.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "btfconv.h"
#include "carry.h"
#include "migrate.h"
#include "rings.h"
#include "takeover.h"

#define PS_FIX_DETACH "'portsense detach --pin-path %s' removes the pins (and their counts)"

struct mig_map {
	struct bpf_map *map;
	const char *name;
	struct ps_pin *src;		/* the pin it is carried over from; NULL: reused or new */
	bool created;			/* there was no pin: libbpf pins it at the final name */
	struct ps_conv key, val;
	char final[4096], tmp[4096];
};

struct ps_migration {
	struct ps_migrate_opts o;
	struct ps_pins pins;
	struct bpf_object *obj;
	struct mig_map *maps;		/* o.names, then the ring */
	int n;
	struct ps_pins now;		/* the pins at the last rescan */
	void *owned;			/* ps_owned_of()'s arrays */
};

static bool percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool array(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Bytes of one entry as the map syscalls read it: a value per possible CPU. */
static size_t entry_size(__u32 type, __u32 value_size)
{
	return percpu(type) ? ((value_size + 7) & ~7U) * libbpf_num_possible_cpus() : value_size;
}

/* How @pin's values become @map's: -EINVAL, after the reason, when they cannot. */
static int plan_map(struct mig_map *mm, struct ps_pins *pins, struct ps_pin *pin,
		    const struct btf *own, const char *dir)
{
	const struct btf *btf = ps_pin_btf(pins, pin);
	struct bpf_map *map = mm->map;
	const char *why = NULL, *what = "";

	if (pin->info.type != bpf_map__type(map))
		why = "it is another kind of map";
	else if (ps_conv_plan(&mm->key, btf, pin->key_type, pin->info.key_size, own,
			      bpf_map__btf_key_type_id(map), bpf_map__key_size(map)))
		why = mm->key.why, what = "its key: ";
	else if (ps_conv_plan(&mm->val, btf, pin->value_type, pin->info.value_size, own,
			      bpf_map__btf_value_type_id(map), bpf_map__value_size(map)))
		why = mm->val.why;
	else if (mm->key.same && mm->val.same && pin->info.max_entries == bpf_map__max_entries(map) &&
		 pin->info.map_flags == bpf_map__map_flags(map))
		return 0;	/* reused as it is */
	else if (percpu(pin->info.type) && (!array(pin->info.type) || bpf_map__value_size(map) % 8))
		why = "its per-CPU values can be added only as an array of 64-bit counters";
	if (!why) {
		mm->src = pin;
		return 0;
	}
	fprintf(stderr, "portsense: the pinned %s cannot be carried over to this build: %s%s\n"
		"  fix: run the build that made it, or " PS_FIX_DETACH "\n", mm->name, what, why, dir);
	return -EINVAL;
}

int ps_migrate_plan(struct ps_migration **mp, struct bpf_object *obj, const struct ps_migrate_opts *o)
{
	const struct btf *own = bpf_object__btf(obj);
	struct ps_migration *m = calloc(1, sizeof(*m));
	int i, err = -ENOMEM;

	*mp = m;
	if (!m)
		goto fail;
	m->o = *o;
	m->obj = obj;
	m->maps = calloc(o->n_names + 1, sizeof(*m->maps));
	if (!m->maps)
		goto fail;
	err = ps_pins_scan(&m->pins, o->dir);
	if (err)
		goto fail;
	for (i = 0; i <= o->n_names; i++) {
		struct mig_map *mm = &m->maps[m->n];
		const char *name = i < o->n_names ? o->names[i] : o->ring;
		struct ps_pin *pin = ps_pins_find(&m->pins, name);

		mm->name = name;
		mm->map = bpf_object__find_map_by_name(obj, name);
		err = -ENOENT;
		if (!mm->map)
			goto fail;
		m->n++;
		snprintf(mm->final, sizeof(mm->final), "%s/%s", o->dir, name);
		snprintf(mm->tmp, sizeof(mm->tmp), "%s/%s" PS_TMP_PIN_SUFFIX "%d", o->dir, name,
			 (int)getpid());
		ps_pins_move_aside(&m->pins, mm->tmp);
		/* The ring is never shared: this run's is pinned aside until the others are read. */
		if (i == o->n_names || !pin) {
			mm->created = !pin;
		} else {
			err = plan_map(mm, &m->pins, pin, own, o->dir);
			if (err)
				return err;
		}
		err = bpf_map__set_pin_path(mm->map, mm->src || i == o->n_names ? mm->tmp : mm->final);
		if (err)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "portsense: cannot read the pins in %s: %s\n", o->dir, strerror(-err));
	return err;
}

/* "DIR/prog_NAME" (@tmp: with this run's suffix) of program @prog. */
static void prog_pin(char *path, size_t len, const char *dir, const struct bpf_program *prog, bool tmp)
{
	snprintf(path, len, "%s/" PS_PROG_PIN_PREFIX "%s", dir, bpf_program__name(prog));
	if (tmp)
		snprintf(path + strlen(path), len - strlen(path), PS_TMP_PIN_SUFFIX "%d", (int)getpid());
}

static bool zero(const void *p, size_t len)
{
	const __u8 *b = p;

	return !len || (!b[0] && !memcmp(b, b + 1, len - 1));
}

static void say_carried(const struct mig_map *mm)
{
	const struct bpf_map_info *i = &mm->src->info;

	fprintf(stderr, "portsense: %s: pinned with another layout or size (%u entries of %u bytes; this build:"
		" %u of %u): carried over field by field%s%s%s%s%s\n", mm->name, i->max_entries,
		i->value_size, bpf_map__max_entries(mm->map), bpf_map__value_size(mm->map),
		percpu(i->type) ? " (its counters are added once the old programs are replaced)" : "",
		mm->val.added[0] ? "; new, from zero: " : "", mm->val.added,
		mm->val.dropped[0] ? "; dropped: " : "", mm->val.dropped);
}

/*
 * Entry @key of a state map's pin does not fit this run: refused unless it
 * is empty (a slot's identity past a smaller --max-interfaces).  Counters
 * past the end are dropped when they are added, as fields that no longer
 * exist are: an array a counter enum indexes may have shrunk.
 */
static int beyond(const struct mig_map *mm, __u32 key, const void *val, size_t len, const char *dir)
{
	if (zero(val, len))
		return 0;
	fprintf(stderr, "portsense: the pinned %s holds data in entry %u, and this run's has %u entries\n"
		"  fix: start with the --max-interfaces the pins were made with (or more), or run the build\n"
		"  that made them, or " PS_FIX_DETACH "\n", mm->name, key, bpf_map__max_entries(mm->map), dir);
	return -ERANGE;
}

static int copy_map(struct ps_migration *m, struct mig_map *mm)
{
	const struct bpf_map_info *i = &mm->src->info;
	size_t olen = entry_size(i->type, i->value_size), nlen = bpf_map__value_size(mm->map);
	void *old = calloc(1, olen), *val = calloc(1, nlen), *okey = calloc(1, i->key_size + 1);
	void *nkey = calloc(1, bpf_map__key_size(mm->map) + 1), *prev = NULL;
	int fd = bpf_map__fd(mm->map), err = old && val && okey && nkey ? 0 : -ENOMEM;
	__u32 k;

	if (array(i->type)) {
		for (k = 0; !err && k < i->max_entries; k++) {
			if (percpu(i->type))
				break;	/* added later (ps_carry_pin()) */
			if (bpf_map_lookup_elem(mm->src->fd, &k, old))
				err = -errno;
			else if (k >= bpf_map__max_entries(mm->map))
				err = beyond(mm, k, old, olen, m->o.dir);
			else {
				ps_conv_apply(&mm->val, old, val);
				if (bpf_map_update_elem(fd, &k, val, BPF_ANY))
					err = -errno;
			}
		}
	} else {
		/* Bounded: a hash map holds at most max_entries keys. */
		for (k = 0; !err && k <= i->max_entries && !bpf_map_get_next_key(mm->src->fd, prev, okey); k++) {
			prev = okey;
			if (bpf_map_lookup_elem(mm->src->fd, okey, old))
				continue;	/* deleted meanwhile */
			ps_conv_apply(&mm->key, okey, nkey);
			ps_conv_apply(&mm->val, old, val);
			if (bpf_map_update_elem(fd, nkey, val, BPF_ANY)) {
				err = -errno;
				fprintf(stderr, "portsense: the pinned %s holds more than this run's %u entries\n"
					"  fix: " PS_FIX_DETACH "\n", mm->name, bpf_map__max_entries(mm->map),
					m->o.dir);
			}
		}
	}
	free(old);
	free(val);
	free(okey);
	free(nkey);
	return err;
}

int ps_migrate_copy(struct ps_migration *m)
{
	struct bpf_program *prog;
	char path[4096 + 64];
	int i, err;

	snprintf(path, sizeof(path), "%s/" PS_BTF_PIN PS_TMP_PIN_SUFFIX "%d", m->o.dir, (int)getpid());
	ps_pins_move_aside(&m->pins, path);
	err = ps_btf_pin(m->obj, m->o.names, m->o.n_names, path);
	if (err)
		return err;
	/* Aside until the end, as the maps: what a successor killed half way left is told apart. */
	bpf_object__for_each_program(prog, m->obj) {
		if (bpf_program__fd(prog) < 0)
			continue;
		prog_pin(path, sizeof(path), m->o.dir, prog, true);
		ps_pins_move_aside(&m->pins, path);
		if (bpf_obj_pin(bpf_program__fd(prog), path)) {
			err = -errno;
			fprintf(stderr, "portsense: cannot pin %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	for (i = 0; i < m->n; i++) {
		if (!m->maps[i].src)
			continue;
		say_carried(&m->maps[i]);
		err = copy_map(m, &m->maps[i]);
		if (err) {
			if (err != -ERANGE && err != -E2BIG && err != -ENOSPC)
				fprintf(stderr, "portsense: cannot carry %s over: %s\n", m->maps[i].name,
					strerror(-err));
			return err;
		}
	}
	return 0;
}

int ps_migrate_owned(struct ps_migration *m, struct ps_owned *ow)
{
	return ps_owned_of(&m->pins, ow, &m->owned);
}

int ps_migrate_rescan(struct ps_migration *m, struct ps_owned *ow)
{
	int err;

	ps_pins_free(&m->now);
	err = ps_pins_scan(&m->now, m->o.dir);
	return err ? err : ps_owned_of(&m->now, ow, &m->owned);
}

/* Leftovers' counters into @obj's maps of the same name. */
static int carry_leftovers(struct ps_pins *p, struct bpf_object *obj, ps_carried_fn fn, void *ctx)
{
	const struct btf *btf;
	struct ps_conv conv;
	int i, err = 0;

	for (i = 0; i < p->n; i++) {
		struct ps_pin *l = &p->v[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, l->base);

		if (!l->leftover || !map || !percpu(l->info.type) || l->info.type != bpf_map__type(map))
			continue;
		btf = ps_pin_btf(p, l);		/* first: it finds l->value_type */
		if (ps_conv_plan(&conv, btf, l->value_type, l->info.value_size,
				 bpf_object__btf(obj), bpf_map__btf_value_type_id(map),
				 bpf_map__value_size(map))) {
			fprintf(stderr, "portsense: %s cannot be added into %s: %s\n", l->name, l->base, conv.why);
		} else {
			fprintf(stderr, "portsense: %s: left by a handover that did not finish; its counters"
				" are added\n", l->name);
			err = ps_carry_pin(l, map, &conv, fn, ctx) ?: err;
		}
		ps_conv_free(&conv);
	}
	return err;
}

int ps_migrate_finish(struct ps_migration *m, ps_carried_fn carried, ps_record_fn record, void *ctx)
{
	struct mig_map *ring = &m->maps[m->n - 1];
	char tmp[4096 + 64], path[4096 + 64];
	struct bpf_map_info info = {};
	struct bpf_program *prog;
	__u32 len = sizeof(info);
	int i, j, err = 0, e;

	for (i = 0; i < m->n; i++)
		if (m->maps[i].src && percpu(m->maps[i].src->info.type))
			err = ps_carry_pin(m->maps[i].src, m->maps[i].map, &m->maps[i].val, carried, ctx) ?: err;
	err = carry_leftovers(&m->pins, m->obj, carried, ctx) ?: err;
	bpf_obj_get_info_by_fd(bpf_map__fd(ring->map), &info, &len);
	ps_rings_drain(&m->pins, m->o.ring, m->o.ring_type, m->obj, info.id, false, record, ctx);
	for (i = 0; i < m->n; i++) {
		struct mig_map *mm = &m->maps[i];

		if (!mm->src && mm != ring)
			continue;
		e = rename(mm->tmp, mm->final) ? -errno : bpf_map__set_pin_path(mm->map, mm->final);
		if (e)
			fprintf(stderr, "portsense: cannot pin %s at %s: %s\n", mm->name, mm->final,
				strerror(-e));
		err = e ?: err;
	}
	bpf_object__for_each_program(prog, m->obj) {
		if (bpf_program__fd(prog) < 0)
			continue;
		prog_pin(tmp, sizeof(tmp), m->o.dir, prog, true);
		prog_pin(path, sizeof(path), m->o.dir, prog, false);
		if (rename(tmp, path))
			err = -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s/" PS_BTF_PIN PS_TMP_PIN_SUFFIX "%d", m->o.dir, (int)getpid());
	snprintf(path, sizeof(path), "%s/" PS_BTF_PIN, m->o.dir);
	if (rename(tmp, path))
		err = -errno;
	ps_pins_unpin_leftovers(&m->pins);
	/*
	 * A map an earlier build pinned and this one does not have, a program
	 * this run does not load (another hook): nothing uses them now.
	 */
	for (i = 0; i < m->pins.n; i++) {
		struct ps_pin *p = &m->pins.v[i];

		for (j = 0; j < m->n && strcmp(m->maps[j].name, p->base); j++)
			;
		prog = p->prog ? bpf_object__find_program_by_name(m->obj, p->name + strlen(PS_PROG_PIN_PREFIX)) : NULL;
		if (p->leftover || !strcmp(p->name, PS_BTF_PIN) ||
		    (p->prog ? prog && bpf_program__fd(prog) >= 0 : j < m->n))
			continue;
		ps_pins_unpin(&m->pins, p, p->prog ? "no such program in this run" : "pinned by another build, no map of this one");
	}
	return err;
}

int ps_leftovers_adopt(const struct ps_migrate_opts *o, struct bpf_object *obj,
		       ps_carried_fn carried, ps_record_fn record, void *ctx)
{
	struct ps_pins p;
	int err = ps_pins_scan(&p, o->dir);

	if (!err) {
		err = carry_leftovers(&p, obj, carried, ctx);
		ps_rings_drain(&p, o->ring, o->ring_type, obj, 0, true, record, ctx);
		ps_pins_unpin_leftovers(&p);
	}
	ps_pins_free(&p);
	return err;
}

void ps_migrate_abort(struct ps_migration *m)
{
	struct bpf_program *prog;
	char path[4096 + 64];
	int i;

	for (i = 0; m && i < m->n; i++) {
		if (m->maps[i].src || i == m->n - 1)
			unlink(m->maps[i].tmp);
		else if (m->maps[i].created && bpf_map__is_pinned(m->maps[i].map))
			unlink(m->maps[i].final);
	}
	if (!m)
		return;
	bpf_object__for_each_program(prog, m->obj) {
		prog_pin(path, sizeof(path), m->o.dir, prog, true);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/" PS_BTF_PIN PS_TMP_PIN_SUFFIX "%d", m->o.dir, (int)getpid());
	unlink(path);
}

void ps_migrate_unpin_run(struct ps_migration *m)
{
	struct bpf_program *prog;
	char path[4096 + 64];

	if (!m)
		return;
	unlink(m->maps[m->n - 1].final);
	bpf_object__for_each_program(prog, m->obj) {
		prog_pin(path, sizeof(path), m->o.dir, prog, false);
		if (bpf_program__fd(prog) >= 0)
			unlink(path);
	}
}

void ps_migrate_free(struct ps_migration *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		ps_conv_free(&m->maps[i].key);
		ps_conv_free(&m->maps[i].val);
	}
	ps_pins_free(&m->pins);
	ps_pins_free(&m->now);
	free(m->maps);
	free(m->owned);
	free(m);
}

void ps_grace(void)
{
	/* Without membarrier (a seccomp filter): programs run for microseconds. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100 * 1000);
}
