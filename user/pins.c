// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pins.c - reads a pin directory: its maps and programs, leftovers of a
 * start that did not finish, the BTF of the maps (pins.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "pins.h"
#include "takeover.h"

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
		struct bpf_prog_info prog = {};
		__u32 len = sizeof(pin.info), plen = sizeof(prog);
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' || nl >= sizeof(pin.name) ||
		    !strncmp(de->d_name, PS_TCX_PIN_PREFIX, strlen(PS_TCX_PIN_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		/* The kernel fills the info of what the fd is: the name says which to ask. */
		pin.prog = !strncmp(de->d_name, PS_PROG_PIN_PREFIX, strlen(PS_PROG_PIN_PREFIX));
		if (pin.prog ? bpf_obj_get_info_by_fd(fd, &prog, &plen) || !prog.type :
		    bpf_obj_get_info_by_fd(fd, &pin.info, &len) || !pin.info.type) {
			close(fd);
			continue;
		}
		pin.id = pin.prog ? prog.id : pin.info.id;
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
		free(p->v[i].head);
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

#define PS_BTF_CHUNK 4096
#define PS_BTF_MAGIC 0x70736274		/* "psbt" */

/* Entry 0 of a PS_BTF_PIN (in a chunk's room); entries 1.. hold the raw BTF. */
struct btf_head {
	__u32 magic, size, n, pad;
	struct {
		char name[24];
		__u32 key, value;
	} map[(PS_BTF_CHUNK - 16) / 32];
};

_Static_assert(sizeof(struct btf_head) <= PS_BTF_CHUNK, "a head is one chunk");

/* A PS_BTF_PIN's head, its BTF parsed into blob->btf; NULL: unreadable. */
static struct btf_head *blob_load(struct ps_pin *blob)
{
	struct btf_head *h;
	__u8 *raw;
	__u32 k;

	if (blob->btf_tried)
		return blob->head;
	blob->btf_tried = true;
	h = calloc(1, PS_BTF_CHUNK);
	if (!h || bpf_map_lookup_elem(blob->fd, &(__u32){ 0 }, h) || h->magic != PS_BTF_MAGIC ||
	    h->n > sizeof(h->map) / sizeof(h->map[0]) ||
	    (h->size + PS_BTF_CHUNK - 1) / PS_BTF_CHUNK >= blob->info.max_entries)
		goto fail;
	raw = calloc(1, (h->size / PS_BTF_CHUNK + 1) * PS_BTF_CHUNK);
	for (k = 1; raw && (k - 1) * PS_BTF_CHUNK < h->size; k++)
		if (bpf_map_lookup_elem(blob->fd, &k, raw + (k - 1) * PS_BTF_CHUNK))
			break;
	if (raw && (k - 1) * PS_BTF_CHUNK >= h->size)
		blob->btf = btf__new(raw, h->size);
	free(raw);
	if (libbpf_get_error(blob->btf))
		blob->btf = NULL;
	if (!blob->btf)
		goto fail;
	blob->head = h;
	return h;
fail:
	free(h);
	return NULL;
}

const struct btf *ps_pin_btf(struct ps_pins *ps, struct ps_pin *p)
{
	struct ps_pin *blob;
	struct btf_head *h;
	char name[128];
	__u32 i;

	if (p->btf_tried)
		return p->types;
	p->btf_tried = true;
	p->key_type = p->info.btf_key_type_id;
	p->value_type = p->info.btf_value_type_id;
	p->btf = p->info.btf_id ? btf__load_from_kernel_by_id(p->info.btf_id) : NULL;
	if (libbpf_get_error(p->btf))
		p->btf = NULL;
	if (p->btf)
		return p->types = p->btf;
	/* EPERM without CAP_SYS_ADMIN: what its build pinned beside it (a leftover's, its own). */
	snprintf(name, sizeof(name), PS_BTF_PIN "%s", p->name + strlen(p->base));
	blob = ps_pins_find(ps, name);
	if (!blob)
		blob = ps_pins_find(ps, PS_BTF_PIN);
	h = blob ? blob_load(blob) : NULL;
	for (i = 0; h && i < h->n; i++) {
		if (!strncmp(h->map[i].name, p->base, sizeof(h->map[i].name))) {
			p->key_type = h->map[i].key;
			p->value_type = h->map[i].value;
			return p->types = blob->btf;
		}
	}
	return NULL;
}


int ps_btf_pin(struct bpf_object *obj, const char *const *names, int n_names, const char *path)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct btf_head *h = calloc(1, PS_BTF_CHUNK);
	__u8 chunk[PS_BTF_CHUNK];
	const struct bpf_map *map;
	const __u8 *raw;
	__u32 size = 0, k, n;
	int fd = -1, i, err = -ENOMEM;

	raw = btf ? btf__raw_data(btf, &size) : NULL;
	if (!h || !raw)
		goto out;
	n = 1 + (size + PS_BTF_CHUNK - 1) / PS_BTF_CHUNK;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, PS_BTF_PIN, sizeof(__u32), PS_BTF_CHUNK, n, NULL);
	err = fd < 0 ? fd : 0;
	*h = (struct btf_head){ .magic = PS_BTF_MAGIC, .size = size };
	for (i = 0; i < n_names && h->n < sizeof(h->map) / sizeof(h->map[0]); i++) {
		map = bpf_object__find_map_by_name(obj, names[i]);
		if (!map)
			continue;
		snprintf(h->map[h->n].name, sizeof(h->map[h->n].name), "%s", names[i]);
		h->map[h->n].key = bpf_map__btf_key_type_id(map);
		h->map[h->n++].value = bpf_map__btf_value_type_id(map);
	}
	if (!err && bpf_map_update_elem(fd, &(__u32){ 0 }, h, BPF_ANY))
		err = -errno;
	for (k = 1; !err && k < n; k++) {
		memset(chunk, 0, sizeof(chunk));
		memcpy(chunk, raw + (k - 1) * PS_BTF_CHUNK,
		       size - (k - 1) * PS_BTF_CHUNK < PS_BTF_CHUNK ? size - (k - 1) * PS_BTF_CHUNK : PS_BTF_CHUNK);
		if (bpf_map_update_elem(fd, &k, chunk, BPF_ANY))
			err = -errno;
	}
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
out:
	if (err)
		fprintf(stderr, "portsense: cannot pin this build's BTF at %s: %s\n", path, strerror(-err));
	if (fd >= 0)
		close(fd);
	free(h);
	return err;
}

void ps_pins_move_aside(struct ps_pins *p, const char *tmp)
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

int ps_owned_of(const struct ps_pins *p, struct ps_owned *ow, void **buf)
{
	size_t cap = p->n + 1;
	/* One block: the maps' ids, the programs' ids, the programs' fds. */
	__u32 *ids = malloc(cap * (2 * sizeof(__u32) + sizeof(int)));
	int *fds, i;

	free(*buf);
	*buf = ids;
	if (!ids)
		return -ENOMEM;
	fds = (int *)(ids + 2 * cap);
	ow->n = ow->n_progs = 0;
	for (i = 0; i < p->n; i++) {
		if (!p->v[i].prog) {
			ids[ow->n++] = p->v[i].id;
		} else {
			ids[cap + ow->n_progs] = p->v[i].id;
			fds[ow->n_progs++] = p->v[i].fd;
		}
	}
	ow->map_ids = ids;
	ow->prog_ids = ids + cap;
	ow->prog_fds = fds;
	return 0;
}

void ps_pins_unpin(const struct ps_pins *p, const struct ps_pin *pin, const char *why)
{
	char path[4096 + 128];

	snprintf(path, sizeof(path), "%s/%s", p->dir, pin->name);
	if (!unlink(path) && why)
		fprintf(stderr, "portsense: removed %s: %s\n", path, why);
}

void ps_pins_unpin_leftovers(const struct ps_pins *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].leftover)
			ps_pins_unpin(p, &p->v[i], NULL);
}
