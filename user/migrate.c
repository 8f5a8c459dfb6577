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
	__u32 *owned;
	int n_owned;
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

/* "NAME_hPID": @base is NAME, true when PID is all digits. */
static bool tmp_name(const char *name, char *base, size_t len)
{
	const char *h = strstr(name, PS_TMP_PIN_SUFFIX), *next, *d;

	while (h && (next = strstr(h + 1, PS_TMP_PIN_SUFFIX)))
		h = next;
	if (!h || h == name || !h[strlen(PS_TMP_PIN_SUFFIX)])
		return false;
	for (d = h + strlen(PS_TMP_PIN_SUFFIX); *d; d++)
		if (*d < '0' || *d > '9')
			return false;
	snprintf(base, len, "%.*s", (int)(h - name), name);
	return true;
}

int ps_pins_scan(struct ps_pins *p, const char *dir)
{
	char path[4096 + 256];
	struct dirent *de;
	struct ps_pin *v;
	DIR *d;
	int fd;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct ps_pin pin = { .fd = -1 };
		__u32 len = sizeof(pin.info);
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' || nl >= sizeof(pin.name) ||
		    !strncmp(de->d_name, PS_TCX_PIN_PREFIX, strlen(PS_TCX_PIN_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &pin.info, &len) || !pin.info.type) {
			close(fd);
			continue;
		}
		v = realloc(p->v, (p->n + 1) * sizeof(*v));
		if (!v) {
			close(fd);
			closedir(d);
			return -ENOMEM;
		}
		p->v = v;
		snprintf(pin.name, sizeof(pin.name), "%s", de->d_name);
		pin.leftover = tmp_name(pin.name, pin.base, sizeof(pin.base));
		if (!pin.leftover)
			snprintf(pin.base, sizeof(pin.base), "%s", pin.name);
		pin.fd = fd;
		p->v[p->n++] = pin;
	}
	closedir(d);
	return 0;
}

void ps_pins_free(struct ps_pins *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		close(p->v[i].fd);
		btf__free(p->v[i].btf);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

struct ps_pin *ps_pins_find(const struct ps_pins *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

const struct btf *ps_pin_btf(struct ps_pin *p)
{
	if (!p->btf_tried) {
		p->btf_tried = true;
		p->btf = p->info.btf_id ? btf__load_from_kernel_by_id(p->info.btf_id) : NULL;
		if (libbpf_get_error(p->btf))
			p->btf = NULL;
	}
	return p->btf;
}

/* How @pin's values become @map's: -EINVAL, after the reason, when they cannot. */
static int plan_map(struct mig_map *mm, struct ps_pin *pin, const struct btf *own, const char *dir)
{
	const struct btf *btf = ps_pin_btf(pin);
	struct bpf_map *map = mm->map;
	const char *why = NULL, *what = "";

	if (pin->info.type != bpf_map__type(map))
		why = "it is another kind of map";
	else if (ps_conv_plan(&mm->key, btf, pin->info.btf_key_type_id, pin->info.key_size, own,
			      bpf_map__btf_key_type_id(map), bpf_map__key_size(map)))
		why = mm->key.why, what = "its key: ";
	else if (ps_conv_plan(&mm->val, btf, pin->info.btf_value_type_id, pin->info.value_size, own,
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

/*
 * A leftover that has this run's temporary name (its pid was ours) would
 * be reused by libbpf as if it were ours: it moves aside, still a leftover.
 */
static void move_aside(struct ps_pins *p, const char *tmp)
{
	const char *base = strrchr(tmp, '/') + 1;
	struct ps_pin *pin = ps_pins_find(p, base);
	char to[4096 + 8];

	if (!pin)
		return;
	snprintf(to, sizeof(to), "%s0", tmp);
	if (!rename(tmp, to))
		snprintf(pin->name, sizeof(pin->name), "%s0", base);
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
		move_aside(&m->pins, mm->tmp);
		/* The ring is never shared: this run's is pinned aside until the others are read. */
		if (i == o->n_names || !pin) {
			mm->created = !pin;
		} else {
			err = plan_map(mm, pin, own, o->dir);
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

/* Entry @key of the pin does not fit this run: refused unless it is empty. */
static int beyond(const struct mig_map *mm, __u32 key, const void *val, size_t len, const char *dir)
{
	if (zero(val, len))
		return 0;
	fprintf(stderr, "portsense: the pinned %s holds data in entry %u, and this run's has %u entries\n"
		"  fix: start with the --max-interfaces the pins were made with (or more), or "
		PS_FIX_DETACH "\n", mm->name, key, bpf_map__max_entries(mm->map), dir);
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
			if (bpf_map_lookup_elem(mm->src->fd, &k, old))
				err = -errno;
			else if (k >= bpf_map__max_entries(mm->map))
				err = beyond(mm, k, old, olen, m->o.dir);
			else if (!percpu(i->type)) {
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
	int i, err;

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

static int add_id(struct ps_migration *m, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), *ids;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	ids = realloc(m->owned, (m->n_owned + 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	m->owned = ids;
	m->owned[m->n_owned++] = info.id;
	return 0;
}

int ps_migrate_owned(const struct ps_migration *m, const __u32 **ids)
{
	struct ps_migration *w = (struct ps_migration *)m;
	int i;

	if (!w->n_owned) {
		for (i = 0; i < w->pins.n; i++)
			if (add_id(w, w->pins.v[i].fd))
				return -ENOMEM;
		for (i = 0; i < w->n; i++)
			if (add_id(w, bpf_map__fd(w->maps[i].map)))
				return -ENOMEM;
	}
	*ids = w->owned;
	return w->n_owned;
}

int ps_migrate_rescan(struct ps_migration *m, const __u32 **ids)
{
	struct ps_pins now;
	int i, err = ps_pins_scan(&now, m->o.dir);

	m->n_owned = 0;
	for (i = 0; !err && i < now.n; i++)
		err = add_id(m, now.v[i].fd);
	for (i = 0; !err && i < m->n; i++)
		err = add_id(m, bpf_map__fd(m->maps[i].map));
	ps_pins_free(&now);
	*ids = m->owned;
	return err ? err : m->n_owned;
}

/*
 * The counters of @src, converted by @conv, added into @map entry by entry
 * (all CPUs' words summed, then added on this CPU).  Entries past the map's
 * end that hold counts are dropped with a warning: the fit was checked
 * before the swap, so only counts made since can be there.
 */
static int carry(struct ps_pin *src, struct bpf_map *map, const struct ps_conv *conv,
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
		if (zero(sum, nlen))
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
		fprintf(stderr, "portsense: warning: %s: %u entries counted past this run's size since the start"
			" were dropped\n", bpf_map__name(map), dropped);
	if (err)
		fprintf(stderr, "portsense: cannot add the counters of %s into %s: %s\n", src->name,
			bpf_map__name(map), strerror(-err));
	ps_carry_close(c);
	free(sum);
	free(one);
	free(old);
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

/* The rings of @p but this run's (@own_id), or only leftovers', read into @fn. */
static void drain_rings(struct ps_pins *p, const struct ps_migrate_opts *o, struct bpf_object *obj,
			__u32 own_id, bool leftovers_only, ps_record_fn fn, void *ctx)
{
	const struct bpf_map *own = bpf_object__find_map_by_name(obj, o->ring_type);
	struct ps_conv conv;
	long read, lost;
	int i;

	for (i = 0; i < p->n; i++) {
		struct ps_pin *r = &p->v[i], *t;
		bool known;

		if (strcmp(r->base, o->ring) || r->info.id == own_id || r->info.type != BPF_MAP_TYPE_RINGBUF ||
		    (leftovers_only && !r->leftover))
			continue;
		t = record_type(p, r, o->ring_type);
		known = t && own && !ps_conv_plan(&conv, ps_pin_btf(t), t->info.btf_value_type_id,
						  t->info.value_size, bpf_object__btf(obj),
						  bpf_map__btf_value_type_id(own), bpf_map__value_size(own));
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

/* Leftovers' counters into @obj's maps of the same name. */
static int carry_leftovers(struct ps_pins *p, struct bpf_object *obj, ps_carried_fn fn, void *ctx)
{
	struct ps_conv conv;
	int i, err = 0;

	for (i = 0; i < p->n; i++) {
		struct ps_pin *l = &p->v[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, l->base);

		if (!l->leftover || !map || !percpu(l->info.type) || l->info.type != bpf_map__type(map))
			continue;
		if (ps_conv_plan(&conv, ps_pin_btf(l), l->info.btf_value_type_id, l->info.value_size,
				 bpf_object__btf(obj), bpf_map__btf_value_type_id(map),
				 bpf_map__value_size(map))) {
			fprintf(stderr, "portsense: %s cannot be added into %s: %s\n", l->name, l->base, conv.why);
		} else {
			fprintf(stderr, "portsense: %s: left by a handover that did not finish; its counters"
				" are added\n", l->name);
			err = carry(l, map, &conv, fn, ctx) ?: err;
		}
		ps_conv_free(&conv);
	}
	return err;
}

static void unpin(const struct ps_pins *p, const struct ps_pin *pin, const char *why)
{
	char path[4096 + 128];

	snprintf(path, sizeof(path), "%s/%s", p->dir, pin->name);
	if (!unlink(path) && why)
		fprintf(stderr, "portsense: removed %s: %s\n", path, why);
}

static void unpin_leftovers(const struct ps_pins *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].leftover)
			unpin(p, &p->v[i], NULL);
}

int ps_migrate_finish(struct ps_migration *m, ps_carried_fn carried, ps_record_fn record, void *ctx)
{
	struct mig_map *ring = &m->maps[m->n - 1];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int i, j, err = 0, e;

	for (i = 0; i < m->n; i++)
		if (m->maps[i].src && percpu(m->maps[i].src->info.type))
			err = carry(m->maps[i].src, m->maps[i].map, &m->maps[i].val, carried, ctx) ?: err;
	err = carry_leftovers(&m->pins, m->obj, carried, ctx) ?: err;
	bpf_obj_get_info_by_fd(bpf_map__fd(ring->map), &info, &len);
	drain_rings(&m->pins, &m->o, m->obj, info.id, false, record, ctx);
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
	unpin_leftovers(&m->pins);
	/* A map an earlier build pinned and this one does not have: nothing can use it now. */
	for (i = 0; i < m->pins.n; i++) {
		for (j = 0; j < m->n && strcmp(m->maps[j].name, m->pins.v[i].base); j++)
			;
		if (j == m->n && !m->pins.v[i].leftover)
			unpin(&m->pins, &m->pins.v[i], "pinned by another build, no map of this one");
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
		drain_rings(&p, o, obj, 0, true, record, ctx);
		unpin_leftovers(&p);
	}
	ps_pins_free(&p);
	return err;
}

void ps_migrate_abort(struct ps_migration *m)
{
	int i;

	for (i = 0; m && i < m->n; i++) {
		if (m->maps[i].src || i == m->n - 1)
			unlink(m->maps[i].tmp);
		else if (m->maps[i].created && bpf_map__is_pinned(m->maps[i].map))
			unlink(m->maps[i].final);
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
